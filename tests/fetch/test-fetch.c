/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Model URIs end to end against the loopback hub (hub.h): w2vee_fetch() (/fetch/engine)
 * and the w2vee tool (/fetch/cli). Nothing here contacts any address but 127.0.0.1.
 *
 * Environment (set by meson.build): W2VEE_SOURCE_ROOT (models/default is the model
 * served), W2VEE_TOOL (the w2vee executable), W2VEE_TEST_TLS_PEM (the self-signed
 * certificate of the TLS server), W2VEE_TEST_BIN_DIR (a pytorch_model.bin of
 * models/default written by torch, see make_bin.py).
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

#include "fetch-support.h"
#include "speech.h"
#include "w2vee/w2vee.h"

#define REPO_BIN "w2vee-test/bin-only"
#define TOKEN "hf_TESTtokenDoNotLeak0123456789"
#define SAYING "open the window and let the sunshine in"

static GString *log_text;     /* everything logged, to look for the token */
static GMutex log_lock;

/* ------------------------------------------------------------------------- */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------- */

static GLogWriterOutput
capture_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  gsize i;

  g_mutex_lock (&log_lock);
  for (i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
      g_string_append_printf (log_text, "%s\n", (const char *) fields[i].value);
  g_mutex_unlock (&log_lock);
  if (level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;      /* kept, not printed (stdout is TAP) */
  return g_log_writer_default (level, fields, n_fields, data);
}

static char *
fetch (const char *uri, const W2veeFetchParams *params, GError **error)
{
  return w2vee_fetch (uri, params, error);
}

/* The greedy transcript of the deepest exit of @model for @signal. */
static char *
transcribe (const char *model_path, const SpeechSignal *signal)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeModel) model = w2vee_model_load (model_path, &error);
  W2veeSessionParams p = w2vee_session_default_params ();
  g_autoptr (W2veeSession) session = NULL;
  g_autoptr (W2veeTranscript) t = NULL;
  const float *logits;
  guint exit;
  gsize frames;

  g_assert_no_error (error);
  exit = w2vee_model_n_exits (model);
  p.n_threads = 1;
  p.max_samples = signal->samples->len;
  session = w2vee_session_new (model, &p, &error);
  g_assert_no_error (error);
  g_assert_true (w2vee_session_run (session, (const float *) signal->samples->data,
          signal->samples->len, exit, &error));
  logits = w2vee_session_logits (session, exit, &frames);
  t = w2vee_ctc_greedy (model, logits, frames);
  return g_strdup (t->text);
}

/* ------------------------------------------------------------------------- */
/* /fetch/engine                                                             */
/* ------------------------------------------------------------------------- */

/* Fetch, check the cache layout and the bytes, then transcribe speech with the fetched
 * model: the same text as the local model gives. A second fetch only asks (HEAD). */
static void
test_normal (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *again = NULL, *ours = NULL, *reference = NULL;
  g_autoptr (GPtrArray) log = NULL;
  g_autoptr (SpeechSignal) signal = speech_signal_new ();
  g_autofree char *sha = weights_sha256 ();
  g_autofree char *weights = model_file ("model.safetensors");
  g_autofree char *vocab_at_commit = g_strdup_printf ("resolve/%s/vocab.json",
      hub_commit (hub, REPO));
  W2veeFetchParams params = w2vee_fetch_default_params ();
  HubRequest *get;
  Progress progress;
  gint64 t0 = g_get_monotonic_time ();

  progress_init (&progress);
  params.progress = on_progress;
  params.progress_data = &progress;
  dir = fetch (URI, &params, &error);
  g_assert_no_error (error);
  g_test_message ("fetched %s in %.0f ms", URI, (g_get_monotonic_time () - t0) / 1e3);
  assert_snapshot_complete (dir);

  /* every file reported, and complete at the end */
  g_assert_cmpuint (g_hash_table_size (progress.last), ==, 4);
  g_assert_cmpuint (GPOINTER_TO_SIZE (g_hash_table_lookup (progress.last,
              "model.safetensors")), ==, file_size (weights));
  g_assert_cmpuint (GPOINTER_TO_SIZE (g_hash_table_lookup (progress.last,
              "model.safetensors")), ==, GPOINTER_TO_SIZE (g_hash_table_lookup (
              progress.total, "model.safetensors")));
  progress_clear (&progress);

  /* the hub protocol: HEADs on the hub, the LFS file from the CDN, no Range */
  log = hub_requests (hub);
  g_assert_cmpuint (hub_count (hub, "HEAD", "/config.json"), ==, 1);
  g_assert_cmpuint (hub_count (hub, "HEAD", "/model.safetensors"), ==, 1);
  get = find_request (log, "GET", sha, 0);
  g_assert_nonnull (get);
  g_assert_cmpstr (get->server, ==, "cdn");
  g_assert_null (get->range);
  g_assert_cmpuint (get->status, ==, 200);
  /* files after the first are asked for at the commit the first answer named */
  g_assert_nonnull (find_request (log, "HEAD", vocab_at_commit, 0));

  /* fetched again: nothing downloaded */
  hub_reset (hub);
  again = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, dir);
  g_assert_cmpuint (hub_count (hub, "GET", ""), ==, 0);
  g_assert_cmpuint (hub_count (hub, "HEAD", ""), ==, 4);

  /* and it transcribes as the local model does */
  speech_signal_add_silence (signal, 0.3);
  speech_signal_add_speech (signal, SAYING);
  speech_signal_add_silence (signal, 0.3);
  ours = transcribe (dir, signal);
  reference = transcribe (model_dir, signal);
  g_test_message ("fetched model: \"%s\"; local model: \"%s\"", ours, reference);
  g_assert_cmpstr (ours, !=, "");
  g_assert_cmpstr (ours, ==, reference);
}

