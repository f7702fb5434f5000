/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee_fetch()'s cache folder: where it is, folders and links made durably (fsync,
 * rename), the per-file download locks, the snapshot and refs written after a fetch,
 * and the snapshot looked up for offline use. The layout is fetch.c's top comment. */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "w2vee"
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hub/fetch-private.h"
#include "model.h"

#define LOCK_POLL_US 100000          /* between two tries of a lock held elsewhere */

char *
fetch_cache_root (void)
{
  const char *env = g_getenv ("W2VEE_CACHE");
  const char *xdg = g_getenv ("XDG_CACHE_HOME");

  if (env != NULL && env[0] != '\0')
    return g_canonicalize_filename (env, NULL);
  if (xdg != NULL && g_path_is_absolute (xdg))
    return g_build_filename (xdg, "w2vee", NULL);
  return g_build_filename (g_get_home_dir (), ".cache", "w2vee", NULL);
}

gboolean
fetch_io_error (GError **error, const char *what, const char *path, int errsv)
{
  g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_IO, "cannot %s %s: %s", what, path,
      g_strerror (errsv));
  return FALSE;
}

gboolean
fetch_make_dirs (const char *path, GError **error)
{
  if (g_mkdir_with_parents (path, 0755) != 0)
    return fetch_io_error (error, "create the cache folder", path, errno);
  return TRUE;
}

gboolean
fetch_fsync_dir (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int errsv;

  if (fd < 0)
    return fetch_io_error (error, "open", path, errno);
  if (fsync (fd) != 0) {
    errsv = errno;
    close (fd);
    return fetch_io_error (error, "sync", path, errsv);
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
    return fetch_io_error (error, "create the link", tmp, errno);
  if (rename (tmp, path) != 0) {
    int errsv = errno;

    g_unlink (tmp);
    return fetch_io_error (error, "rename a link to", path, errsv);
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

/* Takes the lock of @key (waits while another process holds it). Returns its fd. */
int
fetch_lock_key (Fetch *f, const char *key, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%s/%s.lock", f->lock_dir, key);
  int fd;

  if (!fetch_make_dirs (f->lock_dir, error))
    return -1;
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    fetch_io_error (error, "open the lock", path, errno);
    return -1;
  }
  while (flock (fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      fetch_io_error (error, "lock", path, errno);
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

gboolean
fetch_write_snapshot (Fetch *f, char **dir_out, GError **error)
{
  g_autofree char *name = snapshot_name (f);
  g_autofree char *dir = g_build_filename (f->repo_dir, "snapshots", name, NULL);
  g_autofree char *no_exist = g_build_filename (f->repo_dir, ".no_exist", name, NULL);
  g_autofree char *ref = NULL;
  gsize i;

  if (!fetch_make_dirs (dir, error))
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (fetch_model_files); i++) {
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
    for (k = 0; k < G_N_ELEMENTS (fetch_model_files[i].names); k++) {
      const char *absent = fetch_model_files[i].names[k];
      g_autofree char *marker = NULL;

      if (absent == NULL || (m->blob != NULL && strcmp (absent, m->name) == 0))
        break;
      marker = g_build_filename (no_exist, absent, NULL);
      if (!fetch_make_dirs (no_exist, error) || !write_atomically (marker, "", error))
        return FALSE;
    }
  }
  if (!fetch_fsync_dir (dir, error))
    return FALSE;

  if (strcmp (name, f->revision) != 0) {
    g_autofree char *refs = g_build_filename (f->repo_dir, "refs", f->revision, NULL);
    g_autofree char *parent = g_path_get_dirname (refs);

    if (!fetch_make_dirs (parent, error) || !write_atomically (refs, name, error))
      return FALSE;
  }
  *dir_out = g_steal_pointer (&dir);
  return TRUE;
}

/* The snapshot the cache holds for @f, if complete: offline use. */
char *
fetch_cached_snapshot (Fetch *f, GError **error)
{
  g_autofree char *name = NULL, *dir = NULL, *root = fetch_cache_root ();
  g_autoptr (GString) missing = g_string_new (NULL);
  gsize i;

  if (f->hub && w2vee_is_hex (f->revision, 40)) {
    name = g_ascii_strdown (f->revision, -1);
  } else {
    g_autofree char *refs = g_build_filename (f->repo_dir, "refs", f->revision, NULL);

    if (g_file_get_contents (refs, &name, NULL, NULL)) {
      g_strstrip (name);
      if (!fetch_revision_is_valid (name))
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

  for (i = 0; i < G_N_ELEMENTS (fetch_model_files); i++) {
    gboolean found = FALSE, known_absent = TRUE;
    guint k;

    for (k = 0; k < G_N_ELEMENTS (fetch_model_files[i].names) && !found; k++) {
      const char *file = fetch_model_files[i].names[k];
      g_autofree char *path = NULL, *marker = NULL;

      if (file == NULL)
        continue;
      path = g_build_filename (dir, file, NULL);
      marker = g_build_filename (f->repo_dir, ".no_exist", name, file, NULL);
      found = g_file_test (path, G_FILE_TEST_IS_REGULAR);
      known_absent = known_absent && g_file_test (marker, G_FILE_TEST_EXISTS);
    }
    if (found || (!fetch_model_files[i].required && known_absent))
      continue;
    g_string_append_printf (missing, "%s%s", missing->len > 0 ? ", " : "",
        fetch_model_files[i].names[0]);
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
