/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The streaming thread: the audio goes through the segmenter, ended segments and
 * partial views of the open one become jobs (w2vee-jobqueue.h), and the sink
 * events drive the text_src timeline (gstwav2vec2ee-text.c).
 *
 * The fields it owns (gstwav2vec2ee.h, "streaming thread only") need no lock. It
 * waits for the worker in two places only: for a free job slot when the input is
 * not live, and at EOS until every segment is decoded; never for text_src. */
#include "gstwav2vec2ee.h"

#include <string.h>

GST_DEBUG_CATEGORY_EXTERN (gst_wav2vec2ee_debug);
#define GST_CAT_DEFAULT gst_wav2vec2ee_debug

#define SLICE 4096              /* samples fed to the segmenter at a time */
#define MAX_SEGMENTS_PER_PUSH 8
#define DISCONT_THRESHOLD (40 * GST_MSECOND) /* a larger timestamp jump drains */
#define PARTIAL_EXIT 1          /* partial results are decoded at the shallowest exit */

/* GstPad unsets a sink pad's flushing flag before it calls the activation
 * (start()): data and events may arrive while start() runs, or while a fetched
 * model is pending. They wait here for the deferred start(), or until flushing
 * or stopping. Returns GST_FLOW_OK when started, GST_FLOW_ERROR when the fetch
 * failed (its error message is posted), else GST_FLOW_FLUSHING. */
static GstFlowReturn
gst_wav2vec2ee_wait_started (GstWav2vec2ee * self)
{
  GstFlowReturn ret;

  g_mutex_lock (&self->start_lock);
  while (!self->started && self->model_pending && !self->flushing
      && !self->stopping)
    g_cond_wait (&self->start_cond, &self->start_lock);
  ret = self->started ? GST_FLOW_OK : self->fetch_failed ? GST_FLOW_ERROR :
      GST_FLOW_FLUSHING;
  g_mutex_unlock (&self->start_lock);
  return ret;
}

static gboolean
gst_wav2vec2ee_is_started (GstWav2vec2ee * self)
{
  gboolean started;

  g_mutex_lock (&self->start_lock);
  started = self->started;
  g_mutex_unlock (&self->start_lock);
  return started;
}

/* The exit for a segment ending now: the proposed one, resolved and clamped. */
static guint
gst_wav2vec2ee_active_exit (GstWav2vec2ee * self)
{
  guint proposed, n_exits;

  GST_OBJECT_LOCK (self);
  proposed = self->exit;
  n_exits = self->n_exits;
  GST_OBJECT_UNLOCK (self);

  if (proposed == 0)
    return n_exits;
  if (proposed > n_exits) {
    if (proposed != self->warned_exit)
      GST_WARNING_OBJECT (self, "exit %u is out of range 1..%u: using %u",
          proposed, n_exits, n_exits);
    self->warned_exit = proposed;
    return n_exits;
  }
  return proposed;
}

/* Whether upstream is live, asked once per start(): a live source never
 * waits for inference (segments are dropped instead), a non-live one does. */
static gboolean
gst_wav2vec2ee_upstream_live (GstWav2vec2ee * self)
{
  if (self->live < 0) {
    GstQuery *query = gst_query_new_latency ();
    gboolean live = TRUE;       /* unanswered: never block the audio */

    if (gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), query))
      gst_query_parse_latency (query, &live, NULL, NULL);
    gst_query_unref (query);
    self->live = live;
    GST_INFO_OBJECT (self, "upstream is %slive: a full queue %s", live ? "" :
        "not ", live ? "drops the oldest segment" : "waits for inference");
  }
  return self->live;
}

/* Fills @job with the samples [start, start + length) of the pending audio. */
static void
gst_wav2vec2ee_fill_job (GstWav2vec2ee * self, W2veeJob * job, guint64 start,
    gsize length, guint exit)
{
  memcpy (job->samples, &g_array_index (self->pending, float,
          start - self->pending_start), length * sizeof (float));
  job->n_samples = length;
  job->exit = exit;
  job->pts = self->base_pts + w2vee_samples_to_ns (start);
  job->duration = self->base_pts + w2vee_samples_to_ns (start + length) - job->pts;
  job->segment = GST_BASE_TRANSFORM (self)->segment;
}

static gboolean
gst_wav2vec2ee_in_pending (GstWav2vec2ee * self, guint64 start, gsize length)
{
  return start >= self->pending_start
      && start + length <= self->pending_start + self->pending->len;
}

/* Hands a segment to the worker. @wait: wait for a free slot instead of
 * dropping the oldest waiting segment (at EOS, or upstream not live). */
