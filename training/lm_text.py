#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Writes the training text of the default LM from English text in Debian packages.

Sources (--sources, comma-separated; all by default), each normalised by corpus.py's
normalise_sentences (A-Z, apostrophe and space; sentences with digits or symbols dropped):

  fortunes  the TRAIN split of the default model's fortunes sentences (corpus.py's
            read_fortunes, normalise_sentences and make_plan, same seed and split sizes)
  wordnet   WordNet 3.0 (wordnet-base): the TRAIN split of the example sentences
            (corpus.py's multi-synthesizer plan, --text fortunes,wordnet) and the
            definitions of the glosses (general English vocabulary)
  jargon    the Jargon File 4.4.7 (jargon-text, public domain): computing English
  gst       the API documentation GStreamer installs with its GObject-Introspection data
            (libgstreamer1.0-dev, libgstreamer-plugins-base1.0-dev; LGPL-2.1-or-later):
            the vocabulary of media pipelines

Held out, checked and said on stderr: every test and dev sentence of both corpus plans
(the fortunes test/dev split the default model is measured on, the WordNet test/dev
examples of the multi-synthesizer test splits) and the sentence spoken in
examples/hello.wav are removed wherever they occur, as whole sentences. One sentence per
line, upper case, in <s> ... </s> as irstlm's tlm expects; the order depends only on the
package texts and the seed, so irstlm's output is reproducible.

Usage: /usr/bin/python3 training/lm_text.py --out lm.txt [--sources fortunes,wordnet]
"""

import argparse
import gzip
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import numpy as np  # noqa: E402

SOURCES = ("fortunes", "wordnet", "jargon", "gst")
# the sentence spoken in examples/hello.wav (README's example): never LM text
EXAMPLE = ("HELLO THIS IS A SMALL SPEECH RECOGNIZER RUNNING INSIDE A GSTREAMER PIPELINE "
           "EACH EXIT TRADES ACCURACY FOR SPEED")
GIR_NS = "{http://www.gtk.org/introspection/core/1.0}"
GIR_FILES = ("Gst", "GstBase", "GstAudio", "GstVideo", "GstApp", "GstPbutils", "GstTag")


def wordnet_definitions(folder):
    """The definitions of WordNet's glosses (the gloss without its quoted examples), split
    at semicolons, one entry each, in file order."""
    out = []
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(folder, "data." + pos), encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:      # licence header
                    continue
                gloss = re.sub(r'"[^"]*"', " ", line.split("|", 1)[1])
                out += [d.strip() + "." for d in gloss.split(";") if d.strip()]
    return out


def jargon_paragraphs(path):
    """Paragraphs of the Jargon File's text (blank-line separated), lines joined."""
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        text = f.read()
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2019", "'")
    text = text.replace("\u2014", " -- ")
    text = re.sub(r"[{}]", "", text)                   # cross-reference braces
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def gir_paragraphs(folder):
    """Paragraphs of the <doc> texts of GStreamer's .gir files, code blocks removed."""
    out = []
    for name in GIR_FILES:
        path = os.path.join(folder, name + "-1.0.gir")
        for e in ET.parse(path).iter(GIR_NS + "doc"):
            text = re.sub(r"```.*?```|\|\[.*?\]\|", " ", e.text or "", flags=re.S)
            out += [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output text file")
    ap.add_argument("--sources", default=",".join(SOURCES), help="text sources: " + ", ".join(SOURCES))
    ap.add_argument("--seed", type=int, default=1, help="corpus.py's seed (default 1)")
    ap.add_argument("--n-dev", type=int, default=500)
    ap.add_argument("--n-test", type=int, default=1000)
    ap.add_argument("--n-wn-dev", type=int, default=300)
    ap.add_argument("--n-wn-test", type=int, default=500)
    ap.add_argument("--fortunes", default="/usr/share/games/fortunes")
    ap.add_argument("--wordnet", default="/usr/share/wordnet")
    ap.add_argument("--jargon", default="/usr/share/doc/jargon-text/jargon.txt.gz")
    ap.add_argument("--gir", default="/usr/share/gir-1.0")
    ap.add_argument("--espeak-data", default="/usr/lib/x86_64-linux-gnu/espeak-ng-data",
                    help="espeak-ng-data folder (corpus.py's plan also splits voices)")
    args = ap.parse_args()
    sources = args.sources.split(",")
    bad = [s for s in sources if s not in SOURCES]
    if bad:
        raise SystemExit(f"lm_text: unknown source {bad[0]!r} (known: {', '.join(SOURCES)})")
    args.espeak_data_dir = args.espeak_data
    args.families = "espeak-ng"
    args.n_family_test = 0

    # both plans the default model is measured with: the espeak-only corpus (fortunes)
    # and the multi-synthesizer corpus (fortunes + WordNet examples)
    args.text = "fortunes"
    plan_f = corpus.make_plan(args)
    args.text = "fortunes,wordnet"
    args.n_family_test = 2 * args.n_wn_test     # the test-FAMILY splits: every WordNet test
    plan_w = corpus.make_plan(args)             # sentence (the corpus uses a prefix of them)
    held_out = {tr for plan in (plan_f, plan_w) for split, sents in plan["sentences"].items()
                if split != "train" for _, tr in sents}
    held_out.add(EXAMPLE)

    lines, counts = [], {}
    fortunes = corpus.normalise_sentences(corpus.read_fortunes(args.fortunes))
    if "fortunes" in sources:
        # in the order of the seed's permutation of the fortunes (make_plan's first
        # draw), so that the text does not depend on how the plan shuffles its splits
        order = np.random.default_rng(args.seed).permutation(len(fortunes))
        rank = {fortunes[i][1]: k for k, i in enumerate(order)}
        train = sorted((tr for _, tr in plan_f["sentences"]["train"]), key=rank.__getitem__)
        lines += train
        counts["fortunes"] = len(train)
    if "wordnet" in sources:
        known = {tr for _, tr in fortunes}
        examples = [tr for _, tr in corpus.normalise_sentences(corpus.read_wordnet(args.wordnet))
                    if tr not in known]
        defs = [tr for _, tr in corpus.normalise_sentences(wordnet_definitions(args.wordnet))]
        lines += examples + defs
        counts["wordnet"] = len(examples) + len(defs)
    if "jargon" in sources:
        got = [tr for _, tr in corpus.normalise_sentences(jargon_paragraphs(args.jargon))]
        lines += got
        counts["jargon"] = len(got)
    if "gst" in sources:
        got = [tr for _, tr in corpus.normalise_sentences(gir_paragraphs(args.gir))]
        lines += got
        counts["gst"] = len(got)

    n_before = len(lines)
    lines = [tr for tr in lines if tr not in held_out]
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        for tr in lines:
            f.write(f"<s> {tr} </s>\n")
    os.replace(tmp, args.out)
    print(f"lm_text: {len(lines)} sentences, {sum(len(t.split()) for t in lines)} words "
          f"({', '.join(f'{k} {v}' for k, v in counts.items())}); {n_before - len(lines)} "
          f"held-out sentences removed ({len(held_out)} test, dev and example sentences "
          f"held out)", file=sys.stderr)


if __name__ == "__main__":
    main()
