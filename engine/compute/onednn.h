/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The oneDNN backend of the linear layers (onednn.c): matmul primitives with the bias,
 * GELU and residual add fused as post-ops, on weights reordered once per model and
 * precision into oneDNN's blocked layout and shared read-only by the sessions.
 *
 * Threads: the primitives are made for one thread and run inside the session's own
 * team, each member on its share of the rows (oneDNN's fast brgemm matmul wants dense
 * input and output, so the members split rows, not columns, and every member reads the
 * whole prepared weight). oneDNN's OpenMP runtime (Debian's libdnnl is built for
 * OpenMP) is held to one thread in every member (omp_set_num_threads (1) around each
 * call), so it never starts a team: the session's n_threads is the bound.
 *
 * Rows: one primitive per row bucket (32, 64, ..., W2VEE_DNNL_CHUNK rows); a member's
 * rows (a multiple of 32, but for the last member) run as full chunks plus the bucket
 * that holds the rest, so the (T, ·) buffers the layers read and write have room for T
 * rounded up to W2VEE_DNNL_CHUNK (session.c pads them); rows past T hold values
 * nothing reads.
 *
 * Allocation: oneDNN's dnnl_primitive_execute() builds a small map of its arguments on
 * every call (a few allocations of about a hundred bytes); the buffers (workspace,
 * scratchpad, bf16 staging) are all the session's, allocated once (tests/alloc).
 *
 * Shapes legend: session.h; N = output columns of a layer, K = its input columns.
 */
#ifndef W2VEE_ONEDNN_H
#define W2VEE_ONEDNN_H

#include "session.h"
#include "kernels.h"
#include "w2vee-config.h"

#include <string.h>
#if W2VEE_HAVE_DNNL
#include <dnnl.h>
#endif

G_BEGIN_DECLS

/* Rows of the largest primitive of a layer. */
#define W2VEE_DNNL_CHUNK 256

#if W2VEE_HAVE_DNNL
/* oneDNN's CPU engine, made once per process (NULL when it cannot be made). */
dnnl_engine_t w2vee_dnnl_cpu_engine (void);

/* to (in @to_md's layout) = from (in @from_md's), converted, on @stream, waited for;
 * FALSE when oneDNN has no reorder between them or it fails. */
gboolean w2vee_dnnl_reorder (const dnnl_memory_desc_t *from_md, const void *from,
    const dnnl_memory_desc_t *to_md, void *to, dnnl_stream_t stream);
#endif

/* TRUE when this build has the oneDNN backend. */
gboolean w2vee_dnnl_built (void);

/* The primitives of a session whose team is @pool; prepares the model's weights for
 * @precision on first use (the team reorders them). Fails with W2VEE_ERROR_UNSUPPORTED
 * without oneDNN or without bf16 units for BF16. */
W2veeDnnl *w2vee_dnnl_new (W2veeModel *model, W2veePrecision precision, W2veePool *pool,
    GError **error);
void w2vee_dnnl_free (W2veeDnnl *d);

/* Bytes of scratchpad one team member needs (Scratch.dnnl_scratch), and elements (2
 * bytes each) of the shared bf16 copy of a layer's input per frame (dnnl_src). */
gsize w2vee_dnnl_scratch_bytes (const W2veeDnnl *d);
gsize w2vee_dnnl_staging_cols (const W2veeDnnl *d);

/* Bytes of weights the backend prepared for the session's precision (shared). */
gsize w2vee_dnnl_weight_bytes (const W2veeDnnl *d);

/* out (T, OC) = in (T, C) · wᵀ + b, then GELU with @gelu, or out += that with
 * @accumulate, split over the session's team: the dispatch point of forward.c for
 * weights the backend prepared. Returns FALSE (and computes nothing) for a weight it
 * did not prepare, the caller then runs the OpenBLAS path. @input_ready: the previous
 * call (which returned TRUE) had the same @in, @T, @C and @ldi, and @in has not changed
 * since: its bf16 or int8 copy of the input is used again (q, k and v of a layer). */
gboolean w2vee_dnnl_linear (W2veeSession *s, const float *in, gsize T, gsize C,
    gsize ldi, const float *w, const float *b, gsize OC, float *out, gsize ldo,
    gboolean accumulate, gboolean gelu, gboolean input_ready);

/* The weights the backend prepared from the model's @w (its reordered data, shared), or
 * NULL. */
gconstpointer w2vee_dnnl_prepared_data (const W2veeDnnl *d, const float *w);

/* For a weight the backend prepared in int8 from the model's @w: its scales (N) (weight
 * n = scale[n] · its s8 row) and the sums of each s8 row (N); FALSE for any other. */
gboolean w2vee_dnnl_prepared_int8 (const W2veeDnnl *d, const float *w,
    const float **scale, const gint32 **colsum);

/* ------------------------------------------------------------------------- */
/* The conv feature encoder in bf16 (onednn-conv.c)                          */
/* ------------------------------------------------------------------------- */

