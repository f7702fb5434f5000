/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The decoder options of transcribe and eval (see decoding.h, docs/cli.md). */
#include "decoding.h"

#include <math.h>
#include <stdio.h>

#include "common.h"

void
w2vee_tool_decode_options_add (GOptionContext *context, W2veeToolDecodeOptions *o)
{
  const GOptionEntry entries[] = {
    { "lm", 0, 0, G_OPTION_ARG_FILENAME, &o->lm,
      "Beam search with this word n-gram LM (ARPA or binary), or 'default' for the "
      "default English LM ($W2VEE_LM, else the one installed)", "PATH|default" },
    { "lexicon", 0, 0, G_OPTION_ARG_FILENAME, &o->lexicon,
      "Beam search restricted to the words of this lexicon (\"word<TAB>s p e l l |\" "
      "lines); default with --lm: the LM's words spelled letter by letter", "PATH" },
    { "tokens", 0, 0, G_OPTION_ARG_FILENAME, &o->tokens,
      "Tokens file of the lexicon (line k: spellings of the model's token k)", "PATH" },
    { "beam-size", 0, 0, G_OPTION_ARG_INT, &o->beam_size,
      "Hypotheses kept per frame (default 100)", "N" },
    { "beam-size-token", 0, 0, G_OPTION_ARG_INT, &o->beam_size_token,
      "Tokens tried per frame, the likeliest first (default 6; 0: all)", "N" },
    { "beam-threshold", 0, 0, G_OPTION_ARG_DOUBLE, &o->beam_threshold,
      "Drop hypotheses scoring more than this below the best (default 25)", "X" },
    { "lm-weight", 0, 0, G_OPTION_ARG_DOUBLE, &o->lm_weight,
      "Weight of the LM's log probability (default 0.75)", "A" },
    { "word-score", 0, 0, G_OPTION_ARG_DOUBLE, &o->word_score,
      "Score added per word (default 1.0)", "B" },
    { "unk-score", 0, 0, G_OPTION_ARG_STRING, &o->unk_score,
      "Score added per word outside the lexicon, or -inf (the default) to forbid them",
      "X|-inf" },
    { NULL },
  };

  o->beam_size = o->beam_size_token = -1;
  o->beam_threshold = o->lm_weight = o->word_score = NAN;
  g_option_context_add_main_entries (context, entries, NULL);
}

void
w2vee_tool_decode_options_clear (W2veeToolDecodeOptions *o)
{
  g_free (o->lm);
  g_free (o->lexicon);
  g_free (o->tokens);
  g_free (o->unk_score);
}

static gboolean
parse_unk (const char *s, double *out)
{
  char *end;

  if (g_strcmp0 (s, "-inf") == 0) {
    *out = -INFINITY;
    return TRUE;
  }
  *out = g_ascii_strtod (s, &end);
  return end != s && *end == '\0' && isfinite (*out);
}

int
w2vee_tool_decode_options_check (const char *command, W2veeToolDecodeOptions *o)
{
  gboolean beam = o->lm != NULL || o->lexicon != NULL;
  double unk;

  if (!beam && (o->beam_size != -1 || o->beam_size_token != -1 || o->tokens != NULL
          || !isnan (o->beam_threshold) || !isnan (o->lm_weight) || !isnan (o->word_score)
          || o->unk_score != NULL))
    return w2vee_tool_usage_error (command, "the beam-search options take effect with "
        "--lm or --lexicon");
  if (o->beam_size != -1 && o->beam_size < 1)
    return w2vee_tool_usage_error (command, "--beam-size takes a number >= 1");
  if (o->beam_size_token < -1)
    return w2vee_tool_usage_error (command, "--beam-size-token takes a number >= 0");
  if (!isnan (o->beam_threshold) && !(o->beam_threshold > 0))
    return w2vee_tool_usage_error (command, "--beam-threshold takes a number > 0");
  if ((!isnan (o->lm_weight) && !isfinite (o->lm_weight))
      || (!isnan (o->word_score) && !isfinite (o->word_score)))
    return w2vee_tool_usage_error (command, "--lm-weight and --word-score take numbers");
  if (o->unk_score != NULL && !parse_unk (o->unk_score, &unk))
    return w2vee_tool_usage_error (command, "--unk-score takes a number or -inf, not '%s'",
        o->unk_score);
  if (o->tokens != NULL && o->lexicon == NULL)
    return w2vee_tool_usage_error (command, "--tokens goes with --lexicon");
  return -1;
}

