/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Runs the w2vee_fetch_async() snippet of docs/engine.md (the block marked "compiled",
 * extracted at build time into engine-doc-snippet.h) against the loopback hub: a model
 * URI loads, a cancelled fetch and a bad URI fail with their errors. */
#include "engine-doc-snippet.h"

#include "fetch-support.h"

static void
test_doc_snippet (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeModel) model = NULL;
  g_autoptr (GCancellable) cancelled = g_cancellable_new ();
  g_autofree char *expected = expected_snapshot (REPO);

  model = load_model_uri (URI, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w2vee_model_n_exits (model), ==, 4);
  g_assert_cmpstr (w2vee_model_path (model), ==, expected);
  assert_snapshot_complete (expected);

  g_cancellable_cancel (cancelled);
  g_assert_null (load_model_uri (URI "@v2", cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  g_assert_null (load_model_uri ("hf://a/b/c", NULL, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  fetch_support_init ();
  TEST ("/fetch/doc/snippet", test_doc_snippet);
  ret = g_test_run ();
  fetch_support_clear ();
  return ret;
}
