import * as pulumi from '@pulumi/pulumi';
import {
  EXT_AUTH_STORAGE, IssueCollector, KeyRef, REDACTED, KeySource, KeyStorage, Manifest, SecretValue, TeamApiKeyOptions,
  TeamApiKeySpec, TeamKeyOptions, TeamPolicyInput, checkTeamApiKey, checkTeamApiKeySize, generateKey, keyStorageWarnings,
  renderTeamApiKey, checkTeamPolicyUnenforced, resolveTeamApiKey, teamApiKeyObjectIds, teamApiKeyWarnings, UsageTeam, usageTeam,
} from '../core';
import { childName, emitManifest, stackRegistry, throwInputErrors } from './common';

/** A key: a Pulumi input (from `config.requireSecret`, a random generator, another stack), a SecretValue or a KeySource. */
export type KeyInput = pulumi.Input<string> | SecretValue | KeySource;

/** One of a team's keys, for rotation. */
export interface TeamKeyArgs extends Omit<TeamKeyOptions, 'source'> {
  readonly source: KeyInput;
}

/** Arguments of {@link TeamApiKey}: the cdk8s construct's props, with keys that may be Pulumi inputs. */
export interface TeamApiKeyArgs extends Omit<TeamApiKeyOptions, 'key' | 'keys'> {
  /**
   * The team's single key. Give this or `keys`.
   * @default - use `keys`
   */
  readonly key?: KeyInput;
  /**
   * The team's keys with their validity, for rotation. Give this or `key`.
   * @default - use `key`
   */
  readonly keys?: readonly TeamKeyArgs[];
  /**
   * How the keys are stored. Pulumi resources cannot change after creation, so a team checked by a built-in auth
   * policy takes that policy's storage here: `GatewayAuthPolicy.keyStorageFor(args)`.
   * @default - ext-auth key Secrets
   */
  readonly keyStorage?: KeyStorage;
}

/** A key whose value is only known at deploy time. */
interface DeferredKey {
  readonly index: number;
  readonly input: pulumi.Input<string>;
}

function isDeferred(source: KeyInput): source is pulumi.Input<string> {
  return !(source instanceof SecretValue) && !(source instanceof KeySource) && typeof source !== 'string';
}

/** Keys as plain strings become SecretValues; deferred ones get a random stand-in until deploy time. */
function planKeys(args: TeamApiKeyArgs): { options: TeamApiKeyOptions; deferred: DeferredKey[] } {
  const given: readonly TeamKeyArgs[] | undefined = args.keys ?? (args.key === undefined ? undefined : [{ source: args.key }]);
  const deferred: DeferredKey[] = [];
  const keys = given?.map((key, index): TeamKeyOptions => {
    if (typeof key.source === 'string') return { ...key, source: SecretValue.unsafePlainText(key.source) };
    if (!isDeferred(key.source)) return { ...key, source: key.source };
    deferred.push({ index, input: key.source });
    return { ...key, source: generateKey('deferred') };
  });
  const { key: _key, keys: _keys, keyStorage: _storage, ...rest } = args;
  return { options: { ...rest, ...(args.keys ? { keys } : keys ? { key: keys[0].source } : {}) } as TeamApiKeyOptions, deferred };
}

/**
 * Checks a key that was only known at deploy time, as plain keys are checked at construction, and records it for
 * `team` so no other team can hold the same key. Never shows the key.
 */
export function checkDeferredKey(path: string, field: string, value: string, team?: string, resource?: pulumi.Resource): KeySource {
  // Thrown inside an apply: a ResourceError with its stack hidden makes Pulumi print the message alone and fail the
  // deployment, instead of an unhandled exception with a stack trace.
  const reject = (expected: string) => new pulumi.ResourceError(`${path}: ${field}: expected ${expected}, got ${REDACTED}`, resource, true);
  if (typeof value !== 'string' || value.length === 0 || /[\s\0]/.test(value)) throw reject('a non-empty key without whitespace');
  const source = KeySource.literal(SecretValue.unsafePlainText(value));
  const owner = team === undefined ? undefined : stackRegistry().claimKey(source.identity()!, path, team, field);
  if (owner && owner.path === path) throw reject(`a key no other key of the team holds (${owner.field} holds the same key)`);
  if (owner) throw reject(`a key no other team uses (team "${owner.team}" at ${owner.path} has the same key)`);
  return source;
}

/** The spec with the deferred keys' real values, each checked as plain keys are at construction. */
function withValues(spec: TeamApiKeySpec, deferred: readonly DeferredKey[], values: readonly string[], path: string,
  resource: pulumi.Resource): TeamApiKeySpec {
  const keys = [...spec.keys];
  const registry = stackRegistry();
  deferred.forEach((d, i) => {
    const field = keys[d.index].field === 'key' ? 'key' : `${keys[d.index].field}.source`;
    keys[d.index] = { ...keys[d.index], source: checkDeferredKey(path, field, values[i], spec.team, resource) };
  });
  const resolved = { ...spec, keys };
  // Plain keys were checked at construction; deferred ones can only be checked now.
  for (const w of teamApiKeyWarnings({ ...resolved, keys: deferred.map(d => keys[d.index]) }, registry.settings)) {
    registry.settings.warn(`[${path}] ${w.field}: expected ${w.expected}`);
  }
  return resolved;
}

