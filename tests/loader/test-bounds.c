/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Resource bounds (docs/reliability.md "What is bounded"): a model whose conv strides
 * make more than 100 frames per second is refused at load (engine/model.h
 * W2VEE_MIN_FRAME_SAMPLES, $W2VEE_MIN_FRAME_SAMPLES), and a session whose workspace
 * exceeds the limit is refused before allocating (engine/compute/session.c,
 * $W2VEE_MAX_WORKSPACE_MIB). Each error names the value and the limit.
 *
 * The tiny model (tiny-model.h) makes a frame every 2·2 = 4 samples (4,000 frames/s).
 * test_support_init() sets W2VEE_MIN_FRAME_SAMPLES=1 for every loader test; each case
 * here sets the variable it is about and restores 1. */
#include <string.h>

#include "model.h"
#include "test-support.h"
#include "tiny-model.h"

typedef struct {
  const char *path;
  const char *strides;   /* conv_stride of the tiny model (2 layers), NULL: [2, 2] */
  const char *env;       /* $W2VEE_MIN_FRAME_SAMPLES, NULL: unset */
  gboolean loads;
  const char *message[3];  /* substrings of the error */
} FrameRateCase;

static const FrameRateCase frame_rate_cases[] = {
  { "/bounds/frame-rate/tiny-default", NULL, NULL, FALSE,
    { "every 4 samples (4000 frames per second)", "limit of 160 samples",
      "$W2VEE_MIN_FRAME_SAMPLES" } },
  { "/bounds/frame-rate/tiny-lowered", NULL, "4", TRUE, { NULL } },
  { "/bounds/frame-rate/tiny-one-above", NULL, "5", FALSE,
    { "every 4 samples", "limit of 5 samples", NULL } },
  { "/bounds/frame-rate/garbage-env-is-default", NULL, "lots", FALSE,
    { "limit of 160 samples", NULL, NULL } },
  { "/bounds/frame-rate/zero-env-is-default", NULL, "0", FALSE,
    { "limit of 160 samples", NULL, NULL } },
  { "/bounds/frame-rate/100-per-second", "[16, 10]", NULL, TRUE, { NULL } },
  { "/bounds/frame-rate/wav2vec2", "[40, 8]", NULL, TRUE, { NULL } },
  { "/bounds/frame-rate/111-per-second", "[16, 9]", NULL, FALSE,
    { "every 144 samples (111 frames per second)", "limit of 160 samples", NULL } },
};

static TinyModel *
tiny_model (const char *strides)
{
  TinyOptions opts;
  TinyModel *m;

  tiny_options_init (&opts);
  m = tiny_model_new (&opts);
  if (strides != NULL)
    tiny_model_set_config (m, "conv_stride", strides);
  return m;
}

static W2veeModel *
write_and_load (const char *strides, GError **error)
{
  g_autofree char *dir = test_new_dir ();
  g_autoptr (GError) write_error = NULL;
  TinyModel *m = tiny_model (strides);
  W2veeModel *model;

  if (!tiny_model_write (m, dir, &write_error))
    g_error ("writing %s: %s", dir, write_error->message);
  tiny_model_free (m);
  model = w2vee_model_load (dir, error);
  return model;
}

static void
test_frame_rate (gconstpointer data)
{
  const FrameRateCase *c = data;
  g_autoptr (GError) error = NULL;
  W2veeModel *model;

  if (c->env != NULL)
    g_setenv ("W2VEE_MIN_FRAME_SAMPLES", c->env, TRUE);
  else
    g_unsetenv ("W2VEE_MIN_FRAME_SAMPLES");
  model = write_and_load (c->strides, &error);
  g_setenv ("W2VEE_MIN_FRAME_SAMPLES", "1", TRUE);

  if (c->loads) {
    g_assert_no_error (error);
    g_assert_nonnull (model);
    w2vee_model_unref (model);
    return;
  }
  g_assert_null (model);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "config.json"));
  for (guint i = 0; i < G_N_ELEMENTS (c->message) && c->message[i] != NULL; i++)
    if (strstr (error->message, c->message[i]) == NULL)
      g_error ("\"%s\" does not say \"%s\"", error->message, c->message[i]);
}

/* The workspace limit: refused with the need and the limit in MiB, the need being what
 * the same session reports once the limit allows it. */
static void
test_workspace (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeModel) model = write_and_load (NULL, &error);
  W2veeSessionParams params = w2vee_session_default_params ();
  W2veeSession *session;
  g_autofree char *need = NULL;
  guint64 mib;

  g_assert_no_error (error);
  params.n_threads = 1;

  /* 60 s at 4,000 frames/s: 240,000² floats of attention scores, far above 4 GiB */
  params.max_samples = 60 * W2VEE_SAMPLE_RATE;
  g_unsetenv ("W2VEE_MAX_WORKSPACE_MIB");
  g_assert_null (w2vee_session_new (model, &params, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "limit of 4096 MiB"));
  g_assert_nonnull (strstr (error->message, "$W2VEE_MAX_WORKSPACE_MIB"));
  g_assert_nonnull (strstr (error->message, "960000 samples (60.0 s) and 1 threads"));
  g_clear_error (&error);

  /* 1 s: 4,000² floats = 61 MiB of scores; fits by default, not under 1 MiB */
  params.max_samples = W2VEE_SAMPLE_RATE;
  session = w2vee_session_new (model, &params, &error);
  g_assert_no_error (error);
  mib = (w2vee_session_workspace_bytes (session) + (1 << 20) - 1) >> 20;
  g_assert_cmpuint (mib, >, 60);
  w2vee_session_free (session);

  g_setenv ("W2VEE_MAX_WORKSPACE_MIB", "1", TRUE);
  g_assert_null (w2vee_session_new (model, &params, &error));
  g_unsetenv ("W2VEE_MAX_WORKSPACE_MIB");
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE);
  need = g_strdup_printf ("need %" G_GUINT64_FORMAT " MiB of workspace, above the limit "
      "of 1 MiB", mib);
  if (strstr (error->message, need) == NULL)
    g_error ("\"%s\" does not say \"%s\"", error->message, need);
  g_clear_error (&error);

  /* raised to exactly the need: the same session is made */
  g_free (need);
  need = g_strdup_printf ("%" G_GUINT64_FORMAT, mib);
  g_setenv ("W2VEE_MAX_WORKSPACE_MIB", need, TRUE);
  session = w2vee_session_new (model, &params, &error);
  g_unsetenv ("W2VEE_MAX_WORKSPACE_MIB");
  g_assert_no_error (error);
  w2vee_session_free (session);
}

int
main (int argc, char **argv)
{
  test_support_init (&argc, &argv, "bounds");

  for (guint i = 0; i < G_N_ELEMENTS (frame_rate_cases); i++)
    test_add_data (frame_rate_cases[i].path, &frame_rate_cases[i], test_frame_rate);
  test_add ("/bounds/workspace", test_workspace);
  return test_support_run ();
}