static void
gst_wav2vec2ee_queue_segment (GstWav2vec2ee * self, const W2veeSegment * seg,
    gboolean wait)
{
  W2veeJob *job, dropped;
  gboolean did_drop, live;

  if (!gst_wav2vec2ee_in_pending (self, seg->start, seg->length)) {
    GST_ERROR_OBJECT (self, "segment %" G_GUINT64_FORMAT "+%" G_GSIZE_FORMAT
        " outside the pending audio", seg->start, seg->length);
    return;
  }
  live = gst_wav2vec2ee_upstream_live (self);
  job = w2vee_job_queue_acquire (self->jobs, wait || !live, &dropped, &did_drop);
  if (did_drop) {
    gst_wav2vec2ee_text_unhold (self, dropped.pts);
    GST_ELEMENT_WARNING_WITH_DETAILS (self, RESOURCE, BUSY,
        ("Speech recognition is slower than real time: dropped the segment "
            "%" GST_TIME_FORMAT " - %" GST_TIME_FORMAT ".",
            GST_TIME_ARGS (dropped.pts),
            GST_TIME_ARGS (dropped.pts + dropped.duration)),
        ("%d segments were waiting for inference", N_QUEUED),
        ("dropped-timestamp", G_TYPE_UINT64, (guint64) dropped.pts,
            "dropped-duration", G_TYPE_UINT64, (guint64) dropped.duration,
            NULL));
  }
  if (job == NULL)
    return;                     /* flushing or stopping: the segment is moot */

  gst_wav2vec2ee_fill_job (self, job, seg->start, seg->length,
      gst_wav2vec2ee_active_exit (self));
  job->live = live;
  GST_DEBUG_OBJECT (self, "segment %" GST_TIME_FORMAT " + %" GST_TIME_FORMAT
      " at exit %u", GST_TIME_ARGS (job->pts), GST_TIME_ARGS (job->duration),
      job->exit);
  gst_wav2vec2ee_text_hold (self, job->pts);
  if (!w2vee_job_queue_submit (self->jobs, job))
    gst_wav2vec2ee_text_unhold (self, job->pts);
}

/* While a segment is open, every partial-interval of its audio is decoded early
 * at the shallowest exit, when the worker has time for it. */
static void
gst_wav2vec2ee_maybe_partial (GstWav2vec2ee * self)
{
  W2veeSegment open;
  guint64 from;
  W2veeJob *job;

  if (self->partial_samples == 0 || !w2vee_segmenter_peek (self->segmenter, &open))
    return;
  from = MAX (open.start, self->last_partial);
  if (open.start + open.length < from + self->partial_samples
      || !gst_wav2vec2ee_in_pending (self, open.start, open.length))
    return;
  job = w2vee_job_queue_acquire_partial (self->jobs);
  if (job == NULL) {
    GST_LOG_OBJECT (self, "worker busy: partial skipped");
    return;
  }
  gst_wav2vec2ee_fill_job (self, job, open.start, open.length, PARTIAL_EXIT);
  self->last_partial = open.start + open.length;
  w2vee_job_queue_submit (self->jobs, job);
}

/* Forgets the pending audio and the time base; the next buffer starts both. */
static void
gst_wav2vec2ee_reset (GstWav2vec2ee * self)
{
  if (!gst_wav2vec2ee_is_started (self))
    return;
  w2vee_segmenter_reset (self->segmenter);
  g_array_set_size (self->pending, 0);
  self->pending_start = 0;
  self->position = 0;
  self->last_partial = 0;
  self->base_pts = GST_CLOCK_TIME_NONE;
}

/* Ends the pending segment as silence would, queues it, then resets. */
static void
gst_wav2vec2ee_drain (GstWav2vec2ee * self, gboolean at_eos)
{
  W2veeSegment seg;

  if (!gst_wav2vec2ee_is_started (self))
    return;
  if (GST_CLOCK_TIME_IS_VALID (self->base_pts)) {
    while (w2vee_segmenter_flush (self->segmenter, &seg))
      gst_wav2vec2ee_queue_segment (self, &seg, at_eos);
    gst_wav2vec2ee_text_gap_until (self, &GST_BASE_TRANSFORM (self)->segment,
        self->base_pts + w2vee_samples_to_ns (self->position));
  }
  gst_wav2vec2ee_reset (self);
}

/* The first buffer after a reset fixes the buffer time of position 0. */
static void
gst_wav2vec2ee_start_time_base (GstWav2vec2ee * self, GstClockTime pts)
{
  const GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;

  if (GST_CLOCK_TIME_IS_VALID (pts))
    self->base_pts = pts;
  else if (segment->format == GST_FORMAT_TIME
      && GST_CLOCK_TIME_IS_VALID (segment->start))
    self->base_pts = segment->start;
  else
    self->base_pts = 0;

  gst_wav2vec2ee_text_start (self, segment, self->base_pts);
  /* nothing can be said between the last audio and this buffer */
  gst_wav2vec2ee_text_gap_until (self, segment, self->base_pts);
  GST_DEBUG_OBJECT (self, "time base %" GST_TIME_FORMAT,
      GST_TIME_ARGS (self->base_pts));
}

