#!/usr/bin/env node
// Compares two raw little-endian float32 tensors, B being the reference.
//
//   node tools/ort/compare.js A.bin B.bin [--rtol R] [--json]
//
// rel = max|a - b| / max(max|b|, tiny): the largest absolute difference normalised by
// the reference's largest magnitude. Passes when rel <= R (default 1e-4) and no
// value is NaN or infinite. Prints the max abs and rel errors (with --json as one
// JSON object). Exit codes: 0 agree, 1 disagree, 2 bad usage, 3 unreadable or
// mismatched files.
'use strict';

const fs = require('fs');

const USAGE = 'usage: node tools/ort/compare.js A.bin B.bin [--rtol R] [--json]';
const TINY = 1e-30;

function fail(code, msg) {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(code);
}

let rtol = 1e-4;
let json = false;
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--rtol') {
    const v = argv[++i];
    if (v === undefined || !Number.isFinite(Number(v)) || Number(v) < 0) fail(2, `--rtol needs a non-negative number`);
    rtol = Number(v);
  } else if (a === '--json') json = true;
  else if (a.startsWith('--')) fail(2, `unknown option '${a}'\n${USAGE}`);
  else files.push(a);
}
if (files.length !== 2) fail(2, `expected A.bin B.bin\n${USAGE}`);

function read(p) {
  let b;
  try {
    b = fs.readFileSync(p);
  } catch (e) {
    fail(3, `${p}: cannot read: ${e.code || e.message}`);
  }
  if (b.length % 4 !== 0) fail(3, `${p}: ${b.length} bytes is not a whole number of float32 values`);
  return b;
}
const a = read(files[0]);
const b = read(files[1]);
if (a.length !== b.length) fail(3, `${files[0]} has ${a.length / 4} values, ${files[1]} has ${b.length / 4}`);
const n = a.length / 4;
if (n === 0) fail(3, `${files[0]}: empty tensor`);

let maxAbs = 0;
let maxRef = 0;
let worst = 0;
let nonFinite = 0;
for (let i = 0; i < n; i++) {
  const x = a.readFloatLE(i * 4);
  const y = b.readFloatLE(i * 4);
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    nonFinite++;
    continue;
  }
  const d = Math.abs(x - y);
  if (d > maxAbs) {
    maxAbs = d;
    worst = i;
  }
  if (Math.abs(y) > maxRef) maxRef = Math.abs(y);
}
const rel = maxAbs / Math.max(maxRef, TINY);
const ok = nonFinite === 0 && rel <= rtol;
if (json) {
  process.stdout.write(
    JSON.stringify({ values: n, max_abs: maxAbs, max_ref: maxRef, max_rel: rel, rtol, non_finite: nonFinite, worst_index: worst, ok }) + '\n',
  );
} else {
  process.stdout.write(
    `${ok ? 'ok' : 'FAIL'}: ${n} values, max abs ${maxAbs.toExponential(3)} at ${worst}, ` +
      `max |ref| ${maxRef.toExponential(3)}, max rel ${rel.toExponential(3)} (rtol ${rtol})` +
      (nonFinite ? `, ${nonFinite} non-finite` : '') + '\n',
  );
}
process.exit(ok ? 0 : 1);
