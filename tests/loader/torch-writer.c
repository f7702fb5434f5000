/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Writes torch.save-style checkpoints (see torch-writer.h). */
#include "torch-writer.h"

#include <gio/gio.h>
#include <string.h>

/* ------------------------------------------------------------------------- */
/* Bytes                                                                     */
/* ------------------------------------------------------------------------- */

static void
put8 (GByteArray *b, guint v)
{
  guint8 c = (guint8) v;

  g_byte_array_append (b, &c, 1);
}

static void
put16 (GByteArray *b, guint v)
{
  put8 (b, v & 0xFF);
  put8 (b, (v >> 8) & 0xFF);
}

static void
put32 (GByteArray *b, guint32 v)
{
  for (int i = 0; i < 4; i++)
    put8 (b, (v >> (8 * i)) & 0xFF);
}

static void
put64 (GByteArray *b, guint64 v)
{
  for (int i = 0; i < 8; i++)
    put8 (b, (guint) (v >> (8 * i)) & 0xFF);
}

static void
put_bytes (GByteArray *b, const void *p, gsize n)
{
  g_byte_array_append (b, p, (guint) n);
}

guint32
test_crc32 (const guint8 *p, gsize n)
{
  guint32 crc = 0xFFFFFFFFu;

  /* Bit by bit, the reflected polynomial 0xEDB88320. */
  for (gsize i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

/* ------------------------------------------------------------------------- */
/* Zip                                                                       */
/* ------------------------------------------------------------------------- */

static void
item_free (gpointer p)
{
  ZipItem *item = p;

  g_free (item->name);
  g_byte_array_unref (item->data);
  g_free (item);
}

ZipWriter *
zip_writer_new (TorchZipStyle style)
{
  ZipWriter *zw = g_new0 (ZipWriter, 1);

  zw->style = style;
  zw->items = g_ptr_array_new_with_free_func (item_free);
  return zw;
}

void
zip_writer_free (ZipWriter *zw)
{
  g_ptr_array_unref (zw->items);
  g_free (zw);
}

ZipItem *
zip_add (ZipWriter *zw, const char *name, const void *data, gsize len)
{
  ZipItem *item = g_new0 (ZipItem, 1);

  item->name = g_strdup (name);
  item->data = g_byte_array_new ();
  put_bytes (item->data, data, len);
  item->size = len;
  item->crc = test_crc32 (data, len);
  g_ptr_array_add (zw->items, item);
  return item;
}

ZipItem *
zip_find (ZipWriter *zw, const char *name)
{
  for (guint i = 0; i < zw->items->len; i++) {
    ZipItem *item = zw->items->pdata[i];

    if (strcmp (item->name, name) == 0)
      return item;
  }
  return NULL;
}

void
zip_remove (ZipWriter *zw, const char *name)
{
  ZipItem *item = zip_find (zw, name);

  g_assert_nonnull (item);
  g_ptr_array_remove (zw->items, item);
}

void
zip_item_deflate (ZipItem *item)
{
  g_autoptr (GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_RAW, 9);
  gsize cap = item->data->len * 2 + 64, read = 0, written = 0;
  g_autofree guint8 *out = g_malloc (cap);
  GConverterResult r;

  r = g_converter_convert (G_CONVERTER (z), item->data->data, item->data->len, out, cap,
      G_CONVERTER_INPUT_AT_END, &read, &written, NULL);
  g_assert_cmpint (r, ==, G_CONVERTER_FINISHED);
  g_byte_array_set_size (item->data, 0);
  put_bytes (item->data, out, written);
  item->method = 8;
}

GByteArray *
zip_writer_write (const ZipWriter *zw)
{
  GByteArray *out = g_byte_array_new ();
  g_autoptr (GByteArray) cd = g_byte_array_new ();
  gboolean miniz = zw->style == TORCH_ZIP_MINIZ;
  guint16 flags = miniz ? 0x0808 : 0;
  guint64 cd_offset, zip64_at;

  for (guint i = 0; i < zw->items->len; i++) {
    const ZipItem *item = zw->items->pdata[i];
    gsize name_len = strlen (item->name), pad = 0;
    guint64 at = out->len;
    guint16 f = flags | item->flags_extra;
    gboolean z64 = item->zip64 && !miniz;

    if (miniz)
      pad = (64 - (at + 30 + name_len + 4) % 64) % 64;
    put32 (out, 0x04034b50);
    put16 (out, miniz ? 0 : 20);
    put16 (out, f);
    put16 (out, item->method);
    put16 (out, 0);
    put16 (out, miniz ? 0 : 0x21);   /* date: 1980-01-01 */
    put32 (out, miniz ? 0 : item->crc);
    put32 (out, miniz ? 0 : z64 ? 0xFFFFFFFFu : item->data->len);
    put32 (out, miniz ? 0 : z64 ? 0xFFFFFFFFu : item->size);
    put16 (out, name_len);
    put16 (out, miniz ? 4 + pad : z64 ? 20 : 0);
    put_bytes (out, item->name, name_len);
    if (z64) {
      /* zip64 extended information: size, then compressed size */
      put16 (out, 1);
      put16 (out, 16);
      put64 (out, item->size);
      put64 (out, item->data->len);
    }
    if (miniz) {
      put_bytes (out, "FB", 2);
      put16 (out, pad);
      for (gsize k = 0; k < pad; k++)
        put8 (out, 'Z');
    }
    put_bytes (out, item->data->data, item->data->len);
    if (miniz) {
      put32 (out, 0x08074b50);
      put32 (out, item->crc);
      put32 (out, item->data->len);
      put32 (out, item->size);
    }

    put32 (cd, 0x02014b50);
    put16 (cd, miniz ? 0 : 0x0314);
    put16 (cd, miniz ? 0 : 20);
    put16 (cd, f);
    put16 (cd, item->method);
    put16 (cd, 0);
    put16 (cd, miniz ? 0 : 0x21);
    put32 (cd, item->crc);
    put32 (cd, z64 ? 0xFFFFFFFFu : item->data->len);
    put32 (cd, z64 ? 0xFFFFFFFFu : item->size);
    put16 (cd, name_len);
    put16 (cd, z64 ? 28 : 0);
    put16 (cd, 0);
    put16 (cd, 0);
    put16 (cd, 0);
    put32 (cd, miniz ? 0 : 0600u << 16);
    put32 (cd, z64 ? 0xFFFFFFFFu : (guint32) at);
    put_bytes (cd, item->name, name_len);
    if (z64) {
      /* size, compressed size, local header offset */
      put16 (cd, 1);
      put16 (cd, 24);
      put64 (cd, item->size);
      put64 (cd, item->data->len);
      put64 (cd, at);
    }
  }
  cd_offset = out->len;
  put_bytes (out, cd->data, cd->len);
  if (miniz) {
    zip64_at = out->len;
    put32 (out, 0x06064b50);
    put64 (out, 44);
    put16 (out, 0x031e);
    put16 (out, 45);
    put32 (out, 0);
    put32 (out, 0);
    put64 (out, zw->items->len);
    put64 (out, zw->items->len);
    put64 (out, cd->len);
    put64 (out, cd_offset);
    put32 (out, 0x07064b50);
    put32 (out, 0);
    put64 (out, zip64_at);
    put32 (out, 1);
  }
  put32 (out, 0x06054b50);
  put16 (out, 0);
  put16 (out, 0);
  put16 (out, zw->items->len);
  put16 (out, zw->items->len);
  put32 (out, cd->len);
  put32 (out, (guint32) cd_offset);
  put16 (out, 0);
  return out;
}

/* ------------------------------------------------------------------------- */
/* Pickle, as CPython's protocol-2 pickler writes a state dict               */
/* ------------------------------------------------------------------------- */

typedef struct {
  GByteArray *b;
  const TorchPickleOptions *opts;
  guint next_memo;
  GHashTable *memo;       /* "s:text" or "g:module.name" -> index + 1 */
} Pickler;

static void
memo_put (Pickler *p, const char *key)
{
  guint index = p->next_memo++;

  if (index < 256) {
    put8 (p->b, 'q');
    put8 (p->b, index);
  } else {
    put8 (p->b, 'r');
    put32 (p->b, index);
  }
  if (key != NULL)
    g_hash_table_insert (p->memo, g_strdup (key), GUINT_TO_POINTER (index + 1));
}

/* BINGET of @key when memoized; returns FALSE when it is not. */
static gboolean
memo_get (Pickler *p, const char *key)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (p->memo, key));

  if (index == 0)
    return FALSE;
  index--;
  if (index < 256) {
    put8 (p->b, 'h');
    put8 (p->b, index);
  } else {
    put8 (p->b, 'j');
    put32 (p->b, index);
  }
  return TRUE;
}

