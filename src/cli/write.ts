/**
 * The build's last stage: the output folder, written complete beside the old one
 * (`<out>.building-<pid>`) and only then swapped in, so a failed or interrupted build leaves the
 * previous index serving. Only splade.js, splade-search.js and splade-entry.json keep fixed names;
 * everything else is content-hashed (cached forever by a host).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PackPlan } from '../index/store/pack.ts';
import { ENTRY_FILE, SITE_FORMAT, SITE_VERSION, type SiteEntry } from '../site/site.ts';
import { jsonBytes, sha256 } from './content-hash.ts';
import type { QuerySide } from './query-side.ts';
import { runtimeBundle, widgetBundle } from './runtime-bundle.ts';

export interface SiteOutput {
  /** The index's pack files and their directory. */
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
  /** The index alone (pack files, directory, entry), without the query runtime and query side. */
  indexBytes: number;
}

/** Writes `output` into the folder `out`, replacing what was there only once all of it is written. */
export async function writeSite(out: string, output: SiteOutput): Promise<WrittenSite> {
  const temporary = `${buildingPrefix(out)}${process.pid}`;
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  const written = new Map<string, Uint8Array>(output.packs.files);
  const directoryBytes = jsonBytes(output.packs.directory);
  const directoryName = `dir.${sha256(directoryBytes).slice(0, 16)}.json`;
  written.set(directoryName, directoryBytes);
  const entry: SiteEntry = {
    format: SITE_FORMAT,
    version: SITE_VERSION,
    model: output.model,
    directory: directoryName,
    query: output.querySide.query,
    pages: output.pages,
    sections: output.sections,
  };
  if (output.words) {
    entry.words = output.words.config;
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
