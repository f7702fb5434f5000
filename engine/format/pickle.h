/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* A strict reader of the pickle (data.pkl) of a torch.save state dict.
 *
 * Python's unpickler runs arbitrary code (any GLOBAL + REDUCE calls any function).
 * This is not an unpickler: it is a small interpreter that knows only the opcodes,
 * globals and object shapes a state dict needs, and builds no Python object.
 *
 * Accepted (pickle protocol 2, as torch.save writes by default):
 *   opcodes   PROTO 2 (first, once), STOP (last byte), MARK, NONE, NEWTRUE, NEWFALSE,
 *             BININT, BININT1, BININT2, LONG1 (up to 8 bytes), BINUNICODE,
 *             EMPTY_TUPLE, TUPLE, TUPLE1, TUPLE2, TUPLE3, EMPTY_DICT, SETITEM,
 *             SETITEMS, BINPUT, LONG_BINPUT, BINGET, LONG_BINGET, GLOBAL, REDUCE,
 *             BUILD, BINPERSID
 *   globals   collections.OrderedDict          called with () only
 *             torch._utils._rebuild_tensor_v2  (storage, offset, size, stride,
 *                                               requires_grad, hooks[, metadata]);
 *                                               hooks an empty dict or None,
 *                                               metadata an empty dict or None
 *             torch._utils._rebuild_parameter  (tensor, requires_grad, hooks)
 *             torch.{Float,Double,Half,BFloat16,Long,Int,Short,Char,Byte,Bool}Storage
 *                                              only inside a persistent id
 *   persistent ids  ('storage', STORAGE_TYPE, KEY, LOCATION, NUMEL): KEY decimal,
 *             resolved by the caller (the zip entry PREFIX/data/KEY), whose size must
 *             be NUMEL * the type's element size
 *   BUILD     only on a dict, with a dict (the state dict's _metadata: ignored)
 *   result    a dict (OrderedDict) of string keys to tensors
 *
 * Every other opcode or global is W2VEE_ERROR_PICKLE_FORBIDDEN, naming it; malformed
 * input (truncated arguments, stack underflow, wrong types, bounds exceeded, a
 * persistent id that is not a storage, trailing bytes) is W2VEE_ERROR_PICKLE. Each
 * message gives the byte offset of the opcode at fault.
 *
 * Tensors (checked once the result is known, so that messages name the tensor):
 * storage_offset + sum((size_i - 1) * stride_i) must lie inside the storage
 * (W2VEE_ERROR_TENSOR_LAYOUT), and the tensor must be contiguous in row-major order
 * (strides of dimensions of size 1 do not matter): a non-contiguous tensor is refused
 * with W2VEE_ERROR_TENSOR_LAYOUT (re-save it with .contiguous(), or as safetensors).
 * Its data then points into the storage: no copy.
 */
#ifndef W2VEE_PICKLE_H
#define W2VEE_PICKLE_H

#include <glib.h>

#include "tensors.h"

G_BEGIN_DECLS

#define W2VEE_PICKLE_MAX_BYTES (64 << 20)  /* data.pkl: a state dict's is KBs */
#define W2VEE_PICKLE_MAX_STACK (1 << 20)   /* values on the stack */
#define W2VEE_PICKLE_MAX_MARKS 256         /* nested MARKs */
#define W2VEE_PICKLE_MAX_MEMO (1 << 20)    /* memo entries */
#define W2VEE_PICKLE_MAX_STRING (1 << 20)  /* bytes of one BINUNICODE */
#define W2VEE_PICKLE_MAX_VALUES (1 << 21)  /* objects made: a state dict makes ~25 per
                                            * tensor; bounds memory to ~200 MB */

/* Finds the bytes of storage @key (the zip entry PREFIX/data/KEY). Returns FALSE when
 * there is no such storage. */
typedef gboolean (*W2veePickleStorageFunc) (const char *key, const guint8 **data,
    gsize *n_bytes, gpointer user_data);

/* Interprets @pkl (@len bytes) and adds every tensor of the state dict to @out, in the
 * dict's order. @what names data.pkl in messages (e.g. "FILE (PREFIX/data.pkl)"). */
gboolean w2vee_pickle_read_state_dict (const guint8 *pkl, gsize len, const char *what,
    W2veePickleStorageFunc storage_func, gpointer user_data, W2veeTensorTable *out,
    GError **error);

G_END_DECLS

#endif /* W2VEE_PICKLE_H */
