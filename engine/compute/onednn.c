/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The oneDNN backend of the linear layers (onednn.h says what and how). Two levels:
 *
 * - Prepared weights, one set per model and precision (model->compute_cache), made by
 *   the first session that asks: every linear weight (N, K) of the feature projection
 *   and of the transformer (int8: quantized first) reordered into the blocked layout
 *   oneDNN's brgemm matmul picks for it (BA16a64b for f32, BA16a64b2a for bf16,
 *   BA16a64b4a for s8: K×64 column blocks; what format_tag any gives for these shapes
 *   with oneDNN 2.6), and the pages of the mapped file it came from given back.
 * - Per session: one matmul primitive per kind of layer (K, N, post-ops) and row
 *   bucket, made once and shared by the members, each member with its own memory
 *   objects whose data handles are pointed at the buffers of each call; the scratchpad
 *   is the member's Scratch.dnnl_scratch.
 *
 * Shapes legend: session.h and onednn.h.
 */
#include "onednn.h"
#include "kernels.h"
#include "w2vee-config.h"

#include <math.h>
#include <string.h>

#if W2VEE_HAVE_DNNL

#include <dnnl.h>
#include <omp.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROW_STEP 32          /* rows of the smallest bucket; buckets are its multiples */
#define N_BUCKETS (W2VEE_DNNL_CHUNK / ROW_STEP)
#define MAX_KINDS 8

/* ------------------------------------------------------------------------- */
/* Prepared weights (per model and precision)                                */
/* ------------------------------------------------------------------------- */

typedef struct {
  gsize K, N;
  float *scale;        /* (N) int8: weight n is scale[n] · its s8 row; else NULL */
  gint32 *colsum;      /* (N) int8: Σ_k of the s8 row n (the u8 offset's correction) */
  void *data;          /* the reordered weights, in ceil(N / 64) blocks of 64 columns
                        * (the last one padded with zero columns); the positional
                        * conv's: onednn-conv.c's layout, K = N = 0 */
  gsize bytes;         /* of data */
} PreparedWeight;

typedef struct {
  W2veePrecision precision;
  GHashTable *weights; /* const float * (the model's (N, K) weights) -> PreparedWeight */
  gsize bytes;         /* of all data */
} Prepared;

struct _W2veeDnnl {
  W2veeModel *model;
  Prepared *prepared;  /* owned by the model */
  guint n_threads;
  struct Kind {
    gsize K, N;
    gboolean accumulate, gelu;
    gboolean slow;      /* a bucket got no brgemm kernel: OpenBLAS runs this kind */
    dnnl_primitive_t prim[N_BUCKETS]; /* (bucket rows, K) · (K, N), shared by members */
    struct Member {     /* the memory objects member i points at its buffers */
      dnnl_memory_t src[N_BUCKETS], wei, bias, dst[N_BUCKETS], scratch[N_BUCKETS];
    } *members;         /* (n_threads) */
  } kinds[MAX_KINDS];
  guint n_kinds;
  dnnl_stream_t *streams; /* (n_threads) */
  gsize scratch_bytes;  /* the largest scratchpad of any primitive */
};

dnnl_engine_t
w2vee_dnnl_cpu_engine (void)
{
  static dnnl_engine_t engine;
  static gsize once;

  if (g_once_init_enter (&once)) {
    if (dnnl_engine_create (&engine, dnnl_cpu, 0) != dnnl_success)
      engine = NULL;
    g_once_init_leave (&once, 1);
  }
  return engine;
}

/* Element types of a layer's input, weights and output for @precision. */
static const struct {
  dnnl_data_type_t src, wei, dst;
  dnnl_format_tag_t wei_tag;   /* the layout brgemm picks (format_tag any) */
  gsize wei_size;              /* bytes per weight */
} types[] = {
  [W2VEE_PRECISION_FP32] = { dnnl_f32, dnnl_f32, dnnl_f32, dnnl_BA16a64b, 4 },
  [W2VEE_PRECISION_BF16] = { dnnl_bf16, dnnl_bf16, dnnl_f32, dnnl_BA16a64b2a, 2 },
  [W2VEE_PRECISION_INT8] = { dnnl_u8, dnnl_s8, dnnl_s32, dnnl_BA16a64b4a, 1 },
};