static void
save_str (Pickler *p, const char *s)
{
  g_autofree char *key = g_strconcat ("s:", s, NULL);

  if (memo_get (p, key))
    return;
  put8 (p->b, 'X');
  put32 (p->b, (guint32) strlen (s));
  put_bytes (p->b, s, strlen (s));
  memo_put (p, key);
}

static void
save_global (Pickler *p, const char *module, const char *name)
{
  g_autofree char *key = g_strconcat ("g:", module, ".", name, NULL);

  if (memo_get (p, key))
    return;
  put8 (p->b, 'c');
  put_bytes (p->b, module, strlen (module));
  put8 (p->b, '\n');
  put_bytes (p->b, name, strlen (name));
  put8 (p->b, '\n');
  memo_put (p, key);
}

static void
save_int (Pickler *p, guint64 v)
{
  if (p->opts->long1_ints || v >= G_GUINT64_CONSTANT (0x80000000)) {
    guint8 bytes[9];
    guint n = 0;

    /* The shortest two's complement of a non-negative value. */
    do {
      bytes[n++] = (guint8) (v & 0xFF);
      v >>= 8;
    } while (v != 0);
    if (bytes[n - 1] & 0x80)
      bytes[n++] = 0;
    put8 (p->b, 0x8a);
    put8 (p->b, n);
    put_bytes (p->b, bytes, n);
  } else if (v < 256) {
    put8 (p->b, 'K');
    put8 (p->b, (guint) v);
  } else if (v < 65536) {
    put8 (p->b, 'M');
    put16 (p->b, (guint) v);
  } else {
    put8 (p->b, 'J');
    put32 (p->b, (guint32) v);
  }
}

