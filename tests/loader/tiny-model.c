/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Writes the tiny test model of tiny-model.h. */
#include "tiny-model.h"

#include <errno.h>
#include <string.h>

#define PREFIX "wav2vec2."

static const char *const default_vocab[] = {
  "<pad>", "<s>", "</s>", "<unk>", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R",
  "D", "L", "U", "M", "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q",
  "Z",
};

void
tiny_options_init (TinyOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->dtype = TINY_F32;
  opts->n_layers = 2;
  opts->n_decoders = 2;
  opts->seed = 1234;
}

static void
tensor_free (gpointer p)
{
  TinyTensor *t = p;

  g_free (t->name);
  g_free (t->dtype);
  g_free (t->values);
  g_byte_array_unref (t->data);
  g_free (t->offsets);
  g_free (t->raw_entry);
  g_free (t);
}

void
tiny_model_free (TinyModel *m)
{
  g_ptr_array_unref (m->tensors);
  json_object_unref (m->config);
  g_free (m->config_raw);
  g_free (m->vocab_json);
  g_free (m->preprocessor_json);
  g_free (m->header_extra);
  g_free (m->header_raw);
  g_free (m);
}

/* Exact encodings: the values written are k/256 or k/128 with at most 8
 * significant bits, normal in both formats. */
static guint16
to_f16 (float f)
{
  guint32 b, sign, man;
  int e;

  memcpy (&b, &f, 4);
  sign = (b >> 16) & 0x8000;
  if ((b & 0x7FFFFFFF) == 0)
    return (guint16) sign;
  e = (int) ((b >> 23) & 0xFF) - 127 + 15;
  man = b & 0x7FFFFF;
  g_assert (e > 0 && e < 31 && (man & 0x1FFF) == 0);
  return (guint16) (sign | (guint32) e << 10 | man >> 13);
}

static guint16
to_bf16 (float f)
{
  guint32 b;

  memcpy (&b, &f, 4);
  g_assert ((b & 0xFFFF) == 0);
  return (guint16) (b >> 16);
}

static gsize
shape_numel (guint n_dims, const gsize *shape)
{
  gsize n = 1;

  for (guint i = 0; i < n_dims; i++)
    n *= shape[i];
  return n;
}

/* Random values into t->values and their encoding into t->data. */
static void
fill (TinyModel *m, TinyTensor *t, gboolean positive, guint32 salt)
{
  gsize n = shape_numel (t->n_dims, t->shape);
  g_autoptr (GRand) rng = g_rand_new_with_seed (m->opts.seed ^ salt);
  gboolean f16 = strcmp (t->dtype, "F16") == 0, bf16 = strcmp (t->dtype, "BF16") == 0;

  g_free (t->values);
  t->values = g_new (float, MAX (n, 1));
  g_byte_array_set_size (t->data, 0);
  for (gsize i = 0; i < n; i++) {
    float v = positive ? (float) g_rand_int_range (rng, 64, 192) / 128.0f :
        (float) g_rand_int_range (rng, -127, 128) / 256.0f;
    guint8 b[4];

    t->values[i] = v;
    if (f16 || bf16) {
      guint16 h = f16 ? to_f16 (v) : to_bf16 (v);

      b[0] = h & 0xFF;
      b[1] = h >> 8;
      g_byte_array_append (t->data, b, 2);
    } else {
      guint32 u;

      memcpy (&u, &v, 4);
      for (int k = 0; k < 4; k++)
        b[k] = (u >> (8 * k)) & 0xFF;
      g_byte_array_append (t->data, b, 4);
    }
  }
}

/* Seed of a tensor's values: both weight-norm namings get the same values. */
static guint32
name_hash (const char *name)
{
  g_autoptr (GString) s = g_string_new (name);

  g_string_replace (s, "parametrizations.weight.original0", "weight_g", 0);
  g_string_replace (s, "parametrizations.weight.original1", "weight_v", 0);
  return g_str_hash (s->str);
}

