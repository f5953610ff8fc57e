/**
 * The user's files, kept (in IndexedDB, through idb-keyval) apart from the search index: the
 * library lists them, and a model with another vocabulary re-indexes them from here. Passages are
 * recomputed from the stored text when needed (splitting is deterministic), so a file record is
 * small and the passage ids `${file.id}#${n}` are stable across reloads and models.
 */
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval';
import { formatOf, splitDocument, splitJsonl, type Passage, type SourceFormat } from './passages.ts';

export interface FileRecord {
  id: string;
  name: string;
  format: SourceFormat;
  /** Bytes of the file as read. */
  size: number;
  added: number;
  title: string;
  /** Passages the file splits into. */
  passages: number;
  /** Plain text pasted as one passage per line. */
  lines?: boolean;
}

let store: UseStore | undefined;
const files = () => (store ??= createStore('splade-demo-files', 'files'));

export async function listFiles(): Promise<FileRecord[]> {
  const all = (await keys(files())).filter((k): k is string => typeof k === 'string' && k.startsWith('meta:'));
  const records = await Promise.all(all.map((k) => get<FileRecord>(k, files())));
  return records.filter((r): r is FileRecord => !!r).sort((a, b) => a.added - b.added || a.name.localeCompare(b.name));
}

export async function fileText(id: string): Promise<string | undefined> {
  return get<string>(`text:${id}`, files());
}

export async function saveFile(record: FileRecord, text: string): Promise<void> {
  // Text first: a record without its text would list a file nothing can re-index.
  await set(`text:${record.id}`, text, files());
  await set(`meta:${record.id}`, record, files());
}

export async function deleteFile(id: string): Promise<void> {
  await del(`meta:${id}`, files());
  await del(`text:${id}`, files());
}

export async function deleteAllFiles(): Promise<void> {
  for (const k of await keys(files())) await del(k, files());
}

/** Passages of a file's text, the same every time for the same text. */
export function passagesOf(
  format: SourceFormat,
  name: string,
  text: string,
  lines = false,
): { passages: Passage[]; warnings: string[]; title: string } {
  return format === 'jsonl' ? splitJsonl(text, name) : splitDocument(text, format, name, { lines });
}

/** What a dropped or picked file turns into, or why it cannot be read. */
export type ReadFile =
  | { ok: true; record: FileRecord; text: string; passages: Passage[]; warnings: string[] }
  | { ok: false; name: string; reason: string };

export async function readUserFile(file: File, path = file.name): Promise<ReadFile> {
  const format = formatOf(file.name);
  if (!format) return { ok: false, name: path, reason: 'not a .txt, .md, .html or .jsonl file' };
  let text: string;
  try {
    text = await file.text();
  } catch (error) {
    return { ok: false, name: path, reason: `the browser could not read it (${(error as Error).message})` };
  }
  return fromText(path, format, text, file.size);
}

export function fromText(
  name: string,
  format: SourceFormat,
  text: string,
  size = text.length,
  lines = false,
): ReadFile {
  const { passages, warnings, title } = passagesOf(format, name, text, lines);
  if (passages.length === 0) return { ok: false, name, reason: warnings[0] ?? 'it holds no text' };
  const id = `f${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const record: FileRecord = {
    id,
    name,
    format,
    size,
    added: Date.now(),
    title,
    passages: passages.length,
    ...(lines ? { lines } : {}),
  };
  return { ok: true, record, text, passages, warnings };
}

/** Every file in a drop (folders walked), with its path inside the drop. */
export async function droppedFiles(data: DataTransfer): Promise<{ file: File; path: string }[]> {
  // Entries must be taken during the drop event itself: do it before the first await.
  const items = Array.from(data.items).filter((i) => i.kind === 'file');
  const taken = items.map((i) => ({ entry: i.webkitGetAsEntry?.() ?? null, file: i.getAsFile() }));
  const out: { file: File; path: string }[] = [];
  const visit = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ file, path: prefix + entry.name });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const e of batch) await visit(e, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const t of taken) {
    // A File made by a script (not from disk) has no entry; take it as it is.
    if (t.entry) await visit(t.entry, '');
    else if (t.file) out.push({ file: t.file, path: t.file.name });
  }
  if (taken.length === 0) for (const file of Array.from(data.files)) out.push({ file, path: file.name });
  return out;
}
