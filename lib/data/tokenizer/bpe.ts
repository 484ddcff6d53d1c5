// BpeTokenizer: encode/decode with any Hugging Face byte-level BPE tokenizer.json, ids identical to the
// `tokenizers` package. Pipeline as in HF: split out added tokens (leftmost-longest), then per remaining
// segment the ByteLevel pre-tokenizer (prefix space, GPT-2 pieces), then BPE per piece behind a cache.
// Why not the package itself: its Node binding encodes at ~4 MB/s (this does ~30), it is 64 MB of binaries
// for 13 platforms, and it cannot train with settings (trainer.rs is matched in train.ts instead).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

import { FormatError } from '../../errors';
import { writeFileAtomic } from '../../io/atomic';
import { BYTE_TO_CHAR, decodeByteLevel, splitGpt2, toWellFormed, utf8Bytes } from './bytelevel';
import { BpeModel } from './model';
import { splitPieces } from './pretokenize';
import { AddedTokenSpec, parseTokenizerJson, stringifyTokenizerJson, TokenizerSpec } from './tokenizer_json';

/** Options for encode. */
export interface EncodeOptions {
  /** Add the ids the file's post-processor adds (e.g. BOS), as HF does by default. Default true. */
  addSpecialTokens?: boolean;
}

/** Options for decode. */
export interface DecodeOptions {
  /** Drop special added tokens (BOS, EOS, <|endoftext|> ...) from the text. Default false. */
  skipSpecialTokens?: boolean;
}

// Pieces longer than this (in UTF-16 units) are not cached: long runs are rare and would bloat the cache.
const CACHE_MAX_PIECE = 64;
// Past this many entries the cache starts over: bounded memory on huge corpora, recent words kept.
const CACHE_MAX_ENTRIES = 1 << 18;

export class BpeTokenizer {
  /** One more than the largest id (model vocab and added tokens). */
  readonly vocabSize: number;
  private readonly model: BpeModel;
  private readonly spec: TokenizerSpec;
  private readonly json: string;
  private readonly added: AddedTokenSpec[];
  private readonly addedById = new Map<number, AddedTokenSpec>();
  private readonly addedByContent = new Map<string, AddedTokenSpec>();
  private readonly addedByNormalized = new Map<string, AddedTokenSpec>();
  private readonly rawPattern: RegExp | null;
  private readonly normalizedPattern: RegExp | null;
  private readonly cache = new Map<string, number[]>();
  private readonly byteIds: Int32Array;
  private ends = { buf: new Int32Array(1024) };
  private bytes = new Uint8Array(1024);

  /** Use BpeTokenizer.load / fromJSON or trainBpe rather than this. `source` names the file in errors. */
  constructor(spec: TokenizerSpec, json: string, source: string) {
    this.spec = spec;
    this.json = json;
    try {
      this.model = new BpeModel(spec.vocab, spec.merges, spec);
    } catch (e) {
      throw new FormatError(`${source}: ${(e as Error).message}; expected a consistent BPE vocab and merge table`);
    }
    this.added = spec.addedTokens;
    let max = -1;
    for (const id of spec.vocab.values()) max = Math.max(max, id);
    for (const t of this.added) {
      this.addedById.set(t.id, t);
      this.addedByContent.set(t.content, t);
      max = Math.max(max, t.id);
    }
    this.vocabSize = max + 1;
    // Tokens with normalized: true are matched in normalized text, by their normalized content.
    const norm = spec.normalizer ?? ((x: string): string => x);
    this.rawPattern = alternation(this.added.filter((t) => !t.normalized).map((t) => t.content));
    this.normalizedPattern = alternation(this.added.filter((t) => t.normalized).map((t) => norm(t.content)));
    for (const t of this.added) if (t.normalized) this.addedByNormalized.set(norm(t.content), t);
    // id of each byte's char when the vocab has it: most pieces of plain text are single bytes or cached.
    this.byteIds = new Int32Array(256).map((_, b) => spec.vocab.get(BYTE_TO_CHAR[b]) ?? -1);
  }

  /** Loads a tokenizer.json file. @example const tok = BpeTokenizer.load('tokenizer.json'); */
  static load(path: string): BpeTokenizer {
    let text: string;
    try {
      text = fs.readFileSync(path, 'utf8');
    } catch (e) {
      throw new FormatError(`${path}: cannot read the tokenizer (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a Hugging Face tokenizer.json. HINT: make one with \`flashlm tokenizer train\``);
    }
    return BpeTokenizer.fromJSON(text, path);
  }

