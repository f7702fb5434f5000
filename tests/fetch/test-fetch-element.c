/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The wav2vec2ee element with model=hf://... against the loopback hub (hub.h): the
 * fetch runs off the streaming thread while READY->PAUSED is ASYNC, progress comes as
 * GST_MESSAGE_PROGRESS, a change to NULL cancels, errors fail the state change; and
 * gst-launch-1.0 runs such a pipeline as written. Real pipelines, real speech
 * (espeak-ng), the trained models/default served by the hub.
 *
 * Environment: as test-fetch.c (W2VEE_SOURCE_ROOT, GST_PLUGIN_PATH, ...).
 */
#include <string.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "hub.h"

#define REPO "w2vee-test/default"
#define URI "hf://" REPO
#define SAYING "<speak>Open the window and let the sunshine in. <break time=\"1500ms\"/> " \
    "The quick brown fox jumps over the lazy dog.</speak>"
#define TIMEOUT (60 * GST_SECOND)

typedef struct {
  int unused;                   /* the state is global: hub, cache, speech */
} Fixture;

static Hub *hub;
static char *model_dir;         /* models/default */
static char *work;              /* speech file and caches */
static char *wav;               /* SAYING spoken by espeak-ng */
static char *cache;             /* W2VEE_CACHE of the running test */
static char *reference;         /* the texts of the local model, joined by "|" */

/* What one pipeline run posted. */
typedef struct {
  GstStateChangeReturn set_ret; /* of set_state (PLAYING) */
  GString *texts;               /* wav2vec2ee messages' texts, joined by "|" */
  GString *progress;            /* progress types in order: S(tart) C(ontinue)
                                 * D(one) X (cancelled) E(rror) */
  guint64 fetched;              /* bytes of the last progress about the weights */
  guint64 total;
  GError *error;                /* the first error message, if any */
  gboolean eos;
  gboolean playing;             /* the pipeline reached PLAYING */
} Run;

static void
run_clear (Run *r)
{
  if (r->texts != NULL)
    g_string_free (r->texts, TRUE);
  if (r->progress != NULL)
    g_string_free (r->progress, TRUE);
  g_clear_error (&r->error);
}

static GstElement *
make_pipeline (const char *model)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! "
      "audioconvert ! audioresample ! wav2vec2ee name=asr model=\"%s\" threads=1 ! "
      "fakesink", wav, model);
  GstElement *pipeline = gst_parse_launch (desc, &error);

  g_assert_no_error (error);
  return pipeline;
}

/* Handles one bus message into @r; returns TRUE when the run is over (EOS, error). */
static gboolean
handle (Run *r, GstElement *pipeline, GstMessage *msg)
{
  const GstStructure *s = gst_message_get_structure (msg);

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_PROGRESS:{
      GstProgressType type;
      g_autofree char *code = NULL, *text = NULL;
      const char *file = gst_structure_get_string (s, "file");

      gst_message_parse_progress (msg, &type, &code, &text);
      g_assert_cmpstr (code, ==, "fetch");
      g_assert_cmpstr (gst_structure_get_string (s, "uri"), ==, URI);
      g_string_append_c (r->progress, "SCDXE"[type]);
      if (file != NULL && strcmp (file, "model.safetensors") == 0) {
        g_assert_true (gst_structure_get_uint64 (s, "bytes", &r->fetched));
        g_assert_true (gst_structure_get_uint64 (s, "total", &r->total));
      }
      return FALSE;
    }
    case GST_MESSAGE_ELEMENT:{
      gboolean final = FALSE;

      /* partial results depend on timing: the finals are compared */
      if (gst_structure_has_name (s, "wav2vec2ee")
          && gst_structure_get_boolean (s, "final", &final) && final)
        g_string_append_printf (r->texts, "%s%s", r->texts->len > 0 ? "|" : "",
            gst_structure_get_string (s, "text"));
      return FALSE;
    }
    case GST_MESSAGE_STATE_CHANGED:{
      GstState state;

      gst_message_parse_state_changed (msg, NULL, &state, NULL);
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT (pipeline) && state == GST_STATE_PLAYING)
        r->playing = TRUE;
      return FALSE;
    }
    case GST_MESSAGE_ERROR:
      if (r->error == NULL)
        gst_message_parse_error (msg, &r->error, NULL);
      return TRUE;
    case GST_MESSAGE_EOS:
      r->eos = TRUE;
      return TRUE;
    default:
      return FALSE;
  }
}

