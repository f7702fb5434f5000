/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* sgemm-roofline: the single-precision matrix-multiply throughput this machine's
 * OpenBLAS sustains, the ceiling any wav2vec2 engine built on sgemm works under.
 *
 *   sgemm-roofline [--threads N] [--frames T] [--min-seconds S]
 *
 * Times cblas_sgemm on the shapes that dominate a wav2vec2-base transformer layer for T
 * frames (row-major, weights transposed as libw2vee calls it: in is (T,K), w is (N,K) ->
 * out is (T,N)). Each shape runs once to warm up, then repeatedly for at least S
 * seconds; its rate is the median over those calls. Prints, on stdout:
 *
 *   threads=N frames=T min_seconds=S
 *   sgemm m=T n=N k=K gflops=X runs=R       one line per shape
 *   best_gflops=X                           the highest of the shapes' medians
 *
 * GFLOP counts a multiply-add as 2 operations. Used by bench/run.py for its roofline.
 */
#include <cblas.h>
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_THREADS 0        /* one per online CPU */
#define DEFAULT_FRAMES 499       /* 10 s of audio at 320 samples per frame */
#define DEFAULT_MIN_SECONDS 1.0

typedef struct {
  gsize n, k;                    /* out columns, inner dimension */
  const char *what;              /* the layer it stands for */
} Shape;

/* D = 768, Dff = 3072 (wav2vec2-base) */
static const Shape shapes[] = {
  { 3072, 768, "feed-forward in" },
  { 768, 3072, "feed-forward out" },
  { 768, 768, "attention projection" },
};

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Median GFLOP/s of cblas_sgemm for in (m,k) x w (n,k)^T -> out (m,n). */
static double
time_shape (gsize m, gsize n, gsize k, double min_seconds, guint *runs)
{
  float *in = g_new (float, m * k);   /* (m, k) */
  float *w = g_new (float, n * k);    /* (n, k) */
  float *out = g_new (float, m * n);  /* (m, n) */
  GArray *rates = g_array_new (FALSE, FALSE, sizeof (double));
  double flop = 2.0 * m * n * k, start, median;
  GRand *rand = g_rand_new_with_seed (1);
  gsize i;

  for (i = 0; i < m * k; i++)
    in[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  for (i = 0; i < n * k; i++)
    w[i] = (float) g_rand_double_range (rand, -1.0, 1.0);

  /* warm-up: thread pool start, page faults of out */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) n, (int) k,
      1.0f, in, (int) k, w, (int) k, 0.0f, out, (int) n);

  start = g_get_monotonic_time () / 1e6;
  do {
    double t0 = g_get_monotonic_time () / 1e6, rate;

    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) m, (int) n, (int) k,
        1.0f, in, (int) k, w, (int) k, 0.0f, out, (int) n);
    rate = flop / (g_get_monotonic_time () / 1e6 - t0) / 1e9;
    g_array_append_val (rates, rate);
  } while (g_get_monotonic_time () / 1e6 - start < min_seconds || rates->len < 3);

  qsort (rates->data, rates->len, sizeof (double), compare_doubles);
  median = g_array_index (rates, double, rates->len / 2);
  *runs = rates->len;

  g_array_free (rates, TRUE);
  g_rand_free (rand);
  g_free (in);
  g_free (w);
  g_free (out);
  return median;
}

int
main (int argc, char **argv)
{
  gint threads = DEFAULT_THREADS, frames = DEFAULT_FRAMES;
  double min_seconds = DEFAULT_MIN_SECONDS, best = 0.0;
  const GOptionEntry entries[] = {
    { "threads", 't', 0, G_OPTION_ARG_INT, &threads,
      "OpenBLAS threads (default: one per CPU)", "N" },
    { "frames", 'T', 0, G_OPTION_ARG_INT, &frames,
      "Rows of the activations, i.e. encoder frames (default 499 = 10 s)", "T" },
    { "min-seconds", 's', 0, G_OPTION_ARG_DOUBLE, &min_seconds,
      "Time each shape for at least this long (default 1)", "S" },
    { NULL },
  };
  GOptionContext *context;
  GError *error = NULL;
  gsize i;

  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  context = g_option_context_new ("- measure cblas_sgemm GFLOP/s on wav2vec2-base shapes");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    fprintf (stderr, "sgemm-roofline: %s\n", error->message);
    g_error_free (error);
    g_option_context_free (context);
    return 2;
  }
  g_option_context_free (context);
  if (threads < 0 || frames < 1 || !(min_seconds >= 0.0)) {
    fprintf (stderr, "sgemm-roofline: --threads must be >= 0, --frames >= 1, "
        "--min-seconds >= 0\n");
    return 2;
  }

  openblas_set_num_threads (threads > 0 ? threads : (int) g_get_num_processors ());
  printf ("threads=%d frames=%d min_seconds=%g\n",
      threads > 0 ? threads : (int) g_get_num_processors (), frames, min_seconds);
  for (i = 0; i < G_N_ELEMENTS (shapes); i++) {
    guint runs;
    double gflops = time_shape ((gsize) frames, shapes[i].n, shapes[i].k, min_seconds,
        &runs);

    printf ("sgemm m=%d n=%" G_GSIZE_FORMAT " k=%" G_GSIZE_FORMAT " gflops=%.1f runs=%u"
        "  # %s\n", frames, shapes[i].n, shapes[i].k, gflops, runs, shapes[i].what);
    fflush (stdout);
    best = MAX (best, gflops);
  }
  printf ("best_gflops=%.1f\n", best);
  return 0;
}
