#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Parity of the C engine with PyTorch on an exported model (default: models/default).

1. Speaks a fixed sentence with espeak-ng (or takes --clip, 16 kHz 16-bit .wav).
2. Writes the PyTorch reference of every exit for the whole clip and for its first
   20800 samples (w2vee_hf.write_reference; the logits come from torchaudio's wav2vec2
   loaded with the exported weights, as stored, F16 rounding included) into
   WORK/default/{ref,ref_prefix} — the layout of tests/reference/README.md.
3. Runs tests/parity's `test-parity WORK default`, which checks every exit of libw2vee
   against it with the parity tolerance (max |ours - ref| <= 1e-3 * max(1, max |ref|)).
Exit status: test-parity's (0 = parity holds).

  /usr/bin/python3 training/test_export_parity.py --test-parity build/tests/parity/test-parity \
      [--model models/default] [--work DIR] [--clip FILE.wav]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audio  # noqa: E402
import corpus  # noqa: E402
import export as X  # noqa: E402
import model as M  # noqa: E402

SENTENCE = "the quick brown fox jumps over the lazy dog while nobody is watching"
PREFIX_SAMPLES = 20800


def speak(path):
    spec = {"uid": "parity", "speak": SENTENCE, "voice": "en-us+m3", "rate": 170,
            "pitch": 50, "gap": 0}
    y = corpus.synthesize(spec, "espeak-ng", None, None)
    if y is None:
        raise SystemExit("test_export_parity: espeak-ng failed")
    audio.write_wav(path, y)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(here, "..", "models", "default"))
    ap.add_argument("--test-parity", required=True, help="the tests/parity/test-parity binary")
    ap.add_argument("--work", default=None, help="reference root (default: a temporary dir)")
    ap.add_argument("--clip", default=None, help="16 kHz 16-bit mono .wav (default: espeak-ng)")
    args = ap.parse_args()
    torch.set_num_threads(1)

    work = args.work or tempfile.mkdtemp(prefix="w2vee-parity-")
    root = os.path.join(work, "default")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    clip = args.clip or os.path.join(work, "clip.wav")
    if not args.clip:
        speak(clip)
    x, _ = audio.read_wav(clip)
    prefix = os.path.join(work, "clip_prefix.wav")
    audio.write_wav(prefix, audio.to_int16(x[:PREFIX_SAMPLES]))
    # the model directory is referenced in place (reference.json "model" is relative)
    os.symlink(os.path.abspath(args.model), os.path.join(root, "model"))
    for sub, wav in (("ref", clip), ("ref_prefix", prefix)):
        logits = X.write_parity_reference(os.path.join(root, "model"), os.path.join(root, sub), wav)
        print(f"reference {sub}: {len(logits)} exits, {logits[0].shape[0]} frames; deepest exit "
              f"says: {M.greedy_texts(logits[-1][None], torch.tensor([logits[-1].shape[0]]), M.import_w2vee_hf().DEFAULT_VOCAB)[0]!r}")
    res = subprocess.run([args.test_parity, work, "default"])
    print(f"test-parity exit status {res.returncode}; references in {work}")
    return res.returncode


if __name__ == "__main__":
    np.seterr(all="raise")
    sys.exit(main())
