/* Shared by the w2vee subcommands (see common.h). */
#include "common.h"

#include <stdio.h>
#include <string.h>

#include "w2vee/w2vee.h"

char *
w2vee_tool_find_model (const char *requested, GError **error)
{
  g_autofree char *exe = NULL;

  if (requested != NULL)
    return g_strdup (requested);
  exe = g_file_read_link ("/proc/self/exe", NULL);
  return w2vee_default_model_path (exe, error);
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
