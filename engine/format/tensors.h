/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The tensor table: what the model builder (model.c) reads weights from, whatever the
 * file format. Each tensor is {name, dtype, shape, bytes inside the mapped file};
 * both readers fill one:
 *
 *   model.safetensors   w2vee_tensor_table_parse_safetensors() (safetensors.c)
 *   pytorch_model.bin   w2vee_tensor_table_parse_pytorch(): zip.h, then pickle.h
 *
 * so that every name, shape and dtype check, and the F16/BF16 conversion, run on one
 * code path after parsing. Tensor data is never copied here: it points into the file,
 * any alignment (read it with memcpy or byte loads).
 */
#ifndef W2VEE_TENSORS_H
#define W2VEE_TENSORS_H

#include <glib.h>

#include "safetensors.h"

G_BEGIN_DECLS

#define W2VEE_MAX_TENSORS 1000000 /* tensors in one file */

typedef enum {
  W2VEE_WEIGHTS_SAFETENSORS, /* model.safetensors */
  W2VEE_WEIGHTS_PYTORCH,     /* pytorch_model.bin (torch.save zip + pickle) */
} W2veeWeightsFormat;

typedef struct _W2veeTensorTable W2veeTensorTable;

/* An empty table; @path names the file in messages. */
W2veeTensorTable *w2vee_tensor_table_new (const char *path);
void w2vee_tensor_table_free (W2veeTensorTable *table);

/* Adds a tensor (name and shape copied; @data not). Fails with W2VEE_ERROR_DUPLICATE
 * for a name already present, W2VEE_ERROR_TENSOR_SIZE when @n_bytes is not
 * numel * dtype size (or overflows), W2VEE_ERROR_TOO_LARGE beyond W2VEE_MAX_TENSORS
 * tensors or W2VEE_SAFETENSORS_MAX_DIMS dimensions. */
gboolean w2vee_tensor_table_add (W2veeTensorTable *table, const char *name,
    W2veeDtype dtype, guint n_dims, const gsize *shape, const guint8 *data,
    gsize n_bytes, GError **error);

/* The tensors of a model.safetensors file in memory (@data must outlive the result),
 * validated as safetensors.h describes, in the order of their data. Errors:
 * HEADER_LENGTH, HEADER_JSON, DTYPE, DUPLICATE, TENSOR_LAYOUT, TENSOR_SIZE,
 * LFS_POINTER and HTML. */
W2veeTensorTable *w2vee_tensor_table_parse_safetensors (const guint8 *data, gsize len,
    const char *path, GError **error);

/* The state dict of a torch.save checkpoint in memory (@data must outlive the
 * result), in the pickle's order. Errors: W2VEE_ERROR_ZIP (container),
 * W2VEE_ERROR_PICKLE and W2VEE_ERROR_PICKLE_FORBIDDEN (data.pkl), TENSOR_SIZE and
 * TENSOR_LAYOUT (views and storages), DUPLICATE, LFS_POINTER and HTML. */
W2veeTensorTable *w2vee_tensor_table_parse_pytorch (const guint8 *data, gsize len,
    const char *path, GError **error);

/* Maps @path and reads it as @format; the table keeps the mapping. */
W2veeTensorTable *w2vee_tensor_table_open (const char *path, W2veeWeightsFormat format,
    GError **error);

/* The mapping of a table made by w2vee_tensor_table_open(), else NULL. */
GMappedFile *w2vee_tensor_table_get_mapped (const W2veeTensorTable *table);
const char *w2vee_tensor_table_get_path (const W2veeTensorTable *table);

guint w2vee_tensor_table_n_tensors (const W2veeTensorTable *table);
const W2veeTensorInfo *w2vee_tensor_table_tensor (const W2veeTensorTable *table, guint i);
/* NULL when there is no tensor called @name. */
const W2veeTensorInfo *w2vee_tensor_table_lookup (const W2veeTensorTable *table,
    const char *name);
/* Index of a tensor returned by the two functions above. */
guint w2vee_tensor_table_index_of (const W2veeTensorTable *table,
    const W2veeTensorInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeTensorTable, w2vee_tensor_table_free)

G_END_DECLS

#endif /* W2VEE_TENSORS_H */
