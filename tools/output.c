/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Output formats of `w2vee transcribe`: text, JSON Lines, SubRip, WebVTT (see
 * docs/cli.md for the exact layouts). */
#include "output.h"

gboolean
w2vee_output_format_parse (const char *name, W2veeOutputFormat *format)
{
  static const struct {
    const char *name;
    W2veeOutputFormat format;
  } formats[] = {
    { "text", W2VEE_OUTPUT_TEXT },
    { "json", W2VEE_OUTPUT_JSON },
    { "srt", W2VEE_OUTPUT_SRT },
    { "vtt", W2VEE_OUTPUT_VTT },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    if (g_strcmp0 (name, formats[i].name) == 0) {
      *format = formats[i].format;
      return TRUE;
    }
  }
  return FALSE;
}

W2veeFileResult *
w2vee_file_result_new (const char *filename, guint n_exits, const guint *exits,
    const guint *exit_layers)
{
  W2veeFileResult *result = g_new0 (W2veeFileResult, 1);
  guint i;

  result->name = g_filename_display_name (filename);
  result->n_exits = n_exits;
  result->exits = g_new0 (W2veeExitResult, n_exits);
  for (i = 0; i < n_exits; i++) {
    result->exits[i].exit = exits[i];
    result->exits[i].layer = exit_layers[i];
    result->exits[i].segments = g_array_new (FALSE, FALSE, sizeof (W2veeSegmentResult));
  }
  return result;
}

void
w2vee_file_result_add (W2veeFileResult *result, guint exit_index, guint64 start,
    gsize length, W2veeTranscript *transcript)
{
  W2veeSegmentResult seg = { start, length, transcript };

  g_return_if_fail (exit_index < result->n_exits);
  g_array_append_val (result->exits[exit_index].segments, seg);
}

void
w2vee_file_result_free (W2veeFileResult *result)
{
  guint i, k;

  if (result == NULL)
    return;
  for (i = 0; i < result->n_exits; i++) {
    GArray *segs = result->exits[i].segments;
    for (k = 0; k < segs->len; k++)
      w2vee_transcript_free (g_array_index (segs, W2veeSegmentResult, k).transcript);
    g_array_unref (segs);
  }
  g_free (result->exits);
  g_free (result->name);
  g_free (result);
}

/* ---- what every format needs ---------------------------------------- */

static double
seconds (guint64 samples)
{
  return (double) samples / W2VEE_SAMPLE_RATE;
}

/* The segments' texts joined by single spaces (empty ones skipped). */
static char *
joined_text (const W2veeExitResult *exit)
{
  GString *text = g_string_new (NULL);
  guint k;

  for (k = 0; k < exit->segments->len; k++) {
    const char *t = g_array_index (exit->segments, W2veeSegmentResult, k).transcript->text;
    if (t[0] == '\0')
      continue;
    if (text->len > 0)
      g_string_append_c (text, ' ');
    g_string_append (text, t);
  }
  return g_string_free (text, FALSE);
}

/* The segments' confidences, weighted by their frame counts (0 without frames). */
static double
overall_confidence (const W2veeExitResult *exit)
{
  double sum = 0.0;
  gsize frames = 0;
  guint k;

  for (k = 0; k < exit->segments->len; k++) {
    const W2veeTranscript *t = g_array_index (exit->segments, W2veeSegmentResult, k).transcript;
    sum += (double) t->confidence * t->n_frames;
    frames += t->n_frames;
  }
  return frames > 0 ? sum / frames : 0.0;
}

/* ---- text ----------------------------------------------------------- */

static void
format_text (GString *out, const W2veeFileResult *result, gboolean with_name,
    gboolean all_exits)
{
  guint i;

  for (i = 0; i < result->n_exits; i++) {
    g_autofree char *text = joined_text (&result->exits[i]);
    if (with_name)
      g_string_append_printf (out, "%s: ", result->name);
    if (all_exits)
      g_string_append_printf (out, "layer_%u: ", result->exits[i].layer);
    g_string_append_printf (out, "%s\n", text);
  }
}

/* ---- JSON ----------------------------------------------------------- */

static void
json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (; *s != '\0'; s++) {
    switch (*s) {
      case '"': g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      default:
        if ((guchar) *s < 0x20)
          g_string_append_printf (out, "\\u%04x", (guint) (guchar) *s);
        else
          g_string_append_c (out, *s);
    }
  }
  g_string_append_c (out, '"');
}

/* "KEY":NUMBER with @decimals digits, whatever the locale */
static void
json_number (GString *out, const char *key, double value, int decimals)
{
  char format[8], buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_snprintf (format, sizeof format, "%%.%df", decimals);
  g_string_append_printf (out, "\"%s\":%s", key,
      g_ascii_formatd (buf, sizeof buf, format, value));
}

