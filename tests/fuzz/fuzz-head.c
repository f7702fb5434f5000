/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* libFuzzer target: the fetch layer's reading of a HEAD answer's headers
 * (engine/hub/head.c w2vee_head_parse(): commit, sizes and the limit, ETag and
 * X-Linked-Etag into a hash, the LFS redirect's Location, If-Range).
 *
 * Input: one byte choosing the status (200, 206, 302, 307, 404), then the fields
 * separated by '\n' in the order of W2veeHeadAnswer: url, X-Repo-Commit, X-Error-Code,
 * ETag, X-Linked-Etag, X-Linked-Size, Content-Length, Last-Modified, Location. An empty
 * field is an absent header; an empty url is a fixed one. */
#include <stdint.h>
#include <string.h>

#include "hub/head.h"
#include "w2vee/w2vee.h"

#define MAX_BYTES (G_GUINT64_CONSTANT (64) << 20)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
is_lower_hex (const char *s, gsize len)
{
  if (!w2vee_is_hex (s, len))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (g_ascii_isupper (s[i]))
      return FALSE;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint statuses[] = { 200, 206, 302, 307, 404 };
  const char *fields[9] = { NULL };
  g_autofree char *text = NULL;
  g_auto (GStrv) parts = NULL;
  W2veeHeadAnswer a = { 0 };
  W2veeHeadInfo info;
  GError *error = NULL;

  if (size < 1)
    return 0;
  a.status = statuses[data[0] % G_N_ELEMENTS (statuses)];
  text = g_strndup ((const char *) data + 1, size - 1);  /* stops at a NUL, as headers do */
  parts = g_strsplit (text, "\n", G_N_ELEMENTS (fields));
  for (guint i = 0; parts[i] != NULL && i < G_N_ELEMENTS (fields); i++)
    fields[i] = parts[i][0] != '\0' ? parts[i] : NULL;
  a.url = fields[0] != NULL ? fields[0] : "https://models.invalid/org/name/resolve/main/x";
  a.repo_commit = fields[1];
  a.error_code = fields[2];
  a.etag = fields[3];
  a.linked_etag = fields[4];
  a.linked_size = fields[5];
  a.content_length = fields[6];
  a.last_modified = fields[7];
  a.location = fields[8];

  if (w2vee_head_parse (&a, "config.json", "hf://org/name", MAX_BYTES, &info, &error)) {
    /* What fetch.c relies on. */
    if (error != NULL || (info.commit != NULL && !is_lower_hex (info.commit, 40)))
      __builtin_trap ();
    if (info.absent) {
      if (a.status != 404 || info.hash != NULL || info.download_url != NULL ||
          (info.error_code != NULL && (strlen (info.error_code) >= 64 ||
              !g_str_is_ascii (info.error_code))))
        __builtin_trap ();
    } else {
      if (info.size > MAX_BYTES || info.download_url == NULL || info.error_code != NULL)
        __builtin_trap ();
      if ((info.kind == W2VEE_HASH_NONE) != (info.hash == NULL) ||
          (info.kind == W2VEE_HASH_SHA256 && !is_lower_hex (info.hash, 64)) ||
          (info.kind == W2VEE_HASH_GIT_SHA1 && !is_lower_hex (info.hash, 40)))
        __builtin_trap ();
      /* a hash only from a server that speaks the hub's protocol */
      if (info.kind != W2VEE_HASH_NONE && a.repo_commit == NULL && a.linked_etag == NULL)
        __builtin_trap ();
    }
    w2vee_head_info_clear (&info);
  } else {
    if (error == NULL || error->domain != W2VEE_ERROR || info.commit != NULL ||
        info.hash != NULL || info.download_url != NULL || info.if_range != NULL)
      __builtin_trap ();
    g_clear_error (&error);
  }
  return 0;
}
