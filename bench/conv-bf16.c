/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* conv-bf16: one conv layer of the feature encoder (C_in = C_out = 512, kernel 3,
 * stride 2, wav2vec2's layers 1-4) on one thread, the engine's fp32 Winograd F(2,2)
 * path (w2vee_conv1d_k3s2, OpenBLAS) against a oneDNN bf16 matmul as the engine runs
 * it with precision bf16 / int8 (engine/compute/onednn-conv.c): the windows of the
 * input (row t: the 3·C_in floats from row 2t on) rounded to bf16 side by side (timed
 * with it; one by one here, 16 at a time in the engine), A (T_out, 3·C_in) ·
 * W (3·C_in, C_out) reordered once, f32 output.
 *
 *   conv-bf16 [--rows T] [--runs N] [--runtime-m] [--int8]
 *
 * CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), median of N runs after one
 * warm-up, for T_out = 256 and 1024 unless --rows says otherwise. Prints one line per
 * shape: both times, oneDNN's implementation, the ratio, and the largest
 * |bf16 − fp32| / max |fp32|. --runtime-m also times the matmul made for a run-time
 * row count (DNNL_RUNTIME_DIM_VAL), which oneDNN 2.6 gives no brgemm kernel (ref:any,
 * three orders of magnitude slower: one run only). oneDNN 2.6 also refuses a memory
 * descriptor with overlapping rows (row stride 2·C_in < 3·C_in), hence the copy.
 * --int8 also times the layer as an int8 matmul (run_int8), against the double-sum
 * reference w2vee_conv1d_ref.
 */
#include "kernels.h"
#include "onednn.h"

#include <cblas.h>
#include <dnnl.h>
#include <glib.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define C 512
#define TAPS 3
#define STRIDE 2

static double
cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

