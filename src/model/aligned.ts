/**
 * Aligned text: a string plus, per UTF-16 unit, the range of the original text it came from, and
 * the tokenizer normalizers applied to it without losing that alignment (offsets.ts runs the
 * tokenizer's pipeline on it). Also the user-perceived characters ("pieces") that normalization
 * works within and that a token span must never cut.
 *
 * Pure: no I/O. The normalizer objects are @huggingface/tokenizers' own; their functions are
 * applied piece by piece and each result is checked against the function applied to the whole.
 */

/**
 * Text plus, per UTF-16 unit, the original range it came from. Units produced from several
 * original units (a composed "é" from "e" + U+0301) carry the union; inserted units (the spaces
 * around CJK characters) carry the range of the character that caused them.
 */
export interface Aligned {
  text: string;
  start: number[];
  end: number[];
}

/** A normalizer object of @huggingface/tokenizers (runtime fields not all in its type declarations). */
export interface NormalizerObject {
  (text: string): string;
  config: { type?: string; [key: string]: unknown };
  normalize(text: string): string;
  normalizers?: (NormalizerObject | null)[];
  pattern?: RegExp | null;
}

type Fn = (text: string) => string;

/** `text` as it stands, unit i of it at original offset `base + i`. */
export function identity(text: string, base: number): Aligned {
  const start: number[] = new Array(text.length);
  const end: number[] = new Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const hi = text.charCodeAt(i);
    // Both halves of a surrogate pair map to the whole code point, so no span can split it.
    if (hi >= 0xd800 && hi <= 0xdbff && i + 1 < text.length) {
      start[i] = start[i + 1] = base + i;
      end[i] = end[i + 1] = base + i + 2;
      i++;
    } else {
      start[i] = base + i;
      end[i] = base + i + 1;
    }
  }
  return { text, start, end };
}

/** `text` with every unit given the range [s, e): the fallback where the alignment is not known exactly. */
export function coarse(text: string, s: number, e: number): Aligned {
  return { text, start: new Array<number>(text.length).fill(s), end: new Array<number>(text.length).fill(e) };
}

/** Units [from, to) with their ranges. */
export function sliceAligned(a: Aligned, from: number, to: number): Aligned {
  return { text: a.text.slice(from, to), start: a.start.slice(from, to), end: a.end.slice(from, to) };
}

/** The original range units [from, to) came from; an empty range where they have none (added units). */
export function unionOf(a: Aligned, from: number, to: number): [number, number] {
  let s = Infinity;
  let e = -Infinity;
  for (let i = from; i < to; i++) {
    if (a.end[i]! <= a.start[i]!) continue;
    if (a.start[i]! < s) s = a.start[i]!;
    if (a.end[i]! > e) e = a.end[i]!;
  }
  if (s === Infinity) {
    const at = from > 0 ? a.end[from - 1]! : (a.start[from] ?? 0);
    return [at, at];
  }
  return [s, e];
}

/** Applies one of the library's normalizer objects, keeping the alignment. */
export function normalizeAligned(a: Aligned, n: NormalizerObject, memo: WeakMap<object, Map<string, string>>): Aligned {
  switch (n.config.type) {
    case 'Sequence':
      for (const step of n.normalizers ?? []) if (step) a = normalizeAligned(a, step, memo);
      return a;
    case 'Replace': {
      if (!n.pattern) return a;
      const out = replaceAligned(a, n.pattern, String(n.config.content ?? ''));
      // Replacement strings with "$" patterns are expanded by String.replaceAll; check, don't guess.
      if (out.text !== n.normalize(a.text)) throw new Error('replace not followed');
      return out;
    }
    case 'Strip':
      return stripAligned(a, n.config.strip_left === true, n.config.strip_right === true);
    case 'Prepend': {
      const p = String(n.config.prepend ?? '');
      const at = a.start[0] ?? 0;
      return {
        text: p + a.text,
        start: [...new Array<number>(p.length).fill(at), ...a.start],
        end: [...new Array<number>(p.length).fill(at), ...a.end],
      };
    }
    // Everything else the library offers works character by character (BertNormalizer's clean-up,
    // CJK spacing, lowercasing and accent stripping; NFC/NFD/NFKC/NFKD; Lowercase; StripAccents;
    // Precompiled): apply the library's own function to each user-perceived character.
    default:
      return mapPieces(a, (s) => n.normalize(s), memo, n);
  }
}

/**
 * Applies a character-wise function piece by piece, a piece being one user-perceived character
 * (a base with its combining marks, a Hangul jamo syllable, an emoji sequence): Unicode
 * normalization composes and reorders only within one. The result is checked against the function
 * applied to the whole text; where they differ only in content, not length (lowercasing a final
 * sigma depends on the next letter), the whole's content is kept with the pieces' alignment.
 */
