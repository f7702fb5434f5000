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


def _stft(x, n_fft=512, hop=128):
    """(B, F, T) complex STFT (Hann window, centred) of x (B, N)."""
    win = torch.hann_window(n_fft, device=x.device)
    return torch.stft(x, n_fft, hop, window=win, return_complex=True)


def _istft(spec, n, n_fft=512, hop=128):
    win = torch.hann_window(n_fft, device=spec.device)
    return torch.istft(spec, n_fft, hop, window=win, length=n)


def time_stretch(x, rate, n_fft=512, hop=128):
    """Phase-vocoder time stretch of one utterance x (N,) by @rate (> 1 is shorter),
    pitch unchanged: magnitudes interpolated between analysis frames, phases advanced by
    each bin's measured instantaneous frequency. -> (round(N / rate),)."""
    spec = _stft(x[None, :], n_fft, hop)[0]                       # (F, T)
    nb, nt = spec.shape
    steps = torch.arange(0, nt, rate, device=x.device, dtype=torch.float32)
    i0 = steps.floor().to(torch.int64)
    frac = (steps - i0.to(torch.float32))[None, :]
    spec = torch.cat([spec, torch.zeros(nb, 2, dtype=spec.dtype, device=x.device)], 1)
    expected = torch.linspace(0, math.pi * hop, nb, device=x.device)[:, None]
    a, b = spec[:, i0], spec[:, i0 + 1]
    mag = (1 - frac) * a.abs() + frac * b.abs()
    # phase advance per hop from frame pair (i, i + 1), never from frame 0: its reflect-
    # padded start would put a wrong advance into every bin (and repeat it when rate < 1)
    ip = torch.clamp(i0, min=1, max=max(1, nt - 2)) if nt > 2 else i0
    dphi = torch.angle(spec[:, ip + 1]) - torch.angle(spec[:, ip]) - expected
    dphi = dphi - 2 * math.pi * torch.round(dphi / (2 * math.pi))
    adv = expected + dphi                  # phase advance from output frame j to j + 1
    start = torch.angle(spec[:, 1:2]) - adv[:, :1] if nt > 2 else torch.angle(spec[:, :1])
    phase = start + torch.cumsum(adv, 1) - adv
    out = torch.polar(mag, phase)
    n_out = int(round(x.shape[0] / rate))
    return _istft(out[None], n_out, n_fft, hop)[0]


def pitch_shift(x, lengths, semitones):
    """Shifts the pitch (and formants) of each row by its @semitones (B,) and keeps its
    duration: phase-vocoder stretch by 2^(s/12), then resampling back by that factor.
    Rows with 0 are copied. x (B, N), lengths (B,) -> (B, N)."""
    y = x.clone()
    for i in torch.nonzero(semitones != 0).flatten().tolist():
        n = int(lengths[i])
        r = float(2.0 ** (float(semitones[i]) / 12.0))
        longer = time_stretch(x[i, :n], 1.0 / r)
        back, m = speed_perturb(longer[None, :], torch.tensor([longer.shape[0]], device=x.device),
                                torch.tensor([r], device=x.device))
        m = min(n, int(m[0]))
        y[i, :n] = 0.0
        y[i, :m] = back[0, :m]
    return y


