// The `flashlm` command line: dispatches subcommands. Each subcommand lives in its own file here;
// later issues add train, eval, generate, export, kernel and repl.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { native } from '../native';
import { bench } from './bench';
import { demo } from './demo';
import { tokenizerCommand } from './tokenizer';
import { kernelCommand } from '../../kernel/install';
import { evalCommand } from './eval';
import { generateCommand } from './generate';
import { trainCommand } from './train';
import { startCommand } from './start';
import { notebookCommand } from './notebook';

const USAGE = `usage: flashlm <command> [options]

commands:
  info              the native engine: instruction set in use, available ones, threads
  demo [--steps N]  train a 2-layer MLP on a toy task and print its loss
  bench NAME        run a benchmark from bench/ (same as npm run bench -- NAME)
  tokenizer train|encode|decode   train a byte-level BPE tokenizer.json, encode/decode stdin lines
  kernel install    install the Jupyter kernelspec [--user | --sys-prefix | --prefix P] [--name N]
  kernel uninstall  remove it (same options)
  repl [--no-history]  a TypeScript REPL with flashlm in scope (history: $FLASHLM_REPL_HISTORY,
                    default ~/.flashlm_repl_history; empty disables it)
  start [--seconds S] [--out DIR]   the main job (npm start): train bitnet-bench on sotu for ~2 min,
                    evaluate, sample, save the run and its loss figure
  train --model NAME --data CORPUS|SHARDS --out DIR [--steps N | --tokens N | --time 10m] [--stop-at N]
                    train a model (flashlm train --help); train --resume DIR continues a run
  eval DIR [--data CORPUS|SHARD] [--json]   evaluate a run on validation data (loss, PPL, bits per
                    token / character / UTF-8 byte); flashlm eval --help for the options
  generate DIR --prompt TEXT [...]   sample from a run, streaming to stdout; flashlm generate --help
  notebook run FILE.ipynb [--budget full|smoke]   execute a notebook through this kernel and write
                    its outputs back in place (flashlm notebook --help)
  help              this text

environment:
  FLASHLM_ISA=scalar|avx2|avx512   force an instruction set (default: the best this CPU has)
  FLASHLM_THREADS=N                threads for native kernels (default: the number of cores)
  FLASHLM_NOTEBOOK_BUDGET=full|smoke   the budget notebooks pick with flashlm.budget (default full)`;

function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'info': {
      console.log(JSON.stringify({ flashlm: packageVersion(), node: process.version, ...native.info() }, null, 2));
      return 0;
    }
    case 'demo':
      return demo(rest);
    case 'bench':
      return bench(rest);
    case 'tokenizer':
      return tokenizerCommand(rest);
    case 'kernel':
      return kernelCommand(rest);
    case 'repl': {
      // loaded on demand: the compiler and the executor are heavy, and no other command needs them
      const { runRepl } = require('../../kernel/repl/repl') as typeof import('../../kernel/repl/repl');
      return runRepl({ historyFile: rest.includes('--no-history') ? null : undefined, version: packageVersion() });
    }
    case 'train':
      return trainCommand(rest);
    case 'start':
      return startCommand(rest);
    case 'eval':
      return evalCommand(rest);
    case 'generate':
      return generateCommand(rest);
    case 'notebook':
      return notebookCommand(rest);
    case '--version':
    case '-v':
      console.log(packageVersion());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`flashlm: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
