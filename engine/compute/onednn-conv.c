/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The conv feature encoder's layers 1.. as oneDNN bf16 or int8 matmuls (onednn.h says
 * what and why). Per session: one matmul primitive per shape (K·C_in, C_out) of the
 * model's conv layers and row bucket (32, 64, ..., CHUNK rows), made once for one thread;
 * each member has its own memory objects, stream and window buffer (Scratch.conv_src;
 * int8 also conv_acc and conv_row_scale) and runs inside its conv block, OpenMP held to
 * one thread as for the linear layers (onednn.c). The weights are the model's prepared
 * ones (onednn.c reorders them with the linear weights, in the session's precision).
 *
 * Shapes legend: session.h; rows = output rows of a layer in one block, KC = K·C_in.
 */
#include "onednn.h"
#include "kernels.h"
#include "pool.h"

#if W2VEE_HAVE_DNNL

#include <omp.h>

#define ROW_STEP 32                    /* rows of the smallest bucket */
#define CHUNK 256                      /* rows of the largest */
#define N_BUCKETS (CHUNK / ROW_STEP)

/* One primitive per row bucket, shared by the members, and each member's memory
 * objects for them (pointed at its buffers on every call). */
typedef struct {
  dnnl_primitive_t prim[N_BUCKETS];    /* bucket b: (b + 1) · ROW_STEP output rows */
  struct BucketMember {
    dnnl_memory_t src[N_BUCKETS], dst[N_BUCKETS], scratch[N_BUCKETS], wei;
  } *members;                          /* (n_threads) */
} Buckets;

typedef struct {
  gsize KC, N;
  gboolean slow;                       /* a bucket got no brgemm kernel: fp32 kernels */
  Buckets bk;                          /* (rows, KC) · (KC, N) */
} Shape;

/* The positional conv in bf16 (w2vee_dnnl_pos_conv): one grouped convolution primitive
 * per row bucket, (1, D, R + Kp - 1) nwc bf16 -> (1, D, R) nwc f32, no padding (the
 * input is padded by the engine in W2veeSession.pos_src). */
typedef struct {
  gboolean on;                         /* the prepared weights exist and every bucket
                                        * got brgconv with their layout */
  Buckets bk;                          /* R = (b + 1) · ROW_STEP output rows */
  gconstpointer wei;                   /* the model's prepared bf16 weights */
} PosConv;

struct _W2veeDnnlConv {
  guint n_threads;
  gboolean int8;                       /* u8 · s8 -> s32 primitives; else bf16 -> f32 */
  Shape shapes[W2VEE_MAX_CONV_LAYERS];
  guint n_shapes;
  gint layer_shape[W2VEE_MAX_CONV_LAYERS]; /* index into shapes, or -1: fp32 kernels */
  gconstpointer wei[W2VEE_MAX_CONV_LAYERS]; /* the prepared weights of each layer */
  const float *scale[W2VEE_MAX_CONV_LAYERS]; /* int8: (C_out) scales of the s8 weights */
  const gint32 *colsum[W2VEE_MAX_CONV_LAYERS]; /* int8: (C_out) sums of each s8 row */
  float *zero_bias;                    /* int8: (max C_out) zeros, the dequantizer's bias
                                        * (the engine's epilogue adds the layer's) */
  gsize max_n;                         /* the widest C_out */
  PosConv pos;
  dnnl_stream_t *streams;              /* (n_threads) */
  gsize scratch_bytes;                 /* the largest scratchpad of any primitive */
};

static gboolean
cpu_has_bf16 (void)
{
  return (dnnl_get_effective_cpu_isa () & dnnl_cpu_isa_avx512_core_bf16) ==
      dnnl_cpu_isa_avx512_core_bf16;
}

gboolean
w2vee_dnnl_conv_enabled (W2veePrecision precision)
{
  /* int8 sessions exist only where the CPU has VNNI (onednn.c checks) */
  return precision == W2VEE_PRECISION_INT8 ||
      (precision == W2VEE_PRECISION_BF16 && cpu_has_bf16 ());
}

gboolean
w2vee_dnnl_conv_layer_runs (const W2veeConvLayer *c)
{
  return c->c_in > 1;
}

gboolean
w2vee_dnnl_pos_conv_enabled (W2veePrecision precision)
{
  return precision != W2VEE_PRECISION_FP32 && cpu_has_bf16 ();
}

/* Bucket @b of @bk: its primitive from @pd and every member's memory objects (the
 * weights' with bucket 0), the largest scratchpad kept in c->scratch_bytes. */
static gboolean
buckets_add (W2veeDnnlConv *c, Buckets *bk, guint b, const_dnnl_primitive_desc_t pd)
{
  dnnl_engine_t engine = w2vee_dnnl_cpu_engine ();
  const dnnl_memory_desc_t *src_md = dnnl_primitive_desc_query_md (pd, dnnl_query_src_md, 0);
  const dnnl_memory_desc_t *dst_md = dnnl_primitive_desc_query_md (pd, dnnl_query_dst_md, 0);
  const dnnl_memory_desc_t *wei_md =
      dnnl_primitive_desc_query_md (pd, dnnl_query_weights_md, 0);
  const dnnl_memory_desc_t *scratch_md =
      dnnl_primitive_desc_query_md (pd, dnnl_query_scratchpad_md, 0);
  gboolean ok;
  guint i;

  if (bk->members == NULL)
    bk->members = g_new0 (struct BucketMember, c->n_threads);
  c->scratch_bytes = MAX (c->scratch_bytes, dnnl_memory_desc_get_size (scratch_md));
  ok = dnnl_primitive_create (&bk->prim[b], pd) == dnnl_success;
  for (i = 0; ok && i < c->n_threads; i++) {
    struct BucketMember *mb = &bk->members[i];

    ok = dnnl_memory_create (&mb->src[b], src_md, engine, DNNL_MEMORY_NONE) ==
        dnnl_success &&
        dnnl_memory_create (&mb->dst[b], dst_md, engine, DNNL_MEMORY_NONE) ==
        dnnl_success &&
        dnnl_memory_create (&mb->scratch[b], scratch_md, engine, DNNL_MEMORY_NONE) ==
        dnnl_success &&
        (b > 0 || dnnl_memory_create (&mb->wei, wei_md, engine, DNNL_MEMORY_NONE) ==
        dnnl_success);
  }
  return ok;
}

/* Runs bucket @b of @bk for team member @member on src, wei -> dst. The primitives
 * were made for these very arguments: a failure is a bug (a critical). */
static void
buckets_run (W2veeDnnlConv *c, const Buckets *bk, guint member, guint b,
    const void *src, const void *wei, void *dst, void *scratch)
{
  const struct BucketMember *mb = &bk->members[member];
  dnnl_exec_arg_t args[] = {
    { DNNL_ARG_SRC, mb->src[b] }, { DNNL_ARG_WEIGHTS, mb->wei },
    { DNNL_ARG_DST, mb->dst[b] }, { DNNL_ARG_SCRATCHPAD, mb->scratch[b] },
  };
  dnnl_status_t st;

  dnnl_memory_set_data_handle (mb->src[b], (void *) src);
  dnnl_memory_set_data_handle (mb->wei, (void *) wei);
  dnnl_memory_set_data_handle (mb->dst[b], dst);
  dnnl_memory_set_data_handle (mb->scratch[b], scratch);
  st = dnnl_primitive_execute (bk->prim[b], c->streams[member], G_N_ELEMENTS (args), args);
  if (G_UNLIKELY (st != dnnl_success))
    g_critical ("oneDNN primitive of %u rows failed: %d", (b + 1) * ROW_STEP, (int) st);
}

static void
memory_clear (dnnl_memory_t *m)
{
  if (*m)
    dnnl_memory_destroy (*m);
  *m = NULL;
}

static void
buckets_clear (Buckets *bk, guint n_threads)
{
  guint b, i;

  for (b = 0; b < N_BUCKETS; b++)
    if (bk->prim[b])
      dnnl_primitive_destroy (bk->prim[b]);
  for (i = 0; bk->members != NULL && i < n_threads; i++) {
    for (b = 0; b < N_BUCKETS; b++) {
      memory_clear (&bk->members[i].src[b]);
      memory_clear (&bk->members[i].dst[b]);
      memory_clear (&bk->members[i].scratch[b]);
    }
    memory_clear (&bk->members[i].wei);
  }
  g_free (bk->members);
}

/* Bucket @b (rows (b + 1) · ROW_STEP) of @sh: the primitive and every member's memory;
 * sets sh->slow (and makes nothing) when oneDNN has no brgemm kernel for it. */
static gboolean
shape_bucket_new (W2veeDnnlConv *c, Shape *sh, guint b)
{
  dnnl_engine_t engine = w2vee_dnnl_cpu_engine ();
  dnnl_dim_t M = (dnnl_dim_t) ((b + 1) * ROW_STEP);
  dnnl_dims_t src_dims = { M, (dnnl_dim_t) sh->KC }, dst_dims = { M, (dnnl_dim_t) sh->N };
  dnnl_dims_t wei_dims = { (dnnl_dim_t) sh->KC, (dnnl_dim_t) sh->N };
  dnnl_memory_desc_t src_md, wei_md, dst_md;
  dnnl_matmul_desc_t desc;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_primitive_desc_t pd = NULL;
  const char *impl = "";
  gboolean ok;

  dnnl_memory_desc_init_by_tag (&src_md, 2, src_dims, c->int8 ? dnnl_u8 : dnnl_bf16,
      dnnl_ab);
  dnnl_memory_desc_init_by_tag (&wei_md, 2, wei_dims, c->int8 ? dnnl_s8 : dnnl_bf16,
      c->int8 ? dnnl_BA16a64b4a : dnnl_BA16a64b2a);
  dnnl_memory_desc_init_by_tag (&dst_md, 2, dst_dims, c->int8 ? dnnl_s32 : dnnl_f32,
      dnnl_ab);
  ok = dnnl_matmul_desc_init (&desc, &src_md, &wei_md, NULL, &dst_md) == dnnl_success &&
      dnnl_primitive_attr_create (&attr) == dnnl_success &&
      dnnl_primitive_attr_set_scratchpad_mode (attr, dnnl_scratchpad_mode_user) ==
      dnnl_success &&
      dnnl_primitive_desc_create (&pd, &desc, attr, engine, NULL) == dnnl_success &&
      dnnl_primitive_desc_query (pd, dnnl_query_impl_info_str, 0, &impl) ==
      dnnl_success;
  /* anything but brgemm is slower than the fp32 kernels (bench/conv-bf16.c) */
  if (ok && !g_str_has_prefix (impl, "brg")) {
    g_debug ("oneDNN picks %s for the %s conv matmul (%" G_GINT64_FORMAT ", %"
        G_GSIZE_FORMAT ") x (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "): its layers stay "
        "fp32", impl, c->int8 ? "int8" : "bf16", (gint64) M, sh->KC, sh->KC, sh->N);
    sh->slow = TRUE;
    ok = FALSE;
  }
  ok = ok && buckets_add (c, &sh->bk, b, pd);
  if (attr)
    dnnl_primitive_attr_destroy (attr);
  if (pd)
    dnnl_primitive_desc_destroy (pd);
  return ok || sh->slow;
}

