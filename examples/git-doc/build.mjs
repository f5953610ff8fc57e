#!/usr/bin/env node
// Builds the git-doc example into examples/git-doc/dist/, a static folder any host can serve:
//   dist/            the search page (index.html, search.js, search.css) and its service worker
//   dist/docs/       Debian's git-doc HTML pages (what the results link to)
//   dist/search/     `splade-web build dist/docs --out dist/search --base-url /docs/`
// Debian's git-doc package is installed first when /usr/share/doc/git-doc is missing (apt-get, as
// root or through sudo). Section vectors are cached in <repo>/.cache/git-doc-vectors, so a rebuild
// encodes nothing that has not changed (the first build encodes ~2 400 sections: minutes on 2 cores).
// SPLADE_CACHE overrides the cache folder. The steps are examples/shared/build.mjs.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExample } from '../shared/build.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');

buildExample({
  here: HERE,
  name: 'git-doc',
  docDir: '/usr/share/doc/git-doc',
  aptPackage: 'git-doc',
  // HTML and the stylesheet one page links; the plain-text sources and changelogs stay out.
  copy: /\.(html|css)$/,
  cache: process.env.SPLADE_CACHE ?? join(REPO, '.cache', 'git-doc-vectors'),
  page: {
    lang: 'en',
    title: 'Search the Git documentation',
    about:
      "Debian's <code>git-doc</code> manual, indexed by <code>splade-web build</code>. Queries run in this browser; after one visit they work offline.",
    label: 'Search',
    placeholder: 'e.g. undo the last commit',
    loading: 'Loading the search index…',
    results: '{n} results ({ms} ms)',
    none: 'No results',
    failed: 'Search failed: {error}',
  },
});
