/**
 * The (window, token) position of a pooled entry, packed into one u32 so the WGSL kernel can store
 * it in a single atomic word and the CPU pooler can keep it in a Uint32Array. The window (index
 * within its segment, that is within the document's part in this batch) takes the high bits and the
 * token (index within its window) the low bits.
 *
 * Both poolers and the shader use these definitions (the shader gets `POSITION_WGSL` prepended to
 * its source), so the split cannot drift between them. A batch whose shape does not fit is refused
 * by `checkPositionPacking` before any work starts, instead of wrapping around silently.
 */
import { SpladeError } from '../errors.ts';

/** Bits of the token index; the window index gets the remaining 32 - TOKEN_BITS. */
export const POSITION_TOKEN_BITS = 16;
/** Tokens a window may have for its positions to be packable (token indices 0 .. MAX - 1). */
export const MAX_PACKED_TOKENS = 2 ** POSITION_TOKEN_BITS;
/** Windows a segment may have for its positions to be packable (window indices 0 .. MAX - 1). */
export const MAX_PACKED_WINDOWS = 2 ** (32 - POSITION_TOKEN_BITS);
const TOKEN_MASK = MAX_PACKED_TOKENS - 1;

/** The constants as WGSL, prepended to the shader source. */
export const POSITION_WGSL = `const POSITION_TOKEN_BITS: u32 = ${POSITION_TOKEN_BITS}u;\n`;

/** Packs a (window, token) pair; both must be in range (see `checkPositionPacking`). */
export function packPosition(window: number, token: number): number {
  return ((window << POSITION_TOKEN_BITS) | token) >>> 0;
}

export function unpackWindow(packed: number): number {
  return packed >>> POSITION_TOKEN_BITS;
}

export function unpackToken(packed: number): number {
  return packed & TOKEN_MASK;
}

/**
 * Throws a SpladeError when a batch's positions cannot be packed: a row longer than
 * MAX_PACKED_TOKENS tokens, or a segment of more than MAX_PACKED_WINDOWS windows.
 */
export function checkPositionPacking(tokens: number, segments: readonly { start: number; end: number }[]): void {
  if (tokens > MAX_PACKED_TOKENS) {
    throw new SpladeError(
      'invalid-input',
      `a batch row of ${tokens} tokens is too long to report positions: at most ${MAX_PACKED_TOKENS} tokens per window are accepted (use a smaller max_seq_length)`,
    );
  }
  for (const s of segments) {
    if (s.end - s.start > MAX_PACKED_WINDOWS) {
      throw new SpladeError(
        'invalid-input',
        `a segment of ${s.end - s.start} windows is too long to report positions: at most ${MAX_PACKED_WINDOWS} windows of one document per batch are accepted (use a smaller batch)`,
      );
    }
  }
}
