// flashlm.models: the registry and the model classes. Importing this file registers every version.
export { list, create, entry, registerModel } from './registry';
export type { ModelEntry, CreateOptions } from './registry';
export { LanguageModel, isLanguageModel } from './language_model';
export type { ModelConfig, DecodeState, ParameterCounts } from './language_model';
export { checkTokens } from './checks';
export { BigramModel } from './bigram';
export type { BigramConfig } from './bigram';
export { EclipseModel, EclipseBlock, eclipseSpecParameters } from './eclipse';
export type { EclipseConfig } from './eclipse';
export { BoltModel, BoltBlock, GatedConvMixer, boltSpecParameters } from './bolt';
export type { BoltConfig } from './bolt';
