/**
 * The `splade-web` command: `build` a site's search index, `export` one to a search engine.
 * Every failure is one line naming what was wrong and what is accepted, and a non-zero exit code:
 * 2 for a wrong command line (args.ts; the usage follows the line), 1 for everything else.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { SpladeError } from '../errors.ts';
import { COMMANDS, parseCommandLine, USAGE, type CommandLine } from './args.ts';
import { build, type BuildSummary } from './build.ts';
import { exportIndex } from './export.ts';
import { progressBar } from './progress.ts';
import { preloadHints } from './write.ts';

export async function main(argv: string[]): Promise<number> {
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (error) {
    // A wrong command line: what was wrong and the usage, before anything is read or written.
    const command = COMMANDS.find((c) => c === argv[0]);
    process.stderr.write(`splade-web${command ? ` ${command}` : ''}: ${messageOf(error)}\n${USAGE}\n`);
    return 2;
  }
  try {
    if (line.command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return line.exitCode;
    }
    if (line.command === 'build') {
      const { command: _, ...options } = line;
      const bar = progressBar(process.stderr.isTTY === true, (s) => process.stderr.write(s));
      const stop = stopOnSignal(() => bar.line('stopping: keeping the sections encoded so far (again to quit now)'));
      let summary: BuildSummary;
      try {
        summary = await build({
          ...options,
          signal: stop.signal,
          log: (text) => bar.line(text),
          progress: (done, total) => bar.update(done, total, 'sections encoded'),
        });
      } catch (error) {
        if (!stop.signal.aborted) throw error;
        bar.done();
        process.stderr.write(
          'splade-web build: stopped; the sections encoded so far are kept, the next build resumes from them\n',
        );
        return 130;
      } finally {
        stop.release();
      }
      bar.done();
      report(summary);
      process.stdout.write(`${searchBoxHint(line.site, line.out, line.baseUrl ?? '/')}\n`);
      return 0;
    }
    const { command: _, ...options } = line;
    const r = await exportIndex(options);
    const written = `${r.documents} documents as ${line.format} bulk input in ${r.out}`;
    process.stdout.write(`splade-web export: ${written}; ${r.extra.join(', ')}\n`);
    for (const note of r.notes) process.stdout.write(`  note: ${note}\n`);
    return 0;
  } catch (error) {
    const message = messageOf(error);
    process.stderr.write(`splade-web: ${message}\n`);
    if (process.env['SPLADE_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return error instanceof SpladeError && error.code === 'invalid-option' ? 2 : 1;
  }
}

/**
 * Ctrl-C (or SIGTERM) during a build: the first stops it in order, so the vectors encoded so far
 * reach the cache and a rerun resumes; a second quits at once.
 */
function stopOnSignal(onStop: () => void): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    onStop();
    controller.abort(new Error(`stopped by ${name}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  const url =
    inside && !inside.startsWith('..') && !isAbsolute(inside)
      ? `${baseUrl.replace(/\/?$/, '/')}${inside.split(sep).join('/')}/splade-search.js`
      : `<the URL of ${out}>/splade-search.js`;
  const hints = preloadHints(url.replace(/splade-search\.js$/, '')).join(' ');
  return [
    `  search box: <script type="module" src="${url}"></script> and <splade-search></splade-search> on a page`,
    `  in its <head>, so a first search does not wait for what every search loads: ${hints}`,
  ].join('\n');
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(0)} KiB`;
}

/** What the browser loads to encode queries: a symmetric model's encoder, ORT and model, by part. */
function querySideLine(s: BuildSummary): string {
  const q = s.querySide;
  const parts = q.parts.map((p) => `${p.name} ${size(p.bytes)}`).join(' + ');
  if (q.kind === 'static')
    return `  query side (inference-free): tokenizer shards ${size(q.bytes)} raw, ${size(q.gzip)} gzip, a query loads the shards of its words`;
  return `  query side (model, loaded by the first search, then cached): ${parts} = ${size(q.bytes)} raw, ${size(q.gzip)} gzip`;
}

// Run when executed directly (bin.mjs imports and calls main).
