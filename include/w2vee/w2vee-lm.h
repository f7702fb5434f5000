/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libw2vee — CTC prefix beam search with a lexicon and a word n-gram language model.
 *
 * Three objects:
 *
 *   W2veeLm        a word n-gram LM (orders 1..5, back-off), loaded from an ARPA text
 *                  file or from this library's binary form (w2vee_lm_convert(); mapped,
 *                  not copied). Read-only and reference counted: share one between any
 *                  number of decoders and threads.
 *   W2veeLexicon   the words a decoder may output and how each is spelled in one model's
 *                  tokens (flashlight's lexicon format, or the LM's vocabulary spelled
 *                  letter by letter). Read-only and reference counted, like W2veeLm.
 *   W2veeDecoder   the workspace of one decoding stream, for one model. Used by one thread
 *                  at a time, like a W2veeSession. Its scratch buffers grow to the longest
 *                  input decoded and are reused by every later decode.
 *
 * docs/decoder.md has the search, the scoring, the file formats and measurements.
 *
 * Shapes legend: T = frames, V = vocabulary size. Logits are (T, V) row-major.
 */
#ifndef W2VEE_LM_H
#define W2VEE_LM_H

#include "w2vee/w2vee.h"

#include "w2vee/w2vee-export.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------- */
/* Word n-gram language model                                                */
/* ------------------------------------------------------------------------- */

typedef struct _W2veeLm W2veeLm;

/** Highest n-gram order w2vee_lm_load() accepts. */
#define W2VEE_LM_MAX_ORDER 5

/**
 * w2vee_lm_load:
 * @path: an ARPA file (text) or a binary LM written by w2vee_lm_convert() (told apart by
 *   the binary form's 8-byte magic "W2VEELM\0").
 *
 * ARPA: orders 1..5 with back-off weights; `<s>`, `</s>` and `<unk>` as usual (a model
 * without `<unk>` gives unknown words log10 probability -100). Strict: a malformed file
 * fails with W2VEE_ERROR_LM and a message naming FILE:LINE and the reason (bad \data\
 * counts, a count that disagrees with its section, NaN or infinite numbers, a duplicate
 * n-gram, an n-gram whose (n-1)-word prefix or whose words are not in the model, a
 * missing \end\). A binary file is checked as strictly before use (sizes, word ids,
 * sort order, finite numbers, UTF-8 words).
 *
 * Returns: (transfer full): the model, or NULL and @error.
 */
W2VEE_API W2veeLm *w2vee_lm_load (const char *path, GError **error);
W2VEE_API W2veeLm *w2vee_lm_ref (W2veeLm *lm);
W2VEE_API void w2vee_lm_unref (W2veeLm *lm);

/**
 * w2vee_lm_convert:
 * Reads the ARPA (or binary) LM @arpa_path and writes its binary form to @bin_path
 * (atomically: a temporary file, then a rename). docs/decoder.md describes the format.
 */
W2VEE_API gboolean w2vee_lm_convert (const char *arpa_path, const char *bin_path,
    GError **error);

/** The LM's order N (1..5). */
W2VEE_API guint w2vee_lm_order (const W2veeLm *lm);
/** Number of words (unigrams, `<s>`, `</s>` and `<unk>` included). */
W2VEE_API guint w2vee_lm_vocab_size (const W2veeLm *lm);
/** Number of n-grams of order @n (1..N); 0 outside. */
W2VEE_API guint64 w2vee_lm_count (const W2veeLm *lm, guint n);

/**
 * w2vee_lm_score_sentence:
 * @words: (array zero-terminated=1): the words of one sentence, without `<s>` and `</s>`.
 *
 * Returns: log10 P(words, </s> | <s>) under the model, with back-off; words not in the
 * model count as `<unk>`. For tests and tools.
 */
W2VEE_API double w2vee_lm_score_sentence (const W2veeLm *lm, const char *const *words);

/**
 * w2vee_default_lm_path:
 * @binary: (nullable): the calling program's executable or plugin file.
 *
 * Returns: (transfer full): $W2VEE_LM when set and not empty; else the installed
 * DATADIR/w2vee/lm/default.w2lm if it exists; else NULL and @error
 * (W2VEE_ERROR_NOT_FOUND) naming where it looked. @binary is not used (kept for
 * symmetry with w2vee_default_model_path()); from a build tree `meson devenv` sets
 * W2VEE_LM to the source tree's models/lm/default.w2lm.
 */
W2VEE_API char *w2vee_default_lm_path (const char *binary, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeLm, w2vee_lm_unref)

/* ------------------------------------------------------------------------- */
/* Lexicon                                                                   */
/* ------------------------------------------------------------------------- */

typedef struct _W2veeLexicon W2veeLexicon;

