// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: 2026 The gst-wav2vec2ee authors (AUTHORS)
// The ONNX Runtime contender of bench/run.py: one exit's ONNX graph (exported by
// bench/run.py from the same torchaudio model) run by onnxruntime-node on the CPU.
//
//   node bench/ort_run.mjs --model EXIT.onnx --exit E --layer L --input X.f32
//       --samples n --threads N [--repeat R] [--dump OUT.f32]
//
// Session options: intraOpNumThreads N, interOpNumThreads 1, sequential execution,
// graphOptimizationLevel 'all'. Prints, like `w2vee bench` (docs/cli.md):
//
//   ready_ms=X                        InferenceSession.create()
//   exit=E layer=L rtf=X frames=T     median of R runs after 1 warm-up
//   peak_rss_mb=X                     this process's peak resident set, MiB
//
// With --dump it instead runs once and writes the logits as raw little-endian float32
// (T, V) to OUT.f32 (no exit line).
//
// Needs bench/node_modules: `cd bench && npm ci --ignore-scripts` (README.md).
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';

const SAMPLE_RATE = 16000;

// This process's peak resident set in MiB: VmHWM. process.resourceUsage().maxRSS is
// the fallback only: Linux carries ru_maxrss over from the parent across fork and
// exec, so a child of bench/run.py (which holds the torch model) would report its peak.
function peakRssMb () {
  try {
    const m = /\nVmHWM:\s*(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch (e) {}
  return process.resourceUsage().maxRSS / 1024;
}

const { values: opt } = parseArgs({
  options: {
    model: { type: 'string' },
    exit: { type: 'string' },
    layer: { type: 'string' },
    input: { type: 'string' },
    samples: { type: 'string' },
    threads: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    dump: { type: 'string' },
  },
});
for (const key of ['model', 'exit', 'layer', 'input', 'samples', 'threads']) {
  if (opt[key] === undefined) {
    console.error(`ort_run: --${key} is required`);
    process.exit(2);
  }
}
const n = Number(opt.samples);
const repeat = Number(opt.repeat);

// (1, n) raw samples: the graph normalises them itself
const raw = readFileSync(opt.input);
if (raw.length < 4 * n) {
  console.error(`ort_run: ${opt.input} holds fewer than ${n} samples`);
  process.exit(1);
}
const samples = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 4 * n));
const feeds = { samples: new ort.Tensor('float32', samples, [1, n]) };

let t0 = process.hrtime.bigint();
const session = await ort.InferenceSession.create(opt.model, {
  executionProviders: ['cpu'],
  intraOpNumThreads: Number(opt.threads),
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const seconds = (t1, t2) => Number(t2 - t1) / 1e9;
console.log(`ready_ms=${(seconds(t0, process.hrtime.bigint()) * 1000).toFixed(1)}`);

if (opt.dump !== undefined) {
  const { logits } = await session.run(feeds);  // (1, T, V)
  writeFileSync(opt.dump, Buffer.from(logits.data.buffer, logits.data.byteOffset,
    logits.data.byteLength));
} else {
  let out = await session.run(feeds);  // warm-up
  const runs = [];
  for (let r = 0; r < repeat; r++) {
    t0 = process.hrtime.bigint();
    out = await session.run(feeds);
    runs.push(seconds(t0, process.hrtime.bigint()));
  }
  runs.sort((a, b) => a - b);
  const k = Math.floor(repeat / 2);
  const median = repeat % 2 ? runs[k] : (runs[k - 1] + runs[k]) / 2;
  console.log(`exit=${opt.exit} layer=${opt.layer} rtf=${(median / (n / SAMPLE_RATE)).toFixed(5)} ` +
    `frames=${out.logits.dims[1]}`);
}
await session.release();
console.log(`peak_rss_mb=${peakRssMb().toFixed(1)}`);
