#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Peer benchmark: libw2vee against ONNX Runtime and PyTorch on the same model, the same
input and the same number of threads, at every exit (bench/README.md).

    /usr/bin/python3 bench/run.py --build BUILDDIR [--config base|small] [--seconds 10,30]
        [--threads N] [--repeat R] [--exits all|E,E...] [--contenders w2vee,ort,torch]
        [--out DIR]

In one run it
 1. builds the seeded random-weight model (tests/reference/gen_models.py: "base" is the
    full wav2vec2-base architecture, 6 decoders at layers 2..12) and writes it three
    ways: the Hugging Face layout (w2vee), one ONNX graph per exit exported by torch from
    the torchaudio model (ONNX Runtime), the torchaudio state dict (PyTorch); plus a
    seeded synthetic input (16-bit WAV and float32) and PyTorch's reference logits.
    Cached in DIR/CONFIG/ until the scripts, the torch version or the input change;
 2. checks that every contender gives the reference logits on the first length's input
    (max |diff| <= 1e-3 * max(1, max |ref|), as the parity tests);
 3. for every length: measures the sgemm roofline (BUILDDIR/bench/sgemm-roofline),
    then every contender at every exit: `w2vee bench`, bench/ort_run.mjs,
    bench/torch_run.py, each in its own process (median of R runs after one warm-up),
    then the roofline again (the better probe counts);
 4. prints a Markdown table (RTF per contender per exit, our speed-up, our fraction of
    the roofline, a front-end / per-layer split, ready time and peak RSS) and writes it
    with the raw numbers to DIR/CONFIG/results.{md,json}.

