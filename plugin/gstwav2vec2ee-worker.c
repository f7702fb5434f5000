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

/* Before the worker starts: the model's confidence rule and threshold
 * (early_exit.json in its directory), else agreement at 0.81. */
void
gst_wav2vec2ee_worker_load_policy (GstWav2vec2ee * self, W2veeModel * model)
{
  g_autoptr (GError) error = NULL;

  if (!w2vee_exit_policy_load (w2vee_model_path (model), &self->model_rule,
          &self->model_threshold, &error)) {
    if (!g_error_matches (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND))
      GST_WARNING_OBJECT (self, "%s: using agreement >= 0.81", error->message);
    self->model_rule = W2VEE_SCORE_AGREEMENT;
    self->model_threshold = 0.81;
  }
  self->prev_end = GST_CLOCK_TIME_NONE;
  self->pace = 0;
  GST_INFO_OBJECT (self, "confidence policy: %s >= %g",
      w2vee_score_name (self->model_rule), self->model_threshold);
}

/* Live input: the wall time the worker may spend on @job and still keep up
 * with the input: 90 % of the wall time its audio since the previous segment's
 * end took to arrive, at the measured pace (-1: no bound yet, or not live). */
static gdouble
gst_wav2vec2ee_keep_up_budget (GstWav2vec2ee * self, const W2veeJob * job)
{
  GstClockTime end = job->pts + job->duration;
  gdouble budget = -1, audio_s;

  if (!job->live) {
    self->prev_end = GST_CLOCK_TIME_NONE;
    return -1;
  }
  if (GST_CLOCK_TIME_IS_VALID (self->prev_end) && end > self->prev_end) {
    gdouble pace;

    audio_s = (end - self->prev_end) / 1e9;
    pace = (job->closed_us - self->prev_closed_us) / 1e6 / audio_s;
    self->pace = self->pace > 0 ? self->pace + 0.25 * (pace - self->pace) : pace;
    budget = 0.9 * self->pace * audio_s;
  }
  self->prev_end = end;
  self->prev_closed_us = job->closed_us;
  return budget;
}

/* Runs @job's audio at the exit the active policy picks (at most job->exit, the
 * deepest allowed); returns that exit, or 0 after posting an element error. */
static guint
gst_wav2vec2ee_run_policy (GstWav2vec2ee * self, const W2veeJob * job)
{
  g_autoptr (GError) error = NULL;
  GstWav2vec2eeExitPolicy policy;
  gdouble threshold;
  GstClockTime max_latency;
  guint exit = job->exit;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  policy = self->exit_policy;
  threshold = self->exit_threshold;
  max_latency = self->max_latency;
  GST_OBJECT_UNLOCK (self);

  if (job->kind == W2VEE_JOB_PARTIAL)
    policy = GST_WAV2VEC2EE_EXIT_POLICY_FIXED;
  switch (policy) {
    case GST_WAV2VEC2EE_EXIT_POLICY_CONFIDENCE:
      ok = w2vee_session_run_confident (self->session, job->samples,
          job->n_samples, self->model_rule,
          threshold < 0 ? self->model_threshold : threshold, job->exit, &exit,
          &error);
      break;
    case GST_WAV2VEC2EE_EXIT_POLICY_DEADLINE:{
      /* the time left of max-latency since the segment ended, less what the
       * segments waiting behind it need at exit 1; and, for live input, no more
       * than the input's pace leaves per segment (else the queue fills) */
      gdouble waited = (g_get_monotonic_time () - job->closed_us) / 1e6;
      gdouble budget = max_latency / 1e9 - waited -
          w2vee_job_queue_n_waiting (self->jobs) *
          w2vee_session_predict_seconds (self->session, job->n_samples, 1);
      gdouble keep_up = gst_wav2vec2ee_keep_up_budget (self, job);

      if (keep_up >= 0)
        budget = MIN (budget, keep_up);

      exit = MIN (job->exit, w2vee_session_deepest_exit_within (self->session,
              job->n_samples, budget));
      GST_LOG_OBJECT (self, "deadline: %.3f s left: exit %u", budget, exit);
    }
      /* fall through */
    default:
      ok = w2vee_session_run (self->session, job->samples, job->n_samples, exit,
          &error);
      break;
  }
  if (!ok) {
    GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
        ("Speech recognition failed: %s", error->message), (NULL));
    return 0;
  }
  return exit;
}

/* Decodes @job (no lock held). Returns the result, or NULL after posting an
 * element error. */
static W2veeGstTranscript *
gst_wav2vec2ee_decode (GstWav2vec2ee * self, const W2veeJob * job)
{
  W2veeModel *model = w2vee_session_get_model (self->session);
  g_autoptr (W2veeTranscript) ctc = NULL;
  W2veeGstTranscript *t;
  const float *logits;
  gsize n_frames;
  gint64 start_us = g_get_monotonic_time (), end_us;
  guint exit = gst_wav2vec2ee_run_policy (self, job);

  if (exit == 0)
    return NULL;
  logits = w2vee_session_logits (self->session, exit, &n_frames);
  /* finals by the beam search when there is one; partials always greedy (cheap) */
  if (self->decoder != NULL && job->kind == W2VEE_JOB_FINAL) {
    g_autoptr (GError) error = NULL;

    ctc = w2vee_decoder_decode (self->decoder, logits, n_frames, &error);
    if (ctc == NULL) {
      GST_ELEMENT_ERROR (self, LIBRARY, FAILED,
          ("Speech recognition failed: %s", error->message), (NULL));
      return NULL;
    }
  } else {
    ctc = w2vee_ctc_greedy (model, logits, n_frames);
  }

  t = w2vee_gst_transcript_new (ctc->text);
  t->timestamp = job->pts;
  t->duration = job->duration;
  if (job->segment.format == GST_FORMAT_TIME) {
    t->stream_time = gst_segment_to_stream_time (&job->segment,
        GST_FORMAT_TIME, job->pts);
    t->running_time = gst_segment_to_running_time (&job->segment,
        GST_FORMAT_TIME, job->pts);
  }
  t->exit = exit;
  t->layer = w2vee_model_exit_layer (model, exit);
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

/* The transcript message, plus the exits the session evaluated for it:
 * `exits-evaluated` (uint) and `scores` (GstValueArray of doubles, the model's
 * confidence rule for exits 1..exits-evaluated, 0..1). */
static GstMessage *
gst_wav2vec2ee_result_message (GstWav2vec2ee * self, const W2veeGstTranscript * t)
{
  GstMessage *msg = w2vee_gst_message_new_transcript (GST_OBJECT (self), t);
  guint n = w2vee_session_last_exit (self->session);
  GValue scores = G_VALUE_INIT, score = G_VALUE_INIT;

  g_value_init (&scores, GST_TYPE_ARRAY);
  g_value_init (&score, G_TYPE_DOUBLE);
  for (guint e = 1; e <= n; e++) {
    g_value_set_double (&score, w2vee_session_exit_score (self->session, e,
            self->model_rule));
    gst_value_array_append_value (&scores, &score);
  }
  gst_structure_set (gst_message_writable_structure (msg), "exits-evaluated",
      G_TYPE_UINT, n, NULL);
  gst_structure_take_value (gst_message_writable_structure (msg), "scores",
      &scores);
  g_value_unset (&score);
  return msg;
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
      gst_wav2vec2ee_result_message (self, t));
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
