import { versionAtLeast } from './versions';
import { checkDnsLabel, checkDnsSubdomain, checkFailureMode, checkPort, checkRateLimitDomain, checkServiceUrl, isServiceUrl } from './checks';
import { IssueCollector } from './errors';
import type { GatewayAuthPolicySpec, IdentityHeader } from './gateway-auth-policy';
import { KINDS, Manifest, ObjectId } from './manifest';
import type { BudgetUnit, TeamBudget, TeamPolicyInput } from './team-policy';

// Budgets shared by every gateway replica: `traffic.rateLimit.global` on the auth policy (built-in auth) plus the
// envoyproxy/ratelimit server's own config (VIRTUAL-KEYS.md 1a, the official "virtual keys" recipe), and with
// ext-auth, Enterprise's `traffic.entRateLimit` with a RateLimitConfig (REFERENCE.md 3 and 7).

/**
 * Where the gateway finds the rate-limit server (envoyproxy/ratelimit, gRPC) that keeps shared budgets. Give
 * `backendRef` or `url`; {@link RateLimitServer} components hand out one ready-made (`.ref`).
 */
export interface RateLimitServerRef {
  /**
   * The server's Service.
   * @default - give `url` instead
   */
  readonly backendRef?: {
    readonly name: string;
    /** @default - the auth policy's namespace */
    readonly namespace?: string;
    /** @default 8081 (envoyproxy/ratelimit's gRPC port) */
    readonly port?: number;
  };
  /**
   * `http(s)://host:port` of the server, without a path. Needs agentgateway v1.5 or later (the v1.4.1 CRD only has
   * `backendRef`).
   * @default - give `backendRef` instead
   */
  readonly url?: string;
  /**
   * Rate-limit domain: the server keeps the budgets of each domain apart.
   * @default - the auth policy's name
   */
  readonly domain?: string;
  /**
   * What the gateway does when the server cannot be reached. `FailClosed` answers 500 to the requests it would
   * have asked the server about, so no team exceeds its budget during an outage; `FailOpen` lets them through
   * unlimited (a warning at synth).
   * @default 'FailClosed'
   */
  readonly failureMode?: 'FailClosed' | 'FailOpen';
  /**
   * The ConfigMap the server reads its config from (`config.yaml`); the auth policy writes the teams' budgets there.
   * A server you run yourself must mount it (envoyproxy/ratelimit reads `$RUNTIME_ROOT/$RUNTIME_SUBDIRECTORY/config/`).
   * @default - `<policy name>-ratelimit-config`, in the server's namespace
   */
  readonly configMap?: { readonly name: string; readonly namespace?: string };
}

/** A {@link RateLimitServerRef} with every default applied. */
export interface ResolvedRateLimitServer {
  readonly backendRef?: { readonly name: string; readonly namespace: string; readonly port: number };
  readonly url?: string;
  readonly domain: string;
  readonly failureMode: 'FailClosed' | 'FailOpen';
  readonly configMap: { readonly name: string; readonly namespace: string };
}

/** envoyproxy/ratelimit's gRPC port. */
export const RATE_LIMIT_GRPC_PORT = 8081;

export function resolveRateLimitServer(ref: RateLimitServerRef, policyName: string, policyNamespace: string): ResolvedRateLimitServer {
  const backendRef = ref.backendRef === undefined ? undefined : {
    name: ref.backendRef.name, namespace: ref.backendRef.namespace ?? policyNamespace, port: ref.backendRef.port ?? RATE_LIMIT_GRPC_PORT,
  };
  return {
    ...(backendRef ? { backendRef } : {}),
    ...(ref.url === undefined ? {} : { url: ref.url }),
    domain: ref.domain ?? policyName,
    failureMode: ref.failureMode ?? 'FailClosed',
    configMap: {
      name: ref.configMap?.name ?? `${policyName}-ratelimit-config`,
      namespace: ref.configMap?.namespace ?? backendRef?.namespace ?? policyNamespace,
    },
  };
}

/** The first release whose policy CRD has `traffic.rateLimit.global.url` (the v1.4.1 CRD has only `backendRef`). */
export const GLOBAL_RATE_LIMIT_URL_VERSION = 'v1.5.0';

