/**
 * Built HTML to sections with htmlparser2's streaming tokenizer (it closes implied tags the way
 * browsers do). No DOM: hostile markup is only ever tokenized, never parsed into a document, so
 * nothing in it can run, load or raise a Content-Security-Policy report. Used by `splade-web build`
 * in Node and by the demo for the files a reader adds.
 */
import { Parser } from 'htmlparser2';
import { SectionBuilder } from './builder.ts';
import type { ExtractedPage } from './types.ts';

/** The page's text and blocks. Never throws on malformed markup (browsers do not either). */
export function extractHtml(html: string): ExtractedPage {
  const builder = new SectionBuilder();
  const parser = new Parser(
    {
      onopentag: (name, attributes) => builder.open(name, attributes),
      ontext: (data) => builder.text(data),
      onclosetag: (name) => builder.close(name),
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  return builder.finish();
}
