# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Shared by training/ and tests/: torchaudio wav2vec2 models <-> the Hugging Face layout.

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchaudio 0.13).

An *arch* is a dict of torchaudio.models.wav2vec2_model() arguments (dropouts are
forced to 0 when building for inference). write_model_dir() writes exactly the layout
libw2vee loads (config.json, vocab.json, preprocessor_config.json, model.safetensors)
with the state-dict names of transformers' Wav2Vec2ForCTC, and safetensors is written
here directly (the format is an 8-byte little-endian header length, a JSON header,
then the raw tensors).
"""

import collections
import json
import os
import struct

import torch
import torchaudio

# facebook/wav2vec2-base-960h vocabulary, id order (docs/engine.md, "Loading").
DEFAULT_VOCAB = ["<pad>", "<s>", "</s>", "<unk>", "|"] + list("ETAONIHSRDLUMWCFGYPBVK'XJQZ")

BASE_ARCH = dict(
    extractor_mode="group_norm",
    extractor_conv_layer_config=[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2,
    extractor_conv_bias=False,
    encoder_embed_dim=768,
    encoder_projection_dropout=0.0,
    encoder_pos_conv_kernel=128,
    encoder_pos_conv_groups=16,
    encoder_num_layers=12,
    encoder_num_heads=12,
    encoder_attention_dropout=0.0,
    encoder_ff_interm_features=3072,
    encoder_ff_interm_dropout=0.0,
    encoder_dropout=0.0,
    encoder_layer_norm_first=False,
    encoder_layer_drop=0.0,
    aux_num_out=None,
)

_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def build_torchaudio(arch, inference=True):
    """torchaudio Wav2Vec2Model for @arch; with @inference all dropouts are 0."""
    args = dict(arch)
    if inference:
        for k in list(args):
            if k.endswith("dropout") or k == "encoder_layer_drop":
                args[k] = 0.0
    return torchaudio.models.wav2vec2_model(**args)


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} contiguously in name order; header padded to 8 bytes."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype not in _DTYPES:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
        raw = t.view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {
            "dtype": _DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """{name: tensor} of a safetensors file (F32, F16, BF16), in the order of the data,
    in the stored dtype; tensors own their memory."""
    dtypes = {v: k for k, v in _DTYPES.items()}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    body = bytearray(data[8 + n:])
    out = collections.OrderedDict()
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e = info["data_offsets"]
        dtype = dtypes[info["dtype"]]
        t = torch.frombuffer(body[b:e], dtype=dtype).clone() if e > b else \
            torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info["shape"])
    return out


def hf_state_dict(model, decoders=None, lm_head=None, weight_norm_names="legacy"):
    """Maps a torchaudio Wav2Vec2Model (+ optional exit heads) to Wav2Vec2ForCTC names.

    @decoders: list of nn.Linear written as decoders.{i}; @lm_head: nn.Linear or None
    (model.aux is used when present and @lm_head is None).
    @weight_norm_names: "legacy" (weight_g / weight_v) or "parametrizations"
    (parametrizations.weight.original0 / original1, as newer PyTorch saves them).
    """
    sd = {}
    p = "wav2vec2."
    for i, layer in enumerate(model.feature_extractor.conv_layers):
        q = f"{p}feature_extractor.conv_layers.{i}."
        sd[q + "conv.weight"] = layer.conv.weight
        if layer.conv.bias is not None:
            sd[q + "conv.bias"] = layer.conv.bias
        if layer.layer_norm is not None:
            sd[q + "layer_norm.weight"] = layer.layer_norm.weight
            sd[q + "layer_norm.bias"] = layer.layer_norm.bias
    fp = model.encoder.feature_projection
    sd[p + "feature_projection.layer_norm.weight"] = fp.layer_norm.weight
    sd[p + "feature_projection.layer_norm.bias"] = fp.layer_norm.bias
    sd[p + "feature_projection.projection.weight"] = fp.projection.weight
    sd[p + "feature_projection.projection.bias"] = fp.projection.bias
    tr = model.encoder.transformer
    conv = tr.pos_conv_embed.conv
    q = p + "encoder.pos_conv_embed.conv."
    if weight_norm_names == "legacy":
        sd[q + "weight_g"] = conv.weight_g
        sd[q + "weight_v"] = conv.weight_v
    elif weight_norm_names == "parametrizations":
        sd[q + "parametrizations.weight.original0"] = conv.weight_g
        sd[q + "parametrizations.weight.original1"] = conv.weight_v
    else:
        raise ValueError(weight_norm_names)
    sd[q + "bias"] = conv.bias
    sd[p + "encoder.layer_norm.weight"] = tr.layer_norm.weight
    sd[p + "encoder.layer_norm.bias"] = tr.layer_norm.bias
    for i, layer in enumerate(tr.layers):
        q = f"{p}encoder.layers.{i}."
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            lin = getattr(layer.attention, name)
            sd[q + f"attention.{name}.weight"] = lin.weight
            sd[q + f"attention.{name}.bias"] = lin.bias
        sd[q + "layer_norm.weight"] = layer.layer_norm.weight
        sd[q + "layer_norm.bias"] = layer.layer_norm.bias
        ff = layer.feed_forward
        sd[q + "feed_forward.intermediate_dense.weight"] = ff.intermediate_dense.weight
        sd[q + "feed_forward.intermediate_dense.bias"] = ff.intermediate_dense.bias
        sd[q + "feed_forward.output_dense.weight"] = ff.output_dense.weight
        sd[q + "feed_forward.output_dense.bias"] = ff.output_dense.bias
        sd[q + "final_layer_norm.weight"] = layer.final_layer_norm.weight
        sd[q + "final_layer_norm.bias"] = layer.final_layer_norm.bias
    head = lm_head if lm_head is not None else model.aux
    if head is not None:
        sd["lm_head.weight"] = head.weight
        sd["lm_head.bias"] = head.bias
    for i, dec in enumerate(decoders or []):
        sd[f"decoders.{i}.weight"] = dec.weight
        sd[f"decoders.{i}.bias"] = dec.bias
    return sd


def hf_config(arch, vocab_size, exit_layers=None, pad_token_id=0, layer_norm_eps=1e-5):
    """config.json for @arch in transformers' Wav2Vec2Config vocabulary."""
    convs = arch["extractor_conv_layer_config"] or BASE_ARCH["extractor_conv_layer_config"]
    cfg = {
        "architectures": ["Wav2Vec2ForCTC"],
        "model_type": "wav2vec2",
        "hidden_size": arch["encoder_embed_dim"],
        "num_hidden_layers": arch["encoder_num_layers"],
        "num_attention_heads": arch["encoder_num_heads"],
        "intermediate_size": arch["encoder_ff_interm_features"],
        "hidden_act": "gelu",
        "layer_norm_eps": layer_norm_eps,
        "feat_extract_norm": "group" if arch["extractor_mode"] == "group_norm" else "layer",
        "feat_extract_activation": "gelu",
        "conv_dim": [c for c, _, _ in convs],
        "conv_kernel": [k for _, k, _ in convs],
        "conv_stride": [s for _, _, s in convs],
        "conv_bias": bool(arch["extractor_conv_bias"]),
        "num_conv_pos_embeddings": arch["encoder_pos_conv_kernel"],
        "num_conv_pos_embedding_groups": arch["encoder_pos_conv_groups"],
        "do_stable_layer_norm": bool(arch["encoder_layer_norm_first"]),
        "vocab_size": vocab_size,
        "pad_token_id": pad_token_id,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "ctc_loss_reduction": "sum",
        "hidden_dropout": 0.1,
        "attention_dropout": 0.1,
        "activation_dropout": 0.0,
        "feat_proj_dropout": 0.1,
        "final_dropout": 0.1,
        "layerdrop": 0.1,
        "mask_time_prob": 0.05,
    }
    if exit_layers is not None:
        cfg["exit_layers"] = list(exit_layers)
    return cfg


