// The widget's searches one at a time (latest-search.ts): a newer search or a cancel drops the older
// answer, a slow search is reported busy once, a fast one never.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LatestSearch } from '../src/widget/latest-search.ts';

/** A search that settles when told to, and the signal it was given. */
function pending<T>() {
  let settle!: { resolve: (v: T) => void; reject: (e: unknown) => void };
  let signal!: AbortSignal;
  const search = (s: AbortSignal) => {
    signal = s;
    return new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  };
  return { search, settle: () => settle, signal: () => signal };
}

describe('LatestSearch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('answers the latest search only, aborting the one before', async () => {
    const searches = new LatestSearch(150);
    const first = pending<string>();
    const second = pending<string>();
    const a = searches.run(first.search, () => {});
    const b = searches.run(second.search, () => {});
    expect(first.signal().aborted).toBe(true);
    expect(second.signal().aborted).toBe(false);
    first.settle().resolve('old');
    second.settle().resolve('new');
    expect(await a).toBeUndefined();
    expect(await b).toEqual({ ok: true, value: 'new' });
  });

  it('reports a failure of the latest search as its outcome', async () => {
    const searches = new LatestSearch(150);
    const run = searches.run(
      () => Promise.reject(new Error('no index')),
      () => {},
    );
    expect(await run).toEqual({ ok: false, error: new Error('no index') });
  });

  it('says busy once the delay has passed, and never for a search that answered or was cancelled', async () => {
    const searches = new LatestSearch(150);
    const busy = vi.fn();
    const slow = pending<number>();
    const run = searches.run(slow.search, busy);
    vi.advanceTimersByTime(149);
    expect(busy).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(busy).toHaveBeenCalledTimes(1);
    slow.settle().resolve(1);
    await run;

    const fast = searches.run(() => Promise.resolve(2), busy);
    expect(await fast).toEqual({ ok: true, value: 2 });
    const dropped = pending<number>();
    const cancelled = searches.run(dropped.search, busy);
    searches.cancel();
    expect(dropped.signal().aborted).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(busy).toHaveBeenCalledTimes(1);
    dropped.settle().resolve(3);
    expect(await cancelled).toBeUndefined();
  });

  it('abort() aborts without dropping: the aborted search still answers', async () => {
    const searches = new LatestSearch(150);
    const s = pending<number>();
    const run = searches.run(s.search, () => {});
    searches.abort();
    expect(s.signal().aborted).toBe(true);
    s.settle().reject(new DOMException('aborted', 'AbortError'));
    expect((await run)?.ok).toBe(false);
  });
});
