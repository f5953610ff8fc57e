/**
 * Starting the encoder worker, and saying what failed when it does not start: a worker whose
 * script cannot be loaded gets a bare `error` Event (no message, no file name), so the script's URL
 * is fetched again to learn its HTTP status and type.
 */
import { SpladeError } from '../../errors.ts';
import { describeProbe, notJavaScript, probeUrl } from '../../runtime/probe.ts';

export interface StartedWorker {
  worker: Worker;
  /** The worker script's URL, as the page's bundler wrote it. */
  url: string;
}

export function startEncoderWorker(): StartedWorker {
  let url = '';
  // Bundlers (Vite, webpack, Parcel) find a worker only where `new Worker(` takes a `new URL(` of a
  // string literal and import.meta.url directly, and rewrite that URL to the file they emit; the URL
  // cannot be put in a variable first. This local `Worker` records the URL they wrote.
  const Worker = class extends globalThis.Worker {
    constructor(scriptUrl: URL, options: WorkerOptions) {
      url = String(scriptUrl);
      super(trustedScriptUrl(url) as string, options);
    }
  };
  try {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'splade-web encoder' });
    return { worker, url };
  } catch (cause) {
    // e.g. SecurityError: a worker script must come from the page's origin.
    throw new SpladeError(
      'runtime',
      `the encoder worker could not be created from ${url || 'its script'}: ${(cause as Error)?.message ?? String(cause)}; the worker script must be served from the page's origin (bundle splade-web with the page)`,
      { cause },
    );
  }
}

interface TrustedTypePolicyLike {
  createScriptURL(url: string): unknown;
}
let policy: TrustedTypePolicyLike | null | undefined;

/**
 * On a page that requires Trusted Types (`require-trusted-types-for 'script'`), a worker's URL must
 * be a TrustedScriptURL. The policy passes only the bundler-written worker URL of this origin; a
 * page whose `trusted-types` directive does not list "splade-web" gets the plain string (and the
 * browser's own error names the directive).
 */
function trustedScriptUrl(url: string): unknown {
  const tt = (
    globalThis as {
      trustedTypes?: {
        createPolicy(name: string, rules: { createScriptURL(u: string): string }): TrustedTypePolicyLike;
      };
    }
  ).trustedTypes;
  if (!tt) return url;
  if (policy === undefined) {
    try {
      policy = tt.createPolicy('splade-web', {
        createScriptURL: (u) => {
          if (new URL(u, location.href).origin !== location.origin)
            throw new TypeError(`refusing a worker script from another origin: ${u}`);
          return u;
        },
      });
    } catch {
      policy = null;
    }
  }
  return policy ? policy.createScriptURL(url) : url;
}

/** The relative or absolute URLs a module script imports statically or dynamically (string literals only). */
function importedUrls(source: string, base: string): string[] {
  const urls = new Set<string>();
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])((?:\.{1,2}\/|\/)[^'"]+)\1/g)) {
    try {
      urls.add(new URL(m[2]!, base).href);
    } catch {
      // not a URL
    }
  }
  return [...urls].slice(0, 20);
}

/** Why the worker at `url` did not start, as a SpladeError naming the URL and what it answered. */
export async function workerStartError(url: string, event: Event): Promise<SpladeError> {
  const e = event as Partial<ErrorEvent>;
  if (e.message) {
    // The script ran and threw while starting.
    const where = e.filename ? ` (${e.filename}${e.lineno ? `:${e.lineno}` : ''})` : '';
    return new SpladeError('runtime', `the encoder worker ${url} failed to start: ${e.message}${where}`);
  }
  const probe = await probeUrl(url, 64 * 1024);
  if (!probe.ok) {
    return new SpladeError(
      'runtime',
      `the encoder worker failed to start: ${describeProbe(probe)}; serve the worker file your bundler emitted next to the page's scripts`,
    );
  }
  if (notJavaScript(probe)) {
    return new SpladeError(
      'runtime',
      `the encoder worker failed to start: ${describeProbe(probe)}, which is not JavaScript; a module worker needs its script served as text/javascript (a server that answers missing files with an HTML page does this)`,
    );
  }
  for (const dep of importedUrls(probe.text ?? '', url)) {
    const p = await probeUrl(dep);
    if (!p.ok || notJavaScript(p))
      return new SpladeError(
        'runtime',
        `the encoder worker ${url} failed to start: a module it imports could not be loaded: ${describeProbe(p)}`,
      );
  }
  return new SpladeError(
    'runtime',
    `the encoder worker failed to start: ${describeProbe(probe)}, but the browser did not run it (a Content-Security-Policy without worker-src for it, or a module it imports that failed; the browser console names it)`,
  );
}
