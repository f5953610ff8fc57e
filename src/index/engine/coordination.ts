/**
 * Several tabs may open the same index. One writer at a time (Web Locks across tabs, a queue within
 * an instance), and a BroadcastChannel that tells readers a new generation was committed.
 */

/** Runs write operations one at a time, across tabs where Web Locks exist. */
export class WriterLock {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly name: string) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = () => {
      const locks = (globalThis.navigator as Navigator | undefined)?.locks;
      return locks ? locks.request(this.name, { mode: 'exclusive' }, fn) : fn();
    };
    const result = this.queue.then(run, run) as Promise<T>;
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Tells other tabs about commits; `onOther` hears theirs. */
export class GenerationChannel {
  private readonly channel?: BroadcastChannel;
  constructor(name: string, onOther: (generation: number) => void) {
    if (typeof BroadcastChannel === 'undefined') return;
    this.channel = new BroadcastChannel(name);
    // A structural event type: Node's MessageEvent (this module also runs there) is not generic.
    this.channel.onmessage = (e: { data: { generation: number } }) => onOther(e.data.generation);
  }

  announce(generation: number): void {
    this.channel?.postMessage({ generation });
  }

  close(): void {
    this.channel?.close();
  }
}
