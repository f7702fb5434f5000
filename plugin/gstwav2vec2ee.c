/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* GStreamer wav2vec2ee: early-exit wav2vec2 speech recognition.
 */

/**
 * SECTION:element-wav2vec2ee
 * @title: wav2vec2ee
 *
 * Transcribes speech with an early-exit wav2vec2 CTC model (libw2vee, on the
 * CPU). The audio (16 kHz mono F32LE or S16LE) passes through unchanged and is
 * never blocked by inference, except as described under "Overload" below.
 *
 * The audio is cut into segments by silence: a segment ends after
 * #GstWav2vec2ee:min-silence of audio below #GstWav2vec2ee:silence-threshold,
 * when it reaches #GstWav2vec2ee:chunk-duration, at a discontinuity (a
 * timestamp jump of more than 40 ms, a GAP event, a new segment, a new stream
 * or a change of sample format) and at EOS. Each segment keeps up to 200 ms
 * of the silence before and after its speech. A worker thread decodes each
 * segment at the exit #GstWav2vec2ee:exit and publishes the result three
 * ways:
 *
 * - an element message whose structure is named `wav2vec2ee`, fields:
 *   `text` (string, UTF-8), `timestamp` (guint64, ns, PTS of the segment
 *   start), `duration` (guint64, ns, > 0), `stream-time` and `running-time`
 *   (guint64, ns, of the segment start; GST_CLOCK_TIME_NONE when unknown),
 *   `exit` (uint, 1-based), `layer` (uint, 1-based transformer layer of that
 *   exit), `confidence` (double, 0..1), `final` (boolean, always TRUE: there
 *   are no partial results) and `words` (GstValueArray of structures `word`
 *   with `word` (string), `start` (guint64, ns, buffer time), `duration`
 *   (guint64, ns) and `confidence` (double, 0..1)). Read it with
 *   w2vee_gst_message_parse_transcript() (libgstw2vee, docs/meta.md);
 * - a buffer on the always pad `text_src` (text/x-raw, format=utf8) holding
 *   the text without a terminating NUL, PTS = segment start, duration =
 *   segment length. GAP events cover the time without speech; text_src may
 *   stay unlinked;
 * - a W2veeTranscriptMeta on the next audio buffer that leaves the element
 *   after the message was posted (none for results that are ready only after
 *   the last buffer, i.e. those EOS drains: read those from the message or
 *   text_src).
 *
 * Overload: at most 2 segments wait for inference (plus the one being
 * decoded). With a live source, when a third segment ends, the oldest waiting
 * one is dropped and a warning message (GST_RESOURCE_ERROR_BUSY, details
 * `dropped-timestamp` and `dropped-duration`, guint64 ns) names its time
 * range: memory and latency stay bounded. With a non-live source (a file),
 * nothing is dropped: the streaming thread waits for a free slot, so the
 * pipeline runs at the speed of inference.
 *
 * Model URIs: with #GstWav2vec2ee:model set to hf://ORG/NAME[@REVISION] or
 * https://BASE/, the model is fetched into a cache (docs/models.md) by a thread
 * of its own, never on a streaming thread: READY->PAUSED returns
 * GST_STATE_CHANGE_ASYNC (ASYNC_START, then ASYNC_DONE when the model is
 * loaded), posts GST_MESSAGE_PROGRESS messages with code `fetch` (fields `uri`,
 * and for each file `file`, `bytes`, `total`, `percent`), and a change to READY
 * or NULL meanwhile cancels the download (kept for the next try). Buffers and
 * EOS that arrive before the model wait for it.
 *
 * Latency: the audio pads add none. A LATENCY query on text_src adds, for a
 * live source, chunk-duration + min-silence + chunk-duration / 2 (time for
 * the segment to end, be recognised as ended, and be decoded), so that an
 * element like textoverlay waiting for the captions does not make a live
 * pipeline late.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! wav2vec2ee ! fakesink
 * gst-launch-1.0 filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! wav2vec2ee name=asr ! fakesink asr.text_src ! fakesink dump=true
 * gst-launch-1.0 -m filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! wav2vec2ee model=hf://SpeechTek/EE-Wav2Vec2 ! fakesink
 * ]|
 * docs/element.md has the properties, the fields and a longer cookbook.
 */
#include "gstwav2vec2ee.h"

#include <string.h>

#include "w2vee-config.h"
#include "w2vee/w2vee-gst.h"

GST_DEBUG_CATEGORY_STATIC (gst_wav2vec2ee_debug);
#define GST_CAT_DEFAULT gst_wav2vec2ee_debug

#define N_QUEUED 2              /* segments that may wait for inference */
#define N_JOBS (N_QUEUED + 1)   /* job slots: the waiting ones and the running one */
#define SLICE 4096              /* samples fed to the segmenter at a time */
#define MAX_SEGMENTS_PER_PUSH 8
#define MAX_EXITS 128           /* the engine's limit on layers, hence on exits */
#define DISCONT_THRESHOLD (40 * GST_MSECOND) /* a larger timestamp jump drains */
#define GAP_MIN (100 * GST_MSECOND)  /* shortest GAP event pushed on text_src */

#define DEFAULT_MODEL NULL
#define DEFAULT_EXIT 0
#define DEFAULT_SILENCE_THRESHOLD -40.0
#define DEFAULT_MIN_SILENCE (500 * GST_MSECOND)
#define DEFAULT_CHUNK_DURATION (10 * GST_SECOND)
#define DEFAULT_THREADS 0
#define DEFAULT_ALLOW_PICKLE TRUE

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_EXIT,
  PROP_N_EXITS,
  PROP_EXIT_LAYERS,
  PROP_SILENCE_THRESHOLD,
  PROP_MIN_SILENCE,
  PROP_CHUNK_DURATION,
  PROP_THREADS,
  PROP_ALLOW_PICKLE,
};

#define AUDIO_CAPS \
    "audio/x-raw, format = (string) { F32LE, S16LE }, rate = (int) 16000, " \
    "channels = (int) 1, layout = (string) interleaved"
#define TEXT_CAPS "text/x-raw, format = (string) utf8"

