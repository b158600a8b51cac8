import { IssueCollector } from './errors';
import { KeyRef } from './gateway-auth-policy';
import { ObjectId } from './manifest';
import { ResolvedSynthSettings, SynthSettings, resolveSynthSettings } from './settings';
import { EXT_AUTH_STORAGE, KeyStorage } from './key-storage';
import {
  TeamApiKeySpec, TeamKeySpec, checkDuplicateTeamKeys, checkPlaintextKeys, keySourceField, keyStatus, keyStorageWarnings, teamApiKeyRefs,
  teamApiKeyWarnings,
} from './team-api-key';

interface KeyOwner {
  readonly path: string;
  readonly team: string;
  /** The prop of a key claimed late (Pulumi), to tell two keys of one team apart. */
  readonly field?: string;
}

/** PathPrefix matching ignores trailing slashes (GATEWAY-SEMANTICS.md section 3): `/openai/` ties with `/openai`. */
function routeMatchKey(gateway: string, pathPrefix: string): string {
  return `${gateway} ${pathPrefix.replace(/\/+$/, '')}`;
}

/** A policy and the key Secrets it accepts, for the shared-key check. */
interface PolicyKeys {
  readonly path: string;
  readonly allowSharedKeys: boolean;
  readonly keys: () => readonly KeyRef[];
}

/** Header names compared case-insensitively, in a fixed order. */
function normalizedHeaders(headers: readonly string[]): string[] {
  return [...new Set(headers.map(h => h.toLowerCase()))].sort();
}

/**
 * Everything declared in one app (a cdk8s App, a Pulumi program, a config file), for the checks that span
 * constructs: two teams must never share a key (REFERENCE.md section 8), no two objects may share a name, no key
 * Secret may be selected by two policies unless they allow it. Registration is O(1), so checks stay linear.
 */
export class AppRegistry {
  public readonly settings: ResolvedSynthSettings;
  /** Grows with every change to what the app declares; checks cache their results per generation. */
  public generation = 0;
  private readonly keyOwners = new Map<string, KeyOwner>();
  private readonly objectOwners = new Map<string, string>();
  private readonly slotsByOwner = new Map<string, string[]>();
  private readonly teams: {
    readonly path: string; readonly spec: TeamApiKeySpec; readonly refs: readonly KeyRef[]; readonly storage: () => KeyStorage;
  }[] = [];
  /** Gateway and normalized path prefix -> the route that claimed it. */
  private readonly routeMatches = new Map<string, string>();
  /** Key Secrets (`namespace/name`) -> the teams that write them, so a route's credential is checked in O(1). */
  private readonly keySecrets = new Map<string, string[]>();
  /** Provider credential Secrets (`namespace/name`) -> the route that reads it. */
  private readonly credentialSecrets = new Map<string, string>();
  private readonly policies: PolicyKeys[] = [];
  private readonly identityStrips: { readonly path: string; readonly gateway: string; readonly headers: readonly string[] }[] = [];

  constructor(settings: SynthSettings = {}) {
    this.settings = resolveSynthSettings(settings);
  }

  /**
   * Records a team and its keys, and returns the key Secrets valid now as policies see them. Its objects are
   * recorded with {@link replaceObjects}.
   */
  public registerTeam(path: string, spec: TeamApiKeySpec, storage: () => KeyStorage = () => EXT_AUTH_STORAGE): readonly KeyRef[] {
    this.generation++;
    const refs = teamApiKeyRefs(path, spec, this.settings.now);
    this.teams.push({ path, spec, refs, storage });
    for (const key of spec.keys) {
      const secret = `${spec.namespace}/${key.secretName}`;
      const writers = this.keySecrets.get(secret);
      if (writers) writers.push(path);
      else this.keySecrets.set(secret, [path]);
      const identity = key.source.identity();
      if (identity !== undefined && keyStatus(spec, key, this.settings.now) !== 'revoked' && !this.keyOwners.has(identity)) {
        this.keyOwners.set(identity, { path, team: spec.team, field: keySourceField(key) });
      }
    }
    return refs;
  }

