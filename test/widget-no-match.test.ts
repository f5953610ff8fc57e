/**
 * The widget's "No match for “zyzzyva”. Did you mean rebase?" line (src/widget/no-match.ts), in
 * Node: the sentences and where the suggestion goes, in other languages too; and the query a
 * suggestion reruns, with the word replaced where the reader typed it.
 */
import { describe, expect, it } from 'vitest';
import { noMatchLines, replaceWord } from '../src/widget/no-match.ts';
import { DEFAULT_STRINGS } from '../src/widget/types.ts';

describe('the no-match line', () => {
  it('says which word matched nothing, and offers the nearest word as the suggestion', () => {
    expect(noMatchLines([{ word: 'zyzzyva', suggestions: [] }], DEFAULT_STRINGS)).toEqual([
      { word: 'zyzzyva', text: 'No match for “zyzzyva”.' },
    ]);
    expect(noMatchLines([{ word: 'rebsae', suggestions: ['rebase', 'rebased'] }], DEFAULT_STRINGS)).toEqual([
      {
        word: 'rebsae',
        text: 'No match for “rebsae”.',
        suggestion: { word: 'rebase', before: 'Did you mean ', after: '?' },
      },
    ]);
    expect(noMatchLines([], DEFAULT_STRINGS)).toEqual([]);
  });

  it('follows the strings given: the suggestion where {suggestion} is, or after the sentence', () => {
    const german = {
      ...DEFAULT_STRINGS,
      noMatch: 'Kein Treffer für „{word}“.',
      didYouMean: 'Meinten Sie {suggestion}?',
    };
    expect(noMatchLines([{ word: 'rebsae', suggestions: ['rebase'] }], german)[0]).toEqual({
      word: 'rebsae',
      text: 'Kein Treffer für „rebsae“.',
      suggestion: { word: 'rebase', before: 'Meinten Sie ', after: '?' },
    });
    const japanese = { ...DEFAULT_STRINGS, didYouMean: '{suggestion} ですか?' };
    expect(noMatchLines([{ word: 'x', suggestions: ['y'] }], japanese)[0]!.suggestion).toEqual({
      word: 'y',
      before: '',
      after: ' ですか?',
    });
    const without = { ...DEFAULT_STRINGS, didYouMean: 'Try:' };
    expect(noMatchLines([{ word: 'x', suggestions: ['y'] }], without)[0]!.suggestion).toEqual({
      word: 'y',
      before: 'Try: ',
      after: '',
    });
  });
});

describe('a suggestion reruns the query', () => {
  it('with the word replaced where it was typed, case and accents aside', () => {
    expect(replaceWord('git rebsae', 'rebsae', 'rebase')).toBe('git rebase');
    expect(replaceWord('Rebsae -i onto main ', 'rebsae', 'rebase')).toBe('rebase -i onto main ');
    expect(replaceWord('the cafe and the Café', 'cafe', 'cafes')).toBe('the cafes and the Café');
    expect(replaceWord('Résumé', 'resume', 'resumes')).toBe('resumes');
    expect(replaceWord('cherry-pikc a commit', 'pikc', 'pick')).toBe('cherry-pick a commit');
    // Inside a run of letters the tokenizer splits (CJK ideographs are words of their own).
    expect(replaceWord('漢字検索', '検', '探')).toBe('漢字探索');
    // Not found: kept, the suggestion added.
    expect(replaceWord('something', 'zzz', 'buzz')).toBe('something buzz');
  });
});
