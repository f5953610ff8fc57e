/**
 * Search as you type on git-doc (issue 20 §2): Debian's Git manual built by `splade-web build` (the
 * bundled model; vectors cached in .cache/git-doc-vectors, shared with bench:docs), served by a
 * local static server (gzip, counted), searched through the real query runtime (src/site/runtime.ts
 * searchPages, in Node over HTTP). For every prefix of every query below as it is typed (whole first
 * words, the last word partial; prefixes ending in a space are the previous ones again and are left
 * out), is a wanted page in the top 5 pages: with `prefix: false, matchWords: false` (the runtime
 * before: the partial word is WordPiece pieces) and with the defaults (the partial word completed
 * from the site's words, words no page holds left out)? Also: the word list's size, the bytes a
 * cold query fetches of it, and made-up and misspelled words.
 *
 *   npx tsx bench/prefix.ts            # -> bench/results/prefix.json
 *
 * `BENCH_PREFIX_PORT` (4240) moves the server; `GIT_DOC` (/usr/share/doc/git-doc) the pages.
 */
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from '../src/cli/build.ts';
import * as runtime from '../src/site/runtime.ts';

/**
 * Queries as a reader types them, each with the pages that answer it (any one counts), written from
 * what the pages are for before any result was looked at. The reason is the page's purpose.
 */
const QUERIES: [query: string, wanted: string[], why: string][] = [
  ['git rebase --interactive', ['git-rebase.html'], 'the option is documented on git-rebase'],
  ['cherry-pick a commit from another branch', ['git-cherry-pick.html'], 'what git-cherry-pick does'],
  ['stash uncommitted changes', ['git-stash.html'], 'what git-stash does'],
  ['bisect to find a regression', ['git-bisect.html'], 'what git-bisect does'],
  ['blame a line of a file', ['git-blame.html'], 'what git-blame does'],
  ['configure user email', ['git-config.html'], 'user.email is a git-config variable'],
  ['ignore generated files', ['gitignore.html'], 'the gitignore format page'],
  ['clone a repository with submodules', ['git-clone.html', 'git-submodule.html'], 'clone --recurse-submodules'],
  ['worktree for a second branch', ['git-worktree.html'], 'what git-worktree does'],
  ['reflog to recover lost commits', ['git-reflog.html'], 'what git-reflog records'],
  ['format-patch series for email', ['git-format-patch.html'], 'what git-format-patch does'],
  ['signed tag verification', ['git-tag.html', 'git-verify-tag.html'], 'tag -v, verify-tag'],
  ['garbage collection of loose objects', ['git-gc.html'], 'what git-gc does'],
  ['sparse checkout of a subdirectory', ['git-sparse-checkout.html'], 'what git-sparse-checkout does'],
  ['merge conflict resolution strategies', ['git-merge.html'], 'merge strategies and conflicts'],
  ['revert a merge commit', ['git-revert.html'], 'revert -m for merges'],
  ['push tags to a remote', ['git-push.html'], 'push --tags'],
  ['archive the tree as a zip file', ['git-archive.html'], 'archive --format=zip'],
  ['hooks run before commit', ['githooks.html'], 'pre-commit hook'],
  ['shallow fetch with limited depth', ['git-fetch.html', 'git-clone.html'], '--depth of fetch and clone'],
  ['attributes for line endings', ['gitattributes.html'], 'eol and text attributes'],
  ['show the commit graph in the log', ['git-log.html'], 'log --graph'],
];

/** Made-up words (no page holds them) and misspellings with the word meant, written before measuring. */
const MADE_UP = ['zyzzyva', 'flurbish', 'quixotry', 'blorpt merge', 'snarfle the index'];
const MISSPELLED: [typed: string, meant: string][] = [
  ['rebsae', 'rebase'],
  ['cherry-pikc', 'pick'],
  ['comit', 'commit'],
  ['brnach', 'branch'],
  ['stahs', 'stash'],
  ['submodlue', 'submodule'],
  ['bisetc', 'bisect'],
  ['worktre', 'worktree'],
];

