// Reading runs back: flashlm.load(dir) rebuilds a trained model; flashlm.runs.load(dir) gives the whole
// run — config, metrics table, tokenizer, checkpoint step — for plots, evaluation and comparison.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { loadRunDir } from './cli/run_dir';
import { readMetrics, type MetricsReadResult } from './io/arrow-metrics';
import { readSafetensorsHeader } from './io/safetensors';
import type { Tokenizer } from './data/types';
import type { LanguageModel } from './models/language_model';
import { METRICS_FILE, MODEL_FILE, readRunConfig } from './train/checkpoint';

/**
 * Rebuilds the model saved in run directory `dir` (registry name + config from config.json, weights
 * from model.safetensors). The tokenizer is `flashlm.runs.load(dir).tokenizer`.
 *
 * @example const model = flashlm.load('runs/sotu');
 */
export function load(dir: string): LanguageModel {
  return loadRunDir(dir).model;
}

export interface LoadedRunInfo {
  dir: string;
  name: string;
  /** config.json: flashlm version, model name and config, training options, data descriptor. */
  config: Record<string, unknown>;
  /** The metrics so far (a running run's file is readable too). */
  metrics(): MetricsReadResult;
  /** Step of the last checkpoint, or null when none was written. */
  checkpointStep: number | null;
  /** The model with the checkpoint's weights (built on first access). */
  readonly model: LanguageModel;
  readonly tokenizer: Tokenizer | null;
}

/**
 * Reads a run directory back.
 *
 * @example
 * const r = flashlm.runs.load('runs/sotu');
 * flashlm.plot.loss(r);
 */
export function loadRun(dir: string): LoadedRunInfo {
  const abs = path.resolve(dir);
  const config = readRunConfig(abs);
  const modelFile = path.join(abs, MODEL_FILE);
  let checkpointStep: number | null = null;
  if (fs.existsSync(modelFile)) {
    const step = readSafetensorsHeader(modelFile).metadata?.['flashlm.step'];
    checkpointStep = step === undefined ? null : Number(step);
  }
  let loaded: ReturnType<typeof loadRunDir> | null = null;
  const get = () => (loaded ??= loadRunDir(abs));
  return {
    dir: abs,
    name: path.basename(abs),
    config,
    metrics: () => readMetrics(path.join(abs, METRICS_FILE)),
    checkpointStep,
    get model() { return get().model; },
    get tokenizer() { return get().tokenizer; },
  };
}
