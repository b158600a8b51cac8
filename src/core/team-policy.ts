import { checkDnsSubdomain } from './checks';
import { IssueCollector } from './errors';
import { GatewayAuthPolicySpec, IdentityHeader, policyKinds, renderGatewayAuthPolicy } from './gateway-auth-policy';
import { KINDS, Manifest } from './manifest';
import { POLICY_FIELD_RELEASES, versionAtLeast } from './versions';
import {
  BudgetScope, MAX_GLOBAL_DESCRIPTORS, ResolvedRateLimitServer, SharedLimitKind, budgetEntries, budgetRateLimitConfigName, budgetScope, checkRateLimitServer, checkSharedBudgets,
  renderBudgetRateLimitConfig, renderGlobalRateLimit, renderRateLimitServerConfigMap, sharedLimitKinds,
} from './shared-limits';

/** Time units of a budget. `Days` only for shared budgets: per-replica local limits have no day unit. */
export type BudgetUnit = 'Seconds' | 'Minutes' | 'Hours' | 'Days';

/**
 * One limit of a team: requests or LLM tokens (input plus output) per unit, counted by each gateway replica alone
 * or, shared, by all of them together through a rate-limit server.
 */
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
  /** Time unit of the limit: `Seconds`, `Minutes` or `Hours`; `Days` too for a shared budget. */
  readonly unit: BudgetUnit;
  /**
   * Requests or tokens allowed above the limit for short bursts (per-replica budgets only).
   * @default - no burst
   */
  readonly burst?: number;
  /**
   * Narrows the budget to these routes (HTTPRoute names): it then counts only calls on them, separately on each.
   * @default - every route (with `models`: the routes pinning a matching model)
   */
  readonly routes?: readonly string[];
  /**
   * Narrows the budget to the routes that pin a matching model (`*` matches any characters). A limit condition runs
   * before the request body is read, so a route where the client chooses the model cannot be counted per model: every
   * route the team may use must pin its model.
   * @default - any model
   */
  readonly models?: readonly string[];
  /**
   * Who counts: `replica` (each gateway replica alone, `traffic.rateLimit.conditional`) or `shared` (every replica
   * together, through the auth policy's rate-limit server). With ext-auth, every budget is shared (Enterprise's rate
   * limiter).
   * @default - 'shared' when the auth policy names a `rateLimitServer` or uses ext-auth, else 'replica'
   */
  readonly scope?: BudgetScope;
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

/** Routes on the policy's Gateway, for the adapters that see routes of several gateways: `namespace/name` of the Gateway. */
export interface TeamPolicyGatewayRoute extends TeamPolicyRoute {
  readonly gateway: string;
}

/** Local limits live in `traffic.rateLimit.conditional`, which holds at most this many entries. */
export const MAX_CONDITIONAL_ENTRIES = 16;
/** Metadata keys under this prefix are reserved by agentgateway v1.5 and later. */
export const RESERVED_METADATA_PREFIX = 'agentgateway.dev/';
const MAX_INT32 = 2_147_483_647;
const UNITS = ['Seconds', 'Minutes', 'Hours'];
/** The first agentgateway release whose policy CRD has `traffic.rateLimit.conditional` (AGW PR #1749). */
export const CONDITIONAL_RATE_LIMIT_VERSION = POLICY_FIELD_RELEASES['traffic.rateLimit.conditional'];

/** A team's budgets; a malformed list (reported by checkTeamPolicy) holds none. */
/** Whether a budget counts on every route (not narrowed by `routes` or `models`). */
export function isTeamWideBudget(budget: TeamBudget): boolean {
  return typeof budget !== 'object' || budget === null || (budget.routes === undefined && budget.models === undefined);
}

/** The routes a narrowed budget counts on: those named in `routes` that pin a model matching `models`. */
export function budgetRoutes<R extends TeamPolicyRoute>(budget: TeamBudget, routes: readonly R[]): R[] {
  // Malformed lists (reported by checkTeamPolicy) match nothing.
  const names = budget.routes === undefined ? undefined : Array.isArray(budget.routes) ? budget.routes : [];
  const patterns = budget.models === undefined ? undefined : Array.isArray(budget.models) ? budget.models.filter(p => typeof p === 'string') : [];
  return routes.filter(route => (names === undefined || names.includes(route.name))
    && (patterns === undefined || (route.model !== undefined && patterns.some(p => modelMatches(p, route.model!)))));
}

