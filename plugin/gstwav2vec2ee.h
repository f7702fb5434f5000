/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* wav2vec2ee: early-exit wav2vec2 speech recognition as a GStreamer element.
 *
 * Threads and locks (see the SECTION comment in gstwav2vec2ee.c for the user view):
 *   - the object lock protects the properties ("proposed" values) and the model pointer;
 *   - the streaming thread owns the segmenter, the pending audio and the time base;
 *   - one worker thread owns the W2veeSession and does every push on text_src;
 *   - self->lock protects everything the two share (job queue, epoch, text_src
 *     timeline, results waiting for an audio buffer). It is never held across
 *     inference, a push, a message post or a call into the base class, and never
 *     together with the object lock;
 *   - a model URI is fetched by a fetch thread started at READY->PAUSED, which then
 *     returns ASYNC; the result is committed by gst_element_call_async() under the
 *     state lock, which also serialises cancelling (PAUSED->READY, READY->NULL). The
 *     fetch thread never takes the state lock, so cancelling may join it.
 */
#ifndef __GST_WAV2VEC2EE_H__
#define __GST_WAV2VEC2EE_H__

#include <gst/audio/gstaudiofilter.h>

#include "w2vee/w2vee.h"

G_BEGIN_DECLS

#define GST_TYPE_WAV2VEC2EE (gst_wav2vec2ee_get_type ())
G_DECLARE_FINAL_TYPE (GstWav2vec2ee, gst_wav2vec2ee, GST, WAV2VEC2EE, GstAudioFilter)

/* One segment handed to the worker. The slots are allocated in start(). */
typedef struct {
  float *samples;             /* (max_samples) 16 kHz mono, the segment's audio */
  gsize n_samples;            /* samples of this segment, <= max_samples */
  guint exit;                 /* exit to decode at, 1..n_exits */
  guint epoch;                /* self->epoch when queued; stale after a flush */
  GstClockTime pts;           /* segment start, buffer time, nanoseconds */
  GstClockTime duration;      /* segment length, nanoseconds, > 0 */
  GstSegment segment;         /* the audio segment when the job was queued */
  gint64 closed_us;           /* g_get_monotonic_time () when queued, microseconds */
} GstWav2vec2eeJob;

struct _GstWav2vec2ee
{
  GstAudioFilter parent;

  GstPad *text_srcpad;

  /* properties, protected by the object lock */
  gchar *model_location;        /* path set by the user; NULL: the default model */
  guint exit;                   /* proposed exit, 1..n_exits; 0: the deepest */
  gdouble silence_threshold;    /* dBFS */
  GstClockTime min_silence;     /* nanoseconds */
  GstClockTime chunk_duration;  /* longest segment, nanoseconds */
  guint threads;                /* inference threads; 0: one per online CPU */
  gboolean allow_pickle;        /* load pytorch_model.bin when there is no safetensors */
  W2veeModel *model;            /* loaded at NULL->READY (a URI: fetched from
                                 * READY->PAUSED on), freed at READY->NULL */
  gchar *model_path;            /* the path or URI @model was loaded from */
  guint fetch_cookie;           /* bumped when a fetch starts or is cancelled: the
                                 * result of an older one is dropped */
  guint n_exits;                /* of @model; 0 without a model */

  /* fetching a model URI; protected by the state lock */
  GThread *fetch_thread;        /* w2vee_fetch() and the model load */
  gchar *fetch_uri;             /* the URI it fetches */
  GCancellable *fetch_cancellable;
  gboolean async_pending;       /* ASYNC_START posted, ASYNC_DONE not yet */

  /* streaming thread only; allocated in start(), freed in stop() */
  gboolean is_s16;              /* negotiated format S16LE (else F32LE) */
  gboolean have_format;         /* caps seen since start() */
  W2veeSegmenter *segmenter;
  GArray *pending;              /* (float) samples from pending_start on */
  guint64 pending_start;        /* segmenter position of pending[0], samples */
  guint64 position;             /* samples fed to the segmenter since the reset */
  GstClockTime base_pts;        /* buffer time of position 0; NONE after a reset */
  float *scratch;               /* (SLICE) S16LE input converted to float */
  gsize max_samples;            /* chunk-duration in samples, fixed in start() */
  GstClockTime text_latency;    /* latency text_src adds, nanoseconds, fixed in start() */
  guint warned_exit;            /* last out-of-range exit warned about (0: none) */
  gint live;                    /* upstream live: -1 unknown, 0 no, 1 yes */

  /* shared by the streaming thread and the worker, protected by @lock */
  GMutex lock;
  GCond cond;                   /* any change of the fields below */
  gboolean started;              /* start() done, stop() not begun: the
                                 * streaming fields above are valid */
  gboolean model_pending;       /* pads active, start() deferred until the fetched
                                 * model arrives: data and events wait */
  gboolean fetch_failed;        /* the fetch or the deferred start() failed */
  GThread *worker;
  W2veeSession *session;        /* used by the worker only while it runs */
  GstWav2vec2eeJob *jobs;       /* (N_JOBS) the slots */
  GQueue free_jobs;             /* slots nobody uses */
  GQueue queued_jobs;           /* slots waiting for inference, oldest first */
  guint epoch;                  /* bumped by FLUSH_STOP */
  gboolean flushing;            /* between FLUSH_START and FLUSH_STOP */
  gboolean stopping;            /* going to READY: the worker exits, waits end */
  gboolean emitting;            /* the worker is posting or pushing a result */
  gboolean eos;                 /* EOS came in: the worker ends text_src when idle */
  gboolean text_eos;            /* EOS went out on text_src */
  GQueue results;               /* (W2veeGstTranscript) for the next audio buffer */
  GstClockTime gap_until;       /* no segment starts before this except queued ones */
  GstSegment gap_segment;       /* the audio segment at @gap_until */
  GstClockTime text_position;   /* end of the last text buffer or gap, buffer time */
  gboolean need_preroll_gap;    /* nothing went out on text_src since the stream
                                 * (re)started: a GAP of 0 ns lets sinks preroll */
  gchar *upstream_stream_id;    /* of the sink pad's stream-start; NULL: none */
  guint group_id;               /* of the sink pad's stream-start, if @have_group_id */
  gboolean have_group_id;
  gboolean need_stream_start;   /* text_src needs stream-start and caps */
  gboolean need_segment;        /* text_src needs a segment before data */
  GstSegment text_segment;      /* the last segment sent on text_src */
};

GST_ELEMENT_REGISTER_DECLARE (wav2vec2ee);

G_END_DECLS

#endif /* __GST_WAV2VEC2EE_H__ */
