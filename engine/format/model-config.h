/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The JSON files of a model directory: config.json, preprocessor_config.json and
 * vocab.json. Each parser takes the file's bytes (so the fuzz targets can call it)
 * and a path used only in messages; every failure is a W2VEE_ERROR naming the path,
 * the key and the reason. Sizes are checked against the bounds below before
 * anything is allocated from them.
 */
#ifndef W2VEE_MODEL_CONFIG_H
#define W2VEE_MODEL_CONFIG_H

#include "w2vee/w2vee.h"

G_BEGIN_DECLS

/* Sanity bounds, checked before anything is allocated from the files' numbers. Each is
 * far above wav2vec2-large (7 conv layers of 512 channels, kernels up to 128, 24 layers,
 * D = 1024, I = 4096, about 32 tokens): a value beyond it is a corrupt or hostile file,
 * refused with a message naming the key and the bound. */
#define W2VEE_MAX_CONV_LAYERS 16
#define W2VEE_MAX_CHANNELS 8192       /* conv_dim entries, hidden_size */
#define W2VEE_MAX_KERNEL 1024         /* conv_kernel entries, num_conv_pos_embeddings */
#define W2VEE_MAX_LAYERS 128          /* num_hidden_layers */
#define W2VEE_MAX_INTERMEDIATE 65536  /* intermediate_size */
#define W2VEE_MAX_VOCAB 65536         /* vocab_size */
#define W2VEE_MAX_TOKEN_BYTES 256     /* one vocab.json token */
#define W2VEE_MAX_MODEL_BYTES (G_GUINT64_CONSTANT (8) << 30) /* F32 weights in all */

typedef enum {
  W2VEE_CONV_NORM_GROUP, /* feat_extract_norm "group": GroupNorm(C, C) on layer 0 only */
  W2VEE_CONV_NORM_LAYER, /* "layer": LayerNorm over channels on every layer */
} W2veeConvNorm;

typedef struct {
  gsize hidden_size;            /* D */
  gsize n_layers;               /* num_hidden_layers */
  gsize n_heads;                /* num_attention_heads; D % H == 0 */
  gsize intermediate_size;      /* I */
  double layer_norm_eps;        /* encoder and projection LayerNorms */
  W2veeConvNorm conv_norm;      /* feat_extract_norm */
  gsize n_conv;                 /* len(conv_dim) == len(conv_kernel) == len(conv_stride) */
  gsize conv_dim[W2VEE_MAX_CONV_LAYERS];
  gsize conv_kernel[W2VEE_MAX_CONV_LAYERS];
  gsize conv_stride[W2VEE_MAX_CONV_LAYERS];
  gboolean conv_bias;
  gsize pos_kernel;             /* num_conv_pos_embeddings (Kp) */
  gsize pos_groups;             /* num_conv_pos_embedding_groups (G); D % G == 0 */
  gboolean stable_layer_norm;   /* do_stable_layer_norm */
  gsize vocab_size;             /* V */
  gsize pad_token_id;           /* CTC blank */
  gboolean do_normalize;        /* preprocessor_config.json; default TRUE */
} W2veeConfig;

/* Largest config.json / preprocessor_config.json and vocab.json we read, in bytes. */
#define W2VEE_MAX_CONFIG_FILE_BYTES (4 << 20)
#define W2VEE_MAX_VOCAB_FILE_BYTES (64 << 20)

/**
 * w2vee_config_parse:
 * @cfg: filled from config.json (cfg->do_normalize is set to its default, TRUE).
 * @exit_layers: (out) (W2VEE_MAX_LAYERS): the optional "exit_layers", 1-based,
 *   strictly increasing, within 1..num_hidden_layers.
 * @n_exit_layers: (out): their number; 0 when config.json has none.
 */
gboolean w2vee_config_parse (const char *data, gsize len, const char *path,
    W2veeConfig *cfg, guint *exit_layers, guint *n_exit_layers, GError **error);

/* preprocessor_config.json: do_normalize (default TRUE); a sampling_rate other than
 * W2VEE_SAMPLE_RATE is an error. */
gboolean w2vee_preprocessor_config_parse (const char *data, gsize len,
    const char *path, gboolean *do_normalize, GError **error);

/**
 * w2vee_vocab_parse:
 * vocab.json: an object token -> id whose ids are exactly 0..V-1.
 * Returns: (transfer full): the V tokens in id order, NULL-terminated.
 */
char **w2vee_vocab_parse (const char *data, gsize len, const char *path,
    GError **error);

/* The 32-token vocabulary of facebook/wav2vec2-base-960h, used when a model directory
 * has no vocab.json: <pad> (the blank) <s> </s> <unk> | (the word delimiter), then
 * E T A O N I H S R D L U M W C F G Y P B V K ' X J Q Z. */
char **w2vee_vocab_default (void);

G_END_DECLS

#endif /* W2VEE_MODEL_CONFIG_H */
