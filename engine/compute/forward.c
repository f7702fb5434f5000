/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The forward pass of a session (session.h; the workspace is session.c): samples to
 * the logits of exits 1..last_exit, split over the session's thread team. Allocates
 * nothing. Shapes legend: session.h.
 */
#include "session.h"
#include "onednn.h"
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>
#include <time.h>

/* Output columns a thread takes in a column-split matrix product are a multiple of this. */
#define COLUMN_ALIGN 16

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

/* ------------------------------------------------------------------------- */
/* Parallel building blocks                                                  */
/* ------------------------------------------------------------------------- */

/* Row-local work on rows [t0, t1), run by every team member on its share of T rows. */
typedef void (*RowsFunc) (W2veeSession *s, gsize t0, gsize t1, gconstpointer arg);

typedef struct {
  W2veeSession *s;
  gsize T;
  RowsFunc func;
  gconstpointer arg;
} RowsJob;

static void
rows_part (gpointer data, guint i, guint n)
{
  RowsJob *j = data;
  gsize t0, t1;

  w2vee_split (j->T, i, n, 1, &t0, &t1);
  if (t0 < t1)
    j->func (j->s, t0, t1, j->arg);
}

static void
parallel_rows (W2veeSession *s, gsize T, RowsFunc func, gconstpointer arg)
{
  RowsJob j = { .s = s, .T = T, .func = func, .arg = arg };

  w2vee_pool_run (s->pool, rows_part, &j);
}

/* out (T, OC) [+]= in (T, C) · wᵀ, then + b, or GELU(· + b): one matrix product of a
 * column-split job. */
typedef struct {
  const float *in;  /* (T, C), row stride ldi */
  gsize ldi;
  const float *w;   /* (OC, C) */
  const float *b;   /* (OC) or NULL */
  gsize OC;
  float *out;       /* (T, OC), row stride ldo */
  gsize ldo;
  gboolean accumulate;
  gboolean gelu;
} Gemm;

typedef struct {
  gsize T, C;
  guint n_gemms;
  Gemm g[3];
} GemmJob;

/* Each member computes its share of the output columns of every product: it reads
 * all of `in` but packs only its rows of w (the weights dominate). */
static void
gemm_part (gpointer data, guint i, guint n)
{
  GemmJob *j = data;
  guint k;

  for (k = 0; k < j->n_gemms; k++) {
    const Gemm *g = &j->g[k];
    gsize o0, o1;

    w2vee_split (g->OC, i, n, COLUMN_ALIGN, &o0, &o1);
    if (o0 == o1)
      continue;
    w2vee_linear (g->in, j->T, j->C, g->ldi, g->w + o0 * j->C, g->gelu ? NULL :
        (g->b ? g->b + o0 : NULL), o1 - o0, g->out + o0, g->ldo, g->accumulate);
    if (g->gelu)
      w2vee_bias_gelu (g->out + o0, j->T, o1 - o0, g->ldo, g->b ? g->b + o0 : NULL,
          FALSE);
  }
}

/* The dispatch point of the linear layers: the oneDNN backend (onednn.c) takes the
 * products whose weights it prepared, OpenBLAS the rest. */
static void
parallel_gemm (W2veeSession *s, GemmJob *job)
{
  GemmJob rest = *job;
  gboolean prev_taken = FALSE;   /* the backend took g[k - 1]: it holds its input */
  guint k;

  if (s->dnnl != NULL) {
    rest.n_gemms = 0;
    for (k = 0; k < job->n_gemms; k++) {
      const Gemm *g = &job->g[k];
      /* the products of one job read their inputs and write elsewhere (q, k, v) */
      gboolean same_in = prev_taken && g->in == job->g[k - 1].in &&
          g->ldi == job->g[k - 1].ldi && job->g[k - 1].out != g->in;

      prev_taken = w2vee_dnnl_linear (s, g->in, job->T, job->C, g->ldi, g->w, g->b, g->OC,
          g->out, g->ldo, g->accumulate, g->gelu, same_in);
      if (!prev_taken)
        rest.g[rest.n_gemms++] = *g;
    }
    if (rest.n_gemms == 0)
      return;
  }
  w2vee_pool_run (s->pool, gemm_part, &rest);
}

