/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The element's job queue (plugin/w2vee-jobqueue.c) on its own, without pads:
 * ordering, drop-oldest, waiting, flushing and epochs, partial-job rules, stop. */
#include <gst/gst.h>

#include "w2vee-jobqueue.h"

#define CAPACITY 64

/* Acquires a final slot (never waiting), fills it with @pts and submits it. */
static void
submit_final (W2veeJobQueue * q, GstClockTime pts, gboolean * dropped_any,
    GstClockTime * dropped_pts)
{
  W2veeJob dropped;
  gboolean did_drop;
  W2veeJob *job = w2vee_job_queue_acquire (q, FALSE, &dropped, &did_drop);

  g_assert_nonnull (job);
  g_assert_cmpint (job->kind, ==, W2VEE_JOB_FINAL);
  if (dropped_any != NULL)
    *dropped_any = did_drop;
  if (did_drop && dropped_pts != NULL)
    *dropped_pts = dropped.pts;
  job->pts = pts;
  job->n_samples = 1;
  job->samples[0] = (float) pts;
  g_assert_true (w2vee_job_queue_submit (q, job));
}

static void
test_order (void)
{
  W2veeJobQueue *q = w2vee_job_queue_new (3, CAPACITY);

  g_assert_cmpuint (w2vee_job_queue_capacity (q), ==, CAPACITY);
  for (guint i = 0; i < 3; i++)
    submit_final (q, i, NULL, NULL);
  for (guint i = 0; i < 3; i++) {
    W2veeJob *job = w2vee_job_queue_pop (q);

    g_assert_cmpuint (job->pts, ==, i);
    g_assert_cmpfloat (job->samples[0], ==, (float) i);
    g_assert_true (w2vee_job_queue_begin_emit (q, job));
    w2vee_job_queue_done (q, job);
  }
  g_assert_true (w2vee_job_queue_wait_idle (q));
  w2vee_job_queue_free (q);
}

/* Live: a full queue gives back its oldest waiting job, reported as dropped. */
static void
test_drop_oldest (void)
{
  W2veeJobQueue *q = w2vee_job_queue_new (3, CAPACITY);
  gboolean dropped;
  GstClockTime dropped_pts = GST_CLOCK_TIME_NONE;
  W2veeJob *running;

  submit_final (q, 0, &dropped, NULL);
  running = w2vee_job_queue_pop (q);      /* job 0 is being decoded */
  submit_final (q, 1, &dropped, NULL);
  g_assert_false (dropped);
  submit_final (q, 2, &dropped, NULL);
  g_assert_false (dropped);
  submit_final (q, 3, &dropped, &dropped_pts);
  g_assert_true (dropped);
  g_assert_cmpuint (dropped_pts, ==, 1);
  w2vee_job_queue_done (q, running);
  g_assert_cmpuint (w2vee_job_queue_pop (q)->pts, ==, 2);
  w2vee_job_queue_stop (q);
  w2vee_job_queue_free (q);
}

typedef struct {
  W2veeJobQueue *q;
  gint acquired;                /* atomic */
} Producer;

static gpointer
wait_for_slot (gpointer data)
{
  Producer *p = data;
  W2veeJob dropped;
  gboolean did_drop;
  W2veeJob *job = w2vee_job_queue_acquire (p->q, TRUE, &dropped, &did_drop);

  g_assert_false (did_drop);
  g_atomic_int_set (&p->acquired, job != NULL ? 1 : -1);
  if (job != NULL)
    w2vee_job_queue_release (p->q, job);
  return NULL;
}

/* Not live: a full queue makes the producer wait until a slot is free. */
static void
test_wait_for_slot (void)
{
  Producer p = { w2vee_job_queue_new (1, CAPACITY), 0 };
  W2veeJob *job;
  GThread *thread;

  submit_final (p.q, 0, NULL, NULL);
  thread = g_thread_new ("producer", wait_for_slot, &p);
  g_usleep (50 * 1000);
  g_assert_cmpint (g_atomic_int_get (&p.acquired), ==, 0);
  job = w2vee_job_queue_pop (p.q);
  w2vee_job_queue_done (p.q, job);
  g_thread_join (thread);
  g_assert_cmpint (p.acquired, ==, 1);

  /* stop releases a waiting producer with nothing */
  submit_final (p.q, 1, NULL, NULL);
  p.acquired = 0;
  thread = g_thread_new ("producer", wait_for_slot, &p);
  g_usleep (50 * 1000);
  w2vee_job_queue_stop (p.q);
  g_thread_join (thread);
  g_assert_cmpint (p.acquired, ==, -1);
  g_assert_null (w2vee_job_queue_pop (p.q));
  w2vee_job_queue_free (p.q);
}

