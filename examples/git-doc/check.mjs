#!/usr/bin/env node
// Checks the built example in the system Chromium (examples/shared/check.mjs): the page searches
// under its CSP, results are DOM text, search and a visited result page work offline after one
// visit. `node examples/git-doc/check.mjs` after build.mjs; CHROMIUM_PATH overrides /usr/bin/chromium.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkExample } from '../shared/check.mjs';

const failures = await checkExample({
  root: join(dirname(fileURLToPath(import.meta.url)), 'dist'),
  first: {
    query: 'find the commit that introduced a bug',
    expect: (hits) => hits.slice(0, 5).some((h) => /git-bisect/.test(h.href)),
    what: 'git-bisect in the top 5',
  },
  second: 'undo the last commit',
  fresh: 'rename a remote',
});
process.exitCode = failures.length ? 1 : 0;
