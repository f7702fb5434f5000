/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The wav2vec2ee element: class, properties, states, start/stop and the model
 * (gstwav2vec2ee.h lists the other files and the lock rules). */

/**
 * SECTION:element-wav2vec2ee
 * @title: wav2vec2ee
 *
 * Transcribes speech with an early-exit wav2vec2 CTC model (libw2vee, on the
 * CPU). The audio (16 kHz mono F32LE or S16LE) passes through unchanged and is
 * never blocked by inference, except as described under "Overload" below.
 *
 * The audio is cut into segments by silence: a segment ends after
 * #GstWav2vec2ee:min-silence of audio below #GstWav2vec2ee:silence-threshold
 * or less than #GstWav2vec2ee:noise-margin above the tracked noise floor,
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
 *   exit), `confidence` (double, 0..1), `final` (boolean, FALSE for a partial
 *   result: every #GstWav2vec2ee:partial-interval of an open segment, the audio
 *   so far decoded at exit 1 when the worker is idle; the final result
 *   replaces it) and `words` (GstValueArray of structures `word`
 *   with `word` (string), `start` (guint64, ns, buffer time), `duration`
 *   (guint64, ns) and `confidence` (double, 0..1)). Read it with
 *   w2vee_gst_message_parse_transcript() (libgstw2vee, docs/meta.md);
 * - a buffer on the always pad `text_src` (text/x-raw, format=utf8) holding
 *   the text without a terminating NUL, PTS = segment start, duration =
 *   segment length, finals only. GAP events cover the time without speech;
 *   a pad task of its own pushes text_src, so a blocking text sink never
 *   holds the audio, the messages or EOS; text_src may stay unlinked;
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
 * https://BASE/, the model is fetched into a cache (docs/models.md) by a job
 * of its own, never on a streaming thread: READY->PAUSED returns
 * GST_STATE_CHANGE_ASYNC (ASYNC_START, then ASYNC_DONE when the model is
 * loaded), posts GST_MESSAGE_PROGRESS messages with code `fetch` (fields `uri`,
 * and for each file `file`, `bytes`, `total`, `percent`), and a change to READY
 * or NULL meanwhile cancels the download (kept for the next try). Buffers and
 * EOS that arrive before the model wait for it.
 *
 * Latency: the audio pads add none. A LATENCY query on text_src adds, for a
 * live source, chunk-duration + min-silence + chunk-duration / 2 (time for
 * the segment to end, be recognised as ended, and be decoded), from the
 * start; lower chunk-duration and min-silence to lower it. A live pipeline
 * linking text_src needs a queue of that latency after the element (as for
 * any element adding latency), and captions over video need it too.
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

GST_DEBUG_CATEGORY (gst_wav2vec2ee_debug);
#define GST_CAT_DEFAULT gst_wav2vec2ee_debug

#define DEFAULT_MODEL NULL
#define DEFAULT_EXIT 0
#define DEFAULT_SILENCE_THRESHOLD -40.0
#define DEFAULT_NOISE_MARGIN 8.0
#define DEFAULT_MIN_SILENCE (500 * GST_MSECOND)
#define DEFAULT_CHUNK_DURATION (10 * GST_SECOND)
#define DEFAULT_PARTIAL_INTERVAL (1 * GST_SECOND)
#define DEFAULT_EXIT_POLICY GST_WAV2VEC2EE_EXIT_POLICY_FIXED
#define DEFAULT_EXIT_THRESHOLD -1.0
#define DEFAULT_MAX_LATENCY (1 * GST_SECOND)
#define DEFAULT_THREADS 0
#define DEFAULT_PRECISION W2VEE_PRECISION_FP32
#define DEFAULT_COMPUTE W2VEE_COMPUTE_DEFAULT
#define DEFAULT_ALLOW_PICKLE TRUE

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_EXIT,
  PROP_N_EXITS,
  PROP_EXIT_LAYERS,
  PROP_EXIT_LAYERS_STRING,
  PROP_EXIT_POLICY,
  PROP_EXIT_THRESHOLD,
  PROP_MAX_LATENCY,
  PROP_SILENCE_THRESHOLD,
  PROP_NOISE_MARGIN,
  PROP_MIN_SILENCE,
  PROP_CHUNK_DURATION,
  PROP_PARTIAL_INTERVAL,
  PROP_THREADS,
  PROP_PRECISION,
  PROP_COMPUTE,
  PROP_ALLOW_PICKLE,
  PROP_LM,
  PROP_LEXICON,
  PROP_BEAM_SIZE,
  PROP_LM_WEIGHT,
  PROP_WORD_SCORE,
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
          "$W2VEE_MODEL, else the installed default model. A directory loads at "
          "NULL->READY; a change in READY is loaded at READY->PAUSED",
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
  g_object_class_install_property (gobject_class, PROP_EXIT_LAYERS_STRING,
      g_param_spec_string ("exit-layers-string", "Exit layers (string)",
          "exit-layers as a string of comma-separated layers, exit 1 first, "
          "e.g. \"2,4,6,8\" (\"\" until the model is loaded): for bindings that "
          "cannot read a GstValueArray", "",
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_EXIT_POLICY,
      g_param_spec_enum ("exit-policy", "Exit policy",
          "How each segment's exit is chosen: fixed (the exit property), "
          "confidence (the first exit whose confidence reaches exit-threshold), "
          "deadline (the deepest exit whose predicted compute lets the result "
          "come within max-latency of the segment's end); under confidence and "
          "deadline, exit is the deepest allowed. Applies to every segment "
          "decoded after the change", GST_TYPE_WAV2VEC2EE_EXIT_POLICY,
          DEFAULT_EXIT_POLICY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_EXIT_THRESHOLD,
      g_param_spec_double ("exit-threshold", "Exit threshold",
          "Confidence policy: the score (0..1, the model's rule, e.g. agreement "
          "with the exit before) an exit must reach to stop there; -1 = the "
          "model's calibrated threshold (early_exit.json, else 0.81)",
          -1.0, G_MAXDOUBLE, DEFAULT_EXIT_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_LATENCY,
      g_param_spec_uint64 ("max-latency", "Maximum latency",
          "Deadline policy: nanoseconds from a segment's end being known to its "
          "result; the exit is the deepest one the measured per-layer cost lets "
          "meet it with the waiting segments, down to exit 1 before any segment "
          "is dropped", GST_MSECOND, 60 * GST_SECOND, DEFAULT_MAX_LATENCY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SILENCE_THRESHOLD,
      g_param_spec_double ("silence-threshold", "Silence threshold",
          "Absolute silence level, in dBFS: 10 ms blocks below it are always "
          "silence (applied at READY->PAUSED)", -120.0, 0.0,
          DEFAULT_SILENCE_THRESHOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_NOISE_MARGIN,
      g_param_spec_double ("noise-margin", "Noise margin",
          "Speech must be this many dB above the tracked background noise floor "
          "(the quietest 50 ms level of the last 5 s); 0 = no noise tracking, "
          "silence-threshold alone decides (applied at READY->PAUSED)",
          0.0, 60.0, DEFAULT_NOISE_MARGIN,
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
  g_object_class_install_property (gobject_class, PROP_PARTIAL_INTERVAL,
      g_param_spec_uint64 ("partial-interval", "Partial interval",
          "While a segment is open, decode what has arrived every this many "
          "nanoseconds of audio at the shallowest exit and post it with "
          "final=false (skipped while the worker is busy); 0 = no partial "
          "results (applied at READY->PAUSED)", 0, 30 * GST_SECOND,
          DEFAULT_PARTIAL_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Inference threads, 0 = one per online CPU (applied at "
          "READY->PAUSED)", 0, 1024, DEFAULT_THREADS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Precision of the linear layers (feature projection, attention "
          "q/k/v/out projections, feed-forward): fp32, bf16 (oneDNN, CPUs with "
          "bfloat16 units) or int8 (oneDNN, CPUs with AVX512-VNNI); bf16 and int8 "
          "also run the conv encoder's layers after the first so, the "
          "positional conv in bf16 and attention's two products in bf16 (int8: "
          "in int8); the first conv layer, softmax sums, "
          "LayerNorms and exit heads stay float32. "
          "One the build or the CPU cannot run fails READY->PAUSED with an "
          "error (docs/performance.md; applied at READY->PAUSED)",
          GST_TYPE_WAV2VEC2EE_PRECISION, DEFAULT_PRECISION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_COMPUTE,
      g_param_spec_enum ("compute", "Compute backend",
          "Library computing the linear layers: default ($W2VEE_COMPUTE, else "
          "oneDNN when the build has it), openblas (fp32 only) or dnnl (oneDNN; "
          "an error when the build has none) (docs/performance.md; applied at "
          "READY->PAUSED)", GST_TYPE_WAV2VEC2EE_COMPUTE, DEFAULT_COMPUTE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_ALLOW_PICKLE,
      g_param_spec_boolean ("allow-pickle", "Allow pickle",
          "Load pytorch_model.bin (read by a restricted pickle reader) when the "
          "model has no model.safetensors; FALSE: safetensors only (applied at the "
          "next model load)", DEFAULT_ALLOW_PICKLE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));

  g_object_class_install_property (gobject_class, PROP_LM,
      g_param_spec_string ("lm", "Language model",
          "Word n-gram LM for beam-search decoding of final results: an ARPA file, "
          "a binary LM (w2vee lm convert), or \"default\" (the installed default "
          "English LM, or $W2VEE_LM); NULL: greedy CTC decoding (applied at "
          "READY->PAUSED)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LEXICON,
      g_param_spec_string ("lexicon", "Lexicon",
          "Lexicon in flashlight's format (one \"WORD<TAB>S P E L L |\" line per "
          "word) restricting the beam search to its words; NULL: the LM's words "
          "(applied at READY->PAUSED)", NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_BEAM_SIZE,
      g_param_spec_uint ("beam-size", "Beam size",
          "Hypotheses the beam search keeps per frame, 1 .. 10000 (applied at "
          "READY->PAUSED)", 1, 10000, w2vee_decoder_default_params ().beam_size,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LM_WEIGHT,
      g_param_spec_double ("lm-weight", "LM weight",
          "Weight of the LM's log probability (natural log) against the acoustic "
          "score, 0 .. 100 (applied at READY->PAUSED)", 0.0, 100.0,
          w2vee_decoder_default_params ().lm_weight,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_WORD_SCORE,
      g_param_spec_double ("word-score", "Word score",
          "Score added per word (natural log; > 0 favours more words), "
          "-100 .. 100 (applied at READY->PAUSED)", -100.0, 100.0,
          w2vee_decoder_default_params ().word_score,
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

/* Latency text_src adds for a live source: a segment's caption can come
 * chunk-duration (the longest segment) + min-silence (to hear that it ended) +
 * chunk-duration / 2 (decoding, with inference at half real time or faster)
 * after the segment's start. Object lock held. */
