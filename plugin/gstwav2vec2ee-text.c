/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The text_src timeline and the pad task that pushes it.
 *
 * The streaming thread and the worker only *queue* what text_src must carry
 * (under text.lock, which they never hold across anything else); a pad task on
 * text_src, started when the pad is activated, pushes it. So a text sink that
 * blocks (prerolling in PAUSED, textoverlay waiting for video, an unconsumed
 * queue) blocks only that task: the audio, the worker, the bus messages and EOS
 * go on.
 *
 * What goes out, in order: stream-start (stream id = the audio's + "/text", the
 * audio's group id, flag SPARSE) and caps; a segment (the audio's, with its
 * position reset to its start, sent again only when the segment itself changes);
 * a GAP of 0 ns at the first audio time, so that a sink can preroll before the
 * first caption; then buffers (one per final result, PTS = segment start,
 * duration = segment length) and GAP events up to the time before which no
 * caption can come any more; EOS after the audio's EOS was drained.
 *
 * The time before which no caption can come is the smaller of @gap_until (set by
 * the streaming thread: the segmenter will start no segment before it) and the
 * starts of the segments being decoded (@holds): a GAP never runs past a caption
 * that is still to come.
 */
#include "gstwav2vec2ee.h"

GST_DEBUG_CATEGORY_EXTERN (gst_wav2vec2ee_debug);
#define GST_CAT_DEFAULT gst_wav2vec2ee_debug

#define GAP_MIN (100 * GST_MSECOND)     /* shortest GAP event pushed on text_src */
#define MAX_ITEMS 1024          /* captions queued for a text sink that blocks */

#define TEXT_CAPS "text/x-raw, format = (string) utf8"

static void
clear_holds (GstWav2vec2eeText * text)
{
  for (guint i = 0; i < G_N_ELEMENTS (text->holds); i++)
    text->holds[i] = GST_CLOCK_TIME_NONE;
}

/* Queues @item (transfer full) for the pad task (lock held). GAPs that follow
 * each other merge; past MAX_ITEMS, captions are dropped (events never are). */
static void
enqueue (GstWav2vec2ee * self, GstMiniObject * item)
{
  GstWav2vec2eeText *text = &self->text;
  GstMiniObject *tail = g_queue_peek_tail (&text->items);

  if (text->flushing) {
    gst_mini_object_unref (item);
    return;
  }
  if (GST_IS_EVENT (item) && GST_EVENT_TYPE (item) == GST_EVENT_GAP
      && tail != NULL && GST_IS_EVENT (tail)
      && GST_EVENT_TYPE (tail) == GST_EVENT_GAP) {
    GstClockTime ts0, d0, ts1, d1;

    gst_event_parse_gap (GST_EVENT (tail), &ts0, &d0);
    gst_event_parse_gap (GST_EVENT (item), &ts1, &d1);
    if (ts0 + d0 == ts1) {
      g_queue_pop_tail (&text->items);
      gst_mini_object_unref (tail);
      gst_mini_object_unref (item);
      item = GST_MINI_OBJECT (gst_event_new_gap (ts0, d0 + d1));
    }
  } else if (GST_IS_BUFFER (item) && text->items.length >= MAX_ITEMS) {
    if (text->n_dropped++ == 0)
      GST_WARNING_OBJECT (self, "text_src is not consumed: dropping captions");
    gst_mini_object_unref (item);
    return;
  }
  g_queue_push_tail (&text->items, item);
  g_cond_signal (&text->cond);
}

/* Queues the sticky events text_src needs before anything at @segment (lock
 * held). The position is not the text's: reset to the start, so that a text
 * consumer (textoverlay) does not think the text is further than it is. */
static void
ensure_sticky (GstWav2vec2ee * self, const GstSegment * segment)
{
  GstWav2vec2eeText *text = &self->text;
  GstSegment fallback;

  if (text->need_stream_start) {
    g_autofree gchar *stream_id = text->stream_id != NULL
        ? g_strdup_printf ("%s/text", text->stream_id)
        : g_strdup_printf ("%08x%08x/text", g_random_int (), g_random_int ());
    GstEvent *event = gst_event_new_stream_start (stream_id);
    GstCaps *caps = gst_caps_from_string (TEXT_CAPS);

    gst_event_set_stream_flags (event, GST_STREAM_FLAG_SPARSE);
    gst_event_set_group_id (event, text->have_group_id ? text->group_id :
        gst_util_group_id_next ());
    enqueue (self, GST_MINI_OBJECT (event));
    enqueue (self, GST_MINI_OBJECT (gst_event_new_caps (caps)));
    gst_caps_unref (caps);
    text->need_stream_start = FALSE;
  }
  if (segment->format != GST_FORMAT_TIME) {
    /* no (time) segment from upstream, e.g. EOS before any data */
    gst_segment_init (&fallback, GST_FORMAT_TIME);
    segment = &fallback;
  }
  if (text->need_segment
      || gst_wav2vec2ee_segment_differs (segment, &text->segment)) {
    text->segment = *segment;
    text->segment.position = text->segment.start;
    text->segment.duration = GST_CLOCK_TIME_NONE;
    enqueue (self, GST_MINI_OBJECT (gst_event_new_segment (&text->segment)));
    text->need_segment = FALSE;
  }
}

