/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee_fetch()'s requests over libsoup: the URL policy (https://, or http:// to this
 * machine), the watchdog that cancels a request making no progress, HEAD answers read
 * into a FileMeta, and downloads into blobs/ (resumed with Range, checked for size
 * and hash, renamed into place). The rules are fetch.c's top comment. */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "w2vee"
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hub/fetch-private.h"
#include "model.h"

#define MAX_REDIRECTS 10
#define BUFFER_BYTES (256 * 1024)
#define PROGRESS_INTERVAL_US 100000  /* between two progress calls of one file */

/* ------------------------------------------------------------------------- */
/* URL policy                                                                */
/* ------------------------------------------------------------------------- */

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr (GInetAddress) addr = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  addr = g_inet_address_new_from_string (host);
  return addr != NULL && g_inet_address_get_is_loopback (addr);
}

/* TRUE when @url is https://, or http:// to a loopback host (tests, local mirrors). */
gboolean
fetch_url_is_allowed (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);

  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  return g_ascii_strcasecmp (scheme, "http") == 0 && host_is_loopback (g_uri_get_host (uri));
}

/* "scheme://host:port", the port made explicit: what the token may be sent to. */
char *
fetch_origin_of (GUri *uri)
{
  g_autofree char *scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  g_autofree char *host = g_ascii_strdown (g_uri_get_host (uri), -1);
  int port = g_uri_get_port (uri);

  if (port < 0)
    port = strcmp (scheme, "https") == 0 ? 443 : 80;
  return g_strdup_printf ("%s://%s:%d", scheme, host, port);
}

/* The URL of @file: for hf://, at the commit once known, so that all files come from
 * one commit even when the branch moves meanwhile. */
static char *
file_url (Fetch *f, const char *file)
{
  g_autofree char *rev = NULL;

  if (!f->hub)
    return g_strconcat (f->base, file, NULL);
  rev = g_uri_escape_string (f->commit != NULL ? f->commit : f->revision, NULL, FALSE);
  return g_strdup_printf ("%s%s/%s", f->base, rev, file);
}

/* ------------------------------------------------------------------------- */
/* Watchdog                                                                  */
/* ------------------------------------------------------------------------- */

gpointer
fetch_watchdog_thread (gpointer data)
{
  Watchdog *w = data;

  g_mutex_lock (&w->lock);
  while (!w->quit) {
    gint64 now = g_get_monotonic_time ();

    if (w->deadline_us == 0) {
      g_cond_wait (&w->cond, &w->lock);
    } else if (now < w->deadline_us) {
      g_cond_wait_until (&w->cond, &w->lock, w->deadline_us);
    } else {
      w->fired = TRUE;
      w->deadline_us = 0;
      g_mutex_unlock (&w->lock);
      g_cancellable_cancel (w->cancellable);
      g_mutex_lock (&w->lock);
    }
  }
  g_mutex_unlock (&w->lock);
  return NULL;
}

/* Cancels the fetch unless disarmed or re-armed within @seconds. */
static void
watchdog_arm (Watchdog *w, guint seconds, const char *waiting_for)
{
  g_mutex_lock (&w->lock);
  if (!w->fired) {
    w->deadline_us = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
    w->armed_s = seconds;
    w->waiting_for = waiting_for;
    g_cond_signal (&w->cond);
  }
  g_mutex_unlock (&w->lock);
}

static void
watchdog_disarm (Watchdog *w)
{
  g_mutex_lock (&w->lock);
  w->deadline_us = 0;
  g_cond_signal (&w->cond);
  g_mutex_unlock (&w->lock);
}

/* ------------------------------------------------------------------------- */
/* HTTP                                                                      */
/* ------------------------------------------------------------------------- */

void
fetch_forward_cancel (GCancellable *user, gpointer own)
{
  g_cancellable_cancel (own);
}

static void
on_wrote_headers (SoupMessage *msg, gpointer data)
{
  Fetch *f = data;

  /* connected (or on a kept-alive connection): now the answer may take the idle time */
  watchdog_arm (&f->watchdog, f->idle_timeout_s, "answer");
}

/* Sets @error for a failed network operation on @url: a timeout or cancellation of
 * ours, a TLS refusal, or whatever libsoup or GIO said. */
