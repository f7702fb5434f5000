#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The training recipe end to end, at toy size, so that it cannot rot unnoticed:

1. corpus.py builds a small seeded corpus from fortunes and WordNet text in three
   synthesizer families plus festival's HTS voice (48 train, 16 dev, 8 test and 4 per
   test-FAMILY split): train, dev and the test splits are disjoint in sentences; each
   family's held-out voices (espeak-ng test/dev variants, flite slt, festival ked) are
   never in train; the HTS voice is only in test-hts; a second build of the test splits
   is byte-identical (seeded). With the real split sizes, the plan's fortunes test split
   is the espeak-only corpus's (tests/eval/utterances.tsv) and no fortunes test or dev
   sentence is among the training sentences.
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
Needs /usr/bin/python3 with torch, numpy and torchaudio, espeak-ng, flite, festival with
festvox-kallpc16k, festvox-kdlpc16k and festvox-us-slt-hts, fortunes and wordnet-base. The
harness is tests/w2vee_testlib.py.
"""

import argparse
import glob
import json
import math
import os
import re
import sys

import w2vee_testlib as testlib
from w2vee_testlib import check

TRAINING = os.path.join(testlib.source_root(), "training")
HERE = os.path.dirname(os.path.abspath(__file__))

# A tiny architecture (stride product 320 like every w2vee model); seconds of training.
TINY = ["--preset", "cpu", "--conv", "16,10,5;16,8,4;32,4,4;32,4,4", "--dim", "32",
        "--layers", "2", "--heads", "2", "--ff", "64", "--exits", "2",
        "--pos-kernel", "16", "--pos-groups", "4", "--batch-seconds", "16",
        "--max-batch", "8", "--log-every", "5", "--clean-until-loss", "0",
        "--threads", "1", "--p-pitch", "0.5", "--p-vtlp", "0.5", "--p-babble", "0.3",
        "--p-telephone", "0.3", "--p-codec", "0.3"]


def run(cmd, expect=0, cwd=None):
    return testlib.run(cmd, expect=expect, cwd=cwd, timeout=600)


def python(script, *args, expect=0, cwd=None):
    return run([sys.executable, os.path.join(TRAINING, script), *args], expect=expect, cwd=cwd)


FAMILY_SPLITS = ("test-espeak-ng", "test-flite", "test-festival", "test-hts")
TOY = {"train": 48, "dev": 16, "test": 8, "test-espeak-ng": 4, "test-flite": 4,
       "test-festival": 4, "test-hts": 4}


def read_split(corpus, split):
    """[(transcript, voice setting)] of every utterance of @split."""
    rows = []
    for tsv in sorted(glob.glob(os.path.join(corpus, split, "shard_*.tsv"))):
        with open(tsv, encoding="utf-8") as f:
            for line in f:
                uid, offset, n, text, voice = line.rstrip("\n").split("\t")
                rows.append((text, voice))
    return rows


def family_voice(voice):
    """'espeak-ng:en-us+klatt4 s=200 p=33 g=1' -> ('espeak-ng', 'klatt4');
    'flite:slt stretch=1.1 f0=160' -> ('flite', 'slt')."""
    family, name = voice.split()[0].split(":", 1)
    return family, (name.split("+", 1)[1] if family == "espeak-ng" else name)


def check_plan_sentences():
    """With the real split sizes: the fortunes test split is the espeak-only corpus's
    (the 30 utterances of tests/eval/utterances.tsv, by uid), and neither its test nor
    its dev sentences (nor WordNet's) are training sentences."""
    sys.path.insert(0, TRAINING)
    import corpus as C
    args = argparse.Namespace(seed=1, n_test=1000, n_dev=500, n_wn_test=500, n_wn_dev=300,
                              n_family_test=200, text="fortunes,wordnet",
                              fortunes="/usr/share/games/fortunes", wordnet="/usr/share/wordnet",
                              espeak_data_dir="/usr/lib/x86_64-linux-gnu/espeak-ng-data",
                              families="espeak-ng,flite,festival")
    plan = C.make_plan(args)
    sents = plan["sentences"]
    train = {t for _, t in sents["train"]}
    held = {t for split in sents if split != "train" for _, t in sents[split]}
    check(not train & held, f"{len(train & held)} test/dev sentences among the training ones")
    check(len(sents["test"]) == 1000 and len(sents["dev"]) == 800,
          f"test {len(sents['test'])}, dev {len(sents['dev'])} sentences")
    with open(os.path.join(HERE, "..", "eval", "utterances.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
    for r in rows:
        i = int(r[0].split("_")[1])
        check(sents["test"][i][1] == r[-1],
              f"{r[0]}: the plan's fortunes test sentence {sents['test'][i][1]!r}, not {r[-1]!r}")
    return len(train), len(held)


def test_corpus(work):
    corpus = os.path.join(work, "corpus")
    toy = ["--n-dev", "8", "--n-test", "8", "--n-wn-dev", "8", "--n-wn-test", "8",
           "--n-family-test", "4", "--workers", "1", "--shard-size", "16"]
    python("corpus.py", "--out", corpus, "--n-train", "48", *toy)
    with open(os.path.join(corpus, "corpus.json")) as f:
        info = json.load(f)
    for split, n in TOY.items():
        check(info[split]["utterances"] == n, f"corpus.json: {split} has {info[split]}")
        check(len(read_split(corpus, split)) == n, f"{split}: not {n} rows in its shards")
    splits = {s: read_split(corpus, s) for s in TOY}
    text = {s: {t for t, _ in rows} for s, rows in splits.items()}
    for a, b in (("train", "dev"), *(("train", t) for t in TOY if t.startswith("test")),
                 *(("dev", t) for t in TOY if t.startswith("test"))):
        check(not text[a] & text[b], f"a {b} sentence is in {a}")
    for t in set().union(*text.values()):
        check(re.fullmatch(r"[A-Z']+( [A-Z']+)*", t) is not None, f"not normalised: {t!r}")
    with open(os.path.join(corpus, "plan.json")) as f:
        plan = json.load(f)
    voices = plan["voices"]
    for split, rows in splits.items():
        role = "test" if split.startswith("test") else split
        for _, v in rows:
            family, name = family_voice(v)
            check(name in voices[family][role], f"{split}: {v} outside the plan's {family} {role} voices")
            if split in FAMILY_SPLITS:
                check(split == "test-" + family, f"{split} has a {family} utterance")
            check(family != "hts" or split == "test-hts", f"the HTS voice is in {split}")
    for family, roles in voices.items():
        for role in ("dev", "test"):
            check(not set(roles[role]) & set(roles["train"]),
                  f"the plan shares {family} voices between {role} and train")
    check(voices["hts"]["train"] == [] and voices["hts"]["dev"] == [], "HTS voices in train/dev")
    check("slt" not in voices["flite"]["train"], "flite's slt (the HTS speaker) is in train")
    fams = {family_voice(v)[0] for _, v in splits["train"]}
    check(fams == {"espeak-ng", "flite", "festival"}, f"train families {sorted(fams)}")

    again = os.path.join(work, "corpus-again")
    python("corpus.py", "--out", again, "--splits", "test," + ",".join(FAMILY_SPLITS),
           "--wav-splits", "", *toy)
    for split in ("test",) + FAMILY_SPLITS:
        for name in ("shard_00000.npy", "shard_00000.tsv"):
            with open(os.path.join(corpus, split, name), "rb") as a, \
                    open(os.path.join(again, split, name), "rb") as b:
                check(a.read() == b.read(), f"{split}/{name} differs between two seeded builds")
    n_train, n_held = check_plan_sentences()
    print(f"corpus: {' '.join(f'{k} {v}' for k, v in TOY.items())} utterances, splits "
          "disjoint, held-out voices of every family out of train, HTS only in test-hts, "
          f"seeded build reproducible; real plan: {n_train} train sentences, none of the "
          f"{n_held} test/dev ones, fortunes test split unchanged")
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
    for split in ("dev", "test") + FAMILY_SPLITS:
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
    fam = result["dev"].get("family", {})
    check(set(fam) == {"espeak-ng", "flite", "festival"} and
          sum(v["n"] for v in fam.values()) == TOY["dev"], f"eval.json dev per family: {fam}")
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
