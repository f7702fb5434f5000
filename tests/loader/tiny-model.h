/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* A tiny wav2vec2 model directory written from C, for the loader tests and for any
 * test that needs a loadable (or a deliberately broken) model without PyTorch.
 *
 * Architecture (TinyOptions defaults): conv_dim [4, 6], conv_kernel [3, 2],
 * conv_stride [2, 2] (frame stride 4, receptive field 5 samples), hidden_size 8,
 * 2 heads, 2 layers, intermediate_size 12, pos-conv kernel 4 in 2 groups, the
 * default 32-token vocabulary, and 2 exit heads decoders.{0,1}. About 13 KB.
 *
 * Every weight is a deterministic pseudo-random k/256 with |k| <= 127 (g of the
 * weight norm: k/128 in [0.5, 1.5)), so it is exact in F32, F16 and BF16 and the
 * expected value of every loaded weight is simply the float written.
 */
#ifndef TINY_MODEL_H
#define TINY_MODEL_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  TINY_F32,
  TINY_F16,
  TINY_BF16,
} TinyDtype;

typedef struct {
  TinyDtype dtype;
  guint n_layers;           /* 2 */
  guint n_decoders;         /* 2; 0: lm_head only */
  gboolean lm_head;         /* also write lm_head when there are decoders */
  gboolean parametrizations; /* pos-conv weight norm as parametrizations.weight.* */
  gboolean layer_norm_conv; /* feat_extract_norm "layer" instead of "group" */
  gboolean conv_bias;
  guint32 seed;
} TinyOptions;

typedef struct {
  char *name;
  char *dtype;          /* as written in the header ("F32", or anything) */
  guint n_dims;
  gsize shape[8];
  float *values;        /* (numel) the values written, when dtype is a float type */
  GByteArray *data;     /* the bytes written */
  char *offsets;        /* NULL, or JSON text written as "data_offsets" */
  char *raw_entry;      /* NULL, or JSON text written as the whole entry */
} TinyTensor;

typedef struct {
  TinyOptions opts;
  GPtrArray *tensors;       /* TinyTensor *, written in this order */
  JsonObject *config;       /* config.json */
  char *config_raw;         /* if set, written as config.json instead */
  char *vocab_json;         /* vocab.json text; NULL: not written */
  char *preprocessor_json;  /* preprocessor_config.json text; NULL: not written */
  char *header_extra;       /* inserted right after the header's '{' */
  char *header_raw;         /* if set, the whole header (before padding) */
  gboolean no_metadata;     /* leave out "__metadata__" */
  gboolean reverse_header;  /* list the tensors in reverse order (data unchanged) */
  gsize header_pad;         /* spaces after the 8-byte padding (misaligns data) */
} TinyModel;

void tiny_options_init (TinyOptions *opts);
TinyModel *tiny_model_new (const TinyOptions *opts);
void tiny_model_free (TinyModel *m);

TinyTensor *tiny_model_tensor (TinyModel *m, const char *name);
void tiny_model_remove (TinyModel *m, const char *name);
/* Adds a tensor of random float values (dtype "F32", "F16", "BF16") or zero bytes
 * (any other dtype, @elem_bytes each). */
TinyTensor *tiny_model_add (TinyModel *m, const char *name, const char *dtype,
    guint n_dims, const gsize *shape, gsize elem_bytes);
void tiny_model_rename (TinyModel *m, const char *name, const char *new_name);
/* Gives the tensor a new shape and new random data of that size. */
void tiny_tensor_reshape (TinyModel *m, TinyTensor *t, guint n_dims, const gsize *shape);
/* Sets config.json member @key from JSON text (NULL: removes it). */
void tiny_model_set_config (TinyModel *m, const char *key, const char *json);

GByteArray *tiny_model_safetensors (const TinyModel *m);
gboolean tiny_model_write (const TinyModel *m, const char *dir, GError **error);

/* The vocab.json of the default 32-token vocabulary. */
char *tiny_default_vocab_json (void);

/* A model directory that must fail to load: @kind is "shape" (a q_proj of the wrong
 * shape: W2VEE_ERROR_SHAPE), "lfs" (model.safetensors is a Git LFS pointer:
 * W2VEE_ERROR_LFS_POINTER) or "config" (hidden_size not divisible by the heads:
 * W2VEE_ERROR_CONFIG). */
gboolean tiny_model_write_broken (const char *kind, const char *dir, GError **error);

G_END_DECLS

#endif /* TINY_MODEL_H */
