/**
 * How hub files are cached (src/model/source.ts), in Node with an in-memory Cache API and a fake
 * hub: a branch revision is revalidated with conditional requests and served from the cache when the
 * hub is unreachable; a commit revision is served from the cache without asking. (The same, in a real
 * browser against the hub mirror: e2e/robustness.spec.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCommitRevision, openModelSource, type LoadProgress } from '../src/model/source.ts';

/** Just enough of the Cache API: match / put / delete by URL. */
class MemoryCache {
  readonly entries = new Map<string, { status: number; body: Uint8Array; headers: [string, string][] }>();
  async match(url: string): Promise<Response | undefined> {
    const e = this.entries.get(url);
    return e && new Response(e.status === 404 ? null : e.body.slice(), { status: e.status, headers: e.headers });
  }
  async put(url: string, response: Response): Promise<void> {
    const body = new Uint8Array(await response.arrayBuffer());
    this.entries.set(url, { status: response.status, body, headers: [...response.headers] });
  }
  async delete(url: string): Promise<boolean> {
    return this.entries.delete(url);
  }
}

/** A hub that serves `files` with ETags, answers If-None-Match, and can go offline. */
class FakeHub {
  files = new Map<string, string>();
  offline = false;
  /** Requests that carry conditional headers fail, as a refused CORS preflight does. */
  refuseConditional = false;
  readonly requests: { url: string; ifNoneMatch: string | null; cache: RequestInit['cache'] }[] = [];
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const ifNoneMatch = new Headers(init?.headers).get('if-none-match');
    this.requests.push({ url, ifNoneMatch, cache: init?.cache });
    if (this.offline) throw new TypeError('Failed to fetch');
    if (this.refuseConditional && ifNoneMatch !== null) throw new TypeError('Failed to fetch (preflight)');
    const path = url.replace(/^.*\/resolve\/[^/]+\//, '');
    const body = this.files.get(path);
    if (body === undefined) return new Response('Entry not found', { status: 404 });
    const etag = `"${body.length}-${[...body].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)}"`;
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers: { etag } });
    return new Response(body, { headers: { etag, 'content-type': 'application/octet-stream' } });
  };
}

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
let cache: MemoryCache;
let hub: FakeHub;

beforeEach(() => {
  cache = new MemoryCache();
  hub = new FakeHub();
  hub.files.set('modules.json', 'v1');
  (globalThis as { caches?: unknown }).caches = { open: async () => cache };
});
afterEach(() => {
  delete (globalThis as { caches?: unknown }).caches;
});

async function read(revision: string | undefined, path = 'modules.json') {
  const events: LoadProgress[] = [];
  const files = openModelSource('owner/model', {
    hubUrl: 'https://hub.test',
    fetch: hub.fetch,
    onProgress: (e) => events.push(e),
    ...(revision === undefined ? {} : { revision }),
  });
  const bytes = await files.read(path);
  const done = events.find((e) => e.status === 'done') as Extract<LoadProgress, { status: 'done' }> | undefined;
  return { text: bytes && new TextDecoder().decode(bytes), fromCache: done?.fromCache };
}

