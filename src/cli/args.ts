/**
 * The `splade-web` command line, argv -> what to run, with node:util parseArgs (strict). A pure
 * function: every wrong command line is a SpladeError ('invalid-option') whose message names the
 * flag or argument and what is accepted, thrown before anything is read or written (main() prints
 * it with the usage and exits with 2), so a typo can never produce an empty or partial index.
 */
import { parseArgs } from 'node:util';
import { SpladeError } from '../errors.ts';
import { DTYPE_OPTIONS, parseDtype, type DtypeOption } from '../model/dtype.ts';
import { EXPORT_FORMATS, type ExportFormat } from './export.ts';

export interface BuildCommand {
  command: 'build';
  site: string;
  out: string;
  model?: string;
  /** Base URL of the hub a hub-id --model comes from (a mirror; tests' local hub). */
  hubUrl?: string;
  cache?: string;
  baseUrl?: string;
  batchSize?: number;
  /** Encoders at work at once: worker threads with one model each; 1 = this thread only (default: build.ts). */
  jobs?: number;
  /** Precision of the document model (see src/model/dtype.ts); default 'auto'. */
  dtype?: DtypeOption;
}

export interface ExportCommand {
  command: 'export';
  dir: string;
  format: ExportFormat;
  out: string;
  field?: string;
}

/** Print the usage; `exitCode` 2 when no command was given (a script calling it wrongly), else 0. */
export interface HelpCommand {
  command: 'help';
  exitCode: 0 | 2;
}

export type CommandLine = BuildCommand | ExportCommand | HelpCommand;

export const COMMANDS = ['build', 'export'] as const;

export const USAGE = `usage:
  splade-web build <site-dir> --out <dir> [options]
    --out <dir>               the folder to write the index into (swapped in only once complete)
    --model <path|URL|hub id> a SparseEncoder in the sentence-transformers layout
                              (default: the bundled splade-tiny-en-if); repos with only
                              config.json + safetensors (no ONNX) load too: the graph is built
    --hub-url <url>           the hub a hub id is downloaded from (default: https://huggingface.co)
    --dtype <dtype>           precision of the document model: ${DTYPE_OPTIONS.join(', ')}
                              (default: auto = fp32 for a built graph on the CPU)
    --cache <dir>             vectors kept between builds (default: <out>/../.splade-web-cache)
    --base-url <prefix>       URL prefix of the site's pages (default: /)
    --batch-size <n>          sections encoded per step, a whole number >= 1 (default: 64)
    --jobs <n>                encoders at once, each a worker thread with its own copy of the
                              model, a whole number >= 1; 1 encodes in the main thread (default:
                              the number of cores, or 1 for a graph built from safetensors,
                              which pools inside onnxruntime on all cores already)
  splade-web export <dir> --format <format> --out <file> [--field <name>]
    --format <format>         one of ${EXPORT_FORMATS.join(', ')}
    --out <file>              the bulk file to write (side files are written beside it)
    --field <name>            the vector field (default: emb; qdrant: text)
  splade-web help`;

/** One flag as parseArgs takes it, with the placeholder of its value for messages. */
interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  /** What the value is, in "--out takes <dir>, got nothing". */
  value?: string;
}

