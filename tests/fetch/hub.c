/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The loopback hub of the fetch tests (hub.h). */
#include "hub.h"

#include <string.h>

#include <glib/gstdio.h>

#include <libsoup/soup.h>

#define THROTTLE_INTERVAL_MS 10
#define LAST_MODIFIED "Tue, 01 Sep 2026 12:00:00 GMT"

typedef struct {
  char *name;
  GBytes *data;
  char *sha256;
  char *git_sha1;   /* of "blob SIZE\0" + data */
  gboolean lfs;
} HubFile;

typedef struct {
  char *commit;
  GHashTable *files;  /* name -> HubFile */
} Repo;

typedef struct {
  HubBehaviour behaviour;
  guint64 arg;
} Rule;

struct _Hub {
  GMutex lock;                /* protects everything below the servers */
  GCond cond;
  GThread *thread;
  GMainContext *context;      /* the server thread's */
  GMainLoop *loop;
  SoupServer *hub, *cdn, *tls;
  char *endpoint, *cdn_base, *tls_endpoint, *tls_pem;
  gboolean ready;
  GHashTable *repos;          /* repo id -> Repo */
  GHashTable *rules;          /* file name -> Rule */
  GPtrArray *log;             /* HubRequest */
  GHashTable *sent;           /* file name -> guint64 * */
};

/* One GET body being sent piecewise (HUB_STALL_AFTER, HUB_DROP_AFTER, HUB_THROTTLE). */
typedef struct {
  Hub *hub;
  SoupServerMessage *msg;
  char *file;
  GBytes *body;         /* what the answer's Content-Length announced */
  gsize appended;       /* bytes of @body handed to libsoup */
  guint64 written;      /* bytes libsoup wrote */
  Rule rule;
  GSource *timer;
  gboolean dropped;
} Stream;

static void
hub_file_free (HubFile *f)
{
  g_free (f->name);
  g_bytes_unref (f->data);
  g_free (f->sha256);
  g_free (f->git_sha1);
  g_free (f);
}

static void
repo_free (Repo *r)
{
  g_free (r->commit);
  g_hash_table_unref (r->files);
  g_free (r);
}

static void
request_free (HubRequest *r)
{
  g_free (r->server);
  g_free (r->method);
  g_free (r->path);
  g_free (r->range);
  g_free (r->if_range);
  g_free (r->authorization);
  g_free (r);
}

static Rule
rule_for (Hub *hub, const char *file)
{
  Rule rule = { HUB_NORMAL, 0 };
  Rule *r;

  g_mutex_lock (&hub->lock);
  r = g_hash_table_lookup (hub->rules, file);
  if (r != NULL)
    rule = *r;
  g_mutex_unlock (&hub->lock);
  return rule;
}

/* Finds the file whose sha256 is @sha (for the CDN). */
static HubFile *
find_by_sha (Hub *hub, const char *sha)
{
  GHashTableIter it, jt;
  gpointer repo, file;

  g_hash_table_iter_init (&it, hub->repos);
  while (g_hash_table_iter_next (&it, NULL, &repo)) {
    g_hash_table_iter_init (&jt, ((Repo *) repo)->files);
    while (g_hash_table_iter_next (&jt, NULL, &file))
      if (strcmp (((HubFile *) file)->sha256, sha) == 0)
        return file;
  }
  return NULL;
}

/* ------------------------------------------------------------------------- */
/* Bodies                                                                    */
/* ------------------------------------------------------------------------- */

static void
stream_free (Stream *s)
{
  if (s->timer != NULL) {
    g_source_destroy (s->timer);
    g_source_unref (s->timer);
  }
  g_bytes_unref (s->body);
  g_free (s->file);
  g_free (s);
}

static void
stream_append (Stream *s, gsize n)
{
  gsize size = g_bytes_get_size (s->body);
  GBytes *part;

  n = MIN (n, size - s->appended);
  part = g_bytes_new_from_bytes (s->body, s->appended, n);
  soup_message_body_append_bytes (soup_server_message_get_response_body (s->msg), part);
  g_bytes_unref (part);
  s->appended += n;
  if (s->appended == size)
    soup_message_body_complete (soup_server_message_get_response_body (s->msg));
  soup_server_message_unpause (s->msg);
}

