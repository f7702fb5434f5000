/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The state-dict pickle interpreter (see pickle.h).
 *
 * Opcode arguments (pickletools), all little-endian:
 *   PROTO u1 | BININT i4 | BININT1 u1 | BININT2 u2 | LONG1 u1 n, then n bytes of a
 *   two's-complement integer | BINUNICODE u4 n, then n bytes of UTF-8 | BINPUT u1 |
 *   LONG_BINPUT u4 | BINGET u1 | LONG_BINGET u4 | GLOBAL "module\nname\n"
 * The others take no argument. Like Python's unpickler, MARK starts a frame: opcodes
 * may pop only what was pushed after the last MARK.
 *
 * Values live in an arena freed at the end; the memo and the stack hold pointers.
 */
#include "pickle.h"

#include <string.h>

#include "w2vee/w2vee.h"

#define MAX_GLOBAL_PART 256     /* bytes of a GLOBAL module or name */
#define MAX_KEY_DIGITS 20       /* storage keys are decimal */
#define MAX_LOCATION 64         /* "cpu", "cuda:0", ... */

typedef enum {
  OP_MARK = '(',
  OP_STOP = '.',
  OP_BININT = 'J',
  OP_BININT1 = 'K',
  OP_BININT2 = 'M',
  OP_NONE = 'N',
  OP_BINPERSID = 'Q',
  OP_REDUCE = 'R',
  OP_BINUNICODE = 'X',
  OP_BUILD = 'b',
  OP_GLOBAL = 'c',
  OP_EMPTY_DICT = '}',
  OP_BINGET = 'h',
  OP_LONG_BINGET = 'j',
  OP_BINPUT = 'q',
  OP_LONG_BINPUT = 'r',
  OP_SETITEM = 's',
  OP_TUPLE = 't',
  OP_EMPTY_TUPLE = ')',
  OP_SETITEMS = 'u',
  OP_PROTO = 0x80,
  OP_TUPLE1 = 0x85,
  OP_TUPLE2 = 0x86,
  OP_TUPLE3 = 0x87,
  OP_NEWTRUE = 0x88,
  OP_NEWFALSE = 0x89,
  OP_LONG1 = 0x8a,
} Opcode;