/* Appends @n samples to the pending audio and runs the segmenter over them. */
static void
gst_wav2vec2ee_feed (GstWav2vec2ee * self, const float *samples, gsize n)
{
  W2veeSegment segs[MAX_SEGMENTS_PER_PUSH];
  guint64 keep;
  gsize got, i;

  g_array_append_vals (self->pending, samples, n);
  got = w2vee_segmenter_push (self->segmenter, samples, n, segs,
      G_N_ELEMENTS (segs));
  for (;;) {
    for (i = 0; i < got; i++)
      gst_wav2vec2ee_queue_segment (self, &segs[i], FALSE);
    if (got < G_N_ELEMENTS (segs))
      break;
    got = w2vee_segmenter_push (self->segmenter, NULL, 0, segs,
        G_N_ELEMENTS (segs));
  }
  self->position += n;

  keep = w2vee_segmenter_keep_from (self->segmenter);
  if (keep > self->pending_start) {
    g_array_remove_range (self->pending, 0, keep - self->pending_start);
    self->pending_start = keep;
  }
}

void
gst_wav2vec2ee_before_transform (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstClockTime stream_time;

  if (trans->segment.format != GST_FORMAT_TIME)
    return;
  stream_time = gst_segment_to_stream_time (&trans->segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buffer));
  if (GST_CLOCK_TIME_IS_VALID (stream_time))
    gst_object_sync_values (GST_OBJECT (trans), stream_time);
}

GstFlowReturn
gst_wav2vec2ee_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (trans);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstFlowReturn ret;
  GstMapInfo map;
  gsize n, done;

  ret = gst_wav2vec2ee_wait_started (self);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_wav2vec2ee_results_attach (self, buffer);

  if (GST_CLOCK_TIME_IS_VALID (self->base_pts) && GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime expected = self->base_pts +
        w2vee_samples_to_ns (self->position);
    GstClockTime diff = pts > expected ? pts - expected : expected - pts;

    if (diff > DISCONT_THRESHOLD) {
      GST_INFO_OBJECT (self, "timestamp %" GST_TIME_FORMAT ", expected %"
          GST_TIME_FORMAT ": ending the segment", GST_TIME_ARGS (pts),
          GST_TIME_ARGS (expected));
      gst_wav2vec2ee_drain (self, FALSE);
    }
  }
  if (!GST_CLOCK_TIME_IS_VALID (self->base_pts))
    gst_wav2vec2ee_start_time_base (self, pts);

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    goto map_failed;
  GST_LOG_OBJECT (self, "buffer %" GST_TIME_FORMAT ", %" G_GSIZE_FORMAT
      " bytes", GST_TIME_ARGS (pts), map.size);

  n = map.size / (self->is_s16 ? sizeof (gint16) : sizeof (float));
  for (done = 0; done < n;) {
    gsize take = MIN (n - done, SLICE);

    if (self->is_s16) {
      const gint16 *in = (const gint16 *) map.data + done;

      for (gsize i = 0; i < take; i++)
        self->scratch[i] = GINT16_FROM_LE (in[i]) / 32768.0f;
      gst_wav2vec2ee_feed (self, self->scratch, take);
    } else if (((guintptr) map.data) % sizeof (float) == 0) {
      gst_wav2vec2ee_feed (self, (const float *) map.data + done, take);
    } else {
      memcpy (self->scratch, map.data + done * sizeof (float),
          take * sizeof (float));
      gst_wav2vec2ee_feed (self, self->scratch, take);
    }
    done += take;
  }
  gst_buffer_unmap (buffer, &map);

  gst_wav2vec2ee_text_gap_until (self, &trans->segment, self->base_pts +
      w2vee_samples_to_ns (w2vee_segmenter_keep_from (self->segmenter)));
  gst_wav2vec2ee_maybe_partial (self);
  return GST_FLOW_OK;

map_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the audio buffer."),
        (NULL));
    return GST_FLOW_ERROR;
  }
}

gboolean
gst_wav2vec2ee_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (filter);
  gboolean is_s16 = GST_AUDIO_INFO_FORMAT (info) == GST_AUDIO_FORMAT_S16LE;

  if (self->have_format && is_s16 != self->is_s16) {
    GST_INFO_OBJECT (self, "format changed to %s: ending the segment",
        gst_audio_format_to_string (GST_AUDIO_INFO_FORMAT (info)));
    gst_wav2vec2ee_drain (self, FALSE);
  }
  self->is_s16 = is_s16;
  self->have_format = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Sink events                                                               */
/* ------------------------------------------------------------------------- */

static void
gst_wav2vec2ee_set_flushing (GstWav2vec2ee * self, gboolean flushing)
{
  g_mutex_lock (&self->start_lock);
  self->flushing = flushing;
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->start_lock);
}

