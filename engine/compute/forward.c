/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
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
#include "pool.h"

#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

/* Frames of the last conv layer computed per block; the first layers then hold about
 * B·320/5 rows (2 k rows of 512 floats for base: a few MB, cache friendly). */
#define CONV_BLOCK 32

/* The largest workspace a session may ask for (attention is O(T²)). */
#define MAX_WORKSPACE_BYTES (G_GUINT64_CONSTANT (4) << 30)

#define ALIGNMENT 64

/* Output columns a thread takes in a column-split matrix product are a multiple of this. */
#define COLUMN_ALIGN 16

/* What each member of the thread team works in (sizes: the workspace table below). */
typedef struct {
  float *conv_a, *conv_b;  /* (max_l block_rows[l] · C_l) conv ping-pong */
  float *patch;            /* (block_rows[0], K_0) windows of the input for conv layer 0 */
  float *wino_d1, *wino_d3; /* (block_rows/2, C_in) Winograd input differences */
  float *wino_m2;          /* (block_rows/2, C_out) the product shared by output pairs */
  float *scores;           /* (T, T) attention of one head */
  float *pos_dup;          /* (T + Kp, pos_taps · Cg) one group's padded input, taps side by side */
} Scratch;

struct _W2veeSession {
  W2veeModel *model;
  W2veePool *pool;         /* n_threads members */
  guint n_threads;
  gsize max_samples;       /* samples */
  gsize max_frames;        /* T for max_samples */
  gsize pos_taps;          /* pos-conv taps packed per row of pos_dup */