/* ------------------------------------------------------------------------- */
/* Feature encoder                                                           */
/* ------------------------------------------------------------------------- */

/* The GELU the engine applies itself: the exact erf one in fp32 sessions,
 * w2vee_gelu_lowp's in bf16 and int8 ones (their products round to 16 or 8 bits). */
static gboolean
session_gelu_lowp (const W2veeSession *s)
{
  return s->precision != W2VEE_PRECISION_FP32;
}

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
    w2vee_bias_gelu (y, rows, c->c_out, c->c_out, NULL, session_gelu_lowp (s));
  } else if (l == 0) {
    /* GroupNorm(C, C) over the whole input, bias folded into the shift */
    w2vee_scale_shift_gelu (y, rows, c->c_out, c->c_out, s->gn_scale, s->gn_shift,
        session_gelu_lowp (s));
  } else {
    w2vee_bias_gelu (y, rows, c->c_out, c->c_out, c->b, session_gelu_lowp (s));
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
    /* (conv + b − (mean + b)) · scale + beta: the conv bias cancels out */
    scale = c->norm_w[o] / sqrt (MAX (var, 0.0) + 1e-5);
    s->gn_scale[o] = (float) scale;
    s->gn_shift[o] = (float) (c->norm_b[o] - mean * scale);
  }
}

/* Conv layer 0 (C_in = 1) for output rows [t0, t0 + rows): the input windows are
 * copied side by side (a tiny im2col, K floats a row) for one sgemm with K columns. */
static void
conv_first_layer (W2veeSession *s, Scratch *sc, gsize t0, gsize rows, float *out)
{
  const W2veeConvLayer *c = &s->model->conv[0];
  gsize t;

  for (t = 0; t < rows; t++)
    memcpy (sc->patch + t * c->kernel, s->x + (t0 + t) * c->stride,
        c->kernel * sizeof (float));
  w2vee_linear (sc->patch, rows, c->kernel, c->kernel, c->w, NULL, c->c_out, out,
      c->c_out, FALSE);
}

/* Last-layer rows [a, b) of the conv stack into feat, layer by layer in the scratch of
 * team member @member. Layers 1.. run in bf16 when the session has a bf16 conv encoder
 * (onednn.h), else on the fp32 kernels. */
static void
conv_block (W2veeSession *s, guint member, gsize a, gsize b)
{
  Scratch *sc = &s->scratch[member];
  const W2veeModel *m = s->model;
  gsize L = m->cfg.n_conv, l;
  gsize start[W2VEE_MAX_CONV_LAYERS], end[W2VEE_MAX_CONV_LAYERS];
  const float *in = NULL;

  w2vee_conv_ranges (m, a, b, start, end);
  for (l = 0; l < L; l++) {
    const W2veeConvLayer *c = &m->conv[l];
    gsize rows = end[l] - start[l];
    float *out = l == L - 1 ? s->feat + a * c->c_out : (l % 2 ? sc->conv_b : sc->conv_a);
    gboolean done_gelu = FALSE;   /* conv_epilogue's bias + GELU already applied */

    if (l == 0)
      conv_first_layer (s, sc, start[0], rows, out);
    else if (s->dnnl_conv != NULL && w2vee_dnnl_conv (s, member, l, in, out, rows,
            m->cfg.conv_norm != W2VEE_CONV_NORM_LAYER, &done_gelu))
      ;
    else if (c->w02 != NULL)
      w2vee_conv1d_k3s2 (in, c->c_in, c->w, c->w02, c->c_out, out, rows,
          sc->wino_d1, sc->wino_d3, sc->wino_m2);
    else
      w2vee_conv1d (in, c->c_in, c->stride, c->w, c->kernel, c->c_out, out, rows);
    if (!done_gelu)
      conv_epilogue (s, l, out, rows);
    in = out;
  }
}

typedef struct {
  W2veeSession *s;
  gsize T;
  gint next;   /* next block index; atomic */
} ConvJob;

