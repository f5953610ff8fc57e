/**
 * The `splade-web` command: `build` a site's search index, `export` one to a search engine.
 * Every failure is one line naming what was wrong and what is accepted, and a non-zero exit code:
 * 2 for a wrong command line, 1 for everything else.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { SpladeError } from '../errors.ts';
import { build, type BuildSummary } from './build.ts';
import { progressBar } from './progress.ts';

const USAGE = `usage:
  splade-web build <site-dir> --out <dir> [--model <path|URL|hub id>] [--cache <dir>] [--base-url <prefix>]
  splade-web export <dir> --format opensearch|elasticsearch|qdrant|vespa --out <file>`;

class UsageError extends Error {}

function parse(args: string[], flags: readonly string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (!flags.includes(name)) throw new UsageError(`unknown option --${name}; accepted: ${flags.map((f) => `--${f}`).join(', ')}`);
    const value = inline ?? args[++k];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    options.set(name, value);
  }
  return { positional, options };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === 'build') {
      const { positional, options } = parse(rest, ['out', 'model', 'cache', 'base-url', 'batch-size']);
      if (positional.length !== 1) throw new UsageError('build takes one site folder');
      const out = options.get('out');
      if (!out) throw new UsageError('build needs --out <dir>, the folder to write the index into');
      const tty = process.stderr.isTTY === true;
      const bar = progressBar(tty, (s) => process.stderr.write(s));
      const batch = options.get('batch-size');
      const summary = await build({
        site: positional[0]!,
        out,
        ...(options.has('model') ? { model: options.get('model')! } : {}),
        ...(options.has('cache') ? { cache: options.get('cache')! } : {}),
        ...(options.has('base-url') ? { baseUrl: options.get('base-url')! } : {}),
        ...(batch ? { batchSize: Number(batch) } : {}),
        log: (line) => bar.line(line),
        progress: (done, total) => bar.update(done, total, 'sections encoded'),
      });
      bar.done();
      report(summary);
      process.stdout.write(`${searchBoxHint(positional[0]!, out, options.get('base-url') ?? '/')}\n`);
      return 0;
    }
    if (command === 'export') {
      const { positional, options } = parse(rest, ['format', 'out', 'field']);
      if (positional.length !== 1) throw new UsageError('export takes one index folder (the --out of build)');
      const format = options.get('format');
      const out = options.get('out');
      if (!format || !out) throw new UsageError('export needs --format and --out <file>');
      const { exportIndex } = await import('./export.ts');
      const r = await exportIndex({ dir: positional[0]!, format, out, ...(options.has('field') ? { field: options.get('field')! } : {}) });
      process.stdout.write(`splade-web export: ${r.documents} documents as ${format} bulk input in ${r.out}; ${r.extra.join(', ')}\n`);
      for (const note of r.notes) process.stdout.write(`  note: ${note}\n`);
      return 0;
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command "${command}"; accepted: build, export`);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`splade-web: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message.startsWith('splade-web:') ? message : `splade-web: ${message}`}\n`);
    if (process.env['SPLADE_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return error instanceof SpladeError && error.code === 'invalid-option' ? 2 : 1;
  }
}

function report(s: BuildSummary): void {
  const lines = [
    `splade-web build: ${s.pages} pages, ${s.sections} sections -> ${s.out}`,
    `  encoded ${s.encoded} sections (${s.reused} unchanged, from the cache)${s.encoded ? ` in ${s.encodeSeconds.toFixed(1)} s, ${(s.encoded / s.encodeSeconds).toFixed(1)} sections/s` : ''}`,
    `  ${s.files} files, ${size(s.bytes)}; total ${s.seconds.toFixed(1)} s`,
    `  index: ${size(s.indexBytes)} (a query fetches only the parts its terms and hits need)`,
    querySideLine(s),
  ];
  for (const k of s.skipped) lines.push(`  skipped ${k.file}: ${k.why}`);
  for (const w of s.warnings.slice(0, 20)) lines.push(`  warning: ${w}`);
  if (s.warnings.length > 20) lines.push(`  ... and ${s.warnings.length - 20} more warnings`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** How a page gets the search box: the script's URL when the index folder sits inside the site. */
function searchBoxHint(site: string, out: string, baseUrl: string): string {
  const inside = relative(resolve(site), resolve(out));
  const url = inside && !inside.startsWith('..') && !isAbsolute(inside) ? `${baseUrl.replace(/\/?$/, '/')}${inside.split(sep).join('/')}/splade-search.js` : `<the URL of ${out}>/splade-search.js`;
  return `  search box: <script type="module" src="${url}"></script> and <splade-search></splade-search> on a page`;
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

/** What the browser loads to encode queries: a symmetric model's encoder, ORT and model, by part. */
function querySideLine(s: BuildSummary): string {
  const q = s.querySide;
  const parts = q.parts.map((p) => `${p.name} ${size(p.bytes)}`).join(' + ');
  if (q.kind === 'static') return `  query side (inference-free): tokenizer shards ${size(q.bytes)} raw, ${size(q.gzip)} gzip, a query loads the shards of its words`;
  return `  query side (model, loaded by the first search, then cached): ${parts} = ${size(q.bytes)} raw, ${size(q.gzip)} gzip`;
}

// Run when executed directly (bin.mjs imports and calls main).
