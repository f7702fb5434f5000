/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Scoring of `w2vee eval` (tools/wer.c): edit distances and error counts against
 * hand-computed cases, corpus-level aggregation, Python's float repr (expected strings
 * printed by CPython's repr()), and the exact bytes of the seed's report layout. */
#include "wer.h"

#include <math.h>
#include <string.h>

typedef struct {
  const char *name;
  const char *reference;
  const char *hypothesis;
  guint64 word_errors, ref_words;  /* S + D + I, S + D + C over words */
  guint64 char_errors, ref_chars;  /* the same over characters, spaces included */
} ScoreCase;

/* Counted by hand: each comment gives the edits. */
static const ScoreCase score_cases[] = {
  { "identical", "the cat sat", "the cat sat", 0, 3, 0, 11 },
  /* cat -> bat; c -> b */
  { "substitution", "the cat sat", "the bat sat", 1, 3, 1, 11 },
  /* cat deleted; "cat " (4 characters) deleted */
  { "deletion", "the cat sat", "the sat", 1, 3, 4, 11 },
  /* big inserted; "big " inserted */
  { "insertion", "the cat", "the big cat", 1, 2, 4, 7 },
  /* every reference word and character deleted */
  { "empty-hypothesis", "a bc", "", 2, 2, 4, 4 },
  /* whitespace runs, tabs, leading and trailing blanks are one separator */
  { "multiple-spaces", "  the\tcat   sat \n", "the cat  sat", 0, 3, 0, 11 },
  { "case-folding", "The CAT Sat", "the cat SAT", 0, 3, 0, 11 },
  { "case-folding-unicode", "\xc3\x89T\xc3\x89", "\xc3\xa9t\xc3\xa9", 0, 1, 0, 3 },
  /* don't -> dont: one word substituted, one character (') deleted */
  { "apostrophe", "don't stop", "dont stop", 1, 2, 1, 10 },
  { "apostrophe-kept", "it's o'clock", "IT'S O'CLOCK", 0, 2, 0, 12 },
  /* a b -> b a: two substitutions (or a deletion and an insertion) */
  { "swap", "a b", "b a", 2, 2, 2, 3 },
  /* kitten -> sitting: k -> s, e -> i, +g */
  { "kitten-sitting", "kitten", "sitting", 1, 1, 3, 6 },
  /* both the words merged into one: the cat -> thecat is a substitution and a
   * deletion; one space deleted */
  { "merged-words", "the cat", "thecat", 2, 2, 1, 7 },
  /* no reference words: every hypothesis word is an insertion */
  { "empty-reference", "", "hello there", 2, 0, 11, 0 },
  { "both-empty", " ", "", 0, 0, 0, 0 },
};

static void
test_score_case (gconstpointer data)
{
  const ScoreCase *c = data;
  W2veeErrorCounts counts = { 0 };

  w2vee_error_counts_add (&counts, c->reference, c->hypothesis);
  g_assert_cmpuint (counts.word_errors, ==, c->word_errors);
  g_assert_cmpuint (counts.ref_words, ==, c->ref_words);
  g_assert_cmpuint (counts.char_errors, ==, c->char_errors);
  g_assert_cmpuint (counts.ref_chars, ==, c->ref_chars);
  if (c->ref_words > 0) {
    g_assert_cmpfloat (w2vee_error_counts_wer (&counts), ==,
        (double) c->word_errors / c->ref_words);
    g_assert_cmpfloat (w2vee_error_counts_cer (&counts), ==,
        (double) c->char_errors / c->ref_chars);
  } else {
    g_assert_true (isnan (w2vee_error_counts_wer (&counts)));
    g_assert_true (isnan (w2vee_error_counts_cer (&counts)));
  }
}

/* Corpus level: total edits over total reference length, not the mean of item rates. */
static void
test_corpus_level (void)
{
  W2veeErrorCounts counts = { 0 };

  w2vee_error_counts_add (&counts, "a b c d", "a b c d");  /* 0 of 4 words, 0 of 7 chars */
  w2vee_error_counts_add (&counts, "e", "f");              /* 1 of 1 word, 1 of 1 char */
  w2vee_error_counts_add (&counts, "", "g");               /* 1 insertion, 1 char */
  g_assert_cmpuint (counts.word_errors, ==, 2);
  g_assert_cmpuint (counts.ref_words, ==, 5);
  g_assert_cmpfloat (w2vee_error_counts_wer (&counts), ==, 2.0 / 5.0);
  g_assert_cmpfloat (w2vee_error_counts_cer (&counts), ==, 2.0 / 8.0);
}

