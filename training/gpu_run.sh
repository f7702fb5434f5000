#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# The whole GPU recipe as ONE command, run from the repository root of a checkout that
# carries .devcarry/ (made by training/prepare_gpu_carry.sh):
#
#   OUT=/some/dir bash training/gpu_run.sh
#
# 1. checks the GPU (DEVICE=cuda: exits if torch sees none; no silent CPU fallback) and
#    the carried espeak-ng;
# 2. starts training/corpus.py in the background (N_TRAIN utterances, WORKERS espeak-ng
#    processes, the seeded splits of the default recipe);
# 3. trains at once with train.py --follow, which picks up new training shards while the
#    corpus grows, for TRAIN_MINUTES of wall time (final dev/test eval and export
#    included); the export in $OUT/model is refreshed every CKPT_MIN minutes, so even a
#    killed run leaves a usable model;
# 4. if training fails early, retries once in safe mode (no bf16, no fused attention, no
#    fused AdamW) with the time left;
# 5. leaves in $OUT: model/{config.json,vocab.json,preprocessor_config.json,
#    model.safetensors}, train.log (learning curve), gpu_run.log (this log, with the
#    corpus plan: split sizes and held-out voice variants), eval.json (final dev/test
#    CER/WER per exit) — 7 files, so one more fits the device tool's limit of 8.
#
# Environment (defaults in brackets): OUT (required), WORK [/tmp/w2vee_gpu], PY [python3],
# DEVICE [cuda], PRESET [gpu], N_TRAIN [130000], WORKERS [nproc - 2], TRAIN_MINUTES [7.75],
# CKPT_MIN [1.5], EVAL_MIN [1], N_DEV [500], N_TEST [1000], THREADS [2],
# EXTRA_ARGS [] (more train.py flags). Tiny CPU test of this script:
#   OUT=/tmp/gpu_out_test DEVICE=cpu N_TRAIN=400 N_DEV=50 N_TEST=50 WORKERS=2 \
#     TRAIN_MINUTES=2 EXTRA_ARGS="--dim 64 --layers 2 --exits 2 --ff 128" bash training/gpu_run.sh
set -u -o pipefail
export PYTHONUNBUFFERED=1
T0=$(date +%s)
: "${OUT:?set OUT to the output directory}"
WORK=${WORK:-/tmp/w2vee_gpu}
PY=${PY:-python3}
DEVICE=${DEVICE:-cuda}
PRESET=${PRESET:-gpu}
N_TRAIN=${N_TRAIN:-130000}
WORKERS=${WORKERS:-$(( $(nproc) > 3 ? $(nproc) - 2 : 1 ))}
TRAIN_MINUTES=${TRAIN_MINUTES:-7.75}
CKPT_MIN=${CKPT_MIN:-1.5}
EVAL_MIN=${EVAL_MIN:-1}
N_DEV=${N_DEV:-500}
N_TEST=${N_TEST:-1000}
THREADS=${THREADS:-2}
EXTRA_ARGS=${EXTRA_ARGS:-}
CARRY=$PWD/.devcarry

mkdir -p "$OUT" "$WORK"
say () { echo "gpu_run: [$(( $(date +%s) - T0 ))s] $*"; }

main () {

  say "start in $PWD; OUT=$OUT WORK=$WORK DEVICE=$DEVICE N_TRAIN=$N_TRAIN WORKERS=$WORKERS TRAIN_MINUTES=$TRAIN_MINUTES"
  if [ "$DEVICE" = cuda ]; then
    nvidia-smi -L || say "nvidia-smi failed"
    if ! $PY -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)'; then
      say "torch sees no GPU: stopping (set DEVICE=cpu to run the CPU recipe on purpose)"
      exit 2
    fi
  fi
  $PY -c 'import sys, torch, numpy; print("python", sys.version.split()[0], "torch", torch.__version__, "numpy", numpy.__version__)'

  ESPEAK=$CARRY/espeak/bin/espeak-ng
  n=$(LD_LIBRARY_PATH=$CARRY/espeak/lib "$ESPEAK" --path="$CARRY/espeak" -v en-us --stdout "check" | wc -c)
  if [ "${n:-0}" -lt 1000 ]; then
    say "the carried espeak-ng does not work (got $n bytes): is .devcarry carried?"
    exit 3
  fi
  say "espeak-ng ok ($n bytes)"

  rm -rf "$WORK/corpus" "$WORK/run" "$WORK/run_safe"
  $PY training/corpus.py --out "$WORK/corpus" --n-train "$N_TRAIN" --n-dev "$N_DEV" \
    --n-test "$N_TEST" --workers "$WORKERS" --espeak "$ESPEAK" --espeak-lib "$CARRY/espeak/lib" \
    --espeak-data "$CARRY/espeak/espeak-ng-data" --fortunes "$CARRY/fortunes" --wav-splits "" \
    --families espeak-ng --text fortunes --splits test,dev,train --shard-size 250 &
  CORPUS_PID=$!
  stop_corpus () {
    if kill -0 "$CORPUS_PID" 2>/dev/null; then
      kill -TERM "$CORPUS_PID" 2>/dev/null
      wait "$CORPUS_PID" 2>/dev/null
      say "corpus builder stopped"
    fi
  }
  trap stop_corpus EXIT

  train () {  # $1 run dir, $2 minutes, rest: extra flags
    local run=$1 minutes=$2
    shift 2
    # shellcheck disable=SC2086
    $PY training/train.py --corpus "$WORK/corpus" --run "$run" --preset "$PRESET" \
      --device "$DEVICE" --threads "$THREADS" --max-minutes "$minutes" --follow \
      --export-dir "$OUT/model" --log "$OUT/train.log" --ckpt-every-min "$CKPT_MIN" \
      --eval-every-min "$EVAL_MIN" --log-every 100 $EXTRA_ARGS "$@"
  }

  train "$WORK/run" "$TRAIN_MINUTES"
  rc=$?
  RUN=$WORK/run
  if [ $rc -ne 0 ]; then
    left=$(awk -v m="$TRAIN_MINUTES" -v t0="$T0" -v now="$(date +%s)" 'BEGIN { printf "%.2f", m - (now - t0) / 60 - 0.3 }')
    say "train.py failed (rc $rc); $left min left"
    # only an early failure is retried: a late one has already exported a better model
    if awk -v l="$left" -v m="$TRAIN_MINUTES" 'BEGIN { exit !(l >= 2.0 && l >= 0.6 * m) }'; then
      say "retrying in safe mode: --amp none --sdpa off --no-fused"
      train "$WORK/run_safe" "$left" --amp none --sdpa off --no-fused
      rc=$?
      RUN=$WORK/run_safe
    fi
  fi
  stop_corpus
  say "corpus plan (splits, held-out voice variants):"
  cat "$WORK/corpus/plan.json" 2>/dev/null
  cp "$RUN/eval.json" "$OUT/eval.json" 2>/dev/null
  [ -f "$WORK/corpus/corpus.json" ] && say "corpus: $(tr -d ' \n' < "$WORK/corpus/corpus.json")"
  [ -f "$OUT/eval.json" ] && $PY -c 'import json, sys; r = json.load(open(sys.argv[1])); [print(s, "n", r[s]["n"], "cer", r[s]["cer"], "wer", r[s]["wer"]) for s in ("dev", "test") if s in r]' "$OUT/eval.json"
  ls -l "$OUT" "$OUT/model" 2>/dev/null
  say "done rc $rc"
  return $rc
}

main 2>&1 | tee -a "$OUT/gpu_run.log"
exit "${PIPESTATUS[0]}"
