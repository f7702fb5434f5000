# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The early-exit wav2vec2 CTC model in plain PyTorch, for training.

Same architecture, submodule names and parameter shapes as torchaudio's
wav2vec2_model() (so w2vee_hf.hf_state_dict() exports it unchanged), written here
because the GPU machine may lack torchaudio and because training on padded batches
needs two things torchaudio does not do: the group norm of the first conv layer and
the positional convolution see only each utterance's own frames. With those, every
valid frame of a padded batch is computed exactly as for the utterance alone, which
is how the C engine and Hugging Face run it. test_model.py checks the equivalence
against torchaudio itself.

Exits: nn.Linear decoders after evenly spaced layers (the seed's EE model: decoder i
reads layer (i + 1) * N / n). The training loss is the sum of every exit's CTC loss.

Shapes: B = batch, N = samples, C = conv channels, T = frames, D = model dim,
V = vocabulary.
"""

import importlib
import math
import sys
import types

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

_SDPA = {"on": hasattr(F, "scaled_dot_product_attention")}


def use_sdpa(on):
    """Selects torch 2's F.scaled_dot_product_attention (when it exists) or the plain
    softmax attention."""
    _SDPA["on"] = bool(on) and hasattr(F, "scaled_dot_product_attention")


def sdpa_enabled():
    return _SDPA["on"]


def import_w2vee_hf():
    """Imports the shared exporter module. It imports torchaudio at the top but only
    build_torchaudio() uses it; where torchaudio is missing or broken (it is optional on
    the GPU machine) a placeholder module lets the rest of it load."""
    try:
        import torchaudio  # noqa: F401
    except Exception as e:  # noqa: BLE001 - any import failure means "not usable"
        placeholder = types.ModuleType("torchaudio")
        reason = f"{type(e).__name__}: {e}"

        def _missing(name):
            raise ImportError(f"torchaudio is not usable here ({reason})")
        placeholder.__getattr__ = _missing
        sys.modules["torchaudio"] = placeholder
    return importlib.import_module("w2vee_hf")


def make_arch(conv, dim, layers, heads, ff, pos_kernel=128, pos_groups=16, dropout=0.1):
    """A torchaudio wav2vec2_model() argument dict (post-LN, group norm, like base)."""
    return dict(
        extractor_mode="group_norm",
        extractor_conv_layer_config=[tuple(c) for c in conv],
        extractor_conv_bias=False,
        encoder_embed_dim=dim,
        encoder_projection_dropout=dropout,
        encoder_pos_conv_kernel=pos_kernel,
        encoder_pos_conv_groups=pos_groups,
        encoder_num_layers=layers,
        encoder_num_heads=heads,
        encoder_attention_dropout=dropout,
        encoder_ff_interm_features=ff,
        encoder_ff_interm_dropout=0.0,
        encoder_dropout=dropout,
        encoder_layer_norm_first=False,
        encoder_layer_drop=0.0,
        aux_num_out=None,
    )


def frames_for(lengths, conv):
    """Frames each input length gives after the conv stack: L <- floor((L - K) / S) + 1."""
    for _, k, s in conv:
        lengths = torch.div(lengths - k, s, rounding_mode="floor") + 1
        lengths = torch.clamp(lengths, min=0)
    return lengths


class _ContiguousGrad(torch.autograd.Function):
    """Identity whose backward makes the incoming gradient contiguous. Debian's torch
    1.13 computes F.gelu's gradient wrongly when that gradient is not laid out like the
    input (e.g. after a transpose): measured errors of 1e28 in the conv stack. Every
    gelu followed by a transpose goes through this."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, g):
        return g.contiguous()


def gelu_t(x):
    """GELU of (B, C, T) x, returned as (B, T, C) (see _ContiguousGrad)."""
    return _ContiguousGrad.apply(F.gelu(x)).transpose(1, 2)


def _mask(lengths, n):
    """(B, n) bool, True at valid positions."""
    return torch.arange(n, device=lengths.device)[None, :] < lengths[:, None]


class MaskedGroupNorm(nn.GroupNorm):
    """GroupNorm with one group per channel whose statistics use only the first
    lengths[b] time steps of row b (nn.GroupNorm parameters and eps; the same module as
    torchaudio's, so the weights export unchanged). x (B, C, L) -> (B, C, L)."""

    def forward(self, x, lengths=None):
        if lengths is None:
            return super().forward(x)
        if x.dtype in (torch.float16, torch.bfloat16):
            x = x.float()                      # statistics in fp32 under autocast
        m = _mask(lengths, x.shape[2])[:, None, :].to(x.dtype)             # (B, 1, L)
        n = lengths.to(x.dtype).clamp(min=1)[:, None, None]
        xm = x * m
        mean = xm.sum(2, keepdim=True) / n                                  # (B, C, 1)
        var = ((xm * x).sum(2, keepdim=True) / n - mean * mean).clamp(min=0.0)
        scale = torch.rsqrt(var + self.eps) * self.weight[None, :, None]
        return x * scale + (self.bias[None, :, None] - mean * scale)


