#!/usr/bin/env node
// Builds the git-doc example into examples/git-doc/dist/, a static folder any host can serve:
//   dist/            the search page (index.html, search.js, search.css) and its service worker
//   dist/docs/       Debian's git-doc HTML pages (what the results link to)
//   dist/search/     `splade-web build dist/docs --out dist/search --base-url /docs/`
// Debian's git-doc package is installed first when /usr/share/doc/git-doc is missing (apt-get, as
// root or through sudo). Section vectors are cached in <repo>/.cache/git-doc-vectors, so a rebuild
// encodes nothing that has not changed (the first build encodes ~2 400 sections: minutes on 2 cores).
// SPLADE_CACHE overrides the cache folder.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const DOC_DIR = '/usr/share/doc/git-doc';
const DIST = join(HERE, 'dist');
const CACHE = process.env.SPLADE_CACHE ?? join(REPO, '.cache', 'git-doc-vectors');

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

if (!existsSync(DOC_DIR)) {
  console.log(`${DOC_DIR} is missing: installing Debian's git-doc package (apt-get install -y git-doc)…`);
  const root = process.getuid?.() === 0;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (root) run('apt-get', ['install', '-y', 'git-doc'], { env });
  else run('sudo', ['apt-get', 'install', '-y', 'git-doc'], { env });
}

rmSync(DIST, { recursive: true, force: true });
mkdirSync(join(DIST, 'docs'), { recursive: true });

// The documentation pages: HTML and the stylesheet one page links; links resolved, as a host
// serves files, not symlinks. The plain-text sources and changelogs stay out.
let pages = 0;
const copy = (from, to) => {
  for (const e of readdirSync(from, { withFileTypes: true })) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(src).isDirectory());
    if (isDir) {
      mkdirSync(dst, { recursive: true });
      copy(src, dst);
    } else if (/\.(html|css)$/.test(e.name)) {
      cpSync(src, dst, { dereference: true });
      if (e.name.endsWith('.html')) pages++;
    }
  }
};
copy(DOC_DIR, join(DIST, 'docs'));
console.log(`copied ${pages} git-doc pages into ${relative(REPO, join(DIST, 'docs'))}`);

// The index, with the project's build command (a checkout runs it from source through tsx).
run(process.execPath, [join(REPO, 'src/cli/bin.mjs'), 'build', join(DIST, 'docs'), '--out', join(DIST, 'search'), '--base-url', '/docs/', '--cache', CACHE], { cwd: REPO });

// The page shell; the service worker's cache is named after what it caches, so a rebuilt shell or
// index replaces the old cache.
const shell = ['index.html', 'search.js', 'search.css'];
const version = createHash('sha256');
for (const f of shell) {
  cpSync(join(HERE, 'site', f), join(DIST, f));
  version.update(readFileSync(join(HERE, 'site', f)));
}
version.update(readFileSync(join(DIST, 'search', 'splade.js')));
version.update(readFileSync(join(DIST, 'search', 'splade-entry.json')));
writeFileSync(join(DIST, 'sw.js'), readFileSync(join(HERE, 'site', 'sw.js'), 'utf8').replace('__VERSION__', version.digest('hex').slice(0, 12)));
console.log(`built ${relative(process.cwd(), DIST) || '.'}: serve it with \`node ${relative(process.cwd(), join(HERE, 'serve.mjs'))}\` and open the URL it prints`);
