/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Strict JSON pull parser; see json.h for why json-glib's own parser is not used. */
#include "json.h"

#include <math.h>
#include <string.h>

#include "w2vee/w2vee.h"

gsize
w2vee_json_line_of (const W2veeJsonReader *r, gsize offset)
{
  gsize line = 1;

  for (gsize i = 0; i < offset && i < r->len; i++)
    if (r->data[i] == '\n')
      line++;
  return line;
}

void
w2vee_json_error_at (W2veeJsonReader *r, gsize offset, GError **error, gint code,
    const char *format, ...)
{
  g_autofree char *msg = NULL;
  gsize line = 1, column = 1;
  va_list args;

  /* Columns count characters, not bytes: skip UTF-8 continuation bytes. */
  for (gsize i = 0; i < offset && i < r->len; i++) {
    if (r->data[i] == '\n') {
      line++;
      column = 1;
    } else if (((guchar) r->data[i] & 0xC0) != 0x80) {
      column++;
    }
  }
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, W2VEE_ERROR, code, "%s:%" G_GSIZE_FORMAT ":%" G_GSIZE_FORMAT
      ": %s%s%s", r->path, line, column, r->context != NULL ? r->context : "",
      r->context != NULL ? ": " : "", msg);
}

gboolean
w2vee_json_reader_init (W2veeJsonReader *r, const char *data, gsize len,
    const char *path, gint code, GError **error)
{
  const char *end = NULL;

  r->data = data;
  r->len = len;
  r->pos = 0;
  r->path = path;
  r->code = code;
  r->depth = 0;
  r->key_pos = 0;
  r->context = NULL;
  if (!g_utf8_validate_len (data, len, &end)) {
    gsize at = (gsize) (end - data);

    w2vee_json_error_at (r, at, error, code, "%s at byte %" G_GSIZE_FORMAT
        " (the file must be UTF-8 JSON)", data[at] == '\0' ? "NUL character" :
        "invalid UTF-8", at);
    return FALSE;
  }
  return TRUE;
}

static void
skip_whitespace (W2veeJsonReader *r)
{
  while (r->pos < r->len) {
    char c = r->data[r->pos];

    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      break;
    r->pos++;
  }
}

/* Describes what stands at the current position, for "expected X, found Y". */
static char *
describe_here (const W2veeJsonReader *r)
{
  guchar c;

  if (r->pos >= r->len)
    return g_strdup ("end of file");
  c = (guchar) r->data[r->pos];
  if (c >= 0x20 && c < 0x7F)
    return g_strdup_printf ("'%c'", c);
  if (c < 0x80)
    return g_strdup_printf ("control character U+%04X", c);
  return g_strdup_printf ("character U+%04X",
      g_utf8_get_char (r->data + r->pos));
}

static gboolean
fail_expected (W2veeJsonReader *r, GError **error, const char *expected)
{
  g_autofree char *found = describe_here (r);

  w2vee_json_error_at (r, r->pos, error, r->code, "expected %s, found %s", expected,
      found);
  return FALSE;
}

W2veeJsonType
w2vee_json_peek (W2veeJsonReader *r)
{
  skip_whitespace (r);
  if (r->pos >= r->len)
    return W2VEE_JSON_NONE;
  switch (r->data[r->pos]) {
    case '{':
      return W2VEE_JSON_OBJECT;
    case '[':
      return W2VEE_JSON_ARRAY;
    case '"':
      return W2VEE_JSON_STRING;
    case 't':
      return W2VEE_JSON_TRUE;
    case 'f':
      return W2VEE_JSON_FALSE;
    case 'n':
      return W2VEE_JSON_NULL;
    case '-':
    case '0' ... '9':
      return W2VEE_JSON_NUMBER;
    default:
      return W2VEE_JSON_NONE;
  }
}

