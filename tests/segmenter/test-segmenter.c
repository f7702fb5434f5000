/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Tests of the silence segmenter (w2vee_segmenter_*) on synthetic signals: tones and
 * noise as "speech", digital zeros or -66 dBFS noise as silence. The truth of a segment
 * is the speech interval widened by the documented 200 ms of pre-roll and tail; the
 * segmenter works on 10 ms blocks, so boundaries must match within one block.
 */
#include "w2vee/w2vee.h"

#include <math.h>

#define SR W2VEE_SAMPLE_RATE
#define BLOCK 160
#define MARGIN 3200 /* pre-roll and tail: 200 ms */

/* ---- signal building -------------------------------------------------- */

typedef struct {
  GArray *x;  /* (float) the signal */
  GRand *rand;
} Signal;

static Signal *
signal_new (guint32 seed)
{
  Signal *s = g_new0 (Signal, 1);
  s->x = g_array_new (FALSE, TRUE, sizeof (float));
  s->rand = g_rand_new_with_seed (seed);
  return s;
}

static void
signal_free (Signal *s)
{
  g_array_unref (s->x);
  g_rand_free (s->rand);
  g_free (s);
}

static float *
signal_data (Signal *s)
{
  return (float *) s->x->data;
}

static gsize
signal_len (Signal *s)
{
  return s->x->len;
}

/* digital silence */
static void
add_zeros (Signal *s, gsize n)
{
  g_array_set_size (s->x, s->x->len + n);
}

/* white noise, uniform in [-amp, amp] (RMS amp/sqrt(3)) */
static void
add_noise (Signal *s, gsize n, double amp)
{
  gsize i;
  for (i = 0; i < n; i++) {
    float v = (float) g_rand_double_range (s->rand, -amp, amp);
    g_array_append_val (s->x, v);
  }
}

/* a sine of frequency hz and amplitude amp (RMS amp/sqrt(2)) */
static void
add_tone (Signal *s, gsize n, double hz, double amp)
{
  gsize i;
  for (i = 0; i < n; i++) {
    float v = (float) (amp * sin (2.0 * G_PI * hz * i / SR));
    g_array_append_val (s->x, v);
  }
}

/* quiet room noise: about -66 dBFS, well below the -40 dBFS default threshold */
static void
add_room (Signal *s, gsize n)
{
  add_noise (s, n, 0.001);
}

/* ---- running the segmenter ------------------------------------------- */

/* Pushes @x in pieces of the sizes @sizes gives (cycled; NULL = one push), collecting
 * at most @max_out segments per push and draining the rest with further empty pushes
 * and flushes. Checks keep_from against every segment returned later, and that every
 * segment peek() shows runs from a segment's start to the last sample pushed. */
