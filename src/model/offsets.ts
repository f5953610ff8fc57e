/**
 * Character offsets of tokens in the original text.
 *
 * @huggingface/tokenizers returns ids and token strings only, so highlights used to search the text
 * for each token's surface, which marks the wrong places ("##s" hits every non-initial "s") and
 * drifts where lowercasing changes lengths ("İ" lowercases to two code units). This module runs the
 * tokenizer's own pipeline (added-token split, normalizer, pre-tokenizer, model), reusing the
 * library's component objects, while carrying for every normalized code unit the range of the
 * original text it came from. Nothing is searched in the original text.
 *
 * Pure: no I/O. Offsets are UTF-16 indices into the text as given (the tokenizer sees
 * `text.toWellFormed()`, which has the same length, so its offsets are the original's).
 */
import type { Tokenizer } from '@huggingface/tokenizers';

/** Offsets of content tokens: `offsets[2k]`, `offsets[2k + 1]` are token k's start and end. */
export interface TokenOffsets {
  ids: number[];
  /** The token strings the model produced (vocabulary entries, or the raw piece of a Unigram unknown). */
  tokens: string[];
  offsets: Uint32Array;
  /**
   * Tokens whose span could not be derived exactly (an unsupported normalizer or pre-tokenizer,
   * or a library behaviour this module does not follow); their span then covers the enclosing
   * section of text. 0 for the supported pipelines (BertNormalizer/WordPiece, Metaspace/Unigram).
   */
  approximate: number;
}

/**
 * Text plus, per UTF-16 unit, the original range it came from. Units produced from several
 * original units (a composed "é" from "e" + U+0301) carry the union; inserted units (the spaces
 * around CJK characters) carry the range of the character that caused them.
 */
interface Aligned {
  text: string;
  start: number[];
  end: number[];
}

/* The library objects this module drives. Their fields are part of the package's runtime objects
 * but not all of its type declarations, so they are described here once. */
type Fn = (text: string) => string;
interface NormalizerObject {
  (text: string): string;
  config: { type?: string; [key: string]: unknown };
  normalize(text: string): string;
  normalizers?: (NormalizerObject | null)[];
  pattern?: RegExp | null;
}
interface PreTokenizerObject {
  (text: string, options?: { section_index?: number }): string[];
  tokenizers?: (PreTokenizerObject | null)[];
  replacement?: string;
  str_rep?: string;
}
interface ModelObject {
  (tokens: string[]): string[];
  config: { type?: string; continuing_subword_prefix?: string; [key: string]: unknown };
  tokens_to_ids: Map<string, number>;
  unk_token_id?: number;
  unk_token?: string;
}
interface Splitter {
  split(text: string): string[];
}
interface AddedTokenObject {
  id: number;
  lstrip: boolean;
  rstrip: boolean;
}
interface TokenizerInternals {
  normalizer: NormalizerObject | null;
  pre_tokenizer: PreTokenizerObject | null;
  model: ModelObject;
  splitter_unnormalized: Splitter;
  splitter_normalized: Splitter;
  added_tokens_map: Map<string, AddedTokenObject>;
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
}

/** Pipeline pieces this module knows how to follow; checked once per tokenizer. */
export interface OffsetPipeline {
  readonly internals: TokenizerInternals;
  readonly wordPiecePrefix: string | undefined;
  readonly metaspace: string | undefined;
  readonly memo: WeakMap<object, Map<string, string>>;
}

export function offsetPipeline(tokenizer: Tokenizer): OffsetPipeline {
  const internals = tokenizer as unknown as TokenizerInternals;
  const model = internals.model;
  const wordPiecePrefix = model.config.type === 'WordPiece' ? String(model.config.continuing_subword_prefix ?? '##') : undefined;
  return { internals, wordPiecePrefix, metaspace: metaspaceOf(internals.pre_tokenizer), memo: new WeakMap() };
}

/** The replacement character of a Metaspace pre-tokenizer (at the top or inside a Sequence). */
function metaspaceOf(pre: PreTokenizerObject | null): string | undefined {
  if (!pre) return undefined;
  if (typeof pre.replacement === 'string') return pre.str_rep ?? pre.replacement;
  for (const p of pre.tokenizers ?? []) {
    const r = metaspaceOf(p);
    if (r !== undefined) return r;
  }
  return undefined;
}

/**
 * Content tokens of `text` (no special tokens added) with their offsets in `text`.
 * Follows `Tokenizer.encode(text.toWellFormed(), { add_special_tokens: false })` step by step.
 */
