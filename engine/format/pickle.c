/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The state-dict pickle interpreter (see pickle.h): the machine (opcodes, stack,
 * memo, values); what a PyTorch state dict may hold (the allowed globals, storages,
 * tensors) is pickle-torch.c, and pickle-private.h what the two share.
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
#include "pickle-private.h"

#include <string.h>

#include "w2vee/w2vee.h"

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

const char *
pickle_kind_name (const Value *v)
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

/* Sets the error: "WHAT at byte N (OPCODE): message". */
gboolean
pickle_fail (Machine *m, W2veeError code, const char *format, ...)
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

Value *
pickle_new_value (Machine *m, Kind kind)
{
  Value *v = g_new0 (Value, 1);

  v->kind = kind;
  v->at = m->op_at;
  g_ptr_array_add (m->arena, v);
  return v;
}

Value *
pickle_new_dict (Machine *m)
{
  return pickle_new_value (m, V_DICT); /* items allocated by the first dict_set() */
}

/* Bottom of the current frame: values below it belong to an enclosing MARK. */
static gsize
fence (const Machine *m)
{
  return m->n_marks > 0 ? m->marks[m->n_marks - 1] : 0;
}

gboolean
pickle_push (Machine *m, Value *v)
{
  if (m->stack->len >= W2VEE_PICKLE_MAX_STACK)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "more than %d values on the stack",
        W2VEE_PICKLE_MAX_STACK);
  g_ptr_array_add (m->stack, v);
  return TRUE;
}

gboolean
pickle_pop (Machine *m, Value **out)
{
  *out = NULL;
  if (m->stack->len <= fence (m))
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "stack underflow");
  *out = g_ptr_array_steal_index (m->stack, m->stack->len - 1);
  return TRUE;
}

gboolean
pickle_peek (Machine *m, Value **out)
{
  *out = NULL;
  if (m->stack->len <= fence (m))
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "stack underflow");
  *out = m->stack->pdata[m->stack->len - 1];
  return TRUE;
}

/* Ends the frame of the last MARK: *start receives its position in the stack. */
static gboolean
pop_mark (Machine *m, gsize *start)
{
  if (m->n_marks == 0)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "no MARK to close");
  *start = m->marks[--m->n_marks];
  return TRUE;
}

/* The next @n argument bytes. */
static gboolean
take (Machine *m, gsize n, const guint8 **out)
{
  if (m->len - m->pos < n)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "truncated argument: %" G_GSIZE_FORMAT " bytes "
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
char *
pickle_quote (const char *p, gsize n)
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
  Value *v = pickle_new_value (m, V_INT);

  v->u.i = i;
  return pickle_push (m, v);
}

static gboolean
op_long1 (Machine *m)
{
  const guint8 *n = NULL, *b = NULL;
  guint64 u = 0;

  if (!take (m, 1, &n))
    return FALSE;
  if (*n > 8)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "a %u-byte integer does not fit 64 bits", *n);
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
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "a %u-byte string, above the limit of %d", len,
        W2VEE_PICKLE_MAX_STRING);
  if (!take (m, len, &b))
    return FALSE;
  if (!g_utf8_validate_len ((const char *) b, len, NULL)) {
    g_autofree char *shown = pickle_quote ((const char *) b, len);

    return pickle_fail (m, W2VEE_ERROR_PICKLE, "string '%s' is not valid UTF-8 or holds a NUL",
        shown);
  }
  v = pickle_new_value (m, V_STR);
  v->u.s = g_strndup ((const char *) b, len);
  return pickle_push (m, v);
}

static gboolean
op_tuple (Machine *m, gsize n_fixed, gboolean from_mark)
{
  Value *v = pickle_new_value (m, V_TUPLE);
  gsize start = 0;

  if (from_mark) {
    if (!pop_mark (m, &start))
      return FALSE;
  } else {
    if (m->stack->len - fence (m) < n_fixed)
      return pickle_fail (m, W2VEE_ERROR_PICKLE, "stack underflow");
    start = m->stack->len - n_fixed;
  }
  v->u.tuple.n = m->stack->len - start;
  v->u.tuple.items = g_new (Value *, MAX (v->u.tuple.n, 1));
  for (gsize i = 0; i < v->u.tuple.n; i++)
    v->u.tuple.items[i] = m->stack->pdata[start + i];
  g_ptr_array_set_size (m->stack, (guint) start);
  return pickle_push (m, v);
}