/** The names of the routes each narrowed budget counts on: computed once per policy, read for every route. */
type NarrowedBudgetRoutes = ReadonlyMap<TeamBudget, ReadonlySet<string>>;

function narrowedBudgetRoutes(teams: readonly TeamPolicyInput[], routes: readonly TeamPolicyRoute[]): NarrowedBudgetRoutes {
  const narrowed = new Map<TeamBudget, ReadonlySet<string>>();
  for (const team of teams) {
    for (const b of budgetEntries(team)) {
      if (!isTeamWideBudget(b) && !narrowed.has(b)) narrowed.set(b, new Set(budgetRoutes(b, routes).map(r => r.name)));
    }
  }
  return narrowed;
}

/** The budgets of a team that count on `route`: its team-wide ones and those narrowed to the route. */
function budgetsOnRoute(team: TeamPolicyInput, route: TeamPolicyRoute, narrowed: NarrowedBudgetRoutes): TeamBudget[] {
  return budgetEntries(team).filter(b => isTeamWideBudget(b) || narrowed.get(b)!.has(route.name));
}

/** Whether any team has a budget narrowed to a route or model. */
function hasNarrowedBudgets(teams: readonly TeamPolicyInput[]): boolean {
  return teams.some(t => budgetEntries(t).some(b => !isTeamWideBudget(b)));
}

/**
 * The routes that get their own policy (named by {@link accessPolicyName}): every route once a team declares access,
 * and the routes a narrowed budget counts on. One policy per route carries every traffic field the route needs.
 */
export function routePolicyRoutes<R extends TeamPolicyRoute>(teams: readonly TeamPolicyInput[], routes: readonly R[]): R[] {
  if (teams.some(t => t.access !== undefined)) return [...routes];
  const narrowed: TeamBudget[] = [];
  for (const t of teams) {
    if (t.budgets === undefined) continue; // most teams: no array per team
    for (const b of budgetEntries(t)) if (!isTeamWideBudget(b)) narrowed.push(b);
  }
  if (narrowed.length === 0) return [];
  return routes.filter(route => narrowed.some(b => budgetRoutes(b, routes).includes(route)));
}

/** The names of the routes whose policy carries a rate limit: those some narrowed budget counts on. */
function routesWithOwnLimits(narrowed: NarrowedBudgetRoutes): ReadonlySet<string> {
  const names = new Set<string>();
  for (const routeNames of narrowed.values()) for (const name of routeNames) names.add(name);
  return names;
}

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
        issues.add('budgets', team.budgets.length, `at most ${MAX_CONDITIONAL_ENTRIES} budgets per team (a rate-limit list holds at most ${MAX_CONDITIONAL_ENTRIES})`);
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
    issues.add(field, budget, 'a budget: { requests | tokens, unit, burst?, routes?, models? }');
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
  for (const k of ['routes', 'models'] as const) {
    const list = budget[k];
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length === 0) issues.add(`${field}.${k}`, list, 'a non-empty list of names (omit it for every route)');
    else list.forEach((v, i) => { if (typeof v !== 'string' || v.length === 0) issues.add(`${field}.${k}[${i}]`, v, 'a non-empty name'); });
  }
  if (budget.scope !== undefined && budget.scope !== 'replica' && budget.scope !== 'shared') {
    issues.add(`${field}.scope`, budget.scope, '"replica" or "shared"');
  }
  if (budget.unit === 'Days' && budget.scope === 'replica') issues.add(`${field}.unit`, budget.unit, DAYS_EXPECTED);
  else if (!UNITS.includes(budget.unit) && budget.unit !== 'Days') issues.add(`${field}.unit`, budget.unit, '"Seconds", "Minutes", "Hours" or "Days"');
}

const DAYS_EXPECTED = '"Seconds", "Minutes" or "Hours": per-replica local limits have no day unit (a daily budget must be shared: '
  + 'name a rateLimitServer on the auth policy, or use ext-auth; 24 × an hourly budget is the nearest local limit)';

