/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
#include "peak-rss.h"

#include <string.h>

guint64
w2vee_peak_rss_bytes (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "\nVmHWM:");
  return line != NULL ? g_ascii_strtoull (line + strlen ("\nVmHWM:"), NULL, 10) * 1024 : 0;
}