/* Sets @pipeline to PLAYING and collects its messages until EOS or an error, or
 * until @until returns TRUE for a message (then the pipeline is left as it is). */
static void
run (GstElement *pipeline, Run *r, gboolean (*until) (GstMessage *msg))
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);

  r->texts = g_string_new (NULL);
  r->progress = g_string_new (NULL);
  r->set_ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstMessage *msg = gst_bus_timed_pop (bus, TIMEOUT);
    gboolean over, stop;

    g_assert_nonnull (msg);     /* else: nothing for a minute */
    over = handle (r, pipeline, msg);
    stop = until != NULL && until (msg);
    gst_message_unref (msg);
    if (over || stop)
      break;
  }
}

/* Drains what is left on the bus into @r (after a state change). */
static void
drain_bus (GstElement *pipeline, Run *r)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus)) != NULL) {
    handle (r, pipeline, msg);
    gst_message_unref (msg);
  }
}

static void
setup (Fixture *fixture, gconstpointer data)
{
  hub_reset (hub);
  cache = g_build_filename (work, "cache", NULL);
  g_assert_cmpint (g_mkdir_with_parents (cache, 0755), ==, 0);
  g_setenv ("W2VEE_CACHE", cache, TRUE);
  g_unsetenv ("W2VEE_OFFLINE");
  g_unsetenv ("HF_HUB_OFFLINE");
}

static void
teardown (Fixture *fixture, gconstpointer data)
{
  hub_remove_tree (cache);
  g_clear_pointer (&cache, g_free);
}

/* ------------------------------------------------------------------------- */
/* Tests                                                                     */
/* ------------------------------------------------------------------------- */

/* READY->PAUSED returns ASYNC while fetching; progress start, continue..., complete;
 * then PLAYING, and the speech transcribed as with the local model. */
static void
test_async_then_playing (Fixture *fixture, gconstpointer data)
{
  GstElement *pipeline = make_pipeline (URI);
  g_autoptr (GstElement) asr = gst_bin_get_by_name (GST_BIN (pipeline), "asr");
  Run r = { 0 };
  guint n_exits;

  run (pipeline, &r, NULL);
  g_test_message ("progress %s; texts %s", r.progress->str, r.texts->str);
  g_assert_no_error (r.error);
  g_assert_cmpint (r.set_ret, ==, GST_STATE_CHANGE_ASYNC);
  g_assert_true (g_str_has_prefix (r.progress->str, "SC"));
  g_assert_true (g_str_has_suffix (r.progress->str, "CD"));
  g_assert_cmpuint (strspn (r.progress->str + 1, "C"), ==, r.progress->len - 2);
  g_assert_cmpuint (r.total, >, 0);
  g_assert_cmpuint (r.fetched, ==, r.total);
  g_assert_true (r.playing);
  g_assert_true (r.eos);
  g_assert_cmpstr (r.texts->str, ==, reference);
  g_object_get (asr, "n-exits", &n_exits, NULL);
  g_assert_cmpuint (n_exits, ==, 4);
  g_assert_cmpuint (hub_count (hub, "GET", "/config.json"), ==, 1);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  run_clear (&r);
  gst_object_unref (pipeline);
}

static gboolean
is_weights_progress (GstMessage *msg)
{
  const GstStructure *s = gst_message_get_structure (msg);
  guint64 bytes = 0;

  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_PROGRESS
      && g_strcmp0 (gst_structure_get_string (s, "file"), "model.safetensors") == 0
      && gst_structure_get_uint64 (s, "bytes", &bytes) && bytes > (1 << 20);
}

