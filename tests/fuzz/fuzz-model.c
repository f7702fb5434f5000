/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: the model's config <-> tensor cross-checks of engine/model.c
 * (w2vee_model_new_from_parts(): every tensor the config requires, its dtype and
 * shape, the exit heads, the frame-rate and weight-size bounds).
 *
 * Input: the text of config.json, one NUL byte, then a model.safetensors file. A model
 * that loads must be usable: a one-thread session for 0.1 s runs up to its last exit
 * (or is refused by the workspace bound). */
#include <stdint.h>
#include <string.h>

#include "format/tensors.h"
#include "model.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, 0, size);
  W2veeTensorTable *tt;
  W2veeModel *model;
  GError *error = NULL;
  gsize config_len;

  if (nul == NULL)
    return 0;
  config_len = (gsize) (nul - data);
  tt = w2vee_tensor_table_parse_safetensors (nul + 1, size - config_len - 1,
      "model.safetensors", &error);
  if (tt == NULL) {
    if (error == NULL || error->domain != W2VEE_ERROR)
      __builtin_trap ();
    g_clear_error (&error);
    return 0;
  }
  model = w2vee_model_new_from_parts ("fuzz-model", (const char *) data, config_len, tt,
      &error);
  if (model != NULL) {
    W2veeSessionParams params = w2vee_session_default_params ();
    W2veeSession *session;
    static float clip[1600];

    /* What the forward pass relies on. */
    if (model->n_exits == 0 || model->proj_w == NULL || model->pos_w == NULL ||
        model->enc_ln_w == NULL || g_strv_length (model->tokens) != model->cfg.vocab_size)
      __builtin_trap ();
    for (guint i = 0; i < model->n_exits; i++)
      if (model->exits[i].w == NULL || model->exits[i].layer < 1 ||
          model->exits[i].layer > model->cfg.n_layers ||
          (i > 0 && model->exits[i].layer <= model->exits[i - 1].layer))
        __builtin_trap ();
    for (gsize l = 0; l < model->cfg.n_conv; l++)
      if (model->conv[l].w == NULL)
        __builtin_trap ();

    params.n_threads = 1;
    params.max_samples = G_N_ELEMENTS (clip);
    session = w2vee_session_new (model, &params, &error);
    if (session != NULL) {
      /* a valid length and exit: it must run */
      if (!w2vee_session_run (session, clip, G_N_ELEMENTS (clip), model->n_exits,
              &error))
        __builtin_trap ();
      w2vee_session_free (session);
    } else if (error == NULL || error->domain != W2VEE_ERROR) {
      __builtin_trap ();
    }
    g_clear_error (&error);
    w2vee_model_unref (model);
  } else if (error == NULL || error->domain != W2VEE_ERROR) {
    __builtin_trap ();
  }
  g_clear_error (&error);
  w2vee_tensor_table_free (tt);
  return 0;
}
