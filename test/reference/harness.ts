// The numerical-reference harness shared by every model's PyTorch twin (test/reference/twins/*.py):
// writes our weights and batches to safetensors, runs test/reference/driver.py with Debian's
// python3-torch, reads back the twin's logits, loss, gradients or training losses, and compares them
// per tensor by name. Norm: rel(a, b) = max|a − b| / max|b| over the tensor (b the twin's; 0/0 = 0).
// Without torch the suites skip with a notice, except under CI=true, where they fail.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LanguageModel } from '../../lib/models/language_model';
import { readSafetensors, writeSafetensors } from '../../lib/io/safetensors';
import { noGrad } from '../../lib/tensor/autograd';
import { Tensor } from '../../lib/tensor/tensor';
import { AdamW, clipGradNorm } from '../../lib/train/optim';

/** The interpreter the twins run under (Debian's, where python3-torch installs). */
export const PYTHON = process.env.FLASHLM_PYTHON ?? '/usr/bin/python3';
const DRIVER = path.join(__dirname, 'driver.py');
const HINT = 'apt-get install python3-torch (Debian), or point FLASHLM_PYTHON at a python3 with torch';

function probeTorch(): { version: string | null; reason: string } {
  const r = spawnSync(PYTHON, ['-B', '-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return { version: r.stdout.trim(), reason: '' };
  return { version: null, reason: (r.error?.message ?? r.stderr.trim().split('\n').pop() ?? 'unknown error') };
}

/** torch's version, or null when `PYTHON` cannot import torch. */
export const torch = probeTorch();

/** describe when torch is here or under CI (where requireTorch then fails); describe.skip with a notice otherwise. */
export const describeTorch: jest.Describe = torch.version !== null || process.env.CI ? describe : (() => {
  console.warn(`reference tests skipped: ${PYTHON} cannot import torch (${torch.reason}); ${HINT}`);
  return describe.skip;
})();

/** Fails loudly when torch is missing (CI). Call at the top of every reference test. */
export function requireTorch(): string {
  if (torch.version === null) throw new Error(`${PYTHON} cannot import torch (${torch.reason}); ${HINT}`);
  return torch.version;
}

/** A batch: tokens and targets, (B, T) i32 each. */
export interface Batch {
  tokens: Tensor;
  targets: Tensor;
}

/** The optimizer both sides run in trainBoth: AdamW (torch.optim.AdamW semantics) + optional global-norm clip. */
export interface AdamWSpec {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Global-norm clip (0: none). */
  clip: number;
}

/** Twin name (test/reference/twins/<twin>.py) and the model whose config and weights it receives. */
export interface TwinSpec {
  twin: string;
  model: LanguageModel;
}

/** Stacks batches (B, T) into one (S, B, T) i32 tensor. */
function stack(ts: Tensor[]): Tensor {
  const [B, T] = ts[0].shape;
  const out = Tensor.empty([ts.length, B, T], 'i32');
  ts.forEach((t, i) => {
    if (t.dtype !== 'i32' || t.shape[0] !== B || t.shape[1] !== T) throw new Error('harness: every batch must be (B, T) i32 of one shape');
    out.i32().set(t.i32(), i * B * T);
  });
  return out;
}

/** Writes the model's weights + batches, runs the driver, returns what it wrote (tensors by name). */
export function runTwin(spec: TwinSpec, batches: Batch[], mode: 'grads' | 'train', optimizer?: AdamWSpec): Map<string, Tensor> {
  requireTorch();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-ref-'));
  try {
    const input = path.join(dir, 'in.safetensors'), output = path.join(dir, 'out.safetensors');
    const tensors = new Map<string, Tensor>(spec.model.namedParameters());
    tensors.set('batch.tokens', stack(batches.map((b) => b.tokens)));
    tensors.set('batch.targets', stack(batches.map((b) => b.targets)));
    const metadata: Record<string, string> = { twin: spec.twin, config: JSON.stringify(spec.model.config), mode };
    if (optimizer) {
      const { lr, betas, eps, weightDecay, clip } = optimizer;
      metadata.optimizer = JSON.stringify({ lr, betas, eps, weight_decay: weightDecay, clip });
    }
    writeSafetensors(input, tensors, metadata);
    const r = spawnSync(PYTHON, ['-B', DRIVER, input, output], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    if (r.status !== 0) {
      throw new Error(`reference driver failed (${r.error?.message ?? `exit ${r.status}`}) for twin '${spec.twin}':\n${r.stderr.slice(-4000)}`);
    }
    return readSafetensors(output).tensors;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Our side of a 'grads' run: logits, loss and every parameter's gradient for one batch. */
export function ourGradients(model: LanguageModel, batch: Batch): Map<string, Tensor> {
  model.zeroGrad();
  const out = new Map<string, Tensor>();
  out.set('logits', noGrad(() => model.forward(batch.tokens)));
  const loss = model.loss(batch.tokens, batch.targets);
  loss.backward();
  out.set('loss', loss);
  for (const [name, p] of model.namedParameters()) out.set(`grad.${name}`, p.grad ?? Tensor.zeros(p.shape));
  return out;
}

/** Our side of a 'train' run: one AdamW step per batch (loss before the step), as driver.py train(). */
export function ourTraining(model: LanguageModel, batches: Batch[], o: AdamWSpec): { losses: number[]; params: Map<string, Tensor> } {
  const named = model.namedParameters();
  const opt = new AdamW(named, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay });
  const losses: number[] = [];
  for (const b of batches) {
    opt.zeroGrad();
    const loss = model.loss(b.tokens, b.targets);
    loss.backward();
    const scale = o.clip > 0 ? clipGradNorm(named, o.clip).scale : 1;
    opt.step(scale);
    losses.push(loss.item());
  }
  return { losses, params: new Map(named.map(([n, p]) => [`param.${n}`, p])) };
}

/** One row of a comparison: the tensor's name, max|a − b|, max|b| and their ratio (the norm above). */
export interface Comparison {
  name: string;
  maxAbsDiff: number;
  maxAbsRef: number;
  rel: number;
  ok: boolean;
}

/**
 * max|a − b| / max|b| over one tensor (0 when both are all zero; Infinity on a NaN or shape mismatch).
 *
 * @example relError(Float32Array.of(1, 2.0001), Float32Array.of(1, 2)) // ≈ 5e-5
 */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; maxAbsDiff: number; maxAbsRef: number } {
  if (a.length !== b.length) return { rel: Infinity, maxAbsDiff: Infinity, maxAbsRef: NaN };
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]);
    if (!(diff <= d)) d = Number.isNaN(diff) ? Infinity : diff;
    m = Math.max(m, Math.abs(b[i]));
  }
  return { rel: d === 0 ? 0 : d / m, maxAbsDiff: d, maxAbsRef: m };
}

