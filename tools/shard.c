/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Shard files of `w2vee eval`: digests, writing, reading and merging (see shard.h). */
#include "shard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "w2vee/w2vee.h"

#define FORMAT "w2vee-eval-shard 1"
/* what wer.h scores: lower-cased text, words at ASCII whitespace, corpus-level rates */
#define SCORING "jiwer-lowercase 1"
#define MAX_SHARDS 1000000

gboolean
w2vee_shard_parse (const char *arg, guint *k, guint *n, GError **error)
{
  guint64 kk, nn;
  const char *slash = strchr (arg, '/');
  g_autofree char *head = slash != NULL ? g_strndup (arg, slash - arg) : NULL;

  if (slash == NULL || !g_ascii_string_to_unsigned (head, 10, 1, MAX_SHARDS, &kk, NULL)
      || !g_ascii_string_to_unsigned (slash + 1, 10, 1, MAX_SHARDS, &nn, NULL)
      || kk > nn) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT, "--shard takes K/N "
        "with 1 <= K <= N <= %d (shard K of N), not '%s'", MAX_SHARDS, arg);
    return FALSE;
  }
  *k = (guint) kk;
  *n = (guint) nn;
  return TRUE;
}

/* Adds NAME, NUL, size and the bytes of DIR/NAME to @sum. A missing optional file adds
 * nothing. */
static gboolean
digest_file (GChecksum *sum, const char *dir, const char *name, gboolean required,
    GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GMappedFile) mapped = NULL;
  char size[32];
  gsize len;

  if (!required && !g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  mapped = g_mapped_file_new (path, FALSE, error);
  if (mapped == NULL)
    return FALSE;
  len = g_mapped_file_get_length (mapped);
  g_checksum_update (sum, (const guchar *) name, strlen (name) + 1);
  g_snprintf (size, sizeof size, "%" G_GSIZE_FORMAT, len);
  g_checksum_update (sum, (const guchar *) size, strlen (size) + 1);
  if (len > 0)
    g_checksum_update (sum, (const guchar *) g_mapped_file_get_contents (mapped), len);
  return TRUE;
}

char *
w2vee_shard_file_sha256 (const char *path, GError **error)
{
  g_autoptr (GMappedFile) mapped = g_mapped_file_new (path, FALSE, error);
  gsize len;

  if (mapped == NULL)
    return NULL;
  len = g_mapped_file_get_length (mapped);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      len > 0 ? (const guchar *) g_mapped_file_get_contents (mapped) : (const guchar *) "",
      len);
}

char *
w2vee_shard_model_digest (const char *dir, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *st = g_build_filename (dir, "model.safetensors", NULL);
  const char *weights = g_file_test (st, G_FILE_TEST_EXISTS) ? "model.safetensors"
      : "pytorch_model.bin";

  if (!digest_file (sum, dir, "config.json", TRUE, error)
      || !digest_file (sum, dir, "vocab.json", FALSE, error)
      || !digest_file (sum, dir, "preprocessor_config.json", FALSE, error)
      || !digest_file (sum, dir, weights, TRUE, error))
    return NULL;
  return g_strdup (g_checksum_get_string (sum));
}

/* ------------------------------------------------------------------------- */

static void
result_clear (gpointer data)
{
  W2veeEvalResult *r = data;

  g_free (r->file);
  g_free (r->reference);
  g_strfreev (r->hypotheses);
  g_free (r->policy_hypothesis);
  g_free (r->gflop);
  g_free (r->scores);
}

W2veeEvalSplit *
w2vee_eval_split_new (const char *name, const char *manifest, guint n_items)
{
  W2veeEvalSplit *split = g_new0 (W2veeEvalSplit, 1);

  split->name = g_strdup (name);
  split->manifest = g_strdup (manifest);
  split->n_items = n_items;
  split->results = g_array_new (FALSE, TRUE, sizeof (W2veeEvalResult));
  g_array_set_clear_func (split->results, result_clear);
  return split;
}

void
w2vee_eval_split_free (W2veeEvalSplit *split)
{
  g_free (split->name);
  g_free (split->manifest);
  g_free (split->manifest_sha256);
  g_array_unref (split->results);
  g_free (split);
}

void
w2vee_eval_split_add (W2veeEvalSplit *split, W2veeEvalResult *result)
{
  g_array_append_vals (split->results, result, 1);
}

