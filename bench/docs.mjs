#!/usr/bin/env node
// `npm run bench:docs`: offline documentation search on a real documentation set (Debian's git-doc
// HTML, /usr/share/doc/git-doc, ~240 pages; or `--site postgresql`: PostgreSQL 15's manual,
// /usr/share/doc/postgresql-doc-15/html, ~1 170 pages), three engines on the same pages in the same run:
//   - splade-web: `splade-web build` (the command itself, as a child process), its splade.js runtime;
//   - Pagefind (npm `pagefind`, its Node API; its binary ships in @pagefind/linux-x64);
//   - MiniSearch, over the same sections the splade build makes (src/sections/: extractHtml, sectionsOf).
// Each output is served by a static server of this file's own (gzip where it makes a response
// smaller, Range as static hosts answer it: uncompressed 206), and every query runs in the system
// Chromium in a fresh browser context, so each is a cold page's first query. The server counts the
// body bytes it sends (Worker requests too), excluding the benchmark's own page. Measured: build
// time, index bytes and files, bytes and requests through the first query (runtime + top-5
// results' data), cold and warm latency, and how often the page a reader wants is in the top 5.
// Prints a table and writes bench/results/docs.json (git-doc) or docs-<site>.json.
//
// Options: --site git-doc|postgresql; --range both|honour (default both: every query is run
// against a server that answers Range with 206 and again against one that ignores Range and sends
// the whole file with 200, as Python's http.server and some CDNs do); --splade-root <checkout>
// (build with another checkout's splade-web, e.g. the commit before a change, for before/after
// figures; BENCH_DOCS_LABEL names the results file then); --no-throughput (skip section 3);
// --typing-only (only section 5b, search as you type and misspelled or made-up queries, into
// docs-<site>-typing.json, leaving the cold-query figures of the last full run as they are);
// --no-typing (leave section 5b out); --network slow (every query under Chrome's network emulation,
// into docs-<site>-slow.json); --engines splade,pagefind (a comma list out of splade, pagefind and
// minisearch, default all three: only those engines are built and measured, in every section, and
// the others are "not run" in the table and the JSON, a target comparing against one skipped, saying
// so; under --network slow on a large site MiniSearch's whole index takes most of a minute a query).
//
// Encoding every git-doc section takes minutes on 2 cores, so vectors are cached by content hash in
// .cache/git-doc-vectors (gitignored; examples/git-doc uses it too). The first build (empty cache)
// is measured once, when that cache is missing, and its figures kept in
// .cache/bench-docs/first-build.json; later runs time the rebuild from the cache and report the
// recorded first build beside it. BENCH_DOCS_FRESH=1 empties the cache and measures it again.
// Build throughput is compared with the encoder's on a sample built in the same run (section 3).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { DEBIAN_QUERIES, POSTGRESQL_QUERIES, QUERIES, TYPO_QUERIES, typedPrefixes } from './docs-queries.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const at = argv.indexOf(name);
  return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
};
const SITES = {
  // VECTORS for git-doc are shared with examples/git-doc (the same pages, the same model: the same vectors).
  'git-doc': {
    dir: '/usr/share/doc/git-doc',
    package: 'git-doc',
    work: 'bench-docs',
    vectors: 'git-doc-vectors',
    queries: QUERIES,
  },
  postgresql: {
    dir: '/usr/share/doc/postgresql-doc-15/html',
    package: 'postgresql-doc-15',
    work: 'bench-docs-postgresql',
    vectors: 'postgresql-vectors',
    queries: POSTGRESQL_QUERIES.map(([q, wanted]) => [q, wanted]),
  },
  // Several Debian documentation packages side by side, each in a folder of its own (6 825 pages):
  // the size of a large documentation site. git-doc's and PostgreSQL's sections are the same texts
  // as on their own sites, so the first build starts from those sites' vector caches (seedVectors).
  debian: {
    dirs: {
      git: '/usr/share/doc/git-doc',
      postgresql: '/usr/share/doc/postgresql-doc-15/html',
      python: '/usr/share/doc/python3.11/html',
      nodejs: '/usr/share/doc/nodejs/api',
      go: '/usr/share/doc/golang-1.19-doc/html',
      django: '/usr/share/doc/python-django-doc/html',
      pandas: '/usr/share/doc/python-pandas-doc/html',
    },
    package: 'git-doc postgresql-doc-15 python3-doc nodejs-doc golang-doc python-django-doc python-pandas-doc',
    work: 'bench-docs-debian',
    vectors: 'debian-vectors',
    seedVectors: ['git-doc-vectors', 'postgresql-vectors'],
    queries: DEBIAN_QUERIES.map(([q, wanted]) => [q, wanted]),
  },
};
const SITE_NAME = option('--site', 'git-doc');
const SITE_CONFIG = SITES[SITE_NAME];
if (!SITE_CONFIG) {
  console.error(`bench:docs --site takes ${Object.keys(SITES).join(' or ')}, got ${SITE_NAME}`);
  process.exit(2);
}
const RANGE = option('--range', 'both');
if (!['both', 'honour'].includes(RANGE)) {
  console.error(`bench:docs --range takes both or honour, got ${RANGE}`);
  process.exit(2);
}
const SPLADE_ROOT = resolve(option('--splade-root', ROOT));
const LABEL =
  (process.env.BENCH_DOCS_LABEL ?? (SPLADE_ROOT === ROOT ? '' : 'other')) +
  (option('--network', 'localhost') === 'slow' ? `${process.env.BENCH_DOCS_LABEL ? '-' : ''}slow` : '');
const TYPING_ONLY = argv.includes('--typing-only');
// --no-typing: no section 5b (it runs on localhost whatever --network says, and every prefix of every
// query in every engine is a long run on a large site).
const TYPING = !argv.includes('--no-typing');
if (TYPING_ONLY && !TYPING) {
  console.error('bench:docs --typing-only measures only what --no-typing leaves out: pass one of them');
  process.exit(2);
}
// --engines: the engines built and measured, in this order whatever order the list gives.
const ALL_ENGINES = ['splade', 'pagefind', 'minisearch'];
const ENGINE_NAMES = { splade: 'splade-web', pagefind: 'Pagefind', minisearch: 'MiniSearch' };
const ENGINES_GIVEN = option('--engines', ALL_ENGINES.join(','))
  .split(',')
  .map((e) => e.trim())
  .filter(Boolean);
