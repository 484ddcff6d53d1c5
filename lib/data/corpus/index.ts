// flashlm.data.corpus(name, options): the one entry point naming every corpus, plus the corpus types.
import { finewebEdu, tinystories, type FineWebEduOptions, type TinyStoriesOptions } from '../loaders/hub';
import type { Corpus } from './corpus';
import { mobyDick, sotu, type EmbeddedOptions } from './embedded';

/** Options per corpus name. */
export interface CorpusOptions {
  sotu: EmbeddedOptions;
  'moby-dick': EmbeddedOptions;
  tinystories: TinyStoriesOptions;
  'fineweb-edu': FineWebEduOptions;
}

export type CorpusName = keyof CorpusOptions;

const CORPORA: { [K in CorpusName]: (o: CorpusOptions[K]) => Corpus } = {
  sotu,
  'moby-dick': mobyDick,
  tinystories,
  'fineweb-edu': finewebEdu,
};

/** The names corpus() accepts. */
export const CORPUS_NAMES = Object.keys(CORPORA) as CorpusName[];

/**
 * A named corpus with train and validation splits of documents. 'sotu' and 'moby-dick' ship with npm and
 * work offline; 'tinystories' and 'fineweb-edu' download from the Hugging Face hub on first use.
 *
 * @example
 * const c = flashlm.data.corpus('sotu', { validationFraction: 0.1, seed: 0 });
 * const ts = flashlm.data.corpus('tinystories', { maxDocuments: 50000 });
 */
export function corpus<K extends CorpusName>(name: K, options?: CorpusOptions[K]): Corpus {
  const make = Object.prototype.hasOwnProperty.call(CORPORA, name) ? CORPORA[name] : undefined;
  if (!make) throw new RangeError(`corpus: unknown corpus '${String(name)}'; expected one of ${CORPUS_NAMES.map((n) => `'${n}'`).join(', ')}. HINT: for your own files use flashlm.data.text('path/*.txt')`);
  return make(options ?? {});
}

export { Corpus } from './corpus';
export type { CorpusInfo } from './corpus';
export { Documents } from './documents';
export type { SeparatorHint, SplitRule } from './documents';
export { SEPARATIONS, END_OF_TEXT, splitDocuments } from './separation';
export type { Separation, SeparationName } from './separation';
export { text, resolveFiles } from './text';
export type { TextOptions } from './text';
export type { EmbeddedOptions } from './embedded';
