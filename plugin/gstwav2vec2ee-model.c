/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The model: loading a directory at NULL->READY (or READY->PAUSED when it
 * changed in READY), unloading it at READY->NULL, and fetching a model URI while
 * READY->PAUSED is ASYNC. The model pointer and its path are protected by the
 * object lock; the fetch by the state lock.
 *
 * READY->PAUSED with a model URI that is not loaded posts ASYNC_START and runs
 * the download and the load as a job on GStreamer's thread pool
 * (gst_element_call_async), never on a streaming thread. That job never takes
 * the state lock; when it is done it schedules a second one that takes the state
 * lock, installs the model, does the deferred start() and completes the state
 * change (or aborts it). A change to READY or NULL meanwhile (state lock held)
 * cancels the download, waits for the first job to end and makes the second drop
 * its result (the cookie).
 *
 * The element uses the engine's blocking w2vee_fetch() on that pool thread
 * rather than w2vee_fetch_async(): an element has no main context of its own to
 * receive the GTask's completion in, and GStreamer's pool is the element's way to
 * run work off the streaming and application threads. */
#include "gstwav2vec2ee.h"

GST_DEBUG_CATEGORY_EXTERN (gst_wav2vec2ee_debug);
#define GST_CAT_DEFAULT gst_wav2vec2ee_debug

/* ------------------------------------------------------------------------- */
/* Model                                                                     */
/* ------------------------------------------------------------------------- */

static GstResourceError
resource_error_code (const GError * error)
{
  if (error->domain != W2VEE_ERROR)
    return GST_RESOURCE_ERROR_FAILED;
  switch (error->code) {
    case W2VEE_ERROR_NOT_FOUND:
    case W2VEE_ERROR_OFFLINE:
      return GST_RESOURCE_ERROR_NOT_FOUND;
    case W2VEE_ERROR_IO:
      return GST_RESOURCE_ERROR_OPEN_READ;
    case W2VEE_ERROR_NETWORK:
    case W2VEE_ERROR_CHECKSUM:
      return GST_RESOURCE_ERROR_READ;
    case W2VEE_ERROR_INVALID_ARGUMENT:
      return GST_RESOURCE_ERROR_SETTINGS;
    default:
      return GST_RESOURCE_ERROR_FAILED;
  }
}

/* Posts the error message of a model that could not be loaded or fetched. */
void
gst_wav2vec2ee_post_model_error (GstWav2vec2ee * self, const gchar * path,
    const GError * error)
{
  /* GST_ELEMENT_ERROR with a code chosen at run time */
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
      GST_RESOURCE_ERROR, resource_error_code (error),
      g_strdup_printf ("Could not load the model \"%s\": %s", path, error->message),
      g_strdup_printf ("w2vee error code %d", error->code), __FILE__,
      GST_FUNCTION, __LINE__);
}

/* The model path or URI the properties name: "model", else the default one. Posts
 * an element error when there is none. */
gchar *
gst_wav2vec2ee_model_location (GstWav2vec2ee * self)
{
  g_autoptr (GError) error = NULL;
  gchar *path;

  GST_OBJECT_LOCK (self);
  path = g_strdup (self->model_location);
  GST_OBJECT_UNLOCK (self);

  if (path == NULL)
    path = w2vee_default_model_path (NULL, &error);
  if (path == NULL)
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        ("No model: set the \"model\" property or the W2VEE_MODEL environment "
            "variable to a model directory or URI."), ("%s", error->message));
  return path;
}

/* Whether @path is the model loaded now. */
gboolean
gst_wav2vec2ee_has_model (GstWav2vec2ee * self, const gchar * path)
{
  gboolean same;

  GST_OBJECT_LOCK (self);
  same = self->model != NULL && g_strcmp0 (self->model_path, path) == 0;
  GST_OBJECT_UNLOCK (self);
  return same;
}

