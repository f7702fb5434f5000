/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The worker thread: takes jobs from the job queue (w2vee-jobqueue.h), runs the
 * model, and publishes each result: the element message (finals and partials),
 * the text_src timeline (finals) and the results waiting for an audio buffer's
 * meta (finals, under @results_lock). None of these blocks: the worker waits for
 * nothing but jobs. It owns the W2veeSession while it runs. */
#include "gstwav2vec2ee.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_wav2vec2ee_debug);
#define GST_CAT_DEFAULT gst_wav2vec2ee_debug

static gfloat
unit_interval (gfloat x)
{
  return x >= 0.0f ? MIN (x, 1.0f) : 0.0f;      /* NaN -> 0 */
}

/* Decodes @job (no lock held). Returns the result, or NULL after posting an
 * element error. */
static W2veeGstTranscript *
gst_wav2vec2ee_decode (GstWav2vec2ee * self, const W2veeJob * job)
{
  W2veeModel *model = w2vee_session_get_model (self->session);
  g_autoptr (W2veeTranscript) ctc = NULL;
  g_autoptr (GError) error = NULL;
  W2veeGstTranscript *t;
  const float *logits;
  gsize n_frames;
  gint64 start_us = g_get_monotonic_time (), end_us;

  if (!w2vee_session_run (self->session, job->samples, job->n_samples,
          job->exit, &error)) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
        ("Speech recognition failed: %s", error->message), (NULL));
    return NULL;
  }
  logits = w2vee_session_logits (self->session, job->exit, &n_frames);
  ctc = w2vee_ctc_greedy (model, logits, n_frames);

  t = w2vee_gst_transcript_new (ctc->text);
  t->timestamp = job->pts;
  t->duration = job->duration;
  if (job->segment.format == GST_FORMAT_TIME) {
    t->stream_time = gst_segment_to_stream_time (&job->segment,
        GST_FORMAT_TIME, job->pts);
    t->running_time = gst_segment_to_running_time (&job->segment,
        GST_FORMAT_TIME, job->pts);
  }
  t->exit = job->exit;
  t->layer = w2vee_model_exit_layer (model, job->exit);
  t->confidence = unit_interval (ctc->confidence);
  t->final = job->kind == W2VEE_JOB_FINAL;
  for (guint i = 0; i < ctc->n_words; i++) {
    const W2veeWord *w = &ctc->words[i];
    guint64 end = MIN (w->end_sample, job->n_samples);
    GstClockTime start = job->pts + w2vee_samples_to_ns (w->start_sample);

    w2vee_gst_transcript_add_word (t, w->word, start,
        job->pts + w2vee_samples_to_ns (end) - start,
        unit_interval (w->confidence));
  }

  end_us = g_get_monotonic_time ();
  GST_INFO_OBJECT (self, "%s %" GST_TIME_FORMAT " + %" GST_TIME_FORMAT
      " at exit %u (layer %u): %.1f ms inference (%.3f of real time), "
      "%.1f ms after it was queued: \"%s\"", t->final ? "segment" : "partial",
      GST_TIME_ARGS (job->pts), GST_TIME_ARGS (job->duration), t->exit, t->layer,
      (end_us - start_us) / 1e3,
      (end_us - start_us) * 1e3 / (gdouble) job->duration,
      (end_us - job->closed_us) / 1e3, t->text);
  return t;
}

/* Publishes @t (transfer full) of @job, unless it became stale. */
static void
gst_wav2vec2ee_publish (GstWav2vec2ee * self, const W2veeJob * job,
    W2veeGstTranscript * t)
{
  if (!w2vee_job_queue_begin_emit (self->jobs, job)) {
    GST_DEBUG_OBJECT (self, "dropping the stale result %" GST_TIME_FORMAT,
        GST_TIME_ARGS (t->timestamp));
    w2vee_gst_transcript_free (t);
    return;
  }
  if (t->final) {
    /* queued for the meta before the message goes out: an application that
     * sees the message finds the meta on the next audio buffer */
    g_mutex_lock (&self->results_lock);
    g_queue_push_tail (&self->results, w2vee_gst_transcript_copy (t));
    g_mutex_unlock (&self->results_lock);
    gst_wav2vec2ee_text_result (self, &job->segment, t);
  }
  gst_element_post_message (GST_ELEMENT (self),
      w2vee_gst_message_new_transcript (GST_OBJECT (self), t));
  w2vee_gst_transcript_free (t);
}

static gpointer
gst_wav2vec2ee_worker (gpointer data)
{
  GstWav2vec2ee *self = data;
  W2veeJob *job;

  GST_DEBUG_OBJECT (self, "worker started");
  while ((job = w2vee_job_queue_pop (self->jobs)) != NULL) {
    W2veeGstTranscript *t = gst_wav2vec2ee_decode (self, job);

    if (t != NULL)
      gst_wav2vec2ee_publish (self, job, t);
    else if (job->kind == W2VEE_JOB_FINAL)
      gst_wav2vec2ee_text_unhold (self, job->pts);
    w2vee_job_queue_done (self->jobs, job);
  }
  GST_DEBUG_OBJECT (self, "worker stopped");
  return NULL;
}

gboolean
gst_wav2vec2ee_worker_start (GstWav2vec2ee * self, GError ** error)
{
  self->worker = g_thread_try_new ("wav2vec2ee", gst_wav2vec2ee_worker, self,
      error);
  return self->worker != NULL;
}

/* Waits for the job being decoded, if any; the queue must be stopped. */
void
gst_wav2vec2ee_worker_stop (GstWav2vec2ee * self)
{
  if (self->jobs != NULL)
    w2vee_job_queue_stop (self->jobs);
  if (self->worker != NULL)
    g_thread_join (g_steal_pointer (&self->worker));
}

void
gst_wav2vec2ee_results_clear (GstWav2vec2ee * self)
{
  g_mutex_lock (&self->results_lock);
  g_queue_clear_full (&self->results,
      (GDestroyNotify) w2vee_gst_transcript_free);
  g_mutex_unlock (&self->results_lock);
}

/* Streaming thread: the results published since the last buffer ride on @buffer. */
void
gst_wav2vec2ee_results_attach (GstWav2vec2ee * self, GstBuffer * buffer)
{
  GQueue results = G_QUEUE_INIT;
  W2veeGstTranscript *t;

  g_mutex_lock (&self->results_lock);
  results = self->results;
  g_queue_init (&self->results);
  g_mutex_unlock (&self->results_lock);

  while ((t = g_queue_pop_head (&results)) != NULL) {
    w2vee_buffer_add_transcript_meta (buffer, t);
    w2vee_gst_transcript_free (t);
  }
}
