#!/usr/bin/env node
// Serves a built example's dist/ as a static host does: gzip for text, Range requests (the query
// runtime reads result records with them) answered with 206, content-hashed files (name.<hash>.ext,
// or anything inside a folder named name.<hash>/, such as the model folder of a symmetric model)
// cacheable forever, the entry file and the page shell revalidated. Used by each example's serve.mjs
// and check.mjs: `serve(root, port)`; `serveExample` is an example's serve.mjs.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};
// .wasm and .onnx compress to about a third: a host that gzips them saves most of a symmetric
// model's query side (the build reports both sizes).
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.wasm', '.onnx']);
const gzipped = new Map();

export function serve(root, port) {
  if (!existsSync(root)) throw new Error(`${root} is missing: build the example first (node build.mjs beside it)`);
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile())
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const immutable =
      /\.[0-9a-f]{12,}\.[a-z]+$/.test(file) || /[/\\][^/\\]+\.[0-9a-f]{12,}[/\\]/.test(file.slice(root.length));
    const headers = {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'accept-ranges': 'bytes',
    };
    const size = statSync(file).size;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start > end) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      res.writeHead(206, {
        ...headers,
        'content-range': `bytes ${start}-${end}/${size}`,
        'content-length': end - start + 1,
      });
      return void createReadStream(file, { start, end }).pipe(res);
    }
    if (COMPRESSIBLE.has(extname(file)) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      // Immutable files are compressed once (the 28 MB .wasm takes a second).
      let body = immutable ? gzipped.get(file) : undefined;
      if (!body) {
        body = gzipSync(readFileSync(file));
        if (immutable) gzipped.set(file, body);
      }
      res.writeHead(200, {
        ...headers,
        'content-encoding': 'gzip',
        vary: 'accept-encoding',
        'content-length': body.length,
      });
      return void res.end(body);
    }
    res.writeHead(200, { ...headers, 'content-length': size });
    createReadStream(file).pipe(res);
  });
  return new Promise((done) => server.listen(port, '127.0.0.1', () => done(server)));
}

/**
 * An example's serve.mjs (`moduleUrl` its import.meta.url): returns `serve(port)` for the example's
 * dist/, and when that file is run as a script, serves on the port given as argument, PORT, or 8080.
 */
export async function serveExample(moduleUrl, label) {
  const root = join(dirname(fileURLToPath(moduleUrl)), 'dist');
  const serveDist = (port) => serve(root, port);
  if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(moduleUrl)) {
    const port = Number(process.argv[2] ?? process.env.PORT ?? 8080);
    await serveDist(port);
    console.log(`${label}: http://127.0.0.1:${port}/ (Ctrl+C stops)`);
  }
  return serveDist;
}
