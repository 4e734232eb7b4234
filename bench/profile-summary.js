#!/usr/bin/env node
/* global console, process */ // Node globals (the lint config declares none for plain JS)
// Summarizes a V8 .cpuprofile (from `node bench/run.js --cpu-prof`): the functions with the most
// self time, and the heaviest frames by inclusive time (self + callees), with paths made relative.
// Usage: node bench/profile-summary.js FILE.cpuprofile [--top N] [--from S] [--to S]
//   --from/--to keep only samples taken S seconds after the profile started; bench/run.js prints
//   (and stores as profile_window_s) each measured run's window when it runs with --cpu-prof.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' }, from: { type: 'string' }, to: { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('Usage: node bench/profile-summary.js FILE.cpuprofile [--top N] [--from S] [--to S]');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(fs.readFileSync(positionals[0], 'utf8'));
const cwd = process.cwd();

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample counts per node, within the window.
const fromUs = values.from === undefined ? -Infinity : Number(values.from) * 1e6;
const toUs = values.to === undefined ? Infinity : Number(values.to) * 1e6;
const hits = new Map();
let t = 0;
let kept = 0;
profile.samples.forEach((id, i) => {
  t += profile.timeDeltas[i] ?? 0;
  if (t < fromUs || t > toUs) return;
  kept++;
  hits.set(id, (hits.get(id) ?? 0) + 1);
});
const totalUs = Math.min(toUs, profile.endTime - profile.startTime) - Math.max(0, fromUs);
const usPerSample = totalUs / (kept || 1);

function label(frame) {
  let url = frame.url || '';
  if (url.startsWith('file://')) url = url.slice(7);
  if (url.startsWith(cwd)) url = path.relative(cwd, url);
  url = url.replace(/^.*node_modules\//, 'node_modules/');
  const where = url ? ` ${url}:${frame.lineNumber + 1}` : '';
  return `${frame.functionName || '(anonymous)'}${where}`;
}

const self = new Map();
const inclusive = new Map();
for (const [id, count] of hits) {
  const node = byId.get(id);
  const key = label(node.callFrame);
  self.set(key, (self.get(key) ?? 0) + count);
  // Inclusive: count each distinct label once per stack.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(byId.get(cur).callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + count);
  }
}

// Percentages are of the busy samples: idle time (waiting for I/O or for a CPU) is left out.
const idle = [...hits].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((a, [, n]) => a + n, 0);
const busy = kept - idle || 1;
const pct = (n) => `${((n / busy) * 100).toFixed(1).padStart(5)}%`;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, n] of [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) if (k !== '(idle)' && k !== '(root)') console.log(`${pct(n)}  ${k}`);
};
console.log(`${positionals[0]}: ${(totalUs / 1e6).toFixed(1)} s, ${kept} samples (${usPerSample.toFixed(0)} µs each), ${((idle / (kept || 1)) * 100).toFixed(0)}% idle; percentages below are of busy samples`);
print('self time', self);
print('inclusive time', inclusive);

// By package / area, from self time.
const areas = new Map();
for (const [k, n] of self) {
  const m = / (node_modules\/(@[^/]+\/[^/]+|[^/]+))/.exec(k) ?? / (dist\/[^:]+)/.exec(k) ?? / (node:[^:]+)/.exec(k);
  const area = m ? m[1] : k.startsWith('(') ? k.split(' ')[0] : '(native/other)';
  areas.set(area, (areas.get(area) ?? 0) + n);
}
print('self time by file or package', areas);