static gboolean
throttle_tick (gpointer data)
{
  Stream *s = data;

  stream_append (s, s->rule.arg);
  if (s->appended < g_bytes_get_size (s->body))
    return G_SOURCE_CONTINUE;
  g_source_unref (s->timer);
  s->timer = NULL;
  return G_SOURCE_REMOVE;
}

static gboolean
drop_connection (gpointer msg)
{
  GIOStream *conn = soup_server_message_steal_connection (msg);

  g_io_stream_close (conn, NULL, NULL);
  g_object_unref (conn);
  return G_SOURCE_REMOVE;
}

static void
on_wrote_body_data (SoupServerMessage *msg, guint chunk, gpointer data)
{
  Stream *s = data;
  guint64 *total;

  s->written += chunk;
  g_mutex_lock (&s->hub->lock);
  total = g_hash_table_lookup (s->hub->sent, s->file);
  if (total == NULL) {
    total = g_new0 (guint64, 1);
    g_hash_table_insert (s->hub->sent, g_strdup (s->file), total);
  }
  *total += chunk;
  g_cond_broadcast (&s->hub->cond);
  g_mutex_unlock (&s->hub->lock);

  if (s->rule.behaviour == HUB_DROP_AFTER && !s->dropped && s->written >= s->rule.arg) {
    GSource *idle = g_idle_source_new ();

    s->dropped = TRUE;
    g_source_set_callback (idle, drop_connection, g_object_ref (msg), g_object_unref);
    g_source_attach (idle, s->hub->context);
    g_source_unref (idle);
  }
}

static void
on_finished (SoupServerMessage *msg, gpointer data)
{
  Stream *s = data;

  if (s->timer != NULL) {
    g_source_destroy (s->timer);
    g_source_unref (s->timer);
    s->timer = NULL;
  }
}

/* Answers with @content (Range, If-Range against @etag, and the file's rule). */
static guint
serve_content (Hub *hub, SoupServerMessage *msg, const char *file, GBytes *content,
    const char *etag)
{
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  gboolean head = strcmp (soup_server_message_get_method (msg), "HEAD") == 0;
  const char *range = soup_message_headers_get_one (req, "Range");
  const char *if_range = soup_message_headers_get_one (req, "If-Range");
  Rule rule = rule_for (hub, file);
  gsize size = g_bytes_get_size (content);
  g_autoptr (GBytes) served = g_bytes_ref (content);
  guint64 from = 0;
  guint status = SOUP_STATUS_OK;
  Stream *s;

  if (rule.behaviour == HUB_CORRUPT && rule.arg < size) {
    guint8 *copy = g_memdup2 (g_bytes_get_data (content, NULL), size);

    copy[rule.arg] ^= 0x01;
    g_bytes_unref (served);
    served = g_bytes_new_take (copy, size);
  }
  soup_message_headers_replace (resp, "ETag", etag);
  soup_message_headers_replace (resp, "Accept-Ranges", "bytes");
  if (range != NULL && rule.behaviour != HUB_IGNORE_RANGE
      && (if_range == NULL || strcmp (if_range, etag) == 0
          || strcmp (if_range, LAST_MODIFIED) == 0)
      && g_str_has_prefix (range, "bytes=") && g_str_has_suffix (range, "-")) {
    g_autofree char *num = g_strndup (range + 6, strlen (range) - 7);

    if (!g_ascii_string_to_unsigned (num, 10, 0, G_MAXUINT64, &from, NULL) || from >= size) {
      soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
          NULL);
      return SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE;
    }
    status = SOUP_STATUS_PARTIAL_CONTENT;
    soup_message_headers_set_content_range (resp, from, size - 1, size);
  }
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_set_content_length (resp, size - from);
  if (head)
    return status;

  /* SoupServer answers Range requests itself from an accumulated 200 body: not here,
   * where the rules decide */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  s = g_new0 (Stream, 1);
  s->hub = hub;
  s->msg = msg;
  s->file = g_strdup (file);
  s->body = g_bytes_new_from_bytes (served, from, size - from);
  s->rule = rule;
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_wrote_body_data), s);
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), s);
  g_object_set_data_full (G_OBJECT (msg), "hub-stream", s, (GDestroyNotify) stream_free);

  switch (rule.behaviour) {
    case HUB_STALL_AFTER:
    case HUB_DROP_AFTER:
      stream_append (s, rule.arg);
      break;
    case HUB_THROTTLE:
      stream_append (s, rule.arg);
      s->timer = g_timeout_source_new (THROTTLE_INTERVAL_MS);
      g_source_set_callback (s->timer, throttle_tick, s, NULL);
      g_source_attach (s->timer, hub->context);
      break;
    default:
      stream_append (s, size - from);
      break;
  }
  return status;
}