/* A tuple of ints, memoized (never reused: each is a new object). */
static void
save_int_tuple (Pickler *p, const guint64 *v, guint n)
{
  if (n == 0) {
    put8 (p->b, ')');
    return;
  }
  if (n > 3)
    put8 (p->b, '(');
  for (guint i = 0; i < n; i++)
    save_int (p, v[i]);
  put8 (p->b, n > 3 ? 't' : 0x84 + n);
  memo_put (p, NULL);
}

/* OrderedDict(): GLOBAL, EMPTY_TUPLE, REDUCE. */
static void
save_empty_ordered_dict (Pickler *p)
{
  save_global (p, "collections", "OrderedDict");
  put8 (p->b, ')');
  put8 (p->b, 'R');
  memo_put (p, NULL);
}

static void
save_tensor (Pickler *p, const TorchTensorRef *t)
{
  if (t->parameter)
    save_global (p, "torch._utils", "_rebuild_parameter");
  save_global (p, "torch._utils", "_rebuild_tensor_v2");
  put8 (p->b, '(');
  /* persistent id ('storage', torch.XStorage, key, 'cpu', numel) */
  put8 (p->b, '(');
  save_str (p, "storage");
  save_global (p, "torch", t->storage_type);
  save_str (p, t->key);
  save_str (p, "cpu");
  save_int (p, t->storage_numel);
  put8 (p->b, 't');
  memo_put (p, NULL);
  put8 (p->b, 'Q');
  save_int (p, t->offset);
  save_int_tuple (p, t->size, t->n_dims);
  save_int_tuple (p, t->stride, t->n_dims);
  put8 (p->b, 0x89);                /* requires_grad False */
  save_empty_ordered_dict (p);      /* backward_hooks */
  put8 (p->b, 't');
  memo_put (p, NULL);
  put8 (p->b, 'R');
  memo_put (p, NULL);
  if (t->parameter) {
    put8 (p->b, 0x88);              /* requires_grad True */
    save_empty_ordered_dict (p);
    put8 (p->b, 0x87);              /* TUPLE3 */
    memo_put (p, NULL);
    put8 (p->b, 'R');
    memo_put (p, NULL);
  }
}

