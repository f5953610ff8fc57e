/** The demo's passage splitter (demo/passages.ts): ranges, heading paths, sizes, hostile input. */
import { describe, expect, it } from 'vitest';
import { cut, formatOf, withoutInlineStyles, joinBlocks, markdownBlocks, passagesFromBlocks, splitJsonl, splitText } from '../demo/passages.ts';
import { readPassages } from './passages.ts';

describe('demo passages', () => {
  it('knows the formats by extension', () => {
    expect(['a.txt', 'b.MD', 'c.htm', 'd.html', 'corpus.jsonl', 'x.pdf', 'noext'].map(formatOf)).toEqual(['txt', 'md', 'html', 'html', 'jsonl', undefined, undefined]);
  });

  it('splits plain text by paragraphs and every passage is the exact slice of the file', () => {
    const text = '  First paragraph,\nstill first.\n\n\nSecond one.\r\n \r\nThird.\n';
    const { passages } = splitText(text, 'txt', 'notes.txt', { maxChars: 30 });
    expect(passages.map((p) => p.text)).toEqual(['First paragraph,\nstill first.', 'Second one.\r\n \r\nThird.']);
    for (const p of passages) {
      expect(text.slice(p.start, p.end)).toBe(p.text);
      expect(p.title).toBe('notes');
      expect(p.headings).toEqual([]);
    }
  });

  it('packs short paragraphs of one section up to maxChars', () => {
    const text = 'a a a.\n\nb b b.\n\nc c c.';
    expect(splitText(text, 'txt', 'x.txt', { maxChars: 14 }).passages.map((p) => p.text)).toEqual(['a a a.\n\nb b b.', 'c c c.']);
    expect(splitText(text, 'txt', 'x.txt', { lines: true }).passages).toHaveLength(5 - 2);
  });

  it('gives one passage per line in line mode (a pasted list of notes)', () => {
    const text = 'Use git rebase to replay commits.\ngit stash saves local changes.\n';
    const { passages } = splitText(text, 'txt', 'pasted', { lines: true });
    expect(passages.map((p) => p.text)).toEqual(['Use git rebase to replay commits.', 'git stash saves local changes.']);
  });

  it('follows Markdown headings into heading paths, ignores # in code fences and front matter', () => {
    const md = ['---', 'title: x', '---', '# Guide', 'Intro text.', '', '## Install', 'Run `npm i`.', '', '```sh', '# not a heading', '```', '', '### Linux *only*', 'apt-get.', '', 'Other', '-----', 'Setext body.', '', '# Two', 'End.'].join('\n');
    const { passages } = splitText(md, 'md', 'guide.md', { maxChars: 1000 });
    expect(passages.map((p) => [p.headings.join(' > '), p.text])).toEqual([
      ['Guide', 'Intro text.'],
      ['Guide > Install', 'Run `npm i`.\n\n```sh\n# not a heading\n```'],
      ['Guide > Install > Linux only', 'apt-get.'],
      ['Guide > Other', 'Setext body.'],
      ['Two', 'End.'],
    ]);
    for (const p of passages) expect(md.slice(p.start, p.end)).toBe(p.text);
    expect(passages[0]!.title).toBe('Guide');
    expect(markdownBlocks('#hashtag not heading').every((b) => b.kind === 'text')).toBe(true);
  });

  it('cuts long paragraphs at sentence ends, never mid-surrogate, never over maxChars', () => {
    const { passages } = readPassages('git-doc');
    const text = passages.join(' ');
    const pieces = cut(text, 0, text.length, 300);
    for (const p of pieces) {
      expect(p.end - p.start).toBeLessThanOrEqual(300);
      expect(text[p.start]).not.toMatch(/\s/);
    }
    expect(pieces.filter((p) => /[.!?]$/.test(text.slice(p.start, p.end))).length / pieces.length).toBeGreaterThan(0.5);
    const emoji = '😀'.repeat(400);
    for (const p of cut(emoji, 0, emoji.length, 101)) expect(emoji.slice(p.start, p.end)).toMatch(/^(😀)+$/);
  });

  it('splits real Korean text into passages that are slices of it', () => {
    const text = readPassages('gimp-help-ko').passages.slice(0, 40).join('\n\n');
    const { passages } = splitText(text, 'txt', 'ko.txt');
    expect(passages.length).toBeGreaterThan(5);
    for (const p of passages) {
      expect(text.slice(p.start, p.end)).toBe(p.text);
      expect(p.text.length).toBeLessThanOrEqual(600);
    }
  });

  it('joins extracted HTML blocks into a text the ranges index', () => {
    const { text, blocks } = joinBlocks([
      { kind: 'heading', level: 1, text: ' <img src=x onerror=alert(1)> Title ' },
      { kind: 'text', text: 'Body <b>not markup</b>.' },
      { kind: 'text', text: '   ' },
      { kind: 'heading', level: 2, text: 'Sub' },
      { kind: 'text', text: 'More.' },
    ]);
    const passages = passagesFromBlocks(text, blocks, 'page');
    expect(passages.map((p) => [p.headings, p.text])).toEqual([
      [['<img src=x onerror=alert(1)> Title'], 'Body <b>not markup</b>.'],
      [['<img src=x onerror=alert(1)> Title', 'Sub'], 'More.'],
    ]);
    for (const p of passages) expect(text.slice(p.start, p.end)).toBe(p.text);
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
    const { passages, warnings } = splitJsonl(content, 'corpus.jsonl', { maxChars: 600 });
    expect(passages.slice(0, 2).map((p) => [p.docId, p.title, p.text])).toEqual([
      ['d1', 'Rebase', 'Replay commits onto another base.'],
      ['7', '7', 'No title here.'],
    ]);
    expect(passages.filter((p) => p.docId === 'long').length).toBe(3);
    expect(content.slice(passages[0]!.start, passages[0]!.end)).toBe(lines[0]);
    expect(warnings).toEqual(['line 2: not a BEIR record (a JSON object with a "text" string)', 'line 4: not a BEIR record (a JSON object with a "text" string)']);
  });

  it('drops inline styles before HTML is parsed (they would raise CSP violations), keeping the text', () => {
    const html = '<head><STYLE type="text/css">p { color: red }</style></head><p style="color:red" title="a>b" class=x>Text <b STYLE=\'x\'>bold</b> <i style>it</i></p><p>style="kept" as text</p><svg><style>x{}</style></svg>';
    expect(withoutInlineStyles(html)).toBe('<head></head><p  title="a>b" class=x>Text <b >bold</b> <i >it</i></p><p>style="kept" as text</p><svg></svg>');
    expect(withoutInlineStyles('<style>never closed')).toBe('');
  });
});
