/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* "Zero allocations in the forward pass", checked: this program replaces malloc and
 * friends for the whole process (an executable's definitions take precedence over
 * libc's for every shared library, GLib and OpenBLAS included) and counts the calls
 * made while w2vee_session_run() runs, after one warm-up run (OpenBLAS sets up its
 * per-thread buffers on first use); then the same for the incremental forward
 * (w2vee_session_begin() and w2vee_session_advance() one exit at a time, with every
 * exit's scores), the confidence policy's run and the deadline policy's choice.
 *
 * With the oneDNN backend (W2VEE_COMPUTE=dnnl) zero is out of reach: each
 * dnnl_primitive_execute() builds a small map of its arguments (a few allocations of
 * tens of bytes, freed when it returns). There the check is that the forward pass
 * allocates no buffer: no allocation larger than DNNL_MAX_BOOKKEEPING bytes.
 *
 * Under AddressSanitizer (meson -Db_sanitize=address, scripts/test.sh --sanitize) the
 * sanitizer owns malloc and an executable's own definitions would bypass it: the count
 * comes instead from the allocation hook ASan calls for every allocation it serves
 * (__sanitizer_install_malloc_and_free_hooks), which sees the same calls.
 *
 * Usage: test-no-alloc MODEL_DIR CLIP.f32 [fp32|bf16|int8]  (the session's precision;
 * bf16 and int8 need W2VEE_COMPUTE=dnnl) */
#include "w2vee/w2vee.h"

#include <stdio.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define W2VEE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define W2VEE_ASAN 1
#endif
#endif

#define DNNL_MAX_BOOKKEEPING 1024

static volatile gint counting;
static volatile gint allocations;
static volatile gsize largest;   /* bytes of the largest allocation counted */

static inline void
count_bytes (size_t n)
{
  if (g_atomic_int_get (&counting)) {
    g_atomic_int_inc (&allocations);
    if (n > largest)
      largest = n;   /* racy but only grows; the test reads it after the run */
  }
}

#ifdef W2VEE_ASAN
/* the sanitizers' public interface (sanitizer/allocator_interface.h, which only
 * clang installs; GCC's libasan exports the same function) */
int __sanitizer_install_malloc_and_free_hooks (
    void (*malloc_hook) (const volatile void *, size_t),
    void (*free_hook) (const volatile void *));

static void
malloc_hook (const volatile void *p, size_t n)
{
  count_bytes (n);
}

static void
free_hook (const volatile void *p)
{
}

static void
install_counter (void)
{
  __sanitizer_install_malloc_and_free_hooks (malloc_hook, free_hook);
}
#else
static void
install_counter (void)
{
}

extern void *__libc_malloc (size_t);
extern void *__libc_calloc (size_t, size_t);
extern void *__libc_realloc (void *, size_t);
extern void *__libc_memalign (size_t, size_t);
extern void __libc_free (void *);

void *
malloc (size_t n)
{
  count_bytes (n);
  return __libc_malloc (n);
}

void *
calloc (size_t n, size_t size)
{
  count_bytes (n * size);
  return __libc_calloc (n, size);
}

void *
realloc (void *p, size_t n)
{
  count_bytes (n);
  return __libc_realloc (p, n);
}

void *
aligned_alloc (size_t alignment, size_t n)
{
  count_bytes (n);
  return __libc_memalign (alignment, n);
}

void *
memalign (size_t alignment, size_t n)
{
  count_bytes (n);
  return __libc_memalign (alignment, n);
}

int
posix_memalign (void **p, size_t alignment, size_t n)
{
  count_bytes (n);
  *p = __libc_memalign (alignment, n);
  return *p ? 0 : 12; /* ENOMEM */
}

void
free (void *p)
{
  __libc_free (p);
}
#endif

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeModel) model = NULL;
  g_autoptr (W2veeSession) session = NULL;
  g_autofree char *raw = NULL;
  W2veeSessionParams params = w2vee_session_default_params ();
  gsize len, n, exit_, threads;
  const float *clip;
  int failures = 0;
  const char *compute = g_getenv ("W2VEE_COMPUTE");
  gboolean dnnl = compute != NULL && g_str_equal (compute, "dnnl");

  if (argc < 3 || argc > 4) {
    fprintf (stderr, "usage: %s MODEL_DIR CLIP.f32 [fp32|bf16|int8]\n", argv[0]);
    return 2;
  }
  if (argc == 4)
    params.precision = g_str_equal (argv[3], "int8") ? W2VEE_PRECISION_INT8 :
        g_str_equal (argv[3], "bf16") ? W2VEE_PRECISION_BF16 : W2VEE_PRECISION_FP32;
  model = w2vee_model_load (argv[1], &error);
  if (model == NULL || !g_file_get_contents (argv[2], &raw, &len, &error)) {
    fprintf (stderr, "%s\n", error->message);
    return 1;
  }
  install_counter ();
  clip = (const float *) raw;
  n = len / sizeof (float);

  for (threads = 1; threads <= 2; threads++) {
    params.n_threads = threads;
    params.max_samples = n;
    g_clear_pointer (&session, w2vee_session_free);
    /* the counter works: creating a session does allocate */
    g_atomic_int_set (&allocations, 0);
    g_atomic_int_set (&counting, 1);
    session = w2vee_session_new (model, &params, &error);
    g_atomic_int_set (&counting, 0);
    g_assert_no_error (error);
    printf ("threads=%zu session_new allocations=%d (must be > 0)\n", threads,
        g_atomic_int_get (&allocations));
    failures += g_atomic_int_get (&allocations) == 0;
    /* warm-up: every exit, the longest input */
    g_assert_true (w2vee_session_run (session, clip, n, w2vee_model_n_exits (model), NULL));

    for (exit_ = 1; exit_ <= w2vee_model_n_exits (model); exit_++) {
      gsize lengths[3] = { n, n / 2, n / 3 + 1 };
      guint i;

      for (i = 0; i < G_N_ELEMENTS (lengths); i++) {
        gboolean ok;
        gint seen;

        g_atomic_int_set (&allocations, 0);
        largest = 0;
        g_atomic_int_set (&counting, 1);
        ok = w2vee_session_run (session, clip, lengths[i], exit_, NULL);
        g_atomic_int_set (&counting, 0);
        seen = g_atomic_int_get (&allocations);
        ok = ok && (dnnl ? largest <= DNNL_MAX_BOOKKEEPING : seen == 0);
        printf ("threads=%zu exit=%zu samples=%zu allocations=%d largest=%zu %s\n",
            threads, exit_, lengths[i], seen, (gsize) largest, ok ? "ok" : "FAIL");
        failures += !ok;
      }
    }

    /* incremental: begin, then one exit at a time, scoring each */
    {
      guint e, r, chosen = 0;
      gboolean ok;
      gint seen;
      double sum = 0.0;

      g_atomic_int_set (&allocations, 0);
      largest = 0;
      g_atomic_int_set (&counting, 1);
      ok = w2vee_session_begin (session, clip, n, NULL);
      for (e = 1; ok && e <= w2vee_model_n_exits (model); e++) {
        ok = w2vee_session_advance (session, e, NULL);
        for (r = 0; r < W2VEE_N_SCORES; r++)
          sum += w2vee_session_exit_score (session, e, (W2veeScore) r);
      }
      ok = ok && w2vee_session_run_confident (session, clip, n,
          W2VEE_SCORE_NONBLANK_POSTERIOR, 0.99, w2vee_model_n_exits (model), &chosen,
          NULL);
      chosen += w2vee_session_deepest_exit_within (session, n, 0.5);
      g_atomic_int_set (&counting, 0);
      seen = g_atomic_int_get (&allocations);
      /* as above: with oneDNN, its per-call argument maps only */
      ok = ok && (dnnl ? largest <= DNNL_MAX_BOOKKEEPING : seen == 0);
      printf ("threads=%zu begin+advance+scores+policies samples=%zu allocations=%d "
          "largest=%zu (score sum %.3f, exits %u) %s\n", threads, n, seen,
          (gsize) largest, sum, chosen, ok ? "ok" : "FAIL");
      failures += !ok;
    }
  }
  return failures ? 1 : 0;
}
