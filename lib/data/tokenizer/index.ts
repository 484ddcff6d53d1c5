// Tokenizers: byte-level BPE (train, encode, decode, HF tokenizer.json), v4's GPT-2 remap tokenizer and the
// LLaMA 32K tokenizer. Each satisfies the data pipeline's tokenizer contract (vocabSize, encode, decode,
// fingerprint, specialTokenId).
export { BpeTokenizer } from './bpe';
export type { DecodeOptions, EncodeOptions } from './bpe';
export { trainBpe, trainBpeAsync, BpeWordCounter } from './train';
export type { TrainBpeOptions } from './train';
export { V4Tokenizer, V4_SPECIALS, gpt2Encode, gpt2Decode } from './v4';
export type { BuildV4Options } from './v4';
export { LlamaTokenizer } from './llama';
