/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Numeric kernels of libw2vee (see kernels.h for the shape legend). */
#include "kernels.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void
w2vee_linear (const float *in, gsize T, gsize C, gsize ldi, const float *w,
    const float *b, gsize OC, float *out, gsize ldo, gboolean accumulate)
{
  /* in is (T,C), w is (OC,C) -> out is (T,OC) */
  if (T == 0)
    return;
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T, (int) OC, (int) C,
      1.0f, in, (int) ldi, w, (int) C, accumulate ? 1.0f : 0.0f, out, (int) ldo);
  if (b)
    w2vee_bias_add (out, T, OC, ldo, b);
}

void
w2vee_conv1d (const float *in, gsize C, gsize S, const float *w, gsize K, gsize OC,
    float *out, gsize T_out)
{
  /* in is (T_in,C), w is (OC,K,C) -> out is (T_out,OC).
   * Output row t reads the K·C contiguous floats at in + t·S·C. BLAS wants a row stride
   * no smaller than the row, so the taps are split into chunks of at most S taps: chunk
   * [j, j+n) is the (T_out, n·C) view at in + j·C with row stride S·C, multiplied by the
   * (OC, n·C) slice of w at column j·C (row stride K·C), accumulated into out. */
  gsize j;

  if (T_out == 0)
    return;
  for (j = 0; j < K; j += S) {
    gsize n = MIN (S, K - j);

    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T_out, (int) OC,
        (int) (n * C), 1.0f, in + j * C, (int) (S * C), w + j * C, (int) (K * C),
        j == 0 ? 0.0f : 1.0f, out, (int) OC);
  }
}

void
w2vee_conv1d_k3s2 (const float *in, gsize C, const float *w, const float *w02, gsize OC,
    float *out, gsize T_out, float *d1, float *d3, float *m2)
{
  /* in is (2·T_out + 1, C), w is (OC, 3, C), w02 = w[:,0,:] + w[:,2,:] is (OC, C)
   * -> out is (T_out, OC).
   * With e = the even input rows and o = the odd ones, out[t] = W0 e[t] + W2 e[t+1] +
   * W1 o[t]. The even part of outputs 2s and 2s+1 is Winograd's F(2,2):
   *   m1 = W0 (e[2s] − e[2s+1]), m2 = (W0 + W2) e[2s+1], m3 = W2 (e[2s+2] − e[2s+1]),
   *   out[2s] = m1 + m2 + W1 o[2s],  out[2s+1] = m2 + m3 + W1 o[2s+1]:
   * 2.5 products per output row instead of 3. d1, d3 are (T_out/2, C) and m2 is
   * (T_out/2, OC) of scratch. */
  gsize P = T_out / 2, s, c;

  if (T_out == 0)
    return;
  /* the odd tap, every output row: o[t] = in[2t + 1] */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) T_out, (int) OC, (int) C,
      1.0f, in + C, (int) (2 * C), w + C, (int) (3 * C), 0.0f, out, (int) OC);
  if (P > 0) {
    for (s = 0; s < P; s++) {
      const float *e0 = in + 4 * s * C, *e1 = e0 + 2 * C, *e2 = e0 + 4 * C;
      float *a = d1 + s * C, *b = d3 + s * C;

      for (c = 0; c < C; c++) {
        a[c] = e0[c] - e1[c];
        b[c] = e2[c] - e1[c];
      }
    }
    /* m2 = (W0 + W2) e[2s+1], e[2s+1] = in[4s + 2] */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) P, (int) OC, (int) C,
        1.0f, in + 2 * C, (int) (4 * C), w02, (int) C, 0.0f, m2, (int) OC);
    /* out[2s] += W0 d1[s]; out[2s+1] += W2 d3[s] */
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) P, (int) OC, (int) C,
        1.0f, d1, (int) C, w, (int) (3 * C), 1.0f, out, (int) (2 * OC));
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) P, (int) OC, (int) C,
        1.0f, d3, (int) C, w + 2 * C, (int) (3 * C), 1.0f, out + OC, (int) (2 * OC));
    for (s = 0; s < P; s++) {
      float *even = out + 2 * s * OC, *odd = even + OC;
      const float *m = m2 + s * OC;

      for (c = 0; c < OC; c++) {
        even[c] += m[c];
        odd[c] += m[c];
      }
    }
  }
  if (T_out % 2) {
    /* the last row of an odd count, directly: its 3·C inputs are contiguous */
    gsize t = T_out - 1;

    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, 1, (int) OC, (int) (3 * C),
        1.0f, in + 2 * t * C, (int) (3 * C), w, (int) (3 * C), 0.0f, out + t * OC,
        (int) OC);
  }
}

