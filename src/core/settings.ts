import { SpecValidationError, displayValue } from './errors';
import { parseRfc3339 } from './time';

/** How one synth treats time and warnings. */
export interface SynthSettings {
  /**
   * The time keys are checked against: only keys valid now are emitted.
   * @default - the current time
   */
  readonly now?: Date;
  /**
   * Warn about keys that expire within this many days.
   * @default 14
   */
  readonly expiryWarningDays?: number;
  /**
   * Turn every warning into an error.
   * @default - true when the environment variable AGW_STRICT is `1` or `true`
   */
  readonly strict?: boolean;
  /**
   * Receives each warning (never key material).
   * @default - printed to stderr, once per synth
   */
  readonly warn?: (message: string) => void;
  /**
   * Allow plaintext key material in the output: literal keys (and, in a config file, `env` keys) in key Secrets,
   * and `ProviderCredential.inlineKey`. Anyone who can read the manifests can use such keys: keep keys in a secret
   * store (KeySource.fromExternalSecret), seal them (KeySource.fromSealedSecret) or store only hashes
   * (ApiKeyAuthMode.builtIn({ hashedKeys: true })) instead. Without this opt-in, plaintext keys are an error.
   * @default false
   */
  readonly allowPlaintextKeys?: boolean;
}

export interface ResolvedSynthSettings {
  readonly now: Date;
  readonly expiryWarningMs: number;
  readonly strict: boolean;
  readonly warn: (message: string) => void;
  readonly allowPlaintextKeys: boolean;
}

export function resolveSynthSettings(settings: SynthSettings = {}): ResolvedSynthSettings {
  if (settings.now !== undefined && parseRfc3339(settings.now) === undefined) {
    throw new SpecValidationError([{ path: 'settings', field: 'now', value: displayValue(String(settings.now)), expected: 'a valid Date' }]);
  }
  return {
    now: settings.now ?? new Date(),
    expiryWarningMs: (settings.expiryWarningDays ?? 14) * 24 * 3600 * 1000,
    strict: settings.strict ?? ['1', 'true'].includes(process.env.AGW_STRICT ?? ''),
    warn: settings.warn ?? (message => process.stderr.write(`warning: ${message}\n`)),
    allowPlaintextKeys: settings.allowPlaintextKeys === true,
  };
}
