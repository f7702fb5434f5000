/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Internal: the in-memory model the loader (model.c) builds and the forward pass
 * (compute/forward.c) reads. Nothing here is public API.
 *
 * Shapes legend: C = conv channels, K = kernel width, D = hidden_size, H = heads,
 * I = intermediate_size, G = pos-conv groups, Kp = pos-conv kernel, V = vocab size.
 * Every weight pointer is F32, aligned to 4 bytes at least, and points either into the
 * mapped weights file (model.safetensors or pytorch_model.bin) or into a buffer owned
 * by the model (model->owned).
 * The comment on each field names the checkpoint tensor it comes from.
 */
#ifndef W2VEE_MODEL_H
#define W2VEE_MODEL_H

#include "w2vee/w2vee.h"
#include "format/model-config.h"
#include "format/tensors.h"

G_BEGIN_DECLS

typedef struct {
  const float *w;      /* (C_out, K, C_in): conv_layers.{i}.conv.weight [C_out, C_in, K], reordered at load */
  const float *b;      /* (C_out) conv_layers.{i}.conv.bias, or NULL without conv_bias */
  const float *norm_w; /* (C_out) conv_layers.{i}.layer_norm.weight, or NULL (group norm: layer 0 only) */
  const float *norm_b; /* (C_out) conv_layers.{i}.layer_norm.bias, or NULL */
  /* (C_out, C_in) w[:,0,:] + w[:,2,:], made at load for the layers after the first with
   * kernel 3 and stride 2, which run as Winograd F(2,2) (w2vee_conv1d_k3s2); else NULL */
  const float *w02;
  gsize c_in, c_out, kernel, stride;
} W2veeConvLayer;

typedef struct {
  const float *q_w, *q_b;           /* (D, D), (D) attention.q_proj.{weight,bias} */
  const float *k_w, *k_b;           /* (D, D), (D) attention.k_proj */
  const float *v_w, *v_b;           /* (D, D), (D) attention.v_proj */
  const float *o_w, *o_b;           /* (D, D), (D) attention.out_proj */
  const float *ln_w, *ln_b;         /* (D) layer_norm */
  const float *ff_in_w, *ff_in_b;   /* (I, D), (I) feed_forward.intermediate_dense */
  const float *ff_out_w, *ff_out_b; /* (D, I), (D) feed_forward.output_dense */
  const float *final_ln_w, *final_ln_b; /* (D) final_layer_norm */
} W2veeLayer;

typedef struct {
  guint layer;     /* 1-based transformer layer whose output this exit reads */
  const float *w;  /* (V, D) decoders.{i}.weight or lm_head.weight */
  const float *b;  /* (V) decoders.{i}.bias or lm_head.bias */
} W2veeExit;

struct _W2veeModel {
  gint ref_count;                   /* atomic */
  char *path;                       /* model directory */
  W2veeConfig cfg;

  W2veeConvLayer conv[W2VEE_MAX_CONV_LAYERS]; /* cfg.n_conv used */

  const float *proj_ln_w, *proj_ln_b; /* (C_last) wav2vec2.feature_projection.layer_norm */
  const float *proj_w, *proj_b;       /* (D, C_last), (D) wav2vec2.feature_projection.projection */

  /* (G, D/G, Kp, D/G): encoder.pos_conv_embed.conv weight, rebuilt from weight norm
   * w[o,i,k] = g[k] * v[o,i,k] / ||v[:,:,k]||_2 and reordered to (group, out, k, in). */
  const float *pos_w;
  const float *pos_b;               /* (D) encoder.pos_conv_embed.conv.bias */

  const float *enc_ln_w, *enc_ln_b; /* (D) wav2vec2.encoder.layer_norm */

  W2veeLayer *layers;               /* (n_layers) wav2vec2.encoder.layers.{l} */

  guint n_exits;
  W2veeExit *exits;                 /* (n_exits), sorted by layer */

  char **tokens;                    /* (V) NUL-terminated UTF-8, from vocab.json or the default */
  gint word_delimiter_id;           /* id of "|", or -1 */
  gboolean *is_special;             /* (V) TRUE for "<...>" tokens other than the blank */

  GMappedFile *mapped;              /* the weights file, kept mapped while the model lives */
  GPtrArray *owned;                 /* float buffers made at load (converted, reordered) */
  gsize weight_bytes;               /* F32 bytes of all weights the forward pass reads */
  gboolean in_cache;                /* the entry of w2vee_model_load_shared()'s cache
                                     * (model-cache.c); guarded by its lock */

  /* Weights a compute backend prepared from the above on first use (compute/onednn.c:
   * reordered for oneDNN, one slot per W2veePrecision), shared read-only by the
   * sessions; guarded by compute_lock, freed with compute_cache_free. */
  GMutex compute_lock;
  gpointer compute_cache[3];
  GDestroyNotify compute_cache_free;
};

/* model-cache.c: drops @model's cache entry, if it has one; called by
 * w2vee_model_unref() when the last reference goes, before the model is freed. */
void w2vee_model_cache_forget (W2veeModel *model);
/* model-cache.c: entries in the cache now (for tests). */
guint w2vee_model_cache_n_entries (void);

/* model.c: $W2VEE_NO_PICKLE asks for W2VEE_LOAD_NO_PICKLE on every load. */
gboolean w2vee_model_pickle_disabled_by_env (void);

/* The fewest input samples per output frame (product of "conv_stride") a model may
 * have: 160 is 100 frames per second; every wav2vec2, HuBERT and data2vec checkpoint
 * has 320. Attention needs T² floats per thread, so this bounds the workspace of every
 * input length. $W2VEE_MIN_FRAME_SAMPLES (a positive integer) replaces it. */
#define W2VEE_MIN_FRAME_SAMPLES 160

/* A model from a config.json text and a tensor table (which must outlive the model:
 * F32 weights may point into its data), with every check w2vee_model_load_full()
 * makes after reading the files; the default vocabulary. @name stands for the model
 * directory in messages. For tests/fuzz/fuzz-model.c. */
W2veeModel *w2vee_model_new_from_parts (const char *name, const char *config,
    gsize config_len, W2veeTensorTable *tt, GError **error);

G_END_DECLS

#endif /* W2VEE_MODEL_H */
