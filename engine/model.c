/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee_model_load() and the W2veeModel accessors.
 *
 * Loading order, so that nothing large is allocated before everything that bounds
 * it has been checked: config.json (sizes within the bounds of format/model-config.h),
 * the optional preprocessor_config.json and vocab.json, the F32 bytes the config implies
 * (W2VEE_MAX_MODEL_BYTES), the weights file (mapped and validated: model.safetensors,
 * or pytorch_model.bin when there is none), the exit heads it holds, the bytes again
 * with the heads, and only then the weights: every tensor's dtype and shape are
 * checked against the config before its data is used.
 *
 * Both weight formats are read into one W2veeTensorTable (tensors.h); everything
 * below that point (names, shapes, dtypes, conversion, reordering) is one code path,
 * in model-weights.c.
 */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "w2vee"
#endif

#include "model.h"
#include "model-weights.h"

#include <string.h>

#include "format/model-config.h"
#include "format/tensors.h"

static void
model_free (W2veeModel *model)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (model->compute_cache); i++)
    if (model->compute_cache[i] != NULL)
      model->compute_cache_free (model->compute_cache[i]);
  g_mutex_clear (&model->compute_lock);
  g_free (model->path);
  g_free (model->layers);
  g_free (model->exits);
  g_strfreev (model->tokens);
  g_free (model->is_special);
  g_clear_pointer (&model->owned, g_ptr_array_unref);
  g_clear_pointer (&model->mapped, g_mapped_file_unref);
  g_free (model);
}

/* ------------------------------------------------------------------------- */
/* Files                                                                     */
/* ------------------------------------------------------------------------- */

/* Maps DIR/NAME (at most @max_bytes). An absent file gives NULL and no error unless
 * @required. */
static GMappedFile *
map_small_file (const char *dir, const char *name, gboolean required,
    gsize max_bytes, char **path_out, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GMappedFile) mapped = NULL;
  gsize len;

  if (!required && !g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  mapped = w2vee_map_file (path, error);
  if (mapped == NULL)
    return NULL;
  len = g_mapped_file_get_length (mapped);
  if (len > max_bytes) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s: %" G_GSIZE_FORMAT " bytes, above the limit of %" G_GSIZE_FORMAT
        " for this file", path, len, max_bytes);
    return NULL;
  }
  if (!w2vee_check_not_placeholder ((const guint8 *) g_mapped_file_get_contents (mapped),
          len, path, error))
    return NULL;
  *path_out = g_steal_pointer (&path);
  return g_steal_pointer (&mapped);
}

static const char *
contents_of (GMappedFile *mapped)
{
  const char *data = g_mapped_file_get_contents (mapped);

  return data != NULL ? data : ""; /* an empty file maps to NULL */
}

/* config.json, preprocessor_config.json and vocab.json into @model. */
static void index_tokens (W2veeModel *model, gsize n_tokens);

static gboolean
load_json_files (W2veeModel *model, const char *dir, guint *exit_layers,
    guint *n_exit_layers, GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  g_autofree char *path = NULL;
  gsize n_tokens;

  mapped = map_small_file (dir, "config.json", TRUE, W2VEE_MAX_CONFIG_FILE_BYTES,
      &path, error);
  if (mapped == NULL ||
      !w2vee_config_parse (contents_of (mapped), g_mapped_file_get_length (mapped),
          path, &model->cfg, exit_layers, n_exit_layers, error))
    return FALSE;
  g_clear_pointer (&mapped, g_mapped_file_unref);
  g_clear_pointer (&path, g_free);

  mapped = map_small_file (dir, "preprocessor_config.json", FALSE,
      W2VEE_MAX_CONFIG_FILE_BYTES, &path, error);
  if (mapped == NULL && *error != NULL)
    return FALSE;
  if (mapped != NULL &&
      !w2vee_preprocessor_config_parse (contents_of (mapped),
          g_mapped_file_get_length (mapped), path, &model->cfg.do_normalize, error))
    return FALSE;
  g_clear_pointer (&mapped, g_mapped_file_unref);
  g_clear_pointer (&path, g_free);

  mapped = map_small_file (dir, "vocab.json", FALSE, W2VEE_MAX_VOCAB_FILE_BYTES,
      &path, error);
  if (mapped == NULL && *error != NULL)
    return FALSE;
  if (mapped != NULL) {
    model->tokens = w2vee_vocab_parse (contents_of (mapped),
        g_mapped_file_get_length (mapped), path, error);
    if (model->tokens == NULL)
      return FALSE;
    n_tokens = g_strv_length (model->tokens);
    if (n_tokens != model->cfg.vocab_size) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_VOCAB,
          "%s: %" G_GSIZE_FORMAT " tokens, but config.json has vocab_size %"
          G_GSIZE_FORMAT, path, n_tokens, model->cfg.vocab_size);
      return FALSE;
    }
  } else {
    model->tokens = w2vee_vocab_default ();
    n_tokens = g_strv_length (model->tokens);
    if (n_tokens != model->cfg.vocab_size) {
      g_autofree char *cfg_path = g_build_filename (dir, "config.json", NULL);

      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_VOCAB,
          "%s: vocab_size is %" G_GSIZE_FORMAT ", but there is no vocab.json and the "
          "default vocabulary has %" G_GSIZE_FORMAT " tokens", cfg_path,
          model->cfg.vocab_size, n_tokens);
      return FALSE;
    }
  }

  index_tokens (model, n_tokens);
  return TRUE;
}

