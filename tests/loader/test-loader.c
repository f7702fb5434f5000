/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Loader tests: a tiny valid model written from C (tiny-model.h), then a table of
 * corrupted variants, one per class of docs/engine.md "Loading (what is checked)", each
 * with its own error code and message; truncation at every byte; misaligned, F16 and BF16
 * data; both weight-norm namings; the exit rules; the accessors.
 *
 * Scratch directories go under the current directory (meson runs this in the build
 * directory) and are removed at the end unless W2VEE_KEEP_TEST_DIRS is set.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "format/model-config.h"
#include "format/json.h"
#include "model.h"
#include "format/safetensors.h"
#include "format/tensors.h"
#include "test-support.h"
#include "tiny-model.h"

#define PREFIX "wav2vec2."

static TinyModel *
default_model (void)
{
  TinyOptions opts;

  tiny_options_init (&opts);
  return tiny_model_new (&opts);
}

/* Writes @m into a new directory and loads it. */
static W2veeModel *
write_and_load (const TinyModel *m, char **dir_out, GError **error)
{
  g_autofree char *dir = test_new_dir ();
  g_autoptr (GError) write_error = NULL;
  W2veeModel *model;

  if (!tiny_model_write (m, dir, &write_error))
    g_error ("writing %s: %s", dir, write_error->message);
  model = w2vee_model_load (dir, error);
  if (dir_out != NULL)
    *dir_out = g_steal_pointer (&dir);
  return model;
}

