/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* wav2vec2ee: early-exit wav2vec2 speech recognition as a GStreamer element.
 *
 * The element is split along its lock domains (docs/design.md draws the threads):
 *
 *   gstwav2vec2ee.c        class, properties, states (object lock: the
 *                          properties)
 *   gstwav2vec2ee-enums.c  the GEnum types of the enum properties
 *   gstwav2vec2ee-start.c  start/stop: allocating the streaming half and the
 *                          worker (start_lock: started / stopping / flushing)
 *   gstwav2vec2ee-model.c  loading the model (object lock: the model pointer)
 *                          and fetching a model URI while READY->PAUSED is
 *                          ASYNC (state lock)
 *   gstwav2vec2ee-audio.c  the streaming thread: segmentation, jobs, sink events
 *                          (streaming thread only, no lock of its own)
 *   w2vee-jobqueue.c       the job queue between the streaming thread and the
 *                          worker (its own lock; pad-free, unit tested)
 *   gstwav2vec2ee-worker.c the worker thread: inference, messages, results for
 *                          the meta (@results_lock)
 *   gstwav2vec2ee-text.c   the text_src timeline and the pad task pushing it
 *                          (@text.lock)
 *   plugin.c               plugin registration
 *
 * Lock rules: no two of these locks are ever held together; none is held across
 * inference, a pad push, a message post or a call into the base class. The
 * streaming thread may wait for the worker (a free job slot when the input is not
 * live; EOS waits until every segment is decoded), the worker never waits for
 * anything but jobs, and nothing but the text_src pad task ever pushes on
 * text_src: the audio never waits for the text.
 */
#ifndef __GST_WAV2VEC2EE_H__
#define __GST_WAV2VEC2EE_H__

#include <gst/audio/gstaudiofilter.h>

#include "w2vee/w2vee.h"
#include "w2vee/w2vee-gst.h"
#include "w2vee-jobqueue.h"

G_BEGIN_DECLS

#define GST_TYPE_WAV2VEC2EE (gst_wav2vec2ee_get_type ())
G_DECLARE_FINAL_TYPE (GstWav2vec2ee, gst_wav2vec2ee, GST, WAV2VEC2EE, GstAudioFilter)

#define N_QUEUED 2              /* final segments that may wait for inference */

/* How the exit of each segment is chosen (property "exit-policy"). */
typedef enum {
  GST_WAV2VEC2EE_EXIT_POLICY_FIXED,       /* the "exit" property */
  GST_WAV2VEC2EE_EXIT_POLICY_CONFIDENCE,  /* the first exit confident enough */
  GST_WAV2VEC2EE_EXIT_POLICY_DEADLINE,    /* the deepest exit that meets max-latency */
} GstWav2vec2eeExitPolicy;

/* ---- gstwav2vec2ee-enums.c ---- */
#define GST_TYPE_WAV2VEC2EE_EXIT_POLICY (gst_wav2vec2ee_exit_policy_get_type ())
GType gst_wav2vec2ee_exit_policy_get_type (void);
/* Property "precision": the values of W2veePrecision. */
#define GST_TYPE_WAV2VEC2EE_PRECISION (gst_wav2vec2ee_precision_get_type ())
GType gst_wav2vec2ee_precision_get_type (void);
/* Property "compute": the values of W2veeCompute. */
#define GST_TYPE_WAV2VEC2EE_COMPUTE (gst_wav2vec2ee_compute_get_type ())
GType gst_wav2vec2ee_compute_get_type (void);
#define MAX_EXITS 128           /* the engine's limit on layers, hence on exits */

/* The text_src timeline (gstwav2vec2ee-text.c); every field protected by @lock. */
typedef struct {
  GMutex lock;
  GCond cond;                   /* @items or @flushing changed */
  GQueue items;                 /* (GstMiniObject) events and buffers for the pad
                                 * task to push, oldest first */
  gboolean flushing;            /* pad deactivated or FLUSH_START: the task idles */
  GstClockTime position;        /* end of the last buffer or GAP queued, buffer
                                 * time, ns; NONE before the stream's first time */
  GstClockTime gap_until;       /* nothing but the held segments starts before this */
  GstClockTime holds[N_QUEUED + 2];     /* starts of segments being decoded (their
                                 * text is still to come), ns; NONE = free */
  GstSegment segment;           /* the last segment queued (position ignored) */
  gboolean need_stream_start;   /* stream-start and caps are still to go out */
  gboolean need_segment;        /* a segment is still to go out */
  gboolean eos;                 /* EOS queued: nothing more until a flush or
                                 * a new stream */
  gchar *stream_id;             /* of the audio's stream-start; NULL: none */
  guint group_id;               /* of the audio's stream-start, if @have_group_id */
  gboolean have_group_id;
  guint n_dropped;              /* items dropped because the queue was full */
} GstWav2vec2eeText;