/* The word delimiter and the special tokens of @model's @n_tokens tokens. */
static void
index_tokens (W2veeModel *model, gsize n_tokens)
{
  model->word_delimiter_id = -1;
  model->is_special = g_new0 (gboolean, n_tokens);
  for (gsize i = 0; i < n_tokens; i++) {
    const char *t = model->tokens[i];
    gsize len = strlen (t);

    if (strcmp (t, "|") == 0 && model->word_delimiter_id < 0)
      model->word_delimiter_id = (gint) i;
    model->is_special[i] = len >= 2 && t[0] == '<' && t[len - 1] == '>' &&
        i != model->cfg.pad_token_id;
  }
}

/* The fewest input samples per output frame a model may have (see model.h). */
static guint64
min_frame_samples (void)
{
  const char *v = g_getenv ("W2VEE_MIN_FRAME_SAMPLES");
  guint64 n;

  if (v != NULL && *v != '\0' &&
      g_ascii_string_to_unsigned (v, 10, 1, G_MAXUINT32, &n, NULL))
    return n;
  return W2VEE_MIN_FRAME_SAMPLES;
}

/* Refuses a frame rate above W2VEE_SAMPLE_RATE / min_frame_samples(): attention
 * needs T² per thread, so frames per second bound the workspace of every length. */
static gboolean
check_frame_rate (const W2veeConfig *cfg, const char *what, GError **error)
{
  guint64 stride = 1, limit = min_frame_samples ();

  for (gsize i = 0; i < cfg->n_conv; i++)
    stride *= cfg->conv_stride[i]; /* below 2^24: w2vee_config_parse() checked */
  if (stride < limit) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s: \"conv_stride\" makes a frame every %" G_GUINT64_FORMAT " samples "
        "(%.0f frames per second), below the limit of %" G_GUINT64_FORMAT " samples "
        "(%.0f frames per second; $W2VEE_MIN_FRAME_SAMPLES lowers it): attention "
        "memory and time grow with the square of the frame count", what, stride,
        (double) W2VEE_SAMPLE_RATE / stride, limit, (double) W2VEE_SAMPLE_RATE / limit);
    return FALSE;
  }
  return TRUE;
}

gboolean
w2vee_model_pickle_disabled_by_env (void)
{
  const char *v = g_getenv ("W2VEE_NO_PICKLE");

  return v != NULL && *v != '\0' && strcmp (v, "0") != 0;
}

/* Which weights file of @dir to read: model.safetensors whenever it is there (even
 * broken: a failed load never falls back), else pytorch_model.bin unless
 * W2VEE_LOAD_NO_PICKLE. */
static gboolean
choose_weights (const char *dir, W2veeLoadFlags flags, char **path,
    W2veeWeightsFormat *format, GError **error)
{
  g_autofree char *st = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *bin = g_build_filename (dir, "pytorch_model.bin", NULL);
  /* IS_SYMLINK tests the link itself: a dangling one (an incomplete download into a
   * Hugging Face cache) is a model.safetensors that fails to load. */
  const GFileTest present = G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK;

  if (g_file_test (st, present)) {
    *format = W2VEE_WEIGHTS_SAFETENSORS;
    *path = g_steal_pointer (&st);
    return TRUE;
  }
  if (!g_file_test (bin, present)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND, "%s: no such file (a model "
        "directory holds config.json and model.safetensors, or pytorch_model.bin)", st);
    return FALSE;
  }
  if (flags & W2VEE_LOAD_NO_PICKLE) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND, "%s: no such file, and "
        "reading %s is disabled (W2VEE_LOAD_NO_PICKLE, $W2VEE_NO_PICKLE, --no-pickle or "
        "allow-pickle=false): convert it to safetensors, or allow it", st, bin);
    return FALSE;
  }
  *format = W2VEE_WEIGHTS_PYTORCH;
  *path = g_steal_pointer (&bin);
  return TRUE;
}

