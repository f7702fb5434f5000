/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The beam-search decoder against an exhaustive search written here.
 *
 * Tiny vocabularies (blank, '|', A, B, C and one special token), short random inputs
 * (<= 6 frames), 3-5 word lexicons and a random bigram LM: with an unbounded beam the
 * decoder must return the word sequence of the best token sequence over ALL token
 * sequences, each scored by the CTC forward algorithm (every alignment) plus the LM,
 * word and unk terms, as docs/decoder.md defines them. The bigram LM is scored here
 * from its own tables, not by the library. With no LM, no lexicon and zero weights, on
 * peaked inputs, it returns greedy's words and word frames.
 *
 * Shapes legend: T = frames, V = vocabulary size.
 */
#include "decode/decode.h"
#include "../common/fake-model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#define V 6
#define BLANK 0
#define DELIM 1
#define SPECIAL 5            /* "<s>": emits nothing, like the blank */
#define MAX_T 6
#define N_CASES 150
#define LN10 2.302585092994046

static const char *vocab[V] = { "<pad>", "|", "A", "B", "C", "<s>" };

static W2veeModel *
fake_model (void)
{
  return w2vee_test_fake_model (vocab, V);  /* "<s>" special, like the blank */
}

/* ------------------------------------------------------------------------- */
/* The reference: a bigram LM and an exhaustive search                       */
/* ------------------------------------------------------------------------- */

#define MAX_WORDS 5
typedef struct {
  guint n_words;
  char words[MAX_WORDS][4];   /* lexicon words, spelled in A/B/C (the word is its spelling) */
  /* LM vocabulary: 0 <s>, 1 </s>, 2 <unk>, 3.. the lexicon words (lm_has[i] says whether
   * word i is in the LM; a lexicon word not in it counts as <unk>) */
  gboolean lm_has[MAX_WORDS];
  double uni[MAX_WORDS + 3], bo[MAX_WORDS + 3];  /* log10 */
  gboolean has_bi[MAX_WORDS + 3][MAX_WORDS + 3];
  double bi[MAX_WORDS + 3][MAX_WORDS + 3];
} RefLm;

/* log10 P(w | v) of the reference bigram (ids as in RefLm). */
static double
ref_bigram (const RefLm *r, guint v, guint w)
{
  if (r->has_bi[v][w])
    return r->bi[v][w];
  return r->bo[v] + r->uni[w];
}

/* LM id of @word (a spelling), 2 (<unk>) when not in the LM. */
static guint
ref_lm_id (const RefLm *r, const char *word)
{
  guint i;

  for (i = 0; i < r->n_words; i++) {
    if (strcmp (r->words[i], word) == 0)
      return r->lm_has[i] ? 3 + i : 2;
  }
  return 2;
}

static gboolean
ref_in_lexicon (const RefLm *r, const char *word)
{
  guint i;

  for (i = 0; i < r->n_words; i++) {
    if (strcmp (r->words[i], word) == 0)
      return TRUE;
  }
  return FALSE;
}

/* log P(labels | x) by the CTC forward algorithm; lp (T, V) log-softmax, the blank's
 * column being log(P(blank) + P(special)). */
static double
ctc_forward (const double *lp, gsize T, const guint *labels, gsize U)
{
  gsize S = 2 * U + 1, t, s;
  double a[2 * MAX_T + 1], b[2 * MAX_T + 1];

  if (T == 0)
    return U == 0 ? 0.0 : -INFINITY;
  for (s = 0; s < S; s++)
    a[s] = -INFINITY;
  a[0] = lp[BLANK];
  if (U > 0)
    a[1] = lp[labels[0]];
  for (t = 1; t < T; t++) {
    for (s = 0; s < S; s++) {
      guint tok = s % 2 ? labels[s / 2] : BLANK;
      double x = a[s];

      if (s >= 1)
        x = x == -INFINITY ? a[s - 1] : a[s - 1] == -INFINITY ? x
            : fmax (x, a[s - 1]) + log1p (exp (-fabs (x - a[s - 1])));
      if (s >= 2 && s % 2 && labels[s / 2] != labels[s / 2 - 1] && a[s - 2] > -INFINITY)
        x = x == -INFINITY ? a[s - 2] : fmax (x, a[s - 2]) + log1p (exp (-fabs (x - a[s - 2])));
      b[s] = x + lp[t * V + tok];
    }
    memcpy (a, b, S * sizeof (double));
  }
  if (U == 0)
    return a[0];
  return fmax (a[S - 1], a[S - 2]) + log1p (exp (-fabs (a[S - 1] - a[S - 2])));
}