/** Checks the server reference (at the policy's `rateLimitServer` field). */
export function checkRateLimitServer(issues: IssueCollector, server: ResolvedRateLimitServer, agentgatewayVersion: string | undefined,
  warn: (message: string) => void): void {
  const field = 'rateLimitServer';
  if ((server.backendRef === undefined) === (server.url === undefined)) {
    issues.add(field, server.backendRef && server.url ? 'backendRef and url' : 'neither', 'exactly one of `backendRef` and `url`');
  }
  if (server.backendRef) {
    checkDnsLabel(issues, `${field}.backendRef.name`, server.backendRef.name);
    checkDnsLabel(issues, `${field}.backendRef.namespace`, server.backendRef.namespace);
    checkPort(issues, `${field}.backendRef.port`, server.backendRef.port);
  }
  if (server.url !== undefined) {
    checkServiceUrl(issues, `${field}.url`, server.url);
    if (isServiceUrl(server.url) && agentgatewayVersion !== undefined && !versionAtLeast(agentgatewayVersion, GLOBAL_RATE_LIMIT_URL_VERSION)) {
      issues.add(`${field}.url`, server.url, `a backendRef with agentgateway ${agentgatewayVersion}: its policy CRD has no rateLimit.global.url `
        + `(agentgateway ${GLOBAL_RATE_LIMIT_URL_VERSION} adds it)`);
    }
  }
  checkRateLimitDomain(issues, `${field}.domain`, server.domain);
  checkFailureMode(issues, `${field}.failureMode`, server.failureMode);
  if (server.failureMode === 'FailOpen') {
    warn(`${field}.failureMode: FailOpen lets every request through unlimited while the rate-limit server cannot be reached: `
      + 'budgets are not enforced during an outage (FailClosed answers 500 instead)');
  }
  checkDnsSubdomain(issues, `${field}.configMap.name`, server.configMap.name);
  checkDnsLabel(issues, `${field}.configMap.namespace`, server.configMap.namespace);
}

/** Which mechanism counts a budget: each gateway replica alone, or every replica together through a server. */
export type BudgetScope = 'replica' | 'shared';

/**
 * A budget's scope: as given, else `shared` when the policy names a rate-limit server (declaring one says the
 * replicas must count together), else `replica`.
 */
export function budgetScope(budget: TeamBudget, hasServer: boolean): BudgetScope {
  // A malformed entry (reported by checkTeamPolicy) takes the default rather than crash the checks.
  return (typeof budget === 'object' && budget !== null ? budget.scope : undefined) ?? (hasServer ? 'shared' : 'replica');
}

/** A team's budgets as entries: a list that is not one (from plain JavaScript; reported by checkTeamPolicy) holds none. */
export function budgetEntries(team: Pick<TeamPolicyInput, 'budgets'>): readonly TeamBudget[] {
  return Array.isArray(team.budgets) ? team.budgets : NO_BUDGETS;
}

/** The entries of a team without budgets: one frozen list for all of them. */
const NO_BUDGETS: readonly TeamBudget[] = Object.freeze([]);

/** The shared budgets of each team, in declaration order. */
export function sharedBudgets(team: TeamPolicyInput, hasServer: boolean): TeamBudget[] {
  return budgetEntries(team).filter(b => typeof b === 'object' && b !== null && budgetScope(b, hasServer) === 'shared');
}

const SERVER_UNITS: Readonly<Record<BudgetUnit, string>> = { Seconds: 'second', Minutes: 'minute', Hours: 'hour', Days: 'day' };
const UNIT_ORDER: readonly BudgetUnit[] = ['Seconds', 'Minutes', 'Hours', 'Days'];

/** What a shared budget counts, as a rate-limit descriptor distinguishes it. */
export interface SharedLimitKind {
  readonly measure: 'requests' | 'tokens';
  readonly unit: BudgetUnit;
}

function kindOf(budget: TeamBudget): SharedLimitKind {
  return { measure: budget.tokens !== undefined ? 'tokens' : 'requests', unit: budget.unit };
}

/**
 * The descriptor key of one kind of shared budget, e.g. `x-org-tokens-per-day`: one key per measure and unit, so a
 * team can have a daily token budget and a per-minute request limit, each its own counter on the server.
 */
export function sharedLimitKey(identity: Pick<IdentityHeader, 'header'>, kind: SharedLimitKind): string {
  return `${identity.header.toLowerCase()}-${kind.measure}-per-${SERVER_UNITS[kind.unit]}`;
}

