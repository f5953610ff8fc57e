#!/usr/bin/env node
// The `splade-web` command. An installed package runs its built dist/cli/main.js; a source
// checkout runs src/cli/main.ts through tsx (a devDependency).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(fileURLToPath(built)) && !existsSync(fileURLToPath(new URL('./main.ts', import.meta.url)))) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
const code = await main(process.argv.slice(2));
process.exitCode = code;
// main() has printed its one line: on a failure nothing is left to do, so a handle that something
// still holds open cannot keep the process alive (the timer itself holds nothing: unref).
if (code !== 0) setTimeout(() => process.exit(code), 1000).unref();