/* The reordered layout of a (K, N) weight for @precision. */
static void
weights_md (dnnl_memory_desc_t *md, gsize K, gsize N, W2veePrecision precision)
{
  dnnl_dims_t dims = { (dnnl_dim_t) K, (dnnl_dim_t) N };

  dnnl_memory_desc_init_by_tag (md, 2, dims, types[precision].wei,
      types[precision].wei_tag);
}

static void
prepared_weight_free (gpointer p)
{
  PreparedWeight *pw = p;

  g_aligned_free (pw->data);
  g_free (pw->scale);
  g_free (pw->colsum);
  g_free (pw);
}

static void
prepared_free (gpointer p)
{
  Prepared *pr = p;

  g_hash_table_unref (pr->weights);
  g_free (pr);
}

/* Gives the pages wholly inside [p, p + bytes) of a mapped weights file back to the
 * page cache once they are reordered (the forward pass no longer reads them). */
static void
release_mapped (const W2veeModel *m, const void *p, gsize bytes)
{
  const char *base, *a = p, *b = a + bytes;
  gsize page = (gsize) sysconf (_SC_PAGESIZE);

  if (m->mapped == NULL)
    return;
  base = g_mapped_file_get_contents (m->mapped);
  if (a < base || b > base + g_mapped_file_get_length (m->mapped))
    return;
  a = (const char *) (((guintptr) a + page - 1) / page * page);
  b = (const char *) ((guintptr) b / page * page);
  if (b > a)
    madvise ((void *) a, b - a, MADV_DONTNEED);
}

gboolean
w2vee_dnnl_reorder (const dnnl_memory_desc_t *from_md, const void *from,
    const dnnl_memory_desc_t *to_md, void *to, dnnl_stream_t stream)
{
  dnnl_engine_t engine = w2vee_dnnl_cpu_engine ();
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_t reorder = NULL;
  dnnl_memory_t src = NULL, dst = NULL;
  gboolean ok;

  ok = dnnl_reorder_primitive_desc_create (&pd, from_md, engine, to_md, engine, NULL) ==
      dnnl_success &&
      dnnl_primitive_create (&reorder, pd) == dnnl_success &&
      dnnl_memory_create (&src, from_md, engine, (void *) from) == dnnl_success &&
      dnnl_memory_create (&dst, to_md, engine, to) == dnnl_success;
  if (ok) {
    dnnl_exec_arg_t args[] = { { DNNL_ARG_FROM, src }, { DNNL_ARG_TO, dst } };

    ok = dnnl_primitive_execute (reorder, stream, 2, args) == dnnl_success &&
        dnnl_stream_wait (stream) == dnnl_success;
  }
  if (src)
    dnnl_memory_destroy (src);
  if (dst)
    dnnl_memory_destroy (dst);
  if (reorder)
    dnnl_primitive_destroy (reorder);
  if (pd)
    dnnl_primitive_desc_destroy (pd);
  return ok;
}

/* Reorders the (N, K) row-major f32 weight @w into a new PreparedWeight. */
static PreparedWeight *
prepare_weight (const W2veeModel *m, const float *w, gsize K, gsize N,
    W2veePrecision precision, dnnl_stream_t stream, GError **error)
{
  dnnl_memory_desc_t src_md, dst_md;
  dnnl_dims_t dims = { (dnnl_dim_t) K, (dnnl_dim_t) N };
  PreparedWeight *pw = g_new0 (PreparedWeight, 1);
  g_autofree gint8 *q = NULL;
  gsize bytes;

  dnnl_memory_desc_init_by_tag (&src_md, 2, dims, types[precision].wei == dnnl_s8 ?
      dnnl_s8 : dnnl_f32, dnnl_ba);
  if (precision == W2VEE_PRECISION_INT8) {
    q = g_new (gint8, N * K);
    pw->scale = g_new (float, N);
    pw->colsum = g_new (gint32, N);
    w2vee_quantize_rows_s8 (w, N, K, q, pw->scale, pw->colsum);
  }
  weights_md (&dst_md, K, N, precision);
  bytes = dnnl_memory_desc_get_size (&dst_md);
  pw->K = K;
  pw->N = N;
  /* zeroed only where the layout pads (the reorder writes the rest); no MADV_HUGEPAGE:
   * with the kernel's defrag=madvise its faults compact memory and took the fp32
   * preparation of wav2vec2-base from 0.34 s to 2.4 s */
  pw->data = g_aligned_alloc (bytes, 1, 64);
  if (bytes != K * N * types[precision].wei_size)
    memset (pw->data, 0, bytes);
  pw->bytes = bytes;
  if (!w2vee_dnnl_reorder (&src_md, q ? (const void *) q : (const void *) w, &dst_md,
          pw->data, stream)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "%s: oneDNN cannot reorder a (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") weight",
        m->path, N, K);
    prepared_weight_free (pw);
    return NULL;
  }
  release_mapped (m, w, N * K * sizeof (float));
  return pw;
}

