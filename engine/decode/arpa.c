/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The ARPA reader: text -> the LM image of lm.c, strictly (every error names FILE:LINE).
 *
 *   (anything)          ignored up to the \data\ line
 *   \data\
 *   ngram 1=C1          one line per order, 1..N contiguous, N <= 5
 *   ...
 *   \1-grams:           then per order n: exactly Cn lines
 *   P W1 .. Wn [B]      P, B finite log10 numbers
 *   ...
 *   \end\
 * Blank lines may stand between sections.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode/lm-image.h"

#define MAX_COUNT (G_GUINT64_CONSTANT (1) << 32) /* n-grams of one order */

typedef struct {
  const char *name;     /* file, for messages */
  const char *p, *end;  /* the rest of the text */
  guint line;           /* number of the line last read */
  GString *buf;         /* the line last read, NUL-terminated */
} Reader;

/* Reads the next line into r->buf (without "\r\n"); FALSE at the end of the text. */
static gboolean
next_line (Reader *r)
{
  const char *nl;

  if (r->p >= r->end)
    return FALSE;
  nl = memchr (r->p, '\n', r->end - r->p);
  if (nl == NULL)
    nl = r->end;
  g_string_truncate (r->buf, 0);
  g_string_append_len (r->buf, r->p, nl - r->p);
  if (r->buf->len > 0 && r->buf->str[r->buf->len - 1] == '\r')
    g_string_truncate (r->buf, r->buf->len - 1);
  r->p = nl < r->end ? nl + 1 : r->end;
  r->line++;
  return TRUE;
}

static gboolean
fail (Reader *r, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (Reader *r, GError **error, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LM, "%s:%u: %s", r->name, r->line, why);
  return FALSE;
}

static gboolean
blank (const char *s)
{
  for (; *s; s++) {
    if (!g_ascii_isspace (*s))
      return FALSE;
  }
  return TRUE;
}

/* Splits @s in place at runs of spaces and tabs into at most @max fields; returns the
 * count, or max + 1 when there are more. */
static guint
split_fields (char *s, char **fields, guint max)
{
  guint n = 0;

  for (;;) {
    while (*s == ' ' || *s == '\t')
      s++;
    if (*s == '\0')
      return n;
    if (n == max)
      return max + 1;
    fields[n++] = s;
    while (*s != '\0' && *s != ' ' && *s != '\t')
      s++;
    if (*s != '\0')
      *s++ = '\0';
  }
}

static gboolean
parse_float (const char *s, float *out)
{
  char *end;
  double v = g_ascii_strtod (s, &end);

  if (end == s || *end != '\0' || !isfinite (v) || fabs (v) > 1e30)
    return FALSE;
  *out = (float) v;
  return TRUE;
}

typedef struct {
  guint n;
  const guint32 *recs;
} SortCtx;

static int
cmp_index (gconstpointer a, gconstpointer b, gpointer data)
{
  const SortCtx *c = data;
  const guint32 *ra = c->recs + (gsize) *(const guint32 *) a * (c->n + 2);
  const guint32 *rb = c->recs + (gsize) *(const guint32 *) b * (c->n + 2);
  guint i;

  for (i = 0; i < c->n; i++) {
    if (ra[i] != rb[i])
      return ra[i] < rb[i] ? -1 : 1;
  }
  return 0;
}

static int
cmp_words (gconstpointer a, gconstpointer b, gpointer data)
{
  const char *const *words = data;

  return strcmp (words[*(const guint32 *) a], words[*(const guint32 *) b]);
}

static void
put32 (guint8 *p, guint32 v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, 4);
}

static void
put64 (guint8 *p, guint64 v)
{
  v = GUINT64_TO_LE (v);
  memcpy (p, &v, 8);
}

typedef struct {
  GArray *recs;     /* (guint32) n+2 per n-gram, in file order */
  GArray *lines;    /* (guint) line of each n-gram */
  guint32 *order;   /* record indices sorted by ids */
} Table;

static void
table_clear (Table *t)
{
  g_clear_pointer (&t->recs, g_array_unref);
  g_clear_pointer (&t->lines, g_array_unref);
  g_clear_pointer (&t->order, g_free);
}

