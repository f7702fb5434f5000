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
 * below that point (names, shapes, dtypes, conversion, reordering) is one code path.
 *
 * Shapes legend: C = conv channels, K = kernel width, D = hidden_size, I =
 * intermediate_size, G = pos-conv groups, Kp = pos-conv kernel, V = vocab size.
 */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "w2vee"
#endif

#include "model.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/model-config.h"
#include "format/safetensors.h"
#include "format/tensors.h"

#define PREFIX "wav2vec2."

/* State of one w2vee_model_load() call. */
typedef struct {
  char *weights_path;    /* absolute path of the weights file, for messages */
  W2veeTensorTable *tt;  /* its tensors */
  gboolean *used;        /* (n_tensors) tensors read so far */
  W2veeModel *model;     /* being filled */
} Loader;

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

/* F32 elements of every weight the forward pass reads, heads included. */
static guint64
weight_elements (const W2veeConfig *c, guint n_exits)
{
  guint64 d = c->hidden_size, n = 0, per_layer;

  for (gsize i = 0; i < c->n_conv; i++) {
    guint64 c_in = i == 0 ? 1 : c->conv_dim[i - 1], c_out = c->conv_dim[i];
    gboolean norm = c->conv_norm == W2VEE_CONV_NORM_LAYER || i == 0;

    n += c_out * c_in * c->conv_kernel[i] + (c->conv_bias ? c_out : 0) +
        (norm ? 2 * c_out : 0);
  }
  n += 2 * (guint64) c->conv_dim[c->n_conv - 1];                  /* projection LN */
  n += d * c->conv_dim[c->n_conv - 1] + d;                         /* projection */
  n += d * (d / c->pos_groups) * c->pos_kernel + d;                /* pos conv */
  n += 2 * d;                                                      /* encoder LN */
  per_layer = 4 * (d * d + d) + 2 * d + 2 * d * c->intermediate_size +
      c->intermediate_size + d + 2 * d;
  n += c->n_layers * per_layer;
  n += n_exits * ((guint64) c->vocab_size * d + c->vocab_size);
  return n;
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

static gboolean
check_model_bytes (const W2veeConfig *cfg, guint n_exits, const char *what,
    GError **error)
{
  guint64 limit = MIN (W2VEE_MAX_MODEL_BYTES, (guint64) G_MAXSIZE / 2);
  guint64 bytes = weight_elements (cfg, n_exits) * sizeof (float);

  if (bytes > limit) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s: the model would need %" G_GUINT64_FORMAT " MiB of F32 weights, above "
        "the limit of %" G_GUINT64_FORMAT " MiB", what, bytes >> 20, limit >> 20);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Tensors                                                                   */
/* ------------------------------------------------------------------------- */

static char *
format_shape (const gsize *shape, guint n_dims)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GSIZE_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Looks @name up and checks its dtype and shape. */
static const W2veeTensorInfo *
find_tensor (Loader *ld, const char *name, guint n_dims, const gsize *shape,
    GError **error)
{
  const W2veeTensorInfo *t = w2vee_tensor_table_lookup (ld->tt, name);
  gboolean same;

  if (t == NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_MISSING_TENSOR,
        "%s: tensor '%s' is missing", ld->weights_path, name);
    return NULL;
  }
  ld->used[w2vee_tensor_table_index_of (ld->tt, t)] = TRUE;
  if (t->dtype != W2VEE_DTYPE_F32 && t->dtype != W2VEE_DTYPE_F16 &&
      t->dtype != W2VEE_DTYPE_BF16) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_DTYPE,
        "%s: tensor '%s': unsupported dtype %s (weights must be F32, F16 or BF16)",
        ld->weights_path, name, w2vee_dtype_name (t->dtype));
    return NULL;
  }
  same = t->n_dims == n_dims;
  for (guint i = 0; same && i < n_dims; i++)
    same = t->shape[i] == shape[i];
  if (!same) {
    g_autofree char *got = format_shape (t->shape, t->n_dims);
    g_autofree char *want = format_shape (shape, n_dims);

    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_SHAPE,
        "%s: tensor '%s': shape %s, config expects %s", ld->weights_path, name, got, want);
    return NULL;
  }
  return t;
}

