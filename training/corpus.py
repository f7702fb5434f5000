#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Builds the synthetic-speech corpus the default model is trained on (seeded).

Text: every fortune in --fortunes (default /usr/share/games/fortunes), split into
sentences, long sentences split at clause punctuation, normalised to A-Z, apostrophe and
space (see normalise_sentences), deduplicated and shuffled with --seed. The first
--n-test sentences are the test split, the next --n-dev the dev split, the rest train:
the splits are disjoint in sentences and do not depend on --n-train.

Speech: espeak-ng, one voice setting per utterance = base English voice + voice variant
(the files in espeak-ng-data/voices/!v) + rate (words/min) + pitch + word gap. The
variants are split with the seed too: TEST_VARIANTS of them are only ever used for the
test split, DEV_VARIANTS only for dev, the rest only for train. So test = unseen
sentences spoken with voice variants never heard in training. espeak-ng's 22.05 kHz
output is resampled to 16 kHz in numpy (audio.resample_fft; no sox needed) and stored as
int16. Augmentation (speed, reverb, noise) happens on the fly in train.py.

Output layout (--out DIR):
  DIR/plan.json                 seed, sentence counts, voices and variants of each split
  DIR/{split}/shard_NNNNN.npy   int16 16 kHz samples of the shard's utterances, concatenated
  DIR/{split}/shard_NNNNN.tsv   one line per utterance: uid, offset, n_samples, transcript,
                                voice setting (offset/n_samples in samples into the .npy)
  DIR/wav/{split}/UID.wav       for the --wav-splits (default: test): 16 kHz mono 16-bit
  DIR/{split}.tsv               their manifest "path<TAB>TRANSCRIPT", paths relative to DIR
                                (run `w2vee eval` from DIR, e.g. cd DIR && w2vee eval ...)
  DIR/{split}_abs.tsv           the same with absolute paths (usable from anywhere)
  DIR/corpus.json               written last: utterance counts; its presence = complete
Shards are written atomically (temporary name, then rename), so a reader that lists the
directory while the builder runs (train.py --follow) sees only complete shards.