/**
 * One team's vanity API keys, from the same core as the cdk8s `TeamApiKey`. Key values are wrapped with
 * `pulumi.secret()`, so they never reach the state or logs in plaintext; which resources exist depends only on plain
 * inputs (team, validity dates, storage), never on a key's value.
 */
export class TeamApiKey extends pulumi.ComponentResource {
  public readonly team: string;
  public readonly namespace: string;
  /** The team's key Secrets valid at deploy time, as an auth policy sees them. */
  public readonly keyRefs: readonly KeyRef[];
  public readonly keyStorage: KeyStorage;
  /** The team's budgets and access as an auth policy listing it enforces them; undefined when the team is revoked. */
  public readonly teamPolicy: TeamPolicyInput | undefined;
  /** The Secrets, ConfigMaps or secret-store resources holding the keys. */
  public readonly resources: readonly pulumi.CustomResource[];
  /**
   * What usage telemetry ({@link TeamUsage}) needs of the team: metadata, budgets, key names and expiry (the usage adds
   * its Gateway's routes); undefined when revoked.
   */
  public readonly usageTeam: UsageTeam | undefined;

  constructor(name: string, args: TeamApiKeyArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('agentgateway-constructs:index:TeamApiKey', name, {}, opts);
    const registry = stackRegistry();
    const now = registry.settings.now;
    const storage = args.keyStorage ?? EXT_AUTH_STORAGE;
    const { options, deferred } = planKeys(args);
    const spec = resolveTeamApiKey(options);

    const issues = new IssueCollector(name);
    checkTeamApiKey(issues, spec, now, storage);
    checkTeamApiKeySize(issues, spec);
    // Only a built-in auth policy enforces them, and it can only list teams stored for it.
    if (storage.kind === 'extAuthSecret') {
      checkTeamPolicyUnenforced(issues, spec, 'on a team stored for ext-auth (budgets and access need a built-in auth policy: create the team '
        + 'with `keyStorage: GatewayAuthPolicy.keyStorageFor(args)` and list it in that policy\'s `keys`)');
    }
    const deferredFields = new Set(deferred.map(d => spec.keys[d.index]));
    registry.checkTeam(issues, name, spec, storage, key => deferredFields.has(key));
    registry.checkTeamSecretsAreNotCredentials(issues, spec);
    const objectIds = teamApiKeyObjectIds(spec, now, storage);
    registry.checkObjects(issues, name, objectIds);
    throwInputErrors(issues);
    const keyRefs = registry.registerTeam(name, spec, () => storage);
    registry.replaceObjects(name, objectIds);
    const plainKeys = spec.keys.filter((_, i) => !deferred.some(d => d.index === i));
    for (const w of [...teamApiKeyWarnings({ ...spec, keys: plainKeys }, registry.settings), ...keyStorageWarnings(spec, storage, now)]) {
      registry.settings.warn(`[${name}] ${w.field}: expected ${w.expected}`);
    }

    this.team = spec.team;
    this.namespace = spec.namespace;
    this.usageTeam = usageTeam(name, spec, now);
    this.keyStorage = storage;
    this.keyRefs = keyRefs;
    this.teamPolicy = spec.revoked ? undefined
      : { path: name, team: spec.team, metadata: spec.metadata, budgets: spec.budgets, access: spec.access };
    // The stand-ins fix the resources' shape; the values are rendered again once the deferred keys resolve.
    const shapes = renderTeamApiKey(spec, now, storage);
    const values: pulumi.Output<Manifest[]> | undefined = deferred.length === 0 ? undefined
      : pulumi.all(deferred.map(d => d.input)).apply(keys => renderTeamApiKey(withValues(spec, deferred, keys, name, this), now, storage));
    this.resources = shapes.map((manifest, i) => emitManifest(childName(name, manifest), manifest,
      { parent: this, provider: opts.provider }, values?.apply(rendered => rendered[i]), manifest.kind === 'Secret'));
    this.registerOutputs({ team: this.team, secretNames: this.keyRefs.map(k => k.secretName) });
  }

  /** A summary without key material, for `console.log` and `util.inspect` (its symbol, so the types need no node:util). */
  public [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `TeamApiKey(${JSON.stringify(this.team)}, key material redacted)`;
  }

  /** A summary without key material, for `JSON.stringify`. */
  public toJSON(): object {
    return { team: this.team, namespace: this.namespace, keySecrets: this.keyRefs.map(k => k.secretName) };
  }
}
