/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The tensor table (see tensors.h) and the two readers that fill it. */
#include "tensors.h"

#include <string.h>

#include "pickle.h"
#include "w2vee/w2vee.h"
#include "zip.h"

typedef struct {
  W2veeTensorInfo info;  /* first member: a W2veeTensorInfo * is an Entry * */
  guint index;
  gsize shape[W2VEE_SAFETENSORS_MAX_DIMS];
} Entry;

struct _W2veeTensorTable {
  char *path;
  GMappedFile *mapped;   /* NULL unless made by w2vee_tensor_table_open() */
  GStringChunk *names;
  GPtrArray *entries;    /* Entry *, owned */
  GHashTable *by_name;   /* name (in names) -> Entry * */
};

W2veeTensorTable *
w2vee_tensor_table_new (const char *path)
{
  W2veeTensorTable *table = g_new0 (W2veeTensorTable, 1);

  table->path = g_strdup (path);
  table->names = g_string_chunk_new (4096);
  table->entries = g_ptr_array_new_with_free_func (g_free);
  table->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return table;
}

void
w2vee_tensor_table_free (W2veeTensorTable *table)
{
  if (table == NULL)
    return;
  g_free (table->path);
  g_clear_pointer (&table->mapped, g_mapped_file_unref);
  g_clear_pointer (&table->names, g_string_chunk_free);
  g_clear_pointer (&table->entries, g_ptr_array_unref);
  g_clear_pointer (&table->by_name, g_hash_table_unref);
  g_free (table);
}

gboolean
w2vee_tensor_table_add (W2veeTensorTable *table, const char *name, W2veeDtype dtype,
    guint n_dims, const gsize *shape, const guint8 *data, gsize n_bytes,
    GError **error)
{
  Entry *e;
  guint64 numel = 1, bits;

  g_return_val_if_fail (table != NULL && name != NULL, FALSE);
  g_return_val_if_fail ((guint) dtype < W2VEE_N_DTYPES, FALSE);

  if (g_hash_table_contains (table->by_name, name)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_DUPLICATE, "%s: duplicate tensor '%s'",
        table->path, name);
    return FALSE;
  }
  if (table->entries->len >= W2VEE_MAX_TENSORS || n_dims > W2VEE_SAFETENSORS_MAX_DIMS) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE, "%s: tensor '%s': more than "
        "%d tensors or %d dimensions", table->path, name, W2VEE_MAX_TENSORS,
        W2VEE_SAFETENSORS_MAX_DIMS);
    return FALSE;
  }
  for (guint d = 0; d < n_dims; d++) {
    if (!g_uint64_checked_mul (&numel, numel, shape[d])) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_SIZE, "%s: tensor '%s': the "
          "product of its shape overflows 64 bits", table->path, name);
      return FALSE;
    }
  }
  if (!g_uint64_checked_mul (&bits, numel, w2vee_dtype_bits (dtype)) ||
      numel > G_MAXSIZE || bits % 8 != 0 || bits / 8 != n_bytes) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TENSOR_SIZE, "%s: tensor '%s': %"
        G_GSIZE_FORMAT " bytes for %" G_GUINT64_FORMAT " elements of %s", table->path,
        name, n_bytes, numel, w2vee_dtype_name (dtype));
    return FALSE;
  }

  e = g_new0 (Entry, 1);
  e->info.name = g_string_chunk_insert (table->names, name);
  e->info.dtype = dtype;
  e->info.n_dims = n_dims;
  if (n_dims > 0)
    memcpy (e->shape, shape, n_dims * sizeof (gsize));
  e->info.shape = e->shape;
  e->info.n_elements = (gsize) numel;
  e->info.data = data;
  e->info.n_bytes = n_bytes;
  e->index = table->entries->len;
  g_ptr_array_add (table->entries, e);
  g_hash_table_insert (table->by_name, (gpointer) e->info.name, e);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* pytorch_model.bin                                                         */
/* ------------------------------------------------------------------------- */

