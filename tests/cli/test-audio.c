/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* Tests of the w2vee tool's audio input (tools/audio.c): files GStreamer decodes to
 * 16 kHz mono F32, compared with the samples the test wrote; and the errors a user
 * meets (missing file, not audio, no audio stream, too long).
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include "audio.h"
#include "w2vee/w2vee.h"

static char *tmpdir;

/* Writes a WAV file: format 1 (PCM, 16-bit) or 3 (IEEE float, 32-bit), interleaved. */
static char *
write_wav (const char *name, guint16 format, guint16 channels, guint32 rate,
    const void *data, gsize n_frames)
{
  guint16 bits = format == 1 ? 16 : 32;
  guint32 bytes = (guint32) (n_frames * channels * bits / 8);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;
#define PUT32(v) G_STMT_START { guint32 le = GUINT32_TO_LE (v); g_byte_array_append (b, (guint8 *) &le, 4); } G_STMT_END
#define PUT16(v) G_STMT_START { guint16 le = GUINT16_TO_LE (v); g_byte_array_append (b, (guint8 *) &le, 2); } G_STMT_END

  g_byte_array_append (b, (const guint8 *) "RIFF", 4);
  PUT32 (36 + bytes);
  g_byte_array_append (b, (const guint8 *) "WAVEfmt ", 8);
  PUT32 (16);
  PUT16 (format);
  PUT16 (channels);
  PUT32 (rate);
  PUT32 (rate * channels * bits / 8);
  PUT16 (channels * bits / 8);
  PUT16 (bits);
  g_byte_array_append (b, (const guint8 *) "data", 4);
  PUT32 (bytes);
  g_byte_array_append (b, data, bytes); /* the test runs on little-endian hosts */
#undef PUT32
#undef PUT16
  g_assert_true (G_BYTE_ORDER == G_LITTLE_ENDIAN);
  g_file_set_contents (path, (const char *) b->data, b->len, &error);
  g_assert_no_error (error);
  return path;
}

static float *
decode (const char *path, gsize *n)
{
  g_autoptr (GError) error = NULL;
  float *x = w2vee_audio_decode_file (path, 600 * W2VEE_SAMPLE_RATE, n, &error);

  g_assert_no_error (error);
  g_assert_nonnull (x);
  return x;
}

/* 16 kHz mono 16-bit: exactly the samples / 32768, in a file name needing escapes. */
static void
test_wav_s16 (void)
{
  const gsize n = 40000;
  g_autofree gint16 *pcm = g_new (gint16, n);
  g_autofree char *path = NULL;
  g_autofree float *x = NULL;
  GRand *rand = g_rand_new_with_seed (1);
  gsize i, got;

  for (i = 0; i < n; i++)
    pcm[i] = (gint16) g_rand_int_range (rand, -32768, 32768);
  pcm[0] = -32768;
  pcm[1] = 32767;
  path = write_wav ("a b é#%.wav", 1, 1, 16000, pcm, n);
  x = decode (path, &got);
  g_assert_cmpuint (got, ==, n);
  for (i = 0; i < n; i++)
    g_assert_cmpfloat (x[i], ==, pcm[i] / 32768.0f);
  g_rand_free (rand);
}

/* 16 kHz mono float: bit-exact. */
static void
test_wav_f32 (void)
{
  const gsize n = 12345;
  g_autofree float *in = g_new (float, n);
  g_autofree char *path = NULL;
  g_autofree float *x = NULL;
  GRand *rand = g_rand_new_with_seed (2);
  gsize i, got;

  for (i = 0; i < n; i++)
    in[i] = (float) g_rand_double_range (rand, -1.0, 1.0);
  path = write_wav ("f32.wav", 3, 1, 16000, in, n);
  x = decode (path, &got);
  g_assert_cmpuint (got, ==, n);
  g_assert_cmpmem (x, n * sizeof (float), in, n * sizeof (float));
  g_rand_free (rand);
}