/* The positional conv of @m for @R output rows: its primitive descriptor, bf16 weights
 * in the layout oneDNN prefers, user scratchpad. FALSE (and *pd NULL) when oneDNN gives
 * no brgemm convolution: the engine's sgemm path is faster. */
static gboolean
pos_pd_new (const W2veeModel *m, gsize R, dnnl_primitive_desc_t *pd)
{
  const W2veeConfig *cfg = &m->cfg;
  dnnl_dim_t D = (dnnl_dim_t) cfg->hidden_size, G = (dnnl_dim_t) cfg->pos_groups;
  dnnl_dim_t Kp = (dnnl_dim_t) cfg->pos_kernel;
  dnnl_dims_t src_dims = { 1, D, (dnnl_dim_t) R + Kp - 1 };
  dnnl_dims_t dst_dims = { 1, D, (dnnl_dim_t) R }, wei_dims = { G, D / G, D / G, Kp };
  dnnl_dims_t strides = { 1 }, pad_l = { 0 }, pad_r = { 0 };
  dnnl_memory_desc_t src_md, wei_md, dst_md;
  dnnl_convolution_desc_t desc;
  dnnl_primitive_attr_t attr = NULL;
  const char *impl = "";
  gboolean ok;

  *pd = NULL;
  dnnl_memory_desc_init_by_tag (&src_md, 3, src_dims, dnnl_bf16, dnnl_nwc);
  dnnl_memory_desc_init_by_tag (&wei_md, 4, wei_dims, dnnl_bf16, dnnl_format_tag_any);
  dnnl_memory_desc_init_by_tag (&dst_md, 3, dst_dims, dnnl_f32, dnnl_nwc);
  ok = dnnl_convolution_forward_desc_init (&desc, dnnl_forward_inference,
      dnnl_convolution_direct, &src_md, &wei_md, NULL, &dst_md, strides, pad_l, pad_r) ==
      dnnl_success &&
      dnnl_primitive_attr_create (&attr) == dnnl_success &&
      dnnl_primitive_attr_set_scratchpad_mode (attr, dnnl_scratchpad_mode_user) ==
      dnnl_success &&
      dnnl_primitive_desc_create (pd, &desc, attr, w2vee_dnnl_cpu_engine (), NULL) ==
      dnnl_success &&
      dnnl_primitive_desc_query (*pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success;
  if (attr)
    dnnl_primitive_attr_destroy (attr);
  if (ok && !g_str_has_prefix (impl, "brg")) {
    g_debug ("oneDNN picks %s for the bf16 positional conv (%" G_GSIZE_FORMAT " rows): it "
        "stays on the fp32 kernels", impl, R);
    ok = FALSE;
  }
  if (!ok && *pd != NULL) {
    dnnl_primitive_desc_destroy (*pd);
    *pd = NULL;
  }
  return ok;
}

gpointer
w2vee_dnnl_pos_conv_prepare (const W2veeModel *m, dnnl_stream_t stream, gsize *bytes,
    GError **error)
{
  const W2veeConfig *cfg = &m->cfg;
  dnnl_dim_t D = (dnnl_dim_t) cfg->hidden_size, G = (dnnl_dim_t) cfg->pos_groups;
  dnnl_dim_t Kp = (dnnl_dim_t) cfg->pos_kernel, Cg = D / G;
  /* the engine's pos_w is (G, Cg_out, Kp, Cg_in): dims (G, O, I, W) with these strides */
  dnnl_dims_t dims = { G, Cg, Cg, Kp }, strides = { Cg * Kp * Cg, Kp * Cg, 1, Cg };
  dnnl_memory_desc_t src_md;
  dnnl_primitive_desc_t pd = NULL;
  gpointer data;
  gboolean ok;

  *bytes = 0;
  if (!pos_pd_new (m, CHUNK, &pd))
    return NULL;
  *bytes = dnnl_memory_desc_get_size (dnnl_primitive_desc_query_md (pd,
          dnnl_query_weights_md, 0));
  data = g_aligned_alloc0 (*bytes, 1, 64);
  dnnl_memory_desc_init_by_strides (&src_md, 4, dims, dnnl_f32, strides);
  ok = w2vee_dnnl_reorder (&src_md, m->pos_w, dnnl_primitive_desc_query_md (pd,
          dnnl_query_weights_md, 0), data, stream);
  dnnl_primitive_desc_destroy (pd);
  if (!ok) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "%s: oneDNN cannot reorder the positional conv weight to bf16", m->path);
    g_aligned_free (data);
    *bytes = 0;
    return NULL;
  }
  return data;
}