static void
json_exit_fields (GString *out, const W2veeExitResult *exit)
{
  g_autofree char *text = joined_text (exit);
  gboolean first = TRUE;
  guint k, w;

  g_string_append_printf (out, "\"exit\":%u,\"layer\":%u,\"text\":", exit->exit, exit->layer);
  json_string (out, text);
  g_string_append_c (out, ',');
  json_number (out, "confidence", overall_confidence (exit), 4);

  g_string_append (out, ",\"words\":[");
  for (k = 0; k < exit->segments->len; k++) {
    const W2veeSegmentResult *seg = &g_array_index (exit->segments, W2veeSegmentResult, k);
    for (w = 0; w < seg->transcript->n_words; w++) {
      const W2veeWord *word = &seg->transcript->words[w];
      g_string_append (out, first ? "{\"word\":" : ",{\"word\":");
      first = FALSE;
      json_string (out, word->word);
      g_string_append_c (out, ',');
      json_number (out, "start", seconds (seg->start + word->start_sample), 3);
      g_string_append_c (out, ',');
      json_number (out, "end", seconds (seg->start + word->end_sample), 3);
      g_string_append_c (out, ',');
      json_number (out, "confidence", word->confidence, 4);
      g_string_append_c (out, '}');
    }
  }

  g_string_append (out, "],\"segments\":[");
  for (k = 0; k < exit->segments->len; k++) {
    const W2veeSegmentResult *seg = &g_array_index (exit->segments, W2veeSegmentResult, k);
    g_string_append (out, k == 0 ? "{" : ",{");
    json_number (out, "start", seconds (seg->start), 3);
    g_string_append_c (out, ',');
    json_number (out, "end", seconds (seg->start + seg->length), 3);
    g_string_append (out, ",\"text\":");
    json_string (out, seg->transcript->text);
    g_string_append_c (out, ',');
    json_number (out, "confidence", seg->transcript->confidence, 4);
    g_string_append_c (out, '}');
  }
  g_string_append_c (out, ']');
}

/* One object on one line (JSON Lines: one line per file). */
static void
format_json (GString *out, const W2veeFileResult *result, gboolean all_exits)
{
  guint i;

  g_string_append (out, "{\"file\":");
  json_string (out, result->name);
  g_string_append_c (out, ',');
  json_number (out, "duration", seconds (result->n_samples), 3);
  g_string_append_c (out, ',');
  if (all_exits) {
    g_string_append (out, "\"exits\":[");
    for (i = 0; i < result->n_exits; i++) {
      g_string_append (out, i == 0 ? "{" : ",{");
      json_exit_fields (out, &result->exits[i]);
      g_string_append_c (out, '}');
    }
    g_string_append_c (out, ']');
  } else {
    json_exit_fields (out, &result->exits[0]);
  }
  g_string_append (out, "}\n");
}

/* ---- SubRip and WebVTT ------------------------------------------------ */

/* HH:MM:SS<sep>mmm */
static void
cue_time (GString *out, guint64 samples, char sep)
{
  guint64 ms = (samples * 1000 + W2VEE_SAMPLE_RATE / 2) / W2VEE_SAMPLE_RATE;

  g_string_append_printf (out, "%02" G_GUINT64_FORMAT ":%02u:%02u%c%03u",
      ms / 3600000, (guint) (ms / 60000 % 60), (guint) (ms / 1000 % 60), sep,
      (guint) (ms % 1000));
}

/* Characters of words[first..last] joined by single spaces. */
static glong
words_chars (const glong *chars, guint first, guint last)
{
  glong n = 0;
  guint i;

  for (i = first; i <= last; i++)
    n += chars[i] + (i > first ? 1 : 0);
  return n;
}

/* The break for words[first..last] on two lines: the index of the second line's first
 * word where the longer line is shortest (the earliest such), or 0 when one line holds
 * them all. *@fits: whether the lines are within W2VEE_CUE_LINE_CHARS. */
static guint
best_break (const glong *chars, guint first, guint last, gboolean *fits)
{
  glong best = G_MAXLONG;
  guint i, at = 0;

  if (words_chars (chars, first, last) <= W2VEE_CUE_LINE_CHARS) {
    *fits = TRUE;
    return 0;
  }
  for (i = first + 1; i <= last; i++) {
    glong longer = MAX (words_chars (chars, first, i - 1), words_chars (chars, i, last));
    if (longer < best) {
      best = longer;
      at = i;
    }
  }
  *fits = at > 0 && best <= W2VEE_CUE_LINE_CHARS && W2VEE_CUE_LINES >= 2;
  return at;
}

