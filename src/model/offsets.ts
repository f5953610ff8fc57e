/**
 * Character offsets of tokens in the original text.
 *
 * @huggingface/tokenizers returns ids and token strings only, so highlights used to search the text
 * for each token's surface, which marks the wrong places ("##s" hits every non-initial "s") and
 * drifts where lowercasing changes lengths ("İ" lowercases to two code units). This module runs the
 * tokenizer's own pipeline (added-token split, normalizer, pre-tokenizer, model), reusing the
 * library's component objects, while carrying for every normalized code unit the range of the
 * original text it came from (aligned.ts). Nothing is searched in the original text.
 *
 * Pure: no I/O. Offsets are UTF-16 indices into the text as given (the tokenizer sees
 * `text.toWellFormed()`, which has the same length, so its offsets are the original's).
 */
import type { Tokenizer } from '@huggingface/tokenizers';
import {
  clusterStarts,
  coarse,
  identity,
  mapPieces,
  normalizeAligned,
  replaceAligned,
  sliceAligned,
  stripAligned,
  unionOf,
  type Aligned,
  type NormalizerObject,
} from './aligned.ts';

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

/* The library objects this module drives. Their fields are part of the package's runtime objects
 * but not all of its type declarations, so they are described here once. */
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

/** Memo key of the lowercasing step (tokenizer_config's do_lowercase_and_remove_accent) in mapPieces' cache. */
const LOWERCASE_KEY = {};

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
  const wordPiecePrefix =
    model.config.type === 'WordPiece' ? String(model.config.continuing_subword_prefix ?? '##') : undefined;
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
      aligned = replaceAligned(
        mapPieces(aligned, (s) => s.toLowerCase(), pipeline.memo, LOWERCASE_KEY),
        /\p{M}/gu,
        '',
      );
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
      const pre = internals.pre_tokenizer
        ? internals.pre_tokenizer(sub.text, { section_index: sectionIndex })
        : [sub.text];
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
  const ids = out.tokens.map(
    (t) =>
      internals.added_tokens_map.get(t)?.id ??
      internals.model.tokens_to_ids.get(t) ??
      internals.model.unk_token_id ??
      0,
  );
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
      if (c === 0 && token === unk && !piece.text.startsWith(token))
        surface = piece.text; // the whole word is unknown
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