Usage: /usr/bin/python3 training/corpus.py --out corpus --n-train 20000 --workers 2
"""

import argparse
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audio  # noqa: E402

# Base English voices of espeak-ng (gmw/ files; the mb/ ones need mbrola, not installed).
BASE_VOICES = ["en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
               "en-gb-x-gbcwmd", "en-029", "en-us-nyc"]
TEST_VARIANTS = 12
DEV_VARIANTS = 8
RATE_RANGE = (130, 220)    # words per minute (espeak-ng -s; its default is 175)
PITCH_RANGE = (20, 80)     # 0..99 (espeak-ng -p; default 50)
WORD_GAPS = (0, 0, 0, 1, 2)  # extra pause between words, units of 10 ms (espeak-ng -g)
MIN_WORDS, MAX_WORDS = 3, 20
SPLITS = ("test", "dev", "train")

# Abbreviations espeak-ng expands; the transcript gets the same words.
EXPAND = {"mr.": "mister", "mrs.": "missus", "dr.": "doctor", "vs.": "versus",
          "etc.": "et cetera", "jr.": "junior"}
ABBREV = re.compile(r"\b(st|sr|prof|inc|ltd|co|no|vol|gen|col|capt|rev|sgt|lt|mt|ca|cf|al"
                    r"|ft|gov|sen|rep|jan|feb|mar|apr|aug|sep|sept|oct|nov|dec|e\.g|i\.e)\.",
                    re.I)
BAD_CHARS = re.compile(r"[^A-Za-z ,.;:!?'\"()\-]")
CLAUSE_SPLIT = re.compile(r"\s*(?:[,;:]|--)\s+")


def read_fortunes(folder):
    """List of fortune texts from every plain fortune file of @folder (not the .dat
    indexes, not the .u8 links), in file-name order."""
    entries = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if "." in name or not os.path.isfile(path) or os.path.islink(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        entries += re.split(r"^%\s*$", text, flags=re.M)
    return entries


def _words(s):
    """Transcript words of a sentence fragment: hyphens split words, quotes dropped,
    apostrophes kept only inside words."""
    s = s.replace("-", " ")
    return [w.strip("'") for w in re.findall(r"[A-Za-z']+", s) if w.strip("'")]


def normalise_sentences(entries):
    """[(speak_text, TRANSCRIPT)] from fortune @entries, deduplicated on the transcript,
    in first-seen order. speak_text is what espeak-ng reads (lower case, so that it never
    spells a capitalised word letter by letter); TRANSCRIPT has only A-Z, ' and single
    spaces. Rejected: sentences with digits or symbols (spoken words would not match the
    text), initials, unknown abbreviations, all-capital words that never occur in lower
    case (acronyms espeak-ng may spell), fewer than MIN_WORDS words; sentences longer
    than MAX_WORDS are cut at clause punctuation into pieces of MIN_WORDS..MAX_WORDS."""
    lower_vocab = set()
    cleaned = []
    for e in entries:
        lines = [ln for ln in e.split("\n") if not re.match(r"^\s*--", ln)]
        t = " ".join(ln.strip() for ln in lines)
        t = re.sub(r"\s--\s*[A-Z][^.!?]*$", "", t)          # trailing attribution
        t = t.replace("``", '"').replace("''", '"').replace("`", "'")
        t = re.sub(r"[*_]", "", t).replace("&", " and ")
        t = re.sub(r"\s+", " ", t).strip()
        for k, v in EXPAND.items():
            t = re.sub(re.escape(k), v, t, flags=re.I)
        if not t or ABBREV.search(t):
            continue
        cleaned.append(t)
        lower_vocab.update(w for w in re.findall(r"[a-z']+", t))

    out = []
    seen = set()

    def emit(piece):
        if BAD_CHARS.search(piece) or re.search(r"\b[A-Za-z]\.", piece):
            return
        words = _words(piece)
        if not MIN_WORDS <= len(words) <= MAX_WORDS:
            return
        if any(len(w) >= 2 and w.isupper() and w.lower() not in lower_vocab for w in words):
            return
        tr = " ".join(w.upper() for w in words)
        if tr in seen:
            return
        seen.add(tr)
        speak = re.sub(r"[^a-z' ,.;:!?]", " ", piece.replace("-", " ").lower())
        out.append((re.sub(r"\s+", " ", speak).strip(), tr))

    for t in cleaned:
        for sent in re.split(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]*[A-Z])", t):
            if len(_words(sent)) <= MAX_WORDS:
                emit(sent)
                continue
            piece = ""
            for clause in CLAUSE_SPLIT.split(sent):
                cand = (piece + ", " + clause) if piece else clause
                if piece and len(_words(cand)) > MAX_WORDS:
                    emit(piece)
                    piece = clause
                else:
                    piece = cand
            if piece:
                emit(piece)
    return out


def list_variants(data_dir):
    """Voice variant names of espeak-ng-data/voices/!v, sorted (names with spaces are
    skipped: espeak-ng's -v cannot name them)."""
    vdir = os.path.join(data_dir, "voices", "!v")
    return sorted(v for v in os.listdir(vdir) if " " not in v and os.path.isfile(os.path.join(vdir, v)))


def make_plan(args):
    """Splits sentences and variants; returns the plan (a JSON-able dict)."""
    sents = normalise_sentences(read_fortunes(args.fortunes))
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(len(sents))
    sents = [sents[i] for i in order]
    n_test, n_dev = args.n_test, args.n_dev
    if n_test + n_dev >= len(sents):
        raise SystemExit(f"only {len(sents)} sentences; --n-test + --n-dev too large")
    split_sents = {"test": sents[:n_test], "dev": sents[n_test:n_test + n_dev],
                   "train": sents[n_test + n_dev:]}
    variants = list_variants(args.espeak_data_dir)
    vorder = [variants[i] for i in rng.permutation(len(variants))]
    split_variants = {"test": sorted(vorder[:TEST_VARIANTS]),
                      "dev": sorted(vorder[TEST_VARIANTS:TEST_VARIANTS + DEV_VARIANTS]),
                      "train": sorted(vorder[TEST_VARIANTS + DEV_VARIANTS:])}
    return {"seed": args.seed, "n_sentences": len(sents), "sentences": split_sents,
            "variants": split_variants, "base_voices": BASE_VOICES}


def utterance_specs(plan, split, n_utts, seed):
    """The @n_utts utterances of @split: sentence i % len(sentences) (so n_utts larger
    than the sentence count gives further renditions), each with its own voice setting
    drawn from a generator seeded by (seed, split, i) — independent of worker count."""
    sents = plan["sentences"][split]
    variants = plan["variants"][split]
    sid = SPLITS.index(split)
    specs = []
    for i in range(n_utts):
        r = np.random.default_rng([seed, sid, i])
        speak, tr = sents[i % len(sents)]
        voice = BASE_VOICES[int(r.integers(len(BASE_VOICES)))]
        variant = variants[int(r.integers(len(variants)))]
        rate = int(r.integers(RATE_RANGE[0], RATE_RANGE[1] + 1))
        pitch = int(r.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1))
        gap = WORD_GAPS[int(r.integers(len(WORD_GAPS)))]
        specs.append({"uid": f"{split}_{i:06d}", "speak": speak, "text": tr,
                      "voice": f"{voice}+{variant}", "rate": rate, "pitch": pitch, "gap": gap})
    return specs


