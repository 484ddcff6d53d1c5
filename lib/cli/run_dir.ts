// Loads what `flashlm eval` and `flashlm generate` need from a run directory: the model (config.json's
// registry name + config, weights from model.safetensors) and the tokenizer (tokenizer.json). This is the
// one place the CLI reads a run: point loadRunDir at the trainer's flashlm.load(dir) when that lands.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { FormatError } from '../errors';
import { parseStrictJson, type JsonValue } from '../io/strict-json';
import { readSafetensors } from '../io/safetensors';
import { create } from '../models'; // the index, which registers every model
import type { LanguageModel, ModelConfig } from '../models/language_model';
import { BpeTokenizer } from '../data/tokenizer/bpe';
import { V4Tokenizer } from '../data/tokenizer/v4';
import type { Tokenizer } from '../data/types';

export interface LoadedRun {
  dir: string;
  model: LanguageModel;
  /** null when the run has no tokenizer.json (token-id prompts only). */
  tokenizer: Tokenizer | null;
  /** config.json as read. */
  config: Record<string, JsonValue>;
}

/** Where config.json names the model: { model: 'name', config: {...} } or { model: { name, config } }. */
function modelSpec(file: string, cfg: Record<string, JsonValue>): { name: string; config: Record<string, JsonValue> } {
  const m = cfg.model;
  const obj = (v: JsonValue | undefined): v is Record<string, JsonValue> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (typeof m === 'string' && obj(cfg.config)) return { name: m, config: cfg.config };
  if (obj(m) && typeof m.name === 'string' && obj(m.config)) return { name: m.name, config: m.config };
  throw new FormatError(`${file}: expected { "model": NAME, "config": {...} } (or { "model": { "name", "config" } }) naming a registered model`);
}

/**
 * Rebuilds the model and tokenizer saved in run directory `dir`.
 *
 * @example
 * const { model, tokenizer } = loadRunDir('runs/sotu');
 */
export function loadRunDir(dir: string): LoadedRun {
  const configFile = path.join(dir, 'config.json');
  if (!fs.existsSync(configFile)) throw new FormatError(`${dir}: not a run directory (no config.json). HINT: train one with \`flashlm train ... --out ${dir}\``);
  const parsed = parseStrictJson(fs.readFileSync(configFile, 'utf8'), configFile);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new FormatError(`${configFile}: expected a JSON object`);
  const { name, config } = modelSpec(configFile, parsed);
  const model = create(name, config as Partial<ModelConfig>);
  const weights = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(weights)) throw new FormatError(`${dir}: no model.safetensors (the run saved no checkpoint yet)`);
  const { tensors } = readSafetensors(weights);
  try {
    model.loadStateDict(tensors);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  const tokFile = path.join(dir, 'tokenizer.json');
  let tokenizer: Tokenizer | null = null;
  if (fs.existsSync(tokFile)) {
    const head = fs.readFileSync(tokFile, 'utf8').slice(0, 200);
    tokenizer = head.includes('"flashlm-v4-gpt2-remap"') ? V4Tokenizer.load(tokFile) : BpeTokenizer.load(tokFile);
  }
  return { dir, model, tokenizer, config: parsed };
}
