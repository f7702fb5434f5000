#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The PyTorch contender of bench/run.py: times the torchaudio model eager, in
torch.inference_mode, with the same per-exit modules that are exported to ONNX.

    /usr/bin/python3 bench/torch_run.py --weights W.pt --input X.f32 --samples n
        --threads N [--repeat R] [--exit all|E,E...] [--dump-dir DIR]

Prints, like `w2vee bench` (docs/cli.md), on stdout:

    ready_ms=X                          build the model + load the state dict
    exit=E layer=L rtf=X frames=T       per exit: median of R runs after 1 warm-up
    peak_rss_mb=X                       this process's peak resident set, MiB

With --dump-dir it instead runs each exit once on the input and writes its logits as
raw little-endian float32 (T, V) to DIR/exit{E}.f32 (no timing lines).
"""

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", required=True)
    ap.add_argument("--input", required=True, help="raw float32 samples")
    ap.add_argument("--samples", type=int, required=True, help="samples of --input to use")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--exit", default="all", help="'all' or a comma list of exits")
    ap.add_argument("--dump-dir")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    x = peers.read_f32(args.input, args.samples)[None, :]  # (1, n)
    if x.shape[1] != args.samples:
        sys.exit(f"torch_run: {args.input} holds fewer than {args.samples} samples")

    t0 = time.monotonic()
    model, heads, exit_layers, stable = peers.load_weights(args.weights)
    exits = peers.exit_models(model, heads, exit_layers, stable)
    print(f"ready_ms={(time.monotonic() - t0) * 1000:.1f}", flush=True)

    chosen = (range(1, len(exits) + 1) if args.exit == "all"
              else [int(e) for e in args.exit.split(",")])
    seconds = args.samples / peers.SAMPLE_RATE
    with torch.inference_mode():
        for e in chosen:
            m = exits[e - 1]
            if args.dump_dir:
                logits = m(x)[0]  # (T, V)
                peers.hf.write_f32(os.path.join(args.dump_dir, f"exit{e}.f32"), logits)
                continue
            m(x)  # warm-up
            runs = []
            for _ in range(args.repeat):
                t0 = time.monotonic()
                logits = m(x)
                runs.append(time.monotonic() - t0)
            print(f"exit={e} layer={exit_layers[e - 1]} "
                  f"rtf={peers.median(runs) / seconds:.5f} frames={logits.shape[1]}",
                  flush=True)
    print(f"peak_rss_mb={peers.peak_rss_mb():.1f}")


if __name__ == "__main__":
    main()
