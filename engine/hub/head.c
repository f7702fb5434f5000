/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* w2vee_head_parse(): what a HEAD answer says about one file (head.h). The server is a
 * stranger: every header is checked before it is used, and hashes are trusted as such
 * only from a server that speaks the hub's protocol (X-Repo-Commit or X-Linked-Etag). */
#include "head.h"

#include <string.h>

#include "w2vee/w2vee.h"

gboolean
w2vee_is_hex (const char *s, gsize len)
{
  gsize i;

  if (s == NULL || strlen (s) != len)
    return FALSE;
  for (i = 0; i < len; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

char *
w2vee_url_for_message (const char *url)
{
  return g_strndup (url, strcspn (url, "?#"));
}

/* "W/\"abc\"" -> "abc" */
static char *
normalise_etag (const char *etag)
{
  gsize len;

  if (etag == NULL)
    return NULL;
  if (g_str_has_prefix (etag, "W/"))
    etag += 2;
  len = strlen (etag);
  if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"')
    return g_strndup (etag + 1, len - 2);
  return g_strdup (etag);
}

static gboolean
parse_size (const char *text, guint64 *size)
{
  return text != NULL && g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, size, NULL);
}

void
w2vee_head_info_clear (W2veeHeadInfo *info)
{
  g_clear_pointer (&info->error_code, g_free);
  g_clear_pointer (&info->commit, g_free);
  g_clear_pointer (&info->hash, g_free);
  g_clear_pointer (&info->download_url, g_free);
  g_clear_pointer (&info->if_range, g_free);
  memset (info, 0, sizeof *info);
}

gboolean
w2vee_head_parse (const W2veeHeadAnswer *a, const char *name, const char *uri,
    guint64 max_bytes, W2veeHeadInfo *info, GError **error)
{
  g_autofree char *linked = NULL, *etag = NULL, *shown = NULL;
  const char *size_text;
  gboolean hub_headers;

  g_return_val_if_fail (a != NULL && a->url != NULL && info != NULL, FALSE);
  memset (info, 0, sizeof *info);
  shown = w2vee_url_for_message (a->url);

  if (a->status == 404) {
    const char *code = a->error_code;

    info->absent = TRUE;
    info->error_code = code != NULL && g_str_is_ascii (code) && strlen (code) < 64 ?
        g_strdup (code) : NULL;
    if (w2vee_is_hex (a->repo_commit, 40))
      info->commit = g_ascii_strdown (a->repo_commit, -1);
    return TRUE;
  }

  /* the commit: hub answers name it; all later requests use it */
  if (a->repo_commit != NULL) {
    if (!w2vee_is_hex (a->repo_commit, 40)) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
          "cannot fetch %s of %s: the server named a malformed commit", name, uri);
      return FALSE;
    }
    info->commit = g_ascii_strdown (a->repo_commit, -1);
  }

  linked = normalise_etag (a->linked_etag);
  etag = normalise_etag (a->etag);
  size_text = a->linked_size != NULL ? a->linked_size : a->content_length;
  if (!parse_size (size_text, &info->size)) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
        "cannot fetch %s of %s from %s: the server announced no size", name, uri, shown);
    w2vee_head_info_clear (info);
    return FALSE;
  }
  if (info->size > max_bytes) {
    g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE,
        "cannot fetch %s of %s: %" G_GUINT64_FORMAT " bytes announced, above the limit "
        "of %" G_GUINT64_FORMAT " for this file", name, uri, info->size, max_bytes);
    w2vee_head_info_clear (info);
    return FALSE;
  }

  /* hashes are trusted as such only from a server that speaks the hub's protocol */
  hub_headers = a->repo_commit != NULL || linked != NULL;
  if (hub_headers && linked != NULL && w2vee_is_hex (linked, 64)) {
    info->kind = W2VEE_HASH_SHA256;
    info->hash = g_ascii_strdown (linked, -1);
  } else if (hub_headers && etag != NULL && w2vee_is_hex (etag, 64)) {
    info->kind = W2VEE_HASH_SHA256;
    info->hash = g_ascii_strdown (etag, -1);
  } else if (a->repo_commit != NULL && etag != NULL && w2vee_is_hex (etag, 40)) {
    info->kind = W2VEE_HASH_GIT_SHA1;
    info->hash = g_ascii_strdown (etag, -1);
  } else {
    info->kind = W2VEE_HASH_NONE;
  }

  if (a->status >= 300 && a->status < 400) {
    /* an LFS file: the bytes are at the redirect target, whose validator we do not
     * know; the blob is named by its hash, so Range alone cannot mix contents */
    g_autoptr (GUri) here = g_uri_parse (a->url, G_URI_FLAGS_ENCODED, NULL);
    g_autoptr (GUri) there = here != NULL && a->location != NULL ?
        g_uri_parse_relative (here, a->location, G_URI_FLAGS_ENCODED, NULL) : NULL;

    /* a target without a host is no download (and GLib's URI join asserts when
     * printing one whose path starts with "//": fuzz-head found it) */
    if (there != NULL && (g_uri_get_host (there) == NULL
            || g_uri_get_host (there)[0] == '\0'))
      g_clear_pointer (&there, g_uri_unref);
    if (there == NULL) {
      g_set_error (error, W2VEE_ERROR, W2VEE_ERROR_NETWORK,
          "cannot fetch %s of %s from %s: a redirect without a valid Location", name,
          uri, shown);
      w2vee_head_info_clear (info);
      return FALSE;
    }
    info->download_url = g_uri_to_string (there);
  } else {
    info->download_url = g_strdup (a->url);
    if (a->etag != NULL && !g_str_has_prefix (a->etag, "W/"))
      info->if_range = g_strdup (a->etag);
    else if (a->last_modified != NULL)
      info->if_range = g_strdup (a->last_modified);
  }
  return TRUE;
}
