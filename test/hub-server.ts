/**
 * A local stand-in for the Hugging Face hub for Node tests: serves `<root>/<owner>/<name>/<path>` at
 * `/<owner>/<name>/resolve/<revision>/<path>` with an ETag (a hash of the content), answers
 * If-None-Match with 304 and single byte ranges (`Range: bytes=a-b`) with 206, as the hub's CDN does,
 * and logs every request with the body bytes it sent, so tests can count what a load fetched.
 * Switches make it misbehave the ways real hosts do: `ranges = false` answers a Range request with
 * the whole file (200), `truncate` sends fewer bytes than the content-length it announced, and
 * `overlay` replaces a file's content ("the file changed on the hub").
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, resolve } from 'node:path';

export interface HubRequest {
  method: string;
  /** `<owner>/<name>/<path>` */
  file: string;
  range: string | null;
  ifNoneMatch: string | null;
  status: number;
  /** Body bytes sent. */
  bytes: number;
}

export class LocalHub {
  /** Answer Range requests with 206 (else with the whole file, as a host without range support). */
  ranges = true;
  /** `<owner>/<name>/<path>` -> body bytes to send before cutting the connection. */
  readonly truncate = new Map<string, number>();
  /** `<owner>/<name>/<path>` -> content served instead of the file's. */
  readonly overlay = new Map<string, Uint8Array>();
  readonly requests: HubRequest[] = [];
  /** Called as each request is answered (after it is logged): a test changes the hub mid-load here. */
  onRequest: ((request: HubRequest) => void) | undefined;
  private server: Server | undefined;
  private readonly root: string;
  url = '';

  constructor(root = 'test/fixtures/hub') {
    this.root = resolve(root);
  }

  /** Listens on `port` (default: any free one; a test that goes offline and back passes the old one). */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const match = /^\/([^/]+)\/([^/]+)\/resolve\/[^/]+\/(.+)$/.exec((req.url ?? '').split('?')[0]!);
      const parts = match ? [match[1]!, match[2]!, match[3]!].map(decodeURIComponent) : [];
      const file = parts.join('/');
      const log = (status: number, bytes: number) => {
        const request: HubRequest = {
          method: req.method ?? 'GET',
          file,
          range: req.headers.range ?? null,
          ifNoneMatch: (req.headers['if-none-match'] as string | undefined) ?? null,
          status,
          bytes,
        };
        this.requests.push(request);
        this.onRequest?.(request);
      };
      const entry = this.entry(parts);
      if (!entry) {
        log(404, 0);
        res.writeHead(404).end('Entry not found');
        return;
      }
      const { etag, size } = entry;
      if (req.headers['if-none-match'] === etag) {
        log(304, 0);
        res.writeHead(304, { etag }).end();
        return;
      }
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      let status = 200;
      let [begin, end] = [0, size];
      const headers: Record<string, string> = { etag, 'content-type': 'application/octet-stream' };
      if (range && this.ranges) {
        begin = Number(range[1]);
        end = Math.min(range[2] ? Number(range[2]) + 1 : size, size);
        if (begin >= size) {
          log(416, 0);
          res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
          return;
        }
        status = 206;
        headers['content-range'] = `bytes ${begin}-${end - 1}/${size}`;
      }
      headers['content-length'] = String(end - begin);
      if (req.method === 'HEAD') {
        log(status, 0);
        res.writeHead(status, headers).end();
        return;
      }
      const sent = entry.read(begin, end);
      const cut = this.truncate.get(file);
      res.writeHead(status, headers);
      if (cut !== undefined && cut < sent.length) {
        log(status, cut);
        res.write(sent.subarray(0, cut), () => res.destroy());
        return;
      }
      log(status, sent.length);
      res.end(sent);
    });
    await new Promise<void>((done) => this.server!.listen(port, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }

  /** Body bytes sent for files of `repo` (`<owner>/<name>`), optionally only files matching `pattern`. */
  bytesSent(repo: string, pattern = /./): number {
    return this.requests
      .filter((r) => r.file.startsWith(`${repo}/`) && pattern.test(r.file))
      .reduce((n, r) => n + r.bytes, 0);
  }

  /**
   * A file's size, ETag and reader. Files on disk are read by range (the bench models are hundreds of
   * MB) and tagged by size and mtime as static servers do; overlays by a hash of their content.
   */
  private entry(
    parts: string[],
  ): { size: number; etag: string; read: (begin: number, end: number) => Uint8Array } | undefined {
    if (parts.length !== 3) return undefined;
    const replaced = this.overlay.get(parts.join('/'));
    if (replaced) {
      const etag = `"${createHash('sha1').update(replaced).digest('hex')}"`;
      return { size: replaced.length, etag, read: (begin, end) => replaced.subarray(begin, end) };
    }
    const file = normalize(join(this.root, ...parts));
    if (!file.startsWith(this.root + '/') || !existsSync(file)) return undefined;
    const stat = statSync(file);
    if (!stat.isFile()) return undefined;
    const read = (begin: number, end: number): Uint8Array => {
      const out = new Uint8Array(end - begin);
      const fd = openSync(file, 'r');
      try {
        for (let at = 0; at < out.length;) at += readSync(fd, out, at, out.length - at, begin + at);
      } finally {
        closeSync(fd);
      }
      return out;
    };
    return { size: stat.size, etag: `"${stat.size.toString(16)}-${stat.mtimeMs.toString(16)}"`, read };
  }
}
