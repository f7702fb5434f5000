/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The engine's bfloat16 kernels (kernels.h): the conversion of a row to bf16, and one
 * attention head with bfloat16 products (AVX512-BF16 `vdpbf16ps`), for bf16 and int8
 * sessions: scores = (q · scale) kᵀ and ctx = P v with bf16 inputs and
 * float32 sums, the softmax in float32 between them (w2vee_softmax_rows).
 *
 * Shapes legend: T = frames, Dh = head size (64 or 128), Tp = T rounded up to
 * 16. vdpbf16ps multiplies pairs: lane l of acc += a[2l]·b[2l] + a[2l+1]·b[2l+1], so
 * both products read one operand as a broadcast pair and the other packed in pairs:
 *   qb (T, Dh)          bf16 q · scale, row-major: the pair p of row t is one dword
 *   kp (Tp/16, Dh/2, 16, 2)  block u of 16 key rows: for each pair p of the head's
 *                       columns, the 16 rows' pairs side by side (one zmm)
 *   vp (Dh/16, Tp/2, 16, 2)  block d of 16 value columns: for each pair of rows
 *                       (2p, 2p+1), the 16 columns' pairs side by side
 *   scores (4, T)       four rows of scores, then of exp (score - row max), fp32
 *   pb (4, Tp)          those four rows' exponentials in bf16 (zero past T)
 * Rows beyond T in kp and vp are zero, so a block's padding adds nothing. The division
 * by each row's sum of exponentials is applied to its context row.
 */
#include "kernels.h"

#include <string.h>

/* query rows per block: 4 accumulators (scores), 4 × 4 (context) */
#define ROWS W2VEE_ATTENTION_BF16_ROWS

gsize
w2vee_attention_bf16_work (gsize T, gsize Dh)
{
  gsize Tp = (T + 15) / 16 * 16;

  return T * Dh + 2 * Tp * Dh + ROWS * Tp;
}

#if defined(__x86_64__) && defined(__GNUC__) && (__GNUC__ >= 10 || defined(__clang__))
#include <immintrin.h>

#define W2VEE_BF16_TARGET __attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512bf16")))

gboolean
w2vee_attention_bf16_supported (gsize Dh)
{
  return Dh > 0 && Dh % 64 == 0 && Dh <= 128 && __builtin_cpu_supports ("avx512bf16") &&
      __builtin_cpu_supports ("avx512bw") && __builtin_cpu_supports ("avx512vl");
}

W2VEE_BF16_TARGET void
w2vee_bf16_row (const float *src, gsize n, float scale, guint16 *dst)
{
  __m512 s = _mm512_set1_ps (scale);
  gsize x;

  for (x = 0; x + 16 <= n; x += 16) {
    __m256bh v = _mm512_cvtneps_pbh (_mm512_mul_ps (_mm512_loadu_ps (src + x), s));

    _mm256_storeu_si256 ((__m256i *) (dst + x), (__m256i) v);
  }
  if (x < n) {
    __mmask16 mask = (__mmask16) ((1u << (n - x)) - 1);
    __m256bh v = _mm512_cvtneps_pbh (_mm512_mul_ps (_mm512_maskz_loadu_ps (mask, src + x),
            s));

    _mm256_mask_storeu_epi16 (dst + x, mask, (__m256i) v);
  }
}

/* kp from k (T, Dh) row stride ld (layout above). */
W2VEE_BF16_TARGET static void
pack_keys (const float *k, gsize ld, gsize T, gsize Dh, guint16 *kp)
{
  gsize u, p;
  guint32 *kp32 = (guint32 *) kp, row[64];   /* a row's Dh / 2 pairs */

  if (T % 16)   /* the last block's lanes past T */
    for (p = 0; p < Dh / 2; p++)
      memset (kp32 + ((T / 16) * (Dh / 2) + p) * 16 + T % 16, 0,
          (16 - T % 16) * sizeof (guint32));
  for (u = 0; u < T; u++) {
    guint32 *dst = kp32 + (u / 16) * (Dh / 2) * 16 + u % 16;

    w2vee_bf16_row (k + u * ld, Dh, 1.0f, (guint16 *) row);
    for (p = 0; p < Dh / 2; p++)
      dst[p * 16] = row[p];
  }
}