if (!ENGINES_GIVEN.length || ENGINES_GIVEN.some((e) => !ALL_ENGINES.includes(e))) {
  console.error(
    `bench:docs --engines takes a comma list out of ${ALL_ENGINES.join(', ')}, got ${option('--engines', '')}`,
  );
  process.exit(2);
}
const ENGINES = ALL_ENGINES.filter((e) => ENGINES_GIVEN.includes(e));
const measured = (engine) => ENGINES.includes(engine);
const NOT_RUN = 'not run';
// Section 3 compares splade-web's build with its encoder: nothing to measure without splade-web.
const THROUGHPUT = !argv.includes('--no-throughput') && !TYPING_ONLY && measured('splade');
// --network slow: every query under Chrome's network emulation (DevTools Protocol
// Network.emulateNetworkConditions: 150 ms latency, 1.6 Mbps down, 750 kbps up), the issue's
// "time to first results" condition; the default is the bare localhost.
const NETWORK = option('--network', 'localhost');
if (!['localhost', 'slow'].includes(NETWORK)) {
  console.error(`bench:docs --network takes localhost or slow, got ${NETWORK}`);
  process.exit(2);
}
const SITE_QUERIES = SITE_CONFIG.queries;
// A site of one package is one folder; a site of several is each package's folder under a name.
const DOC_DIRS = SITE_CONFIG.dirs ?? { '': SITE_CONFIG.dir };
const DOC_DIR = SITE_CONFIG.dir ?? Object.values(DOC_DIRS).join(' + ');
// --build-only: copy the pages and make the first build (its figures kept in first-build.json), then
// stop; for a large site whose first build takes longer than one sitting. BENCH_DOCS_JOBS passes
// --jobs to splade-web build.
const BUILD_ONLY = argv.includes('--build-only');
if (BUILD_ONLY && !measured('splade')) {
  console.error('bench:docs --build-only makes the splade-web first build: leave splade in --engines');
  process.exit(2);
}
const JOBS = process.env.BENCH_DOCS_JOBS;
const WORK = join(ROOT, '.cache', SITE_CONFIG.work);
const SITE = join(WORK, 'site');
const VECTORS = join(ROOT, '.cache', SITE_CONFIG.vectors);
const RESULTS = join(
  ROOT,
  'bench/results',
  `docs${SITE_NAME === 'git-doc' ? '' : `-${SITE_NAME}`}${LABEL ? `-${LABEL}` : ''}${TYPING_ONLY ? '-typing' : ''}.json`,
);
const FIRST_BUILD = join(WORK, 'first-build.json');
const OUT = {
  splade: join(WORK, LABEL ? `out-splade-${LABEL}` : 'out-splade'),
  pagefind: join(WORK, 'out-pagefind'),
  minisearch: join(WORK, 'out-minisearch'),
};
const THROUGHPUT_EVERY = Number(process.env.BENCH_DOCS_THROUGHPUT_EVERY ?? 10);
const WARM_REPEATS = 5;
const PORT = Number(process.env.BENCH_DOCS_PORT ?? 4230);

if (!Object.values(DOC_DIRS).every((d) => existsSync(d))) {
  console.error(
    `bench:docs --site ${SITE_NAME} indexes Debian's ${SITE_CONFIG.package} HTML: install it (sudo apt-get install ${SITE_CONFIG.package}), then run again`,
  );
  process.exit(1);
}

// Source modules (TypeScript) through tsx, as src/cli/bin.mjs does in a checkout.
const { register } = await import('tsx/esm/api');
register();
const { extractHtml } = await import('../src/sections/html.ts');
const { sectionsOf } = await import('../src/sections/sections.ts');
const { DEFAULT_MODEL } = await import('../src/cli/build.ts');
const { SparseEncoder } = await import('../src/node.ts');
const { chromiumArgs } = await import('../playwright.config.ts');
const { default: MiniSearch } = await import('minisearch');
const pagefind = await import('pagefind');

// QUERIES (bench/docs-queries.mjs): as a reader types them, with the pages that answer them.

// MiniSearch as its documentation configures a site search: prefix and fuzzy matching, titles boosted.
const MS_OPTIONS = { fields: ['title', 'text'], storeFields: ['url', 'title'] };
const MS_SEARCH = { prefix: true, fuzzy: 0.2, boost: { title: 2 } };

// ---------------------------------------------------------------------------------------------
// 1. The pages, copied once (the build writes nothing into the site, but Pagefind is given a folder
//    of HTML only, and every engine reads the same copy).

function htmlFiles(dir) {
  const found = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.html$/.test(e.name)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

const sourcePages = Object.entries(DOC_DIRS).flatMap(([name, dir]) =>
  htmlFiles(dir).map((p) => ({ from: p, to: join(SITE, name, relative(dir, p)) })),
);
if (!existsSync(SITE) || htmlFiles(SITE).length !== sourcePages.length) {
  rmSync(SITE, { recursive: true, force: true });
  for (const { from, to } of sourcePages) {
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to, { dereference: true });
  }
}
const pages = htmlFiles(SITE);
console.log(
  `bench:docs: ${pages.length} ${SITE_NAME} pages (${DOC_DIR}); ${cpus().length} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

// ---------------------------------------------------------------------------------------------
// 2. Builds.

function folderStats(dir, isIndex = () => true) {
  let files = 0,
    bytes = 0,
    gzip = 0,
    indexFiles = 0,
    indexBytes = 0,
    indexGzip = 0;
  for (const p of walkAll(dir)) {
    const data = readFileSync(p);
    const gz = Math.min(gzipSync(data).length, data.length);
    files++;
    bytes += data.length;
    gzip += gz;
    if (isIndex(relative(dir, p).split(sep).join('/'))) {
      indexFiles++;
      indexBytes += data.length;
      indexGzip += gz;
    }
  }
  return { files, bytes, gzipBytes: gzip, indexFiles, indexBytes, indexGzipBytes: indexGzip };
}

function walkAll(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Sections in the site's vector cache now. */
function cachedSections() {
  if (!existsSync(VECTORS)) return 0;
  return readdirSync(VECTORS)
    .filter((name) => name.endsWith('.json'))
    .reduce((n, name) => n + Object.keys(JSON.parse(readFileSync(join(VECTORS, name), 'utf8')).entries).length, 0);
}

/**
 * The first build, timed (with the parts of it stopped before, if any). Stopped again (Ctrl-C reaches
 * the build too), it records this part and exits, so the next run resumes.
 */
function recordFirstBuild(seededFrom) {
  const loadBefore = loadavg()[0];
  const cachedBefore = cachedSections();
  const ignore = () => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  let run;
  const t0 = performance.now();
  try {
    run = spladeBuild();
  } catch (error) {
    if (!/failed \(130\)/.test(String(error))) throw error;
    const part = {
      seconds: (performance.now() - t0) / 1000,
      encoded: cachedSections() - cachedBefore,
      date: new Date().toISOString(),
      loadBefore,
      ...(seededFrom.length ? { seededFrom } : {}),
    };
    writeFileSync(FIRST_BUILD_PARTS, JSON.stringify([...firstBuildParts, part], null, 2));
    console.log(
      `first build stopped after ${part.seconds.toFixed(0)} s (${part.encoded} sections encoded, kept); run again to resume`,
    );
    process.exit(130);
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', ignore);
  }
  // A resumed build: its time and sections are this run's plus the stopped parts'.
  const earlier = {
    seconds: firstBuildParts.reduce((sum, part) => sum + part.seconds, 0),
    encoded: firstBuildParts.reduce((sum, part) => sum + part.encoded, 0),
  };
  const record = {
    ...run,
    seconds: run.seconds + earlier.seconds,
    encoded: run.encoded + earlier.encoded,
    // The encode's own seconds of the stopped parts are not printed; their wall time stands in.
    encodeSeconds: run.encodeSeconds + earlier.seconds,
    reused: run.reused - earlier.encoded,
    date: new Date().toISOString(),
    loadBefore,
    jobs: JOBS ? Number(JOBS) : cpus().length,
    ...(seededFrom.length ? { seededFrom } : {}),
    ...(firstBuildParts.length ? { parts: [...firstBuildParts, { seconds: run.seconds, encoded: run.encoded }] } : {}),
  };
  writeFileSync(FIRST_BUILD, JSON.stringify(record, null, 2));
  rmSync(FIRST_BUILD_PARTS, { force: true });
  return record;
}

/** Runs `splade-web build` as a user does; its own summary line gives the encode figures. */
function spladeBuild(site = SITE, out = OUT.splade, cache = VECTORS) {
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      join(SPLADE_ROOT, 'src/cli/bin.mjs'),
      'build',
      site,
      '--out',
      out,
      '--cache',
      cache,
      ...(JOBS ? ['--jobs', JOBS] : []),
    ],
    { cwd: SPLADE_ROOT, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`splade-web build failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  const m = /encoded (\d+) sections \((\d+) unchanged[^)]*\)(?: in ([\d.]+) s)?/.exec(r.stdout);
  const s = /(\d+) pages, (\d+) sections/.exec(r.stdout);
  return {
    seconds,
    pages: Number(s?.[1]),
    sections: Number(s?.[2]),
    encoded: Number(m?.[1] ?? 0),
    reused: Number(m?.[2] ?? 0),
    encodeSeconds: Number(m?.[3] ?? 0),
    stdout: r.stdout.trim(),
  };
}

