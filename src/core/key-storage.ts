import { SecretValue } from './secret-value';

/**
 * How a team's keys are stored for the policy that checks them:
 * - `extAuthSecret`: a Secret of type `extauth.solo.io/apikey` per key, for Solo ext-auth (the seed);
 * - `builtInSecret`: a Secret per key holding the entry `{"key": ..., "metadata": {...}}`, for agentgateway's own
 *   `apiKeyAuthentication`, selected by `labels`;
 * - `builtInHashedConfigMap`: a ConfigMap per key holding `{"keyHash": "sha256:<hex>", "metadata": {...}}`: no
 *   plaintext key anywhere, selected by `labels`.
 */
export type KeyStorage =
  | { readonly kind: 'extAuthSecret' }
  | { readonly kind: 'builtInSecret'; readonly labels: Readonly<Record<string, string>> }
  | { readonly kind: 'builtInHashedConfigMap'; readonly labels: Readonly<Record<string, string>> };

export const EXT_AUTH_STORAGE: KeyStorage = { kind: 'extAuthSecret' };

const KEY_HASH = /^sha256:[0-9a-f]{64}$/;

/**
 * The `sha256:<hex>` hash agentgateway compares a presented key against; also a literal key's identity in the
 * cross-team checks. Joined, not concatenated: one flat string (`+` keeps a rope of two), kept per key for the app's life.
 */
export function hashKey(key: SecretValue): string {
  return ['sha256:', key.sha256Hex()].join('');
}

export function isKeyHash(value: unknown): value is string {
  return typeof value === 'string' && KEY_HASH.test(value);
}