/* The model reads a copy (converted or reordered) of these mapped bytes, never the
 * mapping itself again: hand their whole pages back to the kernel so that they do not
 * stay resident twice. Only for a file mapping (a MAP_PRIVATE file mapping re-reads a
 * dropped page if touched; anonymous memory would read back zeros). */
static void
release_mapped (Loader *ld, const void *data, gsize n_bytes)
{
#ifdef MADV_DONTNEED
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  uintptr_t begin = ((uintptr_t) data + page - 1) / page * page;
  uintptr_t end = ((uintptr_t) data + n_bytes) / page * page;

  if (w2vee_tensor_table_get_mapped (ld->tt) != NULL && end > begin)
    madvise ((void *) begin, end - begin, MADV_DONTNEED);
#endif
}

/* The tensor as F32: a pointer into the mapping when it is F32, 4-byte aligned and
 * the host little-endian (*tmp = NULL); otherwise a new buffer (*tmp = it). */
static const float *
read_tensor (Loader *ld, const char *name, guint n_dims, const gsize *shape,
    float **tmp, GError **error)
{
  const W2veeTensorInfo *t = find_tensor (ld, name, n_dims, shape, error);

  *tmp = NULL;
  if (t == NULL)
    return NULL;
  if (t->dtype == W2VEE_DTYPE_F32 && G_BYTE_ORDER == G_LITTLE_ENDIAN &&
      (uintptr_t) t->data % G_ALIGNOF (float) == 0)
    return (const float *) (const void *) t->data;
  *tmp = g_new (float, MAX (t->n_elements, 1));
  w2vee_convert_to_f32 (t->dtype, t->data, t->n_elements, *tmp);
  release_mapped (ld, t->data, t->n_bytes);
  return *tmp;
}

static gsize
numel (guint n_dims, const gsize *shape)
{
  gsize n = 1;

  for (guint i = 0; i < n_dims; i++)
    n *= shape[i];
  return n;
}

static void
keep (Loader *ld, float *buffer, gsize n_elements)
{
  if (buffer != NULL)
    g_ptr_array_add (ld->model->owned, buffer);
  ld->model->weight_bytes += n_elements * sizeof (float);
}

/* A weight the forward pass reads as it is stored. */
static const float *
weight (Loader *ld, const char *name, guint n_dims, const gsize *shape,
    GError **error)
{
  float *tmp;
  const float *w = read_tensor (ld, name, n_dims, shape, &tmp, error);

  if (w != NULL)
    keep (ld, tmp, numel (n_dims, shape));
  return w;
}

static gboolean
vector_pair (Loader *ld, const char *prefix, gsize n, const float **w,
    const float **b, GError **error)
{
  g_autofree char *wn = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bn = g_strconcat (prefix, ".bias", NULL);

  *w = weight (ld, wn, 1, &n, error);
  *b = *w != NULL ? weight (ld, bn, 1, &n, error) : NULL;
  return *b != NULL;
}

/* A linear layer: weight [rows, cols], bias [rows]. */
static gboolean
linear (Loader *ld, const char *prefix, gsize rows, gsize cols, const float **w,
    const float **b, GError **error)
{
  g_autofree char *wn = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bn = g_strconcat (prefix, ".bias", NULL);
  gsize shape[2] = { rows, cols };

  *w = weight (ld, wn, 2, shape, error);
  *b = *w != NULL ? weight (ld, bn, 1, &rows, error) : NULL;
  return *b != NULL;
}

/* in is (C_out, C_in, K) -> out is (C_out, K, C_in) */
static void
reorder_conv (const float *in, gsize c_out, gsize c_in, gsize k, float *out)
{
  for (gsize o = 0; o < c_out; o++)
    for (gsize i = 0; i < c_in; i++)
      for (gsize j = 0; j < k; j++)
        out[(o * k + j) * c_in + i] = in[(o * c_in + i) * k + j];
}