/* Blocks are independent: members take the next one until none is left. */
static void
conv_part (gpointer data, guint i, guint n)
{
  ConvJob *j = data;

  for (;;) {
    gsize a = (gsize) g_atomic_int_add (&j->next, 1) * CONV_BLOCK;

    if (a >= j->T)
      break;
    conv_block (j->s, i, a, MIN (a + CONV_BLOCK, j->T));
  }
}

static void
feat_layer_norm_rows (W2veeSession *s, gsize t0, gsize t1, gconstpointer arg)
{
  const W2veeModel *m = s->model;
  gsize C = m->cfg.conv_dim[m->cfg.n_conv - 1];

  w2vee_layer_norm (s->feat + t0 * C, t1 - t0, C, C, m->proj_ln_w, m->proj_ln_b,
      (float) m->cfg.layer_norm_eps, s->feat + t0 * C, C);
}

/* x (n) -> feat (T, C_last) -> LayerNorm -> h (T, D). */
static void
feature_encoder (W2veeSession *s, gsize n, gsize T)
{
  const W2veeModel *m = s->model;
  gsize C = m->cfg.conv_dim[m->cfg.n_conv - 1];
  ConvJob conv = { .s = s, .T = T, .next = 0 };
  GemmJob proj = { .T = T, .C = C, .n_gemms = 1, .g = {
      { .in = s->feat, .ldi = C, .w = m->proj_w, .b = m->proj_b,
        .OC = m->cfg.hidden_size, .out = s->h, .ldo = m->cfg.hidden_size } } };

  if (m->cfg.conv_norm == W2VEE_CONV_NORM_GROUP)
    group_norm_stats (s, (n - m->conv[0].kernel) / m->conv[0].stride + 1);
  w2vee_pool_run (s->pool, conv_part, &conv);
  parallel_rows (s, T, feat_layer_norm_rows, NULL);
  parallel_gemm (s, &proj);
}

/* ------------------------------------------------------------------------- */
/* Transformer                                                               */
/* ------------------------------------------------------------------------- */

typedef struct {
  W2veeSession *s;
  gsize T;
  gint next;   /* next group (pos conv) or head (attention); atomic */
} SplitJob;

/* tmp[:, group g] = posconv_g(h): grouped conv, kernel Kp, padding Kp/2, last frame
 * dropped for even Kp. Row u of pos_dup holds the padded input frames u .. u+c-1
 * (c = pos_taps) side by side, so taps [j·c, j·c+c) of all outputs are one sgemm over
 * rows u = t + j·c with row stride c·Cg. */
static void
positional_conv_group (W2veeSession *s, Scratch *sc, gsize T, gsize g)
{
  const W2veeConfig *cfg = &s->model->cfg;
  gsize D = cfg->hidden_size, Cg = D / cfg->pos_groups, Kp = cfg->pos_kernel;
  gsize pad = Kp / 2, c = s->pos_taps, n_chunks = (Kp + c - 1) / c;
  gsize rows = T + (n_chunks - 1) * c, u, m, j;
  const float *w = s->model->pos_w + g * Cg * Kp * Cg; /* (Cg, Kp, Cg) */

  for (u = 0; u < rows; u++) {
    for (m = 0; m < c; m++) {
      float *dst = sc->pos_dup + (u * c + m) * Cg;
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
        (int) (taps * Cg), 1.0f, sc->pos_dup + j * c * c * Cg, (int) (c * Cg),
        w + j * c * Cg, (int) (Kp * Cg), j == 0 ? 0.0f : 1.0f, s->tmp + g * Cg, (int) D);
  }
}

static void
positional_conv_part (gpointer data, guint i, guint n)
{
  SplitJob *j = data;
  gsize g;

  while ((g = (gsize) g_atomic_int_add (&j->next, 1)) < j->s->model->cfg.pos_groups)
    positional_conv_group (j->s, &j->s->scratch[i], j->T, g);
}

