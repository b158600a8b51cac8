import { BudgetScope, budgetScope } from '../shared-limits';
import { TeamApiKeySpec, activeKeys } from '../team-api-key';
import { TeamBudget, TeamPolicyRoute, budgetRoutes, isTeamWideBudget } from '../team-policy';
import { BudgetCounting } from './promql';
import { UsageSpec, UsageTeam } from './spec';

/**
 * The usage record of a team, the one every adapter builds: its metadata and budgets, the keys valid at `now`, and
 * the routes of its Gateway (a narrowed budget counts on some of them). Undefined for a revoked team: it has no
 * traffic to attribute.
 */
export function usageTeam(path: string, spec: TeamApiKeySpec, now: Date, routes?: readonly TeamPolicyRoute[]): UsageTeam | undefined {
  if (spec.revoked !== undefined) return undefined;
  return {
    path, team: spec.team, metadata: spec.metadata, budgets: spec.budgets,
    keys: activeKeys(spec, now).map(k => ({ name: k.secretName, notAfter: k.notAfter })),
    ...(routes ? { routes } : {}),
  };
}

/** One budget of one team, with how the gateway counts it. */
export interface UsageBudget {
  readonly team: UsageTeam;
  /** The team's identity value, the team label's value on metrics. */
  readonly value: string;
  readonly budget: TeamBudget;
  readonly counting: BudgetCounting;
}

/** `namespace/name`: the `route` label agentgateway puts on its metrics (RouteName::as_route_name). */
const routeLabel = (route: TeamPolicyRoute): string => `${route.namespace}/${route.name}`;

/**
 * Every budget of the identified teams with how the gateway counts it, as src/core/team-policy.ts enforces it: a
 * shared budget over every replica together; a per-replica one by each replica alone; a budget narrowed to routes or
 * models on each of its routes separately (the route's own policy), and a team-wide per-replica budget separately on
 * every route that carries narrowed budgets (that policy repeats it) and on the rest of the Gateway. A narrowed
 * budget that matches no known route is left out: nothing counts it (the policy checks report it).
 */
export function usageBudgets(spec: UsageSpec, teams: readonly UsageTeam[]): UsageBudget[] {
  const identity = spec.identity;
  if (!identity) return [];
  const policy = spec.policy;
  const hasServer = policy !== undefined && (policy.rateLimitServer !== undefined || !policy.mode.builtIn);
  const budgetsOf = (t: UsageTeam) => (Array.isArray(t.budgets) ? t.budgets : []).filter(b => typeof b === 'object' && b !== null);
  const narrowedRoutes = (t: UsageTeam, b: TeamBudget) => budgetRoutes(b, t.routes ?? []).map(routeLabel);
  const limitedRoutes = [...new Set(teams.flatMap(t => budgetsOf(t).filter(b => !isTeamWideBudget(b)).flatMap(b => narrowedRoutes(t, b))))].sort();
  return teams.filter(t => Object.hasOwn(t.metadata, identity.metadataKey)).flatMap(team => budgetsOf(team).flatMap((budget): UsageBudget[] => {
    const scope: BudgetScope = budgetScope(budget, hasServer);
    const value = team.metadata[identity.metadataKey];
    if (isTeamWideBudget(budget)) {
      const separateRoutes = scope === 'replica' && limitedRoutes.length > 0 ? { separateRoutes: limitedRoutes } : {};
      return [{ team, value, budget, counting: { scope, ...separateRoutes } }];
    }
    const routes = narrowedRoutes(team, budget);
    return routes.length === 0 ? [] : [{ team, value, budget, counting: { scope, routes } }];
  }));
}

/** What the alert's description says of how a budget is counted. */
export function describeCounting(budget: TeamBudget, counting: BudgetCounting): string {
  const replicas = counting.scope === 'replica'
    ? 'Each gateway replica counts this budget alone: the busiest replica (the `pod` label your scrape adds) is compared with it.'
    : 'All gateway replicas count this budget together (the rate-limit server): their sum is compared with it.';
  const routes = counting.routes === undefined
    ? (counting.separateRoutes ? ` Routes ${counting.separateRoutes.join(', ')} carry budgets narrowed to them and count it separately; `
      + 'each of them and the rest of the Gateway are compared alone.' : '')
    : ` Counted on ${counting.routes.join(', ')}, each route separately.`;
  // agentgateway_requests_total has no model label (HTTPLabels); a model limit counts on the routes pinning the model.
  const models = budget.models === undefined ? '' : ` The metrics of requests carry no model label: the budget for models ${budget.models.join(', ')} `
    + 'is counted by route, on the routes that pin a matching model, as the gateway enforces it.';
  return `${replicas}${routes}${models}`;
}
