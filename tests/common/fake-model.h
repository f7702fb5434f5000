/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* A W2veeModel with no weights: a vocabulary and a conv stack of stride 320 and receptive
 * field 400 (wav2vec2-base's), enough for the CTC decoders (tests/ctc, tests/decoder).
 * The blank is token 0, the word delimiter "|", special tokens those written "<...>" other
 * than the blank, as the loader decides. Free it with w2vee_model_unref(). */
#ifndef W2VEE_TEST_FAKE_MODEL_H
#define W2VEE_TEST_FAKE_MODEL_H

#include <string.h>

#include "model.h"

static inline W2veeModel *
w2vee_test_fake_model (const char *const *vocab, guint n)
{
  W2veeModel *m = g_new0 (W2veeModel, 1);
  guint i;

  m->ref_count = 1;
  m->path = g_strdup ("fake");
  m->cfg.vocab_size = n;
  m->cfg.pad_token_id = 0;
  m->cfg.n_conv = 1;
  m->cfg.conv_dim[0] = 1;
  m->cfg.conv_kernel[0] = 400;
  m->cfg.conv_stride[0] = 320;
  m->conv[0].kernel = 400;
  m->conv[0].stride = 320;
  m->tokens = g_new0 (char *, n + 1);
  m->is_special = g_new0 (gboolean, n);
  m->word_delimiter_id = -1;
  for (i = 0; i < n; i++) {
    gsize len = strlen (vocab[i]);

    m->tokens[i] = g_strdup (vocab[i]);
    m->is_special[i] = i != 0 && len > 2 && vocab[i][0] == '<' && vocab[i][len - 1] == '>';
    if (strcmp (vocab[i], "|") == 0)
      m->word_delimiter_id = (gint) i;
  }
  return m;
}

#endif /* W2VEE_TEST_FAKE_MODEL_H */