static GstStaticPadTemplate text_src_template =
GST_STATIC_PAD_TEMPLATE ("text_src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS (TEXT_CAPS));

/* This plugin's file (set by plugin_init), passed to w2vee_default_model_path(),
 * which no longer uses it: a build tree's models/default comes from $W2VEE_MODEL
 * (meson devenv, the tests). */
static gchar *plugin_filename;

#define gst_wav2vec2ee_parent_class parent_class
G_DEFINE_TYPE (GstWav2vec2ee, gst_wav2vec2ee, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (wav2vec2ee, "wav2vec2ee", GST_RANK_NONE,
    GST_TYPE_WAV2VEC2EE);

static void gst_wav2vec2ee_finalize (GObject * object);
static void gst_wav2vec2ee_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_wav2vec2ee_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_wav2vec2ee_change_state (GstElement * element,
    GstStateChange transition);
static gboolean gst_wav2vec2ee_start (GstBaseTransform * trans);
static gboolean gst_wav2vec2ee_stop (GstBaseTransform * trans);
static gboolean gst_wav2vec2ee_setup (GstAudioFilter * filter,
    const GstAudioInfo * info);
static gboolean gst_wav2vec2ee_sink_event (GstBaseTransform * trans,
    GstEvent * event);
static void gst_wav2vec2ee_before_transform (GstBaseTransform * trans,
    GstBuffer * buffer);
static GstFlowReturn gst_wav2vec2ee_transform_ip (GstBaseTransform * trans,
    GstBuffer * buffer);
static gboolean gst_wav2vec2ee_text_query (GstPad * pad, GstObject * parent,
    GstQuery * query);
static gboolean gst_wav2vec2ee_text_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gpointer gst_wav2vec2ee_worker (gpointer data);
static gboolean gst_wav2vec2ee_start_streaming (GstWav2vec2ee * self);

static void
gst_wav2vec2ee_class_init (GstWav2vec2eeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  gobject_class->finalize = gst_wav2vec2ee_finalize;
  gobject_class->set_property = gst_wav2vec2ee_set_property;
  gobject_class->get_property = gst_wav2vec2ee_get_property;

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Model directory (Hugging Face layout: config.json, model.safetensors, "
          "vocab.json) or URI (hf://ORG/NAME[@REVISION], https://BASE/: fetched "
          "into the cache by a thread while READY->PAUSED is ASYNC). NULL: "
          "$W2VEE_MODEL, else the default model. A directory loads at NULL->READY; "
          "a change in READY is loaded at READY->PAUSED",
          DEFAULT_MODEL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_EXIT,
      g_param_spec_uint ("exit", "Exit",
          "Exit to decode at, 1 (shallowest, fastest) .. n-exits (deepest); "
          "0 = the deepest. Larger values are clamped to n-exits with a warning. "
          "Applies to every segment that ends after the change",
          0, MAX_EXITS, DEFAULT_EXIT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | GST_PARAM_CONTROLLABLE));
  g_object_class_install_property (gobject_class, PROP_N_EXITS,
      g_param_spec_uint ("n-exits", "Number of exits",
          "Number of exits of the loaded model (0 until it is loaded at "
          "NULL->READY)", 0, MAX_EXITS, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_EXIT_LAYERS,
      gst_param_spec_array ("exit-layers", "Exit layers",
          "Transformer layer (1-based) each exit reads, exit 1 first "
          "(empty until the model is loaded)",
          g_param_spec_uint ("layer", "Layer",
              "Transformer layer (1-based)", 1, G_MAXUINT, 1,
              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS),
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_SILENCE_THRESHOLD,
      g_param_spec_double ("silence-threshold", "Silence threshold",
          "10 ms blocks whose RMS is below this level are silence, in dBFS "
          "(applied at READY->PAUSED)", -120.0, 0.0, DEFAULT_SILENCE_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MIN_SILENCE,
      g_param_spec_uint64 ("min-silence", "Minimum silence",
          "Silence that ends a segment, in nanoseconds, 10 ms .. 10 s "
          "(applied at READY->PAUSED)", 10 * GST_MSECOND, 10 * GST_SECOND,
          DEFAULT_MIN_SILENCE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_CHUNK_DURATION,
      g_param_spec_uint64 ("chunk-duration", "Chunk duration",
          "Longest segment, in nanoseconds, 1 s .. 30 s: longer speech is cut, "
          "at the quietest 10 ms of its last 2 s when there is a pause "
          "(applied at READY->PAUSED)", GST_SECOND, 30 * GST_SECOND,
          DEFAULT_CHUNK_DURATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Inference threads, 0 = one per online CPU (applied at "
          "READY->PAUSED)", 0, 1024, DEFAULT_THREADS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_ALLOW_PICKLE,
      g_param_spec_boolean ("allow-pickle", "Allow pickle",
          "Load pytorch_model.bin (read by a restricted pickle reader) when the "
          "model has no model.safetensors; FALSE: safetensors only (applied at the "
          "next model load)", DEFAULT_ALLOW_PICKLE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  gst_element_class_set_static_metadata (element_class,
      "wav2vec2 early-exit speech recognizer", "Filter/Analyzer/Audio",
      "Transcribes speech with an early-exit wav2vec2 CTC model; posts "
      "element messages, pushes text on text_src and adds a meta to the audio",
      "The gst-wav2vec2ee authors (AUTHORS in the source tree)");
  gst_element_class_add_static_pad_template (element_class,
      &text_src_template);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_wav2vec2ee_change_state);

  caps = gst_caps_from_string (AUDIO_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_wav2vec2ee_setup);

  trans_class->start = GST_DEBUG_FUNCPTR (gst_wav2vec2ee_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_wav2vec2ee_stop);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_wav2vec2ee_sink_event);
  trans_class->before_transform =
      GST_DEBUG_FUNCPTR (gst_wav2vec2ee_before_transform);
  trans_class->transform_ip = GST_DEBUG_FUNCPTR (gst_wav2vec2ee_transform_ip);
  /* The audio is never modified, but the buffer must be writable for the
   * meta: in place, not passthrough (a shared buffer costs a shallow copy). */
  trans_class->passthrough_on_same_caps = FALSE;

  GST_DEBUG_CATEGORY_INIT (gst_wav2vec2ee_debug, "wav2vec2ee", 0,
      "wav2vec2 early-exit speech recognizer");
}

static void
gst_wav2vec2ee_init (GstWav2vec2ee * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  gst_base_transform_set_in_place (trans, TRUE);
  gst_base_transform_set_passthrough (trans, FALSE);
  /* GAP-flagged audio goes out still flagged: the samples are not touched */
  gst_base_transform_set_gap_aware (trans, TRUE);

  self->text_srcpad =
      gst_pad_new_from_static_template (&text_src_template, "text_src");
  gst_pad_set_query_function (self->text_srcpad,
      GST_DEBUG_FUNCPTR (gst_wav2vec2ee_text_query));
  gst_pad_set_event_function (self->text_srcpad,
      GST_DEBUG_FUNCPTR (gst_wav2vec2ee_text_event));
  gst_pad_use_fixed_caps (self->text_srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->text_srcpad);

  self->model_location = g_strdup (DEFAULT_MODEL);
  self->exit = DEFAULT_EXIT;
  self->silence_threshold = DEFAULT_SILENCE_THRESHOLD;
  self->min_silence = DEFAULT_MIN_SILENCE;
  self->chunk_duration = DEFAULT_CHUNK_DURATION;
  self->threads = DEFAULT_THREADS;
  self->allow_pickle = DEFAULT_ALLOW_PICKLE;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->free_jobs);
  g_queue_init (&self->queued_jobs);
  g_queue_init (&self->results);
  self->base_pts = GST_CLOCK_TIME_NONE;
  self->gap_until = GST_CLOCK_TIME_NONE;
  self->text_position = GST_CLOCK_TIME_NONE;
  gst_segment_init (&self->gap_segment, GST_FORMAT_TIME);
  gst_segment_init (&self->text_segment, GST_FORMAT_TIME);
}

static void
gst_wav2vec2ee_finalize (GObject * object)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (object);

  g_free (self->model_location);
  g_free (self->model_path);
  g_free (self->fetch_uri);
  g_clear_pointer (&self->model, w2vee_model_unref);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_wav2vec2ee_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (object);
  gboolean late = FALSE;        /* a READY property set in PAUSED or PLAYING */

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_location);
      self->model_location = g_value_dup_string (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_EXIT:{
      guint exit = g_value_get_uint (value);
      guint n_exits = self->n_exits;

      self->exit = n_exits > 0 ? MIN (exit, n_exits) : exit;
      GST_OBJECT_UNLOCK (self);
      if (n_exits > 0 && exit > n_exits)
        GST_WARNING_OBJECT (self, "exit %u is out of range 1..%u: using %u",
            exit, n_exits, n_exits);
      return;
    }
    case PROP_SILENCE_THRESHOLD:
      self->silence_threshold = g_value_get_double (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_MIN_SILENCE:
      self->min_silence = g_value_get_uint64 (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_CHUNK_DURATION:
      self->chunk_duration = g_value_get_uint64 (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_ALLOW_PICKLE:
      self->allow_pickle = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);

  if (late)
    GST_WARNING_OBJECT (self, "\"%s\" changed while running: it takes effect "
        "at the next READY->PAUSED", pspec->name);
}

static void
gst_wav2vec2ee_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      if (self->model_location != NULL) {
        g_value_set_string (value, self->model_location);
      } else {
        GST_OBJECT_UNLOCK (self);
        g_value_take_string (value,
            w2vee_default_model_path (plugin_filename, NULL));
        return;
      }
      break;
    case PROP_EXIT:
      g_value_set_uint (value, self->exit);
      break;
    case PROP_N_EXITS:
      g_value_set_uint (value, self->n_exits);
      break;
    case PROP_EXIT_LAYERS:{
      GValue layer = G_VALUE_INIT;

      g_value_init (&layer, G_TYPE_UINT);
      for (guint e = 1; e <= self->n_exits; e++) {
        g_value_set_uint (&layer, w2vee_model_exit_layer (self->model, e));
        gst_value_array_append_value (value, &layer);
      }
      g_value_unset (&layer);
      break;
    }
    case PROP_SILENCE_THRESHOLD:
      g_value_set_double (value, self->silence_threshold);
      break;
    case PROP_MIN_SILENCE:
      g_value_set_uint64 (value, self->min_silence);
      break;
    case PROP_CHUNK_DURATION:
      g_value_set_uint64 (value, self->chunk_duration);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_ALLOW_PICKLE:
      g_value_set_boolean (value, self->allow_pickle);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------- */
/* Model                                                                     */
/* ------------------------------------------------------------------------- */

static GstResourceError
resource_error_code (const GError * error)
{
  if (error->domain != W2VEE_ERROR)
    return GST_RESOURCE_ERROR_FAILED;
  switch (error->code) {
    case W2VEE_ERROR_NOT_FOUND:
    case W2VEE_ERROR_OFFLINE:
      return GST_RESOURCE_ERROR_NOT_FOUND;
    case W2VEE_ERROR_IO:
      return GST_RESOURCE_ERROR_OPEN_READ;
    case W2VEE_ERROR_NETWORK:
    case W2VEE_ERROR_CHECKSUM:
      return GST_RESOURCE_ERROR_READ;
    case W2VEE_ERROR_INVALID_ARGUMENT:
      return GST_RESOURCE_ERROR_SETTINGS;
    default:
      return GST_RESOURCE_ERROR_FAILED;
  }
}

/* Posts the error message of a model that could not be loaded or fetched. */
static void
gst_wav2vec2ee_post_model_error (GstWav2vec2ee * self, const gchar * path,
    const GError * error)
{
  /* GST_ELEMENT_ERROR with a code chosen at run time */
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
      GST_RESOURCE_ERROR, resource_error_code (error),
      g_strdup_printf ("Could not load the model \"%s\": %s", path, error->message),
      g_strdup_printf ("w2vee error code %d", error->code), __FILE__,
      GST_FUNCTION, __LINE__);
}

/* The model path or URI the properties name: "model", else the default one. Posts
 * an element error when there is none. */
static gchar *
gst_wav2vec2ee_model_location (GstWav2vec2ee * self)
{
  g_autoptr (GError) error = NULL;
  gchar *path;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->model_location);
  GST_OBJECT_UNLOCK (self);

  if (path == NULL)
    path = w2vee_default_model_path (plugin_filename, &error);
  if (path == NULL)
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No model: set the \"model\" property or the W2VEE_MODEL environment "
            "variable to a model directory or URI."), ("%s", error->message));
  return path;
}

/* Whether @path is the model loaded now. */
static gboolean
gst_wav2vec2ee_has_model (GstWav2vec2ee * self, const gchar * path)
{
  gboolean same;

  GST_OBJECT_LOCK (self);
  same = self->model != NULL && g_strcmp0 (self->model_path, path) == 0;
  GST_OBJECT_UNLOCK (self);
  return same;
}

/* Makes @model (transfer full), loaded from @path (transfer full), the model. */
static void
gst_wav2vec2ee_set_model (GstWav2vec2ee * self, W2veeModel * model, gchar * path)
{
  W2veeModel *old;

  GST_INFO_OBJECT (self, "loaded %s: %u exits, %u layers, %" G_GSIZE_FORMAT
      " bytes of weights", path, w2vee_model_n_exits (model),
      w2vee_model_n_layers (model), w2vee_model_weight_bytes (model));
  GST_OBJECT_LOCK (self);
  old = self->model;
  self->model = model;
  g_free (self->model_path);
  self->model_path = path;
  self->n_exits = w2vee_model_n_exits (model);
  GST_OBJECT_UNLOCK (self);

  g_clear_pointer (&old, w2vee_model_unref);
  g_object_notify (G_OBJECT (self), "n-exits");
  g_object_notify (G_OBJECT (self), "exit-layers");
}

/* allow-pickle as w2vee_model_load_full() flags (takes the object lock). */
static W2veeLoadFlags
gst_wav2vec2ee_load_flags (GstWav2vec2ee * self)
{
  gboolean allow;

  GST_OBJECT_LOCK (self);
  allow = self->allow_pickle;
  GST_OBJECT_UNLOCK (self);
  return allow ? W2VEE_LOAD_DEFAULT : W2VEE_LOAD_NO_PICKLE;
}

/* Loads the model the properties name unless it is loaded already. A URI is never
 * fetched here (that would block the state change): with @uri_later it is left
 * for READY->PAUSED, else it must have been fetched. Posts an element error naming
 * the path and the reason on failure. */
static gboolean
gst_wav2vec2ee_load_model (GstWav2vec2ee * self, gboolean uri_later)
{
  g_autofree gchar *path = gst_wav2vec2ee_model_location (self);
  g_autoptr (GError) error = NULL;
  W2veeModel *model;

  if (path == NULL)
    return FALSE;
  if (gst_wav2vec2ee_has_model (self, path))
    return TRUE;
  if (w2vee_uri_is_remote (path)) {
    if (uri_later)
      return TRUE;
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("The model \"%s\" changed while "
            "the element was starting.", path), (NULL));
    return FALSE;
  }

  model = w2vee_model_load_full (path, gst_wav2vec2ee_load_flags (self), &error);
  if (model == NULL) {
    gst_wav2vec2ee_post_model_error (self, path, error);
    return FALSE;
  }
  gst_wav2vec2ee_set_model (self, model, g_steal_pointer (&path));
  return TRUE;
}

static void
gst_wav2vec2ee_unload_model (GstWav2vec2ee * self)
{
  W2veeModel *model;

  GST_OBJECT_LOCK (self);
  model = g_steal_pointer (&self->model);
  g_clear_pointer (&self->model_path, g_free);
  self->n_exits = 0;
  GST_OBJECT_UNLOCK (self);

  if (model == NULL)
    return;
  w2vee_model_unref (model);
  g_object_notify (G_OBJECT (self), "n-exits");
  g_object_notify (G_OBJECT (self), "exit-layers");
}

/* ------------------------------------------------------------------------- */
/* Fetching a model URI (READY->PAUSED returns ASYNC meanwhile)              */
/* ------------------------------------------------------------------------- */

/* One fetch: made at READY->PAUSED, filled by the fetch thread, consumed by
 * gst_wav2vec2ee_fetch_done(). */
typedef struct {
  GstWav2vec2ee *self;          /* no reference: the thread is joined before NULL */
  gchar *uri;
  guint cookie;                 /* self->fetch_cookie when it started */
  GCancellable *cancellable;
  gchar *dir;                   /* the snapshot directory, or NULL and @error */
  W2veeModel *model;            /* loaded from @dir, or NULL and @error */
  GError *error;
} GstWav2vec2eeFetch;

static void
gst_wav2vec2ee_fetch_free (gpointer data)
{
  GstWav2vec2eeFetch *fetch = data;

  g_free (fetch->uri);
  g_clear_object (&fetch->cancellable);
  g_free (fetch->dir);
  g_clear_pointer (&fetch->model, w2vee_model_unref);
  g_clear_error (&fetch->error);
  g_free (fetch);
}

/* A GST_MESSAGE_PROGRESS with code "fetch" and the field "uri". */
static GstMessage *
gst_wav2vec2ee_progress_message (GstWav2vec2ee * self, GstProgressType type,
    const gchar * uri, const gchar * text)
{
  GstMessage *msg = gst_message_new_progress (GST_OBJECT (self), type, "fetch", text);

  gst_structure_set (gst_message_writable_structure (msg), "uri", G_TYPE_STRING, uri,
      NULL);
  return msg;
}

/* Called by the engine from the fetch thread, at most every 100 ms per file. */
static void
gst_wav2vec2ee_fetch_progress (const char *file, guint64 done, guint64 total,
    gpointer data)
{
  GstWav2vec2eeFetch *fetch = data;
  gint percent = total > 0 ? (gint) (done * 100 / total) : 100;
  g_autofree gchar *size = g_format_size (total);
  g_autofree gchar *text = g_strdup_printf ("%s: %d%% of %s", file, percent, size);
  GstMessage *msg = gst_wav2vec2ee_progress_message (fetch->self,
      GST_PROGRESS_TYPE_CONTINUE, fetch->uri, text);

  gst_structure_set (gst_message_writable_structure (msg), "percent", G_TYPE_INT,
      percent, "file", G_TYPE_STRING, file, "bytes", G_TYPE_UINT64, done, "total",
      G_TYPE_UINT64, total, NULL);
  gst_element_post_message (GST_ELEMENT (fetch->self), msg);
}

static void gst_wav2vec2ee_fetch_done (GstElement * element, gpointer data);

static gpointer
gst_wav2vec2ee_fetch_thread (gpointer data)
{
  GstWav2vec2eeFetch *fetch = data;
  W2veeFetchParams params = w2vee_fetch_default_params ();

  params.cancellable = fetch->cancellable;
  params.progress = gst_wav2vec2ee_fetch_progress;
  params.progress_data = fetch;
  fetch->dir = w2vee_fetch (fetch->uri, &params, &fetch->error);
  if (fetch->dir != NULL)
    fetch->model = w2vee_model_load_full (fetch->dir,
        gst_wav2vec2ee_load_flags (fetch->self), &fetch->error);
  GST_DEBUG_OBJECT (fetch->self, "fetch of %s done: %s", fetch->uri,
      fetch->model != NULL ? fetch->dir : fetch->error->message);
  /* the state change is completed under the state lock, which this thread never
   * takes: a cancelling state change may join it */
  gst_element_call_async (GST_ELEMENT (fetch->self), gst_wav2vec2ee_fetch_done, fetch,
      gst_wav2vec2ee_fetch_free);
  return NULL;
}

/* READY->PAUSED with a URI not loaded yet (state lock held): starts the fetch
 * thread, marks start() as deferred and posts ASYNC_START. */
static gboolean
gst_wav2vec2ee_start_fetch (GstWav2vec2ee * self, const gchar * uri)
{
  GstWav2vec2eeFetch *fetch = g_new0 (GstWav2vec2eeFetch, 1);
  g_autofree gchar *text = g_strdup_printf ("Fetching the model %s", uri);
  g_autoptr (GError) error = NULL;

  fetch->self = self;
  fetch->uri = g_strdup (uri);
  g_free (self->fetch_uri);
  self->fetch_uri = g_strdup (uri);
  fetch->cancellable = g_cancellable_new ();
  GST_OBJECT_LOCK (self);
  fetch->cookie = ++self->fetch_cookie;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  self->model_pending = TRUE;
  self->fetch_failed = FALSE;
  g_mutex_unlock (&self->lock);

  gst_element_post_message (GST_ELEMENT (self),
      gst_wav2vec2ee_progress_message (self, GST_PROGRESS_TYPE_START, uri, text));
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_async_start (GST_OBJECT (self)));
  self->async_pending = TRUE;
  self->fetch_cancellable = g_object_ref (fetch->cancellable);
  self->fetch_thread = g_thread_try_new ("wav2vec2ee-fetch",
      gst_wav2vec2ee_fetch_thread, fetch, &error);
  if (self->fetch_thread == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not start the thread fetching the model: %s", error->message), (NULL));
    gst_wav2vec2ee_fetch_free (fetch);
    return FALSE;
  }
  GST_INFO_OBJECT (self, "fetching %s", uri);
  return TRUE;
}

/* Stops a fetch in progress and forgets its result (state lock held). */
static void
gst_wav2vec2ee_cancel_fetch (GstWav2vec2ee * self)
{
  GST_OBJECT_LOCK (self);
  self->fetch_cookie++;         /* a result already on its way is dropped */
  GST_OBJECT_UNLOCK (self);

  if (self->fetch_thread != NULL) {
    GST_INFO_OBJECT (self, "cancelling the fetch");
    g_cancellable_cancel (self->fetch_cancellable);
    g_thread_join (g_steal_pointer (&self->fetch_thread));
  }
  g_clear_object (&self->fetch_cancellable);

  g_mutex_lock (&self->lock);
  self->model_pending = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (self->async_pending) {
    self->async_pending = FALSE;
    gst_element_post_message (GST_ELEMENT (self),
        gst_wav2vec2ee_progress_message (self, GST_PROGRESS_TYPE_CANCELED,
            self->fetch_uri, "Fetching the model was cancelled"));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_async_done (GST_OBJECT (self), GST_CLOCK_TIME_NONE));
  }
  g_clear_pointer (&self->fetch_uri, g_free);
}

/* Runs on a GStreamer thread (gst_element_call_async) once the fetch thread is
 * done: installs the model, does the start() that was deferred and completes the
 * ASYNC state change, or aborts it. */
static void
gst_wav2vec2ee_fetch_done (GstElement * element, gpointer data)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (element);
  GstWav2vec2eeFetch *fetch = data;
  g_autofree gchar *text = NULL;
  gboolean current, ok;

  GST_STATE_LOCK (element);
  GST_OBJECT_LOCK (self);
  current = fetch->cookie == self->fetch_cookie && self->async_pending;
  GST_OBJECT_UNLOCK (self);
  if (!current) {
    GST_DEBUG_OBJECT (self, "dropping the result of a cancelled fetch");
    GST_STATE_UNLOCK (element);
    return;
  }
  g_thread_join (g_steal_pointer (&self->fetch_thread));
  g_clear_object (&self->fetch_cancellable);
  self->async_pending = FALSE;

  ok = fetch->model != NULL;
  if (!ok) {
    gst_element_post_message (element, gst_wav2vec2ee_progress_message (self,
            GST_PROGRESS_TYPE_ERROR, fetch->uri, fetch->error->message));
    gst_wav2vec2ee_post_model_error (self, fetch->uri, fetch->error);
  } else {
    gst_wav2vec2ee_set_model (self, g_steal_pointer (&fetch->model),
        g_strdup (fetch->uri));
    ok = gst_wav2vec2ee_start_streaming (self);
  }

  g_mutex_lock (&self->lock);
  self->model_pending = FALSE;
  self->fetch_failed = !ok;
  g_cond_broadcast (&self->cond);     /* the streaming thread may be waiting */
  g_mutex_unlock (&self->lock);

  if (!ok) {
    if (fetch->error == NULL)   /* the deferred start failed (error posted) */
      gst_element_post_message (element, gst_wav2vec2ee_progress_message (self,
              GST_PROGRESS_TYPE_ERROR, fetch->uri, "The element could not start"));
    gst_element_abort_state (element);
    GST_STATE_UNLOCK (element);
    return;
  }
  text = g_strdup_printf ("Fetched the model %s into %s", fetch->uri, fetch->dir);
  gst_element_post_message (element, gst_wav2vec2ee_progress_message (self,
          GST_PROGRESS_TYPE_COMPLETE, fetch->uri, text));
  gst_element_continue_state (element, GST_STATE_CHANGE_SUCCESS);
  gst_element_post_message (element,
      gst_message_new_async_done (GST_OBJECT (self), GST_CLOCK_TIME_NONE));
  GST_STATE_UNLOCK (element);
}