Exit status: 0 when every contender matched the reference, 1 otherwise (the table is
printed anyway), 2 on a usage or setup error. Timings are never asserted.
"""

import argparse
import datetime
import gc
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REL_TOL = 1e-3  # tests/parity/test-parity.c
CONTENDERS = ("w2vee", "w2vee-openblas", "w2vee-dnnl", "w2vee-bf16", "w2vee-int8", "ort",
              "torch")
LABELS = {"w2vee": "w2vee", "w2vee-openblas": "w2vee OpenBLAS",
          "w2vee-dnnl": "w2vee oneDNN", "w2vee-bf16": "w2vee oneDNN bf16",
          "w2vee-int8": "w2vee oneDNN int8",
          "ort": "ONNX Runtime", "torch": "PyTorch"}
# `w2vee bench` runs of other backends and precisions than the build's default ("w2vee"):
# (environment, extra arguments); docs/performance.md
W2VEE_VARIANTS = {
    "w2vee": ({}, []),
    "w2vee-openblas": ({"W2VEE_COMPUTE": "openblas"}, []),
    "w2vee-dnnl": ({"W2VEE_COMPUTE": "dnnl"}, []),
    "w2vee-bf16": ({"W2VEE_COMPUTE": "dnnl"}, ["--precision", "bf16"]),
    "w2vee-int8": ({"W2VEE_COMPUTE": "dnnl"}, ["--precision", "int8"]),
}
REDUCED_PRECISION = ("w2vee-bf16", "w2vee-int8")  # logits not held to the float32 tolerance
ROOFLINE_MIN_SECONDS = 1.0


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


class SetupError(Exception):
    pass


def run(cmd, what, env=None):
    """stdout of @cmd (with @env added to the environment); SetupError with its stderr
    when it fails."""
    if env is not None:
        env = dict(os.environ, **env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise SetupError(f"{what} failed (exit {p.returncode}): {' '.join(cmd)}\n"
                         f"{p.stderr.strip()}")
    return p.stdout


def parse_lines(text, peers):
    """{'ready_ms': x, 'peak_rss_mb': y, 'exits': {e: {...}}, 'frames': T or None}."""
    res = {"exits": {}, "frames": None, "stages": {}, "ready_ms": None, "peak_rss_mb": None}
    for line in text.splitlines():
        m = peers.STAGE_LINE.match(line)
        if m:
            res["stages"].setdefault(int(m.group(1)), {})[m.group(2)] = float(m.group(3))
            continue
        m = peers.EXIT_LINE.match(line)
        if m:
            e = int(m.group(1))
            res["exits"][e] = {"layer": int(m.group(2)), "rtf": float(m.group(3))}
            if m.group(4):
                res["exits"][e]["gflops"] = float(m.group(4))
            if m.group(5):
                res["exits"][e]["frames"] = int(m.group(5))
            continue
        m = peers.VALUE_LINE.match(line)
        if m:
            res[m.group(1)] = float(m.group(2))
        elif line.startswith("model="):
            for kv in line.split():
                if kv.startswith("frames="):
                    res["frames"] = int(kv[7:])
    return res


# ---------------------------------------------------------------------------
# Machine
# ---------------------------------------------------------------------------

def machine_info():
    cpu, flags = None, set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and cpu is None:
                    cpu = value.strip()
                elif key.strip() == "flags":
                    flags = set(value.split())
    except OSError:
        pass
    cpu = cpu or platform.processor() or "unknown CPU"
    simd = [f for f in ("avx2", "fma", "avx512f") if f in flags]
    return {"cpu": cpu, "cpus": os.cpu_count(), "simd": simd,
            "python": platform.python_version(), "kernel": platform.release()}


def source_version():
    """`git describe --always --dirty` of the tree w2vee was built from, if any (read
    only: no optional locks, so the index is never rewritten)."""
    try:
        p = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                           capture_output=True, text=True, timeout=10,
                           env=dict(os.environ, GIT_OPTIONAL_LOCKS="0"))
    except OSError:
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def load_average():
    return os.getloadavg()


# ---------------------------------------------------------------------------
# Preparation (cached)
# ---------------------------------------------------------------------------

def cache_key(config, n_max, n_check):
    """Changes with the scripts that make the prepared files, their inputs and torch."""
    import torch

    h = hashlib.sha256()
    for rel in ("bench/peers.py", "tests/reference/gen_models.py",
                "training/w2vee_hf.py"):
        with open(os.path.join(ROOT, rel), "rb") as f:
            h.update(f.read())
    h.update(f"{config} {n_max} {n_check} {torch.__version__}".encode())
    return h.hexdigest()[:16]


def prepare(peers, outdir, config, n_max, n_check, with_onnx):
    """Writes (or reuses) DIR/CONFIG/{model/, weights.pt, input.f32, check.wav, ref/,
    onnx/}; returns info.json's dict."""
    import torch

    key = cache_key(config, n_max, n_check)
    info_path = os.path.join(outdir, "info.json")
    if os.path.exists(info_path):
        with open(info_path) as f:
            info = json.load(f)
        if info.get("key") == key and (info.get("onnx") or not with_onnx):
            log(f"reusing the prepared {config} model in {outdir}")
            return info
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)

    t0 = time.monotonic()
    torch.set_num_threads(os.cpu_count() or 1)
    log(f"building the {config} model (seeded random weights)")
    model, heads, exit_layers, stable = peers.build_reference(config)
    spec = peers.model_spec(config)
    peers.gen_models.write_model(peers.hf, spec, model, heads, exit_layers,
                                 os.path.join(outdir, "model"))
    peers.save_weights(os.path.join(outdir, "weights.pt"), config, model, heads,
                       exit_layers, stable)

    q = peers.synthetic_input(n_max / peers.SAMPLE_RATE)  # int16 (n_max)
    x = q.to(torch.float32) / 32768.0
    peers.hf.write_f32(os.path.join(outdir, "input.f32"), x)
    peers.gen_models.write_wav(os.path.join(outdir, "check.wav"), q[:n_check])

    log(f"reference logits of {n_check / peers.SAMPLE_RATE:g} s (torchaudio)")
    refdir = os.path.join(outdir, "ref")
    os.makedirs(refdir)
    xin = peers.hf.normalize_audio(x[:n_check])
    logits = peers.hf.exit_logits(model, heads, exit_layers, xin, stable)
    for e, lg in enumerate(logits, start=1):
        peers.hf.write_f32(os.path.join(refdir, f"exit{e}.f32"), lg)

    if with_onnx:
        peers.export_onnx(model, heads, exit_layers, stable, os.path.join(outdir, "onnx"), log)

    info = {"key": key, "config": config, "exit_layers": list(exit_layers),
            "frames": int(logits[0].shape[0]), "vocab": int(logits[0].shape[1]),
            "n_max": n_max, "n_check": n_check, "onnx": with_onnx,
            "torch": torch.__version__}
    with open(info_path, "w") as f:
        json.dump(info, f, indent=1)
    log(f"prepared in {time.monotonic() - t0:.0f} s")
    del model, heads, logits
    gc.collect()
    return info