/* Sets @state during the fetch: returns at once (the fetch is cancelled). */
static void
cancel_with (GstElement *pipeline, GstState state, Run *r)
{
  GstStateChangeReturn ret;
  gint64 t0;
  double ms;

  run (pipeline, r, is_weights_progress);
  g_assert_cmpint (r->set_ret, ==, GST_STATE_CHANGE_ASYNC);
  g_assert_cmpuint (r->fetched, <, r->total);
  t0 = g_get_monotonic_time ();
  ret = gst_element_set_state (pipeline, state);
  ms = (g_get_monotonic_time () - t0) / 1e3;
  g_test_message ("set_state (%s) during the fetch: %s in %.1f ms, after %"
      G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
      gst_element_state_get_name (state), gst_element_state_change_return_get_name (ret),
      ms, r->fetched, r->total);
  g_assert_cmpint (ret, ==, GST_STATE_CHANGE_SUCCESS);
  g_assert_cmpfloat (ms, <, 1000.0);
}

/* A change to READY or NULL during the fetch cancels it promptly and cleanly (the
 * fetch thread is joined; READY shows the "cancelled" progress, NULL flushes the
 * bus); the next PLAYING resumes the download and runs. */
static void
test_cancel (Fixture *fixture, gconstpointer data)
{
  GstElement *pipeline = make_pipeline (URI);
  Run to_ready = { 0 }, to_null = { 0 }, again = { 0 };
  g_autoptr (GPtrArray) log = NULL;
  guint i, ranged = 0;

  hub_set (hub, "model.safetensors", HUB_THROTTLE, 32 << 10);  /* 3.2 MB/s */
  cancel_with (pipeline, GST_STATE_READY, &to_ready);
  drain_bus (pipeline, &to_ready);
  g_test_message ("progress %s", to_ready.progress->str);
  g_assert_no_error (to_ready.error);
  g_assert_true (g_str_has_suffix (to_ready.progress->str, "X"));
  g_assert_cmpstr (to_ready.texts->str, ==, "");

  cancel_with (pipeline, GST_STATE_NULL, &to_null);
  g_assert_no_error (to_null.error);

  /* again, at full speed: resumed where it stopped, then transcribed */
  hub_reset (hub);
  run (pipeline, &again, NULL);
  g_assert_no_error (again.error);
  g_assert_cmpint (again.set_ret, ==, GST_STATE_CHANGE_ASYNC);
  g_assert_true (again.eos);
  g_assert_cmpstr (again.texts->str, ==, reference);
  log = hub_requests (hub);
  for (i = 0; i < log->len; i++) {
    HubRequest *req = g_ptr_array_index (log, i);

    ranged += req->range != NULL && req->status == 206;
  }
  g_assert_cmpuint (ranged, ==, 1);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  run_clear (&to_ready);
  run_clear (&to_null);
  run_clear (&again);
  gst_object_unref (pipeline);
}

/* A fetch that fails: an error message naming the file, progress "error", the
 * state change fails; back to NULL cleanly. */
static void
test_error (Fixture *fixture, gconstpointer data)
{
  GstElement *pipeline = make_pipeline (URI);
  Run r = { 0 };
  GstState state;

  hub_set (hub, "config.json", HUB_MISSING, 0);
  run (pipeline, &r, NULL);
  g_assert_cmpint (r.set_ret, ==, GST_STATE_CHANGE_ASYNC);
  g_assert_nonnull (r.error);
  g_test_message ("%s", r.error->message);
  g_assert_error (r.error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (r.error->message, "config.json"));
  g_assert_nonnull (strstr (r.error->message, URI));
  g_assert_cmpint (gst_element_get_state (pipeline, &state, NULL, 5 * GST_SECOND), ==,
      GST_STATE_CHANGE_FAILURE);
  drain_bus (pipeline, &r);
  g_assert_true (g_str_has_suffix (r.progress->str, "E"));
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  run_clear (&r);
  gst_object_unref (pipeline);
}

