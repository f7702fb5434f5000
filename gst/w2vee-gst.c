/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libgstw2vee: the transcript value, its GstMeta and the element message.
 *
 * Everything here is public API (include/w2vee/w2vee-gst.h, each function marked
 * W2VEE_GST_API) except the static helpers; the library is built with hidden
 * visibility, so a function without the mark would not be exported.
 */
#include <string.h>

#include "w2vee/w2vee-gst.h"

G_DEFINE_QUARK (w2vee-gst-error-quark, w2vee_gst_error)

/* ------------------------------------------------------------------------- */
/* Transcript value                                                          */
/* ------------------------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (W2veeGstTranscript, w2vee_gst_transcript,
    w2vee_gst_transcript_copy, w2vee_gst_transcript_free)
G_DEFINE_BOXED_TYPE (W2veeGstWord, w2vee_gst_word, w2vee_gst_word_copy,
    w2vee_gst_word_free)

W2veeGstWord *
w2vee_gst_word_copy (const W2veeGstWord * word)
{
  W2veeGstWord *w;

  g_return_val_if_fail (word != NULL, NULL);

  w = g_new (W2veeGstWord, 1);
  *w = *word;
  w->word = g_strdup (word->word);
  return w;
}

void
w2vee_gst_word_free (W2veeGstWord * word)
{
  if (word == NULL)
    return;
  g_free (word->word);
  g_free (word);
}

static void
transcript_init (W2veeGstTranscript * t, const gchar * text)
{
  t->text = g_strdup (text != NULL ? text : "");
  t->timestamp = GST_CLOCK_TIME_NONE;
  t->duration = GST_CLOCK_TIME_NONE;
  t->stream_time = GST_CLOCK_TIME_NONE;
  t->running_time = GST_CLOCK_TIME_NONE;
  t->exit = 0;
  t->layer = 0;
  t->confidence = 0.0f;
  t->final = FALSE;
  t->words = NULL;
  t->n_words = 0;
}

/* Deep copy into uninitialised storage (a fresh meta or a new boxed value). */
static void
transcript_init_copy (W2veeGstTranscript * dst, const W2veeGstTranscript * src)
{
  *dst = *src;
  dst->text = g_strdup (src->text);
  dst->words = NULL;
  if (src->n_words > 0) {
    dst->words = g_new (W2veeGstWord, src->n_words);
    for (guint i = 0; i < src->n_words; i++) {
      dst->words[i] = src->words[i];
      dst->words[i].word = g_strdup (src->words[i].word);
    }
  }
}

static void
transcript_clear (W2veeGstTranscript * t)
{
  for (guint i = 0; i < t->n_words; i++)
    g_free (t->words[i].word);
  g_clear_pointer (&t->words, g_free);
  t->n_words = 0;
  g_clear_pointer (&t->text, g_free);
}

W2veeGstTranscript *
w2vee_gst_transcript_new (const gchar * text)
{
  W2veeGstTranscript *t = g_new (W2veeGstTranscript, 1);

  transcript_init (t, text);
  return t;
}

W2veeGstTranscript *
w2vee_gst_transcript_copy (const W2veeGstTranscript * transcript)
{
  W2veeGstTranscript *t;

  g_return_val_if_fail (transcript != NULL, NULL);

  t = g_new (W2veeGstTranscript, 1);
  transcript_init_copy (t, transcript);
  return t;
}

void
w2vee_gst_transcript_free (W2veeGstTranscript * transcript)
{
  if (transcript == NULL)
    return;
  transcript_clear (transcript);
  g_free (transcript);
}

void
w2vee_gst_transcript_set_text (W2veeGstTranscript * transcript,
    const gchar * text)
{
  g_return_if_fail (transcript != NULL);

  g_free (transcript->text);
  transcript->text = g_strdup (text != NULL ? text : "");
}

