#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The waveform augmentations of audio.py do what their names say, on sines whose
answers are known: time_stretch changes the duration and keeps the frequency, pitch_shift
moves the frequency by 2^(s/12) and keeps the duration, vtlp moves a sine below the knee
by the warp factor, telephone passes 300-3400 Hz and stops 100 Hz and 5 kHz, codec cuts
above its cut-off, babble adds speech at the asked SNR, and augment_batch with every
augmentation on keeps shapes, lengths and finiteness.

  /usr/bin/python3 training/test_augment.py
"""

import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audio as A  # noqa: E402

SR = A.SAMPLE_RATE


def sine(freq, n):
    return torch.sin(2 * math.pi * freq * torch.arange(n) / SR)


def peak_hz(y):
    """Frequency of the largest spectral peak (Hann window), to the bin (SR / len)."""
    s = torch.fft.rfft(y * torch.hann_window(len(y))).abs()
    return float(torch.argmax(s)) * SR / len(y)


def power(y):
    return float((y * y).mean())


def main():
    failures = []

    def check(cond, msg):
        print(("ok   " if cond else "FAIL ") + msg)
        if not cond:
            failures.append(msg)

    n = 2 * SR
    for rate in (0.7, 0.9, 1.0, 1.19, 1.5):
        y = A.time_stretch(sine(312.5, n), rate)
        check(len(y) == round(n / rate) and abs(peak_hz(y) - 312.5) < 1 and
              abs(power(y[2000:-2000]) - 0.5) < 0.06,
              f"time_stretch {rate}: {len(y)} samples, {peak_hz(y):.1f} Hz, power "
              f"{power(y[2000:-2000]):.3f} (want {round(n / rate)}, 312.5, 0.5)")

    x = torch.stack([sine(440, n), sine(300, n)])
    lens = torch.tensor([n, 3 * SR // 2])
    x[1, lens[1]:] = 0
    y = A.pitch_shift(x, lens, torch.tensor([12.0, -3.0]))
    want = (880.0, 300 * 2 ** (-3 / 12))
    for i in range(2):
        m = int(lens[i])
        got = peak_hz(y[i, :m])
        check(abs(got - want[i]) <= SR / m and power(y[i, 2000:m - 2000]) > 0.35,
              f"pitch_shift row {i}: {got:.1f} Hz (want {want[i]:.1f}), power "
              f"{power(y[i, 2000:m - 2000]):.3f}")
    check(float(y[1, lens[1]:].abs().max()) == 0.0, "pitch_shift keeps the padding zero")

    y = A.vtlp(x, lens, torch.tensor([1.1, 0.9]))
    for i, w in enumerate((484.0, 270.0)):
        m = int(lens[i])
        got = peak_hz(y[i, :m])
        check(abs(got - w) <= SR / m, f"vtlp row {i}: {got:.1f} Hz (want {w})")

    lens2 = torch.tensor([n, n])
    y = A.telephone(torch.stack([sine(1000, n), sine(100, n)]), lens2, None)
    check(abs(power(y[0]) - 0.5) < 0.01, f"telephone passes 1 kHz: power {power(y[0]):.4f}")
    check(power(y[1]) < 1e-6, f"telephone stops 100 Hz: power {power(y[1]):.2e}")
    y = A.telephone(sine(5000, n)[None], lens2[:1], None)
    check(power(y[0]) < 1e-6, f"telephone stops 5 kHz: power {power(y[0]):.2e}")

    g = torch.Generator().manual_seed(1)
    y = A.codec(torch.stack([sine(440, n), sine(7900, n)]), lens2, g)
    check(abs(peak_hz(y[0]) - 440) < 1 and power(y[0]) > 0.3,
          f"codec keeps 440 Hz: {peak_hz(y[0]):.1f} Hz, power {power(y[0]):.3f}")
    check(power(y[1]) < 1e-4, f"codec cuts 7.9 kHz (cut-off <= 7 kHz): power {power(y[1]):.2e}")

    xb = torch.stack([sine(440, n), sine(300, n)])
    y = A.babble(xb, lens2, g, 10.0, 10.0)
    snr = 10 * math.log10(power(xb[0]) / power(y[0] - xb[0]))
    check(abs(snr - 10.0) < 0.01, f"babble at 10 dB SNR: {snr:.3f} dB")
    check(abs(peak_hz(y[0] - xb[0]) - 300) < 1, "babble adds the other row")

    xb = torch.randn(6, 3 * SR) * 0.1
    lb = torch.tensor([3 * SR, 2 * SR, 3 * SR, SR, 3 * SR, 2 * SR])
    xb = xb * (torch.arange(3 * SR)[None, :] < lb[:, None])
    out, lo = A.augment_batch(xb, lb, torch.Generator().manual_seed(3),
                              torch.Generator().manual_seed(4), p_speed=1.0, p_pitch=1.0,
                              p_vtlp=1.0, p_reverb=1.0, p_noise=1.0, p_babble=1.0,
                              p_telephone=0.5, p_codec=0.5)
    valid = torch.arange(out.shape[1])[None, :] < lo[:, None]
    check(out.shape[0] == 6 and bool(torch.isfinite(out).all()) and
          float(out[~valid].abs().max()) == 0.0 and
          bool(((lo.float() / lb.float() - 1).abs() < 0.2).all()),
          f"augment_batch, everything on: lengths {lo.tolist()} from {lb.tolist()}, "
          "finite, padding zero")
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
