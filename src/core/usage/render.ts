import { Manifest } from '../manifest';
import { renderUsageAlerts } from './alerts';
import { renderUsageDashboard } from './dashboard';
import { renderModelCatalog, renderUsagePolicy } from './policy';
import { UsageSpec, UsageTeam } from './spec';

/** Every manifest of the usage, in a fixed order: policy, price catalog, dashboard, alerts. */
export function renderUsage(spec: UsageSpec, teams: readonly UsageTeam[], now: Date): Manifest[] {
  const manifests = [renderUsagePolicy(spec)];
  if (spec.modelPrices.length > 0) manifests.push(renderModelCatalog(spec));
  if (spec.dashboard) manifests.push(renderUsageDashboard(spec, teams));
  const alerts = renderUsageAlerts(spec, teams, now);
  if (alerts) manifests.push(alerts);
  return manifests;
}

/**
 * The telemetry labels a team's requests carry (label name → value), as the gateway will compute them from the
 * team's key metadata; a label the team's metadata lacks reads `unknown`, as agentgateway writes it.
 */
export function teamTelemetryLabels(spec: UsageSpec, team: Pick<UsageTeam, 'metadata'>): Record<string, string> {
  return Object.fromEntries(spec.labels.map(l => [l.name, Object.hasOwn(team.metadata, l.metadataKey) ? team.metadata[l.metadataKey] : 'unknown']));
}
