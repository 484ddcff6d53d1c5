// Native surface: the reduce kernel family (native/src/bind/reduce.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ReduceNative {}
