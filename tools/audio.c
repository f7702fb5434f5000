/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Audio input of the w2vee tool (see audio.h). */
#include "audio.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/pbutils/missing-plugins.h>

#include "w2vee/w2vee.h"

#define APPSINK_MAX_BUFFERS 16          /* decoded buffers queued at most: bounds memory */
#define PULL_TIMEOUT (100 * GST_MSECOND) /* between two looks at the bus */
#define START_TIMEOUT (60 * GST_SECOND) /* waiting for the first audio */
#define NO_AUDIO "w2vee-no-audio"       /* application message: no audio stream */
#define RESAMPLE_QUALITY 10             /* audioresample 0..10; the cost is small next to inference */

struct _W2veeAudioReader {
  char *name;            /* the file, for messages (UTF-8) */
  GstElement *pipeline;
  GstElement *convert;   /* audioconvert: the first audio pad of uridecodebin links here */
  GstElement *sink;      /* appsink */
  GstBus *bus;
  gint audio_linked;     /* atomic: set by pad-added on a streaming thread */
  char *missing;         /* description of a missing decoder, or NULL */

  GstBuffer *buffer;     /* buffer being read, mapped into map; or NULL */
  GstMapInfo map;
  gsize offset;          /* bytes of map already returned */
  gboolean eos;
};

static gboolean
ensure_gst (GError **error)
{
  static gsize done = 0;
  static GError *init_error = NULL;

  if (g_once_init_enter (&done)) {
    gst_init_check (NULL, NULL, &init_error);
    g_once_init_leave (&done, 1);
  }
  if (init_error != NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot initialise GStreamer: %s",
        init_error->message);
    return FALSE;
  }
  return TRUE;
}

static void
on_pad_added (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  W2veeAudioReader *self = user_data;
  g_autoptr (GstCaps) caps = gst_pad_query_caps (pad, NULL);
  GstStructure *s;
  g_autoptr (GstPad) sinkpad = NULL;

  if (gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return;
  s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_has_name (s, "audio/x-raw"))
    return; /* video, subtitles: left unlinked */
  sinkpad = gst_element_get_static_pad (self->convert, "sink");
  if (gst_pad_is_linked (sinkpad))
    return; /* only the first audio stream */
  if (gst_pad_link (pad, sinkpad) == GST_PAD_LINK_OK)
    g_atomic_int_set (&self->audio_linked, 1);
}

/* All streams are known: without an audio one, nothing would ever reach the appsink. */
static void
on_no_more_pads (GstElement *decodebin, gpointer user_data)
{
  W2veeAudioReader *self = user_data;

  if (!g_atomic_int_get (&self->audio_linked))
    gst_element_post_message (decodebin, gst_message_new_application (
            GST_OBJECT (decodebin), gst_structure_new_empty (NO_AUDIO)));
}

/* Turns an error message from the bus into @error, naming the file. */
static void
set_error_from_message (W2veeAudioReader *self, GstMessage *msg, GError **error)
{
  g_autoptr (GError) gst_error = NULL;
  g_autofree char *debug = NULL;
  gint code = W2VEE_ERROR_IO;

  gst_message_parse_error (msg, &gst_error, &debug);
  g_debug ("%s: %s", self->name, debug != NULL ? debug : "(no debug info)");
  if (g_error_matches (gst_error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND))
    code = W2VEE_ERROR_NOT_FOUND;

  if (self->missing != NULL)
    g_set_error (error, W2VEE_ERROR, code, "cannot decode %s: %s (missing: %s)",
        self->name, gst_error->message, self->missing);
  else if (!g_atomic_int_get (&self->audio_linked)
      && g_error_matches (gst_error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED))
    g_set_error (error, W2VEE_ERROR, code, "cannot decode %s: it has no audio stream",
        self->name);
  else
    g_set_error (error, W2VEE_ERROR, code, "cannot decode %s: %s", self->name,
        gst_error->message);
}

/* Waits for one of @types on the bus (noting missing-plugin messages on the way).
 * Returns the message, or NULL after @timeout. */
