/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Where the default model and the default LM live (shared by the CLI and the element). */
#include "w2vee/w2vee.h"

#include <string.h>

#include "w2vee-config.h"

/* TRUE when @binary (a file of ours) lies in the build tree this library was
 * configured for, i.e. the program runs uninstalled. */
static gboolean
in_build_tree (const char *binary)
{
  g_autofree char *file = NULL;
  g_autofree char *root = NULL;

  if (binary == NULL)
    return FALSE;
  file = g_canonicalize_filename (binary, NULL);
  root = g_canonicalize_filename (W2VEE_BUILD_ROOT, NULL);
  return g_str_has_prefix (file, root) && file[strlen (root)] == G_DIR_SEPARATOR;
}

char *
w2vee_default_model_path (const char *binary, GError **error)
{
  const char *env = g_getenv ("W2VEE_MODEL");
  g_autofree char *source = g_build_filename (W2VEE_SOURCE_ROOT, "models", "default", NULL);
  g_autofree char *installed = g_build_filename (W2VEE_DATADIR, "models", "default", NULL);
  gboolean uninstalled = in_build_tree (binary);

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (uninstalled && g_file_test (source, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&source);
  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&installed);
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
      "no default model found (looked for %s%s%s); give a model directory or set "
      "W2VEE_MODEL", uninstalled ? source : "", uninstalled ? " and " : "", installed);
  return NULL;
}

char *
w2vee_default_lm_path (const char *binary, GError **error)
{
  const char *env = g_getenv ("W2VEE_LM");
  g_autofree char *source = g_build_filename (W2VEE_SOURCE_ROOT, "models", "lm",
      "default.w2lm", NULL);
  g_autofree char *installed = g_build_filename (W2VEE_DATADIR, "lm", "default.w2lm",
      NULL);
  gboolean uninstalled = in_build_tree (binary);

  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (uninstalled && g_file_test (source, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&source);
  if (g_file_test (installed, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&installed);
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
      "no default LM found (looked for %s%s%s); give an LM file or set W2VEE_LM",
      uninstalled ? source : "", uninstalled ? " and " : "", installed);
  return NULL;
}
