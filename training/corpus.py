#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Builds the synthetic-speech corpus the default model is trained on (seeded).

Text: two sources, each normalised to A-Z, apostrophe and space (normalise_sentences)
and deduplicated. (1) Every fortune in --fortunes (default /usr/share/games/fortunes,
Debian's fortunes packages, BSD licence), split into sentences, long ones cut at clause
punctuation; shuffled with --seed: the first --n-test are the test split, the next --n-dev
dev, the rest train (as in the espeak-only corpus, so its test and dev sentences never
reach training). (2) The example sentences of WordNet 3.0's glosses (--wordnet, default
/usr/share/wordnet, Debian's wordnet-base, WordNet 3.0 licence: use, copying and
distribution permitted with its notice), minus every transcript the fortunes already
have; shuffled with the seed: --n-wn-test test, --n-wn-dev dev, the rest train. Train,
dev and the test splits are disjoint in sentences.

Speech: a mix of synthesizer families (synth.py): espeak-ng (base voice x voice variant x
rate x pitch x word gap), flite (5 voices x duration stretch x F0) and festival's diphone
voices (2 voices x duration stretch x F0 mean and spread), each train/dev utterance's
family drawn with synth.TRAIN_WEIGHTS. Each family keeps voices out of training: 12
espeak-ng variants only for test and 8 only for dev, flite's slt and festival's ked only
for dev and test. festival's HTS voice (cmu_us_slt_arctic_hts) is only ever in the
test-hts split (the unseen-synthesizer test). Splits:

  train            fortunes + WordNet train sentences, all three families, training voices
  dev              fortunes + WordNet dev sentences, three families, held-out voices
  test             the espeak-only corpus's test split (1000 fortunes, held-out variants)
  test-FAMILY      one per family (espeak-ng, flite, festival, hts): --n-family-test
                   utterances, half fortunes and half WordNet test sentences (the same
                   sentences in every family), held-out voices

Synthesizer output is resampled to 16 kHz in numpy (audio.resample_fft; no sox) and stored
as int16. Augmentation happens on the fly in train.py.

Output layout (--out DIR):
  DIR/plan.json                 seed, sentence counts, voices of each family and split
  DIR/{split}/shard_NNNNN.npy   int16 16 kHz samples of the shard's utterances, concatenated
  DIR/{split}/shard_NNNNN.tsv   one line per utterance: uid, offset, n_samples, transcript,
                                voice setting "FAMILY:VOICE key=value ..." (offset and
                                n_samples in samples into the .npy)
  DIR/wav/{split}/UID.wav       for the --wav-splits (default: the test splits): 16 kHz
  DIR/{split}.tsv               their manifest "path<TAB>TRANSCRIPT", paths relative to DIR
                                (run `w2vee eval` from DIR, e.g. cd DIR && w2vee eval ...)
  DIR/{split}_abs.tsv           the same with absolute paths (usable from anywhere)
  DIR/corpus.json               written last: utterance counts; its presence = complete
Shards are written atomically (temporary name, then rename), so a reader that lists the
directory while the builder runs (train.py --follow) sees only complete shards. Shards
are built in the order of --splits, so training can start on the first train shards.

Usage: /usr/bin/python3 training/corpus.py --out corpus --n-train 20000 --workers 2
       (the espeak-only corpus: --families espeak-ng --text fortunes --splits test,dev,train)
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

import synth  # noqa: E402

# the espeak-only corpus's names (tests/eval and older scripts use them)
BASE_VOICES = synth.ESPEAK_BASE_VOICES
RATE_RANGE, PITCH_RANGE, WORD_GAPS = synth.ESPEAK_RATE, synth.ESPEAK_PITCH, synth.ESPEAK_GAPS
MIN_WORDS, MAX_WORDS = 3, 20
# split name -> seed index of its per-utterance generators (the first three as in the
# espeak-only corpus); the test-FAMILY splits have their family fixed
SPLITS = ("test", "dev", "train", "test-espeak-ng", "test-flite", "test-festival", "test-hts")
FAMILY_TEST = {f"test-{f}": f for f in synth.FAMILIES}

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


