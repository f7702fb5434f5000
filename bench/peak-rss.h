/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Peak resident memory of this process, for the memory measurements (bench/model-rss,
 * tests/element/measure-instances). */
#ifndef W2VEE_BENCH_PEAK_RSS_H
#define W2VEE_BENCH_PEAK_RSS_H

#include <glib.h>

/* VmHWM of /proc/self/status (this process's high-water mark) in bytes, or 0 when it
 * cannot be read. */
guint64 w2vee_peak_rss_bytes (void);

#endif /* W2VEE_BENCH_PEAK_RSS_H */