  /* The workspace (sizes: the workspace table below). */
  Scratch *scratch;        /* (n_threads) */
  float *x;                /* (max_samples) normalised input */
  double *gn_moments;      /* (K_0 + K_0²) input tap means and second moments */
  float *gn_scale;         /* (C_0) group-norm of conv layer 0: gamma / std */
  float *gn_shift;         /* (C_0) beta + (bias - mean) · gamma / std */
  float *feat;             /* (T, C_last) conv output, then its LayerNorm */
  float *h;                /* (T, D) hidden state */
  float *tmp;              /* (T, D) */
  float *ff;               /* (T, max(Dff, 4·D)) feed-forward inner activations; during
                            * attention it holds q, k, v and ctx instead: */
  float *q, *k, *v;        /* (T, D) attention projections, inside ff */
  float *ctx;              /* (T, D) attention context, inside ff */
  float *logits;           /* (n_exits, T, V) */
  gsize workspace_bytes;   /* bytes of all the buffers of the workspace table */

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

/* ------------------------------------------------------------------------- */
/* The workspace: one table, measured, allocated and freed from it           */
/* ------------------------------------------------------------------------- */

/* The sizes the workspace buffers are made of, fixed for a session by its model and
 * max_samples (block_rows[l]: rows of conv layer l that one block of CONV_BLOCK
 * last-layer frames needs). */
typedef enum {
  DIM_ONE,
  DIM_SAMPLES,     /* max_samples */
  DIM_FRAMES,      /* T for max_samples */
  DIM_HIDDEN,      /* D */
  DIM_FF,          /* max(Dff, 4·D): feed-forward activations, or q, k, v and ctx */
  DIM_CONV_FIRST,  /* C_0 */
  DIM_CONV_LAST,   /* C_last */
  DIM_EXIT_ROW,    /* n_exits · V: one frame's logits of every exit */
  DIM_CONV_BLOCK,  /* max_l block_rows[l] · C_l: one conv layer's output for one block */
  DIM_PATCH,       /* block_rows[0] · K_0: conv layer 0's input windows for one block */
  DIM_WINO_IN,     /* max over Winograd layers l of block_rows[l]/2 · C_(l-1) */
  DIM_WINO_OUT,    /* max over Winograd layers l of block_rows[l]/2 · C_l */
  DIM_POS_ROWS,    /* T + Kp: rows of pos_dup */
  DIM_POS_COLS,    /* pos_taps · Cg: one row of pos_dup */
  DIM_MOMENTS,     /* K_0 + K_0² */
  N_DIMS
} Dim;

typedef struct {
  gsize offset;        /* of the buffer's pointer in Scratch or W2veeSession */
  gboolean per_thread; /* one buffer per team member, in its Scratch; else one shared */
  gsize elem;          /* bytes per element */
  Dim rows, cols;      /* the buffer holds rows · cols elements (at least one) */
} WorkspaceBuffer;

#define PER_THREAD(field, r, c) \
  { .offset = offsetof (Scratch, field), .per_thread = TRUE, .elem = sizeof (float), \
    .rows = (r), .cols = (c) }
#define SHARED(field, type, r, c) \
  { .offset = offsetof (W2veeSession, field), .per_thread = FALSE, \
    .elem = sizeof (type), .rows = (r), .cols = (c) }

/* Every buffer of a session; q, k, v and ctx are views into ff. */
static const WorkspaceBuffer workspace[] = {
  PER_THREAD (conv_a, DIM_CONV_BLOCK, DIM_ONE),
  PER_THREAD (conv_b, DIM_CONV_BLOCK, DIM_ONE),
  PER_THREAD (patch, DIM_PATCH, DIM_ONE),
  PER_THREAD (wino_d1, DIM_WINO_IN, DIM_ONE),
  PER_THREAD (wino_d3, DIM_WINO_IN, DIM_ONE),
  PER_THREAD (wino_m2, DIM_WINO_OUT, DIM_ONE),
  PER_THREAD (scores, DIM_FRAMES, DIM_FRAMES),
  PER_THREAD (pos_dup, DIM_POS_ROWS, DIM_POS_COLS),
  SHARED (x, float, DIM_SAMPLES, DIM_ONE),
  SHARED (gn_moments, double, DIM_MOMENTS, DIM_ONE),
  SHARED (gn_scale, float, DIM_CONV_FIRST, DIM_ONE),
  SHARED (gn_shift, float, DIM_CONV_FIRST, DIM_ONE),
  SHARED (feat, float, DIM_FRAMES, DIM_CONV_LAST),
  SHARED (h, float, DIM_FRAMES, DIM_HIDDEN),
  SHARED (tmp, float, DIM_FRAMES, DIM_HIDDEN),
  SHARED (ff, float, DIM_FRAMES, DIM_FF),
  SHARED (logits, float, DIM_FRAMES, DIM_EXIT_ROW),
};

/* Fills @dims, and returns pos_taps, for @model and @max_samples. */
static gsize
workspace_dims (const W2veeModel *model, gsize max_samples, gsize dims[N_DIMS])
{
  const W2veeConfig *cfg = &model->cfg;
  gsize T = w2vee_model_n_frames (model, max_samples);
  gsize D = cfg->hidden_size, Cg = D / cfg->pos_groups, K0 = cfg->conv_kernel[0];
  gsize pos_taps = MIN (cfg->pos_kernel, MAX (1, 768 / Cg));
  gsize start[W2VEE_MAX_CONV_LAYERS], end[W2VEE_MAX_CONV_LAYERS], l;

  memset (dims, 0, N_DIMS * sizeof (gsize));
  conv_ranges (model, 0, MIN (CONV_BLOCK, MAX (T, 1)), start, end);
  for (l = 0; l < cfg->n_conv; l++) {
    gsize rows = end[l] - start[l];

    dims[DIM_CONV_BLOCK] = MAX (dims[DIM_CONV_BLOCK], rows * cfg->conv_dim[l]);
    if (model->conv[l].w02 != NULL) {
      dims[DIM_WINO_IN] = MAX (dims[DIM_WINO_IN], rows / 2 * cfg->conv_dim[l - 1]);
      dims[DIM_WINO_OUT] = MAX (dims[DIM_WINO_OUT], rows / 2 * cfg->conv_dim[l]);
    }
  }
  dims[DIM_ONE] = 1;
  dims[DIM_SAMPLES] = max_samples;
  dims[DIM_FRAMES] = T;
  dims[DIM_HIDDEN] = D;
  dims[DIM_FF] = MAX (cfg->intermediate_size, 4 * D);
  dims[DIM_CONV_FIRST] = cfg->conv_dim[0];
  dims[DIM_CONV_LAST] = cfg->conv_dim[cfg->n_conv - 1];
  dims[DIM_EXIT_ROW] = model->n_exits * cfg->vocab_size;
  dims[DIM_PATCH] = (end[0] - start[0]) * K0;
  dims[DIM_POS_ROWS] = T + cfg->pos_kernel;
  dims[DIM_POS_COLS] = pos_taps * Cg;
  dims[DIM_MOMENTS] = K0 * (K0 + 1);
  return pos_taps;
}

/* Elements of buffer @b (at least one), or FALSE when the product overflows. */
static gboolean
buffer_elements (const WorkspaceBuffer *b, const gsize dims[N_DIMS], guint64 *n)
{
  if (!g_uint64_checked_mul (n, dims[b->rows], dims[b->cols]))
    return FALSE;
  *n = MAX (*n, 1);
  return TRUE;
}

/* Bytes of the whole workspace of @n_threads, or FALSE when they overflow 64 bits. */
static gboolean
workspace_measure (const gsize dims[N_DIMS], guint n_threads, guint64 *total)
{
  guint i;

  *total = 0;
  for (i = 0; i < G_N_ELEMENTS (workspace); i++) {
    const WorkspaceBuffer *b = &workspace[i];
    guint64 n, bytes;

    if (!buffer_elements (b, dims, &n) || !g_uint64_checked_mul (&bytes, n, b->elem) ||
        !g_uint64_checked_mul (&bytes, bytes, b->per_thread ? n_threads : 1) ||
        !g_uint64_checked_add (total, *total, bytes))
      return FALSE;
  }
  return TRUE;
}

/* Where buffer @b of team member @thread (ignored when shared) keeps its address. */
static gpointer *
buffer_slot (W2veeSession *s, const WorkspaceBuffer *b, guint thread)
{
  char *owner = b->per_thread ? (char *) &s->scratch[thread] : (char *) s;

  return (gpointer *) (owner + b->offset);
}

/* Allocates every buffer of the table, measured first (no product overflows). */
static void
workspace_alloc (W2veeSession *s, const gsize dims[N_DIMS])
{
  guint i, t;

  for (i = 0; i < G_N_ELEMENTS (workspace); i++) {
    const WorkspaceBuffer *b = &workspace[i];
    guint64 n = 0;

    buffer_elements (b, dims, &n);
    for (t = 0; t < (b->per_thread ? s->n_threads : 1); t++)
      *buffer_slot (s, b, t) = g_aligned_alloc0 (n, b->elem, ALIGNMENT);
  }
  s->q = s->ff;
  s->k = s->q + dims[DIM_FRAMES] * dims[DIM_HIDDEN];
  s->v = s->k + dims[DIM_FRAMES] * dims[DIM_HIDDEN];
  s->ctx = s->v + dims[DIM_FRAMES] * dims[DIM_HIDDEN];
}

static void
workspace_free (W2veeSession *s)
{
  guint i, t;

  for (i = 0; i < G_N_ELEMENTS (workspace); i++) {
    const WorkspaceBuffer *b = &workspace[i];

    for (t = 0; t < (b->per_thread ? s->n_threads : 1); t++)
      g_clear_pointer (buffer_slot (s, b, t), g_aligned_free);
  }
}

W2veeSession *
w2vee_session_new (W2veeModel *model, const W2veeSessionParams *params, GError **error)
{
  W2veeSessionParams defaults = w2vee_session_default_params ();
  W2veeSession *s;
  gsize dims[N_DIMS], pos_taps;
  guint64 total;
  guint n_threads;

  g_return_val_if_fail (model != NULL, NULL);
  if (params == NULL)
    params = &defaults;
  n_threads = params->n_threads ? params->n_threads : g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, 256);