/* Makes @model (transfer full), loaded from @path (transfer full), the model. */
void
gst_wav2vec2ee_set_model (GstWav2vec2ee * self, W2veeModel * model, gchar * path)
{
  W2veeModel *old;

  GST_INFO_OBJECT (self, "loaded %s: %u exits, %u layers, %" G_GSIZE_FORMAT
      " bytes of weights", path, w2vee_model_n_exits (model),
      w2vee_model_n_layers (model), w2vee_model_weight_bytes (model));
  GST_OBJECT_LOCK (self);
  old = self->model;
  self->model = model;
  g_free (self->model_path);
  self->model_path = path;
  self->n_exits = w2vee_model_n_exits (model);
  GST_OBJECT_UNLOCK (self);

  g_clear_pointer (&old, w2vee_model_unref);
  g_object_notify (G_OBJECT (self), "n-exits");
  g_object_notify (G_OBJECT (self), "exit-layers");
  g_object_notify (G_OBJECT (self), "exit-layers-string");
}

/* allow-pickle as w2vee_model_load_shared() flags (takes the object lock). */
W2veeLoadFlags
gst_wav2vec2ee_load_flags (GstWav2vec2ee * self)
{
  gboolean allow;

  GST_OBJECT_LOCK (self);
  allow = self->allow_pickle;
  GST_OBJECT_UNLOCK (self);
  return allow ? W2VEE_LOAD_DEFAULT : W2VEE_LOAD_NO_PICKLE;
}

/* Loads the model the properties name unless it is loaded already. A URI is never
 * fetched here (that would block the state change): with @uri_later it is left
 * for READY->PAUSED, else it must have been fetched. Posts an element error naming
 * the path and the reason on failure. */
gboolean
gst_wav2vec2ee_load_model (GstWav2vec2ee * self, gboolean uri_later)
{
  g_autofree gchar *path = gst_wav2vec2ee_model_location (self);
  g_autoptr (GError) error = NULL;
  W2veeModel *model;

  if (path == NULL)
    return FALSE;
  if (gst_wav2vec2ee_has_model (self, path))
    return TRUE;
  if (w2vee_uri_is_remote (path)) {
    if (uri_later)
      return TRUE;
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("The model \"%s\" changed while "
            "the element was starting.", path), (NULL));
    return FALSE;
  }

  model = w2vee_model_load_shared (path, gst_wav2vec2ee_load_flags (self), &error);
  if (model == NULL) {
    gst_wav2vec2ee_post_model_error (self, path, error);
    return FALSE;
  }
  gst_wav2vec2ee_set_model (self, model, g_steal_pointer (&path));
  return TRUE;
}

void
gst_wav2vec2ee_unload_model (GstWav2vec2ee * self)
{
  W2veeModel *model;

  GST_OBJECT_LOCK (self);
  model = g_steal_pointer (&self->model);
  g_clear_pointer (&self->model_path, g_free);
  self->n_exits = 0;
  GST_OBJECT_UNLOCK (self);

  if (model == NULL)
    return;
  w2vee_model_unref (model);
  g_object_notify (G_OBJECT (self), "n-exits");
  g_object_notify (G_OBJECT (self), "exit-layers");
  g_object_notify (G_OBJECT (self), "exit-layers-string");
}

/* ------------------------------------------------------------------------- */
/* Fetching a model URI                                                      */
/* ------------------------------------------------------------------------- */

/* One fetch: made at READY->PAUSED (state lock), filled by the pool job,
 * consumed by gst_wav2vec2ee_fetch_done() or dropped when cancelled. */
typedef struct {
  GstWav2vec2ee *self;          /* no reference: cancel waits for the job */
  gint refs;                    /* atomic: the element's and the job's */
  gchar *uri;
  guint cookie;                 /* self->fetch_cookie when it started */
  GCancellable *cancellable;
  GMutex lock;
  GCond cond;
  gboolean running;             /* the download job has not ended (@lock) */
  gchar *dir;                   /* the snapshot directory, or NULL and @error */
  W2veeModel *model;            /* loaded from @dir, or NULL and @error */
  GError *error;
} GstWav2vec2eeFetch;