/* The session's positional conv primitives, when the model has prepared weights for
 * them; leaves pos.on FALSE (the sgemm path) when a bucket gets another layout or no
 * brgemm kernel. */
static gboolean
pos_new (W2veeDnnlConv *c, const W2veeDnnl *d, const W2veeModel *model)
{
  dnnl_primitive_desc_t pd = NULL, pd_any = NULL;
  dnnl_memory_desc_t wei_md;
  gboolean ok = TRUE;
  guint b;

  c->pos.wei = w2vee_dnnl_prepared_data (d, model->pos_w);
  if (c->pos.wei == NULL || !pos_pd_new (model, CHUNK, &pd_any))
    return TRUE;
  wei_md = *dnnl_primitive_desc_query_md (pd_any, dnnl_query_weights_md, 0);
  dnnl_primitive_desc_destroy (pd_any);
  for (b = 0; ok && b < N_BUCKETS; b++) {
    /* the layout oneDNN prefers for every bucket must be the prepared one */
    if (!pos_pd_new (model, (b + 1) * ROW_STEP, &pd))
      return TRUE;
    if (!dnnl_memory_desc_equal (dnnl_primitive_desc_query_md (pd, dnnl_query_weights_md,
                0), &wei_md)) {
      g_debug ("oneDNN wants another weight layout for %u rows of the positional conv: "
          "it stays on the fp32 kernels", (b + 1) * ROW_STEP);
      dnnl_primitive_desc_destroy (pd);
      return TRUE;
    }
    ok = buckets_add (c, &c->pos.bk, b, pd);
    dnnl_primitive_desc_destroy (pd);
  }
  c->pos.on = ok;
  return ok;
}