/* The weights the backend runs: (w, K, N) of the feature projection and of every
 * layer's q, k, v, out, intermediate and output dense, in the session's precision;
 * with bf16 or int8 also conv layers 1.. of the feature encoder, as (K·C_in, C_out)
 * matrices, in the same precision (onednn-conv.c). */
typedef struct {
  const float *w;
  gsize K, N;
  W2veePrecision precision;
  gboolean pos;        /* the positional conv's weight (bf16, onednn-conv.c) */
} LinearWeight;

static guint
linear_weights (const W2veeModel *m, W2veePrecision precision, LinearWeight *out)
{
  const W2veeConfig *cfg = &m->cfg;
  gsize D = cfg->hidden_size, Dff = cfg->intermediate_size;
  gsize C = cfg->conv_dim[cfg->n_conv - 1];
  guint n = 0, l;

  out[n++] = (LinearWeight) { m->proj_w, C, D, precision };
  for (l = 0; l < cfg->n_layers; l++) {
    const W2veeLayer *L = &m->layers[l];

    out[n++] = (LinearWeight) { L->q_w, D, D, precision };
    out[n++] = (LinearWeight) { L->k_w, D, D, precision };
    out[n++] = (LinearWeight) { L->v_w, D, D, precision };
    out[n++] = (LinearWeight) { L->o_w, D, D, precision };
    out[n++] = (LinearWeight) { L->ff_in_w, D, Dff, precision };
    out[n++] = (LinearWeight) { L->ff_out_w, Dff, D, precision };
  }
  for (l = 0; w2vee_dnnl_conv_enabled (precision) && l < cfg->n_conv; l++) {
    const W2veeConvLayer *c = &m->conv[l];

    if (w2vee_dnnl_conv_layer_runs (c))
      out[n++] = (LinearWeight) { c->w, c->kernel * c->c_in, c->c_out, precision };
  }
  if (w2vee_dnnl_pos_conv_enabled (precision))
    out[n++] = (LinearWeight) { m->pos_w, 0, 0, W2VEE_PRECISION_BF16, TRUE };
  return n;
}

typedef struct {
  const W2veeModel *m;
  W2veePrecision precision;
  const LinearWeight *lw;   /* (n) */
  PreparedWeight **out;     /* (n) */
  guint n;
  gint next;                /* next weight; atomic */
  GError **errors;          /* (team size) the first failure of each member */
} PrepareJob;

/* Members take the next weight until none is left, each with its own stream and with
 * OpenMP held to one thread. */
static void
prepare_part (gpointer data, guint i, guint n_members)
{
  PrepareJob *j = data;
  dnnl_stream_t stream = NULL;
  guint k;
  int threads = omp_get_max_threads ();

  omp_set_num_threads (1);
  if (dnnl_stream_create (&stream, w2vee_dnnl_cpu_engine (),
          dnnl_stream_default_flags) != dnnl_success) {
    g_set_error (&j->errors[i], W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "%s: cannot create a oneDNN CPU stream", j->m->path);
  } else {
    while ((k = (guint) g_atomic_int_add (&j->next, 1)) < j->n && j->errors[i] == NULL) {
      if (j->lw[k].pos) {
        gsize bytes;
        gpointer pos = w2vee_dnnl_pos_conv_prepare (j->m, stream, &bytes, &j->errors[i]);

        if (pos != NULL) {
          j->out[k] = g_new0 (PreparedWeight, 1);
          j->out[k]->data = pos;
          j->out[k]->bytes = bytes;
        }
      } else {
        j->out[k] = prepare_weight (j->m, j->lw[k].w, j->lw[k].K, j->lw[k].N,
            j->lw[k].precision, stream, &j->errors[i]);
      }
    }
    dnnl_stream_destroy (stream);
  }
  omp_set_num_threads (threads);
}

