/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee_model_load_shared() (engine/model-cache.c) on tiny models written from C
 * (tiny-model.h): one model per key, keys that differ (flags, a rewritten file),
 * weak entries, failed loads, and threads loading and dropping concurrently. */
#include <unistd.h>

#include "model.h"
#include "test-support.h"
#include "tiny-model.h"

typedef struct {
  char *tmp;     /* scratch folder (test-support.h), removed with the run's */
  char *dir_a;   /* TMP/a: the tiny model */
  char *dir_b;   /* TMP/b: the tiny model with another seed */
} Fixture;

static void
write_model (const char *dir, guint32 seed)
{
  g_autoptr (GError) error = NULL;
  TinyOptions opts;
  TinyModel *m;

  tiny_options_init (&opts);
  opts.seed = seed;
  m = tiny_model_new (&opts);
  g_assert_true (tiny_model_write (m, dir, &error));
  g_assert_no_error (error);
  tiny_model_free (m);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->tmp = test_new_dir ();
  g_assert_cmpint (g_mkdir_with_parents (f->tmp, 0700), ==, 0);
  f->dir_a = g_build_filename (f->tmp, "a", NULL);
  f->dir_b = g_build_filename (f->tmp, "b", NULL);
  write_model (f->dir_a, 1);
  write_model (f->dir_b, 2);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  /* every test drops all its references: weak entries leave nothing behind */
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 0);
  test_remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->dir_a);
  g_free (f->dir_b);
}

static W2veeModel *
load_ok (const char *dir, W2veeLoadFlags flags)
{
  g_autoptr (GError) error = NULL;
  W2veeModel *m = w2vee_model_load_shared (dir, flags, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

/* The same directory, however it is spelled, is one model; another is another. */
static void
test_same_key (Fixture *f, gconstpointer data)
{
  g_autofree char *dotted = g_build_filename (f->tmp, ".", "a", ".", NULL);
  g_autofree char *link = g_build_filename (f->tmp, "link-to-a", NULL);
  W2veeModel *m1, *m2, *m3, *m4, *b;

  g_assert_cmpint (symlink (f->dir_a, link), ==, 0);
  m1 = load_ok (f->dir_a, W2VEE_LOAD_DEFAULT);
  m2 = load_ok (dotted, W2VEE_LOAD_DEFAULT);
  m3 = load_ok (link, W2VEE_LOAD_DEFAULT);
  b = load_ok (f->dir_b, W2VEE_LOAD_DEFAULT);
  g_assert_true (m1 == m2);
  g_assert_true (m1 == m3);
  g_assert_true (b != m1);
  g_assert_true (w2vee_model_is_shared (m1));
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 2);

  /* other flags: another key */
  m4 = load_ok (f->dir_a, W2VEE_LOAD_NO_PICKLE);
  g_assert_true (m4 != m1);
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 3);

  /* a plain load is never shared */
  {
    g_autoptr (GError) error = NULL;
    W2veeModel *plain = w2vee_model_load_full (f->dir_a, W2VEE_LOAD_DEFAULT, &error);

    g_assert_no_error (error);
    g_assert_true (plain != m1);
    g_assert_false (w2vee_model_is_shared (plain));
    w2vee_model_unref (plain);
  }
  w2vee_model_unref (m1);
  w2vee_model_unref (m2);
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 3);  /* m3 still holds it */
  w2vee_model_unref (m3);
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 2);
  w2vee_model_unref (m4);
  w2vee_model_unref (b);
}

/* A weights file rewritten (new inode, size or time) gives a new load; the old model
 * lives on for its holders and leaves the cache without touching the new entry. */
static void
test_changed_file (Fixture *f, gconstpointer data)
{
  W2veeModel *old_model, *new_model, *again;

  old_model = load_ok (f->dir_a, W2VEE_LOAD_DEFAULT);
  write_model (f->dir_a, 3);  /* g_file_set_contents: a new file replaces the old one */
  new_model = load_ok (f->dir_a, W2VEE_LOAD_DEFAULT);
  g_assert_true (new_model != old_model);
  g_assert_true (w2vee_model_is_shared (new_model));
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 2);
  w2vee_model_unref (old_model);
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 1);
  again = load_ok (f->dir_a, W2VEE_LOAD_DEFAULT);
  g_assert_true (again == new_model);
  w2vee_model_unref (again);
  w2vee_model_unref (new_model);
}

/* Failed loads are not cached, and the error is the loader's. */
static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *missing = g_build_filename (f->tmp, "missing", NULL);
  g_autofree char *broken = g_build_filename (f->tmp, "broken", NULL);
  g_autoptr (GError) error = NULL;

  g_assert_null (w2vee_model_load_shared (missing, W2VEE_LOAD_DEFAULT, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (tiny_model_write_broken ("shape", broken, &error));
  g_assert_no_error (error);
  g_assert_null (w2vee_model_load_shared (broken, W2VEE_LOAD_DEFAULT, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 0);

  g_assert_null (w2vee_model_load_shared ("hf://org/name", W2VEE_LOAD_DEFAULT, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_INVALID_ARGUMENT);
}

#define N_THREADS 8
#define N_ROUNDS 200

typedef struct {
  Fixture *f;
  guint index;
  gint *start;          /* atomic: threads spin until it is 1 */
  W2veeModel *first;    /* the model of dir_a this thread got first, kept to the end */
} Worker;

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  GRand *rand = g_rand_new_with_seed (w->index);

  while (!g_atomic_int_get (w->start))
    ;  /* all threads make their first load at once */
  w->first = load_ok (w->f->dir_a, W2VEE_LOAD_DEFAULT);
  /* churn: loads and drops of b race with each other, entries die and are reborn */
  for (guint i = 0; i < N_ROUNDS; i++) {
    W2veeModel *m = load_ok (w->f->dir_b, W2VEE_LOAD_DEFAULT);

    g_assert_true (w2vee_model_n_layers (m) == 2);
    if (g_rand_boolean (rand))
      g_thread_yield ();
    w2vee_model_unref (m);
  }
  g_rand_free (rand);
  return NULL;
}

/* Threads load one directory at once: all get one model; loads and drops racing on
 * another directory never hand out a freed model and leave no entry behind. */
static void
test_threads (Fixture *f, gconstpointer data)
{
  Worker workers[N_THREADS];
  GThread *threads[N_THREADS];
  gint start = 0;

  for (guint i = 0; i < N_THREADS; i++) {
    workers[i] = (Worker) { .f = f, .index = i, .start = &start };
    threads[i] = g_thread_new ("loader", worker_run, &workers[i]);
  }
  g_atomic_int_set (&start, 1);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
  for (guint i = 1; i < N_THREADS; i++)
    g_assert_true (workers[i].first == workers[0].first);
  g_assert_cmpuint (w2vee_model_cache_n_entries (), ==, 1);
  for (guint i = 0; i < N_THREADS; i++)
    w2vee_model_unref (workers[i].first);
}

int
main (int argc, char **argv)
{
  test_support_init (&argc, &argv, "engine");
  g_test_add ("/engine/cache/same-key", Fixture, NULL, fixture_set_up, test_same_key,
      fixture_tear_down);
  g_test_add ("/engine/cache/changed-file", Fixture, NULL, fixture_set_up,
      test_changed_file, fixture_tear_down);
  g_test_add ("/engine/cache/errors", Fixture, NULL, fixture_set_up, test_errors,
      fixture_tear_down);
  g_test_add ("/engine/cache/threads", Fixture, NULL, fixture_set_up, test_threads,
      fixture_tear_down);
  return test_support_run ();
}
