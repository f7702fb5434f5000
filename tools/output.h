/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Results of `w2vee transcribe` and their output formats (docs/cli.md). */
#ifndef W2VEE_TOOL_OUTPUT_H
#define W2VEE_TOOL_OUTPUT_H

#include "w2vee/w2vee.h"

G_BEGIN_DECLS

typedef enum {
  W2VEE_OUTPUT_TEXT,
  W2VEE_OUTPUT_JSON,
  W2VEE_OUTPUT_SRT,
  W2VEE_OUTPUT_VTT,
} W2veeOutputFormat;

/* One segment of the file decoded at one exit. */
typedef struct {
  guint64 start;                /* first sample, in the file */
  gsize length;                 /* samples */
  W2veeTranscript *transcript;  /* word times relative to start */
} W2veeSegmentResult;

/* Everything one exit said about one file. */
typedef struct {
  guint exit;                   /* 1-based */
  guint layer;                  /* 1-based transformer layer it reads */
  GArray *segments;             /* (W2veeSegmentResult) in time order */
} W2veeExitResult;

typedef struct {
  char *name;                   /* the file as given (display form, UTF-8) */
  guint64 n_samples;            /* decoded length */
  guint n_exits;
  W2veeExitResult *exits;       /* (n_exits) shallowest first */
} W2veeFileResult;

/* Parses "text", "json", "srt", "vtt"; FALSE for anything else. */
gboolean w2vee_output_format_parse (const char *name, W2veeOutputFormat *format);

/* @exit_layers: (n_exits) the layer of each exit reported. */
W2veeFileResult *w2vee_file_result_new (const char *filename, guint n_exits,
    const guint *exits, const guint *exit_layers);
/* Takes ownership of @transcript. */
void w2vee_file_result_add (W2veeFileResult *result, guint exit_index, guint64 start,
    gsize length, W2veeTranscript *transcript);
void w2vee_file_result_free (W2veeFileResult *result);

/**
 * w2vee_output_format:
 * @with_name: prefix text lines with the file name (several files).
 * @all_exits: report every exit (text: "layer_L: " lines; json: an "exits" array);
 *   otherwise @result holds exactly one exit.
 *
 * Appends @result in @format to @out.
 */
void w2vee_output_format (GString *out, const W2veeFileResult *result,
    W2veeOutputFormat format, gboolean with_name, gboolean all_exits);

/* Subtitle cues: at most W2VEE_CUE_LINE_CHARS characters per line, W2VEE_CUE_LINES
 * lines and W2VEE_CUE_MAX_SAMPLES long. */
#define W2VEE_CUE_LINE_CHARS 42
#define W2VEE_CUE_LINES 2
#define W2VEE_CUE_MAX_SAMPLES (6 * W2VEE_SAMPLE_RATE)

typedef struct {
  guint64 start;  /* sample in the file: its first word's start */
  guint64 end;    /* its last word's end, at most the next cue's start */
  char *text;     /* its words, lines separated by '\n' (no final newline) */
} W2veeCue;

/**
 * w2vee_output_cues:
 * Splits the words of @exit into subtitle cues, in order, breaking only between words:
 * a cue holds the words of one segment that fit W2VEE_CUE_LINES lines of at most
 * W2VEE_CUE_LINE_CHARS characters (UTF-8 characters; lines broken where the longer
 * one is shortest) and span at most W2VEE_CUE_MAX_SAMPLES; a word longer than a line
 * or than that span is a cue of its own.
 * Returns: (transfer full) (element-type W2veeCue): the cues; clears their text when
 * freed.
 */
GArray *w2vee_output_cues (const W2veeExitResult *exit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeFileResult, w2vee_file_result_free)

G_END_DECLS

#endif /* W2VEE_TOOL_OUTPUT_H */
