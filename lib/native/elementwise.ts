// Native surface: the elementwise kernel family (native/src/bind/elementwise.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ElementwiseNative {}
