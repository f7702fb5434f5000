/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Audio input of the w2vee tool: any file GStreamer can decode, as 16 kHz mono F32.
 *
 * The pipeline is built in code:
 *   uridecodebin ! audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=16000,
 *   channels=1 ! appsink
 * and read in pieces, so a file of any length streams through in bounded memory.
 * Errors are GErrors of the W2VEE_ERROR domain whose message names the file and
 * GStreamer's reason.
 */
#ifndef W2VEE_TOOL_AUDIO_H
#define W2VEE_TOOL_AUDIO_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _W2veeAudioReader W2veeAudioReader;

/**
 * w2vee_audio_reader_open:
 * @path: a file name (not a URI).
 *
 * Starts decoding and waits until the first audio is ready, so that a missing file,
 * a file that is not audio or a missing decoder fail here.
 */
W2veeAudioReader *w2vee_audio_reader_open (const char *path, GError **error);

/**
 * w2vee_audio_reader_read:
 * @buf: (max) room for samples.
 *
 * Returns: the number of samples written to @buf (1..@max), 0 at the end of the
 * stream, or -1 with @error set.
 */
gssize w2vee_audio_reader_read (W2veeAudioReader *reader, float *buf, gsize max,
    GError **error);

void w2vee_audio_reader_close (W2veeAudioReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (W2veeAudioReader, w2vee_audio_reader_close)

/**
 * w2vee_audio_decode_file:
 * @max_samples: refuse (W2VEE_ERROR_TOO_LARGE) a file longer than this.
 * @n_samples: (out): samples returned.
 *
 * Decodes a whole file into memory.
 * Returns: (transfer full): (n_samples) 16 kHz mono float32 (g_free), or NULL.
 */
float *w2vee_audio_decode_file (const char *path, gsize max_samples, gsize *n_samples,
    GError **error);

G_END_DECLS

#endif /* W2VEE_TOOL_AUDIO_H */