export function tokenOffsets(pipeline: OffsetPipeline, text: string): TokenOffsets {
  const clean = text.isWellFormed() ? text : text.toWellFormed();
  const { internals } = pipeline;
  const out: TokenSink = { tokens: [], starts: [], ends: [], approximate: 0 };

  // 1. Added tokens that match the raw text (normalized: false) cut it into sections.
  const pieces = internals.splitter_unnormalized.split(clean);
  const sections: { text: string; start: number }[] = [];
  let at = 0;
  for (const p of pieces) {
    sections.push({ text: p, start: at });
    at += p.length;
  }
  stripAroundAdded(sections, internals.added_tokens_map);

  sections.forEach((section, sectionIndex) => {
    if (section.text.length === 0) return;
    if (internals.added_tokens_map.has(section.text)) {
      push(out, section.text, section.start, section.start + section.text.length);
      return;
    }
    // 2. Normalize, carrying original offsets.
    let aligned = identity(section.text, section.start);
    let expected = section.text;
    if (internals.remove_space === true) {
      aligned = replaceAligned(stripAligned(aligned, true, true), /\s+/gu, ' ');
      expected = expected.trim().split(/\s+/).join(' ');
    }
    if (internals.do_lowercase_and_remove_accent) {
      aligned = replaceAligned(mapPieces(aligned, (s) => s.toLowerCase(), pipeline.memo, LOWERCASE_KEY), /\p{M}/gu, '');
      expected = expected.toLowerCase().replace(/\p{M}/gu, '');
    }
    if (internals.normalizer) {
      const want = internals.normalizer(expected);
      let got: Aligned | undefined;
      try {
        got = normalizeAligned(aligned, internals.normalizer, pipeline.memo);
      } catch {
        got = undefined; // an unknown normalizer step: fall back below
      }
      // The alignment must reproduce the library's normalized text exactly; where it does not, every
      // unit gets the whole section's range (never wrong, only coarse) and the tokens count as approximate.
      aligned = got && got.text === want ? got : coarse(want, section.start, section.start + section.text.length);
      if (!(got && got.text === want)) out.approximateFrom = out.tokens.length;
    } else if (aligned.text !== expected) {
      aligned = coarse(expected, section.start, section.start + section.text.length);
      out.approximateFrom = out.tokens.length;
    }
    if (aligned.text.length === 0) return;

    // 3. Added tokens that match the normalized text cut it again.
    const subs = internals.splitter_normalized.split(aligned.text);
    const subsections: { text: string; start: number }[] = [];
    let k = 0;
    for (const s of subs) {
      subsections.push({ text: s, start: k });
      k += s.length;
    }
    stripAroundAdded(subsections, internals.added_tokens_map);
    for (const sub of subsections) {
      if (sub.text.length === 0) continue;
      const slice = sliceAligned(aligned, sub.start, sub.start + sub.text.length);
      if (internals.added_tokens_map.has(sub.text)) {
        const [s, e] = unionOf(slice, 0, slice.text.length);
        push(out, sub.text, s, e);
        continue;
      }
      // 4. Pre-tokenize and run the model, exactly as the library does, then walk its tokens.
      const pre = internals.pre_tokenizer ? internals.pre_tokenizer(sub.text, { section_index: sectionIndex }) : [sub.text];
      const tokens = internals.model(pre);
      walkTokens(pipeline, slice, pre, tokens, out);
    }
    if (out.approximateFrom !== undefined) {
      const [s, e] = [section.start, section.start + section.text.length];
      for (let t = out.approximateFrom; t < out.tokens.length; t++) {
        out.starts[t] = s;
        out.ends[t] = e;
      }
      out.approximate += out.tokens.length - out.approximateFrom;
      out.approximateFrom = undefined;
    }
  });

  const n = out.tokens.length;
  const offsets = new Uint32Array(2 * n);
  const bounds = /[^\x00-\x7f]/.test(clean) ? clusterStarts(clean) : undefined;
  for (let t = 0; t < n; t++) {
    let s = out.starts[t]!;
    let e = out.ends[t]!;
    // Never cut a user-perceived character: a span that ends between "e" and its U+0301 (the
    // tokenizer dropped the accent) still covers the accent, so a highlight shows the whole letter.
    if (bounds && e > s) {
      while (s > 0 && !bounds[s]) s--;
      while (e < clean.length && !bounds[e]) e++;
    }
    offsets[2 * t] = s;
    offsets[2 * t + 1] = e;
  }
  const ids = out.tokens.map((t) => internals.added_tokens_map.get(t)?.id ?? internals.model.tokens_to_ids.get(t) ?? internals.model.unk_token_id ?? 0);
  return { ids, tokens: out.tokens, offsets, approximate: out.approximate };
}