static GArray *
run_segmenter (W2veeSegmenter *seg, gsize max_len, const float *x, gsize n, GRand *sizes,
    gsize max_out)
{
  GArray *segs = g_array_new (FALSE, FALSE, sizeof (W2veeSegment));
  GArray *keeps = g_array_new (FALSE, FALSE, sizeof (guint64));
  GArray *peeked = g_array_new (FALSE, FALSE, sizeof (guint64));
  W2veeSegment out[8], open;
  gsize pos = 0, i, k, got;
  guint64 keep, returned_so_far;

  g_assert_cmpuint (max_out, <=, G_N_ELEMENTS (out));
  while (pos < n) {
    gsize piece = n - pos;
    if (sizes != NULL) {
      /* mostly small, sometimes zero, sometimes large */
      switch (g_rand_int_range (sizes, 0, 4)) {
        case 0: piece = g_rand_int_range (sizes, 0, 3); break;
        case 1: piece = g_rand_int_range (sizes, 1, 400); break;
        case 2: piece = g_rand_int_range (sizes, 1, 5000); break;
        default: piece = g_rand_int_range (sizes, 1, 100000); break;
      }
      piece = MIN (piece, n - pos);
    }
    got = w2vee_segmenter_push (seg, x + pos, piece, out, max_out);
    pos += piece;
    for (;;) {
      g_array_append_vals (segs, out, got);
      keep = w2vee_segmenter_keep_from (seg);
      /* samples before keep_from may be dropped: never beyond what has been pushed */
      g_assert_cmpuint (keep, <=, pos);
      if (keeps->len > 0)
        g_assert_cmpuint (keep, >=, g_array_index (keeps, guint64, keeps->len - 2));
      /* pairs: keep_from, number of segments returned by then */
      g_array_append_val (keeps, keep);
      returned_so_far = segs->len;
      g_array_append_val (keeps, returned_so_far);
      if (got < max_out)
        break;
      got = w2vee_segmenter_push (seg, NULL, 0, out, max_out);
    }
    if (w2vee_segmenter_peek (seg, &open)) {
      g_assert_cmpuint (open.start, >=, keep);
      g_assert_cmpuint (open.length, >, 0);
      g_assert_cmpuint (open.length, ==, MIN (pos - open.start,
              max_len));
      g_array_append_val (peeked, open.start);
    }
  }
  while (w2vee_segmenter_flush (seg, &out[0]))
    g_array_append_val (segs, out[0]);
  g_assert_false (w2vee_segmenter_peek (seg, &open));

  /* an open segment is returned later, with the start peek showed */
  for (i = 0; i < peeked->len; i++) {
    gboolean found = FALSE;
    for (k = 0; k < segs->len && !found; k++)
      found = g_array_index (segs, W2veeSegment, k).start
          == g_array_index (peeked, guint64, i);
    g_assert_true (found);
  }
  g_array_unref (peeked);

  /* every segment starts at or after each keep_from recorded before it was returned */
  for (i = 0; i + 1 < keeps->len; i += 2) {
    guint64 kf = g_array_index (keeps, guint64, i);
    gsize returned = (gsize) g_array_index (keeps, guint64, i + 1);
    for (k = returned; k < segs->len; k++)
      g_assert_cmpuint (g_array_index (segs, W2veeSegment, k).start, >=, kf);
  }
  g_array_unref (keeps);
  return segs;
}

static GArray *
segment_signal (const W2veeSegmenterParams *params, Signal *s, GRand *sizes,
    gsize max_out)
{
  g_autoptr (W2veeSegmenter) seg = w2vee_segmenter_new (params);
  return run_segmenter (seg, params->max_segment_samples, signal_data (s), signal_len (s), sizes, max_out);
}

/* Invariants of any result: ordered, non-overlapping, non-empty, within bounds. */
static void
check_invariants (GArray *segs, gsize n, const W2veeSegmenterParams *params)
{
  guint64 prev_end = 0;
  guint i;

  for (i = 0; i < segs->len; i++) {
    W2veeSegment *s = &g_array_index (segs, W2veeSegment, i);
    g_assert_cmpuint (s->length, >, 0);
    g_assert_cmpuint (s->length, <=, params->max_segment_samples);
    g_assert_cmpuint (s->start, >=, prev_end);
    g_assert_cmpuint (s->start + s->length, <=, n);
    prev_end = s->start + s->length;
  }
}

static void
assert_segment_near (GArray *segs, guint i, gint64 start, gint64 end)
{
  W2veeSegment *s = &g_array_index (segs, W2veeSegment, i);
  gint64 got_end = (gint64) (s->start + s->length);

  g_test_message ("segment %u: [%" G_GUINT64_FORMAT ", %" G_GINT64_FORMAT
      ") truth [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")", i, s->start, got_end,
      start, end);
  g_assert_cmpint (ABS ((gint64) s->start - start), <, BLOCK);
  g_assert_cmpint (ABS (got_end - end), <, BLOCK);
  g_assert_cmpint (ABS ((gint64) s->length - (end - start)), <, 2 * BLOCK);
}

static void
assert_same_segments (GArray *a, GArray *b)
{
  guint i;

  g_assert_cmpuint (a->len, ==, b->len);
  for (i = 0; i < a->len; i++) {
    g_assert_cmpuint (g_array_index (a, W2veeSegment, i).start, ==,
        g_array_index (b, W2veeSegment, i).start);
    g_assert_cmpuint (g_array_index (a, W2veeSegment, i).length, ==,
        g_array_index (b, W2veeSegment, i).length);
  }
}

/* ---- tests ------------------------------------------------------------- */

static void
test_defaults (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();

  g_assert_cmpfloat (p.silence_threshold_db, ==, -40.0);
  g_assert_cmpuint (p.min_silence_samples, ==, 8000);
  g_assert_cmpuint (p.max_segment_samples, ==, 160000);
  g_assert_cmpfloat (p.noise_margin_db, ==, 8.0);
}

