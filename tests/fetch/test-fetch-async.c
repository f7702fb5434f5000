/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee_fetch_async() against the loopback hub (/fetch/async), Ctrl-C of the w2vee tool
 * while it fetches (/fetch/async-cli), and w2vee_default_model_path()
 * (/fetch/default-model). Nothing here contacts any address but 127.0.0.1.
 *
 * Environment (set by meson.build): as test-fetch.c, plus W2VEE_TEST_INSTALLED_MODEL
 * (DATADIR/w2vee/models/default of this build's prefix).
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fetch-support.h"
#include "w2vee/w2vee.h"

#define THROTTLE_BYTES (64 << 10)     /* per 10 ms: the weights take about 2 s */
#define SLOW_BYTES (16 << 10)         /* per 10 ms: about 9 s, for the cancel tests */
#define CANCEL_AT_BYTES (1 << 20)

static GThread *main_thread;

/* One w2vee_fetch_async() and what the test saw of it: @progress was made by the
 * calling thread (its calls_in_thread count calls made there), its cancellable is the
 * fetch's. */
typedef struct {
  Progress progress;
  GMainContext *context;      /* the caller's thread-default context */
  GMainLoop *loop;
  guint64 cancel_at;          /* cancel from the main context once the hub sent this */
  guint64 sent_at_cancel;     /* hub_bytes_sent (model.safetensors) when cancelled */
  guint ticks;                /* main-context ticks while the fetch ran */

  gboolean done;
  gboolean callback_in_caller;   /* thread and thread-default context as the caller's */
  char *dir;
  GError *error;
} Async;

static void
async_init (Async *a, GMainContext *context)
{
  memset (a, 0, sizeof *a);
  progress_init (&a->progress);
  a->context = g_main_context_ref (context);
  a->loop = g_main_loop_new (context, FALSE);
}

static void
async_clear (Async *a)
{
  progress_clear (&a->progress);
  g_main_loop_unref (a->loop);
  g_main_context_unref (a->context);
  g_free (a->dir);
  g_clear_error (&a->error);
}

static void
on_fetched (GObject *source, GAsyncResult *result, gpointer data)
{
  Async *a = data;
  g_autoptr (GMainContext) context = g_main_context_ref_thread_default ();

  g_assert_null (source);
  g_assert_false (a->done);
  a->callback_in_caller = g_thread_self () == a->progress.thread && context == a->context;
  a->dir = w2vee_fetch_finish (result, &a->error);
  a->done = TRUE;
  g_main_loop_quit (a->loop);
}

/* Every 10 ms in the caller's context while the fetch runs: counts (the context is
 * free) and cancels once the hub sent @cancel_at bytes of the weights. */
static gboolean
tick (gpointer data)
{
  Async *a = data;
  guint64 sent = hub_bytes_sent (hub, "model.safetensors");

  a->ticks++;
  if (a->cancel_at > 0 && sent >= a->cancel_at
      && !g_cancellable_is_cancelled (a->progress.cancellable)) {
    a->sent_at_cancel = sent;
    g_cancellable_cancel (a->progress.cancellable);
  }
  return G_SOURCE_CONTINUE;
}

/* w2vee_fetch_async (@uri) from this thread, with the context that is its
 * thread-default, run until the callback. */
static void
async_run (Async *a, const char *uri, gboolean with_progress)
{
  W2veeFetchParams params = w2vee_fetch_default_params ();
  GSource *ticker = g_timeout_source_new (10);

  g_source_set_callback (ticker, tick, a, NULL);
  g_source_attach (ticker, a->context);
  if (with_progress) {
    params.progress = on_progress;
    params.progress_data = &a->progress;
  }
  w2vee_fetch_async (uri, &params, a->progress.cancellable, on_fetched, a);
  g_main_loop_run (a->loop);
  g_source_destroy (ticker);
  g_source_unref (ticker);
  g_assert_true (a->done);
}

/* Fetched with progress, the caller's context free meanwhile: the snapshot is complete,
 * every file reported from the worker thread (never the caller's), complete at the end;
 * the callback runs in the caller's thread and context. */
static void
test_async_progress (Fixture *fixture, gconstpointer data)
{
  g_autofree char *weights = model_file ("model.safetensors");
  Async a;

  hub_set (hub, "model.safetensors", HUB_THROTTLE, THROTTLE_BYTES);
  async_init (&a, g_main_context_default ());
  async_run (&a, URI, TRUE);
  g_assert_no_error (a.error);
  assert_snapshot_complete (a.dir);
  g_assert_true (a.callback_in_caller);

  g_assert_cmpuint (g_hash_table_size (a.progress.last), ==, 4);
  g_assert_cmpuint (progress_last (&a.progress, "model.safetensors"), ==,
      file_size (weights));
  g_assert_cmpuint (progress_total (&a.progress, "model.safetensors"), ==,
      file_size (weights));
  /* start, some intermediate calls of the throttled weights, end */
  g_assert_cmpuint (a.progress.calls, >, 4 + 2);
  g_assert_cmpuint (a.progress.calls_in_thread, ==, 0);
  /* the caller's loop kept running while the weights came */
  g_test_message ("%u progress calls, %u main-context ticks during the fetch",
      a.progress.calls, a.ticks);
  g_assert_cmpuint (a.ticks, >, 0);
  async_clear (&a);
}

/* Cancelled from the caller's context mid-download: G_IO_ERROR_CANCELLED before the
 * weights could have arrived, the partial file kept; the next w2vee_fetch_async()
 * resumes it with Range and downloads only the rest. */
static void
test_async_cancel_resume (Fixture *fixture, gconstpointer data)
{
  g_autofree char *sha = weights_sha256 ();
  g_autofree char *partial = incomplete_path (REPO, sha);
  g_autofree char *blob = blob_path (REPO, sha);
  g_autofree char *weights = model_file ("model.safetensors");
  g_autofree char *range = NULL;
  g_autoptr (GPtrArray) log = NULL;
  guint64 have, sent, size = file_size (weights);
  HubRequest *get;
  Async a;

  hub_set (hub, "model.safetensors", HUB_THROTTLE, SLOW_BYTES);
  async_init (&a, g_main_context_default ());
  a.cancel_at = CANCEL_AT_BYTES;
  async_run (&a, URI, TRUE);
  g_assert_null (a.dir);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_true (a.callback_in_caller);
  sent = hub_bytes_sent (hub, "model.safetensors");
  have = file_size (partial);
  g_test_message ("cancelled at %" G_GUINT64_FORMAT " bytes sent; finished at %"
      G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " kept, of %" G_GUINT64_FORMAT,
      a.sent_at_cancel, sent, have, size);
  /* promptly: the throttled server was still far from the end */
  g_assert_cmpuint (a.sent_at_cancel, >=, CANCEL_AT_BYTES);
  g_assert_cmpuint (sent, <, size / 2);
  g_assert_cmpuint (have, >=, CANCEL_AT_BYTES / 2);
  g_assert_cmpuint (have, <=, sent);
  g_assert_false (g_file_test (blob, G_FILE_TEST_EXISTS));
  async_clear (&a);

  hub_reset (hub);
  async_init (&a, g_main_context_default ());
  async_run (&a, URI, FALSE);
  g_assert_no_error (a.error);
  assert_snapshot_complete (a.dir);
  log = hub_requests (hub);
  get = find_request (log, "GET", sha, 0);
  g_assert_nonnull (get);
  range = g_strdup_printf ("bytes=%" G_GUINT64_FORMAT "-", have);
  g_assert_cmpstr (get->range, ==, range);
  g_assert_cmpuint (get->status, ==, 206);
  /* only the rest (the cancelled connection's sender may still count one chunk after
   * the reset) */
  g_assert_cmpuint (hub_bytes_sent (hub, "model.safetensors"), >=, size - have);
  g_assert_cmpuint (hub_bytes_sent (hub, "model.safetensors"), <=,
      size - have + SLOW_BYTES);
  async_clear (&a);
}

/* A cancellable cancelled before the call: G_IO_ERROR_CANCELLED, nothing cached. */
static void
test_async_cancelled_before (Fixture *fixture, gconstpointer data)
{
  g_autofree char *repo = repo_dir (REPO);
  g_autofree char *snapshots = g_build_filename (repo, "snapshots", NULL);
  Async a;

  async_init (&a, g_main_context_default ());
  g_cancellable_cancel (a.progress.cancellable);
  async_run (&a, URI, FALSE);
  g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (snapshots, G_FILE_TEST_EXISTS));
  async_clear (&a);
}