static void
set_network_error (Fetch *f, const char *file, const char *url, GError *cause,
    GError **error)
{
  g_autofree char *shown = w2vee_url_for_message (url);
  gboolean fired;
  guint armed_s;
  const char *waiting_for;

  g_mutex_lock (&f->watchdog.lock);
  fired = f->watchdog.fired;
  armed_s = f->watchdog.armed_s;
  waiting_for = f->watchdog.waiting_for;
  g_mutex_unlock (&f->watchdog.lock);

  if (fired) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
        "cannot fetch %s of %s from %s: timed out: no %s within %u s", file, f->uri,
        shown, waiting_for, armed_s);
  } else if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
        "fetching %s of %s from %s was cancelled", file, f->uri, shown);
  } else if (cause->domain == G_TLS_ERROR) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
        "cannot fetch %s of %s from %s: TLS error, connection refused: %s", file, f->uri,
        shown, cause->message);
  } else {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
        "cannot fetch %s of %s from %s: %s", file, f->uri, shown, cause->message);
  }
}

static void
set_status_error (Fetch *f, const char *file, const char *url, SoupMessage *msg,
    GError **error)
{
  g_autofree char *shown = w2vee_url_for_message (url);
  guint status = soup_message_get_status (msg);
  SoupMessageHeaders *h = soup_message_get_response_headers (msg);
  const char *code = soup_message_headers_get_one (h, "X-Error-Code");
  const char *hint = "";

  if (status == SOUP_STATUS_UNAUTHORIZED)
    hint = f->token != NULL ? " (HF_TOKEN may not read this repository)" :
        " (a private or gated repository, or none at all: set HF_TOKEN to a token "
        "that may read it)";
  else if (status == SOUP_STATUS_FORBIDDEN)
    hint = " (a gated repository: accept its conditions on the hub with the account "
        "of HF_TOKEN)";
  g_set_error (error, W2VEE_ERROR, status == SOUP_STATUS_NOT_FOUND ?
      W2VEE_ERROR_NOT_FOUND : W2VEE_ERROR_NETWORK,
      "cannot fetch %s of %s from %s: HTTP %u %s%s%s%s", file, f->uri, shown, status,
      soup_status_get_phrase (status),
      code != NULL && g_str_is_ascii (code) && strlen (code) < 64 ? ": " : "",
      code != NULL && g_str_is_ascii (code) && strlen (code) < 64 ? code : "", hint);
}

/* Sends @method to @url and follows redirects (at most MAX_REDIRECTS). With
 * @stop_at_lfs, stops at a redirect to another origin that carries X-Linked-Size (the
 * hub's answer for an LFS file, whose headers describe the file). @range_from > 0 asks
 * for the bytes from there on (with If-Range: @if_range when given). Returns the body
 * stream of the last answer (whatever its status) and that answer in @msg_out, with
 * @url_out the URL it came from; NULL and @error when no answer came. */
