/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* model.safetensors: mapping, header parsing and validation (see safetensors.h). */
#include "safetensors.h"

#include <math.h>
#include <string.h>

#include "json.h"
#include "tensors.h"
#include "w2vee/w2vee.h"

typedef struct {
  W2veeTensorInfo info; /* name, dtype, n_dims; n_elements once validated */
  gsize dims_at;        /* index of shape[0] in st->dims */
  guint64 begin, end;   /* data_offsets */
  gsize header_pos;     /* offset of the name in the header, for messages */
} Entry;

/* The header while it is parsed and validated. */
typedef struct {
  const char *path;
  GStringChunk *names;
  GArray *entries;      /* Entry, sorted by data offsets once validated */
  GArray *dims;         /* gsize, all shapes */
} Header;

static const struct {
  const char *name;
  guint bits;
} dtypes[W2VEE_N_DTYPES] = {
  [W2VEE_DTYPE_BOOL] = { "BOOL", 8 },
  [W2VEE_DTYPE_F4] = { "F4", 4 },
  [W2VEE_DTYPE_F6_E2M3] = { "F6_E2M3", 6 },
  [W2VEE_DTYPE_F6_E3M2] = { "F6_E3M2", 6 },
  [W2VEE_DTYPE_U8] = { "U8", 8 },
  [W2VEE_DTYPE_I8] = { "I8", 8 },
  [W2VEE_DTYPE_F8_E5M2] = { "F8_E5M2", 8 },
  [W2VEE_DTYPE_F8_E4M3] = { "F8_E4M3", 8 },
  [W2VEE_DTYPE_F8_E8M0] = { "F8_E8M0", 8 },
  [W2VEE_DTYPE_F8_E4M3FNUZ] = { "F8_E4M3FNUZ", 8 },
  [W2VEE_DTYPE_F8_E5M2FNUZ] = { "F8_E5M2FNUZ", 8 },
  [W2VEE_DTYPE_I16] = { "I16", 16 },
  [W2VEE_DTYPE_U16] = { "U16", 16 },
  [W2VEE_DTYPE_F16] = { "F16", 16 },
  [W2VEE_DTYPE_BF16] = { "BF16", 16 },
  [W2VEE_DTYPE_I32] = { "I32", 32 },
  [W2VEE_DTYPE_U32] = { "U32", 32 },
  [W2VEE_DTYPE_F32] = { "F32", 32 },
  [W2VEE_DTYPE_C64] = { "C64", 64 },
  [W2VEE_DTYPE_F64] = { "F64", 64 },
  [W2VEE_DTYPE_I64] = { "I64", 64 },
  [W2VEE_DTYPE_U64] = { "U64", 64 },
};

const char *
w2vee_dtype_name (W2veeDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < W2VEE_N_DTYPES, "?");
  return dtypes[dtype].name;
}

guint
w2vee_dtype_bits (W2veeDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < W2VEE_N_DTYPES, 0);
  return dtypes[dtype].bits;
}

static float
f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  guint32 bits;
  float f;

  if (exp == 0x1F) {
    bits = sign | 0x7F800000 | (man << 13);       /* inf, NaN (payload kept) */
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (man << 13); /* normal: rebias 15 -> 127 */
  } else if (man == 0) {
    bits = sign;                                   /* +-0 */
  } else {
    /* Subnormal: man * 2^-24 is exact in F32. */
    f = ldexpf ((float) man, -24);
    return sign ? -f : f;
  }
  memcpy (&f, &bits, sizeof f);
  return f;
}

void
w2vee_convert_to_f32 (W2veeDtype dtype, const guint8 *src, gsize n, float *dst)
{
  g_return_if_fail (dtype == W2VEE_DTYPE_F32 || dtype == W2VEE_DTYPE_F16 ||
      dtype == W2VEE_DTYPE_BF16);

  for (gsize i = 0; i < n; i++) {
    guint32 bits;

    switch (dtype) {
      case W2VEE_DTYPE_F16:
        dst[i] = f16_to_f32 ((guint16) (src[2 * i] | src[2 * i + 1] << 8));
        continue;
      case W2VEE_DTYPE_BF16:
        bits = (guint32) (src[2 * i] | src[2 * i + 1] << 8) << 16;
        break;
      case W2VEE_DTYPE_F32:
      default:
        bits = (guint32) src[4 * i] | (guint32) src[4 * i + 1] << 8 |
            (guint32) src[4 * i + 2] << 16 | (guint32) src[4 * i + 3] << 24;
        break;
    }
    memcpy (&dst[i], &bits, sizeof bits);
  }
}

