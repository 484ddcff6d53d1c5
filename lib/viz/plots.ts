// The `flashlm.plot` namespace: figure builders. Metrics plots live in ./plot; model plots (ternary, routing,
// attention, activations) join here when their layers land.
export { loss, lr, throughput, compare, loadRun, series, smoothEMA, PALETTE } from './plot';
export type { RunLike, MetricsSource, LossOptions } from './plot';
