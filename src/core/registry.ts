import { IssueCollector } from './errors';
import { innerMap, keyPart } from './nested-map';
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

/** A registered team; it also stands as the owner of its first key's identity, saving an object per team. */
class RegisteredTeam {
  constructor(
    public readonly path: string,
    public readonly spec: TeamApiKeySpec,
    public readonly refs: readonly KeyRef[],
    private readonly storageOf: KeyStorage | (() => KeyStorage),
  ) {}

  public get storage(): KeyStorage {
    return typeof this.storageOf === 'function' ? this.storageOf() : this.storageOf;
  }
}

/** The owner of a key identity as callers see it. */
function keyOwner(owner: KeyOwner | RegisteredTeam): KeyOwner {
  return owner instanceof RegisteredTeam ? { path: owner.path, team: owner.spec.team, field: keySourceField(owner.spec.keys[0]) } : owner;
}

/** An object's place, as {@link AppRegistry.replaceObjects} frees it. */
interface ObjectSlot {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
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
 * Secret may be selected by two policies unless they allow it. Registration is O(1), so checks stay linear; what is
 * kept per team is kept once (no key strings built per object or Secret), since it lives as long as the app.
 */
export class AppRegistry {
  public readonly settings: ResolvedSynthSettings;
  /** Grows with every change to what the app declares; checks cache their results per generation. */
  public generation = 0;
  /** Key identities -> the team holding them (its record when that is the team's first key). */
  private readonly keyOwners = new Map<string, KeyOwner | RegisteredTeam>();
  /** Kind -> namespace -> name -> the path emitting the object. */
  private readonly objectOwners = new Map<string, Map<string, Map<string, string>>>();
  /** Paths that own at least one object. */
  private readonly objectPaths = new Set<string>();
  /**
   * Path -> the objects it owns, for {@link replaceObjects}: built on the first replacement of a path that owns
   * objects (cdk8s teams re-emitted for a policy's storage), then kept current. Adapters that register each path's
   * objects once never build it.
   */
  private ownedObjects: Map<string, ObjectSlot[]> | undefined;
  private readonly teams: RegisteredTeam[] = [];
  /** Gateway and normalized path prefix -> the route that claimed it. */
  private readonly routeMatches = new Map<string, string>();
  /** Key Secrets, namespace -> name -> the team (or teams) writing it, so a route's credential is checked in O(1). */
  private readonly keySecrets = new Map<string, Map<string, string | string[]>>();
  /** Provider credential Secrets (`namespace/name`) -> the route that reads it. */
  private readonly credentialSecrets = new Map<string, string>();
  private readonly policies: PolicyKeys[] = [];
  private readonly identityStrips: { readonly path: string; readonly gateway: string; readonly headers: readonly string[] }[] = [];
  /** The metadata names of the last team, shared with the next team that has the same (most teams do). */
  private lastMetadataKeys: readonly string[] | undefined;

  constructor(settings: SynthSettings = {}) {
    this.settings = resolveSynthSettings(settings);
  }

  /**
   * Records a team and its keys, and returns the key Secrets valid now as policies see them. Its objects are
   * recorded with {@link replaceObjects}. `storage` is how the team's keys are stored, or a function giving it when
   * a policy can still change it.
   */
  public registerTeam(path: string, spec: TeamApiKeySpec, storage: KeyStorage | (() => KeyStorage) = EXT_AUTH_STORAGE): readonly KeyRef[] {
    this.generation++;
    const refs = teamApiKeyRefs(path, spec, this.settings.now, this.sharedMetadataKeys);
    const team = new RegisteredTeam(path, spec, refs, storage);
    this.teams.push(team);
    const writers = innerMap(this.keySecrets, keyPart(spec.namespace));
    for (let i = 0; i < spec.keys.length; i++) {
      const key = spec.keys[i];
      const secretName = keyPart(key.secretName);
      const written = writers.get(secretName);
      if (written === undefined) writers.set(secretName, path);
      else if (typeof written === 'string') writers.set(secretName, [written, path]);
      else written.push(path);
      const identity = key.source.identity();
      if (identity !== undefined && keyStatus(spec, key, this.settings.now) !== 'revoked' && !this.keyOwners.has(identity)) {
        this.keyOwners.set(identity, i === 0 ? team : { path, team: spec.team, field: keySourceField(key) });
      }
    }
    return refs;
  }

  /** `keys`, or the equal list the previous team had: one array for every team with the same metadata names. */
  private readonly sharedMetadataKeys = (keys: readonly string[]): readonly string[] => {
    const last = this.lastMetadataKeys;
    if (last !== undefined && last.length === keys.length && keys.every((k, i) => k === last[i])) return last;
    // Frozen: one team's list must never change another's.
    this.lastMetadataKeys = Object.freeze(keys);
    return keys;
  };