typedef struct {
  const RefLm *r;
  gboolean use_lm, use_lex;
  double lm_weight, word_score, unk_score;
  const double *lp;
  gsize T;
  double best;
  char best_words[64];
} Search;

/* Scores the label sequence @labels (U) and keeps it when best. */
static void
score_sequence (Search *s, const guint *labels, gsize U)
{
  double score = ctc_forward (s->lp, s->T, labels, U);
  char words[64] = "", word[8];
  guint prev = 0;  /* <s> */
  gsize i, wl = 0;

  if (score == -INFINITY)
    return;
  for (i = 0; i <= U; i++) {
    if (i < U && labels[i] != DELIM) {
      word[wl++] = vocab[labels[i]][0];
      continue;
    }
    if (wl == 0)
      continue;
    word[wl] = '\0';
    wl = 0;
    score += s->word_score;
    if (s->use_lex && !ref_in_lexicon (s->r, word)) {
      if (s->unk_score == -INFINITY)
        return;
      score += s->unk_score;
    }
    if (s->use_lm) {
      guint id = ref_lm_id (s->r, word);
      score += s->lm_weight * LN10 * ref_bigram (s->r, prev, id);
      prev = id;
    }
    if (words[0] != '\0')
      g_strlcat (words, " ", sizeof words);
    g_strlcat (words, word, sizeof words);
  }
  if (s->use_lm)
    score += s->lm_weight * LN10 * ref_bigram (s->r, prev, 1);
  if (score > s->best) {
    s->best = score;
    g_strlcpy (s->best_words, words, sizeof s->best_words);
  }
}

/* Every label sequence of length <= T over '|', A, B, C. */
static void
enumerate (Search *s, guint *labels, gsize U)
{
  guint tok;

  score_sequence (s, labels, U);
  if (U == s->T)
    return;
  for (tok = DELIM; tok <= 4; tok++) {
    labels[U] = tok;
    enumerate (s, labels, U + 1);
  }
}

/* ------------------------------------------------------------------------- */
/* Random cases                                                              */
/* ------------------------------------------------------------------------- */

static void
random_lm (GRand *rng, RefLm *r)
{
  guint i, j, n = 3 + g_rand_int_range (rng, 0, 3);

  memset (r, 0, sizeof *r);
  while (r->n_words < n) {
    char w[4] = { 0 };
    guint len = g_rand_double (rng) < 0.25 ? 3 : g_rand_int_range (rng, 1, 3), k;

    for (k = 0; k < len; k++)
      w[k] = "ABC"[g_rand_int_range (rng, 0, 3)];
    if (ref_in_lexicon (r, w))
      continue;
    strcpy (r->words[r->n_words], w);
    r->lm_has[r->n_words] = g_rand_double (rng) < 0.85;
    r->n_words++;
  }
  for (i = 0; i < n + 3; i++) {
    r->uni[i] = -g_rand_double_range (rng, 0.1, 2.5);
    r->bo[i] = -g_rand_double_range (rng, 0.0, 1.0);
  }
  r->uni[0] = -99.0;  /* <s> is never predicted */
  r->bo[1] = 0.0;
  for (i = 0; i < n + 3; i++) {
    for (j = 1; j < n + 3; j++) {
      gboolean in_i = i < 3 || r->lm_has[i - 3], in_j = j < 3 || r->lm_has[j - 3];

      if (i != 1 && in_i && in_j && g_rand_double (rng) < 0.4) {
        r->has_bi[i][j] = TRUE;
        r->bi[i][j] = -g_rand_double_range (rng, 0.05, 2.0);
      }
    }
  }
}

