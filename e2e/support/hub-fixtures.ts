/**
 * The hub's answers for the fixture repositories in test/fixtures/hub/<owner>/<name>/, as
 * huggingface.co gives them, for tests that must not reach the network:
 *   GET|HEAD /<owner>/<name>/resolve/<revision>/<path>   the file (ETag, Content-Length; If-None-Match -> 304;
 *                                                        404 "Entry not found" with X-Error-Code EntryNotFound)
 *   GET /api/models/<owner>/<name>/tree/<revision>[?recursive=true]
 *                                                        the file listing: {type, oid, size, path}, plus
 *                                                        lfs {oid, size, pointerSize} for weight files
 * with CORS headers (a page on another origin reads them, as it does the hub's). The revision is
 * ignored. `hubAnswer` is the pure part (a Playwright route fulfils with it: e2e/demo-hub.spec.ts);
 * `serveHubFixtures` puts it behind a Node HTTP server (Node tests: test/cli-hub-build.test.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, relative, resolve, sep } from 'node:path';

export const HUB_FIXTURES = resolve('test/fixtures/hub');

export interface HubAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'etag, content-length, link, x-error-code, x-linked-size',
};

/** Files the hub stores with LFS (by .gitattributes in real repos): their listing entries carry `lfs`. */
const LFS = /\.(safetensors|onnx|onnx_data|bin)$/;

function sha(body: Buffer, algorithm: 'sha1' | 'sha256'): string {
  return createHash(algorithm).update(body).digest('hex');
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function notFound(code: string, message: string): HubAnswer {
  return { status: 404, headers: { ...CORS, 'x-error-code': code }, body: Buffer.from(message) };
}

/**
 * The hub's answer to a GET of `url` (path and query; any origin) for the repositories in `dir`;
 * `requestHeaders` for If-None-Match. A HEAD gets the same headers (Content-Length included) and the
 * server drops the body. Undefined for a URL that is neither a file nor a listing.
 */
export function hubAnswer(
  url: string,
  requestHeaders: Record<string, string | undefined> = {},
  dir = HUB_FIXTURES,
): HubAnswer | undefined {
  const { pathname, searchParams } = new URL(url, 'http://hub.invalid');
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'api' && parts[1] === 'models' && parts[4] === 'tree' && parts.length >= 6) {
    const repo = join(dir, parts[2]!, parts[3]!);
    if (!existsSync(repo)) return notFound('RepoNotFound', 'Repository not found');
    const recursive = /^(1|true)$/i.test(searchParams.get('recursive') ?? '');
    const under = parts.slice(6).join('/');
    const entries: object[] = [];
    const dirs = new Set<string>();
    for (const file of filesUnder(repo).sort()) {
      const path = relative(repo, file).split(sep).join('/');
      if (under && !path.startsWith(`${under}/`)) continue;
      const rest = under ? path.slice(under.length + 1) : path;
      if (!recursive && rest.includes('/')) {
        const sub = (under ? `${under}/` : '') + rest.slice(0, rest.indexOf('/'));
        if (!dirs.has(sub)) entries.push({ type: 'directory', oid: sha(Buffer.from(sub), 'sha1'), size: 0, path: sub });
        dirs.add(sub);
        continue;
      }
      const body = readFileSync(file);
      const entry: Record<string, unknown> = { type: 'file', oid: sha(body, 'sha1'), size: body.length, path };
      if (LFS.test(path)) entry['lfs'] = { oid: sha(body, 'sha256'), size: body.length, pointerSize: 134 };
      entries.push(entry);
    }
    const body = Buffer.from(JSON.stringify(entries));
    return { status: 200, headers: { ...CORS, 'content-type': 'application/json' }, body };
  }
  const at = parts.indexOf('resolve');
  if (at !== 2 || parts.length < 5) return undefined;
  const repo = join(dir, parts[0]!, parts[1]!);
  const file = normalize(join(repo, ...parts.slice(4)));
  if (!file.startsWith(repo + sep) || !existsSync(file) || !statSync(file).isFile())
    return notFound('EntryNotFound', 'Entry not found');
  const body = readFileSync(file);
  const etag = `"${sha(body, 'sha1')}"`;
  const headers = { ...CORS, etag, 'last-modified': statSync(file).mtime.toUTCString() };
  if (requestHeaders['if-none-match'] === etag) return { status: 304, headers, body: Buffer.alloc(0) };
  return {
    status: 200,
    headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    body,
  };
}

export interface HubServer {
  /** Base URL of the hub (what `hubUrl` takes), without a trailing slash. */
  url: string;
  /** "METHOD path" of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** `hubAnswer` on 127.0.0.1 (a free port). */
export async function serveHubFixtures(dir = HUB_FIXTURES): Promise<HubServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const headers = { 'if-none-match': req.headers['if-none-match'] };
    const answer = hubAnswer(req.url ?? '/', headers, dir);
    if (!answer) {
      res.writeHead(404, CORS).end('Not found');
      return;
    }
    res.writeHead(answer.status, answer.headers);
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
