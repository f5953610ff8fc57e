/**
 * A local stand-in for the Hugging Face hub's file URLs, served by the Vite dev server:
 *   /hub/<owner>/<name>/resolve/<revision>/<path>  ->  test/fixtures/hub/<owner>/<name>/<path>,
 *                                                     else public/models/<name>/<path>
 * (test/fixtures/hub holds copies of real repositories' layouts with tiny random weights.)
 * Tests load hub ids through the real hub code path with `hubUrl` pointing here, so nothing
 * reaches the network. (Real hub: https://huggingface.co/<owner>/<name>/resolve/<revision>/<path>.)
 *
 * Like the hub, it sends an ETag (a hash of the content) and Last-Modified, answers a matching
 * If-None-Match with 304, so revalidation can be tested, and a single byte range with 206. A test
 * "changes a file on the hub" by writing it under <overlay>/<owner>/<name>/<path> (default
 * .test-output/hub-overlay, ignored by git): a file there is served instead of the model's, for that
 * owner only, so tests that use their own owner name do not disturb each other. The revision is ignored (every revision serves the same
 * files), which lets a test see that a commit revision is not asked for again.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';
import type { Plugin } from 'vite';

export const HUB_OVERLAY_DIR = '.test-output/hub-overlay';

export const HUB_FIXTURES_DIR = 'test/fixtures/hub';

export function hubMirror(
  modelsDir = 'public/models',
  overlayDir = HUB_OVERLAY_DIR,
  fixturesDir = HUB_FIXTURES_DIR,
): Plugin {
  const root = resolve(modelsDir);
  const overlay = resolve(overlayDir);
  const fixtures = resolve(fixturesDir);
  /** The file a request resolves to: the owner's overlay first, then the fixture repo, then the model folder. */
  const locate = (owner: string, name: string, path: string): string | undefined => {
    const candidates = [
      [overlay, join(overlay, owner, name, path)],
      [fixtures, join(fixtures, owner, name, path)],
      [root, join(root, name, path)],
    ] as const;
    for (const [base, file] of candidates) {
      const full = normalize(file);
      if (full.startsWith(base + '/') && existsSync(full) && statSync(full).isFile()) return full;
    }
    return undefined;
  };
  return {
    name: 'splade-web-hub-mirror',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const match = /^\/hub\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec((req.url ?? '').split('?')[0]!);
        if (!match) return next();
        const file = locate(
          decodeURIComponent(match[1]!),
          decodeURIComponent(match[2]!),
          decodeURIComponent(match[4]!),
        );
        if (!file) {
          res.statusCode = 404;
          res.end('Entry not found');
          return;
        }
        const body = readFileSync(file);
        const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
        res.setHeader('etag', etag);
        res.setHeader('last-modified', statSync(file).mtime.toUTCString());
        if (req.headers['if-none-match'] === etag) {
          res.statusCode = 304;
          res.end();
          return;
        }
        res.setHeader('content-type', 'application/octet-stream');
        res.setHeader('accept-ranges', 'bytes');
        // One byte range, as the hub's CDN answers it (safetensors weights are read tensor by tensor).
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
        if (range && Number(range[1]) < body.length) {
          const begin = Number(range[1]);
          const end = Math.min(range[2] ? Number(range[2]) + 1 : body.length, body.length);
          res.statusCode = 206;
          res.setHeader('content-range', `bytes ${begin}-${end - 1}/${body.length}`);
          res.setHeader('content-length', String(end - begin));
          res.end(body.subarray(begin, end));
          return;
        }
        res.setHeader('content-length', String(body.length));
        res.end(body);
      });
    },
  };
}