/* Reads the entries of the \n-grams: section into @t. */
static gboolean
read_section (Reader *r, guint n, guint64 count, GHashTable *ids, GPtrArray *words,
    Table *t, GError **error)
{
  char *f[W2VEE_LM_MAX_ORDER + 3];
  guint64 i;

  t->recs = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) MIN (count, 1 << 20) * (n + 2));
  t->lines = g_array_new (FALSE, FALSE, sizeof (guint));
  for (i = 0; i < count; i++) {
    guint32 rec[W2VEE_LM_MAX_ORDER + 2];
    float prob, bo = 0.0f;
    guint nf, k;

    if (!next_line (r))
      return fail (r, error, "the file ends in the \\%u-grams: section after %"
          G_GUINT64_FORMAT " of its %" G_GUINT64_FORMAT " n-grams (truncated?)", n, i, count);
    if (strlen (r->buf->str) != r->buf->len)
      return fail (r, error, "NUL byte in the text");
    nf = split_fields (r->buf->str, f, n + 2);
    if (nf == 0 || r->buf->str[0] == '\\')
      return fail (r, error, "\\%u-grams: has %" G_GUINT64_FORMAT " n-grams where \\data\\ "
          "says %" G_GUINT64_FORMAT, n, i, count);
    if (nf < n + 1 || nf > n + 2)
      return fail (r, error, "a %u-gram line is \"log10-prob %u words [back-off]\"", n, n);
    if (!parse_float (f[0], &prob))
      return fail (r, error, "bad probability '%s' (not a finite number)", f[0]);
    if (nf == n + 2 && !parse_float (f[n + 1], &bo))
      return fail (r, error, "bad back-off weight '%s' (not a finite number)", f[n + 1]);
    for (k = 0; k < n; k++) {
      gpointer id;

      if (!g_utf8_validate (f[k + 1], -1, NULL))
        return fail (r, error, "word not UTF-8");
      if (n == 1) {
        if (g_hash_table_contains (ids, f[1]))
          return fail (r, error, "duplicate unigram '%s'", f[1]);
        if (words->len >= G_MAXUINT32 / 8)
          return fail (r, error, "too many words");
        g_ptr_array_add (words, g_strdup (f[1]));
        g_hash_table_insert (ids, words->pdata[words->len - 1],
            GUINT_TO_POINTER (words->len));  /* id + 1, so that NULL means absent */
        rec[0] = words->len - 1;
      } else if ((id = g_hash_table_lookup (ids, f[k + 1])) != NULL) {
        rec[k] = GPOINTER_TO_UINT (id) - 1;
      } else {
        return fail (r, error, "word '%s' of a %u-gram is not a unigram", f[k + 1], n);
      }
    }
    memcpy (&rec[n], &prob, 4);
    memcpy (&rec[n + 1], &bo, 4);
    g_array_append_vals (t->recs, rec, n + 2);
    g_array_append_val (t->lines, r->line);
  }
  return TRUE;
}

/* Sorts @t (order @n), and checks for duplicates and, for n >= 2, that each n-gram's
 * (n-1)-word prefix is in @lower (sorted). */
