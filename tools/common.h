/* Shared by the w2vee subcommands: exit codes, their entry points, model lookup. */
#ifndef W2VEE_TOOL_COMMON_H
#define W2VEE_TOOL_COMMON_H

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses of every subcommand. */
enum {
  W2VEE_EXIT_OK = 0,
  W2VEE_EXIT_RUNTIME = 1, /* bad model, unreadable audio, failed inference */
  W2VEE_EXIT_USAGE = 2,   /* bad option or argument */
};

/* A subcommand: argv[0] is its name; returns an exit status. */
typedef int (*W2veeCommandFunc) (int argc, char **argv);

int w2vee_cmd_transcribe (int argc, char **argv);
int w2vee_cmd_bench (int argc, char **argv);

/**
 * w2vee_tool_find_model:
 * @requested: the -m argument, or NULL.
 *
 * Returns: (transfer full): @requested if given; else w2vee_default_model_path() for
 * this executable ($W2VEE_MODEL, the build tree's models/default when running
 * uninstalled, the installed default model), or NULL with @error.
 */
char *w2vee_tool_find_model (const char *requested, GError **error);

/* Prints "w2vee SUBCOMMAND: MESSAGE" and a hint to stderr; returns W2VEE_EXIT_USAGE. */
int w2vee_tool_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Monotonic time in milliseconds. */
double w2vee_tool_now_ms (void);

G_END_DECLS

#endif /* W2VEE_TOOL_COMMON_H */
