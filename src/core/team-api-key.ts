import {
  checkDnsLabel, checkDnsSubdomain, checkHeaderValue, checkLabels, checkNonEmptyString, checkPlainMap, checkSecretDataKey,
} from './checks';
import { IssueCollector } from './errors';
import { DEFAULT_NAMESPACE } from './gateway-ref';
import { KeyRef } from './gateway-auth-policy';
import { KeySource } from './key-source';
import { EXT_AUTH_STORAGE, KeyStorage } from './key-storage';
import { MIN_KEY_BITS } from './key-strength';
import { API_KEY_ENTRY, KINDS, MAX_OBJECT_BYTES, Manifest, ObjectId, ObjectMeta } from './manifest';
import { ResolvedSynthSettings } from './settings';
import { SecretValue } from './secret-value';
import { TeamAccess, TeamBudget, checkTeamPolicy } from './team-policy';
import { RFC3339_DATE_EXPECTED, RFC3339_EXPECTED, isRfc3339Date, parseRfc3339 } from './time';

/** Annotation on a key Secret that says when the key stops being valid. */
export const NOT_AFTER_ANNOTATION = 'agentgateway-constructs.dev/not-after';

/** Why a team or key lost access; kept in code for the audit trail. */
export interface Revocation {
  /** Why access was revoked, e.g. `key leaked in a public repository`: one line, without control characters. */
  readonly reason: string;
  /**
   * When, as an RFC 3339 date (`2026-11-30`) or date-time with an offset or `Z`.
   * @default - not recorded
   */
  readonly date?: string;
}

/** One of a team's keys, for rotation: add the new key, let clients move, let the old one expire. */
export interface TeamKeyOptions {
  /** Where the key lives. A SecretValue is a literal key. */
  readonly source: KeySource | SecretValue;
  /**
   * Suffix of this key's Secret name (`<secretName>-<name>`); every key but the first needs one.
   * @default - the first key uses the team's Secret name as it is
   */
  readonly name?: string;
  /**
   * The key is emitted from this time on: an RFC 3339 date-time with an offset or `Z` (`2027-01-01T00:00:00Z`), or a Date.
   * @default - valid at once
   */
  readonly notBefore?: Date | string;
  /**
   * The key is no longer emitted from this time on (exclusive): an RFC 3339 date-time with an offset or `Z`, or a Date.
   * @default - never expires
   */
  readonly notAfter?: Date | string;
  /**
   * Revokes this key alone: it emits nothing and no policy references it.
   * @default - not revoked
   */
  readonly revoked?: Revocation;
}

/** Props of one team's vanity API keys, shared by the cdk8s and Pulumi adapters. */
export interface TeamApiKeyOptions {
  /** The team (or service account) the key belongs to; a DNS-1123 label such as `team1`. */
  readonly team: string;
  /**
   * The team's single key: a SecretValue (a literal key) or a KeySource. Give this or `keys`.
   * @default - use `keys`
   */
  readonly key?: SecretValue | KeySource;
  /**
   * The team's keys with their validity, for rotation. Give this or `key`.
   * @default - use `key`
   */
  readonly keys?: readonly TeamKeyOptions[];
  /**
   * Metadata stored beside the key; an auth policy turns entries into request headers, e.g. `{ 'x-org': 'developers' }`.
   * @default {}
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Labels of the key Secret; a label-selector auth policy selects keys by them.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Name of the (first) key Secret.
   * @default - `<team>-apikey`
   */
  readonly secretName?: string;
  /**
   * Namespace of the key Secrets; the auth policy must be able to read them.
   * @default 'agentgateway-system'
   */
  readonly namespace?: string;
  /**
   * Revokes the whole team: it emits nothing and no policy references it, but stays in code for the audit trail.
   * @default - not revoked
   */
  readonly revoked?: Revocation;
  /**
   * Limits on the team's requests or LLM tokens, enforced by a built-in auth policy that has an identity header.
   * @default - no limit
   */
  readonly budgets?: readonly TeamBudget[];
  /**
   * The routes and models the team may use; everything else is denied with 403.
   * @default - every route the auth policy guards
   */
  readonly access?: TeamAccess;
}

/** One key with every default applied. */
export interface TeamKeySpec {
  /** The prop it came from, for messages: `key` or `keys[1]`. */
  readonly field: string;
  readonly source: KeySource;
  readonly name?: string;
  readonly secretName: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly revoked?: Revocation;
  /** The dates as given, to report unparsable ones. */
  readonly given: { readonly notBefore?: Date | string; readonly notAfter?: Date | string };
}

