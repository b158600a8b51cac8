import { GatewayAuthPolicySpec, TeamApiKeySpec, TeamBudget, activeKeys, budgetScope, keyStatus, teamMayUseRoute, teamTelemetryLabels } from '../core';
import { ConfigPlan } from './build';

/** Text as one table cell: a line break or `|` in a value (a revocation reason, a header value) must not end it. */
const cell = (text: string) => text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\|/g, '\\|');

/**
 * A Markdown table of team × route: whether the team's key opens the route, the headers the gateway sets for the
 * team, whether client-sent copies of those headers are dropped, and when its keys expire, so a reviewer sees what a
 * change grants.
 */
export function accessMatrix(planned: ConfigPlan): string {
  const { routes, teams, policy, registry } = planned.plan;
  const now = registry.settings.now;

  // Budget columns only when a team declares them, so existing tables stay as they were.
  const declared = teams.some(t => t.budgets !== undefined || t.access !== undefined);
  const extra = [...declared ? ['budgets', 'models'] : [], ...planned.plan.usage ? ['telemetry labels'] : []];
  const routeAccess = routeAccessOf(planned);
  const lines = [
    `| team | ${routes.map(r => cell(r.name)).join(' | ')} | headers set | client copies | key expiry |${extra.map(e => ` ${e} |`).join('')}`,
    `| --- | ${routes.map(() => '---').join(' | ')} | --- | --- | --- |${extra.map(() => ' --- |').join('')}`,
  ];
  for (const spec of teams) {
    const keys = activeKeys(spec, now);
    const access = routeAccess(spec);
    const headers = (policy?.headersFromMetadata ?? [])
      .filter(h => Object.hasOwn(spec.metadata, h.metadataKey))
      .map(h => `${h.header}: ${spec.metadata[h.metadataKey]}`).join(', ') || '-';
    const identity = policy?.identityHeaders.map(h => h.header).join(', ') ?? '';
    const clientCopies = identity === '' ? '-'
      : policy!.stripPolicy ? `dropped before auth: ${identity}` : `passed through (trustClientIdentityHeaders): ${identity}`;
    const expiries = keys.map(k => k.notAfter ? k.notAfter.toISOString() : 'never');
    const pending = spec.keys.filter(k => keyStatus(spec, k, now) === 'pending').map(k => `next key from ${k.notBefore!.toISOString()}`);
    const expiry = spec.revoked ? '-' : [...expiries, ...pending].join('; ') || 'no valid key';
    const budgetCells = declared ? [describeBudgets(scopedBudgets(policy, spec.budgets)), spec.access?.models?.join(', ') ?? 'any'] : [];
    if (planned.plan.usage) budgetCells.push(describeLabels(planned, spec));
    lines.push(`| ${[spec.team, ...access, headers, clientCopies, expiry, ...budgetCells].map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `100000 tokens/Hours; 60 requests/Minutes (+10 burst)`, or `none`; each marked `(shared)` or `(per replica)` when
 * the policy can share budgets (a rate-limit server, or ext-auth).
 */
function describeBudgets(budgets: readonly TeamBudget[] | undefined): string {
  if (!budgets?.length) return 'none';
  const scope = (b: TeamBudget) => b.scope === undefined ? '' : b.scope === 'shared' ? ' (shared)' : ' (per replica)';
  return budgets.map(b => `${b.requests !== undefined ? `${b.requests} requests` : `${b.tokens} tokens`}/${b.unit}${b.burst ? ` (+${b.burst} burst)` : ''}`
    + (b.routes ? ` on ${b.routes.join(', ')}` : '') + (b.models ? ` for ${b.models.join(', ')}` : '') + scope(b)).join('; ');
}

/** The budgets with their effective scope spelled out, when the policy can share them; as declared otherwise. */
function scopedBudgets(policy: GatewayAuthPolicySpec | undefined, budgets: readonly TeamBudget[] | undefined): readonly TeamBudget[] {
  const sharing = policy !== undefined && (policy.rateLimitServer !== undefined || !policy.mode.builtIn);
  return sharing ? (budgets ?? []).map(b => ({ ...b, scope: budgetScope(b, true) })) : budgets ?? [];
}

/** `team=research, cost_center=cc-100 (logs only: ...)`: the labels the team's requests carry, metrics first. */
function describeLabels(planned: ConfigPlan, spec: TeamApiKeySpec): string {
  const usage = planned.plan.usage!;
  const labels = teamTelemetryLabels(usage, spec);
  const metrics = usage.labels.filter(l => l.inMetrics).map(l => `${l.name}=${labels[l.name]}`);
  const logsOnly = usage.labels.filter(l => !l.inMetrics).map(l => `${l.name}=${labels[l.name]}`);
  return [metrics.join(', '), ...logsOnly.length > 0 ? [`(logs and traces only: ${logsOnly.join(', ')})`] : []].join(' ');
}

/**
 * Per route, whether a team's key opens it, in declaration order. What depends only on the plan (the routes the
 * policy guards, the key Secrets it selects) is worked out once, not once per team: 200 000 teams stay linear.
 */
function routeAccessOf(planned: ConfigPlan): (spec: TeamApiKeySpec) => string[] {
  const { routes, policy, registry } = planned.plan;
  const protectedRoutes = policy && policy.target.routes.length > 0 ? new Set(policy.target.routes.map(r => r.routeName)) : undefined;
  const selected = new Set(policy?.selectedKeys.map(k => `${k.namespace}/${k.secretName}`) ?? []);
  return spec => {
    const accepted = activeKeys(spec, registry.settings.now).some(k => selected.has(`${spec.namespace}/${k.secretName}`));
    return routes.map(route => {
      if (!policy || (protectedRoutes && !protectedRoutes.has(route.name))) return 'open (no key needed)';
      if (spec.revoked) return `revoked: ${spec.revoked.reason}`;
      if (!accepted) return 'denied';
      return teamMayUseRoute(spec.access, { name: route.name, namespace: route.namespace, model: route.provider.model }) ? 'allowed' : 'denied (access)';
    });
  };
}

/** One team's entry of {@link accessMatrixJson}. */
export interface TeamMatrixEntry {
  readonly team: string;
  /** Route name → `allowed`, `denied`, `denied (access)`, `open (no key needed)` or `revoked: <reason>`. */
  readonly routes: Readonly<Record<string, string>>;
  readonly budgets: readonly TeamBudget[];
  /** Model patterns the team may use; absent: any. */
  readonly models?: readonly string[];
  /** With `usage`: the telemetry labels (name → value) the team's requests carry; `unknown` where its metadata lacks one. */
  readonly telemetryLabels?: Readonly<Record<string, string>>;
}

/** The matrix as data, for scripts and CI checks: per team, each route's access, its budgets and its model patterns. */
export function accessMatrixJson(planned: ConfigPlan): TeamMatrixEntry[] {
  const { routes, teams, policy } = planned.plan;
  const routeAccess = routeAccessOf(planned);
  return teams.map(spec => {
    const access = routeAccess(spec);
    return {
      team: spec.team,
      routes: Object.fromEntries(routes.map((r, j) => [r.name, access[j]])),
      budgets: scopedBudgets(policy, spec.budgets),
      ...(spec.access?.models ? { models: spec.access.models } : {}),
      ...(planned.plan.usage ? { telemetryLabels: teamTelemetryLabels(planned.plan.usage, spec) } : {}),
    };
  });
}