static void
gst_wav2vec2ee_update_latency (GstWav2vec2ee * self)
{
  self->text_latency = self->chunk_duration + self->min_silence +
      self->chunk_duration / 2;
}

static void
gst_wav2vec2ee_init (GstWav2vec2ee * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);

  gst_base_transform_set_in_place (trans, TRUE);
  gst_base_transform_set_passthrough (trans, FALSE);
  /* GAP-flagged audio goes out still flagged: the samples are not touched */
  gst_base_transform_set_gap_aware (trans, TRUE);

  self->model_location = g_strdup (DEFAULT_MODEL);
  self->exit = DEFAULT_EXIT;
  self->silence_threshold = DEFAULT_SILENCE_THRESHOLD;
  self->noise_margin = DEFAULT_NOISE_MARGIN;
  self->min_silence = DEFAULT_MIN_SILENCE;
  self->chunk_duration = DEFAULT_CHUNK_DURATION;
  self->partial_interval = DEFAULT_PARTIAL_INTERVAL;
  self->exit_policy = DEFAULT_EXIT_POLICY;
  self->exit_threshold = DEFAULT_EXIT_THRESHOLD;
  self->max_latency = DEFAULT_MAX_LATENCY;
  self->threads = DEFAULT_THREADS;
  self->precision = DEFAULT_PRECISION;
  self->compute = DEFAULT_COMPUTE;
  self->beam_size = w2vee_decoder_default_params ().beam_size;
  self->lm_weight = w2vee_decoder_default_params ().lm_weight;
  self->word_score = w2vee_decoder_default_params ().word_score;
  self->allow_pickle = DEFAULT_ALLOW_PICKLE;
  gst_wav2vec2ee_update_latency (self);

  g_mutex_init (&self->start_lock);
  g_cond_init (&self->start_cond);
  g_mutex_init (&self->results_lock);
  g_queue_init (&self->results);
  self->base_pts = GST_CLOCK_TIME_NONE;
  gst_wav2vec2ee_text_init (self);
}