static GstStateChangeReturn
gst_wav2vec2ee_change_state (GstElement * element, GstStateChange transition)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (element);
  GstStateChangeReturn ret;
  gboolean fetching = FALSE;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!gst_wav2vec2ee_load_model (self, TRUE))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_READY_TO_PAUSED:{
      g_autofree gchar *path = gst_wav2vec2ee_model_location (self);

      if (path == NULL)
        return GST_STATE_CHANGE_FAILURE;
      if (w2vee_uri_is_remote (path) && !gst_wav2vec2ee_has_model (self, path)) {
        if (!gst_wav2vec2ee_start_fetch (self, path)) {
          gst_wav2vec2ee_cancel_fetch (self);
          return GST_STATE_CHANGE_FAILURE;
        }
        fetching = TRUE;
      }
      break;
    }
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* release a streaming thread waiting in EOS, for a free slot or for the
       * model before the pads are deactivated (which waits for the streaming
       * thread) */
      g_mutex_lock (&self->lock);
      self->stopping = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      gst_wav2vec2ee_cancel_fetch (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      gst_wav2vec2ee_cancel_fetch (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (fetching)
      gst_wav2vec2ee_cancel_fetch (self);
    return ret;
  }
  if (fetching)
    return GST_STATE_CHANGE_ASYNC;      /* completed by gst_wav2vec2ee_fetch_done */

  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    gst_wav2vec2ee_unload_model (self);
  return ret;
}

