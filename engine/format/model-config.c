/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* config.json, preprocessor_config.json and vocab.json (see model-config.h). */
#include "model-config.h"

#include <string.h>

#include "json.h"

/* A frame's stride and receptive field, in samples, may not exceed this (17 min):
 * keeps every derived quantity far from overflow. */
#define MAX_FRAME_SAMPLES (G_GUINT64_CONSTANT (1) << 24)

typedef struct {
  const char *path;
  JsonObject *obj;
} Doc;

static const char *
node_kind (JsonNode *node)
{
  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
    default:
      break;
  }
  switch (json_node_get_value_type (node)) {
    case G_TYPE_INT64:
      return "an integer";
    case G_TYPE_DOUBLE:
      return "a fractional number";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_STRING:
    default:
      return "a string";
  }
}

static gboolean
is_type (JsonNode *node, GType type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
wrong_type (const Doc *doc, const char *key, const char *expected, JsonNode *node,
    GError **error)
{
  /* List items come as "key"[i], already quoted. */
  gboolean quoted = key[0] == '"';

  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
      "%s: %s%s%s must be %s, found %s", doc->path, quoted ? "" : "\"", key,
      quoted ? "" : "\"", expected, node_kind (node));
  return FALSE;
}

/* Range check of one integer; @what is the key, or "key"[i] for list items. */
static gboolean
check_range (const Doc *doc, const char *what, gint64 v, gsize min, gsize max,
    gsize *out, GError **error)
{
  if (v < 0 || (guint64) v < min) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
        "%s: %s is %" G_GINT64_FORMAT ", must be at least %" G_GSIZE_FORMAT,
        doc->path, what, v, min);
    return FALSE;
  }
  if ((guint64) v > max) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s: %s is %" G_GINT64_FORMAT ", above the limit of %" G_GSIZE_FORMAT,
        doc->path, what, v, max);
    return FALSE;
  }
  *out = (gsize) v;
  return TRUE;
}

/* An integer key; absent: an error when @required, else @def. */
static gboolean
get_size (const Doc *doc, const char *key, gboolean required, gsize def, gsize min,
    gsize max, gsize *out, GError **error)
{
  JsonNode *node = json_object_get_member (doc->obj, key);
  g_autofree char *what = NULL;

  if (node == NULL) {
    if (required) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
          "%s: missing key \"%s\"", doc->path, key);
      return FALSE;
    }
    *out = def;
    return TRUE;
  }
  if (!is_type (node, G_TYPE_INT64))
    return wrong_type (doc, key, "an integer", node, error);
  what = g_strdup_printf ("\"%s\"", key);
  return check_range (doc, what, json_node_get_int (node), min, max, out, error);
}

static gboolean
get_bool (const Doc *doc, const char *key, gboolean def, gboolean *out,
    GError **error)
{
  JsonNode *node = json_object_get_member (doc->obj, key);

  *out = def;
  if (node == NULL)
    return TRUE;
  if (!is_type (node, G_TYPE_BOOLEAN))
    return wrong_type (doc, key, "true or false", node, error);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* A string key that must be one of @allowed (NULL-terminated) when present. */
static gboolean
get_choice (const Doc *doc, const char *key, const char *const *allowed, guint def,
    guint *out, GError **error)
{
  JsonNode *node = json_object_get_member (doc->obj, key);
  g_autofree char *list = NULL;
  const char *s;

  if (node == NULL) {
    *out = def;
    return TRUE;
  }
  if (!is_type (node, G_TYPE_STRING))
    return wrong_type (doc, key, "a string", node, error);
  s = json_node_get_string (node);
  for (guint i = 0; allowed[i] != NULL; i++) {
    if (strcmp (s, allowed[i]) == 0) {
      *out = i;
      return TRUE;
    }
  }
  list = g_strjoinv ("\", \"", (char **) allowed);
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
      "%s: \"%s\" is \"%s\", which is not supported (supported: \"%s\")",
      doc->path, key, s, list);
  return FALSE;
}

