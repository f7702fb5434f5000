/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The segmenter on speech in pink noise. Sentences spoken by espeak-ng (synthesised at
 * test time, tests/element/speech.c) with 0.8 s pauses between them and 3 s of
 * silence before and after are segmented clean; then pink noise is added at a given
 * SNR (speech power over its utterances / noise power) and the noisy mixture must
 * give the same segments, each boundary within 0.3 s of the clean one: the noise
 * alone before, between and after the sentences gives no segment. Pink noise is a
 * Voss-McCartney generator (16 octave rows plus a white row), seeded.
 */
#include "w2vee/w2vee.h"
#include "../element/speech.h"

#include <math.h>

#include <gst/gst.h>

#define SR W2VEE_SAMPLE_RATE
#define TOLERANCE (3 * SR / 10)  /* boundary error allowed: 0.3 s */
#define BLOCK_TOLERANCE (SR / 20) /* floor vs fixed gate on clean speech: 50 ms */
#define PINK_ROWS 16

static const char *const sentences[] = {
  "The quick brown fox jumps over the lazy dog.",
  "Please call Stella and ask her to bring these things with her from the store.",
  "We will meet at the station at seven o'clock tomorrow morning.",
};

/* n samples of pink noise with RMS 1 (approximately: scaled by the caller) */
static float *
pink_noise (gsize n, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  float *x = g_new (float, n);
  double rows[PINK_ROWS], sum = 0.0;
  gsize i;

  for (i = 0; i < PINK_ROWS; i++) {
    rows[i] = g_rand_double_range (rand, -1.0, 1.0);
    sum += rows[i];
  }
  for (i = 0; i < n; i++) {
    /* row k changes every 2^k samples: the one of the counter's lowest set bit */
    guint k = MIN ((guint) g_bit_nth_lsf ((gulong) (i + 1), -1), PINK_ROWS - 1);
    double fresh = g_rand_double_range (rand, -1.0, 1.0);

    sum += fresh - rows[k];
    rows[k] = fresh;
    x[i] = (float) (sum + g_rand_double_range (rand, -1.0, 1.0));
  }
  return x;
}

static double
mean_square (const float *x, gsize n)
{
  double sum = 0.0;
  for (gsize i = 0; i < n; i++)
    sum += (double) x[i] * x[i];
  return sum / MAX (n, 1);
}

static GArray *
segment (const W2veeSegmenterParams *params, const float *x, gsize n)
{
  g_autoptr (W2veeSegmenter) seg = w2vee_segmenter_new (params);
  GArray *segs = g_array_new (FALSE, FALSE, sizeof (W2veeSegment));
  W2veeSegment out[8];
  gsize pos;

  /* in 20 ms pushes, as a stream would come */
  for (pos = 0; pos < n; pos += 320) {
    gsize got = w2vee_segmenter_push (seg, x + pos, MIN (320, n - pos), out, 8);
    g_array_append_vals (segs, out, got);
  }
  while (w2vee_segmenter_flush (seg, &out[0]))
    g_array_append_val (segs, out[0]);
  return segs;
}

static void
print_segments (const char *what, GArray *segs)
{
  for (guint i = 0; i < segs->len; i++) {
    W2veeSegment *s = &g_array_index (segs, W2veeSegment, i);
    g_test_message ("%s %u: %.3f - %.3f s", what, i, (double) s->start / SR,
        (double) (s->start + s->length) / SR);
  }
}

/* the clean signals, made once: [0] with 3 s of silence before the speech, [1] with
 * none (the stream starts with speech) */
static SpeechSignal *clean[2];

static SpeechSignal *
clean_signal (gboolean lead)
{
  SpeechSignal **c = &clean[lead ? 0 : 1];

  if (*c == NULL) {
    *c = speech_signal_new ();
    if (lead)
      speech_signal_add_silence (*c, 3.0);
    for (guint i = 0; i < G_N_ELEMENTS (sentences); i++) {
      if (i > 0)
        speech_signal_add_silence (*c, 0.8);
      speech_signal_add_speech (*c, sentences[i]);
    }
    speech_signal_add_silence (*c, 3.0);
  }
  return *c;
}

/* Boundary errors of @got against @truth (same number of segments); the worst. */
static gint64
compare_segments (GArray *truth, GArray *got)
{
  gint64 worst = 0;

  g_assert_cmpuint (got->len, ==, truth->len);
  for (guint i = 0; i < truth->len; i++) {
    W2veeSegment *t = &g_array_index (truth, W2veeSegment, i);
    W2veeSegment *s = &g_array_index (got, W2veeSegment, i);
    gint64 d0 = (gint64) s->start - (gint64) t->start;
    gint64 d1 = (gint64) (s->start + s->length) - (gint64) (t->start + t->length);

    g_test_message ("segment %u: start %+.3f s, end %+.3f s", i, (double) d0 / SR,
        (double) d1 / SR);
    worst = MAX (worst, MAX (ABS (d0), ABS (d1)));
  }
  g_test_message ("worst boundary error %.3f s", (double) worst / SR);
  return worst;
}