/** A team's keys with every default applied. */
export interface TeamApiKeySpec {
  readonly team: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly secretName: string;
  readonly namespace: string;
  readonly revoked?: Revocation;
  readonly keys: readonly TeamKeySpec[];
  readonly budgets?: readonly TeamBudget[];
  readonly access?: TeamAccess;
  /** Whether both or neither of `key` and `keys` were given. */
  readonly keyPropsConflict: 'both' | 'neither' | undefined;
}

/** Where a key stands at a given time; `invalid` when a date does not parse (reported by validation). */
export type KeyStatus = 'active' | 'pending' | 'expired' | 'revoked' | 'invalid';

/** RFC 3339 with an offset only; anything else becomes an invalid date, reported by validation. */
function toDate(value: Date | string | undefined): Date | undefined {
  return value === undefined ? undefined : parseRfc3339(value) ?? new Date(Number.NaN);
}

/** The dates of a key given none, shared: a spec lives as long as its app, and most keys have no dates. */
const NO_DATES: TeamKeySpec['given'] = Object.freeze({ notBefore: undefined, notAfter: undefined });

export function resolveTeamApiKey(options: TeamApiKeyOptions): TeamApiKeySpec {
  const secretName = options.secretName ?? `${options.team}-apikey`;
  const resolveKey = (k: TeamKeyOptions, field: string): TeamKeySpec => ({
    field,
    source: KeySource.of(k.source),
    name: k.name,
    secretName: k.name === undefined ? secretName : `${secretName}-${k.name}`,
    notBefore: toDate(k.notBefore),
    notAfter: toDate(k.notAfter),
    revoked: k.revoked,
    given: k.notBefore === undefined && k.notAfter === undefined ? NO_DATES : { notBefore: k.notBefore, notAfter: k.notAfter },
  });
  const given: readonly TeamKeyOptions[] | undefined = options.keys ?? (options.key === undefined ? [] : undefined);
  const keys = given === undefined ? [resolveKey({ source: options.key! }, 'key')]
    : given.map((k, i) => resolveKey(k, options.keys ? `keys[${i}]` : 'key'));
  const hasKey = options.key !== undefined;
  const hasKeys = options.keys !== undefined;
  const team = options.team;
  const metadata = options.metadata ?? {};
  const labels = options.labels ?? {};
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const revoked = options.revoked;
  const keyPropsConflict = hasKey && hasKeys ? 'both' : !hasKey && !hasKeys ? 'neither' : undefined;
  // Most teams have neither budgets nor access: one literal, no spread of an empty object.
  if (options.budgets === undefined && options.access === undefined) {
    return { team, metadata, labels, secretName, namespace, revoked, keys, keyPropsConflict };
  }
  return {
    team, metadata, labels, secretName, namespace, revoked, keys,
    ...(options.budgets === undefined ? {} : { budgets: options.budgets }),
    ...(options.access === undefined ? {} : { access: options.access }),
    keyPropsConflict,
  };
}

/** Valid from `notBefore` (inclusive) until `notAfter` (exclusive). */
export function keyStatus(spec: TeamApiKeySpec, key: TeamKeySpec, now: Date): KeyStatus {
  if (spec.revoked || key.revoked) return 'revoked';
  if (Number.isNaN(key.notBefore?.getTime() ?? 0) || Number.isNaN(key.notAfter?.getTime() ?? 0)) return 'invalid';
  if (key.notBefore && now.getTime() < key.notBefore.getTime()) return 'pending';
  if (key.notAfter && now.getTime() >= key.notAfter.getTime()) return 'expired';
  return 'active';
}

/** The keys emitted at `now`: `spec.keys` itself when all are (no copy; it runs several times per team and synth). */
export function activeKeys(spec: TeamApiKeySpec, now: Date): readonly TeamKeySpec[] {
  const keys = spec.keys;
  // Indexed: a for-of allocates a step result per key until the optimizing compiler runs, and a plan runs once.
  for (let i = 0; i < keys.length; i++) if (keyStatus(spec, keys[i], now) !== 'active') return keys.filter(k => keyStatus(spec, k, now) === 'active');
  return keys;
}

