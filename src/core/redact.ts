import { REDACTED } from './errors';
import { API_KEY_ENTRY, API_KEY_SECRET_TYPE, KINDS, Manifest } from './manifest';

// Every format this library writes key material in (see key-source.ts and provider-credential.ts):
// - ext-auth key Secrets: the `api-key` entry; every other entry is metadata (`x-org`), not secret;
// - built-in key Secrets: each entry is a key, either a plain string or JSON `{"key": ..., "metadata": {...}}`;
// - hashed-key ConfigMaps: JSON `{"keyHash": ..., "metadata": {...}}`, no key (a stray `key` is redacted anyway);
// - backends: an inline provider key in `spec.policies.auth.key`.

type Entries = Record<string, unknown>;

function decodeBase64(value: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  return text.includes('\uFFFD') ? undefined : text;
}

/** A JSON key entry (`{"key": ..., ...}`), parsed; undefined for anything else. */
function jsonKeyEntry(text: string): Entries | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'key' in parsed ? parsed as Entries : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How one Secret or ConfigMap entry is shown: `undefined` when it holds no key material, else its readable form
 * with the key replaced by `<redacted>` (the whole entry when the key cannot be told apart from the rest).
 */
function redactEntry(kind: string, secretType: unknown, name: string, text: string | undefined): unknown {
  if (kind === KINDS.secret.kind && secretType === API_KEY_SECRET_TYPE) return name === API_KEY_ENTRY ? REDACTED : undefined;
  const json = text === undefined ? undefined : jsonKeyEntry(text);
  if (json) return { ...json, key: REDACTED };
  // Any other Secret entry may be a plain-string key (agentgateway reads every entry of a selected Secret as one).
  return kind === KINDS.secret.kind ? REDACTED : undefined;
}

const DATA_FIELDS = [['data', true], ['stringData', false]] as const;

function isEntries(value: unknown): value is Entries {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isKeyStore(manifest: Manifest): boolean {
  return (manifest.kind === KINDS.secret.kind || manifest.kind === 'ConfigMap') && manifest.apiVersion === 'v1';
}

function redactBackend(manifest: Manifest): Manifest {
  const spec = manifest.spec as { policies?: { auth?: { key?: unknown } } } | undefined;
  if (manifest.kind === KINDS.agentgatewayBackend.kind && isEntries(spec) && isEntries(spec.policies)
    && isEntries(spec.policies.auth) && spec.policies.auth.key !== undefined) {
    return { ...manifest, spec: { ...spec, policies: { ...spec.policies, auth: { ...spec.policies.auth, key: REDACTED } } } };
  }
  return manifest;
}

/**
 * Returns a copy of `manifest` with every key-bearing value replaced by `<redacted>`, for snapshots and anything
 * printed; returns `manifest` itself when it holds no key material. Redacted: the `api-key` entry of ext-auth key
 * Secrets, every entry of other Secrets (built-in keys), a `key` in JSON entries of ConfigMaps, and an inline
 * provider key of a backend. Hashes (`keyHash`) and metadata entries are kept.
 */
export function redactManifest(manifest: Manifest): Manifest {
  if (!isKeyStore(manifest)) return redactBackend(manifest);
  let redacted: Record<string, unknown> | undefined;
  for (const [field, encoded] of DATA_FIELDS) {
    const entries = manifest[field];
    if (!isEntries(entries)) continue;
    let copy: Entries | undefined;
    for (const [name, value] of Object.entries(entries)) {
      const text = typeof value !== 'string' ? undefined : encoded && manifest.kind === KINDS.secret.kind ? decodeBase64(value) : value;
      if (redactEntry(manifest.kind, manifest.type, name, text) === undefined) continue;
      copy ??= { ...entries };
      copy[name] = REDACTED;
    }
    if (copy) (redacted ??= { ...manifest })[field] = copy;
  }
  return (redacted ?? manifest) as Manifest;
}

/**
 * Whether {@link redactManifest} would change `manifest`, without copying or decoding anything: a Secret's entries
 * are told apart by name and type alone.
 */
export function holdsKeyMaterial(manifest: Manifest): boolean {
  if (!isKeyStore(manifest)) return redactBackend(manifest) !== manifest;
  for (const [field] of DATA_FIELDS) {
    const entries = manifest[field];
    if (!isEntries(entries)) continue;
    for (const name of Object.keys(entries)) {
      const value = entries[name];
      const text = manifest.kind === KINDS.secret.kind || typeof value !== 'string' ? undefined : value;
      if (redactEntry(manifest.kind, manifest.type, name, text) !== undefined) return true;
    }
  }
  return false;
}

/** Field a reviewable Secret shows its decoded `data` under, so no one mistakes it for base64. */
export const DECODED_DATA_FIELD = 'data (decoded for review)';

/**
 * `manifest` as a reviewer should read it in a diff: key material redacted as in {@link redactManifest}, but a
 * Secret's `data` decoded (`x-org: platform`, not base64) and JSON key entries shown with only the key redacted,
 * so the metadata stays readable. Entries that are not text are shown by size only. Not a valid manifest.
 */
export function reviewableManifest(manifest: Manifest): Manifest {
  if (!isKeyStore(manifest)) return redactBackend(manifest);
  const result: Record<string, unknown> = { ...manifest };
  for (const [field, encoded] of DATA_FIELDS) {
    const entries = manifest[field];
    if (!isEntries(entries)) continue;
    const shown: Entries = {};
    for (const [name, value] of Object.entries(entries)) {
      const text = typeof value !== 'string' ? undefined : encoded && manifest.kind === KINDS.secret.kind ? decodeBase64(value) : value;
      const redacted = redactEntry(manifest.kind, manifest.type, name, text);
      if (redacted !== undefined) shown[name] = redacted;
      else if (text !== undefined) shown[name] = text;
      else shown[name] = typeof value === 'string' ? `<${value.length} characters, not base64 of text>` : value;
    }
    if (manifest.kind === KINDS.secret.kind && encoded) {
      delete result[field];
      result[DECODED_DATA_FIELD] = shown;
    } else {
      result[field] = shown;
    }
  }
  return result as Manifest;
}
