#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""pytorch_model.bin against PyTorch itself, both ways (Debian's /usr/bin/python3 with
python3-torch):

1. The checkpoints that test-pytorch writes from C (tests/loader/torch-writer.c, in
   both zip styles, F32/F16/BF16, shared storages, parameters, torch 2 records) load in
   torch.load(weights_only=True) -- PyTorch's own restricted unpickler -- with exactly
   the tensors of the model.safetensors beside them, and Python's zipfile finds every
   CRC right. So the malformed variants of test-pytorch's table start from files PyTorch
   accepts.
2. torch.save of those tensors (a real torch.save file, _metadata included) loads in
   libw2vee with every weight bit-identical to the safetensors load
   (test-pytorch --compare).

usage: torch_bin.py TEST_PYTORCH WORKDIR     (exit 77 without torch and torchaudio)
"""

import collections
import os
import shutil
import subprocess
import sys
import zipfile


def main():
    try:
        import torch
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                        "training"))
        import w2vee_hf
    except ImportError as e:
        print(f"SKIP: {sys.executable} cannot import torch and torchaudio ({e})")
        return 77
    test_pytorch, work = sys.argv[1], sys.argv[2]
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    subprocess.run([test_pytorch, "--write-fixtures", work], check=True)
    names = sorted(os.listdir(work))
    failures = 0
    for name in names:
        d = os.path.join(work, name)
        bin_path = os.path.join(d, "pytorch_model.bin")
        ref = w2vee_hf.read_safetensors(os.path.join(d, "model.safetensors"))
        with zipfile.ZipFile(bin_path) as z:
            bad = z.testzip()
            if bad is not None:
                print(f"FAIL {name}: zipfile finds a bad CRC in {bad}")
                failures += 1
                continue
        sd = torch.load(bin_path, weights_only=True)
        problems = []
        if list(sd.keys()) != list(ref.keys()):
            problems.append(f"names or their order differ: {list(sd)} vs {list(ref)}")
        for k, v in sd.items():
            r = ref.get(k)
            if r is None:
                continue
            if v.dtype != r.dtype or v.shape != r.shape or not torch.equal(v, r):
                problems.append(f"{k}: {v.dtype} {tuple(v.shape)} vs {r.dtype} "
                                f"{tuple(r.shape)}")
        n_param = sum(isinstance(v, torch.nn.Parameter) for v in sd.values())
        if problems:
            print(f"FAIL {name}: torch.load of the C-written file: " + "; ".join(problems))
            failures += 1
            continue
        print(f"ok {name}: torch.load(weights_only=True) gives the {len(sd)} tensors of "
              f"model.safetensors ({n_param} as nn.Parameter)")

        # torch.save of the same tensors, as Hugging Face's save_pretrained does.
        twin = os.path.join(work, name + "-torch")
        os.makedirs(twin)
        for f in os.listdir(d):
            if f.endswith(".json"):
                shutil.copy(os.path.join(d, f), twin)
        state = collections.OrderedDict(ref.items())
        state._metadata = collections.OrderedDict([("", {"version": 1}),
                                                   ("wav2vec2", {"version": 1})])
        torch.save(state, os.path.join(twin, "pytorch_model.bin"))
        r = subprocess.run([test_pytorch, "--compare", d, twin], capture_output=True,
                           text=True)
        if r.returncode != 0:
            print(f"FAIL {name}: libw2vee on torch.save's file: {r.stdout}{r.stderr}")
            failures += 1
        else:
            print(f"ok {name}-torch: {r.stdout.strip()}")
    print(f"{len(names) * 2 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
