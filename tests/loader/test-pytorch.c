/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Tests of pytorch_model.bin loading (engine/format/zip.c, pickle.c, tensors.c,
 * engine/model.c):
 *
 *   /pytorch/valid/...     the tiny model (tiny-model.h) written as torch.save writes
 *                          it (torch-writer.h), in both zip styles, F32/F16/BF16,
 *                          shared storages, parameters, torch 2 records: every weight
 *                          equals the safetensors load of the same model, bit for bit;
 *                          which file is read, and the switch that disables .bin
 *   /pytorch/bad/...       a table of malicious and malformed checkpoints, each with
 *                          its error code and a fragment of its message
 *   /pytorch/truncate/...  the file, and data.pkl alone, cut at every byte
 *   /pytorch/parsers/...   CRC-32 known answers
 *
 *   test-pytorch --write-fixtures DIR   writes valid variants for torch_bin.py, which
 *                                       loads them with PyTorch itself
 *   test-pytorch --compare A B          loads both model directories (B from
 *                                       pytorch_model.bin): weights bit-identical?
 *
 * Scratch directories go under the current directory and are removed at the end
 * unless W2VEE_KEEP_TEST_DIRS is set.
 */
#include <string.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include "model.h"
#include "format/tensors.h"
#include "test-support.h"
#include "tiny-model.h"
#include "torch-writer.h"
#include "format/pickle.h"
#include "format/zip.h"

#define PREFIX "wav2vec2."

static TinyModel *
tiny (TinyDtype dtype)
{
  TinyOptions opts;

  tiny_options_init (&opts);
  opts.dtype = dtype;
  return tiny_model_new (&opts);
}

/* A model directory of @m whose weights are @bin (no model.safetensors). */
static char *
write_bin_dir (const TinyModel *m, const GByteArray *bin)
{
  char *dir = test_new_dir ();
  g_autofree char *st = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *path = g_build_filename (dir, "pytorch_model.bin", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (tiny_model_write (m, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (st), ==, 0);
  g_assert_true (g_file_set_contents (path, (const char *) bin->data, bin->len, &error));
  g_assert_no_error (error);
  return dir;
}

static W2veeModel *
load_dir (const char *dir)
{
  g_autoptr (GError) error = NULL;
  W2veeModel *model = w2vee_model_load (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

/* The same model, through model.safetensors. */
static W2veeModel *
load_safetensors (const TinyModel *m)
{
  g_autofree char *dir = test_new_dir ();

  g_assert_true (tiny_model_write (m, dir, NULL));
  return load_dir (dir);
}

/* ------------------------------------------------------------------------- */
/* Comparing two loaded models                                               */
/* ------------------------------------------------------------------------- */

typedef struct {
  const float *p;
  gsize n;
  const char *what;
} Weight;

static void
add_weight (GArray *a, const float *p, gsize n, const char *what)
{
  Weight w = { p, n, what };

  g_array_append_val (a, w);
}

/* Every weight the forward pass reads, with its element count. */
static GArray *
weights_of (const W2veeModel *m)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (Weight));
  const W2veeConfig *c = &m->cfg;
  gsize d = c->hidden_size, ffn = c->intermediate_size, v = c->vocab_size;
  gsize c_last = c->conv_dim[c->n_conv - 1];

  for (gsize i = 0; i < c->n_conv; i++) {
    const W2veeConvLayer *l = &m->conv[i];

    add_weight (a, l->w, l->c_out * l->kernel * l->c_in, "conv.w");
    add_weight (a, l->b, l->b != NULL ? l->c_out : 0, "conv.b");
    add_weight (a, l->norm_w, l->norm_w != NULL ? l->c_out : 0, "conv.norm_w");
    add_weight (a, l->norm_b, l->norm_b != NULL ? l->c_out : 0, "conv.norm_b");
  }
  add_weight (a, m->proj_ln_w, c_last, "proj_ln_w");
  add_weight (a, m->proj_ln_b, c_last, "proj_ln_b");
  add_weight (a, m->proj_w, d * c_last, "proj_w");
  add_weight (a, m->proj_b, d, "proj_b");
  add_weight (a, m->pos_w, d * (d / c->pos_groups) * c->pos_kernel, "pos_w");
  add_weight (a, m->pos_b, d, "pos_b");
  add_weight (a, m->enc_ln_w, d, "enc_ln_w");
  add_weight (a, m->enc_ln_b, d, "enc_ln_b");
  for (gsize l = 0; l < c->n_layers; l++) {
    const W2veeLayer *y = &m->layers[l];

    add_weight (a, y->q_w, d * d, "q_w");
    add_weight (a, y->q_b, d, "q_b");
    add_weight (a, y->k_w, d * d, "k_w");
    add_weight (a, y->k_b, d, "k_b");
    add_weight (a, y->v_w, d * d, "v_w");
    add_weight (a, y->v_b, d, "v_b");
    add_weight (a, y->o_w, d * d, "o_w");
    add_weight (a, y->o_b, d, "o_b");
    add_weight (a, y->ln_w, d, "ln_w");
    add_weight (a, y->ln_b, d, "ln_b");
    add_weight (a, y->ff_in_w, ffn * d, "ff_in_w");
    add_weight (a, y->ff_in_b, ffn, "ff_in_b");
    add_weight (a, y->ff_out_w, d * ffn, "ff_out_w");
    add_weight (a, y->ff_out_b, d, "ff_out_b");
    add_weight (a, y->final_ln_w, d, "final_ln_w");
    add_weight (a, y->final_ln_b, d, "final_ln_b");
  }
  for (guint e = 0; e < m->n_exits; e++) {
    add_weight (a, m->exits[e].w, v * d, "exit.w");
    add_weight (a, m->exits[e].b, v, "exit.b");
  }
  return a;
}

static void
assert_same_models (const W2veeModel *a, const W2veeModel *b)
{
  g_autoptr (GArray) wa = weights_of (a);
  g_autoptr (GArray) wb = weights_of (b);

  g_assert_cmpuint (a->n_exits, ==, b->n_exits);
  g_assert_cmpuint (a->cfg.n_layers, ==, b->cfg.n_layers);
  g_assert_cmpuint (a->weight_bytes, ==, b->weight_bytes);
  g_assert_cmpuint (wa->len, ==, wb->len);
  for (guint i = 0; i < wa->len; i++) {
    const Weight *x = &g_array_index (wa, Weight, i), *y = &g_array_index (wb, Weight, i);

    g_assert_cmpuint (x->n, ==, y->n);
    g_assert_true ((x->p == NULL) == (y->p == NULL));
    if (x->n > 0 && memcmp (x->p, y->p, x->n * sizeof (float)) != 0)
      g_error ("weight %u (%s) differs between the .bin and the safetensors load", i,
          x->what);
  }
  for (guint e = 0; e < a->n_exits; e++)
    g_assert_cmpuint (a->exits[e].layer, ==, b->exits[e].layer);
}

static gboolean
in_mapping (const W2veeModel *model, const void *p)
{
  const char *base = g_mapped_file_get_contents (model->mapped);
  gsize len = g_mapped_file_get_length (model->mapped);

  return (const char *) p >= base && (const char *) p < base + len;
}

/* ------------------------------------------------------------------------- */
/* Valid files                                                               */
/* ------------------------------------------------------------------------- */

typedef struct {
  const char *path;
  TinyDtype dtype;
  TorchZipStyle style;
  const char *prefix;
  gboolean torch2_records, one_storage, parameters, long_memo, long1_ints, no_metadata;
  gboolean zip64_entries;
} ValidCase;

static const ValidCase valid_cases[] = {
  { "/pytorch/valid/f32-miniz", TINY_F32, TORCH_ZIP_MINIZ },
  { "/pytorch/valid/f32-plain-zip", TINY_F32, TORCH_ZIP_PLAIN },
  { "/pytorch/valid/f16", TINY_F16, TORCH_ZIP_MINIZ },
  { "/pytorch/valid/bf16", TINY_BF16, TORCH_ZIP_MINIZ },
  { "/pytorch/valid/torch2-records", TINY_F32, TORCH_ZIP_MINIZ, "archive", TRUE },
  { "/pytorch/valid/one-storage-views", TINY_F32, TORCH_ZIP_MINIZ, NULL, FALSE, TRUE },
  { "/pytorch/valid/one-storage-f16-plain", TINY_F16, TORCH_ZIP_PLAIN, NULL, FALSE, TRUE },
  { "/pytorch/valid/parameters", TINY_F32, TORCH_ZIP_MINIZ, NULL, FALSE, FALSE, TRUE },
  { "/pytorch/valid/long-memo-long1", TINY_BF16, TORCH_ZIP_MINIZ, NULL, FALSE, TRUE, TRUE,
    TRUE, TRUE },
  { "/pytorch/valid/no-metadata", TINY_F32, TORCH_ZIP_PLAIN, "x", FALSE, FALSE, FALSE,
    FALSE, FALSE, TRUE },
  { "/pytorch/valid/zip64-extra-fields", TINY_F16, TORCH_ZIP_PLAIN, NULL, TRUE, TRUE,
    FALSE, FALSE, FALSE, FALSE, TRUE },
};

static void
options_of (const ValidCase *c, TorchBinOptions *o)
{
  torch_bin_options_init (o);
  o->style = c->style;
  if (c->prefix != NULL)
    o->prefix = c->prefix;
  o->torch2_records = c->torch2_records;
  o->one_storage = c->one_storage;
  o->parameters = c->parameters;
  o->pickle.long_memo = c->long_memo;
  o->pickle.long1_ints = c->long1_ints;
  o->pickle.metadata = !c->no_metadata;
  o->zip64_entries = c->zip64_entries;
}

static void
test_valid (gconstpointer data)
{
  const ValidCase *c = data;
  TorchBinOptions o;
  TinyModel *m = tiny (c->dtype);
  g_autoptr (GByteArray) bin = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (W2veeModel) from_bin = NULL, from_st = NULL;

  options_of (c, &o);
  bin = torch_bin_write (m, &o);
  dir = write_bin_dir (m, bin);
  from_bin = load_dir (dir);
  from_st = load_safetensors (m);
  assert_same_models (from_bin, from_st);
  g_assert_cmpuint (g_mapped_file_get_length (from_bin->mapped), ==, bin->len);

  /* Used in place: F32 data of the miniz style is 64-byte aligned in the file. */
  if (c->dtype == TINY_F32 && c->style == TORCH_ZIP_MINIZ && !c->one_storage) {
    g_assert_true (in_mapping (from_bin, from_bin->proj_w));
    g_assert_true (in_mapping (from_bin, from_bin->layers[1].ff_out_w));
    g_assert_true (in_mapping (from_bin, from_bin->exits[1].w));
    g_assert_cmpuint ((guintptr) from_bin->proj_w % 64, ==, 0);
  }
  tiny_model_free (m);
}

/* Which file is read: safetensors wins, a broken one never falls back, and the
 * switch that disables .bin. */
static void
test_policy (void)
{
  TinyModel *m = tiny (TINY_F32);
  TorchBinOptions o;
  g_autoptr (GByteArray) bin = NULL;
  g_autofree char *dir = NULL, *st = NULL, *bin_path = NULL;
  g_autoptr (GError) error = NULL;
  W2veeModel *model;

  torch_bin_options_init (&o);
  bin = torch_bin_write (m, &o);
  dir = write_bin_dir (m, bin);
  st = g_build_filename (dir, "model.safetensors", NULL);
  bin_path = g_build_filename (dir, "pytorch_model.bin", NULL);

  /* .bin only: loads; not with the flag, nor with $W2VEE_NO_PICKLE. */
  model = load_dir (dir);
  g_assert_cmpuint (g_mapped_file_get_length (model->mapped), ==, bin->len);
  w2vee_model_unref (model);
  model = w2vee_model_load_full (dir, W2VEE_LOAD_NO_PICKLE, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, st));
  g_assert_nonnull (strstr (error->message, "pytorch_model.bin is disabled"));
  g_clear_error (&error);
  g_setenv ("W2VEE_NO_PICKLE", "1", TRUE);
  model = w2vee_model_load (dir, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "is disabled"));
  g_clear_error (&error);
  g_setenv ("W2VEE_NO_PICKLE", "0", TRUE);
  model = load_dir (dir);
  w2vee_model_unref (model);
  g_setenv ("W2VEE_NO_PICKLE", "", TRUE);
  model = load_dir (dir);
  w2vee_model_unref (model);
  g_unsetenv ("W2VEE_NO_PICKLE");

  /* Both: safetensors is read, even with a broken .bin beside it. */
  {
    g_autoptr (GByteArray) sf = tiny_model_safetensors (m);

    g_assert_true (g_file_set_contents (st, (const char *) sf->data, sf->len, NULL));
    g_assert_true (g_file_set_contents (bin_path, "garbage", 7, NULL));
    model = load_dir (dir);
    g_assert_cmpuint (g_mapped_file_get_length (model->mapped), ==, sf->len);
    w2vee_model_unref (model);
    model = w2vee_model_load_full (dir, W2VEE_LOAD_NO_PICKLE, &error);
    g_assert_no_error (error);
    w2vee_model_unref (model);
  }

  /* A broken model.safetensors beside a good .bin: its error, no fallback. */
  g_assert_true (g_file_set_contents (bin_path, (const char *) bin->data, bin->len, NULL));
  g_assert_true (g_file_set_contents (st, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, NULL));
  model = w2vee_model_load (dir, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_HEADER_LENGTH);
  g_assert_true (g_str_has_prefix (error->message, st));
  g_clear_error (&error);

  /* A dangling symlink (an incomplete download in a Hugging Face cache) likewise. */
  g_assert_cmpint (g_unlink (st), ==, 0);
  g_assert_cmpint (symlink ("../blobs/missing", st), ==, 0);
  model = w2vee_model_load (dir, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, st));
  g_clear_error (&error);
  g_assert_cmpint (g_unlink (st), ==, 0);

  /* Neither: the message names both. */
  g_assert_cmpint (g_unlink (bin_path), ==, 0);
  model = w2vee_model_load (dir, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, st));
  g_assert_nonnull (strstr (error->message, "pytorch_model.bin"));
  tiny_model_free (m);
}

