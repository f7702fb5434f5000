#!/usr/bin/python3
"""Writes MODEL_DIR's weights as pytorch_model.bin with torch.save (torch's zip format),
next to copies of its JSON files, in OUT_DIR: the model the fetch tests serve for the
pytorch_model.bin fallback. The safetensors file is read here without the safetensors
package: 8-byte little-endian header length, JSON header, raw little-endian tensors.

Usage: make_bin.py MODEL_DIR OUT_DIR STAMP
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import numpy as np
import torch

DTYPES = {"F32": (np.float32, None), "F16": (np.float16, None),
          "BF16": (np.uint16, torch.bfloat16)}


def read_safetensors(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        np_dtype, torch_view = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=np_dtype).reshape(info["shape"])
        tensor = torch.from_numpy(array.copy())
        tensors[name] = tensor.view(torch_view) if torch_view is not None else tensor
    return tensors


def main():
    model_dir, out_dir, stamp = (Path(a) for a in sys.argv[1:4])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "preprocessor_config.json", "vocab.json"):
        if (model_dir / name).exists():
            shutil.copyfile(model_dir / name, out_dir / name)
    state = read_safetensors(model_dir / "model.safetensors")
    torch.save(state, out_dir / "pytorch_model.bin")
    stamp.write_text("ok\n")


if __name__ == "__main__":
    main()