#define CHECK(call) G_STMT_START { dnnl_status_t st_ = (call); \
  if (st_ != dnnl_success) g_error ("%s failed: %d", #call, (int) st_); } G_STMT_END

/* One single-threaded oneDNN matmul src (T, KC) · W (KC, N) -> dst (T, N), the weights
 * reordered once into @wei_tag from @w, (N, KC) row-major of @wsrc_type. */
typedef struct {
  dnnl_engine_t engine;
  dnnl_stream_t stream;
  dnnl_primitive_t prim;
  dnnl_memory_t src, wei, dst, scratch;
  void *wei_data, *scratch_data;
  char *impl;                /* oneDNN's implementation */
} Matmul;

static void
matmul_init (Matmul *mm, gsize T, gsize KC, gsize N, dnnl_data_type_t src_type,
    dnnl_data_type_t wsrc_type, dnnl_data_type_t wei_type, dnnl_format_tag_t wei_tag,
    dnnl_data_type_t dst_type, const void *w, gboolean runtime_m, void *src_data,
    void *dst_data)
{
  dnnl_dims_t src_dims = { (dnnl_dim_t) T, (dnnl_dim_t) KC };
  dnnl_dims_t dst_dims = { (dnnl_dim_t) T, (dnnl_dim_t) N };
  dnnl_dims_t wei_dims = { (dnnl_dim_t) KC, (dnnl_dim_t) N };
  dnnl_dims_t rt_src = { DNNL_RUNTIME_DIM_VAL, (dnnl_dim_t) KC };
  dnnl_dims_t rt_dst = { DNNL_RUNTIME_DIM_VAL, (dnnl_dim_t) N };
  dnnl_memory_desc_t src_md, wei_md, wsrc_md, dst_md, prim_src_md, prim_dst_md;
  const dnnl_memory_desc_t *scratch_md;
  dnnl_matmul_desc_t desc;
  dnnl_primitive_desc_t pd, rpd;
  dnnl_primitive_t reorder;
  dnnl_primitive_attr_t attr;
  dnnl_memory_t wsrc;
  const char *impl = "?";

  CHECK (dnnl_engine_create (&mm->engine, dnnl_cpu, 0));
  CHECK (dnnl_stream_create (&mm->stream, mm->engine, dnnl_stream_default_flags));
  /* (N, KC) row-major = (KC, N) "ba" */
  dnnl_memory_desc_init_by_tag (&wsrc_md, 2, wei_dims, wsrc_type, dnnl_ba);
  dnnl_memory_desc_init_by_tag (&wei_md, 2, wei_dims, wei_type, wei_tag);
  mm->wei_data = g_aligned_alloc0 (dnnl_memory_desc_get_size (&wei_md), 1, 64);
  CHECK (dnnl_memory_create (&wsrc, &wsrc_md, mm->engine, (void *) w));
  CHECK (dnnl_memory_create (&mm->wei, &wei_md, mm->engine, mm->wei_data));
  CHECK (dnnl_reorder_primitive_desc_create (&rpd, &wsrc_md, mm->engine, &wei_md,
          mm->engine, NULL));
  CHECK (dnnl_primitive_create (&reorder, rpd));
  {
    dnnl_exec_arg_t args[] = { { DNNL_ARG_FROM, wsrc }, { DNNL_ARG_TO, mm->wei } };

    CHECK (dnnl_primitive_execute (reorder, mm->stream, 2, args));
    CHECK (dnnl_stream_wait (mm->stream));
  }
  dnnl_primitive_destroy (reorder);
  dnnl_primitive_desc_destroy (rpd);
  dnnl_memory_destroy (wsrc);

  dnnl_memory_desc_init_by_tag (&src_md, 2, src_dims, src_type, dnnl_ab);
  dnnl_memory_desc_init_by_tag (&dst_md, 2, dst_dims, dst_type, dnnl_ab);
  dnnl_memory_desc_init_by_tag (&prim_src_md, 2, runtime_m ? rt_src : src_dims, src_type,
      dnnl_ab);
  dnnl_memory_desc_init_by_tag (&prim_dst_md, 2, runtime_m ? rt_dst : dst_dims, dst_type,
      dnnl_ab);
  CHECK (dnnl_matmul_desc_init (&desc, &prim_src_md, &wei_md, NULL, &prim_dst_md));
  CHECK (dnnl_primitive_attr_create (&attr));
  CHECK (dnnl_primitive_attr_set_scratchpad_mode (attr, dnnl_scratchpad_mode_user));
  CHECK (dnnl_primitive_desc_create (&pd, &desc, attr, mm->engine, NULL));
  dnnl_primitive_desc_query (pd, dnnl_query_impl_info_str, 0, &impl);
  mm->impl = g_strdup (impl);
  CHECK (dnnl_primitive_create (&mm->prim, pd));
  scratch_md = dnnl_primitive_desc_query_md (pd, dnnl_query_scratchpad_md, 0);
  mm->scratch_data = g_aligned_alloc0 (MAX (64, dnnl_memory_desc_get_size (scratch_md)),
      1, 64);
  CHECK (dnnl_memory_create (&mm->scratch, scratch_md, mm->engine, mm->scratch_data));
  CHECK (dnnl_memory_create (&mm->src, &src_md, mm->engine, src_data));
  CHECK (dnnl_memory_create (&mm->dst, &dst_md, mm->engine, dst_data));
  dnnl_primitive_desc_destroy (pd);
  dnnl_primitive_attr_destroy (attr);
}

static void
matmul_run (Matmul *mm)
{
  dnnl_exec_arg_t args[] = { { DNNL_ARG_SRC, mm->src }, { DNNL_ARG_WEIGHTS, mm->wei },
    { DNNL_ARG_DST, mm->dst }, { DNNL_ARG_SCRATCHPAD, mm->scratch } };

  CHECK (dnnl_primitive_execute (mm->prim, mm->stream, 4, args));
}

static void
matmul_clear (Matmul *mm)
{
  dnnl_primitive_destroy (mm->prim);
  dnnl_memory_destroy (mm->src);
  dnnl_memory_destroy (mm->wei);
  dnnl_memory_destroy (mm->dst);
  dnnl_memory_destroy (mm->scratch);
  dnnl_stream_destroy (mm->stream);
  dnnl_engine_destroy (mm->engine);
  g_aligned_free (mm->wei_data);
  g_aligned_free (mm->scratch_data);
  g_free (mm->impl);
}

/* The layer's input (T_in, C) and weights (C_out, TAPS, C_in), seeded. */
static void
fill_layer (gsize T_in, float *in, float *w)
{
  GRand *rand = g_rand_new_with_seed (1);
  gsize i;

  for (i = 0; i < T_in * C; i++)
    in[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  for (i = 0; i < C * TAPS * C; i++)
    w[i] = (float) g_rand_double_range (rand, -0.05, 0.05);
  g_rand_free (rand);
}

/* Largest |a − b| over max |a|, of n values. */
static double
relative_diff (const float *a, const float *b, gsize n)
{
  double amax = 0.0, dmax = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    amax = MAX (amax, fabs (a[i]));
    dmax = MAX (dmax, fabs (a[i] - b[i]));
  }
  return dmax / amax;
}

static double
median (double *v, guint n)
{
  qsort (v, n, sizeof (double), compare_doubles);
  return v[n / 2];
}

/* fp32 Winograd against the bf16 matmul (made for T rows, or a run-time row count). */
static void
run_shape (gsize T, guint runs, gboolean fixed_m)
{
  gsize T_in = STRIDE * T + 1, P = T / 2, KC = TAPS * C, r, t, j, c, o;
  float *in = g_new (float, T_in * C);              /* (T_in, C) */
  float *w = g_new (float, C * KC);                 /* (C_out, TAPS, C_in) */
  float *w02 = g_new (float, C * C);                /* (C_out, C_in) */
  float *out32 = g_new (float, T * C), *out16 = g_new (float, T * C);
  float *d1 = g_new (float, P * C), *d3 = g_new (float, P * C), *m2 = g_new (float, P * C);
  guint16 *in16 = g_new (guint16, T * KC);          /* (T, KC) the windows */
  double *t32 = g_new (double, runs), *t16 = g_new (double, runs), m32, m16;
  Matmul mm;

  fill_layer (T_in, in, w);
  for (o = 0; o < C; o++)
    for (c = 0; c < C; c++)
      w02[o * C + c] = w[(o * TAPS + 0) * C + c] + w[(o * TAPS + 2) * C + c];
  matmul_init (&mm, T, KC, C, dnnl_bf16, dnnl_f32, dnnl_bf16, dnnl_BA16a64b2a, dnnl_f32,
      w, !fixed_m, in16, out16);

  for (r = 0; r <= runs; r++) {
    double t0 = cpu_seconds (), t1;

    w2vee_conv1d_k3s2 (in, C, w, w02, C, out32, T, d1, d3, m2);
    t1 = cpu_seconds ();
    if (r > 0)
      t32[r - 1] = t1 - t0;
    t0 = cpu_seconds ();
    for (t = 0; t < T; t++)
      for (j = 0; j < KC; j++)
        in16[t * KC + j] = w2vee_to_bf16 (in[t * STRIDE * C + j]);
    matmul_run (&mm);
    t1 = cpu_seconds ();
    if (r > 0)
      t16[r - 1] = t1 - t0;
  }
  m32 = median (t32, runs);
  m16 = median (t16, runs);
  printf ("rows=%" G_GSIZE_FORMAT " %s fp32-winograd=%.3f ms bf16-matmul=%.3f ms (%s) "
      "speedup=%.2fx max|diff|/max|fp32|=%.2e\n", T, fixed_m ? "fixed-M" : "runtime-M",
      m32 * 1e3, m16 * 1e3, mm.impl, m32 / m16, relative_diff (out32, out16, T * C));

  matmul_clear (&mm);
  g_free (in);
  g_free (w);
  g_free (w02);
  g_free (out32);
  g_free (out16);
  g_free (d1);
  g_free (d3);
  g_free (m2);
  g_free (in16);
  g_free (t32);
  g_free (t16);
}

/* The same layer as an int8 matmul, as the engine's int8 conv layers run
 * (onednn-conv.c), with the engine's kernels: each window row quantized to u8 (scale
 * max |row| / 127, offset 128), the weights to s8 per output channel, u8 x s8 -> s32
 * (brgemm, VNNI), then dequantized with the offset's correction; timed from the f32
 * input to the f32 output, against the double-sum reference w2vee_conv1d_ref. */
static void
run_int8 (gsize T, guint runs)
{
  gsize T_in = STRIDE * T + 1, KC = TAPS * C, r;
  float *in = g_new (float, T_in * C), *w = g_new (float, C * KC);
  float *ref = g_new (float, T * C), *out = g_new (float, T * C);
  float *wscale = g_new (float, C), *rscale = g_new (float, T);
  gint8 *wq = g_new (gint8, C * KC);                /* (C_out, KC) */
  gint32 *colsum = g_new0 (gint32, C), *acc = g_new (gint32, T * C);
  float *zero = g_new0 (float, C);                  /* no bias */
  guint8 *q = g_new (guint8, T * KC);               /* (T, KC) the quantized windows */
  double *times = g_new (double, runs), *mm_times = g_new (double, runs);
  Matmul mm;

  fill_layer (T_in, in, w);
  w2vee_quantize_rows_s8 (w, C, KC, wq, wscale, colsum);
  matmul_init (&mm, T, KC, C, dnnl_u8, dnnl_s8, dnnl_s8, dnnl_BA16a64b4a, dnnl_s32, wq,
      FALSE, q, acc);
  w2vee_conv1d_ref (in, C, STRIDE, w, TAPS, C, ref, T);

  for (r = 0; r <= runs; r++) {
    double t0 = cpu_seconds (), t1;

    w2vee_quantize_rows_u8 (in, T, KC, STRIDE * C, q, rscale);
    t1 = cpu_seconds ();
    matmul_run (&mm);
    if (r > 0)
      mm_times[r - 1] = cpu_seconds () - t1;
    w2vee_dequantize_rows (acc, T, C, colsum, rscale, wscale, zero, FALSE, FALSE, out);
    if (r > 0)
      times[r - 1] = cpu_seconds () - t0;
  }
  printf ("rows=%" G_GSIZE_FORMAT " int8=%.3f ms (%s; the matmul alone %.3f ms) "
      "max|diff|/max|ref|=%.2e\n", T, median (times, runs) * 1e3, mm.impl,
      median (mm_times, runs) * 1e3, relative_diff (ref, out, T * C));

  matmul_clear (&mm);
  g_free (in);
  g_free (w);
  g_free (ref);
  g_free (out);
  g_free (wscale);
  g_free (rscale);
  g_free (wq);
  g_free (colsum);
  g_free (zero);
  g_free (acc);
  g_free (q);
  g_free (times);
  g_free (mm_times);
}

int
main (int argc, char **argv)
{
  gint runs = 15;
  gint64 row = 0;
  gboolean runtime_m = FALSE, int8 = FALSE;
  GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_INT64, &row, "output rows (256 and 1024)", "T" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "timed runs per shape (15)", "N" },
    { "runtime-m", 0, 0, G_OPTION_ARG_NONE, &runtime_m,
      "also time a run-time row count (one run)", NULL },
    { "int8", 0, 0, G_OPTION_ARG_NONE, &int8,
      "also time the layer as an int8 matmul (quantization included)", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- one conv layer, fp32 vs bf16");
  g_autoptr (GError) error = NULL;
  const gsize defaults[] = { 256, 1024 };
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("conv-bf16: %s\n", error->message);
    return 2;
  }
  omp_set_num_threads (1);
  openblas_set_num_threads (1);
  for (i = 0; i < (row > 0 ? 1 : G_N_ELEMENTS (defaults)); i++) {
    gsize T = row > 0 ? (gsize) row : defaults[i];

    run_shape (T, (guint) MAX (runs, 1), TRUE);
    if (runtime_m)
      run_shape (T, 1, FALSE);
    if (int8)
      run_int8 (T, (guint) MAX (runs, 1));
  }
  return 0;
}