static void
test_edit_distance (void)
{
  const guint32 abc[] = { 1, 2, 3 }, axc[] = { 1, 9, 3 }, cab[] = { 3, 1, 2 };

  g_assert_cmpuint (w2vee_edit_distance (NULL, 0, NULL, 0), ==, 0);
  g_assert_cmpuint (w2vee_edit_distance (abc, 3, NULL, 0), ==, 3);
  g_assert_cmpuint (w2vee_edit_distance (NULL, 0, abc, 3), ==, 3);
  g_assert_cmpuint (w2vee_edit_distance (abc, 3, abc, 3), ==, 0);
  g_assert_cmpuint (w2vee_edit_distance (abc, 3, axc, 3), ==, 1);
  /* rotation: delete 3 at the end, insert it in front */
  g_assert_cmpuint (w2vee_edit_distance (abc, 3, cab, 3), ==, 2);
  g_assert_cmpuint (w2vee_edit_distance (abc, 2, abc, 3), ==, 1);
}

static void
test_normalize (void)
{
  g_autofree char *a = w2vee_score_normalize ("  HELLO\t\tWorld \r\n");
  g_autofree char *b = w2vee_score_normalize ("");
  g_autofree char *c = w2vee_score_normalize (" \t ");

  g_assert_cmpstr (a, ==, "hello world");
  g_assert_cmpstr (b, ==, "");
  g_assert_cmpstr (c, ==, "");
}

typedef struct {
  double value;
  const char *repr;  /* CPython 3.11 repr(value) */
} ReprCase;

static void
test_float_repr (void)
{
  const ReprCase cases[] = {
    { 0.0, "0.0" },
    { -0.0, "-0.0" },
    { 1.0, "1.0" },
    { 0.1, "0.1" },
    { 0.2, "0.2" },
    { 1.0 / 3.0, "0.3333333333333333" },
    { 2.0 / 3.0, "0.6666666666666666" },
    { 0.1 + 0.2, "0.30000000000000004" },
    { 0.046618228849665246, "0.046618228849665246" },
    { 1.0012363055386488, "1.0012363055386488" },
    { 0.0338557516737675, "0.0338557516737675" },
    { 1e-05, "1e-05" },
    { 2.5e-05, "2.5e-05" },
    { 9.999999999999999e-05, "9.999999999999999e-05" },
    { 0.0001, "0.0001" },
    { 1.5e-07, "1.5e-07" },
    { 100.0, "100.0" },
    { 123.0, "123.0" },
    { 12345.678, "12345.678" },
    { -0.5, "-0.5" },
    { 1e15, "1000000000000000.0" },
    { 1e16, "1e+16" },
    { 1.5e16, "1.5e+16" },
    { 5e-324, "5e-324" },
    { 1.7976931348623157e308, "1.7976931348623157e+308" },
    { INFINITY, "inf" },
    { -INFINITY, "-inf" },
    { NAN, "nan" },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GString) out = g_string_new (NULL);

    w2vee_append_float_repr (out, cases[i].value);
    g_assert_cmpstr (out->str, ==, cases[i].repr);
  }
}

static void
test_report_split (void)
{
  const guint layers[] = { 2, 4, 6 };
  const double wer[] = { 1.0, 0.1, 1.0 / 3.0 };
  g_autoptr (GString) out = g_string_new (NULL);

  w2vee_report_append_split (out, "test.clean", 3, layers, wer);
  w2vee_report_append_split (out, "other", 1, layers, wer + 1);
  g_assert_cmpstr (out->str, ==,
      "split: test.clean\n"
      "layer_2 WER: 1.0\n"
      "layer_4 WER: 0.1\n"
      "layer_6 WER: 0.3333333333333333\n"
      "\n"
      "split: other\n"
      "layer_2 WER: 0.1\n"
      "\n");
}

static void
test_report_item (void)
{
  const guint layers[] = { 2, 4 };
  const char *const hyps[] = { "helo wold", "" };
  g_autoptr (GString) out = g_string_new (NULL);

  w2vee_report_append_item (out, "wav/a.wav", "hello world", 2, layers, hyps);
  w2vee_report_append_item (out, "b.flac", "", 1, layers, hyps);
  g_assert_cmpstr (out->str, ==,
      "file: wav/a.wav\n"
      "expected: hello world\n"
      "\tlayer_2: helo wold\n"
      "\tlayer_4: \n"
      "\n"
      "file: b.flac\n"
      "expected: \n"
      "\tlayer_2: helo wold\n"
      "\n");
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (score_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/eval/score/%s", score_cases[i].name);
    g_test_add_data_func (path, &score_cases[i], test_score_case);
  }
  g_test_add_func ("/eval/score/corpus-level", test_corpus_level);
  g_test_add_func ("/eval/edit-distance", test_edit_distance);
  g_test_add_func ("/eval/normalize", test_normalize);
  g_test_add_func ("/eval/float-repr", test_float_repr);
  g_test_add_func ("/eval/report/split", test_report_split);
  g_test_add_func ("/eval/report/item", test_report_item);
  return g_test_run ();
}
