// Native surface: the optim kernel family (native/src/bind/optim.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface OptimNative {}
