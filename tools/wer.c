/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Scoring of `w2vee eval` and the seed's report layout (see wer.h). */
#include "wer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REPR_MAX_DIGITS 17  /* significant digits that always round-trip a double */

gsize
w2vee_edit_distance (const guint32 *a, gsize n_a, const guint32 *b, gsize n_b)
{
  g_autofree gsize *row = g_new (gsize, n_b + 1);  /* (n_b + 1) distances of a[:i] to b[:j] */
  gsize i, j;

  for (j = 0; j <= n_b; j++)
    row[j] = j;
  for (i = 1; i <= n_a; i++) {
    gsize diag = row[0];  /* distance of a[:i-1] to b[:j-1] */

    row[0] = i;
    for (j = 1; j <= n_b; j++) {
      gsize up = row[j];  /* a[:i-1] to b[:j] */
      gsize best = diag + (a[i - 1] != b[j - 1]);

      best = MIN (best, up + 1);          /* delete a[i-1] */
      best = MIN (best, row[j - 1] + 1);  /* insert b[j-1] */
      diag = up;
      row[j] = best;
    }
  }
  return row[n_b];
}

char *
w2vee_score_normalize (const char *text)
{
  g_autofree char *lower = g_utf8_strdown (text, -1);
  GString *out = g_string_sized_new (strlen (lower));
  const char *p = lower;

  /* ASCII whitespace bytes never occur inside a multi-byte UTF-8 sequence */
  while (*p != '\0') {
    const char *start;

    while (g_ascii_isspace (*p))
      p++;
    if (*p == '\0')
      break;
    start = p;
    while (*p != '\0' && !g_ascii_isspace (*p))
      p++;
    if (out->len > 0)
      g_string_append_c (out, ' ');
    g_string_append_len (out, start, p - start);
  }
  return g_string_free (out, FALSE);
}

/* The words of normalised @text as symbols: equal words get equal ids from @ids
 * (word -> id, shared by the two texts compared). Returns (n_words) ids. */
static guint32 *
word_ids (const char *text, GHashTable *ids, gsize *n_words)
{
  g_auto (GStrv) words = text[0] != '\0' ? g_strsplit (text, " ", -1) : g_new0 (char *, 1);
  gsize i, n = g_strv_length (words);
  guint32 *out = g_new (guint32, MAX (n, 1));

  for (i = 0; i < n; i++) {
    gpointer id;

    if (!g_hash_table_lookup_extended (ids, words[i], NULL, &id)) {
      id = GUINT_TO_POINTER (g_hash_table_size (ids));
      g_hash_table_insert (ids, g_strdup (words[i]), id);
    }
    out[i] = GPOINTER_TO_UINT (id);
  }
  *n_words = n;
  return out;
}

void
w2vee_error_counts_merge (W2veeErrorCounts *counts, const W2veeErrorCounts *more)
{
  counts->word_errors += more->word_errors;
  counts->ref_words += more->ref_words;
  counts->char_errors += more->char_errors;
  counts->ref_chars += more->ref_chars;
}

void
w2vee_error_counts_add (W2veeErrorCounts *counts, const char *reference,
    const char *hypothesis)
{
  g_autofree char *ref = w2vee_score_normalize (reference);
  g_autofree char *hyp = w2vee_score_normalize (hypothesis);
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  g_autofree guint32 *ref_words = NULL, *hyp_words = NULL;  /* (words) word ids */
  g_autofree gunichar *ref_chars = NULL, *hyp_chars = NULL; /* (chars) code points */
  gsize n_ref_words, n_hyp_words;
  glong n_ref_chars, n_hyp_chars;

  ref_words = word_ids (ref, ids, &n_ref_words);
  hyp_words = word_ids (hyp, ids, &n_hyp_words);
  counts->word_errors += w2vee_edit_distance (ref_words, n_ref_words, hyp_words,
      n_hyp_words);
  counts->ref_words += n_ref_words;

  ref_chars = g_utf8_to_ucs4_fast (ref, -1, &n_ref_chars);
  hyp_chars = g_utf8_to_ucs4_fast (hyp, -1, &n_hyp_chars);
  counts->char_errors += w2vee_edit_distance (ref_chars, n_ref_chars, hyp_chars,
      n_hyp_chars);
  counts->ref_chars += n_ref_chars;
}