// A first build stopped part-way (Ctrl-C: splade-web build keeps the sections it encoded in the vector
// cache and exits 130) is resumed by the next run; each stopped part's time is kept here and added.
const FIRST_BUILD_PARTS = join(WORK, 'first-build-parts.json');
if (process.env.BENCH_DOCS_FRESH === '1' && measured('splade')) {
  rmSync(VECTORS, { recursive: true, force: true });
  rmSync(FIRST_BUILD, { force: true });
  rmSync(FIRST_BUILD_PARTS, { force: true });
}
let firstBuild;
const firstBuildParts = existsSync(FIRST_BUILD_PARTS) ? JSON.parse(readFileSync(FIRST_BUILD_PARTS, 'utf8')) : [];
// splade-web's first build (recorded or made now) and its rebuild from the vector cache.
let rebuild, spladeFiles, widgetGzipBytes;
if (measured('splade')) {
  if ((!existsSync(FIRST_BUILD) || !existsSync(VECTORS)) && firstBuildParts.length && existsSync(VECTORS)) {
    const spent = firstBuildParts.reduce((sum, part) => sum + part.seconds, 0);
    console.log(
      `splade-web build, first time, resumed (${firstBuildParts.length} stopped part(s), ${spent.toFixed(0)} s, ${cachedSections()} sections in the vector cache)…`,
    );
    firstBuild = recordFirstBuild(firstBuildParts[0].seededFrom ?? []);
  } else if (!existsSync(FIRST_BUILD) || !existsSync(VECTORS)) {
    rmSync(FIRST_BUILD_PARTS, { force: true });
    rmSync(VECTORS, { recursive: true, force: true });
    // Seeded: the vectors of sites whose pages this one holds unchanged (one cache file per model).
    const seededFrom = [];
    for (const seed of SITE_CONFIG.seedVectors ?? []) {
      const from = join(ROOT, '.cache', seed);
      if (!existsSync(from)) continue;
      for (const name of readdirSync(from)) {
        const to = join(VECTORS, name);
        const into = existsSync(to) ? JSON.parse(readFileSync(to, 'utf8')) : { version: 1, entries: {} };
        const add = JSON.parse(readFileSync(join(from, name), 'utf8'));
        Object.assign(into.entries, add.entries);
        mkdirSync(VECTORS, { recursive: true });
        writeFileSync(to, JSON.stringify(into));
      }
      seededFrom.push(seed);
    }
    console.log(
      `splade-web build, first time (${seededFrom.length ? `vector cache seeded from ${seededFrom.join(', ')}` : 'empty vector cache'}: every other section is encoded; minutes)…`,
    );
    firstBuild = recordFirstBuild(seededFrom);
  } else {
    firstBuild = JSON.parse(readFileSync(FIRST_BUILD, 'utf8'));
    console.log(
      `first build recorded ${firstBuild.date} (${firstBuild.seconds.toFixed(1)} s); rebuilding from the vector cache…`,
    );
  }
  if (BUILD_ONLY) {
    console.log(`first build: ${firstBuild.seconds.toFixed(0)} s; ${firstBuild.stdout.split('\n').at(-1)}`);
    process.exit(0);
  }
  rebuild = spladeBuild();
  console.log(
    `  splade-web: ${rebuild.pages} pages, ${rebuild.sections} sections; rebuild ${rebuild.seconds.toFixed(1)} s (${rebuild.encoded} encoded, ${rebuild.reused} cached)`,
  );
  // Index files: everything but the query runtime module.
  spladeFiles = folderStats(OUT.splade, (p) => p !== 'splade.js' && p !== 'splade-search.js');
  // A page with the <splade-search> box also loads the element's own script before its first query.
  widgetGzipBytes = gzipSync(readFileSync(join(OUT.splade, 'splade-search.js'))).length;
}

