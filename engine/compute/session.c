/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The session: its workspace (one table of buffers, measured, allocated and freed from
 * it) and its accessors. The forward pass is forward.c; shapes legend: session.h. */
#include "session.h"
#include "onednn.h"
#include "kernels.h"
#include "w2vee-config.h"

#include <stddef.h>
#include <string.h>

/* The largest workspace a session may ask for (attention is O(T²)), in MiB:
 * $W2VEE_MAX_WORKSPACE_MIB (a positive integer) replaces it. A 30 s session of
 * wav2vec2-large with 16 threads needs about 300 MiB. */
#define MAX_WORKSPACE_MIB 4096

static guint64
max_workspace_bytes (void)
{
  const char *v = g_getenv ("W2VEE_MAX_WORKSPACE_MIB");
  guint64 mib = MAX_WORKSPACE_MIB;

  if (v != NULL && *v != '\0' &&
      !g_ascii_string_to_unsigned (v, 10, 1, G_MAXUINT32, &mib, NULL))
    mib = MAX_WORKSPACE_MIB;
  return mib << 20;
}

#define ALIGNMENT 64

W2veeSessionParams
w2vee_session_default_params (void)
{
  W2veeSessionParams p = {
    .n_threads = 0,
    .max_samples = 30 * W2VEE_SAMPLE_RATE,
    .compute = W2VEE_COMPUTE_DEFAULT,
    .precision = W2VEE_PRECISION_FP32,
  };

  return p;
}

/* The backend @requested resolves to: $W2VEE_COMPUTE, then the build's default, for
 * W2VEE_COMPUTE_DEFAULT. */
static gboolean
resolve_compute (W2veeCompute requested, W2veePrecision precision, W2veeCompute *out,
    GError **error)
{
  const char *env = g_getenv ("W2VEE_COMPUTE");

  if (requested == W2VEE_COMPUTE_DEFAULT && env != NULL && *env != '\0') {
    if (g_str_equal (env, "openblas")) {
      requested = W2VEE_COMPUTE_OPENBLAS;
    } else if (g_str_equal (env, "dnnl")) {
      requested = W2VEE_COMPUTE_DNNL;
    } else {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
          "W2VEE_COMPUTE=%s: unknown backend (openblas or dnnl)", env);
      return FALSE;
    }
  }
  if (requested == W2VEE_COMPUTE_DEFAULT)
    requested = W2VEE_DEFAULT_COMPUTE_DNNL && w2vee_dnnl_built () ? W2VEE_COMPUTE_DNNL :
        W2VEE_COMPUTE_OPENBLAS;
  if (requested == W2VEE_COMPUTE_DNNL && !w2vee_dnnl_built ()) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "the oneDNN backend was asked for but this libw2vee was built without oneDNN "
        "(meson option dnnl)");
    return FALSE;
  }
  if (precision != W2VEE_PRECISION_FP32 && requested != W2VEE_COMPUTE_DNNL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "precision %s needs the oneDNN backend; this session runs OpenBLAS",
        precision == W2VEE_PRECISION_BF16 ? "bf16" : "int8");
    return FALSE;
  }
  if ((guint) precision > W2VEE_PRECISION_INT8) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "unknown precision %d", (int) precision);
    return FALSE;
  }
  *out = requested;
  return TRUE;
}

