/**
 * Snippets: a short passage of a document with the words that matched marked by character
 * offsets. Never HTML: the caller renders `text` and the ranges with textContent / Range APIs.
 */

export interface Highlight {
  /** Offsets into the snippet's `text`, end exclusive. */
  start: number;
  end: number;
  /** The vocabulary entry that matched here. */
  token: string;
}

export interface Snippet {
  text: string;
  /** Offset of `text` within the whole document. */
  offset: number;
  highlights: Highlight[];
}

/** The readable surface of a vocabulary entry: "##ing" -> "ing", "▁사용" -> "사용", "[CLS]" -> "". */
export function surfaceOf(token: string): string {
  if (/^\[.*\]$/.test(token) || /^<.*>$/.test(token)) return '';
  return token.replace(/^##/, '').replace(/^▁/, '').replace(/^Ġ/, '');
}

/**
 * Finds the `maxChars` window of `text` with the most weight of matched tokens and marks every
 * occurrence of those tokens inside it (case-insensitive, whole words for word-start tokens).
 */
export function makeSnippet(text: string, tokens: readonly { token: string; weight: number }[], maxChars = 240): Snippet {
  const lower = text.toLowerCase();
  const found: (Highlight & { weight: number })[] = [];
  for (const { token, weight } of tokens) {
    const surface = surfaceOf(token).toLowerCase();
    if (surface.length === 0) continue;
    const continuation = token.startsWith('##');
    for (let at = lower.indexOf(surface); at >= 0; at = lower.indexOf(surface, at + surface.length)) {
      // A word-start token must start a word; a continuation ("##ing") must not.
      const before = at > 0 ? lower[at - 1]! : ' ';
      const startsWord = !/[\p{L}\p{N}]/u.test(before);
      if (continuation === startsWord && !/[\p{Script=Hangul}\p{Script=Han}]/u.test(surface)) continue;
      found.push({ start: at, end: at + surface.length, token, weight });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  // Drop overlaps, keeping the earlier/longer mark.
  const marks: typeof found = [];
  for (const f of found) if (!marks.length || f.start >= marks[marks.length - 1]!.end) marks.push(f);
  let bestStart = 0;
  let bestWeight = -1;
  for (let i = 0, j = 0, sum = 0; i < marks.length; i++) {
    while (j < marks.length && marks[j]!.end - marks[i]!.start <= maxChars) sum += marks[j++]!.weight;
    if (sum > bestWeight) {
      bestWeight = sum;
      bestStart = marks[i]!.start;
    }
    sum -= marks[i]!.weight;
  }
  let start = Math.max(0, Math.min(bestStart - Math.floor(maxChars / 6), text.length - maxChars));
  // Do not cut a word in half at the start.
  while (start > 0 && /[\p{L}\p{N}]/u.test(text[start - 1]!) && bestStart - start < maxChars / 3) start--;
  const end = Math.min(text.length, start + maxChars);
  const highlights = marks.filter((m) => m.start >= start && m.end <= end).map((m) => ({ start: m.start - start, end: m.end - start, token: m.token }));
  return { text: text.slice(start, end), offset: start, highlights };
}
