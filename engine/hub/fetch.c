/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Model URIs: hf://ORG/NAME[@REVISION] and https://BASE/ fetched into a verified cache
 * over libsoup (docs/models.md for the user's view): w2vee_fetch() blocks;
 * w2vee_fetch_async() runs it in a GTask worker thread.
 *
 * Cache layout, as the Hugging Face hub's cache:
 *
 *   CACHE/models--ORG--NAME/blobs/HASH               verified content, named by its sha256
 *                                                    (LFS files) or git blob sha1 (others);
 *                                                    from a server announcing no hash, by
 *                                                    the sha256 of (URL, validator, size)
 *   CACHE/models--ORG--NAME/blobs/KEY.incomplete     a download in progress (resumable)
 *   CACHE/models--ORG--NAME/snapshots/COMMIT/FILE -> ../../blobs/HASH
 *   CACHE/models--ORG--NAME/refs/REVISION            the commit REVISION resolved to
 *   CACHE/models--ORG--NAME/.no_exist/COMMIT/FILE    the server has no optional FILE
 *   CACHE/urls--SHA256(BASE URL)/...                 the same for https:// base URLs
 *   CACHE/.locks/REPO FOLDER/KEY.lock                flock()ed while KEY downloads
 *
 * Rules (docs/models.md, "Interruptions, resuming"): every download goes to
 * blobs/KEY.incomplete, is checked for size and hash, fsync()ed, renamed into place and
 * the directory fsync()ed: a file at its final name is always complete and verified.
 * A partial file is resumed
 * with Range (and If-Range where the validator of the URL it comes from is known); a
 * server that answers 200 instead of 206 restarts it from zero. Redirects are followed
 * by hand, at most MAX_REDIRECTS, never from https to plain http. TLS certificates are
 * checked by glib-networking against the system's CAs; nothing overrides a refusal.
 * A watchdog thread cancels a request that cannot connect within the connect timeout or
 * receives nothing for the idle timeout. Two processes downloading the same file
 * serialise on its lock; snapshot links and refs are replaced by rename().
 */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "w2vee"
#endif

#include "w2vee/w2vee.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "format/model-config.h"
#include "hub/head.h"
#include "model.h"
#include "w2vee-config.h"

#define DEFAULT_ENDPOINT "https://huggingface.co"
#define DEFAULT_REVISION "main"
#define URL_REF "latest"             /* refs/ entry of an https:// model */
#define CONNECT_TIMEOUT_S 10         /* to resolve, connect and hand over a request */
#define IDLE_TIMEOUT_S 30            /* longest wait for the next bytes of an answer */
#define MAX_REDIRECTS 10
#define BUFFER_BYTES (256 * 1024)
#define PROGRESS_INTERVAL_US 100000  /* between two progress calls of one file */
#define LOCK_POLL_US 100000          /* between two tries of a lock held elsewhere */
#define MAX_REPO_PART 96             /* characters of ORG or NAME */
#define MAX_REVISION 255

/* The files of a model. The weights are the first of @names the server has. */
typedef struct {
  const char *names[2];
  gboolean required;
  guint64 max_bytes;          /* refused above this before downloading */
} ModelFile;

static const ModelFile model_files[] = {
  { { "config.json", NULL }, TRUE, W2VEE_MAX_CONFIG_FILE_BYTES },
  { { "preprocessor_config.json", NULL }, FALSE, W2VEE_MAX_CONFIG_FILE_BYTES },
  { { "vocab.json", NULL }, FALSE, W2VEE_MAX_VOCAB_FILE_BYTES },
  { { "model.safetensors", "pytorch_model.bin" }, TRUE,
      W2VEE_MAX_MODEL_BYTES + (G_GUINT64_CONSTANT (256) << 20) },
};

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
  FileMeta files[G_N_ELEMENTS (model_files)];
} Fetch;

/* ------------------------------------------------------------------------- */
/* Small helpers                                                             */
/* ------------------------------------------------------------------------- */

