import { checkDnsSubdomain } from './checks';
import { IssueCollector } from './errors';
import { GatewayAuthPolicySpec, IdentityHeader, renderGatewayAuthPolicy } from './gateway-auth-policy';
import { KINDS, Manifest } from './manifest';

/** Time units of a budget. `Days` is named so it can be refused with advice: local limits have no day unit. */
export type BudgetUnit = 'Seconds' | 'Minutes' | 'Hours' | 'Days';

/** One limit of a team: requests or LLM tokens (input plus output) per unit, counted per gateway replica. */
export interface TeamBudget {
  /**
   * Requests per unit. Give this or `tokens`.
   * @default - use `tokens`
   */
  readonly requests?: number;
  /**
   * LLM tokens per unit; counted once a response completes, so a limit stops the requests after the one crossing it.
   * @default - use `requests`
   */
  readonly tokens?: number;
  /** Time unit of the limit: `Seconds`, `Minutes` or `Hours`. */
  readonly unit: BudgetUnit;
  /**
   * Requests or tokens allowed above the limit for short bursts.
   * @default - no burst
   */
  readonly burst?: number;
}

/**
 * Which routes a team may call. Anything not allowed is denied with 403. Omitted, the team may call every route.
 */
export interface TeamAccess {
  /**
   * Names of the routes (HTTPRoutes) the team may call.
   * @default - every route (narrowed by `models` when given)
   */
  readonly routes?: readonly string[];
  /**
   * Model patterns (`*` matches any characters, e.g. `gpt-4o*`): the team may call the routes that pin a matching
   * model. A route that lets the client choose the model is denied, since the route cannot hold the client to a list.
   * @default - any model
   */
  readonly models?: readonly string[];
}

/** What the budgets and access render needs of each team. */
export interface TeamPolicyInput {
  /** Where the team was declared, for messages (a construct path or config path). */
  readonly path: string;
  readonly team: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly budgets?: readonly TeamBudget[];
  readonly access?: TeamAccess;
}

/** What the budgets and access render needs of each route. */
export interface TeamPolicyRoute {
  readonly name: string;
  readonly namespace: string;
  /** The model the route pins; undefined when the client chooses. */
  readonly model?: string;
}

/** Local limits live in `traffic.rateLimit.conditional`, which holds at most this many entries. */
export const MAX_CONDITIONAL_ENTRIES = 16;
/** Metadata keys under this prefix are reserved by agentgateway v1.5 and later. */
export const RESERVED_METADATA_PREFIX = 'agentgateway.dev/';
const MAX_INT32 = 2_147_483_647;
const UNITS = ['Seconds', 'Minutes', 'Hours'];

/** Whether any team declares budgets or access, so the policy must emit limits or authorization. */
export function hasTeamPolicies(teams: readonly TeamPolicyInput[]): boolean {
  return teams.some(t => t.budgets !== undefined || t.access !== undefined);
}

/** The identity header the policy tells teams apart by: the first required one. */
export function teamIdentityHeader(policy: GatewayAuthPolicySpec): IdentityHeader | undefined {
  return policy.identityHeaders.find(h => h.required);
}

/**
 * Reports budgets or access a team declares where nothing would enforce them: an adapter that does not emit them
 * yet (`where` says which), or a gateway without an auth policy. Never silently unenforced.
 */
export function checkTeamPolicyUnenforced(issues: IssueCollector, team: Pick<TeamPolicyInput, 'budgets' | 'access'>, where: string,
  fields: readonly ('budgets' | 'access')[] = ['budgets', 'access']): void {
  for (const field of fields) {
    if (team[field] !== undefined) issues.add(field, field, `no ${field} ${where}: nothing would enforce them`);
  }
}

