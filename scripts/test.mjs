#!/usr/bin/env node
// `npm test`: unit tests (Vitest, Node) then end-to-end tests (Playwright, system Chromium),
// ending with one plain summary line: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const out = '.test-output';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const only = process.argv[2]; // optional: 'unit' or 'e2e'

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  return r.status ?? 1;
}

let passed = 0;
let failed = 0;
let skipped = 0;

if (only !== 'e2e') {
  const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}/unit.json`]);
  if (existsSync(`${out}/unit.json`)) {
    const r = JSON.parse(readFileSync(`${out}/unit.json`, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (status !== 0 && r.numFailedTests === 0) failed += 1; // a suite that failed to load
  } else if (status !== 0) failed += 1;
}

if (only !== 'unit') {
  const status = run('npx', ['playwright', 'test', ...process.argv.slice(3)]);
  if (existsSync(`${out}/e2e.json`)) {
    const r = JSON.parse(readFileSync(`${out}/e2e.json`, 'utf8'));
    passed += r.stats.expected + r.stats.flaky;
    failed += r.stats.unexpected;
    skipped += r.stats.skipped;
    if (status !== 0 && r.stats.unexpected === 0) failed += 1; // e.g. the web server failed to start
  } else if (status !== 0) failed += 1;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