static gboolean
env_true (const char *name)
{
  const char *v = g_getenv (name);

  return v != NULL && (g_ascii_strcasecmp (v, "1") == 0
      || g_ascii_strcasecmp (v, "true") == 0 || g_ascii_strcasecmp (v, "yes") == 0
      || g_ascii_strcasecmp (v, "on") == 0);
}


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
static gboolean
url_is_allowed (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);

  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  return g_ascii_strcasecmp (scheme, "http") == 0 && host_is_loopback (g_uri_get_host (uri));
}

/* "scheme://host:port", the port made explicit: what the token may be sent to. */
static char *
origin_of (GUri *uri)
{
  g_autofree char *scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  g_autofree char *host = g_ascii_strdown (g_uri_get_host (uri), -1);
  int port = g_uri_get_port (uri);

  if (port < 0)
    port = strcmp (scheme, "https") == 0 ? 443 : 80;
  return g_strdup_printf ("%s://%s:%d", scheme, host, port);
}

/* ORG or NAME of a hub repository: [A-Za-z0-9._-], no "--" or "..", not starting or
 * ending with "-" or ".". */
static gboolean
repo_part_is_valid (const char *s)
{
  gsize i, len = strlen (s);

  if (len == 0 || len > MAX_REPO_PART || strstr (s, "--") != NULL
      || strstr (s, "..") != NULL || s[0] == '-' || s[0] == '.'
      || s[len - 1] == '-' || s[len - 1] == '.')
    return FALSE;
  for (i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
      return FALSE;
  return TRUE;
}

/* A branch, tag or commit: [A-Za-z0-9._/-], no "..", no empty path component. */
static gboolean
revision_is_valid (const char *s)
{
  gsize i, len = strlen (s);

  if (len == 0 || len > MAX_REVISION || strstr (s, "..") != NULL
      || strstr (s, "//") != NULL || s[0] == '/' || s[len - 1] == '/' || s[0] == '.')
    return FALSE;
  for (i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.' && s[i] != '/')
      return FALSE;
  return TRUE;
}

static char *
cache_root (void)
{
  const char *env = g_getenv ("W2VEE_CACHE");
  const char *xdg = g_getenv ("XDG_CACHE_HOME");

  if (env != NULL && env[0] != '\0')
    return g_canonicalize_filename (env, NULL);
  if (xdg != NULL && g_path_is_absolute (xdg))
    return g_build_filename (xdg, "w2vee", NULL);
  return g_build_filename (g_get_home_dir (), ".cache", "w2vee", NULL);
}

static gboolean
set_io_error (GError **error, const char *what, const char *path, int errsv)
{
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot %s %s: %s", what, path,
      g_strerror (errsv));
  return FALSE;
}

static gboolean
make_dirs (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0755) != 0)
    return set_io_error (error, "create the cache folder", path, errno);
  return TRUE;
}

static gboolean
fsync_dir (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int errsv;

  if (fd < 0)
    return set_io_error (error, "open", path, errno);
  if (fsync (fd) != 0) {
    errsv = errno;
    close (fd);
    return set_io_error (error, "sync", path, errsv);
  }
  close (fd);
  return TRUE;
}

/* Makes @path a symbolic link to @target, atomically (rename over the old one). */
static gboolean
replace_symlink (const char *target, const char *path, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.tmp-%d-%08x", path, (int) getpid (),
      g_random_int ());

  if (symlink (target, tmp) != 0)
    return set_io_error (error, "create the link", tmp, errno);
  if (rename (tmp, path) != 0) {
    int errsv = errno;

    g_unlink (tmp);
    return set_io_error (error, "rename a link to", path, errsv);
  }
  return TRUE;
}

static gboolean
write_atomically (const char *path, const char *contents, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (!g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT
          | G_FILE_SET_CONTENTS_DURABLE, 0644, &local)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot write %s: %s", path,
        local->message);
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------------------------- */
/* URIs                                                                      */
/* ------------------------------------------------------------------------- */

