import { randomBytes } from 'node:crypto';
import { SecretValue } from './secret-value';

/** Keys below this many bits of estimated strength get a warning. */
export const MIN_KEY_BITS = 128;

/**
 * A conservative estimate of a key's strength in bits: the smaller of "length × log2(alphabet in use)" and
 * "length × Shannon entropy per character", so `aaaaaaaaaaaaaaaa` and `team1-key` both score low.
 */
export function estimateKeyBits(key: SecretValue): number {
  let bits = estimates.get(key);
  if (bits === undefined) {
    bits = estimate(key.unsafeUnwrap());
    estimates.set(key, bits);
  }
  return bits;
}

// Warnings are computed on every synth; a key's strength never changes.
const estimates = new WeakMap<SecretValue, number>();

const ASCII_COUNTS = new Uint32Array(128);

function estimate(text: string): number {
  if (text.length === 0) return 0;
  let lower = false, upper = false, digit = false, other = false;
  // Counts per UTF-16 code unit: a reused array for ASCII (nearly every key), a Map for the rest.
  const counts = new Map<number, number>();
  const ascii = ASCII_COUNTS.fill(0);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 48 && c <= 57) digit = true;
    else other = true;
    if (c < 128) ascii[c]++;
    else counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0);
  let entropyPerChar = 0;
  const add = (count: number) => {
    const p = count / text.length;
    entropyPerChar -= p * Math.log2(p);
  };
  for (const count of ascii) if (count > 0) add(count);
  counts.forEach(add);
  return Math.floor(Math.min(text.length * Math.log2(alphabet), text.length * entropyPerChar));
}

/**
 * A new random key: `<team>_` followed by 32 random bytes in base64url (256 bits), so a leaked key shows whose it
 * is without weakening it.
 */
export function generateKey(team: string): SecretValue {
  return SecretValue.unsafePlainText(`${team}_${randomBytes(32).toString('base64url')}`);
}
