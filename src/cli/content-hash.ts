/**
 * Content-hashed file names: every file `splade-web build` writes, except the few with fixed names,
 * is named by a hash of its bytes, so a host can cache it forever.
 */
import { createHash } from 'node:crypto';

/** Hex SHA-256 of `bytes`; names take a prefix of it. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `value` as compact JSON, UTF-8. */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