void
w2vee_gst_transcript_add_word (W2veeGstTranscript * transcript,
    const gchar * word, GstClockTime start, GstClockTime duration,
    gfloat confidence)
{
  W2veeGstWord *w;

  g_return_if_fail (transcript != NULL);
  g_return_if_fail (word != NULL);

  /* One reallocation per word: segments hold tens of words, and the element
   * builds one transcript per segment, not per buffer. */
  transcript->words = g_renew (W2veeGstWord, transcript->words,
      (gsize) transcript->n_words + 1);
  w = &transcript->words[transcript->n_words++];
  w->word = g_strdup (word);
  w->start = start;
  w->duration = duration;
  w->confidence = confidence;
}

const W2veeGstWord *
w2vee_gst_transcript_get_word (const W2veeGstTranscript * transcript,
    guint index)
{
  g_return_val_if_fail (transcript != NULL, NULL);

  return index < transcript->n_words ? &transcript->words[index] : NULL;
}

static gboolean
value_error (GError ** error, const gchar * field, const gchar * reason)
{
  g_set_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_FIELD_VALUE,
      "transcript field '%s' %s", field, reason);
  return FALSE;
}

/* FALSE for NaN too. */
static gboolean
confidence_in_range (gfloat confidence)
{
  return confidence >= 0.0f && confidence <= 1.0f;
}

static gboolean
word_validate (const W2veeGstWord * w, guint index, GError ** error)
{
  const gchar *reason = NULL;
  const gchar *field = NULL;

  if (w->word == NULL || !g_utf8_validate (w->word, -1, NULL)) {
    field = "word";
    reason = "is NULL or not valid UTF-8";
  } else if (!GST_CLOCK_TIME_IS_VALID (w->start)) {
    field = "start";
    reason = "is GST_CLOCK_TIME_NONE";
  } else if (!GST_CLOCK_TIME_IS_VALID (w->duration)) {
    field = "duration";
    reason = "is GST_CLOCK_TIME_NONE";
  } else if (!confidence_in_range (w->confidence)) {
    field = "confidence";
    reason = "is not in [0, 1]";
  }
  if (field != NULL) {
    g_autofree gchar *name = g_strdup_printf ("words[%u].%s", index, field);
    return value_error (error, name, reason);
  }
  return TRUE;
}

gboolean
w2vee_gst_transcript_validate (const W2veeGstTranscript * transcript,
    GError ** error)
{
  const W2veeGstTranscript *t = transcript;

  g_return_val_if_fail (transcript != NULL, FALSE);

  if (t->text == NULL || !g_utf8_validate (t->text, -1, NULL))
    return value_error (error, "text", "is NULL or not valid UTF-8");
  if (!GST_CLOCK_TIME_IS_VALID (t->timestamp))
    return value_error (error, "timestamp", "is GST_CLOCK_TIME_NONE");
  if (!GST_CLOCK_TIME_IS_VALID (t->duration) || t->duration == 0)
    return value_error (error, "duration", "is 0 or GST_CLOCK_TIME_NONE");
  if (t->exit < 1)
    return value_error (error, "exit", "is 0 (exits are 1-based)");
  if (t->layer < 1)
    return value_error (error, "layer", "is 0 (layers are 1-based)");
  if (!confidence_in_range (t->confidence))
    return value_error (error, "confidence", "is not in [0, 1]");
  if (t->n_words > 0 && t->words == NULL)
    return value_error (error, "words", "is NULL but n_words > 0");
  for (guint i = 0; i < t->n_words; i++) {
    if (!word_validate (&t->words[i], i, error))
      return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Buffer meta                                                               */
/* ------------------------------------------------------------------------- */

/* @params is the transcript to copy; metas are never created empty. */
static gboolean
transcript_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  W2veeTranscriptMeta *tmeta = (W2veeTranscriptMeta *) meta;
  const W2veeGstTranscript *src = params;

  if (src == NULL)
    return FALSE;
  transcript_init_copy (&tmeta->transcript, src);
  return TRUE;
}

static void
transcript_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  W2veeTranscriptMeta *tmeta = (W2veeTranscriptMeta *) meta;

  transcript_clear (&tmeta->transcript);
}