gboolean
w2vee_uri_is_remote (const char *path_or_uri)
{
  if (path_or_uri == NULL)
    return FALSE;
  return g_str_has_prefix (path_or_uri, "hf://")
      || g_ascii_strncasecmp (path_or_uri, "https://", 8) == 0
      || g_ascii_strncasecmp (path_or_uri, "http://", 7) == 0;
}

/* Checks an http(s) URL; @what names it in the message. */
static GUri *
parse_http_url (const char *url, const char *what, const char *uri, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GUri) parsed = g_uri_parse (url, G_URI_FLAGS_ENCODED, &local);

  if (parsed == NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "%s: %s is not a valid URL: %s", uri, what, local->message);
    return NULL;
  }
  if (!url_is_allowed (parsed)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "%s: %s must be an https:// URL (plain http:// only to this machine, "
        "127.0.0.1 or localhost)", uri, what);
    return NULL;
  }
  if (g_uri_get_query (parsed) != NULL || g_uri_get_fragment (parsed) != NULL) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "%s: %s may not have a query or fragment", uri, what);
    return NULL;
  }
  return g_steal_pointer (&parsed);
}

static gboolean
parse_hf_uri (Fetch *f, GError **error)
{
  const char *rest = f->uri + strlen ("hf://");
  const char *at = strchr (rest, '@');
  const char *endpoint = g_getenv ("HF_ENDPOINT");
  g_autofree char *repo = at != NULL ? g_strndup (rest, at - rest) : g_strdup (rest);
  g_auto (GStrv) parts = g_strsplit (repo, "/", -1);
  g_autofree char *endpoint_url = NULL, *folder = NULL, *root = NULL;
  g_autoptr (GUri) parsed = NULL;
  guint n = g_strv_length (parts);

  if (n < 1 || n > 2 || !repo_part_is_valid (parts[0])
      || (n == 2 && !repo_part_is_valid (parts[1]))) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "%s: not a model URI: expected hf://ORG/NAME or hf://ORG/NAME@REVISION "
        "(ORG and NAME of letters, digits, '-', '_' and '.')", f->uri);
    return FALSE;
  }
  f->revision = g_strdup (at != NULL ? at + 1 : DEFAULT_REVISION);
  if (!revision_is_valid (f->revision)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "%s: bad revision \"%s\" (a branch, tag or commit of letters, digits, "
        "'-', '_', '.' and '/')", f->uri, f->revision);
    return FALSE;
  }
  f->repo_id = g_steal_pointer (&repo);

  endpoint_url = g_strdup (endpoint != NULL && endpoint[0] != '\0' ? endpoint :
      DEFAULT_ENDPOINT);
  while (g_str_has_suffix (endpoint_url, "/"))
    endpoint_url[strlen (endpoint_url) - 1] = '\0';
  parsed = parse_http_url (endpoint_url, "HF_ENDPOINT", f->uri, error);
  if (parsed == NULL)
    return FALSE;
  f->origin = origin_of (parsed);
  f->base = g_strdup_printf ("%s/%s/resolve/", endpoint_url, f->repo_id);

  root = cache_root ();
  folder = g_strjoinv ("--", parts);
  f->repo_dir = g_strdup_printf ("%s/models--%s", root, folder);
  f->lock_dir = g_strdup_printf ("%s/.locks/models--%s", root, folder);
  return TRUE;
}

static gboolean
parse_url_uri (Fetch *f, GError **error)
{
  g_autofree char *base = NULL, *root = NULL, *key = NULL;
  g_autoptr (GUri) parsed = NULL;

  base = g_str_has_suffix (f->uri, "/") ? g_strdup (f->uri) :
      g_strconcat (f->uri, "/", NULL);
  parsed = parse_http_url (base, "the model URL", f->uri, error);
  if (parsed == NULL)
    return FALSE;
  /* the cache key: the URL as GUri writes it back */
  g_clear_pointer (&base, g_free);
  base = g_uri_to_string (parsed);
  f->base = g_strdup (base);
  f->revision = g_strdup (URL_REF);
  key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, f->base, -1);
  root = cache_root ();
  f->repo_dir = g_strdup_printf ("%s/urls--%s", root, key);
  f->lock_dir = g_strdup_printf ("%s/.locks/urls--%s", root, key);
  return TRUE;
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

