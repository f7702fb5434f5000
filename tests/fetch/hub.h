/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* A loopback imitation of the Hugging Face hub for the fetch tests: SoupServers on
 * 127.0.0.1 (random ports) in a thread of their own.
 *
 *   hub  http://127.0.0.1:P/ORG/NAME/resolve/REV/FILE   (REV: the branch "main" or the
 *        commit) answers as the hub does: a regular file with 200, ETag "<git blob
 *        sha1>", Content-Length and X-Repo-Commit; an LFS file with 302 to the CDN,
 *        X-Linked-Etag "<sha256>", X-Linked-Size, ETag and X-Repo-Commit; a missing file
 *        with 404, X-Error-Code EntryNotFound.
 *   cdn  http://127.0.0.1:Q/cdn/SHA256?sig=...          the LFS content (another origin)
 *   hub  http://127.0.0.1:P/plain/ORG/NAME/FILE         a plain static server: opaque
 *        ETag, Last-Modified, no hub headers (for https:// base URLs)
 *   tls  https://127.0.0.1:R/...                        the hub again, with a self-signed
 *        certificate no client may accept
 *
 * Every server honours Range: bytes=N- (and If-Range, against its own ETag) unless told
 * to ignore it, and logs each request. Behaviours per file name change what is served.
 */
#ifndef W2VEE_TEST_HUB_H
#define W2VEE_TEST_HUB_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _Hub Hub;

typedef enum {
  HUB_NORMAL,
  HUB_IGNORE_RANGE,    /* always 200 with the whole file */
  HUB_CORRUPT,         /* flip the byte at offset arg of the content (headers unchanged) */
  HUB_STALL_AFTER,     /* send arg bytes of the body, then nothing (the connection stays) */
  HUB_STALL_HEADERS,   /* never answer */
  HUB_DROP_AFTER,      /* send arg bytes of the body, then close the connection */
  HUB_THROTTLE,        /* send arg bytes of the body every 10 ms */
  HUB_MISSING,         /* 404 EntryNotFound */
  HUB_REDIRECT_LOOP,   /* 302 to itself, forever */
} HubBehaviour;

typedef struct {
  char *server;        /* "hub", "cdn" or "tls" */
  char *method;
  char *path;          /* with the query */
  char *range;         /* Range header or NULL */
  char *if_range;      /* If-Range header or NULL */
  char *authorization; /* Authorization header or NULL */
  guint status;
} HubRequest;

Hub *hub_new (const char *tls_pem);
void hub_free (Hub *hub);

/* Serves @data as FILE of repository @repo_id (ORG/NAME) at the repository's commit
 * (40 hex digits, made from @repo_id). @lfs: via a redirect to the CDN. */
void hub_add_file (Hub *hub, const char *repo_id, const char *file, GBytes *data,
    gboolean lfs);
const char *hub_commit (Hub *hub, const char *repo_id);
/* Serves the files of model directory @dir as the hub would: config.json,
 * preprocessor_config.json and vocab.json as regular files, model.safetensors and
 * pytorch_model.bin (those @dir has) through LFS. */
void hub_add_model_dir (Hub *hub, const char *repo_id, const char *dir);

/* http://127.0.0.1:P (no trailing slash), for HF_ENDPOINT. */
const char *hub_endpoint (Hub *hub);
/* https://127.0.0.1:R (the untrusted TLS server). */
const char *hub_tls_endpoint (Hub *hub);
/* http://127.0.0.1:P/plain/ORG/NAME/ (the plain server's base URL). */
char *hub_plain_url (Hub *hub, const char *repo_id);

void hub_set (Hub *hub, const char *file, HubBehaviour behaviour, guint64 arg);
void hub_reset (Hub *hub);      /* every file back to HUB_NORMAL; the log emptied */

/* The requests so far (a copy: HubRequest, free with hub_requests_free). */
GPtrArray *hub_requests (Hub *hub);
/* Requests whose method is @method ("": any) and whose path ends with @suffix. */
guint hub_count (Hub *hub, const char *method, const char *suffix);
/* Body bytes written for @file (every server, every request) since the last reset. */
guint64 hub_bytes_sent (Hub *hub, const char *file);
/* Blocks until hub_bytes_sent (@file) >= @bytes or @timeout_s passed; TRUE if reached. */
gboolean hub_wait_sent (Hub *hub, const char *file, guint64 bytes, double timeout_s);

/* Deletes @path and everything below it, links not followed (the tests' caches). */
void hub_remove_tree (const char *path);

G_END_DECLS

#endif /* W2VEE_TEST_HUB_H */
