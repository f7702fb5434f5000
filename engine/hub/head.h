/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The headers of a HEAD answer, read into what fetch.c needs of one file: a pure
 * function (no I/O, no libsoup), so that tests/fuzz/fuzz-head.c can fuzz it. */
#ifndef W2VEE_HUB_HEAD_H
#define W2VEE_HUB_HEAD_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  W2VEE_HASH_NONE,      /* no hash announced: size checked; blob named by the sha256 of
                         * (URL, ETag or Last-Modified, size) */
  W2VEE_HASH_SHA256,    /* X-Linked-Etag (LFS): sha256 of the content */
  W2VEE_HASH_GIT_SHA1,  /* ETag of a regular hub file: sha1 of "blob SIZE\0" + content */
} W2veeHashKind;

/* The answer as received; any header may be NULL (absent). */
typedef struct {
  guint status;               /* HTTP status: 404, 2xx or 3xx (others are not parsed) */
  const char *url;            /* the URL that answered (absolute) */
  const char *repo_commit;    /* X-Repo-Commit */
  const char *error_code;     /* X-Error-Code */
  const char *etag;           /* ETag */
  const char *linked_etag;    /* X-Linked-Etag */
  const char *linked_size;    /* X-Linked-Size */
  const char *content_length; /* Content-Length */
  const char *last_modified;  /* Last-Modified */
  const char *location;       /* Location (3xx: the LFS redirect) */
} W2veeHeadAnswer;

/* What it says about the file; every string is owned (w2vee_head_info_clear()). */
typedef struct {
  gboolean absent;        /* 404 */
  char *error_code;       /* 404: X-Error-Code when ASCII and under 64 bytes, else NULL */
  char *commit;           /* lower-case 40 hex digits of X-Repo-Commit, or NULL */
  guint64 size;           /* bytes announced, at most the limit (not for 404) */
  W2veeHashKind kind;
  char *hash;             /* lower-case hex (64 or 40 digits) of @kind, or NULL */
  char *download_url;     /* where the bytes are: @url, or Location resolved against it */
  char *if_range;         /* validator for If-Range (strong ETag or Last-Modified) */
} W2veeHeadInfo;

/* Reads @answer about file @name of model @uri (for messages) into @info. Fails with
 * W2VEE_ERROR_NETWORK (a malformed commit, no size, a bad Location) or
 * W2VEE_ERROR_TOO_LARGE (a size above @max_bytes); @info then holds nothing. */
gboolean w2vee_head_parse (const W2veeHeadAnswer *answer, const char *name,
    const char *uri, guint64 max_bytes, W2veeHeadInfo *info, GError **error);
void w2vee_head_info_clear (W2veeHeadInfo *info);

/* TRUE when @s is exactly @len hex digits. */
gboolean w2vee_is_hex (const char *s, gsize len);

/* @url without its query and fragment (which may hold a signature), for messages. */
char *w2vee_url_for_message (const char *url);

G_END_DECLS

#endif /* W2VEE_HUB_HEAD_H */