/* Names of every opcode of protocols 0 to 5, for messages. */
static const char *
opcode_name (guint8 op)
{
  static const struct {
    guint8 op;
    const char *name;
  } names[] = {
    { '(', "MARK" }, { '.', "STOP" }, { '0', "POP" }, { '1', "POP_MARK" },
    { '2', "DUP" }, { 'F', "FLOAT" }, { 'I', "INT" }, { 'J', "BININT" },
    { 'K', "BININT1" }, { 'L', "LONG" }, { 'M', "BININT2" }, { 'N', "NONE" },
    { 'P', "PERSID" }, { 'Q', "BINPERSID" }, { 'R', "REDUCE" }, { 'S', "STRING" },
    { 'T', "BINSTRING" }, { 'U', "SHORT_BINSTRING" }, { 'V', "UNICODE" },
    { 'X', "BINUNICODE" }, { 'a', "APPEND" }, { 'b', "BUILD" }, { 'c', "GLOBAL" },
    { 'd', "DICT" }, { '}', "EMPTY_DICT" }, { 'e', "APPENDS" }, { 'g', "GET" },
    { 'h', "BINGET" }, { 'i', "INST" }, { 'j', "LONG_BINGET" }, { 'l', "LIST" },
    { ']', "EMPTY_LIST" }, { 'o', "OBJ" }, { 'p', "PUT" }, { 'q', "BINPUT" },
    { 'r', "LONG_BINPUT" }, { 's', "SETITEM" }, { 't', "TUPLE" }, { ')', "EMPTY_TUPLE" },
    { 'u', "SETITEMS" }, { 'G', "BINFLOAT" }, { 'B', "BINBYTES" },
    { 'C', "SHORT_BINBYTES" }, { 0x80, "PROTO" }, { 0x81, "NEWOBJ" }, { 0x82, "EXT1" },
    { 0x83, "EXT2" }, { 0x84, "EXT4" }, { 0x85, "TUPLE1" }, { 0x86, "TUPLE2" },
    { 0x87, "TUPLE3" }, { 0x88, "NEWTRUE" }, { 0x89, "NEWFALSE" }, { 0x8a, "LONG1" },
    { 0x8b, "LONG4" }, { 0x8c, "SHORT_BINUNICODE" }, { 0x8d, "BINUNICODE8" },
    { 0x8e, "BINBYTES8" }, { 0x8f, "EMPTY_SET" }, { 0x90, "ADDITEMS" },
    { 0x91, "FROZENSET" }, { 0x92, "NEWOBJ_EX" }, { 0x93, "STACK_GLOBAL" },
    { 0x94, "MEMOIZE" }, { 0x95, "FRAME" }, { 0x96, "BYTEARRAY8" },
    { 0x97, "NEXT_BUFFER" }, { 0x98, "READONLY_BUFFER" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (names[i].op == op)
      return names[i].name;
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Values                                                                    */
/* ------------------------------------------------------------------------- */

typedef enum {
  V_NONE,
  V_BOOL,
  V_INT,
  V_STR,
  V_TUPLE,
  V_DICT,
  V_GLOBAL,
  V_STORAGE,
  V_TENSOR,
} Kind;

typedef enum {
  G_ORDERED_DICT,
  G_REBUILD_TENSOR_V2,
  G_REBUILD_PARAMETER,
  G_STORAGE_TYPE,
} GlobalKind;

typedef struct _Value Value;

/* What _rebuild_tensor_v2 was called with (the view is checked in add_tensor()). */
typedef struct {
  Value *storage;            /* V_STORAGE */
  guint64 offset;            /* storage_offset, in elements */
  guint n_dims;
  guint64 size[W2VEE_SAFETENSORS_MAX_DIMS];
  guint64 stride[W2VEE_SAFETENSORS_MAX_DIMS];
} Tensor;

struct _Value {
  Kind kind;
  gsize at;                  /* offset of the opcode that made it */
  union {
    gboolean b;
    gint64 i;
    char *s;                 /* NUL-free UTF-8 */
    struct {
      Value **items;
      gsize n;
    } tuple;
    struct {
      GPtrArray *items;      /* key (V_STR), value, key, value, ...; NULL when empty */
      GHashTable *index;     /* key string -> TRUE; NULL when empty */
    } dict;
    struct {
      GlobalKind kind;
      W2veeDtype dtype;      /* G_STORAGE_TYPE */
      const char *name;      /* "module.name" (static) */
    } global;
    struct {
      char *key;
      W2veeDtype dtype;
      guint64 numel;
      const guint8 *data;
      gsize n_bytes;
    } storage;
    Tensor *tensor;          /* owned */
  } u;
};

static const struct {
  const char *module, *name, *full;
  GlobalKind kind;
  W2veeDtype dtype;
} allowed_globals[] = {
  { "collections", "OrderedDict", "collections.OrderedDict", G_ORDERED_DICT, 0 },
  { "torch._utils", "_rebuild_tensor_v2", "torch._utils._rebuild_tensor_v2",
    G_REBUILD_TENSOR_V2, 0 },
  { "torch._utils", "_rebuild_parameter", "torch._utils._rebuild_parameter",
    G_REBUILD_PARAMETER, 0 },
  { "torch", "FloatStorage", "torch.FloatStorage", G_STORAGE_TYPE, W2VEE_DTYPE_F32 },
  { "torch", "DoubleStorage", "torch.DoubleStorage", G_STORAGE_TYPE, W2VEE_DTYPE_F64 },
  { "torch", "HalfStorage", "torch.HalfStorage", G_STORAGE_TYPE, W2VEE_DTYPE_F16 },
  { "torch", "BFloat16Storage", "torch.BFloat16Storage", G_STORAGE_TYPE,
    W2VEE_DTYPE_BF16 },
  { "torch", "LongStorage", "torch.LongStorage", G_STORAGE_TYPE, W2VEE_DTYPE_I64 },
  { "torch", "IntStorage", "torch.IntStorage", G_STORAGE_TYPE, W2VEE_DTYPE_I32 },
  { "torch", "ShortStorage", "torch.ShortStorage", G_STORAGE_TYPE, W2VEE_DTYPE_I16 },
  { "torch", "CharStorage", "torch.CharStorage", G_STORAGE_TYPE, W2VEE_DTYPE_I8 },
  { "torch", "ByteStorage", "torch.ByteStorage", G_STORAGE_TYPE, W2VEE_DTYPE_U8 },
  { "torch", "BoolStorage", "torch.BoolStorage", G_STORAGE_TYPE, W2VEE_DTYPE_BOOL },
};

static const char *
kind_name (const Value *v)
{
  static const char *const names[] = {
    [V_NONE] = "None", [V_BOOL] = "bool", [V_INT] = "int", [V_STR] = "str",
    [V_TUPLE] = "tuple", [V_DICT] = "dict", [V_GLOBAL] = "global",
    [V_STORAGE] = "storage", [V_TENSOR] = "tensor",
  };

  return names[v->kind];
}

static void
value_free (gpointer p)
{
  Value *v = p;

  switch (v->kind) {
    case V_STR:
      g_free (v->u.s);
      break;
    case V_TUPLE:
      g_free (v->u.tuple.items);
      break;
    case V_DICT:
      g_clear_pointer (&v->u.dict.items, g_ptr_array_unref);
      g_clear_pointer (&v->u.dict.index, g_hash_table_unref);
      break;
    case V_STORAGE:
      g_free (v->u.storage.key);
      break;
    case V_TENSOR:
      g_free (v->u.tensor);
      break;
    default:
      break;
  }
  g_free (v);
}

/* ------------------------------------------------------------------------- */
/* The machine                                                               */
/* ------------------------------------------------------------------------- */

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;                 /* next byte to read */
  gsize op_at;               /* offset of the opcode being run */
  guint8 op;
  const char *what;
  GPtrArray *arena;          /* Value *, owned */
  GPtrArray *stack;          /* Value * */
  gsize marks[W2VEE_PICKLE_MAX_MARKS];
  guint n_marks;
  GHashTable *memo;          /* index -> Value * */
  GHashTable *storages;      /* key -> Value * (V_STORAGE) */
  W2veePickleStorageFunc storage_func;
  gpointer user_data;
  GError **error;
} Machine;

static gboolean fail (Machine *m, W2veeError code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

/* Sets the error: "WHAT at byte N (OPCODE): message". */
static gboolean
fail (Machine *m, W2veeError code, const char *format, ...)
{
  g_autofree char *message = NULL;
  const char *name = opcode_name (m->op);
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (name != NULL)
    g_set_error (m->error, W2VEE_ERROR, code, "%s at byte %" G_GSIZE_FORMAT " (%s): %s",
        m->what, m->op_at, name, message);
  else
    g_set_error (m->error, W2VEE_ERROR, code, "%s at byte %" G_GSIZE_FORMAT ": %s",
        m->what, m->op_at, message);
  return FALSE;
}

static Value *
new_value (Machine *m, Kind kind)
{
  Value *v = g_new0 (Value, 1);

  v->kind = kind;
  v->at = m->op_at;
  g_ptr_array_add (m->arena, v);
  return v;
}

static Value *
new_dict (Machine *m)
{
  return new_value (m, V_DICT); /* items allocated by the first dict_set() */
}

/* Bottom of the current frame: values below it belong to an enclosing MARK. */
static gsize
fence (const Machine *m)
{
  return m->n_marks > 0 ? m->marks[m->n_marks - 1] : 0;
}

static gboolean
push (Machine *m, Value *v)
{
  if (m->stack->len >= W2VEE_PICKLE_MAX_STACK)
    return fail (m, W2VEE_ERROR_PICKLE, "more than %d values on the stack",
        W2VEE_PICKLE_MAX_STACK);
  g_ptr_array_add (m->stack, v);
  return TRUE;
}

static gboolean
pop (Machine *m, Value **out)
{
  *out = NULL;
  if (m->stack->len <= fence (m))
    return fail (m, W2VEE_ERROR_PICKLE, "stack underflow");
  *out = g_ptr_array_steal_index (m->stack, m->stack->len - 1);
  return TRUE;
}

static gboolean
peek (Machine *m, Value **out)
{
  *out = NULL;
  if (m->stack->len <= fence (m))
    return fail (m, W2VEE_ERROR_PICKLE, "stack underflow");
  *out = m->stack->pdata[m->stack->len - 1];
  return TRUE;
}

/* Ends the frame of the last MARK: *start receives its position in the stack. */
static gboolean
pop_mark (Machine *m, gsize *start)
{
  if (m->n_marks == 0)
    return fail (m, W2VEE_ERROR_PICKLE, "no MARK to close");
  *start = m->marks[--m->n_marks];
  return TRUE;
}

/* The next @n argument bytes. */
static gboolean
take (Machine *m, gsize n, const guint8 **out)
{
  if (m->len - m->pos < n)
    return fail (m, W2VEE_ERROR_PICKLE, "truncated argument: %" G_GSIZE_FORMAT " bytes "
        "needed, %" G_GSIZE_FORMAT " left", n, m->len - m->pos);
  *out = m->data + m->pos;
  m->pos += n;
  return TRUE;
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[0] | (guint32) p[1] << 8 | (guint32) p[2] << 16 |
      (guint32) p[3] << 24;
}

/* Text from the file for messages: printable ASCII, other bytes as \xNN. */
static char *
quote (const char *p, gsize n)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n && s->len < 200; i++) {
    guint8 c = (guint8) p[i];

    if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'')
      g_string_append_c (s, (char) c);
    else
      g_string_append_printf (s, "\\x%02X", c);
  }
  if (s->len >= 200)
    g_string_append (s, "...");
  return g_string_free (s, FALSE);
}

