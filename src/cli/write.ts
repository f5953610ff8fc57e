/**
 * The build's last stage: the output folder, written complete beside the old one
 * (`<out>.building-<pid>`) and only then swapped in, so a failed or interrupted build leaves the
 * previous index serving. Only splade.js, splade-search.js and splade-entry.json keep fixed names;
 * everything else is content-hashed (cached forever by a host): the index's files in a folder
 * named by their content (`index.<hash>/`), the tokenizer's and word list's files by their own.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PackPlan } from '../index/store/pack.ts';
import { ENTRY_FILE, SITE_FORMAT, SITE_VERSION, type SiteEntry, type WordPieceConfig } from '../site/site.ts';
import type { WordsConfig } from '../site/words-format.ts';
import { jsonBytes } from './content-hash.ts';
import type { QuerySide } from './query-side.ts';
import { runtimeBundle, widgetBundle } from './runtime-bundle.ts';

export interface SiteOutput {
  /** The index's pack files and their layout. */
  packs: PackPlan;
  querySide: QuerySide;
  /** The site's word list (inference-free sites; words-format.ts): its config's name and its files. */
  words?: { config: string; files: Map<string, Uint8Array> } | undefined;
  /** What the entry says of the site. */
  model: string;
  pages: number;
  sections: number;
}

export interface WrittenSite {
  files: number;
  bytes: number;
  /** The index alone (pack files, word list, entry), without the query runtime and query side. */
  indexBytes: number;
}

/** Writes `output` into the folder `out`, replacing what was there only once all of it is written. */
export async function writeSite(out: string, output: SiteOutput): Promise<WrittenSite> {
  const temporary = `${buildingPrefix(out)}${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  const written = new Map<string, Uint8Array>(output.packs.files);
  // What every query needs first is inline in the entry (one request, not one per file in turn):
  // the index's layout, the static tokenizer's config and the word list's config. Their files
  // stay too (splade-web export and older tools read them by name).
  const query = { ...output.querySide.query };
  if (query.kind === 'static') query.config = parseJson(output.querySide.files, query.tokenizer) as WordPieceConfig;
  const entry: SiteEntry = {
    format: SITE_FORMAT,
    version: SITE_VERSION,
    model: output.model,
    index: output.packs.layout,
    query,
    pages: output.pages,
    sections: output.sections,
  };
  if (output.words) {
    entry.words = output.words.config;
    entry.wordsConfig = parseJson(output.words.files, output.words.config) as WordsConfig;
    for (const [name, data] of output.words.files) written.set(name, data);
  }
  written.set(ENTRY_FILE, jsonBytes(entry));
  let indexBytes = 0;
  for (const data of written.values()) indexBytes += data.length;
  written.set('splade.js', await runtimeBundle());
  // The <splade-search> element: one script tag and one element give a site its search box.
  written.set('splade-search.js', await widgetBundle());
  for (const [name, data] of output.querySide.files) written.set(name, data);
  let bytes = 0;
  for (const [name, data] of written) {
    await mkdir(dirname(join(temporary, name)), { recursive: true });
    await writeFile(join(temporary, name), data);
    bytes += data.length;
  }
  await swap(temporary, out);
  return { files: written.size, bytes, indexBytes };
}

function parseJson(files: ReadonlyMap<string, Uint8Array>, name: string): unknown {
  return JSON.parse(new TextDecoder().decode(files.get(name)));
}

/**
 * What a page with the search should add to its <head> so that the files every query needs are
 * fetched while the page loads, not when the reader first types: the runtime module and the entry
 * (which holds the index's layout and the tokenizer's config). `base` is the URL of the index folder.
 */
export function preloadHints(base: string): string[] {
  const at = base.replace(/\/?$/, '/');
  return [
    `<link rel="modulepreload" href="${at}splade.js">`,
    `<link rel="preload" href="${at}${ENTRY_FILE}" as="fetch" crossorigin>`,
  ];
}

/** Where the new output is written before the swap (a build's page walk skips these folders). */
export function buildingPrefix(out: string): string {
  return `${out}.building-`;
}

/** Puts the complete new folder in place of the old one (which stays intact until then). */
async function swap(temporary: string, out: string): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  if (!existsSync(out)) {
    await rename(temporary, out);
    return;
  }
  const old = `${out}.old-${process.pid}`;
  await rm(old, { recursive: true, force: true });
  await rename(out, old);
  try {
    await rename(temporary, out);
  } catch (error) {
    await rename(old, out); // put the previous build back
    throw error;
  }
  await rm(old, { recursive: true, force: true });
}