/* The torch.save writer style: data.pkl first, data/N sorted as strings, version. */
static void
test_names (void)
{
  TinyModel *m = tiny (TINY_F32);
  TorchBinOptions o;
  g_autoptr (GByteArray) bin = NULL;
  g_autoptr (W2veeZip) zip = NULL;
  g_autoptr (GError) error = NULL;

  torch_bin_options_init (&o);
  o.torch2_records = TRUE;
  bin = torch_bin_write (m, &o);
  zip = w2vee_zip_parse (bin->data, bin->len, "t.bin", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (w2vee_zip_prefix (zip), ==, "pytorch_model");
  g_assert_cmpuint (w2vee_zip_n_entries (zip), ==, m->tensors->len + 6);
  g_assert_cmpstr (w2vee_zip_entry (zip, 0)->rel, ==, "data.pkl");
  g_assert_nonnull (w2vee_zip_lookup (zip, ".data/serialization_id"));
  for (guint i = 0; i < w2vee_zip_n_entries (zip); i++) {
    const W2veeZipEntry *e = w2vee_zip_entry (zip, i);

    g_assert_cmpuint ((guintptr) (e->data - bin->data) % 64, ==, 0);
    g_assert_true (w2vee_zip_lookup (zip, e->rel) == e);
  }
  tiny_model_free (m);
}

/* ------------------------------------------------------------------------- */
/* A pickle assembler for the table                                          */
/* ------------------------------------------------------------------------- */

static const struct {
  const char *name;
  guint8 op;
  char arg;  /* 0 none, '1' u1, '2' u2, '4' u4/i4, 'L' LONG1, 'S' BINUNICODE, 'G' GLOBAL */
} asm_ops[] = {
  { "PROTO", 0x80, '1' }, { "STOP", '.', 0 }, { "MARK", '(', 0 }, { "NONE", 'N', 0 },
  { "NEWTRUE", 0x88, 0 }, { "NEWFALSE", 0x89, 0 }, { "BININT", 'J', '4' },
  { "BININT1", 'K', '1' }, { "BININT2", 'M', '2' }, { "LONG1", 0x8a, 'L' },
  { "BINUNICODE", 'X', 'S' }, { "EMPTY_TUPLE", ')', 0 }, { "TUPLE", 't', 0 },
  { "TUPLE1", 0x85, 0 }, { "TUPLE2", 0x86, 0 }, { "TUPLE3", 0x87, 0 },
  { "EMPTY_DICT", '}', 0 }, { "SETITEM", 's', 0 }, { "SETITEMS", 'u', 0 },
  { "BINPUT", 'q', '1' }, { "LONG_BINPUT", 'r', '4' }, { "BINGET", 'h', '1' },
  { "LONG_BINGET", 'j', '4' }, { "GLOBAL", 'c', 'G' }, { "REDUCE", 'R', 0 },
  { "BUILD", 'b', 0 }, { "BINPERSID", 'Q', 0 },
  /* refused ones */
  { "INST", 'i', 'G' }, { "OBJ", 'o', 0 }, { "STACK_GLOBAL", 0x93, 0 },
  { "NEWOBJ", 0x81, 0 }, { "EXT1", 0x82, '1' }, { "DUP", '2', 0 }, { "POP", '0', 0 },
  { "EMPTY_LIST", ']', 0 }, { "APPEND", 'a', 0 }, { "BINBYTES", 'B', '4' },
  { "SHORT_BINUNICODE", 0x8c, '1' }, { "MEMOIZE", 0x94, 0 }, { "BINFLOAT", 'G', 0 },
  { "PERSID", 'P', 0 }, { "LONG4", 0x8b, '4' },
};

/* "OP ARG; OP ARG; ..." -> pickle bytes. "RAW hh hh ..." inserts bytes, "MARKS n"
 * n MARKs; GLOBAL and INST take "module name"; BINUNICODE takes the rest (may be
 * empty). */
static GByteArray *
assemble (const char *program)
{
  GByteArray *b = g_byte_array_new ();
  g_auto (GStrv) lines = g_strsplit (program, ";", -1);

  for (guint i = 0; lines[i] != NULL; i++) {
    g_autofree char *line = g_strstrip (g_strdup (lines[i]));
    char *arg = strchr (line, ' ');
    guint k;

    if (*line == '\0')
      continue;
    if (arg != NULL)
      *arg++ = '\0';
    if (strcmp (line, "RAW") == 0) {
      g_auto (GStrv) hex = g_strsplit (arg, " ", -1);

      for (guint h = 0; hex[h] != NULL; h++) {
        guint8 c = (guint8) g_ascii_strtoull (hex[h], NULL, 16);

        g_byte_array_append (b, &c, 1);
      }
      continue;
    }
    if (strcmp (line, "MARKS") == 0) {
      for (guint64 n = g_ascii_strtoull (arg, NULL, 10); n > 0; n--)
        g_byte_array_append (b, (const guint8 *) "(", 1);
      continue;
    }
    for (k = 0; k < G_N_ELEMENTS (asm_ops); k++)
      if (strcmp (asm_ops[k].name, line) == 0)
        break;
    g_assert_cmpuint (k, <, G_N_ELEMENTS (asm_ops));
    g_byte_array_append (b, &asm_ops[k].op, 1);
    switch (asm_ops[k].arg) {
      case '1': case '2': case '4': {
        guint64 v = g_ascii_strtoull (arg, NULL, 10);
        guint n = asm_ops[k].arg - '0';

        for (guint j = 0; j < n; j++) {
          guint8 c = (guint8) (v >> (8 * j));

          g_byte_array_append (b, &c, 1);
        }
        break;
      }
      case 'L': {
        gint64 v = g_ascii_strtoll (arg, NULL, 10);
        guint8 c = 8;

        g_byte_array_append (b, &c, 1);
        for (guint j = 0; j < 8; j++) {
          c = (guint8) ((guint64) v >> (8 * j));
          g_byte_array_append (b, &c, 1);
        }
        break;
      }
      case 'S': {
        const char *s = arg != NULL ? arg : "";
        guint32 n = (guint32) strlen (s);
        guint8 len[4] = { n & 0xFF, (n >> 8) & 0xFF, (n >> 16) & 0xFF, n >> 24 };

        g_byte_array_append (b, len, 4);
        g_byte_array_append (b, (const guint8 *) s, n);
        break;
      }
      case 'G': {
        g_auto (GStrv) parts = g_strsplit (arg, " ", 2);

        g_byte_array_append (b, (const guint8 *) parts[0], (guint) strlen (parts[0]));
        g_byte_array_append (b, (const guint8 *) "\n", 1);
        g_byte_array_append (b, (const guint8 *) parts[1], (guint) strlen (parts[1]));
        g_byte_array_append (b, (const guint8 *) "\n", 1);
        break;
      }
      default:
        break;
    }
  }
  return b;
}

/* A state dict {'x': tensor} whose _rebuild_tensor_v2 arguments are @args (assembly
 * after the storage, up to and including the hooks), storage '0' of @numel floats. */
#define ONE_TENSOR(pid, args) \
  "PROTO 2; GLOBAL collections OrderedDict; BINPUT 0; EMPTY_TUPLE; REDUCE; MARK;" \
  "BINUNICODE x; GLOBAL torch._utils _rebuild_tensor_v2; MARK;" pid "; BINPERSID;" \
  args "; TUPLE; REDUCE; SETITEMS; STOP"
#define PID0 "MARK; BINUNICODE storage; GLOBAL torch FloatStorage; BINUNICODE 0;" \
  "BINUNICODE cpu; BININT1 12; TUPLE"
#define HOOKS "NEWFALSE; BINGET 0; EMPTY_TUPLE; REDUCE"

/* ------------------------------------------------------------------------- */
/* Pickle forms other writers use, straight through the interpreter          */
/* ------------------------------------------------------------------------- */

static guint8 storage_bytes[48];

/* Storage "0" is 48 bytes (12 floats); no other. */
static gboolean
one_storage (const char *key, const guint8 **data, gsize *n_bytes, gpointer user_data)
{
  if (strcmp (key, "0") != 0)
    return FALSE;
  *data = storage_bytes;
  *n_bytes = sizeof storage_bytes;
  return TRUE;
}

static void
test_pickle_forms (void)
{
  static const struct {
    const char *program;
    const char *name;
    guint n_dims;
    gsize shape[3];
    gsize offset;   /* elements */
  } forms[] = {
    /* hooks None, a plain dict as the root */
    { "PROTO 2; EMPTY_DICT; BINUNICODE x; GLOBAL torch._utils _rebuild_tensor_v2; MARK;"
      PID0 "; BINPERSID; BININT1 2; BININT1 2; BININT1 5; TUPLE2; BININT1 5; BININT1 1;"
      "TUPLE2; NEWFALSE; NONE; TUPLE; REDUCE; SETITEM; STOP", "x", 2, { 2, 5 }, 2 },
    /* the 7-argument form with metadata None; a scalar */
    { ONE_TENSOR (PID0, "BININT1 11; EMPTY_TUPLE; EMPTY_TUPLE; " HOOKS "; NONE"), "x", 0,
      { 0 }, 11 },
    /* empty metadata dict; an empty tensor at the end of its storage */
    { ONE_TENSOR (PID0, "BININT1 12; BININT1 0; BININT1 4; TUPLE2; BININT1 4; BININT1 1;"
        "TUPLE2; " HOOKS "; EMPTY_DICT"), "x", 2, { 0, 4 }, 12 },
    /* dimensions of size 1 with any stride are still contiguous */
    { ONE_TENSOR (PID0, "BININT1 0; BININT1 3; BININT1 1; BININT1 4; TUPLE3; BININT1 4;"
        "BININT1 99; BININT1 1; TUPLE3; " HOOKS), "x", 3, { 3, 1, 4 }, 0 },
    /* _rebuild_parameter with hooks None, around a tensor with None hooks */
    { "PROTO 2; GLOBAL collections OrderedDict; BINPUT 0; EMPTY_TUPLE; REDUCE; MARK;"
      "BINUNICODE p; GLOBAL torch._utils _rebuild_parameter; GLOBAL torch._utils "
      "_rebuild_tensor_v2; MARK;" PID0 "; BINPERSID; BININT1 0; BININT1 12; TUPLE1;"
      "BININT1 1; TUPLE1; NEWFALSE; NONE; TUPLE; REDUCE; NEWTRUE; NONE; TUPLE3; REDUCE;"
      "SETITEMS; STOP", "p", 1, { 12 }, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++) {
    g_autoptr (GByteArray) pkl = assemble (forms[i].program);
    g_autoptr (W2veeTensorTable) table = w2vee_tensor_table_new ("forms.bin");
    g_autoptr (GError) error = NULL;
    const W2veeTensorInfo *t;
    gsize numel = 1;

    if (!w2vee_pickle_read_state_dict (pkl->data, pkl->len, "forms", one_storage, NULL,
            table, &error))
      g_error ("form %u: %s", i, error->message);
    g_assert_cmpuint (w2vee_tensor_table_n_tensors (table), ==, 1);
    t = w2vee_tensor_table_lookup (table, forms[i].name);
    g_assert_nonnull (t);
    g_assert_cmpint (t->dtype, ==, W2VEE_DTYPE_F32);
    g_assert_cmpuint (t->n_dims, ==, forms[i].n_dims);
    for (guint d = 0; d < t->n_dims; d++) {
      g_assert_cmpuint (t->shape[d], ==, forms[i].shape[d]);
      numel *= t->shape[d];
    }
    g_assert_cmpuint (t->n_elements, ==, numel);
    g_assert_cmpuint (t->n_bytes, ==, numel * 4);
    g_assert_true (t->data == storage_bytes + 4 * forms[i].offset);
  }
}

/* ------------------------------------------------------------------------- */
/* The table of bad checkpoints                                              */
/* ------------------------------------------------------------------------- */

typedef struct {
  const char *path;
  TorchZipStyle style;
  const char *program;                   /* data.pkl in assembly */
  void (*refs) (TinyModel *m, GPtrArray *refs); /* edits of the tensors saved */
  void (*zip) (ZipWriter *zw);           /* edits of the entries */
  void (*patch) (GByteArray *file);      /* edits of the bytes */
  W2veeError code;
  const char *message;
} BadCase;

#define P "pytorch_model/"

static TorchTensorRef *
ref_named (GPtrArray *refs, const char *suffix)
{
  for (guint i = 0; i < refs->len; i++) {
    TorchTensorRef *r = refs->pdata[i];

    if (g_str_has_suffix (r->name, suffix))
      return r;
  }
  g_assert_not_reached ();
}

/* --- tensor edits --- */

static void
refs_past_storage (TinyModel *m, GPtrArray *refs)
{
  ((TorchTensorRef *) refs->pdata[0])->offset = 1;  /* 1 + 11 = 12 elements of 12 */
}

static void
refs_stride_past_storage (TinyModel *m, GPtrArray *refs)
{
  TorchTensorRef *r = refs->pdata[0];               /* [4, 1, 3] */

  r->stride[0] = 4;   /* last element 3 * 4 + 2 = 14 of 12 */
}

static void
refs_not_contiguous (TinyModel *m, GPtrArray *refs)
{
  TorchTensorRef *r = ref_named (refs, "layers.0.attention.q_proj.weight"); /* [8, 8] */

  r->stride[0] = 1;   /* the transpose: in bounds, but column-major */
  r->stride[1] = 8;
}

static void
refs_numel_mismatch (TinyModel *m, GPtrArray *refs)
{
  ((TorchTensorRef *) refs->pdata[0])->storage_numel = 13;
}

static void
zip_missing_storage (ZipWriter *zw)
{
  zip_remove (zw, P "data/0");
}

static void
refs_key_not_decimal (TinyModel *m, GPtrArray *refs)
{
  TorchTensorRef *r = refs->pdata[0];

  g_free (r->key);
  r->key = g_strdup ("../0");
}

static void
refs_storage_twice (TinyModel *m, GPtrArray *refs)
{
  TorchTensorRef *r = refs->pdata[1], *first = refs->pdata[0];

  /* Tensor 1 ([4]) is saved in storage '0' after tensor 0 ([4, 1, 3]), which is then
   * 16 elements; tensor 1 says 17. */
  g_free (r->key);
  r->key = g_strdup (first->key);
  r->offset = 12;
  first->storage_numel = 16;
  r->storage_numel = 17;
}

static void
refs_dtype_int (TinyModel *m, GPtrArray *refs)
{
  ref_named (refs, "feature_projection.projection.bias")->storage_type = "IntStorage";
}

static void
refs_double (TinyModel *m, GPtrArray *refs)
{
  /* 8 floats read as 4 doubles: the sizes agree, the shape [4] does not */
  TorchTensorRef *r = ref_named (refs, "feature_projection.projection.bias");

  r->storage_type = "DoubleStorage";
  r->storage_numel = 4;
  r->size[0] = 4;
}

static void
refs_missing_tensor (TinyModel *m, GPtrArray *refs)
{
  g_ptr_array_remove (refs, ref_named (refs, "layers.1.final_layer_norm.bias"));
  tiny_model_remove (m, PREFIX "encoder.layers.1.final_layer_norm.bias");
}

static void
refs_shape (TinyModel *m, GPtrArray *refs)
{
  TorchTensorRef *r = ref_named (refs, "layers.0.feed_forward.intermediate_dense.weight");

  /* [12, 8] saved as [8, 12]: same bytes, the shape config.json does not imply */
  r->size[0] = 8;
  r->size[1] = 12;
  r->stride[0] = 12;
}

static void
refs_duplicate (TinyModel *m, GPtrArray *refs)
{
  TorchTensorRef *r = refs->pdata[1];

  g_free (r->name);
  r->name = g_strdup (((TorchTensorRef *) refs->pdata[0])->name);
}

static void
refs_storage_type_global (TinyModel *m, GPtrArray *refs)
{
  ((TorchTensorRef *) refs->pdata[0])->storage_type = "ComplexFloatStorage";
}

/* --- zip edits --- */

/* The entry refs_key_not_decimal() made, which the zip reader would refuse first. */
static void
zip_drop_bad_key (ZipWriter *zw)
{
  zip_remove (zw, P "data/../0");
}

static void
zip_compressed (ZipWriter *zw)
{
  zip_item_deflate (zip_find (zw, P "data/3"));
}

static void
zip_compressed_pickle (ZipWriter *zw)
{
  zip_item_deflate (zip_find (zw, P "data.pkl"));
}

static void
zip_bad_crc (ZipWriter *zw)
{
  ZipItem *item = zip_find (zw, P "data/5");

  item->data->data[3] ^= 0x01;   /* one bit of a weight */
}

static void
zip_bad_crc_pickle (ZipWriter *zw)
{
  zip_find (zw, P "data.pkl")->crc ^= 0x80000000u;
}

static void
zip_duplicate (ZipWriter *zw)
{
  ZipItem *item = zip_find (zw, P "data/2");

  zip_add (zw, P "data/2", item->data->data, item->data->len);
}

static void
zip_outside_prefix (ZipWriter *zw)
{
  ZipItem *item = zip_find (zw, P "data/2");

  g_free (item->name);
  item->name = g_strdup ("other/data/2");
}

static void
zip_dotdot (ZipWriter *zw)
{
  zip_add (zw, P "../../etc/cron.d/evil", "* * * * * root sh\n", 18);
}

static void
zip_absolute (ZipWriter *zw)
{
  ZipItem *item = zip_find (zw, P "version");

  g_free (item->name);
  item->name = g_strdup ("/tmp/version");
}

static void
zip_first_outside (ZipWriter *zw)
{
  zip_add (zw, "evil.py", "import os\n", 10);
  g_ptr_array_insert (zw->items, 0,
      g_ptr_array_steal_index (zw->items, zw->items->len - 1));
}

static void
zip_unknown_entry (ZipWriter *zw)
{
  zip_add (zw, P "code/__torch__.py", "def f(): pass\n", 14);
}

static void
zip_leading_zero (ZipWriter *zw)
{
  ZipItem *item = zip_find (zw, P "data/7");

  g_free (item->name);
  item->name = g_strdup (P "data/07");
}

/* Found by fuzz-zip: a name shorter than "data/" was read past its end. */
static void
zip_short_name (ZipWriter *zw)
{
  zip_add (zw, P "dat", "x", 1);
}

static void
zip_no_pickle (ZipWriter *zw)
{
  zip_remove (zw, P "data.pkl");
}

static void
zip_no_version (ZipWriter *zw)
{
  zip_remove (zw, P "version");
}

static void
zip_version_text (ZipWriter *zw)
{
  ZipItem *item = zip_find (zw, P "version");

  g_byte_array_set_size (item->data, 0);
  g_byte_array_append (item->data, (const guint8 *) "three", 5);
  item->size = 5;
  item->crc = test_crc32 (item->data->data, 5);
}

static void
zip_big_endian (ZipWriter *zw)
{
  zip_add (zw, P "byteorder", "big", 3);
}

static void
zip_format_version (ZipWriter *zw)
{
  zip_add (zw, P ".format_version", "2", 1);
}

static void
zip_encrypted (ZipWriter *zw)
{
  zip_find (zw, P "data/1")->flags_extra = 1;
}

static void
zip_storage_short (ZipWriter *zw)
{
  ZipItem *item = zip_find (zw, P "data/0");

  g_byte_array_set_size (item->data, item->data->len - 4);
  item->size = item->data->len;
  item->crc = test_crc32 (item->data->data, item->size);
}

/* --- byte patches --- */

static guint32
get32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 |
      (guint32) p[3] << 24;
}

static void
set32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint8 *
find_sig (GByteArray *f, guint32 sig, guint nth)
{
  for (gsize i = 0; i + 4 <= f->len; i++)
    if (get32 (f->data + i) == sig && nth-- == 0)
      return f->data + i;
  g_assert_not_reached ();
}

static guint8 *
eocd (GByteArray *f)
{
  return f->data + f->len - 22;
}

static void
patch_eocd_cd_size (GByteArray *f)
{
  set32 (eocd (f) + 12, get32 (eocd (f) + 12) + 1);
}

static void
patch_eocd_comment (GByteArray *f)
{
  eocd (f)[20] = 5;   /* a 5-byte comment that is not there */
}

static void
patch_trailing_junk (GByteArray *f)
{
  g_byte_array_append (f, (const guint8 *) "JUNK", 4);
}

static void
patch_multi_disk (GByteArray *f)
{
  eocd (f)[4] = 1;
}

static void
patch_zip64_count (GByteArray *f)
{
  guint8 *r = find_sig (f, 0x06064b50, 0);

  r[32] += 1;   /* entries in the zip64 record != the EOCD's */
  r[24] += 1;
}

static void
patch_local_name (GByteArray *f)
{
  guint8 *l = find_sig (f, 0x04034b50, 1);   /* the second entry, data/0 */

  l[30 + strlen (P "data/")] = '9';
}

static void
patch_descriptor (GByteArray *f)
{
  guint8 *d = find_sig (f, 0x08074b50, 2);

  d[8] += 1;   /* compressed size in the descriptor */
}

static void
patch_local_offset (GByteArray *f)
{
  guint8 *c = find_sig (f, 0x02014b50, 2);

  set32 (c + 42, get32 (c + 42) + 2);
}

static void
patch_overlap (GByteArray *f)
{
  /* the central entry of data/1 points at data/0's local header, whose name then
   * disagrees: refused before any data is shared */
  guint8 *c0 = find_sig (f, 0x02014b50, 1), *c1 = find_sig (f, 0x02014b50, 2);

  set32 (c1 + 42, get32 (c0 + 42));
}

static void
patch_lfs (GByteArray *f)
{
  static const char text[] = "version https://git-lfs.github.com/spec/v1\n"
      "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
      "size 377610000\n";

  g_byte_array_set_size (f, 0);
  g_byte_array_append (f, (const guint8 *) text, sizeof text - 1);
}

static void
patch_html (GByteArray *f)
{
  static const char text[] = "<!DOCTYPE html><html><body>Sign in</body></html>";

  g_byte_array_set_size (f, 0);
  g_byte_array_append (f, (const guint8 *) text, sizeof text - 1);
}

static void
patch_legacy (GByteArray *f)
{
  static const guint8 legacy[] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
    0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e };

  g_byte_array_set_size (f, 0);
  g_byte_array_append (f, legacy, sizeof legacy);
}