static gboolean
push_int (Machine *m, gint64 i)
{
  Value *v = new_value (m, V_INT);

  v->u.i = i;
  return push (m, v);
}

static gboolean
op_long1 (Machine *m)
{
  const guint8 *n = NULL, *b = NULL;
  guint64 u = 0;

  if (!take (m, 1, &n))
    return FALSE;
  if (*n > 8)
    return fail (m, W2VEE_ERROR_PICKLE, "a %u-byte integer does not fit 64 bits", *n);
  if (!take (m, *n, &b))
    return FALSE;
  for (guint i = 0; i < *n; i++)
    u |= (guint64) b[i] << (8 * i);
  if (*n > 0 && *n < 8 && (b[*n - 1] & 0x80))
    u |= G_MAXUINT64 << (8 * *n); /* sign extension */
  return push_int (m, (gint64) u);
}

static gboolean
op_binunicode (Machine *m)
{
  const guint8 *n = NULL, *b = NULL;
  guint32 len;
  Value *v;

  if (!take (m, 4, &n))
    return FALSE;
  len = le32 (n);
  if (len > W2VEE_PICKLE_MAX_STRING)
    return fail (m, W2VEE_ERROR_PICKLE, "a %u-byte string, above the limit of %d", len,
        W2VEE_PICKLE_MAX_STRING);
  if (!take (m, len, &b))
    return FALSE;
  if (!g_utf8_validate_len ((const char *) b, len, NULL)) {
    g_autofree char *shown = quote ((const char *) b, len);

    return fail (m, W2VEE_ERROR_PICKLE, "string '%s' is not valid UTF-8 or holds a NUL",
        shown);
  }
  v = new_value (m, V_STR);
  v->u.s = g_strndup ((const char *) b, len);
  return push (m, v);
}