/* ------------------------------------------------------------------------- */
/* start / stop                                                              */
/* ------------------------------------------------------------------------- */

/* Frees what gst_wav2vec2ee_start_streaming() allocated; no worker may run. */
static void
gst_wav2vec2ee_free_resources (GstWav2vec2ee * self)
{
  g_mutex_lock (&self->lock);
  g_queue_clear (&self->free_jobs);
  g_queue_clear (&self->queued_jobs);
  g_mutex_unlock (&self->lock);
  if (self->jobs != NULL) {
    for (guint i = 0; i < N_JOBS; i++)
      g_free (self->jobs[i].samples);
    g_clear_pointer (&self->jobs, g_free);
  }
  g_clear_pointer (&self->session, w2vee_session_free);
  g_clear_pointer (&self->segmenter, w2vee_segmenter_free);
  g_clear_pointer (&self->pending, g_array_unref);
  g_clear_pointer (&self->scratch, g_free);
}

/* Frees what start() allocated; the worker must not be running. */
static void
gst_wav2vec2ee_free_streaming (GstWav2vec2ee * self)
{
  gst_wav2vec2ee_free_resources (self);
  g_queue_clear_full (&self->results,
      (GDestroyNotify) w2vee_gst_transcript_free);
  g_clear_pointer (&self->upstream_stream_id, g_free);
  self->have_format = FALSE;
}

