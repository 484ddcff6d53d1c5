// The differentiable ops, one namespace: `flashlm.ops.linear(x, w)`, `flashlm.ops.silu(x)`, ...
export * from './elementwise';
export * from './reduce';
export * from './matmul';
export * from './movement';
export * from './scan';
export * from './softmax';
export * from './norm';
export * from './embedding';
export * from './attention';
export * from './quant';
export * from './ternary_linear';
export * from './routing';