/** The kinds of shared budget the teams use, in a fixed order (requests before tokens, shorter units first). */
export function sharedLimitKinds(teams: readonly TeamPolicyInput[], hasServer: boolean): SharedLimitKind[] {
  const seen = new Map<string, SharedLimitKind>();
  for (const team of teams) {
    if (budgetEntries(team).length === 0) continue; // most teams: no filtered list per team
    for (const b of sharedBudgets(team, hasServer)) seen.set(`${kindOf(b).measure}/${b.unit}`, kindOf(b));
  }
  return [...seen.values()].filter(k => UNIT_ORDER.includes(k.unit))
    .sort((a, b) => a.measure === b.measure ? UNIT_ORDER.indexOf(a.unit) - UNIT_ORDER.indexOf(b.unit) : (a.measure < b.measure ? -1 : 1));
}

/** At most this many descriptors in `rateLimit.global`, and rate limits in a RateLimitConfig. */
export const MAX_GLOBAL_DESCRIPTORS = 16;

/**
 * Checks the teams' shared budgets: no burst (the server has none), one budget per measure and unit per team (they
 * would share one counter), and a descriptor key the CRD accepts. `teamIssues` gives a team's own collector.
 */
export function checkSharedBudgets(issues: IssueCollector, identity: IdentityHeader, teams: readonly TeamPolicyInput[], hasServer: boolean,
  teamIssues: (path: string) => IssueCollector): void {
  for (const team of teams) {
    const seen = new Map<string, number>();
    budgetEntries(team).forEach((b, i) => {
      if (typeof b !== 'object' || b === null || budgetScope(b, hasServer) !== 'shared') return;
      if (b.burst !== undefined) {
        teamIssues(team.path).add(`budgets[${i}].burst`, b.burst, 'no burst on a shared budget (the rate-limit server counts whole units; '
          + 'a per-replica budget with scope: replica can add a burst guard)');
      }
      const key = sharedLimitKey(identity, kindOf(b));
      const first = seen.get(key);
      if (first !== undefined) {
        teamIssues(team.path).add(`budgets[${i}]`, `${kindOf(b).measure}/${b.unit}`, `one shared budget per measure and unit (budgets[${first}] `
          + 'counts the same, and the server keeps one counter for both)');
      } else seen.set(key, i);
    });
  }
  for (const kind of sharedLimitKinds(teams, hasServer)) {
    const key = sharedLimitKey(identity, kind);
    if (key.length > 64) issues.add('headersFromMetadata', identity.header, `an identity header of at most ${64 - key.length + identity.header.length} characters (the descriptor key ${key} exceeds 64)`);
  }
}

/**
 * `traffic.rateLimit.global` of the built-in auth policy: one descriptor per kind of shared budget, keyed by the
 * identity's post-auth CEL (the key's metadata). A team whose key lacks the entry would send no descriptor and be
 * unlimited, which the checks refuse. Undefined when no team has shared budgets. `kinds`: the teams' kinds, when known.
 */
export function renderGlobalRateLimit(identity: IdentityHeader, teams: readonly TeamPolicyInput[], server: ResolvedRateLimitServer,
  kinds: readonly SharedLimitKind[] = sharedLimitKinds(teams, true)): Record<string, unknown> | undefined {
  if (kinds.length === 0) return undefined;
  return {
    domain: server.domain,
    ...(server.backendRef
      ? { backendRef: { name: server.backendRef.name, namespace: server.backendRef.namespace, kind: 'Service', group: '', port: server.backendRef.port } }
      : { url: server.url }),
    failureMode: server.failureMode,
    descriptors: kinds.map(kind => ({
      entries: [{ name: sharedLimitKey(identity, kind), expression: identity.celExpression }],
      unit: kind.measure === 'tokens' ? 'Tokens' : 'Requests',
    })),
  };
}

/** One descriptor of envoyproxy/ratelimit's config file. */
export interface RateLimitServerDescriptor {
  readonly key: string;
  readonly value: string;
  readonly rate_limit: { readonly unit: string; readonly requests_per_unit: number };
}

/** envoyproxy/ratelimit's config file (`config.yaml`). */
export interface RateLimitServerConfig {
  readonly domain: string;
  readonly descriptors: readonly RateLimitServerDescriptor[];
}

/** One team's shared budget as a rate limiter sees it: the kind's descriptor key, the team's identity value, the limit. */
interface TeamSharedLimit {
  readonly key: string;
  readonly value: string;
  readonly unit: BudgetUnit;
  readonly amount: number;
}