W2veeEvalRun *
w2vee_eval_run_new (void)
{
  W2veeEvalRun *run = g_new0 (W2veeEvalRun, 1);

  run->splits = g_ptr_array_new_with_free_func ((GDestroyNotify) w2vee_eval_split_free);
  return run;
}

void
w2vee_eval_run_free (W2veeEvalRun *run)
{
  g_free (run->model);
  g_free (run->model_sha256);
  g_free (run->decoder);
  g_free (run->decoder_options);
  g_free (run->policy);
  g_free (run->policy_rule);
  g_free (run->layers);
  g_free (run->gflop);
  g_ptr_array_unref (run->splits);
  g_free (run);
}

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

static void
build_run (JsonBuilder *b, const W2veeEvalRun *run)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, run->model);
  json_builder_set_member_name (b, "model_sha256");
  json_builder_add_string_value (b, run->model_sha256);
  json_builder_set_member_name (b, "load_flags");
  json_builder_add_int_value (b, run->load_flags);
  json_builder_set_member_name (b, "decoder");
  json_builder_add_string_value (b, run->decoder);
  json_builder_set_member_name (b, "decoder_options");
  json_builder_add_string_value (b, run->decoder_options);
  json_builder_set_member_name (b, "scoring");
  json_builder_add_string_value (b, SCORING);
  json_builder_set_member_name (b, "policy");
  json_builder_add_string_value (b, run->policy);
  json_builder_set_member_name (b, "policy_rule");
  json_builder_add_string_value (b, run->policy_rule);
  json_builder_set_member_name (b, "policy_threshold");
  json_builder_add_double_value (b, run->policy_threshold);
  json_builder_set_member_name (b, "entropy");
  json_builder_add_boolean_value (b, run->entropy);
  json_builder_set_member_name (b, "sweep");
  json_builder_add_boolean_value (b, run->sweep);
  json_builder_set_member_name (b, "exit_layers");
  json_builder_begin_array (b);
  for (guint e = 0; e < run->n_exits; e++)
    json_builder_add_int_value (b, run->layers[e]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "gflop_per_s");
  json_builder_begin_array (b);
  for (guint e = 0; e < run->n_exits; e++)
    json_builder_add_double_value (b, run->gflop[e]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "splits");
  json_builder_begin_array (b);
  for (guint s = 0; s < run->splits->len; s++) {
    const W2veeEvalSplit *split = run->splits->pdata[s];

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, split->name);
    json_builder_set_member_name (b, "manifest");
    json_builder_add_string_value (b, split->manifest);
    json_builder_set_member_name (b, "manifest_sha256");
    json_builder_add_string_value (b, split->manifest_sha256);
    json_builder_set_member_name (b, "items");
    json_builder_add_int_value (b, split->n_items);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* Does @run carry per-item policy runs, per-item scores? */
static gboolean
run_has_policy (const W2veeEvalRun *run)
{
  return g_strcmp0 (run->policy, "fixed") != 0;
}

static gboolean
run_has_scores (const W2veeEvalRun *run)
{
  return run->entropy || run->sweep;
}

static void
build_doubles (JsonBuilder *b, const double *v, guint n)
{
  json_builder_begin_array (b);
  for (guint i = 0; i < n; i++)
    json_builder_add_double_value (b, v[i]);
  json_builder_end_array (b);
}

static void
build_result (JsonBuilder *b, const char *split, const W2veeEvalResult *r,
    const W2veeEvalRun *run)
{
  guint n_exits = run->n_exits;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "split");
  json_builder_add_string_value (b, split);
  json_builder_set_member_name (b, "index");
  json_builder_add_int_value (b, r->index);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, r->file);
  json_builder_set_member_name (b, "expected");
  json_builder_add_string_value (b, r->reference);
  json_builder_set_member_name (b, "hypotheses");
  json_builder_begin_array (b);
  for (guint e = 0; e < n_exits; e++)
    json_builder_add_string_value (b, r->hypotheses[e]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "samples");
  json_builder_add_int_value (b, (gint64) r->n_samples);
  json_builder_set_member_name (b, "infer_s");
  json_builder_add_double_value (b, r->infer_s);
  if (run_has_policy (run)) {
    json_builder_set_member_name (b, "policy_exit");
    json_builder_add_int_value (b, r->policy_exit);
    json_builder_set_member_name (b, "policy_layers");
    json_builder_add_int_value (b, r->policy_layers);
    json_builder_set_member_name (b, "policy_gflop");
    json_builder_add_double_value (b, r->policy_gflop);
    json_builder_set_member_name (b, "policy_hypothesis");
    json_builder_add_string_value (b, r->policy_hypothesis);
  }
  if (run_has_scores (run)) {
    json_builder_set_member_name (b, "gflop");
    build_doubles (b, r->gflop, n_exits);
    json_builder_set_member_name (b, "scores");
    json_builder_begin_array (b);
    for (guint e = 0; e < n_exits; e++)
      build_doubles (b, &r->scores[e * W2VEE_N_SCORES], W2VEE_N_SCORES);
    json_builder_end_array (b);
  }
  json_builder_end_object (b);
}

