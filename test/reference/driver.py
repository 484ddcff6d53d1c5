"""Runs a PyTorch twin on weights and batches that flashlm wrote, and writes back what to compare.

    /usr/bin/python3 -B test/reference/driver.py IN.safetensors OUT.safetensors

IN holds every parameter under its flashlm name, the batches as "batch.tokens" and "batch.targets"
(S, B, T) int32, and string metadata: "twin" (module under twins/), "config" (the model's JSON config),
"mode" ("grads" or "train") and, for "train", "optimizer" (JSON: lr, betas, eps, weight_decay, clip).
OUT holds, for "grads" (batch 0): "logits" (B, T, V), "loss" (0-d) and "grad.<name>" for every
parameter; for "train" (one AdamW step per batch, loss recorded before each step): "losses" (S,) and
"param.<name>" after the last step. Everything is float32, PyTorch's defaults otherwise.
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import safetensors_io  # noqa: E402
import twins  # noqa: E402


def load(model, tensors):
    own = dict(model.named_parameters())
    given = {k: v for k, v in tensors.items() if not k.startswith("batch.")}
    missing = sorted(set(own) - set(given))
    unexpected = sorted(set(given) - set(own))
    if missing or unexpected:
        raise SystemExit(f"driver: parameter names differ from the twin's (missing: {missing}; unexpected: {unexpected})")
    with torch.no_grad():
        for name, p in own.items():
            if tuple(p.shape) != tuple(given[name].shape):
                raise SystemExit(f"driver: {name} is {tuple(given[name].shape)}, the twin's is {tuple(p.shape)}")
            p.copy_(given[name])


def loss_of(model, tokens, targets):
    if hasattr(model, "loss"):
        return model.loss(tokens, targets)
    logits = model(tokens)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1).long(), ignore_index=-100)


def grads(model, tokens, targets):
    logits = model(tokens)
    loss = loss_of(model, tokens, targets)
    loss.backward()
    out = {"logits": logits.detach(), "loss": loss.detach().reshape([])}
    for name, p in model.named_parameters():
        out[f"grad.{name}"] = p.grad if p.grad is not None else torch.zeros_like(p)
    return out


def train(model, tokens, targets, opt):
    params = list(model.parameters())
    optimizer = torch.optim.AdamW(
        params, lr=opt["lr"], betas=tuple(opt.get("betas", (0.9, 0.999))), eps=opt.get("eps", 1e-8),
        weight_decay=opt.get("weight_decay", 0.01),
    )
    clip = opt.get("clip", 0)
    losses = []
    for s in range(tokens.shape[0]):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(model, tokens[s], targets[s])
        loss.backward()
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(params, clip)
        optimizer.step()
        losses.append(loss.item())
    out = {"losses": torch.tensor(losses, dtype=torch.float32)}
    for name, p in model.named_parameters():
        out[f"param.{name}"] = p.detach()
    return out


def main(argv):
    if len(argv) != 3:
        raise SystemExit(f"usage: {argv[0]} IN.safetensors OUT.safetensors")
    tensors, meta = safetensors_io.read(argv[1])
    for key in ("twin", "config", "mode"):
        if key not in meta:
            raise SystemExit(f"driver: {argv[1]} has no metadata {key!r}")
    torch.manual_seed(0)
    model = twins.build(meta["twin"], json.loads(meta["config"]))
    load(model, tensors)
    tokens, targets = tensors["batch.tokens"].long(), tensors["batch.targets"].long()
    if meta["mode"] == "grads":
        out = grads(model, tokens[0], targets[0])
    elif meta["mode"] == "train":
        out = train(model, tokens, targets, json.loads(meta["optimizer"]))
    else:
        raise SystemExit(f"driver: mode must be 'grads' or 'train', got {meta['mode']!r}")
    safetensors_io.write(argv[2], out, {"torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv)
