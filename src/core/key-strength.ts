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

function estimate(text: string): number {
  if (text.length === 0) return 0;
  let alphabet = 0;
  if (/[a-z]/.test(text)) alphabet += 26;
  if (/[A-Z]/.test(text)) alphabet += 26;
  if (/[0-9]/.test(text)) alphabet += 10;
  if (/[^a-zA-Z0-9]/.test(text)) alphabet += 33;
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let entropyPerChar = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropyPerChar -= p * Math.log2(p);
  }
  return Math.floor(Math.min(text.length * Math.log2(alphabet), text.length * entropyPerChar));
}

/**
 * A new random key: `<team>_` followed by 32 random bytes in base64url (256 bits), so a leaked key shows whose it
 * is without weakening it.
 */
export function generateKey(team: string): SecretValue {
  return SecretValue.unsafePlainText(`${team}_${randomBytes(32).toString('base64url')}`);
}