static gboolean
open_container (W2veeJsonReader *r, char open, GError **error)
{
  skip_whitespace (r);
  if (r->pos >= r->len || r->data[r->pos] != open)
    return fail_expected (r, error, open == '{' ? "an object" : "an array");
  if (r->depth >= W2VEE_JSON_MAX_DEPTH) {
    w2vee_json_error_at (r, r->pos, error, r->code,
        "nesting deeper than %d levels", W2VEE_JSON_MAX_DEPTH);
    return FALSE;
  }
  r->depth++;
  r->pos++;
  return TRUE;
}

/* Before the next member or element: the closing character (TRUE in *closed), or a
 * comma when @n items were read already. */
static gboolean
next_item (W2veeJsonReader *r, guint n, char close, gboolean *closed, GError **error)
{
  skip_whitespace (r);
  *closed = FALSE;
  if (r->pos < r->len && r->data[r->pos] == close) {
    r->pos++;
    r->depth--;
    *closed = TRUE;
    return TRUE;
  }
  if (n > 0) {
    if (r->pos >= r->len || r->data[r->pos] != ',')
      return fail_expected (r, error, close == '}' ? "',' or '}'" : "',' or ']'");
    r->pos++;
    skip_whitespace (r);
  }
  return TRUE;
}

gboolean
w2vee_json_begin_object (W2veeJsonReader *r, GError **error)
{
  return open_container (r, '{', error);
}

gboolean
w2vee_json_next_member (W2veeJsonReader *r, guint *n, char **key, GError **error)
{
  gboolean closed;

  *key = NULL;
  if (!next_item (r, *n, '}', &closed, error))
    return FALSE;
  if (closed)
    return TRUE;
  if (r->pos >= r->len || r->data[r->pos] != '"')
    return fail_expected (r, error, "a member name in double quotes");
  r->key_pos = r->pos;
  if (!w2vee_json_read_string (r, key, error))
    return FALSE;
  skip_whitespace (r);
  if (r->pos >= r->len || r->data[r->pos] != ':') {
    g_clear_pointer (key, g_free);
    return fail_expected (r, error, "':'");
  }
  r->pos++;
  (*n)++;
  return TRUE;
}

gboolean
w2vee_json_begin_array (W2veeJsonReader *r, GError **error)
{
  return open_container (r, '[', error);
}

