#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (README.md) into OUTDIR/{safetensors,
config,vocab}: small valid files and corrupted variants of each, one per class of
reliability.md "Model files". Standard library only.

usage: make_seeds.py OUTDIR
"""

import json
import os
import struct
import sys


def safetensors(tensors, metadata=None, pad=0, order=None):
    """tensors: list of (name, dtype, shape, raw bytes), written in this order."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if order is not None:
        header = {k: header[k] for k in order}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8 + pad)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


def main():
    out = sys.argv[1]
    for d in ("safetensors", "config", "vocab"):
        os.makedirs(os.path.join(out, d), exist_ok=True)

    def put(kind, name, data):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(out, kind, name), "wb") as f:
            f.write(data)

    ts = [("a.weight", "F32", [2, 3], f32(*range(6))),
          ("a.bias", "F16", [3], struct.pack("<3H", 0x3C00, 0x0001, 0x7C00)),
          ("b", "BF16", [2], struct.pack("<2H", 0x3F80, 0xC049)),
          ("c", "I64", [1], struct.pack("<q", 7)),
          ("empty", "F32", [0], b"")]
    good = safetensors(ts, {"format": "pt"})
    put("safetensors", "valid", good)
    put("safetensors", "valid-misaligned", safetensors(ts, {"format": "pt"}, pad=3))
    put("safetensors", "valid-reordered",
        safetensors(ts, None, order=["c", "b", "empty", "a.bias", "a.weight"]))
    put("safetensors", "empty-header", safetensors([]))
    put("safetensors", "truncated", good[:-5])
    put("safetensors", "trailing", good + b"\0\0\0\0")
    put("safetensors", "header-too-long", struct.pack("<Q", 1 << 40) + good[8:])
    bad = good.replace(b'"F16"', b'"F99"')
    put("safetensors", "unknown-dtype", bad)
    put("safetensors", "gap", good.replace(b"[24,30]", b"[26,32]"))
    put("safetensors", "overflow", good.replace(b"[2,3]", b"[4294967296,4294967297]"))
    h = b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' \
        b'"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'
    put("safetensors", "duplicate", struct.pack("<Q", len(h)) + h + f32(1, 2))
    put("safetensors", "lfs-pointer", "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:" + "ab" * 32 + "\nsize 377667514\n")
    put("safetensors", "html", "  <!DOCTYPE html><html><body>login</body></html>")

    base = {"model_type": "wav2vec2", "hidden_size": 768, "num_hidden_layers": 12,
            "num_attention_heads": 12, "intermediate_size": 3072,
            "hidden_act": "gelu", "layer_norm_eps": 1e-05,
            "feat_extract_norm": "group", "feat_extract_activation": "gelu",
            "conv_dim": [512] * 7, "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
            "conv_stride": [5, 2, 2, 2, 2, 2, 2], "conv_bias": False,
            "num_conv_pos_embeddings": 128, "num_conv_pos_embedding_groups": 16,
            "do_stable_layer_norm": False, "vocab_size": 32, "pad_token_id": 0,
            "exit_layers": [2, 4, 6, 8, 10, 12]}
    put("config", "base", json.dumps(base, indent=2))
    put("config", "large-stable", json.dumps(dict(
        base, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
        intermediate_size=4096, feat_extract_norm="layer", conv_bias=True,
        do_stable_layer_norm=True, exit_layers=None)))
    put("config", "preprocessor", json.dumps({
        "do_normalize": True, "feature_size": 1, "sampling_rate": 16000}))
    put("config", "wrong-types", json.dumps(dict(base, hidden_size="768",
                                                 conv_bias=1)))
    put("config", "inconsistent", json.dumps(dict(base, conv_kernel=[10, 3],
                                                  num_attention_heads=7)))
    put("config", "duplicate-key", '{"hidden_size": 768, "hidden_size": 8}')
    put("config", "escapes", '{"s": "\\u00e9\\ud83d\\ude00\\n", "n": -0.5e-3, '
        '"a": [[[], {}], null, true, false]}')

    vocab = ["<pad>", "<s>", "</s>", "<unk>", "|"] + list("ETAONIHSRDLUMWCFGYPBVK'XJQZ")
    put("vocab", "default", json.dumps({t: i for i, t in enumerate(vocab)}, indent=2))
    put("vocab", "unicode", json.dumps({"<pad>": 0, "\u00e9": 1, "\U0001F600": 2},
                                       ensure_ascii=False))
    put("vocab", "duplicate-id", '{"a": 0, "b": 0}')
    put("vocab", "duplicate-token", '{"a": 0, "a": 1}')
    put("vocab", "out-of-range", '{"a": 0, "b": 5}')


if __name__ == "__main__":
    main()
