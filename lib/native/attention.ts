// Native surface: the attention kernel family (native/src/bind/attention.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface AttentionNative {}
