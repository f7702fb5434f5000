/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* early_exit.json: a model directory's calibrated confidence policy (docs/early-exit.md),
 *
 *   {"rule": "nonblank-posterior", "threshold": 0.9, ...}
 *
 * rule is a w2vee_score_name(), threshold a number in [0, 1]; other members (how the
 * threshold was measured) are skipped. Read with the strict reader of json.c.
 */
#include "w2vee/w2vee.h"
#include "json.h"

#include <math.h>
#include <string.h>

#define EARLY_EXIT_FILE "early_exit.json"
/* The file is a few lines; anything larger is not one. */
#define EARLY_EXIT_MAX_BYTES 65536

static gboolean
parse_early_exit (const char *data, gsize len, const char *path, W2veeScore *rule,
    double *threshold, GError **error)
{
  W2veeJsonReader r;
  gboolean have_rule = FALSE, have_threshold = FALSE;
  guint n = 0;

  if (!w2vee_json_reader_init (&r, data, len, path, W2VEE_ERROR_CONFIG, error))
    return FALSE;
  if (w2vee_json_peek (&r) != W2VEE_JSON_OBJECT) {
    w2vee_json_error_at (&r, r.pos, error, W2VEE_ERROR_CONFIG,
        "early_exit.json must be a JSON object");
    return FALSE;
  }
  if (!w2vee_json_begin_object (&r, error))
    return FALSE;
  for (;;) {
    g_autofree char *key = NULL;
    gsize at;

    if (!w2vee_json_next_member (&r, &n, &key, error))
      return FALSE;
    if (key == NULL)
      break;
    at = r.key_pos;
    if (strcmp (key, "rule") == 0) {
      g_autofree char *name = NULL;

      if (have_rule) {
        w2vee_json_error_at (&r, at, error, W2VEE_ERROR_DUPLICATE, "duplicate \"rule\"");
        return FALSE;
      }
      if (w2vee_json_peek (&r) != W2VEE_JSON_STRING) {
        w2vee_json_error_at (&r, r.pos, error, W2VEE_ERROR_CONFIG,
            "\"rule\" must be a string");
        return FALSE;
      }
      at = r.pos;
      if (!w2vee_json_read_string (&r, &name, error))
        return FALSE;
      if (!w2vee_score_from_name (name, rule)) {
        w2vee_json_error_at (&r, at, error, W2VEE_ERROR_CONFIG, "unknown rule \"%s\" "
            "(known: mean-entropy, nonblank-entropy, nonblank-posterior, word-min, "
            "agreement)", name);
        return FALSE;
      }
      have_rule = TRUE;
    } else if (strcmp (key, "threshold") == 0) {
      gboolean is_int;
      gint64 i;
      double d;

      if (have_threshold) {
        w2vee_json_error_at (&r, at, error, W2VEE_ERROR_DUPLICATE,
            "duplicate \"threshold\"");
        return FALSE;
      }
      if (w2vee_json_peek (&r) != W2VEE_JSON_NUMBER) {
        w2vee_json_error_at (&r, r.pos, error, W2VEE_ERROR_CONFIG,
            "\"threshold\" must be a number");
        return FALSE;
      }
      at = r.pos;
      if (!w2vee_json_read_number (&r, &is_int, &i, &d, error))
        return FALSE;
      *threshold = is_int ? (double) i : d;
      if (!(*threshold >= 0.0 && *threshold <= 1.0)) {
        w2vee_json_error_at (&r, at, error, W2VEE_ERROR_CONFIG,
            "\"threshold\" must be between 0 and 1");
        return FALSE;
      }
      have_threshold = TRUE;
    } else if (!w2vee_json_skip_value (&r, error)) {
      return FALSE;
    }
  }
  if (!w2vee_json_end (&r, error))
    return FALSE;
  if (!have_rule || !have_threshold) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG, "%s: \"%s\" is missing", path,
        have_rule ? "threshold" : "rule");
    return FALSE;
  }
  return TRUE;
}

gboolean
w2vee_exit_policy_load (const char *model_dir, W2veeScore *rule, double *threshold,
    GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autoptr (GError) local = NULL;
  W2veeScore r = W2VEE_SCORE_MEAN_ENTROPY;
  double t = 0.0;
  gsize len;

  g_return_val_if_fail (model_dir != NULL, FALSE);
  path = g_build_filename (model_dir, EARLY_EXIT_FILE, NULL);
  if (!g_file_get_contents (path, &data, &len, &local)) {
    g_set_error (error, W2VEE_ERROR, g_error_matches (local, G_FILE_ERROR,
            G_FILE_ERROR_NOENT) ? W2VEE_ERROR_NOT_FOUND : W2VEE_ERROR_IO,
        "%s: %s", path, local->message);
    return FALSE;
  }
  if (len > EARLY_EXIT_MAX_BYTES) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE, "%s: larger than %d bytes",
        path, EARLY_EXIT_MAX_BYTES);
    return FALSE;
  }
  if (!parse_early_exit (data, len, path, &r, &t, error))
    return FALSE;
  if (rule)
    *rule = r;
  if (threshold)
    *threshold = t;
  return TRUE;
}
