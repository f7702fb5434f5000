/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The ARPA reader, the binary LM and the lexicon readers: scores of a hand-made trigram
 * LM (worked out by hand in the table below), the binary form against the ARPA one,
 * and malformed input: a table of broken ARPA files and lexicons (error code, line and
 * reason), truncation at every byte of a small ARPA and of its binary form, corrupted
 * binary headers and records.
 */
#include "decode/lm-image.h"
#include "../common/fake-model.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

static const char small_arpa[] =
  "\\data\\\n"
  "ngram 1=6\n"
  "ngram  2=     4\n"
  "ngram 3=2\n"
  "\n"
  "\\1-grams:\n"
  "-1.0\t<s>\t-0.5\n"
  "-1.2\t</s>\n"
  "-2.0\t<unk>\n"
  "-0.7\tA\t-0.3\n"
  "-0.9\tB\t-0.2\n"
  "-1.1\tC\t-0.1\n"
  "\n"
  "\\2-grams:\n"
  "-0.4\t<s> A\t-0.25\n"
  "-0.5\tA B\t-0.15\n"
  "-0.6\tB </s>\n"
  "-0.8\tB C\n"
  "\n"
  "\\3-grams:\n"
  "-0.2\t<s> A B\n"
  "-0.3\tA B C\n"
  "\n"
  "\\end\\\n";

/* log10 P(sentence </s> | <s>), by hand from small_arpa. */
static const struct { const char *sentence; double log10p; } scores[] = {
  /* <s> A: bigram -0.4; <s> A B: trigram -0.2; A B C: trigram -0.3;
   * B C </s>: no trigram, B C has no back-off, no bigram C </s>: bo(C) -0.1 + -1.2 */
  { "A B C", -0.4 - 0.2 - 0.3 - 1.3 },
  /* <s> B: bo(<s>) -0.5 + -0.9; <s> B </s>: no trigram, no bigram <s> B: bigram -0.6 */
  { "B", -1.4 - 0.6 },
  /* Z is <unk>: <s> A -0.4; <s> A <unk>: bo(<s> A) -0.25 + bo(A) -0.3 + -2.0;
   * A <unk> </s>: no bigram A <unk>, bo(<unk>) 0, -1.2 */
  { "A Z", -0.4 - 2.55 - 1.2 },
  /* <s> </s>: bo(<s>) -0.5 + -1.2 */
  { "", -1.7 },
};

static W2veeLm *
lm_from_text (const char *text, gsize len, GError **error)
{
  return w2vee_lm_new_from_data ("test.arpa", (const guint8 *) text, len, error);
}

static void
check_scores (const W2veeLm *lm)
{
  guint i;

  g_assert_cmpuint (w2vee_lm_order (lm), ==, 3);
  g_assert_cmpuint (w2vee_lm_vocab_size (lm), ==, 6);
  g_assert_cmpuint (w2vee_lm_count (lm, 2), ==, 4);
  g_assert_cmpuint (w2vee_lm_count (lm, 3), ==, 2);
  g_assert_cmpuint (w2vee_lm_count (lm, 4), ==, 0);
  for (i = 0; i < G_N_ELEMENTS (scores); i++) {
    g_auto (GStrv) words = g_strsplit (scores[i].sentence, " ", -1);

    if (scores[i].sentence[0] == '\0')
      g_clear_pointer (&words[0], g_free);  /* no words */
    g_assert_cmpfloat_with_epsilon (w2vee_lm_score_sentence (lm, (const char *const *) words),
        scores[i].log10p, 1e-5);
  }
}

/* The binary image of small_arpa. */
static GBytes *
small_binary (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeLm) lm = lm_from_text (small_arpa, strlen (small_arpa), &error);

  g_assert_no_error (error);
  return g_bytes_new (lm->owned, lm->owned_size);
}

