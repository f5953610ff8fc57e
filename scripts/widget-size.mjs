#!/usr/bin/env node
// Prints what the widget costs a site (`npm run build:widget` ends with it): splade-search.js and the
// static-index query runtime it loads (splade.js), gzipped, against the 40 KB budget; the engine that
// only the idb and page sources load is reported apart.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// 40 KB again: site format 3 (issue 20) added page-table search and redeploy checks (+3.9 KB gz, 40.6 KB
// in all, budget raised to 42), then splade.js dropped SparseIndex and its write side (writer, ingest,
// IndexedDB, snapshots) for the read side alone (index/engine/read-only.ts): splade-search.js 10.9 KB
// + splade.js 20.6 KB (was 29.6) = 31.6 KB gz.
const BUDGET = 40 * 1024;
const gz = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const widget = gz('dist/cdn/splade-search.js');
const runtime = gz('dist/query-runtime/splade.js');
const total = widget + runtime;
console.log(
  `splade-search.js ${kb(widget)} gz + splade.js ${kb(runtime)} gz = ${kb(total)} gz (budget ${kb(BUDGET)}: ${total <= BUDGET ? 'within' : 'OVER'})`,
);
const engineFiles = [
  'dist/cdn/splade-engine.js',
  ...readdirSync('dist/cdn/assets').map((f) => join('dist/cdn/assets', f)),
];
const engineGz = engineFiles.reduce((n, f) => n + gz(f), 0);
const engineRaw = engineFiles.reduce((n, f) => n + statSync(f).size, 0);
console.log(
  `idb/page sources only: splade-engine.js + worker + onnxruntime-web ${kb(engineGz)} gz (${kb(engineRaw)} raw), plus the model`,
);
if (total > BUDGET) process.exitCode = 1;
