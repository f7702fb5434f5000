/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* CTC greedy decoding with word timings and confidences.
 *
 * Shapes legend: T = frames, V = vocabulary size. logits are (T, V).
 */
#include "model.h"
#include "decode/decode.h"

#include <math.h>
#include <string.h>

typedef struct {
  GString *text;       /* the word being spelled */
  gsize first, last;   /* its first and last frame */
} OpenWord;

W2veeWord
w2vee_ctc_word (const W2veeModel *m, char *text, gsize first, gsize last,
    const float *post)
{
  W2veeWord w;
  double sum = 0.0;
  gsize t;

  for (t = first; t <= last; t++)
    sum += post[t];
  w.word = text;
  w.first_frame = first;
  w.last_frame = last;
  w.start_sample = (guint64) first * w2vee_model_frame_stride (m);
  w.end_sample = (guint64) last * w2vee_model_frame_stride (m)
      + w2vee_model_receptive_field (m);
  w.confidence = (float) (sum / (double) (last - first + 1));
  return w;
}

/* Closes the open word (if any) into @words; frames first..last give its confidence. */
static void
close_word (OpenWord *ow, GArray *words, const float *post, const W2veeModel *m)
{
  W2veeWord w;

  if (ow->text == NULL)
    return;
  w = w2vee_ctc_word (m, g_string_free (ow->text, FALSE), ow->first, ow->last, post);
  g_array_append_val (words, w);
  ow->text = NULL;
}

float
w2vee_ctc_max_posterior (const float *row, gsize V)
{
  gsize best = 0, v;
  double z = 0.0;

  for (v = 1; v < V; v++)
    if (row[v] > row[best])
      best = v;
  for (v = 0; v < V; v++)
    z += exp ((double) row[v] - row[best]);
  return (float) (1.0 / z);
}

W2veeTranscript *
w2vee_ctc_transcript_new (GArray *words, const float *post, gsize T, const char *decoder)
{
  W2veeTranscript *tr = g_new0 (W2veeTranscript, 1);
  GString *text = g_string_new (NULL);
  double sum = 0.0;
  gsize counted = 0, t;
  guint i;

  tr->n_frames = T;
  tr->decoder = decoder;
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
  return tr;
}

W2veeTranscript *
w2vee_ctc_greedy (const W2veeModel *m, const float *logits, gsize T)
{
  gsize V, t, v;
  W2veeTranscript *tr;
  GArray *words;
  OpenWord ow = { NULL, 0, 0 };
  float *post;          /* (T) max posterior of each frame */
  gint prev = -1;

  g_return_val_if_fail (m != NULL, NULL);
  g_return_val_if_fail (logits != NULL || T == 0, NULL);
  V = m->cfg.vocab_size;

  words = g_array_new (FALSE, FALSE, sizeof (W2veeWord));
  post = g_new (float, MAX (T, 1));

  for (t = 0; t < T; t++) {
    const float *row = logits + t * V;
    gsize best = 0;

    for (v = 1; v < V; v++)
      if (row[v] > row[best])
        best = v;
    post[t] = w2vee_ctc_max_posterior (row, V);

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

  tr = w2vee_ctc_transcript_new (words, post, T, "greedy");
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