static void
test_scores (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("w2vee-lm-XXXXXX", NULL);
  g_autofree char *arpa = g_build_filename (dir, "small.arpa", NULL);
  g_autofree char *bin = g_build_filename (dir, "small.w2lm", NULL);
  g_autoptr (W2veeLm) a = NULL, b = NULL;

  g_assert_true (g_file_set_contents (arpa, small_arpa, -1, NULL));
  a = w2vee_lm_load (arpa, &error);
  g_assert_no_error (error);
  check_scores (a);
  g_assert_true (w2vee_lm_convert (arpa, bin, &error));
  g_assert_no_error (error);
  b = w2vee_lm_load (bin, &error);  /* mapped */
  g_assert_no_error (error);
  g_assert_nonnull (b->mapped);
  check_scores (b);
  g_assert_cmpuint (w2vee_lm_word_id (b, "B"), ==, 4);
  g_assert_cmpuint (w2vee_lm_word_id (b, "Z"), ==, W2VEE_LM_NO_WORD);
  g_assert_null (w2vee_lm_load ("/nonexistent/lm.arpa", &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_remove (arpa);
  g_remove (bin);
  g_rmdir (dir);
}

typedef struct {
  const char *name;
  const char *text;
  guint line;           /* expected in the message as "test.arpa:LINE:" */
  const char *reason;   /* substring of the message */
} BadCase;

#define HEAD "\\data\\\nngram 1=2\n\n\\1-grams:\n"
static const BadCase bad_arpa[] = {
  { "empty", "", 0, "no \\data\\" },
  { "no-data", "hello\nworld\n", 2, "no \\data\\" },
  { "no-counts", "\\data\\\n\n\\1-grams:\n", 3, "expected \"ngram N=COUNT\"" },
  { "bad-count", "\\data\\\nngram 1=x\n", 2, "bad count" },
  { "zero-unigrams", "\\data\\\nngram 1=0\n", 2, "bad count" },
  { "order-gap", "\\data\\\nngram 1=2\nngram 3=1\n", 3, "orders 1, 2, ... in turn" },
  { "order-6", "\\data\\\nngram 1=1\nngram 2=1\nngram 3=1\nngram 4=1\nngram 5=1\n"
    "ngram 6=1\n", 7, "orders up to 5" },
  { "fewer-than-count", HEAD "-1 A\n\n\\end\\\n", 6, "has 1 n-grams where \\data\\ says 2" },
  { "more-than-count", HEAD "-1 A\n-1 B\n-1 C\n\\end\\\n", 7, "where \\end\\ was expected" },
  { "nan-prob", HEAD "nan A\n-1 B\n\\end\\\n", 5, "bad probability 'nan'" },
  { "inf-prob", HEAD "-inf A\n-1 B\n\\end\\\n", 5, "bad probability '-inf'" },
  { "inf-backoff", HEAD "-1 A inf\n-1 B\n\\end\\\n", 5, "bad back-off weight 'inf'" },
  { "junk-prob", HEAD "-1x A\n-1 B\n\\end\\\n", 5, "bad probability" },
  { "too-many-fields", HEAD "-1 A -0.5 7\n-1 B\n\\end\\\n", 5, "\"log10-prob 1 words" },
  { "duplicate-unigram", HEAD "-1 A\n-1 A\n\\end\\\n", 6, "duplicate unigram 'A'" },
  { "duplicate-bigram", "\\data\\\nngram 1=2\nngram 2=2\n\n\\1-grams:\n-1 A\n-1 B\n\n"
    "\\2-grams:\n-1 A B\n-2 A B\n\\end\\\n", 11, "duplicate 2-gram (also on line 10)" },
  { "bigram-unknown-word", "\\data\\\nngram 1=2\nngram 2=1\n\n\\1-grams:\n-1 A\n-1 B\n\n"
    "\\2-grams:\n-1 A C\n\\end\\\n", 10, "word 'C' of a 2-gram is not a unigram" },
  { "trigram-no-prefix", "\\data\\\nngram 1=2\nngram 2=1\nngram 3=1\n\n\\1-grams:\n-1 A\n"
    "-1 B\n\n\\2-grams:\n-1 A B\n\n\\3-grams:\n-1 B A B\n\\end\\\n", 14,
    "first 2 word(s) are not an 2-gram" },
  { "wrong-section", HEAD "-1 A\n-1 B\n\n\\2-grams:\n\\end\\\n", 8,
    "a section where \\end\\ was expected" },
  { "no-end", HEAD "-1 A\n-1 B\n", 6, "no \\end\\ line" },
  { "section-missing", "\\data\\\nngram 1=1\nngram 2=1\n\n\\1-grams:\n-1 A\n\n\\end\\\n", 8,
    "expected \\2-grams:" },
  { "nul-byte", HEAD "-1 A\n-1 B\0\n\\end\\\n", 6, "NUL byte" },
};

static void
test_bad_arpa (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr (GError) error = NULL;
  gsize len = strlen (c->text);
  g_autofree char *where = g_strdup_printf ("test.arpa:%u:", c->line);

  if (strcmp (c->name, "nul-byte") == 0)
    len = sizeof (HEAD "-1 A\n-1 B\0\n\\end\\\n") - 1;
  g_assert_null (lm_from_text (c->text, len, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_LM);
  if (!g_str_has_prefix (error->message, where) || strstr (error->message, c->reason) == NULL)
    g_error ("%s: message '%s' lacks '%s' or '%s'", c->name, error->message, where,
        c->reason);
}

/* Every prefix of small_arpa shorter than the whole file less its last newline fails. */
static void
test_truncated_arpa (void)
{
  gsize len = strlen (small_arpa), n;

  for (n = 0; n < len - 1; n++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (W2veeLm) lm = lm_from_text (small_arpa, n, &error);

    if (lm != NULL)
      g_error ("a prefix of %" G_GSIZE_FORMAT " bytes loaded", n);
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_LM);
  }
  for (; n <= len; n++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (W2veeLm) lm = lm_from_text (small_arpa, n, &error);

    g_assert_no_error (error);
    check_scores (lm);
  }
}

static void
test_truncated_binary (void)
{
  g_autoptr (GBytes) img = small_binary ();
  gsize len, n;
  const guint8 *data = g_bytes_get_data (img, &len);

  for (n = 0; n <= len; n++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (W2veeLm) lm = w2vee_lm_new_from_data ("test.w2lm", data, n, &error);

    if (n < len) {
      if (lm != NULL)
        g_error ("a binary LM cut to %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes loaded",
            n, len);
      /* a prefix without the magic is read as (malformed) ARPA text */
      g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_LM);
    } else {
      g_assert_no_error (error);
      check_scores (lm);
    }
  }
}

/* Offsets into the image of small_arpa (lm.c's layout: 6 words). */
#define OFF_ORDER 12
#define OFF_VOCAB 16
#define OFF_UNK 28
#define OFF_COUNT2 40
#define OFF_WORDS 80
#define OFF_STRINGS (80 + 6 * 8)

static void
poke32 (guint8 *p, guint32 v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static void
test_corrupt_binary (void)
{
  g_autoptr (GBytes) img = small_binary ();
  gsize len, strings_bytes, bigrams;
  const guint8 *orig = g_bytes_get_data (img, &len);
  const float nan_value = NAN;
  guint i;

  memcpy (&strings_bytes, orig + 72, 8);
  bigrams = OFF_STRINGS + ((strings_bytes + 3) & ~(gsize) 3) + 6 * 3 * 4;
  for (i = 0; i < 10; i++) {
    g_autofree guint8 *d = g_memdup2 (orig, len);
    g_autoptr (GError) error = NULL;
    const char *reason = NULL;

    switch (i) {
      case 0: poke32 (d + 8, 2); reason = "version"; break;
      case 1: poke32 (d + OFF_ORDER, 9); reason = "order 9"; break;
      case 2: poke32 (d + OFF_VOCAB, 7); reason = "unigrams for"; break;
      case 3: poke32 (d + OFF_COUNT2, 5); reason = "truncated or corrupt"; break;
      case 4: poke32 (d + OFF_WORDS + 4, 100000); reason = "offset out of range"; break;
      case 5: poke32 (d + OFF_UNK, 3); reason = "do not name those words"; break;
      case 6: poke32 (d + bigrams, 77); reason = "word id out of range"; break;
      case 7: /* the first bigram record (<s> A) swapped with the second (A B) */
        memcpy (d + bigrams, orig + bigrams + 16, 16);
        memcpy (d + bigrams + 16, orig + bigrams, 16);
        reason = "not sorted";
        break;
      case 8: memcpy (d + bigrams + 8, &nan_value, 4); reason = "not finite"; break;
      case 9: d[OFF_STRINGS] = 0xff; reason = "not UTF-8"; break;
    }
    g_assert_null (w2vee_lm_new_from_data ("test.w2lm", d, len, &error));
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_LM);
    if (strstr (error->message, reason) == NULL)
      g_error ("corruption %u: '%s' lacks '%s'", i, error->message, reason);
  }
}

/* ------------------------------------------------------------------------- */
/* Lexicon                                                                   */
/* ------------------------------------------------------------------------- */

/* The vocabulary of the default model and the seed (its decoder_utils/vocab.json). */
static const char *vocab[] = {
  "<pad>", "<s>", "</s>", "<unk>", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D",
  "L", "U", "M", "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z",
};
#define V G_N_ELEMENTS (vocab)

/* The seed's decoder_utils/vocab_tokens.txt, as it is. */
static const char seed_tokens[] =
  "<pad>\n<s>\n</s>\n<unk>\n|\nE e\nT t\nA a\nO o\nN n\nI i\nH h\nS s\nR r\nD d\nL l\n"
  "U u\nM m\nW w\nC c\nF f\nG g\nY y\nP p\nB b\nV v\nK k\n'\nX x\nJ j\nQ q\nZ z";

static W2veeModel *
fake_model (void)
{
  return w2vee_test_fake_model (vocab, V);
}

static W2veeLexicon *
lexicon_from_text (const char *text, gsize len, const char *tokens, const W2veeModel *m,
    GError **error)
{
  g_autofree char *copy = g_malloc (len + 1);

  memcpy (copy, text, len);
  copy[len] = '\0';
  return w2vee_lexicon_parse ("lexicon.txt", copy, len, tokens, m, error);
}

/* Follows @spelling (token texts, space-separated) from the root; the word there. */
static const char *
spelled_word (const W2veeLexicon *lex, const W2veeModel *m, const char *spelling)
{
  g_auto (GStrv) toks = g_strsplit (spelling, " ", -1);
  gint32 node = 0, w;
  guint i, k;

  for (i = 0; toks[i] != NULL && node >= 0; i++) {
    for (k = 0; k < V && strcmp (vocab[k], toks[i]) != 0; k++)
      ;
    node = w2vee_lexicon_child (lex, node, k);
  }
  if (node < 0)
    return NULL;
  w = g_array_index (lex->nodes, W2veeTrieNode, node).word;
  return w >= 0 ? lex->words->pdata[w] : NULL;
}

static void
test_lexicon_ok (void)
{
  W2veeModel *m = fake_model ();
  g_autoptr (GError) error = NULL;
  const char text[] = "HELLO\tH E L L O |\r\n\n  world  w o r l d\nhello\th e l o |\n"
      "HALO\tH E L L O\nDON'T\tD O N ' T |\n";
  g_autoptr (W2veeLexicon) lex = lexicon_from_text (text, strlen (text), NULL, m, &error);
  g_autofree char *dir = g_dir_make_tmp ("w2vee-lex-XXXXXX", NULL);
  g_autofree char *tokens = g_build_filename (dir, "vocab_tokens.txt", NULL);
  g_autoptr (W2veeLexicon) seed = NULL;

  g_assert_no_error (error);
  /* HALO shares HELLO's spelling: the first listed keeps it */
  g_assert_cmpuint (w2vee_lexicon_n_words (lex), ==, 5);
  g_assert_cmpstr (spelled_word (lex, m, "H E L L O"), ==, "HELLO");
  g_assert_cmpstr (spelled_word (lex, m, "W O R L D"), ==, "world");
  g_assert_cmpstr (spelled_word (lex, m, "H E L O"), ==, "hello");
  g_assert_cmpstr (spelled_word (lex, m, "D O N ' T"), ==, "DON'T");
  g_assert_null (spelled_word (lex, m, "H E L"));

  /* the seed's tokens file, as it is */
  g_assert_true (g_file_set_contents (tokens, seed_tokens, -1, NULL));
  seed = lexicon_from_text ("hi\th i |\n", 9, tokens, m, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (spelled_word (seed, m, "H I"), ==, "hi");
  g_remove (tokens);
  g_rmdir (dir);
  w2vee_model_unref (m);
}

static const BadCase bad_lexicons[] = {
  { "unknown-token", "A\tA\nÉTÉ\tÉ T É\n", 2, "unknown token 'É'" },
  { "empty-spelling", "A\tA\nB\t|\n", 2, "empty spelling of 'B'" },
  { "no-spelling", "A\tA\nB\n", 2, "empty spelling of 'B'" },
  { "delimiter-inside", "AB\tA | B\n", 1, "'B' after the word delimiter" },
  { "two-delimiters", "AB\tA B | |\n", 1, "after the word delimiter" },
  { "blank", "AB\tA <pad> B\n", 1, "the blank or a special token" },
  { "special", "AB\tA <unk> B\n", 1, "the blank or a special token" },
  { "duplicate", "A\tA\nB\tB\nA\tA |\n", 3, "'A' with this spelling twice" },
  { "not-utf8", "A\tA\n\xff\tA\n", 2, "not UTF-8" },
  { "empty", "\n\n", 0, "no entries" },
};

static void
test_bad_lexicon (gconstpointer data)
{
  const BadCase *c = data;
  W2veeModel *m = fake_model ();
  g_autoptr (GError) error = NULL;
  g_autofree char *where = g_strdup_printf ("lexicon.txt:%u:", c->line);

  g_assert_null (lexicon_from_text (c->text, strlen (c->text), NULL, m, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON);
  if (!g_str_has_prefix (error->message, where) || strstr (error->message, c->reason) == NULL)
    g_error ("%s: message '%s' lacks '%s' or '%s'", c->name, error->message, where,
        c->reason);
  w2vee_model_unref (m);
}

static void
test_bad_tokens_file (void)
{
  W2veeModel *m = fake_model ();
  g_autofree char *dir = g_dir_make_tmp ("w2vee-lex-XXXXXX", NULL);
  g_autofree char *tokens = g_build_filename (dir, "tokens.txt", NULL);
  static const struct { const char *text, *reason; } cases[] = {
    { "<pad>\n<s>\n", "2 tokens, the model has 32" },
    { "<s>\n<pad>\n", "token 0 of the model is '<pad>', not '<s>'" },
    { "<pad> e\n<s>\n</s>\n<unk>\n|\nE e\n", "'e' spells two tokens" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr (GError) error = NULL;

    g_assert_true (g_file_set_contents (tokens, cases[i].text, -1, NULL));
    g_assert_null (lexicon_from_text ("A\tA\n", 4, tokens, m, &error));
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON);
    if (strstr (error->message, cases[i].reason) == NULL)
      g_error ("tokens case %u: '%s' lacks '%s'", i, error->message, cases[i].reason);
  }
  g_remove (tokens);
  g_rmdir (dir);
  w2vee_model_unref (m);
}

static void
test_lexicon_nul (void)
{
  W2veeModel *m = fake_model ();
  g_autoptr (GError) error = NULL;
  const char text[] = "A\tA\nB\tB\0\n";

  g_assert_null (lexicon_from_text (text, sizeof text - 1, NULL, m, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_LEXICON);
  g_assert_true (g_str_has_prefix (error->message, "lexicon.txt:2: NUL byte"));
  w2vee_model_unref (m);
}

/* The LM's words spelled letter by letter; unspellable ones left out. */
static void
test_lexicon_from_lm (void)
{
  W2veeModel *m = fake_model ();
  g_autoptr (GError) error = NULL;
  const char arpa[] = "\\data\\\nngram 1=7\n\n\\1-grams:\n-1 <s>\n-1 </s>\n-1 <unk>\n"
      "-1 HELLO\n-1 world\n-1 ÉTÉ\n-1 A|B\n\\end\\\n";
  g_autoptr (W2veeLm) lm = lm_from_text (arpa, strlen (arpa), &error);
  g_autoptr (W2veeLexicon) lex = NULL;

  g_assert_no_error (error);
  lex = w2vee_lexicon_new_from_lm (lm, m, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w2vee_lexicon_n_words (lex), ==, 2);
  g_assert_cmpstr (spelled_word (lex, m, "H E L L O"), ==, "HELLO");
  g_assert_cmpstr (spelled_word (lex, m, "W O R L D"), ==, "world");
  w2vee_model_unref (m);
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/decoder/lm/scores", test_scores);
  for (i = 0; i < G_N_ELEMENTS (bad_arpa); i++) {
    g_autofree char *path = g_strdup_printf ("/decoder/lm/bad-arpa/%s", bad_arpa[i].name);
    g_test_add_data_func (path, &bad_arpa[i], test_bad_arpa);
  }
  g_test_add_func ("/decoder/lm/truncated-arpa", test_truncated_arpa);
  g_test_add_func ("/decoder/lm/truncated-binary", test_truncated_binary);
  g_test_add_func ("/decoder/lm/corrupt-binary", test_corrupt_binary);
  g_test_add_func ("/decoder/lexicon/ok", test_lexicon_ok);
  for (i = 0; i < G_N_ELEMENTS (bad_lexicons); i++) {
    g_autofree char *path = g_strdup_printf ("/decoder/lexicon/bad/%s", bad_lexicons[i].name);
    g_test_add_data_func (path, &bad_lexicons[i], test_bad_lexicon);
  }
  g_test_add_func ("/decoder/lexicon/bad-tokens-file", test_bad_tokens_file);
  g_test_add_func ("/decoder/lexicon/nul", test_lexicon_nul);
  g_test_add_func ("/decoder/lexicon/from-lm", test_lexicon_from_lm);
  return g_test_run ();
}