const GIT_DOC = process.env['GIT_DOC'] ?? '/usr/share/doc/git-doc';
const PORT = Number(process.env['BENCH_PREFIX_PORT'] ?? 4240);
const root = join(import.meta.dirname, '..');
const work = join(root, '.cache', 'bench-prefix');
const out = join(work, 'search');
if (!existsSync(GIT_DOC)) throw new Error(`${GIT_DOC} is missing: apt-get install -y git-doc`);
mkdirSync(work, { recursive: true });

const summary = await build({
  site: GIT_DOC,
  out,
  baseUrl: '/docs/',
  cache: join(root, '.cache', 'git-doc-vectors'),
  log: (line) => console.log(`build: ${line}`),
});
console.log(`built ${summary.pages} pages, ${summary.sections} sections in ${summary.seconds.toFixed(1)} s`);

/** Bytes sent (gzip, as a static host sends JSON), by path. */
const sent: { path: string; bytes: number }[] = [];
const server = createServer((req, res) => {
  const path = normalize(join(out, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
  if (!path.startsWith(out) || !statSync(path, { throwIfNoEntry: false })?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  const body = readFileSync(path);
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (range) {
    const part = body.subarray(Number(range[1]), Number(range[2]) + 1);
    sent.push({ path: path.slice(out.length), bytes: part.length });
    res.writeHead(206, { 'content-range': `bytes ${range[1]}-${range[2]}/${body.length}` });
    res.end(part);
    return;
  }
  const gz = extname(path) === '.json' || extname(path) === '.js' ? gzipSync(body) : body;
  sent.push({ path: path.slice(out.length), bytes: gz.length });
  res.writeHead(200, gz === body ? {} : { 'content-encoding': 'gzip' });
  res.end(gz);
});
await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${PORT}/`;
/** A cold runtime: the next search opens the site again, with nothing kept (Node has no Cache API). */
const cold = () => runtime.configure({ base, cacheName: null });

const pageOf = (url: string) => url.replace(/#.*$/, '').replace(/^\/?(docs\/)?/, '');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : 0;
};

/** Every prefix of `query` as typed that does not end in a space. */
function typedPrefixes(query: string): string[] {
  const out: string[] = [];
  for (let i = 1; i <= query.length; i++) if (query[i - 1] !== ' ') out.push(query.slice(0, i));
  return out;
}

const modes = {
  before: { prefix: false, matchWords: false },
  after: {},
} as const;
type Mode = keyof typeof modes;

const perQuery: Record<string, unknown>[] = [];
const found: Record<Mode, number> = { before: 0, after: 0 };
const whole: Record<Mode, number> = { before: 0, after: 0 };
let prefixes = 0;
cold();
try {
  for (const [query, wanted, why] of QUERIES) {
    const typed = typedPrefixes(query);
    const row: Record<string, unknown> = { query, wanted, why, prefixes: typed.length };
    for (const mode of Object.keys(modes) as Mode[]) {
      const missed: string[] = [];
      let n = 0;
      for (const q of typed) {
        const pages = await runtime.searchPages(q, { limit: 5, ...modes[mode] });
        if (pages.some((p) => wanted.includes(pageOf(p.url)))) n++;
        else missed.push(q);
      }
      found[mode] += n;
      const full = await runtime.searchPages(`${query} `, { limit: 5, ...modes[mode] });
      const top = full.map((p) => pageOf(p.url));
      if (top.some((p) => wanted.includes(p))) whole[mode]++;
      row[mode] = { inTop5: n, missed, wholeQueryTop5: top };
    }
    prefixes += typed.length;
    perQuery.push(row);
    console.log(
      `${query.padEnd(42)} ${String((row['before'] as { inTop5: number }).inTop5).padStart(3)} -> ${String((row['after'] as { inTop5: number }).inTop5).padStart(3)} of ${typed.length}`,
    );
  }

  // A cold query's bytes: everything, and the word list's share, for each whole query typed (no space).
  const coldBytes: Record<Mode, number[]> = { before: [], after: [] };
  const wordBytes: number[] = [];
  for (const [query] of QUERIES) {
    for (const mode of Object.keys(modes) as Mode[]) {
      cold();
      sent.length = 0;
      await runtime.searchPages(query, { limit: 5, ...modes[mode] });
      coldBytes[mode].push(sent.reduce((n, s) => n + s.bytes, 0));
      if (mode === 'after')
        wordBytes.push(sent.filter((s) => s.path.startsWith('/words/')).reduce((n, s) => n + s.bytes, 0));
    }
  }

  // Made-up and misspelled words: reported, suggested, and what the page list is.
  cold();
  const madeUp = [];
  for (const q of MADE_UP) {
    const before = await runtime.searchPages(`${q} `, { limit: 5, prefix: false, matchWords: false });
    const after = await runtime.searchPagesWithWords(`${q} `, { limit: 5 });
    madeUp.push({
      query: q,
      before: before.map((p) => [pageOf(p.url), Number(p.score.toFixed(2))]),
      after: after.pages.map((p) => [pageOf(p.url), Number(p.score.toFixed(2))]),
      unmatched: after.words.unmatched.map((u) => u.word),
    });
  }
  const misspelled = [];
  for (const [typed, meant] of MISSPELLED) {
    const after = await runtime.searchPagesWithWords(`${typed} `, { limit: 5 });
    const u = after.words.unmatched[0];
    misspelled.push({ typed, meant, reported: u?.word ?? null, suggestions: u?.suggestions ?? [] });
  }

  const share = (n: number) => Number((n / prefixes).toFixed(3));
  const result = {
    date: new Date().toISOString(),
    site: { pages: summary.pages, sections: summary.sections },
    model: 'bundled splade-tiny-en-if (a tiny test model with constructed weights, not a trained retriever)',
    words: summary.words,
    wordShards: {
      files: (summary.words?.files ?? 1) - 1,
      gzipMedian: median(
        readdirGzip(join(out, 'words'))
          .filter((f) => !f.name.startsWith('config.'))
          .map((f) => f.gzip),
      ),
      configGzip: readdirGzip(join(out, 'words')).find((f) => f.name.startsWith('config.'))?.gzip ?? 0,
    },
    queries: QUERIES.length,
    prefixes,
    inTop5: {
      before: { prefixes: found.before, share: share(found.before), wholeQueries: whole.before },
      after: { prefixes: found.after, share: share(found.after), wholeQueries: whole.after },
    },
    coldQueryBytes: {
      before: { median: median(coldBytes.before), max: Math.max(...coldBytes.before) },
      after: { median: median(coldBytes.after), max: Math.max(...coldBytes.after) },
      wordList: { median: median(wordBytes), max: Math.max(...wordBytes) },
    },
    madeUp,
    misspelled,
    perQuery,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'prefix.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `\nwanted page in the top 5 on ${prefixes} typed prefixes of ${QUERIES.length} queries: ` +
      `before ${found.before} (${(100 * share(found.before)).toFixed(1)}%), after ${found.after} (${(100 * share(found.after)).toFixed(1)}%)`,
  );
  console.log(`whole queries (ending in a space): before ${whole.before}, after ${whole.after} of ${QUERIES.length}`);
  console.log(
    `word list: ${summary.words?.words} words, ${summary.words?.files} files, ${summary.words?.bytes} B raw, ${summary.words?.gzip} B gzipped; a cold query fetched a median ${median(wordBytes)} B of it (max ${Math.max(...wordBytes)}); cold query in all: before ${median(coldBytes.before)} B, after ${median(coldBytes.after)} B (median)`,
  );
  for (const m of madeUp)
    console.log(
      `made up "${m.query}": no match for ${JSON.stringify(m.unmatched)}; pages before ${m.before.length}, after ${m.after.length}`,
    );
  for (const m of misspelled)
    console.log(
      `misspelled "${m.typed}" (meant ${m.meant}): reported ${m.reported}, suggestions ${m.suggestions.join(', ')}`,
    );
} finally {
  server.close();
}

function readdirGzip(dir: string): { name: string; gzip: number }[] {
  return readdirSync(dir).map((name) => ({ name, gzip: gzipSync(readFileSync(join(dir, name))).length }));
}
