#!/usr/bin/env node
// Type declarations for dist/ (`npm run build:lib`): tsc writes dist/types/**/*.d.ts from src/, then
// the relative `.ts` specifiers the sources use (allowImportingTsExtensions) become `.js`, so a
// consumer's TypeScript resolves them with its default settings.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = 'dist/types';
const tsc = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (name.endsWith('.d.ts')) yield path;
  }
}

let count = 0;
for (const path of files(out)) {
  const before = readFileSync(path, 'utf8');
  // from './x.ts' | import('./x.ts') | import './x.ts'
  const after = before.replace(/((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+?)\.ts\2/g, '$1$2$3.js$2');
  if (/\?raw['"]/.test(after))
    throw new Error(
      `splade-web build: ${path} refers to a ?raw import, which only Vite understands; keep raw imports out of exported types`,
    );
  if (after !== before) writeFileSync(path, after);
  count++;
}
console.log(`${count} declaration files in ${out}/`);
