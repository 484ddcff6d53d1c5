// The LLaMA 32K SentencePiece tokenizer for v7 (spec §9), from `llama-tokenizer-js` (pinned), which embeds
// Meta's LLaMA-1/2 vocab. That package is an ES module, which Jest cannot require, so its single file is
// evaluated here as a script (its only exports are the class and a default instance).
//
// Speed: the package merges a whole text as one sequence (a priority queue over every character), about
// 100 KB/s — sotu took 95 s, TinyStories would take hours. No LLaMA merge joins a piece that ends in a
// character other than ▁ with one that starts with ▁ (checked over all 61,249 merges: none; a test keeps
// checking), so a text splits exactly into "▁-run + word" chunks that merge independently, and the same
// chunk always gives the same ids. encode() therefore runs the package's own encoder once per distinct
// chunk and caches the result: the ids are the package's, bit for bit, and repeated words cost a lookup.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as vm from 'node:vm';

interface LlamaImpl {
  encode(text: string, addBos?: boolean, addPrecedingSpace?: boolean): number[];
  decode(ids: number[], addBos?: boolean, addPrecedingSpace?: boolean): string;
  vocabById: string[];
  merges: Map<string, number>;
}

/** SentencePiece's space symbol (U+2581), which the package substitutes for every space. */
const SPACE = '\u2581';
/** Chunks that no merge crosses: a run of ▁ with the word after it, or a trailing run of ▁. */
const CHUNK = /\u2581*[^\u2581]+|\u2581+/g;
/** Distinct chunks kept (a word each; cleared when full, so memory stays bounded on any corpus). */
const CACHE_LIMIT = 1 << 18;

let loaded: { impl: LlamaImpl; hash: string } | undefined;

function load(): { impl: LlamaImpl; hash: string } {
  if (loaded) return loaded;
  let file: string;
  try {
    file = require.resolve('llama-tokenizer-js/llama-tokenizer.js');
  } catch {
    throw new Error('LlamaTokenizer: the package llama-tokenizer-js is not installed. HINT: npm install (it is a dependency of flashlm)');
  }
  const source = fs.readFileSync(file, 'utf8');
  const script = source.replace(/^export class /m, 'class ').replace(/^export default (\w+)/m, 'module.exports = { instance: $1, LlamaTokenizer }');
  const module = { exports: {} as { instance?: LlamaImpl } };
  vm.runInThisContext(`(function (module) {\n${script}\n})`, { filename: file })(module);
  if (!module.exports.instance) throw new Error(`LlamaTokenizer: ${file} did not define the tokenizer (an unexpected llama-tokenizer-js version?)`);
  loaded = { impl: module.exports.instance, hash: createHash('sha256').update(source).digest('hex') };
  return loaded;
}

/**
 * LLaMA 32K tokenizer: <unk> 0, <s> 1 (BOS), </s> 2 (EOS); encode adds no BOS and, like SentencePiece,
 * one leading space that decode removes.
 * @example const tok = new LlamaTokenizer(); tok.decode(tok.encode('Hello')) // 'Hello'
 */
export class LlamaTokenizer {
  readonly vocabSize = 32000;

  private readonly cache = new Map<string, number[]>();

  encode(text: string): Uint32Array {
    if (text.length === 0) return new Uint32Array(0);
    const { impl } = load();
    // The package's own first step: one preceding space, then every space as ▁.
    const spaced = SPACE + text.replaceAll(' ', SPACE);
    const ids: number[] = [];
    for (const [chunk] of spaced.matchAll(CHUNK)) {
      let piece = this.cache.get(chunk);
      if (piece === undefined) {
        if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
        piece = impl.encode(chunk, false, false);
        this.cache.set(chunk, piece);
      }
      for (const id of piece) ids.push(id);
    }
    return Uint32Array.from(ids);
  }

  /**
   * The merges that would join a piece ending in a character other than ▁ to a piece starting with ▁
   * (what encode's chunking relies on there being none of), for the tests.
   */
  static crossingMerges(): string[] {
    const out: string[] = [];
    for (const key of load().impl.merges.keys()) {
      const [left, right] = key.split(' ');
      if (!left.endsWith(SPACE) && right.startsWith(SPACE)) out.push(key);
    }
    return out;
  }

  /** The package's encoder on the whole text, unchunked: the reference encode() must equal (tests, bench). */
  static referenceEncode(text: string): Uint32Array {
    return text.length === 0 ? new Uint32Array(0) : Uint32Array.from(load().impl.encode(text, false, true));
  }

  encodeBatch(texts: readonly string[]): Uint32Array[] {
    return texts.map((t) => this.encode(t));
  }

  decode(ids: ArrayLike<number>): string {
    const list = Array.from(ids);
    list.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`LlamaTokenizer.decode: ids[${i}] is ${id}; expected a token id in [0, 32000)`);
    });
    return list.length === 0 ? '' : load().impl.decode(list, false, true);
  }

  /** SHA-256 of the package file that holds the vocab and merges. */
  fingerprint(): string {
    return load().hash;
  }

  specialTokenId(token: string): number | undefined {
    return ({ '<unk>': 0, '<s>': 1, '</s>': 2 } as Record<string, number>)[token];
  }
}
