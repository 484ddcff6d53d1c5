// Native surface: the softmax kernel family (native/src/bind/softmax.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface SoftmaxNative {}