def synthesize(spec, espeak, data_parent, lib_dir):
    """16 kHz int16 samples of one utterance spec, or None when espeak-ng fails."""
    cmd = [espeak, "-v", spec["voice"], "-s", str(spec["rate"]), "-p", str(spec["pitch"]),
           "-g", str(spec["gap"]), "--stdout"]
    if data_parent:
        cmd.append("--path=" + data_parent)
    env = None
    if lib_dir:
        env = dict(os.environ, LD_LIBRARY_PATH=lib_dir)
    try:
        res = subprocess.run(cmd + [spec["speak"]], stdout=subprocess.PIPE, env=env,
                             stderr=subprocess.PIPE, timeout=60, check=True)
        x, rate = audio.parse_wav_bytes(res.stdout)
    except (subprocess.SubprocessError, OSError, ValueError) as e:
        sys.stderr.write(f"corpus: {spec['uid']}: espeak-ng failed: {e}\n")
        return None
    return audio.to_int16(audio.resample_fft(x, rate, audio.SAMPLE_RATE))


def voice_string(spec):
    return f"{spec['voice']} s={spec['rate']} p={spec['pitch']} g={spec['gap']}"


def build_shard(job):
    """Worker: synthesises one shard and writes it atomically. Returns (path, n, seconds)."""
    split, index, specs, out, espeak, data_parent, lib_dir, wav = job
    d = os.path.join(out, split)
    base = os.path.join(d, f"shard_{index:05d}")
    if os.path.exists(base + ".tsv"):                       # resume: shard already done
        with open(base + ".tsv") as f:
            lengths = [int(line.split("\t")[2]) for line in f]
        return base, len(lengths), sum(lengths) / audio.SAMPLE_RATE
    pieces, rows, offset = [], [], 0
    for spec in specs:
        y = synthesize(spec, espeak, data_parent, lib_dir)
        if y is None or len(y) < 400:
            continue
        pieces.append(y)
        rows.append(f"{spec['uid']}\t{offset}\t{len(y)}\t{spec['text']}\t{voice_string(spec)}\n")
        offset += len(y)
        if wav:
            audio.write_wav(os.path.join(out, "wav", split, spec["uid"] + ".wav"), y)
    data = np.concatenate(pieces) if pieces else np.zeros(0, np.int16)
    with open(base + ".npy.tmp", "wb") as f:
        np.save(f, data)
    os.replace(base + ".npy.tmp", base + ".npy")
    with open(base + ".tsv.tmp", "w") as f:
        f.writelines(rows)
    os.replace(base + ".tsv.tmp", base + ".tsv")
    return base, len(rows), offset / audio.SAMPLE_RATE