/* Queues a GAP up to the time before which no caption can come any more, when
 * that is at least GAP_MIN ahead (lock held). */
static void
try_gap (GstWav2vec2ee * self)
{
  GstWav2vec2eeText *text = &self->text;
  GstClockTime until = text->gap_until;

  if (text->eos || !GST_CLOCK_TIME_IS_VALID (text->position)
      || !GST_CLOCK_TIME_IS_VALID (until))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (text->holds); i++)
    if (GST_CLOCK_TIME_IS_VALID (text->holds[i]))
      until = MIN (until, text->holds[i]);
  if (until < text->position + GAP_MIN)
    return;
  ensure_sticky (self, &text->segment);
  enqueue (self, GST_MINI_OBJECT (gst_event_new_gap (text->position,
              until - text->position)));
  text->position = until;
}

static void
gst_wav2vec2ee_text_loop (gpointer data)
{
  GstWav2vec2ee *self = data;
  GstWav2vec2eeText *text = &self->text;
  GstMiniObject *item;
  GstFlowReturn ret;

  g_mutex_lock (&text->lock);
  while (!text->flushing && g_queue_is_empty (&text->items))
    g_cond_wait (&text->cond, &text->lock);
  if (text->flushing) {
    g_mutex_unlock (&text->lock);
    gst_pad_pause_task (self->text_srcpad);
    return;
  }
  item = g_queue_pop_head (&text->items);
  g_mutex_unlock (&text->lock);

  if (GST_IS_EVENT (item)) {
    GST_LOG_OBJECT (self, "text_src: %" GST_PTR_FORMAT, item);
    gst_pad_push_event (self->text_srcpad, GST_EVENT (item));
    return;
  }
  /* unlinked or failing text_src does not concern the audio */
  ret = gst_pad_push (self->text_srcpad, GST_BUFFER (item));
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "text_src: %s", gst_flow_get_name (ret));
}

static gboolean
gst_wav2vec2ee_text_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (parent);
  GstWav2vec2eeText *text = &self->text;

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&text->lock);
  text->flushing = !active;
  if (!active)
    g_queue_clear_full (&text->items, (GDestroyNotify) gst_mini_object_unref);
  g_cond_broadcast (&text->cond);
  g_mutex_unlock (&text->lock);
  if (active)
    return gst_pad_start_task (pad, gst_wav2vec2ee_text_loop, self, NULL);
  return gst_pad_stop_task (pad);
}

static gboolean
gst_wav2vec2ee_text_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      GstClockTime min, max, latency;
      gboolean live;

      if (!gst_pad_peer_query (GST_BASE_TRANSFORM_SINK_PAD (self), query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);
      if (live) {
        GST_OBJECT_LOCK (self);
        latency = self->text_latency;
        GST_OBJECT_UNLOCK (self);
        min += latency;
        if (GST_CLOCK_TIME_IS_VALID (max))
          max += latency;
        GST_DEBUG_OBJECT (self, "text_src latency: min %" GST_TIME_FORMAT
            " max %" GST_TIME_FORMAT, GST_TIME_ARGS (min), GST_TIME_ARGS (max));
        gst_query_set_latency (query, live, min, max);
      }
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_wav2vec2ee_text_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_QOS:
    case GST_EVENT_NAVIGATION:
    case GST_EVENT_RECONFIGURE:
      /* about the text stream only: nothing upstream can act on them */
      gst_event_unref (event);
      return TRUE;
    default:
      /* seeks and latency go upstream through the audio sink pad */
      return gst_pad_event_default (pad, parent, event);
  }
}

void
gst_wav2vec2ee_text_init (GstWav2vec2ee * self)
{
  GstWav2vec2eeText *text = &self->text;
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self),
      "text_src");

  g_mutex_init (&text->lock);
  g_cond_init (&text->cond);
  g_queue_init (&text->items);
  text->flushing = TRUE;
  gst_segment_init (&text->segment, GST_FORMAT_TIME);
  gst_wav2vec2ee_text_reset (self);

  self->text_srcpad = gst_pad_new_from_template (templ, "text_src");
  gst_pad_set_query_function (self->text_srcpad,
      GST_DEBUG_FUNCPTR (gst_wav2vec2ee_text_query));
  gst_pad_set_event_function (self->text_srcpad,
      GST_DEBUG_FUNCPTR (gst_wav2vec2ee_text_event));
  gst_pad_set_activatemode_function (self->text_srcpad,
      GST_DEBUG_FUNCPTR (gst_wav2vec2ee_text_activate_mode));
  gst_pad_use_fixed_caps (self->text_srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->text_srcpad);
}

