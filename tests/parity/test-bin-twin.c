/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* pytorch_model.bin against model.safetensors, bit for bit: a reference model NAME
 * (tests/reference) and its twin NAME_bin, whose pytorch_model.bin torch.save wrote
 * from the same state dict (gen_models.py, BIN_TWINS).
 *
 *   test-bin-twin REF_ROOT NAME
 *
 * Checks, for the whole clip and for its prefix, running every exit in one pass:
 *   - the twin directory has no model.safetensors, so the engine reads the .bin;
 *   - both models have the same exits, layers, vocabulary and weight bytes;
 *   - the logits of every exit are identical (memcmp) between the two models;
 *   - and they match PyTorch's reference logits: max |ours - ref| <= 1e-3 * max(1, |ref|);
 *   - loading the twin with W2VEE_LOAD_NO_PICKLE fails with W2VEE_ERROR_NOT_FOUND.
 *
 * Shapes legend: T = frames, V = vocabulary size.
 */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "read-f32.h"
#include "w2vee/w2vee.h"

#define REL_TOL 1e-3

/* Runs both models on one reference directory; returns FALSE on any mismatch. */
static gboolean
check_ref (const char *name, const char *refdir, W2veeModel *st_model,
    W2veeModel *bin_model)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_build_filename (refdir, "reference.json", NULL);
  g_autofree char *audio = NULL;
  g_autofree float *samples = NULL;
  g_autoptr (W2veeSession) s_st = NULL, s_bin = NULL;
  W2veeSessionParams params = w2vee_session_default_params ();
  JsonObject *root;
  JsonArray *exits;
  gsize n;
  guint n_exits = w2vee_model_n_exits (st_model);
  gboolean ok = TRUE;

  if (!json_parser_load_from_file (parser, file, &error)) {
    g_print ("%s: %s FAIL\n", file, error->message);
    return FALSE;
  }
  root = json_node_get_object (json_parser_get_root (parser));
  n = (gsize) json_object_get_int_member (root, "n_samples");
  audio = g_build_filename (refdir, json_object_get_string_member (root, "audio"), NULL);
  samples = read_f32 (audio, n, &error);
  exits = json_object_get_array_member (root, "exits");
  if (samples == NULL || json_array_get_length (exits) != n_exits) {
    g_print ("%s: %s FAIL\n", refdir, error != NULL ? error->message :
        "the reference has another number of exits");
    return FALSE;
  }

  params.max_samples = n;
  s_st = w2vee_session_new (st_model, &params, &error);
  g_assert_no_error (error);
  s_bin = w2vee_session_new (bin_model, &params, &error);
  g_assert_no_error (error);
  if (!w2vee_session_run (s_st, samples, n, n_exits, &error) ||
      !w2vee_session_run (s_bin, samples, n, n_exits, &error)) {
    g_print ("%s: run: %s FAIL\n", refdir, error->message);
    return FALSE;
  }

  for (guint e = 1; e <= n_exits; e++) {
    JsonObject *ex = json_array_get_object_element (exits, e - 1);
    gsize t_st, t_bin, frames = (gsize) json_object_get_int_member (ex, "frames");
    gsize vocab = (gsize) json_object_get_int_member (ex, "vocab");
    const float *a = w2vee_session_logits (s_st, e, &t_st);
    const float *b = w2vee_session_logits (s_bin, e, &t_bin);
    g_autofree char *ref_path = g_build_filename (refdir,
        json_object_get_string_member (ex, "logits"), NULL);
    g_autofree float *ref = read_f32 (ref_path, frames * vocab, &error);
    gboolean same, close;
    double maxabs = 0.0, maxref = 0.0, tol;

    if (ref == NULL || a == NULL || b == NULL || t_st != frames || t_bin != frames ||
        w2vee_model_vocab_size (st_model) != vocab) {
      g_print ("model=%s exit=%u: shapes disagree with the reference FAIL\n", name, e);
      ok = FALSE;
      continue;
    }
    same = memcmp (a, b, frames * vocab * sizeof (float)) == 0;
    for (gsize i = 0; i < frames * vocab; i++) {
      double d = fabs ((double) b[i] - ref[i]);

      maxabs = d <= maxabs ? maxabs : (isnan (d) ? INFINITY : d);
      maxref = MAX (maxref, fabs (ref[i]));
    }
    tol = REL_TOL * MAX (1.0, maxref);
    close = maxabs <= tol;
    g_print ("model=%s ref=%s exit=%u frames=%" G_GSIZE_FORMAT " bin-vs-safetensors=%s "
        "bin-vs-pytorch maxabs=%.3g tol=%.3g %s\n", name, strrchr (refdir, '/') + 1, e,
        frames, same ? "identical" : "DIFFERENT", maxabs, tol,
        same && close ? "ok" : "FAIL");
    ok = ok && same && close;
  }
  return ok;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *st_dir = NULL, *bin_dir = NULL, *bin_st = NULL, *bin_file = NULL;
  g_autofree char *unavailable = NULL;
  g_autoptr (W2veeModel) st_model = NULL, bin_model = NULL;
  W2veeModel *refused;
  const char *name;
  gboolean ok = TRUE;

  if (argc != 3) {
    g_printerr ("usage: %s REF_ROOT NAME\n", argv[0]);
    return 2;
  }
  name = argv[2];
  unavailable = g_build_filename (argv[1], "UNAVAILABLE", NULL);
  if (g_file_test (unavailable, G_FILE_TEST_EXISTS)) {
    g_autofree char *why = NULL;

    g_file_get_contents (unavailable, &why, NULL, NULL);
    g_print ("%s FAIL\n", why != NULL ? why : unavailable);
    return 1;
  }
  st_dir = g_build_filename (argv[1], name, "model", NULL);
  bin_dir = g_strdup_printf ("%s/%s_bin/model", argv[1], name);
  bin_st = g_build_filename (bin_dir, "model.safetensors", NULL);
  bin_file = g_build_filename (bin_dir, "pytorch_model.bin", NULL);
  if (g_file_test (bin_st, G_FILE_TEST_EXISTS) ||
      !g_file_test (bin_file, G_FILE_TEST_IS_REGULAR)) {
    g_print ("%s: must hold pytorch_model.bin and no model.safetensors FAIL\n", bin_dir);
    return 1;
  }

  st_model = w2vee_model_load (st_dir, &error);
  if (st_model == NULL) {
    g_print ("%s FAIL\n", error->message);
    return 1;
  }
  bin_model = w2vee_model_load (bin_dir, &error);
  if (bin_model == NULL) {
    g_print ("%s FAIL\n", error->message);
    return 1;
  }
  if (w2vee_model_n_exits (st_model) != w2vee_model_n_exits (bin_model) ||
      w2vee_model_vocab_size (st_model) != w2vee_model_vocab_size (bin_model) ||
      w2vee_model_weight_bytes (st_model) != w2vee_model_weight_bytes (bin_model) ||
      w2vee_model_blank_id (st_model) != w2vee_model_blank_id (bin_model)) {
    g_print ("model=%s: the two loads disagree on exits, vocabulary or weight bytes "
        "FAIL\n", name);
    return 1;
  }
  for (guint e = 1; e <= w2vee_model_n_exits (st_model); e++)
    ok = ok && w2vee_model_exit_layer (st_model, e) == w2vee_model_exit_layer (bin_model, e);
  for (guint v = 0; v < w2vee_model_vocab_size (st_model); v++)
    ok = ok && g_strcmp0 (w2vee_model_token (st_model, v),
        w2vee_model_token (bin_model, v)) == 0;
  if (!ok) {
    g_print ("model=%s: exit layers or tokens differ FAIL\n", name);
    return 1;
  }

  for (int r = 0; r < 2; r++) {
    g_autofree char *refdir = g_build_filename (argv[1], name, r == 0 ? "ref" :
        "ref_prefix", NULL);

    ok = check_ref (name, refdir, st_model, bin_model) && ok;
  }

  refused = w2vee_model_load_full (bin_dir, W2VEE_LOAD_NO_PICKLE, &error);
  if (refused != NULL || !g_error_matches (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND)) {
    g_print ("model=%s: W2VEE_LOAD_NO_PICKLE did not refuse the .bin FAIL\n", name);
    ok = FALSE;
    g_clear_pointer (&refused, w2vee_model_unref);
  } else {
    g_print ("model=%s: with W2VEE_LOAD_NO_PICKLE: %s (refused, ok)\n", name,
        error->message);
  }
  g_print ("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
