"""PyTorch twins of the flashlm models: one module per model family, each with build(config) -> nn.Module.

A twin's parameter names equal flashlm's (Module.namedParameters), so one safetensors file loads into
both. The shared layers (quantized linear, norms, RoPE, attention) are in layers.py.
"""
import importlib


def build(twin, config):
    """The twin `twin` (a module name under twins/) built from flashlm's config dict."""
    try:
        mod = importlib.import_module(f"twins.{twin}")
    except ModuleNotFoundError as e:
        raise SystemExit(f"driver: no twin named {twin!r} (expected test/reference/twins/{twin}.py): {e}")
    return mod.build(config)