/* The model's prepared weights for @precision, made on first use by @pool's team
 * (under the model's compute_lock). */
static Prepared *
model_prepared (W2veeModel *m, W2veePrecision precision, W2veePool *pool,
    GError **error)
{
  Prepared *pr;
  LinearWeight *lw;
  PrepareJob job = { .m = m, .precision = precision };
  guint i, n_members = w2vee_pool_size (pool);

  g_mutex_lock (&m->compute_lock);
  pr = m->compute_cache[precision];
  if (pr != NULL) {
    g_mutex_unlock (&m->compute_lock);
    return pr;
  }
  lw = g_new (LinearWeight, 2 + 6 * m->cfg.n_layers + m->cfg.n_conv);
  job.lw = lw;
  job.n = linear_weights (m, precision, lw);
  job.out = g_new0 (PreparedWeight *, job.n);
  job.errors = g_new0 (GError *, n_members);
  w2vee_pool_run (pool, prepare_part, &job);

  pr = g_new0 (Prepared, 1);
  pr->precision = precision;
  pr->weights = g_hash_table_new_full (NULL, NULL, NULL, prepared_weight_free);
  for (i = 0; i < job.n; i++) {
    PreparedWeight *pw = job.out[i];

    if (pw == NULL)
      continue;
    g_hash_table_insert (pr->weights, (gpointer) lw[i].w, pw);
    pr->bytes += pw->bytes;
  }
  for (i = 0; i < n_members; i++) {
    if (job.errors[i] != NULL && pr != NULL) {
      g_propagate_error (error, job.errors[i]);
      job.errors[i] = NULL;
      g_clear_pointer (&pr, prepared_free);
    }
    g_clear_error (&job.errors[i]);
  }
  g_free (job.errors);
  g_free (job.out);
  g_free (lw);
  if (pr != NULL) {
    m->compute_cache[precision] = pr;
    m->compute_cache_free = prepared_free;
  }
  g_mutex_unlock (&m->compute_lock);
  return pr;
}

/* ------------------------------------------------------------------------- */
/* Primitives (per session)                                                  */
/* ------------------------------------------------------------------------- */

static gsize
bucket_rows (guint b)
{
  return (gsize) ROW_STEP * (b + 1);
}

/* The smallest bucket that holds @rows (1..W2VEE_DNNL_CHUNK). */
static guint
bucket_for (gsize rows)
{
  return (guint) ((rows + ROW_STEP - 1) / ROW_STEP - 1);
}

/* Makes the primitive of @kind for bucket @b, and the memory objects of its members.
 * oneDNN's brgemm matmul (the fast one) wants dense src and dst: members split rows. */