  /* Measure before allocating: refuse absurd lengths with a clear error. */
  pos_taps = workspace_dims (model, params->max_samples, dims);
  if (!workspace_measure (dims, n_threads, &total) || total > MAX_WORKSPACE_BYTES) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s: a session for %" G_GSIZE_FORMAT " samples (%.1f s) and %u threads would need "
        "more than %" G_GUINT64_FORMAT " MiB of workspace; use shorter segments",
        model->path, params->max_samples,
        params->max_samples / (double) W2VEE_SAMPLE_RATE, n_threads,
        MAX_WORKSPACE_BYTES >> 20);
    return NULL;
  }

  s = g_new0 (W2veeSession, 1);
  s->model = w2vee_model_ref (model);
  s->n_threads = n_threads;
  s->max_samples = params->max_samples;
  s->max_frames = dims[DIM_FRAMES];
  s->pos_taps = pos_taps;
  s->scratch = g_new0 (Scratch, n_threads);
  workspace_alloc (s, dims);
  s->workspace_bytes = total;

  s->pool = w2vee_pool_new (n_threads, error);
  if (s->pool == NULL) {
    w2vee_session_free (s);
    return NULL;
  }
  return s;
}

void
w2vee_session_free (W2veeSession *s)
{
  if (s == NULL)
    return;
  w2vee_pool_free (s->pool);
  workspace_free (s);
  g_free (s->scratch);
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
      w2vee_bias_gelu (g->out + o0, j->T, o1 - o0, g->ldo, g->b ? g->b + o0 : NULL);
  }
}