static GstWav2vec2eeFetch *
fetch_ref (GstWav2vec2eeFetch * fetch)
{
  g_atomic_int_inc (&fetch->refs);
  return fetch;
}

static void
fetch_unref (gpointer data)
{
  GstWav2vec2eeFetch *fetch = data;

  if (!g_atomic_int_dec_and_test (&fetch->refs))
    return;
  g_free (fetch->uri);
  g_clear_object (&fetch->cancellable);
  g_free (fetch->dir);
  g_clear_pointer (&fetch->model, w2vee_model_unref);
  g_clear_error (&fetch->error);
  g_mutex_clear (&fetch->lock);
  g_cond_clear (&fetch->cond);
  g_free (fetch);
}

/* A GST_MESSAGE_PROGRESS with code "fetch" and the field "uri". */
static GstMessage *
progress_message (GstWav2vec2ee * self, GstProgressType type,
    const gchar * uri, const gchar * text)
{
  GstMessage *msg = gst_message_new_progress (GST_OBJECT (self), type, "fetch", text);

  gst_structure_set (gst_message_writable_structure (msg), "uri", G_TYPE_STRING, uri,
      NULL);
  return msg;
}

/* Called by the engine from the download job, at most every 100 ms per file. */
static void
fetch_progress (const char *file, guint64 done, guint64 total, gpointer data)
{
  GstWav2vec2eeFetch *fetch = data;
  gint percent = total > 0 ? (gint) (done * 100 / total) : 100;
  g_autofree gchar *size = g_format_size (total);
  g_autofree gchar *text = g_strdup_printf ("%s: %d%% of %s", file, percent, size);
  GstMessage *msg = progress_message (fetch->self, GST_PROGRESS_TYPE_CONTINUE,
      fetch->uri, text);

  gst_structure_set (gst_message_writable_structure (msg), "percent", G_TYPE_INT,
      percent, "file", G_TYPE_STRING, file, "bytes", G_TYPE_UINT64, done, "total",
      G_TYPE_UINT64, total, NULL);
  gst_element_post_message (GST_ELEMENT (fetch->self), msg);
}

/* Second job (state lock): installs the model, does the deferred start() and
 * completes the ASYNC state change, or aborts it. */
static void
fetch_done (GstElement * element, gpointer data)
{
  GstWav2vec2ee *self = GST_WAV2VEC2EE (element);
  GstWav2vec2eeFetch *fetch = data;
  g_autofree gchar *text = NULL;
  gboolean current, ok;

  GST_STATE_LOCK (element);
  GST_OBJECT_LOCK (self);
  current = fetch->cookie == self->fetch_cookie && self->async_pending;
  GST_OBJECT_UNLOCK (self);
  if (!current) {
    GST_DEBUG_OBJECT (self, "dropping the result of a cancelled fetch");
    GST_STATE_UNLOCK (element);
    return;
  }
  g_clear_pointer (&self->fetch, fetch_unref);
  self->async_pending = FALSE;

  ok = fetch->model != NULL;
  if (!ok) {
    gst_element_post_message (element, progress_message (self,
            GST_PROGRESS_TYPE_ERROR, fetch->uri, fetch->error->message));
    gst_wav2vec2ee_post_model_error (self, fetch->uri, fetch->error);
  } else {
    gst_wav2vec2ee_set_model (self, g_steal_pointer (&fetch->model),
        g_strdup (fetch->uri));
    ok = gst_wav2vec2ee_start_streaming (self);
  }
  gst_wav2vec2ee_set_start_state (self, FALSE, !ok);

  if (!ok) {
    if (fetch->error == NULL)   /* the deferred start failed (error posted) */
      gst_element_post_message (element, progress_message (self,
              GST_PROGRESS_TYPE_ERROR, fetch->uri, "The element could not start"));
    gst_element_abort_state (element);
    GST_STATE_UNLOCK (element);
    return;
  }
  text = g_strdup_printf ("Fetched the model %s into %s", fetch->uri, fetch->dir);
  gst_element_post_message (element, progress_message (self,
          GST_PROGRESS_TYPE_COMPLETE, fetch->uri, text));
  gst_element_continue_state (element, GST_STATE_CHANGE_SUCCESS);
  gst_element_post_message (element,
      gst_message_new_async_done (GST_OBJECT (self), GST_CLOCK_TIME_NONE));
  GST_STATE_UNLOCK (element);
}

