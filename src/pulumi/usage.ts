import * as pulumi from '@pulumi/pulumi';
import {
  IssueCollector, UsageOptions, checkUsage, checkUsageGateway, registerUsageGateway, renderUsage, resolveUsage, usageObjectIds,
} from '../core';
import { childName, emitManifest, stackRegistry, stackRoutes, throwInputErrors } from './common';
import { GatewayAuthPolicy } from './gateway-auth-policy';
import { TeamApiKey } from './team-api-key';

/** Arguments of {@link TeamUsage}: the cdk8s construct's props. */
export interface TeamUsageArgs extends UsageOptions {
  /** The auth policy whose post-authentication identity labels the telemetry. */
  readonly policy: GatewayAuthPolicy;
  /**
   * The teams on the dashboard and in the alerts.
   * @default - the teams the policy lists
   */
  readonly teams?: readonly TeamApiKey[];
}

/**
 * Per-team usage telemetry from the same core as the cdk8s `TeamUsage`: the Gateway policy labelling metrics, logs
 * and traces with the caller's team, an optional model price catalog, a Grafana dashboard ConfigMap and a
 * PrometheusRule.
 */
export class TeamUsage extends pulumi.ComponentResource {
  /** The policy, then the price catalog, dashboard and PrometheusRule that are enabled. */
  public readonly resources: readonly pulumi.CustomResource[];

  constructor(name: string, args: TeamUsageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('agentgateway-constructs:index:TeamUsage', name, {}, opts);
    const registry = stackRegistry();
    const spec = resolveUsage(args, args.policy.spec);
    // The routes created so far: a policy with narrowed budgets refuses later ones on its Gateway (guardStackRoutes).
    const routes = stackRoutes(`${spec.gateway.namespace}/${spec.gateway.name}`);
    const teams = (args.teams ?? args.policy.teams).flatMap(t => t.usageTeam ? [{ ...t.usageTeam, routes }] : []);
    const issues = new IssueCollector(name);
    checkUsage(issues, spec, teams, w => registry.settings.strict ? issues.add('teamLabel', 'a warning (strict mode)', w) : registry.settings.warn(w));
    const objectIds = usageObjectIds(spec);
    registry.checkObjects(issues, name, objectIds);
    checkUsageGateway(issues, registry, name, spec);
    throwInputErrors(issues);
    registry.registerObjects(name, objectIds);
    registerUsageGateway(registry, name, spec);
    this.resources = renderUsage(spec, teams, registry.settings.now)
      .map(manifest => emitManifest(childName(name, manifest), manifest, { parent: this, provider: opts.provider }));
    this.registerOutputs({});
  }
}
