"""Twin of lib/models/bolt.ts (v4 "Bolt", spec §3): tied embedding, pre-norm BoltBlocks
[RMSNorm -> GatedConvMixer -> residual; RMSNorm -> SwiGLU (BL-T) -> residual], final RMSNorm, tied head.
GatedConvMixer: [g, v] = up(x) (first half the gate); down(causal_depthwise_conv_k(v) * sigmoid(g)).
The conv weight is stored (C, K) as flashlm does; PyTorch's Conv1d weight is its (C, 1, K) view."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from twins.layers import BitLinear, RMSNorm, SwiGLU


def bl_t(i, o):
    return BitLinear(i, o, quantizer="BL-T")


class CausalDepthwiseConv(nn.Module):
    def __init__(self, channels, k):
        super().__init__()
        self.k = k
        self.weight = nn.Parameter(torch.empty(channels, k))  # loaded from flashlm's weights

    def forward(self, x):  # (B, T, C)
        B, T, C = x.shape
        y = F.conv1d(x.transpose(1, 2), self.weight.unsqueeze(1), padding=self.k - 1, groups=C)
        return y[:, :, :T].transpose(1, 2)  # pad k-1 on both sides, keep the first T (spec S5)


class GatedConvMixer(nn.Module):
    def __init__(self, dim, k):
        super().__init__()
        self.up_proj = bl_t(dim, 2 * dim)
        self.conv = CausalDepthwiseConv(dim, k)
        self.down_proj = bl_t(dim, dim)

    def forward(self, x):
        g, v = self.up_proj(x).chunk(2, dim=-1)
        return self.down_proj(self.conv(v) * torch.sigmoid(g))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.mixer_norm = RMSNorm(c["dim"], c["normEps"])
        self.mixer = GatedConvMixer(c["dim"], c["kernelSize"])
        self.mlp_norm = RMSNorm(c["dim"], c["normEps"])
        self.mlp = SwiGLU(c["dim"], c["hidden"], bl_t)

    def forward(self, x):
        h = x + self.mixer(self.mixer_norm(x))
        return h + self.mlp(self.mlp_norm(h))


class Bolt(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocabSize"], c["dim"])
        self.layers = nn.ModuleList(Block(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["dim"], c["normEps"])

    def forward(self, tokens):
        h = self.embed_tokens(tokens)
        for block in self.layers:
            h = block(h)
        return F.linear(self.norm(h), self.embed_tokens.weight)  # the tied head


def build(config):
    return Bolt(config)