/* The state the streaming thread and the worker share, as at the start of a
 * stream (before any event or data). */
static void
gst_wav2vec2ee_reset_stream (GstWav2vec2ee * self)
{
  GstClockTime chunk, min_silence;

  GST_OBJECT_LOCK (self);
  chunk = self->chunk_duration;
  min_silence = self->min_silence;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  self->text_latency = chunk + min_silence + chunk / 2;
  self->epoch = 0;
  self->flushing = FALSE;
  self->stopping = FALSE;
  self->emitting = FALSE;
  self->eos = FALSE;
  self->text_eos = FALSE;
  self->gap_until = GST_CLOCK_TIME_NONE;
  self->text_position = GST_CLOCK_TIME_NONE;
  gst_segment_init (&self->gap_segment, GST_FORMAT_TIME);
  gst_segment_init (&self->text_segment, GST_FORMAT_TIME);
  self->have_group_id = FALSE;
  self->need_stream_start = TRUE;
  self->need_segment = TRUE;
  self->need_preroll_gap = TRUE;
  g_mutex_unlock (&self->lock);
}

/* Pads are being activated (READY->PAUSED). With a model URI being fetched, the
 * allocations and the worker wait for gst_wav2vec2ee_fetch_done(); events are
 * handled meanwhile, data and EOS wait (gst_wav2vec2ee_wait_model()). */
static gboolean
gst_wav2vec2ee_start (GstBaseTransform * trans)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (trans);
  gboolean deferred;

  g_mutex_lock (&self->lock);
  deferred = self->model_pending;
  g_mutex_unlock (&self->lock);
  /* a model set in READY is loaded now */
  if (!deferred && !gst_wav2vec2ee_load_model (self, FALSE))
    return FALSE;
  gst_wav2vec2ee_reset_stream (self);
  if (deferred) {
    GST_DEBUG_OBJECT (self, "start deferred until the model is fetched");
    return TRUE;
  }
  return gst_wav2vec2ee_start_streaming (self);
}

/* Allocates what the streaming thread and the worker need, starts the worker and
 * marks the element started; the model must be loaded. Deferred (a fetched model),
 * this runs while the streaming thread may handle events: it touches only what
 * those leave alone until the element is started. */
static gboolean
gst_wav2vec2ee_start_streaming (GstWav2vec2ee * self)
{
  W2veeSessionParams session_params = w2vee_session_default_params ();
  W2veeSegmenterParams seg_params = w2vee_segmenter_default_params ();
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeModel) model = NULL;
  GstClockTime chunk, min_silence;

  GST_OBJECT_LOCK (self);
  model = w2vee_model_ref (self->model);
  chunk = self->chunk_duration;
  min_silence = self->min_silence;
  seg_params.silence_threshold_db = self->silence_threshold;
  session_params.n_threads = self->threads;
  GST_OBJECT_UNLOCK (self);

  self->max_samples = gst_util_uint64_scale (chunk, W2VEE_SAMPLE_RATE,
      GST_SECOND);
  seg_params.min_silence_samples = gst_util_uint64_scale (min_silence,
      W2VEE_SAMPLE_RATE, GST_SECOND);
  seg_params.max_segment_samples = self->max_samples;
  session_params.max_samples = self->max_samples;

  self->session = w2vee_session_new (model, &session_params, &error);
  if (self->session == NULL)
    goto no_session;
  GST_INFO_OBJECT (self, "session for %" G_GSIZE_FORMAT " samples: %"
      G_GSIZE_FORMAT " bytes of workspace", self->max_samples,
      w2vee_session_workspace_bytes (self->session));

  self->segmenter = w2vee_segmenter_new (&seg_params);
  /* keep_from() lags the input by at most one segment plus the 200 ms
   * pre-roll and a partial block; one more slice is fed before trimming */
  self->pending = g_array_sized_new (FALSE, FALSE, sizeof (float),
      self->max_samples + W2VEE_SAMPLE_RATE / 2 + SLICE);
  self->pending_start = 0;
  self->position = 0;
  self->base_pts = GST_CLOCK_TIME_NONE;
  self->scratch = g_new (float, SLICE);
  self->warned_exit = 0;
  self->live = -1;

  self->jobs = g_new0 (GstWav2vec2eeJob, N_JOBS);
  for (guint i = 0; i < N_JOBS; i++)
    self->jobs[i].samples = g_new (float, self->max_samples);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < N_JOBS; i++)
    g_queue_push_tail (&self->free_jobs, &self->jobs[i]);
  self->text_latency = chunk + min_silence + chunk / 2;
  g_mutex_unlock (&self->lock);

  self->worker = g_thread_try_new ("wav2vec2ee", gst_wav2vec2ee_worker, self,
      &error);
  if (self->worker == NULL)
    goto no_thread;

  g_mutex_lock (&self->lock);
  self->started = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "started");
  return TRUE;