/* The errors of w2vee_fetch() arrive through w2vee_fetch_finish(), in the callback
 * (never synchronously), with their codes and messages. */
static void
test_async_errors (Fixture *fixture, gconstpointer data)
{
  static const struct {
    const char *uri;
    gint code;
    const char *says;
  } cases[] = {
    { "hf://" REPO_NO_WEIGHTS, W2VEE_ERROR_NOT_FOUND, "pytorch_model.bin" },
    { "hf://org/name@../x", W2VEE_ERROR_INVALID_ARGUMENT, "bad revision" },
    { "models/default", W2VEE_ERROR_INVALID_ARGUMENT, "not a model URI" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    Async a;

    async_init (&a, g_main_context_default ());
    async_run (&a, cases[i].uri, TRUE);
    g_test_message ("%s: %s", cases[i].uri, a.error->message);
    g_assert_null (a.dir);
    g_assert_error (a.error, W2VEE_ERROR, cases[i].code);
    g_assert_nonnull (strstr (a.error->message, cases[i].says));
    g_assert_true (a.callback_in_caller);
    async_clear (&a);
  }
  /* the corrupt weights: W2VEE_ERROR_CHECKSUM, naming the file */
  {
    Async a;

    hub_set (hub, "model.safetensors", HUB_CORRUPT, 1000);
    async_init (&a, g_main_context_default ());
    async_run (&a, URI, FALSE);
    g_assert_error (a.error, W2VEE_ERROR, W2VEE_ERROR_CHECKSUM);
    g_assert_nonnull (strstr (a.error->message, "model.safetensors"));
    async_clear (&a);
  }
}

/* A thread with a context of its own (pushed as its thread-default) gets its callback
 * there, in that thread, while the global default context is never iterated. */
static gpointer
fetch_in_thread (gpointer data)
{
  Async *a = data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  async_init (a, context);
  async_run (a, URI, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_async_thread_context (Fixture *fixture, gconstpointer data)
{
  Async a;
  GThread *thread = g_thread_new ("fetch-caller", fetch_in_thread, &a);

  g_thread_join (thread);
  g_assert_no_error (a.error);
  assert_snapshot_complete (a.dir);
  g_assert_true (a.callback_in_caller);
  g_assert_true (a.progress.thread != main_thread);
  g_assert_cmpuint (a.progress.calls_in_thread, ==, 0);
  /* nothing was left for the global default context */
  g_assert_false (g_main_context_pending (g_main_context_default ()));
  async_clear (&a);
}

/* params->cancellable and @cancellable both set: a programmer error (a critical, and
 * no callback). */
static void
test_async_two_cancellables (Fixture *fixture, gconstpointer data)
{
  if (g_test_subprocess ()) {
    W2veeFetchParams params = w2vee_fetch_default_params ();
    g_autoptr (GCancellable) one = g_cancellable_new (), two = g_cancellable_new ();

    params.cancellable = one;
    w2vee_fetch_async (URI, &params, two, on_fetched, NULL);
    return;
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*params->cancellable == NULL*");
}

/* ------------------------------------------------------------------------- */
/* /fetch/async-cli: Ctrl-C of the tool, through its GCancellable              */
/* ------------------------------------------------------------------------- */

/* Runs the tool with @args, sends SIGINT once the hub sent 1 MiB of the weights, and
 * returns its stderr and status. */
static char *
interrupt_tool (const char *const *args, int *status)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) err = g_string_new (NULL);
  char buf[1024];
  ssize_t n;
  GPid pid;
  int fd;
  guint i;

  g_ptr_array_add (argv, (gpointer) g_getenv ("W2VEE_TOOL"));
  for (i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv->pdata, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, NULL,
          NULL, &fd, &error));
  g_assert_no_error (error);
  g_assert_true (hub_wait_sent (hub, "model.safetensors", CANCEL_AT_BYTES, 30));
  kill (pid, SIGINT);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (err, buf, n);
  close (fd);
  g_assert_cmpint (waitpid (pid, status, 0), ==, pid);
  g_spawn_close_pid (pid);
  return g_string_free (g_steal_pointer (&err), FALSE);
}

/* Ctrl-C during `w2vee fetch` and during `w2vee transcribe -m URI`: exit status 1, the
 * message says the download is kept, the partial file is there; a later fetch resumes
 * it. */
static void
test_cli_interrupt (Fixture *fixture, gconstpointer data)
{
  const char *fetch_args[] = { "fetch", URI, NULL };
  const char *transcribe_args[] = { "transcribe", "-m", URI, "/nonexistent.wav", NULL };
  g_autofree char *sha = weights_sha256 ();
  g_autofree char *partial = incomplete_path (REPO, sha);
  g_autofree char *blob = blob_path (REPO, sha);
  g_autofree char *err = NULL, *out = NULL, *err2 = NULL;
  g_autofree char *weights = model_file ("model.safetensors");
  g_autoptr (GError) error = NULL;
  const char *argv[] = { g_getenv ("W2VEE_TOOL"), "fetch", URI, NULL };
  guint64 have, size = file_size (weights);
  int status;

  hub_set (hub, "model.safetensors", HUB_THROTTLE, SLOW_BYTES);
  err = interrupt_tool (fetch_args, &status);
  message_lines ("w2vee fetch: ", err);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 1);
  g_assert_nonnull (strstr (err, "w2vee fetch: interrupted; what was downloaded is kept"));
  have = file_size (partial);
  g_assert_cmpuint (have, >, 0);
  g_assert_cmpuint (have, <, size);
  g_assert_false (g_file_test (blob, G_FILE_TEST_EXISTS));
  g_clear_pointer (&err, g_free);

  /* transcribe fetching a URI: the same, and the audio is never looked at */
  hub_reset (hub);
  hub_set (hub, "model.safetensors", HUB_THROTTLE, SLOW_BYTES);
  err = interrupt_tool (transcribe_args, &status);
  message_lines ("w2vee transcribe: ", err);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 1);
  g_assert_nonnull (strstr (err, "w2vee transcribe: interrupted while fetching " URI));
  g_assert_null (strstr (err, "nonexistent.wav"));
  g_assert_cmpuint (file_size (partial), >, have);     /* it had resumed */
  g_assert_false (g_file_test (blob, G_FILE_TEST_EXISTS));

  hub_reset (hub);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
          &out, &err2, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  assert_snapshot_complete (g_strstrip (out));
  g_assert_cmpuint (hub_bytes_sent (hub, "model.safetensors"), <, size);
}

