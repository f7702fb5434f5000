/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* What test-loader and test-pytorch share: a scratch directory per run, and
 * test groups.
 *
 * Each program takes --group=NAME and then registers only the tests under
 * /SUITE/NAME/ (meson runs the groups in parallel; GTest's -p does not descend
 * into nested suites). The scratch directory SUITE-test-XXXXXX is made in the
 * current directory and removed at the end unless W2VEE_KEEP_TEST_DIRS is set.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <glib.h>

G_BEGIN_DECLS

void test_support_init (int *argc, char ***argv, const char *suite);
int test_support_run (void);

char *test_new_dir (void);
void test_remove_tree (const char *path);

void test_add (const char *path, GTestFunc func);
void test_add_data (const char *path, gconstpointer data, GTestDataFunc func);

G_END_DECLS

#endif /* TEST_SUPPORT_H */