W2veeModel *
w2vee_model_load (const char *path, GError **error)
{
  return w2vee_model_load_full (path, W2VEE_LOAD_DEFAULT, error);
}

W2veeModel *
w2vee_model_load_full (const char *path, W2veeLoadFlags flags, GError **error)
{
  g_autofree char *dir = NULL, *cfg_path = NULL;
  guint exit_layers[W2VEE_MAX_LAYERS];
  guint n_exit_layers = 0;
  W2veeModel *model;
  Loader ld = { 0 };
  W2veeWeightsFormat format = W2VEE_WEIGHTS_SAFETENSORS;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (w2vee_uri_is_remote (path)) {
    /* loading never touches the network: the caller fetches (engine/hub/fetch.c) */
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "%s: a model URI, not a directory: fetch it first (w2vee_fetch(), "
        "w2vee_fetch_async() or 'w2vee fetch %s') and load the directory it gives",
        path, path);
    return NULL;
  }
  dir = g_canonicalize_filename (path, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
        "%s: %s (a model is a directory holding config.json and model.safetensors "
        "or pytorch_model.bin)",
        dir, g_file_test (dir, G_FILE_TEST_EXISTS) ? "not a directory" :
        "no such directory");
    return NULL;
  }
  if (w2vee_model_pickle_disabled_by_env ())
    flags |= W2VEE_LOAD_NO_PICKLE;

  model = g_new0 (W2veeModel, 1);
  model->ref_count = 1;
  g_mutex_init (&model->compute_lock);
  model->path = g_strdup (path);
  model->owned = g_ptr_array_new_with_free_func (g_free);
  ld.model = model;
  cfg_path = g_build_filename (dir, "config.json", NULL);

  /* Local error: map_small_file() signals "absent, optional" by NULL without one. */
  {
    g_autoptr (GError) local = NULL;

    ok = load_json_files (model, dir, exit_layers, &n_exit_layers, &local) &&
        check_frame_rate (&model->cfg, cfg_path, &local) &&
        w2vee_model_check_bytes (&model->cfg, 0, cfg_path, &local) &&
        choose_weights (dir, flags, &ld.weights_path, &format, &local);
    if (ok) {
      ld.tt = w2vee_tensor_table_open (ld.weights_path, format, &local);
      ok = ld.tt != NULL;
    }
    if (ok) {
      ld.used = g_new0 (gboolean, w2vee_tensor_table_n_tensors (ld.tt));
      ok = w2vee_model_load_weights (&ld, exit_layers, n_exit_layers, cfg_path, &local);
    }
    if (ok)
      model->mapped = g_mapped_file_ref (w2vee_tensor_table_get_mapped (ld.tt));
    else
      g_propagate_error (error, g_steal_pointer (&local));
  }

  g_free (ld.weights_path);
  g_free (ld.used);
  w2vee_tensor_table_free (ld.tt);
  if (!ok) {
    model_free (model);
    return NULL;
  }
  return model;
}

/* See model.h: the checks of w2vee_model_load_full() after the files are read. */
W2veeModel *
w2vee_model_new_from_parts (const char *name, const char *config, gsize config_len,
    W2veeTensorTable *tt, GError **error)
{
  g_autofree char *cfg_path = g_build_filename (name, "config.json", NULL);
  guint exit_layers[W2VEE_MAX_LAYERS];
  guint n_exit_layers = 0;
  W2veeModel *model;
  Loader ld = { 0 };
  gboolean ok;

  g_return_val_if_fail (name != NULL && config != NULL && tt != NULL, NULL);
  model = g_new0 (W2veeModel, 1);
  model->ref_count = 1;
  model->path = g_strdup (name);
  model->owned = g_ptr_array_new_with_free_func (g_free);
  ld.model = model;
  ld.tt = tt;
  ld.weights_path = (char *) w2vee_tensor_table_get_path (tt);
  ok = w2vee_config_parse (config, config_len, cfg_path, &model->cfg, exit_layers,
      &n_exit_layers, error);
  if (ok) {
    model->tokens = w2vee_vocab_default ();
    if (g_strv_length (model->tokens) != model->cfg.vocab_size) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_VOCAB, "%s: vocab_size is %"
          G_GSIZE_FORMAT " but the default vocabulary has %u tokens", cfg_path,
          model->cfg.vocab_size, g_strv_length (model->tokens));
      ok = FALSE;
    }
  }
  if (ok) {
    index_tokens (model, model->cfg.vocab_size);
    ok = check_frame_rate (&model->cfg, cfg_path, error) &&
        w2vee_model_check_bytes (&model->cfg, 0, cfg_path, error);
  }
  if (ok) {
    ld.used = g_new0 (gboolean, w2vee_tensor_table_n_tensors (tt));
    ok = w2vee_model_load_weights (&ld, exit_layers, n_exit_layers, cfg_path, error);
    g_free (ld.used);
  }
  if (!ok) {
    model_free (model);
    return NULL;
  }
  return model;
}