static gboolean
has_prefix_ci (const guint8 *p, gsize len, const char *prefix)
{
  gsize n = strlen (prefix);

  return len >= n && g_ascii_strncasecmp ((const char *) p, prefix, n) == 0;
}

gboolean
w2vee_check_not_placeholder (const guint8 *data, gsize len, const char *path,
    GError **error)
{
  static const char lfs[] = "version https://git-lfs.github.com/spec/v1";
  static const char lfs_old[] = "version https://hawser.github.com/spec/v1";
  gsize i = 0;

  if (len == 0)
    return TRUE;
  if ((len >= sizeof lfs - 1 && memcmp (data, lfs, sizeof lfs - 1) == 0) ||
      (len >= sizeof lfs_old - 1 && memcmp (data, lfs_old, sizeof lfs_old - 1) == 0)) {
    g_autofree char *size = NULL;
    const guint8 *p = len > 1 ? memchr (data, '\n', len) : NULL;

    /* A pointer is a few short "key value" lines; quote the real file's size. */
    while (p != NULL && (gsize) (p - data) + 6 < len) {
      gsize at = (gsize) (p - data) + 1;

      if (memcmp (data + at, "size ", 5) == 0) {
        gsize e = at + 5;

        while (e < len && e - at < 25 && g_ascii_isdigit (data[e]))
          e++;
        if (e > at + 5)
          size = g_strdup_printf (" of %.*s bytes", (int) (e - at - 5),
              (const char *) data + at + 5);
        break;
      }
      p = memchr (data + at, '\n', len - at);
    }
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LFS_POINTER,
        "%s: this is a Git LFS pointer (a %" G_GSIZE_FORMAT "-byte text file), not "
        "the real file%s: the repository was cloned without Git LFS. Run `git lfs "
        "install && git lfs pull` in the model repository, or download the file "
        "itself (e.g. the model page's download link)", path, len,
        size != NULL ? size : "");
    return FALSE;
  }

  if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
    i = 3; /* UTF-8 byte order mark */
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (has_prefix_ci (data + i, len - i, "<!doctype html") ||
      has_prefix_ci (data + i, len - i, "<html")) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_HTML,
        "%s: this is an HTML page (%" G_GSIZE_FORMAT " bytes), not a model file: the "
        "download probably returned a login, consent or error page. Download the "
        "file again (with an access token if the model is gated)", path, len);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_dtype (W2veeJsonReader *r, W2veeDtype *out, GError **error)
{
  g_autofree char *s = NULL;
  gsize at;

  if (w2vee_json_peek (r) != W2VEE_JSON_STRING) {
    w2vee_json_error_at (r, r->pos, error, W2VEE_ERROR_HEADER_JSON,
        "\"dtype\" must be a string");
    return FALSE;
  }
  at = r->pos;
  if (!w2vee_json_read_string (r, &s, error))
    return FALSE;
  for (guint i = 0; i < W2VEE_N_DTYPES; i++) {
    if (strcmp (s, dtypes[i].name) == 0) {
      *out = (W2veeDtype) i;
      return TRUE;
    }
  }
  w2vee_json_error_at (r, at, error, W2VEE_ERROR_DTYPE,
      "unknown dtype \"%s\" (not a safetensors dtype)", s);
  return FALSE;
}

/* Reads an array of non-negative integers that fit a gsize; appends them to @out. */
static gboolean
parse_uint_array (W2veeJsonReader *r, const char *what, guint max_len, GArray *out,
    guint *n_read, GError **error)
{
  guint n = 0;
  gboolean more;

  if (w2vee_json_peek (r) != W2VEE_JSON_ARRAY) {
    w2vee_json_error_at (r, r->pos, error, W2VEE_ERROR_HEADER_JSON,
        "\"%s\" must be an array of non-negative integers", what);
    return FALSE;
  }
  if (!w2vee_json_begin_array (r, error))
    return FALSE;
  for (;;) {
    guint64 v;
    gsize at;
    gsize value;

    if (!w2vee_json_next_element (r, &n, &more, error))
      return FALSE;
    if (!more)
      break;
    at = r->pos;
    if (n > max_len) {
      w2vee_json_error_at (r, at, error, W2VEE_ERROR_HEADER_JSON,
          "\"%s\" has more than %u elements", what, max_len);
      return FALSE;
    }
    if (!w2vee_json_read_uint64 (r, &v, error))
      return FALSE;
    if (v > G_MAXSIZE) {
      w2vee_json_error_at (r, at, error, W2VEE_ERROR_HEADER_JSON,
          "\"%s\" value %" G_GUINT64_FORMAT " too large for this machine", what, v);
      return FALSE;
    }
    value = (gsize) v;
    g_array_append_val (out, value);
  }
  *n_read = n;
  return TRUE;
}

