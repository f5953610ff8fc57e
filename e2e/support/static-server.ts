/**
 * A tiny static file server for built output (the demo site, the consumer app): what a plain host
 * does, no dev-server help. Missing files answer 404 (no HTML fallback page), and cross-origin
 * isolation (COOP + COEP) is a switch, so one build is tested with and without WASM threads.
 * `hide` makes chosen paths answer 404, to test how a missing worker or .wasm is reported.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileFor, sendFile } from '../../demo/static-files.mjs';

export interface StaticServer {
  url: string;
  /** Paths (pathname, from /) answering 404 while this returns true. */
  hide: (path: string) => boolean;
  /** Every path requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export interface ServeOptions {
  isolated: boolean;
  /** Headers for every answer (a Content-Security-Policy, say). */
  headers?: Record<string, string>;
}

export async function serveStatic(dir: string, options: ServeOptions): Promise<StaticServer> {
  const root = resolve(dir);
  const state: StaticServer = { url: '', hide: () => false, requests: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    state.requests.push(path);
    if (options.isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
    const file = state.hide(path) ? undefined : fileFor(root, path);
    if (!file) {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain');
      res.end('not found');
      return;
    }
    sendFile(req, res, file, 'no-store');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  return state;
}
