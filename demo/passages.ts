/**
 * Splitting a file into passages that fit the model, by headings and paragraphs. Pure functions
 * (no DOM): HTML is first reduced to blocks by html.ts in the page; everything here runs in Node
 * too and is unit-tested there (test/demo-passages.test.ts).
 *
 * Every passage keeps its place: `start`/`end` are a character range of the file's text (for .txt
 * and .md the file itself, so `text === file.slice(start, end)`; for .html the text extracted from
 * the parsed document; for .jsonl the line of the record). Highlights are offsets into
 * `passage.text`, so the text a passage is indexed with is never rewritten (no heading prepended,
 * no whitespace collapsed): what the tokenizer saw is what the page shows.
 */

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

/** Characters a passage holds at most: about 128 English word pieces, the bundled models' window. */
export const DEFAULT_MAX_CHARS = 600;

export interface Passage {
  text: string;
  /** The document's title (its first h1 / <title>, the BEIR title, or the file name). */
  title: string;
  /** Headings above the passage, outermost first. */
  headings: string[];
  /** Character range in the file's text (see the module comment), end exclusive. */
  start: number;
  end: number;
  /** The record's own id, for BEIR corpora (`_id`). */
  docId?: string;
}

export interface SplitResult {
  passages: Passage[];
  /** Problems worth telling the user (bad JSONL lines), at most a few, with their line numbers. */
  warnings: string[];
}

/** A heading or a run of text, located in the text it came from. */
export type Block =
  | { kind: 'heading'; level: number; text: string; start: number; end: number }
  | { kind: 'text'; start: number; end: number };

export interface SplitOptions {
  maxChars?: number;
  /** Plain text only: every non-empty line is its own passage (a pasted list of notes). */
  lines?: boolean;
}

/** The format of a file name, or undefined when the demo cannot read it. */
export function formatOf(name: string): SourceFormat | undefined {
  const m = /\.([a-z0-9]+)$/i.exec(name);
  return m ? FORMAT_OF_EXTENSION[m[1]!.toLowerCase()] : undefined;
}

/** Paragraphs of plain text: runs of non-blank lines (or single lines with `lines`). */
export function textBlocks(text: string, lines = false): Block[] {
  const out: Block[] = [];
  const separator = lines ? /\r?\n/g : /\r?\n[ \t]*\r?\n/g;
  let from = 0;
  const push = (end: number) => {
    const r = trimRange(text, from, end);
    if (r) out.push({ kind: 'text', ...r });
  };
  for (const m of text.matchAll(separator)) {
    push(m.index);
    from = m.index + m[0].length;
  }
  push(text.length);
  return out;
}

