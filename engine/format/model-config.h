/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The JSON files of a model directory: config.json, preprocessor_config.json and
 * vocab.json. Each parser takes the file's bytes (so the fuzz targets can call it)
 * and a path used only in messages; every failure is a W2VEE_ERROR naming the path,
 * the key and the reason. Sizes are checked against the bounds of model.h before
 * anything is allocated from them.
 */
#ifndef W2VEE_MODEL_CONFIG_H
#define W2VEE_MODEL_CONFIG_H

#include "model.h"

G_BEGIN_DECLS

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

/* The 32-token vocabulary of facebook/wav2vec2-base-960h (design.md §3). */
char **w2vee_vocab_default (void);

G_END_DECLS

#endif /* W2VEE_MODEL_CONFIG_H */