# ---------------------------------------------------------------------------
# Contenders
# ---------------------------------------------------------------------------

class Paths:
    def __init__(self, build, outdir):
        self.w2vee = os.path.join(build, "tools", "w2vee")
        self.roofline = os.path.join(build, "bench", "sgemm-roofline")
        self.out = outdir
        self.model = os.path.join(outdir, "model")
        self.weights = os.path.join(outdir, "weights.pt")
        self.input = os.path.join(outdir, "input.f32")
        self.check_wav = os.path.join(outdir, "check.wav")
        self.ref = os.path.join(outdir, "ref")

    def onnx(self, e):
        return os.path.join(self.out, "onnx", f"exit{e}.onnx")


def node_cmd(paths, e, layer, n, args, extra):
    return ["node", os.path.join(HERE, "ort_run.mjs"), "--model", paths.onnx(e),
            "--exit", str(e), "--layer", str(layer), "--input", paths.input,
            "--samples", str(n), "--threads", str(args.threads)] + extra


def torch_cmd(paths, n, args, extra):
    return [sys.executable, os.path.join(HERE, "torch_run.py"), "--weights", paths.weights,
            "--input", paths.input, "--samples", str(n), "--threads", str(args.threads)] + extra


def dump_logits(name, paths, info, exits, args, dumpdir):
    """Each exit's logits of the check input, written by contender @name to
    @dumpdir/exit{e}.f32."""
    os.makedirs(dumpdir, exist_ok=True)
    n = info["n_check"]
    if name in W2VEE_VARIANTS:
        env, extra = W2VEE_VARIANTS[name]
        for e in exits:
            run([paths.w2vee, "transcribe", "-m", paths.model, "-e", str(e),
                 "-t", str(args.threads), "--dump-logits",
                 os.path.join(dumpdir, f"exit{e}.f32"), paths.check_wav] + extra,
                f"w2vee transcribe --dump-logits (exit {e}, {LABELS[name]})", env)
    elif name == "torch":
        run(torch_cmd(paths, n, args, ["--dump-dir", dumpdir]), "torch_run.py --dump-dir")
    else:
        for e in exits:
            run(node_cmd(paths, e, info["exit_layers"][e - 1], n, args,
                         ["--dump", os.path.join(dumpdir, f"exit{e}.f32")]),
                f"ort_run.mjs --dump (exit {e})")


def check_parity(peers, name, paths, info, exits, dumpdir):
    """[(exit, maxabs, tol, ok)] against the reference logits."""
    res = []
    T, V = info["frames"], info["vocab"]
    for e in exits:
        ref = peers.read_f32(os.path.join(paths.ref, f"exit{e}.f32"))
        got = peers.read_f32(os.path.join(dumpdir, f"exit{e}.f32"))
        tol = REL_TOL * max(1.0, ref.abs().max().item())
        if got.numel() != T * V:
            res.append((e, float("inf"), tol, False, f"{got.numel()} values, want {T}x{V}"))
            continue
        d = (got - ref).abs().max().item()
        if name in REDUCED_PRECISION:
            # reported, not held to the float32 tolerance: the argmax agreement instead
            agree = (got.view(T, V).argmax(1) == ref.view(T, V).argmax(1)).float().mean()
            res.append((e, d, tol, True, f"reduced precision, argmax agrees on "
                        f"{100 * agree.item():.1f} % of frames"))
            continue
        res.append((e, d, tol, d <= tol, ""))
    return res


