/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* A preload library for valgrind's race detectors (tests/race/race.sh): GMutex and
 * GCond made of pthread mutexes and condition variables again.
 *
 * GLib on Linux implements GMutex and GCond with atomics and futex(2) directly, which
 * helgrind and DRD cannot see: every access guarded by a GMutex (GST_OBJECT_LOCK, the
 * element's own locks) would be reported as a race. GLib calls these functions through
 * its PLT (the library is not linked -Bsymbolic), so LD_PRELOAD replaces them for every
 * caller, GLib itself included. Each GMutex/GCond keeps a pointer to a pthread object
 * allocated on first use (zero-initialised statics work), as GLib did before its futex
 * implementation. GRecMutex and GRWLock are pthread-based in GLib already.
 * Test-only code: never linked into the project's libraries. */
#include <errno.h>
#include <glib.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

static pthread_mutex_t *
mutex_impl (GMutex *mutex)
{
  pthread_mutex_t *impl = __atomic_load_n ((pthread_mutex_t **) &mutex->p, __ATOMIC_ACQUIRE);

  if (impl == NULL) {
    pthread_mutex_t *fresh = malloc (sizeof *fresh), *expected = NULL;

    if (fresh == NULL)
      abort ();
    pthread_mutex_init (fresh, NULL);
    if (__atomic_compare_exchange_n ((pthread_mutex_t **) &mutex->p, &expected, fresh,
            FALSE, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      impl = fresh;
    } else {
      pthread_mutex_destroy (fresh);
      free (fresh);
      impl = expected;
    }
  }
  return impl;
}

static pthread_cond_t *
cond_impl (GCond *cond)
{
  pthread_cond_t *impl = __atomic_load_n ((pthread_cond_t **) &cond->p, __ATOMIC_ACQUIRE);

  if (impl == NULL) {
    pthread_cond_t *fresh = malloc (sizeof *fresh), *expected = NULL;
    pthread_condattr_t attr;

    if (fresh == NULL)
      abort ();
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);  /* g_get_monotonic_time () */
    pthread_cond_init (fresh, &attr);
    pthread_condattr_destroy (&attr);
    if (__atomic_compare_exchange_n ((pthread_cond_t **) &cond->p, &expected, fresh,
            FALSE, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
      impl = fresh;
    } else {
      pthread_cond_destroy (fresh);
      free (fresh);
      impl = expected;
    }
  }
  return impl;
}

void
g_mutex_init (GMutex *mutex)
{
  mutex->p = NULL;
}

void
g_mutex_clear (GMutex *mutex)
{
  pthread_mutex_t *impl = mutex->p;

  if (impl != NULL) {
    pthread_mutex_destroy (impl);
    free (impl);
  }
  mutex->p = NULL;
}

void
g_mutex_lock (GMutex *mutex)
{
  pthread_mutex_lock (mutex_impl (mutex));
}

void
g_mutex_unlock (GMutex *mutex)
{
  pthread_mutex_unlock (mutex_impl (mutex));
}

gboolean
g_mutex_trylock (GMutex *mutex)
{
  return pthread_mutex_trylock (mutex_impl (mutex)) == 0;
}

void
g_cond_init (GCond *cond)
{
  cond->p = NULL;
}

void
g_cond_clear (GCond *cond)
{
  pthread_cond_t *impl = cond->p;

  if (impl != NULL) {
    pthread_cond_destroy (impl);
    free (impl);
  }
  cond->p = NULL;
}

void
g_cond_wait (GCond *cond, GMutex *mutex)
{
  pthread_cond_wait (cond_impl (cond), mutex_impl (mutex));
}

void
g_cond_signal (GCond *cond)
{
  pthread_cond_signal (cond_impl (cond));
}

void
g_cond_broadcast (GCond *cond)
{
  pthread_cond_broadcast (cond_impl (cond));
}

gboolean
g_cond_wait_until (GCond *cond, GMutex *mutex, gint64 end_time)
{
  struct timespec ts = { .tv_sec = end_time / 1000000, .tv_nsec = end_time % 1000000 * 1000 };

  return pthread_cond_timedwait (cond_impl (cond), mutex_impl (mutex), &ts) != ETIMEDOUT;
}