/* The next member name of an object whose names must be unique: *key is NULL at the
 * closing brace, else owned by @seen. */
static gboolean
next_unique_member (W2veeJsonReader *r, guint *n, GHashTable *seen, const char **key,
    GError **error)
{
  char *name = NULL;

  *key = NULL;
  if (!w2vee_json_next_member (r, n, &name, error))
    return FALSE;
  if (name == NULL)
    return TRUE;
  if (!g_hash_table_add (seen, name)) {
    w2vee_json_error_at (r, r->key_pos, error, W2VEE_ERROR_DUPLICATE,
        "duplicate key \"%s\"", name);
    return FALSE;
  }
  *key = name;
  return TRUE;
}

static gboolean
parse_metadata (W2veeJsonReader *r, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  const char *key;
  guint n = 0;

  if (w2vee_json_peek (r) != W2VEE_JSON_OBJECT) {
    w2vee_json_error_at (r, r->pos, error, W2VEE_ERROR_HEADER_JSON,
        "must be an object of strings");
    return FALSE;
  }
  if (!w2vee_json_begin_object (r, error))
    return FALSE;
  for (;;) {
    if (!next_unique_member (r, &n, seen, &key, error))
      return FALSE;
    if (key == NULL)
      return TRUE;
    if (w2vee_json_peek (r) != W2VEE_JSON_STRING) {
      w2vee_json_error_at (r, r->pos, error, W2VEE_ERROR_HEADER_JSON,
          "the value of \"%s\" must be a string", key);
      return FALSE;
    }
    if (!w2vee_json_skip_value (r, error))
      return FALSE;
  }
}

/* One header member that is not "__metadata__": {"dtype", "shape", "data_offsets"}.
 * Other keys are ignored, as the reference does, but must still be unique. */
