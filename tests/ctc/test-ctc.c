/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* CTC greedy decoding: table of hand-made frame sequences with the expected text and
 * word frames; confidences checked against softmax computed here. The confidence rules
 * (W2veeScore) on the same frames, against sums written out here (entropy as
 * −Σ p ln p, words from w2vee_ctc_greedy()); agreement and the policy's pick by tables;
 * early_exit.json files, valid and not. */
#include "model.h"
#include "../common/fake-model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

/* The default 32-token vocabulary (w2vee_vocab_default(), engine/format/model-config.c). */
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

/* Entropy of @row's softmax divided by ln V, from the probabilities themselves. */
static double
normalised_entropy (const float *row)
{
  double best = row[0], z = 0.0, h = 0.0;
  gsize v;

  for (v = 1; v < V; v++)
    best = MAX (best, row[v]);
  for (v = 0; v < V; v++)
    z += exp (row[v] - best);
  for (v = 0; v < V; v++) {
    double p = exp (row[v] - best) / z;

    h -= p * log (p);
  }
  return h / log ((double) V);
}

/* Every rule on the frames of a greedy case, at two sharpnesses of the logits. */
static void
test_scores (gconstpointer data)
{
  const Case *c = data;
  W2veeModel *m = fake_model ();
  gsize T, t, i;
  float *logits = make_logits (c->frames, &T);
  float scales[] = { 1.0f, 0.6f };
  guint k;

  for (k = 0; k < G_N_ELEMENTS (scales); k++) {
    g_autoptr (W2veeTranscript) tr = NULL;
    double h_all = 0.0, h_nb = 0.0, p_all = 0.0, p_nb = 0.0, word_min = 2.0;
    gsize n_nb = 0;

    for (i = 0; i < T * V; i++)
      logits[i] *= scales[k];
    tr = w2vee_ctc_greedy (m, logits, T);
    for (t = 0; t < T; t++) {
      double h = normalised_entropy (logits + t * V), p = max_posterior (logits + t * V);

      h_all += h;
      p_all += p;
      if (c->frames[t] != '_') {
        h_nb += h;
        p_nb += p;
        n_nb++;
      }
    }
    for (i = 0; i < tr->n_words; i++)
      word_min = MIN (word_min, tr->words[i].confidence);
#define CHECK(rule, expected) \
    g_assert_cmpfloat_with_epsilon (w2vee_ctc_score (m, logits, T, rule), (expected), \
        1e-6)
    if (T == 0) {
      for (i = 0; i < W2VEE_SCORE_AGREEMENT; i++)
        CHECK ((W2veeScore) i, 1.0);
    } else {
      CHECK (W2VEE_SCORE_MEAN_ENTROPY, 1.0 - h_all / T);
      CHECK (W2VEE_SCORE_NONBLANK_ENTROPY, 1.0 - (n_nb ? h_nb / n_nb : h_all / T));
      CHECK (W2VEE_SCORE_NONBLANK_POSTERIOR, n_nb ? p_nb / n_nb : p_all / T);
      CHECK (W2VEE_SCORE_WORD_MIN, tr->n_words ? word_min : p_all / T);
    }
#undef CHECK
    g_assert_true (isnan (w2vee_ctc_score (m, logits, T, W2VEE_SCORE_AGREEMENT)));
  }
  g_free (logits);
  w2vee_model_unref (m);
}

/* Agreement of two exits' frames; '_' is the blank. */
static void
test_agreement (void)
{
  static const struct {
    const char *previous, *current;
    double expected;
  } table[] = {
    { "", "", 1.0 },
    { "____", "____", 1.0 },             /* no frame where either is not blank */
    { "AB_C", "AB_C", 1.0 },
    { "AB_C", "AX_C", 2.0 / 3.0 },
    { "A___", "_A__", 0.0 },             /* frames 0 and 1 count, both differ */
    { "HELLO|", "HELP_|", 4.0 / 6.0 },
  };
  W2veeModel *m = fake_model ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    gsize T1, T2;
    float *a = make_logits (table[i].previous, &T1);
    float *b = make_logits (table[i].current, &T2);

    g_assert_cmpuint (T1, ==, T2);
    g_assert_cmpfloat_with_epsilon (w2vee_ctc_agreement (m, a, b, T1), table[i].expected,
        1e-12);
    g_free (a);
    g_free (b);
  }
  w2vee_model_unref (m);
}

static void
test_score_names (void)
{
  W2veeScore r;
  guint i;

  for (i = 0; i < W2VEE_N_SCORES; i++) {
    g_assert_true (w2vee_score_from_name (w2vee_score_name ((W2veeScore) i), &r));
    g_assert_cmpuint (r, ==, i);
  }
  g_assert_null (w2vee_score_name (W2VEE_N_SCORES));
  g_assert_false (w2vee_score_from_name ("entropy", &r));
}