/* w2vee_model_load*() take directories only: a URI is refused, saying to fetch it
 * first, and nothing is sent; the directory w2vee_fetch() gives loads. */
static void
test_model_load_refuses_uri (Fixture *fixture, gconstpointer data)
{
  static const char *const uris[] = { URI, "hf://org/name@v1", "https://example.com/m/",
    "http://127.0.0.1:9/m/" };
  g_autoptr (GError) error = NULL;
  g_autoptr (W2veeModel) model = NULL;
  g_autofree char *dir = NULL, *repo = repo_dir (REPO);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (uris); i++) {
    g_assert_null (w2vee_model_load (uris[i], &error));
    g_test_message ("%s", error->message);
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
    g_assert_true (g_str_has_prefix (error->message, uris[i]));
    g_assert_nonnull (strstr (error->message, "w2vee_fetch_async()"));
    g_assert_nonnull (strstr (error->message, "w2vee fetch"));
    g_clear_error (&error);
    g_assert_null (w2vee_model_load_full (uris[i], W2VEE_LOAD_NO_PICKLE, &error));
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_assert_cmpuint (hub_count (hub, "", ""), ==, 0);
  g_assert_false (g_file_test (repo, G_FILE_TEST_EXISTS));

  dir = w2vee_fetch (URI, NULL, &error);
  g_assert_no_error (error);
  model = w2vee_model_load (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w2vee_model_n_exits (model), ==, 4);
  g_assert_cmpstr (w2vee_model_path (model), ==, dir);
}

/* The connection drops in the middle of the weights: the fetch fails, keeps the partial
 * file (never at the final name), and the next fetch resumes with Range. */
static void
test_resume_after_drop (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sha = weights_sha256 ();
  g_autofree char *partial = incomplete_path (REPO, sha);
  g_autofree char *blob = blob_path (REPO, sha);
  g_autofree char *dir = NULL, *range = NULL;
  g_autofree char *weights = model_file ("model.safetensors");
  g_autoptr (GPtrArray) log = NULL;
  guint64 have, size = file_size (weights);
  HubRequest *get;

  hub_set (hub, "model.safetensors", HUB_DROP_AFTER, 4 << 20);
  dir = fetch (URI, NULL, &error);
  g_assert_null (dir);
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_assert_nonnull (strstr (error->message, "/cdn/"));
  g_assert_null (strstr (error->message, "sig="));     /* no query (signed URLs) */
  g_assert_false (g_file_test (blob, G_FILE_TEST_EXISTS));
  have = file_size (partial);
  g_assert_cmpuint (have, >, 0);
  g_assert_cmpuint (have, <, size);
  g_clear_error (&error);

  hub_reset (hub);
  dir = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  assert_snapshot_complete (dir);
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  log = hub_requests (hub);
  get = find_request (log, "GET", sha, 0);
  range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", have);
  g_assert_cmpstr (get->range, ==, range);
  g_assert_cmpuint (get->status, ==, 206);
  g_assert_cmpuint (hub_bytes_sent (hub, "model.safetensors"), ==, size - have);
  g_test_message ("resumed at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
      have, size);
}

/* Cancelled mid-download (from the progress callback): G_IO_ERROR_CANCELLED, the
 * partial file kept; the next fetch resumes. */