static W2veeModel *
load_ok (const TinyModel *m)
{
  g_autoptr (GError) error = NULL;
  W2veeModel *model = write_and_load (m, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

static void
set_le64 (GByteArray *file, guint64 v)
{
  for (int i = 0; i < 8; i++)
    file->data[i] = (guint8) (v >> (8 * i));
}

static guint64
get_le64 (const GByteArray *file)
{
  guint64 v = 0;

  for (int i = 7; i >= 0; i--)
    v = v << 8 | file->data[i];
  return v;
}

/* The first "wav2vec2." in the header. */
static guint8 *
first_name (GByteArray *f)
{
  gsize end = 8 + (gsize) get_le64 (f);

  for (gsize i = 8; i + 9 <= end; i++)
    if (memcmp (f->data + i, "wav2vec2.", 9) == 0)
      return f->data + i;
  g_assert_not_reached ();
}

static void
replace_file (GByteArray *file, const char *text)
{
  g_byte_array_set_size (file, 0);
  g_byte_array_append (file, (const guint8 *) text, (guint) strlen (text));
}

/* ------------------------------------------------------------------------- */
/* The table of broken models                                                */
/* ------------------------------------------------------------------------- */

typedef struct {
  const char *path;           /* GTest path */
  /* edits of the model before writing (all optional) */
  const char *cfg_key;        /* config.json member to set to cfg_value (NULL: remove) */
  const char *cfg_value;
  const char *config_raw;     /* config.json text; "-": no config.json */
  const char *vocab;          /* vocab.json text; "-": no vocab.json */
  const char *preprocessor;   /* preprocessor_config.json text */
  const char *tensor;         /* tensor edited by the next fields */
  const char *shape;          /* new shape (JSON array), with data of that size */
  guint n_dims;               /* ... its rank, for .shape */
  const char *header_shape;   /* text written as "shape", data unchanged */
  const char *dtype;          /* text written as "dtype", data unchanged */
  const char *offsets;        /* text written as "data_offsets" */
  const char *raw_entry;      /* text written as the whole entry */
  const char *rename;         /* new name of .tensor */
  gboolean remove;            /* remove .tensor */
  const char *header_extra;   /* inserted after the header's '{' */
  const char *header_raw;     /* the whole header */
  gboolean no_metadata;
  void (*mutate) (TinyModel *m);
  void (*patch) (GByteArray *file); /* edits the bytes of model.safetensors */
  /* expected */
  W2veeError code;
  const char *message;        /* a substring of the message */
} BadCase;

static gsize
parse_shape (const char *json, gsize *shape)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  JsonArray *a;
  guint n;

  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  a = json_node_get_array (json_parser_get_root (p));
  n = json_array_get_length (a);
  for (guint i = 0; i < n; i++)
    shape[i] = (gsize) json_array_get_int_element (a, i);
  return n;
}

static void
apply_case (const BadCase *c, TinyModel *m)
{
  if (c->cfg_key != NULL)
    tiny_model_set_config (m, c->cfg_key, c->cfg_value);
  if (c->config_raw != NULL)
    m->config_raw = g_strdup (c->config_raw);
  if (c->vocab != NULL) {
    g_free (m->vocab_json);
    m->vocab_json = strcmp (c->vocab, "-") == 0 ? NULL : g_strdup (c->vocab);
  }
  if (c->preprocessor != NULL) {
    g_free (m->preprocessor_json);
    m->preprocessor_json = g_strdup (c->preprocessor);
  }
  if (c->tensor != NULL) {
    TinyTensor *t = tiny_model_tensor (m, c->tensor);

    g_assert_nonnull (t);
    if (c->shape != NULL) {
      gsize shape[8];
      guint n = (guint) parse_shape (c->shape, shape);

      tiny_tensor_reshape (m, t, n, shape);
    }
    if (c->dtype != NULL) {
      g_free (t->dtype);
      t->dtype = g_strdup (c->dtype);
    }
    if (c->offsets != NULL)
      t->offsets = g_strdup (c->offsets);
    if (c->raw_entry != NULL)
      t->raw_entry = g_strdup (c->raw_entry);
    if (c->rename != NULL)
      tiny_model_rename (m, c->tensor, c->rename);
    if (c->remove)
      tiny_model_remove (m, c->tensor);
  }
  if (c->header_extra != NULL)
    m->header_extra = g_strdup (c->header_extra);
  if (c->header_raw != NULL)
    m->header_raw = g_strdup (c->header_raw);
  m->no_metadata = c->no_metadata;
  if (c->mutate != NULL)
    c->mutate (m);
}

/* Writes the header's "shape" of one tensor as arbitrary text: done by rewriting the
 * entry with the offsets the writer would give it. */
static void
set_header_shape (TinyModel *m, const char *name, const char *shape_text)
{
  gsize begin = 0;
  TinyTensor *t = NULL;

  for (guint i = 0; i < m->tensors->len; i++) {
    t = m->tensors->pdata[i];
    if (strcmp (t->name, name) == 0)
      break;
    begin += t->data->len;
  }
  g_assert_nonnull (t);
  g_free (t->raw_entry);
  t->raw_entry = g_strdup_printf ("{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%"
      G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT "]}", t->dtype, shape_text, begin,
      begin + t->data->len);
}

static void
test_bad_case (gconstpointer data)
{
  const BadCase *c = data;
  TinyModel *m = default_model ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = test_new_dir ();
  g_autofree char *st_path = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr (GError) io_error = NULL;
  W2veeModel *model;

  apply_case (c, m);
  if (c->header_shape != NULL)
    set_header_shape (m, c->tensor, c->header_shape);
  g_assert_true (tiny_model_write (m, dir, &io_error));
  g_assert_no_error (io_error);
  if (c->config_raw != NULL && strcmp (c->config_raw, "-") == 0) {
    g_autofree char *p = g_build_filename (dir, "config.json", NULL);

    g_unlink (p);
  }
  if (c->patch != NULL) {
    g_autofree char *bytes = NULL;
    gsize len;
    g_autoptr (GByteArray) file = g_byte_array_new ();

    g_assert_true (g_file_get_contents (st_path, &bytes, &len, NULL));
    g_byte_array_append (file, (const guint8 *) bytes, (guint) len);
    c->patch (file);
    g_assert_true (g_file_set_contents (st_path, (const char *) file->data, file->len,
            NULL));
  }

  model = w2vee_model_load (dir, &error);
  if (model != NULL)
    g_error ("%s: loaded, but should fail with code %d", c->path, c->code);
  g_assert_error (error, W2VEE_ERROR, (gint) c->code);
  g_test_message ("%s", error->message);
  if (strstr (error->message, c->message) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, c->message);
  /* Every message starts with the full path of the file at fault. */
  g_assert_true (g_str_has_prefix (error->message, dir));
  tiny_model_free (m);
}

/* --- patches of model.safetensors --- */

static void
patch_header_too_large (GByteArray *f)
{
  set_le64 (f, 100000001);
}

static void
patch_header_beyond_file (GByteArray *f)
{
  set_le64 (f, f->len - 7);  /* N + 8 = len + 1 */
}

static void
patch_header_u64_max (GByteArray *f)
{
  set_le64 (f, G_MAXUINT64);
}

static void
patch_short (GByteArray *f)
{
  g_byte_array_set_size (f, 5);
}

static void
patch_empty (GByteArray *f)
{
  g_byte_array_set_size (f, 0);
}

static void
patch_zip (GByteArray *f)
{
  static const guint8 zip[] = "PK\003\004\024\000\000\000\010\000archive/data.pkl";

  g_byte_array_set_size (f, 0);
  g_byte_array_append (f, zip, sizeof zip - 1);
}

/* A 0xFF byte inside the first tensor name of the header. */
static void
patch_bad_utf8 (GByteArray *f)
{
  first_name (f)[3] = 0xFF;
}

static void
patch_nul (GByteArray *f)
{
  first_name (f)[3] = 0;
}

static void
patch_lfs (GByteArray *f)
{
  replace_file (f, "version https://git-lfs.github.com/spec/v1\n"
      "oid sha256:0a4e2c3ee8c7bfa9bc6fcc1e0e0b2e8ed8d3c7e1b4e0e5d0a1f0a9e8d7c6b5a4\n"
      "size 377667514\n");
}

static void
patch_html (GByteArray *f)
{
  replace_file (f, "\r\n  <!DOCTYPE html>\n<html lang=\"en\"><head><title>Sign in"
      "</title></head><body>Access to this model is restricted.</body></html>\n");
}

static void
patch_html_lower (GByteArray *f)
{
  replace_file (f, "\xEF\xBB\xBF<html><body>404 Not Found</body></html>");
}

static void
patch_trailing (GByteArray *f)
{
  static const guint8 junk[4] = { 1, 2, 3, 4 };

  g_byte_array_append (f, junk, 4);
}

static void
patch_truncate_data (GByteArray *f)
{
  g_byte_array_set_size (f, f->len - 4);
}

/* --- mutations needing code --- */

static gsize
data_len (TinyModel *m, guint i)
{
  return ((TinyTensor *) m->tensors->pdata[i])->data->len;
}

static void
set_offsets (TinyModel *m, guint i, gsize begin, gsize end)
{
  TinyTensor *t = m->tensors->pdata[i];

  g_free (t->offsets);
  t->offsets = g_strdup_printf ("[%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT "]", begin, end);
}

static void
mutate_gap (TinyModel *m)
{
  gsize a = data_len (m, 0);

  set_offsets (m, 1, a + 4, a + 4 + data_len (m, 1));
}

static void
mutate_overlap (TinyModel *m)
{
  gsize a = data_len (m, 0);

  set_offsets (m, 1, a - 4, a - 4 + data_len (m, 1));
}

static void
mutate_not_from_zero (TinyModel *m)
{
  set_offsets (m, 0, 4, 4 + data_len (m, 0));
}

static void
mutate_end_before_begin (TinyModel *m)
{
  set_offsets (m, 0, data_len (m, 0), 0);
}

static void
mutate_f4_odd (TinyModel *m)
{
  gsize three = 3;

  tiny_model_add (m, "extra.packed", "F4", 1, &three, 0);
}

static void
mutate_deep (TinyModel *m)
{
  GString *s = g_string_new ("\"x\":{\"dtype\":\"F32\",\"junk\":");

  for (int i = 0; i < 200; i++)
    g_string_append_c (s, '[');
  for (int i = 0; i < 200; i++)
    g_string_append_c (s, ']');
  g_string_append (s, ",\"shape\":[0],\"data_offsets\":[0,0]},");
  m->header_extra = g_string_free (s, FALSE);
}

static void
mutate_no_heads (TinyModel *m)
{
  tiny_model_remove (m, "decoders.0.weight");
  tiny_model_remove (m, "decoders.0.bias");
  tiny_model_remove (m, "decoders.1.weight");
  tiny_model_remove (m, "decoders.1.bias");
}

static void
mutate_decoder_hole (TinyModel *m)
{
  tiny_model_rename (m, "decoders.1.weight", "decoders.2.weight");
  tiny_model_rename (m, "decoders.1.bias", "decoders.2.bias");
}

static void
mutate_three_decoders (TinyModel *m)
{
  gsize head[2] = { 32, 8 }, v = 32;

  tiny_model_add (m, "decoders.2.weight", "F32", 2, head, 0);
  tiny_model_add (m, "decoders.2.bias", "F32", 1, &v, 0);
}

static void
mutate_decoder_200 (TinyModel *m)
{
  gsize head[2] = { 32, 8 };

  tiny_model_add (m, "decoders.200.weight", "F32", 2, head, 0);
}

static void
mutate_both_weight_norms (TinyModel *m)
{
  gsize g[3] = { 1, 1, 4 };

  tiny_model_add (m, PREFIX "encoder.pos_conv_embed.conv.parametrizations.weight."
      "original0", "F32", 3, g, 0);
}

static void
mutate_huge_strides (TinyModel *m)
{
  tiny_model_set_config (m, "conv_dim", "[4, 6, 6]");
  tiny_model_set_config (m, "conv_kernel", "[2, 2, 2]");
  tiny_model_set_config (m, "conv_stride", "[1024, 1024, 1024]");
}

static void
mutate_too_large_model (TinyModel *m)
{
  tiny_model_set_config (m, "hidden_size", "8192");
  tiny_model_set_config (m, "intermediate_size", "65536");
  tiny_model_set_config (m, "num_hidden_layers", "128");
}

static void
mutate_f64_bias (TinyModel *m)
{
  TinyTensor *t = tiny_model_tensor (m, PREFIX "feature_projection.projection.bias");

  /* 8 F32 = 32 bytes = 4 F64: a valid file whose tensor has an unusable dtype. */
  g_free (t->dtype);
  t->dtype = g_strdup ("F64");
  t->n_dims = 1;
  t->shape[0] = 4;
}

static void
mutate_forty_tokens (TinyModel *m)
{
  GString *s = g_string_new ("{");

  for (int i = 0; i < 40; i++)
    g_string_append_printf (s, "%s\"t%d\": %d", i ? ", " : "", i, i);
  g_string_append_c (s, '}');
  g_free (m->vocab_json);
  m->vocab_json = g_string_free (s, FALSE);
  tiny_model_set_config (m, "vocab_size", "40");
}

static void
mutate_long_token (TinyModel *m)
{
  g_autofree char *tok = g_strnfill (W2VEE_MAX_TOKEN_BYTES + 1, 'a');

  g_free (m->vocab_json);
  m->vocab_json = g_strdup_printf ("{\"<pad>\": 0, \"%s\": 1}", tok);
  tiny_model_set_config (m, "vocab_size", "2");
}

#define V31 "{\"<pad>\":0,\"<s>\":1,\"</s>\":2,\"<unk>\":3,\"|\":4,\"E\":5,\"T\":6," \
  "\"A\":7,\"O\":8,\"N\":9,\"I\":10,\"H\":11,\"S\":12,\"R\":13,\"D\":14,\"L\":15," \
  "\"U\":16,\"M\":17,\"W\":18,\"C\":19,\"F\":20,\"G\":21,\"Y\":22,\"P\":23,\"B\":24," \
  "\"V\":25,\"K\":26,\"'\":27,\"X\":28,\"J\":29,\"Q\":30"

#define L1W PREFIX "encoder.layers.1.attention.q_proj.weight"
#define PROJ_B PREFIX "feature_projection.projection.bias"
#define HDR_ENTRY(name) "\"" name "\":{\"dtype\":\"F32\",\"shape\":[0]," \
  "\"data_offsets\":[0,0]},"

static const BadCase bad_cases[] = {
  /* safetensors: header length */
  { "/loader/bad/header-length/above-limit", .patch = patch_header_too_large,
    .code = W2VEE_ERROR_HEADER_LENGTH, .message = "exceeds the limit" },
  { "/loader/bad/header-length/beyond-file", .patch = patch_header_beyond_file,
    .code = W2VEE_ERROR_HEADER_LENGTH, .message = "extends beyond the end" },
  { "/loader/bad/header-length/u64-max", .patch = patch_header_u64_max,
    .code = W2VEE_ERROR_HEADER_LENGTH, .message = "18446744073709551615" },
  { "/loader/bad/header-length/short-file", .patch = patch_short,
    .code = W2VEE_ERROR_HEADER_LENGTH, .message = "too short" },
  { "/loader/bad/header-length/empty-file", .patch = patch_empty,
    .code = W2VEE_ERROR_HEADER_LENGTH, .message = "file is 0 bytes" },
  { "/loader/bad/header-length/zip", .patch = patch_zip,
    .code = W2VEE_ERROR_HEADER_LENGTH, .message = "ZIP archive" },
  /* safetensors: placeholders */
  { "/loader/bad/placeholder/lfs-pointer", .patch = patch_lfs,
    .code = W2VEE_ERROR_LFS_POINTER, .message = "git lfs pull" },
  { "/loader/bad/placeholder/lfs-size", .patch = patch_lfs,
    .code = W2VEE_ERROR_LFS_POINTER, .message = "real file of 377667514 bytes" },
  { "/loader/bad/placeholder/html-doctype", .patch = patch_html,
    .code = W2VEE_ERROR_HTML, .message = "HTML page" },
  { "/loader/bad/placeholder/html-tag", .patch = patch_html_lower,
    .code = W2VEE_ERROR_HTML, .message = "HTML page" },
  { "/loader/bad/placeholder/html-config", .config_raw = "<!doctype html><p>error",
    .code = W2VEE_ERROR_HTML, .message = "config.json: this is an HTML page" },
  /* safetensors: header JSON */
  { "/loader/bad/header-json/bad-utf8", .patch = patch_bad_utf8,
    .code = W2VEE_ERROR_HEADER_JSON, .message = "invalid UTF-8" },
  { "/loader/bad/header-json/nul-byte", .patch = patch_nul,
    .code = W2VEE_ERROR_HEADER_JSON, .message = "NUL character at byte" },
  { "/loader/bad/header-json/not-json", .header_raw = "{\"a\" 1}",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "(JSON header):1:6: expected ':'" },
  { "/loader/bad/header-json/not-object", .header_raw = "[]",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "must be a JSON object" },
  { "/loader/bad/header-json/empty", .header_raw = "",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "must be a JSON object" },
  { "/loader/bad/header-json/two-roots", .header_raw = "{}{}",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "expected the end of the document" },
  { "/loader/bad/header-json/comment", .header_raw = "{/* c */}",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "expected a member name" },
  { "/loader/bad/header-json/single-quotes", .header_extra = "'a':1,",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "expected a member name" },
  { "/loader/bad/header-json/trailing-comma", .header_raw = "{\"__metadata__\":{},}",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "expected a member name" },
  { "/loader/bad/header-json/control-char", .header_extra = "\"a\tb\":{},",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "control characters must be escaped" },
  { "/loader/bad/header-json/nul-escape", .header_extra = "\"a\\u0000b\":{},",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "\\u0000" },
  { "/loader/bad/header-json/lone-surrogate", .header_extra = "\"a\\ud800\":{},",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "surrogate" },
  { "/loader/bad/header-json/deep-nesting", .mutate = mutate_deep,
    .code = W2VEE_ERROR_HEADER_JSON, .message = "nesting deeper than" },
  { "/loader/bad/header-json/entry-not-object", .tensor = PROJ_B,
    .raw_entry = "[1, 2]",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "expected an object with" },
  { "/loader/bad/header-json/missing-dtype", .tensor = PROJ_B,
    .raw_entry = "{\"shape\":[8],\"data_offsets\":[0,32]}",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "missing \"dtype\"" },
  { "/loader/bad/header-json/missing-offsets", .tensor = PROJ_B,
    .raw_entry = "{\"dtype\":\"F32\",\"shape\":[8]}",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "missing \"data_offsets\"" },
  { "/loader/bad/header-json/dtype-not-string", .tensor = PROJ_B,
    .raw_entry = "{\"dtype\":32,\"shape\":[8],\"data_offsets\":[0,32]}",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "\"dtype\" must be a string" },
  { "/loader/bad/header-json/shape-negative", .tensor = PROJ_B, .header_shape = "[-8]",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "expected a non-negative integer" },
  { "/loader/bad/header-json/shape-fraction", .tensor = PROJ_B, .header_shape = "[8.0]",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "expected a non-negative integer" },
  { "/loader/bad/header-json/shape-not-array", .tensor = PROJ_B,
    .header_shape = "\"8\"",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "must be an array" },
  { "/loader/bad/header-json/shape-rank", .tensor = PROJ_B,
    .header_shape = "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,8]",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "more than 16 elements" },
  { "/loader/bad/header-json/shape-above-u64", .tensor = PROJ_B,
    .header_shape = "[18446744073709551616]",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "integer out of range" },
  { "/loader/bad/header-json/offsets-three", .tensor = PROJ_B, .offsets = "[0,32,64]",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "more than 2 elements" },
  { "/loader/bad/header-json/offsets-one", .tensor = PROJ_B, .offsets = "[0]",
    .code = W2VEE_ERROR_HEADER_JSON, .message = "must be [begin, end]" },
  { "/loader/bad/header-json/metadata-not-string",
    .header_extra = "\"__metadata__\":{\"format\":1},", .no_metadata = TRUE,
    .code = W2VEE_ERROR_HEADER_JSON,
    .message = "\"__metadata__\": the value of \"format\" must be a string" },
  { "/loader/bad/header-json/metadata-not-object",
    .header_extra = "\"__metadata__\":[],", .no_metadata = TRUE,
    .code = W2VEE_ERROR_HEADER_JSON,
    .message = "\"__metadata__\": must be an object of strings" },
  /* safetensors: dtype */
  { "/loader/bad/dtype/unknown", .tensor = PROJ_B, .dtype = "F99",
    .code = W2VEE_ERROR_DTYPE, .message = "unknown dtype \"F99\"" },
  { "/loader/bad/dtype/lower-case", .tensor = PROJ_B, .dtype = "f32",
    .code = W2VEE_ERROR_DTYPE, .message = "unknown dtype \"f32\"" },
  { "/loader/bad/dtype/unsupported-i32", .tensor = PROJ_B, .dtype = "I32",
    .code = W2VEE_ERROR_DTYPE, .message = "'" PROJ_B "': unsupported dtype I32" },
  { "/loader/bad/dtype/unsupported-f64", .mutate = mutate_f64_bias,
    .code = W2VEE_ERROR_DTYPE, .message = "unsupported dtype F64" },
  /* safetensors: layout */
  { "/loader/bad/layout/gap", .mutate = mutate_gap,
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "gap in the tensor data" },
  { "/loader/bad/layout/overlap", .mutate = mutate_overlap,
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "overlaps tensor" },
  { "/loader/bad/layout/not-from-zero", .mutate = mutate_not_from_zero,
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "must begin at offset 0" },
  { "/loader/bad/layout/end-before-begin", .mutate = mutate_end_before_begin,
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "end before they begin" },
  { "/loader/bad/layout/trailing-bytes", .patch = patch_trailing,
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "4 bytes after the last tensor" },
  { "/loader/bad/layout/truncated-data", .patch = patch_truncate_data,
    .code = W2VEE_ERROR_TENSOR_LAYOUT, .message = "file truncated" },
  /* safetensors: sizes */
  { "/loader/bad/size/mismatch", .tensor = PROJ_B, .header_shape = "[7]",
    .code = W2VEE_ERROR_TENSOR_SIZE, .message = "hold 32 bytes, but 7 elements" },
  { "/loader/bad/size/shape-overflow", .tensor = PROJ_B,
    .header_shape = "[4294967296,4294967296,2]",
    .code = W2VEE_ERROR_TENSOR_SIZE, .message = "product of its shape overflows" },
  { "/loader/bad/size/bytes-overflow", .tensor = PROJ_B,
    .header_shape = "[4611686018427387904]",
    .code = W2VEE_ERROR_TENSOR_SIZE, .message = "overflow the byte count" },
  { "/loader/bad/size/partial-byte", .mutate = mutate_f4_odd,
    .code = W2VEE_ERROR_TENSOR_SIZE, .message = "not a whole number of bytes" },
  /* duplicates */
  { "/loader/bad/duplicate/tensor", .header_extra = HDR_ENTRY (PROJ_B),
    .code = W2VEE_ERROR_DUPLICATE, .message = "duplicate tensor '" PROJ_B "'" },
  { "/loader/bad/duplicate/tensor-escaped",
    .header_extra = HDR_ENTRY (PREFIX "feature_projection.projection.bia\\u0073"),
    .code = W2VEE_ERROR_DUPLICATE, .message = "duplicate tensor '" PROJ_B "'" },
  { "/loader/bad/duplicate/entry-key", .tensor = PROJ_B,
    .raw_entry = "{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[8],"
    "\"data_offsets\":[0,32]}",
    .code = W2VEE_ERROR_DUPLICATE,
    .message = "tensor '" PROJ_B "': duplicate key \"dtype\"" },
  { "/loader/bad/duplicate/metadata", .header_extra = "\"__metadata__\":{},",
    .code = W2VEE_ERROR_DUPLICATE, .message = "duplicate key \"__metadata__\"" },
  { "/loader/bad/duplicate/metadata-key",
    .header_extra = "\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"},", .no_metadata = TRUE,
    .code = W2VEE_ERROR_DUPLICATE,
    .message = "\"__metadata__\": duplicate key \"a\"" },
  { "/loader/bad/duplicate/config-key",
    .config_raw = "{\"hidden_size\": 8,\n \"hidden_size\": 16}",
    .code = W2VEE_ERROR_DUPLICATE, .message = "config.json:2:2: duplicate key" },
  { "/loader/bad/duplicate/weight-norm", .mutate = mutate_both_weight_norms,
    .code = W2VEE_ERROR_DUPLICATE, .message = "given twice" },
  /* tensors against the config */
  { "/loader/bad/tensor/missing", .tensor = PREFIX "encoder.layers.1.feed_forward."
    "output_dense.bias", .remove = TRUE,
    .code = W2VEE_ERROR_MISSING_TENSOR, .message = "tensor '" PREFIX "encoder.layers."
    "1.feed_forward.output_dense.bias' is missing" },
  { "/loader/bad/tensor/shape", .tensor = L1W, .shape = "[8, 7]",
    .code = W2VEE_ERROR_SHAPE, .message = "model.safetensors: tensor '" L1W "': shape "
    "[8, 7], config expects [8, 8]" },
  { "/loader/bad/tensor/rank", .tensor = PROJ_B, .shape = "[8, 1]",
    .code = W2VEE_ERROR_SHAPE, .message = "shape [8, 1], config expects [8]" },
  { "/loader/bad/tensor/conv-shape", .tensor = PREFIX "feature_extractor.conv_layers.1."
    "conv.weight", .shape = "[6, 4, 3]",
    .code = W2VEE_ERROR_SHAPE, .message = "shape [6, 4, 3], config expects [6, 4, 2]" },
  { "/loader/bad/tensor/weight-g-shape", .tensor = PREFIX "encoder.pos_conv_embed.conv."
    "weight_g", .shape = "[4]",
    .code = W2VEE_ERROR_SHAPE, .message = "shape [4], config expects [1, 1, 4]" },
  { "/loader/bad/tensor/weight-v-missing", .tensor = PREFIX "encoder.pos_conv_embed."
    "conv.weight_v", .remove = TRUE,
    .code = W2VEE_ERROR_MISSING_TENSOR, .message = "weight_v' is missing" },
  { "/loader/bad/tensor/conv-bias-missing", .cfg_key = "conv_bias", .cfg_value = "true",
    .code = W2VEE_ERROR_MISSING_TENSOR, .message = "conv_layers.0.conv.bias' is missing" },
  { "/loader/bad/tensor/group-norm-missing", .tensor = PREFIX "feature_extractor."
    "conv_layers.0.layer_norm.weight", .remove = TRUE,
    .code = W2VEE_ERROR_MISSING_TENSOR, .message = "layer_norm.weight' is missing" },
  { "/loader/bad/tensor/layer-norm-missing", .cfg_key = "feat_extract_norm",
    .cfg_value = "\"layer\"",
    .code = W2VEE_ERROR_MISSING_TENSOR,
    .message = "conv_layers.1.layer_norm.weight' is missing" },
  { "/loader/bad/tensor/no-heads", .mutate = mutate_no_heads,
    .code = W2VEE_ERROR_MISSING_TENSOR, .message = "no exit head" },
  { "/loader/bad/tensor/decoder-hole", .mutate = mutate_decoder_hole,
    .code = W2VEE_ERROR_MISSING_TENSOR, .message = "'decoders.1.weight' is missing" },
  { "/loader/bad/tensor/decoder-bias", .tensor = "decoders.1.bias", .remove = TRUE,
    .code = W2VEE_ERROR_MISSING_TENSOR, .message = "'decoders.1.bias' is missing" },
  { "/loader/bad/tensor/decoder-index", .mutate = mutate_decoder_200,
    .code = W2VEE_ERROR_TOO_LARGE, .message = "more than 128 exit heads" },
  { "/loader/bad/tensor/head-columns", .tensor = "decoders.0.weight",
    .shape = "[32, 7]",
    .code = W2VEE_ERROR_SHAPE, .message = "shape [32, 7], config expects [32, 8]" },
  /* exits */
  { "/loader/bad/exits/count", .cfg_key = "exit_layers", .cfg_value = "[2]",
    .code = W2VEE_ERROR_CONFIG, .message = "\"exit_layers\" lists 1 layer, but" },
  { "/loader/bad/exits/spacing", .mutate = mutate_three_decoders,
    .code = W2VEE_ERROR_CONFIG, .message = "cannot be spaced evenly" },
  { "/loader/bad/exits/decreasing", .cfg_key = "exit_layers", .cfg_value = "[2, 1]",
    .code = W2VEE_ERROR_CONFIG, .message = "strictly increasing" },
  { "/loader/bad/exits/repeated", .cfg_key = "exit_layers", .cfg_value = "[2, 2]",
    .code = W2VEE_ERROR_CONFIG, .message = "strictly increasing" },
  { "/loader/bad/exits/beyond", .cfg_key = "exit_layers", .cfg_value = "[1, 3]",
    .code = W2VEE_ERROR_CONFIG, .message = "beyond the model's 2 layers" },
  { "/loader/bad/exits/zero", .cfg_key = "exit_layers", .cfg_value = "[0, 2]",
    .code = W2VEE_ERROR_CONFIG, .message = "must be at least 1" },
  { "/loader/bad/exits/empty", .cfg_key = "exit_layers", .cfg_value = "[]",
    .code = W2VEE_ERROR_CONFIG, .message = "\"exit_layers\" is empty" },
  { "/loader/bad/exits/not-list", .cfg_key = "exit_layers", .cfg_value = "2",
    .code = W2VEE_ERROR_CONFIG, .message = "must be a list of integers" },
  /* config.json */
  { "/loader/bad/config/absent", .config_raw = "-",
    .code = W2VEE_ERROR_NOT_FOUND, .message = "config.json: no such file" },
  { "/loader/bad/config/not-json", .config_raw = "{\"hidden_size\": 8,}",
    .code = W2VEE_ERROR_CONFIG, .message = "config.json:1:19: expected a member name" },
  { "/loader/bad/config/not-object", .config_raw = "[8]",
    .code = W2VEE_ERROR_CONFIG, .message = "must be a JSON object, found an array" },
  { "/loader/bad/config/not-utf8", .config_raw = "{\"model_type\": \"wav2vec2\xC0\"}",
    .code = W2VEE_ERROR_CONFIG, .message = "invalid UTF-8 at byte 24" },
  { "/loader/bad/config/missing-key", .cfg_key = "hidden_size",
    .code = W2VEE_ERROR_CONFIG, .message = "missing key \"hidden_size\"" },
  { "/loader/bad/config/type-string", .cfg_key = "hidden_size", .cfg_value = "\"8\"",
    .code = W2VEE_ERROR_CONFIG, .message = "\"hidden_size\" must be an integer, found "
    "a string" },
  { "/loader/bad/config/type-fraction", .cfg_key = "hidden_size", .cfg_value = "8.0",
    .code = W2VEE_ERROR_CONFIG, .message = "found a fractional number" },
  { "/loader/bad/config/type-null", .cfg_key = "num_hidden_layers", .cfg_value = "null",
    .code = W2VEE_ERROR_CONFIG, .message = "found null" },
  { "/loader/bad/config/type-bool", .cfg_key = "conv_bias", .cfg_value = "0",
    .code = W2VEE_ERROR_CONFIG, .message = "\"conv_bias\" must be true or false" },
  { "/loader/bad/config/type-eps", .cfg_key = "layer_norm_eps", .cfg_value = "\"1e-5\"",
    .code = W2VEE_ERROR_CONFIG, .message = "\"layer_norm_eps\" must be a number" },
  { "/loader/bad/config/type-list", .cfg_key = "conv_dim", .cfg_value = "\"[4, 6]\"",
    .code = W2VEE_ERROR_CONFIG, .message = "must be a list of integers" },
  { "/loader/bad/config/type-list-item", .cfg_key = "conv_dim",
    .cfg_value = "[4, \"6\"]",
    .code = W2VEE_ERROR_CONFIG, .message = "\"conv_dim\"[1] must be an integer" },
  { "/loader/bad/config/eps-negative", .cfg_key = "layer_norm_eps", .cfg_value = "-1e-5",
    .code = W2VEE_ERROR_CONFIG, .message = "must be in [0, 1)" },
  { "/loader/bad/config/conv-lengths", .cfg_key = "conv_kernel", .cfg_value = "[3]",
    .code = W2VEE_ERROR_CONFIG, .message = "same length" },
  { "/loader/bad/config/conv-empty", .cfg_key = "conv_dim", .cfg_value = "[]",
    .code = W2VEE_ERROR_CONFIG, .message = "\"conv_dim\" is empty" },
  { "/loader/bad/config/conv-too-many", .cfg_key = "conv_dim",
    .cfg_value = "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
    .code = W2VEE_ERROR_TOO_LARGE, .message = "17 entries, above the limit of 16" },
  { "/loader/bad/config/conv-zero-stride", .cfg_key = "conv_stride",
    .cfg_value = "[2, 0]",
    .code = W2VEE_ERROR_CONFIG, .message = "\"conv_stride\"[1] is 0, must be at least 1" },
  { "/loader/bad/config/conv-huge-channels", .cfg_key = "conv_dim",
    .cfg_value = "[4, 1000000]",
    .code = W2VEE_ERROR_TOO_LARGE, .message = "\"conv_dim\"[1] is 1000000" },
  { "/loader/bad/config/strides-too-large", .mutate = mutate_huge_strides,
    .code = W2VEE_ERROR_TOO_LARGE, .message = "frames of more than" },
  { "/loader/bad/config/heads-divide", .cfg_key = "num_attention_heads",
    .cfg_value = "3",
    .code = W2VEE_ERROR_CONFIG, .message = "not divisible by num_attention_heads 3" },
  /* found by fuzz-config: more heads than channels failed without an error */
  { "/loader/bad/config/heads-above-hidden", .cfg_key = "num_attention_heads",
    .cfg_value = "1000",
    .code = W2VEE_ERROR_CONFIG, .message = "not divisible by num_attention_heads 1000" },
  { "/loader/bad/config/groups-divide", .cfg_key = "num_conv_pos_embedding_groups",
    .cfg_value = "3",
    .code = W2VEE_ERROR_CONFIG,
    .message = "not divisible by num_conv_pos_embedding_groups 3" },
  { "/loader/bad/config/hidden-too-large", .cfg_key = "hidden_size",
    .cfg_value = "100000",
    .code = W2VEE_ERROR_TOO_LARGE, .message = "above the limit of 8192" },
  { "/loader/bad/config/hidden-zero", .cfg_key = "hidden_size", .cfg_value = "0",
    .code = W2VEE_ERROR_CONFIG, .message = "must be at least 1" },
  { "/loader/bad/config/layers-too-many", .cfg_key = "num_hidden_layers",
    .cfg_value = "129",
    .code = W2VEE_ERROR_TOO_LARGE, .message = "above the limit of 128" },
  { "/loader/bad/config/intermediate-too-large", .cfg_key = "intermediate_size",
    .cfg_value = "70000",
    .code = W2VEE_ERROR_TOO_LARGE, .message = "above the limit of 65536" },
  { "/loader/bad/config/vocab-too-large", .cfg_key = "vocab_size", .cfg_value = "70000",
    .code = W2VEE_ERROR_TOO_LARGE, .message = "\"vocab_size\" is 70000" },
  { "/loader/bad/config/huge-integer",
    .config_raw = "{\"hidden_size\": 123456789012345678901}",
    .code = W2VEE_ERROR_CONFIG, .message = "out of the 64-bit range" },
  { "/loader/bad/config/hidden-act", .cfg_key = "hidden_act", .cfg_value = "\"relu\"",
    .code = W2VEE_ERROR_CONFIG, .message = "\"hidden_act\" is \"relu\", which is not "
    "supported" },
  { "/loader/bad/config/conv-activation", .cfg_key = "feat_extract_activation",
    .cfg_value = "\"gelu_new\"",
    .code = W2VEE_ERROR_CONFIG, .message = "\"feat_extract_activation\" is \"gelu_new\"" },
  { "/loader/bad/config/conv-norm", .cfg_key = "feat_extract_norm",
    .cfg_value = "\"batch\"",
    .code = W2VEE_ERROR_CONFIG, .message = "supported: \"group\", \"layer\"" },
  { "/loader/bad/config/model-type", .cfg_key = "model_type", .cfg_value = "\"hubert\"",
    .code = W2VEE_ERROR_CONFIG, .message = "\"model_type\" is \"hubert\"" },
  { "/loader/bad/config/adapter", .cfg_key = "add_adapter", .cfg_value = "true",
    .code = W2VEE_ERROR_CONFIG, .message = "adapter layers" },
  { "/loader/bad/config/pad-token", .cfg_key = "pad_token_id", .cfg_value = "32",
    .code = W2VEE_ERROR_CONFIG, .message = "\"pad_token_id\" 32 (the CTC blank)" },
  { "/loader/bad/config/pad-negative", .cfg_key = "pad_token_id", .cfg_value = "-1",
    .code = W2VEE_ERROR_CONFIG, .message = "\"pad_token_id\" is -1" },
  { "/loader/bad/config/too-large-model", .mutate = mutate_too_large_model,
    .code = W2VEE_ERROR_TOO_LARGE, .message = "MiB of F32 weights" },
  /* preprocessor_config.json */
  { "/loader/bad/preprocessor/rate", .preprocessor = "{\"sampling_rate\": 8000}",
    .code = W2VEE_ERROR_CONFIG, .message = "\"sampling_rate\" is 8000 Hz" },
  { "/loader/bad/preprocessor/normalize-type",
    .preprocessor = "{\"do_normalize\": \"yes\"}",
    .code = W2VEE_ERROR_CONFIG, .message = "\"do_normalize\" must be true or false" },
  { "/loader/bad/preprocessor/not-json", .preprocessor = "{do_normalize: true}",
    .code = W2VEE_ERROR_CONFIG, .message = "preprocessor_config.json:1:2:" },
  /* vocab.json */
  { "/loader/bad/vocab/duplicate-token", .vocab = V31 ",\"Q\":31}",
    .code = W2VEE_ERROR_DUPLICATE, .message = "duplicate token \"Q\"" },
  { "/loader/bad/vocab/duplicate-id", .vocab = V31 ",\"Z\":30}",
    .code = W2VEE_ERROR_VOCAB, .message = "tokens \"Q\" and \"Z\" both have id 30" },
  { "/loader/bad/vocab/id-out-of-range", .vocab = V31 ",\"Z\":32}",
    .code = W2VEE_ERROR_VOCAB, .message = "has id 32, out of range" },
  { "/loader/bad/vocab/id-negative", .vocab = V31 ",\"Z\":-1}",
    .code = W2VEE_ERROR_VOCAB, .message = "has id -1, out of range" },
  { "/loader/bad/vocab/id-huge", .vocab = V31 ",\"Z\":100000000000000000000}",
    .code = W2VEE_ERROR_VOCAB, .message = "out of the 64-bit range" },
  { "/loader/bad/vocab/id-fraction", .vocab = V31 ",\"Z\":31.0}",
    .code = W2VEE_ERROR_VOCAB, .message = "must be an integer" },
  { "/loader/bad/vocab/id-string", .vocab = V31 ",\"Z\":\"31\"}",
    .code = W2VEE_ERROR_VOCAB, .message = "must be an integer" },
  { "/loader/bad/vocab/empty-token", .vocab = V31 ",\"\":31}",
    .code = W2VEE_ERROR_VOCAB, .message = "empty token" },
  { "/loader/bad/vocab/long-token", .mutate = mutate_long_token,
    .code = W2VEE_ERROR_VOCAB, .message = "token of 257 bytes" },
  { "/loader/bad/vocab/bad-utf8", .vocab = V31 ",\"\xFF\":31}",
    .code = W2VEE_ERROR_VOCAB, .message = "invalid UTF-8" },
  { "/loader/bad/vocab/lone-surrogate", .vocab = V31 ",\"\\udc00\":31}",
    .code = W2VEE_ERROR_VOCAB, .message = "lone low surrogate" },
  { "/loader/bad/vocab/not-object", .vocab = "[\"<pad>\"]",
    .code = W2VEE_ERROR_VOCAB, .message = "must be a JSON object" },
  { "/loader/bad/vocab/empty", .vocab = "{}",
    .code = W2VEE_ERROR_VOCAB, .message = "no tokens" },
  { "/loader/bad/vocab/count", .vocab = V31 "}",
    .code = W2VEE_ERROR_VOCAB, .message = "31 tokens, but config.json has vocab_size 32" },
  { "/loader/bad/vocab/default-size", .vocab = "-", .cfg_key = "vocab_size",
    .cfg_value = "40",
    .code = W2VEE_ERROR_VOCAB, .message = "no vocab.json" },
  { "/loader/bad/vocab/head-rows", .mutate = mutate_forty_tokens,
    .code = W2VEE_ERROR_VOCAB, .message = "'decoders.0.weight' has 32 rows, but the "
    "vocabulary has 40 tokens" },
  { "/loader/bad/vocab/head-rows-lm", .tensor = "decoders.0.weight", .shape = "[30, 8]",
    .code = W2VEE_ERROR_VOCAB, .message = "has 30 rows" },
};

