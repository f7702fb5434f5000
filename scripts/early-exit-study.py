#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The early-exit policy study of docs/early-exit.md, from `w2vee eval --entropy` files.

  early-exit-study.py [--calibrate DEV_scores.tsv] [--svg OUT.svg] [--title T]
                      [--mark RULE:THRESHOLD] SCORES.tsv

Reads NAME_scores.tsv (one row per item and exit: scores under every rule, GFLOP, error
counts; docs/cli.md) and prints, for the fixed exits and for every confidence rule over
a grid of thresholds, WER and GFLOP per second of audio (what each item's chosen exit
costs, summed, over the audio's seconds), and how far each policy point is below the
fixed-exit front (the straight line between the two fixed exits bracketing its cost;
positive = better than the front). With --calibrate, each rule's threshold (and the
per-exit quantile thresholds) are chosen on that file (the dev split: the point furthest
below its front costing between the second exit and 80 % of the deepest exit) and
reported on SCORES.tsv; without it they are chosen on SCORES.tsv itself.
--svg draws WER against GFLOP per audio second: fixed exits as points, each rule as a
curve over its thresholds (dashed: per-exit quantile thresholds), --mark a policy point
(the shipped one) as a ring. Python's standard library only.
"""
import argparse
import csv
import math
import sys

RULES = ["mean-entropy", "nonblank-entropy", "nonblank-posterior", "word-min",
         "agreement"]
MAX_COST_SHARE = 0.8


def read_scores(path):
    """{file: {"samples": n, "exits": {exit: row}}} in file order, and the exits."""
    items = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            item = items.setdefault(row["file"], {"samples": int(row["samples"]),
                                                  "exits": {}})
            e = int(row["exit"])
            item["exits"][e] = {
                "layer": int(row["layer"]), "gflop": float(row["gflop"]),
                "scores": {r: float(row[r]) for r in RULES},
                "we": int(row["word_errors"]), "rw": int(row["ref_words"]),
                "ce": int(row["char_errors"]), "rc": int(row["ref_chars"]),
            }
    n_exits = max(len(i["exits"]) for i in items.values())
    return list(items.values()), n_exits


def evaluate(items, choose):
    """(gflop per audio second, WER, CER, mean layer) of choosing exit choose(item)."""
    we = rw = ce = rc = 0
    gflop = audio = layers = 0.0
    for item in items:
        row = item["exits"][choose(item)]
        we += row["we"]
        rw += row["rw"]
        ce += row["ce"]
        rc += row["rc"]
        gflop += row["gflop"]
        layers += row["layer"]
        audio += item["samples"] / 16000.0
    return gflop / audio, we / rw, ce / rc, layers / len(items)


def first_passing(thresholds, rule):
    """The policy: the first exit whose score reaches its exit's threshold."""
    def choose(item):
        n = len(item["exits"])
        for e in range(1, n):
            if item["exits"][e]["scores"][rule] >= thresholds[e - 1]:
                return e
        return n
    return choose


def front_wer(fixed, cost):
    """WER of the straight line between the fixed exits bracketing @cost."""
    pts = sorted((c, w) for c, w, _, _ in fixed)
    if cost <= pts[0][0]:
        return pts[0][1]
    for (c0, w0), (c1, w1) in zip(pts, pts[1:]):
        if cost <= c1:
            return w0 + (w1 - w0) * (cost - c0) / (c1 - c0)
    return pts[-1][1]


def quantile(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q * (len(v) - 1)))))]


def curves(items, n_exits):
    """{name: [(param, thresholds, result)]}: one threshold for all exits per rule, and
    per-exit quantile thresholds per rule ("RULE/per-exit")."""
    out = {}
    grid = [i / 200.0 for i in range(201)]
    for rule in RULES:
        all_scores = [i["exits"][e]["scores"][rule] for i in items for e in i["exits"]]
        ts = sorted(set(quantile(all_scores, q) for q in grid))
        out[rule] = [(t, [t] * (n_exits - 1), evaluate(items, first_passing(
            [t] * (n_exits - 1), rule))) for t in ts]
        per = []
        for q in grid:
            th = [quantile([i["exits"][e]["scores"][rule] for i in items], q)
                  for e in range(1, n_exits)]
            per.append((q, th, evaluate(items, first_passing(th, rule))))
        out[rule + "/per-exit"] = per
    return out


def best_point(curve, fixed):
    """The point furthest below the front costing from the second exit's cost (cheaper
    points are fixed exit 1 with a few items sent deeper) to MAX_COST_SHARE of the
    deepest exit's."""
    min_cost = fixed[1][0] if len(fixed) > 2 else 0.0
    max_cost = MAX_COST_SHARE * fixed[-1][0]
    ok = [p for p in curve if min_cost <= p[2][0] <= max_cost]
    return max(ok, key=lambda p: front_wer(fixed, p[2][0]) - p[2][1]) if ok else None


