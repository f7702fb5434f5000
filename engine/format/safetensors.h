/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* model.safetensors: validation exactly as the reference implementation
 * (huggingface/safetensors, Metadata::validate) does it, plus a strict JSON header.
 * The reader is w2vee_tensor_table_parse_safetensors() (tensors.h); this header has
 * the types and helpers both weight formats share.
 *
 * File layout: u64 little-endian N, N bytes of UTF-8 JSON header, then the tensor
 * data. The header maps each tensor name to {"dtype", "shape", "data_offsets":
 * [begin, end]} (offsets relative to the first data byte, 8 + N), plus an optional
 * "__metadata__" object of strings. Sorted by begin, the tensors must tile the data
 * section exactly: the first begins at 0, each begins where the previous ended, the
 * last ends at the end of the file, and end - begin = product(shape) * dtype size.
 *
 * Tensor data is left where it is: a W2veeTensorInfo points into the mapped file and
 * may be misaligned for its dtype (the header has any length). Read it with memcpy
 * or byte loads, never by casting the pointer.
 */
#ifndef W2VEE_SAFETENSORS_H
#define W2VEE_SAFETENSORS_H

#include <glib.h>

G_BEGIN_DECLS

#define W2VEE_SAFETENSORS_MAX_HEADER 100000000 /* bytes, as the reference */
#define W2VEE_SAFETENSORS_MAX_DIMS 16          /* our bound on a tensor's rank */

/* Every dtype the safetensors format defines (version 0.8). Only F32, F16 and BF16
 * hold weights we can use; the others are parsed and validated, so a file that also
 * carries, say, an I64 buffer is still a valid file. */
typedef enum {
  W2VEE_DTYPE_BOOL,
  W2VEE_DTYPE_F4,
  W2VEE_DTYPE_F6_E2M3,
  W2VEE_DTYPE_F6_E3M2,
  W2VEE_DTYPE_U8,
  W2VEE_DTYPE_I8,
  W2VEE_DTYPE_F8_E5M2,
  W2VEE_DTYPE_F8_E4M3,
  W2VEE_DTYPE_F8_E8M0,
  W2VEE_DTYPE_F8_E4M3FNUZ,
  W2VEE_DTYPE_F8_E5M2FNUZ,
  W2VEE_DTYPE_I16,
  W2VEE_DTYPE_U16,
  W2VEE_DTYPE_F16,
  W2VEE_DTYPE_BF16,
  W2VEE_DTYPE_I32,
  W2VEE_DTYPE_U32,
  W2VEE_DTYPE_F32,
  W2VEE_DTYPE_C64,
  W2VEE_DTYPE_F64,
  W2VEE_DTYPE_I64,
  W2VEE_DTYPE_U64,
  W2VEE_N_DTYPES,
} W2veeDtype;

typedef struct {
  const char *name;     /* tensor name, UTF-8 */
  W2veeDtype dtype;
  guint n_dims;
  const gsize *shape;   /* (n_dims) */
  gsize n_elements;     /* product of shape */
  const guint8 *data;   /* (n_bytes) inside the file; any alignment */
  gsize n_bytes;        /* numel * dtype size */
} W2veeTensorInfo;

/* Maps @path read-only: W2VEE_ERROR_NOT_FOUND when it does not exist,
 * W2VEE_ERROR_IO when it is not a regular file or cannot be mapped. */
GMappedFile *w2vee_map_file (const char *path, GError **error);

const char *w2vee_dtype_name (W2veeDtype dtype);
/* Bits of one element (4 for F4, 6 for F6_*). */
guint w2vee_dtype_bits (W2veeDtype dtype);

/* Converts @n little-endian F32, F16 or BF16 elements at @src (any alignment) to
 * F32, exactly (F16 subnormals, infinities and NaNs included). */
void w2vee_convert_to_f32 (W2veeDtype dtype, const guint8 *src, gsize n, float *dst);

/* Recognises files saved in place of the real one: a Git LFS pointer
 * (W2VEE_ERROR_LFS_POINTER) or an HTML page (W2VEE_ERROR_HTML). Returns FALSE with
 * @error set when @data is one of them. */
gboolean w2vee_check_not_placeholder (const guint8 *data, gsize len, const char *path,
    GError **error);

G_END_DECLS

#endif /* W2VEE_SAFETENSORS_H */
