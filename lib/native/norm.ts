// Native surface: the norm kernel family (native/src/bind/norm.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NormNative {}