struct _GstWav2vec2ee
{
  GstAudioFilter parent;

  GstPad *text_srcpad;

  /* properties, protected by the object lock */
  gchar *model_location;        /* path or URI set by the user; NULL: the default */
  guint exit;                   /* proposed exit, 1..n_exits; 0: the deepest */
  gdouble silence_threshold;    /* dBFS */
  gdouble noise_margin;         /* dB above the tracked noise floor */
  GstClockTime min_silence;     /* nanoseconds */
  GstClockTime chunk_duration;  /* longest segment, nanoseconds */
  GstClockTime partial_interval;        /* nanoseconds between partial results;
                                         * 0: none */
  GstWav2vec2eeExitPolicy exit_policy;  /* proposed policy */
  gdouble exit_threshold;       /* proposed confidence threshold; < 0: the model's */
  GstClockTime max_latency;     /* deadline policy: segment closed -> result, ns */
  guint threads;                /* inference threads; 0: one per online CPU */
  W2veePrecision precision;     /* of the session's linear layers */
  W2veeCompute compute;         /* backend of the session's linear layers */
  gchar *lm_location;           /* word LM (ARPA or binary) or "default"; NULL: greedy */
  gchar *lexicon_location;      /* flashlight lexicon; NULL: the LM's words */
  guint beam_size;              /* hypotheses kept per frame */
  gdouble lm_weight;            /* weight of the LM's natural-log score */
  gdouble word_score;           /* added per word, natural log */
  gboolean allow_pickle;        /* load pytorch_model.bin when there is no safetensors */
  W2veeModel *model;            /* loaded at NULL->READY (a URI: fetched from
                                 * READY->PAUSED on), freed at READY->NULL */
  gchar *model_path;            /* the path or URI @model was loaded from */
  guint fetch_cookie;           /* bumped when a fetch starts or is cancelled: the
                                 * result of an older one is dropped */
  guint n_exits;                /* of @model; 0 without a model */

  /* fetching a model URI (gstwav2vec2ee-model.c); protected by the state lock */
  gpointer fetch;               /* (GstWav2vec2eeFetch) the fetch in progress */
  gboolean async_pending;       /* ASYNC_START posted, ASYNC_DONE not yet */

  /* streaming thread only (gstwav2vec2ee-audio.c); set up in start(), freed in
   * stop() */
  gboolean is_s16;              /* negotiated format S16LE (else F32LE) */
  gboolean have_format;         /* caps seen since start() */
  W2veeSegmenter *segmenter;
  GArray *pending;              /* (float) samples from pending_start on */
  guint64 pending_start;        /* segmenter position of pending[0], samples */
  guint64 position;             /* samples fed to the segmenter since the reset */
  GstClockTime base_pts;        /* buffer time of position 0; NONE after a reset */
  float *scratch;               /* (SLICE) S16LE input converted to float */
  gsize max_samples;            /* chunk-duration in samples, fixed in start() */
  guint64 partial_samples;      /* partial-interval in samples, fixed in start() */
  guint64 last_partial;         /* segmenter position of the last partial */
  guint warned_exit;            /* last out-of-range exit warned about (0: none) */
  gint live;                    /* upstream live: -1 unknown, 0 no, 1 yes */
  GstClockTime text_latency;    /* latency text_src adds for a live source, ns */

  /* state of the streaming half, protected by @start_lock (also waited on by
   * the streaming thread while a fetched model is pending) */
  GMutex start_lock;
  GCond start_cond;
  gboolean started;             /* start() done, stop() not begun */
  gboolean model_pending;       /* pads active, start() deferred until the fetched
                                 * model arrives: data and EOS wait */
  gboolean fetch_failed;        /* the fetch or the deferred start() failed */
  gboolean stopping;            /* going to READY: waits end */
  gboolean flushing;            /* between FLUSH_START and FLUSH_STOP */

  /* the worker (gstwav2vec2ee-worker.c): created in start(), joined in stop() */
  W2veeJobQueue *jobs;
  GThread *worker;
  W2veeSession *session;        /* used by the worker only */
  W2veeDecoder *decoder;        /* beam search for finals (lm or lexicon set), or
                                 * NULL for greedy; made in start(), worker only */
  W2veeScore model_rule;        /* the model's confidence rule (early_exit.json) */
  gdouble model_threshold;      /* and its calibrated threshold; set before the
                                 * worker starts, read by it only */
  /* deadline policy, worker only: the pace of live input */
  gint64 prev_closed_us;        /* when the previous final segment was queued */
  GstClockTime prev_end;        /* its end, buffer time, ns; NONE: none yet */
  gdouble pace;                 /* wall seconds per audio second of the input,
                                 * exponential average; 0: unknown */

  /* results waiting for an audio buffer to carry their meta */
  GMutex results_lock;
  GQueue results;               /* (W2veeGstTranscript), protected by results_lock */

