/**
 * A page's passages, section by section: what every caller indexes (the build, the widget's page
 * source, the demo's files), so one page gives the same passages, and the same vectors, everywhere.
 */
import { cutPassages, cutPassagesAsync, type CutOptions } from './cut.ts';
import { sectionsOf } from './sections.ts';
import type { ExtractedPage, Passage, Section } from './types.ts';

export interface PassageOptions extends CutOptions {
  /** Never pack two blocks into one passage (a pasted list of notes: one passage per line). */
  perBlock?: boolean;
}

export interface SectionPassage<Ref = never> {
  section: Section<Ref>;
  passage: Passage;
}

/** The ranges cut on their own: each section, or with `perBlock` each block of each section. */
function pieces<Ref>(
  page: ExtractedPage<Ref>,
  options: PassageOptions,
): { section: Section<Ref>; start: number; end: number }[] {
  return sectionsOf(page).flatMap((section) =>
    options.perBlock
      ? page.blocks
          .filter((b) => b.start >= section.start && b.end <= section.end)
          .map((b) => ({ section, start: b.start, end: b.end }))
      : [{ section, start: section.start, end: section.end }],
  );
}

/** Passages numbered within their section. */
function numbered<Ref>(cuts: { section: Section<Ref>; passages: Passage[] }[]): SectionPassage<Ref>[] {
  const next = new Map<Section<Ref>, number>();
  return cuts.flatMap(({ section, passages }) =>
    passages.map((passage) => {
      const number = (next.get(section) ?? 0) + 1;
      next.set(section, number);
      return { section, passage: { ...passage, number } };
    }),
  );
}

/** Passages with a synchronous token counter (or the estimate). */
export function pagePassages<Ref>(page: ExtractedPage<Ref>, options: PassageOptions = {}): SectionPassage<Ref>[] {
  return numbered(
    pieces(page, options).map((p) => ({
      section: p.section,
      passages: cutPassages(page.text, p.start, p.end, options),
    })),
  );
}

/** Passages with a counter that may answer later (the model's tokenizer in a Worker). */
export async function pagePassagesAsync<Ref>(
  page: ExtractedPage<Ref>,
  options: PassageOptions = {},
): Promise<SectionPassage<Ref>[]> {
  const cuts = await Promise.all(
    pieces(page, options).map(async (p) => ({
      section: p.section,
      passages: await cutPassagesAsync(page.text, p.start, p.end, options),
    })),
  );
  return numbered(cuts);
}

/**
 * The text a passage is encoded with: a section's later passages start with its heading, so the
 * model reads them in their context ("Options: --force ...") as it reads the first.
 */
export function encodedText(section: Section<unknown>, passage: Passage): string {
  return passage.number > 1 && section.title ? `${section.title}: ${passage.text}` : passage.text;
}