static gboolean
dict_set (Machine *m, Value *dict, Value *key, Value *value)
{
  if (dict->kind != V_DICT)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "items set on a %s, not a dict",
        pickle_kind_name (dict));
  if (key->kind != V_STR)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "a dict key is a %s, not a string",
        pickle_kind_name (key));
  if (dict->u.dict.items == NULL) {
    dict->u.dict.items = g_ptr_array_new ();
    dict->u.dict.index = g_hash_table_new (g_str_hash, g_str_equal);
  }
  if (g_hash_table_contains (dict->u.dict.index, key->u.s)) {
    g_autofree char *shown = pickle_quote (key->u.s, strlen (key->u.s));

    return pickle_fail (m, W2VEE_ERROR_DUPLICATE, "duplicate key '%s' in a dict", shown);
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

  return pickle_pop (m, &value) && pickle_pop (m, &key) && pickle_peek (m, &dict) &&
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
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "stack underflow: no dict below the MARK");
  if ((m->stack->len - start) % 2 != 0)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "an odd number (%u) of keys and values",
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

  if (!take (m, arg_bytes, &b) || !pickle_peek (m, &top))
    return FALSE;
  index = arg_bytes == 1 ? b[0] : le32 (b);
  if (g_hash_table_size (m->memo) >= W2VEE_PICKLE_MAX_MEMO &&
      !g_hash_table_contains (m->memo, GUINT_TO_POINTER (index)))
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "more than %d memo entries",
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
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "memo entry %u was never stored", index);
  return pickle_push (m, v);
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
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "more than %d objects", W2VEE_PICKLE_MAX_VALUES);
  if (m->op_at == 0 && m->op != OP_PROTO)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "the pickle does not start with PROTO 2 (is "
        "this a torch.save checkpoint?)");

  switch (m->op) {
    case OP_PROTO:
      if (!take (m, 1, &b))
        return FALSE;
      if (m->op_at != 0)
        return pickle_fail (m, W2VEE_ERROR_PICKLE, "PROTO is only accepted as the first opcode");
      if (*b != 2)
        return pickle_fail (m, W2VEE_ERROR_PICKLE, "pickle protocol %u is not supported (only "
            "2, torch.save's default)", *b);
      return TRUE;
    case OP_STOP:
      if (m->pos != m->len)
        return pickle_fail (m, W2VEE_ERROR_PICKLE, "%" G_GSIZE_FORMAT " bytes after STOP",
            m->len - m->pos);
      if (m->n_marks != 0 || m->stack->len != 1)
        return pickle_fail (m, W2VEE_ERROR_PICKLE, "STOP with %u values and %u MARKs on the "
            "stack (expected the result alone)", m->stack->len, m->n_marks);
      *done = TRUE;
      return TRUE;
    case OP_MARK:
      if (m->n_marks >= W2VEE_PICKLE_MAX_MARKS)
        return pickle_fail (m, W2VEE_ERROR_PICKLE, "more than %d nested MARKs",
            W2VEE_PICKLE_MAX_MARKS);
      m->marks[m->n_marks++] = m->stack->len;
      return TRUE;
    case OP_NONE:
      return pickle_push (m, pickle_new_value (m, V_NONE));
    case OP_NEWTRUE:
    case OP_NEWFALSE:
      v = pickle_new_value (m, V_BOOL);
      v->u.b = m->op == OP_NEWTRUE;
      return pickle_push (m, v);
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
      return pickle_push (m, pickle_new_dict (m));
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
      return pickle_op_global (m);
    case OP_REDUCE:
      return pickle_op_reduce (m);
    case OP_BUILD:
      return pickle_op_build (m);
    case OP_BINPERSID:
      return pickle_op_binpersid (m);
    default:
      if (opcode_name (m->op) != NULL)
        return pickle_fail (m, W2VEE_ERROR_PICKLE_FORBIDDEN, "forbidden opcode %s (0x%02X): not "
            "needed by a state dict", opcode_name (m->op), m->op);
      return pickle_fail (m, W2VEE_ERROR_PICKLE, "unknown opcode 0x%02X", m->op);
  }
}

/* ------------------------------------------------------------------------- */
/* The entry point                                                           */
/* ------------------------------------------------------------------------- */

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
      ok = pickle_fail (&m, W2VEE_ERROR_PICKLE, "the pickle ends without STOP (truncated?)");
      break;
    }
    ok = step (&m, &done);
  }
  if (ok)
    ok = pickle_read_result (&m, out);

  g_hash_table_unref (m.storages);
  g_hash_table_unref (m.memo);
  g_ptr_array_unref (m.stack);
  g_ptr_array_unref (m.arena);
  return ok;
}