/**
 * `*` in a model pattern matches any characters; everything else literally. Matched piece by piece, leftmost first
 * (which is exact for `*` alone), never through a regular expression: a pattern with many `*` against a long model
 * name, from a pull request, cannot backtrack for minutes.
 */
export function modelMatches(pattern: string, model: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === model;
  const head = pieces[0];
  const tail = pieces[pieces.length - 1];
  if (model.length < head.length + tail.length || !model.startsWith(head) || !model.endsWith(tail)) return false;
  const end = model.length - tail.length;
  let at = head.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const found = model.indexOf(pieces[i], at);
    if (found < 0 || found + pieces[i].length > end) return false;
    at = found + pieces[i].length;
  }
  return true;
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
  const identity = teamIdentityHeader(policy);
  if (identity === undefined) {
    issues.add('headersFromMetadata', policy.headersFromMetadata.map(h => h.header),
      'a required identity header (e.g. [{ header: "x-org" }]) that tells teams apart: budgets and access key on its metadata entry');
    return;
  }
  const server = policy.rateLimitServer;
  const hasServer = server !== undefined || !policy.mode.builtIn;
  if (!policy.mode.builtIn) {
    // The injected header is trustworthy only because client copies are removed before ext-auth runs.
    if (!policy.stripPolicy) {
      issues.add('trustClientIdentityHeaders', true, `false for teams with budgets or access in ext-auth mode (${declaring.map(t => t.path).join(', ')}): `
        + `they key on the ${identity.header} header, which a client could then send itself`);
    }
    if (server) {
      issues.add('rateLimitServer', server.backendRef?.name ?? 'url', 'no rateLimitServer with ext-auth: Enterprise\'s own rate limiter keeps '
        + 'the budgets (traffic.entRateLimit), and traffic.rateLimit cannot be set next to it');
    }
  } else if (server) {
    checkRateLimitServer(issues, server, policy.mode.builtIn.agentgatewayVersion, m => warn(`[${issues.path}] ${m}`));
  }
  if (policy.target.routes.length > 0 && (teams.some(t => t.access !== undefined) || hasNarrowedBudgets(teams))) {
    issues.add('target', policy.target.routes.map(r => r.routeName),
      'the Gateway as target (PolicyTarget.gateway()) for teams with access or budgets narrowed to routes or models: '
      + 'per-route policies beside a route-targeted auth policy are not supported yet');
  }
  const version = policy.mode.builtIn?.agentgatewayVersion;
  if (version !== undefined && teams.some(t => (t.budgets?.length ?? 0) > 0) && !versionAtLeast(version, CONDITIONAL_RATE_LIMIT_VERSION)) {
    issues.add('mode.agentgatewayVersion', version, `agentgateway ${CONDITIONAL_RATE_LIMIT_VERSION} or later for team budgets: `
      + `they are emitted as traffic.rateLimit.conditional, which the policy CRD has from ${CONDITIONAL_RATE_LIMIT_VERSION} on`);
  }
  if (!Number.isInteger(replicas) || replicas < 1) issues.add('replicas', replicas, 'a whole number of gateway replicas, at least 1');
  const owners = new Map<string, { readonly path: string; readonly declares: boolean }>();
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
    // Either order: a team without budgets or access that shares the value would void the other's rules.
    const owner = owners.get(value);
    if (owner !== undefined && (declares || owner.declares)) {
      teamIssues(team.path).add(`metadata.${identity.metadataKey}`, value, `a value no other team has (${owner.path} has it too, so the budgets `
        + 'and access of one would apply to both)');
    }
    if (owner === undefined) owners.set(value, { path: team.path, declares });
  }
  for (const team of teams) {
    budgetEntries(team).forEach((b, i) => {
      if (typeof b !== 'object' || b === null) return;
      const scope = budgetScope(b, hasServer);
      if (scope === 'replica' && b.unit === 'Days' && b.scope === undefined) teamIssues(team.path).add(`budgets[${i}].unit`, b.unit, DAYS_EXPECTED);
      if (scope === 'replica' && !policy.mode.builtIn) {
        teamIssues(team.path).add(`budgets[${i}].scope`, b.scope, '"shared" with ext-auth: per-replica limits (traffic.rateLimit) cannot be set next to '
          + 'Enterprise\'s traffic.entRateLimit');
      }
      if (scope === 'shared' && policy.mode.builtIn && !server) {
        teamIssues(team.path).add(`budgets[${i}].scope`, b.scope, '"replica", or a rateLimitServer on the auth policy: a shared budget needs a rate-limit server');
      }
      if (scope === 'shared' && !isTeamWideBudget(b)) {
        teamIssues(team.path).add(`budgets[${i}].scope`, scope, '"replica" for a budget narrowed to routes or models (built-in auth): it counts in the '
          + 'route\'s own policy; shared budgets narrowed to routes are not supported yet');
      }
    });
  }
  checkSharedBudgets(issues, identity, teams, hasServer, teamIssues);
  const isLocal = (b: TeamBudget) => budgetScope(b, hasServer) === 'replica';
  const budgeted = teams.filter(t => budgetEntries(t).some(isLocal));
  const teamWide = teams.filter(t => budgetEntries(t).some(b => isTeamWideBudget(b) && isLocal(b)));
  // A shared half rides in a trailing fallback entry when local limits are conditional too.
  const sharedKinds = sharedLimitKinds(teams, hasServer).length;
  const conditionalRoom = MAX_CONDITIONAL_ENTRIES - (sharedKinds > 0 ? 1 : 0);
  if (policy.mode.builtIn && teamWide.length > conditionalRoom) {
    issues.add('teams', teamWide.length, `at most ${conditionalRoom} teams with per-replica budgets on one policy (rateLimit.conditional holds at most `
      + `${MAX_CONDITIONAL_ENTRIES} entries): share the budgets through a rate-limit server (rateLimitServer on the auth policy; `
      + 'traffic.rateLimit.global takes one descriptor per kind of budget, whatever the number of teams)');
  }
  if (sharedKinds > MAX_GLOBAL_DESCRIPTORS) issues.add('teams', 'budgets', `at most ${MAX_GLOBAL_DESCRIPTORS} kinds of shared budget`);
  const routePolicies = routePolicyRoutes(teams, routes);
  const narrowed = narrowedBudgetRoutes(teams, routes);
  const ownLimits = routesWithOwnLimits(narrowed);
  for (const route of routePolicies) {
    checkDnsSubdomain(issues, `accessPolicyName (route ${route.name})`, accessPolicyName(policy, route));
    if (!ownLimits.has(route.name)) continue;
    const onRoute = teams.filter(t => budgetsOnRoute(t, route, narrowed).some(isLocal));
    if (onRoute.length > conditionalRoom) {
      issues.add('teams', onRoute.length, `at most ${conditionalRoom} teams with per-replica budgets on route ${route.name} (its policy's `
        + `rateLimit.conditional holds at most ${MAX_CONDITIONAL_ENTRIES} entries)`);
    }
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
  for (const team of teams) checkNarrowedBudgets(teamIssues(team.path), team, routes, routeNames, models);
  const limitedRoutes = routePolicies.filter(r => ownLimits.has(r.name)).map(r => r.name);
  if (limitedRoutes.length > 0) {
    for (const team of teamWide) {
      warn(`[${team.path}] budgets: expected team-wide budgets to count once: routes ${limitedRoutes.join(', ')} carry budgets narrowed `
        + 'to them, and a route\'s own rate limit replaces the Gateway\'s there (agentgateway keeps the most specific policy\'s rateLimit), '
        + `so this team's team-wide budgets are repeated in each route's policy and count separately on each (up to ${limitedRoutes.length + 1} × the budget)`);
    }
  }
  if (replicas > 1 && policy.mode.builtIn) {
    for (const team of budgeted) {
      warn(`[${team.path}] budgets: expected one gateway replica for local limits: each of the ${replicas} replicas counts alone, `
        + `so the team can use up to ${replicas} × its budget (share the budgets: name a rateLimitServer on the auth policy)`);
    }
  }
}

