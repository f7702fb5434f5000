/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* A fixed team of threads for the forward pass: the caller plus n - 1 workers that
 * sleep between jobs. A job is one function run once per team member with its index;
 * w2vee_pool_run() returns when every member has finished (a barrier). Created once
 * per session; running a job allocates nothing. */
#ifndef W2VEE_POOL_H
#define W2VEE_POOL_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _W2veePool W2veePool;

/* Runs part @index of @count of a job. */
typedef void (*W2veePoolFunc) (gpointer data, guint index, guint count);

/* A team of @n_threads (>= 1) members: the calling thread and n - 1 workers. */
W2veePool *w2vee_pool_new (guint n_threads, GError **error);
void w2vee_pool_free (W2veePool *pool);
guint w2vee_pool_size (const W2veePool *pool);

/* Runs func (data, i, n) for every i in 0..n-1 (i = 0 on the calling thread) and
 * waits for all of them. Not reentrant: one job at a time per pool. */
void w2vee_pool_run (W2veePool *pool, W2veePoolFunc func, gpointer data);

/* Splits [0, total) into @count nearly equal parts, part boundaries rounded to a
 * multiple of @align (the last part takes the remainder): part @index is
 * [*begin, *end). */
void w2vee_split (gsize total, guint index, guint count, gsize align, gsize *begin,
    gsize *end);

G_END_DECLS

#endif /* W2VEE_POOL_H */