static GInputStream *
send_request (Fetch *f, const char *file, const char *method, const char *url,
    gboolean stop_at_lfs, guint64 range_from, const char *if_range,
    SoupMessage **msg_out, char **url_out, GError **error)
{
  g_autofree char *current = g_strdup (url);
  guint redirects;

  for (redirects = 0;; redirects++) {
    g_autoptr (SoupMessage) msg = NULL;
    g_autoptr (GInputStream) stream = NULL;
    g_autoptr (GError) local = NULL;
    g_autoptr (GUri) here = NULL, there = NULL;
    g_autofree char *here_origin = NULL;
    SoupMessageHeaders *req, *resp;
    const char *location;
    guint status;

    here = g_uri_parse (current, G_URI_FLAGS_ENCODED, NULL);
    msg = here != NULL ? soup_message_new_from_uri (method, here) : NULL;
    if (msg == NULL) {
      g_autofree char *shown = w2vee_url_for_message (current);

      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
          "cannot fetch %s of %s: bad URL %s", file, f->uri, shown);
      return NULL;
    }
    soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
    req = soup_message_get_request_headers (msg);
    soup_message_headers_replace (req, "Accept-Encoding", "identity");
    here_origin = fetch_origin_of (here);
    if (f->token != NULL && f->origin != NULL && strcmp (here_origin, f->origin) == 0) {
      g_autofree char *bearer = g_strconcat ("Bearer ", f->token, NULL);

      soup_message_headers_replace (req, "Authorization", bearer);
    }
    if (range_from > 0) {
      g_autofree char *range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-",
          range_from);

      soup_message_headers_replace (req, "Range", range);
      if (if_range != NULL)
        soup_message_headers_replace (req, "If-Range", if_range);
    }
    g_signal_connect (msg, "wrote-headers", G_CALLBACK (on_wrote_headers), f);

    watchdog_arm (&f->watchdog, f->connect_timeout_s, "connection");
    stream = soup_session_send (f->session, msg, f->watchdog.cancellable, &local);
    if (stream == NULL) {
      watchdog_disarm (&f->watchdog);
      set_network_error (f, file, current, local, error);
      return NULL;
    }
    watchdog_arm (&f->watchdog, f->idle_timeout_s, "data");
    f->answered = TRUE;

    status = soup_message_get_status (msg);
    resp = soup_message_get_response_headers (msg);
    location = soup_message_headers_get_one (resp, "Location");
    if (!SOUP_STATUS_IS_REDIRECTION (status) || location == NULL
        || status == SOUP_STATUS_NOT_MODIFIED) {
      *msg_out = g_steal_pointer (&msg);
      *url_out = g_steal_pointer (&current);
      return g_steal_pointer (&stream);
    }

    there = g_uri_parse_relative (here, location, G_URI_FLAGS_ENCODED, NULL);
    if (there == NULL || !fetch_url_is_allowed (there)
        || (g_ascii_strcasecmp (g_uri_get_scheme (here), "https") == 0
            && g_ascii_strcasecmp (g_uri_get_scheme (there), "https") != 0)) {
      g_autofree char *shown = w2vee_url_for_message (current);

      watchdog_disarm (&f->watchdog);
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
          "cannot fetch %s of %s from %s: refused a redirect to a bad or insecure URL",
          file, f->uri, shown);
      return NULL;
    }
    if (stop_at_lfs && soup_message_headers_get_one (resp, "X-Linked-Size") != NULL) {
      g_autofree char *there_origin = fetch_origin_of (there);

      if (strcmp (there_origin, here_origin) != 0) {
        *msg_out = g_steal_pointer (&msg);
        *url_out = g_steal_pointer (&current);
        return g_steal_pointer (&stream);
      }
    }
    if (redirects == MAX_REDIRECTS) {
      g_autofree char *shown = w2vee_url_for_message (url);

      watchdog_disarm (&f->watchdog);
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
          "cannot fetch %s of %s from %s: more than %d redirects", file, f->uri, shown,
          MAX_REDIRECTS);
      return NULL;
    }
    g_input_stream_close (stream, NULL, NULL);
    g_free (current);
    current = g_uri_to_string (there);
  }
}

/* HEAD of one file: fills @m, or sets @m->absent on 404. */
gboolean
fetch_get_metadata (Fetch *f, FileMeta *m, guint64 max_bytes, GError **error)
{
  g_autofree char *final_url = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) stream = NULL;
  SoupMessageHeaders *h;
  W2veeHeadAnswer answer = { 0 };
  W2veeHeadInfo info;

  g_free (m->url);
  m->url = file_url (f, m->name);
  stream = send_request (f, m->name, "HEAD", m->url, TRUE, 0, NULL, &msg, &final_url,
      error);
  if (stream == NULL)
    return FALSE;
  g_input_stream_close (stream, NULL, NULL);
  watchdog_disarm (&f->watchdog);

  answer.status = soup_message_get_status (msg);
  if (answer.status != SOUP_STATUS_NOT_FOUND && !SOUP_STATUS_IS_SUCCESSFUL (answer.status)
      && !SOUP_STATUS_IS_REDIRECTION (answer.status)) {
    set_status_error (f, m->name, final_url, msg, error);
    return FALSE;
  }
  h = soup_message_get_response_headers (msg);
  answer.url = final_url;
  answer.repo_commit = soup_message_headers_get_one (h, "X-Repo-Commit");
  answer.error_code = soup_message_headers_get_one (h, "X-Error-Code");
  answer.etag = soup_message_headers_get_one (h, "ETag");
  answer.linked_etag = soup_message_headers_get_one (h, "X-Linked-Etag");
  answer.linked_size = soup_message_headers_get_one (h, "X-Linked-Size");
  answer.content_length = soup_message_headers_get_one (h, "Content-Length");
  answer.last_modified = soup_message_headers_get_one (h, "Last-Modified");
  answer.location = soup_message_headers_get_one (h, "Location");
  if (!w2vee_head_parse (&answer, m->name, f->uri, max_bytes, &info, error))
    return FALSE;

  /* the commit of the first answer that names one; all later requests use it */
  if (f->commit == NULL && info.commit != NULL)
    f->commit = g_steal_pointer (&info.commit);
  if (info.absent) {
    m->absent = TRUE;
    g_free (m->error_code);
    m->error_code = g_steal_pointer (&info.error_code);
  } else {
    m->size = info.size;
    m->kind = info.kind;
    m->hash = g_steal_pointer (&info.hash);
    m->download_url = g_steal_pointer (&info.download_url);
    m->if_range = g_steal_pointer (&info.if_range);
  }
  w2vee_head_info_clear (&info);
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* Downloads                                                                 */
/* ------------------------------------------------------------------------- */

