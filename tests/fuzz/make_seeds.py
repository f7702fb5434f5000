#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Writes the seed corpora of the fuzz targets (README.md) into OUTDIR/{safetensors,
config,vocab,zip,pickle}: small valid files and corrupted variants of each, one per class
of error of docs/engine.md "Loading (what is checked)". Standard library only: the state-dict pickles are
written by CPython's own pickler (protocol 2, as torch.save) from stand-in classes that
pickle under torch's names, so no torch is needed.

usage: make_seeds.py OUTDIR
"""

import collections
import io
import json
import os
import pickle
import struct
import sys
import types
import zipfile
import zlib


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


# ---------------------------------------------------------------------------
# torch.save-style checkpoints without torch
# ---------------------------------------------------------------------------

def _stand_ins():
    """Modules 'torch' and 'torch._utils' whose objects pickle under torch's names."""
    if "torch._utils" in sys.modules:
        return sys.modules["torch"], sys.modules["torch._utils"]
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    torch._utils = utils
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils

    def _rebuild_tensor_v2(*args):
        pass

    def _rebuild_parameter(*args):
        pass

    for f in (_rebuild_tensor_v2, _rebuild_parameter):
        f.__module__ = "torch._utils"
        f.__qualname__ = f.__name__
        setattr(utils, f.__name__, f)
    for name in ("FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage"):
        cls = type(name, (), {"__module__": "torch"})
        setattr(torch, name, cls)
    return torch, utils


class Storage:
    def __init__(self, type_name, key, numel, raw):
        self.type_name, self.key, self.numel, self.raw = type_name, key, numel, raw


class Tensor:
    def __init__(self, storage, offset, size, stride=None, parameter=False):
        if stride is None:
            stride, acc = [], 1
            for n in reversed(size):
                stride.insert(0, acc)
                acc *= n
        self.storage, self.offset, self.size = storage, offset, tuple(size)
        self.stride, self.parameter = tuple(stride), parameter

    def __reduce_ex__(self, protocol):
        torch, utils = _stand_ins()
        t = Tensor(self.storage, self.offset, self.size, self.stride)
        if self.parameter:
            return (utils._rebuild_parameter, (t, True, collections.OrderedDict()))
        return (utils._rebuild_tensor_v2, (self.storage, self.offset, self.size,
                                           self.stride, False, collections.OrderedDict()))


def state_dict_pickle(items, metadata=True):
    """data.pkl of an OrderedDict {name: Tensor}, as torch.save (protocol 2) writes it."""
    torch, _ = _stand_ins()
    sd = collections.OrderedDict(items)
    if metadata:
        sd._metadata = collections.OrderedDict([("", {"version": 1}),
                                                ("lm_head", {"version": 1})])
    buf = io.BytesIO()

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", getattr(torch, obj.type_name), obj.key, "cpu",
                        obj.numel)
            return None

    Pickler(buf, protocol=2).dump(sd)
    return buf.getvalue()


def miniz_zip(entries):
    """A zip as torch.save's miniz writes it: data descriptors, "FB" padding to 64,
    zip64 end records."""
    out, cd = bytearray(), bytearray()
    for name, data in entries:
        name = name.encode()
        at = len(out)
        pad = -(at + 30 + len(name) + 4) % 64
        crc = zlib.crc32(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034b50, 0, 0x0808, 0, 0, 0, 0, 0, 0,
                           len(name), 4 + pad)
        out += name + b"FB" + struct.pack("<H", pad) + b"Z" * pad + data
        out += struct.pack("<IIII", 0x08074b50, crc, len(data), len(data))
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 0, 0, 0x0808, 0, 0, 0, crc,
                          len(data), len(data), len(name), 0, 0, 0, 0, 0, at) + name
    cd_at = len(out)
    out += cd
    z64 = len(out)
    n = len(entries)
    out += struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 0x031e, 45, 0, 0, n, n, len(cd), cd_at)
    out += struct.pack("<IIQI", 0x07064b50, 0, z64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, len(cd), cd_at, 0)
    return bytes(out)