class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over channels of (B, C, L) ("layer" extractor mode)."""

    def forward(self, x, lengths=None):
        return super().forward(x.transpose(1, 2)).transpose(1, 2)


class ConvLayerBlock(nn.Module):
    def __init__(self, c_in, c_out, kernel, stride, bias, norm):
        super().__init__()
        self.kernel_size = kernel
        self.stride = stride
        self.conv = nn.Conv1d(c_in, c_out, kernel, stride=stride, bias=bias)
        self.layer_norm = norm

    def forward(self, x, lengths, transpose=False):
        """x (B, C_in, L) -> (B, C_out, L') (or (B, L', C_out) with @transpose),
        lengths -> L' per row."""
        x = self.conv(x)
        if lengths is not None:
            lengths = torch.clamp(
                torch.div(lengths - self.kernel_size, self.stride, rounding_mode="floor") + 1,
                min=0)
        if self.layer_norm is not None:
            x = self.layer_norm(x, lengths)
        return (gelu_t(x) if transpose else F.gelu(x)), lengths


class FeatureExtractor(nn.Module):
    def __init__(self, conv, mode, bias):
        super().__init__()
        layers = []
        c_in = 1
        for i, (c, k, s) in enumerate(conv):
            norm = None
            if mode == "group_norm" and i == 0:
                norm = MaskedGroupNorm(c, c, affine=True)
            elif mode == "layer_norm":
                norm = ChannelLayerNorm(c, elementwise_affine=True)
            layers.append(ConvLayerBlock(c_in, c, k, s, bias, norm))
            c_in = c
        self.conv_layers = nn.ModuleList(layers)

    def forward(self, x, lengths):
        """x (B, N) -> (B, T, C), lengths (B,) -> frames (B,) (or None)."""
        x = x[:, None, :]
        for layer in self.conv_layers[:-1]:
            x, lengths = layer(x, lengths)
        x, lengths = self.conv_layers[-1](x, lengths, transpose=True)
        return x, lengths


class FeatureProjection(nn.Module):
    def __init__(self, c, d, dropout):
        super().__init__()
        self.layer_norm = nn.LayerNorm(c)
        self.projection = nn.Linear(c, d)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.projection(self.layer_norm(x)))


class WeightNormConv1d(nn.Module):
    """Conv1d with weight = g * v / ||v|| (norm over all dims but the last, i.e.
    torch.nn.utils.weight_norm(dim=2)); parameters named weight_g [1, 1, K] and
    weight_v [D, D/G, K] as the legacy weight_norm names them."""

    def __init__(self, d, kernel, groups):
        super().__init__()
        conv = nn.Conv1d(d, d, kernel, padding=kernel // 2, groups=groups)
        v = conv.weight.detach().clone()
        self.weight_v = nn.Parameter(v)
        self.weight_g = nn.Parameter(v.norm(dim=(0, 1), keepdim=True))
        self.bias = nn.Parameter(conv.bias.detach().clone())
        self.padding = kernel // 2
        self.groups = groups

    @property
    def weight(self):
        return self.weight_g * self.weight_v / self.weight_v.norm(dim=(0, 1), keepdim=True)

    def forward(self, x):
        return F.conv1d(x, self.weight, self.bias, padding=self.padding, groups=self.groups)


class ConvolutionalPositionalEmbedding(nn.Module):
    def __init__(self, d, kernel, groups):
        super().__init__()
        self.conv = WeightNormConv1d(d, kernel, groups)
        self.num_remove = 1 if kernel % 2 == 0 else 0

    def forward(self, x):
        """x (B, T, D) -> (B, T, D): GELU(posconv(x)); padded frames must be 0 in x."""
        x = self.conv(x.transpose(1, 2))
        if self.num_remove:
            x = x[..., :-self.num_remove]
        return gelu_t(x)


class SelfAttention(nn.Module):
    def __init__(self, d, heads, dropout):
        super().__init__()
        self.num_heads = heads
        self.head_dim = d // heads
        self.scaling = self.head_dim ** -0.5
        self.dropout_p = dropout
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, x, key_mask):
        """x (B, T, D), key_mask (B, T) bool (True = valid) or None -> (B, T, D)."""
        b, t, d = x.shape
        shape = (b, t, self.num_heads, self.head_dim)
        q = self.q_proj(x).view(shape).transpose(1, 2)                     # (B, H, T, Dh)
        k = self.k_proj(x).view(shape).transpose(1, 2)
        v = self.v_proj(x).view(shape).transpose(1, 2)
        p = self.dropout_p if self.training else 0.0
        mask = None if key_mask is None else key_mask[:, None, None, :]      # (B, 1, 1, T)
        if _SDPA["on"]:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        else:
            w = (q * self.scaling) @ k.transpose(2, 3)                      # (B, H, T, T)
            if mask is not None:
                w = w.masked_fill(~mask, float("-inf"))
            ws = w if w.dtype == torch.float64 else w.float()                # softmax >= fp32
            w = F.dropout(torch.softmax(ws, dim=-1).to(v.dtype), p, self.training)
            out = w @ v
        return self.out_proj(out.transpose(1, 2).reshape(b, t, d))


