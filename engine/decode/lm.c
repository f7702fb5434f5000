/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Word n-gram LM: the binary image (mapped, checked), queries with back-off, the default
 * LM's location. The ARPA reader (arpa.c) builds the same image in memory.
 *
 * Image (docs/decoder.md), little-endian, every section 4-byte aligned:
 *   header (80 bytes): magic "W2VEELM\0", u32 version 1, u32 order N, u32 vocab size W,
 *     u32 ids of <s>, </s>, <unk> (0xFFFFFFFF when absent), u64 counts[5] (n-grams of
 *     order 1..5; counts[0] = W, counts[n >= N] = 0), u64 string bytes S
 *   u32 offsets[W]      word id -> offset of its NUL-terminated text in the strings
 *   u32 sorted[W]       word ids in strcmp order of their texts (strictly increasing)
 *   char strings[S]     the texts, then zero padding to a multiple of 4
 *   for n = 1..N: counts[n-1] records of n+2 u32: the n word ids (oldest first), the
 *     log10 probability and the back-off weight (log10) as IEEE floats; sorted by the
 *     ids, strictly increasing; the unigram of word i is record i.
 */
#include "decode/decode.h"

#include <math.h>
#include <string.h>

#include "decode/lm-image.h"

W2veeLm *
w2vee_lm_ref (W2veeLm *lm)
{
  g_return_val_if_fail (lm != NULL, NULL);
  g_atomic_int_inc (&lm->ref_count);
  return lm;
}

void
w2vee_lm_unref (W2veeLm *lm)
{
  if (lm == NULL || !g_atomic_int_dec_and_test (&lm->ref_count))
    return;
  g_clear_pointer (&lm->mapped, g_mapped_file_unref);
  g_free (lm->owned);
  g_free (lm->path);
  g_free (lm);
}

static guint32
rd32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_LE (v);
}

static guint64
rd64 (const guint8 *p)
{
  guint64 v;

  memcpy (&v, p, 8);
  return GUINT64_FROM_LE (v);
}

float
w2vee_lm_rec_float (const guint32 *p)
{
  float f;

  memcpy (&f, p, 4);
  return f;
}

/* Bytes of the image described by @counts etc., or 0 when it would overflow 2^62. */
static guint64
image_size (guint order, guint64 vocab, const guint64 *counts, guint64 string_bytes)
{
  guint64 size = W2VEE_LM_HEADER_BYTES, n;
  const guint64 limit = G_GUINT64_CONSTANT (1) << 62;

  if (vocab > G_MAXUINT32 / 8 || string_bytes > limit)
    return 0;
  size += vocab * 8 + ((string_bytes + 3) & ~G_GUINT64_CONSTANT (3));
  for (n = 1; n <= order; n++) {
    if (counts[n - 1] > limit / ((n + 2) * 4))
      return 0;
    size += counts[n - 1] * (n + 2) * 4;
    if (size > limit)
      return 0;
  }
  return size;
}

static int
cmp_ids (const guint32 *a, const guint32 *b, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    if (a[i] != b[i])
      return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

/* Points @lm's fields into @data (@size bytes, 4-byte aligned). With @check, validates
 * everything the queries rely on; FALSE with @error naming the file. */
gboolean
w2vee_lm_attach (W2veeLm *lm, const guint8 *data, gsize size, gboolean check,
    GError **error)
{
  const char *name = lm->path;
  guint64 string_bytes, expect, vocab, i;
  const guint8 *p;
  guint n;

#define BAD(...) G_STMT_START { \
    g_autofree char *why_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_LM, "%s: %s", name, why_); \
    return FALSE; \
  } G_STMT_END

  if (size < W2VEE_LM_HEADER_BYTES || memcmp (data, W2VEE_LM_MAGIC, 8) != 0)
    BAD ("not a binary LM (too short or no magic)");
#if G_BYTE_ORDER != G_LITTLE_ENDIAN
  BAD ("binary LMs are read on little-endian machines only; use the ARPA file");
