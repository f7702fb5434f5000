/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The parity tests' reader of reference files (tests/reference/README.md): raw
 * little-endian float32 arrays. */
#ifndef READ_F32_H
#define READ_F32_H

#include <glib.h>

G_BEGIN_DECLS

/* Reads @path as exactly @n little-endian float32 values (G_FILE_ERROR_INVAL on any
 * other length); free with g_free(). */
float *read_f32 (const char *path, gsize n, GError **error);

G_END_DECLS

#endif /* READ_F32_H */