/** Reports narrowed budgets naming routes or models no route serves, or models a route cannot hold the team to. */
function checkNarrowedBudgets(issues: IssueCollector, team: TeamPolicyInput, routes: readonly TeamPolicyRoute[],
  routeNames: readonly string[], models: readonly string[]): void {
  budgetEntries(team).forEach((budget, i) => {
    if (typeof budget !== 'object' || budget === null || isTeamWideBudget(budget)) return;
    const field = `budgets[${i}]`;
    // Malformed lists are reported by checkTeamPolicy.
    let named = [budget.routes, budget.models].every(l => l === undefined || (Array.isArray(l) && l.length > 0));
    if (!named) return;
    budget.routes?.forEach((name, j) => {
      if (typeof name === 'string' && !routeNames.includes(name)) {
        named = false;
        issues.add(`${field}.routes[${j}]`, name, `the name of a route the gateway serves (${routeNames.join(', ') || 'none declared'})`);
      }
    });
    budget.models?.forEach((pattern, j) => {
      if (typeof pattern === 'string' && !models.some(m => modelMatches(pattern, m))) {
        named = false;
        issues.add(`${field}.models[${j}]`, pattern, `a model pattern matching a model some route pins (${models.join(', ') || 'no route pins a model'})`);
      }
    });
    if (named && budgetRoutes(budget, routes).length === 0) {
      issues.add(field, `routes ${JSON.stringify(budget.routes ?? [])}, models ${JSON.stringify(budget.models ?? [])}`,
        'routes and models that some route serves together (a route named in `routes` pinning a model in `models`)');
    }
    if (budget.models === undefined) return;
    const unpinned = routes.filter(r => r.model === undefined && teamMayUseRoute(team.access, r)
      && (budget.routes === undefined || budget.routes.includes(r.name)));
    if (unpinned.length > 0) {
      issues.add(`${field}.models`, budget.models, `routes the team may use to pin their model: ${unpinned.map(r => r.name).join(', ')} `
        + 'let the client choose it, and a limit condition runs before the request body names the model, so calls there could not be '
        + 'counted against this budget (pin the model on the route, or deny the route with access.routes or access.models)');
    }
  });
}