/**
 * w2vee_lexicon_load:
 * @path: a lexicon in flashlight's format: one entry per line,
 *   `WORD<TAB or spaces>T1 T2 ... Tk [|]`, the tokens separated by spaces, a trailing `|`
 *   (the word delimiter) optional. Blank lines are skipped.
 * @tokens_path: (nullable): a tokens file in the seed's decoder_utils format: line k
 *   lists the spellings of the model's token k, separated by spaces, the first being the
 *   token as in the model's vocabulary (e.g. `E e`). Without it a lexicon token is
 *   matched to the model's vocabulary exactly, else ASCII case-insensitively when that
 *   names one token.
 * @model: the model whose tokens the spellings use.
 *
 * Strict: an unknown token, an empty spelling, a `|` inside a spelling, the blank or
 * another special token (`<...>`) in a spelling, a line that is not UTF-8, or the same
 * word with the same spelling twice fail with W2VEE_ERROR_LEXICON and FILE:LINE. A word
 * may have several spellings. Two words with one spelling: the first listed is kept.
 *
 * Returns: (transfer full): the lexicon, or NULL and @error.
 */
W2VEE_API W2veeLexicon *w2vee_lexicon_load (const char *path, const char *tokens_path,
    const W2veeModel *model, GError **error);

/**
 * w2vee_lexicon_new_from_lm:
 * The lexicon of every word of @lm (not `<s>`, `</s>`, `<unk>`) spelled character by
 * character in @model's one-character tokens (ASCII case-insensitively when the exact
 * character is not a token); words with a character no token spells are left out.
 * Fails (W2VEE_ERROR_LEXICON) when no word is left.
 */
W2VEE_API W2veeLexicon *w2vee_lexicon_new_from_lm (const W2veeLm *lm,
    const W2veeModel *model, GError **error);
W2VEE_API W2veeLexicon *w2vee_lexicon_ref (W2veeLexicon *lexicon);
W2VEE_API void w2vee_lexicon_unref (W2veeLexicon *lexicon);
/** Number of distinct words. */
W2VEE_API guint w2vee_lexicon_n_words (const W2veeLexicon *lexicon);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeLexicon, w2vee_lexicon_unref)

/* ------------------------------------------------------------------------- */
/* Beam-search decoder                                                       */
/* ------------------------------------------------------------------------- */

typedef struct _W2veeDecoder W2veeDecoder;

/**
 * W2veeDecoderParams:
 * Scores are natural logarithms. A hypothesis' score is its CTC log probability (summed
 * over all alignments of its token sequence) + lm_weight · ln(10) · log10 P_LM(words,
 * </s>) + word_score · (number of words) + unk_score · (words not in the lexicon).
 */
typedef struct {
  guint beam_size;        /* hypotheses kept per frame; default 100 */
  guint beam_size_token;  /* tokens tried per frame and hypothesis, the likeliest first;
                           * 0 = all; default 6 */
  double beam_threshold;  /* hypotheses scoring more than this below the best are
                           * dropped; default 25 */
  double lm_weight;       /* default 0.75 (ignored without an LM) */
  double word_score;      /* added per word; default 1.0 */
  double unk_score;       /* added per word outside the lexicon; -INFINITY (the default)
                           * forbids them. Without a lexicon every word is allowed and
                           * this is not used. */
} W2veeDecoderParams;

/** The defaults above: tuned on the default model's dev split (docs/decoder.md). */
W2VEE_API W2veeDecoderParams w2vee_decoder_default_params (void);

/**
 * w2vee_decoder_new:
 * @lm: (nullable): the LM; the decoder holds a reference.
 * @lexicon: (nullable): the lexicon (for @model's tokens). NULL with an @lm: the LM's
 *   words (w2vee_lexicon_new_from_lm()). NULL without an LM: any spelling is a word.
 * @params: (nullable): NULL for w2vee_decoder_default_params().
 *
 * Lexicon words that are not in the LM are scored as `<unk>`. Fails with
 * W2VEE_ERROR_INVALID_ARGUMENT for a bad parameter (beam_size 0, NaN, ...), with
 * W2VEE_ERROR_LEXICON when @model has no word delimiter `|`.
 */
W2VEE_API W2veeDecoder *w2vee_decoder_new (const W2veeModel *model, W2veeLm *lm,
    W2veeLexicon *lexicon, const W2veeDecoderParams *params, GError **error);
W2VEE_API void w2vee_decoder_free (W2veeDecoder *decoder);
/** "beam" or "beam+lm": the value of W2veeTranscript.decoder the decoder sets. */
W2VEE_API const char *w2vee_decoder_name (const W2veeDecoder *decoder);

/**
 * w2vee_decoder_decode:
 * @logits: (n_frames, V) of one exit, as w2vee_session_logits() returns them.
 *
 * CTC prefix beam search (docs/decoder.md). Blank and repeat rules are those of
 * w2vee_ctc_greedy(): the blank and the other special tokens emit nothing and separate
 * repeats; `|` ends a word. The transcript has the same fields as greedy's: each word's
 * first and last frame come from the best alignment of the chosen token sequence, its
 * confidence is the mean max-posterior over those frames; @decoder says which decoder
 * made it. Fails (W2VEE_ERROR_INVALID_ARGUMENT) only on non-finite logits.
 *
 * Returns: (transfer full): the transcript, or NULL and @error.
 */
W2VEE_API W2veeTranscript *w2vee_decoder_decode (W2veeDecoder *decoder,
    const float *logits, gsize n_frames, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeDecoder, w2vee_decoder_free)

G_END_DECLS

#endif /* W2VEE_LM_H */
