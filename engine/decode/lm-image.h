/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Internal: the W2veeLm object over its image (lm.c has the layout), shared by lm.c
 * (binary files, queries) and arpa.c (ARPA text -> image). */
#ifndef W2VEE_LM_IMAGE_H
#define W2VEE_LM_IMAGE_H

#include "decode/decode.h"

G_BEGIN_DECLS

#define W2VEE_LM_MAGIC "W2VEELM\0"
#define W2VEE_LM_VERSION 1
#define W2VEE_LM_HEADER_BYTES 80

struct _W2veeLm {
  gint ref_count;                /* atomic */
  char *path;                    /* for messages */
  GMappedFile *mapped;           /* a binary file: the image, mapped; or NULL */
  guint8 *owned;                 /* an ARPA file: the image built from it; or NULL */
  gsize owned_size;              /* bytes of owned */

  guint order;                   /* N */
  guint vocab;                   /* W */
  guint32 bos, eos, unk;         /* word ids, or W2VEE_LM_NO_WORD */
  guint64 counts[W2VEE_LM_MAX_ORDER]; /* n-grams of order n+1 */
  const guint32 *offsets;        /* (W) into strings */
  const guint32 *sorted;         /* (W) ids in strcmp order */
  const char *strings;
  const guint32 *tables[W2VEE_LM_MAX_ORDER + 1]; /* [n]: counts[n-1] records of n+2 u32 */
};

float w2vee_lm_rec_float (const guint32 *p);
const guint32 *w2vee_lm_find (const W2veeLm *lm, guint n, const guint32 *key);
gboolean w2vee_lm_attach (W2veeLm *lm, const guint8 *data, gsize size, gboolean check,
    GError **error);
/* An LM from @size bytes of ARPA text or of a binary image (copied), named @name in
 * messages (for tests and fuzzing). */
W2veeLm *w2vee_lm_new_from_data (const char *name, const guint8 *data, gsize size,
    GError **error);
/* arpa.c: parses @size bytes of ARPA text into lm->owned and attaches it. */
gboolean w2vee_lm_parse_arpa (W2veeLm *lm, const char *text, gsize size, GError **error);

G_END_DECLS

#endif /* W2VEE_LM_IMAGE_H */