TinyTensor *
tiny_model_add (TinyModel *m, const char *name, const char *dtype, guint n_dims,
    const gsize *shape, gsize elem_bytes)
{
  TinyTensor *t = g_new0 (TinyTensor, 1);

  g_assert (n_dims <= G_N_ELEMENTS (t->shape));
  t->name = g_strdup (name);
  t->dtype = g_strdup (dtype);
  t->n_dims = n_dims;
  memcpy (t->shape, shape, n_dims * sizeof (gsize));
  t->data = g_byte_array_new ();
  if (strcmp (dtype, "F32") == 0 || strcmp (dtype, "F16") == 0 ||
      strcmp (dtype, "BF16") == 0) {
    fill (m, t, strstr (name, "weight_g") != NULL || strstr (name, "original0") != NULL,
        name_hash (name));
  } else {
    g_byte_array_set_size (t->data, (guint) (shape_numel (n_dims, shape) * elem_bytes));
    if (t->data->len > 0)
      memset (t->data->data, 0, t->data->len);
  }
  g_ptr_array_add (m->tensors, t);
  return t;
}

TinyTensor *
tiny_model_tensor (TinyModel *m, const char *name)
{
  for (guint i = 0; i < m->tensors->len; i++) {
    TinyTensor *t = m->tensors->pdata[i];

    if (strcmp (t->name, name) == 0)
      return t;
  }
  return NULL;
}

void
tiny_model_remove (TinyModel *m, const char *name)
{
  TinyTensor *t = tiny_model_tensor (m, name);

  g_assert (t != NULL);
  g_ptr_array_remove (m->tensors, t);
}

void
tiny_model_rename (TinyModel *m, const char *name, const char *new_name)
{
  TinyTensor *t = tiny_model_tensor (m, name);

  g_assert (t != NULL);
  g_free (t->name);
  t->name = g_strdup (new_name);
}

void
tiny_tensor_reshape (TinyModel *m, TinyTensor *t, guint n_dims, const gsize *shape)
{
  t->n_dims = n_dims;
  memcpy (t->shape, shape, n_dims * sizeof (gsize));
  fill (m, t, FALSE, name_hash (t->name) + 1);
}

void
tiny_model_set_config (TinyModel *m, const char *key, const char *json)
{
  g_autoptr (JsonParser) parser = NULL;

  if (json == NULL) {
    json_object_remove_member (m->config, key);
    return;
  }
  parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  json_object_set_member (m->config, key, json_node_copy (json_parser_get_root (parser)));
}

static void
set_int_list (JsonObject *o, const char *key, const gint64 *v, guint n)
{
  JsonArray *a = json_array_new ();

  for (guint i = 0; i < n; i++)
    json_array_add_int_element (a, v[i]);
  json_object_set_array_member (o, key, a);
}

char *
tiny_default_vocab_json (void)
{
  GString *s = g_string_new ("{");

  for (guint i = 0; i < G_N_ELEMENTS (default_vocab); i++)
    g_string_append_printf (s, "%s\n  \"%s\": %u", i ? "," : "", default_vocab[i], i);
  g_string_append (s, "\n}\n");
  return g_string_free (s, FALSE);
}

