#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Checkpoint <-> Hugging Face model directory (the layout libw2vee loads).

  /usr/bin/python3 training/export.py --ckpt RUN/ckpt.pt --out models/default \
      [--dtype auto|f32|f16] [--reference DIR --clip FILE.wav]

Writes config.json (with exit_layers written explicitly), vocab.json,
preprocessor_config.json and model.safetensors with wav2vec2.*, decoders.{i}.* (one per
exit, shallowest first) and lm_head.* (a copy of the deepest exit's decoder, so that
transformers' Wav2Vec2ForCTC logits are the deepest exit's). --dtype auto writes F32
when that fits in 20 MB, else F16 (the engine converts F16 to F32 on load).

With --reference, also writes the PyTorch reference of every exit for one clip
(w2vee_hf.write_reference: raw float32 logits + reference.json) computed by torchaudio's
wav2vec2 from the *exported* weights, for the C engine parity test.
"""

import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402

SIZE_LIMIT = 20 * 1000 * 1000


def choose_dtype(net, dtype):
    if dtype == "f32":
        return torch.float32
    if dtype == "f16":
        return torch.float16
    return torch.float32 if M.n_params(net) * 4 <= SIZE_LIMIT else torch.float16


def export_model(net, outdir, dtype="auto", vocab=None, model_card=None):
    """Writes @net (model.EEWav2Vec2) as an HF directory; returns the dtype used."""
    w2vee_hf = M.import_w2vee_hf()
    dt = choose_dtype(net, dtype)
    tmp = outdir.rstrip("/") + ".tmp"
    os.makedirs(tmp, exist_ok=True)
    extra = {"w2vee_model": model_card} if model_card else None
    w2vee_hf.write_model_dir(tmp, net, net.arch, decoders=list(net.decoders),
                             lm_head=net.decoders[-1], vocab=vocab,
                             exit_layers=net.exit_layers, dtype=dt, extra_config=extra)
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(tmp):                  # each file replaced atomically
        os.replace(os.path.join(tmp, name), os.path.join(outdir, name))
    os.rmdir(tmp)
    return dt


def hf_to_ours(name):
    """Our (= torchaudio's) parameter name of an HF Wav2Vec2ForCTC tensor name, or None."""
    if name.startswith("decoders."):
        return name
    if not name.startswith("wav2vec2."):
        return None
    n = name[len("wav2vec2."):]
    for a, b in (("feature_projection.", "encoder.feature_projection."),
                 ("encoder.pos_conv_embed.", "encoder.transformer.pos_conv_embed."),
                 ("encoder.layer_norm.", "encoder.transformer.layer_norm."),
                 ("encoder.layers.", "encoder.transformer.layers.")):
        if n.startswith(a):
            return b + n[len(a):]
    return n if n.startswith("feature_extractor.") else None


def arch_from_config(cfg):
    """model.make_arch() dict of an HF config.json dict (dropouts 0)."""
    conv = list(zip(cfg["conv_dim"], cfg["conv_kernel"], cfg["conv_stride"]))
    arch = M.make_arch(conv, cfg["hidden_size"], cfg["num_hidden_layers"],
                       cfg["num_attention_heads"], cfg["intermediate_size"],
                       pos_kernel=cfg["num_conv_pos_embeddings"],
                       pos_groups=cfg["num_conv_pos_embedding_groups"], dropout=0.0)
    arch["extractor_mode"] = "group_norm" if cfg["feat_extract_norm"] == "group" else "layer_norm"
    arch["extractor_conv_bias"] = bool(cfg["conv_bias"])
    arch["encoder_layer_norm_first"] = bool(cfg["do_stable_layer_norm"])
    return arch


def load_hf_dir(path):
    """(EEWav2Vec2 in eval mode, vocab list) from an exported model directory."""
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    vocab = M.import_w2vee_hf().DEFAULT_VOCAB
    vpath = os.path.join(path, "vocab.json")
    if os.path.exists(vpath):
        with open(vpath) as f:
            v = json.load(f)
        vocab = [None] * len(v)
        for tok, i in v.items():
            vocab[i] = tok
    sd = M.import_w2vee_hf().read_safetensors(os.path.join(path, "model.safetensors"))
    n_dec = len([k for k in sd if k.startswith("decoders.") and k.endswith(".weight")])
    exits = cfg.get("exit_layers") or M.even_exits(cfg["num_hidden_layers"], n_dec)
    net = M.EEWav2Vec2(arch_from_config(cfg), exits, len(vocab))
    ours = {}
    for k, v in sd.items():
        o = hf_to_ours(k)
        if o is not None:
            ours[o] = v
    net.load_state_dict(ours, strict=True)
    net.eval()
    return net, vocab


def load_checkpoint(path, device="cpu"):
    """(EEWav2Vec2, checkpoint dict) of a train.py checkpoint."""
    ck = M.load_torch(path, device)
    net = M.EEWav2Vec2(ck["arch"], ck["exit_layers"], ck["vocab_size"])
    net.load_state_dict(ck["model"])
    net.eval()
    return net, ck


def write_parity_reference(model_dir, refdir, clip_wav):
    """PyTorch reference logits of every exit for @clip_wav, computed by torchaudio's
    wav2vec2 loaded with the exported (possibly F16-rounded) weights."""
    import audio
    w2vee_hf = M.import_w2vee_hf()
    net, vocab = load_hf_dir(model_dir)
    ref = w2vee_hf.build_torchaudio(net.arch, inference=True)
    sd = {k: v for k, v in net.state_dict().items() if not k.startswith("decoders.")}
    ref.load_state_dict(sd, strict=True)
    ref.eval()
    x, rate = audio.read_wav(clip_wav)
    if rate != audio.SAMPLE_RATE:
        raise SystemExit(f"{clip_wav}: {rate} Hz, need {audio.SAMPLE_RATE}")
    model_rel = os.path.relpath(os.path.abspath(model_dir), os.path.abspath(refdir))
    return w2vee_hf.write_reference(refdir, ref, list(net.decoders), net.exit_layers, False,
                                    vocab, torch.from_numpy(x), model_rel=model_rel)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ckpt", required=True, help="train.py checkpoint (ckpt.pt)")
    ap.add_argument("--out", required=True, help="model directory to write")
    ap.add_argument("--dtype", default="auto", choices=["auto", "f32", "f16"])
    ap.add_argument("--reference", default=None, help="also write parity reference here")
    ap.add_argument("--clip", default=None, help="16 kHz 16-bit .wav for --reference")
    args = ap.parse_args()
    net, ck = load_checkpoint(args.ckpt)
    dt = export_model(net, args.out, args.dtype, model_card=ck.get("model_card"))
    size = os.path.getsize(os.path.join(args.out, "model.safetensors"))
    print(f"export: {args.out}: {M.n_params(net)} parameters, {dt}, {size} bytes, "
          f"exits at layers {net.exit_layers}")
    if args.reference:
        if not args.clip:
            raise SystemExit("--reference needs --clip")
        write_parity_reference(args.out, args.reference, args.clip)
        print(f"export: parity reference in {args.reference}")


if __name__ == "__main__":
    main()
