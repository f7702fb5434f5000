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
 *
 * The parts: this file (URIs, w2vee_fetch(), w2vee_fetch_async()), fetch-http.c
 * (requests, the watchdog, downloads) and fetch-cache.c (locks, snapshots, refs,
 * offline lookups); fetch-private.h is what they share.
 */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "w2vee"
#endif

#include <string.h>

#include "format/model-config.h"
#include "hub/fetch-private.h"
#include "model.h"
#include "w2vee-config.h"

#define DEFAULT_ENDPOINT "https://huggingface.co"
#define DEFAULT_REVISION "main"
#define URL_REF "latest"             /* refs/ entry of an https:// model */
#define CONNECT_TIMEOUT_S 10         /* to resolve, connect and hand over a request */
#define IDLE_TIMEOUT_S 30            /* longest wait for the next bytes of an answer */
#define MAX_REPO_PART 96             /* characters of ORG or NAME */
#define MAX_REVISION 255

const ModelFile fetch_model_files[FETCH_N_FILES] = {
  { { "config.json", NULL }, TRUE, W2VEE_MAX_CONFIG_FILE_BYTES },
  { { "preprocessor_config.json", NULL }, FALSE, W2VEE_MAX_CONFIG_FILE_BYTES },
  { { "vocab.json", NULL }, FALSE, W2VEE_MAX_VOCAB_FILE_BYTES },
  { { "model.safetensors", "pytorch_model.bin" }, TRUE,
      W2VEE_MAX_MODEL_BYTES + (G_GUINT64_CONSTANT (256) << 20) },
};

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
gboolean
fetch_revision_is_valid (const char *s)
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
  if (!fetch_url_is_allowed (parsed)) {
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
  if (!fetch_revision_is_valid (f->revision)) {
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
  f->origin = fetch_origin_of (parsed);
  f->base = g_strdup_printf ("%s/%s/resolve/", endpoint_url, f->repo_id);

  root = fetch_cache_root ();
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
  root = fetch_cache_root ();
  f->repo_dir = g_strdup_printf ("%s/urls--%s", root, key);
  f->lock_dir = g_strdup_printf ("%s/.locks/urls--%s", root, key);
  return TRUE;
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

  for (i = 0; i < G_N_ELEMENTS (fetch_model_files); i++) {
    const ModelFile *mf = &fetch_model_files[i];
    FileMeta *m = &f->files[i];
    guint k;

    for (k = 0; k < G_N_ELEMENTS (mf->names) && mf->names[k] != NULL; k++) {
      g_free (m->download_url);
      m->download_url = NULL;
      m->name = mf->names[k];
      m->absent = FALSE;
      if (!fetch_get_metadata (f, m, mf->max_bytes, error))
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
    dir = fetch_cached_snapshot (&f, error);
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
        G_CALLBACK (fetch_forward_cancel), f.watchdog.cancellable, NULL);
  }
  f.watchdog.thread = g_thread_new ("w2vee-fetch-watchdog", fetch_watchdog_thread,
      &f.watchdog);
  f.session = soup_session_new_with_options ("user-agent", "w2vee/" W2VEE_VERSION,
      "timeout", MAX (f.connect_timeout_s, f.idle_timeout_s) + 5, NULL);
  soup_session_remove_feature_by_type (f.session, SOUP_TYPE_CONTENT_DECODER);

  if (!get_all_metadata (&f, &local)) {
    /* the server cannot be reached: a complete cached copy will do */
    if (g_error_matches (local, W2VEE_ERROR, W2VEE_ERROR_NETWORK) && !f.answered) {
      dir = fetch_cached_snapshot (&f, NULL);
      if (dir != NULL) {
        g_info ("%s; using the cached copy %s", local->message, dir);
        goto out;
      }
    }
    g_propagate_error (error, g_steal_pointer (&local));
    goto out;
  }
  for (i = 0; i < G_N_ELEMENTS (f.files); i++)
    if (!f.files[i].absent && !fetch_ensure_blob (&f, &f.files[i], error))
      goto out;
  fetch_write_snapshot (&f, &dir, error);

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