def time_contender(name, peers, paths, info, exits, n, args):
    """Parsed lines of one contender at @n samples."""
    all_exits = len(exits) == len(info["exit_layers"])
    if name in W2VEE_VARIANTS:
        # `w2vee bench -e` takes one exit or all: a subset runs one process per exit,
        # the deepest one's ready time and RSS standing for the model's
        env, extra = W2VEE_VARIANTS[name]
        res = {"exits": {}, "stages": {}}
        for e in ["all"] if all_exits else exits:
            r = parse_lines(run([paths.w2vee, "bench", "-m", paths.model, "-e", str(e),
                                 "--seconds", f"{n / peers.SAMPLE_RATE:g}",
                                 "-t", str(args.threads), "-r", str(args.repeat),
                                 "--profile"] + extra, f"w2vee bench ({LABELS[name]})",
                                env), peers)
            res["exits"].update(r["exits"])
            res["stages"].update(r["stages"])
            for key in ("frames", "ready_ms", "peak_rss_mb"):
                res[key] = r[key]
        return res
    if name == "torch":
        extra = ["--repeat", str(args.repeat)]
        if not all_exits:
            extra += ["--exit", ",".join(str(e) for e in exits)]
        return parse_lines(run(torch_cmd(paths, n, args, extra), "torch_run.py"), peers)
    # ONNX Runtime: one process per exit graph; the deepest one's ready time and RSS
    # are the full model's
    res = {"exits": {}, "frames": None}
    for e in exits:
        r = parse_lines(run(node_cmd(paths, e, info["exit_layers"][e - 1], n, args,
                                     ["--repeat", str(args.repeat)]),
                            f"ort_run.mjs (exit {e})"), peers)
        res["exits"].update(r["exits"])
        res["ready_ms"], res["peak_rss_mb"] = r["ready_ms"], r["peak_rss_mb"]
    return res


def model_frames(paths, n):
    """Encoder frames for @n samples, from the model's conv kernels and strides."""
    with open(os.path.join(paths.model, "config.json")) as f:
        cfg = json.load(f)
    for k, st in zip(cfg["conv_kernel"], cfg["conv_stride"]):
        n = (n - k) // st + 1 if n >= k else 0
    return n


