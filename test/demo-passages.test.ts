/** The demo's files as passages (demo/passages.ts over src/sections/): formats, titles, heading paths, BEIR lines. */
import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../src/sections/cut.ts';
import { DEMO_PASSAGE_TOKENS, formatOf, splitDocument, splitJsonl } from '../demo/passages.ts';
import { readPassages } from './passages.ts';

describe('demo passages', () => {
  it('knows the formats by extension', () => {
    expect(['a.txt', 'b.MD', 'c.htm', 'd.html', 'corpus.jsonl', 'x.pdf', 'noext'].map(formatOf)).toEqual([
      'txt',
      'md',
      'html',
      'html',
      'jsonl',
      undefined,
      undefined,
    ]);
  });

  it('reads plain text by paragraphs, titled by the file name; every passage is a slice of the extracted text', () => {
    const text = '  First paragraph,\nstill first.\n\n\nSecond one.\r\n \r\nThird.\n';
    const { passages, title } = splitDocument(text, 'txt', 'notes.txt');
    expect(title).toBe('notes');
    expect(passages.map((p) => [p.text, p.headings])).toEqual([
      ['First paragraph, still first.\nSecond one.\nThird.', []],
    ]);
    const lines = splitDocument(
      'Use git rebase to replay commits.\ngit stash saves local changes.\n',
      'txt',
      'pasted',
      { lines: true },
    );
    expect(lines.passages.map((p) => p.text)).toEqual([
      'Use git rebase to replay commits.',
      'git stash saves local changes.',
    ]);
  });

  it('follows Markdown headings into heading paths', () => {
    const md = ['# Guide', 'Intro text.', '', '## Install', 'Run `npm i`.', '', '```sh', '# not a heading', '```'].join(
      '\n',
    );
    const { passages, title } = splitDocument(md, 'md', 'guide.md');
    expect(title).toBe('Guide');
    expect(passages.map((p) => [p.headings.join(' > '), p.text])).toEqual([
      ['Guide', 'Guide\nIntro text.'],
      ['Guide > Install', 'Install\nRun npm i.\n# not a heading'],
    ]);
  });

  it('reads hostile HTML as text only, with the same rules as the build', () => {
    const html =
      '<title>T</title><nav>NAVWORD</nav><h1 onmouseover="alert(1)">Title <img src=x onerror=alert(1)></h1><p style="x">Body &lt;b&gt;not markup&lt;/b&gt;.</p><script>alert(2)</script>';
    const { passages, title } = splitDocument(html, 'html', 'page.html');
    expect(title).toBe('T');
    expect(passages.map((p) => [p.headings, p.text])).toEqual([[['Title'], 'Title\nBody <b>not markup</b>.']]);
  });

  it('keeps passages within the demo model’s window, on real Korean text', () => {
    const text = readPassages('gimp-help-ko').passages.slice(0, 40).join('\n\n');
    const { passages } = splitDocument(text, 'txt', 'ko.txt');
    expect(passages.length).toBeGreaterThan(5);
    for (const p of passages) expect(estimateTokens(p.text)).toBeLessThanOrEqual(DEMO_PASSAGE_TOKENS);
  });

  it('reads BEIR corpus lines, keeps ids and titles, reports bad lines', () => {
    const lines = [
      JSON.stringify({ _id: 'd1', title: 'Rebase', text: 'Replay commits onto another base.' }),
      'not json',
      JSON.stringify({ _id: 7, text: 'No title here.' }),
      JSON.stringify({ _id: 'x', title: 'no text' }),
      '',
      JSON.stringify({ _id: 'long', title: 'Long', text: 'word '.repeat(300) }),
    ];
    const content = lines.join('\n');
    const { passages, warnings } = splitJsonl(content, 'corpus.jsonl');
    expect(passages.slice(0, 2).map((p) => [p.docId, p.title, p.text])).toEqual([
      ['d1', 'Rebase', 'Replay commits onto another base.'],
      ['7', '7', 'No title here.'],
    ]);
    expect(passages.filter((p) => p.docId === 'long').length).toBe(3);
    expect(content.slice(passages[0]!.start, passages[0]!.end)).toBe(lines[0]);
    expect(warnings).toEqual([
      'line 2: not a BEIR record (a JSON object with a "text" string)',
      'line 4: not a BEIR record (a JSON object with a "text" string)',
    ]);
  });
});