static gboolean
kind_bucket_new (W2veeDnnl *d, struct Kind *kind, guint b, GError **error)
{
  dnnl_engine_t engine = w2vee_dnnl_cpu_engine ();
  gsize M = bucket_rows (b), N = kind->N;
  dnnl_dims_t src_dims = { (dnnl_dim_t) M, (dnnl_dim_t) kind->K };
  dnnl_dims_t dst_dims = { (dnnl_dim_t) M, (dnnl_dim_t) N };
  dnnl_dims_t bias_dims = { 1, (dnnl_dim_t) N };
  dnnl_memory_desc_t src_md, wei_md, bias_md, dst_md;
  const dnnl_memory_desc_t *scratch_md;
  W2veePrecision precision = d->prepared->precision;
  /* int8: plain s32 sums, the engine applies scales, bias and post-ops itself */
  gboolean int8 = precision == W2VEE_PRECISION_INT8;
  dnnl_matmul_desc_t desc;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_post_ops_t post = NULL;
  dnnl_primitive_desc_t pd = NULL;
  gboolean ok;

  guint i;

  dnnl_memory_desc_init_by_tag (&src_md, 2, src_dims, types[precision].src, dnnl_ab);
  weights_md (&wei_md, kind->K, N, precision);
  dnnl_memory_desc_init_by_tag (&bias_md, 2, bias_dims, dnnl_f32, dnnl_ab);
  dnnl_memory_desc_init_by_tag (&dst_md, 2, dst_dims, types[precision].dst, dnnl_ab);
  ok = dnnl_matmul_desc_init (&desc, &src_md, &wei_md, int8 ? NULL : &bias_md, &dst_md) ==
      dnnl_success &&
      dnnl_primitive_attr_create (&attr) == dnnl_success &&
      dnnl_primitive_attr_set_scratchpad_mode (attr, dnnl_scratchpad_mode_user) ==
      dnnl_success &&
      dnnl_post_ops_create (&post) == dnnl_success;
  /* out = in·w + b, then out += old out (residual) or GELU (exact, erf) */
  if (ok && kind->accumulate && !int8)
    ok = dnnl_post_ops_append_sum (post, 1.0f) == dnnl_success;
  if (ok && kind->gelu && !int8)
    ok = dnnl_post_ops_append_eltwise (post, 1.0f, dnnl_eltwise_gelu_erf, 0.0f, 0.0f) ==
        dnnl_success;
  ok = ok && dnnl_primitive_attr_set_post_ops (attr, post) == dnnl_success &&
      dnnl_primitive_desc_create (&pd, &desc, attr, engine, NULL) == dnnl_success &&
      dnnl_primitive_create (&kind->prim[b], pd) == dnnl_success;
  if (ok) {
    const char *impl = "";

    /* only the brgemm kernels are fast; a layer they do not take stays on OpenBLAS */
    dnnl_primitive_desc_query (pd, dnnl_query_impl_info_str, 0, &impl);
    if (!g_str_has_prefix (impl, "brg")) {
      g_debug ("oneDNN picks %s for (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") x (%"
          G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT "): OpenBLAS runs that layer", impl, M,
          kind->K, kind->K, N);
      kind->slow = TRUE;
    }
    scratch_md = dnnl_primitive_desc_query_md (pd, dnnl_query_scratchpad_md, 0);
    d->scratch_bytes = MAX (d->scratch_bytes, dnnl_memory_desc_get_size (scratch_md));
  }
  for (i = 0; ok && i < d->n_threads; i++) {
    struct Member *mb = &kind->members[i];

    ok = dnnl_memory_create (&mb->src[b], &src_md, engine, DNNL_MEMORY_NONE) ==
        dnnl_success &&
        dnnl_memory_create (&mb->dst[b], &dst_md, engine, DNNL_MEMORY_NONE) ==
        dnnl_success &&
        dnnl_memory_create (&mb->scratch[b], scratch_md, engine, DNNL_MEMORY_NONE) ==
        dnnl_success;
    if (ok && b == 0)
      ok = dnnl_memory_create (&mb->wei, &wei_md, engine, DNNL_MEMORY_NONE) ==
          dnnl_success &&
          dnnl_memory_create (&mb->bias, &bias_md, engine, DNNL_MEMORY_NONE) ==
          dnnl_success;
  }
  if (post)
    dnnl_post_ops_destroy (post);
  if (attr)
    dnnl_primitive_attr_destroy (attr);
  if (pd)
    dnnl_primitive_desc_destroy (pd);
  if (!ok)
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "%s: oneDNN has no matmul for (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") x (%"
        G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") in %s", d->model->path, M, kind->K,
        kind->K, N, precision == W2VEE_PRECISION_FP32 ? "f32" :
        precision == W2VEE_PRECISION_BF16 ? "bf16" : "int8");
  return ok;
}

/* The kind of layer (K, N, post-ops), added on first sight. */
static struct Kind *
kind_find (W2veeDnnl *d, gsize K, gsize N, gboolean accumulate, gboolean gelu)
{
  guint i;

  for (i = 0; i < d->n_kinds; i++) {
    struct Kind *k = &d->kinds[i];

    if (k->K == K && k->N == N && k->accumulate == accumulate && k->gelu == gelu)
      return k;
  }
  return NULL;
}

static gboolean
kind_add (W2veeDnnl *d, gsize K, gsize N, gboolean accumulate, gboolean gelu,
    GError **error)
{
  struct Kind *k;
  guint b;

  if (kind_find (d, K, N, accumulate, gelu) != NULL)
    return TRUE;
  g_assert (d->n_kinds < MAX_KINDS);
  k = &d->kinds[d->n_kinds++];
  *k = (struct Kind) { .K = K, .N = N, .accumulate = accumulate, .gelu = gelu };
  k->members = g_new0 (struct Member, d->n_threads);
  for (b = 0; b < N_BUCKETS; b++)
    if (!kind_bucket_new (d, k, b, error))
      return FALSE;
  return TRUE;
}

