/**
 * The sectioner's core: it takes a page as a stream of element opens, text and closes (from
 * htmlparser2, or from a walk over a live DOM: see html.ts and dom.ts), applies the rule table
 * (rules.ts) and produces the page's text as blocks. Both adapters feed it the same events for the
 * same markup, so the build and the widget cut a page the same way.
 */
import { ATTRIBUTES, childContext, collapse, parseFieldSpec, ruleFor, VOID, type Context } from './rules.ts';
import type { Block, ExtractedPage } from './types.ts';

/** Which text a run belongs to; the page's scope is chosen at the end, once all is seen. */
interface Scope {
  skip: boolean;
  /** Inside a data-splade-body region. */
  body: boolean;
  /** Inside the main landmark. */
  main: boolean;
}

type Event<Ref> =
  | ({ kind: 'text'; text: string } & Scope)
  | ({ kind: 'heading'; level: number; anchor: string; text: string; ref: Ref | undefined } & Scope)
  | { kind: 'break' };

interface Open<Ref> {
  name: string;
  context: Context;
  main: boolean;
  block: boolean;
  /** A data-splade-meta / -filter "key" waiting for the element's text. */
  capture?: { target: Record<string, string>; key: string; text: string[] };
  heading?: { level: number; anchor: string; text: string[]; ref: Ref | undefined } & Scope;
}

export class SectionBuilder<Ref = never> {
  private readonly stack: Open<Ref>[] = [];
  private readonly events: Event<Ref>[] = [];
  private readonly meta: Record<string, string> = {};
  private readonly filters: Record<string, string> = {};
  private readonly warnings: string[] = [];
  private title = '';
  private inTitle = false;
  private lastId = '';
  private anyBody = false;
  private anyMain = false;

  private get top(): Open<Ref> | undefined {
    return this.stack[this.stack.length - 1];
  }

  private scope(): Scope {
    const top = this.top;
    return { skip: top?.context.skip ?? false, body: top?.context.body ?? false, main: top?.main ?? false };
  }

  private openHeading(): Open<Ref> | undefined {
    for (let k = this.stack.length - 1; k >= 0; k--) if (this.stack[k]!.heading) return this.stack[k];
    return undefined;
  }

  /** An element starts. `name` and attribute names lowercase; `ref` is kept for a heading. */
  open(name: string, attributes: Readonly<Record<string, string>>, ref?: Ref): void {
    const parent: Context = this.top?.context ?? { skip: false, body: false, sectioning: false };
    const rule = ruleFor(name, attributes, parent);
    if (rule.body) this.anyBody = true;
    const main = (this.top?.main ?? false) || rule.main;
    if (rule.main && !rule.skip) this.anyMain = true;
    if (name === 'title' && !this.title && !this.stack.some((o) => o.name === 'body' || o.name === 'svg')) {
      this.inTitle = true;
    }
    // An unclosed heading ends where a paragraph or another heading starts (broken markup would
    // otherwise make the rest of the page one long title).
    if (rule.level || name === 'p') this.closeUnclosedHeading();
    const id = attributes['id'] ?? (name === 'a' ? attributes['name'] : undefined);
    const context = childContext(name, rule, parent);
    const open: Open<Ref> = { name, context, main, block: rule.block };
    if (id && !rule.skip) {
      this.lastId = id;
      const heading = this.openHeading()?.heading;
      if (heading && !heading.anchor) heading.anchor = id; // <h2><a id="x"></a>Title</h2>
    }
    for (const [attribute, target] of [
      [ATTRIBUTES.meta, this.meta],
      [ATTRIBUTES.filter, this.filters],
    ] as const) {
      const spec = attributes[attribute];
      if (spec === undefined) continue;
      const field = parseFieldSpec(spec);
      if (!field) this.warnings.push(`${attribute}="${spec}" names no key; expected "key" or "key:value"`);
      else if (field.value !== undefined) target[field.key] = field.value;
      else open.capture = { target, key: field.key, text: [] };
    }
    if (rule.block) this.events.push({ kind: 'break' });
    if (rule.level && !this.openHeading()) {
      open.heading = { level: rule.level, anchor: id ?? '', text: [], ref, skip: rule.skip, body: context.body, main };
    }
    if (VOID.has(name)) {
      const alt = attributes['alt'];
      if (name === 'img' && !rule.skip && alt) this.text(` ${alt} `, rule.skip);
      if (rule.block) this.events.push({ kind: 'break' });
      return;
    }
    this.stack.push(open);
  }

