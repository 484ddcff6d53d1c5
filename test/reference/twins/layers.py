"""Layers shared by the PyTorch twins, written to reproduce flashlm's arithmetic, not PyTorch idiom.

The quantizers follow lib/ops/quant.ts bit for bit where the order of operations is observable:
  * mean|W| is summed in float64 and rounded to f32 once (quant.ts sums per-row float64 sums);
  * W/s and x/s are single f32 divisions; torch.round is round-half-even, like roundHalfEven;
  * int8 activations: s = f32(max(absmax, 1e-5) / 127), q = clamp(round(x / s), -128, 127).
Straight-through estimators are written q + (v - v.detach()): its value is q exactly (the usual
v + (q - v).detach() can be one ulp off), its gradient is the identity. Scales are detached.
α (BL-B158's learnable scalar) is an ordinary parameter multiplying the output, so it gets a gradient.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def ste(v, q):
    """Value q, gradient identity into v (q must not require grad)."""
    return q + (v - v.detach())


def absmean_f32(w):
    """mean|W| summed in float64, rounded to f32 (quant.ts plan())."""
    return (w.detach().abs().double().sum() / w.numel()).float()


def quantize_weight(w, quantizer, eps_form, eps):
    """(W_eff = codes * scale, detached) for the absmean quantizers BL-B158 and BL-T (spec S1, §9)."""
    mean = absmean_f32(w)
    if eps_form == "add":  # quant.ts: f32(mean + eps) with eps a double, not f32 + f32
        div = (mean.double() + eps).float()
    else:
        div = torch.maximum(mean, torch.tensor(eps, dtype=torch.float32))
    codes = torch.clamp(torch.round(w.detach() / div), -1, 1)
    # BL-B158 divides by mean|W| + eps but rescales by mean|W| (§9); BL-T rescales by the divisor (S1).
    scale = mean if quantizer == "BL-B158" else div
    return codes * scale


def quantize_activations_i8(x, eps=1e-5):
    """Per-token absmax int8 (§9), dequantized: q * s, detached."""
    x = x.detach()
    s = torch.clamp(x.abs().amax(dim=-1, keepdim=True), min=eps) / 127
    q = torch.clamp(torch.round(x / s), -128, 127)
    return q * s


class BitLinear(nn.Module):
    """flashlm's BitLinear (lib/nn/bitlinear.ts): weight (out, in), alpha [1] for BL-B158; no bias."""

    def __init__(self, in_features, out_features, quantizer="BL-B158", activations=None, eps_form=None, eps=None):
        super().__init__()
        if quantizer not in ("BL-B158", "BL-T"):
            raise ValueError(f"BitLinear twin: quantizer {quantizer!r} is not implemented here")
        defaults = {"BL-B158": ("add", 1e-5), "BL-T": ("add", 1e-8)}[quantizer]
        self.quantizer = quantizer
        self.activations = activations or ("int8" if quantizer == "BL-B158" else "none")
        self.eps_form = eps_form or defaults[0]
        self.eps = defaults[1] if eps is None else eps
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.alpha = nn.Parameter(torch.ones(1)) if quantizer == "BL-B158" else None

    def forward(self, x):
        w = ste(self.weight, quantize_weight(self.weight, self.quantizer, self.eps_form, self.eps))
        if self.activations == "int8":
            x = ste(x, quantize_activations_i8(x))
        y = F.linear(x, w)
        return y * self.alpha if self.alpha is not None else y


class RMSNorm(nn.Module):
    """y = x / sqrt(mean(x^2) + eps) * weight (spec S2)."""

    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class SwiGLU(nn.Module):
    """down(silu(gate x) * up x) (spec S6), projections from `make(in, out)`."""

    def __init__(self, dim, hidden, make):
        super().__init__()
        self.gate_proj = make(dim, hidden)
        self.up_proj = make(dim, hidden)
        self.down_proj = make(hidden, dim)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


def rope_tables(T, D, base=10000.0, start=0):
    """cos/sin (T, D/2) in float64, rounded to f32 (native rope_table_ref)."""
    half = D // 2
    i = torch.arange(half, dtype=torch.float64)
    inv_freq = base ** (-2.0 * i / D)
    p = torch.arange(start, start + T, dtype=torch.float64)
    angle = p[:, None] * inv_freq[None, :]
    return torch.cos(angle).float(), torch.sin(angle).float()


def rope(x, base=10000.0, start=0):
    """Rotate-half RoPE (spec S7) on x (B, T, H, D): i pairs with i + D/2."""
    B, T, H, D = x.shape
    cos, sin = rope_tables(T, D, base, start)
    cos, sin = cos[None, :, None, :], sin[None, :, None, :]
    x1, x2 = x[..., : D // 2], x[..., D // 2 :]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def causal_attention(q, k, v):
    """softmax(q k^T / sqrt(D), future masked) v per head; q, k, v (B, T, H, D) -> (B, T, H, D)."""
    B, T, H, D = q.shape
    q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
    scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(D))
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    p = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    return (p @ v).transpose(1, 2)