TinyModel *
tiny_model_new (const TinyOptions *opts)
{
  static const gint64 conv_dim[] = { 4, 6 }, conv_kernel[] = { 3, 2 },
      conv_stride[] = { 2, 2 };
  const gsize d = 8, heads = 2, ffn = 12, kp = 4, groups = 2, v = 32;
  const char *dtype = opts->dtype == TINY_F16 ? "F16" :
      opts->dtype == TINY_BF16 ? "BF16" : "F32";
  TinyModel *m = g_new0 (TinyModel, 1);
  JsonObject *c;

  m->opts = *opts;
  m->tensors = g_ptr_array_new_with_free_func (tensor_free);

  for (guint i = 0; i < G_N_ELEMENTS (conv_dim); i++) {
    g_autofree char *p = g_strdup_printf (PREFIX "feature_extractor.conv_layers.%u.", i);
    g_autofree char *w = g_strconcat (p, "conv.weight", NULL);
    g_autofree char *b = g_strconcat (p, "conv.bias", NULL);
    g_autofree char *nw = g_strconcat (p, "layer_norm.weight", NULL);
    g_autofree char *nb = g_strconcat (p, "layer_norm.bias", NULL);
    gsize c_out = (gsize) conv_dim[i], c_in = i == 0 ? 1 : (gsize) conv_dim[i - 1];
    gsize shape[3] = { c_out, c_in, (gsize) conv_kernel[i] };

    tiny_model_add (m, w, dtype, 3, shape, 0);
    if (opts->conv_bias)
      tiny_model_add (m, b, dtype, 1, &c_out, 0);
    if (opts->layer_norm_conv || i == 0) {
      tiny_model_add (m, nw, dtype, 1, &c_out, 0);
      tiny_model_add (m, nb, dtype, 1, &c_out, 0);
    }
  }
  {
    gsize c_last = (gsize) conv_dim[G_N_ELEMENTS (conv_dim) - 1];
    gsize proj[2] = { d, c_last }, g[3] = { 1, 1, kp }, vs[3] = { d, d / groups, kp };

    tiny_model_add (m, PREFIX "feature_projection.layer_norm.weight", dtype, 1, &c_last, 0);
    tiny_model_add (m, PREFIX "feature_projection.layer_norm.bias", dtype, 1, &c_last, 0);
    tiny_model_add (m, PREFIX "feature_projection.projection.weight", dtype, 2, proj, 0);
    tiny_model_add (m, PREFIX "feature_projection.projection.bias", dtype, 1, &d, 0);
    if (opts->parametrizations) {
      tiny_model_add (m, PREFIX "encoder.pos_conv_embed.conv.parametrizations.weight."
          "original0", dtype, 3, g, 0);
      tiny_model_add (m, PREFIX "encoder.pos_conv_embed.conv.parametrizations.weight."
          "original1", dtype, 3, vs, 0);
    } else {
      tiny_model_add (m, PREFIX "encoder.pos_conv_embed.conv.weight_g", dtype, 3, g, 0);
      tiny_model_add (m, PREFIX "encoder.pos_conv_embed.conv.weight_v", dtype, 3, vs, 0);
    }
    tiny_model_add (m, PREFIX "encoder.pos_conv_embed.conv.bias", dtype, 1, &d, 0);
    tiny_model_add (m, PREFIX "encoder.layer_norm.weight", dtype, 1, &d, 0);
    tiny_model_add (m, PREFIX "encoder.layer_norm.bias", dtype, 1, &d, 0);
    tiny_model_add (m, PREFIX "masked_spec_embed", "F32", 1, &d, 0);
  }
  for (guint l = 0; l < opts->n_layers; l++) {
    static const char *const lin[] = {
      "attention.q_proj", "attention.k_proj", "attention.v_proj", "attention.out_proj",
    };
    static const char *const norms[] = { "layer_norm", "final_layer_norm" };
    gsize dd[2] = { d, d }, in[2] = { ffn, d }, out[2] = { d, ffn };

    for (guint i = 0; i < G_N_ELEMENTS (lin); i++) {
      g_autofree char *w = g_strdup_printf (PREFIX "encoder.layers.%u.%s.weight", l, lin[i]);
      g_autofree char *b = g_strdup_printf (PREFIX "encoder.layers.%u.%s.bias", l, lin[i]);

      tiny_model_add (m, w, dtype, 2, dd, 0);
      tiny_model_add (m, b, dtype, 1, &d, 0);
    }
    for (guint i = 0; i < G_N_ELEMENTS (norms); i++) {
      g_autofree char *w = g_strdup_printf (PREFIX "encoder.layers.%u.%s.weight", l, norms[i]);
      g_autofree char *b = g_strdup_printf (PREFIX "encoder.layers.%u.%s.bias", l, norms[i]);

      tiny_model_add (m, w, dtype, 1, &d, 0);
      tiny_model_add (m, b, dtype, 1, &d, 0);
    }
    {
      g_autofree char *p = g_strdup_printf (PREFIX "encoder.layers.%u.feed_forward.", l);
      g_autofree char *iw = g_strconcat (p, "intermediate_dense.weight", NULL);
      g_autofree char *ib = g_strconcat (p, "intermediate_dense.bias", NULL);
      g_autofree char *ow = g_strconcat (p, "output_dense.weight", NULL);
      g_autofree char *ob = g_strconcat (p, "output_dense.bias", NULL);

      tiny_model_add (m, iw, dtype, 2, in, 0);
      tiny_model_add (m, ib, dtype, 1, &ffn, 0);
      tiny_model_add (m, ow, dtype, 2, out, 0);
      tiny_model_add (m, ob, dtype, 1, &d, 0);
    }
  }
  {
    gsize head[2] = { v, d };

    for (guint i = 0; i < opts->n_decoders; i++) {
      g_autofree char *w = g_strdup_printf ("decoders.%u.weight", i);
      g_autofree char *b = g_strdup_printf ("decoders.%u.bias", i);

      tiny_model_add (m, w, dtype, 2, head, 0);
      tiny_model_add (m, b, dtype, 1, &v, 0);
    }
    if (opts->n_decoders == 0 || opts->lm_head) {
      tiny_model_add (m, "lm_head.weight", dtype, 2, head, 0);
      tiny_model_add (m, "lm_head.bias", dtype, 1, &v, 0);
    }
  }

  c = m->config = json_object_new ();
  json_object_set_string_member (c, "model_type", "wav2vec2");
  json_object_set_int_member (c, "hidden_size", (gint64) d);
  json_object_set_int_member (c, "num_hidden_layers", opts->n_layers);
  json_object_set_int_member (c, "num_attention_heads", (gint64) heads);
  json_object_set_int_member (c, "intermediate_size", (gint64) ffn);
  json_object_set_string_member (c, "hidden_act", "gelu");
  json_object_set_double_member (c, "layer_norm_eps", 1e-5);
  json_object_set_string_member (c, "feat_extract_norm",
      opts->layer_norm_conv ? "layer" : "group");
  json_object_set_string_member (c, "feat_extract_activation", "gelu");
  set_int_list (c, "conv_dim", conv_dim, G_N_ELEMENTS (conv_dim));
  set_int_list (c, "conv_kernel", conv_kernel, G_N_ELEMENTS (conv_kernel));
  set_int_list (c, "conv_stride", conv_stride, G_N_ELEMENTS (conv_stride));
  json_object_set_boolean_member (c, "conv_bias", opts->conv_bias);
  json_object_set_int_member (c, "num_conv_pos_embeddings", (gint64) kp);
  json_object_set_int_member (c, "num_conv_pos_embedding_groups", (gint64) groups);
  json_object_set_boolean_member (c, "do_stable_layer_norm", FALSE);
  json_object_set_int_member (c, "vocab_size", (gint64) v);
  json_object_set_int_member (c, "pad_token_id", 0);
  json_object_set_double_member (c, "hidden_dropout", 0.1);

  m->vocab_json = tiny_default_vocab_json ();
  m->preprocessor_json = g_strdup ("{\n  \"do_normalize\": true,\n  \"feature_size\": 1,\n"
      "  \"sampling_rate\": 16000\n}\n");
  return m;
}

