/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* What the three parts of w2vee_fetch() share: fetch.c (URIs, the public calls),
 * fetch-http.c (requests, the watchdog, downloads into blobs/) and fetch-cache.c (the
 * cache folder: locks, snapshots, refs, offline lookups). The cache layout and its
 * rules are fetch.c's top comment. Library-internal (hidden) symbols. */
#ifndef W2VEE_HUB_FETCH_PRIVATE_H
#define W2VEE_HUB_FETCH_PRIVATE_H

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "w2vee/w2vee.h"
#include "hub/head.h"

G_BEGIN_DECLS

/* The files of a model. The weights are the first of @names the server has. */
typedef struct {
  const char *names[2];
  gboolean required;
  guint64 max_bytes;          /* refused above this before downloading */
} ModelFile;

#define FETCH_N_FILES 4

/* In fetch.c: config.json, preprocessor_config.json, vocab.json, the weights. */
extern const ModelFile fetch_model_files[FETCH_N_FILES];


/* What a HEAD request told about one file. */
typedef struct {
  const char *name;
  char *url;                /* the URL asked (HEAD) */
  gboolean absent;          /* the server answered 404 */
  char *error_code;         /* X-Error-Code of that answer (EntryNotFound, ...), or NULL */
  char *download_url;       /* where the bytes are (the hub's redirect target) */
  char *if_range;           /* validator of download_url for If-Range, or NULL */
  char *hash;               /* lower-case hex of @kind, or NULL */
  W2veeHashKind kind;
  guint64 size;
  char *blob;               /* blob name once in the cache */
} FileMeta;

/* Cancels the current request when it does not progress in time. */
typedef struct {
  GMutex lock;
  GCond cond;
  GThread *thread;
  GCancellable *cancellable;  /* the fetch's own; cancelled when a deadline passes */
  gint64 deadline_us;         /* monotonic; 0: disarmed */
  guint armed_s;              /* seconds of the armed timeout, for the message */
  const char *waiting_for;    /* what the armed timeout waits for, for the message */
  gboolean fired;             /* a deadline passed: the fetch fails as timed out */
  gboolean quit;
} Watchdog;

typedef struct {
  const char *uri;            /* as given, for messages */
  gboolean hub;               /* hf:// (else a base URL) */
  char *repo_id;              /* hf://: ORG/NAME */
  char *revision;             /* hf://: REVISION as given; else URL_REF */
  char *base;                 /* hf://: ENDPOINT/ORG/NAME/resolve/; else the base URL */
  char *origin;               /* scheme://host:port the token may go to (hf:// only) */
  char *commit;               /* X-Repo-Commit of the first answer, or NULL */
  gboolean answered;          /* some server answered (else: unreachable) */
  char *repo_dir;             /* CACHE/models--ORG--NAME or CACHE/urls--HASH */
  char *lock_dir;             /* CACHE/.locks/<folder of repo_dir> */
  gboolean offline;
  char *token;                /* $HF_TOKEN or NULL; never printed */
  guint connect_timeout_s;
  guint idle_timeout_s;
  W2veeFetchProgressFunc progress;
  gpointer progress_data;
  GCancellable *user_cancellable;
  gulong user_handler;
  SoupSession *session;
  Watchdog watchdog;
  FileMeta files[FETCH_N_FILES];
} Fetch;

/* fetch.c */
G_GNUC_INTERNAL gboolean fetch_revision_is_valid (const char *s);

/* fetch-http.c */
G_GNUC_INTERNAL gboolean fetch_url_is_allowed (GUri *uri);
G_GNUC_INTERNAL char *fetch_origin_of (GUri *uri);
G_GNUC_INTERNAL gpointer fetch_watchdog_thread (gpointer data);
G_GNUC_INTERNAL void fetch_forward_cancel (GCancellable *user, gpointer own);
G_GNUC_INTERNAL gboolean fetch_get_metadata (Fetch *f, FileMeta *m, guint64 max_bytes,
    GError **error);
G_GNUC_INTERNAL gboolean fetch_ensure_blob (Fetch *f, FileMeta *m, GError **error);

/* fetch-cache.c */
G_GNUC_INTERNAL char *fetch_cache_root (void);
G_GNUC_INTERNAL gboolean fetch_io_error (GError **error, const char *what,
    const char *path, int errsv);
G_GNUC_INTERNAL gboolean fetch_make_dirs (const char *path, GError **error);
G_GNUC_INTERNAL gboolean fetch_fsync_dir (const char *path, GError **error);
G_GNUC_INTERNAL int fetch_lock_key (Fetch *f, const char *key, GError **error);
G_GNUC_INTERNAL gboolean fetch_write_snapshot (Fetch *f, char **dir_out, GError **error);
G_GNUC_INTERNAL char *fetch_cached_snapshot (Fetch *f, GError **error);

G_END_DECLS

#endif