def plain_zip(entries, compress=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if name in compress else \
                zipfile.ZIP_STORED
            z.writestr(info, data)
    return buf.getvalue()


def checkpoint_entries(prefix="pytorch_model", key_by_size=False, torch2=False):
    """(entries of a small checkpoint, its data.pkl). Storage keys are "0", "1", ...,
    or the storage's byte size with key_by_size (what fuzz-pickle resolves)."""
    w = f32(*[i / 8 for i in range(12)])
    h = struct.pack("<4H", 0x3C00, 0x0001, 0x7C00, 0xBC00)
    b = struct.pack("<2H", 0x3F80, 0xC049)
    raw = [("FloatStorage", 12, w), ("HalfStorage", 4, h), ("BFloat16Storage", 2, b)]
    st = [Storage(t, str(len(r)) if key_by_size else str(i), n, r)
          for i, (t, n, r) in enumerate(raw)]
    items = [("lm_head.weight", Tensor(st[0], 0, [2, 3])),
             ("lm_head.bias", Tensor(st[0], 6, [3])),           # a view at offset 6
             ("tail", Tensor(st[0], 9, [3], parameter=True)),
             ("half", Tensor(st[1], 0, [2, 2])),
             ("bf16", Tensor(st[2], 0, [2])),
             ("scalar", Tensor(st[2], 1, [])),
             ("empty", Tensor(st[1], 4, [0, 3]))]
    pkl = state_dict_pickle(items)
    entries = [(f"{prefix}/data.pkl", pkl)]
    if torch2:
        entries.append((f"{prefix}/byteorder", b"little"))
    entries += [(f"{prefix}/data/{s.key}", s.raw) for s in sorted(st, key=lambda s: s.key)]
    entries.append((f"{prefix}/version", b"3\n"))
    if torch2:
        entries += [(f"{prefix}/.data/serialization_id", b"%040d" % 42),
                    (f"{prefix}/.format_version", b"1"),
                    (f"{prefix}/.storage_alignment", b"64")]
    return entries, pkl


def pickle_asm(*ops):
    """Concatenates opcode bytes and arguments given as bytes."""
    return b"".join(ops)


def seed_zips(put):
    entries, _ = checkpoint_entries()
    good = miniz_zip(entries)
    put("zip", "valid-miniz", good)
    put("zip", "valid-plain", plain_zip(entries))
    entries2, _ = checkpoint_entries(prefix="archive", torch2=True)
    put("zip", "valid-torch2", miniz_zip(entries2))
    put("zip", "compressed", plain_zip(entries, compress={"pytorch_model/data/0"}))
    put("zip", "truncated", good[:-30])
    put("zip", "bad-crc", good.replace(f32(0.125), f32(0.25), 1))
    put("zip", "duplicate", miniz_zip(entries + [entries[1]]))
    put("zip", "outside-prefix", miniz_zip(entries + [("other/data/9", b"x")]))
    put("zip", "unknown-entry", miniz_zip(entries + [("pytorch_model/code/x.py", b"x")]))
    put("zip", "big-endian", miniz_zip(entries + [("pytorch_model/byteorder", b"big")]))


def seed_pickles(put):
    _, pkl = checkpoint_entries(key_by_size=True)
    put("pickle", "valid", pkl)
    items = [(f"t{i}", Tensor(Storage("FloatStorage", "400", 100, b""), i, [10, 9]))
             for i in range(3)]
    put("pickle", "valid-shared-storage", state_dict_pickle(items, metadata=False))
    put("pickle", "view-past-storage", state_dict_pickle(
        [("x", Tensor(Storage("FloatStorage", "48", 12, b""), 4, [3, 3]))]))
    put("pickle", "not-contiguous", state_dict_pickle(
        [("x", Tensor(Storage("FloatStorage", "48", 12, b""), 0, [3, 4], [1, 3]))]))
    put("pickle", "size-mismatch", state_dict_pickle(
        [("x", Tensor(Storage("LongStorage", "48", 12, b""), 0, [12]))]))
    put("pickle", "os-system", pickle_asm(b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00id",
                                          b"\x85R."))
    put("pickle", "inst", b"\x80\x02(X\x02\x00\x00\x00idios\nsystem\n.")
    put("pickle", "stack-global", b"\x80\x02X\x02\x00\x00\x00osX\x06\x00\x00\x00system"
        b"\x93X\x02\x00\x00\x00id\x85R.")
    put("pickle", "persid-not-storage", b"\x80\x02X\x03\x00\x00\x00abcQ.")
    put("pickle", "underflow", b"\x80\x02R.")
    put("pickle", "truncated", pkl[:len(pkl) // 2])
    put("pickle", "long-memo", b"\x80\x02}r\x00\x00\x01\x00j\x00\x00\x01\x00\x8a\x02\xff\x7f"
        b"\x86.")


ARPA = """\\data\\
ngram 1=6
ngram 2=4
ngram 3=2

\\1-grams:
-1.0\t<s>\t-0.5
-1.2\t</s>
-2.0\t<unk>
-0.7\tA\t-0.3
-0.9\tB\t-0.2
-1.1\tC\t-0.1

\\2-grams:
-0.4\t<s> A\t-0.25
-0.5\tA B\t-0.15
-0.6\tB </s>
-0.8\tB C

\\3-grams:
-0.2\t<s> A B
-0.3\tA B C

\\end\\
"""


def binary_lm(arpa):
    """The binary form of ARPA text (docs/decoder.md), written here independently of the
    C converter: header, word offsets, sorted index, texts, sorted records."""
    lines = arpa.splitlines()
    counts, grams, order = {}, {}, 0
    section = None
    for ln in lines:
        ln = ln.strip()
        if ln.startswith("ngram "):
            n, c = ln[6:].split("=")
            counts[int(n)] = int(c)
        elif ln.startswith("\\") and ln.endswith("-grams:"):
            section = int(ln[1:].split("-")[0])
            grams[section] = []
            order = section
        elif ln and section and not ln.startswith("\\"):
            f = ln.split()
            grams[section].append((float(f[0]), f[1:1 + section],
                                   float(f[1 + section]) if len(f) > 1 + section else 0.0))
    words = [g[1][0] for g in grams[1]]
    ids = {w: i for i, w in enumerate(words)}
    texts = b""
    offsets = []
    for w in words:
        offsets.append(len(texts))
        texts += w.encode() + b"\0"
    pad = (4 - len(texts) % 4) % 4
    special = [ids.get(w, 0xFFFFFFFF) for w in ("<s>", "</s>", "<unk>")]
    out = b"W2VEELM\0" + struct.pack("<IIIIII", 1, order, len(words), *special)
    out += struct.pack("<5Q", *[len(grams.get(n, [])) for n in range(1, 6)])
    out += struct.pack("<Q", len(texts))
    out += struct.pack(f"<{len(words)}I", *offsets)
    out += struct.pack(f"<{len(words)}I", *sorted(range(len(words)), key=lambda i: words[i].encode()))
    out += texts + b"\0" * pad
    for n in range(1, order + 1):
        recs = sorted((tuple(ids[w] for w in ws), p, b) for p, ws, b in grams[n])
        for key, p, b in recs:
            out += struct.pack(f"<{n}Iff", *key, p, b)
    return out


def seed_lms(put):
    put("arpa", "trigram", ARPA)
    put("arpa", "crlf", ARPA.replace("\n", "\r\n"))
    put("arpa", "no-end", ARPA.replace("\\end\\\n", ""))
    put("arpa", "bad-count", ARPA.replace("ngram 2=4", "ngram 2=5"))
    put("arpa", "nan", ARPA.replace("-0.9\tB", "nan\tB"))
    put("arpa", "duplicate", ARPA.replace("-0.8\tB C", "-0.8\tA B"))
    put("arpa", "no-prefix", ARPA.replace("-0.3\tA B C", "-0.3\tC B A"))
    put("arpa", "order-5", "\\data\\\nngram 1=2\nngram 2=1\nngram 3=1\nngram 4=1\n"
        "ngram 5=1\n\n\\1-grams:\n-1 a -0.1\n-1 b -0.1\n\n\\2-grams:\n-1 a b -0.1\n\n"
        "\\3-grams:\n-1 a b a -0.1\n\n\\4-grams:\n-1 a b a b -0.1\n\n"
        "\\5-grams:\n-1 a b a b a\n\n\\end\\\n")
    good = binary_lm(ARPA)
    put("binlm", "trigram", good)
    put("binlm", "truncated", good[:-5])
    put("binlm", "bad-order", good[:12] + struct.pack("<I", 9) + good[16:])
    put("binlm", "bad-id", good[:-8] + struct.pack("<I", 99) + good[-4:])
    lex = "HELLO\tH E L L O |\nWORLD\tW O R L D |\nworld\tw o r l d\nDON'T\tD O N ' T |\n"
    put("lexicon", "valid", lex)
    put("lexicon", "crlf", lex.replace("\n", "\r\n"))
    put("lexicon", "unknown-token", "ETE\t\u00c9 T \u00c9 |\n")
    put("lexicon", "duplicate", "A\tA |\nA\tA\n")
    put("lexicon", "delimiter-inside", "AB\tA | B\n")
    put("lexicon", "special", "AB\tA <unk> B\n")


def main():
    out = sys.argv[1]
    for d in ("safetensors", "config", "vocab", "zip", "pickle", "arpa", "binlm", "lexicon"):
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
    # found by fuzz-config: more heads than channels failed without an error
    put("config", "heads-above-hidden", json.dumps(dict(base, hidden_size=7)))
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

    seed_zips(put)
    seed_pickles(put)
    seed_lms(put)


if __name__ == "__main__":
    main()