/* power of the utterances (the speech, not its pauses) */
static double
speech_power (const SpeechSignal *signal)
{
  double sum = 0.0;
  gsize n = 0;

  for (guint i = 0; i < signal->utterances->len; i++) {
    const SpeechUtterance *u = &g_array_index (signal->utterances, SpeechUtterance, i);
    sum += mean_square (&g_array_index (signal->samples, float, u->start),
        u->end - u->start) * (u->end - u->start);
    n += u->end - u->start;
  }
  return sum / n;
}

typedef struct {
  const char *name;
  double snr_db;
  guint32 seed;
  gboolean lead;  /* 3 s of noise alone before the speech */
} NoiseCase;

static const NoiseCase noise_cases[] = {
  { "snr10-a", 10.0, 1, TRUE },
  { "snr10-b", 10.0, 2, TRUE },
  { "snr10-c", 10.0, 3, TRUE },
  { "snr20", 20.0, 4, TRUE },
  { "snr10-no-lead", 10.0, 5, FALSE },
};

static void
test_speech_in_noise (gconstpointer data)
{
  const NoiseCase *c = data;
  const SpeechSignal *signal = clean_signal (c->lead);
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  gsize n = signal->samples->len;
  const float *x = (const float *) signal->samples->data;
  g_autofree float *mix = pink_noise (n, c->seed);
  double gain = sqrt (speech_power (signal) / pow (10.0, c->snr_db / 10.0)
      / mean_square (mix, n));
  g_autoptr (GArray) truth = NULL, noisy = NULL, gated = NULL;

  for (gsize i = 0; i < n; i++)
    mix[i] = (float) (x[i] + gain * mix[i]);
  g_test_message ("speech %.1f dBFS, noise %.1f dBFS",
      10.0 * log10 (speech_power (signal)),
      10.0 * log10 (speech_power (signal)) - c->snr_db);

  truth = segment (&p, x, n);
  noisy = segment (&p, mix, n);
  print_segments ("clean", truth);
  print_segments ("noisy", noisy);
  g_assert_cmpuint (truth->len, ==, G_N_ELEMENTS (sentences));
  g_assert_cmpint (compare_segments (truth, noisy), <=, TOLERANCE);

  /* for the record: the fixed gate on the same mixture */
  p.noise_margin_db = 0.0;
  gated = segment (&p, mix, n);
  print_segments ("fixed gate", gated);
}

/* The same noise alone, at the level of the 10 dB case: no segment, with any seed; the
 * fixed gate (noise_margin_db = 0) takes it all for speech, which is why the floor is
 * there. */
static void
test_noise_alone (void)
{
  const SpeechSignal *signal = clean_signal (TRUE);
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  gsize n = 12 * SR;

  for (guint32 seed = 10; seed < 15; seed++) {
    g_autofree float *noise = pink_noise (n, seed);
    double gain = sqrt (speech_power (signal) / 10.0 / mean_square (noise, n));
    g_autoptr (GArray) segs = NULL, gated = NULL;

    for (gsize i = 0; i < n; i++)
      noise[i] = (float) (gain * noise[i]);
    segs = segment (&p, noise, n);
    print_segments ("noise", segs);
    g_assert_cmpuint (segs->len, ==, 0);

    p.noise_margin_db = 0.0;
    gated = segment (&p, noise, n);
    g_assert_cmpuint (gated->len, >, 0);
    p = w2vee_segmenter_default_params ();
  }
}

/* On clean speech the floor changes nothing that matters: the segments are the fixed
 * gate's, also when the stream starts with speech (its first blocks are the floor
 * until the level drops between syllables). */
static void
test_clean (gconstpointer data)
{
  const SpeechSignal *signal = clean_signal (GPOINTER_TO_INT (data));
  const float *x = (const float *) signal->samples->data;
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  g_autoptr (GArray) adaptive = segment (&p, x, signal->samples->len);
  g_autoptr (GArray) gated = NULL;

  p.noise_margin_db = 0.0;
  gated = segment (&p, x, signal->samples->len);
  print_segments ("fixed gate", gated);
  print_segments ("floor", adaptive);
  g_assert_cmpuint (gated->len, ==, G_N_ELEMENTS (sentences));
  g_assert_cmpint (compare_segments (gated, adaptive), <=, BLOCK_TOLERANCE);
}

int
main (int argc, char **argv)
{
  int ret;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (noise_cases); i++) {
    g_autofree char *path = g_strdup_printf ("/segmenter/noise/speech/%s",
        noise_cases[i].name);
    g_test_add_data_func (path, &noise_cases[i], test_speech_in_noise);
  }
  g_test_add_func ("/segmenter/noise/alone", test_noise_alone);
  g_test_add_data_func ("/segmenter/noise/clean/lead", GINT_TO_POINTER (TRUE), test_clean);
  g_test_add_data_func ("/segmenter/noise/clean/no-lead", GINT_TO_POINTER (FALSE),
      test_clean);

  ret = g_test_run ();
  speech_signal_free (clean[0]);
  speech_signal_free (clean[1]);
  return ret;
}
