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
export * as data from './data';
export { lrAt, scheduleFn, validateSchedule, wsdPhases, horizonFromTime, withHorizon, schedulePresets } from './train/schedule';
export type { ScheduleConfig, CosineSchedule, WSDSchedule, CosineRestartsSchedule, ConstantSchedule } from './train/schedule';
export { globToRegExp, NO_DECAY_V61PT } from './train/optim-groups';
export type { NoDecayRule, ParamGroupSpec, OptimizerState, OptimizerMeta } from './train/optim-groups';
export type { AdamWOptions, AdamWGroupOptions, SGDOptions, SGDGroupOptions } from './train/optim';
export { readSafetensors, readSafetensorsHeader, parseSafetensors, writeSafetensors, serializeSafetensors, SAFETENSORS_DTYPES } from './io/safetensors';
export type { SafetensorsDType, SafetensorsEntry, SafetensorsHeader, SafetensorsFile } from './io/safetensors';
export { writeFileAtomic } from './io/atomic';
export { MetricsWriter, readMetrics, metricsSchema, TRAIN_COLUMNS, EVAL_COLUMNS } from './io/arrow-metrics';
export type { MetricsWriterOptions, MetricsReadResult, TrainRow, EvalRow } from './io/arrow-metrics';
export { Sampler, processLogits, applyRepetitionPenalty, probabilities, drawFromScores, isStopToken, findStopString } from './generate/sampling';
export type { SamplingOptions } from './generate/sampling';
export { evalMetrics, EvalAccumulator, countCodePoints, utf8ByteLength } from './eval/metrics';
export type { EvalTotals, EvalMetrics, EvalMetricsOptions } from './eval/metrics';
export { KeyboardInterrupt, setInterruptFlag, interrupted, checkInterrupt, isInterrupt } from './interrupt';
export { BitLinear } from './nn/bitlinear';
export type { BitLinearOptions, BitLinearInit, InitSource } from './nn/bitlinear';
export type { LayerQuantStats } from './nn/quant_stats';
export * as viz from './viz';
export * as plot from './viz/plots';
export { Figure, Progress, LiveFigure } from './viz';
