import * as pulumi from '@pulumi/pulumi';
import {
  ApiKeyAuthMode, GatewayAuthPolicyOptions, GatewayAuthPolicySpec, IssueCollector, KeyStorage, checkGatewayAuthPolicy,
  checkGatewayAuthPolicyDuplicates, checkGatewayAuthPolicySize, checkTeamPolicies, gatewayAuthPolicyObjectIds, policyKeyStorage,
  renderGatewayAuthPolicy, renderPolicyWithTeamPolicies, resolveGatewayAuthPolicy,
} from '../core';
import { childName, emitManifest, guardStackRoutes, stackRegistry, stackRoutes, throwInputErrors } from './common';
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
  /** The policy with every default applied, for telemetry such as {@link TeamUsage}. */
  public readonly spec: GatewayAuthPolicySpec;
  /** The teams the policy lists (`keys`). */
  public readonly teams: readonly TeamApiKey[];
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
    // Budgets and access: the routes created so far on this Gateway get their own policies; later ones are refused.
    const teamPolicies = teams.flatMap(t => t.teamPolicy ? [t.teamPolicy] : []);
    const routes = stackRoutes(gatewaySlot);
    const warnings: string[] = [];
    checkTeamPolicies(issues, spec, teamPolicies, routes, args.replicas ?? 1,
      w => registry.settings.strict ? issues.add('replicas', 'a warning (strict mode)', w) : warnings.push(w),
      path => forTeam(issues, path));
    const manifests = renderPolicyWithTeamPolicies(spec, teamPolicies, routes);
    const routeObjectIds = manifests.slice(rendered.length).map(m => ({ kind: m.kind, namespace: m.metadata.namespace!, name: m.metadata.name, field: 'name' }));
    registry.checkObjects(issues, name, routeObjectIds);
    throwInputErrors(issues);
    registry.registerObjects(name, [...objectIds, ...routeObjectIds]);
    if (spec.stripPolicy) registry.registerIdentityStrip(name, gatewaySlot, identityHeaders);
    if (teamPolicies.some(t => t.access !== undefined || (t.budgets ?? []).some(b => b.routes !== undefined || b.models !== undefined))) {
      guardStackRoutes(gatewaySlot, name);
    }
    warnings.forEach(w => registry.settings.warn(w));

    this.policyName = spec.name;
    this.namespace = spec.namespace;
    this.spec = spec;
    this.teams = teams;
    this.resources = manifests.map(manifest => emitManifest(childName(name, manifest), manifest, { parent: this, provider: opts.provider }));
    this.registerOutputs({ policyName: this.policyName });
  }
}

/** A collector whose issues land in `issues`, prefixed with the team's component name, as the cdk8s policy reports them. */
function forTeam(issues: IssueCollector, path: string): IssueCollector {
  const collector = new IssueCollector(path);
  const add = collector.add.bind(collector);
  collector.add = (field, value, expected) => {
    add(field, value, expected);
    issues.add(`keys (${path}) ${field}`, value, expected);
  };
  return collector;
}