  /** Parses tokenizer.json text. @example BpeTokenizer.fromJSON(fs.readFileSync(p, 'utf8')) */
  static fromJSON(text: string, source = 'tokenizer.json'): BpeTokenizer {
    return new BpeTokenizer(parseTokenizerJson(text, source), text, source);
  }

  /** Builds one from a spec (the trainer's output); its JSON is what save() writes. */
  static fromSpec(spec: TokenizerSpec): BpeTokenizer {
    return new BpeTokenizer(spec, stringifyTokenizerJson(spec), 'tokenizer.json');
  }

  /** The tokenizer.json text: the file's own text when loaded, HF's layout with a ByteLevel decoder when built. */
  toJSON(): string {
    return this.json;
  }

  /** Writes tokenizer.json atomically. @example tok.save('out/tokenizer.json') */
  save(path: string): void {
    writeFileAtomic(path, [Buffer.from(this.json, 'utf8')]);
  }

  /** SHA-256 (hex) of the tokenizer.json text: stable for a saved file, recorded in token shard headers. */
  fingerprint(): string {
    return createHash('sha256').update(this.json).digest('hex');
  }

  /** Id of an added (special) token such as "<|endoftext|>", or undefined. */
  specialTokenId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? undefined;
  }

  /** Id of any token string (vocab or added), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.spec.vocab.get(token);
  }

  /** Token string of an id, or undefined. */
  idToToken(id: number): string | undefined {
    return this.addedById.get(id)?.content ?? this.model.idToToken[id];
  }

  /** The merges in rank order, as [left, right] token strings. */
  get merges(): ReadonlyArray<readonly [string, string]> {
    return this.spec.merges;
  }

  /** The model vocab (token -> id), without added tokens that are not in it. */
  get vocab(): ReadonlyMap<string, number> {
    return this.spec.vocab;
  }

  /**
   * Token ids of text, identical to HF `tokenizers` encode (added tokens in the text become their ids).
   * @example tok.encode('Hello world') // Uint32Array [...]
   */
  encode(text: string, options: EncodeOptions = {}): Uint32Array {
    const out: number[] = [];
    const post = options.addSpecialTokens === false ? undefined : this.spec.post;
    if (post) out.push(...post.before);
    this.encodeInto(toWellFormed(text), out);
    if (post) out.push(...post.after);
    return Uint32Array.from(out);
  }

  /** encode for each text. @example tok.encodeBatch(['a b', 'c']) */
  encodeBatch(texts: readonly string[], options: EncodeOptions = {}): Uint32Array[] {
    return texts.map((t) => this.encode(t, options));
  }

  /**
   * Text of ids through the byte-level decoder, so decode(encode(x)) === x for any well-formed x.
   * Throws RangeError on an id that is not an integer in [0, vocabSize).
   * @example tok.decode(tok.encode('héllo')) // 'héllo'
   */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const added = this.addedById.get(id);
      if (added !== undefined) {
        if (!(options.skipSpecialTokens && added.special)) tokens.push(added.content);
        continue;
      }
      const tok = Number.isInteger(id) ? this.model.idToToken[id] : undefined;
      if (tok === undefined) {
        throw new RangeError(`decode: ids[${i}] is ${id}; expected a token id in [0, ${this.vocabSize})${id >= 0 && id < this.vocabSize ? ' that the vocab defines' : ''}. HINT: were these ids made with another tokenizer?`);
      }
      tokens.push(tok);
    }
    return decodeByteLevel(tokens);
  }

  // Added tokens first (non-normalized, then normalized: with no normalizer both see the raw text).
  private encodeInto(text: string, out: number[]): void {
    if (text.length === 0) return;
    const normalize = this.spec.normalizer;
    if (this.rawPattern === null && this.normalizedPattern === null && normalize === undefined) {
      this.encodeSegment(text, out);
      return;
    }
    for (const [a, b, id] of this.splitAdded(text, this.rawPattern, this.addedByContent)) {
      if (id >= 0) out.push(id);
      else {
        const seg = normalize ? normalize(text.slice(a, b)) : text.slice(a, b);
        for (const [c, d, id2] of this.splitAdded(seg, this.normalizedPattern, this.addedByNormalized)) {
          if (id2 >= 0) out.push(id2);
          else this.encodeSegment(seg.slice(c, d), out);
        }
      }
    }
  }

  // HF AddedVocabulary::find_matches: [start, end, id or -1] covering the text.
  private splitAdded(text: string, pattern: RegExp | null, tokens: Map<string, AddedTokenSpec>): Array<[number, number, number]> {
    const out: Array<[number, number, number]> = [];
    if (pattern === null) return [[0, text.length, -1]];
    let from = 0;
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      const tok = tokens.get(m[0]) as AddedTokenSpec;
      let start = m.index;
      let stop = start + m[0].length;
      if (tok.single_word) {
        const startSpace = start === 0 || !WORD_END.test(text.slice(0, start));
        const stopSpace = stop === text.length || !WORD_START.test(text.slice(stop));
        if (!startSpace || !stopSpace) continue;
      }
      if (tok.lstrip) start = Math.max(text.slice(0, start).search(SPACES_AT_END), from);
      if (tok.rstrip) stop += (SPACES_AT_START.exec(text.slice(stop)) as RegExpExecArray)[0].length;
      if (from < start) out.push([from, start, -1]);
      out.push([start, stop, tok.id]);
      from = stop;
    }
    if (from !== text.length) out.push([from, text.length, -1]);
    return out;
  }

  private encodeSegment(segment: string, out: number[]): void {
    if (this.spec.preSteps) {
      let pieces = [segment];
      for (const step of this.spec.preSteps) {
        if (step.type === 'Split') pieces = pieces.flatMap((p) => splitPieces(p, step));
        else {
          for (let p of pieces) {
            if (step.addPrefixSpace && p.charCodeAt(0) !== 0x20) p = ' ' + p;
            if (!step.useRegex) this.encodePiece(p, 0, p.length, out);
            else {
              const n = splitGpt2(p, 0, p.length, this.ends);
              for (let i = 0, a = 0; i < n; a = this.ends.buf[i++]) this.encodePiece(p, a, this.ends.buf[i], out);
            }
          }
        }
      }
      return;
    }
    const pre = this.spec.preTokenizer;
    const s = pre.addPrefixSpace && segment.charCodeAt(0) !== 0x20 ? ' ' + segment : segment;
    if (!pre.useRegex) {
      this.encodePiece(s, 0, s.length, out);
      return;
    }
    const n = splitGpt2(s, 0, s.length, this.ends);
    const ends = this.ends.buf;
    let a = 0;
    for (let i = 0; i < n; i++) {
      const b = ends[i];
      this.encodePiece(s, a, b, out);
      a = b;
    }
  }

  private encodePiece(s: string, a: number, b: number, out: number[]): void {
    if (b - a === 1) {
      const c = s.charCodeAt(a);
      if (c < 0x80 && this.byteIds[c] >= 0 && this.spec.endOfWordSuffix === null) {
        out.push(this.byteIds[c]);
        return;
      }
    }
    const cacheable = b - a <= CACHE_MAX_PIECE;
    const key = s.slice(a, b);
    if (cacheable) {
      const hit = this.cache.get(key);
      if (hit !== undefined) {
        for (let i = 0; i < hit.length; i++) out.push(hit[i]);
        return;
      }
    }
    if (this.bytes.length < 3 * (b - a)) this.bytes = new Uint8Array(6 * (b - a));
    const nb = utf8Bytes(s, a, b, this.bytes);
    let word = '';
    for (let i = 0; i < nb; i++) word += BYTE_TO_CHAR[this.bytes[i]];
    const ids: number[] = [];
    this.model.tokenize(word, ids);
    if (cacheable) {
      if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
      this.cache.set(key, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }
}

// Rust regex's \w and \s (Unicode) for single_word / lstrip / rstrip added tokens.
const WORD_END = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
const WORD_START = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;
const SPACES_AT_END = /[\p{White_Space}]*$/u;
const SPACES_AT_START = /^[\p{White_Space}]*/u;

// Leftmost-longest matching of the added tokens: JS alternation is leftmost-first, so longest first.
function alternation(strings: string[]): RegExp | null {
  const contents = strings.filter((c) => c.length > 0);
  if (contents.length === 0) return null;
  contents.sort((a, b) => b.length - a.length);
  return new RegExp(contents.map((c) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'gu');
}
