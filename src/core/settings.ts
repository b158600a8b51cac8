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
}

export interface ResolvedSynthSettings {
  readonly now: Date;
  readonly expiryWarningMs: number;
  readonly strict: boolean;
  readonly warn: (message: string) => void;
}

export function resolveSynthSettings(settings: SynthSettings = {}): ResolvedSynthSettings {
  return {
    now: settings.now ?? new Date(),
    expiryWarningMs: (settings.expiryWarningDays ?? 14) * 24 * 3600 * 1000,
    strict: settings.strict ?? ['1', 'true'].includes(process.env.AGW_STRICT ?? ''),
    warn: settings.warn ?? (message => process.stderr.write(`warning: ${message}\n`)),
  };
}