def read_split(corpus_dir, split):
    """All complete shards of @split: list of (npy path, [(uid, offset, n, text, voice)])."""
    d = os.path.join(corpus_dir, split)
    if not os.path.isdir(d):
        return []
    shards = []
    for name in sorted(os.listdir(d)):
        if not (name.startswith("shard_") and name.endswith(".tsv")):
            continue
        rows = []
        with open(os.path.join(d, name)) as f:
            for line in f:
                uid, off, n, text, voice = line.rstrip("\n").split("\t")
                rows.append((uid, int(off), int(n), text, voice))
        shards.append((os.path.join(d, name[:-4] + ".npy"), rows))
    return shards


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=1, help="seed of the splits and voices")
    ap.add_argument("--n-train", type=int, default=None,
                    help="training utterances (default: one per train sentence; more "
                         "gives further renditions with new voice settings)")
    ap.add_argument("--n-dev", type=int, default=500, help="dev sentences (one utterance each)")
    ap.add_argument("--n-test", type=int, default=1000, help="test sentences (one utterance each)")
    ap.add_argument("--splits", default="test,dev,train",
                    help="comma list of splits to synthesise (the split itself never changes)")
    ap.add_argument("--wav-splits", default="test",
                    help="comma list of splits also written as .wav with a manifest")
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                    help="espeak-ng processes in parallel")
    ap.add_argument("--shard-size", type=int, default=500, help="utterances per shard")
    ap.add_argument("--espeak", default="espeak-ng", help="espeak-ng executable")
    ap.add_argument("--espeak-data", default=None,
                    help="an espeak-ng-data directory (default: the system one); passed to "
                         "espeak-ng as --path=<its parent>")
    ap.add_argument("--espeak-lib", default=None,
                    help="folder of shared libraries for espeak-ng only (its LD_LIBRARY_PATH; "
                         "this process keeps its own)")
    ap.add_argument("--fortunes", default="/usr/share/games/fortunes",
                    help="folder of fortune files (the text source)")
    args = ap.parse_args()

    data_parent = None
    if args.espeak_data:
        args.espeak_data_dir = os.path.abspath(args.espeak_data)
        data_parent = os.path.dirname(args.espeak_data_dir)
        if os.path.basename(args.espeak_data_dir) != "espeak-ng-data":
            raise SystemExit("--espeak-data must name a folder called espeak-ng-data")
    else:
        args.espeak_data_dir = "/usr/lib/x86_64-linux-gnu/espeak-ng-data"

    # SIGTERM -> SystemExit, so that leaving the Pool's "with" block terminates the workers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.time()
    plan = make_plan(args)
    os.makedirs(args.out, exist_ok=True)
    counts = {s: len(plan["sentences"][s]) for s in SPLITS}
    with open(os.path.join(args.out, "plan.json"), "w") as f:
        json.dump({"seed": plan["seed"], "sentences": counts, "variants": plan["variants"],
                   "base_voices": BASE_VOICES, "rate": RATE_RANGE, "pitch": PITCH_RANGE,
                   "word_gaps": WORD_GAPS}, f, indent=1)
    print(f"corpus: {plan['n_sentences']} sentences: {counts}; held-out variants "
          f"test {plan['variants']['test']} dev {plan['variants']['dev']}", flush=True)

    wanted = [s for s in SPLITS if s in args.splits.split(",")]
    wav_splits = set(args.wav_splits.split(",")) if args.wav_splits else set()
    n_utts = {"test": counts["test"], "dev": counts["dev"],
              "train": args.n_train if args.n_train is not None else counts["train"]}
    jobs = []
    for split in wanted:
        specs = utterance_specs(plan, split, n_utts[split], args.seed)
        os.makedirs(os.path.join(args.out, split), exist_ok=True)
        if split in wav_splits:
            os.makedirs(os.path.join(args.out, "wav", split), exist_ok=True)
        for k in range(0, len(specs), args.shard_size):
            jobs.append((split, k // args.shard_size, specs[k:k + args.shard_size], args.out,
                         args.espeak, data_parent, args.espeak_lib, split in wav_splits))

    done = {s: [0, 0.0] for s in wanted}
    with multiprocessing.Pool(args.workers) as pool:
        for base, n, secs in pool.imap_unordered(build_shard, jobs):
            split = os.path.basename(os.path.dirname(base))
            done[split][0] += n
            done[split][1] += secs
            print(f"corpus: {os.path.relpath(base, args.out)}: {n} utterances, "
                  f"{secs / 60:.1f} min ({time.time() - t0:.0f} s)", flush=True)

    for split in wanted:
        if split not in wav_splits:
            continue
        rows = [r for _, rs in read_split(args.out, split) for r in rs]
        rel = [f"wav/{split}/{uid}.wav\t{text}\n" for uid, _, _, text, _ in rows]
        with open(os.path.join(args.out, f"{split}.tsv"), "w") as f:
            f.writelines(rel)
        absdir = os.path.abspath(args.out)
        with open(os.path.join(args.out, f"{split}_abs.tsv"), "w") as f:
            f.writelines(os.path.join(absdir, line) for line in rel)

    summary = {s: {"utterances": done[s][0], "hours": round(done[s][1] / 3600, 3)} for s in wanted}
    summary["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, "corpus.json.tmp"), "w") as f:
        json.dump(summary, f, indent=1)
    os.replace(os.path.join(args.out, "corpus.json.tmp"), os.path.join(args.out, "corpus.json"))
    print(f"corpus: done {summary}", flush=True)


if __name__ == "__main__":
    main()