/* Two utterances (a tone, then noise) separated by 1 s of silence, onsets off the
 * block grid; silence is digital zeros or room noise. */
static void
test_two_utterances (gconstpointer data)
{
  gboolean room = GPOINTER_TO_INT (data);
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  Signal *s = signal_new (1);
  gint64 a0, a1, b0, b1;
  GArray *segs;

  (room ? add_room : add_zeros) (s, 8123);           /* 0.51 s */
  a0 = signal_len (s);
  add_tone (s, 17011, 220.0, 0.3);                    /* 1.06 s */
  a1 = signal_len (s);
  (room ? add_room : add_zeros) (s, SR);              /* 1 s */
  b0 = signal_len (s);
  add_noise (s, 20777, 0.3);                          /* 1.3 s */
  b1 = signal_len (s);
  (room ? add_room : add_zeros) (s, 12000);           /* 0.75 s */

  segs = segment_signal (&p, s, NULL, 8);
  check_invariants (segs, signal_len (s), &p);
  g_assert_cmpuint (segs->len, ==, 2);
  assert_segment_near (segs, 0, a0 - MARGIN, a1 + MARGIN);
  assert_segment_near (segs, 1, b0 - MARGIN, b1 + MARGIN);

  g_array_unref (segs);
  signal_free (s);
}

/* A pause shorter than min_silence does not split an utterance. */
static void
test_short_pause (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  Signal *s = signal_new (2);
  GArray *segs;

  add_room (s, SR);
  add_tone (s, SR, 300.0, 0.3);
  add_room (s, (gsize) (0.4 * SR));
  add_tone (s, SR, 300.0, 0.3);
  add_room (s, SR);

  segs = segment_signal (&p, s, NULL, 8);
  check_invariants (segs, signal_len (s), &p);
  g_assert_cmpuint (segs->len, ==, 1);
  assert_segment_near (segs, 0, SR - MARGIN, (gint64) (3.4 * SR) + MARGIN);
  g_array_unref (segs);
  signal_free (s);
}

/* 25 s of continuous tone: hard cuts, every segment <= 10 s, together covering it.
 * A steady tone is background to the noise floor (see /segmenter/noise/steady), so
 * this runs the fixed gate (noise_margin_db = 0). */
static void
test_long_tone (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  Signal *s = signal_new (3);
  GArray *segs;
  guint i;

  p.noise_margin_db = 0.0;

  add_tone (s, 25 * SR, 440.0, 0.3);
  segs = segment_signal (&p, s, NULL, 8);
  check_invariants (segs, signal_len (s), &p);
  g_assert_cmpuint (segs->len, ==, 3);
  g_assert_cmpuint (g_array_index (segs, W2veeSegment, 0).start, ==, 0);
  for (i = 0; i + 1 < segs->len; i++) {
    W2veeSegment *a = &g_array_index (segs, W2veeSegment, i);
    g_assert_cmpuint (a->start + a->length, ==, g_array_index (segs, W2veeSegment, i + 1).start);
    g_assert_cmpuint (a->length, ==, p.max_segment_samples);
  }
  g_assert_cmpuint (g_array_index (segs, W2veeSegment, segs->len - 1).start
      + g_array_index (segs, W2veeSegment, segs->len - 1).length, ==, signal_len (s));
  g_array_unref (segs);
  signal_free (s);
}

/* 25 s of "speech" with 100 ms dips 30 dB down (too short to end a segment) every
 * 1.5 s: cuts at the max fall into a dip, not at the hard limit. */
