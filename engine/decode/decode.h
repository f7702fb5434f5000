/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Internal: what the greedy decoder (ctc.c) and the beam-search decoder (decode/) share,
 * and the LM and lexicon internals the beam search reads. Nothing here is public API.
 *
 * Shapes legend: T = frames, V = vocabulary size.
 */
#ifndef W2VEE_DECODE_H
#define W2VEE_DECODE_H

#include "model.h"

G_BEGIN_DECLS

/* ctc.c: the max posterior of one row of logits (softmax max), 0..1. */
float w2vee_ctc_max_posterior (const float *row, gsize V);
/* ctc.c: a word with its samples and confidence (mean of @post (T) over first..last);
 * takes @text. */
W2veeWord w2vee_ctc_word (const W2veeModel *m, char *text, gsize first, gsize last,
    const float *post);
/* ctc.c: the transcript of @words (W2veeWord, taken), its text and confidence from
 * @post (T); @decoder is a static string. */
W2veeTranscript *w2vee_ctc_transcript_new (GArray *words, const float *post, gsize T,
    const char *decoder);

/* lm.c ------------------------------------------------------------------- */

#define W2VEE_LM_NO_WORD G_MAXUINT32
/* log10 probability of a word when the LM has no <unk> */
#define W2VEE_LM_UNK_LOG10 (-100.0f)

/* Word id of @word, or W2VEE_LM_NO_WORD. */
guint32 w2vee_lm_word_id (const W2veeLm *lm, const char *word);
/* Text of word @id. */
const char *w2vee_lm_word (const W2veeLm *lm, guint32 id);
/* Ids of <s>, </s>, <unk> (W2VEE_LM_NO_WORD where absent). */
guint32 w2vee_lm_bos (const W2veeLm *lm);
guint32 w2vee_lm_eos (const W2veeLm *lm);
guint32 w2vee_lm_unk (const W2veeLm *lm);
/* log10 P(@word | @ctx) with back-off. @ctx (n_ctx) holds the preceding words, the most
 * recent last; @word W2VEE_LM_NO_WORD means <unk>. Writes the context after @word
 * (at most N-1 words) to @out_ctx and its length to @n_out (out_ctx may be ctx). */
float w2vee_lm_score (const W2veeLm *lm, const guint32 *ctx, guint n_ctx, guint32 word,
    guint32 *out_ctx, guint *n_out);

/* lexicon.c -------------------------------------------------------------- */

/* The spelling trie: node 0 is the root (no token yet). */
typedef struct {
  guint32 first_edge;   /* edges[first_edge .. first_edge + n_edges) */
  guint32 n_edges;
  gint32 word;          /* word spelled by the path to this node, or -1 */
} W2veeTrieNode;

typedef struct {
  guint32 token;        /* model token id */
  guint32 child;        /* node */
} W2veeTrieEdge;

struct _W2veeLexicon {
  gint ref_count;          /* atomic */
  gsize vocab_size;        /* V of the model it was made for */
  GPtrArray *words;        /* (char *) word texts, index = word id */
  GArray *nodes;           /* (W2veeTrieNode) */
  GArray *edges;           /* (W2veeTrieEdge), each node's edges sorted by token */
};

/* The lexicon in @text (@len bytes, modified), named @path in messages. */
W2veeLexicon *w2vee_lexicon_parse (const char *path, char *text, gsize len,
    const char *tokens_path, const W2veeModel *model, GError **error);
/* Child of @node by @token, or -1. */
gint32 w2vee_lexicon_child (const W2veeLexicon *lex, guint32 node, guint32 token);

G_END_DECLS

#endif /* W2VEE_DECODE_H */