/* h += GELU(tmp + b_pos); post-LN models then normalise: h = LN_enc(h). */
static void
positional_add_rows (W2veeSession *s, gsize t0, gsize t1, gconstpointer arg)
{
  const W2veeModel *m = s->model;
  gsize D = m->cfg.hidden_size, i;
  float *h = s->h + t0 * D, *p = s->tmp + t0 * D;

  w2vee_bias_gelu (p, t1 - t0, D, D, m->pos_b, session_gelu_lowp (s));
  for (i = 0; i < (t1 - t0) * D; i++)
    h[i] += p[i];
  if (!m->cfg.stable_layer_norm)
    w2vee_layer_norm (h, t1 - t0, D, D, m->enc_ln_w, m->enc_ln_b,
        (float) m->cfg.layer_norm_eps, h, D);
}

/* Attention of head h: ctx_h (T, Dh) = softmax(q_h k_hᵀ / √Dh) v_h. */
static void
attention_head (W2veeSession *s, Scratch *sc, gsize T, gsize h)
{
  gsize D = s->model->cfg.hidden_size, Dh = D / s->model->cfg.n_heads;

  if (s->attn_bf16) {   /* bf16 sessions: the products in bf16; int8 sessions: int8 */
    w2vee_attention_head_bf16 (s->q + h * Dh, s->k + h * Dh, s->v + h * Dh, D, T, Dh,
        1.0f / sqrtf ((float) Dh), s->attn_int8, sc->scores, sc->attn_work,
        s->ctx + h * Dh, D);
    return;
  }
  /* q_h (T, Dh), k_h (T, Dh) -> scores (T, T) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T, (int) T, (int) Dh,
      1.0f / sqrtf ((float) Dh), s->q + h * Dh, (int) D, s->k + h * Dh, (int) D, 0.0f,
      sc->scores, (int) T);
  w2vee_softmax_rows (sc->scores, T, T, T);
  /* scores (T, T), v_h (T, Dh) -> ctx_h (T, Dh) */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) T, (int) Dh, (int) T,
      1.0f, sc->scores, (int) T, s->v + h * Dh, (int) D, 0.0f, s->ctx + h * Dh, (int) D);
}

static void
attention_part (gpointer data, guint i, guint n)
{
  SplitJob *j = data;
  gsize h;

  while ((h = (gsize) g_atomic_int_add (&j->next, 1)) < j->s->model->cfg.n_heads)
    attention_head (j->s, &j->s->scratch[i], j->T, h);
}

typedef struct {
  const float *g, *b;  /* (D) LayerNorm affine */
  const float *in;     /* (T, D) */
  float *out;          /* (T, D), may be in */
} NormArg;

static void
layer_norm_rows (W2veeSession *s, gsize t0, gsize t1, gconstpointer arg)
{
  const NormArg *a = arg;
  gsize D = s->model->cfg.hidden_size;

  w2vee_layer_norm (a->in + t0 * D, t1 - t0, D, D, a->g, a->b,
      (float) s->model->cfg.layer_norm_eps, a->out + t0 * D, D);
}

static void
layer_norm (W2veeSession *s, gsize T, const float *g, const float *b, const float *in,
    float *out)
{
  NormArg a = { .g = g, .b = b, .in = in, .out = out };

  parallel_rows (s, T, layer_norm_rows, &a);
}

/* Logits of every exit (up to last_exit) reading layer `layer` (1-based), for a share
 * of the rows: heads are small (V rows), so rows split better than columns. */
typedef struct {
  guint layer, last_exit;
} HeadsArg;

static void
exit_heads_rows (W2veeSession *s, gsize t0, gsize t1, gconstpointer arg)
{
  const HeadsArg *a = arg;
  const W2veeModel *m = s->model;
  const W2veeConfig *cfg = &m->cfg;
  gsize D = cfg->hidden_size, V = cfg->vocab_size;
  guint e;

  for (e = 0; e < a->last_exit; e++) {
    const float *in = s->h + t0 * D;

    if (m->exits[e].layer != a->layer)
      continue;
    if (cfg->stable_layer_norm && a->layer == cfg->n_layers) {
      /* stable-LN: only the last layer's output goes through the encoder LayerNorm */
      w2vee_layer_norm (in, t1 - t0, D, D, m->enc_ln_w, m->enc_ln_b,
          (float) cfg->layer_norm_eps, s->tmp + t0 * D, D);
      in = s->tmp + t0 * D;
    }
    w2vee_linear (in, t1 - t0, D, D, m->exits[e].w, m->exits[e].b, V,
        s->logits + (e * s->max_frames + t0) * V, V, FALSE);
  }
}

