/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: config.json and preprocessor_config.json parsing (and so the
 * strict JSON parser of engine/format/json.c). */
#include <stdint.h>

#include "format/model-config.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  guint exit_layers[W2VEE_MAX_LAYERS], n_exit_layers = 0;
  GError *error = NULL;
  W2veeConfig cfg;
  gboolean normalize;

  if (w2vee_config_parse ((const char *) data, size, "config.json", &cfg, exit_layers,
          &n_exit_layers, &error)) {
    /* What the rest of the engine relies on. */
    if (cfg.hidden_size == 0 || cfg.hidden_size > W2VEE_MAX_CHANNELS ||
        cfg.hidden_size % cfg.n_heads != 0 || cfg.hidden_size % cfg.pos_groups != 0 ||
        cfg.n_layers == 0 || cfg.n_layers > W2VEE_MAX_LAYERS ||
        cfg.n_conv == 0 || cfg.n_conv > W2VEE_MAX_CONV_LAYERS ||
        cfg.pad_token_id >= cfg.vocab_size || cfg.vocab_size > W2VEE_MAX_VOCAB ||
        n_exit_layers > cfg.n_layers)
      __builtin_trap ();
    for (gsize i = 0; i < cfg.n_conv; i++)
      if (cfg.conv_dim[i] == 0 || cfg.conv_kernel[i] == 0 || cfg.conv_stride[i] == 0)
        __builtin_trap ();
    for (guint i = 0; i < n_exit_layers; i++)
      if (exit_layers[i] < 1 || exit_layers[i] > cfg.n_layers ||
          (i > 0 && exit_layers[i] <= exit_layers[i - 1]))
        __builtin_trap ();
  } else if (error == NULL || error->domain != W2VEE_ERROR) {
    __builtin_trap ();
  }
  g_clear_error (&error);

  if (!w2vee_preprocessor_config_parse ((const char *) data, size,
          "preprocessor_config.json", &normalize, &error) &&
      (error == NULL || error->domain != W2VEE_ERROR))
    __builtin_trap ();
  g_clear_error (&error);
  return 0;
}