  /**
   * Records a key whose value became known late (a Pulumi Output), by its identity (`sha256:<hex>`); returns the
   * other team that already holds the same key, if any.
   */
  public claimKey(identity: string, path: string, team: string, field?: string):
    { readonly path: string; readonly team: string; readonly field?: string } | undefined {
    const owner = this.keyOwners.get(identity);
    if (owner && (owner.path !== path || (field !== undefined && owner.field !== undefined && owner.field !== field))) return owner;
    this.keyOwners.set(identity, { path, team, field });
    return undefined;
  }

  /**
   * Records the path prefix a route matches on a gateway. agentgateway breaks ties between routes by name, not by
   * age (GATEWAY-SEMANTICS.md section 3), so two routes must never tie.
   */
  public registerRoute(path: string, gateway: string, pathPrefix: string, credentialSecret?: string): void {
    this.generation++;
    const match = routeMatchKey(gateway, pathPrefix);
    if (!this.routeMatches.has(match)) this.routeMatches.set(match, path);
    if (credentialSecret !== undefined && !this.credentialSecrets.has(credentialSecret)) this.credentialSecrets.set(credentialSecret, path);
  }

  /** Reports a route whose match another route on the same gateway already has, and a credential that is a key Secret. */
  public checkRoute(issues: IssueCollector, path: string, gateway: string, pathPrefix: string, credentialSecret?: string): void {
    const owner = this.routeMatches.get(routeMatchKey(gateway, pathPrefix));
    if (owner !== undefined && owner !== path) {
      issues.add('pathPrefix', pathPrefix, `a path prefix no other route on gateway ${gateway} has (${owner} has it too; `
        + 'agentgateway would pick one of them by name)');
    }
    if (credentialSecret === undefined) return;
    for (const writer of this.keySecrets.get(credentialSecret) ?? []) {
      issues.add('credential.secretName', credentialSecret, `the provider's own credential Secret, not a team's key Secret (${writer} writes it)`);
    }
  }

  /** Reports key Secrets of a team that a route already reads as its provider credential (for adapters that check at once). */
  public checkTeamSecretsAreNotCredentials(issues: IssueCollector, spec: TeamApiKeySpec): void {
    for (const key of spec.keys) {
      const route = this.credentialSecrets.get(`${spec.namespace}/${key.secretName}`);
      if (route !== undefined) {
        issues.add(key.name === undefined ? 'secretName' : `${key.field}.name`, key.secretName,
          `a key Secret name no route reads as its provider credential (${route} does)`);
      }
    }
  }

  /** Records objects a construct emits. */
  public registerObjects(path: string, objects: readonly ObjectId[]): void {
    this.generation++;
    for (const id of objects) {
      const slot = `${id.kind}/${id.namespace}/${id.name}`;
      if (!this.objectOwners.has(slot)) {
        this.objectOwners.set(slot, path);
        const owned = this.slotsByOwner.get(path);
        if (owned) owned.push(slot);
        else this.slotsByOwner.set(path, [slot]);
      }
    }
  }

  /** Replaces the objects a construct emits, when a policy changes how its keys are stored. */
  public replaceObjects(path: string, objects: readonly ObjectId[]): void {
    for (const slot of this.slotsByOwner.get(path) ?? []) this.objectOwners.delete(slot);
    this.slotsByOwner.delete(path);
    this.registerObjects(path, objects);
  }

  /** Records a policy; `keys` is read at validation time, after every `addKey()`. */
  public registerPolicy(path: string, allowSharedKeys: boolean, keys: () => readonly KeyRef[]): void {
    this.generation++;
    this.policies.push({ path, allowSharedKeys, keys });
  }

  /** Records a policy that removes client copies of `headers` on the Gateway `gateway` (`namespace/name`). */
  public registerIdentityStrip(path: string, gateway: string, headers: readonly string[]): void {
    this.generation++;
    this.identityStrips.push({ path, gateway, headers: normalizedHeaders(headers) });
  }

