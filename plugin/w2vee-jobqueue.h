/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The wav2vec2ee element's job queue: segments of audio waiting for inference.
 *
 * Pad-free and element-free (it uses GStreamer's time types only), so it is unit
 * tested on its own (tests/element/test-jobqueue.c). One producer (the streaming
 * thread), one consumer (the worker thread), one lock of its own: the queue's lock
 * is never held across inference, a push or a message post, and never together
 * with any other lock of the element.
 *
 * Slots: @n_final slots for final jobs (segments that ended) and one slot for a
 * partial job (the audio of the segment still open, decoded early). Every slot
 * holds up to @capacity samples, allocated once in w2vee_job_queue_new().
 *
 * Rules:
 *   - the worker takes final jobs oldest first, and the partial job only when no
 *     final one waits: partials never delay finals;
 *   - a final job submitted while the partial job still waits discards it (the
 *     final result replaces it anyway);
 *   - when every final slot is taken, the producer either waits for one
 *     (non-live input: the pipeline runs at the speed of inference) or takes back
 *     the oldest waiting job (live input: that segment is dropped, reported to the
 *     caller);
 *   - flushing drops every waiting job and makes results of older jobs stale
 *     (their epoch is past); the job being decoded finishes, its result dropped.
 */
#ifndef W2VEE_JOBQUEUE_H
#define W2VEE_JOBQUEUE_H

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  W2VEE_JOB_FINAL,      /* a segment that ended: its result is final */
  W2VEE_JOB_PARTIAL,    /* the open segment so far: its result is provisional */
} W2veeJobKind;

typedef struct {
  W2veeJobKind kind;    /* set by the queue: which slot this is */
  float *samples;       /* (capacity) 16 kHz mono, the segment's audio */
  gsize n_samples;      /* samples of this job, <= capacity */
  guint exit;           /* exit to decode at, 1..n_exits */
  guint epoch;          /* queue epoch at submission; stale after a flush */
  GstClockTime pts;     /* segment start, buffer time, nanoseconds */
  GstClockTime duration;        /* segment length (so far), nanoseconds, > 0 */
  GstSegment segment;   /* the audio segment when the job was made */
  gint64 closed_us;     /* g_get_monotonic_time () at submission, microseconds */
  gboolean live;        /* the input is live: the producer never waits for a slot */
} W2veeJob;

typedef struct _W2veeJobQueue W2veeJobQueue;

/* NULL when the slots cannot be allocated (@capacity samples each). */
W2veeJobQueue *w2vee_job_queue_new (guint n_final, gsize capacity);
void w2vee_job_queue_free (W2veeJobQueue *queue);
gsize w2vee_job_queue_capacity (const W2veeJobQueue *queue);

/* Producer. A free final slot, or NULL when flushing or stopping. When none is
 * free: with @wait, waits; else takes back the oldest waiting job and copies it to
 * @dropped (its pts and duration tell what was lost) and sets *@did_drop. */
W2veeJob *w2vee_job_queue_acquire (W2veeJobQueue *queue, gboolean wait,
    W2veeJob *dropped, gboolean *did_drop);
/* Producer. The partial slot if the worker is idle (no job waiting or being
 * decoded) and the queue is not flushing; else NULL (the partial is skipped). */
W2veeJob *w2vee_job_queue_acquire_partial (W2veeJobQueue *queue);
/* Producer. Queues an acquired job (stamps its epoch and closed_us). Returns FALSE
 * and frees the slot when the queue is flushing or stopping. */
gboolean w2vee_job_queue_submit (W2veeJobQueue *queue, W2veeJob *job);
/* Producer. Gives back an acquired job without queueing it. */
void w2vee_job_queue_release (W2veeJobQueue *queue, W2veeJob *job);

/* Final jobs waiting (not the one being decoded). */
guint w2vee_job_queue_n_waiting (W2veeJobQueue *queue);
/* Consumer. The next job (finals first), or NULL once stopping. */
W2veeJob *w2vee_job_queue_pop (W2veeJobQueue *queue);
/* Consumer, after decoding @job: TRUE when its result may go out (same epoch, not
 * flushing or stopping); then the queue counts it as being emitted until
 * w2vee_job_queue_done(). */
gboolean w2vee_job_queue_begin_emit (W2veeJobQueue *queue, const W2veeJob *job);
/* Consumer. Frees @job's slot (and ends its emission). */
void w2vee_job_queue_done (W2veeJobQueue *queue, W2veeJob *job);

/* Drops the waiting jobs and wakes every waiter; stays flushing until unflush. */
void w2vee_job_queue_flush (W2veeJobQueue *queue);
/* Ends flushing: waits until no result is being emitted, bumps the epoch. */
void w2vee_job_queue_unflush (W2veeJobQueue *queue);
/* Makes pop() return NULL and every waiter give up; for the worker to exit. */
void w2vee_job_queue_stop (W2veeJobQueue *queue);
/* Waits until no final job waits or runs. FALSE when interrupted by a flush or
 * stop. */
gboolean w2vee_job_queue_wait_idle (W2veeJobQueue *queue);

G_END_DECLS

#endif /* W2VEE_JOBQUEUE_H */
