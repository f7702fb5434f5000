#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
# Submits a sharded `w2vee eval` to Slurm: an array job of the shards that have not
# finished, then the merge, which waits for them (--dependency=afterok).
#
#   examples/slurm/submit.sh N RUN_DIR EVAL_OPTION...   first submission
#   examples/slurm/submit.sh N RUN_DIR                  resume: the unfinished shards
#
# EVAL_OPTION... are `w2vee eval` options but -o and --shard (e.g. -m MODEL
# -d test=test.tsv); manifests' paths are relative to the current directory, where the
# jobs run. They are kept in RUN_DIR/eval.args for the tasks and for a resume.
# $SBATCH_OPTIONS adds options to both sbatch calls (e.g. "--partition=cpu --time=1:00:00");
# $W2VEE names the w2vee binary the jobs run (exported to them, as the whole environment).
# Prints the two job ids. See examples/slurm/README.md.
set -eu

if [ $# -lt 2 ]; then
  echo "usage: submit.sh N RUN_DIR [EVAL_OPTION...]" >&2
  exit 2
fi
n=$1
mkdir -p "$2/shards" "$2/logs"
run_dir=$(cd "$2" && pwd)
shift 2
here=$(cd "$(dirname "$0")" && pwd)

if [ $# -gt 0 ]; then
  for arg in "$@"; do
    case $arg in
      *"
"*) echo "submit.sh: an option holds a newline: $arg" >&2; exit 2 ;;
    esac
  done
  printf '%s\n' "$@" > "$run_dir/eval.args"
elif [ ! -f "$run_dir/eval.args" ]; then
  echo "submit.sh: $run_dir/eval.args is missing: give the eval options" >&2
  exit 2
fi

# the shards without a shard.json: all of them the first time
todo=
k=1
while [ "$k" -le "$n" ]; do
  [ -f "$run_dir/shards/$k/shard.json" ] || todo=$todo${todo:+,}$k
  k=$((k + 1))
done

dependency=
if [ -n "$todo" ]; then
  # shellcheck disable=SC2086  # SBATCH_OPTIONS is a list of options
  array=$(sbatch --parsable ${SBATCH_OPTIONS:-} --array="$todo" --chdir="$PWD" \
    --output="$run_dir/logs/shard-%A_%a.out" "$here/shard.sbatch" "$run_dir" "$n")
  array=${array%%;*}
  dependency=--dependency=afterok:$array
  echo "shards $todo of $n: job $array"
else
  echo "all $n shards finished"
fi
# shellcheck disable=SC2086
# --kill-on-invalid-dep: a failed shard cancels the merge instead of leaving it pending
merge=$(sbatch --parsable ${SBATCH_OPTIONS:-} $dependency --kill-on-invalid-dep=yes \
  --chdir="$PWD" \
  --output="$run_dir/logs/merge-%j.out" "$here/merge.sbatch" "$run_dir" "$n")
merge=${merge%%;*}
echo "merge: job $merge -> $run_dir/results"
