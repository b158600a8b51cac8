import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, lazyManifest, registryOf } from './app-registry';
import {
  GatewayAuthPolicyOptions, GatewayAuthPolicySpec, KINDS, checkGatewayAuthPolicy, gatewayAuthPolicyObjectIds,
  renderGatewayAuthPolicy, resolveGatewayAuthPolicy,
} from './core';
import { ITeamApiKey } from './team-api-key';

/** Props of {@link GatewayAuthPolicy}. */
export interface GatewayAuthPolicyProps extends GatewayAuthPolicyOptions {
  /**
   * Keys the policy accepts; more can be added with `addKey()`. With a label selector, keys in the app that carry
   * its labels are accepted too.
   * @default []
   */
  readonly keys?: readonly ITeamApiKey[];
}

/**
 * Requires a vanity API key on the Gateway (or on chosen routes): an AuthConfig with `apiKeyAuth`, which validates
 * the key and sets headers from its metadata, and the EnterpriseAgentgatewayPolicy that sends traffic through
 * Solo's ext-auth service.
 */
export class GatewayAuthPolicy extends Construct {
  public readonly policyName: string;
  public readonly authConfigName: string;
  public readonly namespace: string;
  /** The AuthConfig (escape hatch for JSON patches). */
  public readonly authConfig: ApiObject;
  /** The EnterpriseAgentgatewayPolicy (escape hatch for JSON patches). */
  public readonly policy: ApiObject;
  private readonly keys: ITeamApiKey[] = [];

  constructor(scope: Construct, id: string, private readonly props: GatewayAuthPolicyProps = {}) {
    super(scope, id);
    this.keys.push(...props.keys ?? []);
    const head = this.resolve();
    this.policyName = head.name;
    this.authConfigName = head.authConfigName;
    this.namespace = head.namespace;

    const objectIds = gatewayAuthPolicyObjectIds(head);
    const registry = registryOf(this);
    registry.registerObjects(this.node.path, objectIds);
    registry.registerPolicy(this.node.path, props.allowSharedKeys ?? false, () => this.resolve().selectedKeys);
    addCoreValidation(this, issues => {
      checkGatewayAuthPolicy(issues, this.resolve());
      registry.checkObjects(issues, this.node.path, objectIds);
      registry.checkSharedKeys(issues, this.node.path);
    });

    this.authConfig = new ApiObject(this, 'AuthConfig', lazyManifest(
      { ...KINDS.authConfig, metadata: { name: head.authConfigName, namespace: head.namespace } }, ['spec'],
      () => renderGatewayAuthPolicy(this.resolve())[0]));
    this.policy = new ApiObject(this, 'Policy', lazyManifest(
      { ...KINDS.enterpriseAgentgatewayPolicy, metadata: { name: head.name, namespace: head.namespace } }, ['spec'],
      () => renderGatewayAuthPolicy(this.resolve())[1]));
  }

  /** Accepts more keys. */
  public addKey(...keys: ITeamApiKey[]): void {
    this.keys.push(...keys);
  }

  private resolve(): GatewayAuthPolicySpec {
    const known = this.props.keySelection?.matchLabels === undefined ? [] : registryOf(this).keyRefs;
    return resolveGatewayAuthPolicy(this.props, this.keys, known);
  }
}
