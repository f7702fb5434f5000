/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The PyTorch side of the state-dict pickle (pickle.h): the allow-list of globals,
 * storages named by persistent ids (their bytes from the zip's data/KEY entries),
 * _rebuild_tensor_v2 and _rebuild_parameter, and at STOP the dict's tensors, each view
 * checked inside its storage, into the tensor table. pickle.c runs the machine.
 */
#include "pickle-private.h"

#include <string.h>

#define MAX_GLOBAL_PART 256     /* bytes of a GLOBAL module or name */
#define MAX_KEY_DIGITS 20       /* storage keys are decimal */
#define MAX_LOCATION 64         /* "cpu", "cuda:0", ... */

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

/* GLOBAL "module\nname\n": only the allow-list. */
gboolean
pickle_op_global (Machine *m)
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
      return pickle_fail (m, W2VEE_ERROR_PICKLE, left <= MAX_GLOBAL_PART ?
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
      v = pickle_new_value (m, V_GLOBAL);
      v->u.global.kind = allowed_globals[i].kind;
      v->u.global.dtype = allowed_globals[i].dtype;
      v->u.global.name = allowed_globals[i].full;
      return pickle_push (m, v);
    }
  }
  module = pickle_quote (parts[0], lens[0]);
  name = pickle_quote (parts[1], lens[1]);
  return pickle_fail (m, W2VEE_ERROR_PICKLE_FORBIDDEN, "forbidden global '%s.%s': a state dict "
      "needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
      "torch._utils._rebuild_parameter and torch storage types", module, name);
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
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: %s is a %s, not a tuple",
        what, pickle_kind_name (t));
  if (t->u.tuple.n > W2VEE_SAFETENSORS_MAX_DIMS)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: %" G_GSIZE_FORMAT
        " dimensions, above the limit of %d", t->u.tuple.n, W2VEE_SAFETENSORS_MAX_DIMS);
  for (gsize i = 0; i < t->u.tuple.n; i++) {
    const Value *x = t->u.tuple.items[i];

    if (x->kind != V_INT || x->u.i < 0)
      return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: %s[%" G_GSIZE_FORMAT
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
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2 takes 6 or 7 arguments, "
        "not %" G_GSIZE_FORMAT, args->u.tuple.n);
  if (a[0]->kind != V_STORAGE)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: the storage is a %s",
        pickle_kind_name (a[0]));
  if (a[1]->kind != V_INT || a[1]->u.i < 0)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: the storage offset is not "
        "a non-negative int");
  if (a[4]->kind != V_BOOL)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: requires_grad is a %s",
        pickle_kind_name (a[4]));
  if (!is_no_hooks (a[5]))
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: backward hooks must be an "
        "empty OrderedDict (or None)");
  if (args->u.tuple.n == 7 && a[6]->kind != V_NONE && !is_empty_dict (a[6]))
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: tensor metadata is not "
        "supported");
  v = pickle_new_value (m, V_TENSOR);
  v->u.tensor = g_new0 (Tensor, 1);
  v->u.tensor->storage = a[0];
  v->u.tensor->offset = (guint64) a[1]->u.i;
  if (!int_tuple (m, a[2], "size", v->u.tensor->size, &v->u.tensor->n_dims) ||
      !int_tuple (m, a[3], "stride", v->u.tensor->stride, &n_stride))
    return FALSE;
  if (n_stride != v->u.tensor->n_dims)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_tensor_v2: %u sizes but %u strides",
        v->u.tensor->n_dims, n_stride);
  *out = v;
  return TRUE;
}