/* GLOBAL "module\nname\n": only the allow-list. */
static gboolean
op_global (Machine *m)
{
  const char *parts[2];
  gsize lens[2];
  g_autofree char *module = NULL, *name = NULL;
  Value *v;

  for (int k = 0; k < 2; k++) {
    const guint8 *start = m->data + m->pos;
    gsize left = m->len - m->pos;
    const guint8 *nl = memchr (start, '\n', MIN (left, MAX_GLOBAL_PART + 1));

    if (nl == NULL)
      return fail (m, W2VEE_ERROR_PICKLE, left <= MAX_GLOBAL_PART ?
          "truncated argument: no newline ends the %s" : "the %s is longer than %d bytes",
          k == 0 ? "module name" : "global name", MAX_GLOBAL_PART);
    parts[k] = (const char *) start;
    lens[k] = (gsize) (nl - start);
    m->pos += lens[k] + 1;
  }
  for (guint i = 0; i < G_N_ELEMENTS (allowed_globals); i++) {
    if (strlen (allowed_globals[i].module) == lens[0] &&
        memcmp (allowed_globals[i].module, parts[0], lens[0]) == 0 &&
        strlen (allowed_globals[i].name) == lens[1] &&
        memcmp (allowed_globals[i].name, parts[1], lens[1]) == 0) {
      v = new_value (m, V_GLOBAL);
      v->u.global.kind = allowed_globals[i].kind;
      v->u.global.dtype = allowed_globals[i].dtype;
      v->u.global.name = allowed_globals[i].full;
      return push (m, v);
    }
  }
  module = quote (parts[0], lens[0]);
  name = quote (parts[1], lens[1]);
  return fail (m, W2VEE_ERROR_PICKLE_FORBIDDEN, "forbidden global '%s.%s': a state dict "
      "needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
      "torch._utils._rebuild_parameter and torch storage types", module, name);
}

static gboolean
op_tuple (Machine *m, gsize n_fixed, gboolean from_mark)
{
  Value *v = new_value (m, V_TUPLE);
  gsize start = 0;

  if (from_mark) {
    if (!pop_mark (m, &start))
      return FALSE;
  } else {
    if (m->stack->len - fence (m) < n_fixed)
      return fail (m, W2VEE_ERROR_PICKLE, "stack underflow");
    start = m->stack->len - n_fixed;
  }
  v->u.tuple.n = m->stack->len - start;
  v->u.tuple.items = g_new (Value *, MAX (v->u.tuple.n, 1));
  for (gsize i = 0; i < v->u.tuple.n; i++)
    v->u.tuple.items[i] = m->stack->pdata[start + i];
  g_ptr_array_set_size (m->stack, (guint) start);
  return push (m, v);
}

static gboolean
dict_set (Machine *m, Value *dict, Value *key, Value *value)
{
  if (dict->kind != V_DICT)
    return fail (m, W2VEE_ERROR_PICKLE, "items set on a %s, not a dict",
        kind_name (dict));
  if (key->kind != V_STR)
    return fail (m, W2VEE_ERROR_PICKLE, "a dict key is a %s, not a string",
        kind_name (key));
  if (dict->u.dict.items == NULL) {
    dict->u.dict.items = g_ptr_array_new ();
    dict->u.dict.index = g_hash_table_new (g_str_hash, g_str_equal);
  }
  if (g_hash_table_contains (dict->u.dict.index, key->u.s)) {
    g_autofree char *shown = quote (key->u.s, strlen (key->u.s));

    return fail (m, W2VEE_ERROR_DUPLICATE, "duplicate key '%s' in a dict", shown);
  }
  g_ptr_array_add (dict->u.dict.items, key);
  g_ptr_array_add (dict->u.dict.items, value);
  g_hash_table_add (dict->u.dict.index, key->u.s);
  return TRUE;
}

static gboolean
op_setitem (Machine *m)
{
  Value *key, *value, *dict;

  return pop (m, &value) && pop (m, &key) && peek (m, &dict) &&
      dict_set (m, dict, key, value);
}

static gboolean
op_setitems (Machine *m)
{
  gsize start = 0;
  Value *dict;

  if (!pop_mark (m, &start))
    return FALSE;
  if (start <= fence (m))
    return fail (m, W2VEE_ERROR_PICKLE, "stack underflow: no dict below the MARK");
  if ((m->stack->len - start) % 2 != 0)
    return fail (m, W2VEE_ERROR_PICKLE, "an odd number (%u) of keys and values",
        (guint) (m->stack->len - start));
  dict = m->stack->pdata[start - 1];
  for (gsize i = start; i < m->stack->len; i += 2)
    if (!dict_set (m, dict, m->stack->pdata[i], m->stack->pdata[i + 1]))
      return FALSE;
  g_ptr_array_set_size (m->stack, (guint) start);
  return TRUE;
}