/* A conv weight stored [C_out, C_in, K], kept as (C_out, K, C_in). */
static const float *
conv_weight (Loader *ld, const char *name, gsize c_out, gsize c_in, gsize k,
    GError **error)
{
  gsize shape[3] = { c_out, c_in, k };
  const float *w;
  float *tmp, *out;

  if (c_in == 1 || k == 1) /* the two layouts coincide */
    return weight (ld, name, 3, shape, error);
  w = read_tensor (ld, name, 3, shape, &tmp, error);
  if (w == NULL)
    return NULL;
  out = g_new (float, c_out * c_in * k);
  reorder_conv (w, c_out, c_in, k, out);
  if (tmp == NULL)
    release_mapped (ld, w, c_out * c_in * k * sizeof (float));
  g_free (tmp);
  keep (ld, out, c_out * c_in * k);
  return out;
}

/* w[:,0,:] + w[:,2,:] of a kernel-3 layer, (C_out, C_in): the weight Winograd F(2,2)
 * applies to the even taps' shared product. */
static const float *
winograd_w02 (Loader *ld, const W2veeConvLayer *l)
{
  float *w02 = g_new (float, l->c_out * l->c_in);

  for (gsize o = 0; o < l->c_out; o++)
    for (gsize k = 0; k < l->c_in; k++)
      w02[o * l->c_in + k] = l->w[(o * 3 + 0) * l->c_in + k]
          + l->w[(o * 3 + 2) * l->c_in + k];
  keep (ld, w02, l->c_out * l->c_in);
  return w02;
}

static gboolean
load_conv_layers (Loader *ld, GError **error)
{
  const W2veeConfig *c = &ld->model->cfg;

  for (gsize i = 0; i < c->n_conv; i++) {
    W2veeConvLayer *l = &ld->model->conv[i];
    g_autofree char *p = g_strdup_printf (PREFIX "feature_extractor.conv_layers.%"
        G_GSIZE_FORMAT, i);
    g_autofree char *wn = g_strconcat (p, ".conv.weight", NULL);
    g_autofree char *bn = g_strconcat (p, ".conv.bias", NULL);
    g_autofree char *ln = g_strconcat (p, ".layer_norm", NULL);

    l->c_in = i == 0 ? 1 : c->conv_dim[i - 1];
    l->c_out = c->conv_dim[i];
    l->kernel = c->conv_kernel[i];
    l->stride = c->conv_stride[i];
    l->w = conv_weight (ld, wn, l->c_out, l->c_in, l->kernel, error);
    if (l->w == NULL)
      return FALSE;
    if (i > 0 && l->kernel == 3 && l->stride == 2)
      l->w02 = winograd_w02 (ld, l);
    if (c->conv_bias && (l->b = weight (ld, bn, 1, &l->c_out, error)) == NULL)
      return FALSE;
    if ((c->conv_norm == W2VEE_CONV_NORM_LAYER || i == 0) &&
        !vector_pair (ld, ln, l->c_out, &l->norm_w, &l->norm_b, error))
      return FALSE;
  }
  return TRUE;
}

/* encoder.pos_conv_embed.conv: weight norm over dim 2 (one norm per kernel tap),
 * stored as weight_g / weight_v or, from newer PyTorch, as
 * parametrizations.weight.original0 / original1; a checkpoint with the norm already
 * folded in stores the plain weight. Kept as (G, D/G, Kp, D/G). */