gboolean
w2vee_dnnl_built (void)
{
  return TRUE;
}

W2veeDnnl *
w2vee_dnnl_new (W2veeModel *model, W2veePrecision precision, W2veePool *pool,
    GError **error)
{
  guint n_threads = w2vee_pool_size (pool);
  const W2veeConfig *cfg = &model->cfg;
  gsize D = cfg->hidden_size, Dff = cfg->intermediate_size;
  gsize C = cfg->conv_dim[cfg->n_conv - 1];
  W2veeDnnl *d;
  gboolean ok;
  guint i;
  int threads;

  if (w2vee_dnnl_cpu_engine () == NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "cannot create oneDNN's CPU engine");
    return NULL;
  }
  if (precision == W2VEE_PRECISION_BF16 &&
      (dnnl_get_effective_cpu_isa () & dnnl_cpu_isa_avx512_core_bf16) !=
      dnnl_cpu_isa_avx512_core_bf16) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "precision bf16 needs a CPU with bfloat16 units (AVX512-BF16 or AMX); this one "
        "has none: use fp32");
    return NULL;
  }
  if (precision == W2VEE_PRECISION_INT8 &&
      (dnnl_get_effective_cpu_isa () & dnnl_cpu_isa_avx512_core_vnni) !=
      dnnl_cpu_isa_avx512_core_vnni) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
        "precision int8 needs a CPU with AVX512-VNNI; this one has none: use fp32");
    return NULL;
  }
  d = g_new0 (W2veeDnnl, 1);
  d->model = model;
  d->n_threads = n_threads;
  d->prepared = model_prepared (model, precision, pool, error);
  if (d->prepared == NULL) {
    g_free (d);
    return NULL;
  }
  /* the primitives are made for one thread: they run inside the session's team */
  threads = omp_get_max_threads ();
  omp_set_num_threads (1);
  ok = kind_add (d, C, D, FALSE, FALSE, error) &&           /* feature projection */
      kind_add (d, D, D, FALSE, FALSE, error) &&            /* q, k, v */
      kind_add (d, D, D, TRUE, FALSE, error) &&             /* out, + residual */
      kind_add (d, D, Dff, FALSE, TRUE, error) &&           /* intermediate, GELU */
      kind_add (d, Dff, D, TRUE, FALSE, error);             /* output, + residual */
  omp_set_num_threads (threads);
  d->streams = g_new0 (dnnl_stream_t, n_threads);
  for (i = 0; ok && i < n_threads; i++)
    ok = dnnl_stream_create (&d->streams[i], w2vee_dnnl_cpu_engine (),
        dnnl_stream_default_flags) == dnnl_success;
  if (!ok) {
    if (error != NULL && *error == NULL)
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
          "%s: cannot create oneDNN streams", model->path);
    w2vee_dnnl_free (d);
    return NULL;
  }
  return d;
}

void
w2vee_dnnl_free (W2veeDnnl *d)
{
  guint k, i, b;

  if (d == NULL)
    return;
  for (k = 0; k < d->n_kinds; k++) {
    for (b = 0; b < N_BUCKETS; b++)
      if (d->kinds[k].prim[b])
        dnnl_primitive_destroy (d->kinds[k].prim[b]);
    for (i = 0; i < d->n_threads; i++) {
      struct Member *mb = &d->kinds[k].members[i];

      for (b = 0; b < N_BUCKETS; b++) {
        if (mb->src[b])
          dnnl_memory_destroy (mb->src[b]);
        if (mb->dst[b])
          dnnl_memory_destroy (mb->dst[b]);
        if (mb->scratch[b])
          dnnl_memory_destroy (mb->scratch[b]);
      }
      if (mb->wei)
        dnnl_memory_destroy (mb->wei);
      if (mb->bias)
        dnnl_memory_destroy (mb->bias);
    }
    g_free (d->kinds[k].members);
  }
  for (i = 0; d->streams != NULL && i < d->n_threads; i++)
    if (d->streams[i])
      dnnl_stream_destroy (d->streams[i]);
  g_free (d->streams);
  g_free (d);
}

gsize
w2vee_dnnl_scratch_bytes (const W2veeDnnl *d)
{
  return d->scratch_bytes;
}

