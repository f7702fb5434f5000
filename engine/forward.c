/* The session (a workspace measured once) and the forward pass.
 *
 * Shapes legend: n = samples, T = encoder frames, C = conv channels, D = hidden_size,
 * H = heads, Dh = D/H, Dff = intermediate_size, G = pos-conv groups, Cg = D/G,
 * Kp = pos-conv kernel, V = vocab size, B = frames of the last conv layer per block.
 *
 * Memory plan: the conv feature encoder runs in blocks of B output frames, so its
 * (large) early layers only ever hold one block; everything after it is (T, ·).
 * Nothing is allocated after w2vee_session_new().
 */
#include "model.h"
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#include <time.h>

/* Frames of the last conv layer computed per block; the first layers then hold about
 * B·320/5 rows (2 k rows of 512 floats for base: a few MB, cache friendly). */
#define CONV_BLOCK 32

/* The largest workspace a session may ask for (attention is O(T²)). */
#define MAX_WORKSPACE_BYTES (G_GUINT64_CONSTANT (4) << 30)

#define ALIGNMENT 64

struct _W2veeSession {
  W2veeModel *model;
  guint n_threads;
  gsize max_samples;       /* samples */
  gsize max_frames;        /* T for max_samples */

  /* rows of conv layer l a full block needs (translation invariant) */
  gsize block_rows[W2VEE_MAX_CONV_LAYERS];
  gsize pos_taps;          /* pos-conv taps packed per row of pos_dup */

  float *x;                /* (max_samples) normalised input */
  float *conv_a, *conv_b;  /* (max_l block_rows[l] · C_l) conv ping-pong */
  float *patch;            /* (block_rows[0], K_0) windows of the input for conv layer 0 */
  double *gn_moments;      /* (K_0 + K_0²) input tap means and second moments */
  float *gn_scale;         /* (C_0) group-norm of conv layer 0: gamma / std */
  float *gn_shift;         /* (C_0) beta + (bias - mean) · gamma / std */
  float *feat;             /* (T, C_last) conv output, then its LayerNorm */
  float *h;                /* (T, D) hidden state */
  float *tmp;              /* (T, D) */
  float *q, *k, *v;        /* (T, D) attention projections */
  float *ctx;              /* (T, D) attention context */
  float *ff;               /* (T, Dff) feed-forward inner activations */
  float *scores;           /* (T, T) attention of one head */
  float *pos_dup;          /* (T + Kp, pos_taps · Cg) one group's padded input, taps side by side */
  float *logits;           /* (n_exits, T, V) */
  gsize workspace_bytes;

  gboolean profiling;
  double profile[W2VEE_N_STAGES]; /* seconds per stage in the last run */
  double stage_start;      /* seconds, monotonic clock, when profiling */

  gsize n_frames;          /* T of the last run */
  guint last_exit;         /* exits 1..last_exit hold logits of the last run */
  guint last_layer;        /* layers the last run computed */
};

W2veeSessionParams
w2vee_session_default_params (void)
{
  W2veeSessionParams p = {
    .n_threads = 0,
    .max_samples = 30 * W2VEE_SAMPLE_RATE,
  };

  return p;
}

/* Output rows [start[l], end[l]) of every conv layer that rows [a, b) of the last one need. */
static void
conv_ranges (const W2veeModel *m, gsize a, gsize b, gsize *start, gsize *end)
{
  gsize l = m->cfg.n_conv - 1;

  start[l] = a;
  end[l] = b;
  for (; l > 0; l--) {
    start[l - 1] = start[l] * m->conv[l].stride;
    end[l - 1] = (end[l] - 1) * m->conv[l].stride + m->conv[l].kernel;
  }
}

/* Adds @bytes of @count elements to *@total, failing on overflow. */
static gboolean
add_bytes (guint64 *total, guint64 count, guint64 elem)
{
  if (count != 0 && elem > G_MAXUINT64 / count)
    return FALSE;
  if (*total > G_MAXUINT64 - count * elem)
    return FALSE;
  *total += count * elem;
  return TRUE;
}

static float *
alloc_floats (W2veeSession *s, gsize count)
{
  count = MAX (count, 1);
  s->workspace_bytes += count * sizeof (float);
  return g_aligned_alloc0 (count, sizeof (float), ALIGNMENT);
}

