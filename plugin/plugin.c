/* SPDX-License-Identifier: LGPL-2.1-or-later
 * SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS) */
/* The wav2vec2ee plugin: registers the element. Licence, package name and origin
 * come from meson (meson_options.txt). */
#include "gstwav2vec2ee.h"

#include "w2vee-config.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  return GST_ELEMENT_REGISTER (wav2vec2ee, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, wav2vec2ee,
    "Early-exit wav2vec2 speech recognition", plugin_init, W2VEE_VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