static gboolean
find_storage (const char *key, const guint8 **data, gsize *n_bytes, gpointer user_data)
{
  const W2veeZip *zip = user_data;
  g_autofree char *rel = g_strconcat ("data/", key, NULL);
  const W2veeZipEntry *e = w2vee_zip_lookup (zip, rel);

  if (e == NULL)
    return FALSE;
  *data = e->data;
  *n_bytes = e->size;
  return TRUE;
}

/* The first bytes of the pre-1.6 format: PROTO 2, then the magic number as LONG1. */
static gboolean
is_legacy_torch (const guint8 *data, gsize len)
{
  static const guint8 magic[] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
    0x20, 0x6a, 0xa8, 0x50, 0x19 };

  return (len >= sizeof magic && memcmp (data, magic, sizeof magic) == 0) ||
      (len >= 262 && memcmp (data + 257, "ustar", 5) == 0);
}

W2veeTensorTable *
w2vee_tensor_table_parse_pytorch (const guint8 *data, gsize len, const char *path,
    GError **error)
{
  g_autoptr (W2veeZip) zip = NULL;
  g_autoptr (W2veeTensorTable) table = NULL;
  g_autofree char *what = NULL;
  const W2veeZipEntry *pkl;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!w2vee_check_not_placeholder (data, len, path, error))
    return NULL;
  if (is_legacy_torch (data, len)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_ZIP, "%s: a checkpoint in the legacy "
        "format of PyTorch < 1.6, which is not supported: re-save it with a newer "
        "torch.save, or convert it to safetensors", path);
    return NULL;
  }
  zip = w2vee_zip_parse (data, len, path, error);
  if (zip == NULL)
    return NULL;
  pkl = w2vee_zip_lookup (zip, "data.pkl");
  what = g_strdup_printf ("%s (%s)", path, pkl->name);
  table = w2vee_tensor_table_new (path);
  if (!w2vee_pickle_read_state_dict (pkl->data, pkl->size, what, find_storage, zip,
          table, error))
    return NULL;
  return g_steal_pointer (&table);
}

W2veeTensorTable *
w2vee_tensor_table_open (const char *path, W2veeWeightsFormat format, GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  const guint8 *data;
  gsize len;
  W2veeTensorTable *table;

  g_return_val_if_fail (path != NULL, NULL);

  mapped = w2vee_map_file (path, error);
  if (mapped == NULL)
    return NULL;
  data = (const guint8 *) g_mapped_file_get_contents (mapped);
  len = g_mapped_file_get_length (mapped);
  if (data == NULL)
    data = (const guint8 *) ""; /* an empty file maps to NULL */
  if (format == W2VEE_WEIGHTS_SAFETENSORS)
    table = w2vee_tensor_table_parse_safetensors (data, len, path, error);
  else
    table = w2vee_tensor_table_parse_pytorch (data, len, path, error);
  if (table == NULL)
    return NULL;
  table->mapped = g_steal_pointer (&mapped);
  return table;
}

GMappedFile *
w2vee_tensor_table_get_mapped (const W2veeTensorTable *table)
{
  return table->mapped;
}

const char *
w2vee_tensor_table_get_path (const W2veeTensorTable *table)
{
  return table->path;
}

guint
w2vee_tensor_table_n_tensors (const W2veeTensorTable *table)
{
  return table->entries->len;
}

const W2veeTensorInfo *
w2vee_tensor_table_tensor (const W2veeTensorTable *table, guint i)
{
  g_return_val_if_fail (i < table->entries->len, NULL);
  return &((Entry *) table->entries->pdata[i])->info;
}

const W2veeTensorInfo *
w2vee_tensor_table_lookup (const W2veeTensorTable *table, const char *name)
{
  const Entry *e = g_hash_table_lookup (table->by_name, name);

  return e != NULL ? &e->info : NULL;
}

guint
w2vee_tensor_table_index_of (const W2veeTensorTable *table, const W2veeTensorInfo *info)
{
  return ((const Entry *) info)->index;
}