GByteArray *
tiny_model_safetensors (const TinyModel *m)
{
  g_autoptr (GString) h = g_string_new ("{");
  GByteArray *out = g_byte_array_new ();
  g_autofree gsize *offsets = g_new0 (gsize, m->tensors->len + 1);
  gboolean comma = FALSE;
  guint8 len[8];

  if (m->header_extra != NULL)
    g_string_append (h, m->header_extra);
  if (!m->no_metadata) {
    g_string_append (h, "\"__metadata__\":{\"format\":\"pt\"}");
    comma = TRUE;
  }
  for (guint i = 0; i < m->tensors->len; i++)
    offsets[i + 1] = offsets[i] + ((TinyTensor *) m->tensors->pdata[i])->data->len;
  for (guint j = 0; j < m->tensors->len; j++) {
    guint i = m->reverse_header ? m->tensors->len - 1 - j : j;
    const TinyTensor *t = m->tensors->pdata[i];

    g_string_append_printf (h, "%s\"%s\":", comma ? "," : "", t->name);
    comma = TRUE;
    if (t->raw_entry != NULL) {
      g_string_append (h, t->raw_entry);
    } else {
      g_string_append_printf (h, "{\"dtype\":\"%s\",\"shape\":[", t->dtype);
      for (guint k = 0; k < t->n_dims; k++)
        g_string_append_printf (h, "%s%" G_GSIZE_FORMAT, k ? "," : "", t->shape[k]);
      if (t->offsets != NULL)
        g_string_append_printf (h, "],\"data_offsets\":%s}", t->offsets);
      else
        g_string_append_printf (h, "],\"data_offsets\":[%" G_GSIZE_FORMAT ",%"
            G_GSIZE_FORMAT "]}", offsets[i], offsets[i + 1]);
    }
  }
  g_string_append_c (h, '}');
  if (m->header_raw != NULL)
    g_string_assign (h, m->header_raw);
  while (h->len % 8 != 0)
    g_string_append_c (h, ' ');
  for (gsize i = 0; i < m->header_pad; i++)
    g_string_append_c (h, ' ');

  for (int k = 0; k < 8; k++)
    len[k] = (guint8) (((guint64) h->len >> (8 * k)) & 0xFF);
  g_byte_array_append (out, len, 8);
  g_byte_array_append (out, (const guint8 *) h->str, (guint) h->len);
  for (guint i = 0; i < m->tensors->len; i++) {
    const TinyTensor *t = m->tensors->pdata[i];

    g_byte_array_append (out, t->data->data, t->data->len);
  }
  return out;
}