static void
test_long_speech_quiet_cut (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  Signal *s = signal_new (4);
  GArray *dips = g_array_new (FALSE, FALSE, sizeof (gsize));
  GArray *segs;
  guint i, k;

  while (signal_len (s) < 25 * SR) {
    gsize dip;
    add_noise (s, (gsize) (1.4 * SR), 0.3);
    dip = signal_len (s);
    g_array_append_val (dips, dip);
    add_noise (s, (gsize) (0.1 * SR), 0.3 * 0.0316); /* -30 dB */
  }
  segs = segment_signal (&p, s, NULL, 8);
  check_invariants (segs, signal_len (s), &p);
  g_assert_cmpuint (segs->len, >=, 3);
  for (i = 0; i + 1 < segs->len; i++) {
    W2veeSegment *a = &g_array_index (segs, W2veeSegment, i);
    guint64 cut = a->start + a->length;
    gboolean in_dip = FALSE;
    g_assert_cmpuint (cut, ==, g_array_index (segs, W2veeSegment, i + 1).start);
    g_assert_cmpuint (a->length, <, p.max_segment_samples);
    g_assert_cmpuint (a->length, >, p.max_segment_samples - 2 * SR);
    for (k = 0; k < dips->len; k++) {
      gsize d = g_array_index (dips, gsize, k);
      /* the cut is the end of a block wholly inside the dip */
      in_dip |= cut >= d + BLOCK && cut <= d + SR / 10;
    }
    g_test_message ("cut at %" G_GUINT64_FORMAT, cut);
    g_assert_true (in_dip);
  }
  g_array_unref (segs);
  g_array_unref (dips);
  signal_free (s);
}

/* Speech with no dip well below its level at the max: hard cut even though the level
 * varies by a few dB. Steady from the start, so the fixed gate (as in long-tone). */
static void
test_long_speech_hard_cut (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  Signal *s = signal_new (5);
  GArray *segs;

  p.noise_margin_db = 0.0;

  while (signal_len (s) < 12 * SR) {
    add_noise (s, SR / 2, 0.3);
    add_noise (s, SR / 2, 0.2); /* -3.5 dB */
  }
  segs = segment_signal (&p, s, NULL, 8);
  check_invariants (segs, signal_len (s), &p);
  g_assert_cmpuint (segs->len, ==, 2);
  g_assert_cmpuint (g_array_index (segs, W2veeSegment, 0).length, ==, p.max_segment_samples);
  g_array_unref (segs);
  signal_free (s);
}

static void
test_silence (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  Signal *s = signal_new (6);
  g_autoptr (W2veeSegmenter) seg = w2vee_segmenter_new (&p);
  W2veeSegment out[4];
  GArray *segs;

  add_zeros (s, 30 * SR);
  add_room (s, 30 * SR);
  segs = segment_signal (&p, s, NULL, 4);
  g_assert_cmpuint (segs->len, ==, 0);
  g_array_unref (segs);

  /* nothing pushed at all */
  g_assert_false (w2vee_segmenter_flush (seg, &out[0]));
  g_assert_cmpuint (w2vee_segmenter_push (seg, NULL, 0, out, 4), ==, 0);
  signal_free (s);
}

/* Results must not depend on how the input is split into pushes, nor on max_out. */
static void
test_split_invariance (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  Signal *s = signal_new (7);
  GArray *whole;
  guint32 seed;
  int i;

  /* a mixture of everything: utterances, short pauses, a long stretch with dips,
   * a long tone, digital silence, and speech right up to the end; the burst of short
   * utterances makes single pushes end more segments than max_out */
  for (i = 0; i < 12; i++) {
    add_tone (s, g_rand_int_range (s->rand, 100, SR / 4), 150.0, 0.3);
    add_room (s, g_rand_int_range (s->rand, SR / 2 + BLOCK, SR));
  }
  for (i = 0; i < 6; i++) {
    add_room (s, g_rand_int_range (s->rand, 100, 2 * SR));
    add_noise (s, g_rand_int_range (s->rand, 100, 3 * SR), 0.3);
    add_room (s, g_rand_int_range (s->rand, 100, SR / 2));
    add_tone (s, g_rand_int_range (s->rand, 100, 2 * SR), 200.0, 0.2);
  }
  for (i = 0; i < 20; i++) {
    add_noise (s, SR, 0.3);
    add_noise (s, g_rand_int_range (s->rand, 160, 3000), 0.01);
  }
  add_zeros (s, 2 * SR);
  add_tone (s, 23 * SR + 77, 500.0, 0.3);
  add_room (s, SR / 3);
  add_noise (s, 12345, 0.3);

  whole = segment_signal (&p, s, NULL, 8);
  check_invariants (whole, signal_len (s), &p);
  g_assert_cmpuint (whole->len, >=, 10);

  for (seed = 1; seed <= 40; seed++) {
    GRand *sizes = g_rand_new_with_seed (seed);
    gsize max_out = 1 + seed % 3;
    GArray *split = segment_signal (&p, s, sizes, max_out);
    assert_same_segments (whole, split);
    g_array_unref (split);
    g_rand_free (sizes);
  }

  /* and with other parameters (max not a multiple of the block, short silences) */
  p.max_segment_samples = 3 * SR + 77;
  p.min_silence_samples = 1000;
  p.silence_threshold_db = -30.0;
  g_array_unref (whole);
  whole = segment_signal (&p, s, NULL, 8);
  check_invariants (whole, signal_len (s), &p);
  for (seed = 100; seed <= 120; seed++) {
    GRand *sizes = g_rand_new_with_seed (seed);
    GArray *split = segment_signal (&p, s, sizes, 1 + seed % 2);
    assert_same_segments (whole, split);
    g_array_unref (split);
    g_rand_free (sizes);
  }

  g_array_unref (whole);
  signal_free (s);
}

