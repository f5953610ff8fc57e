import { describe, expect, it } from 'vitest';
import { passagesOf } from '../src/encode/passages.ts';

describe('passages of long sections', () => {
  it('cuts at sentence ends, else spaces, within the limit, losing no text', () => {
    const sentence = (k: number) => `Sentence number ${k} says something about git rebase.`;
    const text = Array.from({ length: 80 }, (_, k) => sentence(k)).join(' ');
    const parts = passagesOf(text, 500);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(500);
      expect(p.endsWith('.')).toBe(true);
    }
    expect(parts.join(' ')).toBe(text);
    const words = 'word '.repeat(300).trim();
    const byWords = passagesOf(words, 100);
    expect(byWords.every((p) => p.length <= 100 && /^word( word)*$/.test(p))).toBe(true);
    expect(byWords.join(' ')).toBe(words);
  });

  it('keeps short text whole and never splits a surrogate pair', () => {
    expect(passagesOf('short', 100)).toEqual(['short']);
    const emoji = '😀'.repeat(100); // no spaces: hard cuts
    const parts = passagesOf(emoji, 51);
    expect(parts.join('')).toBe(emoji);
    for (const p of parts) expect(p.isWellFormed()).toBe(true);
  });
});