/* A required list of integers in [min, max] with 1..@max_len items. */
static gboolean
get_size_list (const Doc *doc, const char *key, gsize min, gsize max,
    gsize *out, gsize max_len, gsize *n_out, GError **error)
{
  JsonNode *node = json_object_get_member (doc->obj, key);
  JsonArray *array;
  guint n;

  if (node == NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
        "%s: missing key \"%s\"", doc->path, key);
    return FALSE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (doc, key, "a list of integers", node, error);
  array = json_node_get_array (node);
  n = json_array_get_length (array);
  if (n == 0) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
        "%s: \"%s\" is empty", doc->path, key);
    return FALSE;
  }
  if (n > max_len) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s: \"%s\" has %u entries, above the limit of %" G_GSIZE_FORMAT,
        doc->path, key, n, max_len);
    return FALSE;
  }
  for (guint i = 0; i < n; i++) {
    JsonNode *item = json_array_get_element (array, i);
    g_autofree char *what = g_strdup_printf ("\"%s\"[%u]", key, i);

    if (!is_type (item, G_TYPE_INT64))
      return wrong_type (doc, what, "an integer", item, error);
    if (!check_range (doc, what, json_node_get_int (item), min, max, &out[i], error))
      return FALSE;
  }
  *n_out = n;
  return TRUE;
}

static gboolean
parse_exit_layers (const Doc *doc, gsize n_layers, guint *exit_layers,
    guint *n_exit_layers, GError **error)
{
  JsonNode *node = json_object_get_member (doc->obj, "exit_layers");
  gsize layers[W2VEE_MAX_LAYERS];
  gsize n = 0;

  *n_exit_layers = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!get_size_list (doc, "exit_layers", 1, W2VEE_MAX_LAYERS, layers,
          W2VEE_MAX_LAYERS, &n, error))
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    if (layers[i] > n_layers) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
          "%s: \"exit_layers\"[%" G_GSIZE_FORMAT "] is %" G_GSIZE_FORMAT ", beyond "
          "the model's %" G_GSIZE_FORMAT " layers (\"num_hidden_layers\")", doc->path,
          i, layers[i], n_layers);
      return FALSE;
    }
    if (i > 0 && layers[i] <= layers[i - 1]) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
          "%s: \"exit_layers\" must be strictly increasing, but entry %" G_GSIZE_FORMAT
          " (%" G_GSIZE_FORMAT ") follows %" G_GSIZE_FORMAT, doc->path, i, layers[i],
          layers[i - 1]);
      return FALSE;
    }
    exit_layers[i] = (guint) layers[i];
  }
  *n_exit_layers = (guint) n;
  return TRUE;
}

static gboolean
check_divides (const Doc *doc, const char *key, gsize d, gsize by, GError **error)
{
  if (d % by != 0) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
        "%s: hidden_size %" G_GSIZE_FORMAT " is not divisible by %s %" G_GSIZE_FORMAT,
        doc->path, d, key, by);
    return FALSE;
  }
  return TRUE;
}

static JsonNode *
parse_object (const char *data, gsize len, const char *path, gint code,
    GError **error)
{
  JsonNode *root = w2vee_json_parse (data, len, path, code, error);

  if (root != NULL && !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, W2VEE_ERROR, code, "%s: must be a JSON object, found %s",
        path, node_kind (root));
    g_clear_pointer (&root, json_node_unref);
  }
  return root;
}

/* Keys and defaults. Required (HF always writes them, and a guess would only turn
 * into a confusing shape error): hidden_size, num_hidden_layers,
 * num_attention_heads, intermediate_size, conv_dim, conv_kernel, conv_stride,
 * num_conv_pos_embeddings, num_conv_pos_embedding_groups, vocab_size.
 * Defaults of transformers' Wav2Vec2Config: hidden_act "gelu",
 * feat_extract_activation "gelu", layer_norm_eps 1e-5, feat_extract_norm "group",
 * conv_bias false, do_stable_layer_norm false, pad_token_id 0, add_adapter false.
 * model_type, when present, must be "wav2vec2". */