static gboolean
load_pos_conv (Loader *ld, GError **error)
{
  static const char *const schemes[][2] = {
    { "weight_g", "weight_v" },
    { "parametrizations.weight.original0", "parametrizations.weight.original1" },
  };
  const char *p = PREFIX "encoder.pos_conv_embed.conv.";
  W2veeModel *m = ld->model;
  gsize d = m->cfg.hidden_size, dg = d / m->cfg.pos_groups, kp = m->cfg.pos_kernel;
  gsize g_shape[3] = { 1, 1, kp }, v_shape[3] = { d, dg, kp };
  g_autofree char *g_name = NULL, *v_name = NULL, *plain = NULL, *bias = NULL;
  g_autofree double *scale = NULL;
  const float *g, *v;
  float *g_tmp, *v_tmp, *w;
  int found = -1;

  plain = g_strconcat (p, "weight", NULL);
  for (int s = 0; s < 2; s++) {
    g_autofree char *name = g_strconcat (p, schemes[s][0], NULL);

    if (w2vee_tensor_table_lookup (ld->tt, name) == NULL)
      continue;
    if (found >= 0) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_DUPLICATE,
          "%s: both '%s%s' and '%s%s' are present: the pos-conv weight is given "
          "twice", ld->weights_path, p, schemes[0][0], p, schemes[1][0]);
      return FALSE;
    }
    found = s;
  }
  bias = g_strconcat (p, "bias", NULL);
  if (found < 0 && w2vee_tensor_table_lookup (ld->tt, plain) != NULL) {
    m->pos_w = conv_weight (ld, plain, d, dg, kp, error);
    return m->pos_w != NULL && (m->pos_b = weight (ld, bias, 1, &d, error)) != NULL;
  }
  if (found < 0)
    found = 0; /* report the missing legacy name */

  g_name = g_strconcat (p, schemes[found][0], NULL);
  v_name = g_strconcat (p, schemes[found][1], NULL);
  g = read_tensor (ld, g_name, 3, g_shape, &g_tmp, error);
  if (g == NULL)
    return FALSE;
  v = read_tensor (ld, v_name, 3, v_shape, &v_tmp, error);
  if (v == NULL) {
    g_free (g_tmp);
    return FALSE;
  }

  /* scale[k] = g[k] / ||v[:, :, k]||_2, the norm over all D x D/G taps k of v; as in
   * PyTorch, an all-zero tap gives NaN. */
  scale = g_new0 (double, kp);
  for (gsize o = 0; o < d * dg; o++)
    for (gsize k = 0; k < kp; k++)
      scale[k] += (double) v[o * kp + k] * v[o * kp + k];
  for (gsize k = 0; k < kp; k++)
    scale[k] = g[k] / sqrt (scale[k]);

  /* v is (D, D/G, Kp) -> w is (D, Kp, D/G) = (G, D/G, Kp, D/G) */
  w = g_new (float, d * dg * kp);
  for (gsize o = 0; o < d; o++)
    for (gsize i = 0; i < dg; i++)
      for (gsize k = 0; k < kp; k++)
        w[(o * kp + k) * dg + i] = (float) (scale[k] * v[(o * dg + i) * kp + k]);
  if (v_tmp == NULL)
    release_mapped (ld, v, d * dg * kp * sizeof (float));
  g_free (g_tmp);
  g_free (v_tmp);
  keep (ld, w, d * dg * kp);
  m->pos_w = w;
  return (m->pos_b = weight (ld, bias, 1, &d, error)) != NULL;
}

static gboolean
load_encoder (Loader *ld, GError **error)
{
  W2veeModel *m = ld->model;
  const W2veeConfig *c = &m->cfg;
  gsize d = c->hidden_size, ffn = c->intermediate_size;
  gsize c_last = c->conv_dim[c->n_conv - 1];

  if (!vector_pair (ld, PREFIX "feature_projection.layer_norm", c_last, &m->proj_ln_w,
          &m->proj_ln_b, error) ||
      !linear (ld, PREFIX "feature_projection.projection", d, c_last, &m->proj_w,
          &m->proj_b, error) ||
      !load_pos_conv (ld, error) ||
      !vector_pair (ld, PREFIX "encoder.layer_norm", d, &m->enc_ln_w, &m->enc_ln_b,
          error))
    return FALSE;

  for (gsize l = 0; l < c->n_layers; l++) {
    W2veeLayer *y = &m->layers[l];
    g_autofree char *p = g_strdup_printf (PREFIX "encoder.layers.%" G_GSIZE_FORMAT, l);
    g_autofree char *q = g_strconcat (p, ".attention.q_proj", NULL);
    g_autofree char *k = g_strconcat (p, ".attention.k_proj", NULL);
    g_autofree char *v = g_strconcat (p, ".attention.v_proj", NULL);
    g_autofree char *o = g_strconcat (p, ".attention.out_proj", NULL);
    g_autofree char *ln = g_strconcat (p, ".layer_norm", NULL);
    g_autofree char *ff_in = g_strconcat (p, ".feed_forward.intermediate_dense", NULL);
    g_autofree char *ff_out = g_strconcat (p, ".feed_forward.output_dense", NULL);
    g_autofree char *fln = g_strconcat (p, ".final_layer_norm", NULL);

    if (!linear (ld, q, d, d, &y->q_w, &y->q_b, error) ||
        !linear (ld, k, d, d, &y->k_w, &y->k_b, error) ||
        !linear (ld, v, d, d, &y->v_w, &y->v_b, error) ||
        !linear (ld, o, d, d, &y->o_w, &y->o_b, error) ||
        !vector_pair (ld, ln, d, &y->ln_w, &y->ln_b, error) ||
        !linear (ld, ff_in, ffn, d, &y->ff_in_w, &y->ff_in_b, error) ||
        !linear (ld, ff_out, d, ffn, &y->ff_out_w, &y->ff_out_b, error) ||
        !vector_pair (ld, fln, d, &y->final_ln_w, &y->final_ln_b, error))
      return FALSE;
  }
  return TRUE;
}

