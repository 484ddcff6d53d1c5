// Native surface: the embedding kernel family (native/src/bind/embedding.cc).

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface EmbeddingNative {}