/* Both checksums a download may need, over "blob SIZE\0" (git) and the content. */
typedef struct {
  GChecksum *sha256;
  GChecksum *git_sha1;
} Digest;

static void
digest_reset (Digest *d, guint64 size)
{
  char header[64];
  int n = g_snprintf (header, sizeof header, "blob %" G_GUINT64_FORMAT, size);

  g_checksum_reset (d->sha256);
  g_checksum_reset (d->git_sha1);
  g_checksum_update (d->git_sha1, (const guchar *) header, n + 1); /* with the NUL */
}

static void
digest_update (Digest *d, const guchar *data, gsize len)
{
  g_checksum_update (d->sha256, data, len);
  g_checksum_update (d->git_sha1, data, len);
}

static void
report (Fetch *f, const char *file, guint64 done, guint64 total, gint64 *last_us,
    gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (f->progress == NULL)
    return;
  if (!force && now - *last_us < PROGRESS_INTERVAL_US)
    return;
  *last_us = now;
  f->progress (file, done, total, f->progress_data);
}

/* Feeds the @have bytes already in @fd to @d. */
static gboolean
digest_file (Digest *d, int fd, guint64 have, guchar *buf, const char *path,
    GError **error)
{
  guint64 off = 0;

  while (off < have) {
    ssize_t n = pread (fd, buf, MIN (BUFFER_BYTES, have - off), off);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return fetch_io_error (error, "read", path, n < 0 ? errno : EIO);
    digest_update (d, buf, n);
    off += n;
  }
  return TRUE;
}

static gboolean
write_all (int fd, const guchar *data, gsize len, guint64 off, const char *path,
    GError **error)
{
  while (len > 0) {
    ssize_t n = pwrite (fd, data, len, off);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fetch_io_error (error, "write", path, errno);
    data += n;
    len -= n;
    off += n;
  }
  return TRUE;
}

/* Parses "bytes FIRST-LAST/TOTAL". */
static gboolean
content_range_starts_at (SoupMessage *msg, guint64 first_expected, guint64 total)
{
  goffset first, last, length;

  if (!soup_message_headers_get_content_range (soup_message_get_response_headers (msg),
          &first, &last, &length))
    return FALSE;
  return first >= 0 && (guint64) first == first_expected
      && last >= first && (guint64) last + 1 == total
      && (length < 0 || (guint64) length == total);
}