/* "decoders.{i}.weight" -> i; FALSE for any other name. Indices are written without
 * leading zeros, as PyTorch's ModuleList names them. */
static gboolean
decoder_index (const char *name, guint *index)
{
  const char *p, *digits;
  guint64 v = 0;

  if (!g_str_has_prefix (name, "decoders."))
    return FALSE;
  p = digits = name + strlen ("decoders.");
  while (g_ascii_isdigit (*p) && p - digits < 9)
    v = v * 10 + (guint64) (*p++ - '0');
  if (p == digits || (*digits == '0' && p - digits > 1) || strcmp (p, ".weight") != 0)
    return FALSE;
  *index = (guint) v;
  return TRUE;
}

/* Counts the exit heads and gives each its layer. The heads are decoders.0 ..
 * decoders.N-1 without holes or, for a plain Wav2Vec2ForCTC, lm_head alone (N = 1).
 * config.json's "exit_layers" names their layers; without it head i (0-based) reads
 * layer (i + 1)·n_layers / N, which must give N distinct layers >= 1. */
static gboolean
find_exits (Loader *ld, const guint *exit_layers, guint n_exit_layers,
    const char *cfg_path, GError **error)
{
  W2veeModel *m = ld->model;
  gsize n_layers = m->cfg.n_layers;
  guint n = 0, max_index = 0;
  gboolean any = FALSE;

  for (guint t = 0; t < w2vee_tensor_table_n_tensors (ld->tt); t++) {
    guint i;

    if (decoder_index (w2vee_tensor_table_tensor (ld->tt, t)->name, &i)) {
      max_index = any ? MAX (max_index, i) : i;
      any = TRUE;
    }
  }
  if (any) {
    if (max_index >= W2VEE_MAX_LAYERS) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
          "%s: tensor 'decoders.%u.weight': more than %d exit heads", ld->weights_path,
          max_index, W2VEE_MAX_LAYERS);
      return FALSE;
    }
    n = max_index + 1;
    for (guint i = 0; i < n; i++) {
      g_autofree char *name = g_strdup_printf ("decoders.%u.weight", i);

      if (w2vee_tensor_table_lookup (ld->tt, name) == NULL) {
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_MISSING_TENSOR,
            "%s: tensor '%s' is missing: exit heads must be numbered decoders.0 to "
            "decoders.%u without holes", ld->weights_path, name, max_index);
        return FALSE;
      }
    }
  } else if (w2vee_tensor_table_lookup (ld->tt, "lm_head.weight") != NULL) {
    n = 1;
  } else {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_MISSING_TENSOR,
        "%s: no exit head: neither 'decoders.0.weight' nor 'lm_head.weight' is "
        "present", ld->weights_path);
    return FALSE;
  }

  m->n_exits = n;
  m->exits = g_new0 (W2veeExit, n);
  if (n_exit_layers > 0) {
    if (n_exit_layers != n) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
          "%s: \"exit_layers\" lists %u layer%s, but %s has %u exit head%s",
          cfg_path, n_exit_layers, n_exit_layers == 1 ? "" : "s", ld->weights_path, n,
          n == 1 ? "" : "s");
      return FALSE;
    }
    for (guint i = 0; i < n; i++)
      m->exits[i].layer = exit_layers[i];
    return TRUE;
  }
  for (guint i = 0; i < n; i++) {
    m->exits[i].layer = (guint) ((i + 1) * n_layers / n);
    if (m->exits[i].layer == 0 || (i > 0 && m->exits[i].layer == m->exits[i - 1].layer)) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG,
          "%s: %u exit heads cannot be spaced evenly over %" G_GSIZE_FORMAT " layers; "
          "list their layers in \"exit_layers\"", cfg_path, n, n_layers);
      return FALSE;
    }
  }
  return TRUE;
}