  /** Text inside the current element. */
  text(data: string, skip = this.scope().skip): void {
    if (this.inTitle) {
      this.title += data;
      return;
    }
    for (const o of this.stack) o.capture?.text.push(data);
    const heading = this.openHeading()?.heading;
    if (heading) {
      if (!skip) heading.text.push(data);
    } else this.events.push({ kind: 'text', text: data, ...this.scope(), skip });
  }

  /** The element `name` ends (with the elements still open inside it). */
  close(name: string): void {
    if (name === 'title') this.inTitle = false;
    if (VOID.has(name)) return;
    const at = this.stack.map((o) => o.name).lastIndexOf(name);
    if (at < 0) return;
    while (this.stack.length > at) this.pop();
  }

  private pop(): void {
    const o = this.stack.pop()!;
    if (o.capture) {
      const value = collapse(o.capture.text.join(' '));
      if (value) o.capture.target[o.capture.key] = value;
    }
    if (o.heading) this.emitHeading(o);
    if (o.block) this.events.push({ kind: 'break' });
  }

  private emitHeading(o: Open<Ref>): void {
    const h = o.heading!;
    delete o.heading;
    // A heading without an id of its own takes an id opened since the previous heading (its
    // enclosing <section id>, or an <a name> just before it); never one that an earlier heading used.
    const anchor = h.anchor || this.lastId;
    this.lastId = '';
    this.events.push({
      kind: 'heading',
      level: h.level,
      anchor,
      text: collapse(h.text.join('')),
      ref: h.ref,
      skip: h.skip,
      body: h.body,
      main: h.main,
    });
  }

  private closeUnclosedHeading(): void {
    const o = this.openHeading();
    if (!o) return;
    // Close everything from the heading up: its unclosed children end with it.
    while (this.stack.length && this.stack[this.stack.length - 1] !== o) this.pop();
    this.pop();
  }

  /** The page, once every event is in. */
  finish(): ExtractedPage<Ref> {
    while (this.stack.length) this.pop();
    const keep = this.anyBody
      ? (e: Scope) => !e.skip && e.body
      : this.anyMain
        ? (e: Scope) => !e.skip && e.main
        : (e: Scope) => !e.skip;
    const lines: string[] = [];
    const blocks: Block<Ref>[] = [];
    let length = 0;
    let run: string[] = [];
    const add = (line: string): { start: number; end: number } => {
      if (lines.length) length += 1; // the "\n" between lines
      const start = length;
      lines.push(line);
      length += line.length;
      return { start, end: length };
    };
    const flush = () => {
      const line = collapse(run.join(''));
      run = [];
      if (line) blocks.push({ kind: 'text', ...add(line) });
    };
    for (const e of this.events) {
      if (e.kind === 'break') flush();
      else if (e.kind === 'text') {
        if (keep(e)) run.push(e.text);
      } else if (keep(e) && e.text) {
        flush();
        const block: Block<Ref> = { kind: 'heading', level: e.level, anchor: e.anchor, ...add(e.text) };
        if (e.ref !== undefined) block.ref = e.ref;
        blocks.push(block);
      }
    }
    flush();
    const text = lines.join('\n');
    const firstHeading = blocks.find((b) => b.kind === 'heading');
    const title = collapse(this.title) || (firstHeading ? text.slice(firstHeading.start, firstHeading.end) : '');
    return { title, text, blocks, meta: this.meta, filters: this.filters, warnings: this.warnings };
  }
}
