#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Generates the random-weight reference models and PyTorch reference logits that the
parity, CLI and loader tests compare libw2vee against.

Run with Debian's /usr/bin/python3 (python3-torch, python3-torchaudio) and espeak-ng:

    /usr/bin/python3 tests/reference/gen_models.py --out DIR [--only NAME ...] [--stamp FILE]

Everything is seeded: two runs with the same torch/torchaudio/espeak-ng versions write the
same files. Nothing is written to the source tree.

Output layout (a contract other tests rely on; tests/reference/README.md says the same):

    DIR/clip.wav, DIR/clip.f32      the speech clip (see below)
    DIR/NAME/model/                 a model directory in the Hugging Face layout
                                    (config.json, model.safetensors, preprocessor_config.json,
                                    vocab.json unless the model tests the default vocabulary)
    DIR/NAME/ref/                   the reference for the whole clip
    DIR/NAME/ref_prefix/            the reference for the clip's first PREFIX_SAMPLES samples
    DIR/NAME_bin/model/             for the models of BIN_TWINS: the same directory with
                                    pytorch_model.bin (torch.save of the same state dict,
                                    Hugging Face names) in place of model.safetensors
    DIR/UNAVAILABLE                 only when torch/torchaudio/espeak-ng are missing: one line
                                    saying why; then no model is written, no stamp either
                                    (so the build retries), and tests must fail

A reference directory holds:

    reference.json  {"model": "../model", "audio": "clip.f32", "n_samples": N,
                     "exits": [{"exit": e, "layer": l, "frames": T, "vocab": V,
                                "logits": "exit{e}.f32", "text": "...", "argmax": [...]}]}
                    Paths are relative to the reference directory. Exits are numbered 1..n,
                    shallowest first; "layer" is the 1-based transformer layer the exit reads;
                    "text" is the greedy CTC transcript (w2vee_hf.ctc_greedy_text) and
                    "argmax" the per-frame argmax ids (T of them) of that exit's logits.
    clip.f32        the N input samples, raw little-endian float32, *before* normalisation
                    (the engine normalises, as do_normalize is true). They are exactly the
                    samples of clip.wav divided by 32768, so a tool reading clip.wav sees the
                    same input.
    clip.wav        the same samples as 16 kHz mono 16-bit PCM.
    exit{e}.f32     logits of exit e, (T, V) row-major raw little-endian float32.

