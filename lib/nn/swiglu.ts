// SwiGLU feed-forward with separate matrices (spec S6): down(silu(gate x) ⊙ up x). The projections
// come from a factory so that one block serves BL-T (v4), BL-B158 (v7) and float layers alike; they
// are named gate_proj / up_proj / down_proj, LLaMA's names, which the PyTorch twins use too.
import { swiglu } from '../ops/elementwise';
import { Tensor } from '../tensor/tensor';
import { Module } from './module';

/** A projection layer: anything with forward (..., in) -> (..., out). */
export interface Projection extends Module {
  forward(x: Tensor): Tensor;
}

/** Builds the projection `role` ('gate_proj' | 'up_proj' | 'down_proj') of shape in -> out. */
export type ProjectionFactory = (inFeatures: number, outFeatures: number, role: string) => Projection;

export class SwiGLU extends Module {
  readonly gate_proj: Projection;
  readonly up_proj: Projection;
  readonly down_proj: Projection;

  constructor(
    readonly dim: number,
    readonly hidden: number,
    makeProjection: ProjectionFactory,
  ) {
    super();
    this.gate_proj = this.registerModule('gate_proj', makeProjection(dim, hidden, 'gate_proj'));
    this.up_proj = this.registerModule('up_proj', makeProjection(dim, hidden, 'up_proj'));
    this.down_proj = this.registerModule('down_proj', makeProjection(hidden, dim, 'down_proj'));
  }

  /** (..., dim) -> (..., dim) */
  forward(x: Tensor): Tensor {
    return this.down_proj.forward(swiglu(this.gate_proj.forward(x), this.up_proj.forward(x)));
  }
}