gboolean
pickle_op_reduce (Machine *m)
{
  Value *args, *callable, *result = NULL;

  if (!pickle_pop (m, &args) || !pickle_pop (m, &callable))
    return FALSE;
  if (callable->kind != V_GLOBAL)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "the callable is a %s, not a global",
        pickle_kind_name (callable));
  if (args->kind != V_TUPLE)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "the arguments of %s are a %s, not a tuple",
        callable->u.global.name, pickle_kind_name (args));
  switch (callable->u.global.kind) {
    case G_ORDERED_DICT:
      if (args->u.tuple.n != 0)
        return pickle_fail (m, W2VEE_ERROR_PICKLE, "collections.OrderedDict is only accepted "
            "with no arguments");
      result = pickle_new_dict (m);
      break;
    case G_REBUILD_TENSOR_V2:
      if (!rebuild_tensor (m, args, &result))
        return FALSE;
      break;
    case G_REBUILD_PARAMETER:
      /* (data, requires_grad, backward_hooks) */
      if (args->u.tuple.n != 3 || args->u.tuple.items[0]->kind != V_TENSOR ||
          args->u.tuple.items[1]->kind != V_BOOL || !is_no_hooks (args->u.tuple.items[2]))
        return pickle_fail (m, W2VEE_ERROR_PICKLE, "_rebuild_parameter takes (tensor, bool, "
            "empty OrderedDict)");
      result = args->u.tuple.items[0];
      break;
    case G_STORAGE_TYPE:
    default:
      return pickle_fail (m, W2VEE_ERROR_PICKLE_FORBIDDEN, "calling %s is not allowed (a "
          "storage type may only appear in a persistent id)", callable->u.global.name);
  }
  return pickle_push (m, result);
}

gboolean
pickle_op_build (Machine *m)
{
  Value *state, *target;

  if (!pickle_pop (m, &state) || !pickle_peek (m, &target))
    return FALSE;
  /* OrderedDict.__reduce__ gives the instance's __dict__: {'_metadata': ...}. */
  if (target->kind != V_DICT || state->kind != V_DICT)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "BUILD of a %s with a %s: only a dict's "
        "attributes (a dict) are accepted", pickle_kind_name (target), pickle_kind_name (state));
  return TRUE;
}