The clip is espeak-ng speech (22.05 kHz), resampled to 16 kHz with
torchaudio.functional.resample and rounded to 16 bits.
"""

import argparse
import collections
import json
import logging
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import types
import wave
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "training"))

SPEECH_TEXT = "open the window and let the sunshine in"
SPEECH_VOICE = "en-us"
PREFIX_SAMPLES = 20800  # 1.3 s
HEAD_SCALE = 4.0        # exit heads' weights are scaled so that argmax varies per frame
BLANK_BOOST = 2.0       # added to the blank's bias so that transcripts have blanks too

# Models that also get a NAME_bin twin (pytorch_model.bin instead of model.safetensors),
# and how its state dict is saved:
#   "views"  torch.save (1.13: zip with data descriptors, prefix = file stem); each
#            layer's q/k/v weights and biases are views into one fused storage (storage
#            offsets > 0, storages shared), the exit heads are nn.Parameters
#            (_rebuild_parameter)
#   "plain"  torch.save of the plain state dict, one storage per tensor
#   "torch2" the "plain" file's entries rewritten in the container layout of newer
#            PyTorch (2.6): top folder "archive", records byteorder, .data/serialization_id,
#            .format_version, .storage_alignment, written by Python's zipfile (sizes in
#            the local headers, no data descriptors), data padded to 64 bytes
BIN_TWINS = {"small_group": "views", "small_stable": "torch2", "small_f16": "plain",
             "small_bf16": "plain"}

# A vocabulary unlike the default: blank is id 1, lower case, two non-ASCII tokens.
CUSTOM_VOCAB = (["<s>", "<pad>", "</s>", "<unk>", "|"]
                + list("etaonihsrdlumwcfgypbvk'xjqz") + ["é", "ß"])

# Small conv stacks; each has a stride product of 320 like wav2vec2-base.
CONV_SHORT = [(32, 10, 5), (48, 8, 4), (48, 4, 4), (64, 4, 4)]
CONV_BASELIKE = [(40, 10, 5), (40, 3, 2), (40, 3, 2), (48, 3, 2), (48, 2, 2), (56, 2, 2),
                 (56, 2, 2)]
CONV_THREE = [(32, 10, 5), (32, 8, 8), (48, 8, 8)]


def small_arch(convs, mode, conv_bias, dim, heads, ffn, layers, pos_kernel, pos_groups,
               stable):
    return dict(
        extractor_mode=mode,
        extractor_conv_layer_config=convs,
        extractor_conv_bias=conv_bias,
        encoder_embed_dim=dim,
        encoder_projection_dropout=0.0,
        encoder_pos_conv_kernel=pos_kernel,
        encoder_pos_conv_groups=pos_groups,
        encoder_num_layers=layers,
        encoder_num_heads=heads,
        encoder_attention_dropout=0.0,
        encoder_ff_interm_features=ffn,
        encoder_ff_interm_dropout=0.0,
        encoder_dropout=0.0,
        encoder_layer_norm_first=stable,
        encoder_layer_drop=0.0,
        aux_num_out=None,
    )


def model_specs(hf):
    """name -> spec. "decoders": number of decoders.{i} heads (0: lm_head only);
    "exit_layers": written to config.json when not None; "weights_of": reuse another
    spec's weights (same seed and arch) stored in "dtype"."""
    import torch

    small_group = dict(
        seed=1001,
        arch=small_arch(CONV_SHORT, "group_norm", False, 72, 6, 160, 6, 15, 4, False),
        decoders=3, exit_layers=None, weight_norm_names="legacy",
        vocab=None, write_vocab=True, pad_token_id=0, dtype=torch.float32)
    specs = {
        # (a) post-LN, GroupNorm conv 0, no conv bias, 3 evenly spaced decoders (2, 4, 6),
        # legacy weight_g/weight_v, odd pos-conv kernel, D/H = 12.
        "small_group": small_group,
        # (b) stable-LN, LayerNorm convs with bias, lm_head only, parametrizations names,
        # even pos-conv kernel, custom vocabulary with blank id 1.
        "small_stable": dict(
            seed=1002,
            arch=small_arch(CONV_BASELIKE, "layer_norm", True, 64, 4, 128, 4, 16, 8, True),
            decoders=0, exit_layers=None, weight_norm_names="parametrizations",
            vocab=CUSTOM_VOCAB, write_vocab=True, pad_token_id=1, dtype=torch.float32),
        # (c) the full wav2vec2-base architecture with 6 decoders at 2, 4, ..., 12.
        "base": dict(
            seed=1003, arch=dict(hf.BASE_ARCH),
            decoders=6, exit_layers=[2, 4, 6, 8, 10, 12], weight_norm_names="legacy",
            vocab=None, write_vocab=True, pad_token_id=0, dtype=torch.float32),
        # (d) small_group's weights stored as F16 and BF16.
        "small_f16": dict(small_group, dtype=torch.float16),
        "small_bf16": dict(small_group, dtype=torch.bfloat16),
        # (e) explicit uneven exit_layers [1, 3, 4] of 4 layers, no vocab.json; stable-LN so
        # exits 1 and 2 read un-normalised states and exit 3 the final LayerNorm'd one;
        # GroupNorm conv 0 with conv bias, even pos-conv kernel, 3-layer conv stack.
        "uneven": dict(
            seed=1005,
            arch=small_arch(CONV_THREE, "group_norm", True, 48, 3, 96, 4, 10, 2, True),
            decoders=3, exit_layers=[1, 3, 4], weight_norm_names="legacy",
            vocab=None, write_vocab=False, pad_token_id=0, dtype=torch.float32),
        # (f) post-LN with LayerNorm convs (the remaining combination), 2 decoders at 2, 4.
        "post_layer": dict(
            seed=1006,
            arch=small_arch(CONV_SHORT, "layer_norm", False, 48, 4, 112, 4, 9, 3, False),
            decoders=2, exit_layers=None, weight_norm_names="parametrizations",
            vocab=None, write_vocab=True, pad_token_id=0, dtype=torch.float32),
    }
    return specs