  /**
   * Reports another policy stripping a different set of identity headers on the same Gateway: PreRouting
   * transformations are merged field by field, not deeply, so only one of the two lists would be removed.
   */
  public checkIdentityStrips(issues: IssueCollector, path: string, gateway: string, headers: readonly string[]): void {
    const mine = { gateway, headers: normalizedHeaders(headers) };
    for (const other of this.identityStrips) {
      if (other.path === path || other.gateway !== mine.gateway || other.headers.join() === mine.headers.join()) continue;
      issues.add('headersFromMetadata', mine.headers.join(', '), `the same identity headers as every other auth policy on Gateway ${mine.gateway} `
        + `(${other.path} strips ${other.headers.join(', ')}; PreRouting transformations do not merge, so one list would be ignored)`);
    }
  }

  /** Records a change made outside registration, such as a policy's `addKey()`. */
  public touch(): void {
    this.generation++;
  }

  /** Caches `compute` until the app changes. */
  public memo<T>(compute: () => T): () => T {
    let value: T;
    let at = -1;
    return () => {
      if (at !== this.generation) {
        value = compute();
        at = this.generation;
      }
      return value;
    };
  }

  /** The key Secrets of every team, as policies see them. */
  public get keyRefs(): readonly KeyRef[] {
    return this.allKeyRefs();
  }

  private readonly allKeyRefs = this.memo(() => this.teams.flatMap(t => t.refs));

  /** Warnings of every team, in declaration order; never key material. */
  public warnings(): string[] {
    return this.teams.flatMap(t => [...teamApiKeyWarnings(t.spec, this.settings), ...keyStorageWarnings(t.spec, t.storage(), this.settings.now)]
      .map(w => `[${t.path}] ${w.field}: expected ${w.expected}`));
  }

  /** Reports keys another team already uses (a key and its hash count as the same), never showing either key. */
  public checkTeam(issues: IssueCollector, path: string, spec: TeamApiKeySpec, storage: KeyStorage = EXT_AUTH_STORAGE,
    deferred: (key: TeamKeySpec) => boolean = () => false): void {
    checkDuplicateTeamKeys(issues, spec);
    // Keys known only at deploy time (Pulumi secrets) never reach a file.
    checkPlaintextKeys(issues, spec.keys.some(deferred) ? { ...spec, keys: spec.keys.filter(k => !deferred(k)) } : spec, storage, this.settings);
    for (const key of spec.keys) {
      const identity = key.source.identity();
      if (identity === undefined || keyStatus(spec, key, this.settings.now) === 'revoked') continue;
      const owner = this.keyOwners.get(identity);
      if (owner && owner.path !== path) {
        issues.add(keySourceField(key), { redacted: true }, `a key no other team uses (team "${owner.team}" at ${owner.path} has the same key)`);
      }
    }
    if (this.settings.strict) {
      for (const w of [...teamApiKeyWarnings(spec, this.settings), ...keyStorageWarnings(spec, storage, this.settings.now)]) {
        issues.add(w.field, 'a warning (strict mode)', w.expected);
      }
    }
  }

  /** Reports objects whose kind, namespace and name another construct already emits. */
  public checkObjects(issues: IssueCollector, path: string, objects: readonly ObjectId[]): void {
    for (const id of objects) {
      const owner = this.objectOwners.get(`${id.kind}/${id.namespace}/${id.name}`);
      if (owner && owner !== path) {
        issues.add(id.field, `${id.namespace}/${id.name}`, `a name no other ${id.kind} in the namespace has (${owner} emits it too)`);
      }
    }
  }

  /** Reports key Secrets the policy at `path` shares with another policy, unless both allow it. */
  public checkSharedKeys(issues: IssueCollector, path: string): void {
    const mine = this.policies.find(p => p.path === path);
    if (!mine || this.policies.length < 2) return; // one policy shares with no other
    const myKeys = new Set(mine.keys().map(k => `${k.namespace}/${k.secretName}`));
    for (const other of this.policies) {
      if (other === mine || (mine.allowSharedKeys && other.allowSharedKeys)) continue;
      for (const key of other.keys()) {
        const slot = `${key.namespace}/${key.secretName}`;
        if (myKeys.has(slot)) {
          issues.add('keys', slot, `key Secrets no other auth policy selects (${other.path} selects it too; set allowSharedKeys on both if intended)`);
        }
      }
    }
  }
}
