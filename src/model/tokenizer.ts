/**
 * The tokenizer, via @huggingface/tokenizers (the tokenizer package of transformers.js, without
 * its runtime). We tokenize content without special tokens and add the model's own prefix/suffix
 * per window ourselves, which is what lets a long document be cut into windows.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { SpladeError } from '../errors.ts';
import { offsetPipeline, tokenOffsets, type OffsetPipeline } from './offsets.ts';

/** Content token ids of a text with where each token is in it. */
export interface ContentTokens {
  /** Equal to `contentIds(text)`. */
  ids: number[];
  /** `offsets[2k]`, `offsets[2k + 1]`: start and end (UTF-16, end exclusive) of token k in `text`. */
  offsets: Uint32Array;
}

export class TextTokenizer {
  /** Ids the tokenizer marks special ([CLS], [SEP], [PAD], ...): zeroed in document vectors. */
  readonly specialIds: Uint32Array;
  /** Ids the model's post-processor puts before / after the content of one sequence. */
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
  readonly padId: number;
  private pipeline?: OffsetPipeline;

  private constructor(
    private readonly tokenizer: Tokenizer,
    specialIds: number[],
    padId: number,
  ) {
    this.specialIds = Uint32Array.from(new Set(specialIds)).sort();
    this.padId = padId;
    // Find the template by encoding a probe with and without special tokens.
    const probe = 'a';
    const plain = tokenizer.encode(probe, { add_special_tokens: false }).ids;
    const full = tokenizer.encode(probe, { add_special_tokens: true }).ids;
    const at = indexOfSub(full, plain);
    this.prefix = at < 0 ? [] : full.slice(0, at);
    this.suffix = at < 0 ? [] : full.slice(at + plain.length);
  }

  static fromJson(tokenizerJson: unknown, tokenizerConfig: unknown, file: string): TextTokenizer {
    if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
      throw new SpladeError('model-file-invalid', `${file} is not a tokenizer.json (no "model" entry)`, { file });
    }
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(tokenizerJson, (tokenizerConfig ?? {}) as object);
    } catch (cause) {
      throw new SpladeError(
        'model-file-invalid',
        `${file} could not be loaded as a tokenizer: ${(cause as Error).message}`,
        { file, cause },
      );
    }
    const added =
      (tokenizerJson as { added_tokens?: { id: number; content: string; special?: boolean }[] }).added_tokens ?? [];
    const specialIds = added.filter((t) => t.special).map((t) => t.id);
    const config = (tokenizerConfig ?? {}) as { pad_token?: string | { content: string } };
    const padToken = typeof config.pad_token === 'string' ? config.pad_token : config.pad_token?.content;
    const padId = (padToken !== undefined ? tokenizer.token_to_id(padToken) : undefined) ?? specialIds[0] ?? 0;
    return new TextTokenizer(tokenizer, specialIds, padId);
  }

  /** Token ids of `text` without special tokens. */
  contentIds(text: string): number[] {
    return this.tokenizer.encode(cleanText(text), { add_special_tokens: false }).ids;
  }

  /**
   * Content token ids of `text` with each token's range in `text`, taken from the tokenizer's own
   * pipeline (see offsets.ts), never from searching the text. A span is the text of its token: its
   * normalized form is the token without "##" / "▁"; an [UNK] spans its whole word.
   */
  contentTokens(text: string): ContentTokens {
    cleanText(text); // the same input checks as contentIds
    this.pipeline ??= offsetPipeline(this.tokenizer);
    const { ids, offsets } = tokenOffsets(this.pipeline, text);
    return { ids, offsets };
  }

  /** Token ids with the model's special tokens, as a model input for one short text. */
  withSpecial(text: string): number[] {
    return this.tokenizer.encode(cleanText(text), { add_special_tokens: true }).ids;
  }

  /** The vocabulary entry of an id (e.g. "##ing", "▁사용"). */
  token(id: number): string {
    return this.tokenizer.id_to_token(id) ?? `[${id}]`;
  }

  idOf(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }
}

/**
 * Lone UTF-16 surrogates cannot be encoded as UTF-8 and break tokenizers: they become U+FFFD,
 * exactly what TextEncoder would do with them.
 */
export function cleanText(text: string): string {
  if (typeof text !== 'string') {
    throw new SpladeError('invalid-input', `texts must be strings, got ${text === null ? 'null' : typeof text}`);
  }
  return text.isWellFormed() ? text : text.toWellFormed();
}

function indexOfSub(hay: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
