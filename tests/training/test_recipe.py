#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The training recipe end to end, at toy size, so that it cannot rot unnoticed:

1. corpus.py builds a small seeded corpus (48 train, 8 dev, 8 test utterances): the
   splits are disjoint in sentences, the test voice variants are never in train, and a
   second build of the test split is byte-identical (seeded).
2. train.py trains a tiny early-exit model (2 layers, 2 exits) for ~25 s: a progress log
   with finite summed-exit losses, a deadline checkpoint, an export, eval.json with
   dev and test CER/WER for every exit.
3. --resume continues from that checkpoint (same step counter, further steps).
4. --init starts a new run from the export; a preset that does not match the export's
   architecture or exits is refused with a message.
5. The export loads in the C engine: training/test_export_parity.py (libw2vee's logits
   against torchaudio's on the exported weights, every exit) and `w2vee transcribe`.

This checks that the pipeline runs and fits together, not what the model learns (the
real model's quality is tests/eval's business).

  PYTHONPATH=tests /usr/bin/python3 tests/training/test_recipe.py \
      --w2vee build/tools/w2vee --test-parity build/tests/parity/test-parity --workdir DIR
Needs /usr/bin/python3 with torch, numpy and torchaudio, espeak-ng and the fortunes. The
harness is tests/w2vee_testlib.py.
"""

import glob
import json
import math
import os
import re
import sys

import w2vee_testlib as testlib
from w2vee_testlib import check

TRAINING = os.path.join(testlib.source_root(), "training")

# A tiny architecture (stride product 320 like every w2vee model); seconds of training.
TINY = ["--preset", "cpu", "--conv", "16,10,5;16,8,4;32,4,4;32,4,4", "--dim", "32",
        "--layers", "2", "--heads", "2", "--ff", "64", "--exits", "2",
        "--pos-kernel", "16", "--pos-groups", "4", "--batch-seconds", "16",
        "--max-batch", "8", "--log-every", "5", "--clean-until-loss", "0",
        "--threads", "1"]


def run(cmd, expect=0, cwd=None):
    return testlib.run(cmd, expect=expect, cwd=cwd, timeout=600)


def python(script, *args, expect=0, cwd=None):
    return run([sys.executable, os.path.join(TRAINING, script), *args], expect=expect, cwd=cwd)


def read_split(corpus, split):
    """[(transcript, voice setting)] of every utterance of @split."""
    rows = []
    for tsv in sorted(glob.glob(os.path.join(corpus, split, "shard_*.tsv"))):
        with open(tsv, encoding="utf-8") as f:
            for line in f:
                uid, offset, n, text, voice = line.rstrip("\n").split("\t")
                rows.append((text, voice))
    return rows


def variant(voice):
    """'en-us+klatt4 s=200 p=33 g=1' -> 'klatt4'."""
    return voice.split()[0].split("+", 1)[1]


def test_corpus(work):
    corpus = os.path.join(work, "corpus")
    python("corpus.py", "--out", corpus, "--n-train", "48", "--n-dev", "8", "--n-test", "8",
           "--workers", "1", "--shard-size", "16")
    with open(os.path.join(corpus, "corpus.json")) as f:
        info = json.load(f)
    for split, n in (("train", 48), ("dev", 8), ("test", 8)):
        check(info[split]["utterances"] == n, f"corpus.json: {split} has {info[split]}")
        check(len(read_split(corpus, split)) == n, f"{split}: not {n} rows in its shards")
    splits = {s: read_split(corpus, s) for s in ("train", "dev", "test")}
    text = {s: {t for t, _ in rows} for s, rows in splits.items()}
    check(not text["test"] & text["train"], "a test sentence is in train")
    check(not text["dev"] & text["train"], "a dev sentence is in train")
    check(not text["test"] & text["dev"], "a test sentence is in dev")
    for t in set().union(*text.values()):
        check(re.fullmatch(r"[A-Z']+( [A-Z']+)*", t) is not None, f"not normalised: {t!r}")
    with open(os.path.join(corpus, "plan.json")) as f:
        plan = json.load(f)
    variants = {s: {variant(v) for _, v in rows} for s, rows in splits.items()}
    for split in ("train", "dev", "test"):
        check(variants[split] <= set(plan["variants"][split]),
              f"{split} uses voice variants outside its plan: "
              f"{sorted(variants[split] - set(plan['variants'][split]))}")
    check(not set(plan["variants"]["test"]) & set(plan["variants"]["train"]),
          "the plan shares voice variants between test and train")

    again = os.path.join(work, "corpus-again")
    python("corpus.py", "--out", again, "--n-dev", "8", "--n-test", "8", "--splits", "test",
           "--wav-splits", "", "--workers", "1", "--shard-size", "16")
    for name in ("shard_00000.npy", "shard_00000.tsv"):
        with open(os.path.join(corpus, "test", name), "rb") as a, \
                open(os.path.join(again, "test", name), "rb") as b:
            check(a.read() == b.read(), f"test/{name} differs between two seeded builds")
    print(f"corpus: {info['train']['utterances']}/{info['dev']['utterances']}/"
          f"{info['test']['utterances']} utterances, splits disjoint, test variants held "
          "out, seeded build reproducible")
    return corpus


def log_lines(run_dir):
    with open(os.path.join(run_dir, "train.log"), encoding="utf-8") as f:
        return f.read().splitlines()


def steps_logged(lines):
    """[(step, [loss per exit])] of the progress lines."""
    out = []
    for line in lines:
        m = re.search(r" step (\d+) t \d+s lr \S+ loss ((?:\S+ )+)gnorm", line)
        if m:
            out.append((int(m.group(1)), [float(v) for v in m.group(2).split()]))
    return out


def test_train(work, corpus):
    run_dir = os.path.join(work, "run")
    python("train.py", "--corpus", corpus, "--run", run_dir, *TINY, "--max-minutes", "0.4",
           "--final-reserve-sec", "8")
    lines = log_lines(run_dir)
    logged = steps_logged(lines)
    check(len(logged) >= 3, f"only {len(logged)} progress lines:\n" + "\n".join(lines))
    for step, losses in logged:
        check(len(losses) == 2, f"step {step}: {len(losses)} exit losses, want 2")
        check(all(math.isfinite(v) and v > 0 for v in losses), f"step {step}: losses {losses}")
    m = [re.search(r"checkpoint step (\d+) \(deadline\)", x) for x in lines]
    last = [int(x.group(1)) for x in m if x]
    check(last, "no deadline checkpoint in train.log")
    with open(os.path.join(run_dir, "eval.json")) as f:
        result = json.load(f)
    for split in ("dev", "test"):
        for key in ("cer", "wer"):
            values = result[split][key]
            check(len(values) == 2 and all(0.0 <= v for v in values),
                  f"eval.json {split} {key}: {values}")
    export = os.path.join(run_dir, "export")
    for name in ("config.json", "vocab.json", "preprocessor_config.json", "model.safetensors"):
        check(os.path.exists(os.path.join(export, name)), f"export lacks {name}")
    with open(os.path.join(export, "config.json")) as f:
        config = json.load(f)
    check(config["exit_layers"] == [1, 2], f"exit_layers {config['exit_layers']}")
    print(f"train: {len(logged)} progress lines to step {last[-1]}, finite losses at both "
          "exits, checkpoint, export, eval.json")

    python("train.py", "--corpus", corpus, "--run", run_dir, *TINY, "--max-minutes", "0.6",
           "--final-reserve-sec", "8", "--resume")
    lines = log_lines(run_dir)
    check(any(f"resume step {last[-1]} " in x for x in lines),
          f"no 'resume step {last[-1]}' line:\n" + "\n".join(lines[-10:]))
    after = [int(x.group(1)) for x in
             (re.search(r"checkpoint step (\d+) \(deadline\)", y) for y in lines) if x]
    check(after[-1] > last[-1], f"resumed run ended at step {after[-1]}, not past {last[-1]}")
    print(f"resume: continued from step {last[-1]} to {after[-1]}")
    return run_dir, export


def test_init(work, corpus, export):
    run_dir = os.path.join(work, "run-init")
    python("train.py", "--corpus", corpus, "--run", run_dir, *TINY, "--max-minutes", "0.2",
           "--final-reserve-sec", "6", "--init", export)
    check(any(f" init {export}" in x for x in log_lines(run_dir)), "no init in the start line")
    bad = python("train.py", "--corpus", corpus, "--run", os.path.join(work, "run-bad"),
                 *TINY, "--dim", "48", "--max-minutes", "0.2", "--init", export, expect=1)
    check("does not match preset" in bad.err, f"mismatch message: {bad.err[-500:]}")
    bad = python("train.py", "--corpus", corpus, "--run", os.path.join(work, "run-bad"),
                 *TINY, "--exits", "1", "--max-minutes", "0.2", "--init", export, expect=1)
    check("has exits after layers [1, 2], preset cpu [2]" in bad.err,
          f"exit mismatch message: {bad.err[-500:]}")
    print("init: starts from the export; a different architecture or exit count is refused")


def test_engine(work, export, w2vee, test_parity):
    p = python("test_export_parity.py", "--model", export, "--test-parity", test_parity,
               "--work", os.path.join(work, "parity"))
    print("engine parity on the export: " + p.out.strip().splitlines()[-1])
    wav = sorted(glob.glob(os.path.join(work, "corpus", "wav", "test", "*.wav")))
    check(wav, "no test wavs in the corpus")
    out = run([w2vee, "transcribe", "-m", export, "-e", "all", wav[0]]).out
    check(out.count("layer_") == 2, f"w2vee transcribe -e all: {out!r}")
    print("w2vee transcribe -e all on the export: 2 exits")


def case_recipe(args):
    work = testlib.fresh_dir(os.path.join(os.path.abspath(args.workdir), "recipe"))
    corpus = test_corpus(work)
    _, export = test_train(work, corpus)
    test_init(work, corpus, export)
    test_engine(work, export, os.path.abspath(args.w2vee), os.path.abspath(args.test_parity))


if __name__ == "__main__":
    testlib.main({"recipe": case_recipe}, __doc__.splitlines()[0],
                 required=["--w2vee", "--test-parity", "--workdir"])