function checkRevocation(issues: IssueCollector, field: string, revoked: Revocation | undefined): void {
  if (revoked === undefined) return;
  if (typeof revoked !== 'object' || revoked === null) {
    issues.add(field, revoked, 'a revocation: { reason, date? }');
    return;
  }
  checkNonEmptyString(issues, `${field}.reason`, revoked.reason);
  // Reasons end up in reports and tables, one line each.
  if (typeof revoked.reason === 'string' && (revoked.reason.length > 1024 || CONTROL_CHARACTERS.test(revoked.reason))) {
    issues.add(`${field}.reason`, revoked.reason, 'one line of at most 1024 characters, without control characters');
  }
  if (revoked.date !== undefined && !isRfc3339Date(revoked.date)) issues.add(`${field}.date`, revoked.date, RFC3339_DATE_EXPECTED);
}

const DATE_BOUNDS = ['notBefore', 'notAfter'] as const;

// C0 and C1 controls, and the Unicode line and paragraph separators.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function checkTeamApiKey(issues: IssueCollector, spec: TeamApiKeySpec, now: Date, storage: KeyStorage = EXT_AUTH_STORAGE): void {
  checkDnsLabel(issues, 'team', spec.team);
  checkDnsSubdomain(issues, 'secretName', spec.secretName);
  checkDnsLabel(issues, 'namespace', spec.namespace);
  checkLabels(issues, 'labels', spec.labels);
  checkRevocation(issues, 'revoked', spec.revoked);
  if (spec.keyPropsConflict === 'both') issues.add('keys', 'key and keys', 'either `key` or `keys`, not both');
  if (spec.keyPropsConflict === 'neither') issues.add('key', undefined, 'a key: `key` (one key) or `keys` (several, for rotation)');
  const metadata = checkPlainMap(issues, 'metadata', spec.metadata, 'a map of metadata names to values') ? spec.metadata : {};
  const entries = Object.keys(metadata);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    checkSecretDataKey(issues, `metadata.${entry}`, entry);
    if (entry === API_KEY_ENTRY) issues.add(`metadata.${entry}`, entry, `a metadata name other than "${API_KEY_ENTRY}", which holds the key`);
    checkHeaderValue(issues, `metadata.${entry}`, metadata[entry]);
  }
  checkTeamPolicy(issues, metadata === spec.metadata ? spec : { budgets: spec.budgets, access: spec.access, metadata });
  // Secret names already taken by the team's earlier keys; a team with one key has none to clash with.
  const names = spec.keys.length > 1 ? new Set<string>() : undefined;
  spec.keys.forEach((key, i) => {
    key.source.check(issues, key.field === 'key' ? 'key' : `${key.field}.source`, spec.metadata, storage);
    checkRevocation(issues, `${key.field}.revoked`, key.revoked);
    if (key.name !== undefined) checkDnsLabel(issues, `${key.field}.name`, key.name);
    else if (i > 0) issues.add(`${key.field}.name`, undefined, 'a name for every key but the first (it names the key Secret)');
    if (names?.has(key.secretName)) issues.add(`${key.field}.name`, key.name, 'a name no other key of the team has');
    names?.add(key.secretName);
    for (const bound of DATE_BOUNDS) {
      if (key[bound] && Number.isNaN(key[bound]!.getTime())) issues.add(`${key.field}.${bound}`, key.given[bound], RFC3339_EXPECTED);
    }
    if (key.notBefore && key.notAfter && key.notAfter.getTime() <= key.notBefore.getTime()) {
      issues.add(`${key.field}.notAfter`, key.given.notAfter, `a time after notBefore (${key.notBefore.toISOString()})`);
    }
  });
  if (!spec.revoked && spec.keys.length > 0 && activeKeys(spec, now).length === 0) {
    const states = spec.keys.map(k => `${k.name ?? k.secretName} ${describeStatus(spec, k, now)}`).join(', ');
    issues.add(spec.keys.length === 1 && spec.keys[0].field === 'key' ? 'key' : 'keys', states,
      `at least one key valid at ${now.toISOString()} for a team that is not revoked (add a key, or revoke the team)`);
  }
}

/** The prop a key's source was given in: `key` or `keys[1].source`. */
export function keySourceField(key: TeamKeySpec): string {
  return key.field === 'key' ? 'key' : `${key.field}.source`;
}

function overlaps(a: TeamKeySpec, b: TeamKeySpec): boolean {
  const start = (k: TeamKeySpec) => k.notBefore?.getTime() ?? -Infinity;
  const end = (k: TeamKeySpec) => k.notAfter?.getTime() ?? Infinity;
  return start(a) < end(b) && start(b) < end(a);
}

