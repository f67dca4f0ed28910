#!/usr/bin/env node
// Writes a deterministic pseudo-random input tensor as raw little-endian float32.
//
//   node tools/ort/make_input.js SHAPE SEED OUT.bin
//
// SHAPE is dimensions joined by 'x' or ',' (e.g. 1x3x224x224). Values are uniform
// in [-1, 1) from mulberry32 seeded with SEED (an unsigned 32-bit integer), so the
// same SHAPE and SEED give the same bytes on every machine. Needs no packages.
// Exit codes: 0 success, 2 bad usage, 3 cannot write.
'use strict';

const fs = require('fs');

const USAGE = 'usage: node tools/ort/make_input.js SHAPE SEED OUT.bin   (SHAPE like 1x3x224x224)';

function fail(code, msg) {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
if (args.length !== 3) fail(2, `expected SHAPE SEED OUT.bin\n${USAGE}`);
const [shapeText, seedText, outPath] = args;

const dims = shapeText.split(/[x,]/);
if (dims.length === 0 || dims.some((d) => !/^[0-9]+$/.test(d) || Number(d) < 1)) {
  fail(2, `bad SHAPE '${shapeText}': expected positive integers joined by 'x'`);
}
const count = dims.reduce((a, d) => a * Number(d), 1);
if (count > 1 << 28) fail(2, `SHAPE '${shapeText}' has ${count} elements, more than 2^28`);
if (!/^[0-9]+$/.test(seedText) || Number(seedText) > 0xffffffff) {
  fail(2, `bad SEED '${seedText}': expected an unsigned 32-bit integer`);
}

// mulberry32: a small, well-mixed 32-bit generator.
let state = Number(seedText) >>> 0;
function next() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const buf = Buffer.alloc(count * 4);
for (let i = 0; i < count; i++) buf.writeFloatLE(next() * 2 - 1, i * 4);
try {
  fs.writeFileSync(outPath, buf);
} catch (e) {
  fail(3, `${outPath}: cannot write: ${e.code || e.message}`);
}
