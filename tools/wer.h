/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Scoring of `w2vee eval` (docs/cli.md): word and character error rates with the
 * semantics of jiwer (the seed's HF `evaluate` "wer"), and the seed's report layout.
 *
 * Text is scored after w2vee_score_normalize(): lower-cased (Unicode), split into words
 * at runs of ASCII whitespace, words joined by single spaces. Then
 *   WER = (S + D + I) / (S + D + C) over words,
 *   CER = the same over the characters (Unicode code points) of the normalised text,
 *         spaces between words counted as characters,
 * summed over all items of a split before dividing (corpus level, not a mean of
 * per-item rates). S + D + I is the Levenshtein distance, S + D + C the reference length.
 */
#ifndef W2VEE_TOOL_WER_H
#define W2VEE_TOOL_WER_H

#include <glib.h>

G_BEGIN_DECLS

/* Error and reference counts of one exit, summed over items. */
typedef struct {
  guint64 word_errors;   /* S + D + I, words */
  guint64 ref_words;     /* S + D + C, words */
  guint64 char_errors;   /* S + D + I, characters */
  guint64 ref_chars;     /* S + D + C, characters (spaces included) */
} W2veeErrorCounts;

/**
 * w2vee_edit_distance:
 * @a: (n_a) symbols.
 * @b: (n_b) symbols.
 *
 * Returns: the Levenshtein distance (substitutions, deletions and insertions cost 1).
 * Time O(n_a · n_b), memory O(n_b).
 */
gsize w2vee_edit_distance (const guint32 *a, gsize n_a, const guint32 *b, gsize n_b);

/* Returns: (transfer full): @text lower-cased, its words joined by single spaces. */
char *w2vee_score_normalize (const char *text);

/* Adds one item to @counts: @reference and @hypothesis are UTF-8 text, normalised here. */
void w2vee_error_counts_add (W2veeErrorCounts *counts, const char *reference,
    const char *hypothesis);

/* Adds the counts of @more to @counts. */
void w2vee_error_counts_merge (W2veeErrorCounts *counts, const W2veeErrorCounts *more);

/* word_errors / ref_words (NaN when ref_words is 0). */
double w2vee_error_counts_wer (const W2veeErrorCounts *counts);
/* char_errors / ref_chars (NaN when ref_chars is 0). */
double w2vee_error_counts_cer (const W2veeErrorCounts *counts);

/* Appends @x as Python's repr() writes a float: the shortest decimal that reads back as
 * @x, fixed notation for exponents -4..15 (always with a '.': "1.0", "0.0"), else
 * d.ddde±XX ("1e-05", "1.5e+16"); "inf", "-inf", "nan". */
void w2vee_append_float_repr (GString *out, double x);

/* Appends the seed's wer_results.txt block of one split:
 *   "split: NAME\n", then "layer_L WER: x\n" per exit (x by w2vee_append_float_repr),
 *   then "\n".
 * @layers, @wer: (n_exits) shallowest first. */
void w2vee_report_append_split (GString *out, const char *split, guint n_exits,
    const guint *layers, const double *wer);

/* Appends the seed's NAME_results.txt block of one item:
 *   "file: FILE\n", "expected: REFERENCE\n", then "\tlayer_L: HYPOTHESIS\n" per exit,
 *   then "\n".
 * @reference and @hypotheses are written as given (the caller normalises them).
 * @layers, @hypotheses: (n_exits) shallowest first. */
void w2vee_report_append_item (GString *out, const char *file, const char *reference,
    guint n_exits, const guint *layers, const char *const *hypotheses);

G_END_DECLS

#endif /* W2VEE_TOOL_WER_H */
