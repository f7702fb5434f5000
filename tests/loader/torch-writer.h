/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Writing torch.save-style checkpoints (pytorch_model.bin) from C, for the tests of
 * the .bin reader: a zip writer in the two styles real files come in, and a pickle
 * writer that emits what CPython's pickler emits (protocol 2) for a state dict of
 * tensors saved by torch.save. tests/loader/torch_bin.py checks with PyTorch itself
 * that what these write loads in torch.load(weights_only=True) with the same values.
 *
 * Writing a TinyModel: every tensor gets its own storage (key "0", "1", ... in
 * order), or, with .one_storage, all tensors of one dtype share one storage as views
 * at increasing offsets.
 */
#ifndef TORCH_WRITER_H
#define TORCH_WRITER_H

#include <glib.h>

#include "tiny-model.h"

G_BEGIN_DECLS

typedef enum {
  TORCH_ZIP_MINIZ, /* torch.save (miniz): flag bit 3 with data descriptors, "FB" extra
                    * fields padding data to 64 bytes, zip64 end records */
  TORCH_ZIP_PLAIN, /* Python's zipfile: sizes in the local header, no padding, no zip64 */
} TorchZipStyle;

/* ---- zip ---- */

typedef struct {
  char *name;
  GByteArray *data;      /* the bytes stored (deflated for method 8) */
  guint16 method;        /* 0 stored, 8 deflate */
  guint16 flags_extra;   /* OR-ed into the flags (local and central) */
  gboolean zip64;        /* sizes (and offset) in zip64 extra fields, the header
                          * fields 0xFFFFFFFF, as for entries above 4 GiB (PLAIN only) */
  guint32 crc;           /* of the uncompressed bytes; computed by zip_add() */
  gsize size;            /* uncompressed size */
} ZipItem;

typedef struct {
  TorchZipStyle style;
  GPtrArray *items;      /* ZipItem * */
} ZipWriter;

ZipWriter *zip_writer_new (TorchZipStyle style);
void zip_writer_free (ZipWriter *zw);
ZipItem *zip_add (ZipWriter *zw, const char *name, const void *data, gsize len);
ZipItem *zip_find (ZipWriter *zw, const char *name);
void zip_remove (ZipWriter *zw, const char *name);
/* Replaces the item's bytes by their raw deflate stream (method 8). */
void zip_item_deflate (ZipItem *item);
GByteArray *zip_writer_write (const ZipWriter *zw);

/* CRC-32 as zip computes it, written independently of the engine's. */
guint32 test_crc32 (const guint8 *p, gsize n);

/* ---- pickle ---- */

typedef struct {
  char *name;
  const char *storage_type;  /* "FloatStorage", "HalfStorage", ... */
  char *key;                 /* storage key */
  guint64 storage_numel;
  guint64 offset;            /* storage_offset, elements */
  guint n_dims;
  guint64 size[8];
  guint64 stride[8];
  gboolean parameter;        /* saved as an nn.Parameter (_rebuild_parameter) */
} TorchTensorRef;

typedef struct {
  gboolean metadata;         /* the state dict's _metadata, set by BUILD */
  gboolean long_memo;        /* memo indices from 256 up: LONG_BINPUT / LONG_BINGET */
  gboolean long1_ints;       /* every int as LONG1 */
} TorchPickleOptions;

GByteArray *torch_pickle_state_dict (const TorchTensorRef *tensors, guint n,
    const TorchPickleOptions *opts);

/* ---- checkpoints ---- */

typedef struct {
  TorchZipStyle style;
  const char *prefix;        /* top folder: "pytorch_model" by default */
  gboolean torch2_records;   /* also byteorder, .data/serialization_id,
                              * .format_version, .storage_alignment */
  gboolean zip64_entries;    /* every entry with zip64 extra fields (ZipItem.zip64) */
  gboolean one_storage;
  gboolean parameters;       /* every other tensor saved as an nn.Parameter */
  TorchPickleOptions pickle;
} TorchBinOptions;

void torch_bin_options_init (TorchBinOptions *opts);

/* The tensor references of @m (for editing before torch_bin_zip()). */
GPtrArray *torch_bin_refs (const TinyModel *m, const TorchBinOptions *opts);
void torch_tensor_ref_free (gpointer ref);
/* The zip entries of a checkpoint of @m whose pickle is @pickle (NULL: made from
 * @refs, or from torch_bin_refs() when @refs is NULL). */
ZipWriter *torch_bin_zip (const TinyModel *m, const TorchBinOptions *opts,
    GPtrArray *refs, GByteArray *pickle);
/* All in one: the bytes of pytorch_model.bin. */
GByteArray *torch_bin_write (const TinyModel *m, const TorchBinOptions *opts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZipWriter, zip_writer_free)

G_END_DECLS

#endif /* TORCH_WRITER_H */
