// `flashlm generate DIR --prompt TEXT [...]`: samples from a run's model, streaming text to stdout as it
// comes (the prompt first, then each piece); --json prints one object with the texts and the stats instead.
import { generate, type GenerateOptions } from '../generate/generate';
import { EclipseModel, type DecodeHeadPrecision } from '../models/eclipse';
import { loadRunDir } from './run_dir';
import { UsageError, numberOption, parseFlags } from './flags';

export const GENERATE_USAGE = `usage: flashlm generate DIR --prompt TEXT [--prompt TEXT ...] [--max-tokens N] [--temperature T]
                        [--top-k K] [--top-p P] [--repetition-penalty R] [--seed S] [--stop STR ...]
                        [--context-full slide|crop|stop] [--decode-head f16|bf16|f32] [--json]

  DIR              a run directory (config.json, model.safetensors, tokenizer.json)
  --prompt         prompt text (repeat for a batch; prompt i uses seed S + i)
  --max-tokens     new tokens per prompt (default 64)
  --temperature    0 = greedy (default 1)       --top-k     0 = off (default)
  --top-p          1 = off (default)            --repetition-penalty  1 = off (default)
  --seed           default 0                    --stop      a stop string (repeatable); the end-of-text
                                                            token always stops
  --context-full   when the context fills: slide (re-prefill the last half; default), crop (the
                   originals' last-contextLength-tokens window for every token; slow) or stop
  --decode-head    the v7 family's tied head in decode steps: f16 (default, the spec's FP16
                   embedding), bf16, or f32 (exact: the weights as trained)
  --json           print {texts, outputs, stats} instead of streaming`;

export async function generateCommand(args: string[]): Promise<number> {
  try {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(GENERATE_USAGE);
      return 0;
    }
    const p = parseFlags('generate', args, {
      values: ['--prompt', '--max-tokens', '--temperature', '--top-k', '--top-p', '--repetition-penalty', '--seed', '--stop', '--context-full', '--decode-head'],
      flags: ['--json'],
      repeat: ['--prompt', '--stop'],
    });
    if (p.positional.length !== 1) throw new UsageError(`generate: give exactly one run directory, got ${p.positional.length}`);
    const prompts = p.values.get('--prompt');
    if (prompts === undefined) throw new UsageError('generate: --prompt TEXT is required');
    const contextFull = p.values.get('--context-full')?.[0];
    if (contextFull !== undefined && !['slide', 'crop', 'stop'].includes(contextFull)) throw new UsageError(`generate: --context-full must be slide, crop or stop, got '${contextFull}'`);
    const n = (name: string, check: Parameters<typeof numberOption>[3]) => numberOption('generate', p, name, check);
    const options: GenerateOptions = {
      maxTokens: n('--max-tokens', { integer: true, min: 1 }),
      temperature: n('--temperature', { min: 0 }),
      topK: n('--top-k', { integer: true, min: 0 }),
      topP: n('--top-p', { min: Number.MIN_VALUE, max: 1 }),
      repetitionPenalty: n('--repetition-penalty', { min: Number.MIN_VALUE }),
      seed: n('--seed', { integer: true, min: 0 }),
      stopStrings: p.values.get('--stop'),
      onContextFull: contextFull as GenerateOptions['onContextFull'],
    };
    const head = p.values.get('--decode-head')?.[0];
    if (head !== undefined && !['f16', 'bf16', 'f32'].includes(head)) throw new UsageError(`generate: --decode-head must be f16, bf16 or f32, got '${head}'`);
    const run = loadRunDir(p.positional[0]);
    if (head !== undefined) {
      if (run.model instanceof EclipseModel) run.model.setDecodeHead(head as DecodeHeadPrecision);
      else if (head !== 'f32') throw new UsageError(`generate: --decode-head ${head} needs a model of the v7 family; ${run.model.name} decodes with its f32 weights`);
    }
    if (run.tokenizer === null) throw new Error(`${run.dir} has no tokenizer.json; text prompts need one`);
    const gen = generate(run.model, run.tokenizer, prompts, options);
    if (p.flags.has('--json')) {
      const r = await gen;
      console.log(JSON.stringify({ run: run.dir, model: run.model.name, texts: r.texts, outputs: r.outputs.map((o) => ({ prompt: o.prompt, tokens: o.tokens, finishReason: o.finishReason })), stats: r.stats }));
      return 0;
    }
    // One prompt streams as it comes; a batch streams prompt by prompt's events, so print each when it ends.
    if (prompts.length === 1) {
      process.stdout.write(prompts[0]);
      for await (const e of gen) process.stdout.write(e.text);
      process.stdout.write('\n');
    } else {
      const r = await gen;
      r.texts.forEach((t, i) => process.stdout.write(`${i > 0 ? '\n' : ''}[${i}] ${prompts[i]}${t}\n`));
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`flashlm ${e.message}\n\n${GENERATE_USAGE}`);
      return 2;
    }
    console.error(`flashlm generate: ${(e as Error).message}`);
    return 1;
  }
}
