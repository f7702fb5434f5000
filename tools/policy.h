/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The early-exit policy options of `w2vee transcribe` and `w2vee eval` (docs/cli.md,
 * docs/early-exit.md): --exit-policy, --exit-threshold, --exit-score. */
#ifndef W2VEE_TOOL_POLICY_H
#define W2VEE_TOOL_POLICY_H

#include <glib.h>

#include "w2vee/w2vee.h"

G_BEGIN_DECLS

/* The rule used when neither --exit-score nor the model's early_exit.json names one. */
#define W2VEE_TOOL_DEFAULT_SCORE W2VEE_SCORE_AGREEMENT

typedef enum {
  W2VEE_TOOL_POLICY_FIXED,       /* the exit of -e (or every exit: eval) */
  W2VEE_TOOL_POLICY_CONFIDENCE,  /* the first exit whose score reaches the threshold */
  W2VEE_TOOL_POLICY_DEADLINE,    /* the deepest exit predicted to fit the budget */
} W2veeToolPolicyKind;

typedef struct {
  /* options, as given */
  char *policy_arg;        /* --exit-policy, or NULL */
  char *threshold_arg;     /* --exit-threshold, or NULL */
  char *score_arg;         /* --exit-score, or NULL */

  /* parsed */
  W2veeToolPolicyKind kind;
  W2veeScore rule;         /* confidence */
  gboolean have_rule;      /* --exit-score given, or resolved */
  double threshold;        /* confidence: score in [0, 1]; deadline: seconds of compute
                            * per second of audio */
  gboolean have_threshold; /* --exit-threshold given, or resolved */
} W2veeToolPolicy;

/* The three options, to put in a subcommand's entries. */
#define W2VEE_TOOL_POLICY_ENTRIES(p) \
  { "exit-policy", 0, 0, G_OPTION_ARG_STRING, &(p)->policy_arg, \
    "How each input picks its exit: fixed (the default), confidence (the first exit " \
    "whose score reaches the threshold) or deadline (the deepest exit predicted to fit " \
    "the threshold's compute budget)", "fixed|confidence|deadline" }, \
  { "exit-threshold", 0, 0, G_OPTION_ARG_STRING, &(p)->threshold_arg, \
    "confidence: the score an exit must reach, 0..1 (default: the model's " \
    "early_exit.json); deadline: seconds of compute allowed per second of audio", "T" }, \
  { "exit-score", 0, 0, G_OPTION_ARG_STRING, &(p)->score_arg, \
    "The confidence rule: mean-entropy, nonblank-entropy, nonblank-posterior, " \
    "word-min or agreement (default: the model's early_exit.json, else agreement)", \
    "RULE" }

/* Parses the options; returns -1 to go on or W2VEE_EXIT_USAGE after the message. */
int w2vee_tool_policy_parse (const char *command, W2veeToolPolicy *p);

/* With the model loaded: rule and threshold not given come from its early_exit.json.
 * Returns -1 to go on, or W2VEE_EXIT_RUNTIME / W2VEE_EXIT_USAGE after the message. */
int w2vee_tool_policy_resolve (const char *command, W2veeToolPolicy *p,
    const W2veeModel *model);

/* "fixed", "confidence" or "deadline". */
const char *w2vee_tool_policy_name (W2veeToolPolicyKind kind);

/* Runs @samples under the policy, no deeper than @max_exit; *@exit receives the exit
 * chosen, whose logits the session then holds. FIXED runs @max_exit. */
gboolean w2vee_tool_policy_run (const W2veeToolPolicy *p, W2veeSession *session,
    const float *samples, gsize n_samples, guint max_exit, guint *exit, GError **error);

void w2vee_tool_policy_clear (W2veeToolPolicy *p);

G_END_DECLS

#endif /* W2VEE_TOOL_POLICY_H */
