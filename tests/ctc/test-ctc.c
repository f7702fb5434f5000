/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* CTC greedy decoding: table of hand-made frame sequences with the expected text and
 * word frames; confidences checked against softmax computed here. */
#include "model.h"
#include "../common/fake-model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The default 32-token vocabulary of design.md §3. */
static const char *vocab[] = {
  "<pad>", "<s>", "</s>", "<unk>", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D",
  "L", "U", "M", "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z",
};

#define V 32

typedef struct {
  const char *name;
  const char *frames;     /* one character per frame: '_' blank, '|' delimiter,
                           * '<' <s>, '>' </s>, '?' <unk>, else the letter */
  const char *text;
  const char *word_frames; /* "first-last first-last ..." */
} Case;

static const Case cases[] = {
  { "empty", "", "", "" },
  { "blank-only", "_____", "", "" },
  { "collapse-repeats", "HHELL_LO", "HELLO", "0-7" },
  { "blank-separates-repeat", "LL__L", "LL", "0-4" },
  { "delimiter", "CAT|DOG", "CAT DOG", "0-2 4-6" },
  { "delimiters-leading-trailing-double", "||A__||B||", "A B", "2-2 7-7" },
  { "repeated-delimiter", "A|||___|B", "A B", "0-0 8-8" },
  { "specials-dropped", "<A?A>", "AA", "1-3" },
  { "special-only", "<<>?", "", "" },
  { "blanks-inside-word", "A__B_", "AB", "0-3" },
  { "apostrophe", "DON'T", "DON'T", "0-4" },
  { "trailing-repeat-extends", "AB|CCC", "AB C", "0-1 3-5" },
};

static W2veeModel *
fake_model (void)
{
  return w2vee_test_fake_model (vocab, V);
}

static guint
frame_id (char c)
{
  guint i;

  switch (c) {
    case '_': return 0;
    case '<': return 1;
    case '>': return 2;
    case '?': return 3;
    case '|': return 4;
    default:
      for (i = 5; i < V; i++)
        if (vocab[i][0] == c)
          return i;
  }
  g_assert_not_reached ();
  return 0;
}

/* One-hot-ish logits: 4 at the frame's id, a deterministic ramp elsewhere. */
static float *
make_logits (const char *frames, gsize *T)
{
  gsize n = strlen (frames), t, v;
  float *l = g_new0 (float, MAX (n, 1) * V);

  for (t = 0; t < n; t++) {
    for (v = 0; v < V; v++)
      l[t * V + v] = 0.01f * (float) ((v * 7 + t * 3) % 11);
    l[t * V + frame_id (frames[t])] = 4.0f;
  }
  *T = n;
  return l;
}

static double
max_posterior (const float *row)
{
  double best = row[0], z = 0.0;
  gsize v;

  for (v = 1; v < V; v++)
    best = MAX (best, row[v]);
  for (v = 0; v < V; v++)
    z += exp (row[v] - best);
  return 1.0 / z;
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  W2veeModel *m = fake_model ();
  gsize T, t;
  float *logits = make_logits (c->frames, &T);
  g_autoptr (W2veeTranscript) tr = w2vee_ctc_greedy (m, logits, T);
  g_auto (GStrv) spans = g_strsplit (c->word_frames, " ", -1);
  guint n_words = c->word_frames[0] ? g_strv_length (spans) : 0, i;
  double sum = 0.0;
  gsize counted = 0;

  g_assert_cmpstr (tr->text, ==, c->text);
  g_assert_cmpuint (tr->n_frames, ==, T);
  g_assert_cmpuint (tr->n_words, ==, n_words);
  for (i = 0; i < n_words; i++) {
    const W2veeWord *w = &tr->words[i];
    gsize first, last;
    double wsum = 0.0;

    g_assert_cmpint (sscanf (spans[i], "%zu-%zu", &first, &last), ==, 2);
    g_assert_cmpuint (w->first_frame, ==, first);
    g_assert_cmpuint (w->last_frame, ==, last);
    g_assert_cmpuint (w->start_sample, ==, first * 320);
    g_assert_cmpuint (w->end_sample, ==, last * 320 + 400);
    for (t = first; t <= last; t++)
      wsum += max_posterior (logits + t * V);
    g_assert_cmpfloat_with_epsilon (w->confidence, wsum / (last - first + 1), 1e-6);
    g_assert_cmpfloat (w->confidence, >, 0.0);
    g_assert_cmpfloat (w->confidence, <=, 1.0);
    sum += wsum;
    counted += last - first + 1;
  }
  if (n_words == 0) {
    for (t = 0; t < T; t++)
      sum += max_posterior (logits + t * V);
    counted = T;
  }
  g_assert_cmpfloat_with_epsilon (tr->confidence, counted ? sum / counted : 0.0, 1e-6);

  /* the words joined by spaces give the text */
  {
    g_autoptr (GString) joined = g_string_new (NULL);

    for (i = 0; i < tr->n_words; i++)
      g_string_append_printf (joined, "%s%s", i ? " " : "", tr->words[i].word);
    g_assert_cmpstr (joined->str, ==, tr->text);
  }
  g_free (logits);
  w2vee_model_unref (m);
}

/* A multi-character vocabulary (BPE-like tokens) concatenates token texts. */
static void
test_multichar_tokens (void)
{
  W2veeModel *m = fake_model ();
  float l[4 * V] = { 0 };
  g_autoptr (W2veeTranscript) tr = NULL;

  g_free (m->tokens[5]);
  m->tokens[5] = g_strdup ("HEL");
  g_free (m->tokens[6]);
  m->tokens[6] = g_strdup ("LO");
  l[0 * V + 5] = 3.0f;
  l[1 * V + 6] = 3.0f;
  l[2 * V + 4] = 3.0f;
  l[3 * V + 6] = 3.0f;
  tr = w2vee_ctc_greedy (m, l, 4);
  g_assert_cmpstr (tr->text, ==, "HELLO LO");
  w2vee_model_unref (m);
}

/* A model without a word delimiter gives one word. */
static void
test_no_delimiter (void)
{
  W2veeModel *m = fake_model ();
  gsize T;
  float *logits = make_logits ("AB|C", &T);
  g_autoptr (W2veeTranscript) tr = NULL;

  m->word_delimiter_id = -1;
  g_free (m->tokens[4]);
  m->tokens[4] = g_strdup ("-");
  tr = w2vee_ctc_greedy (m, logits, T);
  g_assert_cmpstr (tr->text, ==, "AB-C");
  g_assert_cmpuint (tr->n_words, ==, 1);
  g_free (logits);
  w2vee_model_unref (m);
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = g_strdup_printf ("/ctc/greedy/%s", cases[i].name);

    g_test_add_data_func (path, &cases[i], test_case);
  }
  g_test_add_func ("/ctc/greedy/multichar-tokens", test_multichar_tokens);
  g_test_add_func ("/ctc/greedy/no-delimiter", test_no_delimiter);
  return g_test_run ();
}