void
gst_wav2vec2ee_text_finalize (GstWav2vec2ee * self)
{
  GstWav2vec2eeText *text = &self->text;

  g_queue_clear_full (&text->items, (GDestroyNotify) gst_mini_object_unref);
  g_free (text->stream_id);
  g_mutex_clear (&text->lock);
  g_cond_clear (&text->cond);
}

/* A new text stream follows (lock held): stream-start, caps and a segment are
 * due, no time is known yet. */
static void
restart_stream (GstWav2vec2eeText * text)
{
  text->position = GST_CLOCK_TIME_NONE;
  text->gap_until = GST_CLOCK_TIME_NONE;
  text->need_stream_start = TRUE;
  text->need_segment = TRUE;
  text->eos = FALSE;
}

/* The timeline as at the start of a stream (nothing sent yet). */
void
gst_wav2vec2ee_text_reset (GstWav2vec2ee * self)
{
  GstWav2vec2eeText *text = &self->text;

  g_mutex_lock (&text->lock);
  restart_stream (text);
  clear_holds (text);
  text->n_dropped = 0;
  g_clear_pointer (&text->stream_id, g_free);
  text->have_group_id = FALSE;
  g_mutex_unlock (&text->lock);
}

/* A new stream on the audio: its text stream follows after what is queued. */
void
gst_wav2vec2ee_text_stream_start (GstWav2vec2ee * self, const gchar * stream_id,
    gboolean have_group_id, guint group_id)
{
  GstWav2vec2eeText *text = &self->text;

  g_mutex_lock (&text->lock);
  g_free (text->stream_id);
  text->stream_id = g_strdup (stream_id);
  text->have_group_id = have_group_id;
  text->group_id = group_id;
  restart_stream (text);
  g_mutex_unlock (&text->lock);
}

/* The first audio time of a stream (or after a flush): the text starts there,
 * with a GAP of 0 ns on which a text sink prerolls. */
void
gst_wav2vec2ee_text_start (GstWav2vec2ee * self, const GstSegment * segment,
    GstClockTime pts)
{
  GstWav2vec2eeText *text = &self->text;

  g_mutex_lock (&text->lock);
  if (!GST_CLOCK_TIME_IS_VALID (text->position) && !text->eos) {
    text->position = pts;
    ensure_sticky (self, segment);
    enqueue (self, GST_MINI_OBJECT (gst_event_new_gap (pts, 0)));
  }
  g_mutex_unlock (&text->lock);
}

/* A segment starting at @pts is being decoded: no GAP past it until its result
 * is out (gst_wav2vec2ee_text_result) or it is given up (_unhold). */
void
gst_wav2vec2ee_text_hold (GstWav2vec2ee * self, GstClockTime pts)
{
  GstWav2vec2eeText *text = &self->text;

  g_mutex_lock (&text->lock);
  for (guint i = 0; i < G_N_ELEMENTS (text->holds); i++)
    if (!GST_CLOCK_TIME_IS_VALID (text->holds[i])) {
      text->holds[i] = pts;
      break;
    }
  g_mutex_unlock (&text->lock);
}

/* Lock held. */
static void
unhold (GstWav2vec2eeText * text, GstClockTime pts)
{
  for (guint i = 0; i < G_N_ELEMENTS (text->holds); i++)
    if (text->holds[i] == pts) {
      text->holds[i] = GST_CLOCK_TIME_NONE;
      break;
    }
}

void
gst_wav2vec2ee_text_unhold (GstWav2vec2ee * self, GstClockTime pts)
{
  g_mutex_lock (&self->text.lock);
  unhold (&self->text, pts);
  try_gap (self);
  g_mutex_unlock (&self->text.lock);
}

/* No segment will start before @until any more, except the held ones. */
void
gst_wav2vec2ee_text_gap_until (GstWav2vec2ee * self, const GstSegment * segment,
    GstClockTime until)
{
  GstWav2vec2eeText *text = &self->text;

  g_mutex_lock (&text->lock);
  if (!GST_CLOCK_TIME_IS_VALID (text->gap_until) || until > text->gap_until)
    text->gap_until = until;
  if (GST_CLOCK_TIME_IS_VALID (text->position))
    ensure_sticky (self, segment);
  try_gap (self);
  g_mutex_unlock (&text->lock);
}