gboolean
w2vee_config_parse (const char *data, gsize len, const char *path,
    W2veeConfig *cfg, guint *exit_layers, guint *n_exit_layers, GError **error)
{
  static const char *const gelu[] = { "gelu", NULL };
  static const char *const wav2vec2[] = { "wav2vec2", NULL };
  static const char *const norms[] = { "group", "layer", NULL };
  g_autoptr (JsonNode) root = NULL;
  gsize n_kernel = 0, n_stride = 0;
  guint64 stride = 1, field = 1;
  gboolean adapter;
  JsonNode *eps;
  guint choice;
  Doc doc;

  g_return_val_if_fail (cfg != NULL && exit_layers != NULL && n_exit_layers != NULL,
      FALSE);

  memset (cfg, 0, sizeof *cfg);
  cfg->do_normalize = TRUE;
  *n_exit_layers = 0;
  root = parse_object (data, len, path, W2VEE_ERROR_CONFIG, error);
  if (root == NULL)
    return FALSE;
  doc.path = path;
  doc.obj = json_node_get_object (root);

  if (!get_choice (&doc, "model_type", wav2vec2, 0, &choice, error) ||
      !get_choice (&doc, "hidden_act", gelu, 0, &choice, error) ||
      !get_choice (&doc, "feat_extract_activation", gelu, 0, &choice, error) ||
      !get_choice (&doc, "feat_extract_norm", norms, 0, &choice, error))
    return FALSE;
  cfg->conv_norm = choice == 0 ? W2VEE_CONV_NORM_GROUP : W2VEE_CONV_NORM_LAYER;
  if (!get_bool (&doc, "add_adapter", FALSE, &adapter, error))
    return FALSE;
  if (adapter) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
        "%s: \"add_adapter\" is true: adapter layers are not supported", path);
    return FALSE;
  }

  if (!get_size (&doc, "hidden_size", TRUE, 0, 1, W2VEE_MAX_CHANNELS,
          &cfg->hidden_size, error) ||
      !get_size (&doc, "num_hidden_layers", TRUE, 0, 1, W2VEE_MAX_LAYERS,
          &cfg->n_layers, error) ||
      !get_size (&doc, "num_attention_heads", TRUE, 0, 1, W2VEE_MAX_CHANNELS,
          &cfg->n_heads, error) ||
      !get_size (&doc, "intermediate_size", TRUE, 0, 1, W2VEE_MAX_INTERMEDIATE,
          &cfg->intermediate_size, error) ||
      !get_size_list (&doc, "conv_dim", 1, W2VEE_MAX_CHANNELS, cfg->conv_dim,
          W2VEE_MAX_CONV_LAYERS, &cfg->n_conv, error) ||
      !get_size_list (&doc, "conv_kernel", 1, W2VEE_MAX_KERNEL, cfg->conv_kernel,
          W2VEE_MAX_CONV_LAYERS, &n_kernel, error) ||
      !get_size_list (&doc, "conv_stride", 1, W2VEE_MAX_KERNEL, cfg->conv_stride,
          W2VEE_MAX_CONV_LAYERS, &n_stride, error) ||
      !get_bool (&doc, "conv_bias", FALSE, &cfg->conv_bias, error) ||
      !get_size (&doc, "num_conv_pos_embeddings", TRUE, 0, 1, W2VEE_MAX_KERNEL,
          &cfg->pos_kernel, error) ||
      !get_size (&doc, "num_conv_pos_embedding_groups", TRUE, 0, 1,
          W2VEE_MAX_CHANNELS, &cfg->pos_groups, error) ||
      !get_bool (&doc, "do_stable_layer_norm", FALSE, &cfg->stable_layer_norm, error) ||
      !get_size (&doc, "vocab_size", TRUE, 0, 1, W2VEE_MAX_VOCAB, &cfg->vocab_size,
          error) ||
      !get_size (&doc, "pad_token_id", FALSE, 0, 0, W2VEE_MAX_VOCAB,
          &cfg->pad_token_id, error))
    return FALSE;

  eps = json_object_get_member (doc.obj, "layer_norm_eps");
  cfg->layer_norm_eps = 1e-5;
  if (eps != NULL) {
    if (!is_type (eps, G_TYPE_DOUBLE) && !is_type (eps, G_TYPE_INT64))
      return wrong_type (&doc, "layer_norm_eps", "a number", eps, error);
    cfg->layer_norm_eps = json_node_get_double (eps);
    if (!(cfg->layer_norm_eps >= 0.0 && cfg->layer_norm_eps < 1.0)) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
          "%s: \"layer_norm_eps\" is %g, must be in [0, 1)", path,
          cfg->layer_norm_eps);
      return FALSE;
    }
  }

  if (n_kernel != cfg->n_conv || n_stride != cfg->n_conv) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
        "%s: \"conv_dim\", \"conv_kernel\" and \"conv_stride\" must have the same "
        "length, but have %" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT " and %"
        G_GSIZE_FORMAT " entries", path, cfg->n_conv, n_kernel, n_stride);
    return FALSE;
  }
  /* Receptive field: each layer widens it by (K - 1) input strides. */
  for (gsize i = 0; i < cfg->n_conv; i++) {
    field += (cfg->conv_kernel[i] - 1) * stride;
    stride *= cfg->conv_stride[i];
    if (stride > MAX_FRAME_SAMPLES || field > MAX_FRAME_SAMPLES) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
          "%s: the conv layers make frames of more than %" G_GUINT64_FORMAT
          " samples (\"conv_kernel\", \"conv_stride\")", path, MAX_FRAME_SAMPLES);
      return FALSE;
    }
  }
  /* (more heads than channels fails here too: hidden_size >= 1 is below n_heads) */
  if (!check_divides (&doc, "num_attention_heads", cfg->hidden_size, cfg->n_heads,
          error))
    return FALSE;
  if (!check_divides (&doc, "num_conv_pos_embedding_groups", cfg->hidden_size,
          cfg->pos_groups, error))
    return FALSE;
  if (cfg->pad_token_id >= cfg->vocab_size) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
        "%s: \"pad_token_id\" %" G_GSIZE_FORMAT " (the CTC blank) is not below "
        "\"vocab_size\" %" G_GSIZE_FORMAT, path, cfg->pad_token_id, cfg->vocab_size);
    return FALSE;
  }
  return parse_exit_layers (&doc, cfg->n_layers, exit_layers, n_exit_layers, error);
}

