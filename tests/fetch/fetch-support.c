/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Shared by the fetch tests (fetch-support.h). */
#include "fetch-support.h"

#include <string.h>
#include <sys/stat.h>

#include "w2vee/w2vee.h"

Hub *hub;
char *model_dir;
char *cache;

void
setup (Fixture *fixture, gconstpointer data)
{
  hub_reset (hub);
  cache = g_dir_make_tmp ("w2vee-fetch-XXXXXX", NULL);
  g_assert_nonnull (cache);
  g_setenv ("W2VEE_CACHE", cache, TRUE);
  g_setenv ("HF_ENDPOINT", hub_endpoint (hub), TRUE);
  g_unsetenv ("HF_TOKEN");
  g_unsetenv ("HF_HUB_OFFLINE");
  g_unsetenv ("W2VEE_OFFLINE");
  g_unsetenv ("W2VEE_FETCH_TIMEOUT");
}

void
teardown (Fixture *fixture, gconstpointer data)
{
  hub_remove_tree (cache);
  g_clear_pointer (&cache, g_free);
}

char *
repo_dir (const char *repo_id)
{
  g_autofree char *folder = g_strdup_printf ("models--%s", repo_id);

  *strchr (folder + 8, '/') = '\0';
  return g_strdup_printf ("%s/%s--%s", cache, folder, strchr (repo_id, '/') + 1);
}

char *
blob_path (const char *repo_id, const char *hash)
{
  g_autofree char *dir = repo_dir (repo_id);

  return g_build_filename (dir, "blobs", hash, NULL);
}

char *
sha256_of_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

char *
git_sha1_of_file (const char *path)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA1);
  g_autofree char *data = NULL, *header = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  header = g_strdup_printf ("blob %" G_GSIZE_FORMAT, len);
  g_checksum_update (sum, (const guchar *) header, strlen (header) + 1);
  g_checksum_update (sum, (const guchar *) data, len);
  return g_strdup (g_checksum_get_string (sum));
}

void
assert_same_file (const char *a, const char *b)
{
  g_autofree char *x = NULL, *y = NULL;
  gsize nx, ny;

  g_assert_true (g_file_get_contents (a, &x, &nx, NULL));
  g_assert_true (g_file_get_contents (b, &y, &ny, NULL));
  g_assert_cmpuint (nx, ==, ny);
  g_assert_true (memcmp (x, y, nx) == 0);
}

guint64
file_size (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

/* Files in @dir whose name ends with @suffix. */
guint
count_suffix (const char *dir, const char *suffix)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    n += g_str_has_suffix (name, suffix);
  return n;
}

char *
incomplete_path (const char *repo_id, const char *hash)
{
  g_autofree char *dir = repo_dir (repo_id);
  g_autofree char *name = g_strconcat (hash, ".incomplete", NULL);

  return g_build_filename (dir, "blobs", name, NULL);
}

char *
expected_snapshot (const char *repo_id)
{
  g_autofree char *dir = repo_dir (repo_id);

  return g_build_filename (dir, "snapshots", hub_commit (hub, repo_id), NULL);
}

char *
model_file (const char *name)
{
  return g_build_filename (model_dir, name, NULL);
}

char *
weights_sha256 (void)
{
  g_autofree char *path = model_file ("model.safetensors");

  return sha256_of_file (path);
}

/* Checks the snapshot of REPO: the files, their links into blobs/, refs/main. */
void
assert_snapshot_complete (const char *dir)
{
  static const char *const names[] = { "config.json", "preprocessor_config.json",
    "vocab.json", "model.safetensors" };
  g_autofree char *expected = expected_snapshot (REPO);
  g_autofree char *repo = repo_dir (REPO);
  g_autofree char *refs = g_build_filename (repo, "refs", "main", NULL);
  g_autofree char *ref = NULL, *blobs = g_build_filename (repo, "blobs", NULL);
  guint i;

  g_assert_cmpstr (dir, ==, expected);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    g_autofree char *got = g_build_filename (dir, names[i], NULL);
    g_autofree char *want = model_file (names[i]);
    g_autofree char *target = g_file_read_link (got, NULL);
    g_autofree char *hash = strcmp (names[i], "model.safetensors") == 0 ?
        sha256_of_file (want) : git_sha1_of_file (want);
    g_autofree char *link = g_build_filename ("..", "..", "blobs", hash, NULL);

    assert_same_file (got, want);
    g_assert_cmpstr (target, ==, link);   /* a relative link to the blob */
  }
  g_assert_true (g_file_get_contents (refs, &ref, NULL, NULL));
  g_assert_cmpstr (ref, ==, hub_commit (hub, REPO));
  g_assert_cmpuint (count_suffix (blobs, ".incomplete"), ==, 0);
}