#endif
  if (rd32 (data + 8) != W2VEE_LM_VERSION)
    BAD ("binary LM version %u, this library reads %u", rd32 (data + 8), W2VEE_LM_VERSION);
  lm->order = rd32 (data + 12);
  vocab = lm->vocab = rd32 (data + 16);
  lm->bos = rd32 (data + 20);
  lm->eos = rd32 (data + 24);
  lm->unk = rd32 (data + 28);
  for (n = 0; n < W2VEE_LM_MAX_ORDER; n++)
    lm->counts[n] = rd64 (data + 32 + 8 * n);
  string_bytes = rd64 (data + 72);
  if (lm->order < 1 || lm->order > W2VEE_LM_MAX_ORDER)
    BAD ("order %u out of 1..%d", lm->order, W2VEE_LM_MAX_ORDER);
  if (vocab == 0 || lm->counts[0] != vocab)
    BAD ("%" G_GUINT64_FORMAT " unigrams for %" G_GUINT64_FORMAT " words",
        lm->counts[0], vocab);
  for (n = lm->order; n < W2VEE_LM_MAX_ORDER; n++) {
    if (lm->counts[n] != 0)
      BAD ("n-grams of order %u in an order-%u LM", n + 1, lm->order);
  }
  expect = image_size (lm->order, vocab, lm->counts, string_bytes);
  if (expect == 0 || expect != size)
    BAD ("%" G_GSIZE_FORMAT " bytes where the header describes %" G_GUINT64_FORMAT
        " (truncated or corrupt)", size, expect);

  p = data + W2VEE_LM_HEADER_BYTES;
  lm->offsets = (const guint32 *) p;
  lm->sorted = lm->offsets + vocab;
  lm->strings = (const char *) (lm->sorted + vocab);
  p = (const guint8 *) lm->strings + ((string_bytes + 3) & ~G_GUINT64_CONSTANT (3));
  for (n = 1; n <= lm->order; n++) {
    lm->tables[n] = (const guint32 *) p;
    p += lm->counts[n - 1] * (n + 2) * 4;
  }
  if (!check)
    return TRUE;

  if (string_bytes == 0 || lm->strings[string_bytes - 1] != '\0')
    BAD ("word texts not NUL-terminated");
  for (i = 0; i < vocab; i++) {
    const char *w;

    if (lm->offsets[i] >= string_bytes)
      BAD ("word %" G_GUINT64_FORMAT ": text offset out of range", i);
    w = lm->strings + lm->offsets[i];
    if (w[0] == '\0' || !g_utf8_validate (w, -1, NULL))
      BAD ("word %" G_GUINT64_FORMAT ": empty or not UTF-8", i);
  }
  for (i = 0; i < vocab; i++) {
    if (lm->sorted[i] >= vocab)
      BAD ("sorted word index out of range");
    if (i > 0 && strcmp (w2vee_lm_word (lm, lm->sorted[i - 1]),
            w2vee_lm_word (lm, lm->sorted[i])) >= 0)
      BAD ("word index not sorted, or a word twice");
  }
  if ((lm->bos != W2VEE_LM_NO_WORD && (lm->bos >= vocab
              || strcmp (w2vee_lm_word (lm, lm->bos), "<s>") != 0))
      || (lm->eos != W2VEE_LM_NO_WORD && (lm->eos >= vocab
              || strcmp (w2vee_lm_word (lm, lm->eos), "</s>") != 0))
      || (lm->unk != W2VEE_LM_NO_WORD && (lm->unk >= vocab
              || strcmp (w2vee_lm_word (lm, lm->unk), "<unk>") != 0)))
    BAD ("ids of <s>, </s>, <unk> do not name those words");
  for (n = 1; n <= lm->order; n++) {
    const guint32 *t = lm->tables[n];

    for (i = 0; i < lm->counts[n - 1]; i++) {
      const guint32 *r = t + i * (n + 2);
      guint k;

      for (k = 0; k < n; k++) {
        if (r[k] >= vocab)
          BAD ("%u-gram %" G_GUINT64_FORMAT ": word id out of range", n, i);
      }
      if (n == 1 && r[0] != i)
        BAD ("unigram %" G_GUINT64_FORMAT " is not word %" G_GUINT64_FORMAT, i, i);
      if (i > 0 && cmp_ids (r - (n + 2), r, n) >= 0)
        BAD ("%u-grams not sorted, or one twice (record %" G_GUINT64_FORMAT ")", n, i);
      if (!isfinite (w2vee_lm_rec_float (r + n)) || !isfinite (w2vee_lm_rec_float (r + n + 1)))
        BAD ("%u-gram %" G_GUINT64_FORMAT ": probability or back-off not finite", n, i);
    }
  }
