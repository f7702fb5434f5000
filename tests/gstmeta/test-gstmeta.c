/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Tests of libgstw2vee: transcript value, W2veeTranscriptMeta, element message.
 *
 * The pipeline cases push one buffer carrying the meta through real GStreamer
 * elements and check where it comes out; they are what decided the meta's tags
 * (none), see docs/meta.md.
 */
#include <math.h>
#include <string.h>

#include <gst/app/app.h>
#include <gst/gst.h>

#include "w2vee/w2vee-gst.h"

/* Text with characters that need escaping in gst_structure_to_string(). */
#define TEXT "naïve café, \"quoted\"; a\\b = ok"

static W2veeGstTranscript *
make_transcript (void)
{
  W2veeGstTranscript *t = w2vee_gst_transcript_new (TEXT);

  t->timestamp = 1 * GST_SECOND + 20 * GST_MSECOND;
  t->duration = 1500 * GST_MSECOND;
  t->stream_time = GST_CLOCK_TIME_NONE;
  t->running_time = 3 * GST_SECOND;
  t->exit = 3;
  t->layer = 6;
  t->confidence = 0.8125f;
  t->final = TRUE;
  w2vee_gst_transcript_add_word (t, "naïve", 1020 * GST_MSECOND,
      300 * GST_MSECOND, 0.9f);
  w2vee_gst_transcript_add_word (t, "café,", 1400 * GST_MSECOND,
      250 * GST_MSECOND, 1.0f);
  w2vee_gst_transcript_add_word (t, "\"quoted\";", 1700 * GST_MSECOND,
      400 * GST_MSECOND, 0.0f);
  return t;
}

/* Exact equality: confidences go float -> double -> float, which is lossless. */
static void
assert_transcript_equal (const W2veeGstTranscript * a,
    const W2veeGstTranscript * b)
{
  g_assert_cmpstr (a->text, ==, b->text);
  g_assert_cmpuint (a->timestamp, ==, b->timestamp);
  g_assert_cmpuint (a->duration, ==, b->duration);
  g_assert_cmpuint (a->stream_time, ==, b->stream_time);
  g_assert_cmpuint (a->running_time, ==, b->running_time);
  g_assert_cmpuint (a->exit, ==, b->exit);
  g_assert_cmpuint (a->layer, ==, b->layer);
  g_assert_cmpfloat (a->confidence, ==, b->confidence);
  g_assert_cmpint (a->final, ==, b->final);
  g_assert_cmpuint (a->n_words, ==, b->n_words);
  for (guint i = 0; i < a->n_words; i++) {
    g_assert_cmpstr (a->words[i].word, ==, b->words[i].word);
    g_assert_cmpuint (a->words[i].start, ==, b->words[i].start);
    g_assert_cmpuint (a->words[i].duration, ==, b->words[i].duration);
    g_assert_cmpfloat (a->words[i].confidence, ==, b->words[i].confidence);
  }
}

/* A distinct deep copy shares no string with its source. */
static void
assert_deep_copy (const W2veeGstTranscript * copy,
    const W2veeGstTranscript * orig)
{
  assert_transcript_equal (copy, orig);
  g_assert_true (copy->text != orig->text);
  if (orig->n_words > 0)
    g_assert_true (copy->words != orig->words);
  else
    g_assert_null (copy->words);
  for (guint i = 0; i < orig->n_words; i++)
    g_assert_true (copy->words[i].word != orig->words[i].word);
}

static GstBuffer *
make_audio_buffer (GstClockTime pts, guint n_samples)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, n_samples * sizeof (gfloat),
      NULL);
  GstMapInfo map;
  gfloat *samples;              /* (n_samples) */

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  samples = (gfloat *) map.data;
  for (guint i = 0; i < n_samples; i++)
    samples[i] = 0.25f * sinf (2.0f * (gfloat) G_PI * 440.0f * (gfloat) i / 16000.0f);
  gst_buffer_unmap (buffer, &map);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (n_samples, GST_SECOND,
      16000);
  return buffer;
}

/* ------------------------------------------------------------------------- */
/* Transcript value                                                          */
/* ------------------------------------------------------------------------- */

