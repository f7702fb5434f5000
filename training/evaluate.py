#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Layerwise CER / WER of a model on a split, greedy CTC decoding, in PyTorch (for
monitoring; the official numbers come from the C engine's `w2vee eval`).

  /usr/bin/python3 training/evaluate.py --model models/default --corpus corpus --split test
  /usr/bin/python3 training/evaluate.py --ckpt runs/cpu/ckpt.pt --manifest corpus/test.tsv

--manifest lines are "path<TAB>TRANSCRIPT" (16 kHz 16-bit .wav); a relative path is
looked up from the current directory, then from the manifest's directory. Scores follow
jiwer: total edit distance / total reference length, on lower-cased text (characters
incl. spaces for CER, words for WER). --out DIR also writes DIR/wer_results.txt in the
seed's layout ("split: NAME", then "layer_L WER: x" per exit, then a blank line) and
DIR/eval.json.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audio  # noqa: E402
import export as X  # noqa: E402
import model as M  # noqa: E402
import train as T  # noqa: E402


class WavPool(T.Pool):
    """A Pool filled from a wav manifest instead of corpus shards."""

    def __init__(self, manifest, vocab):
        super().__init__(None, None, vocab, torch.device("cpu"))
        base = os.path.dirname(os.path.abspath(manifest))
        pieces, total = [], 0
        with open(manifest, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                path, text = line.rstrip("\n").split("\t", 1)
                if not os.path.isabs(path) and not os.path.exists(path):
                    path = os.path.join(base, path)
                x, rate = audio.read_wav(path)
                if rate != audio.SAMPLE_RATE:
                    raise SystemExit(f"{path}: {rate} Hz, need {audio.SAMPLE_RATE}")
                y = torch.from_numpy(audio.to_int16(x))
                pieces.append(y)
                self.offsets.append(total)
                self.lengths.append(len(y))
                self.texts.append(text.upper())
                total += len(y)
        self.audio = torch.cat(pieces)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="exported HF model directory")
    src.add_argument("--ckpt", help="train.py checkpoint")
    data = ap.add_mutually_exclusive_group(required=True)
    data.add_argument("--corpus", help="corpus.py directory (with --split)")
    data.add_argument("--manifest", help="TSV manifest of .wav files")
    ap.add_argument("--split", default="test")
    ap.add_argument("--limit", type=int, default=None, help="first N utterances only")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default=None, help="write wer_results.txt and eval.json here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)

    if args.model:
        net, vocab = X.load_hf_dir(args.model)
    else:
        net, _ = X.load_checkpoint(args.ckpt)
        vocab = M.import_w2vee_hf().DEFAULT_VOCAB
    net.to(device)
    if args.corpus:
        pool = T.Pool(args.corpus, args.split, vocab, device)
        pool.refresh()
        name = args.split
    else:
        pool = WavPool(args.manifest, vocab)
        name = os.path.splitext(os.path.basename(args.manifest))[0]
    if not len(pool):
        raise SystemExit("evaluate: no utterances")
    t0 = time.time()
    nullctx = lambda: torch.autocast(device_type="cpu", enabled=False)  # noqa: E731
    r = T.evaluate(net, pool, vocab, 16000 * 60, 16, args.limit, nullctx)
    print(f"{name}: {r['n']} utterances, {time.time() - t0:.0f} s")
    for e, layer in enumerate(net.exit_layers):
        print(f"exit {e + 1} (layer {layer}): CER {100 * r['cer'][e]:.2f} %  WER {100 * r['wer'][e]:.2f} %")
    for fam, v in r.get("family", {}).items():
        print(f"deepest exit, {fam} ({v['n']} utterances): CER {100 * v['cer']:.2f} %  WER {100 * v['wer']:.2f} %")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "wer_results.txt"), "w") as f:
            f.write(f"split: {name}\n")
            for e, layer in enumerate(net.exit_layers):
                f.write(f"layer_{layer} WER: {r['wer'][e]}\n")
            f.write("\n")
        with open(os.path.join(args.out, "eval.json"), "w") as f:
            json.dump(dict(r, split=name, exit_layers=net.exit_layers), f, indent=1)


if __name__ == "__main__":
    main()
