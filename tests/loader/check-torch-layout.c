/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* check-torch-layout DIR...: compares the weights libw2vee loads from each model
 * directory with DIR/expected/NAME, raw little-endian F32 tensors that torch computed
 * (see torch_layout.py). Prints the max abs difference and the tolerance of each. */
#include <math.h>
#include <string.h>

#include "model.h"

/* Everything is exact but the rebuilt weight-norm weight (float sums in torch are
 * done in double on both sides; the product rounds once). */
#define POS_RTOL 1e-6

static gboolean
compare (const char *dir, const char *name, const float *got, gsize n, double rtol)
{
  g_autofree char *path = g_build_filename (dir, "expected", name, NULL);
  g_autofree char *bytes = NULL;
  g_autoptr (GError) error = NULL;
  double max_diff = 0.0, tol = 0.0;
  gboolean ok = TRUE;
  gsize len;

  if (!g_file_get_contents (path, &bytes, &len, &error)) {
    g_printerr ("%s\n", error->message);
    return FALSE;
  }
  if (len != n * sizeof (float)) {
    g_printerr ("%s: %" G_GSIZE_FORMAT " bytes, the model has %" G_GSIZE_FORMAT
        " floats\n", path, len, n);
    return FALSE;
  }
  for (gsize i = 0; i < n; i++) {
    float want;
    double diff, allowed;

    memcpy (&want, bytes + 4 * i, 4);
    diff = fabs ((double) got[i] - want);
    allowed = rtol * fabs (want);
    max_diff = MAX (max_diff, diff);
    tol = MAX (tol, allowed);
    if (diff > allowed)
      ok = FALSE;
  }
  g_print ("%s %-18s max |diff| %.3g  tolerance %.3g  %s\n", dir, name, max_diff, tol,
      ok ? "ok" : "FAIL");
  return ok;
}

int
main (int argc, char **argv)
{
  gboolean ok = TRUE;

  /* torchaudio's tiny models have a short stride (engine/model.h W2VEE_MIN_FRAME_SAMPLES) */
  g_setenv ("W2VEE_MIN_FRAME_SAMPLES", "1", TRUE);
  for (int a = 1; a < argc; a++) {
    g_autoptr (GError) error = NULL;
    g_autoptr (W2veeModel) m = w2vee_model_load (argv[a], &error);
    const char *dir = argv[a];
    gsize d, dg, kp;

    if (m == NULL) {
      g_printerr ("%s\n", error->message);
      return 1;
    }
    d = m->cfg.hidden_size;
    dg = d / m->cfg.pos_groups;
    kp = m->cfg.pos_kernel;
    for (gsize i = 0; i < m->cfg.n_conv; i++) {
      g_autofree char *name = g_strdup_printf ("conv.%" G_GSIZE_FORMAT ".w", i);

      ok &= compare (dir, name, m->conv[i].w, m->conv[i].c_out * m->conv[i].c_in *
          m->conv[i].kernel, 0.0);
    }
    ok &= compare (dir, "conv.0.norm_w", m->conv[0].norm_w, m->conv[0].c_out, 0.0);
    ok &= compare (dir, "pos_w", m->pos_w, d * dg * kp, POS_RTOL);
    ok &= compare (dir, "pos_b", m->pos_b, d, 0.0);
    ok &= compare (dir, "proj_w", m->proj_w, d * m->conv[m->cfg.n_conv - 1].c_out, 0.0);
    ok &= compare (dir, "proj_ln_b", m->proj_ln_b, m->conv[m->cfg.n_conv - 1].c_out, 0.0);
    ok &= compare (dir, "enc_ln_w", m->enc_ln_w, d, 0.0);
    ok &= compare (dir, "layer.1.k_w", m->layers[1].k_w, d * d, 0.0);
    ok &= compare (dir, "layer.0.ff_out_w", m->layers[0].ff_out_w,
        d * m->cfg.intermediate_size, 0.0);
    ok &= compare (dir, "layer.1.final_ln_b", m->layers[1].final_ln_b, d, 0.0);
    ok &= compare (dir, "exit.0.w", m->exits[0].w, m->cfg.vocab_size * d, 0.0);
    ok &= compare (dir, "exit.0.b", m->exits[0].b, m->cfg.vocab_size, 0.0);
    if (m->n_exits != 1 || m->exits[0].layer != m->cfg.n_layers) {
      g_printerr ("%s: expected one exit (lm_head) at layer %" G_GSIZE_FORMAT "\n", dir,
          m->cfg.n_layers);
      ok = FALSE;
    }
  }
  return ok ? 0 : 1;
}