void
w2vee_conv1d_ref (const float *in, gsize C, gsize S, const float *w, gsize K,
    gsize OC, float *out, gsize T_out)
{
  /* in is (T_in,C), w is (OC,K,C) -> out is (T_out,OC) */
  gsize t, o, k, c;

  for (t = 0; t < T_out; t++) {
    for (o = 0; o < OC; o++) {
      double acc = 0.0;

      for (k = 0; k < K; k++)
        for (c = 0; c < C; c++)
          acc += (double) w[(o * K + k) * C + c] * in[(t * S + k) * C + c];
      out[t * OC + o] = (float) acc;
    }
  }
}

/* The element-wise kernels below are written as plain loops the compiler vectorises,
 * compiled once per instruction set and picked at load time (target_clones). GCC 12
 * gives the dispatcher of an extern function default visibility whatever -fvisibility
 * says, which would export it from libw2vee.so: the clones are static functions
 * (*_clones), called by the plain w2vee_* functions at the end of this file. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define W2VEE_CLONES __attribute__ ((target_clones ("avx512f", "avx2,fma", "default")))
#else
#define W2VEE_CLONES
#endif
#define W2VEE_INLINE static inline __attribute__ ((always_inline))

/* e^x with relative error below 2e-7 on [-87, 88] (Cody-Waite reduction to
 * r in [-ln2/2, ln2/2], Cephes' minimax polynomial, exponent from the bits);
 * inputs below -87.3 give ~1e-38 instead of 0, which no caller can tell apart.
 * The clamp is written so that a NaN (non-finite weights or audio) becomes -87.3:
 * converting NaN to an integer below would be undefined (found by fuzz-model). */
W2VEE_INLINE float
exp_approx (float x)
{
  float n, r, p;
  union { gint32 i; float f; } scale;

  x = x > -87.3f ? x : -87.3f;  /* NaN fails the comparison */
  x = x < 88.7f ? x : 88.7f;
  n = floorf (x * 1.44269504088896341f + 0.5f);
  r = x - n * 0.693359375f + n * 2.12194440e-4f;
  p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  scale.i = ((gint32) n + 127) << 23;
  return p * scale.f;
}

/* The exact (erf) GELU through erfc, whose relative error stays below ~3e-7 over the
 * whole line (Numerical Recipes' Chebyshev fit, fractional error < 1.2e-7 in exact
 * arithmetic): gelu(x) = x·Φ(x), Φ(x) = erfc(-x/√2)/2 = 1 - erfc(x/√2)/2. */
W2VEE_INLINE float
gelu_approx (float x)
{
  float z = fabsf (x) * (float) M_SQRT1_2;
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  float e;

  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  e = t * exp_approx (p - z * z);   /* erfc(|x|/√2) */
  return x >= 0.0f ? x - 0.5f * x * e : 0.5f * x * e;
}

/* GELU for the bf16 and int8 sessions, whose products already round to 8 or 16
 * bits: x·σ(v(x)) with v an odd quintic fitted to the erf GELU over [-10, 10] (x is
 * clamped there inside v, where σ is within 3e-9 of 0 or 1; below -10 the result is
 * 0), σ through 2^w with a quartic for 2^f on [-1/2, 1/2] (relative error 2.7e-6) and
 * the exponent from the bits. Absolute error < 2.6e-5 everywhere, relative < 2.3e-5
 * for x > 1 (float arithmetic included; /kernels/gelu-lowp checks it against erfc in
 * double). A NaN x gives NaN. */
