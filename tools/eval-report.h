/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The exit-policy parts of `w2vee eval`'s report (docs/cli.md): the policy line, the
 * sweep lines (--exit-sweep) and NAME_scores.tsv (--entropy), computed from a split's
 * per-item results alone (shard.h), so that a run merged from shards reports them as
 * one whole run does. */
#ifndef W2VEE_TOOL_EVAL_REPORT_H
#define W2VEE_TOOL_EVAL_REPORT_H

#include <glib.h>

#include "shard.h"
#include "wer.h"

G_BEGIN_DECLS

/* The contents of NAME_scores.tsv of @split (@run->entropy: every result has scores):
 * a header line, then per item and exit its samples, exit, layer, GFLOP, score under
 * every rule and @counts. @counts: (n_results, n_exits) each item's errors at each exit. */
GString *w2vee_eval_scores_tsv (const W2veeEvalRun *run, const W2veeEvalSplit *split,
    const W2veeErrorCounts *counts);

/* Prints the policy line (@run's policy not "fixed") and the sweep lines (@run->sweep)
 * of @split to stdout. @counts as above; @audio_s: the split's audio, seconds. */
void w2vee_eval_print_policy (const W2veeEvalRun *run, const W2veeEvalSplit *split,
    const W2veeErrorCounts *counts, double audio_s);

G_END_DECLS

#endif /* W2VEE_TOOL_EVAL_REPORT_H */