/* h (T, D) -> h (T, D) through one encoder layer. */
static void
encoder_layer (W2veeSession *s, const W2veeLayer *L, gsize T)
{
  const W2veeConfig *cfg = &s->model->cfg;
  gsize D = cfg->hidden_size, Dff = cfg->intermediate_size;
  gboolean stable = cfg->stable_layer_norm;
  /* stable-LN: h = h + Attn(LN(h)); h = h + FFN(LN_final(h))
   * post-LN:   h = LN(h + Attn(h));   h = LN_final(h + FFN(h)) */
  const float *attn_in = stable ? s->tmp : s->h;
  const float *ffn_in = stable ? s->tmp : s->h;
  SplitJob heads = { .s = s, .T = T, .next = 0 };
  GemmJob qkv = { .T = T, .C = D, .n_gemms = 3, .g = {
      { .in = attn_in, .ldi = D, .w = L->q_w, .b = L->q_b, .OC = D, .out = s->q,
        .ldo = D },
      { .in = attn_in, .ldi = D, .w = L->k_w, .b = L->k_b, .OC = D, .out = s->k,
        .ldo = D },
      { .in = attn_in, .ldi = D, .w = L->v_w, .b = L->v_b, .OC = D, .out = s->v,
        .ldo = D } } };
  GemmJob out = { .T = T, .C = D, .n_gemms = 1, .g = {
      { .in = s->ctx, .ldi = D, .w = L->o_w, .b = L->o_b, .OC = D, .out = s->h, .ldo = D,
        .accumulate = TRUE } } };
  GemmJob ff_in = { .T = T, .C = D, .n_gemms = 1, .g = {
      { .in = ffn_in, .ldi = D, .w = L->ff_in_w, .b = L->ff_in_b, .OC = Dff, .out = s->ff,
        .ldo = Dff, .gelu = TRUE } } };
  GemmJob ff_out = { .T = T, .C = Dff, .n_gemms = 1, .g = {
      { .in = s->ff, .ldi = Dff, .w = L->ff_out_w, .b = L->ff_out_b, .OC = D, .out = s->h,
        .ldo = D, .accumulate = TRUE } } };

  if (stable)
    layer_norm (s, T, L->ln_w, L->ln_b, s->h, s->tmp);
  parallel_gemm (s, &qkv);
  w2vee_pool_run (s->pool, attention_part, &heads);
  parallel_gemm (s, &out);
  if (stable)
    layer_norm (s, T, L->final_ln_w, L->final_ln_b, s->h, s->tmp);
  else
    layer_norm (s, T, L->ln_w, L->ln_b, s->h, s->h);
  stage_done (s, W2VEE_STAGE_ATTENTION);
  parallel_gemm (s, &ff_in);
  parallel_gemm (s, &ff_out);
  if (!stable)
    layer_norm (s, T, L->final_ln_w, L->final_ln_b, s->h, s->h);
  stage_done (s, W2VEE_STAGE_FFN);
}

/* Weight of the newest timing in the cost model's exponential average. */
#define COST_EMA_WEIGHT 0.25

/* Folds @seconds spent on @n_samples into the cost estimate @cost (seconds per second
 * of audio); the first measurement replaces the prior. */
static void
cost_update (double *cost, gboolean *measured, double seconds, gsize n_samples)
{
  double per_audio_s = seconds / ((double) n_samples / W2VEE_SAMPLE_RATE);

  if (n_samples == 0 || !(per_audio_s >= 0.0))
    return;
  *cost = *measured ? *cost + COST_EMA_WEIGHT * (per_audio_s - *cost) : per_audio_s;
  *measured = TRUE;
}