static void
test_resume_after_cancel (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sha = weights_sha256 ();
  g_autofree char *partial = incomplete_path (REPO, sha);
  g_autofree char *dir = NULL;
  g_autoptr (GPtrArray) log = NULL;
  W2veeFetchParams params = w2vee_fetch_default_params ();
  Progress progress;
  HubRequest *get;
  guint64 have;

  progress_init (&progress);
  progress.cancel_after = 1 << 20;
  params.cancellable = progress.cancellable;
  params.progress = on_progress;
  params.progress_data = &progress;
  hub_set (hub, "model.safetensors", HUB_THROTTLE, 256 << 10);
  dir = fetch (URI, &params, &error);
  g_assert_null (dir);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  progress_clear (&progress);
  have = file_size (partial);
  g_assert_cmpuint (have, >=, 1 << 20);

  hub_reset (hub);
  dir = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  assert_snapshot_complete (dir);
  log = hub_requests (hub);
  get = find_request (log, "GET", sha, 0);
  g_assert_nonnull (get->range);
  g_assert_cmpuint (get->status, ==, 206);
}

/* A server that ignores Range: the partial file is restarted from zero, cleanly. */
static void
test_ignore_range (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *sha = weights_sha256 ();
  g_autofree char *partial = incomplete_path (REPO, sha);
  g_autofree char *dir = NULL;
  g_autofree char *weights = model_file ("model.safetensors");
  g_autoptr (GPtrArray) log = NULL;
  HubRequest *get;

  hub_set (hub, "model.safetensors", HUB_DROP_AFTER, 3 << 20);
  g_assert_null (fetch (URI, NULL, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK);
  g_clear_error (&error);
  g_assert_cmpuint (file_size (partial), >, 0);

  hub_reset (hub);
  hub_set (hub, "model.safetensors", HUB_IGNORE_RANGE, 0);
  dir = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  assert_snapshot_complete (dir);
  log = hub_requests (hub);
  get = find_request (log, "GET", sha, 0);
  g_assert_nonnull (get->range);          /* asked for the rest */
  g_assert_cmpuint (get->status, ==, 200);  /* got everything */
  g_assert_cmpuint (hub_bytes_sent (hub, "model.safetensors"), ==, file_size (weights));
}

/* One flipped byte: refused with W2VEE_ERROR_CHECKSUM, nothing of it cached. */
static void
test_corrupt (Fixture *fixture, gconstpointer data)
{
  const char *file = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = model_file (file);
  gboolean lfs = g_str_has_suffix (file, ".safetensors");
  g_autofree char *hash = lfs ? sha256_of_file (path) : git_sha1_of_file (path);
  g_autofree char *blob = blob_path (REPO, hash);
  g_autofree char *partial = incomplete_path (REPO, hash);
  g_autofree char *repo = repo_dir (REPO);
  g_autofree char *snapshots = g_build_filename (repo, "snapshots", NULL);

  hub_set (hub, file, HUB_CORRUPT, file_size (path) / 2);
  g_assert_null (fetch (URI, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_CHECKSUM);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, hash));
  g_assert_nonnull (strstr (error->message, lfs ? "sha256" : "git blob sha1"));
  g_assert_nonnull (strstr (error->message, lfs ? "/cdn/" : hub_endpoint (hub)));
  g_assert_false (g_file_test (blob, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (partial, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (snapshots, G_FILE_TEST_EXISTS));
}

/* A server that stops sending (in the body, or before any answer): a timeout. */
static void
test_stall (Fixture *fixture, gconstpointer data)
{
  gboolean in_body = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  gint64 t0;
  double seconds;

  g_setenv ("W2VEE_FETCH_TIMEOUT", "1", TRUE);
  if (in_body)
    hub_set (hub, "model.safetensors", HUB_STALL_AFTER, 1 << 20);
  else
    hub_set (hub, "config.json", HUB_STALL_HEADERS, 0);
  t0 = g_get_monotonic_time ();
  g_assert_null (fetch (URI, NULL, &error));
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_test_message ("%s (after %.2f s)", error->message, seconds);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "timed out"));
  g_assert_nonnull (strstr (error->message, in_body ? "model.safetensors" : "config.json"));
  g_assert_cmpfloat (seconds, >=, 0.9);
  g_assert_cmpfloat (seconds, <, 5.0);
}