static gboolean
op_put (Machine *m, gsize arg_bytes)
{
  const guint8 *b = NULL;
  guint32 index;
  Value *top;

  if (!take (m, arg_bytes, &b) || !peek (m, &top))
    return FALSE;
  index = arg_bytes == 1 ? b[0] : le32 (b);
  if (g_hash_table_size (m->memo) >= W2VEE_PICKLE_MAX_MEMO &&
      !g_hash_table_contains (m->memo, GUINT_TO_POINTER (index)))
    return fail (m, W2VEE_ERROR_PICKLE, "more than %d memo entries",
        W2VEE_PICKLE_MAX_MEMO);
  g_hash_table_insert (m->memo, GUINT_TO_POINTER (index), top);
  return TRUE;
}

static gboolean
op_get (Machine *m, gsize arg_bytes)
{
  const guint8 *b = NULL;
  guint32 index;
  Value *v;

  if (!take (m, arg_bytes, &b))
    return FALSE;
  index = arg_bytes == 1 ? b[0] : le32 (b);
  if (!g_hash_table_lookup_extended (m->memo, GUINT_TO_POINTER (index), NULL,
          (gpointer *) &v))
    return fail (m, W2VEE_ERROR_PICKLE, "memo entry %u was never stored", index);
  return push (m, v);
}

static gboolean
is_empty_dict (const Value *v)
{
  return v->kind == V_DICT && v->u.dict.items == NULL;
}

/* backward_hooks: torch.save writes OrderedDict(); other writers None. */
static gboolean
is_no_hooks (const Value *v)
{
  return v->kind == V_NONE || is_empty_dict (v);
}

/* Reads a tuple of non-negative ints. */
static gboolean
int_tuple (Machine *m, const Value *t, const char *what, guint64 *out, guint *n)
{
  if (t->kind != V_TUPLE)
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: %s is a %s, not a tuple",
        what, kind_name (t));
  if (t->u.tuple.n > W2VEE_SAFETENSORS_MAX_DIMS)
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: %" G_GSIZE_FORMAT
        " dimensions, above the limit of %d", t->u.tuple.n, W2VEE_SAFETENSORS_MAX_DIMS);
  for (gsize i = 0; i < t->u.tuple.n; i++) {
    const Value *x = t->u.tuple.items[i];

    if (x->kind != V_INT || x->u.i < 0)
      return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: %s[%" G_GSIZE_FORMAT
          "] is not a non-negative int", what, i);
    out[i] = (guint64) x->u.i;
  }
  *n = (guint) t->u.tuple.n;
  return TRUE;
}

/* _rebuild_tensor_v2 (storage, storage_offset, size, stride, requires_grad,
 * backward_hooks[, metadata]): types only; the view is checked in add_tensor(). */
static gboolean
rebuild_tensor (Machine *m, const Value *args, Value **out)
{
  Value *const *a = args->u.tuple.items;
  Value *v;
  guint n_stride;

  if (args->u.tuple.n != 6 && args->u.tuple.n != 7)
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2 takes 6 or 7 arguments, "
        "not %" G_GSIZE_FORMAT, args->u.tuple.n);
  if (a[0]->kind != V_STORAGE)
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: the storage is a %s",
        kind_name (a[0]));
  if (a[1]->kind != V_INT || a[1]->u.i < 0)
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: the storage offset is not "
        "a non-negative int");
  if (a[4]->kind != V_BOOL)
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: requires_grad is a %s",
        kind_name (a[4]));
  if (!is_no_hooks (a[5]))
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: backward hooks must be an "
        "empty OrderedDict (or None)");
  if (args->u.tuple.n == 7 && a[6]->kind != V_NONE && !is_empty_dict (a[6]))
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: tensor metadata is not "
        "supported");
  v = new_value (m, V_TENSOR);
  v->u.tensor = g_new0 (Tensor, 1);
  v->u.tensor->storage = a[0];
  v->u.tensor->offset = (guint64) a[1]->u.i;
  if (!int_tuple (m, a[2], "size", v->u.tensor->size, &v->u.tensor->n_dims) ||
      !int_tuple (m, a[3], "stride", v->u.tensor->stride, &n_stride))
    return FALSE;
  if (n_stride != v->u.tensor->n_dims)
    return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: %u sizes but %u strides",
        v->u.tensor->n_dims, n_stride);
  *out = v;
  return TRUE;
}