def roofline(paths, frames, args):
    out = run([paths.roofline, "--threads", str(args.threads), "--frames", str(frames),
               "--min-seconds", str(ROOFLINE_MIN_SECONDS)], "sgemm-roofline")
    best, shapes = None, []
    for line in out.splitlines():
        if line.startswith("best_gflops="):
            best = float(line.split("=", 1)[1])
        elif line.startswith("sgemm "):
            shapes.append(line.split("  #")[0])
    if best is None:
        raise SetupError(f"sgemm-roofline printed no best_gflops line:\n{out}")
    return best, shapes


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def fit_layers(points):
    """Least-squares rtf = a + b * layers over [(layers, rtf)]: (front end a, per layer b)."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    if sxx == 0:
        return None
    b = sum((p[0] - mx) * (p[1] - my) for p in points) / sxx
    return my - b * mx, b


def fmt(x, spec=".4f"):
    return "–" if x is None else format(x, spec)


def report(results, args, names, machine, exits):
    lines = []
    add = lines.append
    ort_version = results.get("ort_version")
    add(f"# Peer benchmark: {results['config']} (seeded random weights), "
        f"{args.threads} thread(s), median of {args.repeat} run(s) after 1 warm-up")
    add("")
    add(f"- machine: {machine['cpu']}, {machine['cpus']} CPUs ({', '.join(machine['simd']) or 'no AVX2/FMA'}), "
        f"load average {results['load_start'][0]:.2f} at start, {results['load_end'][0]:.2f} at end "
        "(the machine may be shared: timings are noisy)")
    add(f"- contenders: {', '.join(LABELS[c] for c in names if c in W2VEE_VARIANTS)} "
        f"(`w2vee bench`, W2VEE_COMPUTE and --precision; source {results['source'] or 'unknown'}), "
        f"ONNX Runtime {ort_version or '(not run)'} (onnxruntime-node, CPU EP, "
        f"intra-op threads {args.threads}, graph optimisation 'all'), "
        f"PyTorch {results['torch_version']} eager, inference_mode"
        + ("" if {"ort", "torch"} <= set(names)
           else f"; NOT MEASURED here: {', '.join(LABELS[c] for c in ('ort', 'torch') if c not in names)}"))
    add(f"- date {results['date']}, total harness time {results['duration_s']:.0f} s")
    add("")
    add("Logits check (max |diff| against torchaudio's, tolerance 1e-3·max(1, max|ref|)) on "
        f"{results['check_seconds']:g} s:")
    for name in names:
        rows = results["parity"][name]
        worst = max(rows, key=lambda r: r[1] / r[2])
        ok = all(r[3] for r in rows)
        add(f"- {LABELS[name]}: {'OK' if ok else 'FAIL'}, worst exit {worst[0]} "
            f"max|diff| {worst[1]:.3g} (tol {worst[2]:.3g})"
            + "".join(f"; exit {r[0]} FAIL {r[1]:.3g} {r[4]}" for r in rows if not r[3])
            + "".join(f"; exit {r[0]}: {r[4]}" for r in rows if r[3] and r[4]))
    for length in results["lengths"]:
        L = results["by_length"][str(length)]
        rt = L["contenders"]
        w = rt.get("w2vee", {}).get("exits", {})
        add("")
        add(f"## {length:g} s of audio ({L['frames']} frames)")
        add("")
        add(f"sgemm roofline: {L['roofline_gflops']:.1f} GFLOP/s ({args.threads} thread(s); "
            f"probes before / after the contenders: "
            f"{' / '.join(f'{g:.1f}' for g in L['roofline_probes'])}; best probe's shapes: "
            f"{'; '.join(L['roofline_shapes'])})")
        add("")
        head = ["exit", "layer", "GFLOP/audio-s"] + [f"RTF {LABELS[c]}" for c in names]
        head += [f"speed-up vs {LABELS[c]}" for c in names
                 if c != "w2vee" and c not in REDUCED_PRECISION]
        variants = [c for c in names if c in W2VEE_VARIANTS and c != "w2vee"]
        if "ort" in names:
            head += [f"{LABELS[c]} vs ONNX Runtime" for c in variants]
        head += ["roofline RTF", "w2vee / roofline", "w2vee GFLOP/s"]
        add("| " + " | ".join(head) + " |")
        add("|" + "---|" * len(head))
        for e in exits:
            we = w.get(e) or w.get(str(e))
            gflop_per_s = we["gflops"] * we["rtf"] if we else None
            row = [str(e), str(results["exit_layers"][e - 1]), fmt(gflop_per_s, ".2f")]
            rtf = {}
            for c in names:
                ce = rt[c]["exits"].get(e) or rt[c]["exits"].get(str(e))
                rtf[c] = ce["rtf"] if ce else None
                row.append(fmt(rtf[c]))
            for c in names:
                if c != "w2vee" and c not in REDUCED_PRECISION:
                    row.append(fmt(rtf[c] / rtf["w2vee"], ".2f") + "×"
                               if rtf[c] and rtf.get("w2vee") else "–")
            if "ort" in names:
                for c in variants:
                    row.append(fmt(rtf["ort"] / rtf[c], ".2f") + "×"
                               if rtf["ort"] and rtf[c] else "–")
            roof = gflop_per_s / L["roofline_gflops"] if gflop_per_s else None
            row += [fmt(roof), fmt(roof / rtf["w2vee"], ".2f") if roof and rtf.get("w2vee") else "–",
                    fmt(we["gflops"] if we else None, ".1f")]
            add("| " + " | ".join(row) + " |")
        add("")
        add("| contender | ready (ms) | peak RSS (MiB) | front end RTF | per-layer RTF |")
        add("|---|---|---|---|---|")
        for c in names:
            pts = [(results["exit_layers"][int(e) - 1], v["rtf"]) for e, v in rt[c]["exits"].items()]
            fit = fit_layers(pts)
            add(f"| {LABELS[c]} | {fmt(rt[c].get('ready_ms'), '.0f')} | "
                f"{fmt(rt[c].get('peak_rss_mb'), '.0f')} | "
                f"{fmt(fit[0] if fit else None)} | {fmt(fit[1] if fit else None)} |")
        stages = rt["w2vee"]["stages"]
        if stages:
            names_st = list(next(iter(stages.values())))
            add("")
            add("w2vee per stage (`w2vee bench --profile`), ms per run (share):")
            add("")
            add("| exit | " + " | ".join(names_st) + " |")
            add("|---|" + "---|" * len(names_st))
            for e in exits:
                st = stages.get(e, {})
                total = sum(st.values()) or 1.0
                add(f"| {e} | " + " | ".join(
                    f"{st[k]:.1f} ({100 * st[k] / total:.0f}%)" if k in st else "–"
                    for k in names_st) + " |")
    add("")
    add("RTF = median compute seconds per second of audio (lower is better); speed-up = "
        "their RTF / ours; roofline RTF = GFLOP per audio-second / measured sgemm GFLOP/s; "
        "front end (normalisation, conv encoder, projection, pos-conv) and per-layer RTF "
        "are a least-squares fit of RTF against the exit's layer; stage times are the "
        "engine's own clock (mean of the timed runs). Ready = model load + "
        "session creation (w2vee), InferenceSession.create of the deepest exit's graph "
        "(ONNX Runtime), model build + state-dict load (PyTorch). Peak RSS of the process "
        "(ONNX Runtime: the one running the deepest exit's graph).")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------

def auto_contenders(build):
    """The default contenders: w2vee (labelled with the build's default backend), the
    other backend when the build has oneDNN, bf16 and int8 on CPUs with bf16 units and
    VNNI."""
    conf = {}
    try:
        with open(os.path.join(build, "w2vee-config.h")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[0] == "#define":
                    conf[parts[1]] = parts[2]
    except OSError:
        pass
    names = ["w2vee"]
    if conf.get("W2VEE_HAVE_DNNL") == "1":
        default_dnnl = conf.get("W2VEE_DEFAULT_COMPUTE_DNNL") == "1"
        LABELS["w2vee"] = "w2vee (oneDNN)" if default_dnnl else "w2vee (OpenBLAS)"
        names.append("w2vee-openblas" if default_dnnl else "w2vee-dnnl")
        try:
            with open("/proc/cpuinfo") as f:
                flags = f.read()
        except OSError:
            flags = ""
        if "avx512_bf16" in flags:
            names.append("w2vee-bf16")
        if "avx512_vnni" in flags:
            names.append("w2vee-int8")
    return names + ["ort", "torch"]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="meson build dir (tools/w2vee, "
                    "bench/sgemm-roofline)")
    ap.add_argument("--config", choices=("base", "small"), default="base")
    ap.add_argument("--seconds", default="10,30", help="audio lengths, comma separated")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--exits", default="all", help="'all' or a comma list of exits")
    ap.add_argument("--contenders", default="auto",
                    help="comma list of " + ", ".join(CONTENDERS) + "; auto: w2vee (the "
                    "build's default backend), its other backend and bf16 where the build "
                    "and the CPU have them, ort, torch")
    ap.add_argument("--out", default=os.path.join(HERE, "out"),
                    help="cache and results dir (default bench/out, git-ignored)")
    args = ap.parse_args()
    try:
        args.lengths = [float(s) for s in args.seconds.split(",")]
    except ValueError:
        ap.error(f"--seconds: not a comma list of numbers: {args.seconds}")
    available = auto_contenders(args.build)
    if args.contenders == "auto":
        args.contenders = ",".join(available)
    args.names = [c for c in args.contenders.split(",") if c]
    bad = [c for c in args.names if c not in CONTENDERS]
    if bad or "w2vee" not in args.names:
        ap.error(f"--contenders: a comma list of {', '.join(CONTENDERS)} including w2vee")
    args.names = [c for c in CONTENDERS if c in args.names]
    if args.threads < 1 or args.repeat < 1 or min(args.lengths) <= 0:
        ap.error("--threads, --repeat and --seconds must be positive")
    return args


def main():
    args = parse_args()
    try:
        import peers
    except ImportError as e:
        print(f"bench: {sys.executable} cannot import torch/torchaudio ({e}); run with "
              "Debian's /usr/bin/python3", file=sys.stderr)
        return 2
    t_start = time.monotonic()
    load_start = load_average()
    machine = machine_info()
    outdir = os.path.join(os.path.abspath(args.out), args.config)
    paths = Paths(os.path.abspath(args.build), outdir)
    for exe in (paths.w2vee, paths.roofline):
        if not os.access(exe, os.X_OK):
            print(f"bench: {exe} not found: build first (ninja -C {args.build})",
                  file=sys.stderr)
            return 2
    ort_version = None
    if "ort" in args.names:
        pkg = os.path.join(HERE, "node_modules", "onnxruntime-node", "package.json")
        if shutil.which("node") is None or not os.path.exists(pkg):
            print("bench: ONNX Runtime needs node and bench/node_modules: run "
                  "`cd bench && npm ci --ignore-scripts` (or pass --contenders "
                  "w2vee,torch to leave it out)", file=sys.stderr)
            return 2
        with open(pkg) as f:
            ort_version = json.load(f)["version"]

    n_lengths = [int(round(s * peers.SAMPLE_RATE)) for s in args.lengths]
    try:
        info = prepare(peers, outdir, args.config, max(n_lengths), n_lengths[0],
                       "ort" in args.names)
        n_exits = len(info["exit_layers"])
        if args.exits == "all":
            exits = list(range(1, n_exits + 1))
        else:
            exits = sorted({int(e) for e in args.exits.split(",")})
            if not exits or exits[0] < 1 or exits[-1] > n_exits:
                raise SetupError(f"--exits: the model has exits 1..{n_exits}")

        results = {"config": args.config, "threads": args.threads, "repeat": args.repeat,
                   "exits": exits, "exit_layers": info["exit_layers"],
                   "lengths": args.lengths, "check_seconds": args.lengths[0],
                   "machine": machine, "torch_version": info["torch"],
                   "ort_version": ort_version, "load_start": load_start,
                   "source": source_version(),
                   "date": datetime.datetime.now().isoformat(timespec="seconds"),
                   "parity": {}, "by_length": {}}

        ok = True
        for name in args.names:
            log(f"checking {LABELS[name]}'s logits against the reference")
            dumpdir = os.path.join(outdir, "dump", name)
            shutil.rmtree(dumpdir, ignore_errors=True)
            dump_logits(name, paths, info, exits, args, dumpdir)
            rows = check_parity(peers, name, paths, info, exits, dumpdir)
            results["parity"][name] = rows
            for e, d, tol, good, why in rows:
                log(f"  exit {e}: max|diff| {d:.3g} tol {tol:.3g} {'ok' if good else 'FAIL ' + why}")
            ok &= all(r[3] for r in rows)

        for seconds, n in zip(args.lengths, n_lengths):
            L = {"contenders": {}, "frames": model_frames(paths, n)}
            # the roofline probe runs before and after the contenders; the better of the
            # two is the machine's capacity at its least loaded moment
            log(f"sgemm roofline at T={L['frames']}")
            before = roofline(paths, L["frames"], args)
            for name in args.names:
                log(f"timing {LABELS[name]} on {seconds:g} s")
                L["contenders"][name] = time_contender(name, peers, paths, info, exits, n, args)
            for name in args.names:
                missing = [e for e in exits if e not in L["contenders"][name]["exits"]]
                if missing:
                    raise SetupError(f"{LABELS[name]} printed no line for exit(s) {missing}")
                got = [L["contenders"][name]["frames"]] + [
                    v.get("frames") for v in L["contenders"][name]["exits"].values()]
                if any(f is not None and f != L["frames"] for f in got):
                    raise SetupError(f"{LABELS[name]} gave {got} frames at {seconds:g} s, "
                                     f"want {L['frames']}")
            log(f"sgemm roofline at T={L['frames']}, again")
            after = roofline(paths, L["frames"], args)
            L["roofline_probes"] = [before[0], after[0]]
            L["roofline_gflops"], L["roofline_shapes"] = max(before, after)
            results["by_length"][str(seconds)] = L
    except SetupError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2

    results["load_end"] = load_average()
    results["duration_s"] = time.monotonic() - t_start
    text = report(results, args, args.names, machine, exits)
    print(text, end="")
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    if not ok:
        print("bench: some contender's logits differ from the reference (see above)",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