/* A flush drops the waiting jobs; the running one's result is stale. */
static void
test_flush (void)
{
  W2veeJobQueue *q = w2vee_job_queue_new (3, CAPACITY);
  W2veeJob *running, *job, dropped;
  gboolean did_drop;

  submit_final (q, 0, NULL, NULL);
  submit_final (q, 1, NULL, NULL);
  running = w2vee_job_queue_pop (q);
  w2vee_job_queue_flush (q);
  /* flushing: no slot, no partial, submissions refused */
  g_assert_null (w2vee_job_queue_acquire (q, TRUE, &dropped, &did_drop));
  g_assert_null (w2vee_job_queue_acquire_partial (q));
  g_assert_false (w2vee_job_queue_wait_idle (q));
  g_assert_false (w2vee_job_queue_begin_emit (q, running));
  w2vee_job_queue_done (q, running);
  w2vee_job_queue_unflush (q);

  /* all 3 slots free again; a job of the new epoch goes out */
  for (guint i = 0; i < 3; i++)
    submit_final (q, 10 + i, &did_drop, NULL);
  g_assert_false (did_drop);
  job = w2vee_job_queue_pop (q);
  g_assert_cmpuint (job->pts, ==, 10);
  g_assert_true (w2vee_job_queue_begin_emit (q, job));
  w2vee_job_queue_done (q, job);

  /* a job popped before a flush and finished after it is stale too */
  job = w2vee_job_queue_pop (q);
  w2vee_job_queue_flush (q);
  w2vee_job_queue_unflush (q);
  g_assert_false (w2vee_job_queue_begin_emit (q, job));
  w2vee_job_queue_done (q, job);
  w2vee_job_queue_stop (q);
  w2vee_job_queue_free (q);
}

/* Partials: only when the worker is idle; finals first; a final submitted
 * while the partial waits discards it; one partial at a time. */
static void
test_partial (void)
{
  W2veeJobQueue *q = w2vee_job_queue_new (3, CAPACITY);
  W2veeJob *partial, *job;

  partial = w2vee_job_queue_acquire_partial (q);
  g_assert_nonnull (partial);
  g_assert_cmpint (partial->kind, ==, W2VEE_JOB_PARTIAL);
  g_assert_null (w2vee_job_queue_acquire_partial (q));  /* one at a time */
  partial->pts = 100;
  g_assert_true (w2vee_job_queue_submit (q, partial));
  g_assert_true (w2vee_job_queue_wait_idle (q));        /* partials don't count */

  /* a final arrives: the waiting partial is discarded, the final runs */
  submit_final (q, 0, NULL, NULL);
  job = w2vee_job_queue_pop (q);
  g_assert_cmpint (job->kind, ==, W2VEE_JOB_FINAL);
  /* worker busy: partials are skipped */
  g_assert_null (w2vee_job_queue_acquire_partial (q));
  w2vee_job_queue_done (q, job);

  /* idle again: a partial, then a final submitted while it runs waits */
  partial = w2vee_job_queue_acquire_partial (q);
  g_assert_nonnull (partial);
  g_assert_true (w2vee_job_queue_submit (q, partial));
  job = w2vee_job_queue_pop (q);
  g_assert_cmpint (job->kind, ==, W2VEE_JOB_PARTIAL);
  submit_final (q, 1, NULL, NULL);
  g_assert_true (w2vee_job_queue_begin_emit (q, job));
  w2vee_job_queue_done (q, job);
  job = w2vee_job_queue_pop (q);
  g_assert_cmpint (job->kind, ==, W2VEE_JOB_FINAL);
  g_assert_cmpuint (job->pts, ==, 1);
  w2vee_job_queue_done (q, job);

  /* finals before a waiting partial */
  partial = w2vee_job_queue_acquire_partial (q);
  w2vee_job_queue_release (q, partial);   /* given back unused */
  g_assert_nonnull (w2vee_job_queue_acquire_partial (q));
  w2vee_job_queue_stop (q);
  w2vee_job_queue_free (q);
}

typedef struct {
  W2veeJobQueue *q;
  guint n_jobs;
  guint seen;
} Consumer;

static gpointer
consume (gpointer data)
{
  Consumer *c = data;
  W2veeJob *job;

  while ((job = w2vee_job_queue_pop (c->q)) != NULL) {
    g_assert_cmpuint (job->pts, ==, c->seen);
    c->seen++;
    if (w2vee_job_queue_begin_emit (c->q, job))
      g_usleep (100);
    w2vee_job_queue_done (c->q, job);
  }
  return NULL;
}

/* A producer and a consumer thread: every job arrives once, in order, and
 * wait_idle returns when the last one is done. */
static void
test_threads (void)
{
  Consumer c = { w2vee_job_queue_new (3, CAPACITY), 2000, 0 };
  GThread *thread = g_thread_new ("consumer", consume, &c);

  for (guint i = 0; i < c.n_jobs; i++) {
    W2veeJob dropped;
    gboolean did_drop;
    W2veeJob *job = w2vee_job_queue_acquire (c.q, TRUE, &dropped, &did_drop);

    g_assert_false (did_drop);
    job->pts = i;
    g_assert_true (w2vee_job_queue_submit (c.q, job));
  }
  g_assert_true (w2vee_job_queue_wait_idle (c.q));
  w2vee_job_queue_stop (c.q);
  g_thread_join (thread);
  g_assert_cmpuint (c.seen, ==, c.n_jobs);
  w2vee_job_queue_free (c.q);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/jobqueue/order", test_order);
  g_test_add_func ("/jobqueue/drop-oldest", test_drop_oldest);
  g_test_add_func ("/jobqueue/wait-for-slot", test_wait_for_slot);
  g_test_add_func ("/jobqueue/flush", test_flush);
  g_test_add_func ("/jobqueue/partial", test_partial);
  g_test_add_func ("/jobqueue/threads", test_threads);
  return g_test_run ();
}
