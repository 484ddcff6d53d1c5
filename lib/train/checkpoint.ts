// A run directory's checkpoint: model.safetensors (weights), optimizer.safetensors (optimizer moments,
// plus the trainer's step, tokens, clock and sampler/RNG state in its metadata), config.json (model and
// training config, flashlm version) and tokenizer.json. Every file is written atomically; the step is
// stored in both safetensors files so that a checkpoint torn between them is detected, never half-loaded.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { FormatError } from '../errors';
import { parseStrictJson } from '../io/strict-json';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { writeFileAtomic } from '../io/atomic';
import type { SamplerState } from '../data/sampling/samplers';
import type { Module } from '../nn/module';
import type { OptimizerState } from './optim-groups';

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const CONFIG_FILE = 'config.json';
export const TOKENIZER_FILE = 'tokenizer.json';
export const METRICS_FILE = 'metrics.arrow';
const STEP_KEY = 'flashlm.step';
const TRAINER_KEY = 'flashlm.trainer';

/** Where the trainer is: enough, with the weights and optimizer moments, to continue bit-identically. */
export interface TrainerState {
  step: number;
  tokens: number;
  /** Training seconds so far (evaluation and checkpoints excluded). */
  elapsedS: number;
  sampler: SamplerState;
}

export interface Checkpoint {
  model: Map<string, import('../tensor/tensor').Tensor>;
  optimizer: OptimizerState;
  trainer: TrainerState;
}

/** The package version, recorded in config.json. */
export function flashlmVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const p = path.join(__dirname, rel);
    if (fs.existsSync(p)) {
      const v = (JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string });
      if (v.name === 'flashlm' && typeof v.version === 'string') return v.version;
    }
  }
  return 'unknown';
}

/** Writes the weights, then the optimizer and trainer state, each atomically. */
export function saveCheckpoint(dir: string, model: Module, optimizer: { stateDict(): OptimizerState }, trainer: TrainerState): void {
  fs.mkdirSync(dir, { recursive: true });
  const step = String(trainer.step);
  writeSafetensors(path.join(dir, MODEL_FILE), model.stateDict(), { [STEP_KEY]: step });
  const opt = optimizer.stateDict();
  writeSafetensors(path.join(dir, OPTIMIZER_FILE), opt.tensors, { ...opt.metadata, [STEP_KEY]: step, [TRAINER_KEY]: JSON.stringify(trainer) });
}

/** Writes config.json atomically (pretty-printed JSON). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, [Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8')]);
}

/** Reads config.json, naming the file in any error. */
export function readRunConfig(dir: string): Record<string, unknown> {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(file)) throw new FormatError(`${dir}: not a run directory (no ${CONFIG_FILE})`);
  const v = parseStrictJson(fs.readFileSync(file, 'utf8'), file);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FormatError(`${file}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** Reads a run's last checkpoint, checking that its two halves belong to the same step. */
export function loadCheckpoint(dir: string): Checkpoint {
  const mfile = path.join(dir, MODEL_FILE), ofile = path.join(dir, OPTIMIZER_FILE);
  for (const f of [mfile, ofile]) if (!fs.existsSync(f)) throw new FormatError(`${dir}: no ${path.basename(f)} (the run wrote no checkpoint yet)`);
  const m = readSafetensors(mfile);
  const o = readSafetensors(ofile);
  const ms = m.metadata[STEP_KEY], os = o.metadata[STEP_KEY];
  if (ms === undefined || ms !== os) {
    for (const t of [...m.tensors.values(), ...o.tensors.values()]) t.dispose();
    throw new FormatError(`${dir}: ${MODEL_FILE} is from step ${ms ?? '?'} but ${OPTIMIZER_FILE} from step ${os ?? '?'} (a checkpoint write was cut short)`);
  }
  const raw = o.metadata[TRAINER_KEY];
  let trainer: TrainerState;
  try {
    trainer = JSON.parse(raw ?? '') as TrainerState;
  } catch {
    throw new FormatError(`${ofile}: metadata['${TRAINER_KEY}'] is missing or not JSON`);
  }
  if (typeof trainer !== 'object' || trainer === null || !Number.isSafeInteger(trainer.step) || trainer.step < 0 || typeof trainer.sampler !== 'object' || trainer.sampler === null)
    throw new FormatError(`${ofile}: metadata['${TRAINER_KEY}'] is not a trainer state (step, tokens, elapsedS, sampler)`);
  const metadata = { ...o.metadata };
  delete metadata[STEP_KEY];
  delete metadata[TRAINER_KEY];
  return { model: m.tensors, optimizer: { tensors: o.tensors, metadata }, trainer };
}