static gboolean
parse_entry (Header *st, W2veeJsonReader *r, Entry *e, GError **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, NULL);
  gboolean have_dtype = FALSE, have_shape = FALSE, have_offsets = FALSE;
  guint n = 0;

  if (w2vee_json_peek (r) != W2VEE_JSON_OBJECT) {
    w2vee_json_error_at (r, r->pos, error, W2VEE_ERROR_HEADER_JSON,
        "expected an object with \"dtype\", \"shape\" and \"data_offsets\"");
    return FALSE;
  }
  if (!w2vee_json_begin_object (r, error))
    return FALSE;
  for (;;) {
    const char *key;

    if (!next_unique_member (r, &n, seen, &key, error))
      return FALSE;
    if (key == NULL)
      break;
    if (strcmp (key, "dtype") == 0) {
      if (!parse_dtype (r, &e->info.dtype, error))
        return FALSE;
      have_dtype = TRUE;
    } else if (strcmp (key, "shape") == 0) {
      e->dims_at = st->dims->len;
      if (!parse_uint_array (r, "shape", W2VEE_SAFETENSORS_MAX_DIMS, st->dims,
              &e->info.n_dims, error))
        return FALSE;
      have_shape = TRUE;
    } else if (strcmp (key, "data_offsets") == 0) {
      g_autoptr (GArray) offsets = g_array_new (FALSE, FALSE, sizeof (gsize));
      guint count = 0;

      if (!parse_uint_array (r, "data_offsets", 2, offsets, &count, error))
        return FALSE;
      if (count != 2) {
        w2vee_json_error_at (r, r->pos, error, W2VEE_ERROR_HEADER_JSON,
            "\"data_offsets\" must be [begin, end]");
        return FALSE;
      }
      e->begin = g_array_index (offsets, gsize, 0);
      e->end = g_array_index (offsets, gsize, 1);
      have_offsets = TRUE;
    } else {
      if (!w2vee_json_skip_value (r, error))
        return FALSE;
    }
  }
  if (!have_dtype || !have_shape || !have_offsets) {
    w2vee_json_error_at (r, e->header_pos, error, W2VEE_ERROR_HEADER_JSON,
        "missing \"%s\"", !have_dtype ? "dtype" : !have_shape ? "shape" :
        "data_offsets");
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_header (Header *st, const char *header, gsize len, GError **error)
{
  g_autofree char *label = g_strdup_printf ("%s (JSON header)", st->path);
  g_autofree char *context = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean have_metadata = FALSE;
  W2veeJsonReader r;
  guint n = 0;

  if (!w2vee_json_reader_init (&r, header, len, label, W2VEE_ERROR_HEADER_JSON, error))
    return FALSE;
  if (w2vee_json_peek (&r) != W2VEE_JSON_OBJECT) {
    w2vee_json_error_at (&r, r.pos, error, W2VEE_ERROR_HEADER_JSON,
        "the header must be a JSON object");
    return FALSE;
  }
  if (!w2vee_json_begin_object (&r, error))
    return FALSE;
  for (;;) {
    g_autofree char *key = NULL;
    Entry e = { 0 };

    if (!w2vee_json_next_member (&r, &n, &key, error))
      return FALSE;
    if (key == NULL)
      break;
    e.header_pos = r.key_pos;
    if (strcmp (key, "__metadata__") == 0) {
      if (have_metadata) {
        w2vee_json_error_at (&r, e.header_pos, error, W2VEE_ERROR_DUPLICATE,
            "duplicate key \"__metadata__\"");
        return FALSE;
      }
      have_metadata = TRUE;
      r.context = "\"__metadata__\"";
      if (!parse_metadata (&r, error))
        return FALSE;
      r.context = NULL;
      continue;
    }
    if (g_hash_table_contains (seen, key)) {
      w2vee_json_error_at (&r, e.header_pos, error, W2VEE_ERROR_DUPLICATE,
          "duplicate tensor '%s'", key);
      return FALSE;
    }
    e.info.name = g_string_chunk_insert (st->names, key);
    g_hash_table_add (seen, (gpointer) e.info.name);
    context = g_strdup_printf ("tensor '%s'", key);
    r.context = context;
    if (!parse_entry (st, &r, &e, error))
      return FALSE;
    r.context = NULL;
    g_clear_pointer (&context, g_free);
    g_array_append_val (st->entries, e);
  }
  return w2vee_json_end (&r, error);
}

/* NULL for a scalar: the dims array may be empty, and NULL + 0 is undefined. */
static const gsize *
entry_shape (const Header *st, const Entry *e)
{
  return e->info.n_dims == 0 ? NULL : &g_array_index (st->dims, gsize, e->dims_at);
}

static gint
compare_offsets (gconstpointer a, gconstpointer b)
{
  const Entry *x = a, *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

/* As Metadata::validate of the reference: sorted by offsets, the tensors tile the
 * data section from 0, and each size matches its shape and dtype. */
static gboolean
validate_layout (Header *st, guint64 data_len, GError **error)
{
  guint64 start = 0;
  const char *prev = NULL;

  g_array_sort (st->entries, compare_offsets);
  for (guint i = 0; i < st->entries->len; i++) {
    Entry *e = &g_array_index (st->entries, Entry, i);
    const gsize *shape = entry_shape (st, e);
    guint64 begin = e->begin, numel = 1, bits, bytes;

    if (e->end < begin) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_LAYOUT,
          "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
          "] end before they begin", st->path, e->info.name, begin, e->end);
      return FALSE;
    }
    if (begin != start) {
      if (prev == NULL)
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_LAYOUT,
            "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
            "]: the first tensor must begin at offset 0", st->path, e->info.name,
            begin, e->end);
      else if (begin > start)
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_LAYOUT,
            "%s: gap in the tensor data: bytes [%" G_GUINT64_FORMAT ", %"
            G_GUINT64_FORMAT ") between tensor '%s' and tensor '%s' belong to no "
            "tensor", st->path, start, begin, prev, e->info.name);
      else
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_LAYOUT,
            "%s: tensor '%s' (data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
            "]) overlaps tensor '%s', which ends at %" G_GUINT64_FORMAT, st->path,
            e->info.name, begin, e->end, prev, start);
      return FALSE;
    }
    start = e->end;
    prev = e->info.name;

    for (guint d = 0; d < e->info.n_dims; d++) {
      if (!g_uint64_checked_mul (&numel, numel, shape[d])) {
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_SIZE,
            "%s: tensor '%s': the product of its shape overflows 64 bits",
            st->path, e->info.name);
        return FALSE;
      }
    }
    if (!g_uint64_checked_mul (&bits, numel, dtypes[e->info.dtype].bits) ||
        numel > G_MAXSIZE) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_SIZE,
          "%s: tensor '%s': %" G_GUINT64_FORMAT " elements of %s overflow the "
          "byte count", st->path, e->info.name, numel, dtypes[e->info.dtype].name);
      return FALSE;
    }
    if (bits % 8 != 0) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_SIZE,
          "%s: tensor '%s': %" G_GUINT64_FORMAT " elements of %s are not a whole "
          "number of bytes", st->path, e->info.name, numel,
          dtypes[e->info.dtype].name);
      return FALSE;
    }
    bytes = bits / 8;
    if (e->end - begin != bytes) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_SIZE,
          "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
          "] hold %" G_GUINT64_FORMAT " bytes, but %" G_GUINT64_FORMAT " elements of "
          "%s need %" G_GUINT64_FORMAT, st->path, e->info.name, begin, e->end,
          e->end - begin, numel, dtypes[e->info.dtype].name, bytes);
      return FALSE;
    }
    e->info.n_elements = (gsize) numel;
  }
  if (start != data_len) {
    if (start > data_len)
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_LAYOUT,
          "%s: file truncated: the tensors need %" G_GUINT64_FORMAT " bytes of data "
          "after the header, the file has %" G_GUINT64_FORMAT, st->path, start,
          data_len);
    else
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_LAYOUT,
          "%s: %" G_GUINT64_FORMAT " bytes after the last tensor: the tensors end at "
          "data offset %" G_GUINT64_FORMAT ", the file at %" G_GUINT64_FORMAT,
          st->path, data_len - start, start, data_len);
    return FALSE;
  }
  return TRUE;
}

