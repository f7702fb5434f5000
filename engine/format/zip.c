/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The zip container of torch.save checkpoints, read strictly (see zip.h).
 *
 * Record layouts (APPNOTE.TXT 6.3), all little-endian:
 *   local header        30 bytes + name + extra, then the data, then (flag bit 3) a
 *                       data descriptor: [signature] crc32, sizes (4 + 4 or 8 + 8)
 *   central header      46 bytes + name + extra + comment
 *   zip64 end record    56 bytes + extensible data; its locator, 20 bytes
 *   end record (EOCD)   22 bytes + comment, at the very end of the file
 */
#include "zip.h"

#include <stdlib.h>
#include <string.h>

#include "w2vee/w2vee.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_DESCRIPTOR 0x08074b50u
#define SIG_ZIP64_END 0x06064b50u
#define SIG_ZIP64_LOCATOR 0x07064b50u
#define SIG_END 0x06054b50u

#define LOCAL_SIZE 30
#define CENTRAL_SIZE 46
#define END_SIZE 22
#define ZIP64_END_SIZE 56
#define ZIP64_LOCATOR_SIZE 20
#define MAX_COMMENT 65535

#define FLAG_ENCRYPTED (1u << 0)
#define FLAG_DESCRIPTOR (1u << 3)
#define FLAG_UTF8 (1u << 11)
#define FLAGS_ALLOWED (FLAG_DESCRIPTOR | FLAG_UTF8)

#define EXTRA_ZIP64 0x0001

#define MAX_SMALL_ENTRY 64 /* version, byteorder, ...: bytes */

typedef struct {
  W2veeZipEntry pub;    /* first member: a W2veeZipEntry * is an Entry * */
  guint32 crc;
  guint16 flags;
  guint64 local;        /* offset of the local header */
  guint64 data_at;      /* offset of the data */
  guint64 end;          /* offset after the data and its descriptor */
  gboolean zip64;       /* the central record had a zip64 size field */
} Entry;

struct _W2veeZip {
  char *path;
  char *prefix;
  GStringChunk *names;
  GArray *entries;       /* Entry, central-directory order */
  GHashTable *by_rel;    /* rel -> index + 1 */
};

/* ------------------------------------------------------------------------- */
/* CRC-32, slice-by-8                                                        */
/* ------------------------------------------------------------------------- */

static guint32 crc_table[8][256];

static gpointer
init_crc_table (gpointer unused)
{
  for (guint32 i = 0; i < 256; i++) {
    guint32 c = i;

    for (int k = 0; k < 8; k++)
      c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[0][i] = c;
  }
  for (guint32 i = 0; i < 256; i++)
    for (int t = 1; t < 8; t++)
      crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^
          crc_table[0][crc_table[t - 1][i] & 0xFF];
  return NULL;
}

guint32
w2vee_crc32 (guint32 crc, const guint8 *p, gsize n)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, init_crc_table, NULL);
  crc = ~crc;
  while (n >= 8) {
    guint32 lo = crc ^ ((guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 |
        (guint32) p[3] << 24);
    guint32 hi = (guint32) p[4] | (guint32) p[5] << 8 | (guint32) p[6] << 16 |
        (guint32) p[7] << 24;

    crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
        crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
        crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
        crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0)
    crc = crc_table[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static guint16
le16 (const guint8 *p)
{
  return (guint16) (p[0] | p[1] << 8);
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 |
      (guint32) p[3] << 24;
}

static guint64
le64 (const guint8 *p)
{
  return (guint64) le32 (p) | (guint64) le32 (p + 4) << 32;
}

/* A name for messages: printable ASCII kept, other bytes as \xNN, at most 200. */
static char *
quote_bytes (const guint8 *p, gsize n)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n && s->len < 200; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\')
      g_string_append_c (s, (char) p[i]);
    else
      g_string_append_printf (s, "\\x%02X", p[i]);
  }
  if (s->len >= 200)
    g_string_append (s, "...");
  return g_string_free (s, FALSE);
}