static gboolean
op_reduce (Machine *m)
{
  Value *args, *callable, *result = NULL;

  if (!pop (m, &args) || !pop (m, &callable))
    return FALSE;
  if (callable->kind != V_GLOBAL)
    return fail (m, W2VEE_ERROR_PICKLE, "the callable is a %s, not a global",
        kind_name (callable));
  if (args->kind != V_TUPLE)
    return fail (m, W2VEE_ERROR_PICKLE, "the arguments of %s are a %s, not a tuple",
        callable->u.global.name, kind_name (args));
  switch (callable->u.global.kind) {
    case G_ORDERED_DICT:
      if (args->u.tuple.n != 0)
        return fail (m, W2VEE_ERROR_PICKLE, "collections.OrderedDict is only accepted "
            "with no arguments");
      result = new_dict (m);
      break;
    case G_REBUILD_TENSOR_V2:
      if (!rebuild_tensor (m, args, &result))
        return FALSE;
      break;
    case G_REBUILD_PARAMETER:
      /* (data, requires_grad, backward_hooks) */
      if (args->u.tuple.n != 3 || args->u.tuple.items[0]->kind != V_TENSOR ||
          args->u.tuple.items[1]->kind != V_BOOL || !is_no_hooks (args->u.tuple.items[2]))
        return fail (m, W2VEE_ERROR_PICKLE, "_rebuild_parameter takes (tensor, bool, "
            "empty OrderedDict)");
      result = args->u.tuple.items[0];
      break;
    case G_STORAGE_TYPE:
    default:
      return fail (m, W2VEE_ERROR_PICKLE_FORBIDDEN, "calling %s is not allowed (a "
          "storage type may only appear in a persistent id)", callable->u.global.name);
  }
  return push (m, result);
}

static gboolean
op_build (Machine *m)
{
  Value *state, *target;

  if (!pop (m, &state) || !peek (m, &target))
    return FALSE;
  /* OrderedDict.__reduce__ gives the instance's __dict__: {'_metadata': ...}. */
  if (target->kind != V_DICT || state->kind != V_DICT)
    return fail (m, W2VEE_ERROR_PICKLE, "BUILD of a %s with a %s: only a dict's "
        "attributes (a dict) are accepted", kind_name (target), kind_name (state));
  return TRUE;
}

/* BINPERSID with ('storage', STORAGE_TYPE, KEY, LOCATION, NUMEL). */
static gboolean
op_binpersid (Machine *m)
{
  Value *pid, *v;
  Value *const *a;
  const char *key;
  gsize key_len;
  guint64 numel, bytes, item;

  if (!pop (m, &pid))
    return FALSE;
  a = pid->kind == V_TUPLE ? pid->u.tuple.items : NULL;
  if (a == NULL || pid->u.tuple.n != 5 || a[0]->kind != V_STR ||
      strcmp (a[0]->u.s, "storage") != 0 || a[1]->kind != V_GLOBAL ||
      a[1]->u.global.kind != G_STORAGE_TYPE || a[2]->kind != V_STR ||
      a[3]->kind != V_STR || a[4]->kind != V_INT || a[4]->u.i < 0)
    return fail (m, W2VEE_ERROR_PICKLE, "the persistent id (a %s) is not a storage "
        "('storage', torch.XStorage, key, location, numel)", kind_name (pid));
  key = a[2]->u.s;
  key_len = strlen (key);
  if (key_len == 0 || key_len > MAX_KEY_DIGITS || strspn (key, "0123456789") != key_len ||
      strlen (a[3]->u.s) > MAX_LOCATION) {
    g_autofree char *shown = quote (key, key_len);

    return fail (m, W2VEE_ERROR_PICKLE, "storage key '%s' is not a decimal number (or "
        "its location is too long)", shown);
  }
  numel = (guint64) a[4]->u.i;

  v = g_hash_table_lookup (m->storages, key);
  if (v != NULL) {
    if (v->u.storage.dtype != a[1]->u.global.dtype || v->u.storage.numel != numel)
      return fail (m, W2VEE_ERROR_PICKLE, "storage '%s' is described twice, with "
          "different types or sizes", key);
    return push (m, v);
  }

  v = new_value (m, V_STORAGE);
  v->u.storage.key = g_strdup (key);
  v->u.storage.dtype = a[1]->u.global.dtype;
  v->u.storage.numel = numel;
  if (!m->storage_func (key, &v->u.storage.data, &v->u.storage.n_bytes, m->user_data))
    return fail (m, W2VEE_ERROR_PICKLE, "storage '%s' has no entry data/%s in the "
        "archive", key, key);
  item = w2vee_dtype_bits (v->u.storage.dtype) / 8;
  if (!g_uint64_checked_mul (&bytes, numel, item) || bytes != v->u.storage.n_bytes)
    return fail (m, W2VEE_ERROR_TENSOR_SIZE, "storage '%s': %" G_GUINT64_FORMAT
        " elements of %s need %" G_GUINT64_FORMAT " bytes, but entry data/%s holds %"
        G_GSIZE_FORMAT, key, numel, a[1]->u.global.name, numel * item, key,
        v->u.storage.n_bytes);
  g_hash_table_insert (m->storages, v->u.storage.key, v);
  return push (m, v);
}