# ---------------------------------------------------------------------------
# Audio
# ---------------------------------------------------------------------------

def make_clip(workdir):
    """int16 samples (list) at 16 kHz of SPEECH_TEXT spoken by espeak-ng."""
    import torch
    import torchaudio

    raw = os.path.join(workdir, "espeak.wav")
    subprocess.run(["espeak-ng", "-v", SPEECH_VOICE, "-w", raw, SPEECH_TEXT], check=True)
    with wave.open(raw, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise RuntimeError(f"{raw}: expected mono 16-bit PCM")
        rate = w.getframerate()
        pcm = w.readframes(w.getnframes())
    x = torch.frombuffer(bytearray(pcm), dtype=torch.int16).to(torch.float64) / 32768.0
    y = torchaudio.functional.resample(x, rate, 16000)
    q = torch.clamp(torch.round(y * 32768.0), -32768, 32767).to(torch.int16)
    return q


def write_wav(path, q):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(q.numpy().astype("<i2").tobytes())


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------

def build(hf, spec):
    """(model, heads, exit_layers) with every norm, bias and head perturbed."""
    import torch
    from torch import nn

    torch.manual_seed(spec["seed"])
    arch = spec["arch"]
    model = hf.build_torchaudio(arch).eval()
    vocab = spec["vocab"] or hf.DEFAULT_VOCAB
    n_layers = arch["encoder_num_layers"]
    dim = arch["encoder_embed_dim"]
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.LayerNorm, nn.GroupNorm)):
                m.weight.copy_(1.0 + 0.2 * torch.randn_like(m.weight))
                m.bias.copy_(0.1 * torch.randn_like(m.bias))
            elif isinstance(m, (nn.Linear, nn.Conv1d)) and m.bias is not None:
                m.bias.add_(0.1 * torch.randn_like(m.bias))
        g = model.encoder.transformer.pos_conv_embed.conv.weight_g
        g.mul_(1.0 + 0.2 * torch.randn_like(g))
        n_heads = spec["decoders"] or 1
        heads = []
        for _ in range(n_heads):
            head = nn.Linear(dim, len(vocab))
            head.weight.mul_(HEAD_SCALE)
            head.bias.copy_(0.5 * torch.randn_like(head.bias))
            head.bias[spec["pad_token_id"]] += BLANK_BOOST
            heads.append(head.eval())
        if spec["dtype"] != torch.float32:
            for p in list(model.parameters()) + [p for h in heads for p in h.parameters()]:
                p.copy_(p.to(spec["dtype"]).to(torch.float32))
    if spec["exit_layers"] is not None:
        exit_layers = list(spec["exit_layers"])
    elif spec["decoders"]:
        exit_layers = hf.even_exit_layers(n_layers, spec["decoders"])
    else:
        exit_layers = [n_layers]
    return model, heads, exit_layers


def write_model(hf, spec, model, heads, exit_layers, modeldir):
    if os.path.isdir(modeldir):
        shutil.rmtree(modeldir)
    extra = {"pad_token_id": spec["pad_token_id"]}
    kwargs = dict(vocab=spec["vocab"], dtype=spec["dtype"],
                  weight_norm_names=spec["weight_norm_names"],
                  write_vocab=spec["write_vocab"], extra_config=extra,
                  exit_layers=spec["exit_layers"])
    if spec["decoders"]:
        hf.write_model_dir(modeldir, model, spec["arch"], decoders=heads, **kwargs)
    else:
        hf.write_model_dir(modeldir, model, spec["arch"], lm_head=heads[0], **kwargs)


# ---------------------------------------------------------------------------
# Independent checks of what was written
# ---------------------------------------------------------------------------

def _assert_close(what, ours, ref, rel=1e-5):
    import torch

    diff = (ours - ref).abs().max().item()
    tol = rel * max(1.0, ref.abs().max().item())
    if ours.shape != ref.shape or not diff <= tol:
        raise AssertionError(f"{what}: shape {tuple(ours.shape)} vs {tuple(ref.shape)}, "
                             f"max |diff| {diff:.3g} > {tol:.3g}")
    return diff