/* The confidence policy: the first exit reaching the threshold, else the deepest. */
static void
test_policy_pick (void)
{
  static const struct {
    double scores[4];
    guint n;
    double threshold;
    guint expected;
  } table[] = {
    { { 0.9, 0.95, 0.99, 1.0 }, 4, 0.8, 1 },
    { { 0.5, 0.85, 0.99, 1.0 }, 4, 0.8, 2 },
    { { 0.5, 0.6, 0.7, 0.75 }, 4, 0.8, 4 },    /* none passes: the deepest */
    { { 0.5, 0.9, 0.6, 0.95 }, 4, 0.8, 2 },    /* the first, not the best */
    { { 0.8, 0.1, 0.1, 0.1 }, 4, 0.8, 1 },     /* reaching counts */
    { { 0.1, 0.1, 0.1, 0.1 }, 4, 0.0, 1 },     /* threshold 0: always the first */
    { { 0.99, 0.99, 0.99, 0.99 }, 4, 1.0, 4 }, /* threshold 1: the deepest */
    { { 0.2, 0.95 }, 2, 0.9, 2 },
    { { 0.3 }, 1, 0.9, 1 },
    { { 0 }, 0, 0.5, 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpuint (w2vee_exit_policy_pick (table[i].scores, table[i].n,
            table[i].threshold), ==, table[i].expected);
}

/* early_exit.json: what loads, and what fails with which code and message. */
static void
test_early_exit_file (void)
{
  static const struct {
    const char *json;   /* NULL: no file */
    gint code;          /* -1: loads */
    W2veeScore rule;
    double threshold;
    const char *message;
  } table[] = {
    { "{\"rule\": \"word-min\", \"threshold\": 0.75}", -1, W2VEE_SCORE_WORD_MIN, 0.75,
      NULL },
    { "{\"threshold\": 1, \"measured\": {\"dev\": [1, 2]}, \"rule\": \"agreement\"}", -1,
      W2VEE_SCORE_AGREEMENT, 1.0, NULL },
    { NULL, W2VEE_ERROR_NOT_FOUND, 0, 0, "early_exit.json" },
    { "[]", W2VEE_ERROR_CONFIG, 0, 0, "must be a JSON object" },
    { "{\"rule\": \"entropy\", \"threshold\": 0.5}", W2VEE_ERROR_CONFIG, 0, 0,
      "unknown rule \"entropy\"" },
    { "{\"rule\": \"word-min\", \"threshold\": 1.5}", W2VEE_ERROR_CONFIG, 0, 0,
      "between 0 and 1" },
    { "{\"rule\": \"word-min\", \"threshold\": \"0.5\"}", W2VEE_ERROR_CONFIG, 0, 0,
      "must be a number" },
    { "{\"rule\": \"word-min\"}", W2VEE_ERROR_CONFIG, 0, 0, "\"threshold\" is missing" },
    { "{\"threshold\": 0.5}", W2VEE_ERROR_CONFIG, 0, 0, "\"rule\" is missing" },
    { "{\"rule\": \"word-min\", \"rule\": \"agreement\", \"threshold\": 0.5}",
      W2VEE_ERROR_DUPLICATE, 0, 0, "duplicate \"rule\"" },
    { "{\"rule\": \"word-min\", \"threshold\": 0.5", W2VEE_ERROR_CONFIG, 0, 0, NULL },
  };
  g_autofree char *dir = g_dir_make_tmp ("w2vee-early-exit-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "early_exit.json", NULL);
  guint i;

  g_assert_nonnull (dir);
  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    g_autoptr (GError) error = NULL;
    W2veeScore rule = W2VEE_N_SCORES;
    double threshold = -1.0;
    gboolean ok;

    g_remove (path);
    if (table[i].json != NULL)
      g_assert_true (g_file_set_contents (path, table[i].json, -1, NULL));
    ok = w2vee_exit_policy_load (dir, &rule, &threshold, &error);
    if (table[i].code < 0) {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpuint (rule, ==, table[i].rule);
      g_assert_cmpfloat (threshold, ==, table[i].threshold);
    } else {
      g_assert_false (ok);
      g_assert_error (error, W2VEE_ERROR, table[i].code);
      g_assert_nonnull (strstr (error->message, "early_exit.json"));
      if (table[i].message)
        g_assert_nonnull (strstr (error->message, table[i].message));
    }
  }
  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *path = g_strdup_printf ("/ctc/greedy/%s", cases[i].name);

    g_autofree char *score_path = g_strdup_printf ("/ctc/score/%s", cases[i].name);

    g_test_add_data_func (path, &cases[i], test_case);
    g_test_add_data_func (score_path, &cases[i], test_scores);
  }
  g_test_add_func ("/ctc/score/agreement", test_agreement);
  g_test_add_func ("/ctc/score/names", test_score_names);
  g_test_add_func ("/ctc/policy/pick", test_policy_pick);
  g_test_add_func ("/ctc/policy/early-exit-file", test_early_exit_file);
  g_test_add_func ("/ctc/greedy/multichar-tokens", test_multichar_tokens);
  g_test_add_func ("/ctc/greedy/no-delimiter", test_no_delimiter);
  return g_test_run ();
}