let t0;
// Pagefind's build, when it is measured.
let added, pagefindSeconds, pagefindFiles;
if (measured('pagefind')) {
  console.log('Pagefind (Node API)…');
  rmSync(OUT.pagefind, { recursive: true, force: true });
  t0 = performance.now();
  // git-doc pages declare no language; Pagefind then indexes without stemming ("unknown"). English
  // is forced so that Pagefind stems as it would on a site that declares it (its better case).
  const created = await pagefind.createIndex({ forceLanguage: 'en' });
  if (!created.index) throw new Error(`pagefind createIndex: ${created.errors.join('; ')}`);
  added = await created.index.addDirectory({ path: SITE });
  if (added.errors.length) throw new Error(`pagefind addDirectory: ${added.errors.join('; ')}`);
  const wrote = await created.index.writeFiles({ outputPath: OUT.pagefind });
  if (wrote.errors.length) throw new Error(`pagefind writeFiles: ${wrote.errors.join('; ')}`);
  pagefindSeconds = (performance.now() - t0) / 1000;
  await pagefind.close();
  // Pagefind writes its UI bundles too. Index files: entry, meta, index chunks, fragments (not the
  // runtime: pagefind.js, its worker and wasm; nor the UI bundles).
  pagefindFiles = folderStats(OUT.pagefind, (p) => /^pagefind-entry\.json$|\.pf_(meta|index|fragment|filter)$/.test(p));
  console.log(`  Pagefind: ${added.page_count} pages in ${pagefindSeconds.toFixed(1)} s`);
}

// MiniSearch's index over the sections the splade build makes, when it is measured.
const sections = [];
let miniSearchSeconds, miniSearchFiles;
if (measured('minisearch')) {
  console.log('MiniSearch, on the same sections…');
  t0 = performance.now();
  for (const file of pages) {
    const rel = relative(SITE, file).split(sep).join('/');
    const pageSections = sectionsOf(extractHtml(readFileSync(file, 'utf8')));
    const seen = new Map();
    for (const s of pageSections) {
      // Ids and URLs as the build makes them (src/cli/build.ts), so the same sections are compared.
      const url = `/${rel}${s.anchor ? `#${encodeURIComponent(s.anchor).replace(/%2F/g, '/')}` : ''}`;
      const n = (seen.get(url) ?? 0) + 1;
      seen.set(url, n);
      sections.push({ id: n > 1 ? `${url}~${n}` : url, url, title: s.path.join(' › '), text: s.text });
    }
  }
  const ms = new MiniSearch(MS_OPTIONS);
  ms.addAll(sections);
  rmSync(OUT.minisearch, { recursive: true, force: true });
  mkdirSync(OUT.minisearch, { recursive: true });
  writeFileSync(join(OUT.minisearch, 'index.json'), JSON.stringify(ms));
  cpSync(join(ROOT, 'node_modules/minisearch/dist/es/index.js'), join(OUT.minisearch, 'minisearch.js'));
  miniSearchSeconds = (performance.now() - t0) / 1000;
  miniSearchFiles = folderStats(OUT.minisearch, (p) => p === 'index.json');
  console.log(`  MiniSearch: ${sections.length} sections in ${miniSearchSeconds.toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------------
// 3. Build throughput against the encoder's own, in the same minutes (this machine is shared, so a
//    first build recorded earlier ran under another load): every 10th page is built as a site of
//    its own with an empty cache (the whole command: start, parse, encode, pack, write), then the
//    same sections are encoded by SparseEncoder directly, as the build encodes them (spans on,
//    batches of 16) after a warm-up batch.

let samplePages = [];
let sampleBuild = { seconds: NaN, encoded: 0, encodeSeconds: NaN };
let sample = [];
let encoderSeconds = NaN;
let encoderRate = NaN;
let buildRate = NaN;
if (THROUGHPUT) {
  samplePages = pages.filter((_, k) => k % THROUGHPUT_EVERY === 0);
  const sampleSite = join(WORK, 'throughput-site');
  const sampleCache = join(WORK, 'throughput-cache');
  rmSync(sampleSite, { recursive: true, force: true });
  rmSync(sampleCache, { recursive: true, force: true });
  for (const p of samplePages) {
    const to = join(sampleSite, relative(SITE, p));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(p, to);
  }
  console.log(
    `build throughput: splade-web build of ${samplePages.length} pages (every ${THROUGHPUT_EVERY}th), empty cache…`,
  );
  sampleBuild = spladeBuild(sampleSite, join(WORK, 'throughput-out'), sampleCache);
  sample = [
    ...new Set(samplePages.flatMap((p) => sectionsOf(extractHtml(readFileSync(p, 'utf8'))).map((s) => s.text))),
  ];
  console.log(
    `  ${sampleBuild.encoded} sections in ${sampleBuild.seconds.toFixed(1)} s; encoder alone (SparseEncoder, onnxruntime-node) on the same ${sample.length}…`,
  );
  const encoder = await SparseEncoder.fromPretrained(DEFAULT_MODEL);
  await encoder.encodeDocument(sample.slice(0, 16), { spans: true, batchSize: 16 });
  t0 = performance.now();
  await encoder.encodeDocument(sample, { spans: true, batchSize: 16 });
  encoderSeconds = (performance.now() - t0) / 1000;
  await encoder.dispose();
  encoderRate = sample.length / encoderSeconds;
  buildRate = sampleBuild.encoded / sampleBuild.seconds;
  console.log(`  build ${buildRate.toFixed(2)} sections/s, encoder ${encoderRate.toFixed(2)} sections/s`);
  rmSync(sampleCache, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// 4. A static host: gzip where it makes a response smaller (as hosts compress text; Pagefind's
//    files are gzipped already), Range answered uncompressed with 206, hashed files immutable.

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};
const PAGE = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>bench:docs</title><script type="module" src="/bench.js"></script></head><body></body></html>`;
// The page runs one query end to end: load the engine (runtime module, index), search, and fetch
// the data of the top 5 results, as a search box shows them.
const PAGE_JS = `
const engine = new URLSearchParams(location.search).get('e');
const MS_OPTIONS = ${JSON.stringify(MS_OPTIONS)};
const MS_SEARCH = ${JSON.stringify(MS_SEARCH)};
let mini;
window.runQuery = async (q) => {
  const t0 = performance.now();
  let urls;
  if (engine === 'splade') {
    const s = await import('/splade/splade.js');
    // The top 5 pages (sections grouped by page, as Pagefind's results are pages), each page's best section's URL.
    urls = (await s.searchPages(q, { limit: 5 })).map((p) => p.sections[0].url);
  } else if (engine === 'pagefind') {
    const pf = await import('/pagefind/pagefind.js');
    const r = await pf.search(q);
    urls = (await Promise.all(r.results.slice(0, 5).map((x) => x.data()))).map((d) => d.url);
  } else {
    if (!mini) {
      const { default: MiniSearch } = await import('/minisearch/minisearch.js');
      mini = MiniSearch.loadJSON(await (await fetch('/minisearch/index.json')).text(), MS_OPTIONS);
    }
    urls = mini.search(q, MS_SEARCH).slice(0, 5).map((r) => r.url);
  }
  return { ms: performance.now() - t0, urls };
};
// A query as a search box shows it while typing: the top 5 pages, and for splade-web the words that
// matched nothing (the box's "No match for …" line, with the nearest words), for Pagefind how many
// results there were (its box says "No results" at 0).
window.runTyped = async (q) => {
  if (engine === 'splade') {
    const s = await import('/splade/splade.js');
    const r = await s.searchPagesWithWords(q, { limit: 5 });
    return {
      urls: r.pages.map((p) => p.sections[0].url),
      results: r.pages.length,
      unmatched: r.words.unmatched.map((u) => ({ word: u.word, suggestions: u.suggestions })),
    };
  }
  if (engine === 'pagefind') {
    const pf = await import('/pagefind/pagefind.js');
    const r = await pf.search(q);
    const urls = (await Promise.all(r.results.slice(0, 5).map((x) => x.data()))).map((d) => d.url);
    return { urls, results: r.results.length, unmatched: [] };
  }
  const { urls } = await window.runQuery(q);
  return { urls, results: urls.length, unmatched: [] };
};
window.ready = true;
`;

const bodies = new Map(); // path -> { raw, gz }
function body(path) {
  let b = bodies.get(path);
  if (!b) {
    const raw = readFileSync(path);
    const gz = gzipSync(raw);
    b = { raw, gz: gz.length < raw.length ? gz : null };
    bodies.set(path, b);
  }
  return b;
}
// Compress everything up front, so a response's gzip time never lands in a measured query.
// Only the engines measured: another's folder may be missing or left from an earlier run.
for (const engine of ENGINES) for (const p of walkAll(OUT[engine])) body(p);

let log = [];
/** 'honour': Range answered with 206; 'ignore': the whole file with 200, as hosts without Range support do. */
let rangeMode = 'honour';
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/' || url.pathname === '/bench.js') {
    const page = url.pathname === '/';
    res.writeHead(200, { 'content-type': page ? TYPES['.html'] : TYPES['.js'], 'cache-control': 'no-store' });
    res.end(page ? PAGE : PAGE_JS);
    return;
  }
  const [, engine, ...rest] = url.pathname.split('/');
  const dir = OUT[engine];
  const file = dir && normalize(join(dir, decodeURIComponent(rest.join('/'))));
  if (!dir || !file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  const b = body(file);
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  // The entry files are re-fetched on every visit; everything else is content-hashed.
  const cache = /(splade-entry|pagefind-entry)\.json$|\/(splade|pagefind)\.js$|index\.json$|minisearch\.js$/.test(file)
    ? 'no-cache'
    : 'public, max-age=31536000, immutable';
  const range = rangeMode === 'honour' ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '') : null;
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), b.raw.length - 1) : b.raw.length - 1;
    const part = b.raw.subarray(start, end + 1);
    log.push({ path: url.pathname, bytes: part.length, range: true });
    res.writeHead(206, {
      'content-type': type,
      'content-range': `bytes ${start}-${end}/${b.raw.length}`,
      'content-length': part.length,
      'cache-control': cache,
      'accept-ranges': 'bytes',
    });
    res.end(part);
    return;
  }
  const gzip = b.gz && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const data = gzip ? b.gz : b.raw;
  log.push({ path: url.pathname, bytes: data.length, ...(req.headers.range ? { rangeIgnored: true } : {}) });
  res.writeHead(200, {
    'content-type': type,
    ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
    'content-length': data.length,
    'cache-control': cache,
    'accept-ranges': 'bytes',
  });
  res.end(data);
});
await new Promise((done) => server.listen(PORT, '127.0.0.1', done));
const origin = `http://127.0.0.1:${PORT}`;

