/**
 * Downloads that end early are never kept (src/model/source.ts): a body shorter than the
 * content-length the server announced, or a connection cut mid-body, fails with a SpladeError that
 * names the file and the byte counts, and nothing reaches the Cache API (an in-memory stand-in
 * here), so a later offline load cannot pick up half a file. Real HTTP over a local hub server.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SpladeError } from '../src/errors.ts';
import { expectedLength, openModelSource } from '../src/model/source.ts';
import { LocalHub } from './hub-server.ts';

/** Just enough of the Cache API: match / put / delete by URL. */
class MemoryCache {
  readonly entries = new Map<string, Response>();
  async match(url: string): Promise<Response | undefined> {
    return this.entries.get(url)?.clone();
  }
  async put(url: string, response: Response): Promise<void> {
    this.entries.set(url, new Response(await response.arrayBuffer(), response));
  }
  async delete(url: string): Promise<boolean> {
    return this.entries.delete(url);
  }
}

const REPO = 'naver/splade-v3';
let hub: LocalHub;
let cache: MemoryCache;

beforeAll(async () => {
  hub = await new LocalHub().start();
});
afterAll(async () => {
  await hub.stop();
});
beforeEach(() => {
  cache = new MemoryCache();
  (globalThis as { caches?: unknown }).caches = { open: async () => cache };
  hub.truncate.clear();
});
afterEach(() => {
  delete (globalThis as { caches?: unknown }).caches;
});

async function failure(promise: Promise<unknown>): Promise<SpladeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SpladeError);
  return error as SpladeError;
}

describe('truncated downloads', () => {
  for (const progress of [false, true]) {
    it(`a connection cut mid-body fails naming the file and the bytes, and caches nothing (progress ${progress})`, async () => {
      hub.truncate.set(`${REPO}/tokenizer.json`, 1000);
      const files = openModelSource(REPO, { hubUrl: hub.url, ...(progress ? { onProgress: () => {} } : {}) });
      const error = await failure(files.read('tokenizer.json'));
      expect(error.code).toBe('network');
      expect(error.file).toBe('tokenizer.json');
      expect(error.message).toMatch(
        /^the download of tokenizer\.json from http:\/\/127\.0\.0\.1:\d+\/naver\/splade-v3\//,
      );
      expect(error.message).toMatch(/broke off after \d+ bytes of the \d+ its content-length announced/);
      expect(error.message).toMatch(/nothing was cached$/);
      expect(cache.entries.size).toBe(0);
      // Once the host sends it whole, it loads and is kept.
      hub.truncate.clear();
      expect((await files.read('tokenizer.json'))!.byteLength).toBeGreaterThan(1000);
      expect(cache.entries.size).toBe(1);
    });
  }

  it('a body shorter than its content-length (no error from the transport) fails and caches nothing', async () => {
    const fetchShort: typeof fetch = async () =>
      new Response(new Uint8Array(10), { headers: { 'content-length': '25', etag: '"x"' } });
    const files = openModelSource(REPO, { hubUrl: 'https://hub.test', fetch: fetchShort });
    const error = await failure(files.read('config.json'));
    expect(error.code).toBe('network');
    expect(error.file).toBe('config.json');
    expect(error.message).toBe(
      'the download of config.json from https://hub.test/naver/splade-v3/resolve/main/config.json is incomplete: received 10 bytes of the 25 its content-length announced; nothing was cached',
    );
    expect(cache.entries.size).toBe(0);
  });

  it('content-length is compared only where it counts the bytes fetch hands over', () => {
    const sized = (headers: Record<string, string>) => expectedLength(new Response(null, { headers }));
    expect(sized({ 'content-length': '25' })).toBe(25);
    expect(sized({ 'content-length': '25', 'content-encoding': 'identity' })).toBe(25);
    expect(sized({ 'content-length': '25', 'content-encoding': 'gzip' })).toBeUndefined(); // counts compressed bytes
    expect(sized({})).toBeUndefined();
    expect(sized({ 'content-length': 'many' })).toBeUndefined();
  });
});
