"""Twin of lib/models/bigram.ts: embed -> RMSNorm -> linear head. It checks the harness itself."""
import torch.nn as nn

from twins.layers import RMSNorm


class Bigram(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocabSize"], c["dim"])
        self.norm = RMSNorm(c["dim"])
        self.head = nn.Linear(c["dim"], c["vocabSize"], bias=False)

    def forward(self, tokens):
        return self.head(self.norm(self.embed(tokens)))


def build(config):
    return Bigram(config)