void
w2vee_zip_free (W2veeZip *zip)
{
  if (zip == NULL)
    return;
  g_free (zip->path);
  g_free (zip->prefix);
  g_clear_pointer (&zip->names, g_string_chunk_free);
  g_clear_pointer (&zip->entries, g_array_unref);
  g_clear_pointer (&zip->by_rel, g_hash_table_unref);
  g_free (zip);
}

#define FAIL(...) \
  G_STMT_START { \
    g_autofree char *_msg = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_ZIP, "%s: %s", zip->path, _msg); \
    return FALSE; \
  } G_STMT_END

/* ------------------------------------------------------------------------- */
/* End of central directory                                                  */
/* ------------------------------------------------------------------------- */

typedef struct {
  guint64 n_entries;
  guint64 cd_offset;
  guint64 cd_end;       /* where the central directory must end */
} Directory;

/* The EOCD (and zip64 end records) of @data. */
static gboolean
read_end (W2veeZip *zip, const guint8 *data, gsize len, Directory *dir, GError **error)
{
  gsize pos = 0, lowest;
  gboolean found = FALSE;
  guint16 disk, cd_disk, n_disk, n_total;
  guint32 cd_size, cd_offset;
  guint64 n64, size64, offset64, end_at;

  if (len < END_SIZE)
    FAIL ("%" G_GSIZE_FORMAT " bytes, too short for a zip archive (truncated?)", len);
  /* The last EOCD signature whose comment ends exactly at the end of the file. */
  lowest = len - END_SIZE > MAX_COMMENT ? len - END_SIZE - MAX_COMMENT : 0;
  for (gsize p = len - END_SIZE + 1; p-- > lowest;) {
    if (le32 (data + p) == SIG_END && le16 (data + p + 20) == len - p - END_SIZE) {
      pos = p;
      found = TRUE;
      break;
    }
  }
  if (!found)
    FAIL ("no end-of-central-directory record at the end of the file: truncated, "
        "or not a zip archive");

  disk = le16 (data + pos + 4);
  cd_disk = le16 (data + pos + 6);
  n_disk = le16 (data + pos + 8);
  n_total = le16 (data + pos + 10);
  cd_size = le32 (data + pos + 12);
  cd_offset = le32 (data + pos + 16);
  if ((disk != 0 && disk != 0xFFFF) || (cd_disk != 0 && cd_disk != 0xFFFF) ||
      n_disk != n_total)
    FAIL ("a multi-disk archive (disk %u, central directory on disk %u, %u of %u "
        "entries on this disk)", disk, cd_disk, n_disk, n_total);

  n64 = n_total;
  size64 = cd_size;
  offset64 = cd_offset;
  end_at = pos;
  if (pos >= ZIP64_LOCATOR_SIZE &&
      le32 (data + pos - ZIP64_LOCATOR_SIZE) == SIG_ZIP64_LOCATOR) {
    const guint8 *loc = data + pos - ZIP64_LOCATOR_SIZE;
    guint64 rec = le64 (loc + 8), rec_size;
    const guint8 *r;

    if (le32 (loc + 4) != 0 || le32 (loc + 16) != 1)
      FAIL ("a multi-disk archive (zip64 locator: disk %u of %u)", le32 (loc + 4),
          le32 (loc + 16));
    if (rec > pos - ZIP64_LOCATOR_SIZE || pos - ZIP64_LOCATOR_SIZE - rec < ZIP64_END_SIZE)
      FAIL ("the zip64 end record at offset %" G_GUINT64_FORMAT " is not inside the "
          "file before its locator", rec);
    r = data + rec;
    rec_size = le64 (r + 4);
    if (le32 (r) != SIG_ZIP64_END)
      FAIL ("no zip64 end record at offset %" G_GUINT64_FORMAT " (where the locator "
          "points)", rec);
    if (rec_size != pos - ZIP64_LOCATOR_SIZE - rec - 12)
      FAIL ("the zip64 end record (%" G_GUINT64_FORMAT " bytes) does not end where "
          "its locator begins", rec_size);
    if (le32 (r + 16) != 0 || le32 (r + 20) != 0 || le64 (r + 24) != le64 (r + 32))
      FAIL ("a multi-disk archive (zip64 end record)");
    n64 = le64 (r + 32);
    size64 = le64 (r + 40);
    offset64 = le64 (r + 48);
    if ((n_total != 0xFFFF && n_total != n64) ||
        (cd_size != 0xFFFFFFFFu && cd_size != size64) ||
        (cd_offset != 0xFFFFFFFFu && cd_offset != offset64))
      FAIL ("the end record (%u entries, directory of %u bytes at %u) and the zip64 "
          "end record (%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
          ") disagree", n_total, cd_size, cd_offset, n64, size64, offset64);
    end_at = rec;
  } else if (n_total == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) {
    FAIL ("the end record refers to zip64 records that are missing");
  }

  if (offset64 > end_at || size64 != end_at - offset64)
    FAIL ("the central directory (%" G_GUINT64_FORMAT " bytes at offset %"
        G_GUINT64_FORMAT ") does not end where the end records begin (offset %"
        G_GUINT64_FORMAT ")", size64, offset64, end_at);
  if (n64 > W2VEE_ZIP_MAX_ENTRIES || n64 > size64 / CENTRAL_SIZE)
    FAIL ("%" G_GUINT64_FORMAT " entries: more than a %" G_GUINT64_FORMAT "-byte "
        "central directory can hold, or above the limit of %d", n64, size64,
        W2VEE_ZIP_MAX_ENTRIES);
  dir->n_entries = n64;
  dir->cd_offset = offset64;
  dir->cd_end = end_at;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Names                                                                     */
/* ------------------------------------------------------------------------- */

static gboolean
is_storage_name (const char *rel)
{
  const char *d;
  gsize n;

  if (!g_str_has_prefix (rel, "data/"))
    return FALSE;
  d = rel + strlen ("data/");
  n = strlen (d);
  if (n == 0 || n > 20 || (d[0] == '0' && n > 1))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isdigit (d[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_known_name (const char *rel)
{
  static const char *const names[] = {
    "data.pkl", "version", "byteorder", ".data/serialization_id", ".data/version",
    ".format_version", ".storage_alignment",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (rel, names[i]) == 0)
      return TRUE;
  return is_storage_name (rel);
}

/* Checks the name of the entry that @e describes (@raw, @n bytes), sets the prefix
 * from the first entry, and fills e->pub.name and .rel. */
static gboolean
check_name (W2veeZip *zip, Entry *e, const guint8 *raw, gsize n, GError **error)
{
  g_autofree char *shown = quote_bytes (raw, n);
  const char *slash, *name;

  if (n == 0)
    FAIL ("an entry with an empty name");
  if (memchr (raw, 0, n) != NULL ||
      !g_utf8_validate ((const char *) raw, (gssize) n, NULL))
    FAIL ("entry '%s': the name is not valid UTF-8 or holds a NUL byte", shown);
  name = g_string_chunk_insert_len (zip->names, (const char *) raw, (gssize) n);
  slash = strchr (name, '/');
  if (slash == NULL || slash == name)
    FAIL ("entry '%s' is not inside a top folder (a torch.save archive has all "
        "its entries in one)", shown);
  if (zip->prefix == NULL) {
    zip->prefix = g_strndup (name, (gsize) (slash - name));
    if (strcmp (zip->prefix, ".") == 0 || strcmp (zip->prefix, "..") == 0 ||
        strchr (zip->prefix, '\\') != NULL)
      FAIL ("entry '%s': the top folder '%s' is not a plain name", shown, zip->prefix);
  } else if ((gsize) (slash - name) != strlen (zip->prefix) ||
      strncmp (name, zip->prefix, (gsize) (slash - name)) != 0) {
    FAIL ("entry '%s' is outside the archive's top folder '%s/'", shown, zip->prefix);
  }
  if (!is_known_name (slash + 1))
    FAIL ("entry '%s' is not part of a torch.save checkpoint (expected %s/data.pkl, "
        "%s/data/N, %s/version, %s/byteorder and the like)", shown, zip->prefix,
        zip->prefix, zip->prefix, zip->prefix);
  e->pub.name = name;
  e->pub.rel = slash + 1;
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Central directory and local headers                                       */
/* ------------------------------------------------------------------------- */

/* Replaces *@field by the next 8 bytes of a zip64 field when it holds the 0xFFFFFFFF
 * marker. */
static gboolean
take_zip64 (const guint8 **q, gsize *left, guint64 *field, gboolean *zip64)
{
  if (field == NULL || *field != 0xFFFFFFFFu)
    return TRUE;
  if (*left < 8)
    return FALSE;
  *field = le64 (*q);
  *q += 8;
  *left -= 8;
  *zip64 = TRUE;
  return TRUE;
}

/* Walks an extra block (every field inside it) and applies its zip64
 * extended-information field: it replaces the size, compressed size and offset that
 * are 0xFFFFFFFF (and the disk that is 0xFFFF), in this order. Local headers pass NULL
 * for the fields they lack. */
static gboolean
read_extra (W2veeZip *zip, const char *shown, const guint8 *p, gsize n,
    guint64 *size, guint64 *csize, guint64 *offset, guint32 *disk, gboolean *zip64,
    GError **error)
{
  gboolean seen = FALSE;

  *zip64 = FALSE;
  while (n > 0) {
    guint16 id, len;

    if (n < 4)
      FAIL ("entry '%s': %" G_GSIZE_FORMAT " stray bytes at the end of the extra "
          "field", shown, n);
    id = le16 (p);
    len = le16 (p + 2);
    if (len > n - 4)
      FAIL ("entry '%s': extra field 0x%04X of %u bytes runs past the extra block",
          shown, id, len);
    if (id == EXTRA_ZIP64) {
      const guint8 *q = p + 4;
      gsize left = len;

      if (seen)
        FAIL ("entry '%s': two zip64 extra fields", shown);
      seen = TRUE;
      if (!take_zip64 (&q, &left, size, zip64) || !take_zip64 (&q, &left, csize, zip64) ||
          !take_zip64 (&q, &left, offset, zip64) ||
          (disk != NULL && *disk == 0xFFFF && left < 4))
        FAIL ("entry '%s': the zip64 extra field is too short", shown);
      if (disk != NULL && *disk == 0xFFFF)
        *disk = le32 (q);
    }
    p += 4 + len;
    n -= 4 + (gsize) len;
  }
  return TRUE;
}

static gboolean
read_central (W2veeZip *zip, const guint8 *data, const Directory *dir, GError **error)
{
  guint64 p = dir->cd_offset;

  for (guint64 i = 0; i < dir->n_entries; i++) {
    const guint8 *c = data + p;
    Entry e = { 0 };
    guint16 method, name_len, extra_len, comment_len;
    guint64 size, csize, local;
    guint32 disk;
    g_autofree char *shown = NULL;
    gboolean zip64;

    if (dir->cd_end - p < CENTRAL_SIZE || le32 (c) != SIG_CENTRAL)
      FAIL ("central directory entry %" G_GUINT64_FORMAT " at offset %" G_GUINT64_FORMAT
          " is missing or damaged", i, p);
    e.flags = le16 (c + 8);
    method = le16 (c + 10);
    e.crc = le32 (c + 16);
    csize = le32 (c + 20);
    size = le32 (c + 24);
    name_len = le16 (c + 28);
    extra_len = le16 (c + 30);
    comment_len = le16 (c + 32);
    disk = le16 (c + 34);
    local = le32 (c + 42);
    if (dir->cd_end - p - CENTRAL_SIZE < (guint64) name_len + extra_len + comment_len)
      FAIL ("central directory entry %" G_GUINT64_FORMAT " runs past the directory", i);
    shown = quote_bytes (c + CENTRAL_SIZE, name_len);
    if (!check_name (zip, &e, c + CENTRAL_SIZE, name_len, error) ||
        !read_extra (zip, shown, c + CENTRAL_SIZE + name_len, extra_len, &size, &csize,
            &local, &disk, &zip64, error))
      return FALSE;
    if (e.flags & FLAG_ENCRYPTED)
      FAIL ("entry '%s' is encrypted", shown);
    if (method != 0)
      FAIL ("entry '%s' is compressed (method %u%s): only stored entries are "
          "accepted, as torch.save writes them", shown, method,
          method == 8 ? ", deflate" : "");
    if (e.flags & ~FLAGS_ALLOWED)
      FAIL ("entry '%s': unsupported flags 0x%04X", shown, e.flags);
    if (disk != 0)
      FAIL ("entry '%s' starts on disk %u (multi-disk archive)", shown, disk);
    if (csize != size)
      FAIL ("entry '%s' is stored, but its compressed size %" G_GUINT64_FORMAT
          " differs from its size %" G_GUINT64_FORMAT, shown, csize, size);
    if (size > G_MAXSIZE)
      FAIL ("entry '%s': %" G_GUINT64_FORMAT " bytes, too large for this machine",
          shown, size);
    e.pub.size = (gsize) size;
    e.local = local;
    e.zip64 = zip64;
    if (g_hash_table_contains (zip->by_rel, e.pub.rel))
      FAIL ("entry '%s' appears twice", shown);
    g_array_append_val (zip->entries, e);
    g_hash_table_insert (zip->by_rel, (gpointer) e.pub.rel,
        GUINT_TO_POINTER (zip->entries->len));
    p += CENTRAL_SIZE + (guint64) name_len + extra_len + comment_len;
  }
  if (p != dir->cd_end)
    FAIL ("%" G_GUINT64_FORMAT " bytes after the last central directory entry",
        dir->cd_end - p);
  return TRUE;
}

/* The local header of @e: same name, flags and method; finds the data. */
static gboolean
read_local (W2veeZip *zip, const guint8 *data, const Directory *dir, Entry *e,
    GError **error)
{
  const guint8 *l;
  guint16 flags, method, name_len, extra_len;
  guint64 crc, size, csize, at;
  gboolean zip64;
  const char *shown = e->pub.name;

  if (e->local > dir->cd_offset || dir->cd_offset - e->local < LOCAL_SIZE)
    FAIL ("entry '%s': the local header offset %" G_GUINT64_FORMAT " is not before "
        "the central directory", shown, e->local);
  l = data + e->local;
  if (le32 (l) != SIG_LOCAL)
    FAIL ("entry '%s': no local header at offset %" G_GUINT64_FORMAT, shown, e->local);
  flags = le16 (l + 6);
  method = le16 (l + 8);
  crc = le32 (l + 14);
  csize = le32 (l + 18);
  size = le32 (l + 22);
  name_len = le16 (l + 26);
  extra_len = le16 (l + 28);
  if (dir->cd_offset - e->local - LOCAL_SIZE < (guint64) name_len + extra_len)
    FAIL ("entry '%s': the local header runs into the central directory", shown);
  if (name_len != strlen (e->pub.name) ||
      memcmp (l + LOCAL_SIZE, e->pub.name, name_len) != 0) {
    g_autofree char *local_name = quote_bytes (l + LOCAL_SIZE, name_len);

    FAIL ("entry '%s': its local header names it '%s'", shown, local_name);
  }
  if (flags != e->flags || method != 0)
    FAIL ("entry '%s': the local header (flags 0x%04X, method %u) disagrees with the "
        "central directory (flags 0x%04X, method 0)", shown, flags, method, e->flags);
  if (!read_extra (zip, shown, l + LOCAL_SIZE + name_len, extra_len, &size, &csize,
          NULL, NULL, &zip64, error))
    return FALSE;
  /* With a data descriptor the local crc and sizes may be zero. */
  if (!((flags & FLAG_DESCRIPTOR) && crc == 0 && size == 0 && csize == 0) &&
      (crc != e->crc || size != e->pub.size || csize != e->pub.size))
    FAIL ("entry '%s': the local header (crc 0x%08" G_GINT64_MODIFIER "X, %"
        G_GUINT64_FORMAT " bytes) disagrees with the central directory (crc 0x%08X, %"
        G_GSIZE_FORMAT " bytes)", shown, crc, size, e->crc, e->pub.size);

  at = e->local + LOCAL_SIZE + name_len + extra_len;
  if (dir->cd_offset - at < e->pub.size)
    FAIL ("entry '%s': its %" G_GSIZE_FORMAT " bytes at offset %" G_GUINT64_FORMAT
        " run into the central directory (truncated?)", shown, e->pub.size, at);
  e->data_at = at;
  e->end = at + e->pub.size;
  if (flags & FLAG_DESCRIPTOR) {
    const guint8 *d = data + e->end;
    guint64 left = dir->cd_offset - e->end;
    gsize sig = 0;
    gboolean ok;

    if (left >= 4 && le32 (d) == SIG_DESCRIPTOR)
      sig = 4;
    /* crc, then 4-byte sizes, or 8-byte ones for a zip64 entry. */
    ok = left >= sig + 12 && le32 (d + sig) == e->crc &&
        le32 (d + sig + 4) == e->pub.size && le32 (d + sig + 8) == e->pub.size;
    if (ok) {
      e->end += sig + 12;
    } else {
      ok = left >= sig + 20 && le32 (d + sig) == e->crc &&
          le64 (d + sig + 4) == e->pub.size && le64 (d + sig + 12) == e->pub.size;
      if (!ok)
        FAIL ("entry '%s': the data descriptor after its data is missing or "
            "disagrees with the central directory", shown);
      e->end += sig + 20;
    }
  }
  e->pub.data = data + e->data_at;
  return TRUE;
}

static gint
compare_local (gconstpointer a, gconstpointer b)
{
  const Entry *x = *(Entry *const *) a, *y = *(Entry *const *) b;

  return x->local < y->local ? -1 : x->local > y->local;
}

/* No two entries share bytes: sorted by offset, each ends before the next begins. */
static gboolean
check_overlaps (W2veeZip *zip, GError **error)
{
  g_autoptr (GPtrArray) sorted = g_ptr_array_sized_new (zip->entries->len);

  for (guint i = 0; i < zip->entries->len; i++)
    g_ptr_array_add (sorted, &g_array_index (zip->entries, Entry, i));
  g_ptr_array_sort (sorted, compare_local);
  for (guint i = 1; i < sorted->len; i++) {
    const Entry *prev = sorted->pdata[i - 1], *e = sorted->pdata[i];

    if (e->local < prev->end)
      FAIL ("entries '%s' and '%s' overlap", prev->pub.name, e->pub.name);
  }
  return TRUE;
}

/* The small text entries: "version" (decimal), "byteorder" ("little"),
 * ".format_version" ("1"), ".storage_alignment" (decimal). */
static gboolean
check_small_entries (W2veeZip *zip, GError **error)
{
  static const char *const decimal[] = { "version", ".data/version", ".format_version",
    ".storage_alignment" };
  const W2veeZipEntry *e;

  if (w2vee_zip_lookup (zip, "data.pkl") == NULL)
    FAIL ("no entry '%s/data.pkl': not a torch.save checkpoint", zip->prefix);
  if (w2vee_zip_lookup (zip, "version") == NULL &&
      w2vee_zip_lookup (zip, ".data/version") == NULL)
    FAIL ("no entry '%s/version': not a torch.save checkpoint", zip->prefix);
  for (guint i = 0; i < G_N_ELEMENTS (decimal); i++) {
    gsize n, digits = 0;

    e = w2vee_zip_lookup (zip, decimal[i]);
    if (e == NULL)
      continue;
    n = e->size;
    if (n > 0 && e->data[n - 1] == '\n')
      n--;
    while (digits < n && g_ascii_isdigit (e->data[digits]))
      digits++;
    if (n == 0 || digits != n || n > 9) {
      g_autofree char *text = quote_bytes (e->data, MIN (e->size, MAX_SMALL_ENTRY));

      FAIL ("entry '%s' holds '%s', not a decimal number", e->name, text);
    }
    if (strcmp (decimal[i], ".format_version") == 0 && !(n == 1 && e->data[0] == '1')) {
      g_autofree char *text = quote_bytes (e->data, n);

      FAIL ("entry '%s': format version %s is not supported (only 1)", e->name, text);
    }
  }
  e = w2vee_zip_lookup (zip, "byteorder");
  if (e != NULL && !(e->size == 6 && memcmp (e->data, "little", 6) == 0)) {
    g_autofree char *text = quote_bytes (e->data, MIN (e->size, MAX_SMALL_ENTRY));

    FAIL ("entry '%s' holds '%s': only little-endian checkpoints (\"little\") are "
        "supported", e->name, text);
  }
  return TRUE;
}

W2veeZip *
w2vee_zip_parse (const guint8 *data, gsize len, const char *path, GError **error)
{
  g_autoptr (W2veeZip) zip = NULL;
  Directory dir;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  zip = g_new0 (W2veeZip, 1);
  zip->path = g_strdup (path);
  zip->names = g_string_chunk_new (1024);
  zip->entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  zip->by_rel = g_hash_table_new (g_str_hash, g_str_equal);

  if (!read_end (zip, data, len, &dir, error) || !read_central (zip, data, &dir, error))
    return NULL;
  if (zip->entries->len == 0) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_ZIP, "%s: an empty zip archive", path);
    return NULL;
  }
  for (guint i = 0; i < zip->entries->len; i++)
    if (!read_local (zip, data, &dir, &g_array_index (zip->entries, Entry, i), error))
      return NULL;
  if (!check_overlaps (zip, error))
    return NULL;
  for (guint i = 0; i < zip->entries->len; i++) {
    const Entry *e = &g_array_index (zip->entries, Entry, i);
    guint32 crc = w2vee_crc32 (0, e->pub.data, e->pub.size);

    if (crc != e->crc) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_ZIP, "%s: entry '%s': CRC-32 "
          "mismatch (recorded 0x%08X, computed 0x%08X): the file is damaged", path,
          e->pub.name, e->crc, crc);
      return NULL;
    }
  }
  if (!check_small_entries (zip, error))
    return NULL;
  return g_steal_pointer (&zip);
}

const char *
w2vee_zip_prefix (const W2veeZip *zip)
{
  return zip->prefix;
}

guint
w2vee_zip_n_entries (const W2veeZip *zip)
{
  return zip->entries->len;
}

const W2veeZipEntry *
w2vee_zip_entry (const W2veeZip *zip, guint i)
{
  g_return_val_if_fail (i < zip->entries->len, NULL);
  return &g_array_index (zip->entries, Entry, i).pub;
}

const W2veeZipEntry *
w2vee_zip_lookup (const W2veeZip *zip, const char *rel)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (zip->by_rel, rel));

  return i == 0 ? NULL : &g_array_index (zip->entries, Entry, i - 1).pub;
}
