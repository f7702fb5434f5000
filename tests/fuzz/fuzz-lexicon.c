/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: the lexicon reader (flashlight format) for a model with the default
 * 32-token vocabulary. On success the trie is checked: edges point at later nodes, are
 * sorted, spell tokens that may be spelled, and words index the word list. */
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const char *vocab[] = {
  "<pad>", "<s>", "</s>", "<unk>", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D",
  "L", "U", "M", "W", "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z",
};
#define V G_N_ELEMENTS (vocab)

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static W2veeModel model;
  GError *error = NULL;
  char *text = g_malloc (size + 1);
  W2veeLexicon *lex;
  guint i, k;

  if (model.tokens == NULL) {
    model.cfg.vocab_size = V;
    model.tokens = g_new0 (char *, V + 1);
    model.is_special = g_new0 (gboolean, V);
    for (i = 0; i < V; i++) {
      model.tokens[i] = g_strdup (vocab[i]);
      model.is_special[i] = i >= 1 && i <= 3;
    }
    model.word_delimiter_id = 4;
  }
  memcpy (text, data, size);
  text[size] = '\0';
  lex = w2vee_lexicon_parse ("fuzz", text, size, NULL, &model, &error);
  g_free (text);
  if (lex == NULL) {
    if (error == NULL || error->domain != W2VEE_ERROR || error->code != W2VEE_ERROR_LEXICON)
      __builtin_trap ();
    g_error_free (error);
    return 0;
  }
  for (i = 0; i < lex->nodes->len; i++) {
    const W2veeTrieNode *n = &g_array_index (lex->nodes, W2veeTrieNode, i);

    if (n->word >= (gint32) lex->words->len || (guint64) n->first_edge + n->n_edges > lex->edges->len)
      __builtin_trap ();
    for (k = 0; k < n->n_edges; k++) {
      const W2veeTrieEdge *e = &g_array_index (lex->edges, W2veeTrieEdge, n->first_edge + k);

      if (e->child <= i || e->child >= lex->nodes->len || e->token >= V || e->token <= 4
          || (k > 0 && e[-1].token >= e->token))
        __builtin_trap ();
      if (w2vee_lexicon_child (lex, i, e->token) != (gint32) e->child)
        __builtin_trap ();
    }
  }
  w2vee_lexicon_unref (lex);
  return 0;
}