  GstWav2vec2eeText text;
};

GST_ELEMENT_REGISTER_DECLARE (wav2vec2ee);

/* Whether two segments differ in anything but their position and duration (which
 * advance with the stream and say nothing about its time mapping). */
static inline gboolean
gst_wav2vec2ee_segment_differs (const GstSegment *a, const GstSegment *b)
{
  return a->flags != b->flags || a->rate != b->rate
      || a->applied_rate != b->applied_rate || a->format != b->format
      || a->base != b->base || a->offset != b->offset || a->start != b->start
      || a->stop != b->stop || a->time != b->time;
}

/* ---- gstwav2vec2ee-start.c ---- */
gboolean gst_wav2vec2ee_start (GstBaseTransform *trans);
gboolean gst_wav2vec2ee_stop (GstBaseTransform *trans);
gboolean gst_wav2vec2ee_start_streaming (GstWav2vec2ee *self);

/* ---- gstwav2vec2ee.c ---- */
void gst_wav2vec2ee_set_start_state (GstWav2vec2ee *self, gboolean model_pending,
    gboolean fetch_failed);

/* ---- gstwav2vec2ee-model.c (the fetch: state lock held by the callers) ---- */
gchar *gst_wav2vec2ee_model_location (GstWav2vec2ee *self);
gboolean gst_wav2vec2ee_has_model (GstWav2vec2ee *self, const gchar *path);
gboolean gst_wav2vec2ee_load_model (GstWav2vec2ee *self, gboolean uri_later);
void gst_wav2vec2ee_unload_model (GstWav2vec2ee *self);
void gst_wav2vec2ee_set_model (GstWav2vec2ee *self, W2veeModel *model, gchar *path);
void gst_wav2vec2ee_post_model_error (GstWav2vec2ee *self, const gchar *path,
    const GError *error);
W2veeLoadFlags gst_wav2vec2ee_load_flags (GstWav2vec2ee *self);
gboolean gst_wav2vec2ee_start_fetch (GstWav2vec2ee *self, const gchar *uri);
void gst_wav2vec2ee_cancel_fetch (GstWav2vec2ee *self);

/* ---- gstwav2vec2ee-audio.c (streaming thread) ---- */
void gst_wav2vec2ee_audio_reset_state (GstWav2vec2ee *self);
GstFlowReturn gst_wav2vec2ee_transform_ip (GstBaseTransform *trans, GstBuffer *buffer);
gboolean gst_wav2vec2ee_sink_event (GstBaseTransform *trans, GstEvent *event);
void gst_wav2vec2ee_before_transform (GstBaseTransform *trans, GstBuffer *buffer);
gboolean gst_wav2vec2ee_setup (GstAudioFilter *filter, const GstAudioInfo *info);

/* ---- gstwav2vec2ee-worker.c ---- */
gboolean gst_wav2vec2ee_worker_start (GstWav2vec2ee *self, GError **error);
void gst_wav2vec2ee_worker_load_policy (GstWav2vec2ee *self, W2veeModel *model);
void gst_wav2vec2ee_worker_stop (GstWav2vec2ee *self);
void gst_wav2vec2ee_results_clear (GstWav2vec2ee *self);
void gst_wav2vec2ee_results_attach (GstWav2vec2ee *self, GstBuffer *buffer);

/* ---- gstwav2vec2ee-text.c ---- */
void gst_wav2vec2ee_text_init (GstWav2vec2ee *self);
void gst_wav2vec2ee_text_finalize (GstWav2vec2ee *self);
void gst_wav2vec2ee_text_reset (GstWav2vec2ee *self);
void gst_wav2vec2ee_text_stream_start (GstWav2vec2ee *self, const gchar *stream_id,
    gboolean have_group_id, guint group_id);
void gst_wav2vec2ee_text_start (GstWav2vec2ee *self, const GstSegment *segment,
    GstClockTime pts);
void gst_wav2vec2ee_text_hold (GstWav2vec2ee *self, GstClockTime pts);
void gst_wav2vec2ee_text_unhold (GstWav2vec2ee *self, GstClockTime pts);
void gst_wav2vec2ee_text_gap_until (GstWav2vec2ee *self, const GstSegment *segment,
    GstClockTime until);
void gst_wav2vec2ee_text_result (GstWav2vec2ee *self, const GstSegment *segment,
    const W2veeGstTranscript *t);
void gst_wav2vec2ee_text_eos (GstWav2vec2ee *self, const GstSegment *segment);
void gst_wav2vec2ee_text_preroll (GstWav2vec2ee *self);
void gst_wav2vec2ee_text_flush_start (GstWav2vec2ee *self, GstEvent *event);
void gst_wav2vec2ee_text_flush_stop (GstWav2vec2ee *self, GstEvent *event);

G_END_DECLS

#endif /* __GST_WAV2VEC2EE_H__ */