def svg_plot(path, title, fixed, all_curves, mark=None):
    width, height, margin = 720, 480, 60
    costs = [c for c, *_ in fixed] + [p[2][0] for cv in all_curves.values() for p in cv]
    wers = [w for _, w, *_ in fixed] + [p[2][1] for cv in all_curves.values() for p in cv]
    x0, x1 = min(costs) * 0.95, max(costs) * 1.02
    y0, y1 = min(wers) * 0.99, max(wers) * 1.01

    def xy(c, w):
        return (margin + (c - x0) / (x1 - x0) * (width - 2 * margin),
                height - margin - (w - y0) / (y1 - y0) * (height - 2 * margin))

    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
             f'<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" '
             f'y2="{height - margin}" stroke="black"/>',
             f'<line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" '
             f'stroke="black"/>',
             f'<text x="{width / 2}" y="{height - 15}" text-anchor="middle">'
             f'GFLOP per second of audio</text>',
             f'<text x="15" y="{height / 2}" text-anchor="middle" '
             f'transform="rotate(-90 15 {height / 2})">WER</text>']
    for k in range(6):
        c = x0 + (x1 - x0) * k / 5
        w = y0 + (y1 - y0) * k / 5
        px, _ = xy(c, y0)
        _, py = xy(x0, w)
        parts.append(f'<text x="{px:.1f}" y="{height - margin + 16}" '
                     f'text-anchor="middle">{c:.2f}</text>')
        parts.append(f'<text x="{margin - 6}" y="{py + 4:.1f}" text-anchor="end">'
                     f'{w * 100:.1f}%</text>')
    front = " ".join(f"{xy(c, w)[0]:.1f},{xy(c, w)[1]:.1f}" for c, w, *_ in fixed)
    parts.append(f'<polyline points="{front}" fill="none" stroke="black" '
                 f'stroke-dasharray="4 3"/>')
    for k, (name, cv) in enumerate(sorted(all_curves.items())):
        colour = colours[(k // 2) % len(colours)]
        dash = ' stroke-dasharray="2 2"' if name.endswith("/per-exit") else ""
        pts = " ".join("%.1f,%.1f" % xy(p[2][0], p[2][1]) for p in sorted(
            cv, key=lambda p: p[2][0]))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}"{dash}/>')
        ly = margin + 16 * k
        parts.append(f'<line x1="{width - 230}" y1="{ly}" x2="{width - 205}" y2="{ly}" '
                     f'stroke="{colour}"{dash}/>')
        parts.append(f'<text x="{width - 200}" y="{ly + 4}">{name}</text>')
    for e, (c, w, _, layer) in enumerate(fixed, 1):
        px, py = xy(c, w)
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="black"/>')
        parts.append(f'<text x="{px + 6:.1f}" y="{py - 6:.1f}">exit {e} (layer '
                     f'{layer:.0f})</text>')
    if mark is not None:
        px, py = xy(mark[1][0], mark[1][1])
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="7" fill="none" '
                     f'stroke="black" stroke-width="2"/>')
        parts.append(f'<text x="{px + 9:.1f}" y="{py + 16:.1f}">{mark[0]}</text>')
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scores")
    ap.add_argument("--calibrate", help="scores of the split the thresholds are chosen on")
    ap.add_argument("--svg")
    ap.add_argument("--title", default="WER against compute")
    ap.add_argument("--mark", help="RULE:THRESHOLD, a policy point drawn as a ring")
    args = ap.parse_args()

    items, n_exits = read_scores(args.scores)
    fixed = [evaluate(items, lambda i, e=e: e) for e in range(1, n_exits + 1)]
    print(f"{args.scores}: {len(items)} items")
    for e, (c, w, cer, layer) in enumerate(fixed, 1):
        print(f"fixed exit={e} layer={layer:.0f} gflop/s={c:.4f} WER={w:.4f} CER={cer:.4f}")
    all_curves = curves(items, n_exits)
    cal_items = read_scores(args.calibrate)[0] if args.calibrate else items
    cal_fixed = ([evaluate(cal_items, lambda i, e=e: e) for e in range(1, n_exits + 1)]
                 if args.calibrate else fixed)
    cal_curves = curves(cal_items, n_exits) if args.calibrate else all_curves
    for name in sorted(all_curves):
        best = best_point(cal_curves[name], cal_fixed)
        if best is None:
            print(f"{name}: no threshold between the second exit's cost and "
                  f"{MAX_COST_SHARE:.0%} of the deepest")
            continue
        rule = name.split("/")[0]
        c, w, cer, layer = evaluate(items, first_passing(best[1], rule))
        margin = front_wer(fixed, c) - w
        print(f"{name}: thresholds={','.join(f'{t:.4f}' for t in best[1])} "
              f"gflop/s={c:.4f} ({c / fixed[-1][0]:.0%} of deepest) WER={w:.4f} "
              f"CER={cer:.4f} mean_layer={layer:.2f} front={front_wer(fixed, c):.4f} "
              f"below_front={margin * 100:+.2f} points")
    mark = None
    if args.mark:
        rule, threshold = args.mark.rsplit(":", 1)
        point = evaluate(items, first_passing([float(threshold)] * (n_exits - 1), rule))
        print(f"{rule} at {threshold}: gflop/s={point[0]:.4f} WER={point[1]:.4f} "
              f"CER={point[2]:.4f} mean_layer={point[3]:.2f} "
              f"below_front={(front_wer(fixed, point[0]) - point[1]) * 100:+.2f} points")
        mark = (f"{rule} {threshold}", point)
    if args.svg:
        svg_plot(args.svg, args.title, fixed, all_curves, mark)
    return 0


if __name__ == "__main__":
    sys.exit(main())
