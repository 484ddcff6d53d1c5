// The `flashlm.plot` namespace: figure builders. Metrics plots live in ./plot, ternary weights in
// ./plot_ternary, and the model probes in ./plot_routing, ./plot_attention and ./plot_activations.
export { loss, lr, throughput, compare, loadRun, series, smoothEMA, downsample, PALETTE } from './plot';
export type { RunLike, MetricsSource, LossOptions } from './plot';
export { ternary } from './plot_ternary';
export type { TernaryOptions } from './plot_ternary';
export { routing, routingLoad } from './plot_routing';
export type { RoutingOptions } from './plot_routing';
export { attention } from './plot_attention';
export type { AttentionOptions } from './plot_attention';
export { activations, collectActivations, activationStats, blockModules } from './plot_activations';
export type { ActivationStats, ActivationsOptions } from './plot_activations';
export type { TokensLike, TokenDecoder } from './model_input';