/* See session.h. */
void
w2vee_conv_ranges (const W2veeModel *m, gsize a, gsize b, gsize *start, gsize *end)
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
  DIM_FRAMES_PAD,  /* Tp: T rounded up to W2VEE_DNNL_CHUNK */
  DIM_HIDDEN,      /* D */
  DIM_FF,          /* max(Dff, 4·D): feed-forward activations, or q, k, v and ctx */
  DIM_CONV_FIRST,  /* C_0 */
  DIM_CONV_LAST,   /* C_last */
  DIM_EXIT_ROW,    /* n_exits · V: one frame's logits of every exit */
  DIM_CONV_BLOCK,  /* max_l block_rows[l] · C_l: one conv layer's output for one block */
  DIM_PATCH,       /* block_rows[0] · K_0: conv layer 0's input windows for one block */
  DIM_WINO_IN,     /* max over Winograd layers l of block_rows[l]/2 · C_(l-1) */
  DIM_WINO_OUT,    /* max over Winograd layers l of block_rows[l]/2 · C_l */
  DIM_POS_ROWS,    /* T + Kp: rows of pos_dup (0 when the positional conv runs in bf16) */
  DIM_POS_COLS,    /* pos_taps · Cg: one row of pos_dup */
  DIM_MOMENTS,     /* K_0 + K_0² */
  DIM_DNNL_SCRATCH, /* floats of oneDNN scratchpad per member (0 for OpenBLAS) */
  DIM_DNNL_SRC,    /* bf16 / u8 input columns of the widest layer (0 for FP32) */
  DIM_DNNL_ACC,    /* int32 output columns of the widest layer (0 unless INT8) */
  DIM_DNNL_ROW,    /* 1 for INT8 (a row scale per frame), else 0 */
  DIM_CONV_SRC,    /* max over l > 0 of block_rows[l] · K_l · C_(l-1) with a bf16 or
                    * int8 conv encoder (onednn.h), else 0 */
  DIM_CONV_ACC,    /* int8 conv encoder: 256 · max C_l (w2vee_dnnl_conv_acc_elems), else 0 */
  DIM_CONV_ROWS,   /* int8 conv encoder: max over l > 0 of block_rows[l], else 0 */
  DIM_POS_SRC,     /* Tp + Kp when the positional conv runs in bf16, else 0 */
  DIM_ATTN_WORK,   /* w2vee_attention_bf16_work (T, Dh) with bf16 attention, else 0 */
  DIM_SCORE_ROWS,  /* rows of one head's scores: T, or W2VEE_ATTENTION_BF16_ROWS with
                    * bf16 attention (it scores a few query rows at a time) */
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
#define PER_THREAD_OF(field, type, r, c) \
  { .offset = offsetof (Scratch, field), .per_thread = TRUE, .elem = sizeof (type), \
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
  PER_THREAD (scores, DIM_SCORE_ROWS, DIM_FRAMES),
  PER_THREAD (pos_dup, DIM_POS_ROWS, DIM_POS_COLS),
  PER_THREAD (dnnl_scratch, DIM_DNNL_SCRATCH, DIM_ONE),
  PER_THREAD_OF (conv_src, guint16, DIM_CONV_SRC, DIM_ONE),
  PER_THREAD_OF (conv_acc, gint32, DIM_CONV_ACC, DIM_ONE),
  PER_THREAD (conv_row_scale, DIM_CONV_ROWS, DIM_ONE),
  PER_THREAD_OF (attn_work, guint16, DIM_ATTN_WORK, DIM_ONE),
  SHARED (x, float, DIM_SAMPLES, DIM_ONE),
  SHARED (gn_moments, double, DIM_MOMENTS, DIM_ONE),
  SHARED (gn_scale, float, DIM_CONV_FIRST, DIM_ONE),
  SHARED (gn_shift, float, DIM_CONV_FIRST, DIM_ONE),
  SHARED (feat, float, DIM_FRAMES_PAD, DIM_CONV_LAST),
  SHARED (h, float, DIM_FRAMES_PAD, DIM_HIDDEN),
  SHARED (tmp, float, DIM_FRAMES_PAD, DIM_HIDDEN),
  SHARED (ff, float, DIM_FRAMES_PAD, DIM_FF),
  SHARED (logits, float, DIM_FRAMES, DIM_EXIT_ROW),
  SHARED (dnnl_src, guint16, DIM_FRAMES_PAD, DIM_DNNL_SRC),
  SHARED (dnnl_acc, gint32, DIM_FRAMES_PAD, DIM_DNNL_ACC),
  SHARED (dnnl_row_scale, float, DIM_FRAMES_PAD, DIM_DNNL_ROW),
  SHARED (pos_src, guint16, DIM_POS_SRC, DIM_HIDDEN),
};

/* Fills @dims, and returns pos_taps, for @model and @max_samples (and the oneDNN
 * backend @dnnl and its conv encoder @conv, or NULL). */