/* Flush returns the pending speech: trailing silence shorter than min_silence keeps at
 * most 200 ms, speech up to the end (off the block grid) ends at the end. */
static void
test_flush (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  g_autoptr (W2veeSegmenter) seg = w2vee_segmenter_new (&p);
  Signal *s = signal_new (8);
  W2veeSegment out[2];

  add_room (s, SR);
  add_tone (s, SR + 33, 300.0, 0.3);
  g_assert_cmpuint (w2vee_segmenter_push (seg, signal_data (s), signal_len (s), out, 2), ==, 0);
  g_assert_cmpuint (w2vee_segmenter_keep_from (seg), ==, SR - MARGIN);
  g_assert_true (w2vee_segmenter_flush (seg, &out[0]));
  g_assert_cmpuint (out[0].start, ==, SR - MARGIN);
  g_assert_cmpuint (out[0].start + out[0].length, ==, signal_len (s));
  g_assert_false (w2vee_segmenter_flush (seg, &out[0]));

  /* trailing silence of 0.3 s (< 0.5 s): flushed with 200 ms of it */
  w2vee_segmenter_reset (seg);
  add_room (s, (gsize) (0.3 * SR));
  g_assert_cmpuint (w2vee_segmenter_push (seg, signal_data (s), signal_len (s), out, 2), ==, 0);
  g_assert_true (w2vee_segmenter_flush (seg, &out[0]));
  g_assert_cmpint (ABS ((gint64) (out[0].start + out[0].length) - (2 * SR + 33 + MARGIN)), <, BLOCK);
  g_assert_false (w2vee_segmenter_flush (seg, &out[0]));
  signal_free (s);
}

/* Segments queued by a push with no room to return them come out of flush, one per
 * call, before the pending one; pushing after a flush continues the time line. */
static void
test_flush_queued (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  g_autoptr (W2veeSegmenter) seg = w2vee_segmenter_new (&p);
  Signal *s = signal_new (12);
  GArray *truth, *flushed = g_array_new (FALSE, FALSE, sizeof (W2veeSegment));
  W2veeSegment out;
  int i;

  for (i = 0; i < 5; i++) {
    add_room (s, SR);
    add_tone (s, SR / 2, 300.0, 0.3);
  }
  truth = segment_signal (&p, s, NULL, 8);
  g_assert_cmpuint (truth->len, ==, 5);

  g_assert_cmpuint (w2vee_segmenter_push (seg, signal_data (s), signal_len (s), NULL, 0), ==, 0);
  g_assert_cmpuint (w2vee_segmenter_keep_from (seg), ==,
      g_array_index (truth, W2veeSegment, 0).start);
  while (w2vee_segmenter_flush (seg, &out))
    g_array_append_val (flushed, out);
  assert_same_segments (truth, flushed);

  /* more speech after the flush: positions go on from the end of the first stream */
  g_assert_cmpuint (w2vee_segmenter_push (seg, signal_data (s), signal_len (s), NULL, 0), ==, 0);
  g_assert_true (w2vee_segmenter_flush (seg, &out));
  g_assert_cmpuint (out.start, ==, signal_len (s) + g_array_index (truth, W2veeSegment, 0).start);

  g_array_unref (truth);
  g_array_unref (flushed);
  signal_free (s);
}

