import { hash } from 'node:crypto';
import { REDACTED } from './errors';

/**
 * Key material. The plaintext lives in a private field, so printing, logging, `JSON.stringify` and test snapshots
 * of a `SecretValue` (or of props holding one) show `<redacted>`.
 */
export class SecretValue {
  /**
   * Wraps a plaintext key. Anyone who can read your source can read this key: prefer a key source that keeps
   * the value out of git for anything but demos.
   */
  public static unsafePlainText(value: string): SecretValue {
    return new SecretValue(value);
  }

  /** Lets {@link displayValue} recognise secrets without importing this class. */
  public readonly redacted = true;
  readonly #value: string;

  private constructor(value: string) {
    this.#value = value;
  }

  /** The plaintext. Call only where the value must be written into a manifest. */
  public unsafeUnwrap(): string {
    return this.#value;
  }

  /** Length of the plaintext in characters; safe to show. */
  public get length(): number {
    return this.#value.length;
  }

  /** SHA-256 of the plaintext, hex; compares keys without keeping or showing them. */
  public sha256Hex(): string {
    // One call, no Hash object per key (node >= 20.12; package.json asks for 20.19). Not kept: a key source keeps
    // its identity (`hashKey`), and a second copy per key would cost 5 MB at 50 000 teams.
    return hash('sha256', this.#value);
  }

  public toString(): string {
    return REDACTED;
  }

  public toJSON(): string {
    return REDACTED;
  }

  // util.inspect.custom, without importing node:util into the public types.
  public [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SecretValue(${REDACTED})`;
  }
}

