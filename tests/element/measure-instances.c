/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* measure-instances: peak RSS of N wav2vec2ee elements in one pipeline
 * (docs/scaling.md, "One model per process").
 *
 *   measure-instances --model DIR --audio FILE [--instances N]
 *
 * Runs one pipeline of N branches
 *   filesrc location=FILE ! decodebin ! audioconvert ! audioresample
 *     ! wav2vec2ee model=DIR threads=1 ! fakesink
 * to EOS (FILE: speech, so that every element runs its model), then prints
 *   instances=N peak_rss_mib=P weights_mib=W
 * where P is VmHWM of /proc/self/status and W the model's weights
 * (w2vee_model_weight_bytes). Elements that share their model
 * (w2vee_model_load_shared) hold the weights once; elements that load their own hold them
 * N times. A measurement, not a test: registered as the benchmark
 * element-measure-instances-N.
 */
#include <stdio.h>
#include <string.h>

#include <gst/gst.h>

#include "peak-rss.h"
#include "w2vee/w2vee.h"

int
main (int argc, char **argv)
{
  g_autofree char *model_dir = NULL;
  gint instances = 1;
  g_autofree char *audio = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_dir, "Model directory", "DIR" },
    { "instances", 'n', 0, G_OPTION_ARG_INT, &instances, "Elements (default 1)", "N" },
    { "audio", 'a', 0, G_OPTION_ARG_FILENAME, &audio, "Speech each element hears",
      "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- peak RSS of N elements");
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) desc = g_string_new (NULL);
  GstElement *pipeline;
  GstBus *bus;
  GstMessage *msg;
  W2veeModel *model;
  gsize weights;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error) || model_dir == NULL
      || audio == NULL || instances < 1) {
    fprintf (stderr, "measure-instances: %s\n", error != NULL ? error->message :
        "needs --model DIR, --audio FILE and --instances >= 1");
    return 2;
  }

  for (gint i = 0; i < instances; i++)
    g_string_append_printf (desc, "filesrc name=src%d ! decodebin ! audioconvert ! "
        "audioresample ! wav2vec2ee name=asr%d threads=1 ! fakesink sync=false  ", i, i);
  pipeline = gst_parse_launch (desc->str, &error);
  if (pipeline == NULL) {
    fprintf (stderr, "measure-instances: %s\n", error->message);
    return 1;
  }
  for (gint i = 0; i < instances; i++) {
    g_autofree char *asr_name = g_strdup_printf ("asr%d", i);
    g_autofree char *src_name = g_strdup_printf ("src%d", i);
    GstElement *asr = gst_bin_get_by_name (GST_BIN (pipeline), asr_name);
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), src_name);

    /* set here: any path, no quoting for the pipeline parser */
    g_object_set (asr, "model", model_dir, NULL);
    g_object_set (src, "location", audio, NULL);
    gst_object_unref (asr);
    gst_object_unref (src);
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    g_autoptr (GError) err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    fprintf (stderr, "measure-instances: %s\n", err->message);
    status = 1;
  } else {
    guint64 peak = w2vee_peak_rss_bytes ();

    /* the weights' size, from a load made after the peak was read */
    model = w2vee_model_load (model_dir, &error);
    if (model == NULL) {
      fprintf (stderr, "measure-instances: %s\n", error->message);
      status = 1;
    } else {
      weights = w2vee_model_weight_bytes (model);
      w2vee_model_unref (model);
      printf ("instances=%d peak_rss_mib=%.1f weights_mib=%.1f\n", instances,
          peak / 1048576.0, weights / 1048576.0);
    }
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return status;
}