def check_forward(hf, model, heads, exit_layers, stable, x, logits):
    """Each exit's logits again through torchaudio's own Wav2Vec2Model.forward(): the
    layer list truncated at the exit's layer, the head as model.aux, and (stable-LN,
    not the last layer) the final encoder LayerNorm removed."""
    import torch
    from torch import nn

    tr = model.encoder.transformer
    layers, final_ln = tr.layers, tr.layer_norm
    n = len(layers)
    worst = 0.0
    try:
        for e, (head, layer) in enumerate(zip(heads, exit_layers), start=1):
            tr.layers = nn.ModuleList(list(layers)[:layer])
            tr.layer_norm = nn.Identity() if stable and layer < n else final_ln
            model.aux = head
            with torch.no_grad():
                out, _ = model(x[None, :])
            worst = max(worst, _assert_close(f"exit {e} torchaudio forward", out[0],
                                             logits[e - 1]))
    finally:
        tr.layers, tr.layer_norm, model.aux = layers, final_ln, None
    return worst


def read_safetensors(path, keep_dtype=False):
    """name -> tensor in file order; as float32 unless keep_dtype."""
    import w2vee_hf

    tensors = w2vee_hf.read_safetensors(path)
    return tensors if keep_dtype else {k: v.float() for k, v in tensors.items()}


def check_import_path(hf, modeldir, refdir, x):
    """Reads the written model directory back the way transformers + torchaudio would:
    torchaudio's import_huggingface_model() builds a Wav2Vec2Model from config.json and
    the state dict (strict names and shapes), the exit heads and layers come from the
    file and the config alone; every exit must reproduce the written logits."""
    import torch
    from torch import nn
    from torchaudio.models.wav2vec2.utils import import_huggingface_model

    logging.getLogger(import_huggingface_model.__module__).setLevel(logging.ERROR)

    with open(os.path.join(modeldir, "config.json")) as f:
        cfg = json.load(f)
    sd = read_safetensors(os.path.join(modeldir, "model.safetensors"))

    def sub(prefix):
        d = {}
        for k, v in sd.items():
            if k.startswith(prefix):
                k = k[len(prefix):]
                k = k.replace("parametrizations.weight.original0", "weight_g")
                k = k.replace("parametrizations.weight.original1", "weight_v")
                d[k] = v
        return types.SimpleNamespace(state_dict=lambda: d)

    class Wav2Vec2ForCTC:  # the class name is what import_huggingface_model looks at
        pass

    w2v = types.SimpleNamespace(feature_extractor=sub("wav2vec2.feature_extractor."),
                                feature_projection=sub("wav2vec2.feature_projection."),
                                encoder=sub("wav2vec2.encoder."))
    if "lm_head.weight" in sd:
        original = Wav2Vec2ForCTC()
        original.wav2vec2 = w2v
        original.lm_head = sub("lm_head.")
    else:  # a bare Wav2Vec2Model: torchaudio imports it without aux
        original = w2v
    original.config = types.SimpleNamespace(**cfg)
    model = import_huggingface_model(original).eval()

    n_dec = len([k for k in sd if k.startswith("decoders.") and k.endswith(".weight")])
    names = [f"decoders.{i}" for i in range(n_dec)] if n_dec else ["lm_head"]
    heads = []
    for name in names:
        w = sd[name + ".weight"]
        head = nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            head.weight.copy_(w)
            head.bias.copy_(sd[name + ".bias"])
        heads.append(head)
    n_layers = cfg["num_hidden_layers"]
    if "exit_layers" in cfg:
        exit_layers = cfg["exit_layers"]
    elif n_dec:
        exit_layers = hf.even_exit_layers(n_layers, n_dec)
    else:
        exit_layers = [n_layers]
    logits = hf.exit_logits(model, heads, exit_layers, hf.normalize_audio(x),
                            cfg["do_stable_layer_norm"])

    with open(os.path.join(refdir, "reference.json"), encoding="utf-8") as f:
        ref = json.load(f)
    vocab = hf.DEFAULT_VOCAB
    if os.path.exists(os.path.join(modeldir, "vocab.json")):
        with open(os.path.join(modeldir, "vocab.json"), encoding="utf-8") as f:
            v = json.load(f)
        vocab = sorted(v, key=v.get)
    if [e["layer"] for e in ref["exits"]] != list(exit_layers):
        raise AssertionError(f"{refdir}: exit layers {ref['exits']} vs config {exit_layers}")
    worst = 0.0
    for e, lg in zip(ref["exits"], logits):
        raw = open(os.path.join(refdir, e["logits"]), "rb").read()
        written = torch.frombuffer(bytearray(raw), dtype=torch.float32)
        written = written.reshape(e["frames"], e["vocab"])
        worst = max(worst, _assert_close(f"{refdir} exit {e['exit']} import path", lg,
                                         written))
        argmax = written.argmax(dim=1).tolist()
        if argmax != e["argmax"]:
            raise AssertionError(f"{refdir} exit {e['exit']}: argmax differs from file")
        text = hf.ctc_greedy_text(argmax, vocab, cfg["pad_token_id"])
        if text != e["text"]:
            raise AssertionError(f"{refdir} exit {e['exit']}: text {text!r} vs {e['text']!r}")
    return worst