#undef BAD
  return TRUE;
}

/* A new LM named @name (for messages) with no image yet. */
static W2veeLm *
lm_new (const char *name)
{
  W2veeLm *lm = g_new0 (W2veeLm, 1);

  lm->ref_count = 1;
  lm->path = g_strdup (name);
  return lm;
}

W2veeLm *
w2vee_lm_new_from_data (const char *name, const guint8 *data, gsize size, GError **error)
{
  g_autoptr (W2veeLm) lm = lm_new (name);

  if (size >= 8 && memcmp (data, W2VEE_LM_MAGIC, 8) == 0) {
    lm->owned = g_memdup2 (data, size);  /* g_malloc: aligned for the u32 sections */
    lm->owned_size = size;
    if (!w2vee_lm_attach (lm, lm->owned, size, TRUE, error))
      return NULL;
  } else if (!w2vee_lm_parse_arpa (lm, (const char *) data, size, error)) {
    return NULL;
  }
  return g_steal_pointer (&lm);
}

W2veeLm *
w2vee_lm_load (const char *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GMappedFile) mapped = NULL;
  g_autoptr (W2veeLm) lm = NULL;
  const guint8 *data;
  gsize size;

  g_return_val_if_fail (path != NULL, NULL);
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL) {
    g_set_error (error, W2VEE_ERROR,
        g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
        ? W2VEE_ERROR_NOT_FOUND : W2VEE_ERROR_IO, "cannot read the LM: %s",
        local_error->message);
    return NULL;
  }
  data = (const guint8 *) g_mapped_file_get_contents (mapped);
  size = g_mapped_file_get_length (mapped);
  if (size < 8 || memcmp (data, W2VEE_LM_MAGIC, 8) != 0)
    return w2vee_lm_new_from_data (path, data, size, error);  /* ARPA text */

  /* binary: used in place (mmap gives page alignment for the u32 and float sections) */
  lm = lm_new (path);
  if (!w2vee_lm_attach (lm, data, size, TRUE, error))
    return NULL;
  lm->mapped = g_steal_pointer (&mapped);
  return g_steal_pointer (&lm);
}

gboolean
w2vee_lm_convert (const char *arpa_path, const char *bin_path, GError **error)
{
  g_autoptr (W2veeLm) lm = w2vee_lm_load (arpa_path, error);
  const char *image;
  gsize size;

  if (lm == NULL)
    return FALSE;
  image = lm->mapped ? g_mapped_file_get_contents (lm->mapped) : (const char *) lm->owned;
  size = lm->mapped ? g_mapped_file_get_length (lm->mapped) : lm->owned_size;
  return g_file_set_contents (bin_path, image, size, error);
}

guint
w2vee_lm_order (const W2veeLm *lm)
{
  return lm->order;
}

guint
w2vee_lm_vocab_size (const W2veeLm *lm)
{
  return lm->vocab;
}

guint64
w2vee_lm_count (const W2veeLm *lm, guint n)
{
  return n >= 1 && n <= lm->order ? lm->counts[n - 1] : 0;
}