interface TokenSink {
  tokens: string[];
  starts: number[];
  ends: number[];
  approximate: number;
  /** Set while a section's alignment is only coarse: its tokens get the section's range. */
  approximateFrom?: number | undefined;
}

function push(out: TokenSink, token: string, start: number, end: number): void {
  out.tokens.push(token);
  out.starts.push(start);
  out.ends.push(end);
}

/** The library trims the neighbours of an added token that has lstrip / rstrip. */
function stripAroundAdded(sections: { text: string; start: number }[], added: Map<string, AddedTokenObject>): void {
  sections.forEach((section, i) => {
    const token = added.get(section.text);
    if (!token) return;
    if (token.lstrip && i > 0) sections[i - 1]!.text = sections[i - 1]!.text.trimEnd();
    if (token.rstrip && i < sections.length - 1) {
      const next = sections[i + 1]!;
      const trimmed = next.text.trimStart();
      next.start += next.text.length - trimmed.length;
      next.text = trimmed;
    }
  });
}

/**
 * Matches the model's tokens to the pre-tokens and through them to original offsets.
 * WordPiece: a token is its pre-token's next piece, "##" marking a continuation; "[UNK]" stands
 * for the whole pre-token. Unigram and others: a token is literally the next characters
 * (Unigram's unknown runs are kept as their raw text, fused across pre-tokens).
 */
function walkTokens(pipeline: OffsetPipeline, slice: Aligned, pre: string[], tokens: string[], out: TokenSink): void {
  const located = locatePreTokens(pipeline, slice, pre);
  const first = out.tokens.length;
  const fail = () => {
    // Something this module does not follow: keep the tokens, spanning the whole subsection.
    const [s, e] = unionOf(slice, 0, slice.text.length);
    out.tokens.length = out.starts.length = out.ends.length = first;
    for (const t of tokens) push(out, t, s, e);
    out.approximate += tokens.length;
  };
  if (!located) return fail();
  const prefix = pipeline.wordPiecePrefix;
  const unk = pipeline.internals.model.unk_token;
  let p = 0; // pre-token
  let c = 0; // code unit within it
  for (const token of tokens) {
    while (p < located.length && c >= located[p]!.text.length) {
      p++;
      c = 0;
    }
    if (p >= located.length) return fail();
    const piece = located[p]!;
    if (prefix !== undefined) {
      let surface: string;
      if (c === 0 && token === unk && !piece.text.startsWith(token)) surface = piece.text; // the whole word is unknown
      else surface = c > 0 && token.startsWith(prefix) ? token.slice(prefix.length) : token;
      if (!piece.text.startsWith(surface, c)) return fail();
      const [s, e] = spanOf(piece, c, c + surface.length, pipeline.metaspace);
      push(out, token, s, e);
      c += surface.length;
    } else {
      // Literal: the token's characters, possibly running on into the next pre-tokens.
      let need = token.length;
      let s = -1;
      let e = -1;
      let zero = -1;
      let matched = 0;
      while (need > 0) {
        while (p < located.length && c >= located[p]!.text.length) {
          p++;
          c = 0;
        }
        if (p >= located.length) return fail();
        const cur = located[p]!;
        const take = Math.min(need, cur.text.length - c);
        if (cur.text.slice(c, c + take) !== token.slice(matched, matched + take)) return fail();
        const [ps, pe] = spanOf(cur, c, c + take, pipeline.metaspace);
        if (pe > ps) {
          if (s < 0 || ps < s) s = ps;
          if (pe > e) e = pe;
        } else if (zero < 0) zero = ps;
        c += take;
        matched += take;
        need -= take;
      }
      if (s < 0) s = e = Math.max(zero, 0); // e.g. a lone "▁": an empty span where its word starts
      push(out, token, s, e);
    }
  }
}

interface LocatedPreToken {
  text: string;
  /** Original ranges per unit of `text`; a unit the pre-tokenizer added (a prefix "▁") has an empty range. */
  start: number[];
  end: number[];
}

/**
 * Finds each pre-token in the normalized subsection. Pre-tokenizers only drop characters (spaces)
 * or, for Metaspace, turn spaces into "▁" and may add one "▁" in front; so each pre-token is the
 * next occurrence in the Metaspace-transformed text, possibly without its leading "▁".
 */