/* Offline with the model in the cache: no request, the same result. */
static void
test_offline (Fixture *fixture, gconstpointer data)
{
  GstElement *pipeline = make_pipeline (URI);
  Run online = { 0 }, offline = { 0 };

  run (pipeline, &online, NULL);
  g_assert_no_error (online.error);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  hub_reset (hub);
  g_setenv ("W2VEE_OFFLINE", "1", TRUE);
  run (pipeline, &offline, NULL);
  g_assert_no_error (offline.error);
  g_assert_true (offline.eos);
  g_assert_cmpstr (offline.texts->str, ==, reference);
  g_assert_cmpuint (hub_count (hub, "", ""), ==, 0);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  run_clear (&online);
  run_clear (&offline);
  gst_object_unref (pipeline);
}

/* gst-launch-1.0, as a user types it: progress lines, then the transcripts. */
static void
test_gst_launch (Fixture *fixture, gconstpointer data)
{
  g_autofree char *location = g_strdup_printf ("location=%s", wav);
  const char *argv[] = { "gst-launch-1.0", "-m", "filesrc", location, "!", "wavparse",
    "!", "audioconvert", "!", "audioresample", "!", "wav2vec2ee", "model=" URI, "!",
    "fakesink", NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL, *first = NULL, *quoted = NULL;
  g_autofree char *escaped = NULL;
  g_auto (GStrv) words = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (out, "Progress: (fetch) Fetching the model " URI));
  g_assert_nonnull (strstr (out, "Progress: (fetch) model.safetensors: 100%"));
  g_assert_nonnull (strstr (out, "Progress: (fetch) Fetched the model " URI));
  /* as gst_structure_to_string() writes it: spaces escaped */
  first = g_strndup (reference, strcspn (reference, "|"));
  words = g_strsplit (first, " ", -1);
  escaped = g_strjoinv ("\\ ", words);
  quoted = g_strdup_printf ("text=(string)\"%s\"", escaped);
  g_assert_nonnull (strstr (out, quoted));
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  const char *espeak[] = { "espeak-ng", "-v", "en-us", "-m", "-w", NULL, SAYING, NULL };
  int status, ret;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  model_dir = g_build_filename (g_getenv ("W2VEE_SOURCE_ROOT"), "models", "default",
      NULL);
  work = g_dir_make_tmp ("w2vee-fetch-element-XXXXXX", NULL);
  wav = g_build_filename (work, "talk.wav", NULL);
  espeak[5] = wav;
  g_assert_true (g_spawn_sync (NULL, (char **) espeak, NULL, G_SPAWN_SEARCH_PATH |
          G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  hub = hub_new (NULL);
  hub_add_model_dir (hub, REPO, model_dir);
  g_setenv ("HF_ENDPOINT", hub_endpoint (hub), TRUE);
  g_unsetenv ("HF_TOKEN");
  {
    /* the reference: the same pipeline on the local model */
    GstElement *pipeline = make_pipeline (model_dir);
    Run r = { 0 };

    run (pipeline, &r, NULL);
    g_assert_no_error (r.error);
    g_assert_cmpint (r.set_ret, !=, GST_STATE_CHANGE_FAILURE);
    g_assert_cmpuint (r.texts->len, >, 0);
    reference = g_strdup (r.texts->str);
    g_test_message ("local model: %s", reference);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    run_clear (&r);
    gst_object_unref (pipeline);
  }

  g_test_add ("/fetch/element/async-then-playing", Fixture, NULL, setup,
      test_async_then_playing, teardown);
  g_test_add ("/fetch/element/cancel", Fixture, NULL, setup, test_cancel, teardown);
  g_test_add ("/fetch/element/error", Fixture, NULL, setup, test_error, teardown);
  g_test_add ("/fetch/element/offline", Fixture, NULL, setup, test_offline, teardown);
  g_test_add ("/fetch/element/gst-launch", Fixture, NULL, setup, test_gst_launch,
      teardown);
  ret = g_test_run ();

  hub_free (hub);
  hub_remove_tree (work);
  g_free (wav);
  g_free (work);
  g_free (model_dir);
  g_free (reference);
  gst_deinit ();
  return ret;
}