double
w2vee_error_counts_wer (const W2veeErrorCounts *counts)
{
  return counts->ref_words > 0 ? (double) counts->word_errors / counts->ref_words : NAN;
}

double
w2vee_error_counts_cer (const W2veeErrorCounts *counts)
{
  return counts->ref_chars > 0 ? (double) counts->char_errors / counts->ref_chars : NAN;
}

void
w2vee_append_float_repr (GString *out, double x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char digits[REPR_MAX_DIGITS + 1];
  const char *p;
  gsize n_digits = 0;
  int prec, exp10;

  if (isnan (x)) {
    g_string_append (out, "nan");
    return;
  }
  if (isinf (x)) {
    g_string_append (out, x < 0 ? "-inf" : "inf");
    return;
  }
  if (x == 0.0) {
    g_string_append (out, signbit (x) ? "-0.0" : "0.0");
    return;
  }

  /* the fewest significant digits that read back as x: "[-]d.ddde[+-]XX" */
  for (prec = 1; prec <= REPR_MAX_DIGITS; prec++) {
    char format[16];

    g_snprintf (format, sizeof format, "%%.%de", prec - 1);
    g_ascii_formatd (buf, sizeof buf, format, x);
    if (g_ascii_strtod (buf, NULL) == x)
      break;
  }
  p = buf;
  if (*p == '-') {
    g_string_append_c (out, '-');
    p++;
  }
  for (; *p != 'e'; p++) {
    if (g_ascii_isdigit (*p))
      digits[n_digits++] = *p;
  }
  exp10 = atoi (p + 1);
  while (n_digits > 1 && digits[n_digits - 1] == '0')
    n_digits--;
  digits[n_digits] = '\0';

  if (exp10 < -4 || exp10 >= 16) {
    /* d[.ddd]e[+-]XX, at least two exponent digits */
    g_string_append_c (out, digits[0]);
    if (n_digits > 1)
      g_string_append_printf (out, ".%s", digits + 1);
    g_string_append_printf (out, "e%c%02d", exp10 < 0 ? '-' : '+', abs (exp10));
  } else if (exp10 < 0) {
    /* 0.000ddd: -exp10 - 1 zeros after the point */
    int i;

    g_string_append (out, "0.");
    for (i = exp10 + 1; i < 0; i++)
      g_string_append_c (out, '0');
    g_string_append (out, digits);
  } else {
    /* ddd[000].ddd, or ddd.0 */
    gsize int_digits = (gsize) exp10 + 1, i;

    for (i = 0; i < int_digits; i++)
      g_string_append_c (out, i < n_digits ? digits[i] : '0');
    g_string_append_c (out, '.');
    g_string_append (out, n_digits > int_digits ? digits + int_digits : "0");
  }
}

void
w2vee_report_append_split (GString *out, const char *split, guint n_exits,
    const guint *layers, const double *wer)
{
  guint i;

  g_string_append_printf (out, "split: %s\n", split);
  for (i = 0; i < n_exits; i++) {
    g_string_append_printf (out, "layer_%u WER: ", layers[i]);
    w2vee_append_float_repr (out, wer[i]);
    g_string_append_c (out, '\n');
  }
  g_string_append_c (out, '\n');
}

void
w2vee_report_append_item (GString *out, const char *file, const char *reference,
    guint n_exits, const guint *layers, const char *const *hypotheses)
{
  guint i;

  g_string_append_printf (out, "file: %s\nexpected: %s\n", file, reference);
  for (i = 0; i < n_exits; i++)
    g_string_append_printf (out, "\tlayer_%u: %s\n", layers[i], hypotheses[i]);
  g_string_append_c (out, '\n');
}
