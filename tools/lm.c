/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee lm: the binary LM form and an LM's sizes (docs/cli.md, docs/decoder.md).
 *
 *   w2vee lm convert ARPA OUT     ARPA (or binary) -> the binary form, atomically
 *   w2vee lm info LM|default      one line: order, words, n-grams per order, load time,
 *                                 peak resident memory after loading
 */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "w2vee/w2vee.h"

#define COMMAND "lm"

static int
lm_info (const char *arg)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeLm) lm = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GString) counts = g_string_new (NULL);
  double t0;
  guint n;

  if (strcmp (arg, "default") == 0) {
    g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);

    path = w2vee_default_lm_path (exe, &error);
    if (path == NULL) {
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
      return W2VEE_EXIT_RUNTIME;
    }
  } else {
    path = g_strdup (arg);
  }
  t0 = w2vee_tool_now_ms ();
  lm = w2vee_lm_load (path, &error);
  if (lm == NULL) {
    fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
    return W2VEE_EXIT_RUNTIME;
  }
  for (n = 1; n <= w2vee_lm_order (lm); n++)
    g_string_append_printf (counts, "%s%" G_GUINT64_FORMAT, n > 1 ? "," : "",
        w2vee_lm_count (lm, n));
  printf ("lm=%s order=%u words=%u ngrams=%s load_ms=%.1f peak_rss_mb=%.1f\n", path,
      w2vee_lm_order (lm), w2vee_lm_vocab_size (lm), counts->str, w2vee_tool_now_ms () - t0,
      w2vee_tool_peak_rss_mb ());
  return w2vee_tool_flush_stdout (COMMAND) ? W2VEE_EXIT_OK : W2VEE_EXIT_RUNTIME;
}

int
w2vee_cmd_lm (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  int status;

  context = g_option_context_new ("convert ARPA OUT | info LM|default");
  g_option_context_set_summary (context,
      "  convert ARPA OUT   write the binary form of an ARPA (or binary) LM to OUT\n"
      "  info LM|default    print an LM's order, words, n-gram counts, load time and\n"
      "                     peak resident memory after loading, on one line");
  g_option_context_set_description (context,
      "The binary form is mapped, not parsed: it loads in milliseconds (docs/decoder.md).\n"
      "\n"
      "Exit status: 0 success, 1 runtime error (unreadable or malformed LM, cannot\n"
      "write OUT), 2 usage error.");
  status = w2vee_tool_parse_options (COMMAND, context, &argc, &argv, TRUE);
  if (status >= 0)
    return status;
  if (argc == 4 && strcmp (argv[1], "convert") == 0) {
    if (!w2vee_lm_convert (argv[2], argv[3], &error)) {
      fprintf (stderr, "w2vee " COMMAND ": %s\n", error->message);
      return W2VEE_EXIT_RUNTIME;
    }
    return W2VEE_EXIT_OK;
  }
  if (argc == 3 && strcmp (argv[1], "info") == 0)
    return lm_info (argv[2]);
  return w2vee_tool_usage_error (COMMAND, "give 'convert ARPA OUT' or 'info LM|default'");
}