/* Whole and region copies both keep the transcript unchanged: it describes
 * the time span of the segment in nanoseconds, not bytes of this buffer, so
 * every part of a split buffer still belongs to that result. */
static gboolean
transcript_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  W2veeTranscriptMeta *tmeta = (W2veeTranscriptMeta *) meta;

  if (!GST_META_TRANSFORM_IS_COPY (type))
    return FALSE;
  return gst_buffer_add_meta (dest, W2VEE_TRANSCRIPT_META_INFO,
      &tmeta->transcript) != NULL;
}

GType
w2vee_transcript_meta_api_get_type (void)
{
  /* No tags: see W2veeTranscriptMeta in the header and docs/meta.md. */
  static const gchar *tags[] = { NULL };
  static GType type = 0;

  if (g_once_init_enter (&type)) {
    GType api = gst_meta_api_type_register ("W2veeTranscriptMetaAPI", tags);
    g_once_init_leave (&type, api);
  }
  return type;
}

const GstMetaInfo *
w2vee_transcript_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *registered =
        gst_meta_register (W2VEE_TRANSCRIPT_META_API_TYPE,
        "W2veeTranscriptMeta", sizeof (W2veeTranscriptMeta),
        transcript_meta_init, transcript_meta_free, transcript_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) registered);
  }
  return info;
}

W2veeTranscriptMeta *
w2vee_buffer_add_transcript_meta (GstBuffer * buffer,
    const W2veeGstTranscript * transcript)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (transcript != NULL, NULL);
  g_return_val_if_fail (w2vee_gst_transcript_validate (transcript, NULL), NULL);

  return (W2veeTranscriptMeta *) gst_buffer_add_meta (buffer,
      W2VEE_TRANSCRIPT_META_INFO, (gpointer) transcript);
}

W2veeTranscriptMeta *
w2vee_buffer_get_transcript_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  return (W2veeTranscriptMeta *) gst_buffer_get_meta (buffer,
      W2VEE_TRANSCRIPT_META_API_TYPE);
}

W2veeTranscriptMeta *
w2vee_buffer_iterate_transcript_meta (GstBuffer * buffer, gpointer * state)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (state != NULL, NULL);

  return (W2veeTranscriptMeta *) gst_buffer_iterate_meta_filtered (buffer,
      state, W2VEE_TRANSCRIPT_META_API_TYPE);
}

guint
w2vee_buffer_get_n_transcripts (GstBuffer * buffer)
{
  gpointer state = NULL;
  guint n = 0;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), 0);

  while (w2vee_buffer_iterate_transcript_meta (buffer, &state) != NULL)
    n++;
  return n;
}

