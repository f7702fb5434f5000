/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: the zip container of pytorch_model.bin (w2vee_zip_parse): end
 * records, central directory, local headers, data descriptors, names, CRC-32. */
#include <stdint.h>
#include <string.h>

#include "w2vee/w2vee.h"
#include "format/zip.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  W2veeZip *zip = w2vee_zip_parse (data, size, "fuzz.bin", &error);
  gsize prefix_len;

  if (zip == NULL) {
    /* Every failure is a W2VEE_ERROR_ZIP with a message naming the file. */
    if (error == NULL || !g_error_matches (error, W2VEE_ERROR, W2VEE_ERROR_ZIP) ||
        !g_str_has_prefix (error->message, "fuzz.bin: "))
      __builtin_trap ();
    g_error_free (error);
    return 0;
  }
  /* What the pickle reader relies on: data.pkl and a version exist; every entry lies
   * inside the input, under the one prefix, with a verified CRC, found by its name. */
  prefix_len = strlen (w2vee_zip_prefix (zip));
  if (prefix_len == 0 || w2vee_zip_lookup (zip, "data.pkl") == NULL ||
      (w2vee_zip_lookup (zip, "version") == NULL &&
       w2vee_zip_lookup (zip, ".data/version") == NULL))
    __builtin_trap ();
  for (guint i = 0; i < w2vee_zip_n_entries (zip); i++) {
    const W2veeZipEntry *e = w2vee_zip_entry (zip, i);

    if (e->data < data || e->size > size || e->data - data > (ptrdiff_t) (size - e->size) ||
        strncmp (e->name, w2vee_zip_prefix (zip), prefix_len) != 0 ||
        e->rel != e->name + prefix_len + 1 || w2vee_zip_lookup (zip, e->rel) != e)
      __builtin_trap ();
  }
  w2vee_zip_free (zip);
  return 0;
}