W2veeSession *
w2vee_session_new (W2veeModel *model, const W2veeSessionParams *params, GError **error)
{
  const W2veeConfig *cfg;
  W2veeSessionParams defaults = w2vee_session_default_params ();
  W2veeSession *s;
  gsize T, D, Dff, Cg, conv_max = 0, l, B;
  gsize start[W2VEE_MAX_CONV_LAYERS], end[W2VEE_MAX_CONV_LAYERS];
  guint64 total = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (model != NULL, NULL);
  if (params == NULL)
    params = &defaults;
  cfg = &model->cfg;

  T = w2vee_model_n_frames (model, params->max_samples);
  D = cfg->hidden_size;
  Dff = cfg->intermediate_size;
  Cg = D / cfg->pos_groups;
  B = MIN (CONV_BLOCK, MAX (T, 1));
  conv_ranges (model, 0, B, start, end);
  for (l = 0; l < cfg->n_conv; l++)
    conv_max = MAX (conv_max, (end[l] - start[l]) * cfg->conv_dim[l]);

  /* Measure before allocating: refuse absurd lengths with a clear error. */
  ok &= add_bytes (&total, params->max_samples, 4);
  ok &= add_bytes (&total, conv_max, 8);
  ok &= add_bytes (&total, cfg->conv_dim[0], 8);
  ok &= add_bytes (&total, cfg->conv_kernel[0] * (cfg->conv_kernel[0] + 1), 8);
  ok &= add_bytes (&total, end[0] - start[0], 4 * cfg->conv_kernel[0]);
  ok &= add_bytes (&total, T, 4 * cfg->conv_dim[cfg->n_conv - 1]);
  ok &= add_bytes (&total, T, 4 * D * 7);
  ok &= add_bytes (&total, T, 4 * Dff);
  ok &= add_bytes (&total, T, 4 * T);
  ok &= add_bytes (&total, T + cfg->pos_kernel, 4 * D * 2);
  ok &= add_bytes (&total, T, 4 * (guint64) model->n_exits * cfg->vocab_size);
  if (!ok || total > MAX_WORKSPACE_BYTES) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s: a session for %" G_GSIZE_FORMAT " samples (%.1f s) would need more than "
        "%" G_GUINT64_FORMAT " MiB of workspace; use shorter segments",
        model->path, params->max_samples,
        params->max_samples / (double) W2VEE_SAMPLE_RATE, MAX_WORKSPACE_BYTES >> 20);
    return NULL;
  }

  s = g_new0 (W2veeSession, 1);
  s->model = w2vee_model_ref (model);
  s->n_threads = params->n_threads ? params->n_threads : g_get_num_processors ();
  s->max_samples = params->max_samples;
  s->max_frames = T;
  for (l = 0; l < cfg->n_conv; l++)
    s->block_rows[l] = end[l] - start[l];
  s->pos_taps = MIN (cfg->pos_kernel, MAX (1, 768 / Cg));

  s->x = alloc_floats (s, params->max_samples);
  s->conv_a = alloc_floats (s, conv_max);
  s->conv_b = alloc_floats (s, conv_max);
  s->patch = alloc_floats (s, s->block_rows[0] * cfg->conv_kernel[0]);
  s->gn_moments = g_new0 (double, cfg->conv_kernel[0] * (cfg->conv_kernel[0] + 1));
  s->workspace_bytes += cfg->conv_kernel[0] * (cfg->conv_kernel[0] + 1) * sizeof (double);
  s->gn_scale = alloc_floats (s, cfg->conv_dim[0]);
  s->gn_shift = alloc_floats (s, cfg->conv_dim[0]);
  s->feat = alloc_floats (s, T * cfg->conv_dim[cfg->n_conv - 1]);
  s->h = alloc_floats (s, T * D);
  s->tmp = alloc_floats (s, T * D);
  s->q = alloc_floats (s, T * D);
  s->k = alloc_floats (s, T * D);
  s->v = alloc_floats (s, T * D);
  s->ctx = alloc_floats (s, T * D);
  s->ff = alloc_floats (s, T * Dff);
  s->scores = alloc_floats (s, T * T);
  s->pos_dup = alloc_floats (s, (T + cfg->pos_kernel) * s->pos_taps * Cg);
  s->logits = alloc_floats (s, T * model->n_exits * cfg->vocab_size);
  return s;
}

