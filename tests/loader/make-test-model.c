/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* make-test-model: writes the tiny model of tiny-model.h, valid or deliberately
 * broken, for tests that need a model directory without PyTorch.
 *
 *   make-test-model [--dtype=F32|F16|BF16] [--lm-head-only] DIR
 *   make-test-model --broken=shape|config|lfs DIR    (must fail to load)
 */
#include <string.h>

#include "tiny-model.h"

int
main (int argc, char **argv)
{
  g_autofree char *dtype = NULL, *broken = NULL;
  gboolean lm_head_only = FALSE;
  GOptionEntry entries[] = {
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype, "Weight dtype: F32, F16 or BF16",
      "DTYPE" },
    { "lm-head-only", 0, 0, G_OPTION_ARG_NONE, &lm_head_only,
      "One exit head (lm_head) instead of decoders.0 and decoders.1", NULL },
    { "broken", 0, 0, G_OPTION_ARG_STRING, &broken,
      "Write a model that must fail to load: shape, config or lfs", "KIND" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("DIR");
  g_autoptr (GError) error = NULL;
  TinyOptions opts;
  TinyModel *m;
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2) {
    g_printerr ("%s\n", error != NULL ? error->message : "usage: make-test-model "
        "[OPTION...] DIR");
    return 2;
  }
  if (broken != NULL) {
    ok = tiny_model_write_broken (broken, argv[1], &error);
  } else {
    tiny_options_init (&opts);
    if (g_strcmp0 (dtype, "F16") == 0)
      opts.dtype = TINY_F16;
    else if (g_strcmp0 (dtype, "BF16") == 0)
      opts.dtype = TINY_BF16;
    else if (dtype != NULL && strcmp (dtype, "F32") != 0) {
      g_printerr ("unknown dtype %s (F32, F16, BF16)\n", dtype);
      return 2;
    }
    if (lm_head_only)
      opts.n_decoders = 0;
    m = tiny_model_new (&opts);
    ok = tiny_model_write (m, argv[1], &error);
    tiny_model_free (m);
  }
  if (!ok) {
    g_printerr ("%s\n", error->message);
    return 1;
  }
  return 0;
}