/* A final result: its buffer, after a GAP up to it; releases its hold. */
void
gst_wav2vec2ee_text_result (GstWav2vec2ee * self, const GstSegment * segment,
    const W2veeGstTranscript * t)
{
  GstWav2vec2eeText *text = &self->text;
  gsize len = strlen (t->text);
  GstBuffer *buffer = len > 0 ? gst_buffer_new_memdup (t->text, len) :
      gst_buffer_new ();

  GST_BUFFER_PTS (buffer) = t->timestamp;
  GST_BUFFER_DURATION (buffer) = t->duration;

  g_mutex_lock (&text->lock);
  unhold (text, t->timestamp);
  if (text->eos) {
    gst_buffer_unref (buffer);
    g_mutex_unlock (&text->lock);
    return;
  }
  ensure_sticky (self, segment);
  if (!GST_CLOCK_TIME_IS_VALID (text->position))
    text->position = t->timestamp;
  if (t->timestamp > text->position)
    enqueue (self, GST_MINI_OBJECT (gst_event_new_gap (text->position,
                t->timestamp - text->position)));
  enqueue (self, GST_MINI_OBJECT (buffer));
  text->position = MAX (text->position, t->timestamp + t->duration);
  try_gap (self);
  g_mutex_unlock (&text->lock);
}

/* The audio's EOS, drained: a GAP to the end, then EOS. */
void
gst_wav2vec2ee_text_eos (GstWav2vec2ee * self, const GstSegment * segment)
{
  GstWav2vec2eeText *text = &self->text;

  g_mutex_lock (&text->lock);
  if (!text->eos) {
    clear_holds (text);
    ensure_sticky (self, segment);
    try_gap (self);
    enqueue (self, GST_MINI_OBJECT (gst_event_new_eos ()));
    text->eos = TRUE;
  }
  g_mutex_unlock (&text->lock);
}

/* PLAYING->PAUSED: a text sink must preroll again; a GAP of 0 ns at the current
 * text position lets it, whether or not a caption is due. */
void
gst_wav2vec2ee_text_preroll (GstWav2vec2ee * self)
{
  GstWav2vec2eeText *text = &self->text;

  g_mutex_lock (&text->lock);
  if (!text->eos && GST_CLOCK_TIME_IS_VALID (text->position))
    enqueue (self, GST_MINI_OBJECT (gst_event_new_gap (text->position, 0)));
  g_mutex_unlock (&text->lock);
}

void
gst_wav2vec2ee_text_flush_start (GstWav2vec2ee * self, GstEvent * event)
{
  GstWav2vec2eeText *text = &self->text;
  GstEvent *text_event = gst_event_new_flush_start ();

  g_mutex_lock (&text->lock);
  text->flushing = TRUE;
  g_queue_clear_full (&text->items, (GDestroyNotify) gst_mini_object_unref);
  g_cond_broadcast (&text->cond);
  g_mutex_unlock (&text->lock);

  /* unblocks the task's push, then waits for it to leave its loop */
  gst_event_set_seqnum (text_event, gst_event_get_seqnum (event));
  gst_pad_push_event (self->text_srcpad, text_event);
  gst_pad_pause_task (self->text_srcpad);
}

void
gst_wav2vec2ee_text_flush_stop (GstWav2vec2ee * self, GstEvent * event)
{
  GstWav2vec2eeText *text = &self->text;
  GstEvent *text_event, *stream_start, *caps;
  gboolean reset_time;

  gst_event_parse_flush_stop (event, &reset_time);
  text_event = gst_event_new_flush_stop (reset_time);
  gst_event_set_seqnum (text_event, gst_event_get_seqnum (event));
  gst_pad_push_event (self->text_srcpad, text_event);

  /* stream-start and caps still queued at FLUSH_START were dropped with the
   * queue: send them again unless they are on the pad */
  stream_start = gst_pad_get_sticky_event (self->text_srcpad,
      GST_EVENT_STREAM_START, 0);
  caps = gst_pad_get_sticky_event (self->text_srcpad, GST_EVENT_CAPS, 0);

  g_mutex_lock (&text->lock);
  text->position = GST_CLOCK_TIME_NONE;
  text->gap_until = GST_CLOCK_TIME_NONE;
  clear_holds (text);
  text->need_stream_start |= stream_start == NULL || caps == NULL;
  text->need_segment = TRUE;
  text->eos = FALSE;
  text->flushing = FALSE;
  g_mutex_unlock (&text->lock);
  g_clear_pointer (&stream_start, gst_event_unref);
  g_clear_pointer (&caps, gst_event_unref);
  if (gst_pad_is_active (self->text_srcpad))
    gst_pad_start_task (self->text_srcpad, gst_wav2vec2ee_text_loop, self, NULL);
}
