# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Shared by bench/run.py and bench/torch_run.py: the models every contender runs, the
synthetic input, and the line format every contender prints.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchaudio 0.13).

Shapes legend: n = samples, T = encoder frames, D = model dim, V = vocabulary size.
"""

import math
import os
import re
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "training"))
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))

import gen_models  # noqa: E402  (the seeded reference models of the parity tests)
import w2vee_hf as hf  # noqa: E402

SAMPLE_RATE = 16000
INPUT_SEED = 20261127
NORM_EPS = 1e-7  # Wav2Vec2FeatureExtractor's do_normalize, as libw2vee does it

# Harness configurations: a model spec of tests/reference/gen_models.py. "base" is the
# full wav2vec2-base architecture with 6 decoders at layers 2, 4, ..., 12 (the weights
# of the parity test's base model); "small" is a tiny model for smoke runs.
CONFIGS = {"base": "base", "small": "small_group"}

# One line per exit, as `w2vee bench` prints it (docs/cli.md); the peers print the same
# first three fields, then frames=T.
EXIT_LINE = re.compile(r"^exit=(\d+) layer=(\d+) rtf=([0-9.eE+-]+)(?: gflops=([0-9.eE+-]+))?"
                       r"(?: frames=(\d+))?")
STAGE_LINE = re.compile(r"^stage exit=(\d+) name=(\S+) ms=([0-9.eE+-]+) share=([0-9.eE+-]+)$")
VALUE_LINE = re.compile(r"^(ready_ms|peak_rss_mb)=([0-9.eE+-]+)$")


def model_spec(config):
    return gen_models.model_specs(hf)[CONFIGS[config]]


def build_reference(config):
    """(torchaudio model, heads, exit_layers, stable) with the seeded weights of @config."""
    spec = model_spec(config)
    model, heads, exit_layers = gen_models.build(hf, spec)
    return model, heads, exit_layers, bool(spec["arch"]["encoder_layer_norm_first"])


def synthetic_input(seconds):
    """int16 tensor of @seconds of seeded tones under noise (the content does not change
    the work; 16-bit so that a WAV file holds exactly the same samples)."""
    g = torch.Generator().manual_seed(INPUT_SEED)
    n = int(round(seconds * SAMPLE_RATE))
    t = torch.arange(n, dtype=torch.float64) / SAMPLE_RATE
    x = 0.1 * (2 * torch.rand(n, generator=g, dtype=torch.float64) - 1)
    for j, f in enumerate((180.0, 440.0, 1250.0, 3100.0)):
        x += 0.12 * torch.sin(2 * math.pi * f * t + j)
    return torch.clamp(torch.round(x * 32768.0), -32768, 32767).to(torch.int16)


class ExitModel(nn.Module):
    """Raw samples (1, n) -> logits (1, T, V) of one exit, computing no layer beyond the
    exit's: normalisation (zero mean, unit population variance, as libw2vee and
    Wav2Vec2FeatureExtractor do), the conv feature encoder, the feature projection, the
    positional conv (+ the encoder LayerNorm for post-LN), layers 1..@layer and the
    exit head. For stable-LN models the encoder LayerNorm follows only the last layer.
    The same module is timed by PyTorch and exported to ONNX."""

    def __init__(self, model, head, layer, stable):
        super().__init__()
        tr = model.encoder.transformer
        self.feature_extractor = model.feature_extractor
        self.feature_projection = model.encoder.feature_projection
        self.transformer = tr
        self.layers = nn.ModuleList(list(tr.layers)[:layer])
        self.final_norm = tr.layer_norm if stable and layer == len(tr.layers) else None
        self.head = head

    def forward(self, samples):
        mean = samples.mean(dim=1, keepdim=True)
        var = ((samples - mean) ** 2).mean(dim=1, keepdim=True)
        x = (samples - mean) / torch.sqrt(var + NORM_EPS)     # (1, n)
        feats, _ = self.feature_extractor(x, None)            # (1, T, C)
        h = self.feature_projection(feats)                    # (1, T, D)
        h = self.transformer._preprocess(h)                   # + posconv (+ LN)
        for layer in self.layers:
            h = layer(h)
        if self.final_norm is not None:
            h = self.final_norm(h)
        return self.head(h)                                   # (1, T, V)


def exit_models(model, heads, exit_layers, stable):
    return [ExitModel(model, head, layer, stable).eval()
            for head, layer in zip(heads, exit_layers)]


def save_weights(path, config, model, heads, exit_layers, stable):
    """What torch_run.py loads: the arch, the state dicts and the exit layers."""
    torch.save({
        "config": config,
        "arch": model_spec(config)["arch"],
        "stable": stable,
        "exit_layers": list(exit_layers),
        "model": model.state_dict(),
        "heads": [h.state_dict() for h in heads],
    }, path)


def load_weights(path):
    """(model, heads, exit_layers, stable) from save_weights()'s file."""
    saved = torch.load(path)
    model = hf.build_torchaudio(saved["arch"]).eval()
    model.load_state_dict(saved["model"])
    heads = []
    for sd in saved["heads"]:
        v, d = sd["weight"].shape
        head = nn.Linear(d, v)
        head.load_state_dict(sd)
        heads.append(head.eval())
    return model, heads, saved["exit_layers"], saved["stable"]


def read_f32(path, count=-1):
    with open(path, "rb") as f:
        data = f.read() if count < 0 else f.read(4 * count)
    return torch.frombuffer(bytearray(data), dtype=torch.float32)


def peak_rss_mb():
    """This process's peak resident set in MiB: VmHWM (getrusage's ru_maxrss is carried
    over from the parent across fork and exec on Linux, so a child of a large process
    would report the parent's peak)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def median(values):
    v = sorted(values)
    k = len(v) // 2
    return v[k] if len(v) % 2 else (v[k - 1] + v[k]) / 2


def export_onnx(model, heads, exit_layers, stable, onnxdir, log=print):
    """One graph per exit (ExitModel: no layer beyond the exit's), input
    "samples" (1, n) with n dynamic, output "logits" (1, T, V)."""
    os.makedirs(onnxdir)
    dummy = torch.zeros(1, SAMPLE_RATE)  # traced shapes stay symbolic
    dummy.normal_(generator=torch.Generator().manual_seed(0))
    for e, m in enumerate(exit_models(model, heads, exit_layers, stable), start=1):
        log(f"exporting exit {e} (layer {exit_layers[e - 1]}) to ONNX")
        with torch.no_grad():
            torch.onnx.export(m, (dummy,), os.path.join(onnxdir, f"exit{e}.onnx"),
                              input_names=["samples"], output_names=["logits"],
                              dynamic_axes={"samples": {1: "n"}, "logits": {1: "frames"}},
                              opset_version=17, do_constant_folding=True)
