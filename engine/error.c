/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The W2VEE_ERROR domain. */
#include "w2vee/w2vee.h"

G_DEFINE_QUARK (w2vee-error-quark, w2vee_error)
