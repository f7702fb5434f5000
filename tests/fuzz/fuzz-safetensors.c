/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: model.safetensors validation (w2vee_tensor_table_parse_safetensors)
 * and the F32/F16/BF16 conversion of every tensor it accepts. */
#include <stdint.h>
#include <string.h>

#include "format/safetensors.h"
#include "format/tensors.h"
#include "w2vee/w2vee.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  W2veeTensorTable *table = w2vee_tensor_table_parse_safetensors (data, size,
      "fuzz.safetensors", &error);
  const guint8 *next = NULL;
  guint n;

  if (table == NULL) {
    /* Every failure is a W2VEE_ERROR with a message naming the file. */
    if (error == NULL || error->domain != W2VEE_ERROR ||
        !g_str_has_prefix (error->message, "fuzz.safetensors"))
      __builtin_trap ();
    g_error_free (error);
    return 0;
  }
  n = w2vee_tensor_table_n_tensors (table);
  for (guint i = 0; i < n; i++) {
    const W2veeTensorInfo *t = w2vee_tensor_table_tensor (table, i);

    /* The tensors tile the data section, in order, inside the input. */
    if (t->data < data || t->data + t->n_bytes > data + size ||
        (next != NULL && t->data != next) ||
        w2vee_tensor_table_lookup (table, t->name) != t ||
        w2vee_tensor_table_index_of (table, t) != i)
      __builtin_trap ();
    next = t->data + t->n_bytes;
    if (t->dtype == W2VEE_DTYPE_F32 || t->dtype == W2VEE_DTYPE_F16 ||
        t->dtype == W2VEE_DTYPE_BF16) {
      float *out = g_new (float, MAX (t->n_elements, 1));

      w2vee_convert_to_f32 (t->dtype, t->data, t->n_elements, out);
      g_free (out);
    } else {
      volatile guint8 sink = 0;

      for (gsize b = 0; b < t->n_bytes; b++)
        sink ^= t->data[b];
      (void) sink;
    }
  }
  if (n > 0 && next != data + size)
    __builtin_trap ();
  w2vee_tensor_table_free (table);
  return 0;
}
