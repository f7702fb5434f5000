/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* exit-switcher: transcribe a file while the exit changes every few seconds.
 *
 *   exit-switcher [--interval SECONDS] FILE
 *
 * Cycles wav2vec2ee's "exit" through 1, 2, ..., n-exits, one step every
 * SECONDS (default 3) of the stream, and prints each result with the exit and
 * layer that produced it:
 *
 *   0:00:00.300 +2.620 s  exit 1 (layer 2)  confidence 0.48  OPEN THE WINDOW ...
 *
 * The changes are made by a GstController control source bound to "exit"
 * (the property is controllable): they follow the stream time, not the wall
 * clock, so the file is processed as fast as the CPU allows and the output is
 * the same on every run. An exit applies to the segments that end after it is
 * set. The results are read from the bus with libgstw2vee.
 *
 * Build: cc exit-switcher.c $(pkg-config --cflags --libs w2vee-gst
 *        gstreamer-controller-1.0) (meson builds it as examples/exit-switcher).
 * The model is $W2VEE_MODEL or the default model.
 */
#include <stdlib.h>

#include <gst/controller/gstdirectcontrolbinding.h>
#include <gst/controller/gstinterpolationcontrolsource.h>
#include <gst/gst.h>
#include <w2vee/w2vee-gst.h>

/* Control points cover the first hour; the last exit stays after that. */
#define HORIZON (3600 * GST_SECOND)

typedef struct {
  GMainLoop *loop;
  int status;           /* exit status of the program */
} App;

static gboolean
on_message (GstBus * bus, GstMessage * message, gpointer user_data)
{
  App *app = user_data;
  g_autoptr (W2veeGstTranscript) t = NULL;

  if (w2vee_gst_message_parse_transcript (message, &t, NULL)) {
    if (!t->final)              /* a partial result: the final one follows */
      return G_SOURCE_CONTINUE;
    g_print ("%" GST_TIME_FORMAT " +%.3f s  exit %u (layer %u)  confidence "
        "%.2f  %s\n", GST_TIME_ARGS (t->timestamp),
        (double) t->duration / GST_SECOND, t->exit, t->layer, t->confidence,
        t->text);
    return G_SOURCE_CONTINUE;
  }

  switch (GST_MESSAGE_TYPE (message)) {
    case GST_MESSAGE_ERROR:{
      g_autoptr (GError) error = NULL;
      g_autofree gchar *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      g_printerr ("exit-switcher: %s\n", error->message);
      app->status = 1;
      g_main_loop_quit (app->loop);
      break;
    }
    case GST_MESSAGE_WARNING:{
      g_autoptr (GError) error = NULL;

      gst_message_parse_warning (message, &error, NULL);
      g_printerr ("exit-switcher: warning: %s\n", error->message);
      break;
    }
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* Step function: exit 1 from 0 s, 2 from @interval, ... up to @duration,
 * cycling through the n exits. */
static void
control_exit (GstElement * asr, guint n_exits, GstClockTime interval,
    GstClockTime duration)
{
  GstControlSource *cs = gst_interpolation_control_source_new ();
  GstTimedValueControlSource *tvcs = GST_TIMED_VALUE_CONTROL_SOURCE (cs);
  guint step = 0;

  g_object_set (cs, "mode", GST_INTERPOLATION_MODE_NONE, NULL);
  for (GstClockTime t = 0; t <= duration; t += interval, step++)
    gst_timed_value_control_source_set (tvcs, t, (gdouble) (step % n_exits + 1));
  /* absolute: the control values are exits, not fractions of the range */
  gst_object_add_control_binding (GST_OBJECT (asr),
      gst_direct_control_binding_new_absolute (GST_OBJECT (asr), "exit", cs));
  gst_object_unref (cs);
}

int
main (int argc, char **argv)
{
  gdouble interval_s = 3.0;
  g_auto (GStrv) files = NULL;
  const GOptionEntry options[] = {
    {"interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval_s,
        "Seconds of the stream between two exit changes (default 3)", "SECONDS"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL,
        "FILE"},
    {NULL}
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("FILE");
  g_autoptr (GError) error = NULL;
  g_autofree gchar *uri = NULL;
  GstElement *pipeline, *src, *asr;
  GstClockTime interval;
  GValue layers = G_VALUE_INIT;
  guint n_exits;
  App app = { NULL, 0 };
  GstBus *bus;

  g_option_context_add_main_entries (context, options, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || files == NULL
      || files[0] == NULL || files[1] != NULL || interval_s < 0.1) {
    g_printerr ("usage: exit-switcher [--interval SECONDS] FILE%s%s\n",
        error ? ": " : "", error ? error->message : "");
    return 2;
  }
  interval = (GstClockTime) (interval_s * GST_SECOND);

  /* FATAL_ERRORS: without it a launch line naming an element that cannot be
   * made (wav2vec2ee when the plugin is not found) gives a partial pipeline
   * with @error set; that is an error too */
  pipeline = gst_parse_launch_full ("uridecodebin name=src ! audioconvert ! "
      "audioresample ! wav2vec2ee name=asr ! fakesink", NULL,
      GST_PARSE_FLAG_FATAL_ERRORS, &error);
  if (pipeline == NULL || error != NULL) {
    g_printerr ("exit-switcher: %s%s\n", error ? error->message :
        "cannot make the pipeline",
        g_error_matches (error, GST_PARSE_ERROR, GST_PARSE_ERROR_NO_SUCH_ELEMENT)
        ? " (is the wav2vec2ee plugin on GST_PLUGIN_PATH?)" : "");
    gst_clear_object (&pipeline);
    return 1;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  asr = gst_bin_get_by_name (GST_BIN (pipeline), "asr");
  uri = gst_filename_to_uri (files[0], &error);
  if (uri == NULL) {
    g_printerr ("exit-switcher: %s\n", error->message);
    return 1;
  }
  g_object_set (src, "uri", uri, NULL);

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, on_message, &app);

  /* the model is loaded at NULL -> READY: n-exits is known from then on */
  if (gst_element_set_state (pipeline, GST_STATE_READY) ==
      GST_STATE_CHANGE_FAILURE) {
    g_main_loop_run (app.loop);         /* prints the error and quits */
    return 1;
  }
  g_object_get (asr, "n-exits", &n_exits, NULL);
  g_value_init (&layers, GST_TYPE_ARRAY);
  g_object_get_property (G_OBJECT (asr), "exit-layers", &layers);
  g_print ("model: %u exits at layers", n_exits);
  for (guint i = 0; i < gst_value_array_get_size (&layers); i++)
    g_print ("%s %u", i > 0 ? "," : "",
        g_value_get_uint (gst_value_array_get_value (&layers, i)));
  g_print ("; exit changes every %.1f s\n", interval_s);
  g_value_unset (&layers);

  /* bound before any audio flows, so that it applies from the start */
  control_exit (asr, n_exits, interval, HORIZON);

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (app.loop);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (asr);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  g_main_loop_unref (app.loop);
  return app.status;
}