def write_model_dir(outdir, model, arch, decoders=None, lm_head=None, vocab=None,
                    exit_layers=None, dtype=torch.float32, weight_norm_names="legacy",
                    do_normalize=True, write_vocab=True, extra_config=None):
    """Writes a complete model directory libw2vee (and transformers) can load."""
    os.makedirs(outdir, exist_ok=True)
    vocab = vocab or DEFAULT_VOCAB
    sd = hf_state_dict(model, decoders, lm_head, weight_norm_names)
    sd = {k: v.detach().to(dtype) for k, v in sd.items()}
    write_safetensors(os.path.join(outdir, "model.safetensors"), sd, {"format": "pt"})
    cfg = hf_config(arch, len(vocab), exit_layers)
    if extra_config:
        cfg.update(extra_config)
    with open(os.path.join(outdir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    if write_vocab:
        with open(os.path.join(outdir, "vocab.json"), "w") as f:
            json.dump({tok: i for i, tok in enumerate(vocab)}, f, indent=2)
    with open(os.path.join(outdir, "preprocessor_config.json"), "w") as f:
        json.dump({
            "do_normalize": bool(do_normalize),
            "feature_extractor_type": "Wav2Vec2FeatureExtractor",
            "feature_size": 1,
            "padding_side": "right",
            "padding_value": 0.0,
            "return_attention_mask": False,
            "sampling_rate": 16000,
        }, f, indent=2)


def normalize_audio(x):
    """Wav2Vec2FeatureExtractor's do_normalize: zero mean, unit population variance."""
    x = x.to(torch.float64)
    x = (x - x.mean()) / torch.sqrt(x.var(unbiased=False) + 1e-7)
    return x.to(torch.float32)


def layer_outputs(model, waveform, n_layers=None):
    """Per-layer transformer outputs (list of (T, D)) of a torchaudio model for one
    utterance (1-D float tensor, already normalised), computing no layer beyond
    @n_layers. Stable-LN models: outputs are *before* the final encoder LayerNorm."""
    with torch.no_grad():
        feats, _ = model.feature_extractor(waveform[None, :], None)
        x = model.encoder.feature_projection(feats)
        outs = model.encoder.transformer.get_intermediate_outputs(x, None, n_layers)
    return [o[0] for o in outs]


def exit_logits(model, heads, exit_layers, waveform, stable_layer_norm):
    """Logits (T, V) of every exit: heads[i] (nn.Linear) reads layer exit_layers[i]
    (1-based). In a stable-LN model only the last layer's output is normalised."""
    outs = layer_outputs(model, waveform, max(exit_layers))
    n = len(model.encoder.transformer.layers)
    res = []
    with torch.no_grad():
        for head, layer in zip(heads, exit_layers):
            h = outs[layer - 1]
            if stable_layer_norm and layer == n:
                h = model.encoder.transformer.layer_norm(h)
            res.append(head(h))
    return res


# ---------------------------------------------------------------------------
# Reference logits for parity tests (tests/reference/README.md describes the format).
# ---------------------------------------------------------------------------

def even_exit_layers(n_layers, n_decoders):
    """Layers (1-based) of @n_decoders decoders without an explicit exit_layers key:
    decoder i reads layer (i + 1) * n_layers / n_decoders (docs/engine.md, "Exits")."""
    if n_layers % n_decoders:
        raise ValueError(f"{n_decoders} decoders do not divide {n_layers} layers evenly")
    return [(i + 1) * n_layers // n_decoders for i in range(n_decoders)]


def is_special_token(token):
    """True for "<...>" tokens (<pad>, <s>, </s>, <unk>, ...); transcripts never show them."""
    return len(token) >= 2 and token.startswith("<") and token.endswith(">")


def ctc_greedy_text(ids, vocab, blank_id=0):
    """Greedy CTC transcript of per-frame argmax @ids (iterable of int): collapse repeats,
    drop the blank (@blank_id, config pad_token_id), "|" becomes a space, other "<...>"
    specials are dropped, then spaces are stripped and collapsed to single ones."""
    pieces = []
    prev = None
    for i in ids:
        i = int(i)
        if i != prev and i != blank_id:
            token = vocab[i]
            if token == "|":
                pieces.append(" ")
            elif not is_special_token(token):
                pieces.append(token)
        prev = i
    return " ".join("".join(pieces).split())


def write_f32(path, tensor):
    """Raw little-endian float32, row-major."""
    data = tensor.detach().to(torch.float32).contiguous().cpu().numpy().astype("<f4")
    with open(path, "wb") as f:
        f.write(data.tobytes())


def write_reference(refdir, model, heads, exit_layers, stable_layer_norm, vocab,
                    samples_f32, blank_id=0, do_normalize=True, model_rel="../model",
                    audio_name="clip.f32"):
    """Writes the PyTorch reference of every exit for one utterance into @refdir:

    - @audio_name: @samples_f32 (1-D, 16 kHz, *before* normalisation) as raw LE float32;
    - exit{e}.f32 for e = 1..n: the logits (T, V) of exit e as raw LE float32;
    - reference.json: {"model": @model_rel, "audio": @audio_name, "n_samples": N,
      "exits": [{"exit": e, "layer": l, "frames": T, "vocab": V, "logits": "exit{e}.f32",
      "text": ctc_greedy_text(argmax), "argmax": [per-frame argmax ids]}, ...]}.

    @heads[i] (nn.Linear) reads layer @exit_layers[i] (1-based, ascending). @vocab is the
    token list (None: DEFAULT_VOCAB). Returns the list of (T, V) logits tensors."""
    os.makedirs(refdir, exist_ok=True)
    vocab = vocab or DEFAULT_VOCAB
    x = torch.as_tensor(samples_f32, dtype=torch.float32).reshape(-1)
    write_f32(os.path.join(refdir, audio_name), x)
    xin = normalize_audio(x) if do_normalize else x
    model.eval()
    logits = exit_logits(model, heads, exit_layers, xin, stable_layer_norm)
    exits = []
    for e, (layer, lg) in enumerate(zip(exit_layers, logits), start=1):
        if lg.shape[1] != len(vocab):
            raise ValueError(f"exit {e}: head has {lg.shape[1]} rows, vocab {len(vocab)}")
        name = f"exit{e}.f32"
        write_f32(os.path.join(refdir, name), lg)
        argmax = lg.argmax(dim=1).tolist()
        exits.append({
            "exit": e,
            "layer": int(layer),
            "frames": int(lg.shape[0]),
            "vocab": int(lg.shape[1]),
            "logits": name,
            "text": ctc_greedy_text(argmax, vocab, blank_id),
            "argmax": argmax,
        })
    head = {"model": model_rel, "audio": audio_name, "n_samples": int(x.numel())}
    with open(os.path.join(refdir, "reference.json"), "w", encoding="utf-8") as f:
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "exits": [\n')
        f.write(",\n".join(json.dumps(e, ensure_ascii=False) for e in exits))
        f.write("\n]}\n")
    return logits