static void
test_transcript_new (void)
{
  g_autoptr (W2veeGstTranscript) t = w2vee_gst_transcript_new (NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (t->text, ==, "");
  g_assert_cmpuint (t->timestamp, ==, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint (t->duration, ==, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint (t->stream_time, ==, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint (t->running_time, ==, GST_CLOCK_TIME_NONE);
  g_assert_cmpuint (t->exit, ==, 0);
  g_assert_cmpuint (t->n_words, ==, 0);
  g_assert_null (t->words);
  /* Invalid until timestamp, duration, exit and layer are set. */
  g_assert_false (w2vee_gst_transcript_validate (t, &error));
  g_assert_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_FIELD_VALUE);

  t->timestamp = 0;
  t->duration = GST_MSECOND;
  t->exit = 1;
  t->layer = 1;
  g_assert_true (w2vee_gst_transcript_validate (t, NULL));

  w2vee_gst_transcript_set_text (t, "hello");
  g_assert_cmpstr (t->text, ==, "hello");
}

static void
test_transcript_copy (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (W2veeGstTranscript) copy = w2vee_gst_transcript_copy (t);
  W2veeGstTranscript *boxed;

  g_assert_true (w2vee_gst_transcript_validate (t, NULL));
  g_assert_cmpuint (t->n_words, ==, 3);
  assert_deep_copy (copy, t);

  boxed = g_boxed_copy (W2VEE_GST_TYPE_TRANSCRIPT, t);
  assert_deep_copy (boxed, t);
  g_boxed_free (W2VEE_GST_TYPE_TRANSCRIPT, boxed);
  g_assert_cmpstr (g_type_name (W2VEE_GST_TYPE_TRANSCRIPT), ==,
      "W2veeGstTranscript");
}

typedef struct {
  const gchar *name;
  void (*spoil) (W2veeGstTranscript * t);
  const gchar *field;           /* expected in the error message */
} InvalidCase;

static void spoil_text (W2veeGstTranscript * t) { t->text[1] = (gchar) 0xff; }
static void spoil_timestamp (W2veeGstTranscript * t) { t->timestamp = GST_CLOCK_TIME_NONE; }
static void spoil_duration_0 (W2veeGstTranscript * t) { t->duration = 0; }
static void spoil_duration_none (W2veeGstTranscript * t) { t->duration = GST_CLOCK_TIME_NONE; }
static void spoil_exit (W2veeGstTranscript * t) { t->exit = 0; }
static void spoil_layer (W2veeGstTranscript * t) { t->layer = 0; }
static void spoil_conf_high (W2veeGstTranscript * t) { t->confidence = 1.001f; }
static void spoil_conf_neg (W2veeGstTranscript * t) { t->confidence = -0.5f; }
static void spoil_conf_nan (W2veeGstTranscript * t) { t->confidence = NAN; }
static void spoil_word_utf8 (W2veeGstTranscript * t) { t->words[1].word[0] = (gchar) 0xc3; t->words[1].word[1] = 'x'; }
static void spoil_word_start (W2veeGstTranscript * t) { t->words[2].start = GST_CLOCK_TIME_NONE; }
static void spoil_word_duration (W2veeGstTranscript * t) { t->words[0].duration = GST_CLOCK_TIME_NONE; }
static void spoil_word_conf (W2veeGstTranscript * t) { t->words[2].confidence = 2.0f; }

static const InvalidCase invalid_cases[] = {
  {"text-utf8", spoil_text, "'text'"},
  {"timestamp-none", spoil_timestamp, "'timestamp'"},
  {"duration-0", spoil_duration_0, "'duration'"},
  {"duration-none", spoil_duration_none, "'duration'"},
  {"exit-0", spoil_exit, "'exit'"},
  {"layer-0", spoil_layer, "'layer'"},
  {"confidence-high", spoil_conf_high, "'confidence'"},
  {"confidence-negative", spoil_conf_neg, "'confidence'"},
  {"confidence-nan", spoil_conf_nan, "'confidence'"},
  {"word-utf8", spoil_word_utf8, "'words[1].word'"},
  {"word-start-none", spoil_word_start, "'words[2].start'"},
  {"word-duration-none", spoil_word_duration, "'words[0].duration'"},
  {"word-confidence", spoil_word_conf, "'words[2].confidence'"},
};

static void
test_transcript_validate (gconstpointer data)
{
  const InvalidCase *c = data;
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GError) error = NULL;

  c->spoil (t);
  g_assert_false (w2vee_gst_transcript_validate (t, &error));
  g_assert_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_FIELD_VALUE);
  g_assert_nonnull (strstr (error->message, c->field));
}

/* Producing an invalid transcript is a programmer error: critical, no output. */
static void
test_transcript_invalid_producer (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GstBuffer) buffer = gst_buffer_new ();

  t->duration = 0;
  g_test_expect_message ("w2vee-gst", G_LOG_LEVEL_CRITICAL,
      "*w2vee_gst_transcript_to_structure*validate*");
  g_assert_null (w2vee_gst_transcript_to_structure (t));
  g_test_assert_expected_messages ();

  g_test_expect_message ("w2vee-gst", G_LOG_LEVEL_CRITICAL,
      "*w2vee_gst_transcript_to_structure*validate*");
  g_assert_null (w2vee_gst_message_new_transcript (NULL, t));
  g_test_assert_expected_messages ();

  g_test_expect_message ("w2vee-gst", G_LOG_LEVEL_CRITICAL,
      "*w2vee_buffer_add_transcript_meta*validate*");
  g_assert_null (w2vee_buffer_add_transcript_meta (buffer, t));
  g_test_assert_expected_messages ();
  g_assert_null (w2vee_buffer_get_transcript_meta (buffer));
}

