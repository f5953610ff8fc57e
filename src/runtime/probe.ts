/**
 * Fetching a URL again after the browser refused it (a worker script, onnxruntime-web's .wasm), to
 * say in an error what it answered: the browser's own errors rarely name the URL or the status.
 */

/** The first bytes and headers of a URL, or why it could not be fetched. */
export interface Probe {
  url: string;
  ok: boolean;
  status?: number;
  statusText?: string;
  contentType?: string;
  head?: Uint8Array;
  text?: string;
  error?: string;
}

/**
 * Fetches a URL to report on it. `text` keeps up to `textBytes` of the body (to find the modules a
 * script imports); otherwise only the first bytes are read and the rest is cancelled.
 */
export async function probeUrl(url: string, textBytes = 0): Promise<Probe> {
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
  } catch (error) {
    return { url, ok: false, error: (error as Error)?.message ?? String(error) };
  }
  const probe: Probe = {
    url,
    ok: response.ok,
    status: response.status,
    statusText: response.statusText,
    contentType: response.headers.get('content-type') ?? '',
  };
  const reader = response.body?.getReader();
  if (!reader) return probe;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < Math.max(8, textBytes)) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body cut short still has its status
  } finally {
    void reader.cancel().catch(() => {});
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.byteLength;
  }
  probe.head = body.subarray(0, 8);
  if (textBytes > 0) probe.text = new TextDecoder().decode(body.subarray(0, textBytes));
  return probe;
}

/** "GET <url> answered HTTP 404 Not Found", or the network error. */
export function describeProbe(p: Probe): string {
  if (p.error !== undefined) return `GET ${p.url} failed (${p.error})`;
  return `GET ${p.url} answered HTTP ${p.status}${p.statusText ? ` ${p.statusText}` : ''}${p.contentType ? ` (${p.contentType})` : ''}`;
}

export const looksLikeHtml = (p: Probe) =>
  /text\/html/i.test(p.contentType ?? '') || (p.head !== undefined && p.head[0] === 0x3c); // '<'

/** A JavaScript file that was served as something else (a server's HTML fallback page, say). */
export function notJavaScript(p: Probe): boolean {
  return looksLikeHtml(p) || !/javascript|ecmascript/i.test(p.contentType ?? 'javascript');
}