/* One opcode. *done is set by STOP. */
static gboolean
step (Machine *m, gboolean *done)
{
  const guint8 *b = NULL;
  Value *v;

  m->op_at = m->pos;
  m->op = m->data[m->pos++];
  /* Each opcode makes at most one value: this bounds the memory a pickle can take. */
  if (m->arena->len >= W2VEE_PICKLE_MAX_VALUES)
    return fail (m, W2VEE_ERROR_PICKLE, "more than %d objects", W2VEE_PICKLE_MAX_VALUES);
  if (m->op_at == 0 && m->op != OP_PROTO)
    return fail (m, W2VEE_ERROR_PICKLE, "the pickle does not start with PROTO 2 (is "
        "this a torch.save checkpoint?)");

  switch (m->op) {
    case OP_PROTO:
      if (!take (m, 1, &b))
        return FALSE;
      if (m->op_at != 0)
        return fail (m, W2VEE_ERROR_PICKLE, "PROTO is only accepted as the first opcode");
      if (*b != 2)
        return fail (m, W2VEE_ERROR_PICKLE, "pickle protocol %u is not supported (only "
            "2, torch.save's default)", *b);
      return TRUE;
    case OP_STOP:
      if (m->pos != m->len)
        return fail (m, W2VEE_ERROR_PICKLE, "%" G_GSIZE_FORMAT " bytes after STOP",
            m->len - m->pos);
      if (m->n_marks != 0 || m->stack->len != 1)
        return fail (m, W2VEE_ERROR_PICKLE, "STOP with %u values and %u MARKs on the "
            "stack (expected the result alone)", m->stack->len, m->n_marks);
      *done = TRUE;
      return TRUE;
    case OP_MARK:
      if (m->n_marks >= W2VEE_PICKLE_MAX_MARKS)
        return fail (m, W2VEE_ERROR_PICKLE, "more than %d nested MARKs",
            W2VEE_PICKLE_MAX_MARKS);
      m->marks[m->n_marks++] = m->stack->len;
      return TRUE;
    case OP_NONE:
      return push (m, new_value (m, V_NONE));
    case OP_NEWTRUE:
    case OP_NEWFALSE:
      v = new_value (m, V_BOOL);
      v->u.b = m->op == OP_NEWTRUE;
      return push (m, v);
    case OP_BININT:
      return take (m, 4, &b) && push_int (m, (gint32) le32 (b));
    case OP_BININT1:
      return take (m, 1, &b) && push_int (m, b[0]);
    case OP_BININT2:
      return take (m, 2, &b) && push_int (m, b[0] | b[1] << 8);
    case OP_LONG1:
      return op_long1 (m);
    case OP_BINUNICODE:
      return op_binunicode (m);
    case OP_EMPTY_TUPLE:
      return op_tuple (m, 0, FALSE);
    case OP_TUPLE1:
      return op_tuple (m, 1, FALSE);
    case OP_TUPLE2:
      return op_tuple (m, 2, FALSE);
    case OP_TUPLE3:
      return op_tuple (m, 3, FALSE);
    case OP_TUPLE:
      return op_tuple (m, 0, TRUE);
    case OP_EMPTY_DICT:
      return push (m, new_dict (m));
    case OP_SETITEM:
      return op_setitem (m);
    case OP_SETITEMS:
      return op_setitems (m);
    case OP_BINPUT:
      return op_put (m, 1);
    case OP_LONG_BINPUT:
      return op_put (m, 4);
    case OP_BINGET:
      return op_get (m, 1);
    case OP_LONG_BINGET:
      return op_get (m, 4);
    case OP_GLOBAL:
      return op_global (m);
    case OP_REDUCE:
      return op_reduce (m);
    case OP_BUILD:
      return op_build (m);
    case OP_BINPERSID:
      return op_binpersid (m);
    default:
      if (opcode_name (m->op) != NULL)
        return fail (m, W2VEE_ERROR_PICKLE_FORBIDDEN, "forbidden opcode %s (0x%02X): not "
            "needed by a state dict", opcode_name (m->op), m->op);
      return fail (m, W2VEE_ERROR_PICKLE, "unknown opcode 0x%02X", m->op);
  }
}

/* ------------------------------------------------------------------------- */
/* The result                                                                */
/* ------------------------------------------------------------------------- */