/* ------------------------------------------------------------------------- */
/* Meta                                                                      */
/* ------------------------------------------------------------------------- */

static void
test_meta_api (void)
{
  const GstMetaInfo *info = W2VEE_TRANSCRIPT_META_INFO;

  g_assert_cmpstr (g_type_name (W2VEE_TRANSCRIPT_META_API_TYPE), ==,
      "W2veeTranscriptMetaAPI");
  g_assert_true (info->api == W2VEE_TRANSCRIPT_META_API_TYPE);
  g_assert_cmpuint (info->size, ==, sizeof (W2veeTranscriptMeta));
  g_assert_true (gst_meta_get_info ("W2veeTranscriptMeta") == info);
  /* The documented choice: no tags at all (see docs/meta.md). */
  g_assert_null (gst_meta_api_type_get_tags (W2VEE_TRANSCRIPT_META_API_TYPE));
  g_assert_false (gst_meta_api_type_has_tag (W2VEE_TRANSCRIPT_META_API_TYPE,
          g_quark_from_string (GST_META_TAG_MEMORY_STR)));
}

#define N_REGISTER_THREADS 8

static gpointer
register_thread (gpointer data)
{
  GAsyncQueue *start = data;

  g_async_queue_pop (start);    /* all threads race from here */
  return (gpointer) w2vee_transcript_meta_get_info ();
}

/* Several threads ask for the meta info at once, before anyone registered it:
 * all get the same one (runs in a fresh subprocess, where it is the first use). */