# ---------------------------------------------------------------------------
# pytorch_model.bin twins
# ---------------------------------------------------------------------------

def rewrite_torch2(path):
    """Rewrites a torch.save zip in the container layout newer PyTorch writes."""
    with zipfile.ZipFile(path) as z:
        old = {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}
    old.update({"byteorder": b"little", ".data/serialization_id": b"%040d" % 1234567,
                ".format_version": b"1", ".storage_alignment": b"64"})
    order = (["data.pkl", "byteorder"] + sorted(k for k in old if k.startswith("data/"))
             + ["version", ".data/serialization_id", ".format_version",
                ".storage_alignment"])
    tmp = path + ".tmp"
    with open(tmp, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as z:
        for rel in order:
            name = "archive/" + rel
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            pad = -(f.tell() + 30 + len(name) + 4) % 64
            info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
            z.writestr(info, old[rel])
    os.replace(tmp, path)


def write_bin_twin(modeldir, twindir, style):
    """twindir: modeldir's JSON files and pytorch_model.bin holding exactly the tensors of
    its model.safetensors (same names, dtypes, values, order), checked by torch.load."""
    import torch

    if os.path.isdir(twindir):
        shutil.rmtree(twindir)
    os.makedirs(twindir)
    for f in sorted(os.listdir(modeldir)):
        if f.endswith(".json"):
            shutil.copy(os.path.join(modeldir, f), twindir)
    tensors = read_safetensors(os.path.join(modeldir, "model.safetensors"), keep_dtype=True)
    state = collections.OrderedDict(tensors.items())
    if style == "views":
        n = 0
        while f"wav2vec2.encoder.layers.{n}.attention.q_proj.weight" in state:
            for kind in ("weight", "bias"):
                names = [f"wav2vec2.encoder.layers.{n}.attention.{p}_proj.{kind}"
                         for p in "qkv"]
                fused = torch.cat([state[k] for k in names])
                rows = state[names[0]].shape[0]
                for i, k in enumerate(names):
                    state[k] = fused[i * rows:(i + 1) * rows]
            n += 1
        for k in state:
            if k.startswith(("decoders.", "lm_head.")):
                state[k] = torch.nn.Parameter(state[k], requires_grad=False)
    modules = sorted({k.rsplit(".", 1)[0] for k in state})
    state._metadata = collections.OrderedDict(
        [("", {"version": 1})] + [(m, {"version": 1}) for m in modules])
    path = os.path.join(twindir, "pytorch_model.bin")
    torch.save(state, path)
    if style == "torch2":
        rewrite_torch2(path)
    back = torch.load(path, weights_only=True)
    if list(back) != list(tensors):
        raise AssertionError(f"{path}: tensor names or order differ from the safetensors")
    for k, t in tensors.items():
        if back[k].dtype != t.dtype or not torch.equal(back[k], t):
            raise AssertionError(f"{path}: {k} differs from the safetensors")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    print(f"  {os.path.relpath(path, os.path.dirname(os.path.dirname(twindir)))}: "
          f"{style}, {len(tensors)} tensors, {os.path.getsize(path)} bytes, entries "
          f"{names[0]} ... {names[-1]}")


# ---------------------------------------------------------------------------

def generate(hf, name, spec, outdir, full_q, check):
    import torch

    t0 = time_now()
    model, heads, exit_layers = build(hf, spec)
    stable = spec["arch"]["encoder_layer_norm_first"]
    vocab = spec["vocab"] or hf.DEFAULT_VOCAB
    modeldir = os.path.join(outdir, name, "model")
    write_model(hf, spec, model, heads, exit_layers, modeldir)
    report = []
    for sub, q in (("ref", full_q), ("ref_prefix", full_q[:PREFIX_SAMPLES])):
        refdir = os.path.join(outdir, name, sub)
        if os.path.isdir(refdir):
            shutil.rmtree(refdir)
        x = q.to(torch.float32) / 32768.0
        logits = hf.write_reference(refdir, model, heads, exit_layers, stable, vocab, x,
                                    blank_id=spec["pad_token_id"])
        write_wav(os.path.join(refdir, "clip.wav"), q)
        if check:
            d1 = check_forward(hf, model, heads, exit_layers, stable, hf.normalize_audio(x),
                               logits)
            d2 = check_import_path(hf, modeldir, refdir, x)
            report.append(f"{sub}: torchaudio forward max|diff| {d1:.2g}, "
                          f"import path {d2:.2g}")
        with open(os.path.join(refdir, "reference.json"), encoding="utf-8") as f:
            ref = json.load(f)
        for e, lg in zip(ref["exits"], logits):
            top2 = lg.topk(2, dim=1).values
            gap = (top2[:, 0] - top2[:, 1]).min().item()
            report.append(f"  {sub} exit {e['exit']} layer {e['layer']}: T={e['frames']} "
                          f"max|logit| {lg.abs().max().item():.3g} min top-2 gap {gap:.3g} "
                          f"distinct argmax {len(set(e['argmax']))} text {e['text']!r}")
    print(f"{name}: exits at layers {exit_layers}, {time_now() - t0:.1f} s")
    for line in report:
        print("  " + line)
    if name in BIN_TWINS:
        write_bin_twin(modeldir, os.path.join(outdir, name + "_bin", "model"),
                       BIN_TWINS[name])


def time_now():
    import time
    return time.monotonic()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="generate only this model (repeatable)")
    ap.add_argument("--stamp", help="file to touch when done")
    ap.add_argument("--no-check", action="store_true",
                    help="skip the independent torchaudio checks of the written files")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    unavailable = os.path.join(args.out, "UNAVAILABLE")
    if os.path.exists(unavailable):
        os.remove(unavailable)

    try:
        import torch
        import torchaudio  # noqa: F401
        import w2vee_hf as hf
    except ImportError as e:
        reason = f"{sys.executable} cannot import torch/torchaudio ({e})"
    else:
        reason = None if shutil.which("espeak-ng") else "espeak-ng is not installed"
    if reason:
        with open(unavailable, "w") as f:
            f.write(f"reference models not generated: {reason}\n")
        print(f"gen_models: {reason}; wrote {unavailable}", file=sys.stderr)
        # No stamp: the build runs the generator again until it can do its job.
        if args.stamp and os.path.exists(args.stamp):
            os.remove(args.stamp)
        return 0

    torch.set_num_threads(1)
    specs = model_specs(hf)
    unknown = [n for n in args.only if n not in specs]
    if unknown:
        ap.error(f"unknown model(s) {unknown}; known: {sorted(specs)}")
    t0 = time_now()
    with tempfile.TemporaryDirectory() as tmp:
        q = make_clip(tmp)
    write_wav(os.path.join(args.out, "clip.wav"), q)
    hf.write_f32(os.path.join(args.out, "clip.f32"), q.to(torch.float32) / 32768.0)
    print(f"clip: {q.numel()} samples ({q.numel() / 16000:.2f} s), "
          f"prefix {PREFIX_SAMPLES} samples")
    for name, spec in specs.items():
        if args.only and name not in args.only:
            continue
        generate(hf, name, spec, args.out, q, not args.no_check)
    print(f"total {time_now() - t0:.1f} s")
    if args.stamp:
        with open(args.stamp, "w") as f:
            f.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