/* ------------------------------------------------------------------------- */
/* /fetch/default-model: w2vee_default_model_path()                          */
/* ------------------------------------------------------------------------- */

/* $W2VEE_MODEL, as it is (a directory that may not exist, a URI); unset or empty: the
 * installed folder, or W2VEE_ERROR_NOT_FOUND naming it. The source and build trees are
 * never looked at, whatever @binary says. */
static void
test_default_model (Fixture *fixture, gconstpointer data)
{
  static const char *const set[] = { "/nonexistent/model", URI, "relative/dir" };
  const char *installed = g_getenv ("W2VEE_TEST_INSTALLED_MODEL");
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  const char *binaries[] = { NULL, exe };
  g_autofree char *saved = g_strdup (g_getenv ("W2VEE_MODEL"));
  guint i, b;

  g_assert_nonnull (installed);
  for (i = 0; i < G_N_ELEMENTS (set); i++) {
    g_autoptr (GError) error = NULL;
    g_autofree char *path = NULL;

    g_setenv ("W2VEE_MODEL", set[i], TRUE);
    path = w2vee_default_model_path (NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (path, ==, set[i]);
  }
  for (i = 0; i < 2; i++) {
    for (b = 0; b < G_N_ELEMENTS (binaries); b++) {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = NULL;

      if (i == 0)
        g_unsetenv ("W2VEE_MODEL");
      else
        g_setenv ("W2VEE_MODEL", "", TRUE);
      path = w2vee_default_model_path (binaries[b], &error);
      if (g_file_test (installed, G_FILE_TEST_IS_DIR)) {
        g_test_message ("%s is installed", installed);
        g_assert_no_error (error);
        g_assert_cmpstr (path, ==, installed);
        continue;
      }
      g_assert_null (path);
      g_test_message ("%s", error->message);
      g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, installed));
      g_assert_nonnull (strstr (error->message, "W2VEE_MODEL"));
      g_assert_null (strstr (error->message, model_dir));
    }
  }
  if (saved != NULL)
    g_setenv ("W2VEE_MODEL", saved, TRUE);
  else
    g_unsetenv ("W2VEE_MODEL");
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  fetch_support_init ();

  TEST ("/fetch/async/progress", test_async_progress);
  TEST ("/fetch/async/cancel-resume", test_async_cancel_resume);
  TEST ("/fetch/async/cancelled-before", test_async_cancelled_before);
  TEST ("/fetch/async/errors", test_async_errors);
  TEST ("/fetch/async/thread-context", test_async_thread_context);
  TEST ("/fetch/async/two-cancellables", test_async_two_cancellables);
  TEST ("/fetch/async-cli/interrupt", test_cli_interrupt);
  TEST ("/fetch/default-model/lookup", test_default_model);

  ret = g_test_run ();
  fetch_support_clear ();
  return ret;
}