static gpointer
watchdog_thread (gpointer data)
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

static void
forward_cancel (GCancellable *user, gpointer own)
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
    here_origin = origin_of (here);
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
    if (there == NULL || !url_is_allowed (there)
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
      g_autofree char *there_origin = origin_of (there);

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
static gboolean
get_metadata (Fetch *f, FileMeta *m, guint64 max_bytes, GError **error)
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

/* Takes the lock of @key (waits while another process holds it). Returns its fd. */
static int
lock_key (Fetch *f, const char *key, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.lock", f->lock_dir, key);
  int fd;

  if (!make_dirs (f->lock_dir, error))
    return -1;
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    set_io_error (error, "open the lock", path, errno);
    return -1;
  }
  while (flock (fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      set_io_error (error, "lock", path, errno);
      close (fd);
      return -1;
    }
    if (g_cancellable_set_error_if_cancelled (f->watchdog.cancellable, error)) {
      close (fd);
      return -1;
    }
    g_usleep (LOCK_POLL_US);
  }
  return fd;
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
      return set_io_error (error, "read", path, n < 0 ? errno : EIO);
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
      return set_io_error (error, "write", path, errno);
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
    return set_io_error (error, "truncate", tmp, errno);
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
static gboolean
ensure_blob (Fetch *f, FileMeta *m, GError **error)
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
  if (!make_dirs (blobs, error))
    return FALSE;
  lock_fd = lock_key (f, key, error);
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
    set_io_error (error, "open", tmp, errno);
    goto out;
  }
  have = st.st_size;
  if (have > m->size || (m->kind == W2VEE_HASH_NONE && m->if_range == NULL)) {
    /* longer than the file, or nothing tells whether it is the same file */
    if (ftruncate (fd, 0) != 0) {
      set_io_error (error, "truncate", tmp, errno);
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
    set_io_error (error, "sync", tmp, errno);
    goto out;
  }
  if (rename (tmp, blob_path) != 0) {
    set_io_error (error, "rename the download to", blob_path, errno);
    goto out;
  }
  if (!fsync_dir (blobs, error))
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

/* ------------------------------------------------------------------------- */
/* Snapshots                                                                 */
/* ------------------------------------------------------------------------- */

/* Name of the snapshot: the commit for hub answers, else a digest of the blobs. */
static char *
snapshot_name (Fetch *f)
{
  g_autoptr (GString) id = NULL;
  g_autofree char *digest = NULL;
  gsize i;

  if (f->commit != NULL)
    return g_strdup (f->commit);
  if (f->hub)
    return g_strdup (f->revision);   /* a server at HF_ENDPOINT that names no commit */
  id = g_string_new (f->base);
  for (i = 0; i < G_N_ELEMENTS (f->files); i++)
    g_string_append_printf (id, "\n%s %s", f->files[i].name != NULL ? f->files[i].name :
        "-", f->files[i].blob != NULL ? f->files[i].blob : "-");
  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, id->str, id->len);
  return g_strndup (digest, 40);
}

