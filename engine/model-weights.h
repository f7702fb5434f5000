/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Between model.c (the files, the config, the public calls) and model-weights.c (the
 * tensor table read into a W2veeModel's weights). Library-internal. */
#ifndef W2VEE_MODEL_WEIGHTS_H
#define W2VEE_MODEL_WEIGHTS_H

#include "model.h"
#include "format/tensors.h"

G_BEGIN_DECLS

/* State of one w2vee_model_load() call. */
typedef struct {
  char *weights_path;    /* absolute path of the weights file, for messages */
  W2veeTensorTable *tt;  /* its tensors */
  gboolean *used;        /* (n_tensors) tensors read so far */
  W2veeModel *model;     /* being filled */
} Loader;

/* FALSE with @error when the F32 weights @cfg implies, with @n_exits heads, exceed
 * W2VEE_MAX_MODEL_BYTES; @what names the file in the message. */
G_GNUC_INTERNAL gboolean w2vee_model_check_bytes (const W2veeConfig *cfg, guint n_exits,
    const char *what, GError **error);

/* Reads every weight of @ld->model from @ld->tt: the exit heads (their layers from
 * @exit_layers, config.json's "exit_layers", when it has @n_exit_layers > 0), their
 * byte bound, the conv layers, the encoder and the heads, each tensor's dtype and
 * shape checked against the config. @cfg_path names config.json in messages. */
G_GNUC_INTERNAL gboolean w2vee_model_load_weights (Loader *ld, const guint *exit_layers,
    guint n_exit_layers, const char *cfg_path, GError **error);

G_END_DECLS

#endif