W2VEE_INLINE float
gelu_lowp (float x)
{
  float xc = x > -10.0f ? x : -10.0f;   /* a NaN becomes -10 here: w stays finite */
  float x2, w, n, f, p;
  union { gint32 i; float f; } scale;

  xc = xc < 10.0f ? xc : 10.0f;
  x2 = xc * xc;
  /* w = -v(x)·log2(e): v = x (1.5950132 + x² (0.0740137 − 0.000703417 x²)) */
  w = xc * (-2.301117659f + x2 * (-1.067791283e-1f + x2 * 1.014816575e-3f));
  n = floorf (w + 0.5f);
  f = w - n;
  p = 9.569688962e-3f;
  p = p * f + 5.591668699e-2f;
  p = p * f + 2.402474436e-1f;
  p = p * f + 6.931219755e-1f;
  p = p * f + 9.999992660e-1f;
  scale.i = ((gint32) n + 127) << 23;  /* |n| <= 30 */
  /* below -10 the quotient would be x·3e-9, not GELU's < 1e-22: 0 (a NaN passes) */
  return x < -10.0f ? 0.0f : x / (1.0f + p * scale.f);
}

float
w2vee_gelu_fast (float x)
{
  return gelu_approx (x);
}

float
w2vee_gelu_lowp (float x)
{
  return gelu_lowp (x);
}

float
w2vee_gelu_ref (float x)
{
  return 0.5f * x * (1.0f + erff (x * (float) M_SQRT1_2));
}

W2VEE_CLONES static void
bias_gelu_clones (float *y, gsize T, gsize C, gsize ld, const float *b, gboolean lowp)
{
  /* y is (T,C), b is (C) or NULL */
  gsize t, c;

  for (t = 0; t < T; t++) {
    float *row = y + t * ld;

    if (lowp && b) {
      for (c = 0; c < C; c++)
        row[c] = gelu_lowp (row[c] + b[c]);
    } else if (lowp) {
      for (c = 0; c < C; c++)
        row[c] = gelu_lowp (row[c]);
    } else if (b) {
      for (c = 0; c < C; c++)
        row[c] = gelu_approx (row[c] + b[c]);
    } else {
      for (c = 0; c < C; c++)
        row[c] = gelu_approx (row[c]);
    }
  }
}

W2VEE_CLONES static void
scale_shift_gelu_clones (float *y, gsize T, gsize C, gsize ld, const float *scale,
    const float *shift, gboolean lowp)
{
  /* y is (T,C), scale and shift are (C) */
  gsize t, c;

  for (t = 0; t < T; t++) {
    float *row = y + t * ld;

    if (lowp) {
      for (c = 0; c < C; c++)
        row[c] = gelu_lowp (row[c] * scale[c] + shift[c]);
    } else {
      for (c = 0; c < C; c++)
        row[c] = gelu_approx (row[c] * scale[c] + shift[c]);
    }
  }
}

W2VEE_CLONES static void
bias_add_clones (float *y, gsize T, gsize C, gsize ld, const float *b)
{
  /* y is (T,C), b is (C) */
  gsize t, c;

  for (t = 0; t < T; t++) {
    float *row = y + t * ld;

    for (c = 0; c < C; c++)
      row[c] += b[c];
  }
}

W2VEE_CLONES static void
layer_norm_clones (const float *in, gsize T, gsize C, gsize ldi, const float *g,
    const float *b, float eps, float *out, gsize ldo)
{
  /* in is (T,C), g and b are (C) -> out is (T,C) */
  gsize t, c;

  for (t = 0; t < T; t++) {
    const float *x = in + t * ldi;
    float *y = out + t * ldo;
    float mean = 0.0f, var = 0.0f, inv;

#pragma omp simd reduction(+:mean)
    for (c = 0; c < C; c++)
      mean += x[c];
    mean /= (float) C;
#pragma omp simd reduction(+:var)
    for (c = 0; c < C; c++)
      var += (x[c] - mean) * (x[c] - mean);
    var /= (float) C;
    inv = 1.0f / sqrtf (var + eps);
    for (c = 0; c < C; c++)
      y[c] = (x[c] - mean) * inv * g[c] + b[c];
  }
}