no_session:
  {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("Could not allocate the inference workspace for %" GST_TIME_FORMAT
            " segments: %s", GST_TIME_ARGS (chunk), error->message), (NULL));
    gst_wav2vec2ee_free_resources (self);
    return FALSE;
  }
no_thread:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not start the inference thread: %s", error->message), (NULL));
    gst_wav2vec2ee_free_resources (self);
    return FALSE;
  }
}

static gboolean
gst_wav2vec2ee_stop (GstBaseTransform * trans)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (trans);

  g_mutex_lock (&self->lock);
  self->started = FALSE;
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  /* waits for the segment being decoded, if any */
  if (self->worker != NULL)
    g_thread_join (g_steal_pointer (&self->worker));
  gst_wav2vec2ee_free_streaming (self);
  GST_DEBUG_OBJECT (self, "stopped");
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Streaming thread: segmentation and the job queue                          */
/* ------------------------------------------------------------------------- */

/* GstPad unsets a sink pad's flushing flag before it calls the activation
 * (start()): data and events may arrive while start() runs. Until start() is
 * done they are refused or ignored. */
static gboolean
gst_wav2vec2ee_is_started (GstWav2vec2ee * self)
{
  gboolean started;

  g_mutex_lock (&self->lock);
  started = self->started;
  g_mutex_unlock (&self->lock);
  return started;
}

/* Data and events may arrive while a model URI is still being fetched (pads are
 * active from READY->PAUSED on): they wait here for the deferred start(), or until
 * flushing or stopping. Returns FALSE when that wait ended without a model
 * (flushing, stopping, or the fetch failed), TRUE otherwise. @flow: GST_FLOW_OK
 * when started, GST_FLOW_ERROR when the fetch failed (its error message is
 * posted), else GST_FLOW_FLUSHING. */
static gboolean
gst_wav2vec2ee_wait_model (GstWav2vec2ee * self, GstFlowReturn * flow)
{
  gboolean ok;

  g_mutex_lock (&self->lock);
  while (!self->started && self->model_pending && !self->flushing && !self->stopping)
    g_cond_wait (&self->cond, &self->lock);
  ok = self->started || (!self->model_pending && !self->fetch_failed);
  *flow = self->started ? GST_FLOW_OK : self->fetch_failed ? GST_FLOW_ERROR :
      GST_FLOW_FLUSHING;
  g_mutex_unlock (&self->lock);
  return ok;
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

/* Hands a segment to the worker. @wait: wait for a free slot instead of
 * dropping the oldest waiting segment (at EOS, or upstream not live). */
static void
gst_wav2vec2ee_queue_segment (GstWav2vec2ee * self, const W2veeSegment * seg,
    gboolean wait)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstWav2vec2eeJob *job = NULL;
  GstClockTime dropped_pts = GST_CLOCK_TIME_NONE, dropped_duration = 0;
  guint exit;

  if (seg->start < self->pending_start
      || seg->start + seg->length > self->pending_start + self->pending->len) {
    GST_ERROR_OBJECT (self, "segment %" G_GUINT64_FORMAT "+%" G_GSIZE_FORMAT
        " outside the pending audio", seg->start, seg->length);
    return;
  }
  exit = gst_wav2vec2ee_active_exit (self);
  if (!wait)
    wait = !gst_wav2vec2ee_upstream_live (self);

  g_mutex_lock (&self->lock);
  while (!self->flushing && !self->stopping) {
    job = g_queue_pop_head (&self->free_jobs);
    if (job != NULL)
      break;
    if (!wait && (job = g_queue_pop_head (&self->queued_jobs)) != NULL) {
      dropped_pts = job->pts;
      dropped_duration = job->duration;
      break;
    }
    g_cond_wait (&self->cond, &self->lock);
  }
  g_mutex_unlock (&self->lock);
  if (job == NULL)
    return;                     /* flushing or stopping: the segment is moot */

  memcpy (job->samples, &g_array_index (self->pending, float,
          seg->start - self->pending_start), seg->length * sizeof (float));
  job->n_samples = seg->length;
  job->exit = exit;
  job->pts = self->base_pts + w2vee_samples_to_ns (seg->start);
  job->duration = self->base_pts + w2vee_samples_to_ns (seg->start +
      seg->length) - job->pts;
  job->segment = trans->segment;
  job->closed_us = g_get_monotonic_time ();
  GST_DEBUG_OBJECT (self, "segment %" GST_TIME_FORMAT " + %" GST_TIME_FORMAT
      " at exit %u", GST_TIME_ARGS (job->pts), GST_TIME_ARGS (job->duration),
      exit);

  g_mutex_lock (&self->lock);
  if (self->flushing || self->stopping) {
    g_queue_push_tail (&self->free_jobs, job);
  } else {
    job->epoch = self->epoch;
    g_queue_push_tail (&self->queued_jobs, job);
  }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (GST_CLOCK_TIME_IS_VALID (dropped_pts)) {
    GST_ELEMENT_WARNING_WITH_DETAILS (self, RESOURCE, BUSY,
        ("Speech recognition is slower than real time: dropped the segment "
            "%" GST_TIME_FORMAT " - %" GST_TIME_FORMAT ".",
            GST_TIME_ARGS (dropped_pts),
            GST_TIME_ARGS (dropped_pts + dropped_duration)),
        ("%d segments were waiting for inference", N_QUEUED),
        ("dropped-timestamp", G_TYPE_UINT64, (guint64) dropped_pts,
            "dropped-duration", G_TYPE_UINT64, (guint64) dropped_duration,
            NULL));
  }
}

/* Text before @until has no segment to wait for, except the queued ones. */
static void
gst_wav2vec2ee_set_gap_until (GstWav2vec2ee * self, GstClockTime until)
{
  g_mutex_lock (&self->lock);
  if (!GST_CLOCK_TIME_IS_VALID (self->gap_until) || until > self->gap_until) {
    self->gap_until = until;
    self->gap_segment = GST_BASE_TRANSFORM (self)->segment;
    g_cond_broadcast (&self->cond);
  }
  g_mutex_unlock (&self->lock);
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
    gst_wav2vec2ee_set_gap_until (self,
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

  g_mutex_lock (&self->lock);
  if (!GST_CLOCK_TIME_IS_VALID (self->text_position))
    self->text_position = self->base_pts;
  g_mutex_unlock (&self->lock);
  /* nothing can be said between the last audio and this buffer */
  gst_wav2vec2ee_set_gap_until (self, self->base_pts);
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

static void
gst_wav2vec2ee_attach_results (GstWav2vec2ee * self, GstBuffer * buffer)
{
  GQueue results = G_QUEUE_INIT;
  W2veeGstTranscript *t;

  g_mutex_lock (&self->lock);
  if (!g_queue_is_empty (&self->results)) {
    results = self->results;
    g_queue_init (&self->results);
  }
  g_mutex_unlock (&self->lock);

  while ((t = g_queue_pop_head (&results)) != NULL) {
    w2vee_buffer_add_transcript_meta (buffer, t);
    w2vee_gst_transcript_free (t);
  }
}

static void
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

static GstFlowReturn
gst_wav2vec2ee_transform_ip (GstBaseTransform * trans, GstBuffer * buffer)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (trans);
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstFlowReturn ret;
  GstMapInfo map;
  gsize n, done;

  gst_wav2vec2ee_wait_model (self, &ret);
  if (ret != GST_FLOW_OK)
    return ret;
  gst_wav2vec2ee_attach_results (self, buffer);

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

  gst_wav2vec2ee_set_gap_until (self, self->base_pts +
      w2vee_samples_to_ns (w2vee_segmenter_keep_from (self->segmenter)));
  return GST_FLOW_OK;

map_failed:
  {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Could not map the audio buffer."),
        (NULL));
    return GST_FLOW_ERROR;
  }
}