gsize
w2vee_dnnl_staging_cols (const W2veeDnnl *d)
{
  const W2veeConfig *cfg = &d->model->cfg;

  if (d->prepared->precision == W2VEE_PRECISION_FP32)
    return 0;
  return MAX (MAX (cfg->hidden_size, cfg->intermediate_size),
      cfg->conv_dim[cfg->n_conv - 1]);
}

gsize
w2vee_dnnl_weight_bytes (const W2veeDnnl *d)
{
  return d->prepared->bytes;
}

gconstpointer
w2vee_dnnl_prepared_data (const W2veeDnnl *d, const float *w)
{
  const PreparedWeight *pw = g_hash_table_lookup (d->prepared->weights, w);

  return pw != NULL ? pw->data : NULL;
}

gboolean
w2vee_dnnl_prepared_int8 (const W2veeDnnl *d, const float *w, const float **scale,
    const gint32 **colsum)
{
  const PreparedWeight *pw = g_hash_table_lookup (d->prepared->weights, w);

  if (pw == NULL || pw->scale == NULL)
    return FALSE;
  *scale = pw->scale;
  *colsum = pw->colsum;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* The forward pass's linear layers                                          */
/* ------------------------------------------------------------------------- */

typedef struct {
  W2veeSession *s;
  struct Kind *kind;
  const PreparedWeight *pw;
  const void *in;      /* (Tp, K): the layer's input, f32 or (bf16) dnnl_src */
  const float *in32;   /* (Tp, K) f32, for the bf16 conversion */
  const float *b;      /* (N) */
  float *out;          /* (Tp, N) */
  gsize T;
  gsize esize;         /* bytes per element of in when it is not in32 */
  gboolean int8;       /* in is dnnl_src, quantized by each member for its rows */
  gboolean quantize;   /* int8, and dnnl_src does not hold this input yet */
} LinearJob;

/* dnnl_src rows [t0, t1) = bf16 (in32 rows): every row a bucket reads, T rounded up. */
static void
to_bf16_part (gpointer data, guint i, guint n)
{
  LinearJob *j = data;
  gsize K = j->kind->K, t0, t1;

  w2vee_split ((j->T + ROW_STEP - 1) / ROW_STEP * ROW_STEP, i, n, 1, &t0, &t1);
  if (t0 < t1)   /* the rows are contiguous: one row of (t1 - t0) · K values */
    w2vee_bf16_row (j->in32 + t0 * K, (t1 - t0) * K, 1.0f, j->s->dnnl_src + t0 * K);
}

/* Member @i computes its rows [r0, r1) (multiples of ROW_STEP but for the last member),
 * in chunks of at most W2VEE_DNNL_CHUNK rows. */
static void
linear_part (gpointer data, guint i, guint n)
{
  LinearJob *j = data;
  struct Member *mb = &j->kind->members[i];
  gsize K = j->kind->K, N = j->kind->N, esize, r0, r1, t0;
  dnnl_stream_t stream = j->s->dnnl->streams[i];
  int threads;

  w2vee_split (j->T, i, n, ROW_STEP, &r0, &r1);
  if (r0 == r1)
    return;
  esize = j->in == (const void *) j->in32 ? sizeof (float) : j->esize;
  if (j->quantize) /* every row the buckets read: r1 rounded up for the last member */
    w2vee_quantize_rows_u8 (j->in32 + r0 * K,
        (r1 + ROW_STEP - 1) / ROW_STEP * ROW_STEP - r0, K, K,
        (guint8 *) j->s->dnnl_src + r0 * K, j->s->dnnl_row_scale + r0);
  threads = omp_get_max_threads ();
  omp_set_num_threads (1);
  dnnl_memory_set_data_handle (mb->wei, j->pw->data);
  dnnl_memory_set_data_handle (mb->bias, (void *) j->b);
  for (t0 = r0; t0 < r1; t0 += W2VEE_DNNL_CHUNK) {
    guint b = bucket_for (MIN (W2VEE_DNNL_CHUNK, r1 - t0));
    dnnl_primitive_t prim = j->kind->prim[b];

    dnnl_memory_set_data_handle (mb->src[b], (char *) j->in + t0 * K * esize);
    dnnl_memory_set_data_handle (mb->dst[b], j->int8 ? (void *) (j->s->dnnl_acc + t0 * N) :
        (void *) (j->out + t0 * N));
    dnnl_memory_set_data_handle (mb->scratch[b], j->s->scratch[i].dnnl_scratch);
    {
      /* int8 primitives have no bias (the engine adds it after the scales) */
      dnnl_exec_arg_t args[] = {
        { DNNL_ARG_SRC, mb->src[b] }, { DNNL_ARG_WEIGHTS, mb->wei },
        { DNNL_ARG_DST, mb->dst[b] }, { DNNL_ARG_SCRATCHPAD, mb->scratch[b] },
        { DNNL_ARG_BIAS, mb->bias },
      };
      dnnl_status_t st = dnnl_primitive_execute (prim, stream,
          G_N_ELEMENTS (args) - (j->int8 ? 1 : 0), args);

      /* the primitives were made for these very arguments: a failure is a bug */
      if (G_UNLIKELY (st != dnnl_success))
        g_critical ("oneDNN matmul (%" G_GSIZE_FORMAT ", %" G_GSIZE_FORMAT ") failed: %d",
            K, N, (int) st);
    }
  }
  omp_set_num_threads (threads);
  if (j->int8)
    w2vee_dequantize_rows (j->s->dnnl_acc + r0 * N, r1 - r0, N, j->pw->colsum,
        j->s->dnnl_row_scale + r0, j->pw->scale, j->b, j->kind->accumulate,
        j->kind->gelu, j->out + r0 * N);
}

gboolean
w2vee_dnnl_linear (W2veeSession *s, const float *in, gsize T, gsize C, gsize ldi,
    const float *w, const float *b, gsize OC, float *out, gsize ldo,
    gboolean accumulate, gboolean gelu, gboolean input_ready)
{
  W2veeDnnl *d = s->dnnl;
  LinearJob j = { .s = s, .in = in, .in32 = in, .b = b, .out = out, .T = T };

  j.pw = g_hash_table_lookup (d->prepared->weights, w);
  if (j.pw == NULL || b == NULL || ldi != C || ldo != OC || j.pw->K != C ||
      j.pw->N != OC)
    return FALSE;
  j.kind = kind_find (d, C, OC, accumulate, gelu);
  if (j.kind == NULL || j.kind->slow)
    return FALSE;
  if (d->prepared->precision == W2VEE_PRECISION_BF16) {
    if (!input_ready)
      w2vee_pool_run (s->pool, to_bf16_part, &j);
    j.in = s->dnnl_src;
    j.esize = sizeof (guint16);
  } else if (d->prepared->precision == W2VEE_PRECISION_INT8) {
    j.in = s->dnnl_src;
    j.esize = sizeof (guint8);
    j.int8 = TRUE;
    j.quantize = !input_ready;
  }
  w2vee_pool_run (s->pool, linear_part, &j);
  return TRUE;
}

#else /* !W2VEE_HAVE_DNNL: the entry points exist, session.c never calls them */

gboolean
w2vee_dnnl_built (void)
{
  return FALSE;
}

W2veeDnnl *
w2vee_dnnl_new (W2veeModel *model, W2veePrecision precision, W2veePool *pool,
    GError **error)
{
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED,
      "this libw2vee was built without oneDNN (meson option dnnl)");
  return NULL;
}

void
w2vee_dnnl_free (W2veeDnnl *d)
{
}

gsize
w2vee_dnnl_scratch_bytes (const W2veeDnnl *d)
{
  return 0;
}

gsize
w2vee_dnnl_staging_cols (const W2veeDnnl *d)
{
  return 0;
}

gsize
w2vee_dnnl_weight_bytes (const W2veeDnnl *d)
{
  return 0;
}

gboolean
w2vee_dnnl_linear (W2veeSession *s, const float *in, gsize T, gsize C, gsize ldi,
    const float *w, const float *b, gsize OC, float *out, gsize ldo,
    gboolean accumulate, gboolean gelu, gboolean input_ready)
{
  return FALSE;
}

gconstpointer
w2vee_dnnl_prepared_data (const W2veeDnnl *d, const float *w)
{
  return NULL;
}

gboolean
w2vee_dnnl_prepared_int8 (const W2veeDnnl *d, const float *w, const float **scale,
    const gint32 **colsum)
{
  return FALSE;
}

#endif