static const char *
lm_word (const RefLm *r, guint id)
{
  return id == 0 ? "<s>" : id == 1 ? "</s>" : id == 2 ? "<unk>" : r->words[id - 3];
}

static char *
arpa_text (const RefLm *r)
{
  GString *s = g_string_new ("\\data\\\n");
  guint i, j, n_uni = 0, n_bi = 0;

  for (i = 0; i < r->n_words + 3; i++) {
    if (i >= 3 && !r->lm_has[i - 3])
      continue;
    n_uni++;
    for (j = 0; j < r->n_words + 3; j++)
      n_bi += r->has_bi[i][j];
  }
  g_string_append_printf (s, "ngram 1=%u\nngram 2=%u\n\n\\1-grams:\n", n_uni, n_bi);
  for (i = 0; i < r->n_words + 3; i++) {
    if (i >= 3 && !r->lm_has[i - 3])
      continue;
    g_string_append_printf (s, "%.9g\t%s\t%.9g\n", r->uni[i], lm_word (r, i), r->bo[i]);
  }
  g_string_append (s, "\n\\2-grams:\n");
  for (i = 0; i < r->n_words + 3; i++) {
    for (j = 0; j < r->n_words + 3; j++) {
      if (r->has_bi[i][j])
        g_string_append_printf (s, "%.9g\t%s %s\n", r->bi[i][j], lm_word (r, i),
            lm_word (r, j));
    }
  }
  g_string_append (s, "\n\\end\\\n");
  return g_string_free (s, FALSE);
}

static char *
lexicon_text (const RefLm *r)
{
  GString *s = g_string_new (NULL);
  guint i, k;

  for (i = 0; i < r->n_words; i++) {
    g_string_append_printf (s, "%s\t", r->words[i]);
    for (k = 0; r->words[i][k]; k++)
      g_string_append_printf (s, "%c ", r->words[i][k]);
    g_string_append (s, "|\n");
  }
  return g_string_free (s, FALSE);
}

/* Random logits (T, V) with a log-softmax copy (blank column merged with the special). */
static void
random_input (GRand *rng, gsize T, float *logits, double *lp, double peak)
{
  gsize t, v;

  for (t = 0; t < T; t++) {
    double z = 0.0;

    for (v = 0; v < V; v++)
      logits[t * V + v] = (float) g_rand_double_range (rng, -3.0, 3.0);
    if (peak > 0)
      logits[t * V + g_rand_int_range (rng, 0, V)] += (float) peak;
    for (v = 0; v < V; v++)
      z += exp (logits[t * V + v]);
    for (v = 0; v < V; v++)
      lp[t * V + v] = logits[t * V + v] - log (z);
    lp[t * V + BLANK] = log (exp (lp[t * V + BLANK]) + exp (lp[t * V + SPECIAL]));
  }
}

typedef struct {
  const char *name;
  gboolean lm, lexicon;
  gboolean unk;          /* words off the lexicon allowed (unk_score finite) */
} Mode;

static const Mode modes[] = {
  { "lm+lexicon", TRUE, TRUE, FALSE },
  { "lm+lexicon+unk", TRUE, TRUE, TRUE },
  { "lexicon-only", FALSE, TRUE, FALSE },
  { "free", FALSE, FALSE, FALSE },
};

