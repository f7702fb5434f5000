/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Between pickle.c (the pickle machine: opcodes, stack, memo, values) and
 * pickle-torch.c (what a PyTorch state dict may contain: the allowed globals, storages
 * from persistent ids, _rebuild_tensor_v2, the tensors read out at STOP).
 * Library-internal. */
#ifndef W2VEE_FORMAT_PICKLE_PRIVATE_H
#define W2VEE_FORMAT_PICKLE_PRIVATE_H

#include "pickle.h"

#include "w2vee/w2vee.h"

G_BEGIN_DECLS

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

/* pickle.c: the machine's values, stack and errors */
G_GNUC_INTERNAL gboolean pickle_fail (Machine *m, W2veeError code, const char *format,
    ...) G_GNUC_PRINTF (3, 4);
G_GNUC_INTERNAL Value *pickle_new_value (Machine *m, Kind kind);
G_GNUC_INTERNAL Value *pickle_new_dict (Machine *m);
G_GNUC_INTERNAL gboolean pickle_push (Machine *m, Value *v);
G_GNUC_INTERNAL gboolean pickle_pop (Machine *m, Value **out);
G_GNUC_INTERNAL gboolean pickle_peek (Machine *m, Value **out);
G_GNUC_INTERNAL const char *pickle_kind_name (const Value *v);
G_GNUC_INTERNAL char *pickle_quote (const char *p, gsize n);

/* pickle-torch.c: the opcodes whose meaning is PyTorch's, and the result */
G_GNUC_INTERNAL gboolean pickle_op_global (Machine *m);
G_GNUC_INTERNAL gboolean pickle_op_reduce (Machine *m);
G_GNUC_INTERNAL gboolean pickle_op_build (Machine *m);
G_GNUC_INTERNAL gboolean pickle_op_binpersid (Machine *m);
G_GNUC_INTERNAL gboolean pickle_read_result (Machine *m, W2veeTensorTable *out);

G_END_DECLS

#endif
