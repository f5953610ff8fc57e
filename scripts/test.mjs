#!/usr/bin/env node
// `npm test`: type checks (tsc, one project per place the code runs), unit tests (Vitest, Node),
// then end-to-end tests (Playwright, system Chromium), ending with one plain summary line:
// `N passed, N failed`. Each type-checked project counts as one test; its errors are printed.
// `npm run typecheck` runs the type checks and the format check alone; `test:unit` and `test:e2e` run their tests alone.
// On a fresh machine it first installs what the tests need: the npm packages (`npm ci`) when
// node_modules is missing, and Chromium (`apt-get install -y chromium`) when running as root;
// otherwise it says in one line which command to run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const out = '.test-output';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const only = process.argv[2]; // optional: 'typecheck', 'unit' or 'e2e'

// onnxruntime-node's install script would download CUDA binaries; its CPU binary ships in the package.
const env = {
  ...process.env,
  FORCE_COLOR: '0',
  ONNXRUNTIME_NODE_INSTALL: process.env['ONNXRUNTIME_NODE_INSTALL'] ?? 'skip',
};

function run(cmd, args, extraEnv = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
  return r.status ?? 1;
}

function onPath(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
}

/** The npm packages, from package-lock.json, when they are missing. */
function ensurePackages() {
  const needed = ['vitest', 'playwright', 'vite', 'tsc', 'prettier'].filter(
    (bin) => !existsSync(`node_modules/.bin/${bin}`),
  );
  if (needed.length === 0) return true;
  console.log(`splade-web tests: installing npm packages (node_modules lacks ${needed.join(', ')}): npm ci`);
  return run('npm', ['ci', '--no-audit', '--no-fund']) === 0;
}

/** Chromium for Playwright: CHROMIUM_PATH, or one on PATH, or apt-get as root. */
function ensureChromium() {
  if (process.env['CHROMIUM_PATH']) return true;
  if (['chromium', 'chromium-browser', 'google-chrome'].some(onPath)) return true;
  const root = process.getuid?.() === 0;
  if (root && onPath('apt-get')) {
    console.log('splade-web tests: installing Chromium: apt-get install -y chromium');
    const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };
    if (
      run('apt-get', ['update', '-qq'], aptEnv) === 0 &&
      run('apt-get', ['install', '-y', '-qq', 'chromium'], aptEnv) === 0 &&
      onPath('chromium')
    )
      return true;
  }
  console.log(
    'splade-web: the end-to-end tests need Chromium: run `sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary',
  );
  return false;
}

let passed = 0;
let failed = 0;
let skipped = 0;

if (!ensurePackages()) {
  console.log('splade-web: `npm ci` failed; run it yourself and look at its errors');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Each file is checked against the globals of where it runs: Node code without the DOM, page code
// without Node's, the worker with WebWorker's (tsconfig.json is the editor's union of them all).
const TYPE_PROJECTS = ['tsconfig.node.json', 'tsconfig.browser.json', 'tsconfig.worker.json', 'tsconfig.e2e.json'];

if (only === undefined || only === 'typecheck') {
  for (const project of TYPE_PROJECTS) {
    const r = spawnSync('node_modules/.bin/tsc', ['-p', project, '--pretty', 'false'], { encoding: 'utf8', env });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    if (r.status === 0) {
      passed += 1;
      console.log(`typecheck ${project}: ok`);
    } else {
      failed += 1;
      console.log(`typecheck ${project}: FAILED\n${output || r.error?.message || `tsc exited with ${r.status}`}`);
    }
  }
}

// The formatter's check (Prettier, .prettierrc.json): `npx prettier --write .` fixes what it reports.
if (only === undefined || only === 'typecheck') {
  const r = spawnSync('node_modules/.bin/prettier', ['--check', '.', '--log-level', 'warn'], { encoding: 'utf8', env });
  if (r.status === 0) {
    passed += 1;
    console.log('format (prettier --check): ok');
  } else {
    failed += 1;
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    console.log(`format (prettier --check): FAILED; run \`npx prettier --write .\`\n${output || r.error?.message}`);
  }
}

if (only === undefined || only === 'unit') {
  const status = run('npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}/unit.json`,
  ]);
  if (existsSync(`${out}/unit.json`)) {
    const r = JSON.parse(readFileSync(`${out}/unit.json`, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    if (status !== 0 && r.numFailedTests === 0) failed += 1; // a suite that failed to load
  } else if (status !== 0) failed += 1;
}

const e2e = only === undefined || only === 'e2e';
if (e2e && !ensureChromium()) failed += 1;
else if (e2e) {
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
