#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Times one training step (forward + summed CTC loss + backward + AdamW) of candidate
architectures on this CPU; the numbers go into EXPERIMENTS.md.

Run: /usr/bin/python3 training/bench_arch.py --threads 1 [--batch 8] [--seconds 4]
"""

import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402

STOCK7 = [(1, 10, 5)] + [(1, 3, 2)] * 4 + [(1, 2, 2)] * 2
CANDIDATES = {
    # name: (conv stack, D, layers, heads, FF, exits, pos kernel, pos groups)
    "issue-1.8M": ([(64, k, s) for _, k, s in STOCK7], 144, 6, 4, 576, 3, 128, 16),
    "c4w-D192-L6": ([(64, 10, 5), (128, 8, 4), (192, 4, 4), (192, 4, 4)], 192, 6, 4, 768, 3, 64, 16),
    "c4w-D256-L6": ([(64, 10, 5), (128, 8, 4), (256, 4, 4), (256, 4, 4)], 256, 6, 4, 1024, 3, 64, 16),
    "c4w-D256-L8": ([(64, 10, 5), (128, 8, 4), (256, 4, 4), (256, 4, 4)], 256, 8, 4, 1024, 4, 64, 16),
    "c4n-D256-L8": ([(32, 10, 5), (64, 8, 4), (128, 4, 4), (256, 4, 4)], 256, 8, 4, 1024, 4, 64, 16),
    "c3-D256-L8": ([(64, 20, 10), (128, 8, 4), (256, 8, 8)], 256, 8, 4, 1024, 4, 64, 16),
}


def bench(name, spec, batch, seconds, steps):
    conv, d, layers, heads, ff, n_exits, pk, pg = spec
    arch = M.make_arch(conv, d, layers, heads, ff, pos_kernel=pk, pos_groups=pg)
    model = M.EEWav2Vec2(arch, M.even_exits(layers, n_exits), 32)
    M.init_weights(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    n = int(seconds * 16000)
    lengths = torch.tensor([n - 1600 * (i % 3) for i in range(batch)])
    x = torch.randn(batch, n)
    tgt = torch.randint(5, 32, (batch, int(seconds * 14)))
    tlen = torch.full((batch,), tgt.shape[1])
    times = []
    for i in range(steps + 1):
        t0 = time.time()
        outs, frames = model(x, lengths)
        loss = sum(F.ctc_loss(o.float().log_softmax(-1).transpose(0, 1), tgt, frames, tlen,
                              zero_infinity=True) for o in outs)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i:
            times.append(time.time() - t0)
    t = sorted(times)[len(times) // 2]
    rf, stride = M.receptive_field(conv)
    print(f"{name:14s} params {M.n_params(model) / 1e6:5.2f} M  F32 {M.n_params(model) * 4 / 1e6:5.1f} MB  "
          f"stride {stride} rf {rf}  step {t:6.2f} s  ({batch} x {seconds:g} s)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--only", default=None, help="comma list of candidate names")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name, spec in CANDIDATES.items():
        if args.only and name not in args.only.split(","):
            continue
        bench(name, spec, args.batch, args.seconds, args.steps)


if __name__ == "__main__":
    main()