gboolean
w2vee_json_next_element (W2veeJsonReader *r, guint *n, gboolean *more, GError **error)
{
  gboolean closed;

  if (!next_item (r, *n, ']', &closed, error))
    return FALSE;
  *more = !closed;
  if (!closed)
    (*n)++;
  return TRUE;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads the 4 hex digits of a \u escape whose 'u' is at r->pos - 1. */
static gboolean
read_hex4 (W2veeJsonReader *r, gunichar *out, GError **error)
{
  gunichar v = 0;

  *out = 0;
  for (int i = 0; i < 4; i++) {
    int h = r->pos < r->len ? hex_value (r->data[r->pos]) : -1;

    if (h < 0)
      return fail_expected (r, error, "4 hex digits after \\u");
    v = v * 16 + (gunichar) h;
    r->pos++;
  }
  *out = v;
  return TRUE;
}

static gboolean
read_escape (W2veeJsonReader *r, GString *out, GError **error)
{
  gsize at = r->pos - 1; /* the backslash */
  gunichar cp, low;
  char c;

  if (r->pos >= r->len)
    return fail_expected (r, error, "an escape character");
  c = r->data[r->pos++];
  switch (c) {
    case '"':
    case '\\':
    case '/':
      g_string_append_c (out, c);
      return TRUE;
    case 'b':
      g_string_append_c (out, '\b');
      return TRUE;
    case 'f':
      g_string_append_c (out, '\f');
      return TRUE;
    case 'n':
      g_string_append_c (out, '\n');
      return TRUE;
    case 'r':
      g_string_append_c (out, '\r');
      return TRUE;
    case 't':
      g_string_append_c (out, '\t');
      return TRUE;
    case 'u':
      break;
    default:
      r->pos--;
      return fail_expected (r, error, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
  }
  if (!read_hex4 (r, &cp, error))
    return FALSE;
  if (cp >= 0xDC00 && cp <= 0xDFFF) {
    w2vee_json_error_at (r, at, error, r->code,
        "lone low surrogate \\u%04X in string", cp);
    return FALSE;
  }
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (r->pos + 2 > r->len || r->data[r->pos] != '\\' || r->data[r->pos + 1] != 'u') {
      w2vee_json_error_at (r, at, error, r->code,
          "high surrogate \\u%04X not followed by a low surrogate", cp);
      return FALSE;
    }
    r->pos += 2;
    if (!read_hex4 (r, &low, error))
      return FALSE;
    if (low < 0xDC00 || low > 0xDFFF) {
      w2vee_json_error_at (r, at, error, r->code,
          "high surrogate \\u%04X not followed by a low surrogate", cp);
      return FALSE;
    }
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  if (cp == 0) {
    w2vee_json_error_at (r, at, error, r->code,
        "\\u0000 (NUL) in a string is not supported");
    return FALSE;
  }
  g_string_append_unichar (out, cp);
  return TRUE;
}

gboolean
w2vee_json_read_string (W2veeJsonReader *r, char **out, GError **error)
{
  g_autoptr (GString) s = NULL;
  gsize start;

  skip_whitespace (r);
  if (r->pos >= r->len || r->data[r->pos] != '"')
    return fail_expected (r, error, "a string");
  start = r->pos++;
  s = g_string_new (NULL);
  for (;;) {
    guchar c;

    if (r->pos >= r->len) {
      w2vee_json_error_at (r, start, error, r->code, "unterminated string");
      return FALSE;
    }
    c = (guchar) r->data[r->pos++];
    if (c == '"')
      break;
    if (c == '\\') {
      if (!read_escape (r, s, error))
        return FALSE;
    } else if (c < 0x20) {
      r->pos--;
      return fail_expected (r, error, "the end of the string (control characters "
          "must be escaped)");
    } else {
      g_string_append_c (s, (char) c);
    }
  }
  *out = g_string_free (g_steal_pointer (&s), FALSE);
  return TRUE;
}

/* Checks the number grammar at r->pos and moves past it; [*start, r->pos) is the
 * lexeme. */
static gboolean
lex_number (W2veeJsonReader *r, gsize *start, gboolean *is_int, GError **error)
{
  const char *d = r->data;
  gsize p;

  skip_whitespace (r);
  p = *start = r->pos;
  *is_int = TRUE;
  if (p < r->len && d[p] == '-')
    p++;
  if (p >= r->len || !g_ascii_isdigit (d[p])) {
    r->pos = p;
    return fail_expected (r, error, "a number");
  }
  if (d[p] == '0') {
    p++;
    if (p < r->len && g_ascii_isdigit (d[p])) {
      w2vee_json_error_at (r, *start, error, r->code,
          "numbers may not have leading zeros");
      return FALSE;
    }
  } else {
    while (p < r->len && g_ascii_isdigit (d[p]))
      p++;
  }
  if (p < r->len && d[p] == '.') {
    *is_int = FALSE;
    p++;
    if (p >= r->len || !g_ascii_isdigit (d[p])) {
      r->pos = p;
      return fail_expected (r, error, "a digit after the decimal point");
    }
    while (p < r->len && g_ascii_isdigit (d[p]))
      p++;
  }
  if (p < r->len && (d[p] == 'e' || d[p] == 'E')) {
    *is_int = FALSE;
    p++;
    if (p < r->len && (d[p] == '+' || d[p] == '-'))
      p++;
    if (p >= r->len || !g_ascii_isdigit (d[p])) {
      r->pos = p;
      return fail_expected (r, error, "a digit in the exponent");
    }
    while (p < r->len && g_ascii_isdigit (d[p]))
      p++;
  }
  r->pos = p;
  return TRUE;
}

/* Magnitude of the digits in [p, end); FALSE when above @max. */
static gboolean
digits_value (const char *d, gsize p, gsize end, guint64 max, guint64 *out)
{
  guint64 v = 0;

  for (; p < end; p++) {
    guint digit = (guint) (d[p] - '0');

    if (v > (max - digit) / 10)
      return FALSE;
    v = v * 10 + digit;
  }
  *out = v;
  return TRUE;
}

static void
fail_number (W2veeJsonReader *r, gsize start, GError **error, const char *what)
{
  gsize n = MIN (r->pos - start, 40);

  w2vee_json_error_at (r, start, error, r->code, "%s, found %.*s%s", what, (int) n,
      r->data + start, r->pos - start > n ? "..." : "");
}

gboolean
w2vee_json_read_uint64 (W2veeJsonReader *r, guint64 *out, GError **error)
{
  gboolean is_int;
  gsize start;

  if (w2vee_json_peek (r) != W2VEE_JSON_NUMBER)
    return fail_expected (r, error, "a non-negative integer");
  if (!lex_number (r, &start, &is_int, error))
    return FALSE;
  if (r->data[start] == '-' || !is_int) {
    fail_number (r, start, error, "expected a non-negative integer");
    return FALSE;
  }
  if (!digits_value (r->data, start, r->pos, G_MAXUINT64, out)) {
    fail_number (r, start, error, "integer out of range");
    return FALSE;
  }
  return TRUE;
}

gboolean
w2vee_json_read_number (W2veeJsonReader *r, gboolean *is_int, gint64 *i, double *d,
    GError **error)
{
  g_autofree char *text = NULL;
  gsize start;

  if (!lex_number (r, &start, is_int, error))
    return FALSE;
  if (*is_int) {
    gboolean neg = r->data[start] == '-';
    guint64 max = neg ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
    guint64 v;

    if (!digits_value (r->data, start + (neg ? 1 : 0), r->pos, max, &v)) {
      fail_number (r, start, error, "integer out of the 64-bit range");
      return FALSE;
    }
    /* -(2^63) is representable; negate in unsigned arithmetic to avoid overflow. */
    *i = neg ? (gint64) (~v + 1) : (gint64) v;
    *d = (double) *i;
    return TRUE;
  }
  text = g_strndup (r->data + start, r->pos - start);
  *d = g_ascii_strtod (text, NULL);
  if (!isfinite (*d)) {
    fail_number (r, start, error, "number out of the double range");
    return FALSE;
  }
  *i = 0;
  return TRUE;
}

static gboolean
read_literal (W2veeJsonReader *r, const char *word, GError **error)
{
  gsize n = strlen (word);

  if (r->len - r->pos < n || memcmp (r->data + r->pos, word, n) != 0)
    return fail_expected (r, error, "a value");
  r->pos += n;
  return TRUE;
}

gboolean
w2vee_json_skip_value (W2veeJsonReader *r, GError **error)
{
  switch (w2vee_json_peek (r)) {
    case W2VEE_JSON_OBJECT: {
      guint n = 0;

      if (!w2vee_json_begin_object (r, error))
        return FALSE;
      for (;;) {
        g_autofree char *key = NULL;

        if (!w2vee_json_next_member (r, &n, &key, error))
          return FALSE;
        if (key == NULL)
          return TRUE;
        if (!w2vee_json_skip_value (r, error))
          return FALSE;
      }
    }
    case W2VEE_JSON_ARRAY: {
      guint n = 0;
      gboolean more;

      if (!w2vee_json_begin_array (r, error))
        return FALSE;
      for (;;) {
        if (!w2vee_json_next_element (r, &n, &more, error))
          return FALSE;
        if (!more)
          return TRUE;
        if (!w2vee_json_skip_value (r, error))
          return FALSE;
      }
    }
    case W2VEE_JSON_STRING: {
      g_autofree char *s = NULL;

      return w2vee_json_read_string (r, &s, error);
    }
    case W2VEE_JSON_NUMBER: {
      gboolean is_int;
      gint64 i;
      double d;

      return w2vee_json_read_number (r, &is_int, &i, &d, error);
    }
    case W2VEE_JSON_TRUE:
      return read_literal (r, "true", error);
    case W2VEE_JSON_FALSE:
      return read_literal (r, "false", error);
    case W2VEE_JSON_NULL:
      return read_literal (r, "null", error);
    case W2VEE_JSON_NONE:
    default:
      return fail_expected (r, error, "a value");
  }
}

gboolean
w2vee_json_end (W2veeJsonReader *r, GError **error)
{
  skip_whitespace (r);
  if (r->pos < r->len)
    return fail_expected (r, error, "the end of the document");
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Tree                                                                      */
/* ------------------------------------------------------------------------- */

static JsonNode *
parse_value (W2veeJsonReader *r, GError **error)
{
  switch (w2vee_json_peek (r)) {
    case W2VEE_JSON_OBJECT: {
      g_autoptr (JsonObject) object = json_object_new ();
      guint n = 0;

      if (!w2vee_json_begin_object (r, error))
        return NULL;
      for (;;) {
        g_autofree char *key = NULL;
        JsonNode *member;

        if (!w2vee_json_next_member (r, &n, &key, error))
          return NULL;
        if (key == NULL)
          break;
        if (json_object_has_member (object, key)) {
          w2vee_json_error_at (r, r->key_pos, error, W2VEE_ERROR_DUPLICATE,
              "duplicate key \"%s\"", key);
          return NULL;
        }
        member = parse_value (r, error);
        if (member == NULL)
          return NULL;
        json_object_set_member (object, key, member);
      }
      return json_node_init_object (json_node_alloc (), object);
    }
    case W2VEE_JSON_ARRAY: {
      g_autoptr (JsonArray) array = json_array_new ();
      guint n = 0;
      gboolean more;

      if (!w2vee_json_begin_array (r, error))
        return NULL;
      for (;;) {
        JsonNode *element;

        if (!w2vee_json_next_element (r, &n, &more, error))
          return NULL;
        if (!more)
          break;
        element = parse_value (r, error);
        if (element == NULL)
          return NULL;
        json_array_add_element (array, element);
      }
      return json_node_init_array (json_node_alloc (), array);
    }
    case W2VEE_JSON_STRING: {
      g_autofree char *s = NULL;

      if (!w2vee_json_read_string (r, &s, error))
        return NULL;
      return json_node_init_string (json_node_alloc (), s);
    }
    case W2VEE_JSON_NUMBER: {
      gboolean is_int;
      gint64 i;
      double d;

      if (!w2vee_json_read_number (r, &is_int, &i, &d, error))
        return NULL;
      if (is_int)
        return json_node_init_int (json_node_alloc (), i);
      return json_node_init_double (json_node_alloc (), d);
    }
    case W2VEE_JSON_TRUE:
    case W2VEE_JSON_FALSE: {
      gboolean value = r->data[r->pos] == 't';

      if (!read_literal (r, value ? "true" : "false", error))
        return NULL;
      return json_node_init_boolean (json_node_alloc (), value);
    }
    case W2VEE_JSON_NULL:
      if (!read_literal (r, "null", error))
        return NULL;
      return json_node_init_null (json_node_alloc ());
    case W2VEE_JSON_NONE:
    default:
      fail_expected (r, error, "a value");
      return NULL;
  }
}

JsonNode *
w2vee_json_parse (const char *data, gsize len, const char *path, gint code,
    GError **error)
{
  W2veeJsonReader r;
  g_autoptr (JsonNode) root = NULL;

  if (!w2vee_json_reader_init (&r, data, len, path, code, error))
    return NULL;
  root = parse_value (&r, error);
  if (root == NULL || !w2vee_json_end (&r, error))
    return NULL;
  return g_steal_pointer (&root);
}