/* ------------------------------------------------------------------------- */
/* Accessors                                                                 */
/* ------------------------------------------------------------------------- */

W2veeModel *
w2vee_model_ref (W2veeModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_int_inc (&model->ref_count);
  return model;
}

void
w2vee_model_unref (W2veeModel *model)
{
  g_return_if_fail (model != NULL);
  if (g_atomic_int_dec_and_test (&model->ref_count)) {
    w2vee_model_cache_forget (model);
    model_free (model);
  }
}

guint
w2vee_model_n_exits (const W2veeModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->n_exits;
}

guint
w2vee_model_exit_layer (const W2veeModel *model, guint exit)
{
  g_return_val_if_fail (model != NULL, 0);
  if (exit < 1 || exit > model->n_exits)
    return 0;
  return model->exits[exit - 1].layer;
}

guint
w2vee_model_n_layers (const W2veeModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return (guint) model->cfg.n_layers;
}

guint
w2vee_model_vocab_size (const W2veeModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return (guint) model->cfg.vocab_size;
}

const char *
w2vee_model_token (const W2veeModel *model, guint id)
{
  g_return_val_if_fail (model != NULL, NULL);
  if (id >= model->cfg.vocab_size)
    return NULL;
  return model->tokens[id];
}

guint
w2vee_model_blank_id (const W2veeModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return (guint) model->cfg.pad_token_id;
}

guint
w2vee_model_frame_stride (const W2veeModel *model)
{
  guint stride = 1;

  g_return_val_if_fail (model != NULL, 0);
  for (gsize i = 0; i < model->cfg.n_conv; i++)
    stride *= (guint) model->cfg.conv_stride[i];
  return stride;
}

guint
w2vee_model_receptive_field (const W2veeModel *model)
{
  guint field = 1, stride = 1;

  g_return_val_if_fail (model != NULL, 0);
  /* Each layer widens the field by (K - 1) steps of its input's stride. */
  for (gsize i = 0; i < model->cfg.n_conv; i++) {
    field += (guint) (model->cfg.conv_kernel[i] - 1) * stride;
    stride *= (guint) model->cfg.conv_stride[i];
  }
  return field;
}

/* Output length of conv layer @i for @len input frames: floor((L - K) / S) + 1. */
static gsize
conv_out_len (const W2veeConfig *c, gsize i, gsize len)
{
  if (len < c->conv_kernel[i])
    return 0;
  return (len - c->conv_kernel[i]) / c->conv_stride[i] + 1;
}

gsize
w2vee_model_n_frames (const W2veeModel *model, gsize n_samples)
{
  gsize len = n_samples;

  g_return_val_if_fail (model != NULL, 0);
  for (gsize i = 0; i < model->cfg.n_conv; i++)
    len = conv_out_len (&model->cfg, i, len);
  return len;
}

double
w2vee_model_gflop (const W2veeModel *model, guint exit, gsize n_samples)
{
  const W2veeConfig *c;
  double flop = 0.0, t, d, len;
  gsize frames = n_samples;

  g_return_val_if_fail (model != NULL, 0.0);
  if (exit < 1 || exit > model->n_exits)
    return 0.0;
  c = &model->cfg;
  for (gsize i = 0; i < c->n_conv; i++) {
    gsize c_in = i == 0 ? 1 : c->conv_dim[i - 1];

    frames = conv_out_len (c, i, frames);
    len = (double) frames;
    flop += 2.0 * len * (double) c->conv_dim[i] * (double) c_in *
        (double) c->conv_kernel[i];
  }
  t = (double) frames;
  d = (double) c->hidden_size;
  flop += 2.0 * t * (double) c->conv_dim[c->n_conv - 1] * d;         /* projection */
  flop += 2.0 * t * d * (d / (double) c->pos_groups) * (double) c->pos_kernel;
  flop += (double) model->exits[exit - 1].layer *
      (4 * 2.0 * t * d * d                                           /* q k v out */
       + 2 * 2.0 * t * t * d                                         /* scores, context */
       + 2 * 2.0 * t * d * (double) c->intermediate_size);           /* FFN */
  flop += (double) exit * 2.0 * t * d * (double) c->vocab_size;      /* heads 1..exit */
  return flop / 1e9;
}

gsize
w2vee_model_weight_bytes (const W2veeModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->weight_bytes;
}

const char *
w2vee_model_path (const W2veeModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model->path;
}