/* 48 kHz stereo, the same tone in both channels: a 16 kHz mono tone of a third of the
 * length, close to the analytic one (resampler error only). */
static void
test_wav_resample_downmix (void)
{
  const gsize n = 48000 * 2;
  g_autofree gint16 *pcm = g_new (gint16, 2 * n);
  g_autofree char *path = NULL;
  g_autofree float *x = NULL;
  double max_diff = 0.0;
  gsize i, got;

  for (i = 0; i < n; i++)
    pcm[2 * i] = pcm[2 * i + 1] = (gint16) lrint (16384.0 * sin (2 * G_PI * 440.0 * i / 48000));
  path = write_wav ("tone48k.wav", 1, 2, 48000, pcm, n);
  x = decode (path, &got);
  g_assert_cmpint (ABS ((gssize) got - (gssize) (n / 3)), <=, 2);
  for (i = 200; i + 200 < got; i++)
    max_diff = MAX (max_diff, fabs (x[i] - 0.5 * sin (2 * G_PI * 440.0 * i / 16000)));
  g_test_message ("max |decoded - analytic| = %g (tolerance 0.005)", max_diff);
  g_assert_cmpfloat (max_diff, <, 0.005);
}

/* Reading in small pieces gives the same samples as decoding the whole file. */
static void
test_read_pieces (void)
{
  const gsize n = 33333;
  g_autofree gint16 *pcm = g_new (gint16, n);
  g_autofree char *path = NULL;
  g_autofree float *whole = NULL;
  g_autoptr (W2veeAudioReader) reader = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) pieces = g_array_new (FALSE, FALSE, sizeof (float));
  float buf[7];
  gssize got;
  gsize i, n_whole;

  for (i = 0; i < n; i++)
    pcm[i] = (gint16) (i * 7919);
  path = write_wav ("pieces.wav", 1, 1, 16000, pcm, n);
  whole = decode (path, &n_whole);
  reader = w2vee_audio_reader_open (path, &error);
  g_assert_no_error (error);
  while ((got = w2vee_audio_reader_read (reader, buf, G_N_ELEMENTS (buf), &error)) > 0)
    g_array_append_vals (pieces, buf, got);
  g_assert_no_error (error);
  g_assert_cmpint (got, ==, 0);
  /* after the end, still the end */
  g_assert_cmpint (w2vee_audio_reader_read (reader, buf, G_N_ELEMENTS (buf), &error), ==, 0);
  g_assert_cmpmem (pieces->data, pieces->len * sizeof (float), whole, n_whole * sizeof (float));
}

static void
assert_fails (const char *path, const char *reason)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_filename_display_name (path);
  gsize n = 0;
  float *x = w2vee_audio_decode_file (path, 600 * W2VEE_SAMPLE_RATE, &n, &error);

  g_assert_null (x);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_error_matches (error, W2VEE_ERROR, error->code));
  g_assert_nonnull (strstr (error->message, name));
  if (reason != NULL)
    g_assert_nonnull (strstr (error->message, reason));
}

static void
test_errors (void)
{
  g_autofree char *missing = g_build_filename (tmpdir, "missing.wav", NULL);
  g_autofree char *text = g_build_filename (tmpdir, "notes.txt", NULL);
  g_autofree char *empty = g_build_filename (tmpdir, "empty.wav", NULL);
  g_autofree char *trunc = g_build_filename (tmpdir, "truncated.wav", NULL);
  gint16 pcm[100] = { 0 };
  g_autofree char *wav = write_wav ("ok.wav", 1, 1, 16000, pcm, 100);
  g_autofree char *contents = NULL;
  gsize len;

  assert_fails (missing, g_strerror (ENOENT));
  assert_fails (tmpdir, g_strerror (EISDIR));

  g_assert_true (g_file_set_contents (text, "this is not audio at all\n", -1, NULL));
  assert_fails (text, NULL);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  assert_fails (empty, NULL);
  g_assert_true (g_file_get_contents (wav, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (trunc, contents, 30, NULL));
  assert_fails (trunc, NULL);
}

/* A video-only file: the error says there is no audio. */
static void
test_no_audio_stream (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "video.mkv", NULL);
  g_autofree char *desc = g_strdup_printf ("videotestsrc num-buffers=5 ! "
      "video/x-raw,width=32,height=24 ! matroskamux ! filesink location=\"%s\"", path);
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstBus *bus;
  GstMessage *msg;

  g_assert_no_error (error);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);

  assert_fails (path, "no audio stream");
}

