#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Trains the early-exit wav2vec2 CTC model on a corpus.py corpus, within a wall-clock
budget, with a progress log, resumable checkpoints and periodic exports.

  # here (CPU), in the background:
  nohup /usr/bin/python3 training/train.py --corpus corpus --run runs/cpu --preset cpu \
      --device cpu --threads 2 --max-minutes 150 > runs/cpu.out 2>&1 &
  # resume after a stop: the same command with --resume
  # GPU machine: see gpu_run.sh

The model is the wav2vec2 architecture (model.EEWav2Vec2: conv feature extractor with
group norm, post-LN transformer) with one linear CTC decoder after each of the evenly
spaced exit layers; the loss is the sum of every exit's CTC loss (the seed's EE loss).
The learning rate follows the *time* budget: linear warm-up over the first --warmup of
the budget, then cosine decay to 5 % of --lr at the deadline, so any budget gives a
complete schedule. At the deadline the run evaluates dev and test (greedy, every exit),
exports the model and stops.

Run directory (--run): train.log (the progress log; each line "key value ..."), ckpt.pt
(model + optimiser + schedule state, written atomically), export/ (the HF model
directory, refreshed with every checkpoint), eval.json (the final CER/WER per exit).
"""

import argparse
import collections
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audio  # noqa: E402
import corpus as C  # noqa: E402
import export as X  # noqa: E402
import model as M  # noqa: E402

MODEL_CARD = ("Small early-exit wav2vec2 CTC model trained from scratch on synthetic "
              "espeak-ng speech (see models/default/MODEL_CARD.md); not for natural speech.")

PRESETS = {
    # conv stack (C, K, S) with stride product 320; D; layers; heads; FF; exits;
    # positional conv kernel / groups; audio seconds per batch; peak lr
    "gpu": dict(conv="64,10,5;128,8,4;256,4,4;256,4,4", dim=256, layers=8, heads=4, ff=1024,
                exits=4, pos_kernel=64, pos_groups=16, batch_seconds=800, max_batch=320,
                lr=5e-4),
    "cpu": dict(conv="32,10,5;64,8,4;128,4,4;192,4,4", dim=192, layers=6, heads=4, ff=768,
                exits=3, pos_kernel=64, pos_groups=16, batch_seconds=40, max_batch=16,
                lr=5e-4),
}


class Log:
    """Appends lines to RUN/train.log and echoes them to stdout."""

    def __init__(self, path):
        self.f = open(path, "a", buffering=1)

    def __call__(self, msg):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        self.f.write(line + "\n")


class Pool:
    """The utterances of one split, as one int16 tensor on the training device.

    Shards (corpus.py) are appended as they appear; items are (offset, length, tokens)."""

    def __init__(self, corpus_dir, split, vocab, device):
        self.dir, self.split, self.vocab, self.device = corpus_dir, split, vocab, device
        self.loaded = set()
        self.audio = torch.zeros(0, dtype=torch.int16, device=device)
        self.offsets, self.lengths, self.tokens, self.texts = [], [], [], []
        self.families = []                 # synthesizer family of each item (corpus.family_of)

    def refresh(self):
        """Loads shards not loaded yet; returns how many were added."""
        new = [(p, rows) for p, rows in C.read_split(self.dir, self.split) if p not in self.loaded]
        if not new:
            return 0
        pieces = [self.audio]
        base = self.audio.numel()
        for path, rows in new:
            data = np.load(path)
            pieces.append(torch.from_numpy(data).to(self.device))
            for _, off, n, text, voice in rows:
                self.families.append(C.family_of(voice))
                self.offsets.append(base + off)
                self.lengths.append(n)
                self.tokens.append(M.encode_text(text, self.vocab))
                self.texts.append(text)
            base += len(data)
            self.loaded.add(path)
        self.audio = torch.cat(pieces)
        return len(new)

    def __len__(self):
        return len(self.lengths)

    def batch(self, idx):
        """(x (B, N) float32 in [-1, 1], lengths (B,)) on the device for items @idx."""
        off = torch.tensor([self.offsets[i] for i in idx], device=self.device)
        lens = torch.tensor([self.lengths[i] for i in idx], device=self.device)
        n = int(max(self.lengths[i] for i in idx))
        pos = torch.arange(n, device=self.device)[None, :]
        valid = pos < lens[:, None]
        gather = torch.where(valid, off[:, None] + pos, torch.zeros_like(pos))
        x = self.audio[gather].to(torch.float32) * (1.0 / 32768.0) * valid
        return x, lens

    def hours(self):
        return sum(self.lengths) / audio.SAMPLE_RATE / 3600


def make_batches(lengths, batch_samples, max_batch, rng):
    """Length-bucketed batches: items sorted by length with a random jitter, cut so that
    B x longest <= @batch_samples and B <= @max_batch; batch order shuffled."""
    lengths = np.asarray(lengths, dtype=np.float64)
    order = np.argsort(lengths * rng.uniform(0.9, 1.1, len(lengths)))
    batches, cur, longest = [], [], 0
    for i in order:
        longest2 = max(longest, lengths[i])
        if cur and (longest2 * (len(cur) + 1) > batch_samples or len(cur) >= max_batch):
            batches.append(cur)
            cur, longest2 = [], lengths[i]
        cur.append(int(i))
        longest = longest2
    if cur:
        batches.append(cur)
    rng.shuffle(batches)
    return batches


def time_mask(frames, n, prob, span, gen, device):
    """(B, n) bool SpecAugment-style mask: span starts drawn with probability
    prob / span per valid frame, each masking @span frames (about @prob of all frames)."""
    b = frames.shape[0]
    starts = (torch.rand(b, n, generator=gen) < prob / span).to(torch.float32)
    m = F.max_pool1d(F.pad(starts[:, None, :], (span - 1, 0)), span, stride=1)[:, 0, :] > 0
    return m.to(device) & (torch.arange(n, device=device)[None, :] < frames[:, None])


def lr_at(p, peak, warmup):
    if p < warmup:
        return peak * max(p, 1e-3) / warmup
    q = min(1.0, (p - warmup) / max(1e-9, 1 - warmup))
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * q)))


@torch.no_grad()
def evaluate(net, pool, vocab, batch_samples, max_batch, limit=None, amp=None):
    """{"cer": [...], "wer": [...]} per exit, greedy decoding, on (up to @limit of) @pool."""
    was = net.training
    net.eval()
    n = len(pool) if limit is None else min(limit, len(pool))
    idx = list(range(n))
    batches = make_batches([pool.lengths[i] for i in idx], batch_samples, max_batch,
                           np.random.default_rng(0))
    hyps = [[None] * n for _ in net.exit_layers]
    for b in batches:
        x, lens = pool.batch(b)
        x = audio.normalize_batch(x, lens)
        with amp():
            outs, frames = net(x, lens)
        for e, o in enumerate(outs):
            for i, h in zip(b, M.greedy_texts(o.float(), frames, vocab)):
                hyps[e][i] = h
    refs = [pool.texts[i] for i in idx]
    res = {"cer": [], "wer": [], "n": n}
    for e in range(len(net.exit_layers)):
        cer, wer = M.error_rates(refs, hyps[e])
        res["cer"].append(round(cer, 4))
        res["wer"].append(round(wer, 4))
    families = getattr(pool, "families", None) or ["?"] * n    # (evaluate.py's WavPool: none)
    fams = sorted(set(families[:n]))
    if len(fams) > 1:                      # deepest exit per synthesizer family
        res["family"] = {}
        for fam in fams:
            ii = [i for i in idx if families[i] == fam]
            cer, wer = M.error_rates([refs[i] for i in ii], [hyps[-1][i] for i in ii])
            res["family"][fam] = {"n": len(ii), "cer": round(cer, 4), "wer": round(wer, 4)}
    res["examples"] = [{"ref": refs[i], "hyp": hyps[-1][i]} for i in range(min(3, n))]
    net.train(was)
    return res


def save_checkpoint(path, net, opt, state, args):
    tmp = path + ".tmp"
    torch.save({"model": net.state_dict(), "opt": opt.state_dict(), "arch": net.arch,
                "exit_layers": net.exit_layers, "vocab_size": net.decoders[0].out_features,
                "state": state, "args": vars(args), "model_card": MODEL_CARD}, tmp)
    os.replace(tmp, path)


def parse_conv(s):
    return [tuple(int(v) for v in layer.split(",")) for layer in s.split(";")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="corpus.py output directory")
    ap.add_argument("--run", required=True, help="run directory (log, checkpoint, export)")
    ap.add_argument("--preset", default="cpu", choices=sorted(PRESETS),
                    help="model size and batch defaults (see PRESETS)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--max-minutes", type=float, required=True,
                    help="wall-clock budget of the whole run, final eval and export included")
    ap.add_argument("--final-reserve-sec", type=float, default=None,
                    help="seconds kept for the final eval + export (default 30 on GPU, "
                         "8 % of the budget on CPU)")
    ap.add_argument("--resume", action="store_true", help="continue from RUN/ckpt.pt")
    ap.add_argument("--init", default=None, metavar="MODEL_DIR",
                    help="start from the weights of an exported model directory (same "
                         "architecture as the preset; fresh optimiser and schedule)")
    ap.add_argument("--follow", action="store_true",
                    help="the corpus is still being built: pick up new train shards "
                         "every --refresh-sec until its corpus.json appears")
    ap.add_argument("--refresh-sec", type=float, default=20.0)
    ap.add_argument("--ckpt-every-min", type=float, default=10.0,
                    help="checkpoint + export interval")
    ap.add_argument("--eval-every-min", type=float, default=10.0, help="dev eval interval")
    ap.add_argument("--dev-limit", type=int, default=None,
                    help="dev utterances used by periodic evals (default all)")
    ap.add_argument("--export-dir", default=None, help="export here too (e.g. $OUT/model)")
    ap.add_argument("--seed", type=int, default=1)
    for k in ("conv", "dim", "layers", "heads", "ff", "exits", "pos_kernel", "pos_groups",
              "batch_seconds", "max_batch", "lr"):
        ap.add_argument("--" + k.replace("_", "-"), type=type(PRESETS["gpu"][k]), default=None,
                        help=f"override the preset's {k}")
    ap.add_argument("--warmup", type=float, default=0.08, help="warm-up fraction of the budget")
    ap.add_argument("--stuck-checks", default="0.25,0.45",
                    help="budget fractions at which a run still on the CTC blank plateau "
                         "(deepest exit's loss > --stuck-loss) halves its learning rate")
    ap.add_argument("--stuck-loss", type=float, default=2.6)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--mask-prob", type=float, default=0.12,
                    help="fraction of frames time-masked (see --clean-until-loss)")
    ap.add_argument("--no-augment", action="store_true", help="no waveform augmentation")
    aug_help = {"p_speed": "speed-perturbed (0.85-1.15: tempo and pitch)",
                "p_pitch": "pitch-shifted (+-3 semitones, duration kept)",
                "p_vtlp": "given vocal tract length perturbation (warp 0.9-1.1)",
                "p_reverb": "given simulated room reverberation (RT60 0.15-0.6 s)",
                "p_noise": "given white/pink/brown noise at 5-35 dB SNR",
                "p_babble": "given another utterance as background speech at 10-25 dB SNR",
                "p_telephone": "band-limited to a telephone channel (300-3400 Hz, mu-law)",
                "p_codec": "passed through a low-bitrate codec simulation"}
    for k, v in audio.AUGMENT_DEFAULTS.items():
        ap.add_argument("--" + k.replace("_", "-"), type=float, default=v,
                        help=f"share of utterances {aug_help[k]} (default {v})")
    ap.add_argument("--clean-until-loss", type=float, default=2.2,
                    help="no augmentation and no time masking until the deepest exit's "
                         "mean loss over 50 steps first falls below this (the run has left "
                         "the CTC blank plateau); 0 = augment from the start")
    ap.add_argument("--log-every", type=int, default=50, help="steps between log lines")
    ap.add_argument("--log", default=None, help="progress log file (default RUN/train.log)")
    ap.add_argument("--amp", default="auto", choices=["auto", "bf16", "none"],
                    help="mixed precision on CUDA (auto = bf16)")
    ap.add_argument("--sdpa", default="auto", choices=["auto", "off"],
                    help="torch 2's fused attention where available, or the plain one")
    ap.add_argument("--no-fused", action="store_true", help="no fused AdamW on CUDA")
    args = ap.parse_args()
    for k, v in PRESETS[args.preset].items():
        if getattr(args, k) is None:
            setattr(args, k, v)

    t_start = time.time()
    os.makedirs(args.run, exist_ok=True)
    log = Log(args.log or os.path.join(args.run, "train.log"))
    if args.sdpa == "off":
        M.use_sdpa(False)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("train: --device cuda but torch sees no GPU")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    rng = np.random.default_rng(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    dgen = torch.Generator(device=device).manual_seed(args.seed + 1)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = False

    def amp():
        if cuda and args.amp != "none":
            return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
        return torch.autocast(device_type="cpu", enabled=False)

    w2vee_hf = M.import_w2vee_hf()
    vocab = w2vee_hf.DEFAULT_VOCAB
    conv = parse_conv(args.conv)
    arch = M.make_arch(conv, args.dim, args.layers, args.heads, args.ff,
                       pos_kernel=args.pos_kernel, pos_groups=args.pos_groups,
                       dropout=args.dropout)
    exit_layers = M.even_exits(args.layers, args.exits)
    net = M.EEWav2Vec2(arch, exit_layers, len(vocab))
    M.init_weights(net)
    if args.init and not (args.resume and os.path.exists(os.path.join(args.run, "ckpt.pt"))):
        init_net, init_vocab = X.load_hf_dir(args.init)
        if list(init_vocab) != list(vocab):
            raise SystemExit(f"train: {args.init}: vocabulary differs from the default one")
        if init_net.exit_layers != exit_layers:
            raise SystemExit(f"train: {args.init} has exits after layers {init_net.exit_layers}, "
                             f"preset {args.preset} {exit_layers}")
        try:
            net.load_state_dict(init_net.state_dict(), strict=True)
        except RuntimeError as e:
            raise SystemExit(f"train: {args.init} does not match preset {args.preset}: {e}")
        del init_net
    net.to(device)
    fused = {}
    if cuda and not args.no_fused and "fused" in torch.optim.AdamW.__init__.__code__.co_varnames:
        fused = {"fused": True}
    decay = [p for n, p in net.named_parameters() if p.ndim >= 2 and "weight_g" not in n]
    no_decay = [p for n, p in net.named_parameters() if not (p.ndim >= 2 and "weight_g" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98), eps=1e-8, **fused)
    state = {"step": 0, "elapsed": 0.0, "seen_utts": 0, "seen_hours": 0.0, "lr_scale": 1.0,
             "checks_done": 0, "augmenting": False}
    ckpt_path = os.path.join(args.run, "ckpt.pt")
    if args.resume and os.path.exists(ckpt_path):
        ck = M.load_torch(ckpt_path, device)
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        gen.manual_seed(args.seed + state["step"])
        dgen.manual_seed(args.seed + 1 + state["step"])
        rng = np.random.default_rng([args.seed, state["step"]])
        log(f"resume step {state['step']} elapsed {state['elapsed']:.0f}s")
    rf, stride = M.receptive_field(conv)
    log(f"start device {device} threads {args.threads} torch {torch.__version__} amp "
        f"{args.amp if cuda else 'none'} sdpa {M.sdpa_enabled()} fused_adamw {bool(fused)} preset "
        f"{args.preset} conv {conv} stride {stride} rf {rf} D {args.dim} layers {args.layers} "
        f"heads {args.heads} ff {args.ff} exits {exit_layers} params {M.n_params(net)} "
        f"batch_seconds {args.batch_seconds} lr {args.lr} budget {args.max_minutes} min"
        f"{' init ' + args.init if args.init else ''}")

    budget = args.max_minutes * 60.0
    reserve = args.final_reserve_sec
    if reserve is None:
        reserve = 30.0 if cuda else 0.08 * budget
    train_budget = budget - reserve       # wall seconds of this process for training

    train = Pool(args.corpus, "train", vocab, device)
    dev = Pool(args.corpus, "dev", vocab, device)

    def test_splits():
        """The corpus's test splits: "test", then the test-FAMILY ones."""
        return [t for t in C.SPLITS if t.startswith("test") and
                os.path.isdir(os.path.join(args.corpus, t))]
    corpus_done = os.path.exists(os.path.join(args.corpus, "corpus.json"))
    while True:
        train.refresh()
        if len(train) or corpus_done:
            break
        if time.time() - t_start > train_budget / 2:
            raise SystemExit("train: no training shards appeared")
        time.sleep(1.0)
        corpus_done = os.path.exists(os.path.join(args.corpus, "corpus.json"))
    if not len(train):
        raise SystemExit(f"train: no training data in {args.corpus}/train")
    log(f"data train {len(train)} utts {train.hours():.2f} h (follow {args.follow and not corpus_done})")

    batch_samples = int(args.batch_seconds * audio.SAMPLE_RATE)
    batches = make_batches(train.lengths, batch_samples, args.max_batch, rng)
    export_dir = os.path.join(args.run, "export")
    session_t0 = t_start                  # start-up and waiting for data count too
    elapsed0 = state["elapsed"]
    last = {"log": time.time(), "ckpt": time.time(), "eval": time.time(), "refresh": time.time()}
    recent_loss = collections.deque(maxlen=50)     # deepest exit, for the stuck checks
    sums = np.zeros(len(exit_layers))
    n_sum = 0
    steps_since = 0
    utts_since = 0
    net.train()

    def elapsed():
        return elapsed0 + time.time() - session_t0

    def checkpoint(reason):
        save_checkpoint(ckpt_path, net, opt, dict(state, elapsed=elapsed()), args)
        X.export_model(net, export_dir, model_card=MODEL_CARD)
        if args.export_dir:
            X.export_model(net, args.export_dir, model_card=MODEL_CARD)
        log(f"checkpoint step {state['step']} ({reason})")

    def dev_eval(tag, limit):
        dev.refresh()
        if not len(dev):
            return None
        r = evaluate(net, dev, vocab, batch_samples, args.max_batch, limit, amp)
        log(f"dev {tag} step {state['step']} n {r['n']} cer " + " ".join(f"{c:.4f}" for c in r["cer"]) +
            " wer " + " ".join(f"{w:.4f}" for w in r["wer"]) + f" | {r['examples'][0]['hyp']}")
        if "family" in r:
            log(f"dev-family {tag} step {state['step']} " + " ".join(
                f"{k} n {v['n']} cer {v['cer']:.4f} wer {v['wer']:.4f}" for k, v in r["family"].items()))
        return r

    while elapsed() < train_budget:
        if not batches:
            batches = make_batches(train.lengths, batch_samples, args.max_batch, rng)
        if args.follow and not corpus_done and time.time() - last["refresh"] > args.refresh_sec:
            last["refresh"] = time.time()
            corpus_done = os.path.exists(os.path.join(args.corpus, "corpus.json"))
            if train.refresh():
                batches = make_batches(train.lengths, batch_samples, args.max_batch, rng)
                log(f"data train {len(train)} utts {train.hours():.2f} h")
        idx = batches.pop()
        p = elapsed() / train_budget
        checks = [float(c) for c in args.stuck_checks.split(",") if c]
        if state.get("checks_done", 0) < len(checks) and p >= checks[state.get("checks_done", 0)]:
            state["checks_done"] = state.get("checks_done", 0) + 1
            recent = float(np.mean(recent_loss)) if recent_loss else float("inf")
            if recent > args.stuck_loss:
                state["lr_scale"] = state.get("lr_scale", 1.0) * 0.5
                log(f"warning step {state['step']}: deepest-exit loss {recent:.3f} > "
                    f"{args.stuck_loss} at {p:.0%} of the budget: learning rate x0.5 "
                    f"(now x{state['lr_scale']:g})")
        lr = lr_at(p, args.lr, args.warmup) * state.get("lr_scale", 1.0)
        for g in opt.param_groups:
            g["lr"] = lr
        if not state.get("augmenting") and (
                args.clean_until_loss <= 0 or
                (len(recent_loss) == recent_loss.maxlen and np.mean(recent_loss) < args.clean_until_loss)):
            state["augmenting"] = True
            log(f"augmentation and time masking on from step {state['step']}")
        x, lens = train.batch(idx)
        if not args.no_augment and state.get("augmenting"):
            x, lens = audio.augment_batch(x, lens, gen, dgen, **{
                k: getattr(args, k) for k in audio.AUGMENT_DEFAULTS})
        x = audio.normalize_batch(x, lens)
        frames = M.frames_for(lens, conv)
        tmask = None
        if state.get("augmenting") and args.mask_prob > 0:
            tmask = time_mask(frames, int(frames.max()), args.mask_prob, 8, gen, device)
        tg = [train.tokens[i] for i in idx]
        tlen = torch.tensor([len(t) for t in tg], device=device)
        targets = torch.zeros(len(tg), max(len(t) for t in tg), dtype=torch.int64)
        for i, t in enumerate(tg):
            targets[i, :len(t)] = torch.tensor(t)
        targets = targets.to(device)
        with amp():
            outs, frames = net(x, lens, time_mask=tmask)
        losses = [F.ctc_loss(o.float().log_softmax(-1).transpose(0, 1), targets, frames, tlen,
                             blank=0, reduction="mean", zero_infinity=True) for o in outs]
        loss = sum(losses)
        if not torch.isfinite(loss):
            log(f"warning step {state['step']}: non-finite loss, batch skipped")
            opt.zero_grad(set_to_none=True)
            continue
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gnorm = torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        state["step"] += 1
        state["seen_utts"] += len(idx)
        state["seen_hours"] += float(lens.sum()) / audio.SAMPLE_RATE / 3600
        steps_since += 1
        utts_since += len(idx)
        values = [float(v) for v in losses]
        sums += np.array(values)
        n_sum += 1
        recent_loss.append(values[-1])
        if state["step"] % args.log_every == 0:
            dt = time.time() - last["log"]
            last["log"] = time.time()
            log(f"step {state['step']} t {elapsed():.0f}s lr {lr:.2e} loss " +
                " ".join(f"{v:.3f}" for v in sums / max(n_sum, 1)) +
                f" gnorm {float(gnorm):.2f} steps/s {steps_since / dt:.3f} utts/s "
                f"{utts_since / dt:.1f} seen {state['seen_utts']} utts {state['seen_hours']:.1f} h")
            sums[:] = 0
            n_sum = steps_since = utts_since = 0
        if time.time() - last["eval"] > args.eval_every_min * 60:
            dev_eval("periodic", args.dev_limit)
            last["eval"] = time.time()
        if time.time() - last["ckpt"] > args.ckpt_every_min * 60:
            checkpoint("periodic")
            last["ckpt"] = time.time()

    checkpoint("deadline")
    result = {"step": state["step"], "seen_utts": state["seen_utts"],
              "seen_hours": round(state["seen_hours"], 2), "train_utts": len(train),
              "train_hours": round(train.hours(), 2), "exit_layers": exit_layers,
              "params": M.n_params(net)}
    r = dev_eval("final", None)
    if r:
        result["dev"] = r
    for split in test_splits():
        pool = Pool(args.corpus, split, vocab, device)
        pool.refresh()
        if not len(pool):
            continue
        r = evaluate(net, pool, vocab, batch_samples, args.max_batch, None, amp)
        log(f"{split} final step {state['step']} n {r['n']} cer " + " ".join(f"{c:.4f}" for c in r["cer"]) +
            " wer " + " ".join(f"{w:.4f}" for w in r["wer"]))
        result[split] = r
    with open(os.path.join(args.run, "eval.json"), "w") as f:
        json.dump(result, f, indent=1)
    log(f"done step {state['step']} wall {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()