/* vp from v (T, Dh) row stride ld (layout above). */
W2VEE_BF16_TARGET static void
pack_values (const float *v, gsize ld, gsize T, gsize Dh, guint16 *vp)
{
  gsize Tp = (T + 15) / 16 * 16, u, d;
  guint16 a[128], b[128];

  for (u = 0; u < Tp; u += 2) {   /* rows u, u + 1 (zero past T) as 16 pairs per block */
    if (u < T)
      w2vee_bf16_row (v + u * ld, Dh, 1.0f, a);
    else
      memset (a, 0, sizeof a);
    if (u + 1 < T)
      w2vee_bf16_row (v + (u + 1) * ld, Dh, 1.0f, b);
    else
      memset (b, 0, sizeof b);
    for (d = 0; d < Dh; d += 16) {
      __m512i lo = _mm512_cvtepu16_epi32 (_mm256_loadu_si256 ((const __m256i *) (a + d)));
      __m512i hi = _mm512_cvtepu16_epi32 (_mm256_loadu_si256 ((const __m256i *) (b + d)));

      _mm512_storeu_si512 (vp + ((d / 16) * (Tp / 2) + u / 2) * 32,
          _mm512_or_si512 (lo, _mm512_slli_epi32 (hi, 16)));
    }
  }
}

/* scores (ROWS, T): row r = qb row t0 + r · kpᵀ, for the rows below T. */
W2VEE_BF16_TARGET static void
scores_block (const guint16 *qb, const guint16 *kp, gsize T, gsize Dh, gsize t0,
    float *scores)
{
  gsize Tp = (T + 15) / 16 * 16, half = Dh / 2, ub, p, r;
  const guint32 *q32[ROWS];

  for (r = 0; r < ROWS; r++)   /* rows past T repeat the last one, never stored */
    q32[r] = (const guint32 *) (qb + MIN (t0 + r, T - 1) * Dh);
  for (ub = 0; ub < Tp / 16; ub++) {
    __m512 acc0 = _mm512_setzero_ps (), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const guint16 *kb = kp + ub * half * 32;
    __mmask16 mask = ub * 16 + 16 <= T ? 0xffff : (__mmask16) ((1u << (T - ub * 16)) - 1);

    for (p = 0; p < half; p++) {
      __m512bh kv = (__m512bh) _mm512_loadu_si512 (kb + p * 32);

      acc0 = _mm512_dpbf16_ps (acc0, (__m512bh) _mm512_set1_epi32 ((int) q32[0][p]), kv);
      acc1 = _mm512_dpbf16_ps (acc1, (__m512bh) _mm512_set1_epi32 ((int) q32[1][p]), kv);
      acc2 = _mm512_dpbf16_ps (acc2, (__m512bh) _mm512_set1_epi32 ((int) q32[2][p]), kv);
      acc3 = _mm512_dpbf16_ps (acc3, (__m512bh) _mm512_set1_epi32 ((int) q32[3][p]), kv);
    }
    {
      __m512 acc[ROWS] = { acc0, acc1, acc2, acc3 };

      for (r = 0; r < ROWS && t0 + r < T; r++)
        _mm512_mask_storeu_ps (scores + r * T + ub * 16, mask, acc[r]);
    }
  }
}

/* ctx rows [t0, t0 + ROWS) (those below T) = (pb rows (bf16) · v) · inv, 64 columns at
 * a time. */
