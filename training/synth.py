# SPDX-License-Identifier: LGPL-2.1-or-later
# SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
"""The speech synthesizer families corpus.py draws utterances from, their voices, which
voices each split may use, the per-utterance voice settings and the synthesis itself.

Every English synthesizer in Debian 12 main:

  family     program        voices (Debian package)                     split use
  espeak-ng  espeak-ng      8 base voices x 97 variants (espeak-ng)     variants split by seed
  flite      flite          kal (8 kHz), kal16, awb, rms, slt (flite)   slt only dev/test
  festival   festival       kal_diphone (festvox-kallpc16k),            ked only dev/test
                            ked_diphone (festvox-kdlpc16k)
  hts        festival       cmu_us_slt_arctic_hts (festvox-us-slt-hts)  test-hts only

The HTS voice is the unseen-synthesizer test: never in train or dev. Its speaker (slt)
is also kept out of training in flite, so that test is an unseen synthesizer *and* an
unseen speaker. festvox-kallpc8k / kdlpc8k (the same two speakers at 8 kHz) conflict with
the 16 kHz packages in Debian and are not used; train.py's band limiting covers 8 kHz.

Voice setting strings (the corpus's 5th column) are "FAMILY:VOICE key=value ...";
corpus.family_of() reads the family (old corpora without a prefix are espeak-ng).
"""

import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audio  # noqa: E402

FAMILIES = ("espeak-ng", "flite", "festival", "hts")
# share of train and dev utterances per family (hts: test only)
TRAIN_WEIGHTS = {"espeak-ng": 0.45, "flite": 0.35, "festival": 0.20}

# espeak-ng (unchanged from the espeak-only corpus, so its "test" split is reproducible)
ESPEAK_BASE_VOICES = ["en", "en-us", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp",
                      "en-gb-x-gbcwmd", "en-029", "en-us-nyc"]
ESPEAK_TEST_VARIANTS = 12
ESPEAK_DEV_VARIANTS = 8
ESPEAK_RATE = (130, 220)       # words per minute (espeak-ng -s; its default is 175)
ESPEAK_PITCH = (20, 80)        # 0..99 (espeak-ng -p; default 50)
ESPEAK_GAPS = (0, 0, 0, 1, 2)  # extra pause between words, units of 10 ms (espeak-ng -g)

# flite: voice -> its typical F0 in Hz (the centre of the drawn int_f0_target_mean)
FLITE_VOICES = {"kal": 105, "kal16": 105, "awb": 110, "rms": 100, "slt": 170}
FLITE_HELD_OUT = ["slt"]
# festival diphone voices -> typical F0 (int_lr_params target_f0_mean of the voice)
FESTIVAL_VOICES = {"kal_diphone": 105, "ked_diphone": 105}
FESTIVAL_HELD_OUT = ["ked_diphone"]
HTS_VOICE = "cmu_us_slt_arctic_hts"
STRETCH = (0.8, 1.25)          # duration stretch (flite duration_stretch, festival
                               # Duration_Stretch): > 1 is slower
F0_FACTOR = (0.8, 1.25)        # times the voice's typical F0
HTS_STRETCH = (0.9, 1.15)


def voice_plan(espeak_variants, rng):
    """Which voices each split may use. @espeak_variants: the sorted variant names of
    espeak-ng-data/voices/!v; @rng: the plan's generator (the espeak-ng draw comes
    first, as in the espeak-only corpus, so that its test variants stay the same)."""
    vorder = [espeak_variants[i] for i in rng.permutation(len(espeak_variants))]
    t, d = ESPEAK_TEST_VARIANTS, ESPEAK_DEV_VARIANTS
    esp = {"test": sorted(vorder[:t]), "dev": sorted(vorder[t:t + d]),
           "train": sorted(vorder[t + d:])}
    flite_train = sorted(v for v in FLITE_VOICES if v not in FLITE_HELD_OUT)
    fest_train = sorted(v for v in FESTIVAL_VOICES if v not in FESTIVAL_HELD_OUT)
    return {
        "espeak-ng": esp,
        "flite": {"train": flite_train, "dev": FLITE_HELD_OUT, "test": FLITE_HELD_OUT},
        "festival": {"train": fest_train, "dev": FESTIVAL_HELD_OUT, "test": FESTIVAL_HELD_OUT},
        "hts": {"train": [], "dev": [], "test": [HTS_VOICE]},
    }


def draw_voice(family, voices, r):
    """One voice setting of @family from @voices (the split's list), drawn with the
    numpy Generator @r. Returns a dict with "family", "voice" and the settings."""
    if family == "espeak-ng":
        base = ESPEAK_BASE_VOICES[int(r.integers(len(ESPEAK_BASE_VOICES)))]
        variant = voices[int(r.integers(len(voices)))]
        rate = int(r.integers(ESPEAK_RATE[0], ESPEAK_RATE[1] + 1))
        pitch = int(r.integers(ESPEAK_PITCH[0], ESPEAK_PITCH[1] + 1))
        gap = ESPEAK_GAPS[int(r.integers(len(ESPEAK_GAPS)))]
        return {"family": family, "voice": f"{base}+{variant}", "rate": rate, "pitch": pitch,
                "gap": gap}
    if family == "hts":
        return {"family": family, "voice": voices[0],
                "stretch": round(float(r.uniform(*HTS_STRETCH)), 3)}
    table = FLITE_VOICES if family == "flite" else FESTIVAL_VOICES
    v = voices[int(r.integers(len(voices)))]
    out = {"family": family, "voice": v, "stretch": round(float(r.uniform(*STRETCH)), 3),
           "f0": int(round(table[v] * r.uniform(*F0_FACTOR)))}
    if family == "festival":
        out["f0_std"] = int(r.integers(8, 26))
    return out


