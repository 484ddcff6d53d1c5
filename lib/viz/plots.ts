// The `flashlm.plot` namespace: figure builders. Metrics plots live in ./plot, ternary weights in
// ./plot_ternary; further model plots (routing, attention, activations) join here when their layers land.
export { loss, lr, throughput, compare, loadRun, series, smoothEMA, PALETTE } from './plot';
export type { RunLike, MetricsSource, LossOptions } from './plot';
export { ternary } from './plot_ternary';
export type { TernaryOptions } from './plot_ternary';