/* Reads @stream into @fd from @*have on, until its end. */
static gboolean
receive (Fetch *f, FileMeta *m, GInputStream *stream, const char *url, int fd,
    const char *tmp, Digest *d, guint64 *have, guchar *buf, GError **error)
{
  gint64 last_us = 0;

  report (f, m->name, *have, m->size, &last_us, TRUE);
  for (;;) {
    g_autoptr (GError) local = NULL;
    gssize n = g_input_stream_read (stream, buf, BUFFER_BYTES, f->watchdog.cancellable,
        &local);

    if (n < 0) {
      watchdog_disarm (&f->watchdog);
      set_network_error (f, m->name, url, local, error);
      return FALSE;
    }
    if (n == 0)
      break;
    watchdog_arm (&f->watchdog, f->idle_timeout_s, "data");
    if (*have + n > m->size) {
      g_autofree char *shown = w2vee_url_for_message (url);

      watchdog_disarm (&f->watchdog);
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CHECKSUM,
          "cannot fetch %s of %s from %s: more than the %" G_GUINT64_FORMAT
          " bytes announced", m->name, f->uri, shown, m->size);
      return FALSE;
    }
    if (!write_all (fd, buf, n, *have, tmp, error)) {
      watchdog_disarm (&f->watchdog);
      return FALSE;
    }
    digest_update (d, buf, n);
    *have += n;
    report (f, m->name, *have, m->size, &last_us, FALSE);
  }
  watchdog_disarm (&f->watchdog);
  g_input_stream_close (stream, NULL, NULL);
  if (*have < m->size) {
    g_autofree char *shown = w2vee_url_for_message (url);

    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
        "cannot fetch %s of %s from %s: the connection ended after %" G_GUINT64_FORMAT
        " of %" G_GUINT64_FORMAT " bytes (fetch again to resume)", m->name, f->uri, shown,
        *have, m->size);
    return FALSE;
  }
  return TRUE;
}

static gboolean
restart_from_zero (int fd, const char *tmp, Digest *d, guint64 size, guint64 *have,
    GError **error)
{
  if (ftruncate (fd, 0) != 0)
    return fetch_io_error (error, "truncate", tmp, errno);
  *have = 0;
  digest_reset (d, size);
  return TRUE;
}

/* GETs @m into @fd, which holds @*have bytes already fed to @d: resumes with Range
 * (and If-Range when the validator is known); a 200 answer restarts from zero. */
static gboolean
download_into (Fetch *f, FileMeta *m, int fd, const char *tmp, Digest *d, guint64 *have,
    guchar *buf, GError **error)
{
  for (;;) {
    g_autoptr (SoupMessage) msg = NULL;
    g_autoptr (GInputStream) stream = NULL;
    g_autofree char *url = NULL;
    SoupMessageHeaders *h;
    gboolean ranged = *have > 0;
    guint status;

    stream = send_request (f, m->name, "GET", m->download_url, FALSE, *have,
        ranged ? m->if_range : NULL, &msg, &url, error);
    if (stream == NULL)
      return FALSE;
    status = soup_message_get_status (msg);
    h = soup_message_get_response_headers (msg);

    if (ranged && status == SOUP_STATUS_PARTIAL_CONTENT
        && content_range_starts_at (msg, *have, m->size))
      return receive (f, m, stream, url, fd, tmp, d, have, buf, error);
    if (status == SOUP_STATUS_OK) {
      if (soup_message_headers_get_encoding (h) == SOUP_ENCODING_CONTENT_LENGTH
          && (guint64) soup_message_headers_get_content_length (h) != m->size) {
        g_autofree char *shown = w2vee_url_for_message (url);

        watchdog_disarm (&f->watchdog);
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CHECKSUM,
            "cannot fetch %s of %s from %s: %" G_GINT64_FORMAT " bytes sent, %"
            G_GUINT64_FORMAT " announced", m->name, f->uri, shown,
            (gint64) soup_message_headers_get_content_length (h), m->size);
        return FALSE;
      }
      /* with a partial file: the server ignored Range, or the file changed */
      if (ranged && !restart_from_zero (fd, tmp, d, m->size, have, error))
        return FALSE;
      return receive (f, m, stream, url, fd, tmp, d, have, buf, error);
    }
    watchdog_disarm (&f->watchdog);
    g_input_stream_close (stream, NULL, NULL);
    if (!ranged || (status != SOUP_STATUS_PARTIAL_CONTENT
            && status != SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)) {
      set_status_error (f, m->name, url, msg, error);
      return FALSE;
    }
    /* a range answer that does not fit the partial file: start again from zero */
    if (!restart_from_zero (fd, tmp, d, m->size, have, error))
      return FALSE;
  }
}