def voice_string(spec):
    """The corpus's voice column: "FAMILY:VOICE key=value ..."."""
    f = spec["family"]
    if f == "espeak-ng":
        return f"espeak-ng:{spec['voice']} s={spec['rate']} p={spec['pitch']} g={spec['gap']}"
    keys = [k for k in ("stretch", "f0", "f0_std") if k in spec]
    return f"{f}:{spec['voice']} " + " ".join(f"{k}={spec[k]}" for k in keys)


def _to_16k(x, rate):
    return audio.to_int16(audio.resample_fft(x, rate, audio.SAMPLE_RATE))


def synth_espeak(spec, tools):
    cmd = [tools["espeak"], "-v", spec["voice"], "-s", str(spec["rate"]), "-p",
           str(spec["pitch"]), "-g", str(spec["gap"]), "--stdout"]
    if tools.get("espeak_data_parent"):
        cmd.append("--path=" + tools["espeak_data_parent"])
    env = None
    if tools.get("espeak_lib"):
        env = dict(os.environ, LD_LIBRARY_PATH=tools["espeak_lib"])
    res = subprocess.run(cmd + [spec["speak"]], stdout=subprocess.PIPE, env=env,
                         stderr=subprocess.PIPE, timeout=60, check=True)
    return _to_16k(*audio.parse_wav_bytes(res.stdout))


def synth_flite(spec, tools, tmp):
    path = os.path.join(tmp, "flite.wav")
    cmd = [tools["flite"], "-voice", spec["voice"], "-t", spec["speak"], "-o", path,
           "--setf", f"duration_stretch={spec['stretch']}",
           "--setf", f"int_f0_target_mean={spec['f0']}"]
    subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=True)
    x, rate = audio.read_wav(path)
    return _to_16k(x, rate)


def festival_script(specs, tmp):
    """Scheme for one festival process that writes utterance k of @specs (festival or
    hts family) to TMP/k.wav; a failing utterance only skips its own file."""
    lines = []
    for k, s in enumerate(specs):
        text = s["speak"].replace("\\", " ").replace('"', " ")
        lines.append(f"(voice_{s['voice']})")
        lines.append(f"(Parameter.set 'Duration_Stretch {s['stretch']})")
        if "f0" in s:
            lines.append(f"(set! int_lr_params '((target_f0_mean {s['f0']}) (target_f0_std "
                         f"{s['f0_std']}) (model_f0_mean 170) (model_f0_std 34)))")
        out = os.path.join(tmp, f"{k}.wav")
        lines.append(f'(unwind-protect (utt.save.wave (SynthText "{text}") "{out}" \'riff) nil)')
    return "\n".join(lines) + "\n"


def synth_festival_batch(specs, tools, tmp):
    """{index in @specs: 16 kHz int16 samples} for festival / hts specs, one festival
    process for all of them (its start-up costs ~0.5 s)."""
    if not specs:
        return {}
    d = tempfile.mkdtemp(dir=tmp)
    script = os.path.join(d, "batch.scm")
    with open(script, "w") as f:
        f.write(festival_script(specs, d))
    subprocess.run([tools["festival"], "-b", script], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, timeout=60 + 10 * len(specs), check=False)
    out = {}
    for k in range(len(specs)):
        path = os.path.join(d, f"{k}.wav")
        if os.path.exists(path):
            try:
                x, rate = audio.read_wav(path)
                out[k] = _to_16k(x, rate)
            except (ValueError, EOFError, OSError) as e:
                sys.stderr.write(f"corpus: {specs[k]['uid']}: festival output unreadable: {e}\n")
        else:
            sys.stderr.write(f"corpus: {specs[k]['uid']}: festival wrote nothing\n")
    shutil.rmtree(d, ignore_errors=True)
    return out


def synthesize_all(specs, tools):
    """[int16 samples or None] for @specs, in order (festival runs batched)."""
    out = [None] * len(specs)
    fest = [i for i, s in enumerate(specs) if s["family"] in ("festival", "hts")]
    with tempfile.TemporaryDirectory(prefix="w2vee-synth-") as tmp:
        got = synth_festival_batch([specs[i] for i in fest], tools, tmp)
        for k, i in enumerate(fest):
            out[i] = got.get(k)
        for i, s in enumerate(specs):
            if s["family"] not in ("espeak-ng", "flite"):
                continue
            try:
                if s["family"] == "espeak-ng":
                    out[i] = synth_espeak(s, tools)
                else:
                    out[i] = synth_flite(s, tools, tmp)
            except (subprocess.SubprocessError, OSError, ValueError, EOFError) as e:
                sys.stderr.write(f"corpus: {s['uid']}: {s['family']} failed: {e}\n")
    return out