/**
 * Reports two keys of one team that hold the same value while both are valid: the gateway rejects a config with a
 * duplicate key (REFERENCE.md section 8). Never shows either key.
 */
export function checkDuplicateTeamKeys(issues: IssueCollector, spec: TeamApiKeySpec): void {
  if (spec.revoked || spec.keys.length < 2) return;
  const seen = new Map<string, TeamKeySpec[]>();
  for (const key of spec.keys) {
    const identity = key.revoked ? undefined : key.source.identity();
    if (identity === undefined) continue;
    const same = seen.get(identity) ?? [];
    const twin = same.find(other => overlaps(other, key));
    if (twin) {
      issues.add(keySourceField(key), { redacted: true },
        `a key no other key of the team holds while both are valid (${twin.field} holds the same key; the gateway rejects duplicate keys)`);
    }
    seen.set(identity, [...same, key]);
  }
}

/** How to keep keys out of the output, for the plaintext-key error. */
export const PLAINTEXT_KEY_EXPECTED = 'a key kept out of the manifests: KeySource.fromExternalSecret, KeySource.fromSealedSecret, '
  + 'or hashed keys (ApiKeyAuthMode.builtIn({ hashedKeys: true })); or opt in to plaintext keys with allowPlaintextKeys: true '
  + '(configureSynth(app, {...}), configureStack({...}), or settings.allowPlaintextKeys in a config file)';

/** Reports literal keys that would be written into the output in plaintext, unless the synth allows it. */
export function checkPlaintextKeys(issues: IssueCollector, spec: TeamApiKeySpec, storage: KeyStorage,
  settings: Pick<ResolvedSynthSettings, 'allowPlaintextKeys'>): void {
  // Hashed-key ConfigMaps store only the hash of a literal key.
  if (settings.allowPlaintextKeys || spec.revoked || storage.kind === 'builtInHashedConfigMap') return;
  for (const key of spec.keys) {
    if (!key.revoked && key.source.kind === 'literal') issues.add(keySourceField(key), { redacted: true }, PLAINTEXT_KEY_EXPECTED);
  }
}

/**
 * Warnings about how a team stores its keys: under built-in auth, a Secret managed elsewhere is read only if it
 * carries the policy's selector labels and agentgateway's own data format, and nothing checks that it does.
 */
export function keyStorageWarnings(spec: TeamApiKeySpec, storage: KeyStorage, now: Date): SpecWarning[] {
  if (storage.kind !== 'builtInSecret') return [];
  return activeKeys(spec, now).filter(key => key.source.kind === 'existingSecret').map(key => ({
    field: keySourceField(key),
    expected: `the existing Secret ${spec.namespace}/${key.secretName}, which is not emitted, to carry the labels `
      + `${JSON.stringify(storage.labels)} the built-in policy selects by and one data entry named "${key.secretName}" holding `
      + '{"key": ..., "metadata": {...}} as JSON (agentgateway\'s format, not ext-auth\'s "api-key" entry)',
  }));
}

function describeStatus(spec: TeamApiKeySpec, key: TeamKeySpec, now: Date): string {
  switch (keyStatus(spec, key, now)) {
    case 'pending': return `valid from ${key.notBefore!.toISOString()}`;
    case 'expired': return `expired at ${key.notAfter!.toISOString()}`;
    case 'revoked': return 'revoked';
    case 'invalid': return 'with an invalid date';
    default: return 'active';
  }
}

/**
 * Reports metadata too large for one key object. Only metadata values can make a key object big, and each is at most
 * base64-encoded (4/3) once, so summing them bounds the size without rendering.
 */
export function checkTeamApiKeySize(issues: IssueCollector, spec: TeamApiKeySpec): void {
  let bytes = 0;
  const metadata: Readonly<Record<string, unknown>> = spec.metadata ?? {};
  const entries = Object.keys(metadata);
  for (let i = 0; i < entries.length; i++) {
    const value = metadata[entries[i]];
    bytes += entries[i].length + Math.ceil((typeof value === 'string' ? value.length : 0) * 4 / 3);
  }
  // Room for the key, the names and the labels: a key Secret is a few hundred bytes besides its metadata.
  if (bytes > MAX_OBJECT_BYTES - 64 * 1024) {
    issues.add('metadata', `${(bytes / 1048576).toFixed(2)} MiB of metadata`, 'metadata that keeps each key object under 1 MiB');
  }
}

