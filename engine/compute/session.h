/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Internal to engine/compute/: the session object, shared by session.c (the workspace,
 * the accessors) and forward.c (the forward pass).
 *
 * Shapes legend: n = samples, T = encoder frames, C = conv channels, D = hidden_size,
 * H = heads, Dh = D/H, Dff = intermediate_size, G = pos-conv groups, Cg = D/G,
 * Kp = pos-conv kernel, V = vocab size, B = frames of the last conv layer per block.
 *
 * Memory plan: the conv feature encoder runs in blocks of B output frames, so its
 * (large) early layers only ever hold one block; everything after it is (T, ·).
 * Nothing is allocated after w2vee_session_new().
 */
#ifndef W2VEE_SESSION_H
#define W2VEE_SESSION_H

#include "model.h"
#include "pool.h"

G_BEGIN_DECLS

/* Frames of the last conv layer computed per block (B); the first layers then hold about
 * B·320/5 rows (2 k rows of 512 floats for base: a few MB, cache friendly). */
#define CONV_BLOCK 32

/* The oneDNN backend of the linear layers (onednn.h). */
typedef struct _W2veeDnnl W2veeDnnl;
/* Its bf16 conv feature encoder (onednn.h). */
typedef struct _W2veeDnnlConv W2veeDnnlConv;

/* What each member of the thread team works in (sizes: session.c's workspace table). */
typedef struct {
  float *conv_a, *conv_b;  /* (max_l block_rows[l] · C_l) conv ping-pong */
  float *patch;            /* (block_rows[0], K_0) windows of the input for conv layer 0 */
  float *wino_d1, *wino_d3; /* (block_rows/2, C_in) Winograd input differences */
  float *wino_m2;          /* (block_rows/2, C_out) the product shared by output pairs */
  float *scores;           /* (T, T) attention of one head; with attn_bf16 only
                            * (W2VEE_ATTENTION_BF16_ROWS, T) */
  float *pos_dup;          /* (T + Kp, pos_taps · Cg) one group's padded input, taps side
                            * by side (one element when the positional conv is bf16) */
  float *dnnl_scratch;     /* oneDNN's scratchpad of this member (w2vee_dnnl_scratch_bytes) */
  guint16 *conv_src;       /* (max_(l>0) block_rows[l] · K_l · C_(l-1)) bf16 conv windows
                            * (onednn.h; int8: u8 in its first half), only when dnnl_conv
                            * is set */
  gint32 *conv_acc;        /* (256, max C_l) int8 conv sums of one chunk (onednn.h) */
  float *conv_row_scale;   /* (max_(l>0) block_rows[l]) int8: a scale per window row */
  guint16 *attn_work;      /* (w2vee_attention_bf16_work (T, Dh)) bf16 attention's packed
                            * q, k, v and probabilities, only when attn_bf16 */
} Scratch;

struct _W2veeSession {
  W2veeModel *model;
  W2veePool *pool;         /* n_threads members */
  guint n_threads;
  gsize max_samples;       /* samples */
  gsize max_frames;        /* T for max_samples */
  gsize pos_taps;          /* pos-conv taps packed per row of pos_dup */
  W2veeCompute compute;    /* OPENBLAS or DNNL, resolved at w2vee_session_new() */
  W2veePrecision precision;
  W2veeDnnl *dnnl;         /* the oneDNN primitives, or NULL for OpenBLAS */
  W2veeDnnlConv *dnnl_conv; /* the bf16 conv primitives, or NULL (fp32 conv) */
  gboolean attn_bf16;      /* attention's two products in bf16 (bf16 and int8 sessions
                            * where w2vee_attention_bf16_supported) */
  gboolean attn_int8;      /* with attn_bf16, both products in int8 instead (int8 sessions
                            * where w2vee_attention_int8_supported) */

  /* The workspace (sizes: the workspace table of session.c). */
  Scratch *scratch;        /* (n_threads) */
  float *x;                /* (max_samples) normalised input */
  double *gn_moments;      /* (K_0 + K_0²) input tap means and second moments */
  float *gn_scale;         /* (C_0) group-norm of conv layer 0: gamma / std */
  float *gn_shift;         /* (C_0) beta + (bias - mean) · gamma / std */
  /* The (T, ·) buffers the linear layers read and write have Tp rows: T rounded up
   * to W2VEE_DNNL_CHUNK (the oneDNN backend computes whole row buckets). */
  float *feat;             /* (Tp, C_last) conv output, then its LayerNorm */
  float *h;                /* (Tp, D) hidden state */
  float *tmp;              /* (Tp, D) */
  float *ff;               /* (Tp, max(Dff, 4·D)) feed-forward inner activations; during
                            * attention it holds q, k, v and ctx instead: */
  float *q, *k, *v;        /* (Tp, D) attention projections, inside ff */
  float *ctx;              /* (Tp, D) attention context, inside ff */
  float *logits;           /* (n_exits, T, V) */
  guint16 *dnnl_src;       /* (Tp, w2vee_dnnl_staging_cols) bf16 copy of a layer's input,
                            * or (int8) its u8 quantization (bytes, row stride K) */
  gint32 *dnnl_acc;        /* (Tp, max(Dff, D)) int8: a layer's int32 sums */
  guint16 *pos_src;        /* (Tp + Kp, D) bf16 zero-padded h for the positional conv
                            * (onednn.h), only when it runs in bf16 */
  float *dnnl_row_scale;   /* (Tp) int8: each input row's quantization scale */
  gsize workspace_bytes;   /* bytes of all the buffers of the workspace table */

  gboolean profiling;
  double profile[W2VEE_N_STAGES]; /* seconds per stage in the last run */
  double stage_start;      /* seconds, monotonic clock, when profiling */

  /* The forward pass in progress (w2vee_session_begin() starts it, each
   * w2vee_session_advance() carries it deeper): h holds the output of layer last_layer
   * (the positional block's when 0). */
  gboolean begun;          /* begin succeeded; advance may follow */
  gsize n_samples;         /* samples of the input being run */
  gsize n_frames;          /* T of the input being run */
  guint last_exit;         /* exits 1..last_exit hold logits of this input */
  guint last_layer;        /* layers computed for this input */
  guint64 layer_count;     /* encoder layers computed since the session was made */

  /* Cost model of the deadline policy: seconds of compute per second of audio, an
   * exponential average (weight COST_EMA_WEIGHT of forward.c) of this session's own
   * timings, primed from the FLOP count until the first measurement. */
  double begin_cost;       /* normalisation, conv encoder, projection, pos conv */
  double *layer_cost;      /* (n_layers) one encoder layer and the heads reading it */
  gboolean begin_measured;
  gboolean *layer_measured; /* (n_layers) */
};

/* Output rows [start[l], end[l]) of every conv layer that rows [a, b) of the last one
 * need. */
void w2vee_conv_ranges (const W2veeModel *m, gsize a, gsize b, gsize *start, gsize *end);

G_END_DECLS

#endif /* W2VEE_SESSION_H */
