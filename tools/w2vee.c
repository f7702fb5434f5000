/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee: the command-line tool of gst-wav2vec2ee (docs/cli.md).
 *
 *   w2vee COMMAND [OPTION…] ARGS…
 *
 * Each subcommand lives in its own file and parses its own options; this file only
 * dispatches. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "w2vee-config.h"

typedef struct {
  const char *name;
  const char *summary;
  W2veeCommandFunc run;
} W2veeCommand;

static const W2veeCommand commands[] = {
  { "transcribe", "Transcribe speech in audio files", w2vee_cmd_transcribe },
  { "eval", "Word and character error rates of every exit on manifests",
    w2vee_cmd_eval },
  { "bench", "Time inference on synthetic audio", w2vee_cmd_bench },
  { "fetch", "Download a model (hf://, https://) into the cache", w2vee_cmd_fetch },
  { "lm", "Convert an ARPA language model to the binary form; show an LM's sizes",
    w2vee_cmd_lm },
};

static void
print_usage (FILE *out)
{
  gsize i;

  fprintf (out, "Usage:\n  w2vee COMMAND [OPTION…] ARGS…\n\nCommands:\n");
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nOptions:\n"
      "  -h, --help     Show this help\n"
      "  --version      Show the version\n"
      "\n'w2vee COMMAND --help' describes a command's options.\n");
}

int
main (int argc, char **argv)
{
  gsize i;

  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C"); /* numbers in output and parsed files use "." */

  if (argc < 2) {
    print_usage (stderr);
    return W2VEE_EXIT_USAGE;
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0) {
    print_usage (stdout);
    return W2VEE_EXIT_OK;
  }
  if (strcmp (argv[1], "--version") == 0) {
    printf ("w2vee %s\n", W2VEE_VERSION);
    return W2VEE_EXIT_OK;
  }

  for (i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (strcmp (argv[1], commands[i].name) == 0) {
      g_autofree char *prgname = g_strdup_printf ("w2vee %s", commands[i].name);
      g_set_prgname (prgname);
      return commands[i].run (argc - 1, argv + 1);
    }
  }

  fprintf (stderr, "w2vee: unknown command '%s'\n\n", argv[1]);
  print_usage (stderr);
  return W2VEE_EXIT_USAGE;
}
