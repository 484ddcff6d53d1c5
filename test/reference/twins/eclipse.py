"""Twin of lib/models/eclipse.ts (v7 "ECLIPSE", v7-ts, bitnet-bench; spec §9): tied embedding,
pre-norm blocks [RMSNorm -> BL-B158 Q/K/V -> rotate-half RoPE -> causal attention -> BL-B158 O ->
residual; RMSNorm -> SwiGLU (BL-B158) -> residual], final RMSNorm, head = the embedding matrix."""
import torch.nn as nn
import torch.nn.functional as F

from twins.layers import BitLinear, RMSNorm, SwiGLU, causal_attention, rope


class Attention(nn.Module):
    def __init__(self, dim, heads, rope_base):
        super().__init__()
        self.heads, self.rope_base = heads, rope_base
        self.q_proj = BitLinear(dim, dim)
        self.k_proj = BitLinear(dim, dim)
        self.v_proj = BitLinear(dim, dim)
        self.o_proj = BitLinear(dim, dim)

    def forward(self, x):
        B, T, C = x.shape
        split = lambda t: t.reshape(B, T, self.heads, C // self.heads)  # noqa: E731  (B, T, H, D)
        q = rope(split(self.q_proj(x)), self.rope_base)
        k = rope(split(self.k_proj(x)), self.rope_base)
        o = causal_attention(q, k, split(self.v_proj(x)))
        return self.o_proj(o.reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attn_norm = RMSNorm(c["dim"], c["normEps"])
        self.attn = Attention(c["dim"], c["heads"], c["ropeBase"])
        self.mlp_norm = RMSNorm(c["dim"], c["normEps"])
        self.mlp = SwiGLU(c["dim"], c["hidden"], lambda i, o: BitLinear(i, o))

    def forward(self, x):
        h = x + self.attn(self.attn_norm(x))
        return h + self.mlp(self.mlp_norm(h))


class Eclipse(nn.Module):
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
    return Eclipse(config)