void
w2vee_session_free (W2veeSession *s)
{
  if (s == NULL)
    return;
  g_aligned_free (s->x);
  g_aligned_free (s->conv_a);
  g_aligned_free (s->conv_b);
  g_aligned_free (s->patch);
  g_free (s->gn_moments);
  g_aligned_free (s->gn_scale);
  g_aligned_free (s->gn_shift);
  g_aligned_free (s->feat);
  g_aligned_free (s->h);
  g_aligned_free (s->tmp);
  g_aligned_free (s->q);
  g_aligned_free (s->k);
  g_aligned_free (s->v);
  g_aligned_free (s->ctx);
  g_aligned_free (s->ff);
  g_aligned_free (s->scores);
  g_aligned_free (s->pos_dup);
  g_aligned_free (s->logits);
  w2vee_model_unref (s->model);
  g_free (s);
}

W2veeModel *
w2vee_session_get_model (W2veeSession *s)
{
  return s->model;
}

gsize
w2vee_session_workspace_bytes (const W2veeSession *s)
{
  return s->workspace_bytes;
}

guint
w2vee_session_last_layer (const W2veeSession *s)
{
  return s->last_layer;
}

void
w2vee_session_set_profiling (W2veeSession *s, gboolean enabled)
{
  s->profiling = enabled;
}

void
w2vee_session_get_profile (const W2veeSession *s, double seconds[W2VEE_N_STAGES])
{
  memcpy (seconds, s->profile, sizeof (s->profile));
}

static double
now_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Charges the time since the last call to @stage (when profiling). */
static void
stage_done (W2veeSession *s, W2veeStage stage)
{
  double t;

  if (!s->profiling)
    return;
  t = now_seconds ();
  s->profile[stage] += t - s->stage_start;
  s->stage_start = t;
}

const float *
w2vee_session_logits (const W2veeSession *s, guint exit, gsize *n_frames)
{
  if (n_frames)
    *n_frames = s->n_frames;
  if (exit < 1 || exit > s->last_exit)
    return NULL;
  return s->logits + (exit - 1) * s->max_frames * s->model->cfg.vocab_size;
}

/* ------------------------------------------------------------------------- */
/* Feature encoder                                                           */
/* ------------------------------------------------------------------------- */

/* y is (rows, C) the raw conv output of layer @l: bias, norm and GELU in place. */
static void
conv_epilogue (W2veeSession *s, gsize l, float *y, gsize rows)
{
  const W2veeConvLayer *c = &s->model->conv[l];

  if (s->model->cfg.conv_norm == W2VEE_CONV_NORM_LAYER) {
    if (c->b)
      w2vee_bias_add (y, rows, c->c_out, c->c_out, c->b);
    w2vee_layer_norm (y, rows, c->c_out, c->c_out, c->norm_w, c->norm_b, 1e-5f, y,
        c->c_out);
    w2vee_bias_gelu (y, rows, c->c_out, c->c_out, NULL);
  } else if (l == 0) {
    /* GroupNorm(C, C) over the whole input, bias folded into the shift */
    w2vee_scale_shift_gelu (y, rows, c->c_out, c->c_out, s->gn_scale, s->gn_shift);
  } else {
    w2vee_bias_gelu (y, rows, c->c_out, c->c_out, c->b);
  }
}

/* Group norm of conv layer 0 needs each channel's mean and variance over its T_0
 * output frames. The layer is linear in the input (C_in = 1): with m_k the mean of
 * input tap k over all frames and M the (K, K) second moments of the taps,
 * mean_o = w_o·m + b_o and var_o = w_oᵀ (M − m mᵀ) w_o — no pass over the conv
 * output, O(T_0·K²) work in doubles. */