/* ------------------------------------------------------------------------- */
/* Valid models                                                              */
/* ------------------------------------------------------------------------- */

static const float *
values_of (TinyModel *m, const char *name)
{
  TinyTensor *t = tiny_model_tensor (m, name);

  g_assert_nonnull (t);
  return t->values;
}

static void
assert_same (const float *got, const float *want, gsize n, const char *name)
{
  for (gsize i = 0; i < n; i++) {
    if (got[i] != want[i])
      g_error ("%s[%" G_GSIZE_FORMAT "]: loaded %.9g, written %.9g", name, i, got[i],
          want[i]);
  }
}

static gboolean
in_mapping (const W2veeModel *model, const void *p)
{
  const char *base = g_mapped_file_get_contents (model->mapped);
  gsize len = g_mapped_file_get_length (model->mapped);

  return (const char *) p >= base && (const char *) p < base + len;
}

/* pos_w from the written g and v (double sums), as the weight norm defines it:
 * w[o,i,k] = g[k] · v[o,i,k] / ||v[:,:,k]||₂, then reordered to (group, out, k, in). */
static float *
expected_pos_w (TinyModel *m, const char *g_name, const char *v_name)
{
  const gsize d = 8, dg = 4, kp = 4;
  const float *g = values_of (m, g_name), *v = values_of (m, v_name);
  float *w = g_new (float, d * dg * kp);

  for (gsize k = 0; k < kp; k++) {
    double sq = 0.0;

    for (gsize o = 0; o < d; o++)
      for (gsize i = 0; i < dg; i++)
        sq += (double) v[(o * dg + i) * kp + k] * v[(o * dg + i) * kp + k];
    /* (group, out, k, in): o = group * dg + out, so (o, k, i) flattens the same. */
    for (gsize o = 0; o < d; o++)
      for (gsize i = 0; i < dg; i++)
        w[(o * kp + k) * dg + i] = (float) (g[k] / sqrt (sq) * v[(o * dg + i) * kp + k]);
  }
  return w;
}