// ---------------------------------------------------------------------------------------------
// 5. Queries in Chromium: each one a fresh context (empty HTTP cache and Cache API), a cold page's
//    first query, then the same query again on that page (warm).

const pageOf = (u) => decodeURIComponent(new URL(u, origin).pathname).replace(/^\//, '').replace(/~\d+$/, '');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: chromiumArgs,
});
const MODES = RANGE === 'both' ? ['honour', 'ignore'] : ['honour'];
const runsBy = {};
let typing;
try {
  for (const mode of TYPING_ONLY ? [] : MODES) {
    rangeMode = mode;
    // MiniSearch reads one file whole: a host's Range support changes nothing for it.
    const engines = (mode === 'honour' ? ALL_ENGINES : ['splade', 'pagefind']).filter(measured);
    if (!engines.length) continue;
    const runs = (runsBy[mode] = Object.fromEntries(engines.map((e) => [e, []])));
    for (const engine of engines) {
      console.log(
        `${engine} (Range ${mode === 'honour' ? 'honoured' : 'ignored'}): ${SITE_QUERIES.length} queries, each in a fresh browser context…`,
      );
      for (const [q, wanted] of SITE_QUERIES) {
        const context = await browser.newContext();
        const page = await context.newPage();
        if (NETWORK === 'slow') {
          const cdp = await context.newCDPSession(page);
          await cdp.send('Network.enable');
          await cdp.send('Network.emulateNetworkConditions', {
            offline: false,
            latency: 150,
            downloadThroughput: 1.6e6 / 8,
            uploadThroughput: 750e3 / 8,
          });
        }
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${origin}/?e=${engine}`);
        await page.waitForFunction(() => window.ready === true);
        log = [];
        const cold = await page.evaluate((query) => window.runQuery(query), q);
        const fetched = log;
        log = [];
        const warm = [];
        for (let k = 0; k < WARM_REPEATS; k++)
          warm.push((await page.evaluate((query) => window.runQuery(query), q)).ms);
        await context.close();
        if (errors.length) throw new Error(`${engine} "${q}": ${errors.join('; ')}`);
        const top = cold.urls.map(pageOf);
        const rank = top.findIndex((p) => wanted.includes(p));
        const paths = fetched.map((r) => r.path);
        runs[engine].push({
          query: q,
          wanted,
          top,
          found: rank >= 0,
          rank: rank >= 0 ? rank + 1 : null,
          bytes: fetched.reduce((n, r) => n + r.bytes, 0),
          requests: fetched.length,
          // The same file more than once in one cold query (what a host without Range costs when
          // a runtime reads parts of one file by ranges).
          repeated: paths.length - new Set(paths).size,
          coldMs: cold.ms,
          warmMs: median(warm),
          fetched,
        });
      }
    }
  }
  if (TYPING) typing = await typingRuns();
} finally {
  await browser.close();
  server.close();
}

// ---------------------------------------------------------------------------------------------
// 5b. Search as you type (issue 20 §2), with Range honoured, each engine in one page per query as a
//     reader types into one box: every prefix of every query as typed (whole first words, the last
//     word partial; a prefix ending in a space is the one before it again and is left out), wanted
//     page in the top 5. Then the site's misspelled and made-up queries (TYPO_QUERIES), as typed.

async function typingRuns() {
  rangeMode = 'honour';
  const open = async (engine) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/?e=${engine}`);
    await page.waitForFunction(() => window.ready === true);
    return { context, page, errors };
  };
  const prefixEngines = ENGINES;
  const prefixRows = [];
  console.log(`search as you type: every prefix of ${SITE_QUERIES.length} queries, ${prefixEngines.join(', ')}…`);
  for (const [query, wanted] of SITE_QUERIES) {
    const typed = typedPrefixes(query);
    const row = { query, wanted, prefixes: typed.length };
    for (const engine of prefixEngines) {
      const { context, page, errors } = await open(engine);
      const missed = [];
      for (const q of typed) {
        const r = await page.evaluate((text) => window.runTyped(text), q);
        if (!r.urls.map(pageOf).some((p) => wanted.includes(p))) missed.push(q);
      }
      await context.close();
      if (errors.length) throw new Error(`${engine} prefixes of "${query}": ${errors.join('; ')}`);
      row[engine] = { inTop5: typed.length - missed.length, missed };
    }
    prefixRows.push(row);
  }
  const prefixCount = prefixRows.reduce((n, r) => n + r.prefixes, 0);
  const prefixSummary = Object.fromEntries(
    ALL_ENGINES.map((e) => {
      if (!measured(e)) return [e, NOT_RUN];
      const n = prefixRows.reduce((k, r) => k + r[e].inTop5, 0);
      return [e, { inTop5: n, share: n / prefixCount }];
    }),
  );
  const prefixes = { queries: prefixRows.length, prefixes: prefixCount, ...prefixSummary, perQuery: prefixRows };

  const typoQueries = TYPO_QUERIES[SITE_NAME];
  let typos;
  const typoEngines = ['splade', 'pagefind'].filter(measured);
  if (typoQueries && typoEngines.length) {
    console.log(
      `misspelled and made-up queries: ${typoQueries.length}, ${typoEngines.map((e) => ENGINE_NAMES[e]).join(' and ')}…`,
    );
    const rows = typoQueries.map(([typed, wanted, meant]) => ({ typed, wanted, meant, madeUp: wanted.length === 0 }));
    for (const engine of typoEngines) {
      const { context, page, errors } = await open(engine);
      for (const row of rows) {
        const r = await page.evaluate((text) => window.runTyped(text), row.typed);
        const top = r.urls.map(pageOf);
        const intended = top.some((p) => row.wanted.includes(p));
        const noMatch = r.unmatched.length > 0;
        // Words as the word list holds them: pg_dump is the words pg and dump.
        const meantWords = (row.meant ?? '').split(/[^\p{L}\p{N}]+/u);
        row[engine] = {
          top,
          results: r.results,
          intendedInTop5: intended,
          ...(engine === 'splade'
            ? {
                unmatched: r.unmatched,
                noMatch,
                // The word meant is among the nearest words offered ("did you mean").
                suggested: r.unmatched.some((u) => u.suggestions.some((w) => meantWords.includes(w))),
              }
            : {}),
          // What the box does well: a misspelling shows the intended page or says "no match"; a
          // made-up query says "no match" (Pagefind: shows no result).
          ok:
            engine === 'splade'
              ? row.madeUp
                ? noMatch
                : noMatch || intended
              : row.madeUp
                ? r.results === 0
                : intended,
          // Pagefind's "No results" counted as its "no match" on misspellings too.
          okOrEmpty: row.madeUp ? r.results === 0 : intended || r.results === 0,
        };
      }
      await context.close();
      if (errors.length) throw new Error(`${engine} misspelled queries: ${errors.join('; ')}`);
    }
    const count = (list, engine, key) => list.filter((r) => r[engine][key]).length;
    const misspelled = rows.filter((r) => !r.madeUp);
    const madeUp = rows.filter((r) => r.madeUp);
    const part = (list) => ({
      queries: list.length,
      splade: measured('splade')
        ? {
            ok: count(list, 'splade', 'ok'),
            noMatch: count(list, 'splade', 'noMatch'),
            intendedInTop5: count(list, 'splade', 'intendedInTop5'),
            suggested: count(list, 'splade', 'suggested'),
            withResults: list.filter((r) => r.splade.results > 0).length,
          }
        : NOT_RUN,
      pagefind: measured('pagefind')
        ? {
            ok: count(list, 'pagefind', 'ok'),
            okOrEmpty: count(list, 'pagefind', 'okOrEmpty'),
            intendedInTop5: count(list, 'pagefind', 'intendedInTop5'),
            noResults: list.filter((r) => r.pagefind.results === 0).length,
          }
        : NOT_RUN,
    });
    typos = {
      queries: rows.length,
      share: {
        splade: measured('splade') ? count(rows, 'splade', 'ok') / rows.length : NOT_RUN,
        pagefind: measured('pagefind') ? count(rows, 'pagefind', 'ok') / rows.length : NOT_RUN,
        pagefindCountingNoResults: measured('pagefind') ? count(rows, 'pagefind', 'okOrEmpty') / rows.length : NOT_RUN,
      },
      misspelled: part(misspelled),
      madeUp: part(madeUp),
      perQuery: rows,
    };
  }
  return { prefixes, typos };
}

function printTyping({ prefixes, typos }) {
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  console.log(
    `\nsearch as you type, ${prefixes.prefixes} prefixes of ${prefixes.queries} queries, wanted page in the top 5: ` +
      ALL_ENGINES.map(
        (e) => `${ENGINE_NAMES[e]} ${measured(e) ? `${prefixes[e].inTop5} (${pct(prefixes[e].share)})` : NOT_RUN}`,
      ).join(', '),
  );
  if (!typos) return;
  const m = typos.misspelled;
  const u = typos.madeUp;
  const splade = measured('splade');
  const pagefind = measured('pagefind');
  console.log(
    `misspelled and made-up queries (${typos.queries}): shows "no match" or the intended page: splade-web ${splade ? pct(typos.share.splade) : NOT_RUN}, ` +
      `Pagefind ${pagefind ? `${pct(typos.share.pagefind)} (${pct(typos.share.pagefindCountingNoResults)} counting its "No results" as "no match")` : NOT_RUN}`,
  );
  console.log(
    `  ${m.queries} misspelled: splade-web ${splade ? `no match ${m.splade.noMatch} (word meant offered ${m.splade.suggested}), intended page in top 5 ${m.splade.intendedInTop5}, either ${m.splade.ok}` : NOT_RUN}; ` +
      `Pagefind ${pagefind ? `intended page in top 5 ${m.pagefind.intendedInTop5}, no results ${m.pagefind.noResults}` : NOT_RUN}`,
  );
  console.log(
    `  ${u.queries} made up: splade-web ${splade ? `no match ${u.splade.noMatch} (pages still listed ${u.splade.withResults})` : NOT_RUN}; ` +
      `Pagefind ${pagefind ? `no results ${u.pagefind.noResults}` : NOT_RUN}`,
  );
}

if (TYPING_ONLY) {
  printTyping(typing);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(
    RESULTS,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAfter: loadavg() },
        corpus: {
          site: SITE_NAME,
          source: DOC_DIR,
          pages: pages.length,
          ...(measured('minisearch') ? { sections: sections.length } : {}),
        },
        method:
          'Range honoured, localhost; each engine in one browser context per query (prefixes) or per site (misspelled and made-up queries), as a reader types into one box; splade-web through searchPagesWithWords (its pages and unmatched words, what the <splade-search> box shows), Pagefind through search() and data() of its top 5, MiniSearch with prefix and fuzzy matching',
        ...typing,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${relative(ROOT, RESULTS)}`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// 6. Figures, table, targets.

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
const summarize = (rs) => ({
  queries: rs.length,
  coldBytes: { median: median(rs.map((r) => r.bytes)), max: Math.max(...rs.map((r) => r.bytes)) },
  coldRequests: { median: median(rs.map((r) => r.requests)), max: Math.max(...rs.map((r) => r.requests)) },
  coldMs: { p50: median(rs.map((r) => r.coldMs)), max: Math.max(...rs.map((r) => r.coldMs)) },
  warmMs: { p50: median(rs.map((r) => r.warmMs)), max: Math.max(...rs.map((r) => r.warmMs)) },
  wantedInTop5: rs.filter((r) => r.found).length,
  filesFetchedTwice: rs.reduce((n, r) => n + r.repeated, 0),
});
const runs = runsBy[MODES[0]];
const S = Object.fromEntries(Object.entries(runs).map(([e, rs]) => [e, summarize(rs)]));
// Behind a host that ignores Range (when measured): the same queries, splade-web and Pagefind.
const ignored = runsBy.ignore
  ? Object.fromEntries(Object.entries(runsBy.ignore).map(([e, rs]) => [e, summarize(rs)]))
  : undefined;
const engines = {
  splade: measured('splade')
    ? {
        build: {
          firstSeconds: firstBuild.seconds,
          firstEncoded: firstBuild.encoded,
          firstEncodeSeconds: firstBuild.encodeSeconds,
          firstDate: firstBuild.date,
          cachedSeconds: rebuild.seconds,
        },
        sections: rebuild.sections,
        pages: rebuild.pages,
        output: spladeFiles,
        runtimeGzipBytes: gzipSync(readFileSync(join(OUT.splade, 'splade.js'))).length,
        widgetGzipBytes,
        coldBytesWithWidget: {
          median: S.splade.coldBytes.median + widgetGzipBytes,
          max: S.splade.coldBytes.max + widgetGzipBytes,
        },
        ...S.splade,
      }
    : NOT_RUN,
  pagefind: measured('pagefind')
    ? {
        version: JSON.parse(readFileSync(join(ROOT, 'node_modules/pagefind/package.json'), 'utf8')).version,
        config: { forceLanguage: 'en' },
        build: { seconds: pagefindSeconds },
        pages: added.page_count,
        output: pagefindFiles,
        ...S.pagefind,
      }
    : NOT_RUN,
  minisearch: measured('minisearch')
    ? {
        build: { seconds: miniSearchSeconds },
        sections: sections.length,
        output: miniSearchFiles,
        ...S.minisearch,
      }
    : NOT_RUN,
};
/** A target comparing engines: skipped, saying why, when one of them was not run (--engines). */
const compare = (needs, figures) => {
  const missing = needs.filter((e) => !measured(e));
  return missing.length
    ? { skipped: `${missing.map((e) => ENGINE_NAMES[e]).join(' and ')} not run: --engines ${ENGINES.join(',')}` }
    : figures();
};
const typingTarget = (figures) =>
  typing ? compare(['splade', 'pagefind'], figures) : { skipped: 'search as you type not run: --no-typing' };
const targets = {
  coldBytesVsPagefind: compare(['splade', 'pagefind'], () => ({
    value: S.splade.coldBytes.median / S.pagefind.coldBytes.median,
    target: '<= 0.5',
    met: S.splade.coldBytes.median <= 0.5 * S.pagefind.coldBytes.median,
  })),
  warmP50VsMiniSearch: compare(['splade', 'minisearch'], () => ({
    value: S.splade.warmMs.p50 / S.minisearch.warmMs.p50,
    target: '<= 1 (no slower)',
    met: S.splade.warmMs.p50 <= S.minisearch.warmMs.p50,
  })),
  ...(ignored
    ? {
        coldBytesVsPagefindRangeIgnored: compare(['splade', 'pagefind'], () => ({
          value: ignored.splade.coldBytes.median / ignored.pagefind.coldBytes.median,
          target: '<= 1',
          met: ignored.splade.coldBytes.median <= ignored.pagefind.coldBytes.median,
        })),
      }
    : {}),
  coldTimeVsPagefind: compare(['splade', 'pagefind'], () => ({
    value: S.splade.coldMs.p50 / S.pagefind.coldMs.p50,
    target: NETWORK === 'slow' ? '<= 1 (150 ms latency, 1.6 Mbps down)' : '<= 1 (localhost, no network emulation)',
    met: S.splade.coldMs.p50 <= S.pagefind.coldMs.p50,
  })),
  relevanceVsPagefind: compare(['splade', 'pagefind'], () => ({
    value: `${S.splade.wantedInTop5} vs ${S.pagefind.wantedInTop5}`,
    target: '>=',
    met: S.splade.wantedInTop5 >= S.pagefind.wantedInTop5,
  })),
  prefixesVsPagefind: typingTarget(() => ({
    value: `${typing.prefixes.splade.inTop5} vs ${typing.prefixes.pagefind.inTop5} of ${typing.prefixes.prefixes}`,
    target: '>=',
    met: typing.prefixes.splade.inTop5 >= typing.prefixes.pagefind.inTop5,
  })),
  ...(!typing || typing.typos
    ? {
        misspelledAndMadeUpVsPagefind: typingTarget(() => ({
          value: `${(100 * typing.typos.share.splade).toFixed(1)}% vs ${(100 * typing.typos.share.pagefind).toFixed(1)}%`,
          target: '>=',
          met: typing.typos.share.splade >= typing.typos.share.pagefind,
        })),
      }
    : {}),
  buildThroughputVsEncoder: THROUGHPUT
    ? {
        value: buildRate / encoderRate,
        buildSectionsPerSecond: buildRate,
        encoderSectionsPerSecond: encoderRate,
        target: '>= 0.9',
        met: buildRate >= 0.9 * encoderRate,
      }
    : {
        skipped: measured('splade')
          ? 'build throughput not measured: --no-throughput'
          : `splade-web not run: --engines ${ENGINES.join(',')}`,
      },
};

/** Bytes and requests per kind of file (hashes and shard numbers dropped from the names). */
function breakdown(fetched) {
  const out = {};
  for (const r of fetched) {
    const kind =
      r.path
        .replace(/[._][0-9a-f]{7,}/g, '')
        .replace(/\/\d+\./, '/N.')
        // splade-web's build folder: posting chunks, dictionary and metadata pages, record and heads files.
        .replace(/\/(\w+)-([cdm])\d+\.bin$/, '/$1-$2N.bin')
        .replace(/\/r\d+-\d+\.bin$/, '/rN-N.bin')
        .replace(/\/h\d+(-\d+)?\.bin$/, '/hN.bin') + (r.range ? ' (range)' : '');
    out[kind] ??= { requests: 0, bytes: 0 };
    out[kind].requests++;
    out[kind].bytes += r.bytes;
  }
  return out;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
/** One table row's cells, one per engine ("not run" for an engine left out). */
const perEngine = (cell, among = ALL_ENGINES) => among.map((e) => (measured(e) ? cell(e) : NOT_RUN));
const output = { splade: spladeFiles, pagefind: pagefindFiles, minisearch: miniSearchFiles };
const rows = [
  ['', ...ALL_ENGINES.map((e) => ENGINE_NAMES[e])],
  [
    'build',
    ...perEngine((e) =>
      ({
        splade: () => `${firstBuild.seconds.toFixed(0)} s first, ${rebuild.seconds.toFixed(1)} s cached`,
        pagefind: () => `${pagefindSeconds.toFixed(1)} s`,
        minisearch: () => `${miniSearchSeconds.toFixed(1)} s`,
      })[e](),
    ),
  ],
  ['files (all / index)', ...perEngine((e) => `${output[e].files} / ${output[e].indexFiles}`)],
  ['index bytes (raw / gzip)', ...perEngine((e) => `${kb(output[e].indexBytes)} / ${kb(output[e].indexGzipBytes)}`)],
  ['cold query bytes (median / max)', ...perEngine((e) => `${kb(S[e].coldBytes.median)} / ${kb(S[e].coldBytes.max)}`)],
  [
    '  through the <splade-search> box',
    ...perEngine(
      () => `${kb(S.splade.coldBytes.median + widgetGzipBytes)} / ${kb(S.splade.coldBytes.max + widgetGzipBytes)}`,
      ['splade'],
    ),
    '',
    '',
  ],
  ...(ignored
    ? [
        [
          '  behind a host ignoring Range',
          ...perEngine(
            (e) => `${kb(ignored[e].coldBytes.median)} / ${kb(ignored[e].coldBytes.max)}`,
            ['splade', 'pagefind'],
          ),
          '',
        ],
      ]
    : []),
  ['cold query requests (median)', ...perEngine((e) => String(S[e].coldRequests.median))],
  ['cold latency (p50 / max)', ...perEngine((e) => `${S[e].coldMs.p50.toFixed(0)} / ${S[e].coldMs.max.toFixed(0)} ms`)],
  ['warm latency (p50 / max)', ...perEngine((e) => `${S[e].warmMs.p50.toFixed(2)} / ${S[e].warmMs.max.toFixed(2)} ms`)],
  ['wanted page in top 5', ...perEngine((e) => `${S[e].wantedInTop5} / ${S[e].queries}`)],
];
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log('');
for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
if (THROUGHPUT)
  console.log(
    `\nbuild throughput ${buildRate.toFixed(2)} sections/s (whole command, ${samplePages.length}-page sample, empty cache) vs encoder alone ${encoderRate.toFixed(2)}/s: ${targets.buildThroughputVsEncoder.value.toFixed(2)}x`,
  );
if (typing) printTyping(typing);
for (const [name, t] of Object.entries(targets))
  console.log(
    t.skipped
      ? `target ${name}: skipped (${t.skipped})`
      : `target ${name}: ${typeof t.value === 'number' ? t.value.toFixed(2) : t.value} (${t.target}) ${t.met ? 'met' : 'NOT met'}`,
  );

mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  RESULTS,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAfter: loadavg() },
      corpus: {
        site: SITE_NAME,
        source: DOC_DIR,
        pages: pages.length,
        ...(measured('minisearch') ? { sections: sections.length } : {}),
      },
      method:
        `network: ${NETWORK === 'slow' ? 'emulated (150 ms latency, 1.6 Mbps down, 750 kbps up)' : 'localhost'}; ` +
        'each query in a fresh Chromium context; bytes = response bodies the server sent (gzip where smaller; Range uncompressed), the benchmark page itself excluded; warm = the same query again on that page, median of 5',
      engines,
      throughput: {
        pages: samplePages.length,
        build: {
          seconds: sampleBuild.seconds,
          encoded: sampleBuild.encoded,
          encodeSeconds: sampleBuild.encodeSeconds,
          sectionsPerSecond: buildRate,
        },
        encoder: { sections: sample.length, seconds: encoderSeconds, sectionsPerSecond: encoderRate },
      },
      targets,
      site: SITE_NAME,
      spladeRoot: SPLADE_ROOT === ROOT ? 'this checkout' : SPLADE_ROOT,
      ...(ignored ? { rangeIgnored: ignored } : {}),
      // Section 5b: search as you type, misspelled and made-up queries (not run with --no-typing).
      ...(typing ? { prefixes: typing.prefixes } : { prefixes: NOT_RUN }),
      ...(typing?.typos ? { typos: typing.typos } : {}),
      queries: SITE_QUERIES.map(([q], k) => ({
        query: q,
        wanted: SITE_QUERIES[k][1],
        ...(runsBy.ignore
          ? {
              rangeIgnored: Object.fromEntries(
                Object.entries(runsBy.ignore).map(([e, rs]) => [
                  e,
                  { bytes: rs[k].bytes, requests: rs[k].requests, repeated: rs[k].repeated, coldMs: rs[k].coldMs },
                ]),
              ),
            }
          : {}),
        ...Object.fromEntries(
          Object.entries(runs).map(([e, rs]) => [
            e,
            {
              top: rs[k].top,
              rank: rs[k].rank,
              bytes: rs[k].bytes,
              requests: rs[k].requests,
              coldMs: rs[k].coldMs,
              warmMs: rs[k].warmMs,
              fetched: breakdown(rs[k].fetched),
            },
          ]),
        ),
      })),
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${relative(ROOT, RESULTS)}`);