static gboolean
sort_section (Reader *r, guint n, Table *t, const Table *lower, GError **error)
{
  guint64 count = t->lines->len, i;
  SortCtx ctx = { n, (const guint32 *) t->recs->data };
  SortCtx lctx = { n - 1, lower ? (const guint32 *) lower->recs->data : NULL };

  t->order = g_new (guint32, MAX (count, 1));
  for (i = 0; i < count; i++)
    t->order[i] = (guint32) i;
  g_qsort_with_data (t->order, (gint) count, sizeof (guint32), cmp_index, &ctx);
  for (i = 0; i < count; i++) {
    const guint32 *rec = ctx.recs + (gsize) t->order[i] * (n + 2);

    if (i > 0 && cmp_index (&t->order[i - 1], &t->order[i], &ctx) == 0) {
      guint a = g_array_index (t->lines, guint, t->order[i - 1]);
      guint b = g_array_index (t->lines, guint, t->order[i]);

      r->line = MAX (a, b);
      return fail (r, error, "duplicate %u-gram (also on line %u)", n, MIN (a, b));
    }
    if (n >= 2) {
      /* binary search of the prefix among the sorted (n-1)-grams */
      gsize lo = 0, hi = lower->lines->len;
      gboolean found = FALSE;

      while (lo < hi && !found) {
        gsize mid = lo + (hi - lo) / 2;
        const guint32 *p = lctx.recs + (gsize) lower->order[mid] * (n + 1);
        int c = 0;
        guint k;

        for (k = 0; k < n - 1 && c == 0; k++)
          c = p[k] < rec[k] ? -1 : p[k] > rec[k] ? 1 : 0;
        if (c == 0)
          found = TRUE;
        else if (c < 0)
          lo = mid + 1;
        else
          hi = mid;
      }
      if (!found) {
        r->line = g_array_index (t->lines, guint, t->order[i]);
        return fail (r, error, "%u-gram whose first %u word(s) are not an %u-gram", n,
            n - 1, n - 1);
      }
    }
  }
  return TRUE;
}

/* Builds the image (layout in lm.c) from the words and sorted tables. */
static guint8 *
build_image (guint order, GPtrArray *words, Table *tables, guint32 bos, guint32 eos,
    guint32 unk, gsize *size_out)
{
  guint W = words->len, i, n;
  g_autofree guint32 *sorted = g_new (guint32, W);
  guint64 string_bytes = 0, size;
  guint8 *img, *p;

  for (i = 0; i < W; i++) {
    sorted[i] = i;
    string_bytes += strlen (words->pdata[i]) + 1;
  }
  g_qsort_with_data (sorted, W, sizeof (guint32), cmp_words, words->pdata);
  size = W2VEE_LM_HEADER_BYTES + (guint64) W * 8 + ((string_bytes + 3) & ~3u);
  for (n = 1; n <= order; n++)
    size += (guint64) tables[n - 1].lines->len * (n + 2) * 4;

  img = g_malloc0 (size);
  memcpy (img, W2VEE_LM_MAGIC, 8);
  put32 (img + 8, W2VEE_LM_VERSION);
  put32 (img + 12, order);
  put32 (img + 16, W);
  put32 (img + 20, bos);
  put32 (img + 24, eos);
  put32 (img + 28, unk);
  for (n = 1; n <= order; n++)
    put64 (img + 32 + 8 * (n - 1), tables[n - 1].lines->len);
  put64 (img + 72, string_bytes);
  p = img + W2VEE_LM_HEADER_BYTES;
  {
    guint32 off = 0;
    char *s = (char *) p + (gsize) W * 8;

    for (i = 0; i < W; i++) {
      gsize len = strlen (words->pdata[i]) + 1;

      put32 (p + 4 * i, off);
      put32 (p + 4 * ((gsize) W + i), sorted[i]);
      memcpy (s + off, words->pdata[i], len);
      off += len;
    }
  }
  p += (gsize) W * 8 + ((string_bytes + 3) & ~3u);
  for (n = 1; n <= order; n++) {
    const Table *t = &tables[n - 1];
    const guint32 *recs = (const guint32 *) t->recs->data;
    guint64 k;

    for (k = 0; k < t->lines->len; k++) {
      const guint32 *rec = recs + (gsize) t->order[k] * (n + 2);
      guint j;

      for (j = 0; j < n + 2; j++)
        put32 (p + 4 * j, rec[j]);
      p += (n + 2) * 4;
    }
  }
  *size_out = size;
  return img;
}