class FeedForward(nn.Module):
    def __init__(self, d, ff, interm_dropout, out_dropout):
        super().__init__()
        self.intermediate_dense = nn.Linear(d, ff)
        self.intermediate_dropout = nn.Dropout(interm_dropout)
        self.output_dense = nn.Linear(ff, d)
        self.output_dropout = nn.Dropout(out_dropout)

    def forward(self, x):
        x = self.intermediate_dropout(F.gelu(self.intermediate_dense(x)))
        return self.output_dropout(self.output_dense(x))


class EncoderLayer(nn.Module):
    """Post-LN layer: h <- LN(h + Attn(h)); h <- LN_final(h + FFN(h))."""

    def __init__(self, d, heads, ff, attn_dropout, ff_interm_dropout, dropout):
        super().__init__()
        self.attention = SelfAttention(d, heads, attn_dropout)
        self.dropout = nn.Dropout(dropout)
        self.layer_norm = nn.LayerNorm(d)
        self.feed_forward = FeedForward(d, ff, ff_interm_dropout, dropout)
        self.final_layer_norm = nn.LayerNorm(d)

    def forward(self, x, key_mask):
        x = self.layer_norm(x + self.dropout(self.attention(x, key_mask)))
        return self.final_layer_norm(x + self.feed_forward(x))


class Transformer(nn.Module):
    def __init__(self, arch):
        super().__init__()
        d = arch["encoder_embed_dim"]
        self.pos_conv_embed = ConvolutionalPositionalEmbedding(
            d, arch["encoder_pos_conv_kernel"], arch["encoder_pos_conv_groups"])
        self.layer_norm = nn.LayerNorm(d)
        self.dropout = nn.Dropout(arch["encoder_dropout"])
        self.layers = nn.ModuleList([
            EncoderLayer(d, arch["encoder_num_heads"], arch["encoder_ff_interm_features"],
                         arch["encoder_attention_dropout"], arch["encoder_ff_interm_dropout"],
                         arch["encoder_dropout"])
            for _ in range(arch["encoder_num_layers"])])


class Encoder(nn.Module):
    def __init__(self, arch):
        super().__init__()
        c = arch["extractor_conv_layer_config"][-1][0]
        self.feature_projection = FeatureProjection(c, arch["encoder_embed_dim"],
                                                    arch["encoder_projection_dropout"])
        self.transformer = Transformer(arch)


class EEWav2Vec2(nn.Module):
    """wav2vec2 (torchaudio layout) + one nn.Linear decoder per exit.

    forward(x (B, N) normalised audio, lengths (B,) samples, last_exit=n)
      -> (list of (B, T, V) logits of exits 1..last_exit, frame lengths (B,)).
    No layer beyond the last exit's is computed."""

    def __init__(self, arch, exit_layers, vocab_size):
        super().__init__()
        if arch["encoder_layer_norm_first"]:
            raise ValueError("only post-LN (encoder_layer_norm_first=False) is implemented")
        if list(exit_layers) != sorted(set(exit_layers)) or exit_layers[-1] != arch["encoder_num_layers"]:
            raise ValueError(f"exit layers {exit_layers} must ascend and end at the last layer")
        self.arch = dict(arch)
        self.exit_layers = list(exit_layers)
        self.feature_extractor = FeatureExtractor(arch["extractor_conv_layer_config"],
                                                  arch["extractor_mode"],
                                                  arch["extractor_conv_bias"])
        self.encoder = Encoder(arch)
        self.aux = None
        d = arch["encoder_embed_dim"]
        self.decoders = nn.ModuleList([nn.Linear(d, vocab_size) for _ in exit_layers])

    def forward(self, x, lengths=None, last_exit=None, time_mask=None):
        """@time_mask: optional (B, T) bool, frames replaced by zeros after the feature
        projection (SpecAugment-style masking for training)."""
        last_exit = last_exit or len(self.exit_layers)
        feats, frames = self.feature_extractor(x, lengths)                  # (B, T, C)
        h = self.encoder.feature_projection(feats)                           # (B, T, D)
        key_mask = None
        if frames is not None:
            key_mask = _mask(frames, h.shape[1])
        zero = None if key_mask is None else ~key_mask
        if time_mask is not None:
            zero = time_mask if zero is None else (zero | time_mask)
        if zero is not None:
            h = h.masked_fill(zero[:, :, None], 0.0)
        tr = self.encoder.transformer
        h = h + tr.pos_conv_embed(h)
        h = tr.dropout(tr.layer_norm(h))
        if key_mask is not None and bool(key_mask.all()):
            key_mask = None                        # no padding: plain (faster) attention
        outs = []
        want = self.exit_layers[:last_exit]
        for i, layer in enumerate(tr.layers[:want[-1]]):
            h = layer(h, key_mask)
            if i + 1 in want:
                outs.append(self.decoders[want.index(i + 1)](h))
        return outs, frames