static void
group_norm_stats (W2veeSession *s, gsize T0)
{
  const W2veeConvLayer *c = &s->model->conv[0];
  gsize K = c->kernel, S = c->stride, t, i, j, o;
  double *m = s->gn_moments;   /* (K) */
  double *cov = m + K;         /* (K, K) */

  memset (m, 0, K * (K + 1) * sizeof (double));
  for (t = 0; t < T0; t++) {
    const float *x = s->x + t * S;

    for (i = 0; i < K; i++) {
      m[i] += x[i];
      for (j = i; j < K; j++)
        cov[i * K + j] += (double) x[i] * x[j];
    }
  }
  for (i = 0; i < K; i++)
    m[i] /= (double) T0;
  for (i = 0; i < K; i++) {
    for (j = i; j < K; j++) {
      cov[i * K + j] = cov[i * K + j] / (double) T0 - m[i] * m[j];
      cov[j * K + i] = cov[i * K + j];
    }
  }
  for (o = 0; o < c->c_out; o++) {
    const float *w = c->w + o * K;
    double mean = 0.0, var = 0.0, scale;

    for (i = 0; i < K; i++) {
      double wc = 0.0;

      mean += w[i] * m[i];
      for (j = 0; j < K; j++)
        wc += cov[i * K + j] * w[j];
      var += w[i] * wc;
    }
    scale = c->norm_w[o] / sqrt (MAX (var, 0.0) + 1e-5);
    /* y = (conv + b - mean_conv - b) · scale + beta: the bias cancels out */
    s->gn_scale[o] = (float) scale;
    s->gn_shift[o] = (float) (c->norm_b[o] - mean * scale);
  }
}

/* Conv layer 0 (C_in = 1) for output rows [t0, t0 + rows): the input windows are
 * copied side by side (a tiny im2col, K floats a row) for one sgemm with K columns. */
static void
conv_first_layer (W2veeSession *s, gsize t0, gsize rows, float *out)
{
  const W2veeConvLayer *c = &s->model->conv[0];
  gsize t;

  for (t = 0; t < rows; t++)
    memcpy (s->patch + t * c->kernel, s->x + (t0 + t) * c->stride,
        c->kernel * sizeof (float));
  w2vee_linear (s->patch, rows, c->kernel, c->kernel, c->w, NULL, c->c_out, out,
      c->c_out, FALSE);
}

/* x (n) -> feat (T, C_last), one block of B last-layer frames at a time. */
static void
feature_encoder (W2veeSession *s, gsize n, gsize T)
{
  const W2veeModel *m = s->model;
  gsize L = m->cfg.n_conv, a, l;
  gsize start[W2VEE_MAX_CONV_LAYERS], end[W2VEE_MAX_CONV_LAYERS];
  gsize T0 = (n - m->conv[0].kernel) / m->conv[0].stride + 1;
  gsize B = CONV_BLOCK;


  if (m->cfg.conv_norm == W2VEE_CONV_NORM_GROUP)
    group_norm_stats (s, T0);

  for (a = 0; a < T; a += B) {
    const float *in;

    conv_ranges (m, a, MIN (a + B, T), start, end);
    in = NULL;
    for (l = 0; l < L; l++) {
      const W2veeConvLayer *c = &m->conv[l];
      gsize rows = end[l] - start[l];
      float *out = l == L - 1 ? s->feat + a * c->c_out : (l % 2 ? s->conv_b : s->conv_a);

      if (l == 0)
        conv_first_layer (s, start[0], rows, out);
      else
        w2vee_conv1d (in, c->c_in, c->stride, c->w, c->kernel, c->c_out, out, rows);
      conv_epilogue (s, l, out, rows);
      in = out;
    }
  }
}

/* ------------------------------------------------------------------------- */
/* Transformer                                                               */
/* ------------------------------------------------------------------------- */

/* h (T, D) += GELU(posconv(h)): grouped conv, kernel Kp, padding Kp/2, last frame
 * dropped for even Kp. Per group g, row u of pos_dup holds the padded input frames
 * u .. u+c-1 (c = pos_taps) side by side, so taps [j·c, j·c+c) of all outputs are one
 * sgemm over rows u = t + j·c with row stride c·Cg. */