static void
test_exhaustive (gconstpointer data)
{
  const Mode *mode = data;
  g_autoptr (GRand) rng = g_rand_new_with_seed (1234 + (guint) (mode - modes));
  W2veeModel *model = fake_model ();
  g_autofree char *dir = g_dir_make_tmp ("w2vee-decoder-XXXXXX", NULL);
  g_autofree char *arpa_path = g_build_filename (dir, "lm.arpa", NULL);
  g_autofree char *lex_path = g_build_filename (dir, "lexicon.txt", NULL);
  guint c, agree = 0, multi = 0;

  for (c = 0; c < N_CASES; c++) {
    RefLm r;
    g_autofree char *arpa = NULL, *lex_text = NULL;
    g_autoptr (W2veeLm) lm = NULL;
    g_autoptr (W2veeLexicon) lex = NULL;
    g_autoptr (W2veeDecoder) dec = NULL;
    g_autoptr (W2veeTranscript) tr = NULL;
    g_autoptr (GError) error = NULL;
    W2veeDecoderParams p = w2vee_decoder_default_params ();
    float logits[MAX_T * V];
    double lp[MAX_T * V];
    guint labels[MAX_T];
    gsize T = c < 5 ? c : (gsize) g_rand_int_range (rng, 2, MAX_T + 1);
    Search s = { &r, mode->lm, mode->lexicon || mode->lm, 0, 0, 0, lp, T, -INFINITY, "" };

    random_lm (rng, &r);
    random_input (rng, T, logits, lp, 0.0);
    p.beam_size = G_MAXUINT;
    p.beam_size_token = 0;      /* every token at every frame: an unbounded search */
    p.beam_threshold = INFINITY;
    p.lm_weight = s.lm_weight = mode->lm ? g_rand_double_range (rng, 0.2, 2.0) : 0.0;
    p.word_score = s.word_score = g_rand_double_range (rng, -1.0, mode->lm ? 7.0 : 4.0);
    p.unk_score = s.unk_score = mode->unk ? g_rand_double_range (rng, -4.0, 0.0) : -INFINITY;

    if (mode->lm) {
      arpa = arpa_text (&r);
      g_assert_true (g_file_set_contents (arpa_path, arpa, -1, NULL));
      lm = w2vee_lm_load (arpa_path, &error);
      g_assert_no_error (error);
    }
    if (mode->lexicon) {
      lex_text = lexicon_text (&r);
      g_assert_true (g_file_set_contents (lex_path, lex_text, -1, NULL));
      lex = w2vee_lexicon_load (lex_path, NULL, model, &error);
      g_assert_no_error (error);
    }
    /* with an LM and no lexicon the decoder spells the LM's words: give it the lexicon
     * whenever the reference uses one, so that OOV lexicon words are tested too */
    dec = w2vee_decoder_new (model, lm, lex, &p, &error);
    g_assert_no_error (error);
    tr = w2vee_decoder_decode (dec, logits, T, &error);
    g_assert_no_error (error);

    enumerate (&s, labels, 0);
    g_assert_true (s.best > -INFINITY);
    if (g_test_verbose () || strcmp (s.best_words, tr->text) != 0)
      g_test_message ("case %u: T=%" G_GSIZE_FORMAT " exhaustive '%s' (%.6f), beam '%s'",
          c, T, s.best_words, s.best, tr->text);
    g_assert_cmpstr (tr->text, ==, s.best_words);
    g_assert_cmpstr (tr->decoder, ==, mode->lm ? "beam+lm" : "beam");
    agree++;
    multi += tr->n_words >= 2;
  }
  g_assert_cmpuint (agree, ==, N_CASES);
  /* the cases exercise word sequences (LM context), not only single words */
  g_assert_cmpuint (multi, >=, N_CASES / 10);
  g_remove (arpa_path);
  g_remove (lex_path);
  g_rmdir (dir);
  w2vee_model_unref (model);
}

