/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Shared by the w2vee subcommands: exit codes, their entry points, model lookup and
 * loading, sessions, whole-file decoding. */
#ifndef W2VEE_TOOL_COMMON_H
#define W2VEE_TOOL_COMMON_H

#include <glib.h>

#include "w2vee/w2vee.h"

G_BEGIN_DECLS

/* Longest file run through the encoder in one forward pass (transcribe --dump-logits,
 * eval items), in seconds: attention's cost grows with the square of the length. */
#define W2VEE_TOOL_MAX_PASS_SECONDS 60

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
int w2vee_cmd_eval (int argc, char **argv);
int w2vee_cmd_fetch (int argc, char **argv);
int w2vee_cmd_lm (int argc, char **argv);

/**
 * w2vee_tool_find_model:
 * @requested: the -m argument, or NULL.
 *
 * Returns: (transfer full): @requested if given; else w2vee_default_model_path()
 * ($W2VEE_MODEL, else the installed default model), or NULL with @error. A directory
 * or a model URI.
 */
char *w2vee_tool_find_model (const char *requested, GError **error);

/**
 * w2vee_tool_fetch:
 * @uri: a model URI (w2vee_uri_is_remote()).
 * @params: (nullable): progress and offline; its cancellable must be NULL.
 *
 * w2vee_fetch_async() with a GMainLoop of its own (in a context pushed as the thread's
 * default meanwhile) waiting for it: the first SIGINT or SIGTERM cancels the fetch
 * (what was downloaded is kept), a second one ends the process. Progress is called from
 * the fetch's worker thread.
 * Returns: (transfer full): the snapshot directory, or NULL with @error
 * (G_IO_ERROR_CANCELLED when interrupted).
 */
char *w2vee_tool_fetch (const char *uri, const W2veeFetchParams *params, GError **error);

/**
 * w2vee_tool_model_dir:
 * @command: the subcommand, for messages.
 * @requested: the -m argument, or NULL (see w2vee_tool_find_model()).
 *
 * The model's local directory: a model URI is fetched first with w2vee_tool_fetch(),
 * silently (Ctrl-C cancels it).
 * Returns: (transfer full): the directory, or NULL after printing "w2vee COMMAND: ..."
 * to stderr (a runtime error: W2VEE_EXIT_RUNTIME).
 */
char *w2vee_tool_model_dir (const char *command, const char *requested);

/**
 * w2vee_tool_load_model:
 * @command: the subcommand, for messages.
 * @requested: the -m argument, or NULL (see w2vee_tool_find_model()).
 * @verbose: also print the model's path, exits, weight size and load time to stderr.
 *
 * Loads the directory w2vee_tool_model_dir() gives (a URI is fetched first).
 *
 * Returns: (transfer full): the model, or NULL after printing "w2vee COMMAND: ..." to
 * stderr (a runtime error: W2VEE_EXIT_RUNTIME).
 */
W2veeModel *w2vee_tool_load_model (const char *command, const char *requested,
    gboolean verbose);

/**
 * w2vee_tool_add_load_options:
 * Adds the options of every subcommand that loads a model to @context's main group:
 * --no-pickle (never read pytorch_model.bin). w2vee_tool_load_model() applies them;
 * code loading a model itself passes w2vee_tool_load_flags() to
 * w2vee_model_load_full().
 */
void w2vee_tool_add_load_options (GOptionContext *context);
W2veeLoadFlags w2vee_tool_load_flags (void);

/**
 * w2vee_tool_add_session_options:
 * Adds the options of every subcommand that runs a session: --precision fp32|bf16.
 * w2vee_tool_session_params() applies them.
 */
void w2vee_tool_add_session_options (GOptionContext *context);

/**
 * w2vee_tool_session_params:
 * @threads: worker threads, or <= 0 for one per CPU.
 *
 * The default session parameters with @threads and the session options; fails with
 * W2VEE_ERROR_INVALID_ARGUMENT on an unknown --precision.
 */
gboolean w2vee_tool_session_params (gint threads, W2veeSessionParams *params,
    GError **error);

/**
 * w2vee_tool_ensure_session:
 * @threads: worker threads, or <= 0 for one per CPU.
 * @session: (inout): the session, or NULL before the first call.
 * @session_max: (inout): the samples *@session accepts.
 *
 * Keeps *@session when it accepts @n_samples; else frees it and creates one for
 * exactly @n_samples (at least 1).
 */
gboolean w2vee_tool_ensure_session (W2veeModel *model, gint threads, gsize n_samples,
    W2veeSession **session, gsize *session_max, GError **error);

/**
 * w2vee_tool_decode_one_pass:
 * @who: what runs the file in one pass, for the message of a file that is too long
 *   (e.g. "--dump-logits").
 * @n_samples: (out): samples returned.
 *
 * Decodes the whole of @path (w2vee_audio_decode_file()); a file longer than
 * W2VEE_TOOL_MAX_PASS_SECONDS fails with W2VEE_ERROR_TOO_LARGE and a message naming the
 * file, @who and the bound.
 * Returns: (transfer full): (n_samples) 16 kHz mono float32, or NULL.
 */
float *w2vee_tool_decode_one_pass (const char *path, const char *who, gsize *n_samples,
    GError **error);

/**
 * w2vee_tool_parse_options:
 * @with_args: whether arguments may be left after the options.
 *
 * Parses @argc/@argv with @context. A bad or unknown option, or (without @with_args) an
 * argument left over, is a usage error (see w2vee_tool_usage_error()).
 * Returns: -1 to go on, or W2VEE_EXIT_USAGE after printing the message.
 */
int w2vee_tool_parse_options (const char *command, GOptionContext *context, int *argc,
    char ***argv, gboolean with_args);

/* Flushes stdout; on a write error prints "w2vee SUBCOMMAND: cannot write to the
 * standard output" to stderr and returns FALSE. */
gboolean w2vee_tool_flush_stdout (const char *command);

/* Prints "w2vee SUBCOMMAND: MESSAGE" and a hint to stderr; returns W2VEE_EXIT_USAGE. */
int w2vee_tool_usage_error (const char *command, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* The -m option of every subcommand that runs a model (G_OPTION_ARG_FILENAME). */
#define W2VEE_TOOL_MODEL_ENTRY(location) \
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, (location), \
    "Model: a directory in the Hugging Face layout, or hf://ORG/NAME[@REVISION] or " \
    "https://BASE/ (fetched into the cache, docs/models.md); default: $W2VEE_MODEL, " \
    "else the default model", "DIR|URI" }

/* Peak resident set size of this process in MiB: VmHWM of /proc/self/status, the
 * high-water mark of this program's own memory. (getrusage's ru_maxrss is only the
 * fallback: Linux carries it over from the parent across fork and exec, so a child of
 * a large process, such as bench/run.py, would report its parent's peak.) */
double w2vee_tool_peak_rss_mb (void);

/* Monotonic time in milliseconds. */
double w2vee_tool_now_ms (void);

G_END_DECLS

#endif /* W2VEE_TOOL_COMMON_H */