gboolean
tiny_model_write (const TinyModel *m, const char *dir, GError **error)
{
  g_autoptr (GByteArray) st = tiny_model_safetensors (m);
  g_autofree char *st_path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *cfg_path = g_build_filename (dir, "config.json", NULL);
  g_autofree char *config = NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot create %s", dir);
    return FALSE;
  }
  if (m->config_raw != NULL) {
    config = g_strdup (m->config_raw);
  } else {
    g_autoptr (JsonNode) root = json_node_init_object (json_node_alloc (), m->config);

    config = json_to_string (root, TRUE);
  }
  if (!g_file_set_contents (cfg_path, config, -1, error) ||
      !g_file_set_contents (st_path, (const char *) st->data, st->len, error))
    return FALSE;
  if (m->vocab_json != NULL) {
    g_autofree char *p = g_build_filename (dir, "vocab.json", NULL);

    if (!g_file_set_contents (p, m->vocab_json, -1, error))
      return FALSE;
  }
  if (m->preprocessor_json != NULL) {
    g_autofree char *p = g_build_filename (dir, "preprocessor_config.json", NULL);

    if (!g_file_set_contents (p, m->preprocessor_json, -1, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
tiny_model_write_broken (const char *kind, const char *dir, GError **error)
{
  TinyOptions opts;
  TinyModel *m;
  gboolean ok;

  tiny_options_init (&opts);
  m = tiny_model_new (&opts);
  if (g_strcmp0 (kind, "shape") == 0) {
    gsize shape[2] = { 8, 7 };

    tiny_tensor_reshape (m, tiny_model_tensor (m,
            PREFIX "encoder.layers.1.attention.q_proj.weight"), 2, shape);
  } else if (g_strcmp0 (kind, "config") == 0) {
    tiny_model_set_config (m, "num_attention_heads", "3");
  } else if (g_strcmp0 (kind, "lfs") != 0) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "unknown kind of broken model '%s' (shape, config, lfs)", kind);
    tiny_model_free (m);
    return FALSE;
  }
  ok = tiny_model_write (m, dir, error);
  tiny_model_free (m);
  if (ok && g_strcmp0 (kind, "lfs") == 0) {
    g_autofree char *p = g_build_filename (dir, "model.safetensors", NULL);

    ok = g_file_set_contents (p, "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a2146a9f2a8a0b6e5e1d7a4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5\n"
        "size 377667514\n", -1, error);
  }
  return ok;
}