/* After reset, positions restart at 0 and old state is forgotten. */
static void
test_reset (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  g_autoptr (W2veeSegmenter) seg = w2vee_segmenter_new (&p);
  Signal *s = signal_new (9), *junk = signal_new (10);
  GArray *fresh, *after;
  W2veeSegment out[4];

  add_room (s, SR / 2);
  add_tone (s, SR, 300.0, 0.3);
  add_room (s, SR);
  add_noise (s, SR, 0.3);
  add_room (s, SR);
  fresh = segment_signal (&p, s, NULL, 4);
  g_assert_cmpuint (fresh->len, ==, 2);

  /* leave the segmenter mid-speech with a partial block and a queued segment */
  add_tone (junk, 2 * SR, 100.0, 0.5);
  add_zeros (junk, SR);
  add_tone (junk, SR + 7, 100.0, 0.5);
  g_assert_cmpuint (w2vee_segmenter_push (seg, signal_data (junk), signal_len (junk), out, 0), ==, 0);
  w2vee_segmenter_reset (seg);
  g_assert_cmpuint (w2vee_segmenter_keep_from (seg), ==, 0);

  after = run_segmenter (seg, p.max_segment_samples, signal_data (s), signal_len (s), NULL, 4);
  assert_same_segments (fresh, after);

  g_array_unref (fresh);
  g_array_unref (after);
  signal_free (s);
  signal_free (junk);
}

/* keep_from follows the stream: it stays at the pending segment's start while speech
 * goes on and advances through silence (so callers can drop old samples). */
static void
test_keep_from (void)
{
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  g_autoptr (W2veeSegmenter) seg = w2vee_segmenter_new (&p);
  Signal *s = signal_new (11);
  W2veeSegment out[4];
  gsize n;

  add_room (s, 5 * SR);
  g_assert_cmpuint (w2vee_segmenter_push (seg, signal_data (s), signal_len (s), out, 4), ==, 0);
  g_assert_cmpuint (w2vee_segmenter_keep_from (seg), ==, 5 * SR - MARGIN);

  n = signal_len (s);
  add_tone (s, 3 * SR, 300.0, 0.3);
  g_assert_cmpuint (w2vee_segmenter_push (seg, signal_data (s) + n, signal_len (s) - n, out, 4), ==, 0);
  g_assert_cmpuint (w2vee_segmenter_keep_from (seg), ==, 5 * SR - MARGIN);

  n = signal_len (s);
  add_room (s, 2 * SR);
  g_assert_cmpuint (w2vee_segmenter_push (seg, signal_data (s) + n, signal_len (s) - n, out, 4), ==, 1);
  g_assert_cmpuint (out[0].start, ==, 5 * SR - MARGIN);
  g_assert_cmpuint (out[0].length, ==, 3 * SR + 2 * MARGIN);
  /* 2 s of silence since the speech ended: the next segment could start 200 ms back */
  g_assert_cmpuint (w2vee_segmenter_keep_from (seg), ==, 10 * SR - MARGIN);

  /* the random-split runs check keep_from against every later segment */
  signal_free (s);
}

/* peek() after each step of a stream: open or not, and where the open segment
 * starts; its length must run to the last sample pushed (capped at the max). */
typedef enum { ROOM, TONE, FLUSH, RESET } PeekStep;

typedef struct {
  PeekStep step;
  gsize samples;      /* pushed by ROOM and TONE */
  gboolean open;      /* peek's answer after the step */
  gint64 start;       /* the open segment's start (when open) */
  guint returned;     /* segments returned by this step's push or flush */
} PeekCase;

typedef struct {
  const char *name;
  gsize max_segment_samples;
  PeekCase steps[8];
  guint n_steps;
} PeekTable;

