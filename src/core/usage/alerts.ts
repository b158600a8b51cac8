import { Manifest } from '../manifest';
import { REQUESTS_TOTAL } from './metrics';
import { describeCounting, usageBudgets } from './budgets';
import { budgetUseExpression, describeBudget, matchers } from './promql';
import { UsageSpec, UsageTeam } from './spec';

/**
 * Recording rule name of each key's end of validity. The library knows `notAfter` at synth, Prometheus does not: a
 * recording rule per key turns it into a series (`vector(<unix seconds>)` with the team and key as labels), which
 * the expiry alert compares with `time()`. Re-synth after a rotation and the series follows.
 */
export const KEY_NOT_AFTER_RECORD = 'agentgateway_constructs:team_key_not_after:timestamp_seconds';

/**
 * The PrometheusRule (monitoring.coreos.com/v1): a team burning a budget faster than it lasts, teams hitting their
 * limits (429), a spike of rejected keys (401) on the Gateway, and keys close to `notAfter`.
 */
export function renderUsageAlerts(spec: UsageSpec, teams: readonly UsageTeam[], now: Date): Manifest | undefined {
  const alerts = spec.alerts;
  if (!alerts) return undefined;
  const gw = `${spec.gateway.namespace}/${spec.gateway.name}`;
  const teamLabel = spec.teamLabel;
  const groups = [];
  const identified = teams.filter(t => spec.identity && Object.hasOwn(t.metadata, spec.identity.metadataKey));
  const budgetRules: Record<string, unknown>[] = spec.labels[0]?.inMetrics ? usageBudgets(spec, teams).map(({ team, value, budget, counting }) => ({
    alert: 'AgentgatewayTeamBudgetBurn',
    expr: `${budgetUseExpression(gw, teamLabel, value, budget, counting)} > ${alerts.budgetBurnRatio}`,
    for: '10m',
    labels: { severity: 'warning', [teamLabel]: value, budget: describeBudget(budget) },
    annotations: {
      summary: `Team ${team.team} uses over ${Math.round(alerts.budgetBurnRatio * 100)}% of its budget ${describeBudget(budget)}`,
      description: `At this rate the team reaches its limit and gets 429 responses. ${describeCounting(budget, counting)}`,
    },
  })) : [];
  if (spec.labels[0]?.inMetrics) {
    budgetRules.push({
      alert: 'AgentgatewayTeamRateLimited',
      expr: `sum by (${teamLabel}) (increase(${REQUESTS_TOTAL}${matchers(gw, { status: '429' })}[5m])) > 0`,
      for: '5m',
      labels: { severity: 'info' },
      annotations: { summary: `Team {{ $labels.${teamLabel} }} gets 429 responses (a budget is exhausted)`, description: 'Requests over a team budget are refused.' },
    });
  }
  groups.push({ name: `${spec.name}.budgets`, rules: budgetRules });
  const keyRules: Record<string, unknown>[] = [{
    alert: 'AgentgatewayRejectedKeysSpike',
    expr: `sum(increase(${REQUESTS_TOTAL}${matchers(gw, { status: '401' })}[5m])) > ${alerts.rejectedKeysPer5m}`,
    for: '5m',
    labels: { severity: 'warning' },
    annotations: {
      summary: `More than ${alerts.rejectedKeysPer5m} requests with a missing or unknown key in 5 minutes on ${gw}`,
      description: 'A revoked key still in use, a misconfigured client, or someone guessing keys.',
    },
  }];
  const expiring = identified.flatMap(t => t.keys.filter(k => k.notAfter && k.notAfter.getTime() > now.getTime()).map(k => ({ t, k })));
  for (const { t, k } of expiring) {
    keyRules.push({
      record: KEY_NOT_AFTER_RECORD,
      expr: `vector(${Math.floor(k.notAfter!.getTime() / 1000)})`,
      labels: { [teamLabel]: t.metadata[spec.identity!.metadataKey], key: k.name, gateway: gw },
    });
  }
  if (expiring.length > 0) {
    keyRules.push({
      alert: 'AgentgatewayTeamKeyExpiresSoon',
      expr: `${KEY_NOT_AFTER_RECORD} - time() < ${alerts.keyExpiryDays} * 86400`,
      for: '1h',
      labels: { severity: 'warning' },
      annotations: {
        summary: `Key {{ $labels.key }} of team {{ $labels.${teamLabel} }} expires in less than ${alerts.keyExpiryDays} days`,
        description: 'Add the next key (keys[] with notBefore) and re-synth before it expires.',
      },
    });
  }
  groups.push({ name: `${spec.name}.keys`, rules: keyRules });
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `${spec.name}-alerts`,
      namespace: spec.namespace,
      ...(Object.keys(alerts.ruleLabels).length > 0 ? { labels: { ...alerts.ruleLabels } } : {}),
    },
    spec: { groups: groups.filter(g => g.rules.length > 0) },
  };
}