const char *
w2vee_lm_word (const W2veeLm *lm, guint32 id)
{
  return id < lm->vocab ? lm->strings + lm->offsets[id] : NULL;
}

guint32
w2vee_lm_word_id (const W2veeLm *lm, const char *word)
{
  guint32 lo = 0, hi = lm->vocab;

  while (lo < hi) {
    guint32 mid = lo + (hi - lo) / 2;
    int c = strcmp (w2vee_lm_word (lm, lm->sorted[mid]), word);

    if (c == 0)
      return lm->sorted[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return W2VEE_LM_NO_WORD;
}

guint32 w2vee_lm_bos (const W2veeLm *lm) { return lm->bos; }
guint32 w2vee_lm_eos (const W2veeLm *lm) { return lm->eos; }
guint32 w2vee_lm_unk (const W2veeLm *lm) { return lm->unk; }

/* The record of the @n-gram @key (n ids), or NULL. */
const guint32 *
w2vee_lm_find (const W2veeLm *lm, guint n, const guint32 *key)
{
  const guint32 *t = lm->tables[n];
  guint64 lo = 0, hi = lm->counts[n - 1];

  if (n == 1)
    return key[0] < lm->vocab ? t + (gsize) key[0] * 3 : NULL;
  while (lo < hi) {
    guint64 mid = lo + (hi - lo) / 2;
    const guint32 *r = t + mid * (n + 2);
    int c = cmp_ids (r, key, n);

    if (c == 0)
      return r;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

float
w2vee_lm_score (const W2veeLm *lm, const guint32 *ctx, guint n_ctx, guint32 word,
    guint32 *out_ctx, guint *n_out)
{
  guint32 key[W2VEE_LM_MAX_ORDER];
  float backoff = 0.0f, result = W2VEE_LM_UNK_LOG10;
  guint m, n, keep;

  if (word == W2VEE_LM_NO_WORD || word >= lm->vocab)
    word = lm->unk;
  m = MIN (n_ctx, lm->order - 1);
  ctx += n_ctx - m;  /* the last m words */
  if (word != W2VEE_LM_NO_WORD) {
    for (n = m + 1; n >= 1; n--) {
      const guint32 *r;

      memcpy (key, ctx + (m - (n - 1)), (n - 1) * sizeof (guint32));
      key[n - 1] = word;
      r = w2vee_lm_find (lm, n, key);
      if (r != NULL) {
        result = w2vee_lm_rec_float (r + n) + backoff;
        break;
      }
      /* back off: the weight of the (n-1)-word context, when it exists */
      if (n >= 2 && (r = w2vee_lm_find (lm, n - 1, key)) != NULL)
        backoff += w2vee_lm_rec_float (r + n);
    }
  }
  /* new context: the last N-1 of ctx + word */
  keep = MIN (m, lm->order - 1 > 0 ? lm->order - 2 : 0);
  if (lm->order == 1) {
    *n_out = 0;
    return result;
  }
  memmove (out_ctx, ctx + (m - keep), keep * sizeof (guint32));
  out_ctx[keep] = word;
  *n_out = keep + 1;
  return result;
}

double
w2vee_lm_score_sentence (const W2veeLm *lm, const char *const *words)
{
  guint32 ctx[W2VEE_LM_MAX_ORDER];
  guint n_ctx = 0, i;
  double sum = 0.0;

  g_return_val_if_fail (lm != NULL && words != NULL, 0.0);
  if (lm->bos != W2VEE_LM_NO_WORD && lm->order > 1)
    ctx[n_ctx++] = lm->bos;
  for (i = 0; words[i] != NULL; i++)
    sum += w2vee_lm_score (lm, ctx, n_ctx, w2vee_lm_word_id (lm, words[i]), ctx, &n_ctx);
  if (lm->eos != W2VEE_LM_NO_WORD)
    sum += w2vee_lm_score (lm, ctx, n_ctx, lm->eos, ctx, &n_ctx);
  return sum;
}