W2veeDnnlConv *
w2vee_dnnl_conv_new (const W2veeDnnl *d, const W2veeModel *model, guint n_threads,
    GError **error)
{
  W2veeDnnlConv *c = g_new0 (W2veeDnnlConv, 1);
  gboolean ok = TRUE;
  guint l, k, b;
  int threads = omp_get_max_threads ();

  c->n_threads = n_threads;
  omp_set_num_threads (1);     /* the primitives are made for one thread */
  for (l = 0; ok && l < model->cfg.n_conv; l++) {
    const W2veeConvLayer *cl = &model->conv[l];
    gsize KC = cl->kernel * cl->c_in;

    c->layer_shape[l] = -1;
    if (!w2vee_dnnl_conv_layer_runs (cl))
      continue;
    c->wei[l] = w2vee_dnnl_prepared_data (d, cl->w);
    /* every layer's weights are in the session's precision: int8 has scales */
    c->int8 = w2vee_dnnl_prepared_int8 (d, cl->w, &c->scale[l], &c->colsum[l]);
    ok = c->wei[l] != NULL;
    c->max_n = MAX (c->max_n, cl->c_out);
    for (k = 0; ok && k < c->n_shapes; k++)
      if (c->shapes[k].KC == KC && c->shapes[k].N == cl->c_out)
        break;
    if (ok && k == c->n_shapes) {
      Shape *sh = &c->shapes[c->n_shapes++];

      sh->KC = KC;
      sh->N = cl->c_out;
      for (b = 0; ok && !sh->slow && b < N_BUCKETS; b++)
        ok = shape_bucket_new (c, sh, b);
    }
    c->layer_shape[l] = ok && !c->shapes[k].slow ? (gint) k : -1;
    if (!ok)
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
          "%s: oneDNN has no %s brgemm matmul for conv layer %u ((·, %" G_GSIZE_FORMAT
          ") x (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "))", model->path,
          c->int8 ? "int8" : "bf16", l, KC, KC, cl->c_out);
  }
  if (ok && !pos_new (c, d, model)) {
    ok = FALSE;
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "%s: cannot create the oneDNN positional conv", model->path);
  }
  omp_set_num_threads (threads);
  if (c->int8)
    c->zero_bias = g_new0 (float, MAX (c->max_n, 1));
  c->streams = g_new0 (dnnl_stream_t, n_threads);
  for (k = 0; ok && k < n_threads; k++) {
    ok = dnnl_stream_create (&c->streams[k], w2vee_dnnl_cpu_engine (),
        dnnl_stream_default_flags) == dnnl_success;
    if (!ok)
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
          "%s: cannot create oneDNN streams", model->path);
  }
  if (!ok) {
    w2vee_dnnl_conv_free (c);
    return NULL;
  }
  return c;
}

