/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Runs the C snippet of docs/meta.md (extracted at build time into
 * meta-doc-snippet.h) on a real message and a real appsrc ! appsink pipeline,
 * and checks what it prints. */
#include "meta-doc-snippet.h"

static GString *printed;

static void
capture_print (const gchar * string)
{
  g_string_append (printed, string);
}

static W2veeGstTranscript *
make_transcript (void)
{
  W2veeGstTranscript *t = w2vee_gst_transcript_new ("hello world");

  t->timestamp = 1 * GST_SECOND;
  t->duration = 1500 * GST_MSECOND;
  t->running_time = 1 * GST_SECOND;
  t->exit = 2;
  t->layer = 4;
  t->confidence = 0.75f;
  t->final = FALSE;
  w2vee_gst_transcript_add_word (t, "hello", 1 * GST_SECOND,
      400 * GST_MSECOND, 0.5f);
  w2vee_gst_transcript_add_word (t, "world", 1600 * GST_MSECOND,
      500 * GST_MSECOND, 1.0f);
  return t;
}

static void
test_bus (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GstMessage) message = w2vee_gst_message_new_transcript (NULL, t);
  g_autoptr (GstMessage) eos = gst_message_new_eos (NULL);

  g_string_truncate (printed, 0);
  g_set_print_handler (capture_print);
  g_assert_true (on_bus_message (NULL, message, NULL) == G_SOURCE_CONTINUE);
  g_assert_true (on_bus_message (NULL, eos, NULL) == G_SOURCE_CONTINUE);
  g_set_print_handler (NULL);
  g_assert_cmpstr (printed->str, ==,
      "[0:00:01.000000000 +0:00:01.500000000] exit 2 (layer 4, confidence 0.75)"
      " partial: hello world\n"
      "  hello at 0:00:01.000000000 for 0:00:00.400000000 (0.50)\n"
      "  world at 0:00:01.600000000 for 0:00:00.500000000 (1.00)\n");
}

static void
test_appsink (void)
{
  GstAppSinkCallbacks callbacks = { .new_sample = on_new_sample };
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch ("appsrc name=src "
      "format=time caps=audio/x-raw,format=F32LE,rate=16000,channels=1,"
      "layout=interleaved ! appsink name=sink sync=false", &error);
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstMessage) done = NULL;

  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, NULL, NULL);
  g_string_truncate (printed, 0);
  g_set_print_handler (capture_print);    /* GTest prints too: capture only here */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  for (guint i = 0; i < 2; i++) {
    GstBuffer *buffer = gst_buffer_new_allocate (NULL, 320 * sizeof (gfloat),
        NULL);

    gst_buffer_memset (buffer, 0, 0, 320 * sizeof (gfloat));
    GST_BUFFER_PTS (buffer) = i * 20 * GST_MSECOND;
    GST_BUFFER_DURATION (buffer) = 20 * GST_MSECOND;
    if (i == 1) {
      w2vee_buffer_add_transcript_meta (buffer, t);
      t->exit = 3;
      w2vee_gst_transcript_set_text (t, "hello world!");
      w2vee_buffer_add_transcript_meta (buffer, t);
    }
    gst_app_src_push_buffer (GST_APP_SRC (src), buffer);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  done = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (done);
  g_assert_cmpint (GST_MESSAGE_TYPE (done), ==, GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_set_print_handler (NULL);

  g_assert_cmpstr (printed->str, ==,
      "buffer 0:00:00.020000000: exit 2: hello world\n"
      "buffer 0:00:00.020000000: exit 3: hello world!\n");
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  printed = g_string_new (NULL);

  g_test_add_func ("/gstmeta/doc/bus", test_bus);
  g_test_add_func ("/gstmeta/doc/appsink", test_appsink);

  ret = g_test_run ();
  g_string_free (printed, TRUE);
  gst_deinit ();
  return ret;
}
