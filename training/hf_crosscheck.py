# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Cross-check an exported model against Hugging Face transformers itself.

Run where transformers is installed (the GPU machine has it; Debian here does not):

    python3 training/hf_crosscheck.py --model DIR --out check.npz [--espeak BIN
        --espeak-lib DIR --espeak-data DIR] [--text "..."]

Loads DIR with transformers.Wav2Vec2ForCTC and Wav2Vec2FeatureExtractor, synthesises a
clip with espeak-ng (quantised to 16-bit, so the same samples can be written as a wav
elsewhere), and stores in one .npz: `samples` (int16, 16 kHz), `exit_layers`, and
`logits_E` (T x V, float32) for every exit E = 1..n, computed as HF does: the
feature extractor's normalisation, `output_hidden_states`, decoder i applied to
hidden_states[layer_i] (post-LN: each layer's output; stable-LN: the last layer's
through the final LayerNorm, i.e. what lm_head reads). tests compare libw2vee with
these numbers (training/compare_hf.py).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np
import torch


def synthesize(args):
    env = dict(os.environ)
    if args.espeak_lib:
        env["LD_LIBRARY_PATH"] = args.espeak_lib
    cmd = [args.espeak, "-v", "en-us", "-s", "150", "--stdout", args.text]
    if args.espeak_data:
        cmd.insert(1, "--path=" + os.path.dirname(args.espeak_data.rstrip("/")))
    raw = subprocess.run(cmd, env=env, check=True, capture_output=True).stdout
    with tempfile.NamedTemporaryFile(suffix=".wav") as f:
        f.write(raw)
        f.flush()
        with wave.open(f.name) as w:
            rate = w.getframerate()
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    from scipy.signal import resample_poly
    from math import gcd
    g = gcd(16000, rate)
    y = resample_poly(x, 16000 // g, rate // g)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--espeak", default="espeak-ng")
    ap.add_argument("--espeak-lib", default="")
    ap.add_argument("--espeak-data", default="")
    ap.add_argument("--text", default="the quick brown fox jumps over the lazy dog while "
                    "seven wizards quietly judge the boxing match")
    args = ap.parse_args()

    from safetensors.torch import load_file
    from transformers import Wav2Vec2FeatureExtractor, Wav2Vec2ForCTC

    samples = synthesize(args)
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    model = Wav2Vec2ForCTC.from_pretrained(args.model, dtype=torch.float32).eval()
    fe = Wav2Vec2FeatureExtractor.from_pretrained(args.model)
    inputs = fe(samples.astype(np.float32) / 32768.0, sampling_rate=16000,
                return_tensors="pt")
    sd = load_file(os.path.join(args.model, "model.safetensors"))
    n_dec = len([k for k in sd if k.startswith("decoders.") and k.endswith(".weight")])
    n_layers = cfg["num_hidden_layers"]
    if n_dec:
        layers = cfg.get("exit_layers") or [(i + 1) * n_layers // n_dec for i in range(n_dec)]
        heads = [(sd[f"decoders.{i}.weight"].float(), sd[f"decoders.{i}.bias"].float())
                 for i in range(n_dec)]
    else:
        layers = [n_layers]
        heads = [(model.lm_head.weight.detach(), model.lm_head.bias.detach())]
    with torch.no_grad():
        out = model(inputs.input_values, output_hidden_states=True)
    hs = out.hidden_states
    result = {"samples": samples, "exit_layers": np.array(layers, dtype=np.int32)}
    stable = cfg.get("do_stable_layer_norm", False)
    for e, (layer, (w, b)) in enumerate(zip(layers, heads), start=1):
        h = hs[layer][0]
        if stable and layer == n_layers:
            # transformers 5.x: hidden_states[-1] is before the final LayerNorm; lm_head
            # (and our contract) reads the normalised state
            h = model.wav2vec2.encoder.layer_norm(h)
        result[f"logits_{e}"] = (h @ w.T + b).numpy().astype(np.float32)
    if not n_dec or layers[-1] == n_layers:
        # the model's own lm_head on the last layer, for a check of the mapping above
        result["lm_head_logits"] = out.logits[0].numpy().astype(np.float32)
    np.savez(args.out, **result)
    print(f"hf_crosscheck: {len(layers)} exits at layers {layers}, {len(samples)} samples, "
          f"T={result['logits_1'].shape[0]} -> {args.out}")


if __name__ == "__main__":
    sys.exit(main())
