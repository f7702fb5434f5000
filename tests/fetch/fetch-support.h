/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Shared by the fetch tests (test-fetch.c, test-fetch-async.c): the loopback hub serving
 * models/default as REPO, a fresh cache per test, and checks of the cache's contents.
 * Environment: W2VEE_SOURCE_ROOT, W2VEE_TEST_TLS_PEM (see meson.build). */
#ifndef W2VEE_TEST_FETCH_SUPPORT_H
#define W2VEE_TEST_FETCH_SUPPORT_H

#include <gio/gio.h>

#include "hub.h"

G_BEGIN_DECLS

#define REPO "w2vee-test/default"
#define URI "hf://" REPO
#define REPO_NO_WEIGHTS "w2vee-test/no-weights"   /* config.json only */

typedef struct {
  int unused;               /* the state is global: hub, cache */
} Fixture;

extern Hub *hub;              /* serves models/default as REPO, REPO_NO_WEIGHTS */
extern char *model_dir;       /* models/default of the source tree */
extern char *cache;           /* W2VEE_CACHE of the running test */

/* Makes the hub (serving REPO and REPO_NO_WEIGHTS) and model_dir; fetch_support_clear() undoes it. */
void fetch_support_init (void);
void fetch_support_clear (void);

/* A fresh cache and the default environment for every test; teardown removes it. */
void setup (Fixture *fixture, gconstpointer data);
void teardown (Fixture *fixture, gconstpointer data);

#define TEST(path, func) \
  g_test_add (path, Fixture, NULL, setup, func, teardown)

/* CACHE/models--ORG--NAME of @repo_id, and paths in it. */
char *repo_dir (const char *repo_id);
char *blob_path (const char *repo_id, const char *hash);
char *incomplete_path (const char *repo_id, const char *hash);
char *expected_snapshot (const char *repo_id);

char *sha256_of_file (const char *path);
char *git_sha1_of_file (const char *path);
void assert_same_file (const char *a, const char *b);
guint64 file_size (const char *path);
/* Files in @dir whose name ends with @suffix. */
guint count_suffix (const char *dir, const char *suffix);

/* models/default/@name, and the sha256 of its model.safetensors. */
char *model_file (const char *name);
char *weights_sha256 (void);

/* Checks the snapshot of REPO: the files, their links into blobs/, refs/main. */
void assert_snapshot_complete (const char *dir);

/* g_test_message() of each line of @text (TAP comments are one line each). */
void message_lines (const char *prefix, const char *text);

/* What the progress callback of a fetch reported. on_progress() checks each call
 * (done <= total, never backwards) and records it, under @lock: it may run in a worker
 * thread. */
typedef struct {
  GMutex lock;
  GHashTable *last;         /* file -> last done */
  GHashTable *total;        /* file -> total */
  guint calls;
  GThread *thread;          /* the thread of progress_init() */
  guint calls_in_thread;    /* calls made in @thread */
  guint64 cancel_after;     /* cancel once this many bytes of model.safetensors came */
  GCancellable *cancellable;
} Progress;

void progress_init (Progress *p);
void progress_clear (Progress *p);
/* A W2veeFetchProgressFunc; @data is a Progress. */
void on_progress (const char *file, guint64 done, guint64 total, gpointer data);
/* The last done (or the total) reported for @file (0 when none). */
guint64 progress_last (Progress *p, const char *file);
guint64 progress_total (Progress *p, const char *file);

/* The request of @method whose path ends with @suffix, the @nth (0-based). */
HubRequest *find_request (GPtrArray *log, const char *method, const char *suffix,
    guint nth);

G_END_DECLS

#endif /* W2VEE_TEST_FETCH_SUPPORT_H */
