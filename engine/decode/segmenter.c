/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Segmentation by silence: a streaming energy gate over 10 ms blocks with an
 * adaptive noise floor.
 *
 * The input is cut into blocks of BLOCK samples (10 ms at 16 kHz). Each block's
 * energy is its RMS in dBFS, 10·log10(mean(x²)). A block is speech when both
 *
 *   - its RMS reaches silence_threshold_db (the absolute gate), and
 *   - its level, the mean AC power (power less the block mean's square: a DC offset
 *     or a rumble slower than 10 ms is not sound) of the last SMOOTH blocks (50 ms)
 *     in dBFS, reaches
 *     the noise floor + noise_margin_db. The floor is the lowest level of the last
 *     FLOOR_WINDOW blocks (5 s, this block included): it falls at once when the
 *     background gets quieter and follows a louder background within 5 s. Speech
 *     has gaps between syllables and words where the level drops to the background,
 *     so the floor stays at the background while someone talks; a steady sound that
 *     lasts longer than 5 s becomes the background (noise_margin_db = 0 turns the
 *     floor off). Smoothing over 50 ms keeps single loud 10 ms blocks of noise from
 *     counting as speech.
 *
 * The decision is made once per block, when the block ends, and stored with it, so
 * blocks replayed after a quiet cut are decided as they were. The state machine, one
 * step per block:
 *
 *   idle    a speech block opens a segment at max(end of the previous segment,
 *           block start − PREROLL): up to 200 ms of the preceding silence is kept.
 *   speech  min_silence_samples of silence in a row close the segment at the last
 *           speech block's end + TAIL (at most 200 ms of that silence is kept).
 *           When the next block would not fit in max_segment_samples, the segment
 *           is cut at the end of the quietest block of its last 2 s (never before its
 *           first speech block) if that block is silence or QUIET_MARGIN_DB below the
 *           segment's speech level; otherwise at the current block (a hard cut). The
 *           blocks after a quiet cut are replayed from the history ring: they start
 *           the next segment, whose start is the cut (no overlap).
 *
 * Segment boundaries fall on block boundaries, except the end of the segment that a
 * flush closes inside a partial block. Flush returns the queued segments first, one per
 * call, then the pending one; samples pushed after a flush continue the same time line
 * (only reset() restarts it at 0), with no pre-roll reaching back before the flush.
 * The block energy is summed sample by sample in input order, so results do not depend
 * on how the input is split into pushes.
 *
 * Nothing is allocated per push except when more than max_out segments end in one
 * push (they wait in a queue that grows to the largest such burst once).
 */
#include "w2vee/w2vee.h"

#include <math.h>
#include <string.h>

#define BLOCK 160               /* samples per energy block: 10 ms */
#define PREROLL 3200            /* silence kept before a segment: 200 ms */
#define TAIL 3200               /* silence kept after a segment: 200 ms */
#define QUIET_WINDOW 32000      /* a cut at max length searches the last 2 s */
#define HISTORY (QUIET_WINDOW / BLOCK) /* blocks the ring remembers */
#define QUIET_MARGIN_DB 15.0    /* "well below the speech level" */
#define POWER_FLOOR 1e-20       /* keeps log10 finite for digital silence (-200 dBFS) */
#define SMOOTH 5                /* blocks averaged for the level against the floor: 50 ms */
#define FLOOR_WINDOW 500        /* blocks the noise floor is the minimum of: 5 s */

typedef struct {
  guint64 start;  /* first sample */
  gsize length;   /* samples; BLOCK except a partial block closed by flush */
  double db;      /* RMS energy, dBFS */
  double power;   /* mean square */
  double ac_power; /* mean square less the square of the mean */
  gboolean speech; /* decided when the block ended (see the top of the file) */
} Block;

struct _W2veeSegmenter {
  W2veeSegmenterParams params;
  gsize max_blocks_samples; /* max_segment_samples rounded down to whole blocks */
  gsize preroll;            /* PREROLL, clamped so that pre-roll + one block fits */

  /* partial block being summed */
  guint64 block_start;      /* position of its first sample */
  gsize block_fill;         /* samples summed so far, < BLOCK */
  double block_sum;         /* sum of squares so far */
  double block_sum_x;       /* sum of samples so far */

  /* noise floor */
  double recent_power[SMOOTH];        /* ring: AC powers of the last blocks */
  gsize recent_len;                   /* valid entries, <= SMOOTH */
  double floor_levels[FLOOR_WINDOW];  /* ring: smoothed levels (dBFS) of the last blocks */
  gsize floor_next;                   /* slot the next level goes to */
  gsize floor_len;                    /* valid entries, <= FLOOR_WINDOW */
  gsize blocks_seen;                  /* blocks ended since the reset */

  Block history[HISTORY];   /* ring of the last HISTORY blocks */
  gsize history_next;       /* slot the next block goes to */
  gsize history_len;        /* valid blocks, <= HISTORY */