GByteArray *
torch_pickle_state_dict (const TorchTensorRef *tensors, guint n,
    const TorchPickleOptions *opts)
{
  static const TorchPickleOptions defaults = { 0 };
  Pickler p = { 0 };

  p.b = g_byte_array_new ();
  p.opts = opts != NULL ? opts : &defaults;
  p.next_memo = p.opts->long_memo ? 256 : 0;
  p.memo = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  put8 (p.b, 0x80);
  put8 (p.b, 2);
  save_empty_ordered_dict (&p);
  /* Items in batches of 1000, as the pickler does. */
  for (guint start = 0; start < n; start += 1000) {
    put8 (p.b, '(');
    for (guint i = start; i < n && i < start + 1000; i++) {
      save_str (&p, tensors[i].name);
      save_tensor (&p, &tensors[i]);
    }
    put8 (p.b, 'u');
  }
  if (p.opts->metadata) {
    /* state {'_metadata': OrderedDict([('', {'version': 1}), ('wav2vec2', ...)])} */
    put8 (p.b, '}');
    memo_put (&p, NULL);
    save_str (&p, "_metadata");
    save_empty_ordered_dict (&p);
    put8 (p.b, '(');
    save_str (&p, "");
    put8 (p.b, '}');
    memo_put (&p, NULL);
    save_str (&p, "version");
    save_int (&p, 1);
    put8 (p.b, 's');
    save_str (&p, "wav2vec2");
    put8 (p.b, '}');
    memo_put (&p, NULL);
    save_str (&p, "version");
    save_int (&p, 1);
    put8 (p.b, 's');
    put8 (p.b, 'u');
    put8 (p.b, 's');
    put8 (p.b, 'b');
  }
  put8 (p.b, '.');
  g_hash_table_unref (p.memo);
  return p.b;
}

/* ------------------------------------------------------------------------- */
/* Checkpoints of a TinyModel                                                */
/* ------------------------------------------------------------------------- */

void
torch_bin_options_init (TorchBinOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->style = TORCH_ZIP_MINIZ;
  opts->prefix = "pytorch_model";
  opts->pickle.metadata = TRUE;
}

void
torch_tensor_ref_free (gpointer p)
{
  TorchTensorRef *t = p;

  g_free (t->name);
  g_free (t->key);
  g_free (t);
}

static const char *
storage_type_of (const char *dtype, guint *item)
{
  if (strcmp (dtype, "F16") == 0 || strcmp (dtype, "BF16") == 0) {
    *item = 2;
    return dtype[0] == 'F' ? "HalfStorage" : "BFloat16Storage";
  }
  g_assert_cmpstr (dtype, ==, "F32");
  *item = 4;
  return "FloatStorage";
}

/* Storage keys: per tensor ("0", "1", ...), or one per dtype with .one_storage. */
GPtrArray *
torch_bin_refs (const TinyModel *m, const TorchBinOptions *opts)
{
  GPtrArray *refs = g_ptr_array_new_with_free_func (torch_tensor_ref_free);
  g_autoptr (GHashTable) shared = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      g_free);   /* storage type -> guint64[2] {key, elements so far} */
  guint n_keys = 0;

  for (guint i = 0; i < m->tensors->len; i++) {
    const TinyTensor *t = m->tensors->pdata[i];
    TorchTensorRef *r = g_new0 (TorchTensorRef, 1);
    guint item;
    guint64 numel = 1, stride = 1;

    r->name = g_strdup (t->name);
    r->storage_type = storage_type_of (t->dtype, &item);
    r->n_dims = t->n_dims;
    for (guint d = 0; d < t->n_dims; d++) {
      r->size[d] = t->shape[d];
      numel *= t->shape[d];
    }
    for (guint d = t->n_dims; d-- > 0;) {
      r->stride[d] = stride;
      stride *= t->shape[d];
    }
    if (opts->one_storage) {
      guint64 *s = g_hash_table_lookup (shared, r->storage_type);

      if (s == NULL) {
        s = g_new0 (guint64, 2);
        s[0] = n_keys++;
        g_hash_table_insert (shared, (gpointer) r->storage_type, s);
      }
      r->key = g_strdup_printf ("%" G_GUINT64_FORMAT, s[0]);
      r->offset = s[1];
      s[1] += numel;
    } else {
      r->key = g_strdup_printf ("%u", n_keys++);
      r->storage_numel = numel;
    }
    r->parameter = opts->parameters && i % 2 == 1;
    g_ptr_array_add (refs, r);
  }
  if (opts->one_storage) {
    for (guint i = 0; i < refs->len; i++) {
      TorchTensorRef *r = refs->pdata[i];

      r->storage_numel = ((guint64 *) g_hash_table_lookup (shared, r->storage_type))[1];
    }
  }
  return refs;
}