/**
 * One limit per team and shared budget (teams without the identity entry send no descriptor), sorted by key, then
 * value, so the output is stable.
 */
function teamSharedLimits(identity: IdentityHeader, teams: readonly TeamPolicyInput[]): TeamSharedLimit[] {
  const limits: TeamSharedLimit[] = [];
  for (const team of teams) {
    const value = team.metadata[identity.metadataKey];
    if (value === undefined) continue;
    for (const b of sharedBudgets(team, true)) {
      limits.push({ key: sharedLimitKey(identity, kindOf(b)), value, unit: b.unit, amount: (b.tokens ?? b.requests)! });
    }
  }
  return limits.sort((a, b) => a.key === b.key ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : (a.key < b.key ? -1 : 1));
}

/** The server's config: one descriptor per team and shared budget, sorted so the output is stable. */
export function renderRateLimitServerConfig(identity: IdentityHeader, teams: readonly TeamPolicyInput[], domain: string): RateLimitServerConfig {
  const descriptors: RateLimitServerDescriptor[] = teamSharedLimits(identity, teams).map(l => ({
    key: l.key, value: l.value, rate_limit: { unit: SERVER_UNITS[l.unit], requests_per_unit: l.amount },
  }));
  return { domain, descriptors };
}

/** The ConfigMap holding the server's config, written next to the policy that sends it descriptors. */
export function renderRateLimitServerConfigMap(identity: IdentityHeader, teams: readonly TeamPolicyInput[], server: ResolvedRateLimitServer): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: server.configMap.name, namespace: server.configMap.namespace },
    // Loaded on use, so the package's root entry does not load the YAML library.
    data: { 'config.yaml': (require('yaml') as typeof import('yaml')).stringify(renderRateLimitServerConfig(identity, teams, server.domain)) },
  };
}

/** The objects an auth policy adds for its teams' budgets (server config or RateLimitConfig), so a clash is reported. */
export function teamLimitObjectIds(policy: Pick<GatewayAuthPolicySpec, 'mode' | 'name' | 'namespace' | 'rateLimitServer'>,
  teams: readonly TeamPolicyInput[]): ObjectId[] {
  if (policy.mode.builtIn) {
    return policy.rateLimitServer ? [{ kind: 'ConfigMap', ...policy.rateLimitServer.configMap, field: 'rateLimitServer.configMap' }] : [];
  }
  return sharedLimitKinds(teams, true).length > 0
    ? [{ kind: KINDS.rateLimitConfig.kind, namespace: policy.namespace, name: budgetRateLimitConfigName(policy.name), field: 'name' }] : [];
}

// Ext-auth (Enterprise): the header ext-auth injects is the identity; RateLimitConfig descriptors read it.

const ENTERPRISE_UNITS: Readonly<Record<BudgetUnit, string>> = { Seconds: 'SECOND', Minutes: 'MINUTE', Hours: 'HOUR', Days: 'DAY' };

/** Name of the RateLimitConfig holding the teams' budgets in ext-auth mode. */
export function budgetRateLimitConfigName(policyName: string): string {
  return `${policyName}-budgets`;
}

/**
 * The RateLimitConfig of ext-auth mode: per kind of budget one rate limit reading the identity header ext-auth
 * injects (client copies are stripped before auth), `type: TOKEN` where it counts tokens, and per team and budget
 * one descriptor. Every budget is shared: Enterprise's rate limiter serves every replica.
 */
export function renderBudgetRateLimitConfig(identity: IdentityHeader, teams: readonly TeamPolicyInput[], name: string, namespace: string): Manifest {
  const kinds = sharedLimitKinds(teams, true);
  const descriptors = teamSharedLimits(identity, teams).map(l => ({
    key: l.key, value: l.value, rateLimit: { unit: ENTERPRISE_UNITS[l.unit], requestsPerUnit: l.amount },
  }));
  return {
    ...KINDS.rateLimitConfig,
    metadata: { name, namespace },
    spec: {
      raw: {
        descriptors,
        rateLimits: kinds.map(kind => ({
          actions: [{ requestHeaders: { descriptorKey: sharedLimitKey(identity, kind), headerName: identity.header.toLowerCase() } }],
          ...(kind.measure === 'tokens' ? { type: 'TOKEN' } : {}),
        })),
      },
    },
  };
}