/* Appends the cue of words[first..last] (all of one segment) to @cues. */
static void
add_cue (GArray *cues, const W2veeWord *const *words, const guint64 *base,
    const glong *chars, guint first, guint last)
{
  GString *text = g_string_new (NULL);
  gboolean fits;
  guint at = best_break (chars, first, last, &fits), i;
  W2veeCue cue;

  for (i = first; i <= last; i++) {
    if (i > first)
      g_string_append_c (text, i == at ? '\n' : ' ');
    g_string_append (text, words[i]->word);
  }
  cue.start = base[first] + words[first]->start_sample;
  cue.end = base[last] + words[last]->end_sample;
  cue.text = g_string_free (text, FALSE);
  g_array_append_val (cues, cue);
}

static void
cue_clear (gpointer data)
{
  g_free (((W2veeCue *) data)->text);
}

GArray *
w2vee_output_cues (const W2veeExitResult *exit)
{
  GArray *cues = g_array_new (FALSE, FALSE, sizeof (W2veeCue));
  g_autoptr (GPtrArray) words = g_ptr_array_new ();       /* (W2veeWord *) */
  g_autoptr (GArray) base = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr (GArray) segment = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GArray) chars = g_array_new (FALSE, FALSE, sizeof (glong));
  guint k, w, i, first;

  g_array_set_clear_func (cues, cue_clear);
  /* every word, with its segment's start and index and its length in characters */
  for (k = 0; k < exit->segments->len; k++) {
    const W2veeSegmentResult *seg = &g_array_index (exit->segments, W2veeSegmentResult, k);
    for (w = 0; w < seg->transcript->n_words; w++) {
      const W2veeWord *word = &seg->transcript->words[w];
      glong n = g_utf8_strlen (word->word, -1);
      g_ptr_array_add (words, (gpointer) word);
      g_array_append_val (base, seg->start);
      g_array_append_val (segment, k);
      g_array_append_val (chars, n);
    }
  }

  /* greedy: a word joins the cue when it fits; else it starts the next one */
  for (first = 0, i = 1; first < words->len; i++) {
    const W2veeWord *const *wd = (const W2veeWord *const *) words->pdata;
    const guint64 *b = (const guint64 *) base->data;
    const glong *c = (const glong *) chars->data;
    gboolean fits = FALSE;

    if (i < words->len
        && g_array_index (segment, guint, i) == g_array_index (segment, guint, first)) {
      best_break (c, first, i, &fits);
      fits = fits && b[i] + wd[i]->end_sample - (b[first] + wd[first]->start_sample)
          <= W2VEE_CUE_MAX_SAMPLES;
    }
    if (!fits) {
      add_cue (cues, wd, b, c, first, i - 1);
      first = i;
    }
  }

  /* a word's end (the end of its last frame's receptive field) may pass the next word's
   * start by a few ms: cues do not overlap */
  for (i = 0; i + 1 < cues->len; i++) {
    W2veeCue *cue = &g_array_index (cues, W2veeCue, i);
    cue->end = MIN (cue->end, g_array_index (cues, W2veeCue, i + 1).start);
  }
  return cues;
}

/* Cues of the words (w2vee_output_cues()), numbered for SubRip. */
static void
format_cues (GString *out, const W2veeFileResult *result, gboolean vtt)
{
  g_autoptr (GArray) cues = w2vee_output_cues (&result->exits[0]);
  char sep = vtt ? '.' : ',';
  guint i;

  if (vtt)
    g_string_append (out, "WEBVTT\n\n");
  for (i = 0; i < cues->len; i++) {
    const W2veeCue *cue = &g_array_index (cues, W2veeCue, i);
    if (!vtt)
      g_string_append_printf (out, "%u\n", i + 1);
    cue_time (out, cue->start, sep);
    g_string_append (out, " --> ");
    cue_time (out, cue->end, sep);
    g_string_append_printf (out, "\n%s\n\n", cue->text);
  }
}

void
w2vee_output_format (GString *out, const W2veeFileResult *result,
    W2veeOutputFormat format, gboolean with_name, gboolean all_exits)
{
  g_return_if_fail (result->n_exits >= 1);
  g_return_if_fail (all_exits || result->n_exits == 1);

  switch (format) {
    case W2VEE_OUTPUT_TEXT:
      format_text (out, result, with_name, all_exits);
      break;
    case W2VEE_OUTPUT_JSON:
      format_json (out, result, all_exits);
      break;
    case W2VEE_OUTPUT_SRT:
    case W2VEE_OUTPUT_VTT:
      format_cues (out, result, format == W2VEE_OUTPUT_VTT);
      break;
  }
}
