/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* "Zero allocations in the forward pass", checked: this program replaces malloc and
 * friends for the whole process (an executable's definitions take precedence over
 * libc's for every shared library, GLib and OpenBLAS included) and counts the calls
 * made while w2vee_session_run() runs, after one warm-up run (OpenBLAS sets up its
 * per-thread buffers on first use).
 *
 * Under AddressSanitizer (meson -Db_sanitize=address, scripts/test.sh --sanitize) the
 * sanitizer owns malloc and an executable's own definitions would bypass it: the count
 * comes instead from the allocation hook ASan calls for every allocation it serves
 * (__sanitizer_install_malloc_and_free_hooks), which sees the same calls.
 *
 * Usage: test-no-alloc MODEL_DIR CLIP.f32 */
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

static volatile gint counting;
static volatile gint allocations;

static inline void
count (void)
{
  if (g_atomic_int_get (&counting))
    g_atomic_int_inc (&allocations);
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
  count ();
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
  count ();
  return __libc_malloc (n);
}

void *
calloc (size_t n, size_t size)
{
  count ();
  return __libc_calloc (n, size);
}

void *
realloc (void *p, size_t n)
{
  count ();
  return __libc_realloc (p, n);
}

void *
aligned_alloc (size_t alignment, size_t n)
{
  count ();
  return __libc_memalign (alignment, n);
}

void *
memalign (size_t alignment, size_t n)
{
  count ();
  return __libc_memalign (alignment, n);
}

int
posix_memalign (void **p, size_t alignment, size_t n)
{
  count ();
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

  if (argc != 3) {
    fprintf (stderr, "usage: %s MODEL_DIR CLIP.f32\n", argv[0]);
    return 2;
  }
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
        g_atomic_int_set (&counting, 1);
        ok = w2vee_session_run (session, clip, lengths[i], exit_, NULL);
        g_atomic_int_set (&counting, 0);
        seen = g_atomic_int_get (&allocations);
        printf ("threads=%zu exit=%zu samples=%zu allocations=%d %s\n", threads, exit_,
            lengths[i], seen, ok && seen == 0 ? "ok" : "FAIL");
        failures += !ok || seen != 0;
      }
    }
  }
  return failures ? 1 : 0;
}
