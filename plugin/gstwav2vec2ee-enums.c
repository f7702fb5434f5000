/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The GEnum types of the element's enum properties: exit-policy, and precision
 * and compute, whose values are the engine's (W2veePrecision, W2veeCompute) so
 * that they are passed to W2veeSessionParams unchanged. */
#include "gstwav2vec2ee.h"

/* Registers @name once (thread-safe, like G_DEFINE_ENUM_TYPE). */
static GType
register_enum (GType * type, const gchar * name, const GEnumValue * values)
{
  if (g_once_init_enter (type)) {
    GType t = g_enum_register_static (name, values);

    g_once_init_leave (type, t);
  }
  return *type;
}

GType
gst_wav2vec2ee_exit_policy_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_WAV2VEC2EE_EXIT_POLICY_FIXED, "Every segment at the exit property",
        "fixed"},
    {GST_WAV2VEC2EE_EXIT_POLICY_CONFIDENCE, "Stop at the first exit whose "
          "confidence reaches exit-threshold (exit is the deepest allowed)",
        "confidence"},
    {GST_WAV2VEC2EE_EXIT_POLICY_DEADLINE, "The deepest exit whose predicted "
          "compute meets max-latency (exit is the deepest allowed)", "deadline"},
    {0, NULL, NULL},
  };

  return register_enum (&type, "GstWav2vec2eeExitPolicy", values);
}

GType
gst_wav2vec2ee_precision_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {W2VEE_PRECISION_FP32, "float32 everywhere", "fp32"},
    {W2VEE_PRECISION_BF16, "bfloat16 linear and conv layers, float32 sums "
          "(oneDNN, CPUs with bfloat16 units)", "bf16"},
    {W2VEE_PRECISION_INT8, "int8 linear and conv layers, int32 sums "
          "(oneDNN, CPUs with AVX512-VNNI)", "int8"},
    {0, NULL, NULL},
  };

  return register_enum (&type, "GstWav2vec2eePrecision", values);
}

GType
gst_wav2vec2ee_compute_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {W2VEE_COMPUTE_DEFAULT, "$W2VEE_COMPUTE, else the build's default "
          "(oneDNN when built)", "default"},
    {W2VEE_COMPUTE_OPENBLAS, "OpenBLAS sgemm (float32 only)", "openblas"},
    {W2VEE_COMPUTE_DNNL, "oneDNN matmul primitives", "dnnl"},
    {0, NULL, NULL},
  };

  return register_enum (&type, "GstWav2vec2eeCompute", values);
}
