/* Shared by the w2vee subcommands (see common.h). */
#include "common.h"

#include <stdio.h>
#include <string.h>

#include "w2vee-config.h"
#include "w2vee/w2vee.h"

/* TRUE when this executable lives in the build tree it was configured for. */
static gboolean
running_uninstalled (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *build_root = g_canonicalize_filename (W2VEE_BUILD_ROOT, NULL);

  if (exe == NULL)
    return TRUE; /* cannot tell: the source tree is only used if it exists anyway */
  return g_str_has_prefix (exe, build_root)
      && exe[strlen (build_root)] == G_DIR_SEPARATOR;
}

char *
w2vee_tool_find_model (const char *requested, GError **error)
{
  const char *env = g_getenv ("W2VEE_MODEL");
  g_autofree char *source = g_build_filename (W2VEE_SOURCE_ROOT, "models", "default", NULL);
  g_autofree char *installed = g_build_filename (W2VEE_DATADIR, "models", "default", NULL);

  gboolean uninstalled = running_uninstalled ();

  if (requested != NULL)
    return g_strdup (requested);
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  if (uninstalled && g_file_test (source, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&source);
  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&installed);

  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
      "no model given and no default model found (looked for %s%s%s); "
      "pass -m MODEL_DIR or set W2VEE_MODEL", uninstalled ? source : "",
      uninstalled ? " and " : "", installed);
  return NULL;
}

int
w2vee_tool_usage_error (const char *command, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "w2vee %s: %s\nTry 'w2vee %s --help'.\n", command, message, command);
  return W2VEE_EXIT_USAGE;
}

double
w2vee_tool_now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}
