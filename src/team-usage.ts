import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, lazyManifest, onRoute, registryOf } from './app-registry';
import {
  Manifest, TeamPolicyRoute, UsageOptions, UsageSpec, UsageTeam, checkUsage, checkUsageGateway, registerUsageGateway, renderUsage,
  resolveUsage, usageObjectIds, usageTeam,
} from './core';
import { GatewayAuthPolicy } from './gateway-auth-policy';
import { TeamApiKey } from './team-api-key';

/** Props of {@link TeamUsage}. */
export interface TeamUsageProps extends UsageOptions {
  /** The auth policy whose post-authentication identity labels the telemetry. */
  readonly policy: GatewayAuthPolicy;
  /**
   * The teams on the dashboard and in the alerts (budgets, key expiry).
   * @default - the TeamApiKeys the policy lists, at synth time
   */
  readonly teams?: readonly TeamApiKey[];
}

/**
 * Per-team usage you can see: an (Enterprise)AgentgatewayPolicy on the Gateway labelling metrics, access logs and
 * traces with the caller's team (read from the validated key, never from a client header), an optional model price
 * catalog, a Grafana dashboard ConfigMap (`grafana_dashboard: "1"`) and a Prometheus Operator PrometheusRule.
 */
export class TeamUsage extends Construct {
  /** The telemetry policy (escape hatch for JSON patches). */
  public readonly policy: ApiObject;
  /** The dashboard ConfigMap; undefined with `dashboard: false`. */
  public readonly dashboard: ApiObject | undefined;
  /** The PrometheusRule; undefined with `alerts: false`. */
  public readonly alerts: ApiObject | undefined;
  /** The model price catalog ConfigMap; undefined without `modelPrices`. */
  public readonly modelCatalog: ApiObject | undefined;
  /** The app's LlmRoutes on the usage's Gateway, those added later included: narrowed budgets count on some of them. */
  private readonly routes: TeamPolicyRoute[] = [];

  constructor(scope: Construct, id: string, private readonly props: TeamUsageProps) {
    super(scope, id);
    const registry = registryOf(this);
    const resolve = registry.memo(() => resolveUsage(props, props.policy.spec));
    const teams = registry.memo(() => this.usageTeams());
    const render = registry.memo(() => renderUsage(resolve(), teams(), registry.settings.now));
    const head = resolve();
    const gateway = `${head.gateway.namespace}/${head.gateway.name}`;
    onRoute(this, route => {
      if (route.gateway === gateway) this.routes.push(route);
    });
    const objectIds = usageObjectIds(head);
    registry.registerObjects(this.node.path, objectIds);
    registerUsageGateway(registry, this.node.path, head);
    addCoreValidation(this, issues => {
      checkUsage(issues, resolve(), teams(),
        w => registry.settings.strict ? issues.add('teamLabel', 'a warning (strict mode)', w) : registry.settings.warn(w));
      registry.checkObjects(issues, this.node.path, objectIds);
      checkUsageGateway(issues, registry, this.node.path, resolve());
    });
    // Kinds and names are fixed by the props; bodies are rendered at synth, once every team is known.
    const objects = renderUsage(head, [], registry.settings.now).map((manifest, i) => new ApiObject(this, objectId(manifest, head),
      lazyManifest({ apiVersion: manifest.apiVersion, kind: manifest.kind, metadata: manifest.metadata },
        manifest.kind === 'ConfigMap' ? ['data'] : ['spec'], () => render()[i])));
    const find = (predicate: (m: ApiObject) => boolean) => objects.find(predicate);
    this.policy = objects[0];
    this.modelCatalog = find(o => o.kind === 'ConfigMap' && o.name.endsWith('-model-prices'));
    this.dashboard = find(o => o.kind === 'ConfigMap' && o.name.endsWith('-dashboard'));
    this.alerts = find(o => o.kind === 'PrometheusRule');
  }

  /** The usage with every default applied (read-only). */
  public get spec(): UsageSpec {
    return resolveUsage(this.props, this.props.policy.spec);
  }

  private usageTeams(): UsageTeam[] {
    const now = registryOf(this).settings.now;
    return (this.props.teams ?? this.props.policy.teamApiKeys).flatMap(t => usageTeam(t.node.path, t.spec, now, this.routes) ?? []);
  }
}

function objectId(manifest: Manifest, spec: UsageSpec): string {
  if (manifest.kind === 'PrometheusRule') return 'Alerts';
  if (manifest.kind !== 'ConfigMap') return 'Policy';
  return manifest.metadata.name === `${spec.name}-dashboard` ? 'Dashboard' : 'ModelCatalog';
}
