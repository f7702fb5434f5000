/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The early-exit policy options shared by transcribe and eval (policy.h). */
#include "policy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

static const char *const policy_names[] = {
  [W2VEE_TOOL_POLICY_FIXED] = "fixed",
  [W2VEE_TOOL_POLICY_CONFIDENCE] = "confidence",
  [W2VEE_TOOL_POLICY_DEADLINE] = "deadline",
};

const char *
w2vee_tool_policy_name (W2veeToolPolicyKind kind)
{
  return policy_names[kind];
}

int
w2vee_tool_policy_parse (const char *command, W2veeToolPolicy *p)
{
  guint i;

  p->kind = W2VEE_TOOL_POLICY_FIXED;
  if (p->policy_arg != NULL) {
    for (i = 0; i < G_N_ELEMENTS (policy_names); i++) {
      if (strcmp (p->policy_arg, policy_names[i]) == 0)
        break;
    }
    if (i == G_N_ELEMENTS (policy_names))
      return w2vee_tool_usage_error (command, "--exit-policy takes fixed, confidence or "
          "deadline, not '%s'", p->policy_arg);
    p->kind = (W2veeToolPolicyKind) i;
  }
  if (p->score_arg != NULL) {
    if (!w2vee_score_from_name (p->score_arg, &p->rule))
      return w2vee_tool_usage_error (command, "--exit-score takes mean-entropy, "
          "nonblank-entropy, nonblank-posterior, word-min or agreement, not '%s'",
          p->score_arg);
    if (p->kind != W2VEE_TOOL_POLICY_CONFIDENCE)
      return w2vee_tool_usage_error (command, "--exit-score needs --exit-policy "
          "confidence");
    p->have_rule = TRUE;
  }
  if (p->threshold_arg != NULL) {
    char *end = NULL;

    if (p->kind == W2VEE_TOOL_POLICY_FIXED)
      return w2vee_tool_usage_error (command, "--exit-threshold needs --exit-policy "
          "confidence or deadline");
    p->threshold = g_ascii_strtod (p->threshold_arg, &end);
    if (end == p->threshold_arg || *end != '\0' || !isfinite (p->threshold)
        || p->threshold < 0.0
        || (p->kind == W2VEE_TOOL_POLICY_CONFIDENCE && p->threshold > 1.0))
      return w2vee_tool_usage_error (command, "--exit-threshold takes %s, not '%s'",
          p->kind == W2VEE_TOOL_POLICY_CONFIDENCE ? "a score from 0 to 1"
          : "seconds of compute per second of audio (> 0)", p->threshold_arg);
    if (p->kind == W2VEE_TOOL_POLICY_DEADLINE && p->threshold <= 0.0)
      return w2vee_tool_usage_error (command, "--exit-threshold takes seconds of compute "
          "per second of audio (> 0), not '%s'", p->threshold_arg);
    p->have_threshold = TRUE;
  } else if (p->kind == W2VEE_TOOL_POLICY_DEADLINE) {
    return w2vee_tool_usage_error (command, "--exit-policy deadline needs "
        "--exit-threshold (seconds of compute per second of audio)");
  }
  return -1;
}

int
w2vee_tool_policy_resolve (const char *command, W2veeToolPolicy *p,
    const W2veeModel *model)
{
  g_autoptr (GError) error = NULL;
  W2veeScore rule;
  double threshold;

  if (p->kind != W2VEE_TOOL_POLICY_CONFIDENCE || (p->have_rule && p->have_threshold))
    return -1;
  if (!w2vee_exit_policy_load (w2vee_model_path (model), &rule, &threshold, &error)) {
    if (!g_error_matches (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND)) {
      fprintf (stderr, "w2vee %s: %s\n", command, error->message);
      return W2VEE_EXIT_RUNTIME;
    }
    if (!p->have_threshold)
      return w2vee_tool_usage_error (command, "the model at %s has no early_exit.json: "
          "give --exit-threshold", w2vee_model_path (model));
    p->rule = W2VEE_TOOL_DEFAULT_SCORE;
    p->have_rule = TRUE;
    return -1;
  }
  if (!p->have_rule) {
    p->rule = rule;
    p->have_rule = TRUE;
  } else if (!p->have_threshold && p->rule != rule) {
    return w2vee_tool_usage_error (command, "the threshold of %s/early_exit.json is "
        "calibrated for %s, not %s: give --exit-threshold", w2vee_model_path (model),
        w2vee_score_name (rule), w2vee_score_name (p->rule));
  }
  if (!p->have_threshold) {
    p->threshold = threshold;
    p->have_threshold = TRUE;
  }
  return -1;
}

gboolean
w2vee_tool_policy_run (const W2veeToolPolicy *p, W2veeSession *session,
    const float *samples, gsize n, guint max_exit, guint *exit, GError **error)
{
  guint e = max_exit;

  switch (p->kind) {
    case W2VEE_TOOL_POLICY_CONFIDENCE:
      return w2vee_session_run_confident (session, samples, n, p->rule, p->threshold,
          max_exit, exit, error);
    case W2VEE_TOOL_POLICY_DEADLINE:
      e = MIN (max_exit, w2vee_session_deepest_exit_within (session, n,
              p->threshold * n / (double) W2VEE_SAMPLE_RATE));
      break;
    default:
      break;
  }
  *exit = e;
  return w2vee_session_run (session, samples, n, e, error);
}

void
w2vee_tool_policy_clear (W2veeToolPolicy *p)
{
  g_clear_pointer (&p->policy_arg, g_free);
  g_clear_pointer (&p->threshold_arg, g_free);
  g_clear_pointer (&p->score_arg, g_free);
}