const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Markdown blocks: ATX headings (`# Title`), setext headings (a line underlined by === or ---),
 * fenced code kept whole (a `#` inside a fence is not a heading), paragraphs between blank lines.
 * A leading YAML front matter block is skipped. Inline markup stays in the passage text (it is the
 * file's text); heading names lose theirs for display.
 */
export function markdownBlocks(text: string): Block[] {
  const out: Block[] = [];
  const lines: { start: number; end: number }[] = [];
  for (const m of text.matchAll(/[^\n]*(?:\n|$)/g)) {
    if (m.index >= text.length && m[0] === '') break;
    const raw = m[0].replace(/\r?\n$/, '');
    lines.push({ start: m.index, end: m.index + raw.length });
  }
  const line = (k: number) => text.slice(lines[k]!.start, lines[k]!.end);
  let k = 0;
  if (lines.length && /^---\s*$/.test(line(0))) {
    const close = lines.findIndex((_, j) => j > 0 && /^(---|\.\.\.)\s*$/.test(line(j)));
    if (close > 0) k = close + 1;
  }
  let para: { start: number; end: number } | undefined;
  const flush = () => {
    if (para) {
      const r = trimRange(text, para.start, para.end);
      if (r) out.push({ kind: 'text', ...r });
    }
    para = undefined;
  };
  for (; k < lines.length; k++) {
    const l = line(k);
    const fence = FENCE.exec(l);
    if (fence) {
      flush();
      const marker = fence[1]!;
      let j = k + 1;
      while (j < lines.length && !line(j).trimStart().startsWith(marker)) j++;
      const end = lines[Math.min(j, lines.length - 1)]!.end;
      const r = trimRange(text, lines[k]!.start, end);
      if (r) out.push({ kind: 'text', ...r });
      k = j;
      continue;
    }
    const atx = ATX.exec(l);
    if (atx) {
      flush();
      out.push({ kind: 'heading', level: atx[1]!.length, text: plainInline(atx[2] ?? ''), start: lines[k]!.start, end: lines[k]!.end });
      continue;
    }
    if (/^\s*$/.test(l)) {
      flush();
      continue;
    }
    // Setext: a one-line paragraph underlined by === (level 1) or --- (level 2).
    const next = k + 1 < lines.length ? line(k + 1) : '';
    if (!para && /^ {0,3}(=+|-+)[ \t]*$/.test(next) && l.trim() !== '') {
      out.push({ kind: 'heading', level: next.trim()[0] === '=' ? 1 : 2, text: plainInline(l.trim()), start: lines[k]!.start, end: lines[k + 1]!.end });
      k++;
      continue;
    }
    para = para ? { start: para.start, end: lines[k]!.end } : { ...lines[k]! };
  }
  flush();
  return out;
}

/** Heading text without inline Markdown: links keep their words, code and emphasis marks go. */
export function plainInline(s: string): string {
  return s
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The blocks html.ts extracted from a parsed page, joined into one text the blocks index. */
export function joinBlocks(parts: readonly ({ kind: 'heading'; level: number; text: string } | { kind: 'text'; text: string })[]): { text: string; blocks: Block[] } {
  let text = '';
  const blocks: Block[] = [];
  for (const p of parts) {
    const t = p.text.trim();
    if (!t) continue;
    if (text) text += '\n\n';
    const start = text.length;
    text += t;
    blocks.push(p.kind === 'heading' ? { kind: 'heading', level: p.level, text: t.replace(/\s+/g, ' '), start, end: text.length } : { kind: 'text', start, end: text.length });
  }
  return { text, blocks };
}

/**
 * Passages from blocks: paragraphs of one section (same heading path) are packed while they fit
 * `maxChars`; a paragraph longer than that is cut at sentence ends, else at spaces, else anywhere.
 */
export function passagesFromBlocks(text: string, blocks: readonly Block[], title: string, options: SplitOptions = {}): Passage[] {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const out: Passage[] = [];
  const path: { level: number; text: string }[] = [];
  let current: { start: number; end: number } | undefined;
  const emit = () => {
    if (current) out.push({ text: text.slice(current.start, current.end), title, headings: path.map((h) => h.text), start: current.start, end: current.end });
    current = undefined;
  };
  for (const b of blocks) {
    if (b.kind === 'heading') {
      emit();
      while (path.length && path[path.length - 1]!.level >= b.level) path.pop();
      if (b.text) path.push({ level: b.level, text: b.text });
      continue;
    }
    for (const piece of cut(text, b.start, b.end, maxChars)) {
      if (!options.lines && current && piece.end - current.start <= maxChars) current.end = piece.end;
      else {
        emit();
        current = piece;
      }
    }
  }
  emit();
  return out;
}

/** [start, end) cut into pieces of at most maxChars, at the best boundary available. */
export function cut(text: string, start: number, end: number, maxChars: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let s = start;
  while (end - s > maxChars) {
    const window = text.slice(s, s + maxChars);
    let at = -1;
    // A sentence end followed by whitespace, in the second half (so pieces are not tiny).
    for (const m of window.matchAll(/[.!?。！？][)"'’”]?(?=\s)|\n/g)) if (m.index + m[0].length > maxChars / 2) at = m.index + m[0].length;
    if (at < 0) {
      const space = window.search(/\s\S*$/);
      at = space > maxChars / 4 ? space : maxChars;
    }
    // Never split a surrogate pair.
    if (at > 0 && /[\ud800-\udbff]/.test(text[s + at - 1]!)) at--;
    const r = trimRange(text, s, s + at);
    if (r) out.push(r);
    s += at;
  }
  const r = trimRange(text, s, end);
  if (r) out.push(r);
  return out;
}

function trimRange(text: string, start: number, end: number): { start: number; end: number } | undefined {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return end > start ? { start, end } : undefined;
}

/** A file's base name without its extension: the title when the document has none. */
export function baseTitle(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.replace(/\.[a-z0-9]+$/i, '') || base;
}

/** Plain text or Markdown into passages. */
export function splitText(content: string, format: 'txt' | 'md', name: string, options: SplitOptions = {}): SplitResult {
  const blocks = format === 'md' ? markdownBlocks(content) : textBlocks(content, options.lines);
  const h1 = blocks.find((b) => b.kind === 'heading' && b.level === 1);
  const title = h1 && h1.kind === 'heading' ? h1.text : baseTitle(name);
  return { passages: passagesFromBlocks(content, blocks, title, options), warnings: [] };
}

/**
 * A BEIR corpus (`corpus.jsonl`: one JSON object per line with `_id`, `title`, `text`). Each
 * record is one document; a long one becomes several passages sharing its title. Bad lines are
 * skipped and reported (up to five, with their line numbers), never fatal.
 */
export function splitJsonl(content: string, name: string, options: SplitOptions = {}): SplitResult {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
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
    for (const piece of cut(r.text, 0, r.text.length, maxChars)) {
      passages.push({ text: r.text.slice(piece.start, piece.end), title, headings: [], start: m.index, end: m.index + line.length, docId });
    }
  }
  if (bad > warnings.length) warnings.push(`…and ${bad - warnings.length} more bad lines in ${name}`);
  return { passages, warnings };
}

/**
 * HTML without its <style> elements and style="" attributes, before DOMParser sees it. The parsed
 * document is inert, but it inherits the page's Content-Security-Policy, and parsing inline styles
 * there raises securitypolicyviolation events (the demo promises none). Styles carry no text, so
 * dropping them changes no passage. Tags are matched with their quoted attribute values, so a ">"
 * inside a value does not end a tag early.
 */
export function withoutInlineStyles(html: string): string {
  return html
    .replace(/<style\b[\s\S]*?(?:<\/style\s*>|$)/gi, '')
    .replace(/<[a-zA-Z][^\s/>]*(?:[^>"']|"[^"]*"|'[^']*')*>/g, (tag) => tag.replace(/(\s)style\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+)/gi, '$1').replace(/(\s)style(?=[\s/>])/gi, '$1'));
}