/* g_test_message() of each line of @text (TAP comments are one line each). */
void
message_lines (const char *prefix, const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '\0')
      g_test_message ("%s%s", prefix, lines[i]);
}

/* The request of @method whose path ends with @suffix, the @nth (0-based). */
HubRequest *
find_request (GPtrArray *log, const char *method, const char *suffix, guint nth)
{
  guint i;

  for (i = 0; i < log->len; i++) {
    HubRequest *r = g_ptr_array_index (log, i);
    g_autofree char *path = g_strndup (r->path, strcspn (r->path, "?"));

    if (strcmp (r->method, method) == 0 && g_str_has_suffix (path, suffix) && nth-- == 0)
      return r;
  }
  return NULL;
}

void
progress_init (Progress *p)
{
  memset (p, 0, sizeof *p);
  g_mutex_init (&p->lock);
  p->last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->total = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  p->thread = g_thread_self ();
  p->cancellable = g_cancellable_new ();
}

void
progress_clear (Progress *p)
{
  g_hash_table_unref (p->last);
  g_hash_table_unref (p->total);
  g_object_unref (p->cancellable);
  g_mutex_clear (&p->lock);
}

void
on_progress (const char *file, guint64 done, guint64 total, gpointer data)
{
  Progress *p = data;
  gpointer last;

  g_assert_cmpuint (done, <=, total);
  g_mutex_lock (&p->lock);
  if (g_hash_table_lookup_extended (p->last, file, NULL, &last))
    g_assert_cmpuint (done, >=, GPOINTER_TO_SIZE (last));  /* never backwards */
  g_hash_table_replace (p->last, g_strdup (file), GSIZE_TO_POINTER ((gsize) done));
  g_hash_table_replace (p->total, g_strdup (file), GSIZE_TO_POINTER ((gsize) total));
  p->calls++;
  p->calls_in_thread += g_thread_self () == p->thread;
  g_mutex_unlock (&p->lock);
  if (p->cancel_after > 0 && strcmp (file, "model.safetensors") == 0
      && done >= p->cancel_after)
    g_cancellable_cancel (p->cancellable);
}

static guint64
progress_lookup (Progress *p, GHashTable *table, const char *file)
{
  guint64 v;

  g_mutex_lock (&p->lock);
  v = GPOINTER_TO_SIZE (g_hash_table_lookup (table, file));
  g_mutex_unlock (&p->lock);
  return v;
}

guint64
progress_last (Progress *p, const char *file)
{
  return progress_lookup (p, p->last, file);
}

guint64
progress_total (Progress *p, const char *file)
{
  return progress_lookup (p, p->total, file);
}

void
fetch_support_init (void)
{
  model_dir = g_build_filename (g_getenv ("W2VEE_SOURCE_ROOT"), "models", "default",
      NULL);
  hub = hub_new (g_getenv ("W2VEE_TEST_TLS_PEM"));
  hub_add_model_dir (hub, REPO, model_dir);
  {
    g_autofree char *config = model_file ("config.json");
    g_autoptr (GMappedFile) mapped = g_mapped_file_new (config, FALSE, NULL);
    g_autoptr (GBytes) bytes = g_mapped_file_get_bytes (mapped);

    hub_add_file (hub, REPO_NO_WEIGHTS, "config.json", bytes, FALSE);
  }
}

void
fetch_support_clear (void)
{
  hub_free (hub);
  g_clear_pointer (&model_dir, g_free);
}