/* ------------------------------------------------------------------------- */
/* Routes                                                                    */
/* ------------------------------------------------------------------------- */

static guint
serve_resolve (Hub *hub, SoupServerMessage *msg, char **parts, guint n)
{
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  g_autofree char *repo_id = NULL, *etag = NULL;
  const char *rev, *file;
  Repo *repo;
  HubFile *hf;
  Rule rule;

  /* ORG NAME resolve REV FILE */
  if (n != 5 || strcmp (parts[2], "resolve") != 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return SOUP_STATUS_NOT_FOUND;
  }
  repo_id = g_strdup_printf ("%s/%s", parts[0], parts[1]);
  rev = parts[3];
  file = parts[4];
  rule = rule_for (hub, file);

  if (rule.behaviour == HUB_STALL_HEADERS) {
    soup_server_message_pause (msg);
    return 0;
  }
  if (rule.behaviour == HUB_REDIRECT_LOOP) {
    g_autofree char *location = g_strdup_printf ("%s?n=%u", file, g_random_int ());

    soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
    return SOUP_STATUS_FOUND;
  }

  g_mutex_lock (&hub->lock);
  repo = g_hash_table_lookup (hub->repos, repo_id);
  hf = repo != NULL ? g_hash_table_lookup (repo->files, file) : NULL;
  g_mutex_unlock (&hub->lock);
  if (repo == NULL) {
    soup_message_headers_replace (resp, "X-Error-Code", "RepoNotFound");
    soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
    return SOUP_STATUS_UNAUTHORIZED;
  }
  if (strcmp (rev, "main") != 0 && strcmp (rev, repo->commit) != 0) {
    soup_message_headers_replace (resp, "X-Error-Code", "RevisionNotFound");
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return SOUP_STATUS_NOT_FOUND;
  }
  soup_message_headers_replace (resp, "X-Repo-Commit", repo->commit);
  if (hf == NULL || rule.behaviour == HUB_MISSING) {
    soup_message_headers_replace (resp, "X-Error-Code", "EntryNotFound");
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return SOUP_STATUS_NOT_FOUND;
  }
  if (hf->lfs) {
    g_autofree char *location = g_strdup_printf ("%s/cdn/%s?sig=%08x", hub->cdn_base,
        hf->sha256, g_random_int ());
    g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT,
        g_bytes_get_size (hf->data));

    etag = g_strdup_printf ("\"%s\"", hf->sha256);
    soup_message_headers_replace (resp, "X-Linked-Etag", etag);
    soup_message_headers_replace (resp, "X-Linked-Size", size);
    soup_message_headers_replace (resp, "ETag", etag);
    soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
    return SOUP_STATUS_FOUND;
  }
  etag = g_strdup_printf ("\"%s\"", hf->git_sha1);
  return serve_content (hub, msg, file, hf->data, etag);
}

static guint
serve_cdn (Hub *hub, SoupServerMessage *msg, const char *sha)
{
  g_autofree char *etag = g_strdup_printf ("\"%s\"", sha);
  HubFile *hf;

  g_mutex_lock (&hub->lock);
  hf = find_by_sha (hub, sha);
  g_mutex_unlock (&hub->lock);
  if (hf == NULL) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return SOUP_STATUS_NOT_FOUND;
  }
  return serve_content (hub, msg, hf->name, hf->data, etag);
}