  /* segment state */
  gboolean in_speech;       /* a segment is pending */
  guint64 prev_end;         /* end of the last closed segment; no segment starts before */
  guint64 seg_start;        /* pending segment: first sample */
  guint64 first_speech_end; /* end of its first speech block */
  guint64 speech_end;       /* end of its last speech block */
  gsize silence_run;        /* samples of silence since speech_end */
  double speech_power_sum;  /* sum of mean squares of its speech blocks */
  gsize speech_blocks;      /* number of its speech blocks */

  GArray *done;             /* (W2veeSegment) closed, not yet returned */
};

W2veeSegmenterParams
w2vee_segmenter_default_params (void)
{
  W2veeSegmenterParams params = {
    .silence_threshold_db = -40.0,
    .min_silence_samples = W2VEE_SAMPLE_RATE / 2,
    .max_segment_samples = 10 * W2VEE_SAMPLE_RATE,
    .noise_margin_db = 8.0,
  };
  return params;
}

W2veeSegmenter *
w2vee_segmenter_new (const W2veeSegmenterParams *params)
{
  W2veeSegmenter *self;

  g_return_val_if_fail (params != NULL, NULL);
  g_return_val_if_fail (params->max_segment_samples >= BLOCK, NULL);
  g_return_val_if_fail (params->noise_margin_db >= 0.0, NULL);

  self = g_new0 (W2veeSegmenter, 1);
  self->params = *params;
  self->max_blocks_samples = params->max_segment_samples / BLOCK * BLOCK;
  self->preroll = MIN (PREROLL, self->max_blocks_samples - BLOCK);
  self->done = g_array_new (FALSE, FALSE, sizeof (W2veeSegment));
  w2vee_segmenter_reset (self);
  return self;
}

void
w2vee_segmenter_free (W2veeSegmenter *segmenter)
{
  if (segmenter == NULL)
    return;
  g_array_unref (segmenter->done);
  g_free (segmenter);
}

void
w2vee_segmenter_reset (W2veeSegmenter *segmenter)
{
  g_return_if_fail (segmenter != NULL);

  segmenter->block_start = 0;
  segmenter->block_fill = 0;
  segmenter->block_sum = 0.0;
  segmenter->block_sum_x = 0.0;
  segmenter->history_next = 0;
  segmenter->history_len = 0;
  segmenter->recent_len = 0;
  segmenter->floor_next = 0;
  segmenter->floor_len = 0;
  segmenter->blocks_seen = 0;
  segmenter->in_speech = FALSE;
  segmenter->prev_end = 0;
  g_array_set_size (segmenter->done, 0);
}

static void
close_segment (W2veeSegmenter *self, guint64 end)
{
  W2veeSegment seg = { self->seg_start, (gsize) (end - self->seg_start) };

  g_array_append_val (self->done, seg);
  self->in_speech = FALSE;
  self->prev_end = end;
}

static void step (W2veeSegmenter *self, const Block *block);

/* The next block would overflow the pending segment: cut it. */
static void
cut_at_max (W2veeSegmenter *self, guint64 now)
{
  double level_db = 10.0 * log10 (self->speech_power_sum / self->speech_blocks
      + POWER_FLOOR);
  guint64 window_start = now > QUIET_WINDOW ? now - QUIET_WINDOW : 0;
  const Block *quiet = NULL;
  gsize i, first_replay;

  window_start = MAX (window_start, self->first_speech_end);
  /* oldest to newest; strict < keeps the earliest of equally quiet blocks */
  for (i = 0; i < self->history_len; i++) {
    const Block *b = &self->history[(self->history_next + HISTORY
            - self->history_len + i) % HISTORY];
    if (b->start >= window_start && (quiet == NULL || b->db < quiet->db))
      quiet = b;
  }

  if (quiet == NULL || quiet->start + quiet->length == now
      || (quiet->speech && quiet->db > level_db - QUIET_MARGIN_DB)) {
    close_segment (self, now);
    return;
  }

  close_segment (self, quiet->start + quiet->length);

  /* replay the blocks after the cut: they belong to the next segment */
  first_replay = (gsize) (quiet - self->history);
  for (i = (first_replay + 1) % HISTORY; i != self->history_next; i = (i + 1) % HISTORY)
    step (self, &self->history[i]);
}

/* One block through the state machine (does not touch the history ring). */
static void
step (W2veeSegmenter *self, const Block *block)
{
  gboolean silent = !block->speech;
  guint64 end = block->start + block->length;

  if (!self->in_speech) {
    if (silent)
      return;
    self->in_speech = TRUE;
    self->seg_start = block->start > self->prev_end + self->preroll
        ? block->start - self->preroll : self->prev_end;
    self->first_speech_end = end;
    self->speech_power_sum = 0.0;
    self->speech_blocks = 0;
  }

  if (silent) {
    self->silence_run += block->length;
    if (self->silence_run >= self->params.min_silence_samples) {
      close_segment (self, MIN (self->speech_end + TAIL, end));
      return;
    }
  } else {
    self->speech_end = end;
    self->silence_run = 0;
    self->speech_power_sum += block->power;
    self->speech_blocks++;
  }

  if (end - self->seg_start + BLOCK > self->max_blocks_samples)
    cut_at_max (self, end);
}