W2VEE_CLONES static void
softmax_rows_clones (float *s, gsize T, gsize N, gsize ld)
{
  /* s is (T,N), in place */
  gsize t, n;

  for (t = 0; t < T; t++) {
    float *row = s + t * ld;
    float max = row[0], sum = 0.0f, inv;

#pragma omp simd reduction(max:max)
    for (n = 0; n < N; n++)
      max = row[n] > max ? row[n] : max;
#pragma omp simd reduction(+:sum)
    for (n = 0; n < N; n++) {
      row[n] = exp_approx (row[n] - max);
      sum += row[n];
    }
    inv = 1.0f / sum;
    for (n = 0; n < N; n++)
      row[n] *= inv;
  }
}

void
w2vee_normalize (const float *in, gsize n, float *out)
{
  /* in is (n) -> out is (n) */
  double mean = 0.0, var = 0.0, inv;
  gsize i;

  if (n == 0)
    return;
  for (i = 0; i < n; i++)
    mean += in[i];
  mean /= (double) n;
  for (i = 0; i < n; i++) {
    double d = in[i] - mean;

    var += d * d;
  }
  var /= (double) n;
  inv = 1.0 / sqrt (var + 1e-7);
  for (i = 0; i < n; i++)
    out[i] = (float) ((in[i] - mean) * inv);
}

/* max |x| over x (n), found as the largest magnitude bit pattern (for finite floats
 * the order of the bits with the sign cleared is the order of the magnitudes): an
 * integer maximum the compiler vectorises where a float one would need -ffast-math. */
W2VEE_INLINE float
amax_of (const float *x, gsize n)
{
  guint32 m = 0;
  float amax;
  gsize k;

  for (k = 0; k < n; k++) {
    guint32 bits;

    memcpy (&bits, &x[k], sizeof bits);
    bits &= 0x7fffffffu;
    m = bits > m ? bits : m;
  }
  memcpy (&amax, &m, sizeof amax);
  return amax;
}

/* The quantizers below: rintf becomes vrndscaleps. */
W2VEE_CLONES static void
quantize_rows_u8_clones (const float *in, gsize T, gsize K, gsize ldi, guint8 *q,
    float *scale)
{
  gsize t, k;

  for (t = 0; t < T; t++) {
    const float *x = in + t * ldi;
    guint8 *qt = q + t * K;
    float amax = amax_of (x, K), s, inv;

    s = amax > 0.0f ? amax / 127.0f : 1.0f;
    inv = 1.0f / s;
    scale[t] = s;
    for (k = 0; k < K; k++)
      qt[k] = (guint8) ((gint32) rintf (x[k] * inv) + 128);
  }
}

W2VEE_CLONES static void
dequantize_rows_clones (const gint32 *acc, gsize T, gsize N, const gint32 *colsum,
    const float *row_scale, const float *wscale, const float *b, gboolean accumulate,
    gboolean gelu, float *out)
{
  /* acc is (T,N), out is (T,N); colsum, wscale, b are (N), row_scale is (T) */
  gsize t, n;

  for (t = 0; t < T; t++) {
    const gint32 *a = acc + t * N;
    float *o = out + t * N, rs = row_scale[t];

    if (accumulate && gelu) {
      for (n = 0; n < N; n++)
        o[n] = gelu_lowp (o[n] + (float) (a[n] - 128 * colsum[n]) * (rs * wscale[n]) +
            b[n]);
    } else if (accumulate) {
      for (n = 0; n < N; n++)
        o[n] += (float) (a[n] - 128 * colsum[n]) * (rs * wscale[n]) + b[n];
    } else if (gelu) {
      for (n = 0; n < N; n++)
        o[n] = gelu_lowp ((float) (a[n] - 128 * colsum[n]) * (rs * wscale[n]) + b[n]);
    } else {
      for (n = 0; n < N; n++)
        o[n] = (float) (a[n] - 128 * colsum[n]) * (rs * wscale[n]) + b[n];
    }
  }
}

