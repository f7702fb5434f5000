/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Reading the zip container of a torch.save checkpoint (pytorch_model.bin), strictly.
 *
 * torch.save (PyTorch >= 1.6) writes a zip archive whose entries all sit in one top
 * folder, PREFIX (the file's stem, e.g. "pytorch_model", or "archive"):
 *
 *   PREFIX/data.pkl                 the pickle describing the state dict (pickle.h)
 *   PREFIX/data/N                   the bytes of storage N (N decimal, "0", "1", ...)
 *   PREFIX/version                  the format version, decimal ASCII ("3\n")
 *   PREFIX/byteorder                "little" (PyTorch >= 1.13.1; optional)
 *   PREFIX/.data/serialization_id   (PyTorch >= 2.1; optional)
 *   PREFIX/.data/version            (an alternative place of "version"; optional)
 *   PREFIX/.format_version          "1" (PyTorch >= 2.6; optional)
 *   PREFIX/.storage_alignment       "64" (PyTorch >= 2.6; optional)
 *
 * Every entry is stored (not compressed); torch pads the local headers so that each
 * entry's data starts at a multiple of 64 bytes. What this reader accepts:
 *
 *   - one end-of-central-directory record whose comment ends exactly at the end of the
 *     file, single disk, optionally the zip64 records (which torch always writes),
 *     consistent with it; the central directory exactly fills the space before them;
 *   - per entry: no encryption, method 0 (stored), compressed size = size, a local
 *     header with the same name, flags and method, data and (flag 3) data descriptor
 *     inside the file before the central directory, no two entries overlapping, and
 *     the CRC-32 of the data equal to the recorded one;
 *   - names: valid UTF-8, no NUL, no duplicates, all in one top folder, and each one
 *     of the list above; "data.pkl" and a version entry present; "byteorder", when
 *     present, is "little"; ".format_version", when present, is "1".
 *
 * Anything else is W2VEE_ERROR_ZIP with a message naming the entry. Nothing is
 * extracted: entries are pointers into the caller's bytes (the mapped file).
 */
#ifndef W2VEE_ZIP_H
#define W2VEE_ZIP_H

#include <glib.h>

G_BEGIN_DECLS

#define W2VEE_ZIP_MAX_ENTRIES 1000000 /* storages + 6: far above any checkpoint */

typedef struct {
  const char *name;    /* the full name, NUL-terminated */
  const char *rel;     /* the name after "PREFIX/" (points into .name) */
  const guint8 *data;  /* (size) the stored bytes, inside the archive; any alignment */
  gsize size;
} W2veeZipEntry;

typedef struct _W2veeZip W2veeZip;

/* Validates the archive in @data (@len bytes), which must outlive the result. @path is
 * only used in messages, each of which starts with it. */
W2veeZip *w2vee_zip_parse (const guint8 *data, gsize len, const char *path,
    GError **error);
void w2vee_zip_free (W2veeZip *zip);

/* The top folder, without the slash. */
const char *w2vee_zip_prefix (const W2veeZip *zip);
guint w2vee_zip_n_entries (const W2veeZip *zip);
/* Entry @i in the order of the central directory. */
const W2veeZipEntry *w2vee_zip_entry (const W2veeZip *zip, guint i);
/* The entry named PREFIX/@rel, or NULL. */
const W2veeZipEntry *w2vee_zip_lookup (const W2veeZip *zip, const char *rel);

/* CRC-32 (ISO-HDLC, as zip and zlib compute it) of @n bytes, continuing from @crc
 * (0 to start). */
guint32 w2vee_crc32 (guint32 crc, const guint8 *data, gsize n);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeZip, w2vee_zip_free)

G_END_DECLS

#endif /* W2VEE_ZIP_H */
