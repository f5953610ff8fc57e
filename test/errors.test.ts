// SpladeError across bundles: splade.js, splade-search.js, splade-engine.js and the worker each hold
// their own copy of the class, so code that receives an error from another bundle uses isSpladeError.
import { describe, expect, it } from 'vitest';
import { isSpladeError, SpladeError } from '../src/errors.ts';

/**
 * errors.ts loaded once more as a module of its own (a query string makes a new module id): the class a
 * separately bundled file would hold. A computed specifier keeps TypeScript from resolving it.
 */
const secondCopy = (tag: string) => `../src/errors.ts?${tag}`;

describe('SpladeError', () => {
  it('keeps the message a plain sentence and names the library by its name', () => {
    const e = new SpladeError('invalid-option', 'limit must be an integer from 0, got -1', { file: 'x.json' });
    expect(e.message).toBe('limit must be an integer from 0, got -1');
    expect(e.name).toBe('SpladeError');
    expect(String(e)).toBe('SpladeError: limit must be an integer from 0, got -1');
    expect(e).toMatchObject({ code: 'invalid-option', file: 'x.json' });
    // The brand is not enumerable: spreading or JSON-serializing an error shows code and file only.
    expect(Object.keys(e).sort()).toEqual(['code', 'file', 'name']);
  });

  it('isSpladeError recognizes an error thrown by a second copy of the module (another bundle)', async () => {
    // A query string makes Vite load errors.ts again as a separate module: a class of its own,
    // exactly what a separately bundled file holds.
    const other = (await import(/* @vite-ignore */ secondCopy('second-copy'))) as typeof import('../src/errors.ts');
    expect(other.SpladeError).not.toBe(SpladeError);
    const foreign = new other.SpladeError('network', 'could not fetch x.json');
    expect(foreign instanceof SpladeError).toBe(false); // why instanceof is not enough
    expect(isSpladeError(foreign)).toBe(true);
    expect(other.isSpladeError(new SpladeError('aborted', 'stop'))).toBe(true);
    if (isSpladeError(foreign)) expect(foreign.code).toBe('network');
  });

  it('isSpladeError refuses look-alikes and non-errors', () => {
    const lookAlike = Object.assign(new Error('x'), { name: 'SpladeError', code: 'network' });
    const others = [
      lookAlike,
      new Error('x'),
      new TypeError('Failed to fetch'),
      { code: 'network' },
      'SpladeError',
      null,
    ];
    for (const value of others) {
      expect(isSpladeError(value), String(value)).toBe(false);
    }
  });
});