static gboolean
write_snapshot (Fetch *f, char **dir_out, GError **error)
{
  g_autofree char *name = snapshot_name (f);
  g_autofree char *dir = g_build_filename (f->repo_dir, "snapshots", name, NULL);
  g_autofree char *no_exist = g_build_filename (f->repo_dir, ".no_exist", name, NULL);
  g_autofree char *ref = NULL;
  gsize i;

  if (!make_dirs (dir, error))
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (model_files); i++) {
    FileMeta *m = &f->files[i];
    guint k;

    if (m->blob != NULL) {
      g_autofree char *target = g_build_filename ("..", "..", "blobs", m->blob, NULL);
      g_autofree char *link = g_build_filename (dir, m->name, NULL);

      if (!replace_symlink (target, link, error))
        return FALSE;
    }
    /* the names the server does not have (tried before the one it has, or all of an
     * optional file it lacks): offline use then knows they are not missing */
    for (k = 0; k < G_N_ELEMENTS (model_files[i].names); k++) {
      const char *absent = model_files[i].names[k];
      g_autofree char *marker = NULL;

      if (absent == NULL || (m->blob != NULL && strcmp (absent, m->name) == 0))
        break;
      marker = g_build_filename (no_exist, absent, NULL);
      if (!make_dirs (no_exist, error) || !write_atomically (marker, "", error))
        return FALSE;
    }
  }
  if (!fsync_dir (dir, error))
    return FALSE;

  if (strcmp (name, f->revision) != 0) {
    g_autofree char *refs = g_build_filename (f->repo_dir, "refs", f->revision, NULL);
    g_autofree char *parent = g_path_get_dirname (refs);

    if (!make_dirs (parent, error) || !write_atomically (refs, name, error))
      return FALSE;
  }
  *dir_out = g_steal_pointer (&dir);
  return TRUE;
}

/* The snapshot the cache holds for @f, if complete: offline use. */
static char *
cached_snapshot (Fetch *f, GError **error)
{
  g_autofree char *name = NULL, *dir = NULL, *root = cache_root ();
  g_autoptr (GString) missing = g_string_new (NULL);
  gsize i;

  if (f->hub && w2vee_is_hex (f->revision, 40)) {
    name = g_ascii_strdown (f->revision, -1);
  } else {
    g_autofree char *refs = g_build_filename (f->repo_dir, "refs", f->revision, NULL);

    if (g_file_get_contents (refs, &name, NULL, NULL)) {
      g_strstrip (name);
      if (!revision_is_valid (name))
        g_clear_pointer (&name, g_free);
    }
  }
  if (name != NULL)
    dir = g_build_filename (f->repo_dir, "snapshots", name, NULL);
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_OFFLINE,
        "%s is not in the cache (%s) and offline mode is on (HF_HUB_OFFLINE or "
        "W2VEE_OFFLINE): fetch it once while online, e.g. with 'w2vee fetch %s'",
        f->uri, root, f->uri);
    return NULL;
  }

  for (i = 0; i < G_N_ELEMENTS (model_files); i++) {
    gboolean found = FALSE, known_absent = TRUE;
    guint k;

    for (k = 0; k < G_N_ELEMENTS (model_files[i].names) && !found; k++) {
      const char *file = model_files[i].names[k];
      g_autofree char *path = NULL, *marker = NULL;

      if (file == NULL)
        continue;
      path = g_build_filename (dir, file, NULL);
      marker = g_build_filename (f->repo_dir, ".no_exist", name, file, NULL);
      found = g_file_test (path, G_FILE_TEST_IS_REGULAR);
      known_absent = known_absent && g_file_test (marker, G_FILE_TEST_EXISTS);
    }
    if (found || (!model_files[i].required && known_absent))
      continue;
    g_string_append_printf (missing, "%s%s", missing->len > 0 ? ", " : "",
        model_files[i].names[0]);
  }
  if (missing->len > 0) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_OFFLINE,
        "%s is only partly in the cache (%s: %s missing) and offline mode is on "
        "(HF_HUB_OFFLINE or W2VEE_OFFLINE): fetch it once while online", f->uri, dir,
        missing->str);
    return NULL;
  }
  return g_steal_pointer (&dir);
}

/* ------------------------------------------------------------------------- */
/* w2vee_fetch                                                               */
/* ------------------------------------------------------------------------- */

W2veeFetchParams
w2vee_fetch_default_params (void)
{
  W2veeFetchParams p = { NULL, NULL, NULL, FALSE };

  return p;
}

