# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Audio helpers shared by corpus.py, train.py and evaluate.py.

Pure numpy / torch so that the same code runs here (Debian's torch 1.13) and on a
machine that has neither sox nor torchaudio. Shapes: B = utterances, N = samples.
"""

import io
import math
import struct
import wave

import numpy as np
import torch

SAMPLE_RATE = 16000


def parse_wav_bytes(data):
    """(samples as float32 in [-1, 1], sample rate) of a 16-bit PCM mono RIFF/WAVE blob.

    espeak-ng --stdout writes a header whose sizes are placeholders (it streams), so the
    chunks are walked by hand and the data chunk runs to the end of the blob."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE stream")
    pos = 12
    rate = channels = bits = None
    while pos + 8 <= len(data):
        cid = data[pos:pos + 4]
        size = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", data[body:body + 8])
            bits = struct.unpack("<H", data[body + 14:body + 16])[0]
            if fmt != 1 or bits != 16 or channels != 1:
                raise ValueError(f"unsupported WAV format {fmt}/{bits} bit/{channels} ch")
        elif cid == b"data":
            if rate is None:
                raise ValueError("WAV data before fmt chunk")
            raw = data[body:]
            raw = raw[:len(raw) - len(raw) % 2]
            x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
            return x, rate
        pos = body + size + (size & 1)
    raise ValueError("WAV stream has no data chunk")


def resample_fft(x, sr_in, sr_out=SAMPLE_RATE):
    """Band-limited resampling of 1-D float @x by FFT (no sox, no scipy needed).

    The spectrum is cut at the lower Nyquist frequency with a raised-cosine taper over
    its top 5 % (no Gibbs ringing from a brick wall); at least 2048 zeros are appended
    first so that the circular FFT does not wrap the end onto the start."""
    if sr_in == sr_out:
        return np.asarray(x, dtype=np.float32)
    n = len(x)
    g = math.gcd(sr_in, sr_out)
    step_in = sr_in // g                       # the padded length is a multiple of this,
    m = -(-(n + 2048) // step_in) * step_in    # so the output grid is exactly sr_out
    xp = np.concatenate([np.asarray(x, dtype=np.float64), np.zeros(m - n)])
    m_out = m // step_in * (sr_out // g)
    spec = np.fft.rfft(xp)
    k_out = m_out // 2 + 1
    if k_out <= len(spec):
        spec = spec[:k_out].copy()
    else:
        spec = np.concatenate([spec, np.zeros(k_out - len(spec), dtype=spec.dtype)])
    # raised-cosine taper over the top 5 % of the kept band
    k_lim = min(len(spec), int(m * min(sr_in, sr_out) / sr_in / 2) + 1)
    k0 = int(k_lim * 0.95)
    taper = np.ones(len(spec))
    taper[k0:k_lim] = 0.5 * (1 + np.cos(np.pi * np.arange(k_lim - k0) / (k_lim - k0)))
    taper[k_lim:] = 0.0
    y = np.fft.irfft(spec * taper, m_out) * (m_out / m)
    n_out = int(round(n * sr_out / sr_in))
    return y[:n_out].astype(np.float32)


def to_int16(x):
    """float [-1, 1] -> int16 with clipping."""
    return np.clip(np.round(np.asarray(x) * 32767.0), -32768, 32767).astype(np.int16)


def write_wav(path, samples_i16, rate=SAMPLE_RATE):
    """16-bit mono PCM .wav via the standard wave module."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples_i16, dtype="<i2").tobytes())


def read_wav(path):
    """(float32 samples in [-1, 1], rate) of a 16-bit PCM .wav (mono, or first channel)."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM is supported")
        ch = w.getnchannels()
        rate = w.getframerate()
        raw = w.readframes(w.getnframes())
    x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    return x[::ch] if ch > 1 else x, rate


# ---------------------------------------------------------------------------
# On-the-fly augmentation of a padded batch (torch; runs on CPU or GPU)
# ---------------------------------------------------------------------------

def normalize_batch(x, lengths):
    """Per-utterance zero mean / unit population variance over the valid samples
    (Wav2Vec2FeatureExtractor do_normalize, eps 1e-7); padding set to 0.
    x is (B, N) float32, lengths (B,) int64 -> (B, N)."""
    mask = torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]
    m = mask.to(x.dtype)
    n = lengths.to(x.dtype).clamp(min=1)[:, None]
    mean = (x * m).sum(1, keepdim=True) / n
    var = (((x - mean) * m) ** 2).sum(1, keepdim=True) / n
    return (x - mean) / torch.sqrt(var + 1e-7) * m