/* No LM, no lexicon, zero weights, peaked inputs: greedy's words and word frames. */
static void
test_greedy_agrees (void)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (99);
  W2veeModel *model = fake_model ();
  W2veeDecoderParams p = w2vee_decoder_default_params ();
  g_autoptr (W2veeDecoder) dec = NULL;
  g_autoptr (GError) error = NULL;
  guint c, with_words = 0;

  p.lm_weight = 0.0;
  p.word_score = 0.0;
  dec = w2vee_decoder_new (model, NULL, NULL, &p, &error);
  g_assert_no_error (error);
  for (c = 0; c < 300; c++) {
    gsize T = g_rand_int_range (rng, 0, 40), t;
    g_autofree float *logits = g_new (float, MAX (T, 1) * V);
    g_autofree double *lp = g_new (double, MAX (T, 1) * V);
    g_autoptr (W2veeTranscript) greedy = NULL, beam = NULL;
    guint i;

    for (t = 0; t < T; t += MAX_T)
      random_input (rng, MIN (MAX_T, T - t), logits + t * V, lp + t * V, 14.0);
    greedy = w2vee_ctc_greedy (model, logits, T);
    beam = w2vee_decoder_decode (dec, logits, T, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (beam->text, ==, greedy->text);
    g_assert_cmpstr (greedy->decoder, ==, "greedy");
    g_assert_cmpuint (beam->n_words, ==, greedy->n_words);
    g_assert_cmpuint (beam->n_frames, ==, T);
    g_assert_cmpfloat_with_epsilon (beam->confidence, greedy->confidence, 1e-6);
    for (i = 0; i < beam->n_words; i++) {
      g_assert_cmpuint (beam->words[i].first_frame, ==, greedy->words[i].first_frame);
      g_assert_cmpuint (beam->words[i].last_frame, ==, greedy->words[i].last_frame);
      g_assert_cmpuint (beam->words[i].start_sample, ==, greedy->words[i].start_sample);
      g_assert_cmpuint (beam->words[i].end_sample, ==, greedy->words[i].end_sample);
      g_assert_cmpfloat_with_epsilon (beam->words[i].confidence,
          greedy->words[i].confidence, 1e-6);
    }
    with_words += beam->n_words > 0;
  }
  g_assert_cmpuint (with_words, >, 200);  /* the cases do have words */
  w2vee_model_unref (model);
}

static void
test_bad_params (void)
{
  W2veeModel *model = fake_model ();
  static const struct { const char *name; guint beam; double thr, a, b, unk; } bad[] = {
    { "beam 0", 0, 25, 1, 1, -INFINITY },
    { "threshold 0", 10, 0, 1, 1, -INFINITY },
    { "threshold NaN", 10, NAN, 1, 1, -INFINITY },
    { "lm weight inf", 10, 25, INFINITY, 1, -INFINITY },
    { "word score NaN", 10, 25, 1, NAN, -INFINITY },
    { "unk +inf", 10, 25, 1, 1, INFINITY },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    W2veeDecoderParams p = w2vee_decoder_default_params ();
    g_autoptr (GError) error = NULL;

    p.beam_size = bad[i].beam;
    p.beam_threshold = bad[i].thr;
    p.lm_weight = bad[i].a;
    p.word_score = bad[i].b;
    p.unk_score = bad[i].unk;
    g_assert_null (w2vee_decoder_new (model, NULL, NULL, &p, &error));
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr (W2veeDecoder) dec = w2vee_decoder_new (model, NULL, NULL, NULL, NULL);
    g_autoptr (GError) error = NULL;
    float logits[2 * V] = { 0 };

    logits[V + 2] = NAN;
    g_assert_null (w2vee_decoder_decode (dec, logits, 2, &error));
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
  }
  w2vee_model_unref (model);
}

/* A beam of one keeps "AB|C" (C starts CA); at the end C is no word: the transcript is
 * the words before it, not nothing. */