W2veeGstTranscript *
w2vee_buffer_get_transcript (GstBuffer * buffer, guint index)
{
  gpointer state = NULL;
  W2veeTranscriptMeta *meta;
  guint i = 0;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  while ((meta = w2vee_buffer_iterate_transcript_meta (buffer, &state)) != NULL) {
    if (i++ == index)
      return w2vee_gst_transcript_copy (&meta->transcript);
  }
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Element message                                                           */
/* ------------------------------------------------------------------------- */

GstStructure *
w2vee_gst_transcript_to_structure (const W2veeGstTranscript * transcript)
{
  const W2veeGstTranscript *t = transcript;
  GValue words = G_VALUE_INIT;
  GstStructure *s;

  g_return_val_if_fail (transcript != NULL, NULL);
  g_return_val_if_fail (w2vee_gst_transcript_validate (transcript, NULL), NULL);

  g_value_init (&words, GST_TYPE_ARRAY);
  for (guint i = 0; i < t->n_words; i++) {
    const W2veeGstWord *w = &t->words[i];
    GValue word = G_VALUE_INIT;

    g_value_init (&word, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&word,
        gst_structure_new (W2VEE_GST_WORD_STRUCTURE_NAME,
            "word", G_TYPE_STRING, w->word,
            "start", G_TYPE_UINT64, (guint64) w->start,
            "duration", G_TYPE_UINT64, (guint64) w->duration,
            "confidence", G_TYPE_DOUBLE, (gdouble) w->confidence, NULL));
    gst_value_array_append_and_take_value (&words, &word);
  }

  s = gst_structure_new (W2VEE_GST_MESSAGE_NAME,
      "text", G_TYPE_STRING, t->text,
      "timestamp", G_TYPE_UINT64, (guint64) t->timestamp,
      "duration", G_TYPE_UINT64, (guint64) t->duration,
      "stream-time", G_TYPE_UINT64, (guint64) t->stream_time,
      "running-time", G_TYPE_UINT64, (guint64) t->running_time,
      "exit", G_TYPE_UINT, t->exit,
      "layer", G_TYPE_UINT, t->layer,
      "confidence", G_TYPE_DOUBLE, (gdouble) t->confidence,
      "final", G_TYPE_BOOLEAN, t->final, NULL);
  gst_structure_take_value (s, "words", &words);
  return s;
}

GstMessage *
w2vee_gst_message_new_transcript (GstObject * src,
    const W2veeGstTranscript * transcript)
{
  GstStructure *s;

  g_return_val_if_fail (transcript != NULL, NULL);

  s = w2vee_gst_transcript_to_structure (transcript);
  if (s == NULL)
    return NULL;
  return gst_message_new_element (src, s);
}

typedef struct {
  const gchar *name;
  GType type;
} FieldSpec;

/* Each field present with exactly its type; @where names the structure in errors. */
static gboolean
check_fields (const GstStructure * s, const gchar * where,
    const FieldSpec * fields, gsize n_fields, GError ** error)
{
  for (gsize i = 0; i < n_fields; i++) {
    const GValue *v = gst_structure_get_value (s, fields[i].name);

    if (v == NULL) {
      g_set_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_MISSING_FIELD,
          "%s: field '%s' is missing", where, fields[i].name);
      return FALSE;
    }
    if (G_VALUE_TYPE (v) != fields[i].type) {
      g_set_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_FIELD_TYPE,
          "%s: field '%s' is %s, expected %s", where, fields[i].name,
          G_VALUE_TYPE_NAME (v), g_type_name (fields[i].type));
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
read_word (const GValue * value, guint index, W2veeGstTranscript * t,
    GError ** error)
{
  const FieldSpec fields[] = {
    {"word", G_TYPE_STRING},
    {"start", G_TYPE_UINT64},
    {"duration", G_TYPE_UINT64},
    {"confidence", G_TYPE_DOUBLE},
  };
  g_autofree gchar *where = g_strdup_printf ("%s: words[%u]",
      W2VEE_GST_MESSAGE_NAME, index);
  const GstStructure *s;
  const gchar *word;
  guint64 start, duration;
  gdouble confidence;

  s = G_VALUE_TYPE (value) == GST_TYPE_STRUCTURE ?
      gst_value_get_structure (value) : NULL;
  if (s == NULL || !gst_structure_has_name (s, W2VEE_GST_WORD_STRUCTURE_NAME)) {
    g_autofree gchar *what = s != NULL ?
        g_strdup_printf ("a GstStructure named '%s'", gst_structure_get_name (s))
        : g_strdup (G_VALUE_TYPE_NAME (value));

    g_set_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_FIELD_TYPE,
        "%s is %s, expected a GstStructure named '%s'", where, what,
        W2VEE_GST_WORD_STRUCTURE_NAME);
    return FALSE;
  }
  if (!check_fields (s, where, fields, G_N_ELEMENTS (fields), error))
    return FALSE;

  word = gst_structure_get_string (s, "word");
  gst_structure_get (s, "start", G_TYPE_UINT64, &start,
      "duration", G_TYPE_UINT64, &duration,
      "confidence", G_TYPE_DOUBLE, &confidence, NULL);
  if (word == NULL) {
    g_set_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_FIELD_VALUE,
        "%s: field 'word' is NULL", where);
    return FALSE;
  }
  w2vee_gst_transcript_add_word (t, word, start, duration,
      (gfloat) confidence);
  return TRUE;
}