static gboolean
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
/* Events                                                                    */
/* ------------------------------------------------------------------------- */

static void
gst_wav2vec2ee_flush_start (GstWav2vec2ee * self, GstEvent * event)
{
  GstEvent *text_event = gst_event_new_flush_start ();

  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  /* unblocks a push of the worker on text_src */
  gst_event_set_seqnum (text_event, gst_event_get_seqnum (event));
  gst_pad_push_event (self->text_srcpad, text_event);
}

static void
gst_wav2vec2ee_flush_stop (GstWav2vec2ee * self, GstEvent * event)
{
  GstEvent *text_event;
  gboolean reset_time;
  GstWav2vec2eeJob *job;

  g_mutex_lock (&self->lock);
  /* a result of the old epoch being posted or pushed now must be out before
   * FLUSH_STOP goes on: the push returns at once, text_src is flushing */
  while (self->emitting)
    g_cond_wait (&self->cond, &self->lock);
  while ((job = g_queue_pop_head (&self->queued_jobs)) != NULL)
    g_queue_push_tail (&self->free_jobs, job);
  g_queue_clear_full (&self->results,
      (GDestroyNotify) w2vee_gst_transcript_free);
  self->epoch++;                /* the job being decoded is now stale */
  self->eos = FALSE;
  self->text_eos = FALSE;
  self->need_segment = TRUE;
  self->need_preroll_gap = TRUE;
  self->text_position = GST_CLOCK_TIME_NONE;
  self->gap_until = GST_CLOCK_TIME_NONE;
  g_mutex_unlock (&self->lock);

  gst_wav2vec2ee_reset (self);

  gst_event_parse_flush_stop (event, &reset_time);
  text_event = gst_event_new_flush_stop (reset_time);
  gst_event_set_seqnum (text_event, gst_event_get_seqnum (event));
  gst_pad_push_event (self->text_srcpad, text_event);

  g_mutex_lock (&self->lock);
  self->flushing = FALSE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
gst_wav2vec2ee_stream_start (GstWav2vec2ee * self, GstEvent * event)
{
  const gchar *stream_id = NULL;
  guint group_id;
  gboolean have_group_id;

  gst_wav2vec2ee_drain (self, FALSE);
  gst_event_parse_stream_start (event, &stream_id);
  have_group_id = gst_event_parse_group_id (event, &group_id);

  g_mutex_lock (&self->lock);
  g_free (self->upstream_stream_id);
  self->upstream_stream_id = g_strdup (stream_id);
  self->group_id = group_id;
  self->have_group_id = have_group_id;
  self->need_stream_start = TRUE;
  self->need_segment = TRUE;
  self->need_preroll_gap = TRUE;
  self->eos = FALSE;
  self->text_eos = FALSE;
  /* results of the previous stream have no audio buffer left to ride on */
  g_queue_clear_full (&self->results,
      (GDestroyNotify) w2vee_gst_transcript_free);
  g_mutex_unlock (&self->lock);
}

/* EOS: every pending segment is decoded and out, then EOS on text_src. */
static void
gst_wav2vec2ee_eos (GstWav2vec2ee * self)
{
  gint64 start_us = g_get_monotonic_time ();

  gst_wav2vec2ee_drain (self, TRUE);

  g_mutex_lock (&self->lock);
  self->eos = TRUE;
  g_cond_broadcast (&self->cond);
  while (!(self->text_eos && !self->emitting) && !self->flushing
      && !self->stopping && self->started)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "EOS drained in %" G_GINT64_FORMAT " us",
      g_get_monotonic_time () - start_us);
}

static gboolean
gst_wav2vec2ee_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (trans);
  GstEventType type = GST_EVENT_TYPE (event);
  GstFlowReturn flow;
  gboolean ret;

  /* while a model URI is fetched, EOS waits like data (it must drain) */
  if (type == GST_EVENT_EOS && !gst_wav2vec2ee_wait_model (self, &flow)) {
    GST_DEBUG_OBJECT (self, "dropping %" GST_PTR_FORMAT ": no model (%s)", event,
        gst_flow_get_name (flow));
    gst_event_unref (event);
    return FALSE;
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
      if (!gst_segment_is_equal (segment, &trans->segment))
        gst_wav2vec2ee_drain (self, FALSE);
      break;
    }
    case GST_EVENT_GAP:{
      GstClockTime ts, duration;

      gst_wav2vec2ee_drain (self, FALSE);
      gst_event_parse_gap (event, &ts, &duration);
      if (!GST_CLOCK_TIME_IS_VALID (ts))
        break;
      g_mutex_lock (&self->lock);
      if (!GST_CLOCK_TIME_IS_VALID (self->text_position))
        self->text_position = ts;       /* a stream that starts with a GAP */
      g_mutex_unlock (&self->lock);
      gst_wav2vec2ee_set_gap_until (self,
          GST_CLOCK_TIME_IS_VALID (duration) ? ts + duration : ts);
      break;
    }
    case GST_EVENT_EOS:
      gst_wav2vec2ee_eos (self);
      break;
    default:
      break;
  }

  ret = GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);

  if (type == GST_EVENT_SEGMENT) {
    g_mutex_lock (&self->lock);
    self->gap_segment = trans->segment;
    g_mutex_unlock (&self->lock);
  }
  return ret;
}

/* ------------------------------------------------------------------------- */
/* text_src                                                                  */
/* ------------------------------------------------------------------------- */

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
        g_mutex_lock (&self->lock);
        latency = self->text_latency;
        g_mutex_unlock (&self->lock);
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

/* Events text_src needs before data at @segment (lock held). */
static guint
gst_wav2vec2ee_text_sticky (GstWav2vec2ee * self, const GstSegment * segment,
    GstEvent ** events)
{
  guint n = 0;

  if (self->need_stream_start) {
    gchar *stream_id = self->upstream_stream_id != NULL
        ? g_strdup_printf ("%s/text", self->upstream_stream_id)
        : g_strdup_printf ("%08x%08x/text", g_random_int (), g_random_int ());
    GstEvent *event = gst_event_new_stream_start (stream_id);
    GstCaps *caps = gst_static_pad_template_get_caps (&text_src_template);

    gst_event_set_stream_flags (event, GST_STREAM_FLAG_SPARSE);
    gst_event_set_group_id (event, self->have_group_id ? self->group_id :
        gst_util_group_id_next ());

    events[n++] = event;
    events[n++] = gst_event_new_caps (caps);
    gst_caps_unref (caps);
    g_free (stream_id);
    self->need_stream_start = FALSE;
  }
  if (self->need_segment || !gst_segment_is_equal (segment,
          &self->text_segment)) {
    self->text_segment = *segment;
    events[n++] = gst_event_new_segment (segment);
    self->need_segment = FALSE;
  }
  return n;
}

/* A GAP event up to @until, if text_src is behind it; at the start of a
 * stream a GAP of 0 ns at the first audio time otherwise: a sink on text_src
 * prerolls on it instead of waiting for the first caption, which needs more
 * audio than a prerolled audio sink lets through (lock held). */