def vtlp(x, lengths, alphas, f_hi=4800.0, hop=128):
    """Vocal tract length perturbation (Jaitly & Hinton 2013) of each row by its warp
    factor @alphas (B,): the STFT's frequency axis is warped piecewise linearly, f -> a f
    up to f_hi * min(a, 1) / a, then linearly to Nyquist (a > 1 raises formants and
    harmonics). Output bin k takes the magnitude interpolated at its source frequency and
    that source's instantaneous frequency (phase advance per hop) times the warp ratio,
    accumulated over frames, so sinusoids really move. x (B, N), lengths (B,) -> (B, N)."""
    b, n = x.shape
    spec = _stft(x, hop=hop)                                      # (B, F, T)
    nb, nt = spec.shape[1], spec.shape[2]
    if nt < 3:
        return x
    nyq = SAMPLE_RATE / 2
    f = torch.linspace(0, nyq, nb, device=x.device)[None, :]      # output frequencies
    a = alphas.to(x.device)[:, None]
    knee = f_hi * torch.clamp(a, max=1.0) / a                     # input knee (B, 1)
    out_knee = knee * a
    # inverse warp: input frequency that lands on each output frequency
    src = torch.where(f <= out_knee, f / a,
                      knee + (f - out_knee) * (nyq - knee) / (nyq - out_knee))
    ratio = torch.where(src > 0, f / src.clamp(min=1e-6), torch.ones_like(f))[:, :, None]
    pos = (src / nyq * (nb - 1)).clamp(0, nb - 1)                 # (B, F) fractional bin
    i0 = pos.floor().to(torch.int64)
    i1 = torch.clamp(i0 + 1, max=nb - 1)
    w = (pos - i0.to(pos.dtype))[:, :, None]
    expected = torch.linspace(0, math.pi * hop, nb, device=x.device)[None, :, None]
    ang = torch.angle(spec)
    dphi = ang[:, :, 1:] - ang[:, :, :-1] - expected
    adv = expected + dphi - 2 * math.pi * torch.round(dphi / (2 * math.pi))   # (B, F, T-1)
    adv = torch.cat([adv[:, :, 1:2], adv[:, :, 1:]], 2)           # frame 0->1: use 1->2

    def at(v):                                                    # v (B, F, T') at pos
        t = v.shape[2]
        g0 = torch.gather(v, 1, i0[:, :, None].expand(b, nb, t))
        g1 = torch.gather(v, 1, i1[:, :, None].expand(b, nb, t))
        return g0 * (1 - w) + g1 * w

    mag = at(spec.abs())
    adv_out = at(adv) * ratio
    start = torch.gather(ang[:, :, 1], 1, i0) - adv_out[:, :, 0]
    phase = torch.cat([start[:, :, None], start[:, :, None] + torch.cumsum(adv_out, 2)], 2)
    y = _istft(torch.polar(mag, phase), n, hop=hop)
    mask = torch.arange(n, device=x.device)[None, :] < lengths[:, None]
    return y * mask


def telephone(x, lengths, gen):
    """Telephone channel: band-pass 300-3400 Hz (raised-cosine edges 100 Hz wide, in
    the frequency domain) and 8-bit mu-law (G.711) companding quantisation.
    x (B, N) -> (B, N)."""
    n = x.shape[1]
    f = torch.fft.rfftfreq(n, 1.0 / SAMPLE_RATE).to(x.device)
    lo = 0.5 - 0.5 * torch.cos(math.pi * ((f - 250) / 100).clamp(0, 1))
    hi = 0.5 + 0.5 * torch.cos(math.pi * ((f - 3350) / 100).clamp(0, 1))
    y = torch.fft.irfft(torch.fft.rfft(x) * lo * hi, n)
    peak = y.abs().amax(1, keepdim=True).clamp(min=1e-6)
    u = y / peak
    mu = 255.0
    c = torch.sign(u) * torch.log1p(mu * u.abs()) / math.log1p(mu)
    c = torch.round(c * 127.0) / 127.0
    y = torch.sign(c) * ((1 + mu) ** c.abs() - 1) / mu * peak
    mask = torch.arange(n, device=x.device)[None, :] < lengths[:, None]
    return y * mask


def codec(x, lengths, gen):
    """Low-bitrate perceptual codec simulation: per STFT frame, bins more than 20-35 dB
    below the frame's peak are dropped (spectral holes), the rest quantised to 3-6 dB
    steps in magnitude (phase kept), and everything above a 3.5-7 kHz cut-off removed.
    Per-row settings from the CPU generator @gen. x (B, N) -> (B, N)."""
    b, n = x.shape
    spec = _stft(x)                                               # (B, F, T)
    mag = spec.abs().clamp(min=1e-9)
    db = 20 * torch.log10(mag)
    floor_db = (20 + 15 * torch.rand(b, generator=gen)).to(x.device)[:, None, None]
    step = (3 + 3 * torch.rand(b, generator=gen)).to(x.device)[:, None, None]
    cut = (3500 + 3500 * torch.rand(b, generator=gen)).to(x.device)[:, None, None]
    keep = db >= db.amax(1, keepdim=True) - floor_db
    q = torch.round(db / step) * step
    f = torch.linspace(0, SAMPLE_RATE / 2, spec.shape[1], device=x.device)[None, :, None]
    keep = keep & (f <= cut)
    spec = torch.polar(10 ** (q / 20), torch.angle(spec)) * keep
    y = _istft(spec, n)
    mask = torch.arange(n, device=x.device)[None, :] < lengths[:, None]
    return y * mask