W2VEE_CLONES static void
quantize_rows_s8_clones (const float *w, gsize N, gsize K, gint8 *q, float *scale,
    gint32 *rowsum)
{
  gsize n, k;

  for (n = 0; n < N; n++) {
    const float *x = w + n * K;
    gint8 *qn = q + n * K;
    gint32 sum = 0;
    float amax = amax_of (x, K), s, inv;

    s = amax > 0.0f ? amax / 127.0f : 1.0f;
    inv = 1.0f / s;
    scale[n] = s;
    for (k = 0; k < K; k++) {
      float v = rintf (x[k] * inv);

      v = v < -127.0f ? -127.0f : v > 127.0f ? 127.0f : v;
      qn[k] = (gint8) v;
      sum += (gint32) v;
    }
    rowsum[n] = sum;
  }
}

void
w2vee_quantize_rows_s8_ref (const float *w, gsize N, gsize K, gint8 *q, float *scale,
    gint32 *rowsum)
{
  gsize n, k;

  for (n = 0; n < N; n++) {
    const float *row = w + n * K;
    float amax = 0.0f, inv;
    gint32 sum = 0;

    for (k = 0; k < K; k++)
      amax = MAX (amax, fabsf (row[k]));
    scale[n] = amax > 0.0f ? amax / 127.0f : 1.0f;
    inv = 1.0f / scale[n];
    for (k = 0; k < K; k++) {
      gint8 v = (gint8) CLAMP (lrintf (row[k] * inv), -127, 127);

      q[n * K + k] = v;
      sum += v;
    }
    rowsum[n] = sum;
  }
}

void
w2vee_quantize_rows_u8_ref (const float *in, gsize T, gsize K, gsize ldi, guint8 *q,
    float *scale)
{
  gsize t, k;

  for (t = 0; t < T; t++) {
    const float *x = in + t * ldi;
    float amax = 0.0f, inv;

    for (k = 0; k < K; k++)
      amax = MAX (amax, fabsf (x[k]));
    scale[t] = amax > 0.0f ? amax / 127.0f : 1.0f;
    inv = 1.0f / scale[t];
    for (k = 0; k < K; k++)
      q[t * K + k] = (guint8) (lrintf (x[k] * inv) + 128);
  }
}

/* The entry points of the target_clones kernels above (see W2VEE_CLONES). */

void
w2vee_bias_gelu (float *y, gsize T, gsize C, gsize ld, const float *b, gboolean lowp)
{
  bias_gelu_clones (y, T, C, ld, b, lowp);
}

void
w2vee_scale_shift_gelu (float *y, gsize T, gsize C, gsize ld, const float *scale,
    const float *shift, gboolean lowp)
{
  scale_shift_gelu_clones (y, T, C, ld, scale, shift, lowp);
}

void
w2vee_bias_add (float *y, gsize T, gsize C, gsize ld, const float *b)
{
  bias_add_clones (y, T, C, ld, b);
}

void
w2vee_layer_norm (const float *in, gsize T, gsize C, gsize ldi, const float *g,
    const float *b, float eps, float *out, gsize ldo)
{
  layer_norm_clones (in, T, C, ldi, g, b, eps, out, ldo);
}

void
w2vee_softmax_rows (float *s, gsize T, gsize N, gsize ld)
{
  softmax_rows_clones (s, T, N, ld);
}

void
w2vee_quantize_rows_u8 (const float *in, gsize T, gsize K, gsize ldi, guint8 *q,
    float *scale)
{
  quantize_rows_u8_clones (in, T, K, ldi, q, scale);
}

void
w2vee_quantize_rows_s8 (const float *w, gsize N, gsize K, gint8 *q, float *scale,
    gint32 *rowsum)
{
  quantize_rows_s8_clones (w, N, K, q, scale, rowsum);
}

void
w2vee_dequantize_rows (const gint32 *acc, gsize T, gsize N, const gint32 *colsum,
    const float *row_scale, const float *wscale, const float *b, gboolean accumulate,
    gboolean gelu, float *out)
{
  dequantize_rows_clones (acc, T, N, colsum, row_scale, wscale, b, accumulate, gelu, out);
}
