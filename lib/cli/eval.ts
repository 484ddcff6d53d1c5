// `flashlm eval DIR [--data CORPUS|SHARD] [--json]`: evaluates a run's model on validation data and prints
// each metric labelled as what it is (bits per token is what the originals called "BPC"; spec S10).
import * as fs from 'node:fs';

import { CORPUS_NAMES, corpus as loadCorpus, type CorpusName } from '../data/corpus';
import { readShard } from '../data/shards/format';
import { evaluate, formatEvaluation, type EvalData } from '../eval/evaluate';
import { loadRunDir } from './run_dir';
import { UsageError, numberOption, parseFlags, stringOption } from './flags';

export const EVAL_USAGE = `usage: flashlm eval DIR [--data CORPUS|SHARD] [--max-documents N] [--max-tokens N] [--batch-size N] [--json]

  DIR            a run directory (config.json, model.safetensors, tokenizer.json)
  --data         a corpus name (${CORPUS_NAMES.join(', ')}; its validation split) or a validation token
                 shard (.tok; bits per character need the text, so a shard gives bits per token only).
                 Default: the corpus named in DIR/config.json ("data")
  --json         print the metrics as one JSON object`;

/**
 * The data a run's config.json records, if any: { data: 'sotu' } or { data: { corpus | name | validation } }
 * (a corpus name or a validation shard path), at the top level or under training/train.
 */
function dataOfRun(config: Record<string, unknown>): string | undefined {
  for (const where of [config, config.training as Record<string, unknown> | undefined, config.train as Record<string, unknown> | undefined]) {
    const d = where?.data;
    if (typeof d === 'string') return d;
    if (typeof d === 'object' && d !== null) {
      const o = d as Record<string, unknown>;
      for (const k of ['corpus', 'name', 'validation']) if (typeof o[k] === 'string') return o[k] as string;
    }
  }
  return undefined;
}

export async function evalCommand(args: string[]): Promise<number> {
  try {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(EVAL_USAGE);
      return 0;
    }
    const p = parseFlags('eval', args, { values: ['--data', '--max-documents', '--max-tokens', '--batch-size'], flags: ['--json'] });
    if (p.positional.length !== 1) throw new UsageError(`eval: give exactly one run directory, got ${p.positional.length}`);
    const run = loadRunDir(p.positional[0]);
    const dataArg = stringOption(p, '--data') ?? dataOfRun(run.config);
    if (dataArg === undefined) throw new UsageError(`eval: ${run.dir}/config.json names no data; give --data CORPUS|SHARD`);
    let data: EvalData;
    if ((CORPUS_NAMES as string[]).includes(dataArg)) {
      data = loadCorpus(dataArg as CorpusName);
      if (run.tokenizer === null) throw new UsageError(`eval: ${run.dir} has no tokenizer.json to encode corpus '${dataArg}'; give --data SHARD`);
    } else if (fs.existsSync(dataArg)) {
      data = { tokens: readShard(dataArg, run.tokenizer ? { fingerprint: run.tokenizer.fingerprint() } : {}) };
    } else throw new UsageError(`eval: --data '${dataArg}' is neither a corpus (${CORPUS_NAMES.join(', ')}) nor a shard file`);
    // a live line on a terminal only (CI logs and pipes get the result alone)
    let last = 0;
    const onProgress = process.stderr.isTTY
      ? (q: { documents: number; tokens: number }) => {
          if (Date.now() - last < 250) return;
          last = Date.now();
          process.stderr.write(`\reval: ${q.documents} documents, ${q.tokens} tokens scored`);
        }
      : undefined;
    const m = await evaluate(run.model, data, {
      onProgress,
      tokenizer: run.tokenizer ?? undefined,
      maxDocuments: numberOption('eval', p, '--max-documents', { integer: true, min: 1 }),
      maxTokens: numberOption('eval', p, '--max-tokens', { integer: true, min: 1 }),
      batchSize: numberOption('eval', p, '--batch-size', { integer: true, min: 1 }),
    });
    if (last > 0) process.stderr.write('\n');
    console.log(p.flags.has('--json') ? JSON.stringify({ run: run.dir, model: run.model.name, data: dataArg, ...m }) : formatEvaluation(m));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`flashlm ${e.message}\n\n${EVAL_USAGE}`);
      return 2;
    }
    console.error(`flashlm eval: ${(e as Error).message}`);
    return 1;
  }
}
