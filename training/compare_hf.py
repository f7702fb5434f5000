# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Compare libw2vee with the logits Hugging Face transformers computed for the same
model and samples (the .npz written by training/hf_crosscheck.py).

    /usr/bin/python3 training/compare_hf.py --w2vee build/tools/w2vee --model DIR CHECK.npz

Writes the npz's 16-bit samples as a wav, runs `w2vee transcribe --dump-logits` for
every exit, and prints max |ours - HF| per exit against the parity tolerance
1e-3 * max(1, max|HF|). Exit status 1 if any exit is out of tolerance.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--w2vee", required=True, help="the w2vee executable")
    ap.add_argument("--model", required=True)
    ap.add_argument("check", help="npz from hf_crosscheck.py")
    args = ap.parse_args()

    data = np.load(args.check)
    samples = data["samples"].astype("<i2")
    layers = list(data["exit_layers"])
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "clip.wav")
        with wave.open(wav, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(samples.tobytes())
        for e, layer in enumerate(layers, start=1):
            ref = data[f"logits_{e}"]
            dump = os.path.join(tmp, f"exit{e}.f32")
            subprocess.run([args.w2vee, "transcribe", "-m", args.model, "-e", str(e),
                            "--dump-logits", dump, wav], check=True, stdout=subprocess.DEVNULL)
            ours = np.fromfile(dump, dtype="<f4").reshape(-1, ref.shape[1])
            if ours.shape != ref.shape:
                print(f"exit={e} layer={layer}: shape {ours.shape} != HF {ref.shape}")
                bad += 1
                continue
            diff = float(np.abs(ours - ref).max())
            tol = 1e-3 * max(1.0, float(np.abs(ref).max()))
            same = int((ours.argmax(1) == ref.argmax(1)).sum())
            ok = diff <= tol
            bad += not ok
            print(f"exit={e} layer={layer} frames={ref.shape[0]} maxabs={diff:.3g} tol={tol:.3g} "
                  f"argmax_equal={same}/{ref.shape[0]} {'ok' if ok else 'FAIL'}")
        if "lm_head_logits" in data.files:
            d = float(np.abs(data["lm_head_logits"] - data[f"logits_{len(layers)}"]).max())
            print(f"HF's own lm_head vs the last decoder on the same state: maxabs={d:.3g}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