void
w2vee_dnnl_conv_free (W2veeDnnlConv *c)
{
  guint k, i;

  if (c == NULL)
    return;
  for (k = 0; k < c->n_shapes; k++)
    buckets_clear (&c->shapes[k].bk, c->n_threads);
  buckets_clear (&c->pos.bk, c->n_threads);
  for (i = 0; c->streams != NULL && i < c->n_threads; i++)
    if (c->streams[i])
      dnnl_stream_destroy (c->streams[i]);
  g_free (c->streams);
  g_free (c->zero_bias);
  g_free (c);
}

gsize
w2vee_dnnl_conv_scratch_bytes (const W2veeDnnlConv *c)
{
  return c->scratch_bytes;
}

gsize
w2vee_dnnl_conv_acc_elems (const W2veeDnnlConv *c)
{
  return c->int8 ? CHUNK * c->max_n : 0;
}

gboolean
w2vee_dnnl_pos_conv_on (const W2veeDnnlConv *c)
{
  return c->pos.on;
}

/* Rows [t0, t0 + (b + 1) · ROW_STEP) of the product src · W with bucket @b: into
 * out (rows from t0 on, bf16 sessions), or into acc (from its row 0, int8) and then
 * scaled into out, plus @bias (C_out), then GELU with @gelu. */