static gint
compare_keys (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

ZipWriter *
torch_bin_zip (const TinyModel *m, const TorchBinOptions *opts, GPtrArray *refs,
    GByteArray *pickle)
{
  ZipWriter *zw = zip_writer_new (opts->style);
  g_autoptr (GPtrArray) own_refs = NULL;
  g_autoptr (GByteArray) own_pickle = NULL;
  g_autoptr (GHashTable) storages = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, (GDestroyNotify) g_byte_array_unref);
  g_autoptr (GPtrArray) keys = g_ptr_array_new ();
  const char *prefix = opts->prefix;
  g_autofree char *name = NULL;

  if (refs == NULL)
    refs = own_refs = torch_bin_refs (m, opts);
  if (pickle == NULL) {
    g_autoptr (GArray) flat = g_array_new (FALSE, FALSE, sizeof (TorchTensorRef));

    for (guint i = 0; i < refs->len; i++)
      g_array_append_vals (flat, refs->pdata[i], 1);
    pickle = own_pickle = torch_pickle_state_dict ((TorchTensorRef *) (void *) flat->data,
        flat->len, &opts->pickle);
  }

  /* Storage bytes: the tensors' data at their offsets, in the order of the tensors. */
  for (guint i = 0; i < refs->len && i < m->tensors->len; i++) {
    const TorchTensorRef *r = refs->pdata[i];
    const TinyTensor *t = m->tensors->pdata[i];
    GByteArray *s = g_hash_table_lookup (storages, r->key);

    if (s == NULL) {
      s = g_byte_array_new ();
      g_hash_table_insert (storages, g_strdup (r->key), s);
      g_ptr_array_add (keys, r->key);
    }
    g_byte_array_append (s, t->data->data, t->data->len);
  }

  name = g_strdup_printf ("%s/data.pkl", prefix);
  zip_add (zw, name, pickle->data, pickle->len);
  if (opts->torch2_records) {
    g_free (name);
    name = g_strdup_printf ("%s/byteorder", prefix);
    zip_add (zw, name, "little", 6);
  }
  /* torch writes the storages sorted by key as strings. */
  g_ptr_array_sort (keys, compare_keys);
  for (guint i = 0; i < keys->len; i++) {
    GByteArray *s = g_hash_table_lookup (storages, keys->pdata[i]);

    g_free (name);
    name = g_strdup_printf ("%s/data/%s", prefix, (const char *) keys->pdata[i]);
    zip_add (zw, name, s->data, s->len);
  }
  g_free (name);
  name = g_strdup_printf ("%s/version", prefix);
  zip_add (zw, name, "3\n", 2);
  if (opts->torch2_records) {
    static const char id[] = "0636457737946401051300000027264370494161";

    g_free (name);
    name = g_strdup_printf ("%s/.data/serialization_id", prefix);
    zip_add (zw, name, id, sizeof id - 1);
    g_free (name);
    name = g_strdup_printf ("%s/.format_version", prefix);
    zip_add (zw, name, "1", 1);
    g_free (name);
    name = g_strdup_printf ("%s/.storage_alignment", prefix);
    zip_add (zw, name, "64", 2);
  }
  for (guint i = 0; i < zw->items->len; i++)
    ((ZipItem *) zw->items->pdata[i])->zip64 = opts->zip64_entries;
  return zw;
}

GByteArray *
torch_bin_write (const TinyModel *m, const TorchBinOptions *opts)
{
  g_autoptr (ZipWriter) zw = torch_bin_zip (m, opts, NULL, NULL);

  return zip_writer_write (zw);
}
