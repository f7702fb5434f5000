/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* start() and stop(): what the streaming half and the worker need is allocated
 * when the pads activate (READY->PAUSED; deferred while a model URI is fetched)
 * and freed when they deactivate. @start_lock guards the started / stopping /
 * flushing flags the streaming thread waits on. */
#include "gstwav2vec2ee.h"

GST_DEBUG_CATEGORY_EXTERN (gst_wav2vec2ee_debug);
#define GST_CAT_DEFAULT gst_wav2vec2ee_debug

/* ------------------------------------------------------------------------- */
/* start / stop                                                              */
/* ------------------------------------------------------------------------- */

/* Frees what start() allocated; no worker may run. */
static void
gst_wav2vec2ee_free_streaming (GstWav2vec2ee * self)
{
  g_clear_pointer (&self->jobs, w2vee_job_queue_free);
  g_clear_pointer (&self->session, w2vee_session_free);
  g_clear_pointer (&self->decoder, w2vee_decoder_free);
  g_clear_pointer (&self->segmenter, w2vee_segmenter_free);
  g_clear_pointer (&self->pending, g_array_unref);
  g_clear_pointer (&self->scratch, g_free);
  gst_wav2vec2ee_results_clear (self);
  self->have_format = FALSE;
}

/* Pads are being activated (READY->PAUSED). With a model URI being fetched, the
 * allocations and the worker wait for the fetch; events are handled meanwhile,
 * data and EOS wait. */
gboolean
gst_wav2vec2ee_start (GstBaseTransform * trans)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (trans);
  gboolean deferred;

  g_mutex_lock (&self->start_lock);
  deferred = self->model_pending;
  self->stopping = FALSE;
  self->flushing = FALSE;
  g_mutex_unlock (&self->start_lock);
  /* a model set in READY is loaded now */
  if (!deferred && !gst_wav2vec2ee_load_model (self, FALSE))
    return FALSE;
  gst_wav2vec2ee_text_reset (self);
  gst_wav2vec2ee_audio_reset_state (self);
  if (deferred) {
    GST_DEBUG_OBJECT (self, "start deferred until the model is fetched");
    return TRUE;
  }
  return gst_wav2vec2ee_start_streaming (self);
}

/* The beam-search decoder the lm / lexicon properties ask for (none: greedy).
 * Posts an element error naming the file and the reason on failure. */
static gboolean
gst_wav2vec2ee_make_decoder (GstWav2vec2ee * self, W2veeModel * model)
{
  W2veeDecoderParams params = w2vee_decoder_default_params ();
  g_autofree gchar *lm_path = NULL, *lexicon_path = NULL;
  g_autoptr (W2veeLm) lm = NULL;
  g_autoptr (W2veeLexicon) lexicon = NULL;
  g_autoptr (GError) error = NULL;
  const gchar *what;

  GST_OBJECT_LOCK (self);
  lm_path = g_strdup (self->lm_location);
  lexicon_path = g_strdup (self->lexicon_location);
  params.beam_size = self->beam_size;
  params.lm_weight = self->lm_weight;
  params.word_score = self->word_score;
  GST_OBJECT_UNLOCK (self);

  if (lm_path == NULL && lexicon_path == NULL)
    return TRUE;
  what = "language model";
  if (g_strcmp0 (lm_path, "default") == 0) {
    g_free (lm_path);
    lm_path = w2vee_default_lm_path (NULL, &error);
    if (lm_path == NULL)
      goto failed;
  }
  if (lm_path != NULL && (lm = w2vee_lm_load (lm_path, &error)) == NULL)
    goto failed;
  what = "lexicon";
  if (lexicon_path != NULL
      && (lexicon = w2vee_lexicon_load (lexicon_path, NULL, model, &error)) == NULL)
    goto failed;
  what = "decoder";
  self->decoder = w2vee_decoder_new (model, lm, lexicon, &params, &error);
  if (self->decoder == NULL)
    goto failed;
  GST_INFO_OBJECT (self, "final results by %s (lm %s, lexicon %s, beam %u)",
      w2vee_decoder_name (self->decoder), GST_STR_NULL (lm_path),
      GST_STR_NULL (lexicon_path), params.beam_size);
  return TRUE;

failed:
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
      ("Could not load the %s: %s", what, error->message), (NULL));
  return FALSE;
}

/* The nick of @value of the enum @type ("fp32", "dnnl", ...). */
static const gchar *
enum_nick (GType type, gint value)
{
  GEnumClass *klass = g_type_class_peek (type);
  GEnumValue *v = klass != NULL ? g_enum_get_value (klass, value) : NULL;

  return v != NULL ? v->value_nick : "?";
}

/* Allocates what the streaming thread and the worker need, starts the worker and
 * marks the element started; the model must be loaded. Deferred (a fetched model),
 * this runs while the streaming thread may handle events: it touches only what
 * those leave alone until the element is started. */
