/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Internal numeric kernels of libw2vee. Every matrix product goes through
 * cblas_sgemm; the kernels here are the element-wise and row-wise passes around it.
 *
 * Shapes legend: T = rows (frames), C = columns (channels), OC = output channels,
 * K = kernel taps, S = stride. Matrices are row-major; "ld" is the row stride in floats
 * (>= the row length), so a kernel can work on a column slice of a wider matrix.
 */
#ifndef W2VEE_KERNELS_H
#define W2VEE_KERNELS_H

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

/* in is (T,C) with row stride ldi, w is (OC,C), b is (OC) or NULL -> out is (T,OC) with
 * row stride ldo. With accumulate, out += in·wᵀ (+ b) instead of out = in·wᵀ (+ b). */
void w2vee_linear (const float *in, gsize T, gsize C, gsize ldi, const float *w,
    const float *b, gsize OC, float *out, gsize ldo, gboolean accumulate);

/* Strided 1-D convolution of a time-major signal, no padding:
 * in is (T_in, C) with row stride C (contiguous), w is (OC, K, C) -> out is (T_out, OC)
 * with out[t] = Σ_k w[:, k, :] · in[t·S + k]; T_out must satisfy (T_out-1)·S + K <= T_in.
 * Runs ceil(K/S) sgemms over overlapping strided views (no im2col copy). */
void w2vee_conv1d (const float *in, gsize C, gsize S, const float *w, gsize K, gsize OC,
    float *out, gsize T_out);

/* The same for kernel 3, stride 2 (wav2vec2's conv layers 1-4) with 17 % fewer
 * multiplications (Winograd F(2,2) on the even taps): in is (2·T_out + 1, C), w is
 * (OC, 3, C), w02 = w[:,0,:] + w[:,2,:] is (OC, C) -> out is (T_out, OC). Scratch:
 * d1, d3 (T_out/2, C) and m2 (T_out/2, OC). */
void w2vee_conv1d_k3s2 (const float *in, gsize C, const float *w, const float *w02,
    gsize OC, float *out, gsize T_out, float *d1, float *d3, float *m2);

/* y is (T,C) with row stride ld: y = gelu(y + b), b may be NULL; the exact erf GELU,
 * or with @lowp the bf16 / int8 sessions' (w2vee_gelu_lowp). */
void w2vee_bias_gelu (float *y, gsize T, gsize C, gsize ld, const float *b,
    gboolean lowp);

/* y is (T,C) with row stride ld: y = gelu(y·scale + shift), scale and shift (C); the
 * GELU as w2vee_bias_gelu's. */
void w2vee_scale_shift_gelu (float *y, gsize T, gsize C, gsize ld, const float *scale,
    const float *shift, gboolean lowp);

/* y is (T,C) with row stride ld: y += b. */
void w2vee_bias_add (float *y, gsize T, gsize C, gsize ld, const float *b);

/* in is (T,C) row stride ldi -> out is (T,C) row stride ldo (may equal in):
 * LayerNorm over each row (population variance) with affine g, b (C). */
void w2vee_layer_norm (const float *in, gsize T, gsize C, gsize ldi, const float *g,
    const float *b, float eps, float *out, gsize ldo);

/* s is (T,N) with row stride ld: softmax over each row, in place. */
void w2vee_softmax_rows (float *s, gsize T, gsize N, gsize ld);

/* x is (n): x = (x - mean) / sqrt(var + 1e-7), population variance, out may equal in. */
void w2vee_normalize (const float *in, gsize n, float *out);

/* The exact GELU, 0.5·x·(1 + erf(x/√2)): _fast as the kernels compute it (erfc through
 * a Chebyshev fit; relative error < 1e-6 against erf in double), _ref through libm's
 * erff (the reference twin, for tests). */
float w2vee_gelu_fast (float x);
float w2vee_gelu_ref (float x);

/* GELU for the bf16 and int8 sessions (their products round to 8 or 16 bits):
 * x·σ(v(x)) with v a fitted odd quintic; absolute error < 2.6e-5 against the erf
 * GELU, in about half w2vee_gelu_fast's time (docs/performance.md). */
float w2vee_gelu_lowp (float x);

/* Rounds f32 to bf16, to nearest even (finite inputs). */
static inline guint16
w2vee_to_bf16 (float x)
{
  guint32 u;

  memcpy (&u, &x, sizeof (u));
  u += 0x7fff + ((u >> 16) & 1);
  return (guint16) (u >> 16);
}

