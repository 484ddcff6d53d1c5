// Native surface: the rng kernel family (native/src/bind/rng.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface RngNative {}
