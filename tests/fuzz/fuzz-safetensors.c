/* libFuzzer target: model.safetensors validation (w2vee_safetensors_parse) and the
 * F32/F16/BF16 conversion of every tensor it accepts. */
#include <stdint.h>
#include <string.h>

#include "safetensors.h"
#include "w2vee/w2vee.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  W2veeSafetensors *st = w2vee_safetensors_parse (data, size, "fuzz.safetensors",
      &error);
  gsize total = 0;

  if (st == NULL) {
    /* Every failure is a W2VEE_ERROR with a message naming the file. */
    if (error == NULL || error->domain != W2VEE_ERROR ||
        !g_str_has_prefix (error->message, "fuzz.safetensors"))
      __builtin_trap ();
    g_error_free (error);
    return 0;
  }
  for (guint i = 0; i < w2vee_safetensors_n_tensors (st); i++) {
    const W2veeTensorInfo *t = w2vee_safetensors_tensor (st, i);

    /* The tensors tile the data section, in order, inside the input. */
    if (t->data < data || t->data + t->n_bytes > data + size ||
        w2vee_safetensors_lookup (st, t->name) != t ||
        w2vee_safetensors_index_of (st, t) != i)
      __builtin_trap ();
    total += t->n_bytes;
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
  if (w2vee_safetensors_n_tensors (st) > 0) {
    const W2veeTensorInfo *last = w2vee_safetensors_tensor (st,
        w2vee_safetensors_n_tensors (st) - 1);

    if (last->data + last->n_bytes != data + size)
      __builtin_trap ();
  }
  (void) total;
  w2vee_safetensors_free (st);
  return 0;
}