/* A required file the server does not have: W2VEE_ERROR_NOT_FOUND naming it. */
static void
test_missing_required (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = g_strdup_printf ("hf://%s", REPO_NO_WEIGHTS);

  hub_set (hub, "config.json", HUB_MISSING, 0);
  g_assert_null (fetch (URI, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "config.json"));
  g_assert_nonnull (strstr (error->message, hub_endpoint (hub)));
  g_assert_nonnull (strstr (error->message, "404"));
  g_clear_error (&error);

  /* neither model.safetensors nor pytorch_model.bin */
  hub_reset (hub);
  g_assert_null (fetch (uri, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_assert_nonnull (strstr (error->message, "pytorch_model.bin"));
  g_clear_error (&error);

  /* a repository the hub does not know (401, as the hub answers without a token) */
  g_assert_null (fetch ("hf://w2vee-test/nothing-here", NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "401"));
  g_assert_nonnull (strstr (error->message, "HF_TOKEN"));
  g_clear_error (&error);

  /* a revision it does not know */
  g_assert_null (fetch (URI "@no-such-branch", NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "RevisionNotFound"));
}

/* An optional file the server does not have: fine, and remembered for offline use. */
static void
test_optional_missing (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *offline = NULL, *vocab = NULL, *marker = NULL;
  g_autofree char *repo = repo_dir (REPO);

  hub_set (hub, "vocab.json", HUB_MISSING, 0);
  dir = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  vocab = g_build_filename (dir, "vocab.json", NULL);
  g_assert_false (g_file_test (vocab, G_FILE_TEST_EXISTS));
  marker = g_build_filename (repo, ".no_exist", hub_commit (hub, REPO), "vocab.json", NULL);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  hub_reset (hub);
  g_setenv ("W2VEE_OFFLINE", "1", TRUE);
  offline = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (offline, ==, dir);
  g_assert_cmpuint (hub_count (hub, "", ""), ==, 0);
}

/* Offline mode: no request at all; from the cache, else W2VEE_ERROR_OFFLINE. */
static void
test_offline (Fixture *fixture, gconstpointer data)
{
  static const char *const vars[] = { "W2VEE_OFFLINE", "HF_HUB_OFFLINE" };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  W2veeFetchParams params = w2vee_fetch_default_params ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (vars); i++) {
    g_setenv (vars[i], "1", TRUE);
    g_assert_null (fetch (URI, NULL, &error));
    g_test_message ("%s=1: %s", vars[i], error->message);
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_OFFLINE);
    g_assert_nonnull (strstr (error->message, URI));
    g_assert_nonnull (strstr (error->message, cache));
    g_clear_error (&error);
    g_unsetenv (vars[i]);
  }
  params.offline = TRUE;
  g_assert_null (fetch (URI, &params, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_OFFLINE);
  g_clear_error (&error);
  g_assert_cmpuint (hub_count (hub, "", ""), ==, 0);

  dir = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  hub_reset (hub);
  for (i = 0; i < G_N_ELEMENTS (vars); i++) {
    g_autofree char *cached = NULL;

    g_setenv (vars[i], "1", TRUE);
    cached = fetch (URI, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (cached, ==, dir);
    g_unsetenv (vars[i]);
  }
  g_assert_cmpuint (hub_count (hub, "", ""), ==, 0);

  /* a revision never fetched is not in the cache either */
  g_setenv ("W2VEE_OFFLINE", "1", TRUE);
  g_assert_null (fetch (URI "@other", NULL, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_OFFLINE);
}

/* The hub cannot be reached: a complete cached copy is used; without one, an error. */
static void
test_unreachable (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) sock = NULL;
  g_autoptr (GSocketAddress) addr = NULL, bound = NULL;
  g_autofree char *dir = NULL, *cached = NULL, *endpoint = NULL;

  /* a port nobody listens on: bound, not listening */
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
      &error);
  g_assert_no_error (error);
  addr = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (g_socket_bind (sock, addr, FALSE, &error));
  bound = g_socket_get_local_address (sock, &error);
  endpoint = g_strdup_printf ("http://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  g_setenv ("HF_ENDPOINT", endpoint, TRUE);
  g_assert_null (fetch (URI, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, endpoint));
  g_clear_error (&error);

  g_setenv ("HF_ENDPOINT", hub_endpoint (hub), TRUE);
  dir = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  g_setenv ("HF_ENDPOINT", endpoint, TRUE);
  cached = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (cached, ==, dir);
}

/* A revision given as the commit; no refs/ entry is needed then. */
static void
test_commit_revision (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = g_strdup_printf ("%s@%s", URI, hub_commit (hub, REPO));
  g_autofree char *dir = fetch (uri, NULL, &error);
  g_autofree char *expected = expected_snapshot (REPO);
  g_autofree char *offline = NULL;
  g_autofree char *config_at_commit = g_strdup_printf ("resolve/%s/config.json",
      hub_commit (hub, REPO));

  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, expected);
  g_assert_cmpuint (hub_count (hub, "HEAD", config_at_commit), ==, 1);
  g_setenv ("HF_HUB_OFFLINE", "1", TRUE);
  offline = fetch (uri, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (offline, ==, dir);
}

/* The .bin fallback: without model.safetensors, pytorch_model.bin is fetched, with the
 * same checks; it loads and transcribes as the safetensors weights do. */
static void
test_pytorch_bin (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = g_strdup_printf ("hf://%s", REPO_BIN);
  g_autofree char *dir = NULL, *bin = NULL, *source = NULL, *marker = NULL;
  g_autofree char *repo = repo_dir (REPO_BIN);
  g_autofree char *ours = NULL, *reference = NULL, *offline = NULL, *bin_sha = NULL;
  g_autoptr (SpeechSignal) signal = speech_signal_new ();

  dir = fetch (uri, NULL, &error);
  g_assert_no_error (error);
  bin = g_build_filename (dir, "pytorch_model.bin", NULL);
  source = g_build_filename (g_getenv ("W2VEE_TEST_BIN_DIR"), "pytorch_model.bin", NULL);
  assert_same_file (bin, source);
  marker = g_build_filename (repo, ".no_exist", hub_commit (hub, REPO_BIN),
      "model.safetensors", NULL);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (hub_count (hub, "HEAD", "/model.safetensors"), ==, 1);
  bin_sha = sha256_of_file (source);
  g_assert_cmpuint (hub_count (hub, "GET", bin_sha), ==, 1);

  g_setenv ("W2VEE_OFFLINE", "1", TRUE);
  offline = fetch (uri, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (offline, ==, dir);

  speech_signal_add_speech (signal, SAYING);
  ours = transcribe (dir, signal);
  reference = transcribe (model_dir, signal);
  g_test_message ("pytorch_model.bin: \"%s\"; model.safetensors: \"%s\"", ours, reference);
  g_assert_cmpstr (ours, ==, reference);
}

/* An https:// (here: loopback http://) base URL on a plain server: no hub headers,
 * so sizes are checked and blobs named by URL, validator and size; resumes with
 * If-Range; cached under urls--SHA256(URL). */
static void
test_base_url (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *base = hub_plain_url (hub, REPO);
  g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, base, -1);
  g_autofree char *root = g_strdup_printf ("%s/urls--%s", cache, key);
  g_autofree char *refs = g_build_filename (root, "refs", "latest", NULL);
  g_autofree char *dir = NULL, *again = NULL, *ref = NULL, *expected = NULL;
  g_autofree char *weights = model_file ("model.safetensors");
  g_autofree char *got = NULL;
  g_autoptr (GPtrArray) log = NULL;
  HubRequest *get;

  hub_set (hub, "model.safetensors", HUB_DROP_AFTER, 2 << 20);
  g_assert_null (fetch (base, NULL, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK);
  g_clear_error (&error);

  hub_reset (hub);
  dir = fetch (base, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (refs, &ref, NULL, NULL));
  expected = g_build_filename (root, "snapshots", ref, NULL);
  g_assert_cmpstr (dir, ==, expected);
  got = g_build_filename (dir, "model.safetensors", NULL);
  assert_same_file (got, weights);
  log = hub_requests (hub);
  get = find_request (log, "GET", "/model.safetensors", 0);
  g_assert_nonnull (get->range);
  g_assert_nonnull (get->if_range);   /* the plain server's ETag */
  g_assert_cmpuint (get->status, ==, 206);
  g_assert_null (get->authorization);

  /* again: HEADs only; without a trailing slash it is the same model */
  hub_reset (hub);
  base[strlen (base) - 1] = '\0';
  again = fetch (base, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, dir);
  g_assert_cmpuint (hub_count (hub, "GET", ""), ==, 0);
}

/* Redirects are bounded. */
static void
test_redirect_loop (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  hub_set (hub, "config.json", HUB_REDIRECT_LOOP, 0);
  g_assert_null (fetch (URI, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "redirects"));
  g_assert_cmpuint (hub_count (hub, "HEAD", "/config.json"), ==, 11);
}

/* A server whose certificate cannot be verified is refused. */
static void
test_tls_refused (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (g_tls_backend_supports_tls (g_tls_backend_get_default ()));
  g_setenv ("HF_ENDPOINT", hub_tls_endpoint (hub), TRUE);
  g_assert_null (fetch (URI, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK);
  g_assert_nonnull (strstr (error->message, "TLS"));
  g_assert_nonnull (strstr (error->message, hub_tls_endpoint (hub)));
  /* no request got through the handshake */
  g_assert_cmpuint (hub_count (hub, "", ""), ==, 0);
}

/* HF_TOKEN goes to the hub as a bearer token, not to the CDN, and never into a
 * message or the log. */
static void
test_token (Fixture *fixture, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GPtrArray) log = NULL;
  guint i, to_hub = 0, to_cdn = 0;

  g_setenv ("HF_TOKEN", TOKEN, TRUE);
  g_mutex_lock (&log_lock);
  g_string_truncate (log_text, 0);
  g_mutex_unlock (&log_lock);
  dir = fetch (URI, NULL, &error);
  g_assert_no_error (error);
  log = hub_requests (hub);
  for (i = 0; i < log->len; i++) {
    HubRequest *r = g_ptr_array_index (log, i);

    if (strcmp (r->server, "hub") == 0) {
      g_assert_cmpstr (r->authorization, ==, "Bearer " TOKEN);
      to_hub++;
    } else {
      g_assert_null (r->authorization);
      to_cdn++;
    }
  }
  g_assert_cmpuint (to_hub, ==, 4 + 3);   /* a HEAD per file, GETs of the small ones */
  g_assert_cmpuint (to_cdn, ==, 1);       /* the weights */

  hub_set (hub, "model.safetensors", HUB_CORRUPT, 10);
  g_assert_null (fetch ("hf://w2vee-test/nothing-here", NULL, &error));
  g_assert_null (strstr (error->message, TOKEN));
  g_clear_error (&error);
  hub_remove_tree (cache);
  g_assert_null (fetch (URI, NULL, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_CHECKSUM);
  g_assert_null (strstr (error->message, TOKEN));
  g_mutex_lock (&log_lock);
  g_assert_cmpuint (log_text->len, >, 0);   /* the fetch did log (debug) */
  g_assert_null (strstr (log_text->str, TOKEN));
  g_mutex_unlock (&log_lock);
}

/* Malformed URIs and endpoints: W2VEE_ERROR_INVALID_ARGUMENT, nothing sent. */
static void
test_invalid (Fixture *fixture, gconstpointer data)
{
  static const char *const bad[] = {
    "hf://", "hf://a/b/c", "hf://a--b/c", "hf://../x", "hf://org/name@../x",
    "hf://org/na me", "hf://org/name@", "hf://-org/name", "hf://org/name.",
    "http://example.com/models/x/", "https://example.com/x/?a=b",
    "https://example.com/x/#frag", "https:///nohost/",
  };
  static const struct {
    const char *s;
    gboolean remote;
  } kinds[] = {
    { "hf://a/b", TRUE }, { "https://x/", TRUE }, { "HTTPS://x/", TRUE },
    { "http://127.0.0.1/", TRUE }, { "/models/default", FALSE }, { "models", FALSE },
    { "hf:/a/b", FALSE }, { "file:///x", FALSE }, { NULL, FALSE },
  };
  g_autoptr (GError) error = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kinds); i++)
    g_assert_cmpint (w2vee_uri_is_remote (kinds[i].s), ==, kinds[i].remote);
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_assert_null (fetch (bad[i], NULL, &error));
    g_test_message ("%s: %s", bad[i], error->message);
    g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_setenv ("HF_ENDPOINT", "http://example.com", TRUE);
  g_assert_null (fetch (URI, NULL, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "HF_ENDPOINT"));
  g_assert_cmpuint (hub_count (hub, "", ""), ==, 0);
}

/* ------------------------------------------------------------------------- */
/* /fetch/cli                                                                */
/* ------------------------------------------------------------------------- */

static void
run_tool (const char *const *args, char **out, char **err, int *status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  guint i;

  g_ptr_array_add (argv, (gpointer) g_getenv ("W2VEE_TOOL"));
  for (i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL,
          NULL, out, err, status, &error));
  g_assert_no_error (error);
}

static char *
make_speech_file (void)
{
  g_autofree char *path = g_build_filename (cache, "talk.wav", NULL);
  const char *argv[] = { "espeak-ng", "-v", "en-us", "-w", path, SAYING, NULL };
  g_autoptr (GError) error = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
          G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_steal_pointer (&path);
}

/* w2vee fetch prints the snapshot; w2vee transcribe -m hf://... transcribes as the
 * local model does. */
static void
test_cli_fetch_transcribe (Fixture *fixture, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL, *expected = expected_snapshot (REPO);
  g_autofree char *wav = make_speech_file ();
  g_autofree char *line = NULL, *ours = NULL, *reference = NULL, *err2 = NULL;
  const char *fetch_args[] = { "fetch", URI, NULL };
  const char *local_args[] = { "transcribe", "-t", "1", "-m", model_dir, wav, NULL };
  const char *uri_args[] = { "transcribe", "-t", "1", "-m", URI, wav, NULL };
  int status;

  run_tool (fetch_args, &out, &err, &status);
  message_lines ("stderr: ", err);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  line = g_strconcat (expected, "\n", NULL);
  g_assert_cmpstr (out, ==, line);
  /* not a terminal: plain lines, no carriage returns */
  g_assert_nonnull (strstr (err, "model.safetensors"));
  g_assert_null (strchr (err, '\r'));
  g_clear_pointer (&err, g_free);

  /* from another cache: transcribe fetches itself */
  hub_remove_tree (cache);
  g_assert_cmpint (g_mkdir_with_parents (cache, 0755), ==, 0);
  g_clear_pointer (&wav, g_free);
  wav = make_speech_file ();
  local_args[5] = uri_args[5] = wav;
  run_tool (local_args, &reference, &err, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  run_tool (uri_args, &ours, &err2, &status);
  message_lines ("w2vee transcribe -m " URI ": ", ours);
  message_lines ("w2vee transcribe -m MODEL_DIR: ", reference);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (ours, !=, "\n");
  g_assert_cmpstr (ours, ==, reference);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_DIR));
}

