/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The job queue (see w2vee-jobqueue.h for the rules). */
#include "w2vee-jobqueue.h"

struct _W2veeJobQueue
{
  GMutex lock;
  GCond cond;                   /* any change of the fields below */
  gsize capacity;               /* samples per slot */
  guint n_final;
  W2veeJob *slots;              /* (n_final + 1): the final slots, then the partial one */
  /* protected by @lock */
  GQueue free_final;            /* final slots nobody uses */
  GQueue waiting;               /* final slots waiting for inference, oldest first */
  gboolean partial_busy;        /* the partial slot is acquired, waiting or running */
  gboolean partial_waiting;     /* ... and submitted, not yet popped */
  W2veeJob *running;            /* the job being decoded or emitted, or NULL */
  gboolean emitting;            /* @running's result is going out */
  guint epoch;                  /* bumped by unflush */
  gboolean flushing;
  gboolean stopping;
};

W2veeJobQueue *
w2vee_job_queue_new (guint n_final, gsize capacity)
{
  W2veeJobQueue *q;

  g_return_val_if_fail (n_final > 0 && capacity > 0, NULL);
  q = g_new0 (W2veeJobQueue, 1);
  g_mutex_init (&q->lock);
  g_cond_init (&q->cond);
  q->capacity = capacity;
  q->n_final = n_final;
  q->slots = g_new0 (W2veeJob, n_final + 1);
  for (guint i = 0; i <= n_final; i++) {
    q->slots[i].samples = g_try_new (float, capacity);
    if (q->slots[i].samples == NULL) {
      w2vee_job_queue_free (q);
      return NULL;
    }
    q->slots[i].kind = i < n_final ? W2VEE_JOB_FINAL : W2VEE_JOB_PARTIAL;
    if (i < n_final)
      g_queue_push_tail (&q->free_final, &q->slots[i]);
  }
  return q;
}

void
w2vee_job_queue_free (W2veeJobQueue *q)
{
  if (q == NULL)
    return;
  for (guint i = 0; i <= q->n_final; i++)
    g_free (q->slots[i].samples);
  g_free (q->slots);
  g_queue_clear (&q->free_final);
  g_queue_clear (&q->waiting);
  g_mutex_clear (&q->lock);
  g_cond_clear (&q->cond);
  g_free (q);
}

gsize
w2vee_job_queue_capacity (const W2veeJobQueue *q)
{
  return q->capacity;
}

/* The partial slot (lock held). */
static W2veeJob *
partial_slot (W2veeJobQueue *q)
{
  return &q->slots[q->n_final];
}

W2veeJob *
w2vee_job_queue_acquire (W2veeJobQueue *q, gboolean wait, W2veeJob *dropped,
    gboolean *did_drop)
{
  W2veeJob *job = NULL;

  *did_drop = FALSE;
  g_mutex_lock (&q->lock);
  while (!q->flushing && !q->stopping) {
    job = g_queue_pop_head (&q->free_final);
    if (job != NULL)
      break;
    if (!wait && (job = g_queue_pop_head (&q->waiting)) != NULL) {
      *dropped = *job;
      dropped->samples = NULL;
      *did_drop = TRUE;
      break;
    }
    g_cond_wait (&q->cond, &q->lock);
  }
  g_mutex_unlock (&q->lock);
  return job;
}

W2veeJob *
w2vee_job_queue_acquire_partial (W2veeJobQueue *q)
{
  W2veeJob *job = NULL;

  g_mutex_lock (&q->lock);
  /* a worker that has final jobs to do skips partials */
  if (!q->partial_busy && !q->flushing && !q->stopping
      && g_queue_is_empty (&q->waiting) && q->running == NULL) {
    q->partial_busy = TRUE;
    job = partial_slot (q);
  }
  g_mutex_unlock (&q->lock);
  return job;
}

/* Makes @job's slot free again (lock held). */
static void
free_slot (W2veeJobQueue *q, W2veeJob *job)
{
  if (job->kind == W2VEE_JOB_PARTIAL) {
    q->partial_busy = FALSE;
    q->partial_waiting = FALSE;
  } else {
    g_queue_push_tail (&q->free_final, job);
  }
  g_cond_broadcast (&q->cond);
}