static void
positional_conv (W2veeSession *s, gsize T)
{
  const W2veeConfig *cfg = &s->model->cfg;
  gsize D = cfg->hidden_size, G = cfg->pos_groups, Cg = D / G, Kp = cfg->pos_kernel;
  gsize pad = Kp / 2, c = s->pos_taps, n_chunks = (Kp + c - 1) / c;
  gsize rows = T + (n_chunks - 1) * c, g, u, m, j;

  for (g = 0; g < G; g++) {
    const float *w = s->model->pos_w + g * Cg * Kp * Cg; /* (Cg, Kp, Cg) */

    for (u = 0; u < rows; u++) {
      for (m = 0; m < c; m++) {
        float *dst = s->pos_dup + (u * c + m) * Cg;
        gssize src = (gssize) (u + m) - (gssize) pad;

        if (src >= 0 && (gsize) src < T)
          memcpy (dst, s->h + src * D + g * Cg, Cg * sizeof (float));
        else
          memset (dst, 0, Cg * sizeof (float));
      }
    }
    for (j = 0; j < n_chunks; j++) {
      gsize taps = MIN (c, Kp - j * c);

      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T, (int) Cg,
          (int) (taps * Cg), 1.0f, s->pos_dup + j * c * c * Cg, (int) (c * Cg),
          w + j * c * Cg, (int) (Kp * Cg), j == 0 ? 0.0f : 1.0f, s->tmp + g * Cg, (int) D);
    }
  }
  w2vee_bias_gelu (s->tmp, T, D, D, s->model->pos_b);
  for (u = 0; u < T * D; u++)
    s->h[u] += s->tmp[u];
}

/* in (T, D) -> ctx (T, D): multi-head self-attention without mask, one head at a time. */
static void
self_attention (W2veeSession *s, const W2veeLayer *L, const float *in, gsize T)
{
  gsize D = s->model->cfg.hidden_size, H = s->model->cfg.n_heads, Dh = D / H, h;
  float scale = 1.0f / sqrtf ((float) Dh);

  w2vee_linear (in, T, D, D, L->q_w, L->q_b, D, s->q, D, FALSE);
  w2vee_linear (in, T, D, D, L->k_w, L->k_b, D, s->k, D, FALSE);
  w2vee_linear (in, T, D, D, L->v_w, L->v_b, D, s->v, D, FALSE);
  for (h = 0; h < H; h++) {
    /* q_h (T, Dh), k_h (T, Dh) -> scores (T, T) */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T, (int) T, (int) Dh,
        scale, s->q + h * Dh, (int) D, s->k + h * Dh, (int) D, 0.0f, s->scores, (int) T);
    w2vee_softmax_rows (s->scores, T, T, T);
    /* scores (T, T), v_h (T, Dh) -> ctx_h (T, Dh) */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) T, (int) Dh, (int) T,
        1.0f, s->scores, (int) T, s->v + h * Dh, (int) D, 0.0f, s->ctx + h * Dh, (int) D);
  }
}

/* h (T, D) -> h (T, D) through one encoder layer. */
static void
encoder_layer (W2veeSession *s, const W2veeLayer *L, gsize T)
{
  const W2veeConfig *cfg = &s->model->cfg;
  gsize D = cfg->hidden_size, Dff = cfg->intermediate_size;
  float eps = (float) cfg->layer_norm_eps;

  if (!cfg->stable_layer_norm) {
    /* post-LN: h = LN(h + Attn(h)); h = LN_final(h + FFN(h)) */
    self_attention (s, L, s->h, T);
    w2vee_linear (s->ctx, T, D, D, L->o_w, L->o_b, D, s->h, D, TRUE);
    w2vee_layer_norm (s->h, T, D, D, L->ln_w, L->ln_b, eps, s->h, D);
    stage_done (s, W2VEE_STAGE_ATTENTION);
    w2vee_linear (s->h, T, D, D, L->ff_in_w, NULL, Dff, s->ff, Dff, FALSE);
    w2vee_bias_gelu (s->ff, T, Dff, Dff, L->ff_in_b);
    w2vee_linear (s->ff, T, Dff, Dff, L->ff_out_w, L->ff_out_b, D, s->h, D, TRUE);
    w2vee_layer_norm (s->h, T, D, D, L->final_ln_w, L->final_ln_b, eps, s->h, D);
    stage_done (s, W2VEE_STAGE_FFN);
  } else {
    /* stable-LN: h = h + Attn(LN(h)); h = h + FFN(LN_final(h)) */
    w2vee_layer_norm (s->h, T, D, D, L->ln_w, L->ln_b, eps, s->tmp, D);
    self_attention (s, L, s->tmp, T);
    w2vee_linear (s->ctx, T, D, D, L->o_w, L->o_b, D, s->h, D, TRUE);
    stage_done (s, W2VEE_STAGE_ATTENTION);
    w2vee_layer_norm (s->h, T, D, D, L->final_ln_w, L->final_ln_b, eps, s->tmp, D);
    w2vee_linear (s->tmp, T, D, D, L->ff_in_w, NULL, Dff, s->ff, Dff, FALSE);
    w2vee_bias_gelu (s->ff, T, Dff, Dff, L->ff_in_b);
    w2vee_linear (s->ff, T, Dff, Dff, L->ff_out_w, L->ff_out_b, D, s->h, D, TRUE);
    stage_done (s, W2VEE_STAGE_FFN);
  }
}