static guint
gst_wav2vec2ee_text_gap (GstWav2vec2ee * self, GstClockTime until,
    GstEvent ** events)
{
  GstClockTime from = self->text_position;

  if (!GST_CLOCK_TIME_IS_VALID (from))
    return 0;
  if (!GST_CLOCK_TIME_IS_VALID (until) || until <= from) {
    if (!self->need_preroll_gap)
      return 0;
    until = from;
  }
  self->need_preroll_gap = FALSE;
  self->text_position = until;
  events[0] = gst_event_new_gap (from, until - from);
  return 1;
}

/* Pushes @n events then @buffer (may be NULL) on text_src; no lock held. */
static void
gst_wav2vec2ee_text_push (GstWav2vec2ee * self, GstEvent ** events, guint n,
    GstBuffer * buffer)
{
  GstFlowReturn ret;

  for (guint i = 0; i < n; i++)
    gst_pad_push_event (self->text_srcpad, events[i]);
  if (buffer == NULL)
    return;
  /* unlinked or failing text_src does not concern the audio */
  ret = gst_pad_push (self->text_srcpad, buffer);
  if (ret != GST_FLOW_OK)
    GST_DEBUG_OBJECT (self, "text_src: %s", gst_flow_get_name (ret));
}

/* ------------------------------------------------------------------------- */
/* Worker thread                                                             */
/* ------------------------------------------------------------------------- */

static gfloat
unit_interval (gfloat x)
{
  return x >= 0.0f ? MIN (x, 1.0f) : 0.0f;      /* NaN -> 0 */
}

/* Decodes @job (no lock held). Returns the result, or NULL after posting an
 * element error. */
static W2veeGstTranscript *
gst_wav2vec2ee_decode (GstWav2vec2ee * self, const GstWav2vec2eeJob * job)
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
  t->final = TRUE;
  for (guint i = 0; i < ctc->n_words; i++) {
    const W2veeWord *w = &ctc->words[i];
    guint64 end = MIN (w->end_sample, job->n_samples);
    GstClockTime start = job->pts + w2vee_samples_to_ns (w->start_sample);

    w2vee_gst_transcript_add_word (t, w->word, start,
        job->pts + w2vee_samples_to_ns (end) - start,
        unit_interval (w->confidence));
  }

  end_us = g_get_monotonic_time ();
  GST_INFO_OBJECT (self, "segment %" GST_TIME_FORMAT " + %" GST_TIME_FORMAT
      " at exit %u (layer %u): %.1f ms inference (%.3f of real time), "
      "%.1f ms after it ended: \"%s\"", GST_TIME_ARGS (job->pts),
      GST_TIME_ARGS (job->duration), t->exit, t->layer,
      (end_us - start_us) / 1e3,
      (end_us - start_us) * 1e3 / (gdouble) job->duration,
      (end_us - job->closed_us) / 1e3, t->text);
  return t;
}

/* Lock held on entry and exit; released while decoding and emitting. */
static void
gst_wav2vec2ee_worker_job (GstWav2vec2ee * self, GstWav2vec2eeJob * job)
{
  GstEvent *events[4];
  GstSegment segment = job->segment;
  guint epoch = job->epoch, n;
  W2veeGstTranscript *t;
  GstBuffer *buffer;
  gsize len;

  g_mutex_unlock (&self->lock);
  t = gst_wav2vec2ee_decode (self, job);
  g_mutex_lock (&self->lock);

  /* the audio was only needed for inference */
  g_queue_push_tail (&self->free_jobs, job);
  g_cond_broadcast (&self->cond);
  if (t == NULL)
    return;
  if (epoch != self->epoch || self->flushing || self->stopping || self->text_eos) {
    GST_DEBUG_OBJECT (self, "dropping the stale result %" GST_TIME_FORMAT,
        GST_TIME_ARGS (t->timestamp));
    w2vee_gst_transcript_free (t);
    return;
  }

  n = gst_wav2vec2ee_text_sticky (self, &segment, events);
  if (GST_CLOCK_TIME_IS_VALID (self->text_position)
      && t->timestamp > self->text_position)
    n += gst_wav2vec2ee_text_gap (self, t->timestamp, events + n);
  self->need_preroll_gap = FALSE;
  if (!GST_CLOCK_TIME_IS_VALID (self->text_position)
      || t->timestamp + t->duration > self->text_position)
    self->text_position = t->timestamp + t->duration;
  /* queued for the meta before the message goes out: an application that
   * sees the message finds the meta on the next audio buffer */
  g_queue_push_tail (&self->results, w2vee_gst_transcript_copy (t));
  self->emitting = TRUE;
  g_mutex_unlock (&self->lock);

  len = strlen (t->text);
  buffer = len > 0 ? gst_buffer_new_memdup (t->text, len) : gst_buffer_new ();
  GST_BUFFER_PTS (buffer) = t->timestamp;
  GST_BUFFER_DURATION (buffer) = t->duration;

  gst_element_post_message (GST_ELEMENT (self),
      w2vee_gst_message_new_transcript (GST_OBJECT (self), t));
  gst_wav2vec2ee_text_push (self, events, n, buffer);

  w2vee_gst_transcript_free (t);

  g_mutex_lock (&self->lock);
  self->emitting = FALSE;
  g_cond_broadcast (&self->cond);
}

/* Lock held on entry and exit. Pushes a GAP (and EOS when @eos) on text_src. */
static void
gst_wav2vec2ee_worker_text_event (GstWav2vec2ee * self, gboolean eos)
{
  GstEvent *events[5];
  GstSegment segment = self->gap_segment;
  guint n;

  n = gst_wav2vec2ee_text_sticky (self, &segment, events);
  n += gst_wav2vec2ee_text_gap (self, self->gap_until, events + n);
  if (eos) {
    events[n++] = gst_event_new_eos ();
    self->text_eos = TRUE;
  }
  self->emitting = TRUE;
  g_mutex_unlock (&self->lock);

  gst_wav2vec2ee_text_push (self, events, n, NULL);

  g_mutex_lock (&self->lock);
  self->emitting = FALSE;
  g_cond_broadcast (&self->cond);
}

/* TRUE when text_src is at least GAP_MIN behind what is known to be silent. */
static gboolean
gst_wav2vec2ee_gap_due (GstWav2vec2ee * self)
{
  if (self->text_eos || !GST_CLOCK_TIME_IS_VALID (self->text_position))
    return FALSE;
  return self->need_preroll_gap || (GST_CLOCK_TIME_IS_VALID (self->gap_until)
      && self->gap_until >= self->text_position + GAP_MIN);
}

static gpointer
gst_wav2vec2ee_worker (gpointer data)
{
  GstWav2vec2ee *self = data;
  GstWav2vec2eeJob *job;

  GST_DEBUG_OBJECT (self, "worker started");
  g_mutex_lock (&self->lock);
  while (!self->stopping) {
    if (self->flushing)
      g_cond_wait (&self->cond, &self->lock);
    else if ((job = g_queue_pop_head (&self->queued_jobs)) != NULL)
      gst_wav2vec2ee_worker_job (self, job);
    else if (self->eos && !self->text_eos)
      gst_wav2vec2ee_worker_text_event (self, TRUE);
    else if (gst_wav2vec2ee_gap_due (self))
      gst_wav2vec2ee_worker_text_event (self, FALSE);
    else
      g_cond_wait (&self->cond, &self->lock);
  }
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "worker stopped");
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Plugin                                                                    */
/* ------------------------------------------------------------------------- */

static gboolean
plugin_init (GstPlugin * plugin)
{
  g_free (plugin_filename);
  plugin_filename = g_strdup (gst_plugin_get_filename (plugin));
  return GST_ELEMENT_REGISTER (wav2vec2ee, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, wav2vec2ee,
    "Early-exit wav2vec2 speech recognition", plugin_init, W2VEE_VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
