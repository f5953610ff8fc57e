/** Text the widget shows, and the links it follows: pure functions (unit-tested in Node). */

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (all, k: string) => (k in values ? String(values[k]) : all));
}

/** A token as a reader would read it (WordPiece "##ing", BPE "Ġword", SentencePiece "▁word"). */
export function readable(token: string): string {
  return token.replace(/^##/, '…').replace(/^[Ġ▁]/, '');
}

/** A hit's URL, if following it is safe: http(s) only (never javascript:, data:, blob:, ...). */
export function safeUrl(url: string, base: string): URL | undefined {
  try {
    const u = new URL(url, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}


/** An error's message, without the library prefix (the widget names itself). */
export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^splade-web: /, '');
}
