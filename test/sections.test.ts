/**
 * The one sectioner (src/sections/): the rule table through the htmlparser2 adapter, Markdown and
 * plain text, sections and heading paths, and the cutter's limits in tokens of a real tokenizer on
 * real English and Korean passages. The live-DOM adapter is checked against this one in a browser
 * (e2e/sections.spec.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '@huggingface/tokenizers';
import { cutPassages, cutPassagesAsync, estimateTokens } from '../src/sections/cut.ts';
import { extractHtml } from '../src/sections/html.ts';
import { extractMarkdown } from '../src/sections/markdown.ts';
import { encodedText, pagePassages } from '../src/sections/passages.ts';
import { sectionsOf } from '../src/sections/sections.ts';
import { extractText } from '../src/sections/text.ts';
import { readPassages } from './passages.ts';

const SITE = 'test/fixtures/site';
const html = (file: string) => extractHtml(readFileSync(file, 'utf8'));

/** The Korean model's real tokenizer, as a token counter. */
function koreanCounter(): (texts: string[]) => number[] {
  const json = JSON.parse(readFileSync('public/models/splade-tiny-ko/tokenizer.json', 'utf8')) as object;
  const config = JSON.parse(readFileSync('public/models/splade-tiny-ko/tokenizer_config.json', 'utf8')) as object;
  const tokenizer = new Tokenizer(json, config);
  return (texts) => texts.map((t) => tokenizer.encode(t, { add_special_tokens: false }).ids.length);
}

describe('HTML through the rule table', () => {
  it('cuts pages at headings, with anchors and heading paths, skipping boilerplate', () => {
    const page = html(join(SITE, 'index.html'));
    const sections = sectionsOf(page);
    expect(page.title).toBe('Fixture docs');
    expect(sections.map((s) => s.anchor)).toEqual(['welcome', 'layout', 'objects']);
    expect(sections[2]!.path).toEqual(['Welcome to the fixture', 'How the pages are laid out', 'Objects and trees']);
    const all = page.text;
    for (const word of ['HEADERWORD', 'NAVWORD', 'FOOTERWORD', 'IGNOREDWORD', 'never indexed', 'font:16px']) {
      expect(all).not.toContain(word);
    }
    expect(all).toContain('git mktree builds one from ls-tree output');
    expect(page.filters).toEqual({ kind: 'overview' });
    expect(page.meta).toEqual({ author: 'the tests' });
    for (const s of sections) expect(s.text).toBe(page.text.slice(s.start, s.end));
    expect(sections[0]!.text.startsWith(`${sections[0]!.title}\n`)).toBe(true); // the heading line first
  });

  it('indexes only data-splade-body regions when a page has them (nav inside still skipped)', () => {
    const page = html(join(SITE, 'guide/body-only.html'));
    expect(sectionsOf(page).map((s) => s.anchor)).toEqual(['packing', 'counting']);
    for (const word of ['SIDEBARWORD', 'OUTSIDEWORD', 'INNERNAVWORD']) expect(page.text).not.toContain(word);
  });

  it('survives broken markup: an unclosed heading ends at the next paragraph', () => {
    const sections = sectionsOf(html(join(SITE, 'guide/broken.html')));
    expect(sections.map((s) => s.title)).toEqual(['Unclosed tags', 'No id here']);
    expect(sections[0]!.text).toContain('git verify-tag');
  });

  it('reads the real git-doc pages: NAME, SYNOPSIS, DESCRIPTION ... with their ids', () => {
    const page = html(join(SITE, 'git/git-mktree.html'));
    const sections = sectionsOf(page);
    expect(sections.map((s) => s.anchor)).toContain('_description');
    expect(sections.find((s) => s.anchor === '_description')!.path).toEqual([
      'git-mktree(1) Manual Page',
      'DESCRIPTION',
    ]);
    expect(page.text).not.toContain('{'); // no CSS
  });

  it('prefers the main landmark; header and footer inside an article belong to it; hidden text is skipped', () => {
    const page = html('e2e/fixtures/sections/landmarks.html');
    const sections = sectionsOf(page);
    expect(page.title).toBe('Landmarks & regions');
    expect(sections.map((s) => [s.anchor, s.title])).toEqual([
      ['top', "The article's own header"],
      ['first', 'First section'],
      ['anchored', 'Anchored by a child'],
      ['', 'No id of its own'], // never the previous heading's id
    ]);
    for (const word of [
      'SITEHEADERWORD',
      'NAVWORD',
      'HIDDENWORD',
      'ARIAHIDDENWORD',
      'TEXTAREAWORD',
      'DIALOGWORD',
      'WIDGETWORD',
      'BUTTONWORD',
      'ASIDEWORD',
      'OUTSIDEMAINWORD',
      'SITEFOOTERWORD',
    ]) {
      expect(page.text).not.toContain(word);
    }
    for (const words of [
      'Byline words.',
      'boldtext glued and an image words inline picture.',
      'Visible text with a non-breaking space.',
      'Found on search words.',
      'git commit --amend',
      'Article footer words.',
    ]) {
      expect(page.text).toContain(words);
    }
  });

  it('never turns hostile markup into anything but text, and warns of a field spec without a key', () => {
    const page = extractHtml(
      '<h1 onclick="x()">T<script>alert(1)</script></h1><p data-splade-meta=":v">&lt;img src=x onerror=alert(1)&gt;</p><iframe srcdoc="<p>IFRAMEWORD</p>"></iframe>',
    );
    expect(page.text).toBe('T\n<img src=x onerror=alert(1)>');
    expect(page.warnings).toEqual(['data-splade-meta=":v" names no key; expected "key" or "key:value"']);
    expect(extractHtml('').blocks).toEqual([]);
    expect(extractHtml('<p>\u200b\u202e odd \ud800 unicode</p>').text).toBe('\u200b\u202e odd \ud800 unicode');
  });
});

