#!/usr/bin/env node
// `npm run demo`: builds the demo (vite build) and serves the built files as a plain static host
// would, plus the headers the demo wants: cross-origin isolation (COOP + COEP, for WASM threads)
// and its Content-Security-Policy. The service worker, and so the offline behaviour, is the real
// one. The default port is 4173; a busy port moves on to the next free one. `/` opens the demo.
//   node demo/serve.mjs [--port N] [--no-build] [--dir DIR] [--no-isolation]
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileFor, sendFile } from './static-files.mjs';

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  // Models may come from any https host (a hub id or a URL typed in the picker).
  "connect-src 'self' https:",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves `dir` on 127.0.0.1 from `port` upwards (the first free one); `offline()` makes every
 * request fail as a dropped network would, for tests that need it without the browser's switch.
 */
export async function serveDemo({ dir, port = 4173, isolated = true, tries = 20 } = {}) {
  const root = resolve(dir);
  const requests = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (path === '/' || path === '/demo') {
      res.statusCode = 302;
      res.setHeader('location', '/demo/');
      res.end();
      return;
    }
    if (isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const file = fileFor(root, path);
    if (!file) {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(`not found: ${path} (the demo is at /demo/)`);
      return;
    }
    // Revalidate always: the service worker keeps the offline copy, not the HTTP cache.
    sendFile(req, res, file, 'no-cache');
  });
  let bound = 0;
  for (let p = port; p < port + tries; p++) {
    try {
      await new Promise((ok, fail) => {
        server.once('error', fail);
        server.listen(p, '127.0.0.1', () => {
          server.off('error', fail);
          ok();
        });
      });
      bound = p;
      break;
    } catch (error) {
      if (error.code !== 'EADDRINUSE') throw error;
    }
  }
  if (!bound) throw new Error(`ports ${port}-${port + tries - 1} are all busy: pass --port N`);
  return {
    url: `http://127.0.0.1:${bound}/demo/`,
    port: bound,
    requests,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

export function buildDemo(outDir) {
  const repo = resolve(fileURLToPath(import.meta.url), '../..');
  execFileSync(
    join(repo, 'node_modules', '.bin', 'vite'),
    ['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'],
    { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] },
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (name) => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const repo = resolve(fileURLToPath(import.meta.url), '../..');
  const dir = resolve(value('--dir') ?? join(repo, 'demo-dist'));
  if (!args.includes('--no-build')) {
    console.log('Building the demo (vite build)…');
    buildDemo(dir);
  }
  const server = await serveDemo({
    dir,
    port: Number(value('--port') ?? process.env.PORT ?? 4173),
    isolated: !args.includes('--no-isolation'),
  });
  console.log(`splade-web demo: ${server.url}`);
  console.log('Press Ctrl+C to stop.');
}
