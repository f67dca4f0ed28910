#!/usr/bin/env node
// Independent FP32 reference engine: runs an ONNX model with ONNX Runtime's CPU
// execution provider (npm package onnxruntime-node, pinned in package.json).
//
//   node tools/ort/run_ort.js MODEL.onnx INPUT.bin OUTPUT.bin [--threads N] [--reps N] [--json]
//                             [--shape 1x3xHxW]
//
// INPUT.bin is raw little-endian float32, NCHW, batch 1, of the model's single
// input (shape from the session's metadata; a symbolic batch dimension is taken
// as 1; --shape gives every dimension, for inputs with symbolic ones). The first output is written to OUTPUT.bin as raw float32. With --reps N
// the model is run 3 times to warm up and then N times, timed; the median, p10
// and p90 in milliseconds are printed (with --json as one JSON object).
// Exit codes: 0 success, 2 bad usage, 3 bad model, input or environment.
'use strict';

const fs = require('fs');
const path = require('path');

const USAGE =
  'usage: node tools/ort/run_ort.js MODEL.onnx INPUT.bin OUTPUT.bin [--threads N] [--reps N] [--json] [--shape 1x3xHxW]';
const WARMUPS = 3;

function fail(code, msg) {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(code);
}

function parsePositiveInt(flag, text) {
  if (text === undefined) fail(2, `${flag} needs a value\n${USAGE}`);
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > 1e6) {
    fail(2, `${flag} must be a positive integer, got '${text}'`);
  }
  return Number(text);
}

function parseArgs(argv) {
  const opts = { threads: 1, reps: 0, json: false, shape: null, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--threads') opts.threads = parsePositiveInt(a, argv[++i]);
    else if (a === '--reps') opts.reps = parsePositiveInt(a, argv[++i]);
    else if (a === '--json') opts.json = true;
    else if (a === '--shape') {
      const text = argv[++i];
      if (!text || !/^[0-9]+(x[0-9]+)*$/.test(text)) fail(2, `--shape must look like 1x3x224x224, got '${text}'`);
      opts.shape = text.split('x').map(Number);
    }
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else if (a.startsWith('--')) fail(2, `unknown option '${a}'\n${USAGE}`);
    else opts.positional.push(a);
  }
  if (opts.positional.length !== 3) fail(2, `expected MODEL.onnx INPUT.bin OUTPUT.bin\n${USAGE}`);
  return opts;
}

function loadOrt() {
  try {
    return require('onnxruntime-node');
  } catch (e) {
    fail(3, `cannot load onnxruntime-node (run: npm ci --ignore-scripts --prefix tools/ort): ${e.message.split('\n')[0]}`);
  }
}

// Linear interpolation between closest ranks (numpy's default percentile).
function percentile(sorted, p) {
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const [modelPath, inputPath, outputPath] = opts.positional;
  const ort = loadOrt();

  if (!fs.existsSync(modelPath)) fail(3, `${modelPath}: no such file`);
  let session;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      executionProviders: ['cpu'],
      intraOpNumThreads: opts.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
  } catch (e) {
    fail(3, `${modelPath}: onnxruntime cannot load the model: ${String(e.message).split('\n')[0]}`);
  }

  if (session.inputNames.length !== 1) {
    fail(3, `${modelPath}: expected one input, the model has ${session.inputNames.length}`);
  }
  const inputName = session.inputNames[0];
  const meta = session.inputMetadata && session.inputMetadata[0];
  if (!meta || !meta.isTensor) fail(3, `${modelPath}: input '${inputName}' is not a tensor`);
  if (meta.type !== 'float32') fail(3, `${modelPath}: input '${inputName}' is ${meta.type}, expected float32`);
  if (opts.shape && opts.shape.length !== meta.shape.length) {
    fail(3, `${modelPath}: --shape has ${opts.shape.length} dimensions, input '${inputName}' has ${meta.shape.length}`);
  }
  const shape = meta.shape.map((d, i) => {
    if (opts.shape) return opts.shape[i];
    if (typeof d === 'number' && d >= 0) return d;
    if (i === 0) return 1; // symbolic (or unknown) batch dimension: batch 1
    fail(3, `${modelPath}: input '${inputName}' dimension ${i} is symbolic ('${d}'); only the batch may be`);
  });
  if (shape.length === 0) fail(3, `${modelPath}: input '${inputName}' has no shape`);
  const elements = shape.reduce((a, b) => a * b, 1);

  let bytes;
  try {
    bytes = fs.readFileSync(inputPath);
  } catch (e) {
    fail(3, `${inputPath}: cannot read: ${e.code || e.message}`);
  }
  if (bytes.length !== elements * 4) {
    fail(3, `${inputPath}: ${bytes.length} bytes, input '${inputName}' [${shape.join('x')}] float32 needs ${elements * 4}`);
  }
  const data = new Float32Array(elements);
  for (let i = 0; i < elements; i++) data[i] = bytes.readFloatLE(i * 4);
  const feeds = { [inputName]: new ort.Tensor('float32', data, shape) };

  const outputName = session.outputNames[0];
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    fail(3, `${modelPath}: onnxruntime run failed: ${String(e.message).split('\n')[0]}`);
  }
  const out = results[outputName];
  if (out.type !== 'float32') fail(3, `${modelPath}: output '${outputName}' is ${out.type}, expected float32`);
  const outBuf = Buffer.alloc(out.data.length * 4);
  for (let i = 0; i < out.data.length; i++) outBuf.writeFloatLE(out.data[i], i * 4);
  try {
    const tmp = path.join(path.dirname(path.resolve(outputPath)), `.${path.basename(outputPath)}.tmp${process.pid}`);
    fs.writeFileSync(tmp, outBuf);
    fs.renameSync(tmp, outputPath);
  } catch (e) {
    fail(3, `${outputPath}: cannot write: ${e.code || e.message}`);
  }

  if (opts.reps > 0) {
    for (let i = 0; i < WARMUPS; i++) await session.run(feeds);
    const times = [];
    for (let i = 0; i < opts.reps; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const stats = {
      engine: 'onnxruntime',
      version: ort.env.versions.node || ort.env.versions.common,
      threads: opts.threads,
      median_ms: round3(percentile(times, 0.5)),
      p10_ms: round3(percentile(times, 0.1)),
      p90_ms: round3(percentile(times, 0.9)),
      reps: opts.reps,
    };
    if (opts.json) {
      process.stdout.write(JSON.stringify(stats) + '\n');
    } else {
      process.stdout.write(
        `onnxruntime ${stats.version}, ${stats.threads} thread(s), ${stats.reps} reps: ` +
          `median ${stats.median_ms} ms, p10 ${stats.p10_ms} ms, p90 ${stats.p90_ms} ms\n`,
      );
    }
  } else if (opts.json) {
    process.stdout.write(
      JSON.stringify({
        engine: 'onnxruntime',
        version: ort.env.versions.node || ort.env.versions.common,
        threads: opts.threads,
        output: outputName,
        output_shape: out.dims,
      }) + '\n',
    );
  }
  if (typeof session.release === 'function') await session.release();
}

main().catch((e) => fail(3, String(e && e.message ? e.message : e).split('\n')[0]));