static guint
timeout_from_env (guint fallback)
{
  const char *v = g_getenv ("W2VEE_FETCH_TIMEOUT");
  guint64 s;

  if (v != NULL && g_ascii_string_to_unsigned (v, 10, 1, 3600, &s, NULL))
    return (guint) s;
  return fallback;
}

static void
fetch_clear (Fetch *f)
{
  gsize i;

  if (f->watchdog.thread != NULL) {
    g_mutex_lock (&f->watchdog.lock);
    f->watchdog.quit = TRUE;
    g_cond_signal (&f->watchdog.cond);
    g_mutex_unlock (&f->watchdog.lock);
    g_thread_join (f->watchdog.thread);
  }
  if (f->user_handler != 0)
    g_cancellable_disconnect (f->user_cancellable, f->user_handler);
  g_clear_object (&f->session);
  g_clear_object (&f->watchdog.cancellable);
  g_mutex_clear (&f->watchdog.lock);
  g_cond_clear (&f->watchdog.cond);
  for (i = 0; i < G_N_ELEMENTS (f->files); i++) {
    g_free (f->files[i].url);
    g_free (f->files[i].download_url);
    g_free (f->files[i].if_range);
    g_free (f->files[i].hash);
    g_free (f->files[i].blob);
    g_free (f->files[i].error_code);
  }
  g_free (f->repo_id);
  g_free (f->revision);
  g_free (f->base);
  g_free (f->origin);
  g_free (f->commit);
  g_free (f->repo_dir);
  g_free (f->lock_dir);
  if (f->token != NULL)
    memset (f->token, 0, strlen (f->token));
  g_free (f->token);
}

/* HEAD of every file (the weights: the first name the server has). */
static gboolean
get_all_metadata (Fetch *f, GError **error)
{
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (model_files); i++) {
    const ModelFile *mf = &model_files[i];
    FileMeta *m = &f->files[i];
    guint k;

    for (k = 0; k < G_N_ELEMENTS (mf->names) && mf->names[k] != NULL; k++) {
      g_free (m->download_url);
      m->download_url = NULL;
      m->name = mf->names[k];
      m->absent = FALSE;
      if (!get_metadata (f, m, mf->max_bytes, error))
        return FALSE;
      if (!m->absent)
        break;
    }
    if (m->absent && mf->required) {
      if (mf->names[1] != NULL)
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
            "cannot fetch %s: the server has neither %s nor %s (HTTP 404 Not Found for "
            "%s)", f->uri, mf->names[0], mf->names[1], m->url);
      else
        g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND,
            "cannot fetch %s of %s from %s: HTTP 404 Not Found%s%s (a model needs %s)",
            mf->names[0], f->uri, m->url, m->error_code != NULL ? ": " : "",
            m->error_code != NULL ? m->error_code : "", mf->names[0]);
      return FALSE;
    }
    if (m->absent)
      m->name = mf->names[0];
  }
  return TRUE;
}