static void
gst_wav2vec2ee_finalize (GObject * object)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (object);

  g_free (self->model_location);
  g_free (self->model_path);
  g_free (self->lm_location);
  g_free (self->lexicon_location);
  g_clear_pointer (&self->model, w2vee_model_unref);
  g_queue_clear_full (&self->results,
      (GDestroyNotify) w2vee_gst_transcript_free);
  g_mutex_clear (&self->results_lock);
  g_mutex_clear (&self->start_lock);
  g_cond_clear (&self->start_cond);
  gst_wav2vec2ee_text_finalize (self);

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
    case PROP_EXIT_POLICY:
      self->exit_policy = g_value_get_enum (value);
      break;
    case PROP_EXIT_THRESHOLD:
      self->exit_threshold = g_value_get_double (value);
      break;
    case PROP_MAX_LATENCY:
      self->max_latency = g_value_get_uint64 (value);
      break;
    case PROP_SILENCE_THRESHOLD:
      self->silence_threshold = g_value_get_double (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_NOISE_MARGIN:
      self->noise_margin = g_value_get_double (value);
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
    case PROP_PARTIAL_INTERVAL:
      self->partial_interval = g_value_get_uint64 (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_enum (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_COMPUTE:
      self->compute = g_value_get_enum (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_ALLOW_PICKLE:
      self->allow_pickle = g_value_get_boolean (value);
      break;
    case PROP_LM:
      g_free (self->lm_location);
      self->lm_location = g_value_dup_string (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_LEXICON:
      g_free (self->lexicon_location);
      self->lexicon_location = g_value_dup_string (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_BEAM_SIZE:
      self->beam_size = g_value_get_uint (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_LM_WEIGHT:
      self->lm_weight = g_value_get_double (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    case PROP_WORD_SCORE:
      self->word_score = g_value_get_double (value);
      late = GST_STATE (self) > GST_STATE_READY;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  if (!late)
    gst_wav2vec2ee_update_latency (self);
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
        g_value_take_string (value, w2vee_default_model_path (NULL, NULL));
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
    case PROP_EXIT_LAYERS_STRING:{
      GString *s = g_string_new (NULL);

      for (guint e = 1; e <= self->n_exits; e++)
        g_string_append_printf (s, "%s%u", e > 1 ? "," : "",
            w2vee_model_exit_layer (self->model, e));
      g_value_take_string (value, g_string_free (s, FALSE));
      break;
    }
    case PROP_EXIT_POLICY:
      g_value_set_enum (value, self->exit_policy);
      break;
    case PROP_EXIT_THRESHOLD:
      g_value_set_double (value, self->exit_threshold);
      break;
    case PROP_MAX_LATENCY:
      g_value_set_uint64 (value, self->max_latency);
      break;
    case PROP_SILENCE_THRESHOLD:
      g_value_set_double (value, self->silence_threshold);
      break;
    case PROP_NOISE_MARGIN:
      g_value_set_double (value, self->noise_margin);
      break;
    case PROP_MIN_SILENCE:
      g_value_set_uint64 (value, self->min_silence);
      break;
    case PROP_CHUNK_DURATION:
      g_value_set_uint64 (value, self->chunk_duration);
      break;
    case PROP_PARTIAL_INTERVAL:
      g_value_set_uint64 (value, self->partial_interval);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, self->precision);
      break;
    case PROP_COMPUTE:
      g_value_set_enum (value, self->compute);
      break;
    case PROP_ALLOW_PICKLE:
      g_value_set_boolean (value, self->allow_pickle);
      break;
    case PROP_LM:
      g_value_set_string (value, self->lm_location);
      break;
    case PROP_LEXICON:
      g_value_set_string (value, self->lexicon_location);
      break;
    case PROP_BEAM_SIZE:
      g_value_set_uint (value, self->beam_size);
      break;
    case PROP_LM_WEIGHT:
      g_value_set_double (value, self->lm_weight);
      break;
    case PROP_WORD_SCORE:
      g_value_set_double (value, self->word_score);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------- */
/* States                                                                    */
/* ------------------------------------------------------------------------- */

/* The fetch's view of the streaming half: a model is pending, or the fetch (or
 * the deferred start) failed. Wakes data and EOS waiting for the model. */
void
gst_wav2vec2ee_set_start_state (GstWav2vec2ee * self, gboolean model_pending,
    gboolean fetch_failed)
{
  g_mutex_lock (&self->start_lock);
  self->model_pending = model_pending;
  self->fetch_failed = fetch_failed;
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->start_lock);
}

/* PAUSED->READY: releases a streaming thread waiting for the model, a free job
 * slot or the EOS drain, before the pads are deactivated (which waits for it). */
static void
gst_wav2vec2ee_unblock (GstWav2vec2ee * self)
{
  g_mutex_lock (&self->start_lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->start_lock);
  if (self->jobs != NULL)
    w2vee_job_queue_stop (self->jobs);
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
        gst_wav2vec2ee_start_fetch (self, path);
        fetching = TRUE;
      }
      break;
    }
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* a sink on text_src prerolls again */
      gst_wav2vec2ee_text_preroll (self);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      gst_wav2vec2ee_unblock (self);
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
    return GST_STATE_CHANGE_ASYNC;      /* completed by the fetch */

  if (transition == GST_STATE_CHANGE_READY_TO_NULL)
    gst_wav2vec2ee_unload_model (self);
  return ret;
}