/** Something that synthesizes but deserves attention, phrased as what was expected. Never key material. */
export interface SpecWarning {
  readonly field: string;
  readonly expected: string;
}

/** Warnings for a team: keys about to expire, weak literal keys. */
export function teamApiKeyWarnings(spec: TeamApiKeySpec, settings: ResolvedSynthSettings): SpecWarning[] {
  const warnings: SpecWarning[] = [];
  for (const key of activeKeys(spec, settings.now)) {
    if (key.notAfter && key.notAfter.getTime() - settings.now.getTime() <= settings.expiryWarningMs) {
      const days = ((key.notAfter.getTime() - settings.now.getTime()) / 86_400_000).toFixed(1);
      warnings.push({
        field: `${key.field}.notAfter`,
        expected: `a successor key in \`keys\` before ${key.secretName} expires at ${key.notAfter.toISOString()} (in ${days} days)`,
      });
    }
    const literal = key.source.literalKey;
    if (literal && literal.length > 0) {
      const bits = key.source.literalKeyBits()!;
      if (bits < MIN_KEY_BITS) {
        warnings.push({
          field: key.field === 'key' ? 'key' : `${key.field}.source`,
          expected: `a key of at least ${MIN_KEY_BITS} bits of estimated strength, but ${key.secretName} has about ${bits}: `
            + 'use generateKey() and keep it in a secret store (KeySource.fromExternalSecret)',
        });
      }
    }
  }
  return warnings;
}

/** Metadata of a key's Secret or ConfigMap: the team's labels plus those the storage's selector needs. */
export function teamKeyMetadata(spec: TeamApiKeySpec, key: TeamKeySpec, storage: KeyStorage = EXT_AUTH_STORAGE): ObjectMeta {
  const labels = storage.kind === 'extAuthSecret' ? { ...spec.labels } : { ...spec.labels, ...storage.labels };
  const name = key.secretName;
  const namespace = spec.namespace;
  // Literals per case rather than spreads of empty objects: this runs once per key Secret.
  const annotations = key.notAfter ? { [NOT_AFTER_ANNOTATION]: key.notAfter.toISOString() } : undefined;
  if (hasKeys(labels)) return annotations ? { name, namespace, labels, annotations } : { name, namespace, labels };
  return annotations ? { name, namespace, annotations } : { name, namespace };
}

/** Whether `map` has an own enumerable string key, as `Object.keys(map).length > 0` says, without the array. */
function hasKeys(map: object): boolean {
  for (const name in map) if (Object.hasOwn(map, name)) return true;
  return false;
}

/** Renders what puts each key valid at `now` in the cluster, in the storage's format. */
export function renderTeamApiKey(spec: TeamApiKeySpec, now: Date, storage: KeyStorage = EXT_AUTH_STORAGE): Manifest[] {
  return activeKeys(spec, now).flatMap(key =>
    key.source.render({ metadata: teamKeyMetadata(spec, key, storage), entries: spec.metadata, storage }) ?? []);
}

/**
 * The key Secrets valid at `now`, as an auth policy sees them (with the team's own labels). `share` may swap the
 * metadata names of the team's keys for an equal list it already holds, so that teams alike share one array.
 */
export function teamApiKeyRefs(path: string, spec: TeamApiKeySpec, now: Date,
  share: (metadataKeys: readonly string[]) => readonly string[] = keys => keys): KeyRef[] {
  const keys = activeKeys(spec, now);
  if (keys.length === 0) return [];
  let entries: readonly string[] | undefined; // the same for every key not managed elsewhere
  return keys.map(key => ({
    path, secretName: key.secretName, namespace: spec.namespace, labels: spec.labels,
    metadataKeys: key.source.kind === 'existingSecret' ? key.source.metadataKeys(spec.metadata) : entries ??= share(Object.keys(spec.metadata)),
  }));
}

/** The key Secrets (or ConfigMaps) in the cluster at `now`, however they get there, for the duplicate-name check. */
export function teamApiKeyObjectIds(spec: TeamApiKeySpec, now: Date, storage: KeyStorage = EXT_AUTH_STORAGE): ObjectId[] {
  const kind = storage.kind === 'builtInHashedConfigMap' ? 'ConfigMap' : KINDS.secret.kind;
  return activeKeys(spec, now).map(key => ({ kind, namespace: spec.namespace, name: key.secretName, field: 'secretName' }));
}