def read_wordnet(folder):
    """The example sentences (the quoted parts of the glosses) of WordNet's data.noun,
    data.verb, data.adj and data.adv in @folder, in file order, as one entry each."""
    out = []
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(folder, "data." + pos), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:      # licence header
                    continue
                out += re.findall(r'"([^"]+)"', line.split("|", 1)[1])
    return out


def make_plan(args):
    """Splits sentences and voices; returns the plan (a JSON-able dict)."""
    rng = np.random.default_rng(args.seed)
    sources = args.text.split(",")
    sents = normalise_sentences(read_fortunes(args.fortunes)) if "fortunes" in sources else []
    order = rng.permutation(len(sents))
    sents = [sents[i] for i in order]
    n_test, n_dev = args.n_test, args.n_dev
    if sents and n_test + n_dev >= len(sents):
        raise SystemExit(f"only {len(sents)} sentences; --n-test + --n-dev too large")
    fortunes = {"test": sents[:n_test], "dev": sents[n_test:n_test + n_dev],
                "train": sents[n_test + n_dev:]}
    variants = synth.voice_plan(list_variants(args.espeak_data_dir), rng)
    wn = {"test": [], "dev": [], "train": []}
    if "wordnet" in sources:
        known = {tr for _, tr in sents}
        wsents = [s for s in normalise_sentences(read_wordnet(args.wordnet)) if s[1] not in known]
        wsents = [wsents[i] for i in rng.permutation(len(wsents))]
        a, b = args.n_wn_test, args.n_wn_test + args.n_wn_dev
        if b >= len(wsents):
            raise SystemExit(f"only {len(wsents)} WordNet sentences; --n-wn-test + --n-wn-dev too large")
        wn = {"test": wsents[:a], "dev": wsents[a:b], "train": wsents[b:]}
    split_sents = {"test": fortunes["test"]}
    for split in ("dev", "train"):
        both = fortunes[split] + wn[split]
        split_sents[split] = [both[i] for i in rng.permutation(len(both))]
    half = args.n_family_test // 2
    fam = fortunes["test"][:args.n_family_test - min(half, len(wn["test"]))] + wn["test"][:half]
    for split in FAMILY_TEST:
        split_sents[split] = fam
    counts = {"fortunes": {k: len(v) for k, v in fortunes.items()},
              "wordnet": {k: len(v) for k, v in wn.items()}}
    return {"seed": args.seed, "sentences": split_sents, "voices": variants, "counts": counts,
            "families": args.families.split(",")}


def utterance_specs(plan, split, n_utts, seed):
    """The @n_utts utterances of @split: sentence i % len(sentences) (so n_utts larger
    than the sentence count gives further renditions), each with its own family and voice
    setting drawn from a generator seeded by (seed, split, i) — independent of worker
    count. "test" is espeak-ng only (as in the espeak-only corpus); test-FAMILY has its
    family; train and dev draw the family from synth.TRAIN_WEIGHTS over --families."""
    sents = plan["sentences"][split]
    sid = SPLITS.index(split)
    fams = [f for f in plan["families"] if f in synth.TRAIN_WEIGHTS]
    weights = np.array([synth.TRAIN_WEIGHTS[f] for f in fams])
    weights /= weights.sum()
    specs = []
    for i in range(n_utts):
        r = np.random.default_rng([seed, sid, i])
        speak, tr = sents[i % len(sents)]
        if split == "test":
            family, role = "espeak-ng", "test"
        elif split in FAMILY_TEST:
            family, role = FAMILY_TEST[split], "test"
        else:
            family, role = fams[int(r.choice(len(fams), p=weights))], split
        spec = synth.draw_voice(family, plan["voices"][family][role], r)
        spec.update(uid=f"{split}_{i:06d}", speak=speak, text=tr)
        specs.append(spec)
    return specs


def synthesize(spec, espeak, data_parent, lib_dir):
    """16 kHz int16 samples of one espeak-ng utterance spec (voice, rate, pitch, gap,
    speak), or None when espeak-ng fails."""
    tools = {"espeak": espeak, "espeak_data_parent": data_parent, "espeak_lib": lib_dir}
    try:
        return synth.synth_espeak(spec, tools)
    except (subprocess.SubprocessError, OSError, ValueError) as e:
        sys.stderr.write(f"corpus: {spec['uid']}: espeak-ng failed: {e}\n")
        return None