/* First job (no state lock): download and load. */
static void
fetch_run (GstElement * element, gpointer data)
{
  GstWav2vec2eeFetch *fetch = data;
  W2veeFetchParams params = w2vee_fetch_default_params ();

  params.cancellable = fetch->cancellable;
  params.progress = fetch_progress;
  params.progress_data = fetch;
  fetch->dir = w2vee_fetch (fetch->uri, &params, &fetch->error);
  if (fetch->dir != NULL)
    fetch->model = w2vee_model_load_shared (fetch->dir,
        gst_wav2vec2ee_load_flags (fetch->self), &fetch->error);
  GST_DEBUG_OBJECT (element, "fetch of %s done: %s", fetch->uri,
      fetch->model != NULL ? fetch->dir : fetch->error->message);
  gst_element_call_async (element, fetch_done, fetch_ref (fetch), fetch_unref);

  g_mutex_lock (&fetch->lock);
  fetch->running = FALSE;
  g_cond_broadcast (&fetch->cond);
  g_mutex_unlock (&fetch->lock);
}

gboolean
gst_wav2vec2ee_start_fetch (GstWav2vec2ee * self, const gchar * uri)
{
  GstWav2vec2eeFetch *fetch = g_new0 (GstWav2vec2eeFetch, 1);
  g_autofree gchar *text = g_strdup_printf ("Fetching the model %s", uri);

  fetch->refs = 1;
  fetch->self = self;
  fetch->uri = g_strdup (uri);
  fetch->cancellable = g_cancellable_new ();
  g_mutex_init (&fetch->lock);
  g_cond_init (&fetch->cond);
  fetch->running = TRUE;
  GST_OBJECT_LOCK (self);
  fetch->cookie = ++self->fetch_cookie;
  GST_OBJECT_UNLOCK (self);

  gst_wav2vec2ee_set_start_state (self, TRUE, FALSE);
  gst_element_post_message (GST_ELEMENT (self),
      progress_message (self, GST_PROGRESS_TYPE_START, uri, text));
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_async_start (GST_OBJECT (self)));
  self->async_pending = TRUE;
  self->fetch = fetch;
  gst_element_call_async (GST_ELEMENT (self), fetch_run, fetch_ref (fetch),
      fetch_unref);
  GST_INFO_OBJECT (self, "fetching %s", uri);
  return TRUE;
}

void
gst_wav2vec2ee_cancel_fetch (GstWav2vec2ee * self)
{
  GstWav2vec2eeFetch *fetch = self->fetch;
  const gchar *uri;

  GST_OBJECT_LOCK (self);
  self->fetch_cookie++;         /* a result already on its way is dropped */
  GST_OBJECT_UNLOCK (self);

  if (fetch != NULL) {
    GST_INFO_OBJECT (self, "cancelling the fetch");
    g_cancellable_cancel (fetch->cancellable);
    g_mutex_lock (&fetch->lock);
    while (fetch->running)
      g_cond_wait (&fetch->cond, &fetch->lock);
    g_mutex_unlock (&fetch->lock);
  }
  gst_wav2vec2ee_set_start_state (self, FALSE, FALSE);

  if (self->async_pending) {
    self->async_pending = FALSE;
    uri = fetch != NULL ? fetch->uri : "";
    gst_element_post_message (GST_ELEMENT (self), progress_message (self,
            GST_PROGRESS_TYPE_CANCELED, uri, "Fetching the model was cancelled"));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_async_done (GST_OBJECT (self), GST_CLOCK_TIME_NONE));
  }
  g_clear_pointer (&self->fetch, fetch_unref);
}
