/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Strict JSON (RFC 8259) reading for the files of a model directory.
 *
 * json-glib's parser is lenient in ways a loader of untrusted files cannot accept:
 * it silently keeps the last of two equal keys, wraps integers beyond 64 bits
 * (18446744073709551615 reads as -1), and accepts comments, single quotes, hex
 * numbers, unknown escapes, raw control characters and several top-level values.
 * Model files are therefore read with this small pull parser, which rejects all of
 * that with "FILE:LINE:COLUMN: reason" messages. Small files (config.json,
 * vocab.json) are turned into a json-glib tree by w2vee_json_parse(); the
 * safetensors header is read member by member, so a 100 MB header never becomes a
 * tree of nodes many times its size.
 *
 * Limits: nesting depth W2VEE_JSON_MAX_DEPTH; strings may not contain U+0000 (they
 * become C strings); integers must fit 64 bits; numbers must be finite.
 */
#ifndef W2VEE_JSON_H
#define W2VEE_JSON_H

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define W2VEE_JSON_MAX_DEPTH 64

typedef enum {
  W2VEE_JSON_NONE,    /* end of input or a character no value starts with */
  W2VEE_JSON_OBJECT,
  W2VEE_JSON_ARRAY,
  W2VEE_JSON_STRING,
  W2VEE_JSON_NUMBER,
  W2VEE_JSON_TRUE,
  W2VEE_JSON_FALSE,
  W2VEE_JSON_NULL,
} W2veeJsonType;

typedef struct {
  const char *data;   /* (len) the document, valid UTF-8 */
  gsize len;          /* bytes */
  gsize pos;          /* bytes read so far */
  const char *path;   /* named in messages */
  gint code;          /* W2VEE_ERROR_* code for syntax errors */
  guint depth;        /* objects and arrays open */
  gsize key_pos;      /* offset of the last member name read (its opening quote) */
  const char *context; /* NULL, or put before every message ("tensor 'x'") */
} W2veeJsonReader;

gboolean w2vee_json_reader_init (W2veeJsonReader *r, const char *data, gsize len,
    const char *path, gint code, GError **error);

/* Type of the next value, after skipping whitespace; consumes nothing. */
W2veeJsonType w2vee_json_peek (W2veeJsonReader *r);

gboolean w2vee_json_begin_object (W2veeJsonReader *r, GError **error);
/* Reads the next member name and its ':' (or the closing '}': then *key is NULL).
 * @n counts the members read so far; start it at 0. *key is freed by the caller. */
gboolean w2vee_json_next_member (W2veeJsonReader *r, guint *n, char **key,
    GError **error);
gboolean w2vee_json_begin_array (W2veeJsonReader *r, GError **error);
/* Positions on the next element (*more TRUE) or consumes the closing ']'. */
gboolean w2vee_json_next_element (W2veeJsonReader *r, guint *n, gboolean *more,
    GError **error);

gboolean w2vee_json_read_string (W2veeJsonReader *r, char **out, GError **error);
/* A non-negative integer without fraction or exponent. */
gboolean w2vee_json_read_uint64 (W2veeJsonReader *r, guint64 *out, GError **error);
/* Any number; *is_int when it has no fraction or exponent (then *i holds it). */
gboolean w2vee_json_read_number (W2veeJsonReader *r, gboolean *is_int, gint64 *i,
    double *d, GError **error);
/* Validates and skips one value of any type. */
gboolean w2vee_json_skip_value (W2veeJsonReader *r, GError **error);
/* Succeeds when only whitespace is left. */
gboolean w2vee_json_end (W2veeJsonReader *r, GError **error);

/* Sets @error to "PATH:LINE:COLUMN: [CONTEXT: ]message" for byte offset @offset. */
void w2vee_json_error_at (W2veeJsonReader *r, gsize offset, GError **error, gint code,
    const char *format, ...) G_GNUC_PRINTF (5, 6);
/* 1-based line of byte offset @offset (for "first defined at line N"). */
gsize w2vee_json_line_of (const W2veeJsonReader *r, gsize offset);

/**
 * w2vee_json_parse:
 * Reads a whole document into a json-glib tree; duplicate keys in any object fail
 * with W2VEE_ERROR_DUPLICATE, every other problem with @code.
 * Returns: (transfer full): the root node, or NULL and @error set.
 */
JsonNode *w2vee_json_parse (const char *data, gsize len, const char *path, gint code,
    GError **error);

G_END_DECLS

#endif /* W2VEE_JSON_H */
