/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Subtitle cues of `w2vee transcribe -o srt|vtt` (w2vee_output_cues, tools/output.c):
 * a table of transcripts (segments of timed words) and the cues they must give, worked
 * out by hand from the rules (42 characters a line, 2 lines, 6 s, breaks between
 * words, a cue never spans two segments, the longer line as short as can be). */
#include "output.h"

#include <math.h>
#include <string.h>

#define SR W2VEE_SAMPLE_RATE
#define MAX_WORDS 16
#define MAX_SEGS 2
#define MAX_CUES 4

typedef struct {
  const char *word;
  double start, end;        /* seconds in the segment */
} TWord;

typedef struct {
  double start;             /* seconds in the file */
  TWord words[MAX_WORDS];   /* ended by a NULL word */
} TSeg;

typedef struct {
  double start, end;        /* seconds in the file */
  const char *text;         /* NULL ends the list */
} TCue;

typedef struct {
  const char *name;
  guint n_segs;
  TSeg segs[MAX_SEGS];
  TCue cues[MAX_CUES];
} CueCase;

/* words of 40 and 50 characters; 40 two-byte characters */
#define W40 "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN"
#define W50 W40 "OPQRSTUVWX"
#define E10 "\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89\xc3\x89"
#define U40 E10 E10 E10 E10

static const CueCase cases[] = {
  { "no-words", 1, { { 0.0, { { NULL } } } }, { { 0, 0, NULL } } },
  { "one-line", 1, { { 1.0, {
        { "OPEN", 0.1, 0.4 }, { "THE", 0.5, 0.6 }, { "WINDOW", 0.7, 1.1 } } } },
    { { 1.1, 2.1, "OPEN THE WINDOW" } } },
  /* exactly 42 characters: one line; 43: two */
  { "42-chars", 1, { { 0.0, { { W40, 0.0, 1.0 }, { "A", 1.1, 1.2 } } } },
    { { 0.0, 1.2, W40 " A" } } },
  { "43-chars", 1, { { 0.0, { { W40, 0.0, 1.0 }, { "AB", 1.1, 1.2 } } } },
    { { 0.0, 1.2, W40 "\nAB" } } },
  /* characters, not bytes: 40 two-byte characters + " U" is 42 */
  { "utf8", 1, { { 0.0, { { U40, 0.0, 1.0 }, { "U", 1.1, 1.2 } } } },
    { { 0.0, 1.2, U40 " U" } } },
  /* 52 characters: broken after JUMPS (25 | 26), not after FOX (19 | 32) or OVER (30 | 21) */
  { "balanced", 1, { { 0.0, {
        { "THE", 0.0, 0.2 }, { "QUICK", 0.3, 0.6 }, { "BROWN", 0.7, 1.0 },
        { "FOX", 1.1, 1.3 }, { "JUMPS", 1.4, 1.7 }, { "OVER", 1.8, 2.0 },
        { "THE", 2.1, 2.2 }, { "LAZY", 2.3, 2.6 }, { "DOG", 2.7, 3.0 },
        { "AND", 3.1, 3.2 }, { "RUNS", 3.3, 3.6 } } } },
    { { 0.0, 3.6, "THE QUICK BROWN FOX JUMPS\nOVER THE LAZY DOG AND RUNS" } } },
  /* two full lines (40 | 39 characters): NINE would make the second 44 */
  { "full", 1, { { 0.0, {
        { W40, 0.0, 1.0 }, { "ONE", 1.1, 1.2 }, { "TWO", 1.3, 1.4 },
        { "THREE", 1.5, 1.6 }, { "FOUR", 1.7, 1.8 }, { "FIVE", 1.9, 2.0 },
        { "SIX", 2.1, 2.2 }, { "SEVEN", 2.3, 2.4 }, { "EIGHT", 2.5, 2.6 },
        { "NINE", 2.7, 2.8 }, { "TEN", 2.9, 3.0 }, { "ELEVEN", 3.1, 3.2 } } } },
    { { 0.0, 2.6, W40 "\nONE TWO THREE FOUR FIVE SIX SEVEN EIGHT" },
      { 2.7, 3.2, "NINE TEN ELEVEN" } } },
  /* at most 6 s from the first word's start to the last word's end (6 s exactly is in) */
  { "six-seconds", 1, { { 0.0, {
        { "ONE", 0.0, 0.5 }, { "TWO", 1.0, 1.5 }, { "THREE", 2.0, 2.5 },
        { "FOUR", 3.0, 3.5 }, { "FIVE", 4.0, 4.5 }, { "SIX", 5.5, 6.0 },
        { "SEVEN", 6.0, 6.5 }, { "EIGHT", 7.0, 7.5 } } } },
    { { 0.0, 6.0, "ONE TWO THREE FOUR FIVE SIX" }, { 6.0, 7.5, "SEVEN EIGHT" } } },
  /* a word longer than a line is a cue of its own, and so is one longer than 6 s */
  { "long-word", 1, { { 0.0, {
        { "HELLO", 0.0, 0.5 }, { W50, 0.6, 2.0 }, { "BYE", 2.1, 2.5 } } } },
    { { 0.0, 0.5, "HELLO" }, { 0.6, 2.0, W50 }, { 2.1, 2.5, "BYE" } } },
  { "long-duration", 1, { { 0.0, {
        { "A", 0.0, 0.2 }, { "LONG", 0.3, 7.0 }, { "B", 7.1, 7.2 } } } },
    { { 0.0, 0.2, "A" }, { 0.3, 7.0, "LONG" }, { 7.1, 7.2, "B" } } },
  /* a cue never spans two segments; a segment without words gives none */
  { "segments", 2, { { 0.0, { { "HELLO", 0.2, 0.6 } } },
                     { 2.0, { { "WORLD", 0.2, 0.6 } } } },
    { { 0.2, 0.6, "HELLO" }, { 2.2, 2.6, "WORLD" } } },
  /* a word's end may pass the next word's start by 5 ms: the cue ends at the next one */
  { "no-overlap", 1, { { 0.0, {
        { "A", 0.5, 0.8 }, { "B", 5.0, 6.005 }, { "C", 6.0, 6.6 } } } },
    { { 0.5, 6.0, "A B" }, { 6.0, 6.6, "C" } } },
};