gboolean
w2vee_shard_write (const W2veeEvalRun *run, const char *dir, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *path = g_build_filename (dir, W2VEE_SHARD_FILE, NULL);
  g_autofree char *text = NULL;
  gsize len;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, FORMAT);
  json_builder_set_member_name (b, "shard");
  json_builder_add_int_value (b, run->shard);
  json_builder_set_member_name (b, "shards");
  json_builder_add_int_value (b, run->n_shards);
  json_builder_set_member_name (b, "run");
  build_run (b, run);
  json_builder_set_member_name (b, "results");
  json_builder_begin_array (b);
  for (guint s = 0; s < run->splits->len; s++) {
    const W2veeEvalSplit *split = run->splits->pdata[s];

    for (guint i = 0; i < split->results->len; i++)
      build_result (b, split->name,
          &g_array_index (split->results, W2veeEvalResult, i), run);
  }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, &len);
  /* written whole or not at all: its presence marks a finished shard */
  return g_file_set_contents (path, text, len, error);
}

/* ------------------------------------------------------------------------- */
/* Reading                                                                   */
/* ------------------------------------------------------------------------- */

/* One shard.json as read. */
typedef struct {
  char *dir;
  JsonParser *parser;
  JsonObject *root;
  JsonObject *run;
  guint shard, n_shards;
} ShardFile;

static void
shard_file_free (gpointer data)
{
  ShardFile *sf = data;

  g_free (sf->dir);
  g_clear_object (&sf->parser);
  g_free (sf);
}

static gboolean
malformed (const char *path, const char *what, GError **error)
{
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "%s: not a shard file of w2vee "
      "eval: %s", path, what);
  return FALSE;
}

/* An integer member in [lo, hi]. */
static gboolean
get_uint (JsonObject *o, const char *name, guint64 lo, guint64 hi, guint64 *out)
{
  JsonNode *n = json_object_get_member (o, name);
  gint64 v;

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (n);
  if (v < 0 || (guint64) v < lo || (guint64) v > hi)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
is_number (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n)
      && (json_node_get_value_type (n) == G_TYPE_DOUBLE
          || json_node_get_value_type (n) == G_TYPE_INT64);
}

static gboolean
is_boolean (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_BOOLEAN;
}

/* The @n numbers of array @node (nullable) into @out. */
static gboolean
get_doubles (JsonNode *node, guint n, double *out)
{
  JsonArray *a = node != NULL && JSON_NODE_HOLDS_ARRAY (node)
      ? json_node_get_array (node) : NULL;

  if (a == NULL || json_array_get_length (a) != n)
    return FALSE;
  for (guint i = 0; i < n; i++) {
    JsonNode *v = json_array_get_element (a, i);

    if (!is_number (v))
      return FALSE;
    out[i] = json_node_get_double (v);
  }
  return TRUE;
}

