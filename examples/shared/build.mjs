// What every example's build.mjs does, given its documentation set:
//   1. installs the Debian package holding the pages when its folder is missing (apt-get, as root
//      or through sudo);
//   2. copies the pages (and the files they link: CSS, images) into <example>/dist/docs/, links
//      resolved, as a host serves files, not symlinks;
//   3. runs the project's build command: `splade-web build dist/docs --out dist/search
//      --base-url /docs/ --cache <vectors> [--model <folder>]` (a checkout runs it from source);
//   4. gives every documentation page the search box: one script tag (dist/search/splade-search.js,
//      which the build command wrote) and one <splade-search> element, with the example's strings;
//   5. writes the page shell (examples/shared/site/: index.html filled with the example's words,
//      search.js, search.css) and the service worker, its cache named after the shell and index.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SHARED = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(SHARED, '../..');
const SITE = join(SHARED, 'site');

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * @param {object} o
 * @param {string} o.here         the example's folder (dist/ is written there)
 * @param {string} o.name         short name (service worker cache, messages)
 * @param {string} o.docDir       where the package installs the pages
 * @param {string} o.aptPackage   the Debian package to install when docDir is missing
 * @param {RegExp} o.copy         file names to copy from docDir
 * @param {string} o.cache        the vector cache folder
 * @param {string} [o.model]      --model for the build command (default: the bundled model)
 * @param {boolean} [o.wasm]      the page loads WebAssembly (a symmetric model): 'wasm-unsafe-eval'
 * @param {Record<string, string>} o.page  lang, title, about (HTML), label, placeholder, loading, results, none, failed
 * @param {Record<string, string>} [o.widget]  strings for the pages' <splade-search> (its `strings` attribute)
 */
export function buildExample(o) {
  const dist = join(o.here, 'dist');
  if (!existsSync(o.docDir)) {
    console.log(
      `${o.docDir} is missing: installing Debian's ${o.aptPackage} package (apt-get install -y ${o.aptPackage})…`,
    );
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (process.getuid?.() === 0) run('apt-get', ['install', '-y', o.aptPackage], { env });
    else run('sudo', ['apt-get', 'install', '-y', o.aptPackage], { env });
  }

  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, 'docs'), { recursive: true });
  let pages = 0;
  const copy = (from, to) => {
    for (const e of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, e.name);
      const dst = join(to, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(src).isDirectory());
      if (isDir) {
        mkdirSync(dst, { recursive: true });
        copy(src, dst);
      } else if (o.copy.test(e.name)) {
        cpSync(src, dst, { dereference: true });
        if (/\.html?$/.test(e.name)) pages++;
      }
    }
  };
  copy(o.docDir, join(dist, 'docs'));
  console.log(`copied ${pages} ${o.name} pages into ${relative(REPO, join(dist, 'docs'))}`);

  const args = [
    join(REPO, 'src/cli/bin.mjs'),
    'build',
    join(dist, 'docs'),
    '--out',
    join(dist, 'search'),
    '--base-url',
    '/docs/',
    '--cache',
    o.cache,
  ];
  if (o.model) args.push('--model', o.model);
  run(process.execPath, args, { cwd: REPO });

  const widgetPages = addSearchBox(join(dist, 'docs'), o.widget);
  console.log(`added the <splade-search> box to ${widgetPages} pages`);

  const words = { ...o.page, scriptSrc: o.wasm ? "'self' 'wasm-unsafe-eval'" : "'self'" };
  const html = readFileSync(join(SITE, 'index.html'), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k) => {
    if (!(k in words))
      throw new Error(`examples/shared/site/index.html uses {{${k}}}, which ${o.name}'s build.mjs does not give`);
    return k === 'about' || k === 'scriptSrc' ? words[k] : escapeHtml(words[k]);
  });
  writeFileSync(join(dist, 'index.html'), html);
  const version = createHash('sha256').update(html);
  for (const f of ['search.js', 'search.css']) {
    cpSync(join(SITE, f), join(dist, f));
    version.update(readFileSync(join(SITE, f)));
  }
  version.update(readFileSync(join(dist, 'search', 'splade.js')));
  version.update(readFileSync(join(dist, 'search', 'splade-entry.json')));
  const sw = readFileSync(join(SITE, 'sw.js'), 'utf8')
    .replace('__VERSION__', version.digest('hex').slice(0, 12))
    .replace('__NAME__', o.name);
  writeFileSync(join(dist, 'sw.js'), sw);
  console.log(
    `built ${relative(process.cwd(), dist) || '.'}: serve it with \`node ${relative(process.cwd(), join(o.here, 'serve.mjs'))}\` and open the URL it prints`,
  );
}

/**
 * Every HTML page under `dir` gets the widget as a site adds it: the script in <head>, the element
 * first in <body> (pages are the package's files; a page without <head> or <body> is left as it is).
 */
function addSearchBox(dir, strings) {
  const attr = strings ? ` strings="${escapeHtml(JSON.stringify(strings))}"` : '';
  let n = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.html?$/.test(e.name)) {
        const html = readFileSync(path, 'utf8');
        if (!/<\/head>/i.test(html) || !/<body[^>]*>/i.test(html)) continue;
        writeFileSync(
          path,
          html
            .replace(/<\/head>/i, '<script type="module" src="/search/splade-search.js"></script>\n</head>')
            .replace(/<body([^>]*)>/i, `<body$1>\n<splade-search${attr}></splade-search>`),
        );
        n++;
      }
    }
  };
  walk(dir);
  return n;
}