/** Checks one team's budgets and access on their own (the team's own path). */
export function checkTeamPolicy(issues: IssueCollector, team: Pick<TeamPolicyInput, 'budgets' | 'access' | 'metadata'>): void {
  for (const entry of Object.keys(team.metadata ?? {})) {
    if (entry.startsWith(RESERVED_METADATA_PREFIX)) {
      issues.add(`metadata.${entry}`, entry, `a metadata name outside "${RESERVED_METADATA_PREFIX}", which agentgateway v1.5 and later reserve for values it sets itself`);
    }
  }
  if (team.budgets !== undefined) {
    if (!Array.isArray(team.budgets)) issues.add('budgets', team.budgets, 'a list of budgets');
    else {
      if (team.budgets.length > MAX_CONDITIONAL_ENTRIES) {
        issues.add('budgets', team.budgets.length, `at most ${MAX_CONDITIONAL_ENTRIES} budgets per team (a local rate-limit list holds at most ${MAX_CONDITIONAL_ENTRIES})`);
      }
      team.budgets.forEach((b, i) => checkBudget(issues, `budgets[${i}]`, b));
    }
  }
  const access = team.access;
  if (access !== undefined) {
    if (typeof access !== 'object' || access === null) issues.add('access', access, 'an object: { routes?, models? }');
    else {
      for (const field of ['routes', 'models'] as const) {
        const list = access[field];
        if (list === undefined) continue;
        if (!Array.isArray(list)) issues.add(`access.${field}`, list, 'a list of names');
        else list.forEach((v, i) => { if (typeof v !== 'string' || v.length === 0) issues.add(`access.${field}[${i}]`, v, 'a non-empty name'); });
      }
    }
  }
}

function checkBudget(issues: IssueCollector, field: string, budget: TeamBudget): void {
  if (typeof budget !== 'object' || budget === null) {
    issues.add(field, budget, 'a budget: { requests | tokens, unit, burst? }');
    return;
  }
  const amounts = (['requests', 'tokens'] as const).filter(k => budget[k] !== undefined);
  if (amounts.length !== 1) issues.add(field, amounts.join(' and ') || 'neither', 'exactly one of `requests` and `tokens`');
  for (const k of amounts) {
    const v = budget[k];
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > MAX_INT32) issues.add(`${field}.${k}`, v, `a whole number from 1 to ${MAX_INT32}`);
  }
  if (budget.burst !== undefined && (!Number.isInteger(budget.burst) || budget.burst < 0 || budget.burst > MAX_INT32)) {
    issues.add(`${field}.burst`, budget.burst, `a whole number from 0 to ${MAX_INT32}`);
  }
  if (budget.unit === 'Days') {
    issues.add(`${field}.unit`, budget.unit, '"Seconds", "Minutes" or "Hours": per-replica local limits have no day unit '
      + '(a daily budget needs global limits through a rate-limit server, not supported yet; 24 × an hourly budget is the nearest local limit)');
  } else if (!UNITS.includes(budget.unit)) {
    issues.add(`${field}.unit`, budget.unit, '"Seconds", "Minutes" or "Hours"');
  }
}

