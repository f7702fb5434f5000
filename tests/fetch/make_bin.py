#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Writes MODEL_DIR's weights as pytorch_model.bin with torch.save (torch's zip format),
next to copies of its JSON files, in OUT_DIR: the model the fetch tests serve for the
pytorch_model.bin fallback. The safetensors file is read with training/w2vee_hf.py (no
safetensors package needed).

Usage: make_bin.py MODEL_DIR OUT_DIR STAMP
"""
import os
import shutil
import sys
from pathlib import Path

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "training"))
import w2vee_hf  # noqa: E402

def main():
    model_dir, out_dir, stamp = (Path(a) for a in sys.argv[1:4])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "preprocessor_config.json", "vocab.json"):
        if (model_dir / name).exists():
            shutil.copyfile(model_dir / name, out_dir / name)
    state = w2vee_hf.read_safetensors(str(model_dir / "model.safetensors"))
    torch.save(state, out_dir / "pytorch_model.bin")
    stamp.write_text("ok\n")


if __name__ == "__main__":
    main()