/* int8 activations. in is (T,K) with row stride ldi (rows may overlap: the windows of a
 * conv layer) -> q is (T,K) u8 = rint (x / s) + 128 and scale (T) =
 * s = max |row| / 127 per row (1 for an all-zero row): round to nearest even, as lrintf
 * in the default rounding mode. _ref is the plain twin (fabsf, lrintf); the two give the
 * same bytes and scales for finite input (tests/kernels). */
void w2vee_quantize_rows_u8 (const float *in, gsize T, gsize K, gsize ldi, guint8 *q,
    float *scale);
void w2vee_quantize_rows_u8_ref (const float *in, gsize T, gsize K, gsize ldi, guint8 *q,
    float *scale);

/* int8 weights. w is (N,K) -> q is (N,K) s8 = clamp (rint (w / s), -127, 127) with
 * scale (N) = s = max |row| / 127 per row (1 for an all-zero row), and rowsum (N) = Σ_k
 * q[n][k]. _ref is the plain twin; the two agree exactly on finite input. */
void w2vee_quantize_rows_s8 (const float *w, gsize N, gsize K, gint8 *q, float *scale,
    gint32 *rowsum);
void w2vee_quantize_rows_s8_ref (const float *w, gsize N, gsize K, gint8 *q, float *scale,
    gint32 *rowsum);

/* int8 matmul results. acc is (T,N) s32 sums of the u8 rows above times s8 weights
 * w8 (weight = wscale[n] · w8), colsum (N) = Σ_k w8[k][n] -> out (T,N), row stride N:
 * v = (acc - 128·colsum[n]) · row_scale[t] · wscale[n] + b[n]; out = v, or out += v
 * (accumulate); then out = GELU (out) when gelu, with w2vee_gelu_lowp (int8 only). */
void w2vee_dequantize_rows (const gint32 *acc, gsize T, gsize N, const gint32 *colsum,
    const float *row_scale, const float *wscale, const float *b, gboolean accumulate,
    gboolean gelu, float *out);

/* bfloat16 kernels (kernels-bf16.c), for CPUs with AVX512-BF16 only.
 *
 * dst (n) = bf16 (src (n) · scale), to nearest even, by the CPU's own conversion
 * (vcvtneps2bf16; other compilers: one value at a time with w2vee_to_bf16). */
void w2vee_bf16_row (const float *src, gsize n, float scale, guint16 *dst);

/* One attention head with bf16 products: q, k, v are (T,Dh) with row
 * stride ld -> ctx (T,Dh) row stride ldc = softmax ((q · scale) kᵀ) v, the two products
 * with bf16 inputs and fp32 sums, the softmax in fp32. The scores are made, exponentiated
 * and used W2VEE_ATTENTION_BF16_ROWS query rows at a time, in scores
 * (W2VEE_ATTENTION_BF16_ROWS, T), so they stay in the L1 cache; the probabilities'
 * division by their sum is applied to the context rows. work holds
 * w2vee_attention_bf16_work (T, Dh) elements. Only where _supported (Dh): Dh 64 or 128
 * on a CPU with AVX512-BF16 (else the fp32 path runs). With int8 (only where
 * w2vee_attention_int8_supported (Dh): AVX512-VNNI as well) both products run in int8
 * instead, u8 × s8 sums in int32: the scores from q rows in u8 and k rows in s8, a scale
 * per row (as the int8 linear layers' inputs and weights); the context from the
 * exponentials in u8 with a scale per row and block of 64 keys, and v in s8 with a scale
 * per column; the softmax's maximum and sums stay fp32. */
#define W2VEE_ATTENTION_BF16_ROWS 4
gboolean w2vee_attention_bf16_supported (gsize Dh);
gboolean w2vee_attention_int8_supported (gsize Dh);
gsize w2vee_attention_bf16_work (gsize T, gsize Dh);
void w2vee_attention_head_bf16 (const float *q, const float *k, const float *v, gsize ld,
    gsize T, gsize Dh, float scale, gboolean int8, float *scores, guint16 *work,
    float *ctx, gsize ldc);

/* Reference twin of w2vee_conv1d: plain loops, sums in double (for tests). */
void w2vee_conv1d_ref (const float *in, gsize C, gsize S, const float *w, gsize K,
    gsize OC, float *out, gsize T_out);

G_END_DECLS

#endif /* W2VEE_KERNELS_H */