static GstMessage *
wait_bus (W2veeAudioReader *self, GstMessageType types, GstClockTime timeout)
{
  GstMessage *msg;

  while ((msg = gst_bus_timed_pop_filtered (self->bus, timeout,
              types | GST_MESSAGE_ELEMENT)) != NULL) {
    if (GST_MESSAGE_TYPE (msg) & types)
      return msg;
    if (gst_is_missing_plugin_message (msg) && self->missing == NULL)
      self->missing = gst_missing_plugin_message_get_description (msg);
    gst_message_unref (msg);
  }
  return NULL;
}

static GstElement *
make_element (W2veeAudioReader *self, const char *factory, GError **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO,
        "cannot decode %s: the GStreamer element '%s' is not installed", self->name,
        factory);
    return NULL;
  }
  gst_bin_add (GST_BIN (self->pipeline), element);
  return element;
}

W2veeAudioReader *
w2vee_audio_reader_open (const char *path, GError **error)
{
  g_autoptr (W2veeAudioReader) self = NULL;
  g_autoptr (GError) uri_error = NULL;
  g_autofree char *uri = NULL;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstMessage) msg = NULL;
  GstElement *decode, *resample, *filter;
  GStatBuf st;

  g_return_val_if_fail (path != NULL, NULL);

  if (!ensure_gst (error))
    return NULL;

  self = g_new0 (W2veeAudioReader, 1);
  self->name = g_filename_display_name (path);

  /* GStreamer says "Resource not found."; the OS says which */
  if (g_stat (path, &st) != 0) {
    int errsv = errno;
    g_set_error (error, W2VEE_ERROR, errsv == ENOENT ? W2VEE_ERROR_NOT_FOUND
        : W2VEE_ERROR_IO, "cannot read %s: %s", self->name, g_strerror (errsv));
    return NULL;
  }
  if (S_ISDIR (st.st_mode)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot read %s: %s", self->name,
        g_strerror (EISDIR));
    return NULL;
  }

  uri = gst_filename_to_uri (path, &uri_error);
  if (uri == NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot read %s: %s", self->name,
        uri_error->message);
    return NULL;
  }

  self->pipeline = gst_pipeline_new ("w2vee-audio");
  self->bus = gst_element_get_bus (self->pipeline);
  if ((decode = make_element (self, "uridecodebin", error)) == NULL
      || (self->convert = make_element (self, "audioconvert", error)) == NULL
      || (resample = make_element (self, "audioresample", error)) == NULL
      || (filter = make_element (self, "capsfilter", error)) == NULL
      || (self->sink = make_element (self, "appsink", error)) == NULL)
    return NULL;

  caps = gst_caps_new_simple ("audio/x-raw",
      "format", G_TYPE_STRING, "F32LE",
      "rate", G_TYPE_INT, W2VEE_SAMPLE_RATE,
      "channels", G_TYPE_INT, 1,
      "layout", G_TYPE_STRING, "interleaved", NULL);
  g_object_set (decode, "uri", uri, NULL);
  g_object_set (filter, "caps", caps, NULL);
  g_object_set (resample, "quality", RESAMPLE_QUALITY, NULL);
  g_object_set (self->sink, "sync", FALSE, "max-buffers", APPSINK_MAX_BUFFERS,
      "drop", FALSE, NULL);
  if (!gst_element_link_many (self->convert, resample, filter, self->sink, NULL)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO,
        "cannot decode %s: cannot link audioconvert ! audioresample ! appsink", self->name);
    return NULL;
  }
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), self);
  g_signal_connect (decode, "no-more-pads", G_CALLBACK (on_no_more_pads), self);

  /* a failed state change posts its error on the bus too */
  gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  msg = wait_bus (self, GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE
      | GST_MESSAGE_APPLICATION, START_TIMEOUT);
  if (msg == NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO,
        "cannot decode %s: GStreamer produced no audio within %u s", self->name,
        (guint) (START_TIMEOUT / GST_SECOND));
    return NULL;
  }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    set_error_from_message (self, msg, error);
    return NULL;
  }
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_APPLICATION) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO,
        "cannot decode %s: it has no audio stream", self->name);
    return NULL;
  }
  return g_steal_pointer (&self);
}