static const char *
get_string (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static JsonArray *
get_array (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n != NULL && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static ShardFile *
shard_file_read (const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, W2VEE_SHARD_FILE, NULL);
  ShardFile *sf = g_new0 (ShardFile, 1);
  g_autoptr (GError) local = NULL;
  JsonNode *root, *run;
  guint64 k, n;

  sf->dir = g_strdup (dir);
  sf->parser = json_parser_new ();
  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND, "%s: no %s: the shard did "
        "not finish (run it again with the same options)", dir, W2VEE_SHARD_FILE);
    goto failed;
  }
  if (!json_parser_load_from_file (sf->parser, path, &local)) {
    malformed (path, local->message, error);
    goto failed;
  }
  root = json_parser_get_root (sf->parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    malformed (path, "not a JSON object", error);
    goto failed;
  }
  sf->root = json_node_get_object (root);
  if (g_strcmp0 (get_string (sf->root, "format"), FORMAT) != 0) {
    malformed (path, "\"format\" is not \"" FORMAT "\"", error);
    goto failed;
  }
  if (!get_uint (sf->root, "shards", 1, MAX_SHARDS, &n)
      || !get_uint (sf->root, "shard", 1, n, &k)) {
    malformed (path, "no valid \"shard\" and \"shards\"", error);
    goto failed;
  }
  sf->shard = (guint) k;
  sf->n_shards = (guint) n;
  run = json_object_get_member (sf->root, "run");
  if (run == NULL || !JSON_NODE_HOLDS_OBJECT (run)) {
    malformed (path, "no \"run\" object", error);
    goto failed;
  }
  sf->run = json_node_get_object (run);
  return sf;

failed:
  shard_file_free (sf);
  return NULL;
}

/* Members of "run" that must agree between the shards of one run ("model", the path,
 * may differ between machines). */
static const char *const run_keys[] = {
  "model_sha256", "load_flags", "decoder", "decoder_options", "scoring", "policy",
  "policy_rule", "policy_threshold", "entropy", "sweep", "exit_layers", "gflop_per_s",
  "splits",
};

/* The first member of "run" on which @a and @b differ, or NULL. */
static const char *
run_difference (const ShardFile *a, const ShardFile *b)
{
  for (gsize i = 0; i < G_N_ELEMENTS (run_keys); i++) {
    JsonNode *na = json_object_get_member (a->run, run_keys[i]);
    JsonNode *nb = json_object_get_member (b->run, run_keys[i]);

    if (na == NULL || nb == NULL) {
      if (na != nb)
        return run_keys[i];
      continue;
    }
    if (!json_node_equal (na, nb))
      return run_keys[i];
  }
  return NULL;
}

/* Fills @run's header from the (checked equal) "run" of @sf. */
static gboolean
read_run (const ShardFile *sf, W2veeEvalRun *run, GError **error)
{
  g_autofree char *path = g_build_filename (sf->dir, W2VEE_SHARD_FILE, NULL);
  JsonArray *layers = get_array (sf->run, "exit_layers");
  JsonArray *gflop = get_array (sf->run, "gflop_per_s");
  JsonArray *splits = get_array (sf->run, "splits");
  const char *model = get_string (sf->run, "model");
  const char *digest = get_string (sf->run, "model_sha256");
  const char *decoder = get_string (sf->run, "decoder");
  const char *decoder_options = get_string (sf->run, "decoder_options");
  const char *policy = get_string (sf->run, "policy");
  const char *policy_rule = get_string (sf->run, "policy_rule");
  JsonNode *threshold = json_object_get_member (sf->run, "policy_threshold");
  JsonNode *entropy = json_object_get_member (sf->run, "entropy");
  JsonNode *sweep = json_object_get_member (sf->run, "sweep");
  guint64 flags;

  if (layers == NULL || gflop == NULL || splits == NULL || model == NULL
      || digest == NULL || decoder == NULL || decoder_options == NULL || policy == NULL
      || policy_rule == NULL || !is_number (threshold) || !is_boolean (entropy)
      || !is_boolean (sweep) || !get_uint (sf->run, "load_flags", 0, G_MAXUINT, &flags)
      || json_array_get_length (layers) == 0
      || json_array_get_length (layers) != json_array_get_length (gflop)
      || json_array_get_length (splits) == 0)
    return malformed (path, "incomplete \"run\"", error);
  run->model = g_strdup (model);
  run->model_sha256 = g_strdup (digest);
  run->decoder = g_strdup (decoder);
  run->decoder_options = g_strdup (decoder_options);
  run->policy = g_strdup (policy);
  run->policy_rule = g_strdup (policy_rule);
  run->policy_threshold = json_node_get_double (threshold);
  run->entropy = json_node_get_boolean (entropy);
  run->sweep = json_node_get_boolean (sweep);
  run->load_flags = (guint) flags;
  run->n_exits = json_array_get_length (layers);
  run->layers = g_new (guint, run->n_exits);
  run->gflop = g_new (double, run->n_exits);
  for (guint e = 0; e < run->n_exits; e++) {
    run->layers[e] = (guint) json_array_get_int_element (layers, e);
    run->gflop[e] = json_node_get_double (json_array_get_element (gflop, e));
  }
  for (guint s = 0; s < json_array_get_length (splits); s++) {
    JsonNode *node = json_array_get_element (splits, s);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    const char *name = o != NULL ? get_string (o, "name") : NULL;
    const char *manifest = o != NULL ? get_string (o, "manifest") : NULL;
    const char *sha = o != NULL ? get_string (o, "manifest_sha256") : NULL;
    guint64 n_items;
    W2veeEvalSplit *split;

    if (name == NULL || manifest == NULL || sha == NULL
        || !get_uint (o, "items", 1, G_MAXUINT, &n_items))
      return malformed (path, "incomplete split in \"run\"", error);
    split = w2vee_eval_split_new (name, manifest, (guint) n_items);
    split->manifest_sha256 = g_strdup (sha);
    g_array_set_size (split->results, n_items);  /* zeroed: file NULL = not seen yet */
    g_ptr_array_add (run->splits, split);
  }
  return TRUE;
}