static void
test_open_word_at_end (void)
{
  W2veeModel *model = fake_model ();
  W2veeDecoderParams p = w2vee_decoder_default_params ();
  g_autofree char *dir = g_dir_make_tmp ("w2vee-decoder-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "lexicon.txt", NULL);
  g_autoptr (W2veeLexicon) lex = NULL;
  g_autoptr (W2veeDecoder) dec = NULL;
  g_autoptr (W2veeTranscript) tr = NULL;
  g_autoptr (GError) error = NULL;
  static const guint frames[] = { 2, 0, 3, 1, 4, 0 };  /* A _ B | C _ */
  float logits[G_N_ELEMENTS (frames) * V];
  guint t, v;

  for (t = 0; t < G_N_ELEMENTS (frames); t++)
    for (v = 0; v < V; v++)
      logits[t * V + v] = v == frames[t] ? 8.0f : 0.0f;
  g_assert_true (g_file_set_contents (path, "AB\tA B |\nCA\tC A |\n", -1, NULL));
  lex = w2vee_lexicon_load (path, NULL, model, &error);
  g_assert_no_error (error);
  p.beam_size = 1;
  dec = w2vee_decoder_new (model, NULL, lex, &p, &error);
  g_assert_no_error (error);
  tr = w2vee_decoder_decode (dec, logits, G_N_ELEMENTS (frames), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (tr->text, ==, "AB");
  g_assert_cmpuint (tr->words[0].first_frame, ==, 0);
  g_assert_cmpuint (tr->words[0].last_frame, ==, 2);
  g_remove (path);
  g_rmdir (dir);
  w2vee_model_unref (model);
}

/* One LM and one lexicon shared by decoders in several threads (the W2veeLm and
 * W2veeLexicon rule): each thread's transcripts equal those of one decoder alone. */
#define N_THREADS 4
#define N_INPUTS 40
#define T_LONG 30

typedef struct {
  W2veeModel *model;
  W2veeLm *lm;
  W2veeLexicon *lex;
  const float *logits;      /* (N_INPUTS, T_LONG, V) */
  char *texts[N_INPUTS];
} ThreadJob;

static gpointer
decode_all (gpointer data)
{
  ThreadJob *job = data;
  g_autoptr (W2veeDecoder) dec = w2vee_decoder_new (job->model, job->lm, job->lex, NULL,
      NULL);
  guint i;

  for (i = 0; i < N_INPUTS; i++) {
    g_autoptr (W2veeTranscript) tr = w2vee_decoder_decode (dec,
        job->logits + (gsize) i * T_LONG * V, T_LONG, NULL);
    job->texts[i] = g_strdup (tr->text);
  }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (7);
  W2veeModel *model = fake_model ();
  g_autofree char *dir = g_dir_make_tmp ("w2vee-decoder-XXXXXX", NULL);
  g_autofree char *arpa_path = g_build_filename (dir, "lm.arpa", NULL);
  g_autofree char *arpa = NULL;
  g_autofree float *logits = g_new (float, (gsize) N_INPUTS * T_LONG * V);
  g_autofree double *lp = g_new (double, (gsize) N_INPUTS * T_LONG * V);
  g_autoptr (W2veeLm) lm = NULL;
  g_autoptr (GError) error = NULL;
  ThreadJob alone = { 0 }, jobs[N_THREADS];
  GThread *threads[N_THREADS];
  RefLm r;
  guint i, k, t;

  random_lm (rng, &r);
  arpa = arpa_text (&r);
  g_assert_true (g_file_set_contents (arpa_path, arpa, -1, NULL));
  lm = w2vee_lm_load (arpa_path, &error);
  g_assert_no_error (error);
  for (i = 0; i < N_INPUTS; i++)
    for (t = 0; t < T_LONG; t += MAX_T)
      random_input (rng, MIN (MAX_T, T_LONG - t), logits + ((gsize) i * T_LONG + t) * V,
          lp + ((gsize) i * T_LONG + t) * V, 4.0);
  alone.model = model;
  alone.lm = lm;
  alone.logits = logits;
  decode_all (&alone);
  for (i = 0, k = 0; i < N_INPUTS; i++)
    k += strchr (alone.texts[i], ' ') != NULL;
  g_assert_cmpuint (k, >=, N_INPUTS / 2);  /* several words: the LM has work to do */
  for (k = 0; k < N_THREADS; k++) {
    jobs[k] = alone;
    threads[k] = g_thread_new ("decode", decode_all, &jobs[k]);
  }
  for (k = 0; k < N_THREADS; k++) {
    g_thread_join (threads[k]);
    for (i = 0; i < N_INPUTS; i++) {
      g_assert_cmpstr (jobs[k].texts[i], ==, alone.texts[i]);
      g_free (jobs[k].texts[i]);
    }
  }
  for (i = 0; i < N_INPUTS; i++)
    g_free (alone.texts[i]);
  g_remove (arpa_path);
  g_rmdir (dir);
  w2vee_model_unref (model);
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    g_autofree char *path = g_strdup_printf ("/decoder/exhaustive/%s", modes[i].name);
    g_test_add_data_func (path, &modes[i], test_exhaustive);
  }
  g_test_add_func ("/decoder/greedy-agrees", test_greedy_agrees);
  g_test_add_func ("/decoder/bad-params", test_bad_params);
  g_test_add_func ("/decoder/open-word-at-end", test_open_word_at_end);
  g_test_add_func ("/decoder/threads", test_threads);
  return g_test_run ();
}
