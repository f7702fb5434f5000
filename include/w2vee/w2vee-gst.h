/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libgstw2vee — read the results of the wav2vec2ee element.
 *
 * The element publishes every transcript segment twice (docs/meta.md):
 *
 *   - as an element message on the bus, a GstStructure named "wav2vec2ee"
 *     (w2vee_gst_message_parse_transcript() reads it), and
 *   - as a W2veeTranscriptMeta on an outgoing audio buffer
 *     (w2vee_buffer_iterate_transcript_meta() reads it).
 *
 * Both carry the same W2veeGstTranscript. This library depends on GStreamer
 * only (gstreamer-1.0); it does not link the inference engine.
 *
 * Build an application with `pkg-config --cflags --libs w2vee-gst`. From Python
 * (PyGObject): `gi.require_version ("W2veeGst", "0.1")`, `from gi.repository
 * import W2veeGst` (the typelib W2veeGst-0.1, docs/meta.md).
 *
 * Units: every time is a GstClockTime in nanoseconds. Times named "timestamp"
 * or "start" are buffer times (the PTS time base of the element's audio); the
 * stream and running times follow the GstSegment definitions.
 *
 * Threading:
 *   - A W2veeGstTranscript is a plain value with no lock: any number of threads
 *     may read one concurrently; a thread that modifies one must own it.
 *   - w2vee_transcript_meta_api_get_type() and w2vee_transcript_meta_get_info()
 *     register once, thread-safely, on first use from any thread.
 *   - A W2veeTranscriptMeta lives on a GstBuffer and follows the buffer's rules:
 *     read it while holding a reference to the buffer; add metas only to a
 *     writable buffer; never modify the transcript inside a meta.
 *   - The message helpers keep no state and may run on any thread (e.g. in a
 *     synchronous bus handler on the streaming thread).
 */
#ifndef W2VEE_GST_H
#define W2VEE_GST_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* W2VEE_GST_API marks each function libgstw2vee exports: the library is compiled with
 * hidden symbol visibility, so anything else in it stays internal. */
#if defined(__GNUC__) || defined(__clang__)
#define W2VEE_GST_API __attribute__ ((visibility ("default"))) extern
#else
#define W2VEE_GST_API extern
#endif

/* ------------------------------------------------------------------------- */
/* Errors                                                                    */
/* ------------------------------------------------------------------------- */

/* Own domain: W2VEE_ERROR belongs to libw2vee (the engine), which this library does
 * not link, so that applications reading transcripts need only GStreamer. */
#define W2VEE_GST_ERROR (w2vee_gst_error_quark ())
W2VEE_GST_API GQuark w2vee_gst_error_quark (void);

/**
 * W2veeGstError:
 *
 * Codes of the W2VEE_GST_ERROR domain. Messages name the field.
 */
typedef enum {
  W2VEE_GST_ERROR_NOT_TRANSCRIPT, /* not an element message / structure named "wav2vec2ee" */
  W2VEE_GST_ERROR_MISSING_FIELD,  /* a required field is absent */
  W2VEE_GST_ERROR_FIELD_TYPE,     /* a field has the wrong GType */
  W2VEE_GST_ERROR_FIELD_VALUE,    /* a field's value is out of its range (see the fields below) */
} W2veeGstError;

/* ------------------------------------------------------------------------- */
/* Transcript value                                                          */
/* ------------------------------------------------------------------------- */

/**
 * W2veeGstWord:
 * @word: (not nullable): the word, UTF-8, owned by the transcript.
 * @start: buffer time of the word's first frame, in nanoseconds; same time
 *   base as W2veeGstTranscript.timestamp (not relative to it). Never NONE.
 * @duration: from the start of the word's first frame to the end of its last
 *   frame, in nanoseconds. Never NONE.
 * @confidence: 0..1 (the element documents how it is computed).
 *
 * One word of a transcript.
 */
typedef struct {
  gchar *word;
  GstClockTime start;
  GstClockTime duration;
  gfloat confidence;
} W2veeGstWord;

/* W2veeGstWord is a boxed type too, for bindings (copies own their word). */
#define W2VEE_GST_TYPE_WORD (w2vee_gst_word_get_type ())
W2VEE_GST_API GType w2vee_gst_word_get_type (void);

/**
 * w2vee_gst_word_copy:
 * @word: a word.
 *
 * Returns: (transfer full): a copy of @word, with its own copy of the text.
 */
W2VEE_GST_API W2veeGstWord *w2vee_gst_word_copy (const W2veeGstWord *word);

/**
 * w2vee_gst_word_free:
 * @word: (nullable) (transfer full): a word made by w2vee_gst_word_copy().
 *
 * Frees @word and its text. Never call it on a word inside a transcript.
 */
W2VEE_GST_API void w2vee_gst_word_free (W2veeGstWord *word);

/**
 * W2veeGstTranscript:
 * @text: (not nullable): the transcript, UTF-8, words separated by one space;
 *   may be "" (a segment without speech). Owned; set it with
 *   w2vee_gst_transcript_set_text().
 * @timestamp: PTS of the segment start, in nanoseconds. Never NONE.
 * @duration: length of the segment, in nanoseconds. Never 0, never NONE.
 * @stream_time: stream time of the segment start, in nanoseconds; NONE when unknown.
 * @running_time: running time of the segment start, in nanoseconds; NONE when unknown.
 * @exit: the exit that produced the result, 1-based (1 = shallowest). >= 1.
 * @layer: the transformer layer that exit reads, 1-based. >= 1.
 * @confidence: 0..1, for the whole segment.
 * @final: TRUE when no later result will replace this one for the same
 *   segment and exit; FALSE for a partial (provisional) result.
 * @words: (array length=n_words): the words in order; NULL when @n_words is 0.
 *   Owned; append with w2vee_gst_transcript_add_word().
 * @n_words: number of @words.
 *
 * One transcript result, i.e. one segment decoded at one exit.
 *
 * A boxed type (W2VEE_GST_TYPE_TRANSCRIPT) with g_autoptr support. The fields
 * are public: read them directly; write the plain numeric ones directly.
 * Values outside the ranges above make the transcript invalid
 * (w2vee_gst_transcript_validate()).
 */
typedef struct {
  gchar *text;
  GstClockTime timestamp;
  GstClockTime duration;
  GstClockTime stream_time;
  GstClockTime running_time;
  guint exit;
  guint layer;
  gfloat confidence;
  gboolean final;
  W2veeGstWord *words;
  guint n_words;
} W2veeGstTranscript;

#define W2VEE_GST_TYPE_TRANSCRIPT (w2vee_gst_transcript_get_type ())
W2VEE_GST_API GType w2vee_gst_transcript_get_type (void);

/**
 * w2vee_gst_transcript_new:
 * @text: (nullable): UTF-8 text, copied; NULL means "".
 *
 * Returns: (transfer full): a transcript with every time NONE, exit and layer 0,
 * confidence 0, final FALSE and no words. Set timestamp, duration, exit and
 * layer before using it (until then it is invalid).
 */
W2VEE_GST_API W2veeGstTranscript *w2vee_gst_transcript_new (const gchar *text);

/**
 * w2vee_gst_transcript_copy:
 * @transcript: a transcript.
 *
 * Returns: (transfer full): a deep copy of @transcript (text and words included).
 */
W2VEE_GST_API W2veeGstTranscript *w2vee_gst_transcript_copy (
    const W2veeGstTranscript *transcript);

/**
 * w2vee_gst_transcript_free:
 * @transcript: (nullable) (transfer full): a transcript.
 *
 * Frees @transcript, its text and its words.
 */
W2VEE_GST_API void w2vee_gst_transcript_free (W2veeGstTranscript *transcript);

/**
 * w2vee_gst_transcript_set_text:
 * @transcript: a transcript.
 * @text: (nullable): UTF-8, copied; NULL means "".
 *
 * Replaces the text.
 */
W2VEE_GST_API void w2vee_gst_transcript_set_text (W2veeGstTranscript *transcript,
    const gchar *text);

/**
 * w2vee_gst_transcript_get_word:
 * @transcript: a transcript.
 * @index: 0-based.
 *
 * For bindings, which cannot read the @words array field: the @index-th word.
 *
 * Returns: (transfer none) (nullable): the word, owned by @transcript, or NULL
 * when @index >= n_words.
 */
W2VEE_GST_API const W2veeGstWord *w2vee_gst_transcript_get_word (
    const W2veeGstTranscript *transcript, guint index);

/**
 * w2vee_gst_transcript_add_word:
 * @word: (not nullable): UTF-8, copied.
 * @start: buffer time in nanoseconds (same base as timestamp).
 * @duration: in nanoseconds.
 * @confidence: 0..1.
 *
 * Appends one word to @transcript->words.
 */
W2VEE_GST_API void w2vee_gst_transcript_add_word (W2veeGstTranscript *transcript, const gchar *word,
    GstClockTime start, GstClockTime duration, gfloat confidence);

/**
 * w2vee_gst_transcript_validate:
 *
 * Checks every range documented on W2veeGstTranscript and W2veeGstWord: text
 * and words non-NULL valid UTF-8, timestamp valid, duration valid and > 0,
 * exit >= 1, layer >= 1, confidences in [0, 1] (not NaN), word start and
 * duration valid.
 *
 * Returns: TRUE when valid; FALSE with @error set (W2VEE_GST_ERROR_FIELD_VALUE,
 * naming the field) otherwise.
 */
W2VEE_GST_API gboolean w2vee_gst_transcript_validate (const W2veeGstTranscript *transcript,
    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeGstTranscript, w2vee_gst_transcript_free)

/* ------------------------------------------------------------------------- */
/* Buffer meta                                                               */
/* ------------------------------------------------------------------------- */

/**
 * W2veeTranscriptMeta:
 * @meta: the parent GstMeta.
 * @transcript: the result, owned by the meta; read-only.
 *
 * A transcript attached to an audio buffer.
 *
 * A buffer may carry several (one per segment and exit that ended in it).
 *
 * Tags: none. The transcript holds times in nanoseconds, no sample offsets or
 * memory references, so it stays true through any change of sample format,
 * rate, channels or volume. Untagged metas are what GStreamer's audio elements
 * keep: audioconvert, audioresample, GstBaseTransform's default (which drops
 * the "audio" tag), audio encoders and decoders; queue, tee and in-place
 * filters pass every meta. Aggregators (audiomixer) drop all metas. Elements
 * that re-chunk audio may put the meta on several output buffers.
 * docs/meta.md has the measured table.
 *
 * Copies: every GST_META_TRANSFORM_IS_COPY transform (gst_buffer_copy(),
 * gst_buffer_make_writable(), gst_buffer_copy_region() of any region) copies
 * the transcript unchanged; after a region copy both parts carry it. Other
 * transform types are refused (the meta is dropped).
 */
typedef struct {
  GstMeta meta;
  W2veeGstTranscript transcript;
} W2veeTranscriptMeta;

#define W2VEE_TRANSCRIPT_META_API_TYPE (w2vee_transcript_meta_api_get_type ())
#define W2VEE_TRANSCRIPT_META_INFO (w2vee_transcript_meta_get_info ())
/* The meta API type "W2veeTranscriptMetaAPI"; registered once, thread-safely. */
W2VEE_GST_API GType w2vee_transcript_meta_api_get_type (void);
/* The meta implementation "W2veeTranscriptMeta"; registered once, thread-safely. */
W2VEE_GST_API const GstMetaInfo *w2vee_transcript_meta_get_info (void);

/**
 * w2vee_buffer_add_transcript_meta:
 * @buffer: a writable buffer.
 * @transcript: a valid transcript; deep-copied into the meta.
 *
 * Returns: (transfer none): the new meta, owned by @buffer.
 */
W2VEE_GST_API W2veeTranscriptMeta *w2vee_buffer_add_transcript_meta (GstBuffer *buffer,
    const W2veeGstTranscript *transcript);

/**
 * w2vee_buffer_get_transcript_meta:
 *
 * Returns: (transfer none) (nullable): the first transcript meta of @buffer
 * (the earliest added), or NULL.
 */
W2VEE_GST_API W2veeTranscriptMeta *w2vee_buffer_get_transcript_meta (GstBuffer *buffer);

/**
 * w2vee_buffer_iterate_transcript_meta: (skip)
 * @buffer: a buffer.
 * @state: (inout): a gpointer set to NULL before the first call.
 *
 * Returns: (transfer none) (nullable): the next transcript meta of @buffer, in
 * the order they were added, or NULL after the last one.
 *
 *   gpointer state = NULL;
 *   W2veeTranscriptMeta *meta;
 *   while ((meta = w2vee_buffer_iterate_transcript_meta (buffer, &state)))
 *     use (&meta->transcript);
 */
W2VEE_GST_API W2veeTranscriptMeta *w2vee_buffer_iterate_transcript_meta (GstBuffer *buffer,
    gpointer *state);

/**
 * w2vee_buffer_get_n_transcripts:
 * @buffer: a buffer.
 *
 * Returns: the number of transcript metas on @buffer.
 */
W2VEE_GST_API guint w2vee_buffer_get_n_transcripts (GstBuffer *buffer);

/**
 * w2vee_buffer_get_transcript:
 * @buffer: a buffer.
 * @index: 0-based, in the order the metas were added.
 *
 * The transcript of the @index-th transcript meta of @buffer, as a value of its
 * own (what bindings use instead of iterating the metas).
 *
 * Returns: (transfer full) (nullable): a copy of the transcript, or NULL when
 * @buffer has @index metas or fewer.
 */
W2VEE_GST_API W2veeGstTranscript *w2vee_buffer_get_transcript (GstBuffer *buffer,
    guint index);

/* ------------------------------------------------------------------------- */
/* Element message                                                           */
/* ------------------------------------------------------------------------- */

/**
 * W2VEE_GST_MESSAGE_NAME:
 *
 * Name of the element message's structure. Its fields, as in the table of
 * docs/meta.md:
 *   text          G_TYPE_STRING   UTF-8
 *   timestamp     G_TYPE_UINT64   ns, PTS of the segment start
 *   duration      G_TYPE_UINT64   ns, > 0
 *   stream-time   G_TYPE_UINT64   ns, GST_CLOCK_TIME_NONE when unknown
 *   running-time  G_TYPE_UINT64   ns, GST_CLOCK_TIME_NONE when unknown
 *   exit          G_TYPE_UINT     1-based
 *   layer         G_TYPE_UINT     1-based
 *   confidence    G_TYPE_DOUBLE   0..1 (double, as GStreamer's own messages and
 *                                 gst_structure_from_string() use)
 *   final         G_TYPE_BOOLEAN
 *   words         GST_TYPE_ARRAY of GstStructure "word" {word: G_TYPE_STRING,
 *                 start: G_TYPE_UINT64 ns, duration: G_TYPE_UINT64 ns,
 *                 confidence: G_TYPE_DOUBLE 0..1}
 */
#define W2VEE_GST_MESSAGE_NAME "wav2vec2ee"
/* Name of each structure inside the "words" array. */
#define W2VEE_GST_WORD_STRUCTURE_NAME "word"

/**
 * w2vee_gst_transcript_to_structure:
 * @transcript: a valid transcript (an invalid one is a programmer error: critical, NULL).
 *
 * Returns: (transfer full): the structure "wav2vec2ee" with the fields above.
 */
W2VEE_GST_API GstStructure *w2vee_gst_transcript_to_structure (const W2veeGstTranscript *transcript);

/**
 * w2vee_gst_message_new_transcript:
 * @src: (nullable): the posting element.
 * @transcript: a valid transcript.
 *
 * Returns: (transfer full): gst_message_new_element (@src, the structure above).
 */
W2VEE_GST_API GstMessage *w2vee_gst_message_new_transcript (GstObject *src,
    const W2veeGstTranscript *transcript);

/**
 * w2vee_gst_transcript_from_structure:
 * @structure: any structure.
 * @transcript: (out) (transfer full): the result, only set on success.
 *
 * Reads a structure made by w2vee_gst_transcript_to_structure() (also after
 * gst_structure_to_string()/gst_structure_from_string()). Every field above is
 * required with exactly the listed type; unknown extra fields are ignored (room
 * for later versions); the values must pass w2vee_gst_transcript_validate().
 *
 * Returns: (skip): TRUE on success; FALSE with @error set otherwise
 * (W2VEE_GST_ERROR_NOT_TRANSCRIPT when the name is not "wav2vec2ee"). Bindings
 * return @transcript or raise the error.
 */
W2VEE_GST_API gboolean w2vee_gst_transcript_from_structure (const GstStructure *structure,
    W2veeGstTranscript **transcript, GError **error);

/**
 * w2vee_gst_message_parse_transcript:
 * @message: any message, e.g. every message of a bus watch.
 * @transcript: (out) (transfer full): the result, only set on success.
 *
 * Returns: (skip): TRUE when @message is an element message named "wav2vec2ee"
 * with valid fields. FALSE otherwise: with W2VEE_GST_ERROR_NOT_TRANSCRIPT for
 * every other message (pass @error NULL to simply skip them), or another code
 * for a "wav2vec2ee" message with a missing, mistyped or out-of-range field.
 * Bindings return @transcript or raise the error.
 */
W2VEE_GST_API gboolean w2vee_gst_message_parse_transcript (GstMessage *message,
    W2veeGstTranscript **transcript, GError **error);

G_END_DECLS

#endif /* W2VEE_GST_H */
