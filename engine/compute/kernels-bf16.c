/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The engine's bfloat16 kernels (kernels.h): the conversion of a row to bf16, and one
 * attention head with bfloat16 products (AVX512-BF16 `vdpbf16ps`), for bf16 and int8
 * sessions: scores = (q · scale) kᵀ and ctx = P v with bf16 inputs and
 * float32 sums, the softmax in float32 between them. int8 sessions run both
 * products in int8 instead (AVX512-VNNI `vpdpbusd`, below).
 *
 * Shapes legend: T = frames, Dh = head size (64 or 128), Tp = T rounded up to
 * 16. vdpbf16ps multiplies pairs: lane l of acc += a[2l]·b[2l] + a[2l+1]·b[2l+1], so
 * both products read one operand as a broadcast pair and the other packed in pairs:
 *   qb (T, Dh)          bf16 q · scale, row-major: the pair p of row t is one dword
 *   kp (Tp/16, Dh/2, 16, 2)  block u of 16 key rows: for each pair p of the head's
 *                       columns, the 16 rows' pairs side by side (one zmm)
 *   vp (Dh/16, Tp/2, 16, 2)  block d of 16 value columns: for each pair of rows
 *                       (2p, 2p+1), the 16 columns' pairs side by side
 *   scores (4, T)       four rows of scores, fp32
 *   pb (4, Tp)          those four rows' exp (score - row max) in bf16 (zero past T)
 * Rows beyond T in kp and vp are zero, so a block's padding adds nothing. The division
 * by each row's sum of exponentials is applied to its context row.
 *
 * int8: vpdpbusd multiplies quads of u8 by s8, lane l of acc += Σ_j a[4l+j] · b[4l+j].
 * Tb = T rounded up to PBLOCK (64).
 *   q8 (T, Dh)          u8 q rows (as w2vee_quantize_rows_u8: offset 128, qs (T) a scale
 *                       per row, the softmax scale folded in)
 *   k8 (Tp/16, Dh/4, 16, 4)  s8 k rows (scale ks and sum kz per row: Tp each, zero past
 *                       T), the 16 rows' quads side by side
 *   score = (acc - 128 · kz) · qs · ks: the q rows' offset of 128 taken back out.
 *   p8 (4, Tb)          u8 exp (score - row max), each block of 64 keys scaled by its own
 *                       largest (ps (4, Tb/64) = block max / 255): a probability
 *                       vanishes only below 1/510 of its block's largest
 *   v8 (Dh/16, Tb/4, 16, 4)  s8 v, a scale vs (Dh) per column (as a weight's output
 *                       channel), the 16 columns' quads side by side
 *   ctx = Σ_blocks (p8 · v8) · ps, then · vs / (Σ p8 · ps): the weights used sum to one.
 * q8, k8 and the scales take the place of qb and kp (less than half their bytes); v8,
 * vs, p8 and ps lie after pb.
 */
#include "kernels.h"

#include <string.h>

/* query rows per block: 4 accumulators (scores), 4 × 4 (context) */
#define ROWS W2VEE_ATTENTION_BF16_ROWS

/* int8 P v: keys in blocks of PBLOCK, each with its own scale per query row */
#define PBLOCK 64

/* x rounded up to a multiple of n: Tp = round_up (T, 16), Tb = round_up (T, PBLOCK). */
static inline gsize
round_up (gsize x, gsize n)
{
  return (x + n - 1) / n * n;
}

gsize
w2vee_attention_bf16_work (gsize T, gsize Dh)
{
  gsize Tp = round_up (T, 16), Tb = round_up (T, PBLOCK);
  gsize int8_bytes = Tb * Dh + Dh * sizeof (float) + ROWS * Tb +
      ROWS * (Tb / PBLOCK) * sizeof (float);

  return T * Dh + 2 * Tp * Dh + ROWS * Tp + (int8_bytes + 1) / 2;
}

#if defined(__x86_64__) && defined(__GNUC__) && (__GNUC__ >= 10 || defined(__clang__))
#include <immintrin.h>