static W2veeEvalSplit *
find_split (W2veeEvalRun *run, const char *name)
{
  for (guint s = 0; s < run->splits->len; s++) {
    W2veeEvalSplit *split = run->splits->pdata[s];

    if (strcmp (split->name, name) == 0)
      return split;
  }
  return NULL;
}

/* The policy run and scores of result @o into @r, as @run's header asks for. */
static gboolean
read_result_extras (JsonObject *o, const W2veeEvalRun *run, W2veeEvalResult *r)
{
  if (run_has_policy (run)) {
    const char *hyp = get_string (o, "policy_hypothesis");
    JsonNode *gflop = json_object_get_member (o, "policy_gflop");
    guint64 exit, layers;

    if (hyp == NULL || !is_number (gflop)
        || !get_uint (o, "policy_exit", 1, run->n_exits, &exit)
        || !get_uint (o, "policy_layers", 0, G_MAXUINT, &layers))
      return FALSE;
    r->policy_exit = (guint) exit;
    r->policy_layers = (guint) layers;
    r->policy_gflop = json_node_get_double (gflop);
    r->policy_hypothesis = g_strdup (hyp);
  }
  if (run_has_scores (run)) {
    JsonArray *scores = get_array (o, "scores");

    r->gflop = g_new (double, run->n_exits);
    r->scores = g_new (double, run->n_exits * W2VEE_N_SCORES);
    if (!get_doubles (json_object_get_member (o, "gflop"), run->n_exits, r->gflop)
        || scores == NULL || json_array_get_length (scores) != run->n_exits)
      return FALSE;
    for (guint e = 0; e < run->n_exits; e++) {
      if (!get_doubles (json_array_get_element (scores, e), W2VEE_N_SCORES,
              &r->scores[e * W2VEE_N_SCORES]))
        return FALSE;
    }
  }
  return TRUE;
}

/* Puts the results of @sf into their places in @run; every item must be the shard's
 * own and seen once. */
