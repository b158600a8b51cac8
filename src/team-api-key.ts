import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, lazyManifest, once, registryOf } from './app-registry';
import {
  KINDS, KeyRef, TeamApiKeyOptions, checkTeamApiKey, renderTeamApiKey, resolveTeamApiKey, teamApiKeyMetadata,
  teamApiKeyObjectId, teamApiKeyRef,
} from './core';

/** Props of {@link TeamApiKey}. */
export interface TeamApiKeyProps extends TeamApiKeyOptions {}

/** A team key an auth policy can select. */
export interface ITeamApiKey {
  /** The team the key belongs to. */
  readonly team: string;
  /** The key Secret, as an auth policy sees it. */
  readonly keyRef: KeyRef;
}

/**
 * One team's vanity API key: a Secret of type `extauth.solo.io/apikey` holding the key in `api-key` and every
 * metadata entry (such as `x-org`) beside it. Revoking the team = removing this construct.
 */
export class TeamApiKey extends Construct implements ITeamApiKey {
  public readonly team: string;
  public readonly secretName: string;
  public readonly namespace: string;
  public readonly keyRef: KeyRef;
  /** The key Secret (escape hatch for JSON patches). */
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: TeamApiKeyProps) {
    super(scope, id);
    const spec = resolveTeamApiKey(props);
    this.team = spec.team;
    this.secretName = spec.secretName;
    this.namespace = spec.namespace;
    this.keyRef = teamApiKeyRef(this.node.path, spec);

    const objectIds = [teamApiKeyObjectId(spec)];
    const registry = registryOf(this);
    registry.registerKey(this.node.path, spec, objectIds);
    addCoreValidation(this, issues => {
      checkTeamApiKey(issues, spec);
      registry.checkKey(issues, this.node.path, spec);
      registry.checkObjects(issues, this.node.path, objectIds);
    });

    this.resource = new ApiObject(this, 'Resource', lazyManifest(
      { ...KINDS.secret, metadata: teamApiKeyMetadata(spec) }, ['type', 'data'], once(() => renderTeamApiKey(spec))));
  }
}