static guint
serve_plain (Hub *hub, SoupServerMessage *msg, char **parts, guint n)
{
  g_autofree char *repo_id = NULL, *etag = NULL;
  Repo *repo;
  HubFile *hf;

  /* plain ORG NAME FILE */
  if (n != 4) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return SOUP_STATUS_NOT_FOUND;
  }
  repo_id = g_strdup_printf ("%s/%s", parts[1], parts[2]);
  g_mutex_lock (&hub->lock);
  repo = g_hash_table_lookup (hub->repos, repo_id);
  hf = repo != NULL ? g_hash_table_lookup (repo->files, parts[3]) : NULL;
  g_mutex_unlock (&hub->lock);
  if (hf == NULL || rule_for (hub, parts[3]).behaviour == HUB_MISSING) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    return SOUP_STATUS_NOT_FOUND;
  }
  /* an opaque validator, as static servers make them */
  etag = g_strdup_printf ("\"%.16s-%" G_GSIZE_MODIFIER "x\"", hf->sha256,
      g_bytes_get_size (hf->data));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Last-Modified", LAST_MODIFIED);
  return serve_content (hub, msg, hf->name, hf->data, etag);
}

static void
handler (SoupServer *server, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer data)
{
  Hub *hub = data;
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *name = g_object_get_data (G_OBJECT (server), "hub-name");
  g_auto (GStrv) parts = g_strsplit (path + 1, "/", -1);
  guint n = g_strv_length (parts);
  HubRequest *r = g_new0 (HubRequest, 1);
  guint status;

  r->server = g_strdup (name);
  r->method = g_strdup (soup_server_message_get_method (msg));
  r->path = g_uri_get_query (uri) != NULL ? g_strdup_printf ("%s?%s", path,
      g_uri_get_query (uri)) : g_strdup (path);
  r->range = g_strdup (soup_message_headers_get_one (req, "Range"));
  r->if_range = g_strdup (soup_message_headers_get_one (req, "If-Range"));
  r->authorization = g_strdup (soup_message_headers_get_one (req, "Authorization"));

  if (strcmp (name, "cdn") == 0)
    status = n == 2 && strcmp (parts[0], "cdn") == 0 ? serve_cdn (hub, msg, parts[1]) :
        (soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL),
        SOUP_STATUS_NOT_FOUND);
  else if (n >= 1 && strcmp (parts[0], "plain") == 0)
    status = serve_plain (hub, msg, parts, n);
  else
    status = serve_resolve (hub, msg, parts, n);

  r->status = status;
  g_mutex_lock (&hub->lock);
  g_ptr_array_add (hub->log, r);
  g_mutex_unlock (&hub->lock);
}

/* ------------------------------------------------------------------------- */
/* Server thread                                                             */
/* ------------------------------------------------------------------------- */

static SoupServer *
start_server (Hub *hub, const char *name, GTlsCertificate *cert, char **url)
{
  g_autoptr (GError) error = NULL;
  SoupServer *server = cert != NULL ?
      soup_server_new ("tls-certificate", cert, NULL) : soup_server_new (NULL, NULL);
  GSList *uris;

  g_object_set_data (G_OBJECT (server), "hub-name", (gpointer) name);
  soup_server_add_handler (server, NULL, handler, hub, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY
          | (cert != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0), &error))
    g_error ("hub: cannot listen on 127.0.0.1: %s", error->message);
  uris = soup_server_get_uris (server);
  *url = g_strdup_printf ("%s://127.0.0.1:%d", cert != NULL ? "https" : "http",
      g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

static gpointer
server_thread (gpointer data)
{
  Hub *hub = data;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GError) error = NULL;

  g_main_context_push_thread_default (hub->context);
  hub->hub = start_server (hub, "hub", NULL, &hub->endpoint);
  hub->cdn = start_server (hub, "cdn", NULL, &hub->cdn_base);
  if (hub->tls_pem != NULL) {
    cert = g_tls_certificate_new_from_file (hub->tls_pem, &error);
    if (cert == NULL)
      g_error ("hub: %s: %s", hub->tls_pem, error->message);
    hub->tls = start_server (hub, "tls", cert, &hub->tls_endpoint);
  }
  g_mutex_lock (&hub->lock);
  hub->ready = TRUE;
  g_cond_broadcast (&hub->cond);
  g_mutex_unlock (&hub->lock);

  g_main_loop_run (hub->loop);

  soup_server_disconnect (hub->hub);
  soup_server_disconnect (hub->cdn);
  g_clear_object (&hub->hub);
  g_clear_object (&hub->cdn);
  if (hub->tls != NULL) {
    soup_server_disconnect (hub->tls);
    g_clear_object (&hub->tls);
  }
  while (g_main_context_iteration (hub->context, FALSE))
    ;
  g_main_context_pop_thread_default (hub->context);
  return NULL;
}