gboolean
w2vee_job_queue_submit (W2veeJobQueue *q, W2veeJob *job)
{
  gboolean queued = FALSE;

  job->closed_us = g_get_monotonic_time ();
  g_mutex_lock (&q->lock);
  if (q->flushing || q->stopping) {
    free_slot (q, job);
  } else {
    job->epoch = q->epoch;
    if (job->kind == W2VEE_JOB_PARTIAL) {
      q->partial_waiting = TRUE;
    } else {
      g_queue_push_tail (&q->waiting, job);
      if (q->partial_waiting)   /* superseded by this final job */
        free_slot (q, partial_slot (q));
    }
    queued = TRUE;
    g_cond_broadcast (&q->cond);
  }
  g_mutex_unlock (&q->lock);
  return queued;
}

void
w2vee_job_queue_release (W2veeJobQueue *q, W2veeJob *job)
{
  g_mutex_lock (&q->lock);
  free_slot (q, job);
  g_mutex_unlock (&q->lock);
}

guint
w2vee_job_queue_n_waiting (W2veeJobQueue *q)
{
  guint n;

  g_mutex_lock (&q->lock);
  n = q->waiting.length;
  g_mutex_unlock (&q->lock);
  return n;
}

W2veeJob *
w2vee_job_queue_pop (W2veeJobQueue *q)
{
  W2veeJob *job = NULL;

  g_mutex_lock (&q->lock);
  while (!q->stopping) {
    if (!q->flushing) {
      job = g_queue_pop_head (&q->waiting);
      if (job == NULL && q->partial_waiting) {
        q->partial_waiting = FALSE;
        job = partial_slot (q);
      }
      if (job != NULL)
        break;
    }
    g_cond_wait (&q->cond, &q->lock);
  }
  q->running = job;
  g_mutex_unlock (&q->lock);
  return job;
}

gboolean
w2vee_job_queue_begin_emit (W2veeJobQueue *q, const W2veeJob *job)
{
  gboolean current;

  g_mutex_lock (&q->lock);
  current = job->epoch == q->epoch && !q->flushing && !q->stopping;
  q->emitting = current;
  g_mutex_unlock (&q->lock);
  return current;
}

void
w2vee_job_queue_done (W2veeJobQueue *q, W2veeJob *job)
{
  g_mutex_lock (&q->lock);
  q->running = NULL;
  q->emitting = FALSE;
  free_slot (q, job);
  g_mutex_unlock (&q->lock);
}

void
w2vee_job_queue_flush (W2veeJobQueue *q)
{
  W2veeJob *job;

  g_mutex_lock (&q->lock);
  q->flushing = TRUE;
  while ((job = g_queue_pop_head (&q->waiting)) != NULL)
    g_queue_push_tail (&q->free_final, job);
  if (q->partial_waiting)
    free_slot (q, partial_slot (q));
  g_cond_broadcast (&q->cond);
  g_mutex_unlock (&q->lock);
}

void
w2vee_job_queue_unflush (W2veeJobQueue *q)
{
  g_mutex_lock (&q->lock);
  /* a result of the old epoch going out now must be out before the flush ends */
  while (q->emitting)
    g_cond_wait (&q->cond, &q->lock);
  q->epoch++;
  q->flushing = FALSE;
  g_cond_broadcast (&q->cond);
  g_mutex_unlock (&q->lock);
}

void
w2vee_job_queue_stop (W2veeJobQueue *q)
{
  g_mutex_lock (&q->lock);
  q->stopping = TRUE;
  g_cond_broadcast (&q->cond);
  g_mutex_unlock (&q->lock);
}

gboolean
w2vee_job_queue_wait_idle (W2veeJobQueue *q)
{
  gboolean idle;

  g_mutex_lock (&q->lock);
  for (;;) {
    idle = g_queue_is_empty (&q->waiting)
        && (q->running == NULL || q->running->kind == W2VEE_JOB_PARTIAL);
    if (idle || q->flushing || q->stopping)
      break;
    g_cond_wait (&q->cond, &q->lock);
  }
  g_mutex_unlock (&q->lock);
  return idle;
}