/** CEL true for the given team's keys: the identity metadata entry equals its value. */
export function teamCondition(identity: IdentityHeader, value: string): string {
  return `${identity.celExpression} == ${JSON.stringify(value)}`;
}

/**
 * The `traffic.rateLimit` of the auth policy (team-wide budgets), or of a route's policy (`route`: the budgets that
 * count there, team-wide ones repeated since the route's limit replaces the Gateway's): one conditional entry per team
 * with budgets, first match wins, no fallback, so teams without budgets are not limited. Undefined when there are none.
 */
export function renderTeamRateLimit(identity: IdentityHeader, teams: readonly TeamPolicyInput[],
  server?: ResolvedRateLimitServer,
  route?: { readonly route: TeamPolicyRoute; readonly routes: readonly TeamPolicyRoute[] }): Record<string, unknown> | undefined {
  return teamRateLimit(rateLimitInputs(identity, teams, server, route?.routes ?? []), route?.route);
}

/** What every rate limit of one policy is rendered from, computed once for the policy and its routes. */
interface RateLimitInputs {
  readonly identity: IdentityHeader;
  readonly teams: readonly TeamPolicyInput[];
  readonly server?: ResolvedRateLimitServer;
  readonly sharedKinds: readonly SharedLimitKind[];
  readonly narrowed: NarrowedBudgetRoutes;
}

function rateLimitInputs(identity: IdentityHeader, teams: readonly TeamPolicyInput[], server: ResolvedRateLimitServer | undefined,
  routes: readonly TeamPolicyRoute[]): RateLimitInputs {
  return { identity, teams, server, sharedKinds: server ? sharedLimitKinds(teams, true) : [], narrowed: narrowedBudgetRoutes(teams, routes) };
}