/* Errors: exit status 1 and the reason on stderr; usage errors 2. */
static void
test_cli_errors (Fixture *fixture, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *missing[] = { "fetch", "hf://w2vee-test/no-weights", NULL };
  const char *usage[] = { "fetch", NULL };
  const char *offline[] = { "fetch", "--offline", URI, NULL };
  int status;

  run_tool (missing, &out, &err, &status);
  message_lines ("", err);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "w2vee fetch: "));
  g_assert_nonnull (strstr (err, "pytorch_model.bin"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  run_tool (usage, &out, &err, &status);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  run_tool (offline, &out, &err, &status);
  message_lines ("", err);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 1);
  g_assert_nonnull (strstr (err, "offline"));
  /* only the first command's HEADs: config.json, the optional files, both weights */
  g_assert_cmpuint (hub_count (hub, "", ""), ==, 5);
}

/* On a terminal: a progress bar redrawn with carriage returns. */
static void
test_cli_progress_bar (Fixture *fixture, gconstpointer data)
{
  const char *argv[] = { g_getenv ("W2VEE_TOOL"), "fetch", URI, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) tty = g_string_new (NULL);
  int master, slave, status;
  GPid pid;
  char buf[4096];
  ssize_t n;

  g_assert_cmpint (openpty (&master, &slave, NULL, NULL, NULL), ==, 0);
  hub_set (hub, "model.safetensors", HUB_THROTTLE, 1 << 20);
  g_assert_true (g_spawn_async_with_fds (NULL, (char **) argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, -1,
          -1, slave, &error));
  g_assert_no_error (error);
  close (slave);
  while ((n = read (master, buf, sizeof buf)) > 0)
    g_string_append_len (tty, buf, n);
  close (master);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  g_assert_nonnull (strchr (tty->str, '\r'));
  g_assert_nonnull (strstr (tty->str, "model.safetensors"));
  g_assert_nonnull (strstr (tty->str, "100%"));
}