W2VEE_BF16_TARGET static void
context_block (const guint16 *pb, const float *inv, const guint16 *vp, gsize T, gsize Dh,
    gsize t0, float *ctx, gsize ldc)
{
  gsize Tp = (T + 15) / 16 * 16, pairs = Tp / 2, dg, p, r, d;
  const guint32 *p32[ROWS];

  for (r = 0; r < ROWS; r++)
    p32[r] = (const guint32 *) (pb + r * Tp);
  for (dg = 0; dg < Dh / 64; dg++) {
    __m512 acc[ROWS][4];
    const guint16 *vb[4];

    for (d = 0; d < 4; d++)
      vb[d] = vp + (dg * 4 + d) * pairs * 32;
    for (r = 0; r < ROWS; r++)
      for (d = 0; d < 4; d++)
        acc[r][d] = _mm512_setzero_ps ();
    for (p = 0; p < pairs; p++) {
      __m512bh v0 = (__m512bh) _mm512_loadu_si512 (vb[0] + p * 32);
      __m512bh v1 = (__m512bh) _mm512_loadu_si512 (vb[1] + p * 32);
      __m512bh v2 = (__m512bh) _mm512_loadu_si512 (vb[2] + p * 32);
      __m512bh v3 = (__m512bh) _mm512_loadu_si512 (vb[3] + p * 32);

      for (r = 0; r < ROWS; r++) {
        __m512bh b = (__m512bh) _mm512_set1_epi32 ((int) p32[r][p]);

        acc[r][0] = _mm512_dpbf16_ps (acc[r][0], b, v0);
        acc[r][1] = _mm512_dpbf16_ps (acc[r][1], b, v1);
        acc[r][2] = _mm512_dpbf16_ps (acc[r][2], b, v2);
        acc[r][3] = _mm512_dpbf16_ps (acc[r][3], b, v3);
      }
    }
    for (r = 0; r < ROWS && t0 + r < T; r++) {
      __m512 f = _mm512_set1_ps (inv[r]);

      for (d = 0; d < 4; d++)
        _mm512_storeu_ps (ctx + (t0 + r) * ldc + dg * 64 + d * 16,
            _mm512_mul_ps (acc[r][d], f));
    }
  }
}

/* The block's scores (rows r < n = those below T) -> exp (score - row max) in bf16 in
 * pb (zero past T), and inv (n) = 1 / each row's sum of them. */
W2VEE_BF16_TARGET static void
probabilities_block (float *scores, gsize T, gsize n, guint16 *pb, float *inv)
{
  gsize Tp = (T + 15) / 16 * 16, r;
  float sum[ROWS];

  w2vee_exp_rows (scores, n, T, T, sum);
  for (r = 0; r < n; r++) {
    w2vee_bf16_row (scores + r * T, T, 1.0f, pb + r * Tp);
    memset (pb + r * Tp + T, 0, (Tp - T) * sizeof (guint16));
    inv[r] = 1.0f / sum[r];
  }
  if (n < ROWS)   /* rows past T: read by the context block, never stored */
    memset (pb + n * Tp, 0, (ROWS - n) * Tp * sizeof (guint16));
}

void
w2vee_attention_head_bf16 (const float *q, const float *k, const float *v, gsize ld,
    gsize T, gsize Dh, float scale, float *scores, guint16 *work, float *ctx, gsize ldc)
{
  gsize Tp = (T + 15) / 16 * 16, t;
  guint16 *qb = work, *kp = qb + T * Dh, *vp = kp + Tp * Dh, *pb = vp + Tp * Dh;

  if (T == 0)
    return;
  for (t = 0; t < T; t++)
    w2vee_bf16_row (q + t * ld, Dh, scale, qb + t * Dh);
  pack_keys (k, ld, T, Dh, kp);
  pack_values (v, ld, T, Dh, vp);
  for (t = 0; t < T; t += ROWS) {
    float inv[ROWS];

    scores_block (qb, kp, T, Dh, t, scores);
    probabilities_block (scores, T, MIN (ROWS, T - t), pb, inv);
    context_block (pb, inv, vp, T, Dh, t, ctx, ldc);
  }
}

#else /* another compiler or CPU family: the float32 path runs the attention */

void
w2vee_bf16_row (const float *src, gsize n, float scale, guint16 *dst)
{
  gsize x;

  for (x = 0; x < n; x++)
    dst[x] = w2vee_to_bf16 (src[x] * scale);
}

gboolean
w2vee_attention_bf16_supported (gsize Dh)
{
  return FALSE;
}

void
w2vee_attention_head_bf16 (const float *q, const float *k, const float *v, gsize ld,
    gsize T, gsize Dh, float scale, float *scores, guint16 *work, float *ctx, gsize ldc)
{
  g_return_if_reached ();
}

#endif
