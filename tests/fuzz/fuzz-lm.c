/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: the word n-gram LM readers, ARPA text and the binary form
 * (w2vee_lm_new_from_data() tells them apart by the magic, as w2vee_lm_load() does).
 * Built twice: fuzz-arpa and fuzz-binlm differ only in their seeds. On success, every
 * unigram's text is checked and a few sentences are scored (finite results). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "decode/lm-image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  W2veeLm *lm = w2vee_lm_new_from_data ("fuzz", data, size, &error);
  const char *sentence[4] = { NULL, NULL, "fuzz", NULL };
  guint i, n;

  if (lm == NULL) {
    if (error == NULL || error->domain != W2VEE_ERROR || error->code != W2VEE_ERROR_LM)
      __builtin_trap ();
    g_error_free (error);
    return 0;
  }
  n = w2vee_lm_vocab_size (lm);
  if (n == 0 || w2vee_lm_order (lm) < 1 || w2vee_lm_order (lm) > W2VEE_LM_MAX_ORDER)
    __builtin_trap ();
  for (i = 0; i < n; i++) {
    const char *w = w2vee_lm_word (lm, i);

    if (w == NULL || !g_utf8_validate (w, -1, NULL) || w2vee_lm_word_id (lm, w) != i)
      __builtin_trap ();
  }
  sentence[0] = w2vee_lm_word (lm, 0);
  sentence[1] = w2vee_lm_word (lm, n - 1);
  if (!isfinite (w2vee_lm_score_sentence (lm, sentence)))
    __builtin_trap ();
  w2vee_lm_unref (lm);
  return 0;
}
