import { randomBytes } from 'node:crypto';
import { SecretValue } from './secret-value';

/** Keys below this many bits of estimated strength get a warning. */
export const MIN_KEY_BITS = 128;

/**
 * A conservative estimate of a key's strength in bits: the smaller of "length × log2(alphabet in use)" and
 * "length × Shannon entropy per character", so `aaaaaaaaaaaaaaaa` and `team1-key` both score low.
 */
export function estimateKeyBits(key: SecretValue): number {
  return estimate(key.unsafeUnwrap());
}

// Reused per call: counts per ASCII code unit (nearly every key is ASCII), zeroed again as they are read.
const ASCII_COUNTS = new Uint32Array(128);

function estimate(text: string): number {
  const length = text.length;
  if (length === 0) return 0;
  let wide: Map<number, number> | undefined; // code units above ASCII, rare
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) ASCII_COUNTS[c]++;
    else (wide ??= new Map()).set(c, (wide.get(c) ?? 0) + 1);
  }
  // The classes in use, read from the distinct characters rather than from every character.
  let lower = false, upper = false, digit = false, other = wide !== undefined;
  // Summed in code-unit order, then the rest in first-seen order: the same additions, so the same bits, as ever. Most
  // characters of a key occur once or twice: their term is computed once (the same value, so the same sum).
  let once = Number.NaN, twice = Number.NaN;
  let entropyPerChar = 0;
  for (let c = 0; c < 128; c++) {
    const count = ASCII_COUNTS[c];
    if (count === 0) continue;
    ASCII_COUNTS[c] = 0;
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 48 && c <= 57) digit = true;
    else other = true;
    if (count === 1) entropyPerChar -= Number.isNaN(once) ? (once = entropyTerm(1, length)) : once;
    else if (count === 2) entropyPerChar -= Number.isNaN(twice) ? (twice = entropyTerm(2, length)) : twice;
    else entropyPerChar -= entropyTerm(count, length);
  }
  if (wide) for (const count of wide.values()) entropyPerChar -= entropyTerm(count, length);
  const alphabet = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (other ? 33 : 0);
  return Math.floor(Math.min(length * Math.log2(alphabet), length * entropyPerChar));
}

/** p × log2(p) of a character occurring `count` times in `length`. */
function entropyTerm(count: number, length: number): number {
  const p = count / length;
  return p * Math.log2(p);
}

/**
 * A new random key: `<team>_` followed by 32 random bytes in base64url (256 bits), so a leaked key shows whose it
 * is without weakening it.
 */
export function generateKey(team: string): SecretValue {
  return SecretValue.unsafePlainText(`${team}_${randomBytes(32).toString('base64url')}`);
}
