import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, registryOf } from './app-registry';
import {
  KeyRef, TeamApiKeyOptions, checkTeamApiKey, renderTeamApiKey, resolveTeamApiKey, teamApiKeyObjectIds, teamApiKeyRefs,
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
 * One team's vanity API keys. Each key valid at synth time becomes a key Secret of type `extauth.solo.io/apikey`
 * (the key in `api-key`, each metadata entry such as `x-org` beside it), written directly or through a key source
 * (ExternalSecret, SealedSecret, or a Secret managed elsewhere). Revoke the team with `revoked`.
 */
export class TeamApiKey extends Construct implements ITeamApiKey {
  public readonly team: string;
  public readonly namespace: string;
  public readonly keyRefs: readonly KeyRef[];
  /** The manifests emitted for the keys valid at synth time (escape hatch for JSON patches). */
  public readonly resources: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: TeamApiKeyProps) {
    super(scope, id);
    const spec = resolveTeamApiKey(props);
    const registry = registryOf(this);
    const now = registry.settings.now;
    this.team = spec.team;
    this.namespace = spec.namespace;
    this.keyRefs = teamApiKeyRefs(this.node.path, spec, now);

    const objectIds = teamApiKeyObjectIds(spec, now);
    registry.registerTeam(this.node.path, spec, objectIds);
    addCoreValidation(this, issues => {
      checkTeamApiKey(issues, spec, now);
      registry.checkTeam(issues, this.node.path, spec);
      registry.checkObjects(issues, this.node.path, objectIds);
    });

    // The first key keeps the id `Resource`, so adding a second key for rotation leaves the first untouched.
    this.resources = renderTeamApiKey(spec, now).map((manifest, i) =>
      new ApiObject(this, i === 0 ? 'Resource' : `Resource-${manifest.metadata.name}`, manifest));
  }

  /** The first key's manifest (escape hatch for JSON patches). */
  public get resource(): ApiObject | undefined {
    return this.resources[0];
  }
}
