/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Reference float32 files (read-f32.h). */
#include "read-f32.h"

#include <string.h>

float *
read_f32 (const char *path, gsize n, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  float *out;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  if (len != n * sizeof (float)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        "%s: %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT " float32",
        path, len, n);
    return NULL;
  }
  out = g_new (float, MAX (n, 1));
  for (gsize i = 0; i < n; i++) {
    guint32 u;

    memcpy (&u, data + 4 * i, 4);
    u = GUINT32_FROM_LE (u);
    memcpy (&out[i], &u, 4);
  }
  return out;
}
