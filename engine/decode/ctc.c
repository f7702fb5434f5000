/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* CTC greedy decoding with word timings and confidences.
 *
 * Shapes legend: T = frames, V = vocabulary size. logits are (T, V).
 */
#include "model.h"

#include <math.h>
#include <string.h>

typedef struct {
  GString *text;       /* the word being spelled */
  gsize first, last;   /* its first and last frame */
} OpenWord;

/* Closes the open word (if any) into @words; frames first..last give its confidence. */
static void
close_word (OpenWord *ow, GArray *words, const float *post, const W2veeModel *m)
{
  W2veeWord w;
  double sum = 0.0;
  gsize t;

  if (ow->text == NULL)
    return;
  for (t = ow->first; t <= ow->last; t++)
    sum += post[t];
  w.word = g_string_free (ow->text, FALSE);
  w.first_frame = ow->first;
  w.last_frame = ow->last;
  w.start_sample = (guint64) ow->first * w2vee_model_frame_stride (m);
  w.end_sample = (guint64) ow->last * w2vee_model_frame_stride (m)
      + w2vee_model_receptive_field (m);
  w.confidence = (float) (sum / (double) (ow->last - ow->first + 1));
  g_array_append_val (words, w);
  ow->text = NULL;
}

W2veeTranscript *
w2vee_ctc_greedy (const W2veeModel *m, const float *logits, gsize T)
{
  gsize V, t, v;
  W2veeTranscript *tr;
  GArray *words;
  GString *text;
  OpenWord ow = { NULL, 0, 0 };
  float *post;          /* (T) max posterior of each frame */
  gint prev = -1;
  double sum = 0.0;
  gsize counted = 0;
  guint i;

  g_return_val_if_fail (m != NULL, NULL);
  g_return_val_if_fail (logits != NULL || T == 0, NULL);
  V = m->cfg.vocab_size;

  tr = g_new0 (W2veeTranscript, 1);
  tr->n_frames = T;
  words = g_array_new (FALSE, FALSE, sizeof (W2veeWord));
  post = g_new (float, MAX (T, 1));

  for (t = 0; t < T; t++) {
    const float *row = logits + t * V;
    gsize best = 0;
    double z = 0.0;

    for (v = 1; v < V; v++)
      if (row[v] > row[best])
        best = v;
    for (v = 0; v < V; v++)
      z += exp ((double) row[v] - row[best]);
    post[t] = (float) (1.0 / z);

    if ((gint) best == prev) {
      /* a repeated token extends the word it belongs to */
      if (ow.text && best != m->cfg.pad_token_id && (gint) best != m->word_delimiter_id
          && !m->is_special[best])
        ow.last = t;
    } else if (best == m->cfg.pad_token_id || m->is_special[best]) {
      /* blank and other specials separate repeats but add nothing */
    } else if ((gint) best == m->word_delimiter_id) {
      close_word (&ow, words, post, m);
    } else {
      if (ow.text == NULL) {
        ow.text = g_string_new (NULL);
        ow.first = t;
      }
      g_string_append (ow.text, m->tokens[best]);
      ow.last = t;
    }
    prev = (gint) best;
  }
  close_word (&ow, words, post, m);

  text = g_string_new (NULL);
  for (i = 0; i < words->len; i++) {
    const W2veeWord *w = &g_array_index (words, W2veeWord, i);

    if (i > 0)
      g_string_append_c (text, ' ');
    g_string_append (text, w->word);
    for (t = w->first_frame; t <= w->last_frame; t++)
      sum += post[t];
    counted += w->last_frame - w->first_frame + 1;
  }
  if (words->len == 0) {
    for (t = 0; t < T; t++)
      sum += post[t];
    counted = T;
  }
  tr->confidence = counted ? (float) (sum / (double) counted) : 0.0f;
  tr->text = g_string_free (text, FALSE);
  tr->n_words = words->len;
  tr->words = (W2veeWord *) g_array_free (words, FALSE);
  g_free (post);
  return tr;
}

void
w2vee_transcript_free (W2veeTranscript *tr)
{
  guint i;

  if (tr == NULL)
    return;
  for (i = 0; i < tr->n_words; i++)
    g_free (tr->words[i].word);
  g_free (tr->words);
  g_free (tr->text);
  g_free (tr);
}