/* Every weight of a loaded tiny model against the values written. */
static void
check_weights (W2veeModel *model, TinyModel *m)
{
  static const char *const conv_w[] = {
    PREFIX "feature_extractor.conv_layers.0.conv.weight",
    PREFIX "feature_extractor.conv_layers.1.conv.weight",
  };
  g_autofree float *pos = NULL;
  const char *g_name = m->opts.parametrizations ?
      PREFIX "encoder.pos_conv_embed.conv.parametrizations.weight.original0" :
      PREFIX "encoder.pos_conv_embed.conv.weight_g";
  const char *v_name = m->opts.parametrizations ?
      PREFIX "encoder.pos_conv_embed.conv.parametrizations.weight.original1" :
      PREFIX "encoder.pos_conv_embed.conv.weight_v";

  for (guint c = 0; c < 2; c++) {
    const W2veeConvLayer *l = &model->conv[c];
    const float *in = values_of (m, conv_w[c]);

    g_assert_cmpuint (l->c_in, ==, c == 0 ? 1 : 4);
    g_assert_cmpuint (l->c_out, ==, c == 0 ? 4 : 6);
    g_assert_cmpuint (l->kernel, ==, c == 0 ? 3 : 2);
    g_assert_cmpuint (l->stride, ==, 2);
    /* (C_out, K, C_in) from [C_out, C_in, K] */
    for (gsize o = 0; o < l->c_out; o++)
      for (gsize i = 0; i < l->c_in; i++)
        for (gsize k = 0; k < l->kernel; k++)
          g_assert_cmpfloat (l->w[(o * l->kernel + k) * l->c_in + i], ==,
              in[(o * l->c_in + i) * l->kernel + k]);
    if (m->opts.conv_bias) {
      g_autofree char *b = g_strdup_printf (PREFIX "feature_extractor.conv_layers.%u."
          "conv.bias", c);

      assert_same (l->b, values_of (m, b), l->c_out, b);
    } else {
      g_assert_null (l->b);
    }
    if (c == 0 || m->opts.layer_norm_conv) {
      g_autofree char *nw = g_strdup_printf (PREFIX "feature_extractor.conv_layers.%u."
          "layer_norm.weight", c);
      g_autofree char *nb = g_strdup_printf (PREFIX "feature_extractor.conv_layers.%u."
          "layer_norm.bias", c);

      assert_same (l->norm_w, values_of (m, nw), l->c_out, nw);
      assert_same (l->norm_b, values_of (m, nb), l->c_out, nb);
    } else {
      g_assert_null (l->norm_w);
      g_assert_null (l->norm_b);
    }
  }
  assert_same (model->proj_ln_w, values_of (m, PREFIX "feature_projection.layer_norm."
          "weight"), 6, "proj_ln_w");
  assert_same (model->proj_ln_b, values_of (m, PREFIX "feature_projection.layer_norm."
          "bias"), 6, "proj_ln_b");
  assert_same (model->proj_w, values_of (m, PREFIX "feature_projection.projection."
          "weight"), 48, "proj_w");
  assert_same (model->proj_b, values_of (m, PROJ_B), 8, "proj_b");
  assert_same (model->pos_b, values_of (m, PREFIX "encoder.pos_conv_embed.conv.bias"),
      8, "pos_b");
  assert_same (model->enc_ln_w, values_of (m, PREFIX "encoder.layer_norm.weight"), 8,
      "enc_ln_w");
  assert_same (model->enc_ln_b, values_of (m, PREFIX "encoder.layer_norm.bias"), 8,
      "enc_ln_b");

  pos = expected_pos_w (m, g_name, v_name);
  for (gsize i = 0; i < 8 * 4 * 4; i++)
    g_assert_cmpfloat_with_epsilon (model->pos_w[i], pos[i], 1e-6f * (1 + fabsf (pos[i])));

  for (guint l = 0; l < model->cfg.n_layers; l++) {
    const W2veeLayer *y = &model->layers[l];
    struct {
      const float *p;
      const char *suffix;
      gsize n;
    } w[] = {
      { y->q_w, "attention.q_proj.weight", 64 }, { y->q_b, "attention.q_proj.bias", 8 },
      { y->k_w, "attention.k_proj.weight", 64 }, { y->k_b, "attention.k_proj.bias", 8 },
      { y->v_w, "attention.v_proj.weight", 64 }, { y->v_b, "attention.v_proj.bias", 8 },
      { y->o_w, "attention.out_proj.weight", 64 },
      { y->o_b, "attention.out_proj.bias", 8 },
      { y->ln_w, "layer_norm.weight", 8 }, { y->ln_b, "layer_norm.bias", 8 },
      { y->ff_in_w, "feed_forward.intermediate_dense.weight", 96 },
      { y->ff_in_b, "feed_forward.intermediate_dense.bias", 12 },
      { y->ff_out_w, "feed_forward.output_dense.weight", 96 },
      { y->ff_out_b, "feed_forward.output_dense.bias", 8 },
      { y->final_ln_w, "final_layer_norm.weight", 8 },
      { y->final_ln_b, "final_layer_norm.bias", 8 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (w); i++) {
      g_autofree char *name = g_strdup_printf (PREFIX "encoder.layers.%u.%s", l,
          w[i].suffix);

      assert_same (w[i].p, values_of (m, name), w[i].n, name);
    }
  }
  for (guint e = 0; e < model->n_exits; e++) {
    g_autofree char *wn = m->opts.n_decoders ? g_strdup_printf ("decoders.%u.weight", e)
        : g_strdup ("lm_head.weight");
    g_autofree char *bn = m->opts.n_decoders ? g_strdup_printf ("decoders.%u.bias", e)
        : g_strdup ("lm_head.bias");

    assert_same (model->exits[e].w, values_of (m, wn), 32 * 8, wn);
    assert_same (model->exits[e].b, values_of (m, bn), 32, bn);
  }
}

/* Pointers every weight field holds, for alignment and ownership checks. */
static GPtrArray *
weight_pointers (const W2veeModel *model)
{
  GPtrArray *a = g_ptr_array_new ();

  for (gsize c = 0; c < model->cfg.n_conv; c++) {
    g_ptr_array_add (a, (gpointer) model->conv[c].w);
    if (model->conv[c].norm_w != NULL) {
      g_ptr_array_add (a, (gpointer) model->conv[c].norm_w);
      g_ptr_array_add (a, (gpointer) model->conv[c].norm_b);
    }
  }
  g_ptr_array_add (a, (gpointer) model->proj_ln_w);
  g_ptr_array_add (a, (gpointer) model->proj_ln_b);
  g_ptr_array_add (a, (gpointer) model->proj_w);
  g_ptr_array_add (a, (gpointer) model->proj_b);
  g_ptr_array_add (a, (gpointer) model->pos_w);
  g_ptr_array_add (a, (gpointer) model->pos_b);
  g_ptr_array_add (a, (gpointer) model->enc_ln_w);
  g_ptr_array_add (a, (gpointer) model->enc_ln_b);
  for (gsize l = 0; l < model->cfg.n_layers; l++) {
    const W2veeLayer *y = &model->layers[l];
    const float *p[] = { y->q_w, y->q_b, y->k_w, y->k_b, y->v_w, y->v_b, y->o_w, y->o_b,
      y->ln_w, y->ln_b, y->ff_in_w, y->ff_in_b, y->ff_out_w, y->ff_out_b, y->final_ln_w,
      y->final_ln_b };

    for (guint i = 0; i < G_N_ELEMENTS (p); i++)
      g_ptr_array_add (a, (gpointer) p[i]);
  }
  for (guint e = 0; e < model->n_exits; e++) {
    g_ptr_array_add (a, (gpointer) model->exits[e].w);
    g_ptr_array_add (a, (gpointer) model->exits[e].b);
  }
  return a;
}

static void
test_valid_f32 (void)
{
  TinyModel *m = default_model ();
  g_autoptr (W2veeModel) model = load_ok (m);
  g_autoptr (GPtrArray) ptrs = weight_pointers (model);

  check_weights (model, m);
  g_assert_cmpuint (w2vee_model_n_exits (model), ==, 2);
  g_assert_cmpuint (w2vee_model_exit_layer (model, 1), ==, 1);
  g_assert_cmpuint (w2vee_model_exit_layer (model, 2), ==, 2);
  g_assert_cmpuint (w2vee_model_exit_layer (model, 0), ==, 0);
  g_assert_cmpuint (w2vee_model_exit_layer (model, 3), ==, 0);
  g_assert_cmpuint (w2vee_model_n_layers (model), ==, 2);
  g_assert_cmpuint (w2vee_model_vocab_size (model), ==, 32);
  g_assert_cmpstr (w2vee_model_token (model, 0), ==, "<pad>");
  g_assert_cmpstr (w2vee_model_token (model, 27), ==, "'");
  g_assert_cmpstr (w2vee_model_token (model, 31), ==, "Z");
  g_assert_null (w2vee_model_token (model, 32));
  g_assert_cmpuint (w2vee_model_blank_id (model), ==, 0);
  g_assert_cmpint (model->word_delimiter_id, ==, 4);
  g_assert_false (model->is_special[0]); /* the blank */
  g_assert_true (model->is_special[1] && model->is_special[2] && model->is_special[3]);
  g_assert_false (model->is_special[4] || model->is_special[5]);
  g_assert_true (model->cfg.do_normalize);
  g_assert_false (model->cfg.stable_layer_norm);
  g_assert_cmpfloat (model->cfg.layer_norm_eps, ==, 1e-5);
  g_assert_cmpint (model->cfg.conv_norm, ==, W2VEE_CONV_NORM_GROUP);

  /* F32 at aligned offsets is used in place: no second copy. Conv layer 0 has
   * C_in = 1, where both layouts coincide; conv 1 and pos_w are rebuilt. */
  g_assert_true (in_mapping (model, model->proj_w));
  g_assert_true (in_mapping (model, model->layers[1].ff_out_w));
  g_assert_true (in_mapping (model, model->exits[1].w));
  g_assert_true (in_mapping (model, model->conv[0].w));
  g_assert_false (in_mapping (model, model->conv[1].w));
  g_assert_false (in_mapping (model, model->pos_w));
  g_assert_cmpuint (model->owned->len, ==, 2);
  for (guint i = 0; i < ptrs->len; i++)
    g_assert_cmpuint ((uintptr_t) ptrs->pdata[i] % 4, ==, 0);
  tiny_model_free (m);
}

static void
test_valid_half (gconstpointer data)
{
  TinyOptions opts;
  TinyModel *m;
  W2veeModel *model;
  g_autoptr (GPtrArray) ptrs = NULL;

  tiny_options_init (&opts);
  opts.dtype = GPOINTER_TO_INT (data);
  m = tiny_model_new (&opts);
  model = load_ok (m);
  check_weights (model, m);
  ptrs = weight_pointers (model);
  /* Converted once, into buffers the model owns. */
  for (guint i = 0; i < ptrs->len; i++) {
    g_assert_false (in_mapping (model, ptrs->pdata[i]));
    g_assert_true (g_ptr_array_find (model->owned, ptrs->pdata[i], NULL));
  }
  w2vee_model_unref (model);
  tiny_model_free (m);
}

/* A header length that puts the F32 data at an odd address: copied, not cast. */
static void
test_valid_misaligned (void)
{
  for (gsize pad = 1; pad < 4; pad++) {
    TinyModel *m = default_model ();
    g_autoptr (W2veeModel) model = NULL;
    g_autoptr (GPtrArray) ptrs = NULL;

    m->header_pad = pad;
    model = load_ok (m);
    check_weights (model, m);
    ptrs = weight_pointers (model);
    for (guint i = 0; i < ptrs->len; i++) {
      g_assert_cmpuint ((uintptr_t) ptrs->pdata[i] % 4, ==, 0);
      g_assert_false (in_mapping (model, ptrs->pdata[i]));
    }
    tiny_model_free (m);
  }
}

static void
test_weight_norm_schemes (void)
{
  TinyOptions opts;
  TinyModel *legacy, *param, *plain;
  g_autoptr (W2veeModel) a = NULL, b = NULL, c = NULL;
  g_autofree float *folded = NULL;
  const gsize d = 8, dg = 4, kp = 4;
  gsize shape[3] = { d, dg, kp };
  TinyTensor *t;

  tiny_options_init (&opts);
  legacy = tiny_model_new (&opts);
  opts.parametrizations = TRUE;
  param = tiny_model_new (&opts);
  a = load_ok (legacy);
  b = load_ok (param);
  check_weights (b, param);
  g_assert_cmpmem (a->pos_w, d * dg * kp * sizeof (float), b->pos_w,
      d * dg * kp * sizeof (float));

  /* The weight with the norm folded in, as a plain conv.weight [D, D/G, Kp]. */
  plain = default_model ();
  folded = expected_pos_w (plain, PREFIX "encoder.pos_conv_embed.conv.weight_g",
      PREFIX "encoder.pos_conv_embed.conv.weight_v");
  tiny_model_remove (plain, PREFIX "encoder.pos_conv_embed.conv.weight_g");
  tiny_model_remove (plain, PREFIX "encoder.pos_conv_embed.conv.weight_v");
  t = tiny_model_add (plain, PREFIX "encoder.pos_conv_embed.conv.weight", "F32", 3,
      shape, 0);
  /* folded is (D, Kp, D/G); the file wants [D, D/G, Kp]. */
  for (gsize o = 0; o < d; o++)
    for (gsize i = 0; i < dg; i++)
      for (gsize k = 0; k < kp; k++) {
        float v = folded[(o * kp + k) * dg + i];

        t->values[(o * dg + i) * kp + k] = v;
        memcpy (t->data->data + 4 * ((o * dg + i) * kp + k), &v, 4);
      }
  c = load_ok (plain);
  g_assert_cmpmem (c->pos_w, d * dg * kp * sizeof (float), folded,
      d * dg * kp * sizeof (float));
  tiny_model_free (legacy);
  tiny_model_free (param);
  tiny_model_free (plain);
}

static void
test_variants (void)
{
  TinyOptions opts;
  TinyModel *m;
  W2veeModel *model;

  /* conv bias and a LayerNorm on every conv layer */
  tiny_options_init (&opts);
  opts.conv_bias = TRUE;
  opts.layer_norm_conv = TRUE;
  m = tiny_model_new (&opts);
  tiny_model_set_config (m, "layer_norm_eps", "0.001");
  tiny_model_set_config (m, "do_stable_layer_norm", "true");
  model = load_ok (m);
  check_weights (model, m);
  g_assert_cmpint (model->cfg.conv_norm, ==, W2VEE_CONV_NORM_LAYER);
  g_assert_true (model->cfg.conv_bias);
  g_assert_true (model->cfg.stable_layer_norm);
  g_assert_cmpfloat (model->cfg.layer_norm_eps, ==, 0.001);
  w2vee_model_unref (model);
  tiny_model_free (m);

  /* header listed in reverse data order (the reference sorts by offsets), no
   * __metadata__, no vocab.json or preprocessor_config.json, do_normalize false */
  m = default_model ();
  m->reverse_header = TRUE;
  m->no_metadata = TRUE;
  g_clear_pointer (&m->vocab_json, g_free);
  model = load_ok (m);
  check_weights (model, m);
  g_assert_cmpstr (w2vee_model_token (model, 4), ==, "|");
  g_assert_true (model->cfg.do_normalize);
  w2vee_model_unref (model);
  g_free (m->preprocessor_json);
  m->preprocessor_json = g_strdup ("{\"do_normalize\": false, \"sampling_rate\": 16000}");
  model = load_ok (m);
  g_assert_false (model->cfg.do_normalize);
  w2vee_model_unref (model);
  tiny_model_free (m);
}

/* Tensors that are not used, and whose dtype we could not use, still load. */
static void
test_ignored_tensors (void)
{
  TinyModel *m = default_model ();
  gsize three = 3, two[2] = { 2, 2 };
  W2veeModel *model;

  tiny_model_add (m, "quantizer.codevectors", "F32", 2, two, 0);
  tiny_model_add (m, "project_q.weight", "F32", 2, two, 0);
  tiny_model_add (m, "project_hid.bias", "F16", 1, &three, 0);
  tiny_model_add (m, PREFIX "encoder.some_buffer", "I64", 1, &three, 8);
  tiny_model_add (m, "extra.flags", "BOOL", 1, &three, 1);
  tiny_model_add (m, "extra.empty", "F32", 1, (gsize[]) { 0 }, 0);
  tiny_model_add (m, "decoders.01.weight", "F32", 2, two, 0); /* not decoder 1 */
  model = load_ok (m);
  check_weights (model, m);
  g_assert_cmpuint (w2vee_model_n_exits (model), ==, 2);
  w2vee_model_unref (model);
  tiny_model_free (m);
}

static void
check_exits (TinyModel *m, guint n, const guint *layers)
{
  g_autoptr (W2veeModel) model = load_ok (m);

  check_weights (model, m);
  g_assert_cmpuint (w2vee_model_n_exits (model), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (w2vee_model_exit_layer (model, i + 1), ==, layers[i]);
}

static void
test_exit_rules (void)
{
  TinyOptions opts;
  TinyModel *m;

  /* even spacing: layer (i + 1) * N / n */
  tiny_options_init (&opts);
  opts.n_layers = 4;
  m = tiny_model_new (&opts);
  check_exits (m, 2, (guint[]) { 2, 4 });
  mutate_three_decoders (m);
  check_exits (m, 3, (guint[]) { 1, 2, 4 });
  tiny_model_free (m);

  /* exit_layers from config.json */
  m = tiny_model_new (&opts);
  tiny_model_set_config (m, "exit_layers", "[1, 3]");
  check_exits (m, 2, (guint[]) { 1, 3 });
  tiny_model_set_config (m, "exit_layers", "null");
  check_exits (m, 2, (guint[]) { 2, 4 });
  tiny_model_free (m);

  /* lm_head only: one exit at the last layer */
  opts.n_decoders = 0;
  m = tiny_model_new (&opts);
  check_exits (m, 1, (guint[]) { 4 });
  tiny_model_free (m);

  /* decoders win over lm_head */
  opts.n_decoders = 2;
  opts.lm_head = TRUE;
  m = tiny_model_new (&opts);
  check_exits (m, 2, (guint[]) { 2, 4 });
  tiny_model_free (m);
}

static void
test_vocab_order (void)
{
  TinyModel *m = default_model ();
  W2veeModel *model;
  char **tokens;
  g_autoptr (GError) error = NULL;

  g_free (m->vocab_json);
  m->vocab_json = g_strdup ("{\"b\": 2, \"<pad>\": 0, \"a\": 1, \"<unk>\": 3, "
      "\"\\u00e9\\ud83d\\ude00\": 4}");
  tiny_model_set_config (m, "vocab_size", "5");
  {
    gsize head[2] = { 5, 8 }, five = 5;

    tiny_tensor_reshape (m, tiny_model_tensor (m, "decoders.0.weight"), 2, head);
    tiny_tensor_reshape (m, tiny_model_tensor (m, "decoders.0.bias"), 1, &five);
    tiny_tensor_reshape (m, tiny_model_tensor (m, "decoders.1.weight"), 2, head);
    tiny_tensor_reshape (m, tiny_model_tensor (m, "decoders.1.bias"), 1, &five);
  }
  model = load_ok (m);
  g_assert_cmpstr (w2vee_model_token (model, 0), ==, "<pad>");
  g_assert_cmpstr (w2vee_model_token (model, 1), ==, "a");
  g_assert_cmpstr (w2vee_model_token (model, 2), ==, "b");
  g_assert_cmpstr (w2vee_model_token (model, 4), ==, "\xC3\xA9\xF0\x9F\x98\x80");
  g_assert_cmpint (model->word_delimiter_id, ==, -1);
  g_assert_true (model->is_special[3]);
  g_assert_false (model->is_special[0]);
  w2vee_model_unref (model);

  tokens = w2vee_vocab_default ();
  g_assert_cmpuint (g_strv_length (tokens), ==, 32);
  g_assert_cmpstr (tokens[4], ==, "|");
  g_assert_cmpstr (tokens[5], ==, "E");
  g_assert_cmpstr (tokens[31], ==, "Z");
  g_strfreev (tokens);
  tiny_model_free (m);
}

/* ------------------------------------------------------------------------- */
/* Accessors                                                                 */
/* ------------------------------------------------------------------------- */

/* facebook/wav2vec2-base-960h's config.json (its relevant keys). */
static const char base_config[] =
  "{\"architectures\": [\"Wav2Vec2ForCTC\"], \"model_type\": \"wav2vec2\",\n"
  " \"hidden_size\": 768, \"num_hidden_layers\": 12, \"num_attention_heads\": 12,\n"
  " \"intermediate_size\": 3072, \"hidden_act\": \"gelu\", \"layer_norm_eps\": 1e-05,\n"
  " \"feat_extract_norm\": \"group\", \"feat_extract_activation\": \"gelu\",\n"
  " \"conv_dim\": [512, 512, 512, 512, 512, 512, 512],\n"
  " \"conv_kernel\": [10, 3, 3, 3, 3, 2, 2], \"conv_stride\": [5, 2, 2, 2, 2, 2, 2],\n"
  " \"conv_bias\": false, \"num_conv_pos_embeddings\": 128,\n"
  " \"num_conv_pos_embedding_groups\": 16, \"do_stable_layer_norm\": false,\n"
  " \"vocab_size\": 32, \"pad_token_id\": 0, \"bos_token_id\": 1, \"eos_token_id\": 2,\n"
  " \"gradient_checkpointing\": false, \"mask_time_prob\": 0.05, \"layerdrop\": 0.1,\n"
  " \"transformers_version\": \"4.7.0.dev0\", \"apply_spec_augment\": true}\n";

static void
test_accessors_base (void)
{
  W2veeModel m = { 0 };
  W2veeExit exits[1] = { { .layer = 12 } };
  guint exit_layers[W2VEE_MAX_LAYERS], n_exit_layers = 99;
  g_autoptr (GError) error = NULL;

  g_assert_true (w2vee_config_parse (base_config, strlen (base_config), "base.json",
          &m.cfg, exit_layers, &n_exit_layers, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_exit_layers, ==, 0);
  g_assert_cmpuint (m.cfg.n_conv, ==, 7);
  m.n_exits = 1;
  m.exits = exits;
  g_assert_cmpuint (w2vee_model_frame_stride (&m), ==, 320);
  g_assert_cmpuint (w2vee_model_receptive_field (&m), ==, 400);
  /* As transformers' _get_feat_extract_output_lengths: 1 s gives 49 frames. */
  g_assert_cmpuint (w2vee_model_n_frames (&m, 16000), ==, 49);
  g_assert_cmpuint (w2vee_model_n_frames (&m, 399), ==, 0);
  g_assert_cmpuint (w2vee_model_n_frames (&m, 400), ==, 1);
  g_assert_cmpuint (w2vee_model_n_frames (&m, 719), ==, 1);
  g_assert_cmpuint (w2vee_model_n_frames (&m, 720), ==, 2);
  g_assert_cmpuint (w2vee_model_n_frames (&m, 0), ==, 0);
  g_assert_cmpuint (w2vee_model_n_frames (&m, 480000), ==, 1499);
  /* 95.0 M parameters in the encoder (+ 24.6 k in the head): the published size of
   * wav2vec2-base (95 M) confirms weight_elements(). */
  g_assert_true (w2vee_model_gflop (&m, 1, 16000) > 0.0);
  g_assert_cmpfloat (w2vee_model_gflop (&m, 2, 16000), ==, 0.0);
}

static void
test_accessors_tiny (void)
{
  TinyModel *m = default_model ();
  g_autofree char *dir = NULL;
  g_autoptr (W2veeModel) model = write_and_load (m, &dir, NULL);
  W2veeModel *ref;
  gsize elements;

  g_assert_nonnull (model);
  g_assert_cmpuint (w2vee_model_frame_stride (model), ==, 4);
  g_assert_cmpuint (w2vee_model_receptive_field (model), ==, 5);
  /* L <- floor((L - K) / S) + 1: 21 -> 10 -> 5; 5 -> 2 -> 1; 4 -> 1 -> 0 */
  g_assert_cmpuint (w2vee_model_n_frames (model, 21), ==, 5);
  g_assert_cmpuint (w2vee_model_n_frames (model, 5), ==, 1);
  g_assert_cmpuint (w2vee_model_n_frames (model, 4), ==, 0);
  /* For 21 samples (T = 5), in FLOP (2 per multiply-add):
   *   conv 0: 2*10*4*1*3 = 240, conv 1: 2*5*6*4*2 = 480, projection 2*5*6*8 = 480,
   *   pos conv 2*5*8*4*4 = 1280; per layer q,k,v,out 4*2*5*8*8 = 2560, scores and
   *   context 2*2*5*5*8 = 800, FFN 2*2*5*8*12 = 1920 (5280); a head 2*5*8*32 = 2560.
   *   exit 1 (layer 1, heads 1): 2480 + 5280 + 2560 = 10320;
   *   exit 2 (layer 2, heads 1..2): 2480 + 10560 + 5120 = 18160. */
  g_assert_cmpfloat_with_epsilon (w2vee_model_gflop (model, 1, 21), 10320e-9, 1e-15);
  g_assert_cmpfloat_with_epsilon (w2vee_model_gflop (model, 2, 21), 18160e-9, 1e-15);
  g_assert_cmpfloat (w2vee_model_gflop (model, 3, 21), ==, 0.0);
  /* conv 12 + 48 + norm 8; projection 12 + 48 + 8; pos 128 + 8; encoder LN 16;
   * per layer 4 * 72 + 16 + 108 + 104 + 16 = 532; heads 2 * (256 + 32) */
  elements = 68 + 68 + 136 + 16 + 2 * 532 + 2 * 288;
  g_assert_cmpuint (w2vee_model_weight_bytes (model), ==, elements * 4);
  g_assert_cmpstr (w2vee_model_path (model), ==, dir);

  ref = w2vee_model_ref (model);
  g_assert_true (ref == model);
  g_assert_cmpint (model->ref_count, ==, 2);
  w2vee_model_unref (ref);
  g_assert_cmpint (model->ref_count, ==, 1);
  tiny_model_free (m);
}

static void
test_not_found (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = test_new_dir ();
  g_autofree char *st = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *cfg = g_build_filename (dir, "config.json", NULL);
  TinyModel *m = default_model ();
  W2veeModel *model;

  model = w2vee_model_load (dir, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no such directory"));
  g_clear_error (&error);

  g_assert_true (tiny_model_write (m, dir, NULL));
  g_unlink (st);
  model = w2vee_model_load (dir, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_true (g_str_has_prefix (error->message, st));
  g_clear_error (&error);

  model = w2vee_model_load (cfg, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "not a directory"));
  g_clear_error (&error);

  /* A directory (or a FIFO, which would block) where a file should be. */
  g_assert_cmpint (g_mkdir (st, 0755), ==, 0);
  model = w2vee_model_load (dir, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, st));
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  g_clear_error (&error);
  g_rmdir (st);
  g_assert_true (tiny_model_write (m, dir, NULL));
  g_unlink (cfg);
  g_assert_cmpint (mkfifo (cfg, 0644), ==, 0);
  model = w2vee_model_load (dir, &error);
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "config.json: not a regular file"));
  tiny_model_free (m);
}

/* The fixtures other tests use as "a model that must fail to load". */
static void
test_broken_fixtures (void)
{
  static const struct {
    const char *kind;
    W2veeError code;
  } kinds[] = {
    { "shape", W2VEE_ERROR_SHAPE },
    { "config", W2VEE_ERROR_CONFIG },
    { "lfs", W2VEE_ERROR_LFS_POINTER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++) {
    g_autofree char *dir = test_new_dir ();
    g_autoptr (GError) error = NULL;

    g_assert_true (tiny_model_write_broken (kinds[i].kind, dir, NULL));
    g_assert_null (w2vee_model_load (dir, &error));
    g_assert_error (error, W2VEE_ERROR, (gint) kinds[i].code);
  }
}

/* ------------------------------------------------------------------------- */
/* Truncation                                                                */
/* ------------------------------------------------------------------------- */

/* Every prefix of a valid model.safetensors, each in a heap block of exactly its
 * size (so ASan and valgrind see any read past it): a clean error, never a crash. */
static void
test_truncate_safetensors (void)
{
  TinyModel *m = default_model ();
  g_autoptr (GByteArray) file = tiny_model_safetensors (m);
  guint64 header = get_le64 (file);
  g_autoptr (W2veeTensorTable) full = NULL;
  g_autoptr (GError) error = NULL;

  full = w2vee_tensor_table_parse_safetensors (file->data, file->len, "full", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w2vee_tensor_table_n_tensors (full), ==, m->tensors->len);
  g_test_message ("%u bytes, header %" G_GUINT64_FORMAT, file->len, header);

  for (gsize len = 0; len < file->len; len++) {
    guint8 *copy = g_memdup2 (file->data, len);
    W2veeTensorTable *table = w2vee_tensor_table_parse_safetensors (copy, len, "cut",
        &error);
    W2veeError want = len < 8 + header ? W2VEE_ERROR_HEADER_LENGTH :
        W2VEE_ERROR_TENSOR_LAYOUT;

    if (table != NULL)
      g_error ("a file cut to %" G_GSIZE_FORMAT " bytes was accepted", len);
    g_assert_error (error, W2VEE_ERROR, (gint) want);
    g_clear_error (&error);
    g_free (copy);
  }
  tiny_model_free (m);
}

/* The same through w2vee_model_load() and the mapped file, at the boundaries and
 * every 61st byte. */
static void
test_truncate_model_file (void)
{
  TinyModel *m = default_model ();
  g_autoptr (GByteArray) file = tiny_model_safetensors (m);
  g_autofree char *dir = test_new_dir ();
  g_autofree char *st = g_build_filename (dir, "model.safetensors", NULL);
  guint64 header = get_le64 (file);

  g_assert_true (tiny_model_write (m, dir, NULL));
  for (gsize len = 0; len < file->len; len++) {
    g_autoptr (GError) error = NULL;
    gboolean edge = len < 10 || (len >= 6 + header && len < 10 + header) ||
        len > file->len - 4;

    if (!edge && len % 61 != 0)
      continue;
    g_assert_true (g_file_set_contents (st, (const char *) file->data, len, NULL));
    g_assert_null (w2vee_model_load (dir, &error));
    g_assert_error (error, W2VEE_ERROR, (len < 8 + header ?
            W2VEE_ERROR_HEADER_LENGTH : W2VEE_ERROR_TENSOR_LAYOUT));
  }
  tiny_model_free (m);
}

/* Every prefix of config.json and vocab.json. */
static void
test_truncate_json (void)
{
  TinyModel *m = default_model ();
  g_autoptr (JsonNode) root = json_node_init_object (json_node_alloc (), m->config);
  g_autofree char *config = json_to_string (root, TRUE);
  gsize config_end = (gsize) (strrchr (config, '}') - config) + 1;
  gsize vocab_end = (gsize) (strrchr (m->vocab_json, '}') - m->vocab_json) + 1;

  for (gsize len = 0; len <= strlen (config); len++) {
    g_autofree char *copy = g_memdup2 (config, len);
    g_autoptr (GError) error = NULL;
    W2veeConfig cfg;
    guint layers[W2VEE_MAX_LAYERS], n;
    gboolean ok = w2vee_config_parse (copy, len, "config.json", &cfg, layers, &n,
        &error);

    if (len >= config_end) {
      g_assert_no_error (error);
      g_assert_true (ok);
    } else {
      g_assert_false (ok);
      g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG);
    }
  }
  for (gsize len = 0; len <= strlen (m->vocab_json); len++) {
    g_autofree char *copy = g_memdup2 (m->vocab_json, len);
    g_autoptr (GError) error = NULL;
    char **tokens = w2vee_vocab_parse (copy, len, "vocab.json", &error);

    if (len >= vocab_end) {
      g_assert_no_error (error);
      g_assert_cmpuint (g_strv_length (tokens), ==, 32);
    } else {
      g_assert_null (tokens);
      g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_VOCAB);
    }
    g_strfreev (tokens);
  }
  tiny_model_free (m);
}

