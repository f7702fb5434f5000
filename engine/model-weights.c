/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* A W2veeModel's weights from the tensor table of its weights file (either format):
 * every tensor found by name, its dtype and shape checked against the config before
 * its data is used, read in place where the mapping is F32 and aligned, else
 * converted; conv kernels reordered to (C_out, K, C_in) with the kernel-3 layers'
 * Winograd weight beside them, the positional convolution's weight norm folded in; the
 * exit heads counted and given their layers (config.json's "exit_layers", or spread
 * evenly). model.c calls this once the config and the byte bound
 * (w2vee_model_check_bytes) are checked.
 *
 * Shapes legend: C = conv channels, K = kernel width, D = hidden_size, I =
 * intermediate_size, G = pos-conv groups, Kp = pos-conv kernel, V = vocab size.
 */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "w2vee"
#endif

#include "model-weights.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/model-config.h"
#include "format/safetensors.h"

#define PREFIX "wav2vec2."

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

gboolean
w2vee_model_check_bytes (const W2veeConfig *cfg, guint n_exits, const char *what,
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

gboolean
w2vee_model_load_weights (Loader *ld, const guint *exit_layers, guint n_exit_layers,
    const char *cfg_path, GError **error)
{
  W2veeModel *m = ld->model;

  if (!find_exits (ld, exit_layers, n_exit_layers, cfg_path, error) ||
      !w2vee_model_check_bytes (&m->cfg, m->n_exits, ld->weights_path, error))
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

