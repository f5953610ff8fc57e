// Serving built files as a plain static host does (no dev-server help, no HTML fallback page):
// shared by `npm run demo` (demo/serve.mjs) and the tests that serve built output
// (e2e/support/static-server.ts), so both answer files, 404s and MIME types the same way.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';

export const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** The file `path` (a URL pathname) names under `root` (a folder's index.html), or undefined. */
export function fileFor(root, path) {
  let file = normalize(join(root, path));
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) return undefined;
  return file;
}

/** Answers with `file` (HEAD: headers only), its type from its extension. */
export function sendFile(req, res, file, cacheControl) {
  res.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('content-length', String(statSync(file).size));
  res.setHeader('cache-control', cacheControl);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