/** {@link renderTeamRateLimit} of the policy (no `route`) or of one route's policy. */
function teamRateLimit(inputs: RateLimitInputs, route?: TeamPolicyRoute): Record<string, unknown> | undefined {
  const { identity, teams, server } = inputs;
  const hasServer = server !== undefined;
  // The shared budgets count at the rate-limit server, keyed by team: the same descriptors in a route's policy add to
  // the same buckets, so a route that replaces the Gateway's rateLimit keeps them.
  const global = server ? renderGlobalRateLimit(identity, teams, server, inputs.sharedKinds) : undefined;
  const local = (t: TeamPolicyInput) => (route ? budgetsOnRoute(t, route, inputs.narrowed) : budgetEntries(t).filter(isTeamWideBudget))
    .filter(b => budgetScope(b, hasServer) === 'replica');
  const conditional = teams.flatMap(t => {
    const budgets = local(t);
    return budgets.length === 0 ? [] : [{
      condition: teamCondition(identity, t.metadata[identity.metadataKey]),
      policy: {
        local: budgets.map(b => ({
          ...(b.requests !== undefined ? { requests: b.requests } : { tokens: b.tokens }),
          unit: b.unit,
          ...(b.burst !== undefined ? { burst: b.burst } : {}),
        })),
      },
    }];
  });
  // `conditional` cannot sit next to `global`: the shared half becomes the last, unconditioned entry. The gateway
  // picks the first local match and, separately, the first global match (GATEWAY-SEMANTICS 4.1), so every team
  // gets its local limits and the shared descriptors.
  if (conditional.length === 0) return global ? { global } : undefined;
  return { conditional: global ? [...conditional, { policy: { global } }] : conditional };
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
 * One policy per route that needs one ({@link routePolicyRoutes}), carrying every traffic field of that target (a
 * second policy on it could silently override the first): `traffic.authorization` with `Require` (cumulative, so
 * another policy's `Allow` rule cannot open the route) admitting only the teams allowed there, once any team declares
 * access; and `traffic.rateLimit` with the budgets that count on the route, when a budget is narrowed to it.
 */
export function renderTeamAccessPolicies(policy: GatewayAuthPolicySpec, identity: IdentityHeader, teams: readonly TeamPolicyInput[],
  routes: readonly TeamPolicyRoute[]): Manifest[] {
  const kinds = policyKinds(policy);
  const access = teams.some(t => t.access !== undefined);
  const rateLimits = rateLimitInputs(identity, teams, policy.rateLimitServer, routes);
  const ownLimits = routesWithOwnLimits(rateLimits.narrowed);
  return routePolicyRoutes(teams, routes).map(route => {
    const allowed = teams.filter(t => Object.hasOwn(t.metadata, identity.metadataKey) && teamMayUseRoute(t.access, route))
      .map(t => t.metadata[identity.metadataKey]);
    const rateLimit = ownLimits.has(route.name) ? teamRateLimit(rateLimits, route) : undefined;
    return {
      ...kinds,
      metadata: { name: accessPolicyName(policy, route), namespace: route.namespace },
      spec: {
        targetRefs: [{ name: route.name, group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        traffic: {
          ...(access ? { authorization: { action: 'Require', policy: { matchExpressions: [allowedTeamsExpression(identity, [...new Set(allowed)])] } } } : {}),
          ...(rateLimit ? { rateLimit } : {}),
        },
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
  if (!identity) return rendered;
  const extra: Manifest[] = [];
  let traffic: Record<string, unknown> | undefined;
  if (policy.mode.builtIn) {
    const rateLimit = renderTeamRateLimit(identity, teams, policy.rateLimitServer);
    if (rateLimit) traffic = { rateLimit };
    if (policy.rateLimitServer) extra.push(renderRateLimitServerConfigMap(identity, teams, policy.rateLimitServer));
  } else if (sharedLimitKinds(teams, true).length > 0) {
    const name = budgetRateLimitConfigName(policy.name);
    traffic = { entRateLimit: { global: { rateLimitConfigRefs: [{ name, namespace: policy.namespace }] } } };
    extra.push(renderBudgetRateLimitConfig(identity, teams, name, policy.namespace));
  }
  const withLimits = rendered.map(m => {
    if (!traffic || m.metadata.name !== policy.name || m.metadata.namespace !== policy.namespace
      || (m.kind !== KINDS.agentgatewayPolicy.kind && m.kind !== KINDS.enterpriseAgentgatewayPolicy.kind)) return m;
    const spec = m.spec as { traffic: Record<string, unknown> };
    return { ...m, spec: { ...spec, traffic: { ...spec.traffic, ...traffic } } };
  });
  return [...withLimits, ...renderTeamAccessPolicies(policy, identity, teams, routes), ...extra];
}