/* An exit head [V, D] + [V]; rows other than V are a vocabulary mismatch. */
static gboolean
load_head (Loader *ld, const char *prefix, W2veeExit *exit, GError **error)
{
  const W2veeConfig *c = &ld->model->cfg;
  g_autofree char *wn = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bn = g_strconcat (prefix, ".bias", NULL);
  const char *names[2] = { wn, bn };

  for (int i = 0; i < 2; i++) {
    const W2veeTensorInfo *t = w2vee_tensor_table_lookup (ld->tt, names[i]);

    if (t != NULL && t->n_dims == (guint) (2 - i) && t->shape[0] != c->vocab_size) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_VOCAB,
          "%s: tensor '%s' has %" G_GSIZE_FORMAT " rows, but the vocabulary has %"
          G_GSIZE_FORMAT " tokens", ld->weights_path, names[i], t->shape[0],
          c->vocab_size);
      return FALSE;
    }
  }
  return linear (ld, prefix, c->vocab_size, c->hidden_size, &exit->w, &exit->b,
      error);
}

static gboolean
is_ignored (const char *name)
{
  if (g_str_has_prefix (name, PREFIX))
    name += strlen (PREFIX);
  return strcmp (name, "masked_spec_embed") == 0 ||
      g_str_has_prefix (name, "quantizer.") ||
      g_str_has_prefix (name, "project_q.") ||
      g_str_has_prefix (name, "project_hid.");
}

static gboolean
load_weights (Loader *ld, const guint *exit_layers, guint n_exit_layers,
    const char *cfg_path, GError **error)
{
  W2veeModel *m = ld->model;

  if (!find_exits (ld, exit_layers, n_exit_layers, cfg_path, error) ||
      !check_model_bytes (&m->cfg, m->n_exits, ld->weights_path, error))
    return FALSE;

  m->layers = g_new0 (W2veeLayer, m->cfg.n_layers);
  if (!load_conv_layers (ld, error) || !load_encoder (ld, error))
    return FALSE;
  for (guint i = 0; i < m->n_exits; i++) {
    g_autofree char *prefix = w2vee_tensor_table_lookup (ld->tt, "decoders.0.weight") ?
        g_strdup_printf ("decoders.%u", i) : g_strdup ("lm_head");

    if (!load_head (ld, prefix, &m->exits[i], error))
      return FALSE;
  }

  for (guint t = 0; t < w2vee_tensor_table_n_tensors (ld->tt); t++) {
    const char *name = w2vee_tensor_table_tensor (ld->tt, t)->name;

    if (!ld->used[t] && !is_ignored (name))
      g_debug ("%s: tensor '%s' is not used", ld->weights_path, name);
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
        check_model_bytes (&model->cfg, 0, cfg_path, &local) &&
        choose_weights (dir, flags, &ld.weights_path, &format, &local);
    if (ok) {
      ld.tt = w2vee_tensor_table_open (ld.weights_path, format, &local);
      ok = ld.tt != NULL;
    }
    if (ok) {
      ld.used = g_new0 (gboolean, w2vee_tensor_table_n_tensors (ld.tt));
      ok = load_weights (&ld, exit_layers, n_exit_layers, cfg_path, &local);
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
        check_model_bytes (&model->cfg, 0, cfg_path, error);
  }
  if (ok) {
    ld.used = g_new0 (gboolean, w2vee_tensor_table_n_tensors (tt));
    ok = load_weights (&ld, exit_layers, n_exit_layers, cfg_path, error);
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
