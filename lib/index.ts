// The public `flashlm` namespace.
//
// @example
// import * as flashlm from 'flashlm';
// const x = flashlm.Tensor.from([1, 2, 3]);
export { Tensor } from './tensor/tensor';
export type { DType } from './tensor/dtype';
export { noGrad, isGradEnabled } from './tensor/autograd';
export { tidy, keep } from './tensor/scope';
export { memoryStats } from './tensor/storage';
export { ShapeError, DTypeError, FormatError, DisposedError } from './errors';
export * as ops from './ops';
export { Module, ModuleList } from './nn/module';
export { AdamW, SGD, clipGradNorm, NonFiniteGradientError } from './train/optim';
export { Generator } from './random';
export type { GeneratorState } from './random';
export { native } from './native';
export { BitLinear } from './nn/bitlinear';
export type { BitLinearOptions, BitLinearInit, InitSource } from './nn/bitlinear';
export type { LayerQuantStats } from './nn/quant_stats';