#define W2VEE_BF16_TARGET __attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512bf16")))
#define W2VEE_VNNI_TARGET \
  __attribute__ ((target ("avx512f,avx512bw,avx512vl,avx512bf16,avx512vnni")))

/* The lanes of x, x + 1, …, x + 15 that are below T. */
static inline __mmask16
lanes_below (gsize x, gsize T)
{
  return x + 16 <= T ? 0xffff : x < T ? (__mmask16) ((1u << (T - x)) - 1) : 0;
}

gboolean
w2vee_attention_int8_supported (gsize Dh)
{
  return w2vee_attention_bf16_supported (Dh) && __builtin_cpu_supports ("avx512vnni");
}

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
  gsize Tp = round_up (T, 16), u, d;
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
  gsize Tp = round_up (T, 16), half = Dh / 2, ub, p, r;
  const guint32 *q32[ROWS];

  for (r = 0; r < ROWS; r++)   /* rows past T repeat the last one, never stored */
    q32[r] = (const guint32 *) (qb + MIN (t0 + r, T - 1) * Dh);
  for (ub = 0; ub < Tp / 16; ub++) {
    __m512 acc0 = _mm512_setzero_ps (), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const guint16 *kb = kp + ub * half * 32;
    __mmask16 mask = lanes_below (ub * 16, T);

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
  gsize Tp = round_up (T, 16), pairs = Tp / 2, dg, p, r, d;
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

/* One row x (Dh, a multiple of 16) -> dst (Dh) = rint (x / s) + offset (offset 0: s8,
 * 128: u8), with s = max |x| / 127 (1 for a zero row) in *scale and the sum of the s8
 * values in *sum: what w2vee_quantize_rows_s8 / _u8 store, for one short row. */
W2VEE_VNNI_TARGET static void
quantize_row (const float *x, gsize Dh, int offset, guint8 *dst, float *scale,
    gint32 *sum)
{
  __m512 amax = _mm512_setzero_ps (), inv;
  __m512i acc = _mm512_setzero_si512 (), off = _mm512_set1_epi32 (offset);
  float m, sc;
  gsize d;

  for (d = 0; d < Dh; d += 16)
    amax = _mm512_max_ps (amax, _mm512_abs_ps (_mm512_loadu_ps (x + d)));
  m = _mm512_reduce_max_ps (amax);
  sc = m > 0.0f ? m / 127.0f : 1.0f;
  inv = _mm512_set1_ps (1.0f / sc);
  for (d = 0; d < Dh; d += 16) {
    __m512i v = _mm512_cvtps_epi32 (_mm512_mul_ps (_mm512_loadu_ps (x + d), inv));

    v = _mm512_min_epi32 (_mm512_max_epi32 (v, _mm512_set1_epi32 (-127)),
        _mm512_set1_epi32 (127));
    acc = _mm512_add_epi32 (acc, v);
    _mm_storeu_si128 ((__m128i *) (dst + d), _mm512_cvtepi32_epi8 (_mm512_add_epi32 (v,
                off)));
  }
  *scale = sc;
  *sum = _mm512_reduce_add_epi32 (acc);
}

/* k8, ks, kz from k (T, Dh) row stride ld (layout above). */
W2VEE_VNNI_TARGET static void
pack_keys_int8 (const float *k, gsize ld, gsize T, gsize Dh, guint8 *k8, float *ks,
    gint32 *kz)
{
  gsize Tp = round_up (T, 16), u, p;
  guint32 *k32 = (guint32 *) k8, row[32];   /* a row's Dh / 4 quads */

  if (T % 16)   /* the last block's lanes past T */
    for (p = 0; p < Dh / 4; p++)
      memset (k32 + ((T / 16) * (Dh / 4) + p) * 16 + T % 16, 0,
          (16 - T % 16) * sizeof (guint32));
  for (u = T; u < Tp; u++) {
    ks[u] = 0.0f;
    kz[u] = 0;
  }
  for (u = 0; u < T; u++) {
    guint32 *dst = k32 + (u / 16) * (Dh / 4) * 16 + u % 16;

    quantize_row (k + u * ld, Dh, 0, (guint8 *) row, ks + u, kz + u);
    for (p = 0; p < Dh / 4; p++)
      dst[p * 16] = row[p];
  }
}

/* scores (ROWS, T): row r = q8 row t0 + r · k8ᵀ, scaled, for the rows below T. */
W2VEE_VNNI_TARGET static void
scores_block_int8 (const guint8 *q8, const float *qs, const guint8 *k8, const float *ks,
    const gint32 *kz, gsize T, gsize Dh, gsize t0, float *scores)
{
  gsize Tp = round_up (T, 16), quads = Dh / 4, ub, p, r;
  const guint32 *q32[ROWS];
  float rs[ROWS];

  for (r = 0; r < ROWS; r++) {   /* rows past T repeat the last one, never stored */
    q32[r] = (const guint32 *) (q8 + MIN (t0 + r, T - 1) * Dh);
    rs[r] = qs[MIN (t0 + r, T - 1)];
  }
  for (ub = 0; ub < Tp / 16; ub++) {
    __m512i acc0 = _mm512_setzero_si512 (), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    const guint8 *kb = k8 + ub * quads * 64;
    __mmask16 mask = lanes_below (ub * 16, T);
    __m512i zero = _mm512_slli_epi32 (_mm512_loadu_si512 (kz + ub * 16), 7);
    __m512 kscale = _mm512_loadu_ps (ks + ub * 16);

    for (p = 0; p < quads; p++) {
      __m512i kv = _mm512_loadu_si512 (kb + p * 64);

      acc0 = _mm512_dpbusd_epi32 (acc0, _mm512_set1_epi32 ((int) q32[0][p]), kv);
      acc1 = _mm512_dpbusd_epi32 (acc1, _mm512_set1_epi32 ((int) q32[1][p]), kv);
      acc2 = _mm512_dpbusd_epi32 (acc2, _mm512_set1_epi32 ((int) q32[2][p]), kv);
      acc3 = _mm512_dpbusd_epi32 (acc3, _mm512_set1_epi32 ((int) q32[3][p]), kv);
    }
    {
      __m512i acc[ROWS] = { acc0, acc1, acc2, acc3 };

      for (r = 0; r < ROWS && t0 + r < T; r++) {
        __m512 v = _mm512_cvtepi32_ps (_mm512_sub_epi32 (acc[r], zero));

        _mm512_mask_storeu_ps (scores + r * T + ub * 16, mask,
            _mm512_mul_ps (_mm512_mul_ps (v, kscale), _mm512_set1_ps (rs[r])));
      }
    }
  }
}

/* max (row (T)), T >= 1. */
W2VEE_BF16_TARGET static inline float
row_max (const float *row, gsize T)
{
  __m512 vmax = _mm512_set1_ps (-G_MAXFLOAT);
  gsize x;

  for (x = 0; x < T; x += 16) {
    __mmask16 mask = lanes_below (x, T);

    vmax = _mm512_mask_max_ps (vmax, mask, vmax, _mm512_maskz_loadu_ps (mask, row + x));
  }
  return _mm512_reduce_max_ps (vmax);
}

/* exp (x[l] - m) for the lanes l of @mask, 0 in the others, for probabilities that are
 * rounded to bf16 (8 significant bits) or u8 next: 2^f · 2^k with t = (x - m) log2 e =
 * k + f, a cubic for 2^f on [-1/2, 1/2] (relative error below 7.5e-5, 1/26 of bf16's
 * rounding step) and vscalefps for 2^k. t <= 0; NaN and -inf clamp to -126 (e ~ 1e-38). */
W2VEE_BF16_TARGET static inline __m512
exp_shifted (__mmask16 mask, const float *x, __m512 m)
{
  const __m512 c0 = _mm512_set1_ps (0.9999281168f), c1 = _mm512_set1_ps (0.6932609677f);
  const __m512 c2 = _mm512_set1_ps (0.2426108569f), c3 = _mm512_set1_ps (0.0551714599f);
  __m512 t = _mm512_max_ps (_mm512_mul_ps (_mm512_sub_ps (_mm512_maskz_loadu_ps (mask, x),
              m), _mm512_set1_ps (1.44269504088896341f)), _mm512_set1_ps (-126.0f));
  __m512 k = _mm512_roundscale_ps (t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 f = _mm512_sub_ps (t, k);
  __m512 p = _mm512_fmadd_ps (_mm512_fmadd_ps (_mm512_fmadd_ps (c3, f, c2), f, c1), f, c0);

  return _mm512_maskz_scalef_ps (mask, p, k);
}

/* The block's scores (rows r < n = those below T) -> e = exp (score - row max) in bf16
 * in pb (zero past T), and inv (n) = 1 / each row's sum of e. */
W2VEE_BF16_TARGET static void
probabilities_block (const float *scores, gsize T, gsize n, guint16 *pb, float *inv)
{
  gsize Tp = round_up (T, 16), r, x;

  for (r = 0; r < n; r++) {
    const float *row = scores + r * T;
    guint16 *dst = pb + r * Tp;
    __m512 sum = _mm512_setzero_ps (), m = _mm512_set1_ps (row_max (row, T));

    for (x = 0; x < Tp; x += 16) {
      __m512 e = exp_shifted (lanes_below (x, T), row + x, m);

      sum = _mm512_add_ps (sum, e);
      _mm256_storeu_si256 ((__m256i *) (dst + x), (__m256i) _mm512_cvtneps_pbh (e));
    }
    inv[r] = 1.0f / _mm512_reduce_add_ps (sum);
  }
  if (n < ROWS)   /* rows past T: read by the context block, never stored */
    memset (pb + n * Tp, 0, (ROWS - n) * Tp * sizeof (guint16));
}

/* v8 (Dh/16, Tb/4, 16, 4), Tb = T rounded up to PBLOCK: s8 v = rint (v / vs[d]) with
 * vs (Dh) = max_t |v[t][d]| / 127 per column (1 for a zero column), rows past T zero:
 * block d of 16 columns, for each quad of rows the 16 columns' quads side by side. */
W2VEE_VNNI_TARGET static void
pack_values_int8 (const float *v, gsize ld, gsize T, gsize Dh, guint8 *v8, float *vs)
{
  gsize Tb = round_up (T, PBLOCK), u, d, j;
  __m512 amax[8], inv[8];   /* Dh <= 128: 8 vectors of 16 columns */

  for (d = 0; d < Dh / 16; d++)
    amax[d] = _mm512_setzero_ps ();
  for (u = 0; u < T; u++)
    for (d = 0; d < Dh / 16; d++)
      amax[d] = _mm512_max_ps (amax[d], _mm512_abs_ps (_mm512_loadu_ps (v + u * ld +
                  d * 16)));
  for (d = 0; d < Dh / 16; d++) {
    __mmask16 nz = _mm512_cmp_ps_mask (amax[d], _mm512_setzero_ps (), _CMP_GT_OQ);
    __m512 sc = _mm512_mask_div_ps (_mm512_set1_ps (1.0f), nz, amax[d],
        _mm512_set1_ps (127.0f));

    _mm512_storeu_ps (vs + d * 16, sc);
    inv[d] = _mm512_div_ps (_mm512_set1_ps (1.0f), sc);
  }
  for (u = 0; u < Tb; u += 4)
    for (d = 0; d < Dh / 16; d++) {
      __m512i quad = _mm512_setzero_si512 ();

      for (j = 0; j < 4 && u + j < T; j++) {
        __m512i x = _mm512_cvtps_epi32 (_mm512_mul_ps (_mm512_loadu_ps (v + (u + j) * ld +
                    d * 16), inv[d]));

        x = _mm512_min_epi32 (_mm512_max_epi32 (x, _mm512_set1_epi32 (-127)),
            _mm512_set1_epi32 (127));
        quad = _mm512_or_si512 (quad, _mm512_slli_epi32 (_mm512_and_si512 (x,
                    _mm512_set1_epi32 (0xff)), 8 * j));
      }
      _mm512_storeu_si512 (v8 + (d * (Tb / 4) + u / 4) * 64, quad);
    }
}

/* The block's scores (rows r < n) -> e = exp (score - row max) as u8 in p8 (ROWS, Tb):
 * each PBLOCK keys with their own scale ps (ROWS, Tb / PBLOCK) = block max / 255, so
 * that a probability is lost only when it is below 1/510 of its block's largest (zero
 * past T and for rows past T); inv (n) = 1 / each row's sum of the weights as used. */
W2VEE_VNNI_TARGET static void
probabilities_block_int8 (const float *scores, gsize T, gsize n, guint8 *p8, float *ps,
    float *inv)
{
  gsize Tb = round_up (T, PBLOCK), nb = Tb / PBLOCK, r, b;

  for (r = 0; r < n; r++) {
    const float *row = scores + r * T;
    __m512 m = _mm512_set1_ps (row_max (row, T));
    float total = 0.0f;

    for (b = 0; b < nb; b++) {
      __m512 e[PBLOCK / 16], bmax = _mm512_setzero_ps (), k255;
      __m512i qsum = _mm512_setzero_si512 ();
      float mb;
      gsize i;

      for (i = 0; i < PBLOCK / 16; i++) {
        gsize x0 = b * PBLOCK + i * 16;

        e[i] = exp_shifted (lanes_below (x0, T), row + x0, m);
        bmax = _mm512_max_ps (bmax, e[i]);
      }
      mb = _mm512_reduce_max_ps (bmax);
      k255 = _mm512_set1_ps (mb > 0.0f ? 255.0f / mb : 0.0f);
      for (i = 0; i < PBLOCK / 16; i++) {
        __m512i q = _mm512_cvtps_epi32 (_mm512_mul_ps (e[i], k255));

        qsum = _mm512_add_epi32 (qsum, q);
        _mm_storeu_si128 ((__m128i *) (p8 + r * Tb + b * PBLOCK + i * 16),
            _mm512_cvtusepi32_epi8 (q));
      }
      ps[r * nb + b] = mb / 255.0f;
      total += (float) _mm512_reduce_add_epi32 (qsum) * (mb / 255.0f);
    }
    inv[r] = 1.0f / total;
  }
  for (r = n; r < ROWS; r++) {   /* rows past T: read by the context block, never stored */
    memset (p8 + r * Tb, 0, Tb);
    for (b = 0; b < nb; b++)
      ps[r * nb + b] = 0.0f;
  }
}

/* ctx rows [t0, t0 + ROWS) (those below T) = Σ_blocks (p8 block · v8 block) · ps, then
 * · vs · inv; u8 × s8 sums in int32 within a block (at most 64 · 255 · 127), 32 columns
 * at a time. */
W2VEE_VNNI_TARGET static void
context_block_int8 (const guint8 *p8, const float *ps, const float *inv, const guint8 *v8,
    const float *vs, gsize T, gsize Dh, gsize t0, float *ctx, gsize ldc)
{
  gsize Tb = round_up (T, PBLOCK), nb = Tb / PBLOCK, dg, b, p, r;

  for (dg = 0; dg < Dh / 32; dg++) {
    const guint8 *w0 = v8 + (dg * 2) * (Tb / 4) * 64, *w1 = w0 + (Tb / 4) * 64;
    __m512 f[ROWS][2];

    for (r = 0; r < ROWS; r++)
      f[r][0] = f[r][1] = _mm512_setzero_ps ();
    for (b = 0; b < nb; b++) {
      __m512i a[ROWS][2];

      for (r = 0; r < ROWS; r++)
        a[r][0] = a[r][1] = _mm512_setzero_si512 ();
      for (p = b * (PBLOCK / 4); p < (b + 1) * (PBLOCK / 4); p++) {
        __m512i x0 = _mm512_loadu_si512 (w0 + p * 64), x1 = _mm512_loadu_si512 (w1 + p * 64);

        for (r = 0; r < ROWS; r++) {
          __m512i q = _mm512_set1_epi32 (((const gint32 *) (p8 + r * Tb))[p]);

          a[r][0] = _mm512_dpbusd_epi32 (a[r][0], q, x0);
          a[r][1] = _mm512_dpbusd_epi32 (a[r][1], q, x1);
        }
      }
      for (r = 0; r < ROWS; r++) {
        __m512 sc = _mm512_set1_ps (ps[r * nb + b]);

        f[r][0] = _mm512_fmadd_ps (_mm512_cvtepi32_ps (a[r][0]), sc, f[r][0]);
        f[r][1] = _mm512_fmadd_ps (_mm512_cvtepi32_ps (a[r][1]), sc, f[r][1]);
      }
    }
    for (r = 0; r < ROWS && t0 + r < T; r++) {
      __m512 g = _mm512_set1_ps (inv[r]);

      _mm512_storeu_ps (ctx + (t0 + r) * ldc + dg * 32, _mm512_mul_ps (_mm512_mul_ps (f[r][0],
                  _mm512_loadu_ps (vs + dg * 32)), g));
      _mm512_storeu_ps (ctx + (t0 + r) * ldc + dg * 32 + 16,
          _mm512_mul_ps (_mm512_mul_ps (f[r][1], _mm512_loadu_ps (vs + dg * 32 + 16)), g));
    }
  }
}

/* Both products in int8 (layout above). @front (qb and kp's 2 (T + Tp) Dh bytes) holds
 * q8, k8, then qs (T), ks (Tp), kz (Tp); @back (after pb) holds v8, vs, p8, ps. */
W2VEE_VNNI_TARGET static void
attention_int8 (const float *q, const float *k, const float *v, gsize ld, gsize T,
    gsize Dh, float scale, guint8 *front, guint8 *back, float *scores, float *ctx,
    gsize ldc)
{
  gsize Tp = round_up (T, 16), Tb = round_up (T, PBLOCK), t;
  guint8 *q8 = front, *k8 = q8 + T * Dh, *v8 = back, *p8;
  float *qs = (float *) (k8 + Tp * Dh), *ks = qs + T, *vs, *ps;
  gint32 *kz = (gint32 *) (ks + Tp), unused;

  vs = (float *) (v8 + Tb * Dh);
  p8 = (guint8 *) (vs + Dh);
  ps = (float *) (p8 + ROWS * Tb);

  for (t = 0; t < T; t++) {
    quantize_row (q + t * ld, Dh, 128, q8 + t * Dh, qs + t, &unused);
    qs[t] *= scale;
  }
  pack_keys_int8 (k, ld, T, Dh, k8, ks, kz);
  pack_values_int8 (v, ld, T, Dh, v8, vs);
  for (t = 0; t < T; t += ROWS) {
    float inv[ROWS];

    scores_block_int8 (q8, qs, k8, ks, kz, T, Dh, t, scores);
    probabilities_block_int8 (scores, T, MIN (ROWS, T - t), p8, ps, inv);
    context_block_int8 (p8, ps, inv, v8, vs, T, Dh, t, ctx, ldc);
  }
}

void
w2vee_attention_head_bf16 (const float *q, const float *k, const float *v, gsize ld,
    gsize T, gsize Dh, float scale, gboolean int8, float *scores, guint16 *work,
    float *ctx, gsize ldc)
{
  gsize Tp = round_up (T, 16), t;
  guint16 *qb = work, *kp = qb + T * Dh, *vp = kp + Tp * Dh, *pb = vp + Tp * Dh;

  if (T == 0)
    return;
  if (int8) {
    attention_int8 (q, k, v, ld, T, Dh, scale, (guint8 *) work, (guint8 *) (pb + ROWS * Tp),
        scores, ctx, ldc);
    return;
  }
  pack_values (v, ld, T, Dh, vp);
  for (t = 0; t < T; t++)
    w2vee_bf16_row (q + t * ld, Dh, scale, qb + t * Dh);
  pack_keys (k, ld, T, Dh, kp);
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

gboolean
w2vee_attention_int8_supported (gsize Dh)
{
  return FALSE;
}

void
w2vee_attention_head_bf16 (const float *q, const float *k, const float *v, gsize ld,
    gsize T, gsize Dh, float scale, gboolean int8, float *scores, guint16 *work,
    float *ctx, gsize ldc)
{
  g_return_if_reached ();
}

#endif