static void
gst_wav2vec2ee_flush_start (GstWav2vec2ee * self, GstEvent * event)
{
  gst_wav2vec2ee_set_flushing (self, TRUE);
  if (self->jobs != NULL)
    w2vee_job_queue_flush (self->jobs);
  gst_wav2vec2ee_text_flush_start (self, event);
}

static void
gst_wav2vec2ee_flush_stop (GstWav2vec2ee * self, GstEvent * event)
{
  if (self->jobs != NULL)
    w2vee_job_queue_unflush (self->jobs);
  gst_wav2vec2ee_results_clear (self);
  gst_wav2vec2ee_reset (self);
  gst_wav2vec2ee_text_flush_stop (self, event);
  gst_wav2vec2ee_set_flushing (self, FALSE);
}

static void
gst_wav2vec2ee_stream_start (GstWav2vec2ee * self, GstEvent * event)
{
  const gchar *stream_id = NULL;
  guint group_id = 0;
  gboolean have_group_id;

  gst_wav2vec2ee_drain (self, FALSE);
  gst_event_parse_stream_start (event, &stream_id);
  have_group_id = gst_event_parse_group_id (event, &group_id);
  gst_wav2vec2ee_text_stream_start (self, stream_id, have_group_id, group_id);
  /* results of the previous stream have no audio buffer left to ride on */
  gst_wav2vec2ee_results_clear (self);
}

/* EOS: every pending segment is decoded and its result published, then EOS is
 * queued on text_src; the audio's EOS does not wait for text_src to take it. */
static void
gst_wav2vec2ee_eos (GstWav2vec2ee * self)
{
  gint64 start_us = g_get_monotonic_time ();

  if (!gst_wav2vec2ee_is_started (self))
    return;
  gst_wav2vec2ee_drain (self, TRUE);
  if (w2vee_job_queue_wait_idle (self->jobs))
    gst_wav2vec2ee_text_eos (self, &GST_BASE_TRANSFORM (self)->segment);
  GST_DEBUG_OBJECT (self, "EOS drained in %" G_GINT64_FORMAT " us",
      g_get_monotonic_time () - start_us);
}

gboolean
gst_wav2vec2ee_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (trans);
  GstEventType type = GST_EVENT_TYPE (event);

  /* while a model URI is fetched, EOS waits like data (it must drain) */
  if (type == GST_EVENT_EOS) {
    GstFlowReturn flow = gst_wav2vec2ee_wait_started (self);

    if (flow != GST_FLOW_OK) {
      GST_DEBUG_OBJECT (self, "dropping %" GST_PTR_FORMAT ": no model (%s)",
          event, gst_flow_get_name (flow));
      gst_event_unref (event);
      return FALSE;
    }
  }

  switch (type) {
    case GST_EVENT_FLUSH_START:
      gst_wav2vec2ee_flush_start (self, event);
      break;
    case GST_EVENT_FLUSH_STOP:
      gst_wav2vec2ee_flush_stop (self, event);
      break;
    case GST_EVENT_STREAM_START:
      gst_wav2vec2ee_stream_start (self, event);
      break;
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;

      /* the pending audio belongs to the old segment (running time) */
      gst_event_parse_segment (event, &segment);
      if (gst_wav2vec2ee_segment_differs (segment, &trans->segment))
        gst_wav2vec2ee_drain (self, FALSE);
      break;
    }
    case GST_EVENT_GAP:{
      GstClockTime ts, duration;

      gst_wav2vec2ee_drain (self, FALSE);
      gst_event_parse_gap (event, &ts, &duration);
      if (!GST_CLOCK_TIME_IS_VALID (ts))
        break;
      /* a stream may start with a GAP */
      gst_wav2vec2ee_text_start (self, &trans->segment, ts);
      gst_wav2vec2ee_text_gap_until (self, &trans->segment,
          GST_CLOCK_TIME_IS_VALID (duration) ? ts + duration : ts);
      break;
    }
    case GST_EVENT_EOS:
      gst_wav2vec2ee_eos (self);
      break;
    default:
      break;
  }

  return GST_BASE_TRANSFORM_CLASS (g_type_class_peek (GST_TYPE_AUDIO_FILTER))
      ->sink_event (trans, event);
}

/* start(): the streaming state as at the start of a stream. */
void
gst_wav2vec2ee_audio_reset_state (GstWav2vec2ee * self)
{
  self->pending_start = 0;
  self->position = 0;
  self->last_partial = 0;
  self->base_pts = GST_CLOCK_TIME_NONE;
  self->warned_exit = 0;
  self->live = -1;
  /* not have_format: setup() may run on a streaming thread already (GstPad
   * clears flushing before start()); stop() clears it, when no thread streams */
}