static char *
format_u64s (const guint64 *v, guint n)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i ? ", " : "", v[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* The view of tensor @name inside its storage, then into @out. */
static gboolean
add_tensor (Machine *m, const char *name, const Value *t, W2veeTensorTable *out)
{
  const Value *st = t->u.tensor->storage;
  guint n = t->u.tensor->n_dims;
  const guint64 *size = t->u.tensor->size, *stride = t->u.tensor->stride;
  guint64 numel = 1, last = t->u.tensor->offset, item, expected = 1, bytes;
  gsize shape[W2VEE_SAFETENSORS_MAX_DIMS];
  g_autofree char *shown = quote (name, strlen (name));
  g_autofree char *size_text = format_u64s (size, n);
  g_autofree char *stride_text = format_u64s (stride, n);

  m->op_at = t->at;
  m->op = OP_REDUCE;
  for (guint d = 0; d < n; d++) {
    if (!g_uint64_checked_mul (&numel, numel, size[d]) || size[d] > G_MAXSIZE)
      return fail (m, W2VEE_ERROR_TENSOR_SIZE, "tensor '%s': the product of its size %s "
          "overflows", shown, size_text);
    shape[d] = (gsize) size[d];
  }
  if (numel > 0) {
    /* Last element: offset + sum((size_d - 1) * stride_d), inside the storage. */
    for (guint d = 0; d < n; d++) {
      guint64 span;

      if (!g_uint64_checked_mul (&span, size[d] - 1, stride[d]) ||
          !g_uint64_checked_add (&last, last, span))
        return fail (m, W2VEE_ERROR_TENSOR_LAYOUT, "tensor '%s': the view (offset %"
            G_GUINT64_FORMAT ", size %s, stride %s) overflows", shown,
            t->u.tensor->offset, size_text, stride_text);
    }
    if (last >= st->u.storage.numel)
      return fail (m, W2VEE_ERROR_TENSOR_LAYOUT, "tensor '%s': the view (offset %"
          G_GUINT64_FORMAT ", size %s, stride %s) reaches element %" G_GUINT64_FORMAT
          ", past the end of storage '%s' (%" G_GUINT64_FORMAT " elements)", shown,
          t->u.tensor->offset, size_text, stride_text, last, st->u.storage.key,
          st->u.storage.numel);
    for (guint d = n; d-- > 0;) {
      if (size[d] == 1)
        continue;
      if (stride[d] != expected)
        return fail (m, W2VEE_ERROR_TENSOR_LAYOUT, "tensor '%s' is not contiguous (size "
            "%s, stride %s): only contiguous tensors are supported; save "
            "tensor.contiguous() or convert the checkpoint to safetensors", shown,
            size_text, stride_text);
      expected *= size[d];
    }
  } else if (t->u.tensor->offset > st->u.storage.numel) {
    return fail (m, W2VEE_ERROR_TENSOR_LAYOUT, "tensor '%s': storage offset %"
        G_GUINT64_FORMAT " is past the end of storage '%s' (%" G_GUINT64_FORMAT
        " elements)", shown, t->u.tensor->offset, st->u.storage.key, st->u.storage.numel);
  }
  /* In bounds, so these cannot overflow: both are at most the storage's bytes. */
  item = w2vee_dtype_bits (st->u.storage.dtype) / 8;
  bytes = numel * item;
  return w2vee_tensor_table_add (out, name, st->u.storage.dtype, n, shape,
      st->u.storage.data + t->u.tensor->offset * item, (gsize) bytes, m->error);
}

static gboolean
read_result (Machine *m, W2veeTensorTable *out)
{
  const Value *dict = m->stack->pdata[0];

  m->op_at = m->len - 1;
  m->op = OP_STOP;
  if (dict->kind != V_DICT)
    return fail (m, W2VEE_ERROR_PICKLE, "the pickle holds a %s, not a state dict",
        kind_name (dict));
  for (guint i = 0; dict->u.dict.items != NULL && i < dict->u.dict.items->len; i += 2) {
    const Value *key = dict->u.dict.items->pdata[i];
    const Value *value = dict->u.dict.items->pdata[i + 1];

    if (value->kind != V_TENSOR) {
      g_autofree char *shown = quote (key->u.s, strlen (key->u.s));

      return fail (m, W2VEE_ERROR_PICKLE, "state dict entry '%s' is a %s, not a tensor",
          shown, kind_name (value));
    }
    if (!add_tensor (m, key->u.s, value, out))
      return FALSE;
  }
  return TRUE;
}

gboolean
w2vee_pickle_read_state_dict (const guint8 *pkl, gsize len, const char *what,
    W2veePickleStorageFunc storage_func, gpointer user_data, W2veeTensorTable *out,
    GError **error)
{
  Machine m = { 0 };
  gboolean done = FALSE, ok = TRUE;

  g_return_val_if_fail (pkl != NULL || len == 0, FALSE);
  g_return_val_if_fail (what != NULL && storage_func != NULL && out != NULL, FALSE);

  if (len > W2VEE_PICKLE_MAX_BYTES) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE, "%s: %" G_GSIZE_FORMAT
        " bytes, above the limit of %d for a state dict's pickle", what, len,
        W2VEE_PICKLE_MAX_BYTES);
    return FALSE;
  }
  m.data = pkl;
  m.len = len;
  m.what = what;
  m.error = error;
  m.storage_func = storage_func;
  m.user_data = user_data;
  m.arena = g_ptr_array_new_with_free_func (value_free);
  m.stack = g_ptr_array_new ();
  m.memo = g_hash_table_new (g_direct_hash, g_direct_equal);
  m.storages = g_hash_table_new (g_str_hash, g_str_equal);

  while (ok && !done) {
    if (m.pos >= m.len) {
      m.op_at = m.len;
      m.op = 0;
      ok = fail (&m, W2VEE_ERROR_PICKLE, "the pickle ends without STOP (truncated?)");
      break;
    }
    ok = step (&m, &done);
  }
  if (ok)
    ok = read_result (&m, out);

  g_hash_table_unref (m.storages);
  g_hash_table_unref (m.memo);
  g_ptr_array_unref (m.stack);
  g_ptr_array_unref (m.arena);
  return ok;
}
