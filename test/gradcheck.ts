// The one finite-difference gradient check every differentiable op uses (style.md "Tests"):
// central differences computed in float64 around the f32 forward, compared with autograd's
// gradient of a random projection  L = Σ w ⊙ fn(inputs).
import { Tensor } from '../lib/tensor/tensor';
import { noGrad } from '../lib/tensor/autograd';
import { tidy } from '../lib/tensor/scope';

export interface GradcheckOptions {
  /** Step, relative to max(1, |x|). Large enough that f32 rounding of the forward stays below tolerance. */
  eps?: number;
  /** |analytic − numeric| must be ≤ atol + rtol·max(|analytic|, |numeric|). */
  atol?: number;
  rtol?: number;
  /** At most this many elements of each input are checked (sampled without replacement). */
  maxElements?: number;
  seed?: number;
}

/** Deterministic uniform numbers in [0, 1) (mulberry32), so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tensor of uniform values in [lo, hi) from `seed`. */
export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const rand = seededRandom(seed);
  const t = Tensor.empty(shape);
  const d = t.f32();
  for (let i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rand();
  return t;
}

function projection(out: Tensor, w: Float64Array): number {
  const d = out.data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += w[i] * d[i];
  return s;
}

/**
 * Checks autograd against central differences for every input with requiresGrad; throws an Error
 * naming the input, the element and both values at the first mismatch.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): void {
  const { eps = 5e-3, atol = 2e-3, rtol = 2e-2, maxElements = 200, seed = 1234 } = options;
  const rand = seededRandom(seed);

  // Analytic gradients of L = Σ w ⊙ out.
  for (const x of inputs) x.grad = null;
  let w!: Float64Array;
  tidy(() => {
    const out = fn(...inputs);
    if (!out.requiresGrad) throw new Error('gradcheck: the output does not require grad; mark an input requiresGrad_()');
    w = Float64Array.from({ length: out.size }, () => rand() * 2 - 1);
    const gw = Tensor.from(Float32Array.from(w), out.shape);
    w = Float64Array.from(gw.f32()); // the projection the backward actually sees
    out.backward(gw);
  });

  const evaluate = (): number => noGrad(() => tidy(() => projection(fn(...inputs), w)));

  inputs.forEach((x, index) => {
    if (!x.requiresGrad) return;
    if (x.grad === null) throw new Error(`gradcheck: input ${index} requires grad but received no gradient`);
    const analytic = x.grad.f32();
    const data = x.f32();
    const positions = samplePositions(x.size, maxElements, rand);
    for (const i of positions) {
      const orig = data[i];
      const h = eps * Math.max(1, Math.abs(orig));
      data[i] = orig + h;
      const up = data[i];
      const fPlus = evaluate();
      data[i] = orig - h;
      const down = data[i];
      const fMinus = evaluate();
      data[i] = orig;
      const numeric = (fPlus - fMinus) / (up - down); // actual f32 step, computed in float64
      const a = analytic[i];
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.max(Math.abs(a), Math.abs(numeric)))) {
        throw new Error(
          `gradcheck: input ${index} ${JSON.stringify(x.shape)} element ${i}: analytic ${a}, numeric ${numeric} ` +
            `(atol ${atol}, rtol ${rtol})`,
        );
      }
    }
  });
}

function samplePositions(size: number, max: number, rand: () => number): number[] {
  const all = Array.from({ length: size }, (_, i) => i);
  if (size <= max) return all;
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rand() * (size - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}
