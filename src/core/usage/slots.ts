import { IssueCollector } from '../errors';
import { AppRegistry } from '../registry';
import { UsageSpec } from './spec';

// Kept beside the registry rather than in it: only usage needs it.
const claims = new WeakMap<AppRegistry, { readonly path: string; readonly gateway: string }[]>();

const slotOf = (spec: UsageSpec) => `${spec.gateway.namespace}/${spec.gateway.name}`;

/** Records that the usage at `path` puts frontend telemetry on its Gateway. */
export function registerUsageGateway(registry: AppRegistry, path: string, spec: UsageSpec): void {
  registry.touch();
  const list = claims.get(registry) ?? [];
  list.push({ path, gateway: slotOf(spec) });
  claims.set(registry, list);
}

/**
 * Reports a second usage on the same Gateway: the proxy uses one policy per frontend section (metrics, accessLog,
 * tracing), so the other's labels would be silently ignored.
 */
export function checkUsageGateway(issues: IssueCollector, registry: AppRegistry, path: string, spec: UsageSpec): void {
  const other = (claims.get(registry) ?? []).find(c => c.path !== path && c.gateway === slotOf(spec));
  if (other) {
    issues.add('policy', slotOf(spec), `one usage per Gateway (${other.path} already labels its telemetry: agentgateway applies one `
      + 'frontend.metrics, accessLog and tracing per Gateway, so one of the two would be silently ignored)');
  }
}