W2veeTensorTable *
w2vee_tensor_table_parse_safetensors (const guint8 *data, gsize len, const char *path,
    GError **error)
{
  g_autoptr (GStringChunk) names = NULL;
  g_autoptr (GArray) entries = NULL;
  g_autoptr (GArray) dims = NULL;
  g_autoptr (W2veeTensorTable) table = NULL;
  Header header;
  guint64 n, stop;
  const guint8 *base;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!w2vee_check_not_placeholder (data, len, path, error))
    return NULL;
  if (len < 8) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_HEADER_LENGTH,
        "%s: file is %" G_GSIZE_FORMAT " bytes, too short for the 8-byte header "
        "length (truncated or not a safetensors file)", path, len);
    return NULL;
  }
  n = 0;
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | data[i];
  if (n > W2VEE_SAFETENSORS_MAX_HEADER) {
    gboolean zip = data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;

    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_HEADER_LENGTH,
        "%s: header length %" G_GUINT64_FORMAT " exceeds the limit of %d bytes: %s",
        path, n, W2VEE_SAFETENSORS_MAX_HEADER, zip ? "this is a ZIP archive (a "
        "PyTorch .bin/.pt checkpoint?), convert it to safetensors" :
        "not a safetensors file");
    return NULL;
  }
  if (!g_uint64_checked_add (&stop, n, 8) || stop > len) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_HEADER_LENGTH,
        "%s: the %" G_GUINT64_FORMAT "-byte header extends beyond the end of the %"
        G_GSIZE_FORMAT "-byte file (truncated?)", path, n, len);
    return NULL;
  }

  names = g_string_chunk_new (4096);
  entries = g_array_new (FALSE, FALSE, sizeof (Entry));
  dims = g_array_new (FALSE, FALSE, sizeof (gsize));
  header = (Header) { path, names, entries, dims };
  if (!parse_header (&header, (const char *) data + 8, (gsize) n, error))
    return NULL;
  if (!validate_layout (&header, len - stop, error))
    return NULL;

  /* In the order of their data. */
  base = data + stop;
  table = w2vee_tensor_table_new (path);
  for (guint i = 0; i < entries->len; i++) {
    const Entry *e = &g_array_index (entries, Entry, i);

    if (!w2vee_tensor_table_add (table, e->info.name, e->info.dtype, e->info.n_dims,
            entry_shape (&header, e), base + e->begin, (gsize) (e->end - e->begin),
            error))
      return NULL;
  }
  return g_steal_pointer (&table);
}

GMappedFile *
w2vee_map_file (const char *path, GError **error)
{
  g_autoptr (GError) map_error = NULL;
  GMappedFile *mapped;

  /* A FIFO or a device would block or mislead the mapping. */
  if (g_file_test (path, G_FILE_TEST_EXISTS) &&
      !g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "%s: not a regular file", path);
    return NULL;
  }
  mapped = g_mapped_file_new (path, FALSE, &map_error);
  if (mapped == NULL) {
    if (g_error_matches (map_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
          "%s: no such file (a model directory holds config.json and "
          "model.safetensors)", path);
    else
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "%s: %s", path,
          map_error->message);
  }
  return mapped;
}
