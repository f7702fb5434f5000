/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee_model_load_shared(): one model per process.
 *
 * A process-wide table maps a key (canonical directory, flags, identity of the model's
 * files) to a W2veeModel that does not hold a reference on it: the entry is weak.
 * w2vee_model_unref() calls w2vee_model_cache_forget() when the count reaches zero,
 * which removes the entry before the model is freed.
 *
 * Locks: cache_lock guards the table and every model's in_cache flag; it is held only
 * for table operations, never while loading. load_lock serialises the loads made
 * through the cache, so that concurrent first loads of one key load it once (the
 * others wait on it, then find the entry). Order: load_lock before cache_lock.
 *
 * A lookup can meet a model whose count already reached zero in another thread that
 * has not yet taken cache_lock to forget it: ref_if_alive() refuses it, the lookup
 * counts as a miss, and the new load replaces the entry (clearing the dying model's
 * in_cache, so that its forget leaves the new entry alone).
 */
#ifndef G_LOG_DOMAIN
#define G_LOG_DOMAIN "w2vee"
#endif

#include "model.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

static GMutex cache_lock;
static GMutex load_lock;
static GHashTable *cache;  /* (char *key, owned) -> (W2veeModel *, weak); cache_lock */

/* Files whose identity is part of the key: any of them replaced or rewritten gives a
 * new load. Both weight files: which one is read depends on which exist. */
static const char *const key_files[] = {
  "config.json", "vocab.json", "preprocessor_config.json", "model.safetensors",
  "pytorch_model.bin",
};

/* The cache key of @dir with @flags, or NULL with @error when @dir cannot be resolved
 * (w2vee_model_load_full() then gives its own error). */
static char *
make_key (const char *dir, W2veeLoadFlags flags, GError **error)
{
  g_autofree char *real = realpath (dir, NULL);
  GString *key;

  if (real == NULL) {
    int errsv = errno;

    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND, "%s: %s", dir,
        g_strerror (errsv));
    return NULL;
  }
  if (w2vee_model_pickle_disabled_by_env ())
    flags |= W2VEE_LOAD_NO_PICKLE;
  key = g_string_new (real);
  g_string_append_printf (key, "\nflags=%u", (guint) flags);
  for (gsize i = 0; i < G_N_ELEMENTS (key_files); i++) {
    g_autofree char *path = g_build_filename (real, key_files[i], NULL);
    struct stat st;

    /* stat() follows links: a Hugging Face snapshot's links to blobs give the blob's
     * identity, so a new revision behind the same name is a new key */
    if (stat (path, &st) != 0)
      g_string_append_printf (key, "\n%s -", key_files[i]);
    else
      g_string_append_printf (key, "\n%s %ju:%ju %jd %jd.%09ld", key_files[i],
          (uintmax_t) st.st_dev, (uintmax_t) st.st_ino, (intmax_t) st.st_size,
          (intmax_t) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
  }
  return g_string_free (key, FALSE);
}

/* A new reference on @model unless its count already reached zero (being freed). */
static gboolean
ref_if_alive (W2veeModel *model)
{
  for (;;) {
    gint old = g_atomic_int_get (&model->ref_count);

    if (old <= 0)
      return FALSE;
    if (g_atomic_int_compare_and_exchange (&model->ref_count, old, old + 1))
      return TRUE;
  }
}

/* The live entry of @key with a new reference, or NULL. Call with cache_lock held. */
static W2veeModel *
lookup_locked (const char *key)
{
  W2veeModel *model;

  if (cache == NULL)
    return NULL;
  model = g_hash_table_lookup (cache, key);
  if (model != NULL && ref_if_alive (model))
    return model;
  return NULL;
}

W2veeModel *
w2vee_model_load_shared (const char *dir, W2veeLoadFlags flags, GError **error)
{
  g_autofree char *key = NULL;
  W2veeModel *model, *old;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (w2vee_uri_is_remote (dir))
    return w2vee_model_load_full (dir, flags, error);  /* its error says what to do */
  key = make_key (dir, flags, NULL);
  if (key == NULL)
    return w2vee_model_load_full (dir, flags, error);  /* the loader's own message */

  g_mutex_lock (&cache_lock);
  model = lookup_locked (key);
  g_mutex_unlock (&cache_lock);
  if (model != NULL)
    return model;

  g_mutex_lock (&load_lock);
  g_mutex_lock (&cache_lock);
  model = lookup_locked (key);  /* another thread may have loaded it meanwhile */
  g_mutex_unlock (&cache_lock);
  if (model == NULL) {
    model = w2vee_model_load_full (dir, flags, error);
    if (model != NULL) {
      g_mutex_lock (&cache_lock);
      if (cache == NULL)
        cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      /* a dying entry of the same key (see the top of the file) is superseded */
      old = g_hash_table_lookup (cache, key);
      if (old != NULL)
        old->in_cache = FALSE;
      model->in_cache = TRUE;
      g_hash_table_replace (cache, g_steal_pointer (&key), model);
      g_mutex_unlock (&cache_lock);
    }
  }
  g_mutex_unlock (&load_lock);
  return model;
}

gboolean
w2vee_model_is_shared (const W2veeModel *model)
{
  gboolean shared;

  g_return_val_if_fail (model != NULL, FALSE);
  g_mutex_lock (&cache_lock);
  shared = model->in_cache;
  g_mutex_unlock (&cache_lock);
  return shared;
}

void
w2vee_model_cache_forget (W2veeModel *model)
{
  GHashTableIter iter;
  gpointer value;

  g_mutex_lock (&cache_lock);
  if (model->in_cache) {
    /* at most a handful of entries: a scan needs no key kept in the model */
    g_hash_table_iter_init (&iter, cache);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      if (value == model) {
        g_hash_table_iter_remove (&iter);
        break;
      }
    }
    model->in_cache = FALSE;
  }
  g_mutex_unlock (&cache_lock);
}

guint
w2vee_model_cache_n_entries (void)
{
  guint n;

  g_mutex_lock (&cache_lock);
  n = cache != NULL ? g_hash_table_size (cache) : 0;
  g_mutex_unlock (&cache_lock);
  return n;
}