gboolean
w2vee_lm_parse_arpa (W2veeLm *lm, const char *text, gsize size, GError **error)
{
  Reader r = { lm->path, text, text + size, 0, g_string_new (NULL) };
  g_autoptr (GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) words = g_ptr_array_new_with_free_func (g_free);
  Table tables[W2VEE_LM_MAX_ORDER] = { { 0 } };
  guint64 counts[W2VEE_LM_MAX_ORDER] = { 0 };
  guint order = 0, n, i;
  gboolean ok = FALSE;
  gpointer id;

  /* header */
  for (;;) {
    if (!next_line (&r)) {
      fail (&r, error, "no \\data\\ line: not an ARPA file");
      goto out;
    }
    if (strcmp (g_strstrip (r.buf->str), "\\data\\") == 0)
      break;
  }
  for (;;) {
    guint64 c;
    char *eq, *end;

    if (!next_line (&r)) {
      fail (&r, error, "the file ends in \\data\\ (truncated?)");
      goto out;
    }
    g_strstrip (r.buf->str);
    if (r.buf->str[0] == '\0') {
      if (order > 0)
        break;
      continue;
    }
    if (!g_str_has_prefix (r.buf->str, "ngram ") || (eq = strchr (r.buf->str, '=')) == NULL) {
      if (order > 0 && r.buf->str[0] == '\\')
        break;  /* a section header right after the counts: read below */
      fail (&r, error, "expected \"ngram N=COUNT\" in \\data\\");
      goto out;
    }
    *eq = '\0';
    n = (guint) strtoul (r.buf->str + 6, &end, 10);
    if (end == r.buf->str + 6 || !blank (end) || n != order + 1) {
      fail (&r, error, "\\data\\ counts must be for orders 1, 2, ... in turn");
      goto out;
    }
    if (n > W2VEE_LM_MAX_ORDER) {
      fail (&r, error, "order %u: this reader takes orders up to %d", n, W2VEE_LM_MAX_ORDER);
      goto out;
    }
    if (!g_ascii_string_to_unsigned (g_strstrip (eq + 1), 10, n == 1 ? 1 : 0,
            MAX_COUNT, &c, NULL)) {
      fail (&r, error, "bad count '%s' for order %u", eq + 1, n);
      goto out;
    }
    counts[n - 1] = c;
    order = n;
  }

  for (n = 1; n <= order; n++) {
    g_autofree char *want = g_strdup_printf ("\\%u-grams:", n);

    /* the section header (the counts' loop may have stopped on it) */
    while (r.buf->str[0] == '\0' || blank (r.buf->str)) {
      if (!next_line (&r)) {
        fail (&r, error, "the file ends before %s (truncated?)", want);
        goto out;
      }
    }
    g_strstrip (r.buf->str);
    if (strcmp (r.buf->str, want) != 0) {
      fail (&r, error, "expected %s", want);
      goto out;
    }
    if (!read_section (&r, n, counts[n - 1], ids, words, &tables[n - 1], error)
        || !sort_section (&r, n, &tables[n - 1], n > 1 ? &tables[n - 2] : NULL, error))
      goto out;
    g_string_truncate (r.buf, 0);
  }
  for (;;) {
    if (!next_line (&r)) {
      fail (&r, error, "no \\end\\ line (truncated?)");
      goto out;
    }
    g_strstrip (r.buf->str);
    if (strcmp (r.buf->str, "\\end\\") == 0)
      break;
    if (r.buf->str[0] != '\0') {
      fail (&r, error, "%s where \\end\\ was expected (more n-grams than \\data\\ says?)",
          r.buf->str[0] == '\\' ? "a section" : "an n-gram");
      goto out;
    }
  }

  lm->order = order;
  {
    guint32 special[3];
    const char *names[3] = { "<s>", "</s>", "<unk>" };

    for (i = 0; i < 3; i++) {
      id = g_hash_table_lookup (ids, names[i]);
      special[i] = id ? GPOINTER_TO_UINT (id) - 1 : W2VEE_LM_NO_WORD;
    }
    lm->owned = build_image (order, words, tables, special[0], special[1], special[2],
        &lm->owned_size);
  }
  /* built here, so only the pointers are set (no second check) */
  ok = w2vee_lm_attach (lm, lm->owned, lm->owned_size, FALSE, error);

out:
  for (i = 0; i < W2VEE_LM_MAX_ORDER; i++)
    table_clear (&tables[i]);
  g_string_free (r.buf, TRUE);
  return ok;
}