static guint64
samples (double seconds)
{
  return (guint64) llround (seconds * SR);
}

static W2veeTranscript *
make_transcript (const TSeg *seg)
{
  W2veeTranscript *t = g_new0 (W2veeTranscript, 1);
  GPtrArray *words = g_ptr_array_new ();
  guint i;

  while (seg->words[t->n_words].word != NULL)
    t->n_words++;
  t->words = g_new0 (W2veeWord, t->n_words);
  for (i = 0; i < t->n_words; i++) {
    t->words[i].word = g_strdup (seg->words[i].word);
    t->words[i].start_sample = samples (seg->words[i].start);
    t->words[i].end_sample = samples (seg->words[i].end);
    t->words[i].confidence = 1.0f;
    g_ptr_array_add (words, t->words[i].word);
  }
  g_ptr_array_add (words, NULL);
  t->text = g_strjoinv (" ", (char **) words->pdata);
  g_ptr_array_unref (words);
  return t;
}

static void
test_cues (gconstpointer data)
{
  const CueCase *c = data;
  const guint exit = 1, layer = 1;
  g_autoptr (W2veeFileResult) result = w2vee_file_result_new ("x.wav", 1, &exit, &layer);
  g_autoptr (GArray) cues = NULL;
  guint i, n_want = 0;

  for (i = 0; i < c->n_segs; i++)
    w2vee_file_result_add (result, 0, samples (c->segs[i].start), 10 * SR,
        make_transcript (&c->segs[i]));
  cues = w2vee_output_cues (&result->exits[0]);

  while (n_want < MAX_CUES && c->cues[n_want].text != NULL)
    n_want++;
  for (i = 0; i < cues->len; i++) {
    const W2veeCue *cue = &g_array_index (cues, W2veeCue, i);
    g_test_message ("cue %u: %.3f - %.3f \"%s\"", i, (double) cue->start / SR,
        (double) cue->end / SR, cue->text);
  }
  g_assert_cmpuint (cues->len, ==, n_want);
  for (i = 0; i < n_want; i++) {
    const W2veeCue *cue = &g_array_index (cues, W2veeCue, i);
    g_assert_cmpstr (cue->text, ==, c->cues[i].text);
    g_assert_cmpuint (cue->start, ==, samples (c->cues[i].start));
    g_assert_cmpuint (cue->end, ==, samples (c->cues[i].end));
  }
}

/* The SubRip and WebVTT layouts of the cues. */
static void
test_formats (void)
{
  const guint exit = 1, layer = 1;
  const CueCase *c = &cases[6];  /* "full": two cues, the first on two lines */
  g_autoptr (W2veeFileResult) result = w2vee_file_result_new ("x.wav", 1, &exit, &layer);
  g_autoptr (GString) srt = g_string_new (NULL), vtt = g_string_new (NULL);

  g_assert_cmpstr (c->name, ==, "full");
  w2vee_file_result_add (result, 0, 0, 10 * SR, make_transcript (&c->segs[0]));
  w2vee_output_format (srt, result, W2VEE_OUTPUT_SRT, FALSE, FALSE);
  w2vee_output_format (vtt, result, W2VEE_OUTPUT_VTT, FALSE, FALSE);
  g_assert_cmpstr (srt->str, ==,
      "1\n00:00:00,000 --> 00:00:02,600\n" W40 "\nONE TWO THREE FOUR FIVE SIX SEVEN EIGHT\n\n"
      "2\n00:00:02,700 --> 00:00:03,200\nNINE TEN ELEVEN\n\n");
  g_assert_cmpstr (vtt->str, ==, "WEBVTT\n\n"
      "00:00:00.000 --> 00:00:02.600\n" W40 "\nONE TWO THREE FOUR FIVE SIX SEVEN EIGHT\n\n"
      "00:00:02.700 --> 00:00:03.200\nNINE TEN ELEVEN\n\n");
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = g_strdup_printf ("/cli/cues/%s", cases[i].name);
    g_test_add_data_func (path, &cases[i], test_cues);
  }
  g_test_add_func ("/cli/cues/formats", test_formats);
  return g_test_run ();
}