Hub *
hub_new (const char *tls_pem)
{
  Hub *hub = g_new0 (Hub, 1);

  g_mutex_init (&hub->lock);
  g_cond_init (&hub->cond);
  hub->tls_pem = g_strdup (tls_pem);
  hub->context = g_main_context_new ();
  hub->loop = g_main_loop_new (hub->context, FALSE);
  hub->repos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) repo_free);
  hub->rules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  hub->sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  hub->log = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  hub->thread = g_thread_new ("hub", server_thread, hub);
  g_mutex_lock (&hub->lock);
  while (!hub->ready)
    g_cond_wait (&hub->cond, &hub->lock);
  g_mutex_unlock (&hub->lock);
  return hub;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
hub_free (Hub *hub)
{
  g_main_context_invoke (hub->context, quit_loop, hub->loop);
  g_thread_join (hub->thread);
  g_main_loop_unref (hub->loop);
  g_main_context_unref (hub->context);
  g_hash_table_unref (hub->repos);
  g_hash_table_unref (hub->rules);
  g_hash_table_unref (hub->sent);
  g_ptr_array_unref (hub->log);
  g_free (hub->endpoint);
  g_free (hub->cdn_base);
  g_free (hub->tls_endpoint);
  g_free (hub->tls_pem);
  g_mutex_clear (&hub->lock);
  g_cond_clear (&hub->cond);
  g_free (hub);
}

/* ------------------------------------------------------------------------- */
/* Contents, rules, log                                                      */
/* ------------------------------------------------------------------------- */

static Repo *
get_repo (Hub *hub, const char *repo_id)
{
  Repo *repo = g_hash_table_lookup (hub->repos, repo_id);

  if (repo == NULL) {
    repo = g_new0 (Repo, 1);
    /* a fixed commit per repository: the sha1 of its name */
    repo->commit = g_compute_checksum_for_string (G_CHECKSUM_SHA1, repo_id, -1);
    repo->files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
        (GDestroyNotify) hub_file_free);
    g_hash_table_insert (hub->repos, g_strdup (repo_id), repo);
  }
  return repo;
}

void
hub_add_file (Hub *hub, const char *repo_id, const char *file, GBytes *data,
    gboolean lfs)
{
  HubFile *hf = g_new0 (HubFile, 1);
  g_autoptr (GChecksum) git = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *header = g_strdup_printf ("blob %" G_GSIZE_FORMAT,
      g_bytes_get_size (data));
  gsize size;
  const guint8 *bytes = g_bytes_get_data (data, &size);

  g_checksum_update (git, (const guchar *) header, strlen (header) + 1);
  g_checksum_update (git, bytes, size);
  hf->name = g_strdup (file);
  hf->data = g_bytes_ref (data);
  hf->sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
  hf->git_sha1 = g_strdup (g_checksum_get_string (git));
  hf->lfs = lfs;
  g_mutex_lock (&hub->lock);
  g_hash_table_replace (get_repo (hub, repo_id)->files, hf->name, hf);
  g_mutex_unlock (&hub->lock);
}