/** `*` in a model pattern matches any characters; everything else literally. */
export function modelMatches(pattern: string, model: string): boolean {
  const escaped = pattern.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${escaped}$`).test(model);
}

/** Whether a team may call a route: no `access` opens every route. */
export function teamMayUseRoute(access: TeamAccess | undefined, route: TeamPolicyRoute): boolean {
  if (access === undefined) return true;
  if (access.routes !== undefined && !access.routes.includes(route.name)) return false;
  if (access.models !== undefined) return route.model !== undefined && access.models.some(p => modelMatches(p, route.model!));
  return true;
}

/**
 * Checks the teams' budgets and access against the policy and the routes it guards: problems of the policy at its
 * path, a team's own at the team's path (`teamIssues`). Warnings go to `warn`.
 */
export function checkTeamPolicies(issues: IssueCollector, policy: GatewayAuthPolicySpec, teams: readonly TeamPolicyInput[],
  routes: readonly TeamPolicyRoute[], replicas: number, warn: (message: string) => void,
  teamIssues: (path: string) => IssueCollector = () => issues): void {
  if (!hasTeamPolicies(teams)) return;
  const declaring = teams.filter(t => t.budgets !== undefined || t.access !== undefined);
  if (!policy.mode.builtIn) {
    issues.add('mode', 'extAuth', `built-in auth (ApiKeyAuthMode.builtIn()) for teams with budgets or access (${declaring.map(t => t.path).join(', ')}): `
      + 'budgets in ext-auth mode are not supported yet');
    return;
  }
  const identity = teamIdentityHeader(policy);
  if (identity === undefined) {
    issues.add('headersFromMetadata', policy.headersFromMetadata.map(h => h.header),
      'a required identity header (e.g. [{ header: "x-org" }]) that tells teams apart: budgets and access key on its metadata entry');
    return;
  }
  if (policy.target.routes.length > 0 && teams.some(t => t.access !== undefined)) {
    issues.add('target', policy.target.routes.map(r => r.routeName),
      'the Gateway as target (PolicyTarget.gateway()) for teams with access: per-route access with a route-targeted auth policy is not supported yet');
  }
  if (!Number.isInteger(replicas) || replicas < 1) issues.add('replicas', replicas, 'a whole number of gateway replicas, at least 1');
  const owners = new Map<string, string>();
  for (const team of teams) {
    const value = Object.hasOwn(team.metadata, identity.metadataKey) ? team.metadata[identity.metadataKey] : undefined;
    const declares = team.budgets !== undefined || team.access !== undefined;
    if (value === undefined) {
      if (declares) {
        teamIssues(team.path).add(`metadata.${identity.metadataKey}`, undefined, `the metadata entry ${JSON.stringify(identity.metadataKey)} `
          + `(identity header ${identity.header}) on a team with budgets or access: a limit or access rule whose expression does not evaluate for a key silently does nothing`);
      }
      continue;
    }
    const owner = owners.get(value);
    if (owner !== undefined && declares) {
      teamIssues(team.path).add(`metadata.${identity.metadataKey}`, value, `a value no other team has (${owner} has it too, so the budgets `
        + 'and access of one would apply to both)');
    }
    if (owner === undefined) owners.set(value, team.path);
  }
  const budgeted = teams.filter(t => (t.budgets?.length ?? 0) > 0);
  if (budgeted.length > MAX_CONDITIONAL_ENTRIES) {
    issues.add('teams', budgeted.length, `at most ${MAX_CONDITIONAL_ENTRIES} teams with budgets on one policy (rateLimit.conditional holds at most `
      + `${MAX_CONDITIONAL_ENTRIES} entries): shared limits through a rate-limit server (traffic.rateLimit.global) scale further but are not supported yet`);
  }
  if (teams.some(t => t.access !== undefined)) {
    for (const route of routes) checkDnsSubdomain(issues, `accessPolicyName (route ${route.name})`, accessPolicyName(policy, route));
  }
  const routeNames = routes.map(r => r.name);
  const models = routes.flatMap(r => r.model === undefined ? [] : [r.model]);
  for (const team of teams) {
    team.access?.routes?.forEach((name, i) => {
      if (typeof name === 'string' && !routeNames.includes(name)) {
        teamIssues(team.path).add(`access.routes[${i}]`, name, `the name of a route the gateway serves (${routeNames.join(', ') || 'none declared'})`);
      }
    });
    team.access?.models?.forEach((pattern, i) => {
      if (typeof pattern === 'string' && !models.some(m => modelMatches(pattern, m))) {
        teamIssues(team.path).add(`access.models[${i}]`, pattern, `a model pattern matching a model some route pins (${models.join(', ') || 'no route pins a model'})`);
      }
    });
  }
  if (replicas > 1) {
    for (const team of budgeted) {
      warn(`[${team.path}] budgets: expected one gateway replica for local limits: each of the ${replicas} replicas counts alone, `
        + `so the team can use up to ${replicas} × its budget (shared limits need a rate-limit server, not supported yet)`);
    }
  }
}

/** CEL true for the given team's keys: the identity metadata entry equals its value. */
export function teamCondition(identity: IdentityHeader, value: string): string {
  return `${identity.celExpression} == ${JSON.stringify(value)}`;
}

/**
 * The `traffic.rateLimit` of the auth policy: one conditional entry per team with budgets, first match wins, no
 * fallback, so teams without budgets are not limited. Undefined when no team has budgets.
 */
export function renderTeamRateLimit(identity: IdentityHeader, teams: readonly TeamPolicyInput[]): Record<string, unknown> | undefined {
  const conditional = teams.filter(t => (t.budgets?.length ?? 0) > 0).map(t => ({
    condition: teamCondition(identity, t.metadata[identity.metadataKey]),
    policy: {
      local: t.budgets!.map(b => ({
        ...(b.requests !== undefined ? { requests: b.requests } : { tokens: b.tokens }),
        unit: b.unit,
        ...(b.burst !== undefined ? { burst: b.burst } : {}),
      })),
    },
  }));
  return conditional.length > 0 ? { conditional } : undefined;
}

/** CEL true only for the teams in `values`. */
export function allowedTeamsExpression(identity: IdentityHeader, values: readonly string[]): string {
  return `${identity.celExpression} in ${JSON.stringify([...values].sort())}`;
}

/** Name of the policy that holds a route's access rule. */
export function accessPolicyName(policy: GatewayAuthPolicySpec, route: TeamPolicyRoute): string {
  return `${policy.name}-access-${route.name}`;
}

/**
 * One policy per route once any team declares access: `traffic.authorization` with `Require` (cumulative, so another
 * policy's `Allow` rule cannot open the route) admitting only the teams allowed there. The auth policy sits on the
 * Gateway, so each route target holds just this one policy.
 */
export function renderTeamAccessPolicies(policy: GatewayAuthPolicySpec, identity: IdentityHeader, teams: readonly TeamPolicyInput[],
  routes: readonly TeamPolicyRoute[]): Manifest[] {
  if (!teams.some(t => t.access !== undefined)) return [];
  const kinds = policy.mode.builtIn?.policyKind === 'EnterpriseAgentgatewayPolicy' ? KINDS.enterpriseAgentgatewayPolicy : KINDS.agentgatewayPolicy;
  return routes.map(route => {
    const allowed = teams.filter(t => Object.hasOwn(t.metadata, identity.metadataKey) && teamMayUseRoute(t.access, route))
      .map(t => t.metadata[identity.metadataKey]);
    return {
      ...kinds,
      metadata: { name: accessPolicyName(policy, route), namespace: route.namespace },
      spec: {
        targetRefs: [{ name: route.name, group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        traffic: { authorization: { action: 'Require', policy: { matchExpressions: [allowedTeamsExpression(identity, [...new Set(allowed)])] } } },
      },
    };
  });
}

/**
 * The auth policy's manifests with the teams' budgets folded into the built-in auth policy itself (one policy per
 * target: a second policy on the Gateway could silently override it), and one access policy per route.
 */
export function renderPolicyWithTeamPolicies(policy: GatewayAuthPolicySpec, teams: readonly TeamPolicyInput[],
  routes: readonly TeamPolicyRoute[]): Manifest[] {
  const rendered = renderGatewayAuthPolicy(policy);
  const identity = teamIdentityHeader(policy);
  if (!policy.mode.builtIn || !identity) return rendered;
  const rateLimit = renderTeamRateLimit(identity, teams);
  const withLimits = rendered.map(m => {
    if (!rateLimit || m.metadata.name !== policy.name || m.metadata.namespace !== policy.namespace
      || (m.kind !== KINDS.agentgatewayPolicy.kind && m.kind !== KINDS.enterpriseAgentgatewayPolicy.kind)) return m;
    const spec = m.spec as { traffic: Record<string, unknown> };
    return { ...m, spec: { ...spec, traffic: { ...spec.traffic, rateLimit } } };
  });
  return [...withLimits, ...renderTeamAccessPolicies(policy, identity, teams, routes)];
}