gssize
w2vee_audio_reader_read (W2veeAudioReader *reader, float *buf, gsize max, GError **error)
{
  gsize n;

  g_return_val_if_fail (reader != NULL, -1);
  g_return_val_if_fail (buf != NULL && max > 0, -1);

  while (reader->buffer == NULL) {
    GstSample *sample;
    g_autoptr (GstMessage) msg = NULL;

    if (reader->eos)
      return 0;
    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (reader->sink), PULL_TIMEOUT);
    if (sample != NULL) {
      reader->buffer = gst_buffer_ref (gst_sample_get_buffer (sample));
      gst_sample_unref (sample);
      if (!gst_buffer_map (reader->buffer, &reader->map, GST_MAP_READ)) {
        g_clear_pointer (&reader->buffer, gst_buffer_unref);
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO,
            "cannot decode %s: cannot map a decoded buffer", reader->name);
        return -1;
      }
      reader->offset = 0;
      if (reader->map.size < sizeof (float)) {
        gst_buffer_unmap (reader->buffer, &reader->map);
        g_clear_pointer (&reader->buffer, gst_buffer_unref);
      }
      continue;
    }
    /* no sample: the end, an error, or just not decoded yet */
    msg = wait_bus (reader, GST_MESSAGE_ERROR, 0);
    if (msg != NULL) {
      set_error_from_message (reader, msg, error);
      return -1;
    }
    if (gst_app_sink_is_eos (GST_APP_SINK (reader->sink))) {
      if (!g_atomic_int_get (&reader->audio_linked)) {
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO,
            "cannot decode %s: it has no audio stream", reader->name);
        return -1;
      }
      reader->eos = TRUE;
    }
  }

  /* the caps ask for F32LE */
  n = MIN (max, (reader->map.size - reader->offset) / sizeof (float));
  memcpy (buf, reader->map.data + reader->offset, n * sizeof (float));
#if G_BYTE_ORDER == G_BIG_ENDIAN
  {
    guint32 *u = (guint32 *) buf;
    gsize i;
    for (i = 0; i < n; i++)
      u[i] = GUINT32_FROM_LE (u[i]);
  }
#endif
  reader->offset += n * sizeof (float);
  if (reader->map.size - reader->offset < sizeof (float)) {
    gst_buffer_unmap (reader->buffer, &reader->map);
    g_clear_pointer (&reader->buffer, gst_buffer_unref);
  }
  return (gssize) n;
}

void
w2vee_audio_reader_close (W2veeAudioReader *reader)
{
  if (reader == NULL)
    return;
  if (reader->buffer != NULL) {
    gst_buffer_unmap (reader->buffer, &reader->map);
    gst_buffer_unref (reader->buffer);
  }
  if (reader->pipeline != NULL) {
    gst_element_set_state (reader->pipeline, GST_STATE_NULL);
    gst_object_unref (reader->pipeline);
  }
  g_clear_object (&reader->bus);
  g_free (reader->missing);
  g_free (reader->name);
  g_free (reader);
}

float *
w2vee_audio_decode_file (const char *path, gsize max_samples, gsize *n_samples,
    GError **error)
{
  g_autoptr (W2veeAudioReader) reader = NULL;
  g_autoptr (GArray) audio = NULL;   /* (float) */
  float chunk[W2VEE_SAMPLE_RATE];    /* 1 s */
  gssize n;

  g_return_val_if_fail (n_samples != NULL, NULL);

  reader = w2vee_audio_reader_open (path, error);
  if (reader == NULL)
    return NULL;
  audio = g_array_new (FALSE, FALSE, sizeof (float));
  while ((n = w2vee_audio_reader_read (reader, chunk, G_N_ELEMENTS (chunk), error)) > 0) {
    if (audio->len + (gsize) n > max_samples) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
          "%s is longer than %.1f s", reader->name, (double) max_samples / W2VEE_SAMPLE_RATE);
      return NULL;
    }
    g_array_append_vals (audio, chunk, n);
  }
  if (n < 0)
    return NULL;
  *n_samples = audio->len;
  if (audio->len == 0)
    return g_new0 (float, 1); /* not NULL: NULL means an error */
  return (float *) g_array_free (g_steal_pointer (&audio), FALSE);
}