static void
run_bucket (W2veeDnnlConv *c, const Shape *sh, guint member, guint b, gsize t0,
    Scratch *sc, gsize l, const float *bias, gboolean gelu, float *out)
{
  gsize esize = c->int8 ? sizeof (guint8) : sizeof (guint16);

  buckets_run (c, &sh->bk, member, b, (char *) sc->conv_src + t0 * sh->KC * esize,
      c->wei[l], c->int8 ? (void *) sc->conv_acc : (void *) (out + t0 * sh->N),
      sc->dnnl_scratch);
  if (c->int8)
    w2vee_dequantize_rows (sc->conv_acc, (b + 1) * ROW_STEP, sh->N, c->colsum[l],
        sc->conv_row_scale + t0, c->scale[l], bias, FALSE, gelu, out + t0 * sh->N);
}

gboolean
w2vee_dnnl_conv (W2veeSession *s, guint member, gsize l, const float *in, float *out,
    gsize rows, gboolean fuse_gelu, gboolean *done_gelu)
{
  W2veeDnnlConv *c = s->dnnl_conv;
  const W2veeConvLayer *cl = &s->model->conv[l];
  Scratch *sc = &s->scratch[member];
  const Shape *sh;
  gsize KC, step, t, t0, rest;
  const float *bias;
  int threads;

  *done_gelu = FALSE;
  if (c == NULL || c->layer_shape[l] < 0 || rows < ROW_STEP)
    return FALSE;
  /* the rows computed twice (the last bucket) are overwritten whole: GELU stays single */
  *done_gelu = fuse_gelu && c->int8;
  bias = *done_gelu && cl->b != NULL ? cl->b : c->zero_bias;
  sh = &c->shapes[c->layer_shape[l]];
  KC = sh->KC;
  step = cl->stride * cl->c_in;
  /* conv_src (rows, KC): row t = the window of output row t, bf16 or u8 (its scale in
   * conv_row_scale[t]) */
  if (c->int8)
    w2vee_quantize_rows_u8 (in, rows, KC, step, (guint8 *) sc->conv_src,
        sc->conv_row_scale);
  else
    for (t = 0; t < rows; t++)
      w2vee_bf16_row (in + t * step, KC, 1.0f, sc->conv_src + t * KC);
  threads = omp_get_max_threads ();
  omp_set_num_threads (1);
  for (t0 = 0; rows - t0 >= CHUNK; t0 += CHUNK)
    run_bucket (c, sh, member, N_BUCKETS - 1, t0, sc, l, bias, *done_gelu, out);
  rest = rows - t0;
  if (rest >= ROW_STEP)
    run_bucket (c, sh, member, rest / ROW_STEP - 1, t0, sc, l, bias, *done_gelu, out);
  if (rest % ROW_STEP != 0) /* the last 32 rows (rows >= 32), some of them again */
    run_bucket (c, sh, member, 0, rows - ROW_STEP, sc, l, bias, *done_gelu, out);
  omp_set_num_threads (threads);
  return TRUE;
}

typedef struct {
  W2veeSession *s;
  gsize T;
} PosJob;

