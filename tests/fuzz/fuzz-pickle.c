/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: the state-dict pickle interpreter (w2vee_pickle_read_state_dict).
 * Storage KEY resolves to a zeroed buffer of KEY bytes (KEY <= 65536), so that inputs
 * can satisfy the size checks and reach the view checks; every tensor accepted must lie
 * inside its storage. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/pickle.h"
#include "w2vee/w2vee.h"

#define ARENA 65536

static guint8 arena[ARENA];

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
find_storage (const char *key, const guint8 **out, gsize *n_bytes, gpointer user_data)
{
  guint64 n = g_ascii_strtoull (key, NULL, 10);

  if (n > ARENA)
    return FALSE;
  *out = arena;
  *n_bytes = (gsize) n;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  GError *error = NULL;
  W2veeTensorTable *table = w2vee_tensor_table_new ("fuzz.bin");
  gboolean ok = w2vee_pickle_read_state_dict (data, size, "fuzz.pkl", find_storage, NULL,
      table, &error);

  if (!ok) {
    /* Every failure is a W2VEE_ERROR whose message starts with the file. */
    if (error == NULL || error->domain != W2VEE_ERROR ||
        (!g_str_has_prefix (error->message, "fuzz.pkl") &&
         !g_str_has_prefix (error->message, "fuzz.bin")))
      __builtin_trap ();
    g_error_free (error);
  } else {
    for (guint i = 0; i < w2vee_tensor_table_n_tensors (table); i++) {
      const W2veeTensorInfo *t = w2vee_tensor_table_tensor (table, i);
      volatile guint8 sink = 0;

      if (t->data < arena || t->n_bytes > ARENA ||
          t->data - arena > (ptrdiff_t) (ARENA - t->n_bytes) ||
          w2vee_tensor_table_lookup (table, t->name) != t ||
          w2vee_tensor_table_index_of (table, t) != i)
        __builtin_trap ();
      for (gsize b = 0; b < t->n_bytes; b++)
        sink ^= t->data[b];
      (void) sink;
    }
  }
  w2vee_tensor_table_free (table);
  return 0;
}