void
w2vee_tool_decoder_params (const W2veeToolDecodeOptions *o, W2veeDecoderParams *p)
{
  *p = w2vee_decoder_default_params ();
  if (o->beam_size > 0)
    p->beam_size = o->beam_size;
  if (o->beam_size_token >= 0)
    p->beam_size_token = o->beam_size_token;
  if (!isnan (o->beam_threshold))
    p->beam_threshold = o->beam_threshold;
  if (!isnan (o->lm_weight))
    p->lm_weight = o->lm_weight;
  if (!isnan (o->word_score))
    p->word_score = o->word_score;
  if (o->unk_score != NULL)
    parse_unk (o->unk_score, &p->unk_score);
}

char *
w2vee_tool_lm_path (const W2veeToolDecodeOptions *o, GError **error)
{
  g_autofree char *exe = NULL;

  g_return_val_if_fail (o->lm != NULL, NULL);
  if (g_strcmp0 (o->lm, "default") != 0)
    return g_strdup (o->lm);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  return w2vee_default_lm_path (exe, error);
}

gboolean
w2vee_tool_decoder_new (const char *command, W2veeModel *model,
    const W2veeToolDecodeOptions *o, gboolean verbose, W2veeDecoder **decoder)
{
  W2veeDecoderParams p;
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeLm) lm = NULL;
  g_autoptr (W2veeLexicon) lex = NULL;
  g_autofree char *lm_path = NULL;
  double t0;

  *decoder = NULL;
  if (o->lm == NULL && o->lexicon == NULL)
    return TRUE;
  w2vee_tool_decoder_params (o, &p);

  if (o->lm != NULL) {
    lm_path = w2vee_tool_lm_path (o, &error);
    if (lm_path == NULL)
      goto failed;
    t0 = w2vee_tool_now_ms ();
    lm = w2vee_lm_load (lm_path, &error);
    if (lm == NULL)
      goto failed;
    if (verbose)
      fprintf (stderr, "w2vee %s: LM %s: order %u, %u words, loaded in %.1f ms\n", command,
          lm_path, w2vee_lm_order (lm), w2vee_lm_vocab_size (lm), w2vee_tool_now_ms () - t0);
  }
  if (o->lexicon != NULL) {
    lex = w2vee_lexicon_load (o->lexicon, o->tokens, model, &error);
    if (lex == NULL)
      goto failed;
  }
  *decoder = w2vee_decoder_new (model, lm, lex, &p, &error);
  if (*decoder == NULL)
    goto failed;
  if (verbose)
    fprintf (stderr, "w2vee %s: decoder %s: beam %u, beam threshold %g, lm weight %g, "
        "word score %g, unk score %g\n", command, w2vee_decoder_name (*decoder),
        p.beam_size, p.beam_threshold, p.lm_weight, p.word_score, p.unk_score);
  return TRUE;

failed:
  fprintf (stderr, "w2vee %s: %s\n", command, error->message);
  return FALSE;
}

W2veeTranscript *
w2vee_tool_decode (W2veeDecoder *decoder, W2veeModel *model, const float *logits,
    gsize n_frames, GError **error)
{
  if (decoder == NULL)
    return w2vee_ctc_greedy (model, logits, n_frames);
  return w2vee_decoder_decode (decoder, logits, n_frames, error);
}