/* Makes sure the content of @m is in blobs/ and names it in @m->blob. */
gboolean
fetch_ensure_blob (Fetch *f, FileMeta *m, GError **error)
{
  g_autofree char *blobs = g_build_filename (f->repo_dir, "blobs", NULL);
  g_autofree char *key = NULL, *blob_path = NULL, *tmp = NULL, *got = NULL;
  g_autofree guchar *buf = NULL;
  Digest d = { NULL, NULL };
  gboolean ok = FALSE, keep_tmp = TRUE;
  guint64 have = 0;
  gint64 last_us = 0;
  struct stat st;
  int lock_fd = -1, fd = -1;

  if (m->kind != W2VEE_HASH_NONE) {
    key = g_strdup (m->hash);
  } else {
    /* no hash announced: named by what identifies the bytes (URL, validator, size) */
    g_autofree char *id = g_strdup_printf ("%s\n%s\n%" G_GUINT64_FORMAT,
        m->download_url, m->if_range != NULL ? m->if_range : "", m->size);

    key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
  }
  if (!fetch_make_dirs (blobs, error))
    return FALSE;
  lock_fd = fetch_lock_key (f, key, error);
  if (lock_fd < 0)
    return FALSE;

  blob_path = g_build_filename (blobs, key, NULL);
  /* in the cache already (without a validator nothing says it is still current) */
  if ((m->kind != W2VEE_HASH_NONE || m->if_range != NULL) && stat (blob_path, &st) == 0
      && S_ISREG (st.st_mode) && (guint64) st.st_size == m->size) {
    m->blob = g_strdup (key);
    report (f, m->name, m->size, m->size, &last_us, TRUE);
    ok = TRUE;
    goto out;
  }

  tmp = g_strdup_printf ("%s/%s.incomplete", blobs, key);
  fd = open (tmp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || fstat (fd, &st) != 0) {
    fetch_io_error (error, "open", tmp, errno);
    goto out;
  }
  have = st.st_size;
  if (have > m->size || (m->kind == W2VEE_HASH_NONE && m->if_range == NULL)) {
    /* longer than the file, or nothing tells whether it is the same file */
    if (ftruncate (fd, 0) != 0) {
      fetch_io_error (error, "truncate", tmp, errno);
      goto out;
    }
    have = 0;
  }
  d.sha256 = g_checksum_new (G_CHECKSUM_SHA256);
  d.git_sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  digest_reset (&d, m->size);
  buf = g_malloc (BUFFER_BYTES);
  if (!digest_file (&d, fd, have, buf, tmp, error))
    goto out;
  if (have < m->size && !download_into (f, m, fd, tmp, &d, &have, buf, error))
    goto out;

  got = g_strdup (g_checksum_get_string (m->kind == W2VEE_HASH_GIT_SHA1 ? d.git_sha1 :
          d.sha256));
  g_debug ("%s of %s: %s %s", m->name, f->uri, m->kind == W2VEE_HASH_GIT_SHA1 ?
      "git blob sha1" : "sha256", got);
  if (m->kind != W2VEE_HASH_NONE && strcmp (got, m->hash) != 0) {
    g_autofree char *shown = w2vee_url_for_message (m->download_url);

    keep_tmp = FALSE;
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_CHECKSUM,
        "cannot fetch %s of %s from %s: the %s of the %" G_GUINT64_FORMAT " bytes "
        "received is %s, the server announced %s: discarded", m->name, f->uri, shown,
        m->kind == W2VEE_HASH_GIT_SHA1 ? "git blob sha1" : "sha256", m->size, got, m->hash);
    goto out;
  }
  if (fsync (fd) != 0) {
    fetch_io_error (error, "sync", tmp, errno);
    goto out;
  }
  if (rename (tmp, blob_path) != 0) {
    fetch_io_error (error, "rename the download to", blob_path, errno);
    goto out;
  }
  if (!fetch_fsync_dir (blobs, error))
    goto out;
  m->blob = g_steal_pointer (&key);
  report (f, m->name, m->size, m->size, &last_us, TRUE);
  ok = TRUE;

out:
  if (fd >= 0)
    close (fd);
  if (!ok && !keep_tmp)
    g_unlink (tmp);
  if (d.sha256 != NULL)
    g_checksum_free (d.sha256);
  if (d.git_sha1 != NULL)
    g_checksum_free (d.git_sha1);
  close (lock_fd);              /* releases the flock */
  return ok;
}
