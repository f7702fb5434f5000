#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Checks training/model.py against torchaudio's wav2vec2 (the independent reference).

1. Same state dict loads into torchaudio.models.wav2vec2_model (strict), so the names
   w2vee_hf.hf_state_dict() reads exist and have the right shapes.
2. One utterance, no padding: every exit's logits equal torchaudio's layer outputs
   through the same heads (w2vee_hf.exit_logits).
3. A padded batch of different lengths: each row's valid frames equal the utterance
   computed alone by torchaudio (our masked group norm / positional conv / attention).
Exit status 0 when every max abs difference is within TOL; prints each difference.

Run: /usr/bin/python3 training/test_model.py
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402

TOL = 2e-5


def main():
    torch.manual_seed(0)
    w2vee_hf = M.import_w2vee_hf()
    arch = M.make_arch([(32, 10, 5), (48, 8, 4), (64, 4, 4), (64, 4, 4)], 64, 4, 4, 128,
                       pos_kernel=16, pos_groups=4, dropout=0.1)
    exits = M.even_exits(4, 2)
    ours = M.EEWav2Vec2(arch, exits, 32)
    M.init_weights(ours)
    with torch.no_grad():                      # non-trivial norm parameters
        for name, p in ours.named_parameters():
            if "norm" in name:
                p.add_(0.1 * torch.randn_like(p))
    ours.eval()
    ref = w2vee_hf.build_torchaudio(arch, inference=True)
    sd = {k: v for k, v in ours.state_dict().items() if not k.startswith("decoders.")}
    ref.load_state_dict(sd, strict=True)
    ref.eval()
    hf_names = w2vee_hf.hf_state_dict(ours, list(ours.decoders), ours.decoders[-1])
    print(f"state dict: {len(sd)} tensors load into torchaudio; {len(hf_names)} HF names")

    worst = 0.0
    lens = [16000, 11111, 7000]
    xs = [w2vee_hf.normalize_audio(torch.randn(n)) for n in lens]
    with torch.no_grad():
        refs = [w2vee_hf.exit_logits(ref, list(ours.decoders), exits, x, False) for x in xs]
        single, _ = ours(xs[0][None, :])
        for e, (a, b) in enumerate(zip(single, refs[0])):
            d = (a[0] - b).abs().max().item()
            worst = max(worst, d)
            print(f"single utterance, exit {e + 1}: max abs diff {d:.3g} (tol {TOL})")
        batch = torch.zeros(len(xs), max(lens))
        for i, x in enumerate(xs):
            batch[i, :len(x)] = x
        outs, frames = ours(batch, torch.tensor(lens))
        for i in range(len(xs)):
            for e in range(len(exits)):
                t = refs[i][e].shape[0]
                assert int(frames[i]) == t, (int(frames[i]), t)
                d = (outs[e][i, :t] - refs[i][e]).abs().max().item()
                worst = max(worst, d)
                print(f"padded batch row {i} ({lens[i]} samples), exit {e + 1}: "
                      f"max abs diff {d:.3g} (tol {TOL})")
    ok = worst <= TOL
    ok = check_gradients() and ok
    print("PASS" if ok else "FAIL", f"worst {worst:.3g}")
    return 0 if ok else 1


def check_gradients():
    """Autograd's input gradient of a padded batch against central differences, in
    float64 (guards against wrong backward kernels, such as torch 1.13's GELU one)."""
    torch.manual_seed(1)
    arch = M.make_arch([(8, 10, 5), (8, 8, 4), (12, 4, 4), (12, 4, 4)], 16, 2, 2, 32,
                       pos_kernel=4, pos_groups=2, dropout=0.0)
    net = M.EEWav2Vec2(arch, [1, 2], 32).double()
    M.init_weights(net)
    net.train()
    lens = torch.tensor([1300, 1000])
    x = torch.randn(2, 1300, dtype=torch.float64, requires_grad=True)
    w = [torch.randn(2, 4, 32, dtype=torch.float64) for _ in range(2)]

    def f(inp):
        outs, frames = net(inp, lens)
        return sum((o * wi[:, :o.shape[1]]).sum() for o, wi in zip(outs, w))

    ok = torch.autograd.gradcheck(f, (x,), eps=1e-6, atol=1e-5, rtol=1e-4, raise_exception=False)
    print(f"input gradient vs central differences (float64): {'ok' if ok else 'MISMATCH'}")
    # float32 kernels differ from float64 ones (the GELU bug is float32-only): the
    # float32 gradient of the same model must match the checked float64 one.
    g64, = torch.autograd.grad(f(x), x)
    net.float()
    x32 = x.detach().float().requires_grad_()
    w32 = [wi.float() for wi in w]
    outs, _ = net(x32, lens)
    g32, = torch.autograd.grad(sum((o * wi[:, :o.shape[1]]).sum() for o, wi in zip(outs, w32)), x32)
    rel = ((g32.double() - g64).abs().max() / g64.abs().max()).item()
    ok32 = rel <= 1e-4
    print(f"input gradient float32 vs float64: max rel diff {rel:.3g} (tol 1e-4)")
    return ok and ok32


if __name__ == "__main__":
    sys.exit(main())