describe('model file caching by revision', () => {
  it('tells commits from branches and tags', () => {
    expect(isCommitRevision(COMMIT)).toBe(true);
    expect(isCommitRevision('main')).toBe(false);
    expect(isCommitRevision('v1.0')).toBe(false);
    expect(isCommitRevision(COMMIT.slice(1))).toBe(false); // a short commit id can be ambiguous, and a branch can look like one
  });

  it('a branch revision is revalidated online (conditional, 304 keeps the copy), picks up changes, and falls back to the cache offline', async () => {
    expect(await read(undefined)).toEqual({ text: 'v1', fromCache: false });
    expect(hub.requests).toEqual([
      { url: 'https://hub.test/owner/model/resolve/main/modules.json', ifNoneMatch: null, cache: 'no-cache' },
    ]);
    const etag = cache.entries
      .get('https://hub.test/owner/model/resolve/main/modules.json')!
      .headers.find(([k]) => k === 'etag')![1];

    // Unchanged: a conditional request, answered 304, served from the cached copy.
    expect(await read('main')).toEqual({ text: 'v1', fromCache: true });
    expect(hub.requests[1]).toEqual({
      url: 'https://hub.test/owner/model/resolve/main/modules.json',
      ifNoneMatch: etag,
      cache: 'no-cache',
    });

    // Changed on the hub: downloaded and the cached copy replaced.
    hub.files.set('modules.json', 'v2 changed');
    expect(await read('main')).toEqual({ text: 'v2 changed', fromCache: false });
    expect(
      new TextDecoder().decode(cache.entries.get('https://hub.test/owner/model/resolve/main/modules.json')!.body),
    ).toBe('v2 changed');

    // Offline: the latest cached copy.
    hub.offline = true;
    expect(await read('main')).toEqual({ text: 'v2 changed', fromCache: true });
    expect(hub.requests.length).toBe(5); // the conditional try and its plain retry both failed
  });

  it('a tag is revalidated too; a refused conditional request is retried as a plain one', async () => {
    await read('v1.0');
    hub.files.set('modules.json', 'v1.0 moved');
    hub.refuseConditional = true;
    expect(await read('v1.0')).toEqual({ text: 'v1.0 moved', fromCache: false });
    expect(hub.requests.map((r) => r.ifNoneMatch === null)).toEqual([true, false, true]);
  });

  it('a file deleted from a branch reads as missing, its copy replaced by the 404, offline too', async () => {
    hub.files.set('idf.json', '{}');
    expect(await read('main', 'idf.json')).toEqual({ text: '{}', fromCache: false });
    hub.files.delete('idf.json');
    expect(await read('main', 'idf.json')).toEqual({ text: undefined, fromCache: undefined });
    expect(cache.entries.get('https://hub.test/owner/model/resolve/main/idf.json')!.status).toBe(404);
    hub.offline = true;
    expect(await read('main', 'idf.json')).toEqual({ text: undefined, fromCache: undefined });
  });

  it('a file the hub said is absent reads as absent offline (a repo without ONNX loads offline)', async () => {
    expect(await read('main', 'onnx/model.onnx')).toEqual({ text: undefined, fromCache: undefined });
    hub.offline = true;
    expect(await read('main', 'onnx/model.onnx')).toEqual({ text: undefined, fromCache: undefined });
    // Never asked while online: offline, that is still a network error, not a silent absence.
    await expect(read('main', 'model.onnx')).rejects.toThrow(/no cached copy exists/);
    // A commit revision answers an absent file from the cache without asking.
    hub.offline = false;
    expect(await read(COMMIT, 'onnx/model.onnx')).toEqual({ text: undefined, fromCache: undefined });
    const asked = hub.requests.length;
    expect(await read(COMMIT, 'onnx/model.onnx')).toEqual({ text: undefined, fromCache: undefined });
    expect(hub.requests.length).toBe(asked);
  });

  it('a commit revision is cache-first: once cached it is never requested again', async () => {
    expect(await read(COMMIT)).toEqual({ text: 'v1', fromCache: false });
    expect(hub.requests.length).toBe(1);
    expect(hub.requests[0]!.ifNoneMatch).toBeNull();
    hub.files.set('modules.json', 'v2 changed'); // cannot happen on a real hub; shows nobody asked
    expect(await read(COMMIT)).toEqual({ text: 'v1', fromCache: true });
    hub.offline = true;
    expect(await read(COMMIT)).toEqual({ text: 'v1', fromCache: true });
    expect(hub.requests.length).toBe(1);
  });

  it('without a cached copy, an unreachable hub is a clear network error', async () => {
    hub.offline = true;
    const err = await read('main').catch((e) => e);
    expect(err.code).toBe('network');
    expect(err.file).toBe('modules.json');
    expect(err.message).toBe(
      'could not download modules.json from https://hub.test/owner/model/resolve/main/modules.json and no cached copy exists (Failed to fetch)',
    );
  });
});