void
hub_add_model_dir (Hub *hub, const char *repo_id, const char *dir)
{
  static const char *const files[] = { "config.json", "preprocessor_config.json",
    "vocab.json", "model.safetensors", "pytorch_model.bin" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    g_autofree char *path = g_build_filename (dir, files[i], NULL);
    g_autoptr (GMappedFile) mapped = NULL;
    g_autoptr (GBytes) data = NULL;

    if (!g_file_test (path, G_FILE_TEST_EXISTS))
      continue;
    mapped = g_mapped_file_new (path, FALSE, NULL);
    g_assert_nonnull (mapped);
    data = g_mapped_file_get_bytes (mapped);
    hub_add_file (hub, repo_id, files[i], data, g_str_has_suffix (files[i], ".safetensors")
        || g_str_has_suffix (files[i], ".bin"));
  }
}

const char *
hub_commit (Hub *hub, const char *repo_id)
{
  const char *commit;

  g_mutex_lock (&hub->lock);
  commit = get_repo (hub, repo_id)->commit;
  g_mutex_unlock (&hub->lock);
  return commit;
}

const char *
hub_endpoint (Hub *hub)
{
  return hub->endpoint;
}

const char *
hub_tls_endpoint (Hub *hub)
{
  return hub->tls_endpoint;
}

char *
hub_plain_url (Hub *hub, const char *repo_id)
{
  return g_strdup_printf ("%s/plain/%s/", hub->endpoint, repo_id);
}

void
hub_set (Hub *hub, const char *file, HubBehaviour behaviour, guint64 arg)
{
  Rule *rule = g_new (Rule, 1);

  rule->behaviour = behaviour;
  rule->arg = arg;
  g_mutex_lock (&hub->lock);
  g_hash_table_replace (hub->rules, g_strdup (file), rule);
  g_mutex_unlock (&hub->lock);
}

void
hub_reset (Hub *hub)
{
  g_mutex_lock (&hub->lock);
  g_hash_table_remove_all (hub->rules);
  g_hash_table_remove_all (hub->sent);
  g_ptr_array_set_size (hub->log, 0);
  g_mutex_unlock (&hub->lock);
}

GPtrArray *
hub_requests (Hub *hub)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) request_free);
  guint i;

  g_mutex_lock (&hub->lock);
  for (i = 0; i < hub->log->len; i++) {
    HubRequest *r = g_ptr_array_index (hub->log, i), *c = g_new0 (HubRequest, 1);

    c->server = g_strdup (r->server);
    c->method = g_strdup (r->method);
    c->path = g_strdup (r->path);
    c->range = g_strdup (r->range);
    c->if_range = g_strdup (r->if_range);
    c->authorization = g_strdup (r->authorization);
    c->status = r->status;
    g_ptr_array_add (copy, c);
  }
  g_mutex_unlock (&hub->lock);
  return copy;
}

guint
hub_count (Hub *hub, const char *method, const char *suffix)
{
  guint i, n = 0;

  g_mutex_lock (&hub->lock);
  for (i = 0; i < hub->log->len; i++) {
    HubRequest *r = g_ptr_array_index (hub->log, i);
    g_autofree char *path = g_strndup (r->path, strcspn (r->path, "?"));

    if ((method[0] == '\0' || strcmp (r->method, method) == 0)
        && g_str_has_suffix (path, suffix))
      n++;
  }
  g_mutex_unlock (&hub->lock);
  return n;
}

guint64
hub_bytes_sent (Hub *hub, const char *file)
{
  guint64 *n, sent;

  g_mutex_lock (&hub->lock);
  n = g_hash_table_lookup (hub->sent, file);
  sent = n != NULL ? *n : 0;
  g_mutex_unlock (&hub->lock);
  return sent;
}

gboolean
hub_wait_sent (Hub *hub, const char *file, guint64 bytes, double timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  gboolean reached;
  guint64 *n;

  g_mutex_lock (&hub->lock);
  for (;;) {
    n = g_hash_table_lookup (hub->sent, file);
    reached = n != NULL && *n >= bytes;
    if (reached || g_get_monotonic_time () >= end)
      break;
    g_cond_wait_until (&hub->cond, &hub->lock, end);
  }
  g_mutex_unlock (&hub->lock);
  return reached;
}

void
hub_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR)
          && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        hub_remove_tree (child);
      else
        g_unlink (child);
    }
  }
  g_rmdir (path);
}
