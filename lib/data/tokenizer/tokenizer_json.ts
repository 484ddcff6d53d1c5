// Reading and writing Hugging Face tokenizer.json for byte-level BPE. Parsing checks every field we use
// and throws FormatError naming the file, the field and what was expected; writing produces what HF's own
// serializer writes (same field order, vocab in id order), so the `tokenizers` package loads our files.
import { FormatError } from '../../errors';
import { PreStep, SplitBehavior, translateOniguruma } from './pretokenize';

export interface AddedTokenSpec {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

export interface PreTokenizerSpec {
  addPrefixSpace: boolean;
  trimOffsets: boolean;
  useRegex: boolean;
}

/** What a post-processor adds around one sequence: ids before and after it (TemplateProcessing etc.). */
export interface PostSpec {
  before: number[];
  after: number[];
}

export interface TokenizerSpec {
  addedTokens: AddedTokenSpec[];
  /** The ByteLevel pre-tokenizer when it is the whole pre-tokenizer (files we write always are). */
  preTokenizer: PreTokenizerSpec;
  /** A Sequence pre-tokenizer (Split + ByteLevel, as in Llama 3); preTokenizer is then unused. */
  preSteps?: PreStep[];
  /** Ids a post-processor adds when encoding with addSpecialTokens (HF's default). */
  post?: PostSpec;
  /** The normalizer, when the file has one (our files do not). */
  normalizer?: (s: string) => string;
  vocab: Map<string, number>;
  merges: Array<[string, string]>;
  unkToken: string | null;
  continuingSubwordPrefix: string | null;
  endOfWordSuffix: string | null;
  fuseUnk: boolean;
  byteFallback: boolean;
  ignoreMerges: boolean;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses tokenizer.json text; `source` names the file (or "tokenizer.json") in errors. */
export function parseTokenizerJson(text: string, source: string): TokenizerSpec {
  const fail = (what: string, hint = ''): never => {
    throw new FormatError(`${source}: ${what}${hint ? `. HINT: ${hint}` : ''}`);
  };
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON (${(e as Error).message}); expected a Hugging Face tokenizer.json`, 'write one with flashlm tokenizer train or tokenizers\' Tokenizer.save');
  }
  if (!isObject(root)) return fail('expected a JSON object (a Hugging Face tokenizer.json)');
  const model = root.model;
  if (!isObject(model)) return fail('has no "model" object; expected a Hugging Face tokenizer.json');
  const type = model.type ?? (model.merges !== undefined ? 'BPE' : undefined);
  if (type !== 'BPE') return fail(`model.type is ${JSON.stringify(type)}; only byte-level "BPE" models are supported`, 'WordPiece/Unigram/WordLevel tokenizers need the tokenizers package itself');
  if (model.dropout !== undefined && model.dropout !== null && model.dropout !== 0) fail(`model.dropout is ${JSON.stringify(model.dropout)}; only deterministic BPE (dropout null or 0) is supported`);

  const str = (v: unknown, field: string): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') return fail(`${field} must be a string or null, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (v: unknown, field: string, dflt: boolean): boolean => {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') return fail(`${field} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };

  if (!isObject(model.vocab)) return fail('model.vocab must be an object {token: id}');
  const vocab = new Map<string, number>();
  for (const [tok, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 4194303) fail(`model.vocab[${JSON.stringify(tok)}] must be an integer id in [0, 4194303], got ${JSON.stringify(id)}`);
    vocab.set(tok, id as number);
  }
  if (!Array.isArray(model.merges)) return fail('model.merges must be an array of ["a", "b"] pairs or "a b" strings');
  const merges: Array<[string, string]> = model.merges.map((m, i) => {
    if (typeof m === 'string') {
      const parts = m.split(' ');
      if (parts.length !== 2) fail(`model.merges[${i}] is ${JSON.stringify(m)}; expected "a b" (two tokens, one space)`);
      return [parts[0], parts[1]] as [string, string];
    }
    if (!Array.isArray(m) || m.length !== 2 || typeof m[0] !== 'string' || typeof m[1] !== 'string') return fail(`model.merges[${i}] must be ["a", "b"], got ${JSON.stringify(m)}`);
    return [m[0], m[1]] as [string, string];
  });

  const addedTokens: AddedTokenSpec[] = [];
  const added = root.added_tokens ?? [];
  if (!Array.isArray(added)) return fail('added_tokens must be an array');
  for (const [i, t] of added.entries()) {
    if (!isObject(t) || typeof t.content !== 'string' || typeof t.id !== 'number' || !Number.isInteger(t.id) || t.id < 0 || t.id > 4194303) {
      return fail(`added_tokens[${i}] must be {"id": integer, "content": string, ...}, got ${JSON.stringify(t)}`);
    }
    addedTokens.push({
      id: t.id,
      content: t.content,
      single_word: bool(t.single_word, `added_tokens[${i}].single_word`, false),
      lstrip: bool(t.lstrip, `added_tokens[${i}].lstrip`, false),
      rstrip: bool(t.rstrip, `added_tokens[${i}].rstrip`, false),
      normalized: bool(t.normalized, `added_tokens[${i}].normalized`, !t.special),
      special: bool(t.special, `added_tokens[${i}].special`, false),
    });
  }

  const normalizer = parseNormalizer(root.normalizer, 'normalizer', fail);
  const pre = root.pre_tokenizer;
  const byteLevel = (p: Json, field: string): PreTokenizerSpec => ({
    addPrefixSpace: bool(p.add_prefix_space, `${field}.add_prefix_space`, true),
    trimOffsets: bool(p.trim_offsets, `${field}.trim_offsets`, true),
    useRegex: bool(p.use_regex, `${field}.use_regex`, true),
  });
  let preTokenizer: PreTokenizerSpec = { addPrefixSpace: false, trimOffsets: true, useRegex: true };
  let preSteps: PreStep[] | undefined;
  const expectedPre = 'expected {"type": "ByteLevel", ...} or a Sequence of Split and ByteLevel (a byte-level BPE tokenizer)';
  if (isObject(pre) && pre.type === 'ByteLevel') {
    preTokenizer = byteLevel(pre, 'pre_tokenizer');
  } else if (isObject(pre) && pre.type === 'Sequence' && Array.isArray(pre.pretokenizers)) {
    preSteps = pre.pretokenizers.map((p, i): PreStep => {
      const field = `pre_tokenizer.pretokenizers[${i}]`;
      if (isObject(p) && p.type === 'ByteLevel') return { type: 'ByteLevel', ...byteLevel(p, field) };
      if (!isObject(p) || p.type !== 'Split') return fail(`${field} is ${JSON.stringify(isObject(p) ? p.type : p)}; only Split and ByteLevel are supported in a Sequence`);
      const pat = p.pattern;
      const behaviors = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];
      if (typeof p.behavior !== 'string' || !behaviors.includes(p.behavior)) return fail(`${field}.behavior must be one of ${behaviors.join(', ')}, got ${JSON.stringify(p.behavior)}`);
      let regex: RegExp;
      if (isObject(pat) && typeof pat.String === 'string') regex = new RegExp(pat.String.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'gu');
      else if (isObject(pat) && typeof pat.Regex === 'string') {
        try {
          regex = translateOniguruma(pat.Regex);
        } catch (e) {
          return fail(`${field}.pattern.Regex ${JSON.stringify(pat.Regex)}: ${(e as Error).message}`);
        }
      } else return fail(`${field}.pattern must be {"String": ...} or {"Regex": ...}, got ${JSON.stringify(pat)}`);
      return { type: 'Split', regex, behavior: p.behavior as SplitBehavior, invert: bool(p.invert, `${field}.invert`, false) };
    });
    if (preSteps.length === 0 || preSteps[preSteps.length - 1].type !== 'ByteLevel') fail(`pre_tokenizer is a Sequence that does not end with ByteLevel; ${expectedPre}`);
  } else {
    return fail(`pre_tokenizer is ${JSON.stringify(isObject(pre) ? pre.type : pre)}; ${expectedPre}`);
  }
  const post = parsePost(root.post_processor, 'post_processor', fail);
  // Files of the original FlashLM recipe have no decoder (bug B11); we decode byte-level regardless, where HF
  // would join the raw "Ġ" tokens with spaces.
  const dec = root.decoder;
  if (dec !== undefined && dec !== null && !(isObject(dec) && dec.type === 'ByteLevel')) {
    fail(`decoder ${JSON.stringify(isObject(dec) ? dec.type : dec)} is not supported; expected ByteLevel or null`);
  }
  return {
    addedTokens,
    preTokenizer,
    preSteps,
    post,
    normalizer,
    vocab,
    merges,
    unkToken: str(model.unk_token, 'model.unk_token'),
    continuingSubwordPrefix: str(model.continuing_subword_prefix, 'model.continuing_subword_prefix'),
    endOfWordSuffix: str(model.end_of_word_suffix, 'model.end_of_word_suffix'),
    fuseUnk: bool(model.fuse_unk, 'model.fuse_unk', false),
    byteFallback: bool(model.byte_fallback, 'model.byte_fallback', false),
    ignoreMerges: bool(model.ignore_merges, 'model.ignore_merges', false),
  };
}

// Unicode normal forms and lowercasing come from JS (ICU). Lowercase and NFC agree with the reference on
// every code point; NFD/NFKC/NFKD differ on ~190 (U+32FF, U+A7F1.., newer than the reference's tables).
function parseNormalizer(n: unknown, field: string, fail: (what: string) => never): ((s: string) => string) | undefined {
  if (n === undefined || n === null) return undefined;
  if (!isObject(n)) return fail(`${field} must be an object or null`);
  switch (n.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = n.type;
      return (s) => s.normalize(form);
    }
    case 'Lowercase':
      return (s) => s.toLowerCase();
    case 'Replace': {
      const pat = n.pattern;
      if (!isObject(pat) || typeof pat.String !== 'string' || typeof n.content !== 'string') return fail(`${field}: only Replace with a {"String": ...} pattern is supported, got ${JSON.stringify(pat)}`);
      const [from, to] = [pat.String, n.content];
      return from.length === 0 ? (s) => s : (s) => s.split(from).join(to);
    }
    case 'Sequence': {
      if (!Array.isArray(n.normalizers)) return fail(`${field}.normalizers must be an array`);
      const steps = n.normalizers.map((m, i) => parseNormalizer(m, `${field}.normalizers[${i}]`, fail)).filter((f): f is (s: string) => string => f !== undefined);
      return (s) => steps.reduce((acc, f) => f(acc), s);
    }
    default:
      return fail(`${field} ${JSON.stringify(n.type)} is not supported; expected null, NFC, NFD, NFKC, NFKD, Lowercase, Replace or a Sequence of them`);
  }
}

// ByteLevel changes no ids; TemplateProcessing (single sequence), RobertaProcessing and BertProcessing add
// special ids around the sequence; Sequence applies each in turn.
function parsePost(pp: unknown, field: string, fail: (what: string) => never): PostSpec | undefined {
  if (pp === undefined || pp === null) return undefined;
  if (!isObject(pp)) return fail(`${field} must be an object or null`);
  const pairId = (v: unknown, f: string): number => {
    if (!Array.isArray(v) || typeof v[1] !== 'number') return fail(`${f} must be ["token", id], got ${JSON.stringify(v)}`);
    return v[1];
  };
  switch (pp.type) {
    case 'ByteLevel':
      return undefined;
    case 'RobertaProcessing':
    case 'BertProcessing':
      return { before: [pairId(pp.cls, `${field}.cls`)], after: [pairId(pp.sep, `${field}.sep`)] };
    case 'TemplateProcessing': {
      const single = pp.single;
      const specials = isObject(pp.special_tokens) ? pp.special_tokens : {};
      if (!Array.isArray(single)) return fail(`${field}.single must be an array`);
      const out: PostSpec = { before: [], after: [] };
      let seenA = false;
      for (const [i, item] of single.entries()) {
        if (isObject(item) && isObject(item.Sequence)) {
          seenA = true;
          continue;
        }
        const name = isObject(item) && isObject(item.SpecialToken) ? item.SpecialToken.id : undefined;
        const ids = typeof name === 'string' && isObject(specials[name]) ? (specials[name] as Json).ids : undefined;
        if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x))) return fail(`${field}.single[${i}] must name a special token listed in special_tokens with its ids, got ${JSON.stringify(item)}`);
        (seenA ? out.after : out.before).push(...(ids as number[]));
      }
      return out;
    }
    case 'Sequence': {
      if (!Array.isArray(pp.processors)) return fail(`${field}.processors must be an array`);
      const out: PostSpec = { before: [], after: [] };
      pp.processors.forEach((p, i) => {
        const one = parsePost(p, `${field}.processors[${i}]`, fail);
        if (one) {
          out.before = [...one.before, ...out.before];
          out.after = [...out.after, ...one.after];
        }
      });
      return out.before.length + out.after.length > 0 ? out : undefined;
    }
    default:
      return fail(`${field} ${JSON.stringify(pp.type)} is not supported; expected null, ByteLevel, TemplateProcessing, RobertaProcessing, BertProcessing or a Sequence of them`);
  }
}