gboolean
w2vee_gst_transcript_from_structure (const GstStructure * structure,
    W2veeGstTranscript ** transcript, GError ** error)
{
  const FieldSpec fields[] = {
    {"text", G_TYPE_STRING},
    {"timestamp", G_TYPE_UINT64},
    {"duration", G_TYPE_UINT64},
    {"stream-time", G_TYPE_UINT64},
    {"running-time", G_TYPE_UINT64},
    {"exit", G_TYPE_UINT},
    {"layer", G_TYPE_UINT},
    {"confidence", G_TYPE_DOUBLE},
    {"final", G_TYPE_BOOLEAN},
    {"words", GST_TYPE_ARRAY},
  };
  g_autoptr (W2veeGstTranscript) t = NULL;
  const GValue *words;
  const gchar *text;
  gdouble confidence;
  guint n_words;

  g_return_val_if_fail (structure != NULL, FALSE);
  g_return_val_if_fail (transcript != NULL, FALSE);

  if (!gst_structure_has_name (structure, W2VEE_GST_MESSAGE_NAME)) {
    g_set_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_NOT_TRANSCRIPT,
        "structure '%s' is not a '%s' transcript",
        gst_structure_get_name (structure), W2VEE_GST_MESSAGE_NAME);
    return FALSE;
  }
  if (!check_fields (structure, W2VEE_GST_MESSAGE_NAME, fields,
          G_N_ELEMENTS (fields), error))
    return FALSE;

  text = gst_structure_get_string (structure, "text");
  if (text == NULL)
    return value_error (error, "text", "is NULL");
  t = w2vee_gst_transcript_new (text);
  gst_structure_get (structure,
      "timestamp", G_TYPE_UINT64, &t->timestamp,
      "duration", G_TYPE_UINT64, &t->duration,
      "stream-time", G_TYPE_UINT64, &t->stream_time,
      "running-time", G_TYPE_UINT64, &t->running_time,
      "exit", G_TYPE_UINT, &t->exit,
      "layer", G_TYPE_UINT, &t->layer,
      "confidence", G_TYPE_DOUBLE, &confidence,
      "final", G_TYPE_BOOLEAN, &t->final, NULL);
  t->confidence = (gfloat) confidence;

  words = gst_structure_get_value (structure, "words");
  n_words = gst_value_array_get_size (words);
  for (guint i = 0; i < n_words; i++) {
    if (!read_word (gst_value_array_get_value (words, i), i, t, error))
      return FALSE;
  }

  if (!w2vee_gst_transcript_validate (t, error))
    return FALSE;
  *transcript = g_steal_pointer (&t);
  return TRUE;
}

gboolean
w2vee_gst_message_parse_transcript (GstMessage * message,
    W2veeGstTranscript ** transcript, GError ** error)
{
  g_return_val_if_fail (GST_IS_MESSAGE (message), FALSE);
  g_return_val_if_fail (transcript != NULL, FALSE);

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT
      || !gst_message_has_name (message, W2VEE_GST_MESSAGE_NAME)) {
    g_set_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_NOT_TRANSCRIPT,
        "%s message is not a '%s' element message",
        GST_MESSAGE_TYPE_NAME (message), W2VEE_GST_MESSAGE_NAME);
    return FALSE;
  }
  return w2vee_gst_transcript_from_structure (gst_message_get_structure
      (message), transcript, error);
}