/* ------------------------------------------------------------------------- */
/* F16 / BF16                                                                */
/* ------------------------------------------------------------------------- */

static void
convert (W2veeDtype dtype, const guint16 *bits, gsize n, float *out)
{
  g_autofree guint8 *bytes = g_new (guint8, 2 * n + 1);

  /* Odd address: the conversion must not assume alignment. */
  for (gsize i = 0; i < n; i++) {
    bytes[1 + 2 * i] = bits[i] & 0xFF;
    bytes[2 + 2 * i] = bits[i] >> 8;
  }
  w2vee_convert_to_f32 (dtype, bytes + 1, n, out);
}

static void
test_f16_known (void)
{
  static const guint16 bits[] = {
    0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x3555, 0x8000, 0x0000, 0x7C00,
    0xFC00, 0x3BFF, 0x5140,
  };
  const float want[] = {
    1.0f, -2.0f, 65504.0f, ldexpf (1, -24), ldexpf (1023, -24), ldexpf (1, -14),
    0.333251953125f, -0.0f, 0.0f, INFINITY, -INFINITY, 0.99951171875f, 42.0f,
  };
  float got[G_N_ELEMENTS (bits)], nan[2];
  guint16 nan_bits[2] = { 0x7E00, 0xFD01 };

  convert (W2VEE_DTYPE_F16, bits, G_N_ELEMENTS (bits), got);
  for (guint i = 0; i < G_N_ELEMENTS (bits); i++) {
    g_assert_cmpfloat (got[i], ==, want[i]);
    g_assert_cmpint (signbit (got[i]), ==, signbit (want[i]));
  }
  convert (W2VEE_DTYPE_F16, nan_bits, 2, nan);
  g_assert_true (isnan (nan[0]) && isnan (nan[1]) && signbit (nan[1]));
}

