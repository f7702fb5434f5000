/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Where the default model and the default LM live (shared by the CLI and the
 * element). Only the installed locations are compiled in: a build tree is found
 * through $W2VEE_MODEL and $W2VEE_LM, which `meson devenv`, the tests and
 * scripts/quickstart.sh set (models/meson.build). */
#include "w2vee/w2vee.h"

#include "w2vee-config.h"

char *
w2vee_default_model_path (const char *binary, GError **error)
{
  const char *env = g_getenv ("W2VEE_MODEL");
  g_autofree char *installed = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* an empty value counts as unset (the element's tests clear it that way) */
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  installed = g_build_filename (W2VEE_DATADIR, "models", "default", NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&installed);
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
      "no default model: W2VEE_MODEL is not set and the installed default model %s is "
      "not a directory (from a build tree: run through 'meson devenv', or set "
      "W2VEE_MODEL to its models/default)", installed);
  return NULL;
}

char *
w2vee_default_lm_path (const char *binary, GError **error)
{
  const char *env = g_getenv ("W2VEE_LM");
  g_autofree char *installed = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* an empty value counts as unset, as for W2VEE_MODEL */
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  installed = g_build_filename (W2VEE_DATADIR, "lm", "default.w2lm", NULL);
  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
      "no default LM: W2VEE_LM is not set and the installed default LM %s is not a "
      "file (from a build tree: run through 'meson devenv', or set W2VEE_LM to its "
      "models/lm/default.w2lm)", installed);
  return NULL;
}