static void
test_meta_register_threads (void)
{
  if (g_test_subprocess ()) {
    GAsyncQueue *start = g_async_queue_new ();
    GThread *threads[N_REGISTER_THREADS];
    gpointer infos[N_REGISTER_THREADS];

    g_assert_null (gst_meta_get_info ("W2veeTranscriptMeta"));
    for (guint i = 0; i < N_REGISTER_THREADS; i++)
      threads[i] = g_thread_new ("register", register_thread, start);
    for (guint i = 0; i < N_REGISTER_THREADS; i++)
      g_async_queue_push (start, GINT_TO_POINTER (1));
    for (guint i = 0; i < N_REGISTER_THREADS; i++)
      infos[i] = g_thread_join (threads[i]);
    for (guint i = 0; i < N_REGISTER_THREADS; i++) {
      g_assert_nonnull (infos[i]);
      g_assert_true (infos[i] == infos[0]);
    }
    g_assert_true (gst_meta_get_info ("W2veeTranscriptMeta") == infos[0]);
    g_async_queue_unref (start);
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* Three results on one buffer, kept in the order added; the meta owns a copy. */
static GstBuffer *
make_buffer_with_three (W2veeGstTranscript * t[3])
{
  GstBuffer *buffer = make_audio_buffer (GST_SECOND, 1600);

  for (guint i = 0; i < 3; i++) {
    t[i] = make_transcript ();
    t[i]->exit = i + 1;
    t[i]->layer = 2 * (i + 1);
    t[i]->final = i == 2;
    if (i == 1) {
      while (t[i]->n_words > 0)   /* a result with no words */
        g_free (t[i]->words[--t[i]->n_words].word);
      g_clear_pointer (&t[i]->words, g_free);
    }
    g_assert_nonnull (w2vee_buffer_add_transcript_meta (buffer, t[i]));
  }
  return buffer;
}

static void
assert_buffer_has_three (GstBuffer * buffer, W2veeGstTranscript * t[3])
{
  W2veeTranscriptMeta *meta;
  gpointer state = NULL;
  guint n = 0;

  while ((meta = w2vee_buffer_iterate_transcript_meta (buffer, &state))) {
    g_assert_cmpuint (n, <, 3);
    g_assert_true (meta->meta.info == W2VEE_TRANSCRIPT_META_INFO);
    assert_deep_copy (&meta->transcript, t[n]);
    n++;
  }
  g_assert_cmpuint (n, ==, 3);
  meta = w2vee_buffer_get_transcript_meta (buffer);
  g_assert_nonnull (meta);
  g_assert_cmpuint (meta->transcript.exit, ==, 1);
  g_assert_cmpuint (gst_buffer_get_n_meta (buffer,
          W2VEE_TRANSCRIPT_META_API_TYPE), ==, 3);
}

static void
free_three (W2veeGstTranscript * t[3])
{
  for (guint i = 0; i < 3; i++)
    w2vee_gst_transcript_free (t[i]);
}

static void
test_meta_add_get_iterate (void)
{
  W2veeGstTranscript *t[3];
  g_autoptr (GstBuffer) buffer = make_buffer_with_three (t);
  g_autoptr (GstBuffer) empty = make_audio_buffer (0, 16);
  gpointer state = NULL;

  assert_buffer_has_three (buffer, t);

  /* The meta made its own copy: changing the source changes nothing. */
  w2vee_gst_transcript_set_text (t[0], "changed");
  t[0]->exit = 9;
  g_assert_cmpstr (w2vee_buffer_get_transcript_meta (buffer)->transcript.text,
      ==, TEXT);
  g_assert_cmpuint (w2vee_buffer_get_transcript_meta (buffer)->transcript.exit,
      ==, 1);

  g_assert_null (w2vee_buffer_get_transcript_meta (empty));
  g_assert_null (w2vee_buffer_iterate_transcript_meta (empty, &state));
  free_three (t);
}

static void
test_meta_copy (void)
{
  W2veeGstTranscript *t[3];
  g_autoptr (GstBuffer) buffer = make_buffer_with_three (t);
  g_autoptr (GstBuffer) copy = gst_buffer_copy (buffer);
  g_autoptr (GstBuffer) deep = gst_buffer_copy_deep (buffer);

  assert_buffer_has_three (copy, t);
  assert_buffer_has_three (deep, t);
  /* Copies are independent: dropping the source leaves them intact. */
  gst_clear_buffer (&buffer);
  assert_buffer_has_three (copy, t);
  free_three (t);
}

/* gst_buffer_copy_region of any part (head, tail, middle, one sample) keeps
 * every result whole. */
static void
test_meta_copy_region (void)
{
  const gsize regions[][2] = {
    {0, 800 * sizeof (gfloat)},
    {800 * sizeof (gfloat), 800 * sizeof (gfloat)},
    {100 * sizeof (gfloat), 1000 * sizeof (gfloat)},
    {1599 * sizeof (gfloat), sizeof (gfloat)},
  };
  W2veeGstTranscript *t[3];
  g_autoptr (GstBuffer) buffer = make_buffer_with_three (t);

  for (gsize r = 0; r < G_N_ELEMENTS (regions); r++) {
    g_autoptr (GstBuffer) part = gst_buffer_copy_region (buffer,
        GST_BUFFER_COPY_ALL, regions[r][0], regions[r][1]);

    g_assert_cmpuint (gst_buffer_get_size (part), ==, regions[r][1]);
    assert_buffer_has_three (part, t);
  }
  free_three (t);
}

/* What an in-place element does with a buffer someone else also holds. */
static void
test_meta_make_writable (void)
{
  W2veeGstTranscript *t[3];
  GstBuffer *buffer = make_buffer_with_three (t);
  GstBuffer *other_ref = gst_buffer_ref (buffer);

  buffer = gst_buffer_make_writable (buffer);
  g_assert_true (buffer != other_ref);
  assert_buffer_has_three (buffer, t);
  assert_buffer_has_three (other_ref, t);
  gst_buffer_unref (buffer);
  gst_buffer_unref (other_ref);
  free_three (t);
}

/* Removing a meta frees its transcript (valgrind checks the bytes). */
static void
test_meta_remove (void)
{
  W2veeGstTranscript *t[3];
  g_autoptr (GstBuffer) buffer = make_buffer_with_three (t);

  while (gst_buffer_remove_meta (buffer,
          (GstMeta *) w2vee_buffer_get_transcript_meta (buffer)))
    if (w2vee_buffer_get_transcript_meta (buffer) == NULL)
      break;
  g_assert_cmpuint (gst_buffer_get_n_meta (buffer,
          W2VEE_TRANSCRIPT_META_API_TYPE), ==, 0);
  free_three (t);
}

/* A transform the meta does not know (e.g. a video scale) is refused. */
static void
test_meta_other_transform (void)
{
  W2veeGstTranscript *t[3];
  g_autoptr (GstBuffer) buffer = make_buffer_with_three (t);
  g_autoptr (GstBuffer) dest = gst_buffer_new ();
  W2veeTranscriptMeta *meta = w2vee_buffer_get_transcript_meta (buffer);
  const GstMetaInfo *info = W2VEE_TRANSCRIPT_META_INFO;

  g_assert_false (info->transform_func (dest, (GstMeta *) meta, buffer,
          g_quark_from_static_string ("gst-video-scale"), NULL));
  g_assert_null (w2vee_buffer_get_transcript_meta (dest));
  free_three (t);
}

/* ------------------------------------------------------------------------- */
/* Element message                                                           */
/* ------------------------------------------------------------------------- */

static void
test_message_round_trip (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (W2veeGstTranscript) parsed = NULL;
  g_autoptr (GstElement) element = gst_element_factory_make ("identity", "asr");
  g_autoptr (GstMessage) message = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (element);
  message = w2vee_gst_message_new_transcript (GST_OBJECT (element), t);
  g_assert_nonnull (message);
  g_assert_cmpint (GST_MESSAGE_TYPE (message), ==, GST_MESSAGE_ELEMENT);
  g_assert_true (GST_MESSAGE_SRC (message) == GST_OBJECT (element));
  g_assert_true (gst_message_has_name (message, "wav2vec2ee"));

  g_assert_true (w2vee_gst_message_parse_transcript (message, &parsed, &error));
  g_assert_no_error (error);
  assert_deep_copy (parsed, t);
}

/* The fields exactly as docs/meta.md names and types them. */
static void
test_message_field_types (void)
{
  const struct {
    const gchar *name;
    GType type;
  } fields[] = {
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
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GstStructure) s = w2vee_gst_transcript_to_structure (t);
  const GValue *words;
  const GstStructure *w;
  guint64 u64;
  gdouble d;

  g_assert_cmpstr (gst_structure_get_name (s), ==, "wav2vec2ee");
  g_assert_cmpint (gst_structure_n_fields (s), ==, G_N_ELEMENTS (fields));
  for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
    g_assert_cmpstr (g_type_name (gst_structure_get_field_type (s,
                fields[i].name)), ==, g_type_name (fields[i].type));

  g_assert_cmpstr (gst_structure_get_string (s, "text"), ==, TEXT);
  g_assert_true (gst_structure_get_uint64 (s, "stream-time", &u64));
  g_assert_cmpuint (u64, ==, GST_CLOCK_TIME_NONE);
  g_assert_true (gst_structure_get_uint64 (s, "duration", &u64));
  g_assert_cmpuint (u64, ==, 1500 * GST_MSECOND);
  g_assert_true (gst_structure_get_double (s, "confidence", &d));
  g_assert_cmpfloat (d, ==, 0.8125);

  words = gst_structure_get_value (s, "words");
  g_assert_cmpuint (gst_value_array_get_size (words), ==, 3);
  g_assert_true (G_VALUE_HOLDS (gst_value_array_get_value (words, 1),
          GST_TYPE_STRUCTURE));
  w = gst_value_get_structure (gst_value_array_get_value (words, 1));
  g_assert_cmpstr (gst_structure_get_name (w), ==, "word");
  g_assert_cmpint (gst_structure_n_fields (w), ==, 4);
  g_assert_cmpstr (gst_structure_get_string (w, "word"), ==, "café,");
  g_assert_true (gst_structure_get_uint64 (w, "start", &u64));
  g_assert_cmpuint (u64, ==, 1400 * GST_MSECOND);
  g_assert_true (gst_structure_get_uint64 (w, "duration", &u64));
  g_assert_cmpuint (u64, ==, 250 * GST_MSECOND);
  g_assert_true (gst_structure_get_double (w, "confidence", &d));
  g_assert_cmpfloat (d, ==, 1.0);
}

/* What gst-launch-1.0 -m prints parses back to the same transcript. */
static void
test_message_string_round_trip (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (W2veeGstTranscript) parsed = NULL;
  g_autoptr (GstStructure) s = w2vee_gst_transcript_to_structure (t);
  g_autofree gchar *str = gst_structure_to_string (s);
  g_autoptr (GstStructure) back = gst_structure_from_string (str, NULL);
  g_autoptr (GError) error = NULL;

  g_test_message ("%s", str);
  g_assert_nonnull (back);
  g_assert_true (w2vee_gst_transcript_from_structure (back, &parsed, &error));
  g_assert_no_error (error);
  assert_transcript_equal (parsed, t);
}

/* Messages that are not ours: FALSE, NOT_TRANSCRIPT, output untouched. */
static void
test_message_not_ours (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  GstMessage *messages[] = {
    gst_message_new_eos (NULL),
    gst_message_new_element (NULL, gst_structure_new ("level",
            "rms", G_TYPE_DOUBLE, -20.0, NULL)),
    /* Our structure, but not an element message. */
    gst_message_new_application (NULL, w2vee_gst_transcript_to_structure (t)),
    gst_message_new_custom (GST_MESSAGE_INFO, NULL,
        w2vee_gst_transcript_to_structure (t)),
    gst_message_new_element (NULL, gst_structure_new_empty ("wav2vec2ee-x")),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (messages); i++) {
    W2veeGstTranscript *out = (W2veeGstTranscript *) 0x1;
    g_autoptr (GError) error = NULL;

    g_assert_false (w2vee_gst_message_parse_transcript (messages[i], &out,
            &error));
    g_assert_error (error, W2VEE_GST_ERROR, W2VEE_GST_ERROR_NOT_TRANSCRIPT);
    g_assert_true (out == (W2veeGstTranscript *) 0x1);
    /* NULL error is allowed: the bus-watch idiom. */
    g_assert_false (w2vee_gst_message_parse_transcript (messages[i], &out,
            NULL));
    gst_message_unref (messages[i]);
  }
}

typedef struct {
  const gchar *name;
  const gchar *fields;          /* overrides, as gst_structure_from_string() reads them */
  gint code;
} BadFieldCase;

static const BadFieldCase bad_field_cases[] = {
  {"text-int", "x, text=(int)3", W2VEE_GST_ERROR_FIELD_TYPE},
  {"timestamp-int64", "x, timestamp=(gint64)5", W2VEE_GST_ERROR_FIELD_TYPE},
  {"timestamp-int", "x, timestamp=(int)5", W2VEE_GST_ERROR_FIELD_TYPE},
  {"duration-uint", "x, duration=(uint)5", W2VEE_GST_ERROR_FIELD_TYPE},
  {"stream-time-string", "x, stream-time=(string)0", W2VEE_GST_ERROR_FIELD_TYPE},
  {"running-time-double", "x, running-time=(double)1", W2VEE_GST_ERROR_FIELD_TYPE},
  {"exit-int", "x, exit=(int)1", W2VEE_GST_ERROR_FIELD_TYPE},
  {"layer-uint64", "x, layer=(guint64)2", W2VEE_GST_ERROR_FIELD_TYPE},
  {"confidence-float", "x, confidence=(float)0.5", W2VEE_GST_ERROR_FIELD_TYPE},
  {"final-int", "x, final=(int)1", W2VEE_GST_ERROR_FIELD_TYPE},
  {"words-string", "x, words=(string)abc", W2VEE_GST_ERROR_FIELD_TYPE},
  {"words-list", "x, words={ (int)1, (int)2 }", W2VEE_GST_ERROR_FIELD_TYPE},
  {"words-ints", "x, words=< (int)1 >", W2VEE_GST_ERROR_FIELD_TYPE},
  {"words-wrong-name", "x, words=< [other, word=(string)a, start=(guint64)0, "
        "duration=(guint64)1, confidence=(double)0.5] >", W2VEE_GST_ERROR_FIELD_TYPE},
  {"word-missing-fields", "x, words=< [word, word=(string)a] >",
      W2VEE_GST_ERROR_MISSING_FIELD},
  {"word-word-int", "x, words=< [word, word=(int)1, start=(guint64)0, "
        "duration=(guint64)1, confidence=(double)0.5] >", W2VEE_GST_ERROR_FIELD_TYPE},
  {"word-start-int", "x, words=< [word, word=(string)a, start=(int)0, "
        "duration=(guint64)1, confidence=(double)0.5] >", W2VEE_GST_ERROR_FIELD_TYPE},
  {"word-confidence-float", "x, words=< [word, word=(string)a, start=(guint64)0, "
        "duration=(guint64)1, confidence=(float)0.5] >", W2VEE_GST_ERROR_FIELD_TYPE},
  {"word-confidence-high", "x, words=< [word, word=(string)a, start=(guint64)0, "
        "duration=(guint64)1, confidence=(double)1.5] >", W2VEE_GST_ERROR_FIELD_VALUE},
  {"word-start-none", "x, words=< [word, word=(string)a, "
        "start=(guint64)18446744073709551615, duration=(guint64)1, "
        "confidence=(double)0.5] >", W2VEE_GST_ERROR_FIELD_VALUE},
  {"second-word-bad", "x, words=< [word, word=(string)a, start=(guint64)0, "
        "duration=(guint64)1, confidence=(double)0.5], 3 >", W2VEE_GST_ERROR_FIELD_TYPE},
  {"duration-0", "x, duration=(guint64)0", W2VEE_GST_ERROR_FIELD_VALUE},
  {"duration-none", "x, duration=(guint64)18446744073709551615",
      W2VEE_GST_ERROR_FIELD_VALUE},
  {"timestamp-none", "x, timestamp=(guint64)18446744073709551615",
      W2VEE_GST_ERROR_FIELD_VALUE},
  {"exit-0", "x, exit=(uint)0", W2VEE_GST_ERROR_FIELD_VALUE},
  {"layer-0", "x, layer=(uint)0", W2VEE_GST_ERROR_FIELD_VALUE},
  {"confidence-high", "x, confidence=(double)1.5", W2VEE_GST_ERROR_FIELD_VALUE},
  {"confidence-negative", "x, confidence=(double)-0.25",
      W2VEE_GST_ERROR_FIELD_VALUE},
};

static gboolean
override_field (GQuark field, const GValue * value, gpointer user_data)
{
  gst_structure_id_set_value (user_data, field, value);
  return TRUE;
}

static void
assert_rejected (const GstStructure * s, gint code)
{
  g_autoptr (GstMessage) message = gst_message_new_element (NULL,
      gst_structure_copy (s));
  W2veeGstTranscript *out = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (w2vee_gst_message_parse_transcript (message, &out, &error));
  g_assert_error (error, W2VEE_GST_ERROR, code);
  g_assert_null (out);
  g_test_message ("%s", error->message);
}

static void
test_message_bad_field (gconstpointer data)
{
  const BadFieldCase *c = data;
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GstStructure) s = w2vee_gst_transcript_to_structure (t);
  g_autoptr (GstStructure) overrides = gst_structure_from_string (c->fields,
      NULL);

  g_assert_nonnull (overrides);
  gst_structure_foreach (overrides, override_field, s);
  assert_rejected (s, c->code);
}

/* Values gst_structure_from_string() cannot express. (Invalid UTF-8 cannot be
 * tested here: GStreamer refuses to store it in a structure at all.) */
static void
test_message_bad_values_in_code (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GstStructure) s = w2vee_gst_transcript_to_structure (t);
  g_autoptr (GstStructure) nan_conf = gst_structure_copy (s);
  g_autoptr (GstStructure) null_text = gst_structure_copy (s);

  gst_structure_set (nan_conf, "confidence", G_TYPE_DOUBLE, (gdouble) NAN,
      NULL);
  assert_rejected (nan_conf, W2VEE_GST_ERROR_FIELD_VALUE);
  gst_structure_set (null_text, "text", G_TYPE_STRING, NULL, NULL);
  assert_rejected (null_text, W2VEE_GST_ERROR_FIELD_VALUE);
}