def speed_perturb(x, lengths, factors):
    """Resamples each row by its speed factor (f > 1 is faster: shorter, higher pitch)
    with linear interpolation. x (B, N), lengths (B,), factors (B,) -> (y, new_lengths)."""
    new_len = torch.floor((lengths.to(torch.float32) - 1) / factors).to(torch.int64) + 1
    n_out = int(new_len.max())
    t = torch.arange(n_out, device=x.device, dtype=torch.float32)[None, :] * factors[:, None]
    i0 = t.floor().to(torch.int64)
    frac = t - i0.to(torch.float32)
    last = (lengths - 1)[:, None]
    i0c = torch.minimum(i0, last)
    i1c = torch.minimum(i0 + 1, last)
    y = x.gather(1, i0c) * (1 - frac) + x.gather(1, i1c) * frac
    mask = torch.arange(n_out, device=x.device)[None, :] < new_len[:, None]
    return y * mask, new_len


def reverb(x, lengths, gen, dgen, prob):
    """Convolves a random subset of rows (probability @prob) with a synthetic room
    impulse response: a direct path plus exponentially decaying noise, RT60 0.15-0.6 s,
    mixed 30-80 % wet. x (B, N) -> (B, N) (same length; the tail is cut). @gen is a CPU
    generator for per-row choices, @dgen a generator on x's device for the noise."""
    b, n = x.shape
    device = x.device
    ir_len = int(0.3 * SAMPLE_RATE)
    pick = torch.rand(b, generator=gen) < prob
    if not bool(pick.any()):
        return x
    rt60 = 0.15 + 0.45 * torch.rand(b, generator=gen)
    wet = 0.3 + 0.5 * torch.rand(b, generator=gen)
    tt = torch.arange(ir_len, dtype=torch.float32, device=device) / SAMPLE_RATE
    decay = torch.exp(-6.9 * tt[None, :] / rt60.to(device)[:, None])  # (B, L) 60 dB at rt60
    ir = torch.randn(b, ir_len, generator=dgen, device=device) * decay
    ir[:, :80] = 0.0                                                  # 5 ms pre-delay
    ir = ir / ir.norm(dim=1, keepdim=True) * wet.to(device)[:, None]
    ir[:, 0] = 1.0
    dry = (~pick).to(device)
    ir[dry] = 0.0
    ir[dry, 0] = 1.0                                                  # dry rows: identity
    nfft = 1 << math.ceil(math.log2(n + ir_len))
    y = torch.fft.irfft(torch.fft.rfft(x, nfft) * torch.fft.rfft(ir, nfft), nfft)[:, :n]
    mask = torch.arange(n, device=x.device)[None, :] < lengths[:, None]
    return y * mask


def add_noise(x, lengths, gen, dgen, snr_lo, snr_hi):
    """Adds coloured noise (white, pink or brown: power spectrum ~ f^0, f^-1 or f^-2
    above 50 Hz, shaped in the frequency domain) at a random SNR in [snr_lo, snr_hi] dB
    per row, relative to the row's valid-sample power. x (B, N) -> (B, N)."""
    b, n = x.shape
    device = x.device
    mask = (torch.arange(n, device=device)[None, :] < lengths[:, None]).to(x.dtype)
    power = (x * x * mask).sum(1) / lengths.to(x.dtype).clamp(min=1)
    snr = snr_lo + (snr_hi - snr_lo) * torch.rand(b, generator=gen)
    alpha = torch.randint(0, 3, (b,), generator=gen).to(torch.float32) * 0.5   # amplitude slope
    spec = torch.fft.rfft(torch.randn(b, n, generator=dgen, device=device))
    f = torch.fft.rfftfreq(n, 1.0 / SAMPLE_RATE).to(device).clamp(min=50.0) / 1000.0
    spec = spec * f[None, :] ** (-alpha.to(device)[:, None])
    noise = torch.fft.irfft(spec, n)
    noise = noise / noise.std(dim=1, keepdim=True).clamp(min=1e-12)
    scale = torch.sqrt(power / (10.0 ** (snr.to(device) / 10.0)))
    return x + noise * scale[:, None] * mask


def augment_batch(x, lengths, gen, dgen, p_speed=0.7, speed_range=(0.85, 1.15),
                  p_reverb=0.3, p_noise=0.6, snr=(5.0, 35.0)):
    """The training augmentation: speed perturbation, reverb, noise. (Gain is not varied:
    the model normalises every input to unit variance, so a gain change is a no-op.)
    Per-row choices come from the CPU generator @gen, bulk noise from @dgen (a generator
    on x's device). x (B, N) float32, lengths (B,) int64, both on one device
    -> (x', lengths')."""
    b = x.shape[0]
    device = x.device
    use = torch.rand(b, generator=gen) < p_speed
    f = speed_range[0] + (speed_range[1] - speed_range[0]) * torch.rand(b, generator=gen)
    f = torch.where(use, f, torch.ones(b))
    x, lengths = speed_perturb(x, lengths, f.to(device))
    x = reverb(x, lengths, gen, dgen, p_reverb)
    noisy = torch.rand(b, generator=gen) < p_noise
    if bool(noisy.any()):
        xn = add_noise(x, lengths, gen, dgen, snr[0], snr[1])
        x = torch.where(noisy.to(device)[:, None], xn, x)
    return x, lengths
