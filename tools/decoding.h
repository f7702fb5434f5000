/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The decoder options of transcribe and eval (--lm, --lexicon, --beam-size, ...):
 * without --lm and --lexicon the subcommands decode by CTC greedy, as always. */
#ifndef W2VEE_TOOL_DECODING_H
#define W2VEE_TOOL_DECODING_H

#include <glib.h>

#include "w2vee/w2vee.h"

G_BEGIN_DECLS

typedef struct {
  char *lm;               /* --lm PATH|default, or NULL */
  char *lexicon;          /* --lexicon, or NULL */
  char *tokens;           /* --tokens, or NULL */
  gint beam_size;         /* --beam-size; -1 when not given */
  gint beam_size_token;   /* --beam-size-token; -1 when not given */
  double beam_threshold;  /* --beam-threshold; NAN when not given */
  double lm_weight;       /* --lm-weight; NAN when not given */
  double word_score;      /* --word-score; NAN when not given */
  char *unk_score;        /* --unk-score NUMBER|-inf, or NULL */
} W2veeToolDecodeOptions;

/* Sets "not given" values and adds the options to @context's main group. */
void w2vee_tool_decode_options_add (GOptionContext *context, W2veeToolDecodeOptions *opts);
void w2vee_tool_decode_options_clear (W2veeToolDecodeOptions *opts);

/* Checks the option values; returns W2VEE_EXIT_USAGE after the message, or -1. */
int w2vee_tool_decode_options_check (const char *command, W2veeToolDecodeOptions *opts);

/**
 * w2vee_tool_decoder_new:
 * @decoder: (out): the beam-search decoder, or NULL for greedy (no --lm, no --lexicon).
 * Loads the LM and the lexicon (with -v, prints what and how long to stderr).
 * Returns: FALSE after printing "w2vee COMMAND: ..." (a runtime error).
 */
gboolean w2vee_tool_decoder_new (const char *command, W2veeModel *model,
    const W2veeToolDecodeOptions *opts, gboolean verbose, W2veeDecoder **decoder);

/* The decoder parameters @opts ask for: the defaults, changed by the options given. */
void w2vee_tool_decoder_params (const W2veeToolDecodeOptions *opts, W2veeDecoderParams *p);

/* The LM file of --lm (which must be given): the path, or for 'default' the default
 * LM's. NULL with @error when there is no default LM. */
char *w2vee_tool_lm_path (const W2veeToolDecodeOptions *opts, GError **error);

/* Decodes one exit's logits with @decoder, or greedy when it is NULL. NULL only on a
 * decoder error. */
W2veeTranscript *w2vee_tool_decode (W2veeDecoder *decoder, W2veeModel *model,
    const float *logits, gsize n_frames, GError **error);

/* The --help text's paragraph on the decoder options. */
#define W2VEE_TOOL_DECODE_HELP \
  "Decoding: CTC greedy by default; --lm (and/or --lexicon) decodes by beam search\n" \
  "with that LM and lexicon ('--lm default': the default English LM). docs/decoder.md.\n"

G_END_DECLS

#endif /* W2VEE_TOOL_DECODING_H */