/* BINPERSID with ('storage', STORAGE_TYPE, KEY, LOCATION, NUMEL). */
gboolean
pickle_op_binpersid (Machine *m)
{
  Value *pid, *v;
  Value *const *a;
  const char *key;
  gsize key_len;
  guint64 numel, bytes, item;

  if (!pickle_pop (m, &pid))
    return FALSE;
  a = pid->kind == V_TUPLE ? pid->u.tuple.items : NULL;
  if (a == NULL || pid->u.tuple.n != 5 || a[0]->kind != V_STR ||
      strcmp (a[0]->u.s, "storage") != 0 || a[1]->kind != V_GLOBAL ||
      a[1]->u.global.kind != G_STORAGE_TYPE || a[2]->kind != V_STR ||
      a[3]->kind != V_STR || a[4]->kind != V_INT || a[4]->u.i < 0)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "the persistent id (a %s) is not a storage "
        "('storage', torch.XStorage, key, location, numel)", pickle_kind_name (pid));
  key = a[2]->u.s;
  key_len = strlen (key);
  if (key_len == 0 || key_len > MAX_KEY_DIGITS || strspn (key, "0123456789") != key_len ||
      strlen (a[3]->u.s) > MAX_LOCATION) {
    g_autofree char *shown = pickle_quote (key, key_len);

    return pickle_fail (m, W2VEE_ERROR_PICKLE, "storage key '%s' is not a decimal number (or "
        "its location is too long)", shown);
  }
  numel = (guint64) a[4]->u.i;

  v = g_hash_table_lookup (m->storages, key);
  if (v != NULL) {
    if (v->u.storage.dtype != a[1]->u.global.dtype || v->u.storage.numel != numel)
      return pickle_fail (m, W2VEE_ERROR_PICKLE, "storage '%s' is described twice, with "
          "different types or sizes", key);
    return pickle_push (m, v);
  }

  v = pickle_new_value (m, V_STORAGE);
  v->u.storage.key = g_strdup (key);
  v->u.storage.dtype = a[1]->u.global.dtype;
  v->u.storage.numel = numel;
  if (!m->storage_func (key, &v->u.storage.data, &v->u.storage.n_bytes, m->user_data))
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "storage '%s' has no entry data/%s in the "
        "archive", key, key);
  item = w2vee_dtype_bits (v->u.storage.dtype) / 8;
  if (!g_uint64_checked_mul (&bytes, numel, item) || bytes != v->u.storage.n_bytes)
    return pickle_fail (m, W2VEE_ERROR_TENSOR_SIZE, "storage '%s': %" G_GUINT64_FORMAT
        " elements of %s need %" G_GUINT64_FORMAT " bytes, but entry data/%s holds %"
        G_GSIZE_FORMAT, key, numel, a[1]->u.global.name, numel * item, key,
        v->u.storage.n_bytes);
  g_hash_table_insert (m->storages, v->u.storage.key, v);
  return pickle_push (m, v);
}

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
  g_autofree char *shown = pickle_quote (name, strlen (name));
  g_autofree char *size_text = format_u64s (size, n);
  g_autofree char *stride_text = format_u64s (stride, n);

  m->op_at = t->at;
  m->op = OP_REDUCE;
  for (guint d = 0; d < n; d++) {
    if (!g_uint64_checked_mul (&numel, numel, size[d]) || size[d] > G_MAXSIZE)
      return pickle_fail (m, W2VEE_ERROR_TENSOR_SIZE, "tensor '%s': the product of its size %s "
          "overflows", shown, size_text);
    shape[d] = (gsize) size[d];
  }
  if (numel > 0) {
    /* Last element: offset + sum((size_d - 1) * stride_d), inside the storage. */
    for (guint d = 0; d < n; d++) {
      guint64 span;

      if (!g_uint64_checked_mul (&span, size[d] - 1, stride[d]) ||
          !g_uint64_checked_add (&last, last, span))
        return pickle_fail (m, W2VEE_ERROR_TENSOR_LAYOUT, "tensor '%s': the view (offset %"
            G_GUINT64_FORMAT ", size %s, stride %s) overflows", shown,
            t->u.tensor->offset, size_text, stride_text);
    }
    if (last >= st->u.storage.numel)
      return pickle_fail (m, W2VEE_ERROR_TENSOR_LAYOUT, "tensor '%s': the view (offset %"
          G_GUINT64_FORMAT ", size %s, stride %s) reaches element %" G_GUINT64_FORMAT
          ", past the end of storage '%s' (%" G_GUINT64_FORMAT " elements)", shown,
          t->u.tensor->offset, size_text, stride_text, last, st->u.storage.key,
          st->u.storage.numel);
    for (guint d = n; d-- > 0;) {
      if (size[d] == 1)
        continue;
      if (stride[d] != expected)
        return pickle_fail (m, W2VEE_ERROR_TENSOR_LAYOUT, "tensor '%s' is not contiguous (size "
            "%s, stride %s): only contiguous tensors are supported; save "
            "tensor.contiguous() or convert the checkpoint to safetensors", shown,
            size_text, stride_text);
      expected *= size[d];
    }
  } else if (t->u.tensor->offset > st->u.storage.numel) {
    return pickle_fail (m, W2VEE_ERROR_TENSOR_LAYOUT, "tensor '%s': storage offset %"
        G_GUINT64_FORMAT " is past the end of storage '%s' (%" G_GUINT64_FORMAT
        " elements)", shown, t->u.tensor->offset, st->u.storage.key, st->u.storage.numel);
  }
  /* In bounds, so these cannot overflow: both are at most the storage's bytes. */
  item = w2vee_dtype_bits (st->u.storage.dtype) / 8;
  bytes = numel * item;
  return w2vee_tensor_table_add (out, name, st->u.storage.dtype, n, shape,
      st->u.storage.data + t->u.tensor->offset * item, (gsize) bytes, m->error);
}

gboolean
pickle_read_result (Machine *m, W2veeTensorTable *out)
{
  const Value *dict = m->stack->pdata[0];

  m->op_at = m->len - 1;
  m->op = OP_STOP;
  if (dict->kind != V_DICT)
    return pickle_fail (m, W2VEE_ERROR_PICKLE, "the pickle holds a %s, not a state dict",
        pickle_kind_name (dict));
  for (guint i = 0; dict->u.dict.items != NULL && i < dict->u.dict.items->len; i += 2) {
    const Value *key = dict->u.dict.items->pdata[i];
    const Value *value = dict->u.dict.items->pdata[i + 1];

    if (value->kind != V_TENSOR) {
      g_autofree char *shown = pickle_quote (key->u.s, strlen (key->u.s));

      return pickle_fail (m, W2VEE_ERROR_PICKLE, "state dict entry '%s' is a %s, not a tensor",
          shown, pickle_kind_name (value));
    }
    if (!add_tensor (m, key->u.s, value, out))
      return FALSE;
  }
  return TRUE;
}