  /**
   * Records a key whose value became known late (a Pulumi Output), by its identity (`sha256:<hex>`); returns the
   * other team that already holds the same key, if any.
   */
  public claimKey(identity: string, path: string, team: string, field?: string):
    { readonly path: string; readonly team: string; readonly field?: string } | undefined {
    const known = this.keyOwners.get(identity);
    const owner = known === undefined ? undefined : keyOwner(known);
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
    // `namespace/name`: a namespace is a DNS label, so the first slash ends it.
    const slash = credentialSecret.indexOf('/');
    const written = slash < 0 ? undefined : this.keySecrets.get(credentialSecret.slice(0, slash))?.get(credentialSecret.slice(slash + 1));
    for (const writer of written === undefined ? [] : typeof written === 'string' ? [written] : written) {
      issues.add('credential.secretName', credentialSecret, `the provider's own credential Secret, not a team's key Secret (${writer} writes it)`);
    }
  }

  /** Reports key Secrets of a team that a route already reads as its provider credential (for adapters that check at once). */
  public checkTeamSecretsAreNotCredentials(issues: IssueCollector, spec: TeamApiKeySpec): void {
    if (this.credentialSecrets.size === 0) return;
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
    // Indexed: a for-of allocates a step result per object until the optimizing compiler runs, and a plan runs once.
    for (let i = 0; i < objects.length; i++) this.claimObject(path, keyPart(objects[i].kind), keyPart(objects[i].namespace), keyPart(objects[i].name));
  }

  private claimObject(path: string, kind: string, namespace: string, name: string): void {
    const byName = innerMap(innerMap(this.objectOwners, kind), namespace);
    if (byName.has(name)) return;
    byName.set(name, path);
    this.objectPaths.add(path);
    if (this.ownedObjects) {
      const owned = this.ownedObjects.get(path);
      if (owned) owned.push({ kind, namespace, name });
      else this.ownedObjects.set(path, [{ kind, namespace, name }]);
    }
  }

  /** Replaces the objects a construct emits, when a policy changes how its keys are stored. */
  public replaceObjects(path: string, objects: readonly ObjectId[]): void {
    if (this.objectPaths.has(path)) {
      const index = this.ownedObjects ??= this.indexOwnedObjects();
      for (const slot of index.get(path) ?? []) this.objectOwners.get(slot.kind)?.get(slot.namespace)?.delete(slot.name);
      index.delete(path);
      this.objectPaths.delete(path);
    }
    this.registerObjects(path, objects);
  }

  private indexOwnedObjects(): Map<string, ObjectSlot[]> {
    const index = new Map<string, ObjectSlot[]>();
    for (const [kind, byNamespace] of this.objectOwners) {
      for (const [namespace, byName] of byNamespace) {
        for (const [name, path] of byName) {
          const owned = index.get(path);
          if (owned) owned.push({ kind, namespace, name });
          else index.set(path, [{ kind, namespace, name }]);
        }
      }
    }
    return index;
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
    const warnings: string[] = [];
    for (const team of this.teams) {
      for (const w of teamApiKeyWarnings(team.spec, this.settings)) warnings.push(`[${team.path}] ${w.field}: expected ${w.expected}`);
      for (const w of keyStorageWarnings(team.spec, team.storage, this.settings.now)) warnings.push(`[${team.path}] ${w.field}: expected ${w.expected}`);
    }
    return warnings;
  }

  /** Reports keys another team already uses (a key and its hash count as the same), never showing either key. */
  public checkTeam(issues: IssueCollector, path: string, spec: TeamApiKeySpec, storage: KeyStorage = EXT_AUTH_STORAGE,
    deferred?: (key: TeamKeySpec) => boolean): void {
    checkDuplicateTeamKeys(issues, spec);
    // Keys known only at deploy time (Pulumi secrets) never reach a file.
    checkPlaintextKeys(issues, deferred && spec.keys.some(deferred) ? { ...spec, keys: spec.keys.filter(k => !deferred(k)) } : spec, storage, this.settings);
    for (const key of spec.keys) {
      const identity = key.source.identity();
      if (identity === undefined || keyStatus(spec, key, this.settings.now) === 'revoked') continue;
      const owner = this.keyOwners.get(identity);
      if (owner && owner.path !== path) {
        const team = owner instanceof RegisteredTeam ? owner.spec.team : owner.team;
        issues.add(keySourceField(key), { redacted: true }, `a key no other team uses (team "${team}" at ${owner.path} has the same key)`);
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
    for (let i = 0; i < objects.length; i++) {
      const id = objects[i];
      const owner = this.objectOwners.get(keyPart(id.kind))?.get(keyPart(id.namespace))?.get(keyPart(id.name));
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