def babble(x, lengths, gen, snr_lo, snr_hi):
    """Background speech: each row gets the next row of the batch (cyclically, looped
    to its length) added at a random SNR in [snr_lo, snr_hi] dB. x (B, N) -> (B, N)."""
    b, n = x.shape
    if b < 2:
        return x
    mask = (torch.arange(n, device=x.device)[None, :] < lengths[:, None]).to(x.dtype)
    other = torch.roll(x, -1, 0)
    olen = torch.roll(lengths, -1, 0)
    idx = torch.arange(n, device=x.device)[None, :] % olen[:, None]
    other = other.gather(1, idx)
    p_x = (x * x * mask).sum(1) / lengths.to(x.dtype).clamp(min=1)
    p_o = (other * other * mask).sum(1) / lengths.to(x.dtype).clamp(min=1)
    snr = (snr_lo + (snr_hi - snr_lo) * torch.rand(b, generator=gen)).to(x.device)
    scale = torch.sqrt(p_x / (p_o.clamp(min=1e-12) * 10.0 ** (snr / 10.0)))
    return x + other * scale[:, None] * mask


# default share of utterances given each augmentation (train.py --p-* flags)
AUGMENT_DEFAULTS = {"p_speed": 0.7, "p_pitch": 0.2, "p_vtlp": 0.3, "p_reverb": 0.3,
                    "p_noise": 0.6, "p_babble": 0.1, "p_telephone": 0.1, "p_codec": 0.1}


def augment_batch(x, lengths, gen, dgen, p_speed=0.7, speed_range=(0.85, 1.15),
                  p_reverb=0.3, p_noise=0.6, snr=(5.0, 35.0), p_pitch=0.0,
                  pitch_range=3.0, p_vtlp=0.0, vtlp_range=(0.9, 1.1), p_babble=0.0,
                  babble_snr=(10.0, 25.0), p_telephone=0.0, p_codec=0.0):
    """The training augmentation, in this order: speed perturbation (tempo and pitch),
    pitch shift (+-@pitch_range semitones, duration kept), vocal tract length
    perturbation, reverb, noise, background speech, then one channel: telephone band
    (300-3400 Hz, mu-law) or low-bitrate codec. (Gain is not varied: the model
    normalises every input to unit variance, so a gain change is a no-op.)
    Per-row choices come from the CPU generator @gen, bulk noise from @dgen (a generator
    on x's device). x (B, N) float32, lengths (B,) int64, both on one device
    -> (x', lengths')."""
    b = x.shape[0]
    device = x.device

    def pick(p):
        return torch.rand(b, generator=gen) < p

    use = pick(p_speed)
    f = speed_range[0] + (speed_range[1] - speed_range[0]) * torch.rand(b, generator=gen)
    f = torch.where(use, f, torch.ones(b))
    x, lengths = speed_perturb(x, lengths, f.to(device))
    if p_pitch > 0:
        use = pick(p_pitch)
        st = (2 * torch.rand(b, generator=gen) - 1) * pitch_range
        if bool(use.any()):
            x = pitch_shift(x, lengths, torch.where(use, st, torch.zeros(b)))
    def apply(rows, fn):                     # fn on the chosen rows only
        idx = torch.nonzero(rows).flatten().to(device)
        if idx.numel():
            x[idx] = fn(x[idx], lengths[idx], idx)

    if p_vtlp > 0:
        use = pick(p_vtlp)
        a = vtlp_range[0] + (vtlp_range[1] - vtlp_range[0]) * torch.rand(b, generator=gen)
        apply(use, lambda xs, ls, idx: vtlp(xs, ls, a.to(device)[idx]))
    x = reverb(x, lengths, gen, dgen, p_reverb)
    noisy = pick(p_noise)
    if bool(noisy.any()):
        xn = add_noise(x, lengths, gen, dgen, snr[0], snr[1])
        x = torch.where(noisy.to(device)[:, None], xn, x)
    if p_babble > 0:
        use = pick(p_babble)
        if bool(use.any()):
            x = torch.where(use.to(device)[:, None],
                            babble(x, lengths, gen, babble_snr[0], babble_snr[1]), x)
    if p_telephone > 0 or p_codec > 0:
        u = torch.rand(b, generator=gen)
        apply(u < p_telephone, lambda xs, ls, idx: telephone(xs, ls, gen))
        apply((u >= p_telephone) & (u < p_telephone + p_codec),
              lambda xs, ls, idx: codec(xs, ls, gen))
    return x, lengths