static void
test_message_missing_field (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GstStructure) s = w2vee_gst_transcript_to_structure (t);
  guint n = gst_structure_n_fields (s);

  for (guint i = 0; i < n; i++) {
    g_autoptr (GstStructure) missing = gst_structure_copy (s);

    gst_structure_remove_field (missing, gst_structure_nth_field_name (s, i));
    assert_rejected (missing, W2VEE_GST_ERROR_MISSING_FIELD);
  }
}

/* Later versions may add fields: they are ignored. */
static void
test_message_extra_field (void)
{
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (W2veeGstTranscript) parsed = NULL;
  g_autoptr (GstStructure) s = w2vee_gst_transcript_to_structure (t);

  gst_structure_set (s, "language", G_TYPE_STRING, "en", NULL);
  g_assert_true (w2vee_gst_transcript_from_structure (s, &parsed, NULL));
  assert_transcript_equal (parsed, t);
}

/* ------------------------------------------------------------------------- */
/* Through real elements                                                     */
/* ------------------------------------------------------------------------- */

typedef struct {
  const gchar *name;
  const gchar *elements;        /* between appsrc and appsink */
  gboolean may_repeat;          /* splits buffers: the meta may arrive more than once */
} PipelineCase;

/* Input: three 100 ms buffers of F32LE 16 kHz mono; the second carries the meta. */
static const PipelineCase pipeline_cases[] = {
  {"audioconvert-passthrough", "audioconvert", FALSE},
  {"audioconvert-s16", "audioconvert ! audio/x-raw,format=S16LE", FALSE},
  {"audioconvert-stereo", "audioconvert ! audio/x-raw,channels=2", FALSE},
  {"audioresample-8k", "audioresample ! audio/x-raw,rate=8000", FALSE},
  {"audioresample-48k", "audioresample ! audio/x-raw,rate=48000", FALSE},
  {"convert-resample-chain", "audioconvert ! audio/x-raw,format=S16LE ! "
        "audioresample ! audio/x-raw,rate=44100 ! audioconvert ! "
        "audio/x-raw,format=F32LE,channels=2", FALSE},
  {"queue", "queue", FALSE},
  {"tee", "tee ! queue", FALSE},
  {"volume", "volume volume=0.5", FALSE},
  {"audiorate", "audiorate", FALSE},
  /* GstBaseTransform's default transform_meta: keeps only untagged metas. */
  {"audiopanorama", "audiopanorama panorama=0.5 ! audio/x-raw,channels=2",
      FALSE},
  /* GstAudioEncoder / GstAudioDecoder. */
  {"alaw-enc-dec", "audioconvert ! audio/x-raw,format=S16LE ! alawenc ! alawdec",
      FALSE},
  {"vorbis-enc-dec", "vorbisenc ! vorbisdec", TRUE},
};