gboolean
w2vee_preprocessor_config_parse (const char *data, gsize len, const char *path,
    gboolean *do_normalize, GError **error)
{
  g_autoptr (JsonNode) root = NULL;
  gsize rate;
  Doc doc;

  root = parse_object (data, len, path, W2VEE_ERROR_CONFIG, error);
  if (root == NULL)
    return FALSE;
  doc.path = path;
  doc.obj = json_node_get_object (root);
  if (!get_bool (&doc, "do_normalize", TRUE, do_normalize, error) ||
      !get_size (&doc, "sampling_rate", FALSE, W2VEE_SAMPLE_RATE, 1, G_MAXINT32,
          &rate, error))
    return FALSE;
  if (rate != W2VEE_SAMPLE_RATE) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
        "%s: \"sampling_rate\" is %" G_GSIZE_FORMAT " Hz; this engine runs models "
        "trained at %d Hz only", path, rate, W2VEE_SAMPLE_RATE);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* vocab.json                                                                */
/* ------------------------------------------------------------------------- */

/* Read member by member: a huge file fails at token W2VEE_MAX_VOCAB + 1 instead of
 * first becoming a tree. */
char **
w2vee_vocab_parse (const char *data, gsize len, const char *path, GError **error)
{
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) lines = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree guint *by_id = NULL;
  W2veeJsonReader r;
  char **out;
  guint n = 0;

  if (!w2vee_json_reader_init (&r, data, len, path, W2VEE_ERROR_VOCAB, error))
    return NULL;
  if (w2vee_json_peek (&r) != W2VEE_JSON_OBJECT) {
    w2vee_json_error_at (&r, r.pos, error, W2VEE_ERROR_VOCAB,
        "vocab.json must be a JSON object mapping each token to its id");
    return NULL;
  }
  if (!w2vee_json_begin_object (&r, error))
    return NULL;
  for (;;) {
    g_autofree char *token = NULL;
    gsize at, line;
    gboolean is_int;
    gint64 id;
    double d;

    if (!w2vee_json_next_member (&r, &n, &token, error))
      return NULL;
    if (token == NULL)
      break;
    at = r.key_pos;
    if (n > W2VEE_MAX_VOCAB) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
          "%s: more than %d tokens", path, W2VEE_MAX_VOCAB);
      return NULL;
    }
    if (*token == '\0') {
      w2vee_json_error_at (&r, at, error, W2VEE_ERROR_VOCAB, "empty token");
      return NULL;
    }
    if (strlen (token) > W2VEE_MAX_TOKEN_BYTES) {
      w2vee_json_error_at (&r, at, error, W2VEE_ERROR_VOCAB,
          "token of %" G_GSIZE_FORMAT " bytes, above the limit of %d",
          strlen (token), W2VEE_MAX_TOKEN_BYTES);
      return NULL;
    }
    if (g_hash_table_contains (seen, token)) {
      w2vee_json_error_at (&r, at, error, W2VEE_ERROR_DUPLICATE,
          "duplicate token \"%s\"", token);
      return NULL;
    }
    if (w2vee_json_peek (&r) != W2VEE_JSON_NUMBER) {
      w2vee_json_error_at (&r, r.pos, error, W2VEE_ERROR_VOCAB,
          "the id of token \"%s\" must be an integer", token);
      return NULL;
    }
    at = r.pos;
    if (!w2vee_json_read_number (&r, &is_int, &id, &d, error))
      return NULL;
    if (!is_int) {
      w2vee_json_error_at (&r, at, error, W2VEE_ERROR_VOCAB,
          "the id of token \"%s\" must be an integer", token);
      return NULL;
    }
    line = w2vee_json_line_of (&r, at);
    g_hash_table_add (seen, token);
    g_ptr_array_add (tokens, g_steal_pointer (&token));
    g_array_append_val (ids, id);
    g_array_append_val (lines, line);
  }
  if (!w2vee_json_end (&r, error))
    return NULL;
  if (tokens->len == 0) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_VOCAB, "%s: no tokens", path);
    return NULL;
  }

  /* V tokens with distinct ids in 0..V-1 are exactly the ids 0..V-1. */
  by_id = g_new0 (guint, tokens->len);
  for (guint i = 0; i < tokens->len; i++) {
    gint64 id = g_array_index (ids, gint64, i);
    gsize line = g_array_index (lines, gsize, i);

    if (id < 0 || id >= (gint64) tokens->len) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_VOCAB,
          "%s:%" G_GSIZE_FORMAT ": token \"%s\" has id %" G_GINT64_FORMAT ", out of "
          "range: with %u tokens the ids must be 0..%u", path, line,
          (char *) tokens->pdata[i], id, tokens->len, tokens->len - 1);
      return NULL;
    }
    if (by_id[id] != 0) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_VOCAB,
          "%s:%" G_GSIZE_FORMAT ": tokens \"%s\" and \"%s\" both have id %"
          G_GINT64_FORMAT, path, line, (char *) tokens->pdata[by_id[id] - 1],
          (char *) tokens->pdata[i], id);
      return NULL;
    }
    by_id[id] = i + 1;
  }
  out = g_new0 (char *, tokens->len + 1);
  for (guint id = 0; id < tokens->len; id++)
    out[id] = g_strdup (tokens->pdata[by_id[id] - 1]);
  return out;
}

char **
w2vee_vocab_default (void)
{
  static const char *const special[] = { "<pad>", "<s>", "</s>", "<unk>", "|" };
  static const char letters[] = "ETAONIHSRDLUMWCFGYPBVK'XJQZ";
  char **out = g_new0 (char *, G_N_ELEMENTS (special) + sizeof letters);
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (special); i++)
    out[n++] = g_strdup (special[i]);
  for (guint i = 0; letters[i] != '\0'; i++)
    out[n++] = g_strndup (&letters[i], 1);
  return out;
}
