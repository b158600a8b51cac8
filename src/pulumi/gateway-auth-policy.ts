import * as pulumi from '@pulumi/pulumi';
import {
  ApiKeyAuthMode, GatewayAuthPolicyOptions, IssueCollector, KeyStorage, checkGatewayAuthPolicy, checkGatewayAuthPolicyDuplicates,
  checkGatewayAuthPolicySize,
  gatewayAuthPolicyObjectIds, policyKeyStorage, renderGatewayAuthPolicy, resolveGatewayAuthPolicy,
} from '../core';
import { childName, emitManifest, stackRegistry, throwInputErrors } from './common';
import { TeamApiKey } from './team-api-key';

/** Arguments of {@link GatewayAuthPolicy}: the cdk8s construct's props. */
export interface GatewayAuthPolicyArgs extends GatewayAuthPolicyOptions {
  /**
   * Teams whose keys the policy accepts. With a label selector, teams in this program carrying its labels are
   * accepted too.
   * @default []
   */
  readonly keys?: readonly TeamApiKey[];
}

/**
 * Requires a vanity API key on the Gateway (or chosen routes) and sets headers such as `x-org` from key metadata,
 * from the same core as the cdk8s `GatewayAuthPolicy`, including the PreRouting policy that removes client copies of
 * the identity headers.
 */
export class GatewayAuthPolicy extends pulumi.ComponentResource {
  /** How teams checked by a policy with these arguments must store their keys (`TeamApiKeyArgs.keyStorage`). */
  public static keyStorageFor(args: GatewayAuthPolicyOptions): KeyStorage {
    return policyKeyStorage(args.mode ?? ApiKeyAuthMode.extAuth(), args.name ?? 'api-key-auth', args.keySelection);
  }

  public readonly policyName: string;
  public readonly namespace: string;
  /** The AuthConfig and EnterpriseAgentgatewayPolicy, or the built-in policy; then the identity strip policy, if any. */
  public readonly resources: readonly pulumi.CustomResource[];

  constructor(name: string, args: GatewayAuthPolicyArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
    super('agentgateway-constructs:index:GatewayAuthPolicy', name, {}, opts);
    const registry = stackRegistry();
    const teams = args.keys ?? [];
    const known = args.keySelection?.matchLabels === undefined ? [] : registry.keyRefs;
    const spec = resolveGatewayAuthPolicy(args, teams, known);

    const issues = new IssueCollector(name);
    checkGatewayAuthPolicy(issues, spec);
    checkGatewayAuthPolicyDuplicates(issues, spec);
    // Pulumi teams carry no budgets yet, so nothing would write the server's config.
    if (spec.rateLimitServer) issues.add('rateLimitServer', spec.rateLimitServer.domain, 'no rateLimitServer on a Pulumi GatewayAuthPolicy yet (the config file and planGateway() use it)');
    const rendered = renderGatewayAuthPolicy(spec);
    if (spec.keySelection.matchLabels === undefined) checkGatewayAuthPolicySize(issues, rendered);
    teams.forEach((team, i) => {
      if (JSON.stringify(team.keyStorage) !== JSON.stringify(spec.keyStorage)) {
        issues.add(`keys[${i}]`, team.team, 'a team created with `keyStorage: GatewayAuthPolicy.keyStorageFor(args)` '
          + 'of this policy, so its keys are written in the format the policy reads');
      }
    });
    const objectIds = gatewayAuthPolicyObjectIds(spec);
    registry.checkObjects(issues, name, objectIds);
    registry.registerPolicy(name, args.allowSharedKeys ?? false, () => spec.selectedKeys);
    registry.checkSharedKeys(issues, name);
    const gatewaySlot = `${spec.gateway.namespace}/${spec.gateway.name}`;
    const identityHeaders = spec.headersFromMetadata.map(h => h.header);
    if (spec.stripPolicy) registry.checkIdentityStrips(issues, name, gatewaySlot, identityHeaders);
    throwInputErrors(issues);
    registry.registerObjects(name, objectIds);
    if (spec.stripPolicy) registry.registerIdentityStrip(name, gatewaySlot, identityHeaders);

    this.policyName = spec.name;
    this.namespace = spec.namespace;
    this.resources = rendered.map(manifest => emitManifest(childName(name, manifest), manifest, { parent: this, provider: opts.provider }));
    this.registerOutputs({ policyName: this.policyName });
  }
}
