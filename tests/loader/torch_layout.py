#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The loader's weight layouts against PyTorch itself (Debian's /usr/bin/python3).

Builds a tiny torchaudio wav2vec2 with random weights, writes it with the shared
training/w2vee_hf.py exporter in four variants (F32 with legacy weight_g/weight_v
names, F32 with parametrizations.weight.original0/1, F16, BF16) and, next to each,
the tensors the loader must produce, computed by torch:

  conv.{i}.w   conv weight [C_out, C_in, K] permuted to (C_out, K, C_in)
  pos_w        torch._weight_norm(v, g, dim=2) [D, D/G, Kp] permuted to (D, Kp, D/G)
               (= (G, D/G, Kp, D/G))
  others       as stored, after torch's own F16/BF16 -> F32 conversion

Then runs check-torch-layout on the four directories. Exit 77 (skipped) without
torch.

usage: torch_layout.py CHECKER OUTDIR
"""

import os
import sys

try:
    import torch
    import torchaudio  # noqa: F401  (w2vee_hf needs it)
except ImportError as e:
    print(f"SKIP: /usr/bin/python3 cannot import torch/torchaudio: {e}")
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "training"))
import w2vee_hf  # noqa: E402


def save(path, t):
    t = t.detach().to(torch.float32).contiguous()
    with open(path, "wb") as f:
        f.write(t.numpy().astype("<f4").tobytes())


def main():
    checker, outdir = sys.argv[1], sys.argv[2]
    arch = dict(w2vee_hf.BASE_ARCH,
                extractor_conv_layer_config=[(8, 10, 5), (8, 3, 2), (12, 2, 2)],
                encoder_embed_dim=16, encoder_pos_conv_kernel=6,
                encoder_pos_conv_groups=4, encoder_num_layers=2, encoder_num_heads=2,
                encoder_ff_interm_features=24, aux_num_out=32)
    torch.manual_seed(0)
    model = w2vee_hf.build_torchaudio(arch)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, 0.5)
        conv = model.encoder.transformer.pos_conv_embed.conv
        conv.weight_g.uniform_(0.5, 1.5)

    dirs = []
    for name, dtype, names in (("f32-legacy", torch.float32, "legacy"),
                               ("f32-parametrizations", torch.float32,
                                "parametrizations"),
                               ("f16", torch.float16, "legacy"),
                               ("bf16", torch.bfloat16, "parametrizations")):
        d = os.path.join(outdir, name)
        w2vee_hf.write_model_dir(d, model, arch, dtype=dtype, weight_norm_names=names)
        exp = os.path.join(d, "expected")
        os.makedirs(exp, exist_ok=True)
        sd = {k: v.detach().to(dtype).to(torch.float32)
              for k, v in w2vee_hf.hf_state_dict(model, None, None, names).items()}
        p = "wav2vec2."
        for i in range(len(arch["extractor_conv_layer_config"])):
            w = sd[f"{p}feature_extractor.conv_layers.{i}.conv.weight"]
            save(os.path.join(exp, f"conv.{i}.w"), w.permute(0, 2, 1))
        q = p + "encoder.pos_conv_embed.conv."
        g = sd[q + ("weight_g" if names == "legacy" else
                    "parametrizations.weight.original0")]
        v = sd[q + ("weight_v" if names == "legacy" else
                    "parametrizations.weight.original1")]
        w = torch._weight_norm(v.double(), g.double(), 2)
        # The same from the definition, as a check of this script.
        w2 = v.double() * (g.double() / v.double().pow(2).sum(dim=(0, 1), keepdim=True)
                           .sqrt())
        assert torch.allclose(w, w2, rtol=1e-12, atol=0)
        save(os.path.join(exp, "pos_w"), w.permute(0, 2, 1))
        save(os.path.join(exp, "pos_b"), sd[q + "bias"])
        save(os.path.join(exp, "conv.0.norm_w"),
             sd[p + "feature_extractor.conv_layers.0.layer_norm.weight"])
        save(os.path.join(exp, "proj_w"), sd[p + "feature_projection.projection.weight"])
        save(os.path.join(exp, "proj_ln_b"), sd[p + "feature_projection.layer_norm.bias"])
        save(os.path.join(exp, "enc_ln_w"), sd[p + "encoder.layer_norm.weight"])
        save(os.path.join(exp, "layer.1.k_w"),
             sd[p + "encoder.layers.1.attention.k_proj.weight"])
        save(os.path.join(exp, "layer.0.ff_out_w"),
             sd[p + "encoder.layers.0.feed_forward.output_dense.weight"])
        save(os.path.join(exp, "layer.1.final_ln_b"),
             sd[p + "encoder.layers.1.final_layer_norm.bias"])
        save(os.path.join(exp, "exit.0.w"), sd["lm_head.weight"])
        save(os.path.join(exp, "exit.0.b"), sd["lm_head.bias"])
        dirs.append(d)

    sys.stdout.flush()
    os.execv(checker, [checker] + dirs)


if __name__ == "__main__":
    main()