char *
w2vee_fetch (const char *uri, const W2veeFetchParams *params, GError **error)
{
  W2veeFetchParams defaults = w2vee_fetch_default_params ();
  Fetch f = { 0 };
  g_autoptr (GError) local = NULL;
  char *dir = NULL;
  gsize i;

  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (params == NULL)
    params = &defaults;
  f.uri = uri;
  f.hub = g_str_has_prefix (uri, "hf://");
  f.offline = params->offline || env_true ("HF_HUB_OFFLINE") || env_true ("W2VEE_OFFLINE");
  f.progress = params->progress;
  f.progress_data = params->progress_data;
  g_mutex_init (&f.watchdog.lock);
  g_cond_init (&f.watchdog.cond);

  if (!w2vee_uri_is_remote (uri)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT,
        "%s: not a model URI (hf://ORG/NAME[@REVISION] or https://BASE/)", uri);
    goto out;
  }
  if (!(f.hub ? parse_hf_uri (&f, error) : parse_url_uri (&f, error)))
    goto out;
  if (f.offline) {
    dir = cached_snapshot (&f, error);
    goto out;
  }

  if (f.hub && g_getenv ("HF_TOKEN") != NULL && g_getenv ("HF_TOKEN")[0] != '\0')
    f.token = g_strdup (g_getenv ("HF_TOKEN"));
  f.connect_timeout_s = timeout_from_env (CONNECT_TIMEOUT_S);
  f.idle_timeout_s = timeout_from_env (IDLE_TIMEOUT_S);
  f.watchdog.cancellable = g_cancellable_new ();
  if (params->cancellable != NULL) {
    f.user_cancellable = params->cancellable;
    f.user_handler = g_cancellable_connect (params->cancellable,
        G_CALLBACK (forward_cancel), f.watchdog.cancellable, NULL);
  }
  f.watchdog.thread = g_thread_new ("w2vee-fetch-watchdog", watchdog_thread,
      &f.watchdog);
  f.session = soup_session_new_with_options ("user-agent", "w2vee/" W2VEE_VERSION,
      "timeout", MAX (f.connect_timeout_s, f.idle_timeout_s) + 5, NULL);
  soup_session_remove_feature_by_type (f.session, SOUP_TYPE_CONTENT_DECODER);

  if (!get_all_metadata (&f, &local)) {
    /* the server cannot be reached: a complete cached copy will do */
    if (g_error_matches (local, W2VEE_ERROR, W2VEE_ERROR_NETWORK) && !f.answered) {
      dir = cached_snapshot (&f, NULL);
      if (dir != NULL) {
        g_info ("%s; using the cached copy %s", local->message, dir);
        goto out;
      }
    }
    g_propagate_error (error, g_steal_pointer (&local));
    goto out;
  }
  for (i = 0; i < G_N_ELEMENTS (f.files); i++)
    if (!f.files[i].absent && !ensure_blob (&f, &f.files[i], error))
      goto out;
  write_snapshot (&f, &dir, error);

out:
  fetch_clear (&f);
  return dir;
}

/* ------------------------------------------------------------------------- */
/* w2vee_fetch_async                                                         */
/* ------------------------------------------------------------------------- */

/* What the worker needs: owned by the task. */
typedef struct {
  char *uri;
  W2veeFetchParams params;    /* the caller's, copied; cancellable: the task's */
} AsyncFetch;

static void
async_fetch_free (gpointer data)
{
  AsyncFetch *a = data;

  g_free (a->uri);
  g_free (a);
}

/* In a worker thread of GIO's pool: the blocking fetch, with the task's cancellable. */
static void
async_fetch_run (GTask *task, gpointer source, gpointer task_data,
    GCancellable *cancellable)
{
  AsyncFetch *a = task_data;
  GError *error = NULL;
  char *dir;

  a->params.cancellable = cancellable;
  dir = w2vee_fetch (a->uri, &a->params, &error);
  if (dir != NULL)
    g_task_return_pointer (task, dir, g_free);
  else
    g_task_return_error (task, error);
}

void
w2vee_fetch_async (const char *uri, const W2veeFetchParams *params,
    GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  AsyncFetch *a;

  g_return_if_fail (uri != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (params == NULL || params->cancellable == NULL);

  a = g_new0 (AsyncFetch, 1);
  a->uri = g_strdup (uri);
  a->params = params != NULL ? *params : w2vee_fetch_default_params ();
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, w2vee_fetch_async);
  g_task_set_name (task, "w2vee_fetch_async");
  g_task_set_task_data (task, a, async_fetch_free);
  /* not return-on-cancel: the worker stops within moments of a cancel (the requests
   * are cancelled), and returning earlier would let it call progress after the
   * callback */
  g_task_run_in_thread (task, async_fetch_run);
}

char *
w2vee_fetch_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == w2vee_fetch_async,
      NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