static GPid
spawn_fetch (const char *uri, int *out_fd)
{
  const char *argv[] = { g_getenv ("W2VEE_TOOL"), "fetch", uri, NULL };
  g_autoptr (GError) error = NULL;
  GPid pid;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, NULL,
          out_fd, NULL, &error));
  g_assert_no_error (error);
  return pid;
}

static char *
read_all (int fd)
{
  g_autoptr (GString) s = g_string_new (NULL);
  char buf[1024];
  ssize_t n;

  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (s, buf, n);
  close (fd);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* A process killed mid-download leaves nothing at the final path; the next one
 * resumes. */
static void
test_cli_kill_resume (Fixture *fixture, gconstpointer data)
{
  g_autofree char *sha = weights_sha256 ();
  g_autofree char *partial = incomplete_path (REPO, sha);
  g_autofree char *blob = blob_path (REPO, sha);
  g_autofree char *out = NULL, *err = NULL, *range = NULL;
  g_autoptr (GPtrArray) log = NULL;
  const char *args[] = { "fetch", URI, NULL };
  int fd, status;
  guint64 have;
  GPid pid;

  hub_set (hub, "model.safetensors", HUB_THROTTLE, 64 << 10);
  pid = spawn_fetch (URI, &fd);
  g_assert_true (hub_wait_sent (hub, "model.safetensors", 2 << 20, 30));
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_free (read_all (fd));
  g_assert_true (WIFSIGNALED (status));
  g_assert_false (g_file_test (blob, G_FILE_TEST_EXISTS));
  have = file_size (partial);
  g_assert_cmpuint (have, >, 0);

  hub_reset (hub);
  run_tool (args, &out, &err, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  assert_snapshot_complete (g_strstrip (out));
  log = hub_requests (hub);
  range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", have);
  g_assert_cmpstr (find_request (log, "GET", sha, 0)->range, ==, range);
}

/* Two processes fetching the same model at once: both succeed, the weights are
 * downloaded once (the second waits on the lock, then finds the blob), the cache is
 * intact. */
static void
test_cli_two_processes (Fixture *fixture, gconstpointer data)
{
  g_autofree char *sha = weights_sha256 ();
  g_autofree char *a_out = NULL, *b_out = NULL;
  int a_fd, b_fd, a_status, b_status;
  GPid a, b;

  hub_set (hub, "model.safetensors", HUB_THROTTLE, 512 << 10);
  a = spawn_fetch (URI, &a_fd);
  b = spawn_fetch (URI, &b_fd);
  a_out = read_all (a_fd);
  b_out = read_all (b_fd);
  g_assert_cmpint (waitpid (a, &a_status, 0), ==, a);
  g_assert_cmpint (waitpid (b, &b_status, 0), ==, b);
  g_spawn_close_pid (a);
  g_spawn_close_pid (b);
  g_assert_true (g_spawn_check_wait_status (a_status, NULL));
  g_assert_true (g_spawn_check_wait_status (b_status, NULL));
  g_assert_cmpstr (a_out, ==, b_out);
  assert_snapshot_complete (g_strstrip (a_out));
  g_assert_cmpuint (hub_count (hub, "GET", sha), ==, 1);
}

int
main (int argc, char **argv)
{
  g_autofree char *bin_repo = NULL;
  int ret;

  log_text = g_string_new (NULL);
  g_log_set_writer_func (capture_log, NULL, NULL);
  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);        /* speech.c decodes espeak-ng's WAV with GStreamer */

  fetch_support_init ();
  /* config.json and friends of models/default, pytorch_model.bin written by torch */
  hub_add_model_dir (hub, REPO_BIN, g_getenv ("W2VEE_TEST_BIN_DIR"));

  TEST ("/fetch/engine/normal", test_normal);
  TEST ("/fetch/engine/model-load-refuses-uri", test_model_load_refuses_uri);
  TEST ("/fetch/engine/resume-after-drop", test_resume_after_drop);
  TEST ("/fetch/engine/resume-after-cancel", test_resume_after_cancel);
  TEST ("/fetch/engine/ignore-range", test_ignore_range);
  g_test_add ("/fetch/engine/corrupt-weights", Fixture, "model.safetensors", setup,
      test_corrupt, teardown);
  g_test_add ("/fetch/engine/corrupt-config", Fixture, "config.json", setup,
      test_corrupt, teardown);
  g_test_add ("/fetch/engine/stall-body", Fixture, GINT_TO_POINTER (TRUE), setup, test_stall,
      teardown);
  g_test_add ("/fetch/engine/stall-headers", Fixture, GINT_TO_POINTER (FALSE), setup,
      test_stall, teardown);
  TEST ("/fetch/engine/missing-required", test_missing_required);
  TEST ("/fetch/engine/optional-missing", test_optional_missing);
  TEST ("/fetch/engine/offline", test_offline);
  TEST ("/fetch/engine/unreachable", test_unreachable);
  TEST ("/fetch/engine/commit-revision", test_commit_revision);
  TEST ("/fetch/engine/pytorch-bin", test_pytorch_bin);
  TEST ("/fetch/engine/base-url", test_base_url);
  TEST ("/fetch/engine/redirect-loop", test_redirect_loop);
  TEST ("/fetch/engine/tls-refused", test_tls_refused);
  TEST ("/fetch/engine/token", test_token);
  TEST ("/fetch/engine/invalid", test_invalid);
  TEST ("/fetch/cli/fetch-transcribe", test_cli_fetch_transcribe);
  TEST ("/fetch/cli/errors", test_cli_errors);
  TEST ("/fetch/cli/progress-bar", test_cli_progress_bar);
  TEST ("/fetch/cli/kill-resume", test_cli_kill_resume);
  TEST ("/fetch/cli/two-processes", test_cli_two_processes);

  ret = g_test_run ();
  fetch_support_clear ();
  return ret;
}