def load_torch(path, device="cpu"):
    """torch.load of our own checkpoints (plain dicts, lists and tensors) on torch 1.13
    and on torch 2.x, whose default weights_only=True would refuse tuples of configs."""
    try:
        return torch.load(path, map_location=device, weights_only=False)
    except TypeError:
        return torch.load(path, map_location=device)


def even_exits(n_layers, n_exits):
    if n_layers % n_exits:
        raise ValueError(f"{n_exits} exits do not divide {n_layers} layers evenly")
    return [(i + 1) * n_layers // n_exits for i in range(n_exits)]


def n_params(module):
    return sum(p.numel() for p in module.parameters())


def receptive_field(conv):
    r, jump = 1, 1
    for _, k, s in conv:
        r += (k - 1) * jump
        jump *= s
    return r, jump


# ---------------------------------------------------------------------------
# Decoding and scoring (jiwer semantics: corpus-level edit distance / reference length)
# ---------------------------------------------------------------------------

def greedy_texts(logits, frames, vocab, blank=0):
    """Greedy CTC text per row of (B, T, V) @logits with valid @frames (B,): argmax,
    collapse repeats, drop the blank, "|" -> space, other "<...>" specials dropped."""
    ids = logits.argmax(-1).cpu().numpy()
    frames = frames.cpu().tolist()
    table = np.array([" " if t == "|" else ("" if t.startswith("<") and t.endswith(">") else t)
                      for t in vocab], dtype=object)
    out = []
    for row, t in zip(ids, frames):
        r = row[:t]
        keep = np.ones(len(r), dtype=bool)
        keep[1:] = r[1:] != r[:-1]
        keep &= r != blank
        out.append(" ".join("".join(table[r[keep]]).split()))
    return out


def edit_distance(a, b):
    """Levenshtein distance of sequences @a and @b (bit-parallel, Myers / Hyyro)."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq = {}
    for i, c in enumerate(b):
        peq[c] = peq.get(c, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    pv, mv, score = full, 0, m
    for c in a:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = (mv | ~(xh | pv)) & full
        mh = pv & xh
        if ph & top:
            score += 1
        elif mh & top:
            score -= 1
        ph = ((ph << 1) | 1) & full
        mh = (mh << 1) & full
        pv = (mh | ~(xv | ph)) & full
        mv = ph & xv
    return score


def error_rates(refs, hyps):
    """(CER, WER) as fractions, on lower-cased text: total edits / total reference
    characters (spaces included) and words."""
    ce = cn = we = wn = 0
    for r, h in zip(refs, hyps):
        r, h = r.lower(), h.lower()
        ce += edit_distance(r, h)
        cn += len(r)
        rw, hw = r.split(), h.split()
        we += edit_distance(rw, hw)
        wn += len(rw)
    return ce / max(cn, 1), we / max(wn, 1)


def encode_text(text, vocab):
    """Token ids of an A-Z/'/space transcript ("|" between words)."""
    index = {t: i for i, t in enumerate(vocab)}
    return [index["|"] if ch == " " else index[ch] for ch in text]


def init_weights(model):
    """BERT-style init like Hugging Face's wav2vec2: N(0, 0.02) linear weights, zero
    biases; kaiming for convs; the positional conv as in fairseq."""
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Conv1d):
            nn.init.kaiming_normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, WeightNormConv1d):
            k = m.weight_v.shape[2]
            c_in = m.weight_v.shape[1] * m.groups
            std = math.sqrt(4.0 / (k * c_in))
            with torch.no_grad():
                m.weight_v.normal_(0, std)
                m.weight_g.copy_(m.weight_v.norm(dim=(0, 1), keepdim=True))
                m.bias.zero_()
