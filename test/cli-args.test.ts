/**
 * The `splade-web` command line (src/cli/args.ts parseCommandLine, argv -> command or error): every
 * flag of build and export keeps its meaning; a wrong value, an unknown flag, a missing value or
 * argument is an 'invalid-option' SpladeError naming the flag and what is accepted.
 */
import { describe, expect, it } from 'vitest';
import { SpladeError } from '../src/errors.ts';
import { parseCommandLine, USAGE, wholeNumber } from '../src/cli/args.ts';

/** The message of the error parseCommandLine throws for `argv` (fails the test when it accepts it). */
function refused(...argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(SpladeError);
    expect((error as SpladeError).code).toBe('invalid-option');
    return (error as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

describe('build', () => {
  it('takes the site folder and every flag, as separate or inline values, in any order', () => {
    expect(parseCommandLine(['build', 'site', '--out', 'o'])).toEqual({ command: 'build', site: 'site', out: 'o' });
    const flags = ['--cache', 'c', '--base-url', '/docs/', '--batch-size', '8', '--hub-url', 'http://127.0.0.1:9/'];
    const argv = ['build', '--model=m', 'site', '--out', 'o', ...flags];
    expect(parseCommandLine(argv)).toEqual({
      command: 'build',
      site: 'site',
      out: 'o',
      model: 'm',
      hubUrl: 'http://127.0.0.1:9',
      cache: 'c',
      baseUrl: '/docs/',
      batchSize: 8,
    });
    // The last of a repeated flag wins; a value may start with "-" when written inline.
    expect(parseCommandLine(['build', 's', '--out', 'a', '--out=-b'])).toMatchObject({ out: '-b' });
    // After "--", everything is an argument (a folder named "--odd").
    expect(parseCommandLine(['build', '--out', 'o', '--', '--odd'])).toMatchObject({ site: '--odd' });
  });

  it('refuses a batch size that is not a whole number >= 1', () => {
    const abc = refused('build', 's', '--out', 'o', '--batch-size', 'abc');
    expect(abc).toBe("--batch-size takes a whole number ≥ 1, got 'abc'");
    for (const bad of ['0', '-1', '1.5', '1e3', '0x10', ' 8', '', '99999999999999999999']) {
      expect(refused('build', 's', '--out', 'o', `--batch-size=${bad}`)).toMatch(/--batch-size takes/);
    }
    expect(parseCommandLine(['build', 's', '--out', 'o', '--batch-size', '064'])).toMatchObject({ batchSize: 64 });
  });

  it('takes an http(s) hub URL, and refuses anything else', () => {
    const hub = (url: string) => parseCommandLine(['build', 's', '--out', 'o', '--hub-url', url]);
    expect(hub('https://hf-mirror.com')).toMatchObject({ hubUrl: 'https://hf-mirror.com' });
    for (const bad of ['hf-mirror.com', 'file:///hub', 'ftp://x/']) {
      expect(refused('build', 's', '--out', 'o', `--hub-url=${bad}`)).toBe(
        `--hub-url takes an http or https URL (e.g. https://huggingface.co), got '${bad}'`,
      );
    }
  });

  it('takes a dtype by its transformers.js name, and refuses anything else listing them', () => {
    expect(parseCommandLine(['build', 's', '--out', 'o', '--dtype', 'q4'])).toMatchObject({ dtype: 'q4' });
    expect(parseCommandLine(['build', 's', '--out', 'o', '--dtype=auto'])).toMatchObject({ dtype: 'auto' });
    expect(refused('build', 's', '--out', 'o', '--dtype', 'int8')).toBe(
      '--dtype "int8" is not supported; accepted: auto, fp32, fp16, q8, q4, q4f16',
    );
    expect(refused('build', 's', '--out', 'o', '--dtype')).toBe(
      '--dtype takes <auto|fp32|fp16|q8|q4|q4f16>, got nothing',
    );
  });

  it('refuses unknown flags, listing the known ones', () => {
    const known = 'accepted: --out, --model, --hub-url, --dtype, --cache, --base-url, --batch-size, --jobs, --help';
    expect(refused('build', 's', '--out', 'o', '--modle', 'm')).toBe(`unknown option --modle; ${known}`);
    expect(refused('build', 's', '--out', 'o', '-m', 'x')).toBe(`unknown option -m; ${known}`);
    expect(refused('build', 's', '--out', 'o', '--format', 'qdrant')).toMatch(/^unknown option --format; /);
  });

  it('refuses a flag without its value, and a missing --out or site folder', () => {
    expect(refused('build', 's', '--out')).toBe('--out takes <dir>, got nothing');
    expect(refused('build', 's', '--out=')).toBe("--out takes <dir>, got ''");
    const dashed = refused('build', 's', '--out', '--model', 'm');
    expect(dashed).toMatch(/^--out takes <dir>, got '--model'; .* --out=--model/);
    expect(refused('build', 's', '--out', 'o', '--model')).toBe('--model takes <path|URL|hub id>, got nothing');
    expect(refused('build', 's')).toMatch(/^needs --out <dir>/);
    expect(refused('build', '--out', 'o')).toBe('expects one site folder, got 0');
    expect(refused('build', 'a', 'b', '--out', 'o')).toBe('expects one site folder, got 2 ("a", "b")');
    expect(refused('build', 's', '--out', 'o', '--help=yes')).toBe('--help takes no value');
  });
});

describe('export', () => {
  it('takes the folder, the format, the output file and the field', () => {
    expect(parseCommandLine(['export', 'idx', '--format', 'qdrant', '--out', 'f.ndjson'])).toEqual({
      command: 'export',
      dir: 'idx',
      format: 'qdrant',
      out: 'f.ndjson',
    });
    expect(parseCommandLine(['export', 'idx', '--format=vespa', '--out=f', '--field', 'splade'])).toMatchObject({
      format: 'vespa',
      field: 'splade',
    });
  });

  it('refuses a format it does not write, an unknown flag, a missing flag or folder', () => {
    expect(refused('export', 'idx', '--format', 'solr', '--out', 'f')).toBe(
      '--format "solr" is not one of opensearch, elasticsearch, qdrant, vespa',
    );
    expect(refused('export', 'idx', '--format', 'qdrant', '--out', 'f', '--batch-size', '3')).toBe(
      'unknown option --batch-size; accepted: --format, --out, --field, --help',
    );
    const needs = refused('export', 'idx', '--out', 'f');
    expect(needs).toMatch(/^needs --format <opensearch\|elasticsearch\|qdrant\|vespa> and --out <file>$/);
    expect(refused('export', '--format', 'qdrant', '--out', 'f')).toMatch(/^expects one index folder/);
    const field = refused('export', 'idx', '--format', 'qdrant', '--out', 'f', '--field');
    expect(field).toBe('--field takes <name>, got nothing');
  });
});

describe('commands and help', () => {
  it('prints the usage for help (exit 0) and for no command (exit 2); refuses an unknown command', () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['build', '--help'], ['export', '-h'], ['build', 's', '-h']]) {
      expect(parseCommandLine(argv)).toEqual({ command: 'help', exitCode: 0 });
    }
    expect(parseCommandLine([])).toEqual({ command: 'help', exitCode: 2 });
    expect(refused('frobnicate')).toBe('unknown command "frobnicate"; accepted: build, export, help');
    expect(refused('--out', 'o')).toMatch(/^unknown command "--out"/);
  });

  it('names every flag in the usage', () => {
    for (const flag of [
      '--out',
      '--model',
      '--hub-url',
      '--cache',
      '--base-url',
      '--batch-size',
      '--format',
      '--field',
    ]) {
      expect(USAGE).toContain(flag);
    }
  });

  it('reads whole numbers in a range', () => {
    expect(wholeNumber('--n', '7', 1, 10)).toBe(7);
    expect(() => wholeNumber('--n', '11', 1, 10)).toThrow("--n takes a whole number from 1 to 10, got '11'");
  });
});
