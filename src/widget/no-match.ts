/**
 * The "No match for “zyzzyva”. Did you mean rebase?" line, decided apart from the DOM (pure,
 * unit-tested in Node): the sentences and where the suggestion goes in each, and the query a
 * suggestion reruns (the word replaced where the reader typed it). The element turns the parts
 * into text nodes and one button per suggestion.
 */
import { fill } from './format.ts';
import type { UnmatchedWord, WidgetStrings } from './types.ts';

/** One sentence of the line: text, then the suggestion (a button) and the text after it, if any. */
export interface NoMatchLine {
  /** The word no page holds, as the source normalized it. */
  word: string;
  text: string;
  suggestion?: { word: string; before: string; after: string };
}

/**
 * A line per word no page holds: `noMatch` filled with the word, and when a word pages hold is
 * close, `didYouMean` split around its `{suggestion}` (the part a button shows). Only the nearest
 * suggestion is offered, as the reader meant one word.
 */
export function noMatchLines(unmatched: readonly UnmatchedWord[], strings: WidgetStrings): NoMatchLine[] {
  return unmatched.map(({ word, suggestions }) => {
    const line: NoMatchLine = { word, text: fill(strings.noMatch, { word }) };
    const best = suggestions[0];
    if (best !== undefined) {
      const template = fill(strings.didYouMean, { word });
      const at = template.indexOf('{suggestion}');
      line.suggestion =
        at < 0
          ? { word: best, before: `${template} `, after: '' }
          : { word: best, before: template.slice(0, at), after: template.slice(at + '{suggestion}'.length) };
    }
    return line;
  });
}

/** Lowercased, accents stripped: how an uncased tokenizer compares a typed word with its own form. */
function folded(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase();
}

/**
 * `query` with its first word that reads as `word` (case and accents aside) replaced by
 * `replacement`; the rest (spacing, punctuation, other words) as typed. A word found only inside a
 * longer run of letters (the tokenizer splits CJK ideographs apart) is replaced there; one not
 * found at all (folded past recognition) is kept, and the replacement added after the query.
 */
export function replaceWord(query: string, word: string, replacement: string): string {
  const target = folded(word);
  for (const m of query.matchAll(/[\p{L}\p{N}\p{M}]+/gu)) {
    if (folded(m[0]) === target) return query.slice(0, m.index) + replacement + query.slice(m.index + m[0].length);
  }
  const lower = query.toLowerCase();
  const at = lower.length === query.length ? lower.indexOf(word) : -1;
  if (at >= 0 && word.length > 0) return query.slice(0, at) + replacement + query.slice(at + word.length);
  return `${query.trimEnd()} ${replacement}`;
}