static gsize
workspace_dims (const W2veeModel *model, gsize max_samples, const W2veeDnnl *dnnl,
    const W2veeDnnlConv *conv, W2veePrecision params_precision, gsize dims[N_DIMS])
{
  const W2veeConfig *cfg = &model->cfg;
  gsize T = w2vee_model_n_frames (model, max_samples);
  gsize D = cfg->hidden_size, Cg = D / cfg->pos_groups, K0 = cfg->conv_kernel[0];
  gsize pos_taps = MIN (cfg->pos_kernel, MAX (1, 768 / Cg));
  gsize start[W2VEE_MAX_CONV_LAYERS], end[W2VEE_MAX_CONV_LAYERS], l;

  memset (dims, 0, N_DIMS * sizeof (gsize));
  w2vee_conv_ranges (model, 0, MIN (CONV_BLOCK, MAX (T, 1)), start, end);
  for (l = 0; l < cfg->n_conv; l++) {
    gsize rows = end[l] - start[l];

    dims[DIM_CONV_BLOCK] = MAX (dims[DIM_CONV_BLOCK], rows * cfg->conv_dim[l]);
    if (model->conv[l].w02 != NULL) {
      dims[DIM_WINO_IN] = MAX (dims[DIM_WINO_IN], rows / 2 * cfg->conv_dim[l - 1]);
      dims[DIM_WINO_OUT] = MAX (dims[DIM_WINO_OUT], rows / 2 * cfg->conv_dim[l]);
    }
    if (conv != NULL && w2vee_dnnl_conv_layer_runs (&model->conv[l])) {
      dims[DIM_CONV_SRC] = MAX (dims[DIM_CONV_SRC],
          rows * model->conv[l].kernel * model->conv[l].c_in);
      if (w2vee_dnnl_conv_acc_elems (conv) > 0)
        dims[DIM_CONV_ROWS] = MAX (dims[DIM_CONV_ROWS], rows);
    }
  }
  dims[DIM_ONE] = 1;
  dims[DIM_SAMPLES] = max_samples;
  dims[DIM_FRAMES] = T;
  dims[DIM_SCORE_ROWS] = T;
  dims[DIM_FRAMES_PAD] = (T + W2VEE_DNNL_CHUNK - 1) / W2VEE_DNNL_CHUNK * W2VEE_DNNL_CHUNK;
  dims[DIM_HIDDEN] = D;
  dims[DIM_FF] = MAX (cfg->intermediate_size, 4 * D);
  dims[DIM_CONV_FIRST] = cfg->conv_dim[0];
  dims[DIM_CONV_LAST] = cfg->conv_dim[cfg->n_conv - 1];
  dims[DIM_EXIT_ROW] = model->n_exits * cfg->vocab_size;
  dims[DIM_PATCH] = (end[0] - start[0]) * K0;
  dims[DIM_POS_ROWS] = T + cfg->pos_kernel;
  dims[DIM_POS_COLS] = pos_taps * Cg;
  dims[DIM_MOMENTS] = K0 * (K0 + 1);
  if (dnnl != NULL) {
    dims[DIM_DNNL_SCRATCH] = (MAX (w2vee_dnnl_scratch_bytes (dnnl),
            conv != NULL ? w2vee_dnnl_conv_scratch_bytes (conv) : 0) + 3) / sizeof (float);
    dims[DIM_DNNL_SRC] = w2vee_dnnl_staging_cols (dnnl);
    dims[DIM_CONV_ACC] = conv != NULL ? w2vee_dnnl_conv_acc_elems (conv) : 0;
    if (conv != NULL && w2vee_dnnl_pos_conv_on (conv)) {
      dims[DIM_POS_SRC] = dims[DIM_FRAMES_PAD] + cfg->pos_kernel;
      dims[DIM_POS_ROWS] = 0;     /* the sgemm path's pos_dup is never used */
    }
    if (params_precision == W2VEE_PRECISION_INT8) {
      dims[DIM_DNNL_ACC] = MAX (cfg->intermediate_size, D);
      dims[DIM_DNNL_ROW] = 1;
    }
    if (params_precision != W2VEE_PRECISION_FP32 &&
        w2vee_attention_bf16_supported (D / cfg->n_heads)) {
      dims[DIM_ATTN_WORK] = w2vee_attention_bf16_work (T, D / cfg->n_heads);
      dims[DIM_SCORE_ROWS] = MIN (T, W2VEE_ATTENTION_BF16_ROWS);
    }
  }
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
  s->k = s->q + dims[DIM_FRAMES_PAD] * dims[DIM_HIDDEN];
  s->v = s->k + dims[DIM_FRAMES_PAD] * dims[DIM_HIDDEN];
  s->ctx = s->v + dims[DIM_FRAMES_PAD] * dims[DIM_HIDDEN];
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

/* ------------------------------------------------------------------------- */
/* The deadline policy's cost model                                          */
/* ------------------------------------------------------------------------- */

/* GFLOP per second one thread is assumed to sustain before anything was measured: low
 * (a slow core), so that an unmeasured session errs on the shallow side. */
#define PRIOR_GFLOPS_PER_THREAD 2.0

/* The cost model before the first timing: FLOP counts at PRIOR_GFLOPS_PER_THREAD. */
static void
cost_prior (W2veeSession *s)
{
  const W2veeModel *m = s->model;
  double speed = PRIOR_GFLOPS_PER_THREAD * s->n_threads;
  double first = w2vee_model_gflop (m, 1, W2VEE_SAMPLE_RATE);
  double deepest = w2vee_model_gflop (m, m->n_exits, W2VEE_SAMPLE_RATE);
  guint l1 = m->exits[0].layer, ln = m->exits[m->n_exits - 1].layer, l;
  /* every layer costs the same; heads are folded into the layers */
  double per_layer = ln > l1 ? (deepest - first) / (ln - l1) : first / (l1 + 1);

  s->begin_cost = MAX (first - l1 * per_layer, 0.0) / speed;
  for (l = 0; l < m->cfg.n_layers; l++)
    s->layer_cost[l] = per_layer / speed;
}

void
w2vee_session_get_cost_model (const W2veeSession *s, double *begin_cost,
    double *layer_costs)
{
  g_return_if_fail (s != NULL);
  if (begin_cost)
    *begin_cost = s->begin_cost;
  if (layer_costs)
    memcpy (layer_costs, s->layer_cost, s->model->cfg.n_layers * sizeof (double));
}

void
w2vee_session_set_cost_model (W2veeSession *s, double begin_cost,
    const double *layer_costs)
{
  guint l;

  g_return_if_fail (s != NULL && layer_costs != NULL);
  s->begin_cost = MAX (begin_cost, 0.0);
  s->begin_measured = TRUE;
  for (l = 0; l < s->model->cfg.n_layers; l++) {
    s->layer_cost[l] = MAX (layer_costs[l], 0.0);
    s->layer_measured[l] = TRUE;
  }
}

double
w2vee_session_predict_seconds (const W2veeSession *s, gsize n_samples, guint exit)
{
  double audio_s = (double) n_samples / W2VEE_SAMPLE_RATE, cost;
  guint l;

  g_return_val_if_fail (s != NULL, 0.0);
  if (exit < 1 || exit > s->model->n_exits)
    return 0.0;
  cost = s->begin_cost;
  for (l = 0; l < s->model->exits[exit - 1].layer; l++)
    cost += s->layer_cost[l];
  return cost * audio_s;
}

guint
w2vee_session_deepest_exit_within (const W2veeSession *s, gsize n_samples,
    double budget_seconds)
{
  guint e;

  g_return_val_if_fail (s != NULL, 1);
  for (e = s->model->n_exits; e > 1; e--) {
    if (w2vee_session_predict_seconds (s, n_samples, e) <= budget_seconds)
      break;
  }
  return e;
}

W2veeSession *
w2vee_session_new (W2veeModel *model, const W2veeSessionParams *params, GError **error)
{
  W2veeSessionParams defaults = w2vee_session_default_params ();
  W2veeSession *s;
  gsize dims[N_DIMS], pos_taps;
  guint64 total, limit = max_workspace_bytes ();
  guint n_threads;
  W2veeCompute compute;
  W2veeDnnl *dnnl = NULL;
  W2veeDnnlConv *conv = NULL;
  W2veePool *pool;

  g_return_val_if_fail (model != NULL, NULL);
  if (params == NULL)
    params = &defaults;
  n_threads = params->n_threads ? params->n_threads : g_get_num_processors ();
  n_threads = CLAMP (n_threads, 1, 256);
  if (!resolve_compute (params->compute, params->precision, &compute, error))
    return NULL;
  pool = w2vee_pool_new (n_threads, error);
  if (pool == NULL)
    return NULL;
  if (compute == W2VEE_COMPUTE_DNNL) {
    dnnl = w2vee_dnnl_new (model, params->precision, pool, error);
    if (dnnl == NULL) {
      w2vee_pool_free (pool);
      return NULL;
    }
    if (w2vee_dnnl_conv_enabled (params->precision) &&
        (conv = w2vee_dnnl_conv_new (dnnl, model, n_threads, error)) == NULL) {
      w2vee_dnnl_free (dnnl);
      w2vee_pool_free (pool);
      return NULL;
    }
  }

  /* Measure before allocating: refuse absurd lengths with a clear error. */
  pos_taps = workspace_dims (model, params->max_samples, dnnl, conv, params->precision,
      dims);
  if (!workspace_measure (dims, n_threads, &total))
    total = G_MAXUINT64;
  if (total > limit) {
    g_autofree char *need = total == G_MAXUINT64 ? g_strdup ("more than 2^64 bytes") :
        g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", (total + (1 << 20) - 1) >> 20);

    w2vee_dnnl_conv_free (conv);
    w2vee_dnnl_free (dnnl);
    w2vee_pool_free (pool);
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "%s: a session for %" G_GSIZE_FORMAT " samples (%.1f s) and %u threads would need "
        "%s of workspace, above the limit of %" G_GUINT64_FORMAT " MiB "
        "($W2VEE_MAX_WORKSPACE_MIB raises it); use shorter segments or fewer threads",
        model->path, params->max_samples,
        params->max_samples / (double) W2VEE_SAMPLE_RATE, n_threads, need,
        limit >> 20);
    return NULL;
  }

  s = g_new0 (W2veeSession, 1);
  s->model = w2vee_model_ref (model);
  s->n_threads = n_threads;
  s->max_samples = params->max_samples;
  s->max_frames = dims[DIM_FRAMES];
  s->pos_taps = pos_taps;
  s->compute = compute;
  s->precision = params->precision;
  s->dnnl = dnnl;
  s->dnnl_conv = conv;
  s->attn_bf16 = dims[DIM_ATTN_WORK] > 0;
  s->attn_int8 = s->attn_bf16 && params->precision == W2VEE_PRECISION_INT8 &&
      w2vee_attention_int8_supported (model->cfg.hidden_size / model->cfg.n_heads);
  s->scratch = g_new0 (Scratch, n_threads);
  workspace_alloc (s, dims);
  s->workspace_bytes = total;
  s->pool = pool;

  s->layer_cost = g_new0 (double, model->cfg.n_layers);
  s->layer_measured = g_new0 (gboolean, model->cfg.n_layers);
  cost_prior (s);
  return s;
}

void
w2vee_session_free (W2veeSession *s)
{
  if (s == NULL)
    return;
  w2vee_pool_free (s->pool);
  w2vee_dnnl_conv_free (s->dnnl_conv);
  w2vee_dnnl_free (s->dnnl);
  workspace_free (s);
  g_free (s->scratch);
  g_free (s->layer_cost);
  g_free (s->layer_measured);
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

guint
w2vee_session_last_exit (const W2veeSession *s)
{
  return s->last_exit;
}

guint64
w2vee_session_layer_count (const W2veeSession *s)
{
  return s->layer_count;
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

const float *
w2vee_session_logits (const W2veeSession *s, guint exit, gsize *n_frames)
{
  if (n_frames)
    *n_frames = s->n_frames;
  if (exit < 1 || exit > s->last_exit)
    return NULL;
  return s->logits + (exit - 1) * s->max_frames * s->model->cfg.vocab_size;
}