/* With precision bf16 (on a CPU with bf16 units) or int8, conv layers 1.. (C_in > 1)
 * run as oneDNN matmuls in that precision: output row t of a layer is the K·C_in
 * contiguous floats of its input from row S·t on (the window), times W (K·C_in, C_out)
 * = the layer's (C_out, K, C_in) weight read as (C_out, K·C_in), prepared once per model
 * with the linear weights (bf16; int8: s8 per output channel, as the linear layers).
 * oneDNN 2.6 takes no overlapping rows (row stride S·C_in < K·C_in) in a memory
 * descriptor and has no brgemm kernel for a run-time row count, so each member copies
 * the windows of its block side by side (Scratch.conv_src, rows · K·C_in), rounded to
 * bf16 or quantized per window (u8 with offset 128, a scale per row, as the linear
 * layers' rows), and runs primitives made for 32, 64, ..., 256 rows: full chunks of
 * 256, the bucket below the rest, then the last 32 rows again (written twice, the same
 * values up to the order of the sums). int8 sums go to Scratch.conv_acc (256 rows) and
 * are scaled into the output chunk by chunk. Blocks of fewer than 32 rows, and fp32
 * sessions, stay on the engine's fp32 kernels. Bias, norm and GELU: the engine's fp32
 * epilogue, as before. */

/* TRUE when sessions of @precision run the conv layers in bf16 or int8 on this CPU. */
gboolean w2vee_dnnl_conv_enabled (W2veePrecision precision);

/* TRUE for a conv layer the bf16 / int8 path takes (C_in > 1). */
gboolean w2vee_dnnl_conv_layer_runs (const W2veeConvLayer *c);

/* The conv primitives of a session of @n_threads members whose precision
 * w2vee_dnnl_conv_enabled() takes; @d holds the model's prepared weights. */
W2veeDnnlConv *w2vee_dnnl_conv_new (const W2veeDnnl *d, const W2veeModel *model,
    guint n_threads, GError **error);
void w2vee_dnnl_conv_free (W2veeDnnlConv *c);

/* Bytes of oneDNN scratchpad one member needs for the conv primitives. */
gsize w2vee_dnnl_conv_scratch_bytes (const W2veeDnnlConv *c);

/* int8 only (else 0): the int32 sums one member needs (one chunk of the widest layer,
 * Scratch.conv_acc); int8 members also keep a scale per window row
 * (Scratch.conv_row_scale). */
gsize w2vee_dnnl_conv_acc_elems (const W2veeDnnlConv *c);

/* The positional conv in bf16 (bf16 and int8 sessions): oneDNN's grouped convolution
 * (brgconv) on the hidden state rounded to bf16 and zero-padded by the engine
 * (W2veeSession.pos_src, (Tp + Kp, D)), in chunks of at most 256 output rows with one
 * primitive per row bucket as above, into tmp (Tp, D); bias, GELU and the residual add
 * stay the engine's fp32 epilogue. The weights are reordered once per model (bf16, in
 * the layout oneDNN prefers for 256 rows, which every bucket must share, else the
 * sgemm path runs). */

#if W2VEE_HAVE_DNNL
/* The model's positional conv weight reordered for the bf16 primitives (g_aligned_free;
 * @bytes of it), or NULL: with @error set on a failure, without when oneDNN has no
 * brgemm convolution for it (the sgemm path runs then). */
gpointer w2vee_dnnl_pos_conv_prepare (const W2veeModel *m, dnnl_stream_t stream,
    gsize *bytes, GError **error);
#endif

/* TRUE when sessions of @precision run the positional conv in bf16 on this CPU (bf16
 * and int8 sessions, with bf16 units). */
gboolean w2vee_dnnl_pos_conv_enabled (W2veePrecision precision);

/* TRUE when the session's positional conv runs in bf16 (pos_src is then needed). */
gboolean w2vee_dnnl_pos_conv_on (const W2veeDnnlConv *c);

/* tmp (T, D) = the positional conv of h (T, D), before its bias, by the whole team.
 * FALSE (nothing computed) when the session does not run it in bf16; such sessions
 * have no buffer for the sgemm path (pos_dup). */
gboolean w2vee_dnnl_pos_conv (W2veeSession *s, gsize T);

/* Raw output out (rows, C_out) of conv layer @l for its input @in, by team member
 * @member, in bf16 or int8. FALSE (and nothing computed) when that path does not take it:
 * the caller then runs the fp32 kernels. With @fuse_gelu the layer's bias and GELU may
 * be applied as well (int8 sessions do, in the pass that scales the int32 sums):
 * *done_gelu says whether they were. */
gboolean w2vee_dnnl_conv (W2veeSession *s, guint member, gsize l, const float *in,
    float *out, gsize rows, gboolean fuse_gelu, gboolean *done_gelu);

G_END_DECLS

#endif /* W2VEE_ONEDNN_H */