static void
parallel_gemm (W2veeSession *s, GemmJob *job)
{
  w2vee_pool_run (s->pool, gemm_part, job);
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

/* Last-layer rows [a, b) of the conv stack into feat, layer by layer in @sc. */
static void
conv_block (W2veeSession *s, Scratch *sc, gsize a, gsize b)
{
  const W2veeModel *m = s->model;
  gsize L = m->cfg.n_conv, l;
  gsize start[W2VEE_MAX_CONV_LAYERS], end[W2VEE_MAX_CONV_LAYERS];
  const float *in = NULL;

  conv_ranges (m, a, b, start, end);
  for (l = 0; l < L; l++) {
    const W2veeConvLayer *c = &m->conv[l];
    gsize rows = end[l] - start[l];
    float *out = l == L - 1 ? s->feat + a * c->c_out : (l % 2 ? sc->conv_b : sc->conv_a);

    if (l == 0)
      conv_first_layer (s, sc, start[0], rows, out);
    else if (c->w02 != NULL)
      w2vee_conv1d_k3s2 (in, c->c_in, c->w, c->w02, c->c_out, out, rows,
          sc->wino_d1, sc->wino_d3, sc->wino_m2);
    else
      w2vee_conv1d (in, c->c_in, c->stride, c->w, c->kernel, c->c_out, out, rows);
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
    conv_block (j->s, &j->s->scratch[i], a, MIN (a + CONV_BLOCK, j->T));
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

  w2vee_bias_gelu (p, t1 - t0, D, D, m->pos_b);
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

gboolean
w2vee_session_run (W2veeSession *s, const float *samples, gsize n, guint last_exit,
    GError **error)
{
  const W2veeModel *m;
  const W2veeConfig *cfg;
  SplitJob pos;
  gsize T;
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
  s->n_frames = T;
  s->last_exit = last_exit;
  s->last_layer = top;
  memset (s->profile, 0, sizeof (s->profile));
  if (T == 0)
    return TRUE;

  /* the team parallelises around single-threaded BLAS calls */
  openblas_set_num_threads (1);
  if (s->profiling)
    s->stage_start = now_seconds ();

  if (cfg->do_normalize)
    w2vee_normalize (samples, n, s->x);
  else
    memcpy (s->x, samples, n * sizeof (float));
  feature_encoder (s, n, T);
  stage_done (s, W2VEE_STAGE_CONV);

  pos = (SplitJob) { .s = s, .T = T, .next = 0 };
  w2vee_pool_run (s->pool, positional_conv_part, &pos);
  parallel_rows (s, T, positional_add_rows, NULL);
  stage_done (s, W2VEE_STAGE_PROJECTION);

  for (l = 1; l <= top; l++) {
    HeadsArg heads = { .layer = l, .last_exit = last_exit };

    encoder_layer (s, &m->layers[l - 1], T);
    parallel_rows (s, T, exit_heads_rows, &heads);
    stage_done (s, W2VEE_STAGE_HEADS);
  }
  return TRUE;
}
