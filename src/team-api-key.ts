import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, registryOf } from './app-registry';
import {
  EXT_AUTH_STORAGE, KeyRef, KeyStorage, TeamApiKeyOptions, TeamApiKeySpec, checkTeamApiKey, checkTeamApiKeySize, renderTeamApiKey,
  checkTeamPolicyUnenforced, resolveTeamApiKey, teamApiKeyObjectIds,
} from './core';

/** Props of {@link TeamApiKey}. */
export interface TeamApiKeyProps extends TeamApiKeyOptions {}

/** A team's keys, as an auth policy selects them. */
export interface ITeamApiKey {
  /** The team the keys belong to. */
  readonly team: string;
  /** The team's key Secrets valid at synth time; empty when the team is revoked. */
  readonly keyRefs: readonly KeyRef[];
}

/**
 * One team's vanity API keys. Each key valid at synth time is written in the format of the auth policy that checks
 * it: a Secret of type `extauth.solo.io/apikey` for ext-auth (the key in `api-key`, each metadata entry such as
 * `x-org` beside it), or agentgateway's own key entries (in Secrets, or as hashes in ConfigMaps) for built-in auth;
 * directly or through a key source (ExternalSecret, SealedSecret, a Secret managed elsewhere). Revoke the team with
 * `revoked`.
 */
export class TeamApiKey extends Construct implements ITeamApiKey {
  public readonly team: string;
  public readonly namespace: string;
  public readonly keyRefs: readonly KeyRef[];
  /** The team with every default applied (read-only; for reports such as the access matrix). */
  public readonly spec: TeamApiKeySpec;
  private storage: KeyStorage = EXT_AUTH_STORAGE;
  private storageOwner: string | undefined;
  private readonly storageConflicts: string[] = [];
  private emitted: ApiObject[] = [];

  constructor(scope: Construct, id: string, props: TeamApiKeyProps) {
    super(scope, id);
    const spec = resolveTeamApiKey(props);
    const registry = registryOf(this);
    const now = registry.settings.now;
    this.spec = spec;
    this.team = spec.team;
    this.namespace = spec.namespace;
    this.keyRefs = registry.registerTeam(this.node.path, spec, () => this.storage);
    addCoreValidation(this, issues => {
      checkTeamApiKey(issues, spec, now, this.storage);
      registry.checkTeam(issues, this.node.path, spec, this.storage);
      registry.checkObjects(issues, this.node.path, teamApiKeyObjectIds(spec, now, this.storage));
      checkTeamApiKeySize(issues, spec);
      if (this.storageOwner === undefined) checkTeamPolicyUnenforced(issues, spec, 'on a team no GatewayAuthPolicy lists (`keys` or addKey())');
      for (const other of this.storageConflicts) {
        issues.add('keys', other, `one way of storing the team's keys, but ${this.storageOwner} and ${other} need different ones `
          + '(ext-auth Secrets, built-in Secrets, hashed ConfigMaps, or other selector labels)');
      }
    });
    this.emit();
  }

  /** A summary without key material, for `console.log` and `util.inspect` (its symbol, so the types need no node:util). */
  public [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `TeamApiKey(${this.node.path}: team ${JSON.stringify(this.team)}, ${this.spec.keys.length} key(s), key material redacted)`;
  }

  /** A summary without key material, for `JSON.stringify`. */
  public toJSON(): object {
    return { path: this.node.path, team: this.team, namespace: this.namespace, keySecrets: this.keyRefs.map(k => k.secretName) };
  }

  /** The manifests emitted for the keys valid at synth time (escape hatch for JSON patches). */
  public get resources(): readonly ApiObject[] {
    return this.emitted;
  }

  /** The first key's manifest (escape hatch for JSON patches). */
  public get resource(): ApiObject | undefined {
    return this.emitted[0];
  }

  /**
   * Writes the keys in the format `storage` describes. Called by the auth policy that checks them; a second policy
   * asking for another format is reported at synth.
   */
  public useKeyStorage(storage: KeyStorage, policyPath: string): void {
    registryOf(this).touch();
    if (this.storageOwner !== undefined) {
      if (JSON.stringify(storage) !== JSON.stringify(this.storage)) this.storageConflicts.push(policyPath);
      return;
    }
    this.storageOwner = policyPath;
    if (JSON.stringify(storage) === JSON.stringify(this.storage)) return;
    this.storage = storage;
    this.emit();
  }

  private emit(): void {
    const registry = registryOf(this);
    const now = registry.settings.now;
    for (const child of this.emitted) this.node.tryRemoveChild(child.node.id);
    // The first key keeps the id `Resource`, so adding a second key for rotation leaves the first untouched.
    this.emitted = renderTeamApiKey(this.spec, now, this.storage).map((manifest, i) =>
      new ApiObject(this, i === 0 ? 'Resource' : `Resource-${manifest.metadata.name}`, manifest));
    registry.replaceObjects(this.node.path, teamApiKeyObjectIds(this.spec, now, this.storage));
  }
}