static void
test_bf16_known (void)
{
  static const guint16 bits[] = {
    0x3F80, 0xC049, 0x7F7F, 0x0001, 0x0080, 0x8000, 0x3EAB, 0x7F80, 0x4228,
  };
  const float want[] = {
    1.0f, -3.140625f, ldexpf (255, 120), ldexpf (1, -133), ldexpf (1, -126), -0.0f,
    0.333984375f, INFINITY, 42.0f,
  };
  float got[G_N_ELEMENTS (bits)];

  convert (W2VEE_DTYPE_BF16, bits, G_N_ELEMENTS (bits), got);
  for (guint i = 0; i < G_N_ELEMENTS (bits); i++) {
    g_assert_cmpfloat (got[i], ==, want[i]);
    g_assert_cmpint (signbit (got[i]), ==, signbit (want[i]));
  }
}

/* All 65536 F16 values against the compiler's own _Float16 conversion. */
static void
test_f16_exhaustive (void)
{
#ifdef __FLT16_MAX__
  g_autofree guint16 *bits = g_new (guint16, 65536);
  g_autofree float *got = g_new (float, 65536);

  for (guint i = 0; i < 65536; i++)
    bits[i] = (guint16) i;
  convert (W2VEE_DTYPE_F16, bits, 65536, got);
  for (guint i = 0; i < 65536; i++) {
    _Float16 h;
    float want;

    memcpy (&h, &bits[i], 2);
    want = (float) h;
    if (isnan (want))
      g_assert_true (isnan (got[i]));
    else if (memcmp (&got[i], &want, 4) != 0)
      g_error ("F16 0x%04x: %.9g, compiler says %.9g", i, got[i], want);
  }
#else
  g_test_skip ("the compiler has no _Float16 to compare with");
#endif
}