/**
 * tokenizer.json text for a spec, as HF's serializer writes it (pretty, 2-space indent) but always with the
 * ByteLevel decoder attached (the fix for B11). The vocab is written in id order.
 */
export function stringifyTokenizerJson(spec: TokenizerSpec): string {
  const pre = { type: 'ByteLevel', add_prefix_space: spec.preTokenizer.addPrefixSpace, trim_offsets: spec.preTokenizer.trimOffsets, use_regex: spec.preTokenizer.useRegex };
  const head = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...spec.addedTokens].sort((a, b) => a.id - b.id).map((t) => ({ id: t.id, content: t.content, single_word: t.single_word, lstrip: t.lstrip, rstrip: t.rstrip, normalized: t.normalized, special: t.special })),
    normalizer: null,
    pre_tokenizer: pre,
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  };
  const model = {
    type: 'BPE',
    dropout: null,
    unk_token: spec.unkToken,
    continuing_subword_prefix: spec.continuingSubwordPrefix,
    end_of_word_suffix: spec.endOfWordSuffix,
    fuse_unk: spec.fuseUnk,
    byte_fallback: spec.byteFallback,
    ignore_merges: spec.ignoreMerges,
  };
  const indent = (s: string, by: string): string => s.split('\n').join(`\n${by}`);
  const headText = JSON.stringify(head, null, 2);
  const modelText = JSON.stringify(model, null, 2);
  // JSON.stringify would put integer-like keys ("1", "42") first; write the vocab by hand in id order.
  const entries = [...spec.vocab].sort((a, b) => a[1] - b[1]).map(([t, id]) => `      ${JSON.stringify(t)}: ${id}`);
  const merges = spec.merges.map(([a, b]) => `      [\n        ${JSON.stringify(a)},\n        ${JSON.stringify(b)}\n      ]`);
  return (
    headText.slice(0, -2) +
    ',\n  "model": ' +
    indent(modelText.slice(0, -2), '  ') +
    ',\n    "vocab": {\n' +
    entries.join(',\n') +
    '\n    },\n    "merges": [\n' +
    merges.join(',\n') +
    '\n    ]\n  }\n}'
  );
}
