/**
 * The demo's files as passages. Text, Markdown and HTML go through the library's one sectioner
 * (src/sections/): HTML is tokenized by htmlparser2 and never parsed into a DOM, so a hostile file
 * can neither run nor raise a Content-Security-Policy report. Pure functions, unit-tested in Node
 * (test/demo-passages.test.ts).
 *
 * Every passage keeps its place: `start`/`end` are a character range of the file's extracted text
 * (one line per paragraph or heading), or for .jsonl the line of the record. Highlights are offsets
 * into `passage.text`, which is exactly what the model encoded: what the tokenizer saw is what the
 * page shows.
 */
import { cutPassages } from '../src/sections/cut.ts';
import { extractHtml } from '../src/sections/html.ts';
import { extractMarkdown } from '../src/sections/markdown.ts';
import { pagePassages } from '../src/sections/passages.ts';
import { extractText } from '../src/sections/text.ts';
import type { ExtractedPage } from '../src/sections/types.ts';

export type SourceFormat = 'txt' | 'md' | 'html' | 'jsonl';

/** The formats the demo reads, by file name extension. */
export const FORMAT_OF_EXTENSION: Record<string, SourceFormat> = {
  txt: 'txt',
  text: 'txt',
  md: 'md',
  markdown: 'md',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
};

/**
 * Tokens a passage holds at most: one window of the bundled models (128 minus [CLS] and [SEP]), so
 * a passage is one forward pass. Counted by the sectioner's estimate, which errs high, because a
 * file is split when it is added, before a model may be loaded, and its passages must not depend
 * on which model indexes them (passage ids stay the same across models).
 */
export const DEMO_PASSAGE_TOKENS = 126;

export interface Passage {
  text: string;
  /** The document's title (its <title>, front matter or first heading, the BEIR title, or the file name). */
  title: string;
  /** Headings above the passage, outermost first. */
  headings: string[];
  /** Character range in the file's extracted text (see the module comment), end exclusive. */
  start: number;
  end: number;
  /** The record's own id, for BEIR corpora (`_id`). */
  docId?: string;
}

export interface SplitResult {
  passages: Passage[];
  /** Problems worth telling the user (bad JSONL lines), at most a few, with their line numbers. */
  warnings: string[];
  title: string;
}

export interface SplitOptions {
  maxTokens?: number;
  /** Plain text only: every non-empty line is its own passage (a pasted list of notes). */
  lines?: boolean;
}

/** The format of a file name, or undefined when the demo cannot read it. */
export function formatOf(name: string): SourceFormat | undefined {
  const m = /\.([a-z0-9]+)$/i.exec(name);
  return m ? FORMAT_OF_EXTENSION[m[1]!.toLowerCase()] : undefined;
}

/** A file's base name without its extension: the title when the document has none. */
export function baseTitle(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.[a-z0-9]+$/i, '') || base;
}

/** A text, Markdown or HTML file into passages. */
export function splitDocument(
  content: string,
  format: 'txt' | 'md' | 'html',
  name: string,
  options: SplitOptions = {},
): SplitResult {
  const page: ExtractedPage =
    format === 'html'
      ? extractHtml(content)
      : format === 'md'
        ? extractMarkdown(content)
        : extractText(content, { lines: options.lines ?? false });
  const title = page.title || baseTitle(name);
  const passages = pagePassages(page, {
    maxTokens: options.maxTokens ?? DEMO_PASSAGE_TOKENS,
    perBlock: options.lines ?? false,
  }).map(({ section, passage }): Passage => ({
    text: passage.text,
    title,
    // Text before the first heading has no heading path of its own.
    headings: section.title ? section.path : [],
    start: passage.start,
    end: passage.end,
  }));
  return { passages, warnings: page.warnings.slice(0, 5), title };
}

/**
 * A BEIR corpus (`corpus.jsonl`: one JSON object per line with `_id`, `title`, `text`). Each
 * record is one document; a long one becomes several passages sharing its title. Bad lines are
 * skipped and reported (up to five, with their line numbers), never fatal.
 */
export function splitJsonl(content: string, name: string, options: SplitOptions = {}): SplitResult {
  const maxTokens = options.maxTokens ?? DEMO_PASSAGE_TOKENS;
  const passages: Passage[] = [];
  const warnings: string[] = [];
  let bad = 0;
  let lineNo = 0;
  for (const m of content.matchAll(/[^\n]*(?:\n|$)/g)) {
    if (m[0] === '') break;
    lineNo++;
    const line = m[0].replace(/\r?\n$/, '');
    if (!line.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      record = undefined;
    }
    const r = record as { _id?: unknown; title?: unknown; text?: unknown } | undefined;
    if (!r || typeof r !== 'object' || typeof r.text !== 'string') {
      bad++;
      if (warnings.length < 5) warnings.push(`line ${lineNo}: not a BEIR record (a JSON object with a "text" string)`);
      continue;
    }
    const docId = typeof r._id === 'string' || typeof r._id === 'number' ? String(r._id) : `line ${lineNo}`;
    const title = typeof r.title === 'string' && r.title.trim() ? r.title.trim() : docId;
    for (const piece of cutPassages(r.text, 0, r.text.length, { maxTokens })) {
      passages.push({ text: piece.text, title, headings: [], start: m.index, end: m.index + line.length, docId });
    }
  }
  if (bad > warnings.length) warnings.push(`…and ${bad - warnings.length} more bad lines in ${name}`);
  return { passages, warnings, title: baseTitle(name) };
}