static void
patch_empty (GByteArray *f)
{
  g_byte_array_set_size (f, 0);
}

static void
patch_safetensors (GByteArray *f)
{
  /* a safetensors file saved under the wrong name */
  static const char st[] = "\x08\0\0\0\0\0\0\0{}      ";

  g_byte_array_set_size (f, 0);
  g_byte_array_append (f, (const guint8 *) st, sizeof st - 1);
}

static const BadCase bad_cases[] = {
  /* --- code execution and other forbidden opcodes and globals --- */
  { "/pytorch/bad/pickle/os-system",
    .program = "PROTO 2; GLOBAL os system; BINPUT 0; BINUNICODE touch /tmp/pwned;"
    "TUPLE1; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden global 'os.system'" },
  { "/pytorch/bad/pickle/posix-system",
    .program = "PROTO 2; GLOBAL posix system; BINUNICODE id; TUPLE1; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden global 'posix.system'" },
  { "/pytorch/bad/pickle/builtins-eval",
    .program = "PROTO 2; GLOBAL builtins eval; BINUNICODE 1; TUPLE1; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden global 'builtins.eval'" },
  { "/pytorch/bad/pickle/builtin-getattr",
    .program = "PROTO 2; GLOBAL __builtin__ getattr; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN,
    .message = "forbidden global '__builtin__.getattr'" },
  { "/pytorch/bad/pickle/torch-load",
    .program = "PROTO 2; GLOBAL torch load; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden global 'torch.load'" },
  { "/pytorch/bad/pickle/rebuild-tensor-v1",
    .program = "PROTO 2; GLOBAL torch._utils _rebuild_tensor; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN,
    .message = "forbidden global 'torch._utils._rebuild_tensor'" },
  { "/pytorch/bad/pickle/global-lookalike",
    .program = "PROTO 2; GLOBAL collections OrderedDict.__init__; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN,
    .message = "forbidden global 'collections.OrderedDict.__init__'" },
  { "/pytorch/bad/pickle/inst",
    .program = "PROTO 2; MARK; BINUNICODE id; INST os system; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode INST (0x69)" },
  { "/pytorch/bad/pickle/obj",
    .program = "PROTO 2; MARK; GLOBAL collections OrderedDict; OBJ; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode OBJ (0x6F)" },
  { "/pytorch/bad/pickle/stack-global",
    .program = "PROTO 2; BINUNICODE os; BINUNICODE system; STACK_GLOBAL;"
    "BINUNICODE id; TUPLE1; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode STACK_GLOBAL (0x93)" },
  { "/pytorch/bad/pickle/newobj",
    .program = "PROTO 2; GLOBAL collections OrderedDict; EMPTY_TUPLE; NEWOBJ; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode NEWOBJ (0x81)" },
  { "/pytorch/bad/pickle/ext1",
    .program = "PROTO 2; EXT1 1; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode EXT1" },
  { "/pytorch/bad/pickle/persid-text",
    .program = "PROTO 2; PERSID; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode PERSID" },
  { "/pytorch/bad/pickle/dup",
    .program = "PROTO 2; EMPTY_DICT; DUP; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode DUP" },
  { "/pytorch/bad/pickle/list",
    .program = "PROTO 2; EMPTY_LIST; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode EMPTY_LIST" },
  { "/pytorch/bad/pickle/binbytes",
    .program = "PROTO 2; BINBYTES 0; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode BINBYTES" },
  { "/pytorch/bad/pickle/memoize",
    .program = "PROTO 2; EMPTY_DICT; MEMOIZE; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode MEMOIZE" },
  { "/pytorch/bad/pickle/binfloat",
    .program = "PROTO 2; RAW 47 00 00 00 00 00 00 00 00; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "forbidden opcode BINFLOAT" },
  { "/pytorch/bad/pickle/unknown-opcode",
    .program = "PROTO 2; RAW ff; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "unknown opcode 0xFF" },
  { "/pytorch/bad/pickle/call-storage-type",
    .program = "PROTO 2; GLOBAL torch FloatStorage; EMPTY_TUPLE; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN, .message = "calling torch.FloatStorage" },
  { "/pytorch/bad/pickle/ordered-dict-args",
    .program = "PROTO 2; GLOBAL collections OrderedDict; NONE; TUPLE1; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "only accepted with no arguments" },
  { "/pytorch/bad/pickle/reduce-not-global",
    .program = "PROTO 2; EMPTY_DICT; EMPTY_TUPLE; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "the callable is a dict, not a global" },
  { "/pytorch/bad/pickle/storage-type-not-storage",
    .refs = refs_storage_type_global,
    .code = W2VEE_ERROR_PICKLE_FORBIDDEN,
    .message = "forbidden global 'torch.ComplexFloatStorage'" },
  /* --- persistent ids --- */
  { "/pytorch/bad/pickle/persid-string",
    .program = "PROTO 2; BINUNICODE /etc/passwd; BINPERSID; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "the persistent id (a str) is not a storage" },
  { "/pytorch/bad/pickle/persid-module",
    .program = "PROTO 2; MARK; BINUNICODE module; GLOBAL torch FloatStorage;"
    "BINUNICODE 0; BINUNICODE cpu; BININT1 12; TUPLE; BINPERSID; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "the persistent id (a tuple) is not a storage" },
  { "/pytorch/bad/pickle/persid-type-not-storage",
    .program = "PROTO 2; MARK; BINUNICODE storage; GLOBAL collections OrderedDict;"
    "BINUNICODE 0; BINUNICODE cpu; BININT1 12; TUPLE; BINPERSID; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "is not a storage" },
  { "/pytorch/bad/pickle/persid-short",
    .program = "PROTO 2; BINUNICODE storage; GLOBAL torch FloatStorage; TUPLE2;"
    "BINPERSID; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "is not a storage" },
  { "/pytorch/bad/pickle/persid-negative-numel",
    .program = "PROTO 2; MARK; BINUNICODE storage; GLOBAL torch FloatStorage;"
    "BINUNICODE 0; BINUNICODE cpu; BININT -1; TUPLE; BINPERSID; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "the persistent id (a tuple) is not a storage" },
  { "/pytorch/bad/storage/missing", .zip = zip_missing_storage,
    .code = W2VEE_ERROR_PICKLE, .message = "storage '0' has no entry data/0" },
  { "/pytorch/bad/storage/key-not-decimal", .refs = refs_key_not_decimal,
    .zip = zip_drop_bad_key,
    .code = W2VEE_ERROR_PICKLE, .message = "storage key '../0' is not a decimal number" },
  { "/pytorch/bad/storage/numel-mismatch", .refs = refs_numel_mismatch,
    .code = W2VEE_ERROR_TENSOR_SIZE,
    .message = "storage '0': 13 elements of torch.FloatStorage need 52 bytes, but entry "
    "data/0 holds 48" },
  { "/pytorch/bad/storage/entry-short", .zip = zip_storage_short,
    .code = W2VEE_ERROR_TENSOR_SIZE, .message = "but entry data/0 holds 44" },
  { "/pytorch/bad/storage/described-twice", .refs = refs_storage_twice,
    .code = W2VEE_ERROR_PICKLE, .message = "storage '0' is described twice" },
  /* --- views --- */
  { "/pytorch/bad/view/offset-past-storage", .refs = refs_past_storage,
    .code = W2VEE_ERROR_TENSOR_LAYOUT,
    .message = "tensor 'wav2vec2.feature_extractor.conv_layers.0.conv.weight': the view "
    "(offset 1, size [4, 1, 3], stride [3, 3, 1]) reaches element 12, past the end of "
    "storage '0' (12 elements)" },
  { "/pytorch/bad/view/stride-past-storage", .refs = refs_stride_past_storage,
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "reaches element 14, past the end" },
  { "/pytorch/bad/view/offset-huge",
    .program = ONE_TENSOR (PID0, "LONG1 9223372036854775807; BININT1 12; TUPLE1;"
        "BININT1 1; TUPLE1; " HOOKS),
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "tensor 'x': the view (offset "
    "9223372036854775807, size [12], stride [1]) reaches element 9223372036854775818, "
    "past the end of storage '0' (12 elements)" },
  { "/pytorch/bad/view/stride-huge",
    .program = ONE_TENSOR (PID0, "BININT1 0; BININT1 4; BININT1 2; TUPLE2;"
        "LONG1 9223372036854775807; BININT1 1; TUPLE2; " HOOKS),
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "overflows" },
  { "/pytorch/bad/view/size-product-overflow",
    .program = ONE_TENSOR (PID0, "BININT1 0; LONG1 4294967296; LONG1 4294967296; TUPLE2;"
        "BININT1 1; BININT1 1; TUPLE2; " HOOKS),
    .code = W2VEE_ERROR_TENSOR_SIZE, .message = "the product of its size" },
  { "/pytorch/bad/view/empty-offset-past",
    .program = ONE_TENSOR (PID0, "BININT1 13; BININT1 0; TUPLE1; BININT1 1; TUPLE1; "
        HOOKS),
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "storage offset 13 is past the end" },
  { "/pytorch/bad/view/not-contiguous", .refs = refs_not_contiguous,
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "is not contiguous (size [8, 8], "
    "stride [1, 8]): only contiguous tensors are supported" },
  { "/pytorch/bad/view/negative-stride",
    .program = ONE_TENSOR (PID0, "BININT1 0; BININT1 12; TUPLE1; BININT -1; TUPLE1; "
        HOOKS),
    .code = W2VEE_ERROR_PICKLE, .message = "stride[0] is not a non-negative int" },
  { "/pytorch/bad/view/rank-mismatch",
    .program = ONE_TENSOR (PID0, "BININT1 0; BININT1 12; TUPLE1; BININT1 1; BININT1 1;"
        "TUPLE2; " HOOKS),
    .code = W2VEE_ERROR_PICKLE, .message = "1 sizes but 2 strides" },
  { "/pytorch/bad/view/too-many-dims",
    .program = ONE_TENSOR (PID0, "BININT1 0; MARK; BININT1 1; BININT1 1; BININT1 1;"
        "BININT1 1; BININT1 1; BININT1 1; BININT1 1; BININT1 1; BININT1 1; BININT1 1;"
        "BININT1 1; BININT1 1; BININT1 1; BININT1 1; BININT1 1; BININT1 1; BININT1 12;"
        "TUPLE; EMPTY_TUPLE; " HOOKS),
    .code = W2VEE_ERROR_PICKLE, .message = "17 dimensions, above the limit of 16" },
  { "/pytorch/bad/view/hooks",
    .program = ONE_TENSOR (PID0, "BININT1 0; BININT1 12; TUPLE1; BININT1 1; TUPLE1;"
        "NEWFALSE; EMPTY_DICT; BINUNICODE h; NONE; SETITEM"),
    .code = W2VEE_ERROR_PICKLE, .message = "backward hooks must be an empty OrderedDict" },
  { "/pytorch/bad/view/wrong-arity",
    .program = ONE_TENSOR (PID0, "BININT1 0; BININT1 12; TUPLE1"),
    .code = W2VEE_ERROR_PICKLE, .message = "takes 6 or 7 arguments, not 3" },
  { "/pytorch/bad/view/metadata",
    .program = ONE_TENSOR (PID0, "BININT1 0; BININT1 12; TUPLE1; BININT1 1; TUPLE1; "
        HOOKS "; EMPTY_DICT; BINUNICODE conj; NEWTRUE; SETITEM"),
    .code = W2VEE_ERROR_PICKLE, .message = "tensor metadata is not supported" },
  /* --- malformed pickles --- */
  { "/pytorch/bad/pickle/no-proto",
    .program = "EMPTY_DICT; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "does not start with PROTO 2" },
  { "/pytorch/bad/pickle/protocol-4",
    .program = "PROTO 4; EMPTY_DICT; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "pickle protocol 4 is not supported" },
  { "/pytorch/bad/pickle/proto-twice",
    .program = "PROTO 2; PROTO 2; EMPTY_DICT; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "PROTO is only accepted as the first opcode" },
  { "/pytorch/bad/pickle/empty",
    .program = "",
    .code = W2VEE_ERROR_PICKLE, .message = "ends without STOP" },
  { "/pytorch/bad/pickle/no-stop",
    .program = "PROTO 2; EMPTY_DICT",
    .code = W2VEE_ERROR_PICKLE, .message = "at byte 3: the pickle ends without STOP" },
  { "/pytorch/bad/pickle/after-stop",
    .program = "PROTO 2; EMPTY_DICT; STOP; NONE",
    .code = W2VEE_ERROR_PICKLE, .message = "1 bytes after STOP" },
  { "/pytorch/bad/pickle/stop-two-values",
    .program = "PROTO 2; EMPTY_DICT; EMPTY_DICT; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "STOP with 2 values and 0 MARKs" },
  { "/pytorch/bad/pickle/stop-open-mark",
    .program = "PROTO 2; EMPTY_DICT; MARK; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "STOP with 1 values and 1 MARKs" },
  { "/pytorch/bad/pickle/underflow-reduce",
    .program = "PROTO 2; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "at byte 2 (REDUCE): stack underflow" },
  { "/pytorch/bad/pickle/underflow-setitem",
    .program = "PROTO 2; EMPTY_DICT; NONE; SETITEM; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "(SETITEM): stack underflow" },
  { "/pytorch/bad/pickle/underflow-across-mark",
    .program = "PROTO 2; GLOBAL collections OrderedDict; EMPTY_TUPLE; MARK; REDUCE; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "(REDUCE): stack underflow" },
  { "/pytorch/bad/pickle/underflow-tuple2",
    .program = "PROTO 2; NONE; TUPLE2; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "(TUPLE2): stack underflow" },
  { "/pytorch/bad/pickle/underflow-binput",
    .program = "PROTO 2; BINPUT 0; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "(BINPUT): stack underflow" },
  { "/pytorch/bad/pickle/underflow-build",
    .program = "PROTO 2; EMPTY_DICT; BUILD; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "(BUILD): stack underflow" },
  { "/pytorch/bad/pickle/underflow-persid",
    .program = "PROTO 2; BINPERSID; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "(BINPERSID): stack underflow" },
  { "/pytorch/bad/pickle/setitems-no-dict",
    .program = "PROTO 2; MARK; NONE; NONE; SETITEMS; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "no dict below the MARK" },
  { "/pytorch/bad/pickle/tuple-no-mark",
    .program = "PROTO 2; NONE; TUPLE; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "(TUPLE): no MARK to close" },
  { "/pytorch/bad/pickle/setitems-odd",
    .program = "PROTO 2; EMPTY_DICT; MARK; BINUNICODE a; SETITEMS; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "an odd number (1) of keys and values" },
  { "/pytorch/bad/pickle/setitem-not-dict",
    .program = "PROTO 2; EMPTY_TUPLE; BINUNICODE a; NONE; SETITEM; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "items set on a tuple, not a dict" },
  { "/pytorch/bad/pickle/key-not-string",
    .program = "PROTO 2; EMPTY_DICT; BININT1 1; NONE; SETITEM; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "a dict key is a int, not a string" },
  { "/pytorch/bad/pickle/build-tuple",
    .program = "PROTO 2; EMPTY_DICT; EMPTY_TUPLE; BUILD; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "BUILD of a dict with a tuple" },
  { "/pytorch/bad/pickle/memo-undefined",
    .program = "PROTO 2; BINGET 5; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "memo entry 5 was never stored" },
  { "/pytorch/bad/pickle/long-memo-undefined",
    .program = "PROTO 2; EMPTY_DICT; LONG_BINPUT 70000; LONG_BINGET 70001; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "memo entry 70001 was never stored" },
  { "/pytorch/bad/pickle/truncated-binint",
    .program = "PROTO 2; RAW 4a 01 00",
    .code = W2VEE_ERROR_PICKLE,
    .message = "at byte 2 (BININT): truncated argument: 4 bytes needed, 2 left" },
  { "/pytorch/bad/pickle/truncated-binunicode",
    .program = "PROTO 2; RAW 58 10 00 00 00 61 62",
    .code = W2VEE_ERROR_PICKLE, .message = "(BINUNICODE): truncated argument: 16 bytes "
    "needed, 2 left" },
  { "/pytorch/bad/pickle/huge-binunicode",
    .program = "PROTO 2; RAW 58 ff ff ff ff 61 62",
    .code = W2VEE_ERROR_PICKLE, .message = "a 4294967295-byte string, above the limit" },
  { "/pytorch/bad/pickle/truncated-global",
    .program = "PROTO 2; RAW 63 6f 73 0a 73 79 73",
    .code = W2VEE_ERROR_PICKLE, .message = "truncated argument: no newline ends the "
    "global name" },
  { "/pytorch/bad/pickle/long-global",
    .program = "PROTO 2; GLOBAL aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa b; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "the module name is longer than 256 bytes" },
  { "/pytorch/bad/pickle/truncated-long1",
    .program = "PROTO 2; RAW 8a 04 01 02",
    .code = W2VEE_ERROR_PICKLE, .message = "(LONG1): truncated argument" },
  { "/pytorch/bad/pickle/long1-too-wide",
    .program = "PROTO 2; RAW 8a 09 00 00 00 00 00 00 00 00 01; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "a 9-byte integer does not fit 64 bits" },
  { "/pytorch/bad/pickle/truncated-proto",
    .program = "RAW 80",
    .code = W2VEE_ERROR_PICKLE, .message = "(PROTO): truncated argument" },
  { "/pytorch/bad/pickle/bad-utf8",
    .program = "PROTO 2; RAW 58 02 00 00 00 c3 28; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "string '\\xC3(' is not valid UTF-8" },
  { "/pytorch/bad/pickle/nul-in-string",
    .program = "PROTO 2; RAW 58 03 00 00 00 61 00 62; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "string 'a\\x00b' is not valid UTF-8 or holds "
    "a NUL" },
  { "/pytorch/bad/pickle/marks-nested",
    .program = "PROTO 2; MARKS 257; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "more than 256 nested MARKs" },
  /* --- the result --- */
  { "/pytorch/bad/result/none",
    .program = "PROTO 2; NONE; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "the pickle holds a None, not a state dict" },
  { "/pytorch/bad/result/value-not-tensor",
    .program = "PROTO 2; EMPTY_DICT; BINUNICODE lm_head.weight; BININT1 1; SETITEM; STOP",
    .code = W2VEE_ERROR_PICKLE,
    .message = "state dict entry 'lm_head.weight' is a int, not a tensor" },
  { "/pytorch/bad/result/nested-checkpoint",
    .program = "PROTO 2; EMPTY_DICT; BINUNICODE model; EMPTY_DICT; SETITEM; STOP",
    .code = W2VEE_ERROR_PICKLE, .message = "state dict entry 'model' is a dict" },
  { "/pytorch/bad/result/duplicate-name", .refs = refs_duplicate,
    .code = W2VEE_ERROR_DUPLICATE, .message = "duplicate key "
    "'wav2vec2.feature_extractor.conv_layers.0.conv.weight' in a dict" },
  /* --- the shared checks after parsing --- */
  { "/pytorch/bad/model/missing-tensor", .refs = refs_missing_tensor,
    .code = W2VEE_ERROR_MISSING_TENSOR,
    .message = "pytorch_model.bin: tensor 'wav2vec2.encoder.layers.1.final_layer_norm.bias' "
    "is missing" },
  { "/pytorch/bad/model/shape", .refs = refs_shape,
    .code = W2VEE_ERROR_SHAPE, .message = "pytorch_model.bin: tensor "
    "'wav2vec2.encoder.layers.0.feed_forward.intermediate_dense.weight': shape [8, 12], "
    "config expects [12, 8]" },
  { "/pytorch/bad/model/dtype-int", .refs = refs_dtype_int,
    .code = W2VEE_ERROR_DTYPE, .message = "pytorch_model.bin: tensor "
    "'wav2vec2.feature_projection.projection.bias': unsupported dtype I32" },
  { "/pytorch/bad/model/double", .refs = refs_double,
    .code = W2VEE_ERROR_DTYPE, .message = "projection.bias': unsupported dtype F64" },
  /* --- the zip container --- */
  { "/pytorch/bad/zip/compressed-entry", .zip = zip_compressed,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/data/3' is compressed "
    "(method 8, deflate): only stored entries are accepted" },
  { "/pytorch/bad/zip/compressed-pickle", .zip = zip_compressed_pickle,
    .style = TORCH_ZIP_PLAIN,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/data.pkl' is compressed" },
  { "/pytorch/bad/zip/bad-crc", .zip = zip_bad_crc,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/data/5': CRC-32 mismatch" },
  { "/pytorch/bad/zip/bad-crc-plain", .zip = zip_bad_crc_pickle, .style = TORCH_ZIP_PLAIN,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/data.pkl': CRC-32 mismatch" },
  { "/pytorch/bad/zip/duplicate-name", .zip = zip_duplicate,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/data/2' appears twice" },
  { "/pytorch/bad/zip/outside-prefix", .zip = zip_outside_prefix,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'other/data/2' is outside the archive's "
    "top folder 'pytorch_model/'" },
  { "/pytorch/bad/zip/dotdot", .zip = zip_dotdot,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/../../etc/cron.d/evil' is "
    "not part of a torch.save checkpoint" },
  { "/pytorch/bad/zip/absolute", .zip = zip_absolute,
    .code = W2VEE_ERROR_ZIP, .message = "entry '/tmp/version' is not inside a top folder" },
  { "/pytorch/bad/zip/first-outside", .zip = zip_first_outside,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'evil.py' is not inside a top folder" },
  { "/pytorch/bad/zip/unknown-entry", .zip = zip_unknown_entry,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/code/__torch__.py' is not "
    "part of a torch.save checkpoint" },
  { "/pytorch/bad/zip/leading-zero", .zip = zip_leading_zero,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/data/07' is not part" },
  { "/pytorch/bad/zip/short-name", .zip = zip_short_name,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/dat' is not part" },
  { "/pytorch/bad/zip/no-data-pkl", .zip = zip_no_pickle,
    .code = W2VEE_ERROR_ZIP, .message = "no entry 'pytorch_model/data.pkl'" },
  { "/pytorch/bad/zip/no-version", .zip = zip_no_version,
    .code = W2VEE_ERROR_ZIP, .message = "no entry 'pytorch_model/version'" },
  { "/pytorch/bad/zip/version-text", .zip = zip_version_text,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/version' holds 'three', not "
    "a decimal number" },
  { "/pytorch/bad/zip/big-endian", .zip = zip_big_endian,
    .code = W2VEE_ERROR_ZIP, .message = "holds 'big': only little-endian" },
  { "/pytorch/bad/zip/format-version", .zip = zip_format_version,
    .code = W2VEE_ERROR_ZIP, .message = "format version 2 is not supported" },
  { "/pytorch/bad/zip/encrypted", .zip = zip_encrypted,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/data/1' is encrypted" },
  { "/pytorch/bad/zip/cd-size", .patch = patch_eocd_cd_size,
    .code = W2VEE_ERROR_ZIP, .message = "the end record (" },
  { "/pytorch/bad/zip/cd-size-plain", .patch = patch_eocd_cd_size,
    .style = TORCH_ZIP_PLAIN,
    .code = W2VEE_ERROR_ZIP, .message = "does not end where the end records begin" },
  { "/pytorch/bad/zip/comment-length", .patch = patch_eocd_comment,
    .code = W2VEE_ERROR_ZIP, .message = "no end-of-central-directory record" },
  { "/pytorch/bad/zip/trailing-junk", .patch = patch_trailing_junk,
    .code = W2VEE_ERROR_ZIP, .message = "no end-of-central-directory record" },
  { "/pytorch/bad/zip/multi-disk", .patch = patch_multi_disk,
    .code = W2VEE_ERROR_ZIP, .message = "a multi-disk archive" },
  { "/pytorch/bad/zip/zip64-disagrees", .patch = patch_zip64_count,
    .code = W2VEE_ERROR_ZIP, .message = "zip64 end record" },
  { "/pytorch/bad/zip/local-name", .patch = patch_local_name,
    .code = W2VEE_ERROR_ZIP, .message = "entry 'pytorch_model/data/0': its local header "
    "names it 'pytorch_model/data/9'" },
  { "/pytorch/bad/zip/descriptor", .patch = patch_descriptor,
    .code = W2VEE_ERROR_ZIP, .message = "the data descriptor after its data is missing or "
    "disagrees" },
  { "/pytorch/bad/zip/local-offset", .patch = patch_local_offset,
    .code = W2VEE_ERROR_ZIP, .message = "no local header at offset" },
  { "/pytorch/bad/zip/shared-local-header", .patch = patch_overlap,
    .code = W2VEE_ERROR_ZIP, .message = "its local header names it" },
  /* --- not a checkpoint at all --- */
  { "/pytorch/bad/file/lfs-pointer", .patch = patch_lfs,
    .code = W2VEE_ERROR_LFS_POINTER, .message = "this is a Git LFS pointer" },
  { "/pytorch/bad/file/html", .patch = patch_html,
    .code = W2VEE_ERROR_HTML, .message = "this is an HTML page" },
  { "/pytorch/bad/file/legacy-format", .patch = patch_legacy,
    .code = W2VEE_ERROR_ZIP, .message = "the legacy format of PyTorch < 1.6" },
  { "/pytorch/bad/file/empty", .patch = patch_empty,
    .code = W2VEE_ERROR_ZIP, .message = "0 bytes, too short for a zip archive" },
  { "/pytorch/bad/file/safetensors", .patch = patch_safetensors,
    .code = W2VEE_ERROR_ZIP, .message = "16 bytes, too short for a zip archive" },
};

/* The bytes of the case's pytorch_model.bin. */
static GByteArray *
case_file (const BadCase *c, TinyModel *m)
{
  TorchBinOptions o;
  g_autoptr (GPtrArray) refs = NULL;
  g_autoptr (GByteArray) pickle = NULL;
  g_autoptr (ZipWriter) zw = NULL;
  GByteArray *file;

  torch_bin_options_init (&o);
  o.style = c->style;
  refs = torch_bin_refs (m, &o);
  if (c->refs != NULL)
    c->refs (m, refs);
  if (c->program != NULL)
    pickle = assemble (c->program);
  zw = torch_bin_zip (m, &o, refs, pickle);
  if (c->zip != NULL)
    c->zip (zw);
  file = zip_writer_write (zw);
  if (c->patch != NULL)
    c->patch (file);
  return file;
}

static void
test_bad_case (gconstpointer data)
{
  const BadCase *c = data;
  TinyModel *m = tiny (TINY_F32);
  g_autoptr (GByteArray) file = case_file (c, m);
  g_autofree char *dir = write_bin_dir (m, file);
  g_autofree char *bin = g_build_filename (dir, "pytorch_model.bin", NULL);
  g_autoptr (GError) error = NULL;
  W2veeModel *model;

  model = w2vee_model_load (dir, &error);
  if (model != NULL)
    g_error ("%s: loaded, but should fail with code %d", c->path, c->code);
  g_assert_error (error, W2VEE_ERROR, (gint) c->code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, c->message) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, c->message);
  /* Every message starts with the full path of the file at fault. */
  if (!g_str_has_prefix (error->message, bin))
    g_error ("message \"%s\" does not start with %s", error->message, bin);
  tiny_model_free (m);
}

/* ------------------------------------------------------------------------- */
/* Truncation                                                                */
/* ------------------------------------------------------------------------- */

/* The whole file cut at every byte: the end records go first, so each cut is a zip
 * error; through w2vee_model_load() at the edges and every 97th byte. */
static void
test_truncate_file (void)
{
  TinyModel *m = tiny (TINY_F32);
  TorchBinOptions o;
  g_autoptr (GByteArray) bin = NULL;
  g_autoptr (W2veeTensorTable) full = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *path = NULL;

  torch_bin_options_init (&o);
  o.torch2_records = TRUE;
  bin = torch_bin_write (m, &o);
  full = w2vee_tensor_table_parse_pytorch (bin->data, bin->len, "full", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w2vee_tensor_table_n_tensors (full), ==, m->tensors->len);
  g_test_message ("%u bytes", bin->len);

  for (gsize len = 0; len < bin->len; len++) {
    guint8 *copy = g_memdup2 (bin->data, len);
    W2veeTensorTable *t = w2vee_tensor_table_parse_pytorch (copy, len, "cut", &error);

    if (t != NULL)
      g_error ("a file cut to %" G_GSIZE_FORMAT " bytes was accepted", len);
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_ZIP);
    g_assert_true (g_str_has_prefix (error->message, "cut: "));
    g_clear_error (&error);
    g_free (copy);
  }

  dir = write_bin_dir (m, bin);
  path = g_build_filename (dir, "pytorch_model.bin", NULL);
  for (gsize len = 0; len < bin->len; len++) {
    if (len > 8 && len < bin->len - 120 && len % 97 != 0)
      continue;
    g_assert_true (g_file_set_contents (path, (const char *) bin->data, len, NULL));
    g_assert_null (w2vee_model_load (dir, &error));
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_ZIP);
    g_clear_error (&error);
  }
  tiny_model_free (m);
}

/* data.pkl cut at every byte inside a valid archive (CRCs right): every cut is a
 * pickle error, never a crash or a read past the cut. */
static void
test_truncate_pickle (void)
{
  TinyModel *m = tiny (TINY_F32);
  TorchBinOptions o;
  g_autoptr (GPtrArray) refs = NULL;
  g_autoptr (GByteArray) pickle = NULL;
  g_autoptr (GError) error = NULL;

  torch_bin_options_init (&o);
  o.parameters = TRUE;
  o.pickle.long_memo = TRUE;
  refs = torch_bin_refs (m, &o);
  {
    g_autoptr (GArray) flat = g_array_new (FALSE, FALSE, sizeof (TorchTensorRef));

    for (guint i = 0; i < refs->len; i++)
      g_array_append_vals (flat, refs->pdata[i], 1);
    pickle = torch_pickle_state_dict ((TorchTensorRef *) (void *) flat->data, flat->len,
        &o.pickle);
  }
  g_test_message ("data.pkl: %u bytes", pickle->len);

  for (gsize len = 0; len <= pickle->len; len++) {
    g_autoptr (GByteArray) cut = g_byte_array_new ();
    g_autoptr (ZipWriter) zw = NULL;
    g_autoptr (GByteArray) file = NULL;
    W2veeTensorTable *t;

    g_byte_array_append (cut, pickle->data, (guint) len);
    zw = torch_bin_zip (m, &o, refs, cut);
    file = zip_writer_write (zw);
    t = w2vee_tensor_table_parse_pytorch (file->data, file->len, "cut", &error);
    if (len == pickle->len) {
      g_assert_no_error (error);
      g_assert_cmpuint (w2vee_tensor_table_n_tensors (t), ==, m->tensors->len);
      w2vee_tensor_table_free (t);
      break;
    }
    if (t != NULL)
      g_error ("data.pkl cut to %" G_GSIZE_FORMAT " bytes was accepted", len);
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_PICKLE);
    g_clear_error (&error);
  }
  tiny_model_free (m);
}

/* More objects than W2VEE_PICKLE_MAX_VALUES, made without growing the stack (NONE,
 * TUPLE1, BINPUT, repeated): refused before memory grows further. */
static void
test_value_limit (void)
{
  TinyModel *m = tiny (TINY_F32);
  TorchBinOptions o;
  g_autoptr (GByteArray) pickle = g_byte_array_new ();
  g_autoptr (ZipWriter) zw = NULL;
  g_autoptr (GByteArray) file = NULL;
  g_autoptr (GError) error = NULL;
  static const guint8 head[] = { 0x80, 2, 'N' }, step[] = { 0x85, 'q', 0 };

  g_byte_array_append (pickle, head, sizeof head);
  for (guint i = 0; i < W2VEE_PICKLE_MAX_VALUES; i++)
    g_byte_array_append (pickle, step, sizeof step);
  g_byte_array_append (pickle, (const guint8 *) ".", 1);
  torch_bin_options_init (&o);
  zw = torch_bin_zip (m, &o, NULL, pickle);
  file = zip_writer_write (zw);
  g_assert_null (w2vee_tensor_table_parse_pytorch (file->data, file->len, "big", &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_PICKLE);
  g_assert_nonnull (strstr (error->message, "more than 2097152 objects"));
  tiny_model_free (m);
}

/* ------------------------------------------------------------------------- */
/* Parsers                                                                   */
/* ------------------------------------------------------------------------- */

static void
test_crc32_known (void)
{
  static const struct {
    const char *text;
    guint32 crc;
  } known[] = {
    { "", 0x00000000u }, { "a", 0xE8B7BE43u }, { "123456789", 0xCBF43926u },
    { "The quick brown fox jumps over the lazy dog", 0x414FA339u },
  };
  g_autofree guint8 *big = g_malloc (100003);

  for (guint i = 0; i < G_N_ELEMENTS (known); i++) {
    const guint8 *p = (const guint8 *) known[i].text;
    gsize n = strlen (known[i].text);

    g_assert_cmphex (w2vee_crc32 (0, p, n), ==, known[i].crc);
    g_assert_cmphex (test_crc32 (p, n), ==, known[i].crc);
  }
  /* Slice-by-8 against the bitwise loop, every alignment and tail, and in pieces. */
  for (gsize i = 0; i < 100003; i++)
    big[i] = (guint8) (i * 2654435761u >> 13);
  for (gsize off = 0; off < 9; off++)
    g_assert_cmphex (w2vee_crc32 (0, big + off, 100003 - off - off % 5), ==,
        test_crc32 (big + off, 100003 - off - off % 5));
  g_assert_cmphex (w2vee_crc32 (w2vee_crc32 (0, big, 777), big + 777, 100003 - 777), ==,
      test_crc32 (big, 100003));
}

/* ------------------------------------------------------------------------- */

/* Valid variants for torch_bin.py: DIR/NAME/{pytorch_model.bin, model.safetensors,
 * config.json, ...}. */
static int
write_fixtures (const char *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_cases); i++) {
    const ValidCase *c = &valid_cases[i];
    g_autofree char *dir = g_build_filename (out, strrchr (c->path, '/') + 1, NULL);
    g_autofree char *bin_path = g_build_filename (dir, "pytorch_model.bin", NULL);
    TinyModel *m = tiny (c->dtype);
    TorchBinOptions o;
    g_autoptr (GByteArray) bin = NULL;
    g_autoptr (GError) error = NULL;

    options_of (c, &o);
    bin = torch_bin_write (m, &o);
    if (!tiny_model_write (m, dir, &error) ||
        !g_file_set_contents (bin_path, (const char *) bin->data, bin->len, &error)) {
      g_printerr ("%s: %s\n", dir, error->message);
      return 1;
    }
    tiny_model_free (m);
  }
  return 0;
}

/* Loads two model directories (the second one without model.safetensors) and checks
 * that their weights are bit-identical. */
static int
compare_dirs (const char *a, const char *b)
{
  g_autofree char *st = g_build_filename (b, "model.safetensors", NULL);
  g_autoptr (W2veeModel) ma = NULL, mb = NULL;
  g_autoptr (GArray) weights = NULL;
  gsize n = 0;

  if (g_file_test (st, G_FILE_TEST_EXISTS)) {
    g_printerr ("%s exists: the second model must be read from pytorch_model.bin\n", st);
    return 1;
  }
  ma = load_dir (a);
  mb = load_dir (b);
  assert_same_models (ma, mb);
  weights = weights_of (ma);
  for (guint i = 0; i < weights->len; i++)
    n += g_array_index (weights, Weight, i).n;
  g_print ("%u weight arrays (%" G_GSIZE_FORMAT " floats) bit-identical to the "
      "safetensors load\n", weights->len, n);
  return 0;
}

int
main (int argc, char **argv)
{
  /* the tiny model's frame rate (test-support.c), for --compare too */
  g_setenv ("W2VEE_MIN_FRAME_SAMPLES", "1", TRUE);
  if (argc == 3 && strcmp (argv[1], "--write-fixtures") == 0)
    return write_fixtures (argv[2]);
  if (argc == 4 && strcmp (argv[1], "--compare") == 0)
    return compare_dirs (argv[2], argv[3]);
  test_support_init (&argc, &argv, "pytorch");

  for (guint i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    test_add_data (valid_cases[i].path, &valid_cases[i], test_valid);
  test_add ("/pytorch/valid/policy", test_policy);
  test_add ("/pytorch/valid/names", test_names);
  test_add ("/pytorch/valid/pickle-forms", test_pickle_forms);
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    test_add_data (bad_cases[i].path, &bad_cases[i], test_bad_case);
  test_add ("/pytorch/bad/limits/objects", test_value_limit);
  test_add ("/pytorch/truncate/file-every-byte", test_truncate_file);
  test_add ("/pytorch/truncate/pickle-every-byte", test_truncate_pickle);
  test_add ("/pytorch/parsers/crc32", test_crc32_known);

  return test_support_run ();
}
