/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The forward pass's thread team (see pool.h). Workers spin briefly after a job, since
 * the next one usually follows within microseconds, then sleep on a condition. */
#include "pool.h"

#include "w2vee/w2vee.h"

/* Pause instructions spun (tens of microseconds) before a worker sleeps or the caller
 * waits on a condition. */
#define SPIN_ITERATIONS 2000

struct _W2veePool {
  guint n;                  /* team size, the caller included */
  GThread **workers;        /* (n - 1) */
  GMutex lock;
  GCond wake;               /* a new job (or quit) for the workers */
  GCond done;               /* the last worker finished the job */
  gint generation;          /* bumped per job; atomic reads, writes under lock */
  gint pending;             /* workers still in the job; atomic */
  gboolean quit;            /* protected by lock */
  gint sleepers;            /* workers waiting on wake; protected by lock */
  W2veePoolFunc func;       /* the current job, written before generation */
  gpointer data;
};

typedef struct {
  W2veePool *pool;
  guint index;
} WorkerArg;

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

static gpointer
worker_main (gpointer p)
{
  WorkerArg *arg = p;
  W2veePool *pool = arg->pool;
  guint index = arg->index;
  gint seen = 0;

  g_free (arg);
  for (;;) {
    gint i;

    for (i = 0; i < SPIN_ITERATIONS && g_atomic_int_get (&pool->generation) == seen; i++)
      cpu_relax ();
    g_mutex_lock (&pool->lock);
    while (g_atomic_int_get (&pool->generation) == seen && !pool->quit) {
      pool->sleepers++;
      g_cond_wait (&pool->wake, &pool->lock);
      pool->sleepers--;
    }
    if (pool->quit) {
      g_mutex_unlock (&pool->lock);
      break;
    }
    seen = g_atomic_int_get (&pool->generation);
    g_mutex_unlock (&pool->lock);

    pool->func (pool->data, index, pool->n);

    if (g_atomic_int_dec_and_test (&pool->pending)) {
      g_mutex_lock (&pool->lock);
      g_cond_signal (&pool->done);
      g_mutex_unlock (&pool->lock);
    }
  }
  return NULL;
}

W2veePool *
w2vee_pool_new (guint n_threads, GError **error)
{
  W2veePool *pool = g_new0 (W2veePool, 1);
  guint i;

  pool->n = MAX (n_threads, 1);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done);
  pool->workers = g_new0 (GThread *, pool->n);
  for (i = 1; i < pool->n; i++) {
    WorkerArg *arg = g_new (WorkerArg, 1);
    g_autofree char *name = g_strdup_printf ("w2vee-%u", i);

    arg->pool = pool;
    arg->index = i;
    pool->workers[i - 1] = g_thread_try_new (name, worker_main, arg, error);
    if (pool->workers[i - 1] == NULL) {
      g_free (arg);
      pool->n = i;   /* w2vee_pool_free joins the ones started */
      w2vee_pool_free (pool);
      return NULL;
    }
  }
  return pool;
}

void
w2vee_pool_free (W2veePool *pool)
{
  guint i;

  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (i = 1; i < pool->n; i++)
    g_thread_join (pool->workers[i - 1]);
  g_free (pool->workers);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done);
  g_free (pool);
}

guint
w2vee_pool_size (const W2veePool *pool)
{
  return pool->n;
}

void
w2vee_pool_run (W2veePool *pool, W2veePoolFunc func, gpointer data)
{
  gint i;

  if (pool->n == 1) {
    func (data, 0, 1);
    return;
  }
  g_mutex_lock (&pool->lock);
  pool->func = func;
  pool->data = data;
  g_atomic_int_set (&pool->pending, (gint) pool->n - 1);
  g_atomic_int_inc (&pool->generation);
  if (pool->sleepers > 0)
    g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  func (data, 0, pool->n);

  for (i = 0; i < SPIN_ITERATIONS && g_atomic_int_get (&pool->pending) > 0; i++)
    cpu_relax ();
  if (g_atomic_int_get (&pool->pending) > 0) {
    g_mutex_lock (&pool->lock);
    while (g_atomic_int_get (&pool->pending) > 0)
      g_cond_wait (&pool->done, &pool->lock);
    g_mutex_unlock (&pool->lock);
  }
}

void
w2vee_split (gsize total, guint index, guint count, gsize align, gsize *begin, gsize *end)
{
  gsize part = (total + count - 1) / count;

  part = (part + align - 1) / align * align;
  *begin = MIN (total, part * index);
  *end = index + 1 == count ? total : MIN (total, part * (index + 1));
}
