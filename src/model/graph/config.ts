/**
 * Typed reads of a Hugging Face config.json for the graph builders: a missing or ill-typed key is a
 * `model-file-invalid` SpladeError naming the key, the file, what was expected and what was found.
 */
import { SpladeError } from '../../errors.ts';

export class ModelConfig {
  constructor(
    readonly json: Readonly<Record<string, unknown>>,
    /** The config's path in the repository, for messages. */
    readonly file = 'config.json',
  ) {}

  /** The config of a parsed config.json, or an error when it is not a JSON object. */
  static from(json: unknown, file = 'config.json'): ModelConfig {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new SpladeError('model-file-invalid', `${file} must be a JSON object`, { file });
    }
    return new ModelConfig(json as Record<string, unknown>, file);
  }

  has(key: string): boolean {
    return this.json[key] !== undefined && this.json[key] !== null;
  }

  get(key: string): unknown {
    return this.json[key];
  }

  private fail(key: string, expected: string): never {
    const value = this.json[key];
    const found = value === undefined ? 'it is missing' : `found ${JSON.stringify(value)}`;
    throw new SpladeError('model-file-invalid', `${this.file}: "${key}" must be ${expected}; ${found}`, {
      file: this.file,
    });
  }

  /** A non-negative integer (`fallback` when the key is absent; absent with no fallback is an error). */
  int(key: string, fallback?: number): number {
    const value = this.has(key) ? this.json[key] : fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) this.fail(key, 'a non-negative integer');
    return value;
  }

  /** A finite number. */
  number(key: string, fallback?: number): number {
    const value = this.has(key) ? this.json[key] : fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key, 'a number');
    return value;
  }

  string(key: string, fallback?: string): string {
    const value = this.has(key) ? this.json[key] : fallback;
    if (typeof value !== 'string') this.fail(key, 'a string');
    return value;
  }

  bool(key: string, fallback?: boolean): boolean {
    const value = this.has(key) ? this.json[key] : fallback;
    if (typeof value !== 'boolean') this.fail(key, 'true or false');
    return value;
  }

  /** A nested object (e.g. `rope_scaling`), or undefined when absent or null. */
  object(key: string): ModelConfig | undefined {
    if (!this.has(key)) return undefined;
    const value = this.json[key];
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(key, 'an object');
    return new ModelConfig(value as Record<string, unknown>, `${this.file} ("${key}")`);
  }

  /** `hidden_size / num_attention_heads`, checked to divide evenly. */
  headSize(hiddenKey = 'hidden_size', headsKey = 'num_attention_heads'): number {
    const hidden = this.int(hiddenKey);
    const heads = this.int(headsKey);
    if (heads === 0 || hidden % heads !== 0) this.fail(headsKey, `a divisor of ${hiddenKey} (${hidden})`);
    return hidden / heads;
  }
}