/* ------------------------------------------------------------------------- */
/* Strict JSON                                                               */
/* ------------------------------------------------------------------------- */

static void
test_json_strict (void)
{
  /* All accepted by json-glib 1.6, all invalid JSON or unsafe. */
  static const struct {
    const char *text;
    gint code;
    const char *message;
  } bad[] = {
    { "{\"a\":1,\"a\":2}", W2VEE_ERROR_DUPLICATE, "x.json:1:8: duplicate key \"a\"" },
    { "{\"a\":1,\"\\u0061\":2}", W2VEE_ERROR_DUPLICATE, "duplicate key \"a\"" },
    { "{\"a\":1} /* c */", W2VEE_ERROR_CONFIG, "1:9: expected the end" },
    { "{\"a\":1}{\"b\":2}", W2VEE_ERROR_CONFIG, "expected the end" },
    { "var x = {\"a\":1};", W2VEE_ERROR_CONFIG, "1:1: expected a value" },
    { "{'a':1}", W2VEE_ERROR_CONFIG, "expected a member name" },
    { "{\"a\":18446744073709551615}", W2VEE_ERROR_CONFIG, "out of the 64-bit range" },
    { "{\"a\":9223372036854775808}", W2VEE_ERROR_CONFIG, "out of the 64-bit range" },
    { "{\"a\":01}", W2VEE_ERROR_CONFIG, "leading zeros" },
    { "{\"a\":0x10}", W2VEE_ERROR_CONFIG, "expected ',' or '}'" },
    { "{\"a\":1e400}", W2VEE_ERROR_CONFIG, "out of the double range" },
    { "{\"a\":.5}", W2VEE_ERROR_CONFIG, "expected a value" },
    { "{\"a\":1.}", W2VEE_ERROR_CONFIG, "digit after the decimal point" },
    { "{\"a\":1e}", W2VEE_ERROR_CONFIG, "digit in the exponent" },
    { "{\"a\":+1}", W2VEE_ERROR_CONFIG, "expected a value" },
    { "{\"a\":NaN}", W2VEE_ERROR_CONFIG, "expected a value" },
    { "{\"a\":tru}", W2VEE_ERROR_CONFIG, "expected a value" },
    { "{\"a\":\"x\\u0000y\"}", W2VEE_ERROR_CONFIG, "NUL" },
    { "{\"a\":\"tab\there\"}", W2VEE_ERROR_CONFIG, "control characters" },
    { "{\"a\":\"x\\qy\"}", W2VEE_ERROR_CONFIG, "expected one of" },
    { "{\"a\":\"\\u12\"}", W2VEE_ERROR_CONFIG, "4 hex digits" },
    { "{\"a\":\"\\ud800x\"}", W2VEE_ERROR_CONFIG, "not followed by a low surrogate" },
    { "{\"a\":[1,2,]}", W2VEE_ERROR_CONFIG, "expected a value" },
    { "{\"a\":[1 2]}", W2VEE_ERROR_CONFIG, "expected ',' or ']'" },
    { "{\"a\" 1}", W2VEE_ERROR_CONFIG, "expected ':'" },
    { "{\"a\":1", W2VEE_ERROR_CONFIG, "1:7: expected ',' or '}', found end of file" },
    { "{\"a\":\"x", W2VEE_ERROR_CONFIG, "unterminated string" },
    { "", W2VEE_ERROR_CONFIG, "expected a value, found end of file" },
    { "\xEF\xBB\xBF{}", W2VEE_ERROR_CONFIG, "character U+FEFF" },
    { "{}\n\n  x", W2VEE_ERROR_CONFIG, "x.json:3:3:" },
    { "{\"\xC3\xA9\xC3\xA9\":1,x}", W2VEE_ERROR_CONFIG, "x.json:1:9:" },
  };
  static const struct {
    const char *text;
    const char *dump;   /* json-glib's rendering of what was read */
  } good[] = {
    { " {\"a\" : [1, -2, 3.5, -0, 1e2, true, false, null, {}, []]} \r\n\t",
      "{\"a\":[1,-2,3.5,0,100.0,true,false,null,{},[]]}" },
    { "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}",
      "{\"s\":\"\\\"\\\\/\\b\\f\\n\\r\\t\xC3\xA9\xF0\x9F\x98\x80\"}" },
    { "{\"n\":-9223372036854775808,\"m\":9223372036854775807}",
      "{\"n\":-9223372036854775808,\"m\":9223372036854775807}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) root = w2vee_json_parse (bad[i].text, strlen (bad[i].text),
        "x.json", W2VEE_ERROR_CONFIG, &error);

    if (root != NULL)
      g_error ("accepted: %s", bad[i].text);
    g_assert_error (error, W2VEE_ERROR, bad[i].code);
    if (strstr (error->message, bad[i].message) == NULL)
      g_error ("%s: message \"%s\" lacks \"%s\"", bad[i].text, error->message,
          bad[i].message);
  }
  for (guint i = 0; i < G_N_ELEMENTS (good); i++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) root = w2vee_json_parse (good[i].text, strlen (good[i].text),
        "x.json", W2VEE_ERROR_CONFIG, &error);
    g_autofree char *dump = NULL;

    g_assert_no_error (error);
    dump = json_to_string (root, FALSE);
    g_assert_cmpstr (dump, ==, good[i].dump);
  }
  /* 64 levels are fine, 65 are one too deep */
  {
    g_autofree char *open = g_strnfill (W2VEE_JSON_MAX_DEPTH, '[');
    g_autofree char *close = g_strnfill (W2VEE_JSON_MAX_DEPTH, ']');
    g_autofree char *text = g_strconcat (open, close, NULL);
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) root = w2vee_json_parse (text, strlen (text), "x.json",
        W2VEE_ERROR_CONFIG, &error);

    g_assert_no_error (error);
    g_assert_nonnull (root);
  }
  {
    g_autofree char *open = g_strnfill (W2VEE_JSON_MAX_DEPTH + 1, '[');
    g_autofree char *close = g_strnfill (W2VEE_JSON_MAX_DEPTH + 1, ']');
    g_autofree char *text = g_strconcat (open, close, NULL);
    g_autoptr (GError) error = NULL;

    g_assert_null (w2vee_json_parse (text, strlen (text), "x.json", W2VEE_ERROR_CONFIG,
            &error));
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_CONFIG);
  }
}

