#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""Writes the training text of the default LM: the TRAIN split of corpus.py's sentences.

The sentences and their split come from corpus.py itself (read_fortunes,
normalise_sentences and make_plan with the same seed and split sizes), so the default
model's test and dev sentences never reach the LM. One sentence per line, upper case,
wrapped in <s> ... </s> as irstlm's tlm expects. Checks, and says on stderr, that no
test or dev sentence is in the output.

Usage: /usr/bin/python3 training/lm_text.py --out lm.txt [--seed 1]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402
import numpy as np  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output text file")
    ap.add_argument("--seed", type=int, default=1, help="corpus.py's seed (default 1)")
    ap.add_argument("--n-dev", type=int, default=500)
    ap.add_argument("--n-test", type=int, default=1000)
    ap.add_argument("--fortunes", default="/usr/share/games/fortunes")
    ap.add_argument("--espeak-data", default="/usr/lib/x86_64-linux-gnu/espeak-ng-data",
                    help="espeak-ng-data folder (corpus.py's plan also splits voices)")
    args = ap.parse_args()
    args.espeak_data_dir = args.espeak_data
    # the fortunes alone, as in the espeak-only corpus the default model was trained and
    # tested on (corpus.py --text fortunes): its test and dev sentences stay out
    args.text = "fortunes"
    args.families = "espeak-ng"
    args.n_family_test = 0

    plan = corpus.make_plan(args)
    held_out = {tr for split in ("test", "dev") for _, tr in plan["sentences"][split]}
    # in the order of the seed's permutation of the fortunes (make_plan's first draw),
    # so that the LM text, and with it irstlm's output, does not depend on how the plan
    # shuffles its splits afterwards
    fortunes = corpus.normalise_sentences(corpus.read_fortunes(args.fortunes))
    order = np.random.default_rng(args.seed).permutation(len(fortunes))
    rank = {fortunes[i][1]: k for k, i in enumerate(order)}
    train = sorted((tr for _, tr in plan["sentences"]["train"]), key=rank.__getitem__)
    leaked = [tr for tr in train if tr in held_out]
    if leaked:
        raise SystemExit(f"lm_text: {len(leaked)} held-out sentences in the train split")
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        for tr in train:
            f.write(f"<s> {tr} </s>\n")
    os.replace(tmp, args.out)
    print(f"lm_text: {len(train)} train sentences, {sum(len(t.split()) for t in train)} "
          f"words; {len(held_out)} test+dev sentences left out", file=sys.stderr)


if __name__ == "__main__":
    main()