static gboolean
read_results (const ShardFile *sf, W2veeEvalRun *run, int *status, GError **error)
{
  g_autofree char *path = g_build_filename (sf->dir, W2VEE_SHARD_FILE, NULL);
  JsonArray *results = get_array (sf->root, "results");

  if (results == NULL)
    return malformed (path, "no \"results\" array", error);
  for (guint i = 0; i < json_array_get_length (results); i++) {
    JsonNode *node = json_array_get_element (results, i);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    const char *split_name = o != NULL ? get_string (o, "split") : NULL;
    const char *file = o != NULL ? get_string (o, "file") : NULL;
    const char *expected = o != NULL ? get_string (o, "expected") : NULL;
    JsonArray *hyps = o != NULL ? get_array (o, "hypotheses") : NULL;
    JsonNode *infer = o != NULL ? json_object_get_member (o, "infer_s") : NULL;
    W2veeEvalSplit *split = split_name != NULL ? find_split (run, split_name) : NULL;
    W2veeEvalResult *r;
    guint64 index, samples;

    if (split == NULL || file == NULL || expected == NULL || hyps == NULL
        || infer == NULL || !JSON_NODE_HOLDS_VALUE (infer)
        || json_array_get_length (hyps) != run->n_exits
        || !get_uint (o, "index", 0, split->n_items - 1, &index)
        || !get_uint (o, "samples", 0, G_MAXINT64, &samples))
      return malformed (path, "a result without split, index (within the split), file, "
          "expected, hypotheses (one per exit), samples or infer_s", error);
    if (index % sf->n_shards != sf->shard - 1) {
      *status = W2VEE_EXIT_SHARDS;
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT, "%s: item %"
          G_GUINT64_FORMAT " of split '%s' belongs to shard %" G_GUINT64_FORMAT "/%u, "
          "not to this shard %u/%u", sf->dir, index, split->name,
          index % sf->n_shards + 1, sf->n_shards, sf->shard, sf->n_shards);
      return FALSE;
    }
    r = &g_array_index (split->results, W2veeEvalResult, index);
    if (r->file != NULL) {
      *status = W2VEE_EXIT_SHARDS;
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT, "%s: item %"
          G_GUINT64_FORMAT " of split '%s' appears twice", sf->dir, index, split->name);
      return FALSE;
    }
    r->index = (guint) index;
    r->file = g_strdup (file);
    r->reference = g_strdup (expected);
    r->hypotheses = g_new0 (char *, run->n_exits + 1);
    for (guint e = 0; e < run->n_exits; e++)
      r->hypotheses[e] = g_strdup (json_array_get_string_element (hyps, e));
    r->n_samples = samples;
    r->infer_s = json_node_get_double (infer);
    if (!read_result_extras (o, run, r))
      return malformed (path, "a result without the policy run (policy_exit, "
          "policy_layers, policy_gflop, policy_hypothesis) or the scores (gflop, scores) "
          "its run's header asks for", error);
  }
  return TRUE;
}

W2veeEvalRun *
w2vee_shard_merge (char **dirs, int *status, GError **error)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (shard_file_free);
  g_autofree ShardFile **by_k = NULL;  /* (n_shards) the file of shard K at K-1 */
  g_autoptr (W2veeEvalRun) run = NULL;
  ShardFile *first;
  guint n;

  *status = 1;
  for (guint i = 0; dirs[i] != NULL; i++) {
    ShardFile *sf = shard_file_read (dirs[i], error);

    if (sf == NULL) {
      if (g_error_matches (*error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND))
        *status = W2VEE_EXIT_SHARDS;  /* an unfinished shard: a missing one */
      return NULL;
    }
    g_ptr_array_add (files, sf);
  }
  g_return_val_if_fail (files->len > 0, NULL);

  *status = W2VEE_EXIT_SHARDS;
  first = files->pdata[0];
  n = first->n_shards;
  by_k = g_new0 (ShardFile *, n);
  for (guint i = 0; i < files->len; i++) {
    ShardFile *sf = files->pdata[i];
    const char *diff;

    if (sf->n_shards != n) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT, "%s is shard %u/%u "
          "but %s is shard %u/%u: not shards of one run", sf->dir, sf->shard,
          sf->n_shards, first->dir, first->shard, n);
      return NULL;
    }
    diff = run_difference (first, sf);
    if (diff != NULL) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT, "%s and %s are "
          "shards of different runs: their \"%s\" differs (model, manifests or options)",
          first->dir, sf->dir, diff);
      return NULL;
    }
    if (by_k[sf->shard - 1] != NULL) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT, "shard %u/%u is "
          "given twice: %s and %s", sf->shard, n, by_k[sf->shard - 1]->dir, sf->dir);
      return NULL;
    }
    by_k[sf->shard - 1] = sf;
  }
  for (guint k = 0; k < n; k++) {
    if (by_k[k] == NULL) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND, "shard %u/%u is missing "
          "(%u of %u shard folders given)", k + 1, n, files->len, n);
      return NULL;
    }
  }

  *status = 1;
  run = w2vee_eval_run_new ();
  if (!read_run (first, run, error))
    return NULL;
  for (guint k = 0; k < n; k++) {
    if (!read_results (by_k[k], run, status, error))
      return NULL;
  }
  /* each shard's items were its own and unique; all N shards present: check anyway */
  for (guint s = 0; s < run->splits->len; s++) {
    W2veeEvalSplit *split = run->splits->pdata[s];

    for (guint i = 0; i < split->n_items; i++) {
      if (g_array_index (split->results, W2veeEvalResult, i).file == NULL) {
        *status = W2VEE_EXIT_SHARDS;
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT, "%s: item %u of "
            "split '%s' is missing from its shard", by_k[i % n]->dir, i, split->name);
        return NULL;
      }
    }
  }
  return g_steal_pointer (&run);
}