def family_of(voice):
    """The synthesizer family of a corpus voice column (no prefix: espeak-ng)."""
    head = voice.split(" ", 1)[0]
    return head.split(":", 1)[0] if ":" in head else "espeak-ng"


def build_shard(job):
    """Worker: synthesises one shard and writes it atomically. Returns (path, n, seconds)."""
    split, index, specs, out, tools, wav = job
    d = os.path.join(out, split)
    base = os.path.join(d, f"shard_{index:05d}")
    if os.path.exists(base + ".tsv"):                       # resume: shard already done
        with open(base + ".tsv") as f:
            lengths = [int(line.split("\t")[2]) for line in f]
        return base, len(lengths), sum(lengths) / audio.SAMPLE_RATE
    pieces, rows, offset = [], [], 0
    for spec, y in zip(specs, synth.synthesize_all(specs, tools)):
        if y is None or len(y) < 400:
            continue
        pieces.append(y)
        rows.append(f"{spec['uid']}\t{offset}\t{len(y)}\t{spec['text']}\t{synth.voice_string(spec)}\n")
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


def write_manifests(out, split):
    """DIR/{split}.tsv (paths relative to DIR) and DIR/{split}_abs.tsv for a wav split."""
    rows = [r for _, rs in read_split(out, split) for r in rs]
    rel = [f"wav/{split}/{uid}.wav\t{text}\n" for uid, _, _, text, _ in rows]
    with open(os.path.join(out, f"{split}.tsv"), "w") as f:
        f.writelines(rel)
    absdir = os.path.abspath(out)
    with open(os.path.join(out, f"{split}_abs.tsv"), "w") as f:
        f.writelines(os.path.join(absdir, line) for line in rel)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=1, help="seed of the splits and voices")
    ap.add_argument("--n-train", type=int, default=None,
                    help="training utterances (default: one per train sentence; more "
                         "gives further renditions with new voice settings)")
    ap.add_argument("--n-dev", type=int, default=500, help="fortunes dev sentences")
    ap.add_argument("--n-test", type=int, default=1000, help="fortunes test sentences")
    ap.add_argument("--n-wn-dev", type=int, default=300, help="WordNet dev sentences")
    ap.add_argument("--n-wn-test", type=int, default=500, help="WordNet test sentences")
    ap.add_argument("--n-family-test", type=int, default=200,
                    help="utterances of each test-FAMILY split")
    ap.add_argument("--splits", default="train,dev,test,test-espeak-ng,test-flite,"
                    "test-festival,test-hts",
                    help="comma list of splits to synthesise, built in this order (the "
                         "split itself never changes)")
    ap.add_argument("--wav-splits", default="test,test-espeak-ng,test-flite,test-festival,test-hts",
                    help="comma list of splits also written as .wav with a manifest")
    ap.add_argument("--families", default="espeak-ng,flite,festival",
                    help="synthesizer families of train and dev (synth.FAMILIES)")
    ap.add_argument("--text", default="fortunes,wordnet", help="text sources (fortunes, wordnet)")
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                    help="synthesis processes in parallel")
    ap.add_argument("--shard-size", type=int, default=500, help="utterances per shard")
    ap.add_argument("--espeak", default="espeak-ng", help="espeak-ng executable")
    ap.add_argument("--espeak-data", default=None,
                    help="an espeak-ng-data directory (default: the system one); passed to "
                         "espeak-ng as --path=<its parent>")
    ap.add_argument("--espeak-lib", default=None,
                    help="folder of shared libraries for espeak-ng only (its LD_LIBRARY_PATH; "
                         "this process keeps its own)")
    ap.add_argument("--flite", default="flite", help="flite executable")
    ap.add_argument("--festival", default="festival", help="festival executable")
    ap.add_argument("--fortunes", default="/usr/share/games/fortunes",
                    help="folder of fortune files (a text source)")
    ap.add_argument("--wordnet", default="/usr/share/wordnet",
                    help="WordNet's dict folder with data.noun etc. (a text source)")
    args = ap.parse_args()

    data_parent = None
    if args.espeak_data:
        args.espeak_data_dir = os.path.abspath(args.espeak_data)
        data_parent = os.path.dirname(args.espeak_data_dir)
        if os.path.basename(args.espeak_data_dir) != "espeak-ng-data":
            raise SystemExit("--espeak-data must name a folder called espeak-ng-data")
    else:
        args.espeak_data_dir = "/usr/lib/x86_64-linux-gnu/espeak-ng-data"
    bad = [f for f in args.families.split(",") if f not in synth.TRAIN_WEIGHTS]
    if bad:
        raise SystemExit(f"--families: {bad} not among {sorted(synth.TRAIN_WEIGHTS)}")
    tools = {"espeak": args.espeak, "espeak_data_parent": data_parent,
             "espeak_lib": args.espeak_lib, "flite": args.flite, "festival": args.festival}

    # SIGTERM -> SystemExit, so that leaving the Pool's "with" block terminates the workers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.time()
    plan = make_plan(args)
    os.makedirs(args.out, exist_ok=True)
    counts = {s: len(plan["sentences"][s]) for s in SPLITS}
    with open(os.path.join(args.out, "plan.json"), "w") as f:
        json.dump({"seed": plan["seed"], "sentences": counts, "sources": plan["counts"],
                   "families": plan["families"], "train_weights": synth.TRAIN_WEIGHTS,
                   "voices": plan["voices"], "espeak_base_voices": BASE_VOICES,
                   "espeak_rate": RATE_RANGE, "espeak_pitch": PITCH_RANGE,
                   "espeak_word_gaps": WORD_GAPS, "stretch": synth.STRETCH,
                   "f0_factor": synth.F0_FACTOR}, f, indent=1)
    esp = plan["voices"]["espeak-ng"]
    print(f"corpus: sentences {counts} from {plan['counts']}; held-out espeak-ng variants "
          f"test {esp['test']} dev {esp['dev']}", flush=True)

    wanted = [s for s in args.splits.split(",") if s]
    for s in wanted:
        if s not in SPLITS:
            raise SystemExit(f"--splits: unknown split {s!r} (known: {', '.join(SPLITS)})")
    wav_splits = set(args.wav_splits.split(",")) if args.wav_splits else set()
    n_utts = dict(counts)
    n_utts["train"] = args.n_train if args.n_train is not None else counts["train"]
    jobs = []
    for split in wanted:
        specs = utterance_specs(plan, split, n_utts[split], args.seed)
        os.makedirs(os.path.join(args.out, split), exist_ok=True)
        if split in wav_splits:
            os.makedirs(os.path.join(args.out, "wav", split), exist_ok=True)
        for k in range(0, len(specs), args.shard_size):
            jobs.append((split, k // args.shard_size, specs[k:k + args.shard_size], args.out,
                         tools, split in wav_splits))

    done = {s: [0, 0.0] for s in wanted}
    left = {s: sum(1 for j in jobs if j[0] == s) for s in wanted}
    with multiprocessing.Pool(args.workers) as pool:
        for base, n, secs in pool.imap_unordered(build_shard, jobs):
            split = os.path.basename(os.path.dirname(base))
            done[split][0] += n
            done[split][1] += secs
            left[split] -= 1
            print(f"corpus: {os.path.relpath(base, args.out)}: {n} utterances, "
                  f"{secs / 60:.1f} min ({time.time() - t0:.0f} s)", flush=True)
            if left[split] == 0 and split in wav_splits:   # usable before the rest is done
                write_manifests(args.out, split)

    summary = {s: {"utterances": done[s][0], "hours": round(done[s][1] / 3600, 3)} for s in wanted}
    summary["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, "corpus.json.tmp"), "w") as f:
        json.dump(summary, f, indent=1)
    os.replace(os.path.join(args.out, "corpus.json.tmp"), os.path.join(args.out, "corpus.json"))
    print(f"corpus: done {summary}", flush=True)


if __name__ == "__main__":
    main()
