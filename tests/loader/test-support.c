/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Scratch directories and test groups for the loader tests (test-support.h). */
#include "test-support.h"

#include <glib/gstdio.h>
#include <string.h>

static char *scratch;           /* absolute path of this run's scratch directory */
static guint n_dirs;
static char *group_prefix;      /* "/SUITE/NAME/", or NULL for every test */

void
test_support_init (int *argc, char ***argv, const char *suite)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autofree char *name = g_strdup_printf ("%s-test-XXXXXX", suite);
  char *tmpl = g_build_filename (cwd, name, NULL);
  int kept = 1;

  for (int i = 1; i < *argc; i++) {
    const char *arg = (*argv)[i];

    if (g_str_has_prefix (arg, "--group="))
      group_prefix = g_strdup_printf ("/%s/%s/", suite, arg + strlen ("--group="));
    else
      (*argv)[kept++] = (*argv)[i];
  }
  *argc = kept;
  (*argv)[kept] = NULL;
  g_test_init (argc, argv, NULL);
  /* The tiny models make a frame every 4 samples, far above the frame rate a model may
   * have (engine/model.h W2VEE_MIN_FRAME_SAMPLES); tests/loader/test-bounds.c checks
   * the limit itself. */
  g_setenv ("W2VEE_MIN_FRAME_SAMPLES", "1", TRUE);
  scratch = g_mkdtemp (tmpl);
  g_assert_nonnull (scratch);
}

int
test_support_run (void)
{
  int ret = g_test_run ();

  if (g_getenv ("W2VEE_KEEP_TEST_DIRS") == NULL)
    test_remove_tree (scratch);
  g_clear_pointer (&scratch, g_free);
  g_clear_pointer (&group_prefix, g_free);
  return ret;
}

char *
test_new_dir (void)
{
  return g_strdup_printf ("%s/d%04u", scratch, n_dirs++);
}

void
test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR) &&
      !g_file_test (path, G_FILE_TEST_IS_SYMLINK)) {
    g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      test_remove_tree (child);
    }
    g_rmdir (path);
  } else {
    g_unlink (path);
  }
}

static gboolean
in_group (const char *path)
{
  return group_prefix == NULL || g_str_has_prefix (path, group_prefix);
}

void
test_add (const char *path, GTestFunc func)
{
  if (in_group (path))
    g_test_add_func (path, func);
}

void
test_add_data (const char *path, gconstpointer data, GTestDataFunc func)
{
  if (in_group (path))
    g_test_add_data_func (path, data, func);
}
