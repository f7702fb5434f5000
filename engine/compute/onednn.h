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

G_BEGIN_DECLS

/* Rows of the largest primitive of a layer. */
#define W2VEE_DNNL_CHUNK 256

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
 * did not prepare, the caller then runs the OpenBLAS path. */
gboolean w2vee_dnnl_linear (W2veeSession *s, const float *in, gsize T, gsize C,
    gsize ldi, const float *w, const float *b, gsize OC, float *out, gsize ldo,
    gboolean accumulate, gboolean gelu);

G_END_DECLS

#endif /* W2VEE_ONEDNN_H */
