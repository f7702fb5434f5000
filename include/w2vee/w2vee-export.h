/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* W2VEE_API marks each function libw2vee exports. The library is compiled with hidden
 * symbol visibility, so a function without it stays internal to libw2vee.so; tests/api
 * checks that the library's dynamic symbols are exactly the W2VEE_API declarations of
 * include/w2vee/. Included by w2vee.h; applications need not include it themselves.
 */
#ifndef W2VEE_EXPORT_H
#define W2VEE_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define W2VEE_API __attribute__ ((visibility ("default"))) extern
#else
#define W2VEE_API extern
#endif

#endif /* W2VEE_EXPORT_H */