/** Compares every tensor of `ref` (the twin's) with ours of the same name; a name we lack fails. */
export function compareByName(ours: Map<string, Tensor>, ref: Map<string, Tensor>, rtol = 1e-4): Comparison[] {
  const rows: Comparison[] = [];
  const names = new Set([...ref.keys()].filter((n) => n !== '__metadata__'));
  for (const name of ours.keys()) names.add(name);
  for (const name of names) {
    const a = ours.get(name), b = ref.get(name);
    if (a === undefined || b === undefined || a.size !== b.size) {
      rows.push({ name, maxAbsDiff: Infinity, maxAbsRef: NaN, rel: Infinity, ok: false });
      continue;
    }
    const e = relError(a.f32(), b.f32());
    rows.push({ name, ...e, ok: e.rel <= rtol });
  }
  return rows;
}

/** Prints the comparison as a table (llm.c's OK / NOT OK) and returns the names that failed. */
export function report(title: string, rows: Comparison[]): string[] {
  const w = Math.max(...rows.map((r) => r.name.length));
  const lines = rows.map((r) => `${r.ok ? 'OK    ' : 'NOT OK'} ${r.name.padEnd(w)}  rel ${r.rel.toExponential(2)}  max|diff| ${r.maxAbsDiff.toExponential(2)}  max|ref| ${r.maxAbsRef.toExponential(2)}`);
  if (process.env.FLASHLM_REFERENCE_VERBOSE || rows.some((r) => !r.ok)) console.log(`${title}\n${lines.join('\n')}`);
  return rows.filter((r) => !r.ok).map((r) => r.name);
}
