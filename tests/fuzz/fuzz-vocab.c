/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: vocab.json parsing. */
#include <stdint.h>
#include <string.h>

#include "format/model-config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  char **tokens = w2vee_vocab_parse ((const char *) data, size, "vocab.json", &error);
  guint n;

  if (tokens == NULL) {
    if (error == NULL || error->domain != W2VEE_ERROR)
      __builtin_trap ();
    g_error_free (error);
    return 0;
  }
  n = g_strv_length (tokens);
  if (n == 0 || n > W2VEE_MAX_VOCAB)
    __builtin_trap ();
  for (guint i = 0; i < n; i++) {
    gsize len = strlen (tokens[i]);

    if (len == 0 || len > W2VEE_MAX_TOKEN_BYTES || !g_utf8_validate (tokens[i], -1, NULL))
      __builtin_trap ();
    for (guint j = 0; j < i && n < 64; j++)
      if (strcmp (tokens[i], tokens[j]) == 0)
        __builtin_trap ();
  }
  g_strfreev (tokens);
  return 0;
}