static const PeekTable peek_tables[] = {
  { "open-close", 10 * SR, {
      { ROOM, SR, FALSE, 0, 0 },
      { TONE, SR / 2 + 37, TRUE, SR - MARGIN, 0 },   /* open mid-block */
      { ROOM, 3 * SR / 10, TRUE, SR - MARGIN, 0 },   /* a pause < min_silence */
      { ROOM, 4 * SR / 10, FALSE, 0, 1 },            /* closed and returned */
      { ROOM, SR, FALSE, 0, 0 },
    }, 5 },
  { "flush", 10 * SR, {
      { ROOM, SR / 2, FALSE, 0, 0 },
      { TONE, SR, TRUE, SR / 2 - MARGIN, 0 },
      { FLUSH, 0, FALSE, 0, 1 },
    }, 3 },
  { "reset", 10 * SR, {
      { ROOM, SR / 2, FALSE, 0, 0 },
      { TONE, SR, TRUE, SR / 2 - MARGIN, 0 },
      { RESET, 0, FALSE, 0, 0 },
      { TONE, SR / 4, FALSE, 0, 0 },                 /* a sound from position 0 is the floor */
    }, 4 },
  /* max 3 s + 77: segments are cut when they reach 3 s (whole blocks) */
  { "at-max", 3 * SR + 77, {
      { ROOM, SR, FALSE, 0, 0 },
      { TONE, 2 * SR, TRUE, SR - MARGIN, 0 },
      { TONE, SR - MARGIN - 1, TRUE, SR - MARGIN, 0 }, /* one sample short of 3 s */
      { TONE, 1, FALSE, 0, 1 },                      /* cut at 3 s, returned */
      { TONE, BLOCK, TRUE, 4 * SR - MARGIN, 0 },     /* the tone goes on: next segment */
    }, 5 },
};

static void
test_peek (gconstpointer data)
{
  const PeekTable *t = data;
  W2veeSegmenterParams p = w2vee_segmenter_default_params ();
  g_autoptr (W2veeSegmenter) seg = NULL;
  Signal *s = signal_new (13);
  gsize pos = 0;
  guint i;

  p.max_segment_samples = t->max_segment_samples;
  seg = w2vee_segmenter_new (&p);
  for (i = 0; i < t->n_steps; i++) {
    const PeekCase *c = &t->steps[i];
    W2veeSegment open = { 12345, 678 }, out[4];
    gsize n = signal_len (s);
    guint returned = 0;

    switch (c->step) {
      case ROOM: add_room (s, c->samples); break;
      case TONE: add_tone (s, c->samples, 300.0, 0.3); break;
      case FLUSH:
        while (w2vee_segmenter_flush (seg, &out[0]))
          returned++;
        break;
      case RESET: w2vee_segmenter_reset (seg); pos = 0; break;
    }
    if (c->step == ROOM || c->step == TONE) {
      returned = w2vee_segmenter_push (seg, signal_data (s) + n, c->samples, out, 4);
      pos += c->samples;
    }
    g_test_message ("%s step %u: open %d returned %u", t->name, i,
        w2vee_segmenter_peek (seg, &open), returned);
    g_assert_cmpuint (returned, ==, c->returned);
    if (!c->open) {
      g_assert_false (w2vee_segmenter_peek (seg, &open));
      g_assert_cmpuint (open.start, ==, 12345); /* untouched */
      continue;
    }
    g_assert_true (w2vee_segmenter_peek (seg, &open));
    g_assert_cmpint (open.start, ==, c->start);
    g_assert_cmpuint (open.length, ==, MIN (pos - open.start, p.max_segment_samples));
  }
  signal_free (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/segmenter/defaults", test_defaults);
  g_test_add_data_func ("/segmenter/two-utterances/zeros", GINT_TO_POINTER (FALSE),
      test_two_utterances);
  g_test_add_data_func ("/segmenter/two-utterances/room-noise", GINT_TO_POINTER (TRUE),
      test_two_utterances);
  g_test_add_func ("/segmenter/short-pause", test_short_pause);
  g_test_add_func ("/segmenter/long-tone", test_long_tone);
  g_test_add_func ("/segmenter/long-speech/quiet-cut", test_long_speech_quiet_cut);
  g_test_add_func ("/segmenter/long-speech/hard-cut", test_long_speech_hard_cut);
  g_test_add_func ("/segmenter/silence", test_silence);
  g_test_add_func ("/segmenter/split-invariance", test_split_invariance);
  g_test_add_func ("/segmenter/flush", test_flush);
  g_test_add_func ("/segmenter/flush-queued", test_flush_queued);
  g_test_add_func ("/segmenter/reset", test_reset);
  g_test_add_func ("/segmenter/keep-from", test_keep_from);
  for (guint i = 0; i < G_N_ELEMENTS (peek_tables); i++) {
    g_autofree char *path = g_strdup_printf ("/segmenter/peek/%s", peek_tables[i].name);
    g_test_add_data_func (path, &peek_tables[i], test_peek);
  }

  return g_test_run ();
}