export function mapPieces(a: Aligned, f: Fn, memo: WeakMap<object, Map<string, string>>, key: object): Aligned {
  const whole = f(a.text);
  if (whole === a.text) return a;
  let cache = memo.get(key);
  if (!cache) memo.set(key, (cache = new Map()));
  const text: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  /** Output length per piece and where its input began, for the repair below. */
  const pieceIn: number[] = [];
  const pieceOut: number[] = [];
  let i = 0;
  for (const piece of pieceList(a.text)) {
    let r = cache.get(piece);
    if (r === undefined) {
      r = f(piece);
      if (cache.size < 65536) cache.set(piece, r);
    }
    pieceIn.push(i);
    pieceOut.push(start.length);
    text.push(r);
    if (r.length === piece.length) {
      for (let k = 0; k < r.length; k++) {
        start.push(a.start[i + k]!);
        end.push(a.end[i + k]!);
      }
    } else if (r.length > 0) {
      const [s, e] = unionOf(a, i, i + piece.length);
      for (let k = 0; k < r.length; k++) {
        start.push(s);
        end.push(e);
      }
    }
    i += piece.length;
  }
  const joined = text.join('');
  if (joined === whole) return { text: whole, start, end };
  if (joined.length === whole.length) return { text: whole, start, end };
  // Pieces interacted (rare): keep the agreeing prefix and suffix, give the middle the union.
  let pre = 0;
  while (pre < joined.length && pre < whole.length && joined[pre] === whole[pre]) pre++;
  let suf = 0;
  while (
    suf < joined.length - pre &&
    suf < whole.length - pre &&
    joined[joined.length - 1 - suf] === whole[whole.length - 1 - suf]
  )
    suf++;
  const midStart = pre;
  const midEndJoined = joined.length - suf;
  let s = Infinity;
  let e = -Infinity;
  for (let k = midStart; k < midEndJoined; k++) {
    if (start[k]! < s) s = start[k]!;
    if (end[k]! > e) e = end[k]!;
  }
  if (s === Infinity) {
    s = e = midStart < start.length ? start[midStart]! : (end[midStart - 1] ?? 0);
  }
  const midLen = whole.length - pre - suf;
  return {
    text: whole,
    start: [...start.slice(0, pre), ...new Array<number>(midLen).fill(s), ...start.slice(midEndJoined)],
    end: [...end.slice(0, pre), ...new Array<number>(midLen).fill(e), ...end.slice(midEndJoined)],
  };
}

/** String.replaceAll on aligned text: a replacement carries the range of what it replaced. */
export function replaceAligned(a: Aligned, pattern: RegExp, content: string): Aligned {
  const re = pattern.global ? pattern : new RegExp(pattern.source, pattern.flags + 'g');
  let text = '';
  const start: number[] = [];
  const end: number[] = [];
  let prev = 0;
  const copy = (from: number, to: number) => {
    text += a.text.slice(from, to);
    for (let k = from; k < to; k++) {
      start.push(a.start[k]!);
      end.push(a.end[k]!);
    }
  };
  for (const m of a.text.matchAll(re)) {
    const i = m.index;
    const j = i + m[0].length;
    copy(prev, i);
    if (content.length > 0) {
      const [s, e] = unionOf(a, i, j);
      text += content;
      for (let k = 0; k < content.length; k++) {
        start.push(s);
        end.push(e);
      }
    }
    prev = j;
  }
  copy(prev, a.text.length);
  return { text, start, end };
}

/** Trims whitespace on the left and/or right, ranges kept. */
export function stripAligned(a: Aligned, left: boolean, right: boolean): Aligned {
  const from = left ? a.text.length - a.text.trimStart().length : 0;
  const to = right ? a.text.trimEnd().length : a.text.length;
  return from === 0 && to === a.text.length ? a : sliceAligned(a, from, Math.max(from, to));
}

/*
 * User-perceived characters, approximately (UAX #29 in the cases that matter for normalization):
 * CR LF; a regional-indicator pair; Hangul jamo L+ V* T*; otherwise one code point followed by
 * its combining marks, joiners, halfwidth sound marks, emoji modifiers and tags. Intl.Segmenter
 * does this exactly but is orders of magnitude slower in some engines.
 */
const PIECE =
  /\r\n|[\u{1F1E6}-\u{1F1FF}]{2}|(?:[\u1100-\u115F\uA960-\uA97F]+[\u1160-\u11FF\uD7B0-\uD7FF]*|[\s\S])(?:\u200D[\s\S]|[\p{M}\u200C\uFF9E\uFF9F\u1160-\u11FF\uD7B0-\uD7FF\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}])*/gu;

function pieceList(text: string): string[] {
  return text.match(PIECE) ?? [];
}

/** boundary[i] = 1 when a user-perceived character starts at code unit i (and at the end). */
export function clusterStarts(text: string): Uint8Array {
  const b = new Uint8Array(text.length + 1);
  let i = 0;
  for (const p of pieceList(text)) {
    b[i] = 1;
    i += p.length;
  }
  b[text.length] = 1;
  return b;
}