describe('Markdown and plain text', () => {
  it('splits Markdown at headings outside code fences, slugging anchors', () => {
    const page = extractMarkdown(readFileSync(join(SITE, 'guide/notes.md'), 'utf8'));
    expect(page.title).toBe('Notes in Markdown');
    expect(sectionsOf(page).map((s) => s.anchor)).toEqual(['notes-in-markdown', 'writing-trees', 'writing-trees-1']);
  });

  it('follows ATX and setext headings, front matter, fences; inline markup becomes its text', () => {
    const md = [
      '---',
      'title: From front matter',
      '---',
      '# Guide',
      'Intro [link](https://x.example/) *text*.',
      '',
      '## Install',
      'Run `npm i`.',
      '',
      '```sh',
      '# not a heading',
      '```',
      '',
      '### Linux *only*',
      'apt-get.',
      '',
      'Other',
      '-----',
      'Setext body.',
      '',
      '#hashtag is text',
    ].join('\n');
    const page = extractMarkdown(md);
    expect(page.title).toBe('From front matter');
    expect(sectionsOf(page).map((s) => [s.path.join(' > '), s.text])).toEqual([
      ['Guide', 'Guide\nIntro link text.'],
      ['Guide > Install', 'Install\nRun npm i.\n# not a heading'],
      ['Guide > Install > Linux only', 'Linux only\napt-get.'],
      ['Guide > Other', 'Other\nSetext body.\n#hashtag is text'],
    ]);
    expect(page.text).not.toContain('https://');
  });

  it('reads plain text as paragraphs, or as lines', () => {
    const text = '  First paragraph,\nstill first.\n\n\nSecond one.\r\n \r\nThird.\n';
    expect(extractText(text).text).toBe('First paragraph, still first.\nSecond one.\nThird.');
    const lines = pagePassages(extractText('one\ntwo\n\nthree', { lines: true }), { perBlock: true });
    expect(lines.map((p) => p.passage.text)).toEqual(['one', 'two', 'three']);
  });
});

describe('the cutter', () => {
  it('keeps text that fits whole and packs sentences up to the limit', () => {
    expect(cutPassages('short text')).toEqual([{ start: 0, end: 10, text: 'short text', number: 1 }]);
    const text = 'a a a. b b b. c c c.';
    expect(cutPassages(text, 0, text.length, { maxTokens: 8 }).map((p) => p.text)).toEqual(['a a a. b b b.', 'c c c.']);
  });

  it('cuts at the sentence ends of every script', () => {
    const ko = '도구들은 이미지를 편집합니다. 저장하면 파일이 바뀝니다! 사용하면, 결과가 보입니다?';
    expect(cutPassages(ko, 0, ko.length, { maxTokens: 9 }).map((p) => p.text)).toEqual([
      '도구들은 이미지를 편집합니다.',
      '저장하면 파일이 바뀝니다!',
      '사용하면, 결과가 보입니다?',
    ]);
    const ja = '日本語の文です。次の文！最後の文？';
    expect(cutPassages(ja, 0, ja.length, { maxTokens: 8 }).map((p) => p.text)).toEqual([
      '日本語の文です。',
      '次の文！',
      '最後の文？',
    ]);
  });

  it('never exceeds the limit in the model’s own tokens, on real Korean text, losing no word', async () => {
    const count = koreanCounter();
    const text = readPassages('gimp-help-ko').passages.slice(0, 60).join(' ');
    for (const maxTokens of [24, 64, 200]) {
      const parts = await cutPassagesAsync(text, 0, text.length, { maxTokens, countTokens: count });
      expect(parts.length).toBeGreaterThan(1);
      for (const p of parts) {
        expect(count([p.text])[0]).toBeLessThanOrEqual(maxTokens + 1); // +1: a piece's leading ▁ when cut mid-text
        expect(text.slice(p.start, p.end)).toBe(p.text);
      }
      expect(
        parts
          .map((p) => p.text)
          .join('')
          .replace(/\s+/g, ''),
      ).toBe(text.replace(/\s+/g, ''));
    }
  });

  it('cuts a sentence too long for one passage at words, and a word too long at characters, never inside a surrogate pair', () => {
    const words = 'word '.repeat(300).trim();
    const byWords = cutPassages(words, 0, words.length, { maxTokens: 20 });
    expect(byWords.every((p) => /^word( word)*$/.test(p.text) && estimateTokens(p.text) <= 20)).toBe(true);
    expect(byWords.map((p) => p.text).join(' ')).toBe(words);
    const emoji = '😀'.repeat(400);
    const parts = cutPassages(emoji, 0, emoji.length, { maxTokens: 50 });
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.text.isWellFormed()).toBe(true);
    expect(parts.map((p) => p.text).join('')).toBe(emoji);
  });

  it('numbers passages within their section and gives later ones their heading', () => {
    const page = extractMarkdown(`# Options\n${'The force option overwrites files. '.repeat(40)}\n# Next\nShort.`);
    const passages = pagePassages(page, { maxTokens: 40 });
    const numbers = passages.filter((p) => p.section.title === 'Options').map((p) => p.passage.number);
    expect(numbers.length).toBeGreaterThan(2);
    expect(numbers).toEqual(numbers.map((_, k) => k + 1));
    const second = passages[1]!;
    expect(encodedText(second.section, second.passage)).toBe(`Options: ${second.passage.text}`);
    expect(encodedText(passages[0]!.section, passages[0]!.passage)).toBe(passages[0]!.passage.text);
    expect(() => cutPassages('x y', 0, 3, { maxTokens: 0 })).toThrow(RangeError);
  });
});