const BUILD_FLAGS = {
  out: { type: 'string', value: '<dir>' },
  model: { type: 'string', value: '<path|URL|hub id>' },
  'hub-url': { type: 'string', value: '<url>' },
  dtype: { type: 'string', value: `<${DTYPE_OPTIONS.join('|')}>` },
  cache: { type: 'string', value: '<dir>' },
  'base-url': { type: 'string', value: '<prefix>' },
  'batch-size': { type: 'string', value: '<n>' },
  jobs: { type: 'string', value: '<n>' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, Flag>;

const EXPORT_FLAGS = {
  format: { type: 'string', value: `<${EXPORT_FORMATS.join('|')}>` },
  out: { type: 'string', value: '<file>' },
  field: { type: 'string', value: '<name>' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, Flag>;

function usageError(message: string): SpladeError {
  return new SpladeError('invalid-option', message);
}

/**
 * The flags of one command, parsed strictly. Unknown flags, a string flag without a value (or with
 * an empty one) and a value on a boolean flag are refused here with messages of our own (parseArgs'
 * own messages name the rule, not what we accept); strict parsing then gives the values.
 */
function flagsOf<F extends Record<string, Flag>>(
  args: string[],
  flags: F,
): { values: { [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] } {
  const known = Object.keys(flags)
    .map((name) => `--${name}`)
    .join(', ');
  const { tokens } = parseArgs({ args, options: flags, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const flag = (flags as Record<string, Flag>)[t.name];
    if (!flag) throw usageError(`unknown option ${t.rawName}; accepted: ${known}`);
    if (flag.type === 'boolean' && t.value !== undefined) throw usageError(`${t.rawName} takes no value`);
    // A following "--x" is the next flag, not a value ("--out --model m" forgot the folder).
    if (flag.type === 'string' && (!t.value || (!t.inlineValue && t.value.startsWith('-')))) {
      const got = t.value === undefined ? 'nothing' : `'${t.value}'`;
      const hint = t.value ? `; a value that starts with "-" is written ${t.rawName}=${t.value}` : '';
      throw usageError(`${t.rawName} takes ${flag.value ?? 'a value'}, got ${got}${hint}`);
    }
  }
  try {
    const parsed = parseArgs({ args, options: flags, strict: true, allowPositionals: true });
    return parsed as unknown as ReturnType<typeof flagsOf<F>>;
  } catch (error) {
    // Cases the checks above do not foresee: parseArgs' own sentence.
    throw usageError(error instanceof Error ? error.message.split('\n')[0]! : String(error));
  }
}

/** A whole number in [min, max] written in decimal digits ("64"), or a sentence of what was wrong. */
export function wholeNumber(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw usageError(`${flag} takes a whole number ${range}, got '${text}'`);
  }
  return n;
}

/** An http(s) URL without its trailing slashes ("https://hf-mirror.com"), or a sentence of what was wrong. */
export function httpUrl(flag: string, text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw usageError(`${flag} takes an http or https URL (e.g. https://huggingface.co), got '${text}'`);
  return text.replace(/\/+$/, '');
}

/** The command of a `splade-web` command line (argv without node and the script), or a SpladeError. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [command, ...rest] = argv;
  if (command === undefined) return { command: 'help', exitCode: 2 };
  if (command === 'help' || command === '--help' || command === '-h') return { command: 'help', exitCode: 0 };
  if (command === 'build') {
    const { values, positionals } = flagsOf(rest, BUILD_FLAGS);
    if (values.help) return { command: 'help', exitCode: 0 };
    if (positionals.length !== 1) {
      throw usageError(`expects one site folder, got ${positionals.length}${listed(positionals)}`);
    }
    if (values.out === undefined) throw usageError('needs --out <dir>, the folder to write the index into');
    const options: BuildCommand = { command: 'build', site: positionals[0]!, out: values.out };
    if (values.model !== undefined) options.model = values.model;
    if (values['hub-url'] !== undefined) options.hubUrl = httpUrl('--hub-url', values['hub-url']);
    if (values.dtype !== undefined) options.dtype = parseDtype(values.dtype, '--dtype');
    if (values.cache !== undefined) options.cache = values.cache;
    if (values['base-url'] !== undefined) options.baseUrl = values['base-url'];
    if (values['batch-size'] !== undefined) options.batchSize = wholeNumber('--batch-size', values['batch-size'], 1);
    if (values.jobs !== undefined) options.jobs = wholeNumber('--jobs', values.jobs, 1);
    return options;
  }
  if (command === 'export') {
    const { values, positionals } = flagsOf(rest, EXPORT_FLAGS);
    if (values.help) return { command: 'help', exitCode: 0 };
    if (positionals.length !== 1) {
      const got = `${positionals.length}${listed(positionals)}`;
      throw usageError(`expects one index folder (the --out of build), got ${got}`);
    }
    if (values.format === undefined || values.out === undefined) {
      throw usageError(`needs --format <${EXPORT_FORMATS.join('|')}> and --out <file>`);
    }
    const format = values.format as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) {
      throw usageError(`--format ${JSON.stringify(values.format)} is not one of ${EXPORT_FORMATS.join(', ')}`);
    }
    const options: ExportCommand = { command: 'export', dir: positionals[0]!, format, out: values.out };
    if (values.field !== undefined) options.field = values.field;
    return options;
  }
  throw usageError(`unknown command ${JSON.stringify(command)}; accepted: ${COMMANDS.join(', ')}, help`);
}

function listed(values: string[]): string {
  return values.length ? ` (${values.map((v) => JSON.stringify(v)).join(', ')})` : '';
}
