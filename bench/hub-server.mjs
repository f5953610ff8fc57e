// The Hugging Face hub's file URLs over local folders, for `npm run bench:models`:
//   <prefix>/<owner>/<name>/resolve/<revision>/<path>  ->  <root>/<owner>/<name>/<path>
// Files are streamed (the full-size models are hundreds of MB), with an ETag and Last-Modified; a
// matching If-None-Match gets 304 and Range gets 206, as on the hub. Every body byte sent is counted,
// so the benchmark knows what a load fetched: <prefix>/__stats answers {bytes, requests, notModified}.
// (e2e/support/hub-mirror.ts does the same for the tests, reading whole files into memory.)
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize, resolve } from 'node:path';

/** A Connect-style handler `(req, res, next)` serving `root` under `prefix`, and its byte counter. */
export function hubHandler(root, prefix = '') {
  const base = resolve(root);
  const stats = { bytes: 0, requests: 0, notModified: 0 };
  const route = new RegExp(`^${prefix.replace(/[/.]/g, '\\$&')}/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)$`);
  const handle = (req, res, next) => {
    const url = (req.url ?? '').split('?')[0];
    if (url === `${prefix}/__stats`) {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end(JSON.stringify(stats));
      return;
    }
    const match = route.exec(url);
    if (!match) return next ? next() : notFound(res);
    const [owner, name, , path] = match.slice(1).map(decodeURIComponent);
    const file = normalize(join(base, owner, name, path));
    // Dot files (the maker's .stamp) are not part of a repository.
    if (!file.startsWith(base + '/') || /(^|\/)\./.test(path) || !existsSync(file) || !statSync(file).isFile())
      return notFound(res);
    stats.requests++;
    const { size, mtime } = statSync(file);
    const etag = `"${createHash('sha1').update(`${file}:${size}:${mtime.getTime()}`).digest('hex')}"`;
    res.setHeader('etag', etag);
    res.setHeader('last-modified', mtime.toUTCString());
    res.setHeader('accept-ranges', 'bytes');
    if (req.headers['if-none-match'] === etag) {
      stats.notModified++;
      res.statusCode = 304;
      res.end();
      return;
    }
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] || range[2])) {
      if (range[1]) {
        start = Number(range[1]);
        if (range[2]) end = Math.min(end, Number(range[2]));
      } else start = Math.max(0, size - Number(range[2]));
      if (start > end) {
        res.statusCode = 416;
        res.setHeader('content-range', `bytes */${size}`);
        res.end();
        return;
      }
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${start}-${end}/${size}`);
    }
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(end - start + 1));
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(file, { start, end });
    stream.on('data', (chunk) => (stats.bytes += chunk.length));
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
  return { handle, stats };
}

function notFound(res) {
  res.statusCode = 404;
  res.end('Entry not found');
}

/** A stand-alone server on 127.0.0.1 (port 0: any free port); `url` is the `hubUrl` to pass. */
export async function startHubServer(root, port = 0) {
  const { handle, stats } = hubHandler(root);
  const server = createServer((req, res) => handle(req, res));
  // A load idles for seconds between requests (graph build, session); Node's 5 s default would close
  // kept-alive sockets under a client about to reuse them ("other side closed").
  server.keepAliveTimeout = 10 * 60 * 1000;
  server.requestTimeout = 0;
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, stats, close: () => new Promise((ok) => server.close(ok)) };
}