/* Logits of every exit (up to @last_exit) that reads layer @layer (1-based). */
static void
exit_heads (W2veeSession *s, guint layer, guint last_exit, gsize T)
{
  const W2veeModel *m = s->model;
  const W2veeConfig *cfg = &m->cfg;
  gsize D = cfg->hidden_size, V = cfg->vocab_size;
  guint e;

  for (e = 0; e < last_exit; e++) {
    const float *in = s->h;

    if (m->exits[e].layer != layer)
      continue;
    if (cfg->stable_layer_norm && layer == cfg->n_layers) {
      /* stable-LN: only the last layer's output goes through the encoder LayerNorm */
      w2vee_layer_norm (s->h, T, D, D, m->enc_ln_w, m->enc_ln_b,
          (float) cfg->layer_norm_eps, s->tmp, D);
      in = s->tmp;
    }
    w2vee_linear (in, T, D, D, m->exits[e].w, m->exits[e].b, V,
        s->logits + e * s->max_frames * V, V, FALSE);
  }
}

gboolean
w2vee_session_run (W2veeSession *s, const float *samples, gsize n, guint last_exit,
    GError **error)
{
  const W2veeModel *m;
  const W2veeConfig *cfg;
  gsize T, D, C_last;
  guint top, l;

  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (samples != NULL || n == 0, FALSE);
  m = s->model;
  cfg = &m->cfg;

  if (last_exit < 1 || last_exit > m->n_exits) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "exit %u is out of range: the model at %s has exits 1..%u", last_exit, m->path,
        m->n_exits);
    return FALSE;
  }
  if (n > s->max_samples) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "input of %" G_GSIZE_FORMAT " samples is longer than this session's maximum of %"
        G_GSIZE_FORMAT " samples", n, s->max_samples);
    return FALSE;
  }

  top = m->exits[last_exit - 1].layer;
  T = w2vee_model_n_frames (m, n);
  D = cfg->hidden_size;
  C_last = cfg->conv_dim[cfg->n_conv - 1];
  s->n_frames = T;
  s->last_exit = last_exit;
  s->last_layer = top;
  if (T == 0)
    return TRUE;

  openblas_set_num_threads ((int) s->n_threads);
  memset (s->profile, 0, sizeof (s->profile));
  if (s->profiling)
    s->stage_start = now_seconds ();

  if (cfg->do_normalize)
    w2vee_normalize (samples, n, s->x);
  else
    memcpy (s->x, samples, n * sizeof (float));

  feature_encoder (s, n, T);
  stage_done (s, W2VEE_STAGE_CONV);

  /* feature projection: LN over channels, then (C_last -> D) */
  w2vee_layer_norm (s->feat, T, C_last, C_last, m->proj_ln_w, m->proj_ln_b,
      (float) cfg->layer_norm_eps, s->feat, C_last);
  w2vee_linear (s->feat, T, C_last, C_last, m->proj_w, m->proj_b, D, s->h, D, FALSE);

  positional_conv (s, T);
  if (!cfg->stable_layer_norm)
    w2vee_layer_norm (s->h, T, D, D, m->enc_ln_w, m->enc_ln_b,
        (float) cfg->layer_norm_eps, s->h, D);
  stage_done (s, W2VEE_STAGE_PROJECTION);

  for (l = 1; l <= top; l++) {
    encoder_layer (s, &m->layers[l - 1], T);
    exit_heads (s, l, last_exit, T);
    stage_done (s, W2VEE_STAGE_HEADS);
  }
  return TRUE;
}