/* A WAV whose format tag says WMA 2: without a WMA decoder installed the error names
 * the missing decoder (GStreamer's description of it). */
static void
test_missing_decoder (void)
{
  static const guint8 header[] = {
    'R', 'I', 'F', 'F', 0x32, 0x0a, 0, 0, /* 4 + 8 + 30 + 8 + 0x0a00 */ 'W', 'A', 'V', 'E',
    'f', 'm', 't', ' ', 30, 0, 0, 0,
    0x61, 0x01, 1, 0, 0x80, 0x3e, 0, 0, 0xd0, 0x07, 0, 0, 0xe6, 0x02, 0, 0,
    10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    'd', 'a', 't', 'a', 0x00, 0x0a, 0, 0,
  };
  g_autofree char *path = g_build_filename (tmpdir, "wma.wav", NULL);
  g_autoptr (GByteArray) b = g_byte_array_new ();
  g_autoptr (GstCaps) caps = gst_caps_from_string ("audio/x-wma, wmaversion=(int)2");
  GList *decoders = gst_element_factory_list_get_elements (
      GST_ELEMENT_FACTORY_TYPE_DECODER | GST_ELEMENT_FACTORY_TYPE_MEDIA_AUDIO, GST_RANK_MARGINAL);
  GList *usable = gst_element_factory_list_filter (decoders, caps, GST_PAD_SINK, FALSE);
  gboolean have_decoder = usable != NULL;
  guint i;

  gst_plugin_feature_list_free (usable);
  gst_plugin_feature_list_free (decoders);
  if (have_decoder) {
    g_test_skip ("a WMA decoder is installed: cannot test a missing decoder with WMA");
    return;
  }
  g_byte_array_append (b, header, sizeof header);
  for (i = 0; i < 0x0a00; i++) {
    guint8 v = (guint8) i;
    g_byte_array_append (b, &v, 1);
  }
  g_assert_true (g_file_set_contents (path, (const char *) b->data, b->len, NULL));
  assert_fails (path, "missing: ");
}

static void
test_too_long (void)
{
  gint16 pcm[3000] = { 0 };
  g_autofree char *path = write_wav ("long.wav", 1, 1, 16000, pcm, 3000);
  g_autoptr (GError) error = NULL;
  gsize n = 0;

  g_assert_null (w2vee_audio_decode_file (path, 2999, &n, &error));
  g_assert_error (error, W2VEE_ERROR, W2VEE_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "long.wav"));
  g_clear_error (&error);
  g_free (decode (path, &n));
  g_assert_cmpuint (n, ==, 3000);
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("w2vee-test-audio-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/audio/wav/s16-16k-mono", test_wav_s16);
  g_test_add_func ("/audio/wav/f32-16k-mono", test_wav_f32);
  g_test_add_func ("/audio/wav/s16-48k-stereo", test_wav_resample_downmix);
  g_test_add_func ("/audio/read-pieces", test_read_pieces);
  g_test_add_func ("/audio/errors", test_errors);
  g_test_add_func ("/audio/no-audio-stream", test_no_audio_stream);
  g_test_add_func ("/audio/missing-decoder", test_missing_decoder);
  g_test_add_func ("/audio/too-long", test_too_long);
  status = g_test_run ();

  /* the files the tests wrote */
  {
    g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL) {
      g_autofree char *p = g_build_filename (tmpdir, name, NULL);
      g_unlink (p);
    }
    g_rmdir (tmpdir);
  }
  g_free (tmpdir);
  return status;
}