/* pos_src rows [u0, u1) of member @i's share: row u = bf16 (h row u - pad), zero
 * outside [0, T). */
static void
pos_fill_part (gpointer data, guint i, guint n)
{
  PosJob *j = data;
  W2veeSession *s = j->s;
  const W2veeConfig *cfg = &s->model->cfg;
  gsize D = cfg->hidden_size, pad = cfg->pos_kernel / 2, u0, u1, u;
  gsize rows = (j->T + ROW_STEP - 1) / ROW_STEP * ROW_STEP + cfg->pos_kernel - 1;

  w2vee_split (rows, i, n, 1, &u0, &u1);
  for (u = u0; u < u1; u++) {
    if (u >= pad && u - pad < j->T)
      w2vee_bf16_row (s->h + (u - pad) * D, D, 1.0f, s->pos_src + u * D);
    else
      memset (s->pos_src + u * D, 0, D * sizeof (guint16));
  }
}

/* tmp rows [r0, r1) of member @i's share (r1 rounded up to ROW_STEP: rows past T are
 * padding nothing reads) = the conv of pos_src rows [r0, r1 + Kp - 1). */
static void
pos_conv_part (gpointer data, guint i, guint n)
{
  PosJob *j = data;
  W2veeSession *s = j->s;
  W2veeDnnlConv *c = s->dnnl_conv;
  gsize D = s->model->cfg.hidden_size, r0, r1, t0;
  int threads;

  w2vee_split (j->T, i, n, ROW_STEP, &r0, &r1);
  if (r0 == r1)
    return;
  r1 = (r1 + ROW_STEP - 1) / ROW_STEP * ROW_STEP;
  threads = omp_get_max_threads ();
  omp_set_num_threads (1);
  for (t0 = r0; t0 < r1; t0 += CHUNK)
    buckets_run (c, &c->pos.bk, i, (guint) (MIN (CHUNK, r1 - t0) / ROW_STEP - 1),
        s->pos_src + t0 * D, c->pos.wei, s->tmp + t0 * D, s->scratch[i].dnnl_scratch);
  omp_set_num_threads (threads);
}

gboolean
w2vee_dnnl_pos_conv (W2veeSession *s, gsize T)
{
  PosJob j = { .s = s, .T = T };

  if (s->dnnl_conv == NULL || !s->dnnl_conv->pos.on)
    return FALSE;
  if (T == 0)
    return TRUE;
  w2vee_pool_run (s->pool, pos_fill_part, &j);
  w2vee_pool_run (s->pool, pos_conv_part, &j);
  return TRUE;
}

#else /* !W2VEE_HAVE_DNNL: session.c never asks */

gboolean
w2vee_dnnl_conv_enabled (W2veePrecision precision)
{
  return FALSE;
}

gboolean
w2vee_dnnl_pos_conv_enabled (W2veePrecision precision)
{
  return FALSE;
}

gboolean
w2vee_dnnl_conv_layer_runs (const W2veeConvLayer *c)
{
  return FALSE;
}

W2veeDnnlConv *
w2vee_dnnl_conv_new (const W2veeDnnl *d, const W2veeModel *model, guint n_threads,
    GError **error)
{
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
      "this libw2vee was built without oneDNN (meson option dnnl)");
  return NULL;
}

void
w2vee_dnnl_conv_free (W2veeDnnlConv *c)
{
}

gsize
w2vee_dnnl_conv_scratch_bytes (const W2veeDnnlConv *c)
{
  return 0;
}

gsize
w2vee_dnnl_conv_acc_elems (const W2veeDnnlConv *c)
{
  return 0;
}

gboolean
w2vee_dnnl_pos_conv_on (const W2veeDnnlConv *c)
{
  return FALSE;
}

gboolean
w2vee_dnnl_pos_conv (W2veeSession *s, gsize T)
{
  return FALSE;
}

gboolean
w2vee_dnnl_conv (W2veeSession *s, guint member, gsize l, const float *in, float *out,
    gsize rows, gboolean fuse_gelu, gboolean *done_gelu)
{
  *done_gelu = FALSE;
  return FALSE;
}

#endif