#define CHUNK (100 * GST_MSECOND)

static void
test_pipeline (gconstpointer data)
{
  const PipelineCase *c = data;
  g_autofree gchar *description = g_strdup_printf ("appsrc name=src "
      "format=time caps=audio/x-raw,format=F32LE,rate=16000,channels=1,"
      "layout=interleaved ! %s ! appsink name=sink sync=false", c->elements);
  g_autoptr (W2veeGstTranscript) t = make_transcript ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstMessage) error_message = NULL;
  GstSample *sample;
  guint n_buffers = 0, n_metas = 0;

  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);

  t->timestamp = CHUNK;
  t->duration = CHUNK;
  for (guint i = 0; i < 3; i++) {
    GstBuffer *buffer = make_audio_buffer (i * CHUNK, 1600);

    if (i == 1)
      w2vee_buffer_add_transcript_meta (buffer, t);
    g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (src), buffer), ==,
        GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              10 * GST_SECOND))) {
    GstBuffer *buffer = gst_sample_get_buffer (sample);
    GstClockTime pts = GST_BUFFER_PTS (buffer);
    GstClockTime duration = GST_BUFFER_DURATION (buffer);
    W2veeTranscriptMeta *meta;
    gpointer state = NULL;

    n_buffers++;
    while ((meta = w2vee_buffer_iterate_transcript_meta (buffer, &state))) {
      n_metas++;
      assert_transcript_equal (&meta->transcript, t);
      /* It rides on output audio overlapping the input buffer it came on. */
      g_assert_true (GST_CLOCK_TIME_IS_VALID (pts));
      g_assert_true (GST_CLOCK_TIME_IS_VALID (duration));
      g_assert_cmpuint (pts, <, 2 * CHUNK);
      g_assert_cmpuint (pts + duration, >, CHUNK);
    }
    gst_sample_unref (sample);
  }
  g_assert_true (gst_app_sink_is_eos (GST_APP_SINK (sink)));
  error_message = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline),
      GST_MESSAGE_ERROR);
  g_assert_null (error_message);
  g_test_message ("%s: %u buffers out, %u carry the transcript", c->name,
      n_buffers, n_metas);
  g_assert_cmpuint (n_buffers, >=, 3);
  if (c->may_repeat)
    g_assert_cmpuint (n_metas, >=, 1);
  else
    g_assert_cmpuint (n_metas, ==, 1);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gstmeta/transcript/new", test_transcript_new);
  g_test_add_func ("/gstmeta/transcript/copy", test_transcript_copy);
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/gstmeta/transcript/invalid/%s",
        invalid_cases[i].name);
    g_test_add_data_func (path, &invalid_cases[i], test_transcript_validate);
  }
  g_test_add_func ("/gstmeta/transcript/invalid-producer",
      test_transcript_invalid_producer);

  g_test_add_func ("/gstmeta/meta/register-threads", test_meta_register_threads);
  g_test_add_func ("/gstmeta/meta/api", test_meta_api);
  g_test_add_func ("/gstmeta/meta/add-get-iterate", test_meta_add_get_iterate);
  g_test_add_func ("/gstmeta/meta/copy", test_meta_copy);
  g_test_add_func ("/gstmeta/meta/copy-region", test_meta_copy_region);
  g_test_add_func ("/gstmeta/meta/make-writable", test_meta_make_writable);
  g_test_add_func ("/gstmeta/meta/remove", test_meta_remove);
  g_test_add_func ("/gstmeta/meta/other-transform", test_meta_other_transform);

  g_test_add_func ("/gstmeta/message/round-trip", test_message_round_trip);
  g_test_add_func ("/gstmeta/message/field-types", test_message_field_types);
  g_test_add_func ("/gstmeta/message/string-round-trip",
      test_message_string_round_trip);
  g_test_add_func ("/gstmeta/message/not-ours", test_message_not_ours);
  for (gsize i = 0; i < G_N_ELEMENTS (bad_field_cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/gstmeta/message/bad/%s",
        bad_field_cases[i].name);
    g_test_add_data_func (path, &bad_field_cases[i], test_message_bad_field);
  }
  g_test_add_func ("/gstmeta/message/bad-values-in-code",
      test_message_bad_values_in_code);
  g_test_add_func ("/gstmeta/message/missing-field", test_message_missing_field);
  g_test_add_func ("/gstmeta/message/extra-field", test_message_extra_field);

  for (gsize i = 0; i < G_N_ELEMENTS (pipeline_cases); i++) {
    g_autofree gchar *path = g_strdup_printf ("/gstmeta/pipeline/%s",
        pipeline_cases[i].name);
    g_test_add_data_func (path, &pipeline_cases[i], test_pipeline);
  }

  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