int
main (int argc, char **argv)
{
  test_support_init (&argc, &argv, "loader");

  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    test_add_data (bad_cases[i].path, &bad_cases[i], test_bad_case);
  test_add ("/loader/valid/f32", test_valid_f32);
  test_add_data ("/loader/valid/f16", GINT_TO_POINTER (TINY_F16), test_valid_half);
  test_add_data ("/loader/valid/bf16", GINT_TO_POINTER (TINY_BF16), test_valid_half);
  test_add ("/loader/valid/misaligned", test_valid_misaligned);
  test_add ("/loader/valid/weight-norm-schemes", test_weight_norm_schemes);
  test_add ("/loader/valid/variants", test_variants);
  test_add ("/loader/valid/ignored-tensors", test_ignored_tensors);
  test_add ("/loader/valid/vocab-order", test_vocab_order);
  test_add ("/loader/valid/exit-rules", test_exit_rules);
  test_add ("/loader/valid/accessors-base", test_accessors_base);
  test_add ("/loader/valid/accessors-tiny", test_accessors_tiny);
  test_add ("/loader/valid/not-found", test_not_found);
  test_add ("/loader/valid/broken-fixtures", test_broken_fixtures);
  test_add ("/loader/truncate/safetensors-every-byte", test_truncate_safetensors);
  test_add ("/loader/truncate/model-file", test_truncate_model_file);
  test_add ("/loader/truncate/json-every-byte", test_truncate_json);
  test_add ("/loader/parsers/f16-known", test_f16_known);
  test_add ("/loader/parsers/bf16-known", test_bf16_known);
  test_add ("/loader/parsers/f16-exhaustive", test_f16_exhaustive);
  test_add ("/loader/parsers/json-strict", test_json_strict);

  return test_support_run ();
}