gboolean
gst_wav2vec2ee_start_streaming (GstWav2vec2ee * self)
{
  W2veeSessionParams session_params = w2vee_session_default_params ();
  W2veeSegmenterParams seg_params = w2vee_segmenter_default_params ();
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeModel) model = NULL;
  GstClockTime chunk, min_silence, partial;

  GST_OBJECT_LOCK (self);
  model = w2vee_model_ref (self->model);
  chunk = self->chunk_duration;
  min_silence = self->min_silence;
  partial = self->partial_interval;
  seg_params.silence_threshold_db = self->silence_threshold;
  seg_params.noise_margin_db = self->noise_margin;
  session_params.n_threads = self->threads;
  session_params.precision = self->precision;
  session_params.compute = self->compute;
  GST_OBJECT_UNLOCK (self);

  self->max_samples = gst_util_uint64_scale (chunk, W2VEE_SAMPLE_RATE,
      GST_SECOND);
  self->partial_samples = gst_util_uint64_scale (partial, W2VEE_SAMPLE_RATE,
      GST_SECOND);
  seg_params.min_silence_samples = gst_util_uint64_scale (min_silence,
      W2VEE_SAMPLE_RATE, GST_SECOND);
  seg_params.max_segment_samples = self->max_samples;
  session_params.max_samples = self->max_samples;

  self->session = w2vee_session_new (model, &session_params, &error);
  if (self->session == NULL)
    goto no_session;
  GST_INFO_OBJECT (self, "session for %" G_GSIZE_FORMAT " samples, precision "
      "%s, compute %s: %" G_GSIZE_FORMAT " bytes of workspace", self->max_samples,
      enum_nick (GST_TYPE_WAV2VEC2EE_PRECISION, session_params.precision),
      enum_nick (GST_TYPE_WAV2VEC2EE_COMPUTE, session_params.compute),
      w2vee_session_workspace_bytes (self->session));
  /* the waiting segments and the one being decoded */
  self->jobs = w2vee_job_queue_new (N_QUEUED + 1, self->max_samples);
  if (self->jobs == NULL)
    goto no_memory;

  self->segmenter = w2vee_segmenter_new (&seg_params);
  /* keep_from() lags the input by at most one segment plus the 200 ms
   * pre-roll and a partial block; one more slice is fed before trimming */
  self->pending = g_array_sized_new (FALSE, FALSE, sizeof (float),
      self->max_samples + W2VEE_SAMPLE_RATE / 2 + 4096);
  self->scratch = g_new (float, 4096);

  if (!gst_wav2vec2ee_make_decoder (self, model))
    goto no_decoder;
  gst_wav2vec2ee_worker_load_policy (self, model);
  if (!gst_wav2vec2ee_worker_start (self, &error))
    goto no_thread;

  g_mutex_lock (&self->start_lock);
  self->started = TRUE;
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->start_lock);
  GST_DEBUG_OBJECT (self, "started");
  return TRUE;

no_session:
  {
    /* the backend or precision asked for: this build or CPU lacks it */
    if (g_error_matches (error, W2VEE_ERROR, W2VEE_ERROR_UNSUPPORTED))
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          ("Cannot run precision %s (compute %s): %s",
              enum_nick (GST_TYPE_WAV2VEC2EE_PRECISION, session_params.precision),
              enum_nick (GST_TYPE_WAV2VEC2EE_COMPUTE, session_params.compute),
              error->message), (NULL));
    else
      GST_ELEMENT_ERROR (self, LIBRARY, INIT,
          ("Could not allocate the inference workspace for %" GST_TIME_FORMAT
              " segments: %s", GST_TIME_ARGS (chunk), error->message), (NULL));
    gst_wav2vec2ee_free_streaming (self);
    return FALSE;
  }
no_memory:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        ("Could not allocate the job queue for %" GST_TIME_FORMAT " segments.",
            GST_TIME_ARGS (chunk)), (NULL));
    gst_wav2vec2ee_free_streaming (self);
    return FALSE;
  }
no_decoder:
  {
    gst_wav2vec2ee_free_streaming (self);
    return FALSE;
  }
no_thread:
  {
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
        ("Could not start the inference thread: %s", error->message), (NULL));
    gst_wav2vec2ee_free_streaming (self);
    return FALSE;
  }
}

gboolean
gst_wav2vec2ee_stop (GstBaseTransform * trans)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (trans);

  g_mutex_lock (&self->start_lock);
  self->started = FALSE;
  self->stopping = TRUE;
  g_cond_broadcast (&self->start_cond);
  g_mutex_unlock (&self->start_lock);

  /* waits for the segment being decoded, if any */
  gst_wav2vec2ee_worker_stop (self);
  gst_wav2vec2ee_free_streaming (self);
  GST_DEBUG_OBJECT (self, "stopped");
  return TRUE;
}