gboolean
w2vee_session_begin (W2veeSession *s, const float *samples, gsize n, GError **error)
{
  const W2veeModel *m;
  const W2veeConfig *cfg;
  SplitJob pos;
  gsize T;
  double t_start;

  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (samples != NULL || n == 0, FALSE);
  m = s->model;
  cfg = &m->cfg;

  s->begun = FALSE;
  s->last_exit = 0;
  s->last_layer = 0;
  if (n > s->max_samples) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "input of %" G_GSIZE_FORMAT " samples is longer than this session's maximum of %"
        G_GSIZE_FORMAT " samples", n, s->max_samples);
    return FALSE;
  }

  T = w2vee_model_n_frames (m, n);
  s->n_samples = n;
  s->n_frames = T;
  s->begun = TRUE;
  memset (s->profile, 0, sizeof (s->profile));
  if (T == 0)
    return TRUE;

  /* the team parallelises around single-threaded BLAS calls */
  openblas_set_num_threads (1);
  t_start = now_seconds ();
  s->stage_start = t_start;

  if (cfg->do_normalize)
    w2vee_normalize (samples, n, s->x);
  else
    memcpy (s->x, samples, n * sizeof (float));
  feature_encoder (s, n, T);
  stage_done (s, W2VEE_STAGE_CONV);

  pos = (SplitJob) { .s = s, .T = T, .next = 0 };
  if (!w2vee_dnnl_pos_conv (s, T))
    w2vee_pool_run (s->pool, positional_conv_part, &pos);
  parallel_rows (s, T, positional_add_rows, NULL);
  stage_done (s, W2VEE_STAGE_PROJECTION);
  cost_update (&s->begin_cost, &s->begin_measured, now_seconds () - t_start, n);
  return TRUE;
}

gboolean
w2vee_session_advance (W2veeSession *s, guint exit, GError **error)
{
  const W2veeModel *m;
  guint top, l;

  g_return_val_if_fail (s != NULL, FALSE);
  m = s->model;

  if (!s->begun) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "no input to advance: call w2vee_session_begin() first");
    return FALSE;
  }
  if (exit < 1 || exit > m->n_exits) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "exit %u is out of range: the model at %s has exits 1..%u", exit, m->path,
        m->n_exits);
    return FALSE;
  }
  if (exit < s->last_exit) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "cannot advance to exit %u: this input already ran to exit %u (layer %u), and "
        "layers are never recomputed", exit, s->last_exit, s->last_layer);
    return FALSE;
  }

  /* exit layers strictly increase, so the exits to add read layers past last_layer */
  top = m->exits[exit - 1].layer;
  if (s->n_frames > 0) {
    openblas_set_num_threads (1);
    s->stage_start = now_seconds ();
    for (l = s->last_layer + 1; l <= top; l++) {
      HeadsArg heads = { .layer = l, .last_exit = exit };
      double t_layer = now_seconds ();

      encoder_layer (s, &m->layers[l - 1], s->n_frames);
      parallel_rows (s, s->n_frames, exit_heads_rows, &heads);
      stage_done (s, W2VEE_STAGE_HEADS);
      s->layer_count++;
      cost_update (&s->layer_cost[l - 1], &s->layer_measured[l - 1],
          now_seconds () - t_layer, s->n_samples);
      /* encoder layers all have one shape: a layer not timed yet costs what this
       * one did (else a policy that never goes deep would keep the FLOP prior for
       * the deeper layers and never recover) */
      for (gsize k = 0; k < m->cfg.n_layers; k++)
        if (!s->layer_measured[k])
          s->layer_cost[k] = s->layer_cost[l - 1];
    }
  }
  s->last_exit = exit;
  s->last_layer = top;
  return TRUE;
}

gboolean
w2vee_session_run (W2veeSession *s, const float *samples, gsize n, guint last_exit,
    GError **error)
{
  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (samples != NULL || n == 0, FALSE);

  if (last_exit < 1 || last_exit > s->model->n_exits) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "exit %u is out of range: the model at %s has exits 1..%u", last_exit,
        s->model->path, s->model->n_exits);
    return FALSE;
  }
  return w2vee_session_begin (s, samples, n, error)
      && w2vee_session_advance (s, last_exit, error);
}
