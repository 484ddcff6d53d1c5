"""safetensors read/write by hand for the PyTorch twins (Debian has no `safetensors` package).

Format (huggingface/safetensors README): 8-byte little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the data,
offsets relative to its start. Only the dtypes the harness exchanges are supported (F32, F64, I32, I64,
I8, U8); anything else is an error naming the tensor.
"""
import json
import os
import struct

import torch

_DTYPES = {
    "F32": torch.float32,
    "F64": torch.float64,
    "I32": torch.int32,
    "I64": torch.int64,
    "I8": torch.int8,
    "U8": torch.uint8,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


def read(path):
    """Returns (tensors: dict name -> tensor (own memory), metadata: dict str -> str)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file ({len(raw)} bytes)")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n} runs past the end of the file ({len(raw)} bytes)")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    data = memoryview(raw)[8 + n :]
    tensors = {}
    for name, e in header.items():
        dtype = _DTYPES.get(e["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name!r} has unsupported dtype {e['dtype']}")
        begin, end = e["data_offsets"]
        if not (0 <= begin <= end <= len(data)):
            raise ValueError(f"{path}: tensor {name!r} has data_offsets {begin}..{end} outside the data ({len(data)} bytes)")
        shape = list(e["shape"])
        count = 1
        for d in shape:
            count *= d
        if end - begin != count * torch.tensor([], dtype=dtype).element_size():
            raise ValueError(f"{path}: tensor {name!r} holds {end - begin} bytes, shape {shape} needs {count} elements")
        if count == 0:
            t = torch.empty(shape, dtype=dtype)
        else:
            # frombuffer shares the bytes object (read-only); clone gives the tensor its own memory.
            t = torch.frombuffer(bytearray(data[begin:end]), dtype=dtype).reshape(shape).clone()
        tensors[name] = t
    return tensors, metadata


def write(path, tensors, metadata=None):
    """Writes {name: tensor} (F32/F64/I32/I64/I8/U8) atomically: a temp file, then rename."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in sorted(metadata.items())}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype not in _NAMES:
            raise ValueError(f"safetensors_io.write: {name!r} has unsupported dtype {t.dtype}")
        b = t.numpy().tobytes() if t.numel() > 0 else b""
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        chunks.append(b)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    js += b" " * ((8 - len(js) % 8) % 8)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in chunks:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