function locatePreTokens(pipeline: OffsetPipeline, slice: Aligned, pre: string[]): LocatedPreToken[] | undefined {
  const rep = pipeline.metaspace;
  const text = rep !== undefined ? slice.text.replaceAll(' ', rep) : slice.text;
  const located: LocatedPreToken[] = [];
  let cursor = 0;
  for (const piece of pre) {
    let at = text.indexOf(piece, cursor);
    let virtual = 0;
    if (at < 0 && rep !== undefined && piece.startsWith(rep)) {
      at = text.indexOf(piece.slice(rep.length), cursor);
      virtual = rep.length;
    }
    if (at < 0 || (piece.length === 0 && virtual === 0)) return undefined;
    const len = piece.length - virtual;
    // An added "▁" sits where the word starts: an empty range there.
    const where = at < slice.start.length ? slice.start[at]! : at > 0 ? slice.end[at - 1]! : 0;
    const start: number[] = [];
    const end: number[] = [];
    for (let v = 0; v < virtual; v++) {
      start.push(where);
      end.push(where);
    }
    for (let i = at; i < at + len; i++) {
      start.push(slice.start[i]!);
      end.push(slice.end[i]!);
    }
    located.push({ text: piece, start, end });
    cursor = at + len;
  }
  return located;
}

/** The original range of units [a, b) of a pre-token, leaving out Metaspace's "▁" (a space, not part of the word). */
function spanOf(piece: LocatedPreToken, a: number, b: number, rep: string | undefined): [number, number] {
  let s = -1;
  let e = -1;
  for (let i = a; i < b; i++) {
    if (rep !== undefined && piece.text.startsWith(rep, i) && rep.length === 1) continue;
    if (piece.end[i]! <= piece.start[i]!) continue;
    if (s < 0 || piece.start[i]! < s) s = piece.start[i]!;
    if (piece.end[i]! > e) e = piece.end[i]!;
  }
  if (s < 0) {
    // Only "▁": an empty range just after it, where the word it marks begins.
    const at = b - 1 >= 0 && b - 1 < piece.end.length ? piece.end[b - 1]! : 0;
    return [at, at];
  }
  return [s, e];
}

/* ---------------------------------------------------------------- aligned normalization */

const LOWERCASE_KEY = {};

function identity(text: string, base: number): Aligned {
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

function coarse(text: string, s: number, e: number): Aligned {
  return { text, start: new Array<number>(text.length).fill(s), end: new Array<number>(text.length).fill(e) };
}

function sliceAligned(a: Aligned, from: number, to: number): Aligned {
  return { text: a.text.slice(from, to), start: a.start.slice(from, to), end: a.end.slice(from, to) };
}

function unionOf(a: Aligned, from: number, to: number): [number, number] {
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
function normalizeAligned(a: Aligned, n: NormalizerObject, memo: WeakMap<object, Map<string, string>>): Aligned {
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
      return { text: p + a.text, start: [...new Array<number>(p.length).fill(at), ...a.start], end: [...new Array<number>(p.length).fill(at), ...a.end] };
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
function mapPieces(a: Aligned, f: Fn, memo: WeakMap<object, Map<string, string>>, key: object): Aligned {
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
  while (suf < joined.length - pre && suf < whole.length - pre && joined[joined.length - 1 - suf] === whole[whole.length - 1 - suf]) suf++;
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

function replaceAligned(a: Aligned, pattern: RegExp, content: string): Aligned {
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

function stripAligned(a: Aligned, left: boolean, right: boolean): Aligned {
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
const PIECE = /\r\n|[\u{1F1E6}-\u{1F1FF}]{2}|(?:[\u1100-\u115F\uA960-\uA97F]+[\u1160-\u11FF\uD7B0-\uD7FF]*|[\s\S])(?:\u200D[\s\S]|[\p{M}\u200C\uFF9E\uFF9F\u1160-\u11FF\uD7B0-\uD7FF\u{1F3FB}-\u{1F3FF}\u{E0020}-\u{E007F}])*/gu;

function pieceList(text: string): string[] {
  return text.match(PIECE) ?? [];
}

/** boundary[i] = 1 when a user-perceived character starts at code unit i (and at the end). */
function clusterStarts(text: string): Uint8Array {
  const b = new Uint8Array(text.length + 1);
  let i = 0;
  for (const p of pieceList(text)) {
    b[i] = 1;
    i += p.length;
  }
  b[text.length] = 1;
  return b;
}
