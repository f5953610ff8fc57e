import { describe, expect, it } from 'vitest';
import { formatDuration, progressBar } from '../src/cli/progress.ts';

describe('splade-web build progress', () => {
  it('formats what is left as a reader reads it', () => {
    expect(formatDuration(0.4)).toBe('0 s');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
  });

  it('measures the rate from the first update, so loading the model does not count, and says the time left', () => {
    let clock = 0;
    const lines: string[] = [];
    const bar = progressBar(
      false,
      (s) => lines.push(s),
      () => clock,
    );
    clock = 60_000; // a minute of loading and sectioning before the first batch is done
    bar.update(100, 1000, 'sections encoded');
    clock = 70_000; // then 100 sections in 10 s: 10/s, 800 left = 80 s
    bar.update(200, 1000, 'sections encoded');
    expect(lines).toEqual([
      'splade-web: 100/1000 sections encoded (1.7/s, 9 min 00 s left)\n',
      'splade-web: 200/1000 sections encoded (10.0/s, 1 min 20 s left)\n',
    ]);
    bar.update(1000, 1000, 'sections encoded'); // the rest at once: 900 in 10 s since the first
    expect(lines.at(-1)).toBe('splade-web: 1000/1000 sections encoded (90.0/s)\n');
  });

  it('on a terminal redraws one line, padded so a shorter one leaves nothing behind', () => {
    let clock = 0;
    const out: string[] = [];
    const bar = progressBar(
      true,
      (s) => out.push(s),
      () => clock,
    );
    clock = 1000;
    bar.update(1, 4, 'sections encoded');
    clock = 2000;
    bar.update(2, 4, 'sections encoded');
    bar.done();
    expect(out[0]!.startsWith('\r[########                      ] 1/4 sections encoded (1.0/s, 3 s left)')).toBe(true);
    expect(out[1]!.startsWith('\r[###############               ] 2/4 sections encoded (1.0/s, 2 s left)')).toBe(true);
    expect(out[0]!.length).toBe(out[1]!.length);
    expect(out.at(-1)).toBe('\n');
  });
});