/* Is @block speech? Updates the noise floor with it (once per block, in order). */
static gboolean
decide (W2veeSegmenter *self, const Block *block)
{
  double sum = 0.0, level_db, floor_db;
  gsize i;

  self->recent_power[self->blocks_seen % SMOOTH] = block->ac_power;
  self->recent_len = MIN (self->recent_len + 1, SMOOTH);
  self->blocks_seen++;
  for (i = 0; i < self->recent_len; i++)
    sum += self->recent_power[i];
  level_db = 10.0 * log10 (sum / self->recent_len + POWER_FLOOR);

  self->floor_levels[self->floor_next] = level_db;
  self->floor_next = (self->floor_next + 1) % FLOOR_WINDOW;
  self->floor_len = MIN (self->floor_len + 1, FLOOR_WINDOW);
  floor_db = level_db;
  for (i = 0; i < self->floor_len; i++)
    floor_db = MIN (floor_db, self->floor_levels[i]);

  if (block->db < self->params.silence_threshold_db)
    return FALSE;
  return self->params.noise_margin_db <= 0.0
      || level_db >= floor_db + self->params.noise_margin_db;
}

static void
end_block (W2veeSegmenter *self)
{
  Block *block = &self->history[self->history_next];

  block->start = self->block_start;
  block->length = self->block_fill;
  block->power = self->block_sum / self->block_fill;
  block->db = 10.0 * log10 (block->power + POWER_FLOOR);
  block->ac_power = MAX (0.0, block->power
      - (self->block_sum_x / self->block_fill) * (self->block_sum_x / self->block_fill));
  block->speech = decide (self, block);
  self->history_next = (self->history_next + 1) % HISTORY;
  self->history_len = MIN (self->history_len + 1, HISTORY);

  self->block_start += self->block_fill;
  self->block_fill = 0;
  self->block_sum = 0.0;
  self->block_sum_x = 0.0;

  step (self, block);
}

static gsize
take_done (W2veeSegmenter *self, W2veeSegment *out, gsize max_out)
{
  gsize n = MIN (max_out, self->done->len);

  if (n > 0) {
    memcpy (out, self->done->data, n * sizeof (W2veeSegment));
    g_array_remove_range (self->done, 0, n);
  }
  return n;
}

gsize
w2vee_segmenter_push (W2veeSegmenter *segmenter, const float *samples, gsize n,
    W2veeSegment *out, gsize max_out)
{
  gsize i = 0;

  g_return_val_if_fail (segmenter != NULL, 0);
  g_return_val_if_fail (samples != NULL || n == 0, 0);
  g_return_val_if_fail (out != NULL || max_out == 0, 0);

  while (i < n) {
    gsize take = MIN (n - i, BLOCK - segmenter->block_fill);
    double sum = segmenter->block_sum, sum_x = segmenter->block_sum_x;
    gsize k;

    for (k = 0; k < take; k++) {
      sum += (double) samples[i + k] * samples[i + k];
      sum_x += samples[i + k];
    }
    segmenter->block_sum = sum;
    segmenter->block_sum_x = sum_x;
    segmenter->block_fill += take;
    i += take;
    if (segmenter->block_fill == BLOCK)
      end_block (segmenter);
  }

  return take_done (segmenter, out, max_out);
}

gboolean
w2vee_segmenter_flush (W2veeSegmenter *segmenter, W2veeSegment *out)
{
  g_return_val_if_fail (segmenter != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (segmenter->block_fill > 0)
    end_block (segmenter);
  if (segmenter->in_speech)
    close_segment (segmenter, MIN (segmenter->speech_end + TAIL,
            segmenter->block_start));
  /* the partial block is consumed: the next push starts a fresh block grid */
  segmenter->prev_end = MAX (segmenter->prev_end, segmenter->block_start);

  return take_done (segmenter, out, 1) == 1;
}

guint64
w2vee_segmenter_keep_from (const W2veeSegmenter *segmenter)
{
  g_return_val_if_fail (segmenter != NULL, 0);

  if (segmenter->done->len > 0)
    return g_array_index (segmenter->done, W2veeSegment, 0).start;
  if (segmenter->in_speech)
    return segmenter->seg_start;
  /* the next block could open a segment with pre-roll */
  if (segmenter->block_start > segmenter->prev_end + segmenter->preroll)
    return segmenter->block_start - segmenter->preroll;
  return segmenter->prev_end;
}

gboolean
w2vee_segmenter_peek (const W2veeSegmenter *segmenter, W2veeSegment *out)
{
  guint64 now;

  g_return_val_if_fail (segmenter != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (!segmenter->in_speech)
    return FALSE;
  now = segmenter->block_start + segmenter->block_fill;
  out->start = segmenter->seg_start;
  out->length = (gsize) MIN (now - segmenter->seg_start,
      segmenter->params.max_segment_samples);
  return TRUE;
}
