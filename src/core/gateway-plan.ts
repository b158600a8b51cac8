import { IssueCollector, SpecIssue } from './errors';
import {
  ApiKeyAuthMode, GatewayAuthPolicyOptions, GatewayAuthPolicySpec, PolicyTarget, checkGatewayAuthPolicy,
  checkGatewayAuthPolicyDuplicates, checkGatewayAuthPolicySize, gatewayAuthPolicyObjectIds, policyKeyStorage, policyKinds,
  renderGatewayAuthPolicy, resolveGatewayAuthPolicy,
} from './gateway-auth-policy';
import { EXT_AUTH_STORAGE, KeyStorage } from './key-storage';
import {
  LlmRouteOptions, LlmRouteSpec, checkLlmRoute, checkPlaintextCredential, llmRouteClaims, llmRouteObjectIds, renderLlmRoute,
  resolveLlmRoute,
} from './llm-route';
import { Manifest } from './manifest';
import { AppRegistry } from './registry';
import { SynthSettings } from './settings';
import {
  TeamApiKeyOptions, TeamApiKeySpec, checkTeamApiKey, checkTeamApiKeySize, renderTeamApiKey, resolveTeamApiKey,
  teamApiKeyObjectIds,
} from './team-api-key';
import {
  TeamPolicyInput, TeamPolicyRoute, accessPolicyName, checkTeamPolicies, checkTeamPolicyUnenforced, renderPolicyWithTeamPolicies, routePolicyRoutes,
  teamIdentityHeader,
} from './team-policy';
import { UsageOptions, UsageSpec, UsageTeam, checkUsage, renderUsage, resolveUsage, usageObjectIds, usageTeam } from './usage';
import { teamLimitObjectIds } from './shared-limits';
import {
  RateLimitServerOptions, RateLimitServerSpec, checkRateLimitServerSpec, checkRateLimitServerUsed, rateLimitServerRef, rateLimitServerObjectIds, renderRateLimitServer, resolveRateLimitServerSpec,
} from './rate-limit-server';

/** One declared item and the path its problems are reported at (a config path such as `teams[1]`). */
export interface PlanItem<T> {
  readonly path: string;
  readonly options: T;
}

/** A whole gateway declared at once: what a config file holds. */
export interface GatewayPlanInput {
  /** @default - the current time, warnings to stderr, strict from AGW_STRICT */
  readonly settings?: SynthSettings;
  /** @default [] */
  readonly routes?: readonly PlanItem<LlmRouteOptions>[];
  /** @default [] */
  readonly teams?: readonly PlanItem<TeamApiKeyOptions>[];
  /**
   * The auth policy, checking every team's keys; `targetRoutes` are indexes into `routes` (default: the Gateway).
   * @default - no auth policy
   */
  readonly policy?: PlanItem<Omit<GatewayAuthPolicyOptions, 'target'>> & { readonly targetRoutes?: readonly number[] };
  /**
   * Per-team usage telemetry (policy, dashboard, alerts) attributed by the auth policy's identity.
   * @default - none
   */
  readonly usage?: PlanItem<UsageOptions>;
  /**
   * A rate-limit server to deploy for shared budgets; the policy uses it unless it names another (`rateLimitServer`).
   * @default - none
   */
  readonly rateLimitServer?: PlanItem<RateLimitServerOptions>;
}

/** What a manifest was emitted for, so output can be grouped by team. */
export type PlanOwner =
  | { readonly kind: 'route'; readonly index: number }
  | { readonly kind: 'team'; readonly index: number }
  | { readonly kind: 'policy' }
  | { readonly kind: 'usage' }
  | { readonly kind: 'rateLimitServer' };

export interface PlannedManifest {
  readonly manifest: Manifest;
  readonly owner: PlanOwner;
}

/** Specs, manifests and problems of a {@link GatewayPlanInput}. */
export interface GatewayPlan {
  readonly routes: readonly LlmRouteSpec[];
  readonly teams: readonly TeamApiKeySpec[];
  readonly policy?: GatewayAuthPolicySpec;
  readonly usage?: UsageSpec;
  readonly rateLimitServer?: RateLimitServerSpec;
  /** Every problem, each at the path of the item it belongs to; never key material. */
  readonly issues: readonly SpecIssue[];
  /** The manifests, in declaration order; empty when there are issues. Rendered on first read, then kept. */
  readonly manifests: readonly PlannedManifest[];
  /**
   * Renders the manifests one at a time, in declaration order, keeping none (nothing when there are issues): for
   * writers of large plans, where holding every manifest at once costs memory and garbage collection. Rendering
   * reads the plan's specs: they were checked as planned and must not be changed afterwards.
   */
  forEachManifest(sink: (planned: PlannedManifest) => void): void;
  /** Warnings of a plan without issues (none in strict mode, where they are issues); never key material. */
  readonly warnings: readonly string[];
  readonly registry: AppRegistry;
}

const gatewaySlot = (spec: GatewayAuthPolicySpec) => `${spec.gateway.namespace}/${spec.gateway.name}`;
const identityHeaders = (spec: GatewayAuthPolicySpec) => spec.headersFromMetadata.map(h => h.header);

/**
 * Resolves, checks and renders a whole gateway without any framework: the same core functions and cross-team checks
 * the cdk8s constructs and Pulumi components run, in the same order, for adapters that see every item at once.
 */
export function planGateway(input: GatewayPlanInput): GatewayPlan {
  const registry = new AppRegistry(input.settings);
  const now = registry.settings.now;
  const policyItem = input.policy;

  const routes = (input.routes ?? []).map(item => {
    const spec = resolveLlmRoute(item.options);
    registry.registerObjects(item.path, llmRouteObjectIds(spec));
    const claims = llmRouteClaims(spec);
    if (typeof spec.pathPrefix === 'string') registry.registerRoute(item.path, claims.gateway, spec.pathPrefix, claims.credentialSecret);
    return spec;
  });

  const storage: KeyStorage = policyItem
    ? policyKeyStorage(policyItem.options.mode ?? ApiKeyAuthMode.extAuth(), policyItem.options.name ?? 'api-key-auth', policyItem.options.keySelection)
    : EXT_AUTH_STORAGE;
  const teams = (input.teams ?? []).map(item => {
    const spec = resolveTeamApiKey(item.options);
    const keyRefs = registry.registerTeam(item.path, spec, storage);
    registry.replaceObjects(item.path, teamApiKeyObjectIds(spec, now, storage));
    return { path: item.path, spec, keyRefs };
  });

  const serverItem = input.rateLimitServer;
  const server = serverItem ? resolveRateLimitServerSpec(serverItem.options) : undefined;
  if (serverItem && server) registry.registerObjects(serverItem.path, rateLimitServerObjectIds(server));

  let policy: GatewayAuthPolicySpec | undefined;
  if (policyItem) {
    const targets = policyItem.targetRoutes?.map(i => routes[i]).map(r => ({ routeName: r.name, namespace: r.namespace }));
    const options: GatewayAuthPolicyOptions = {
      ...policyItem.options, ...(targets?.length ? { target: PolicyTarget.routes(...targets) } : {}),
      ...(server && !policyItem.options.rateLimitServer && (policyItem.options.mode?.builtIn) ? { rateLimitServer: rateLimitServerRef(server) } : {}),
    };
    // Every key the registry knows belongs to one of `teams` here, so none can be a stray another adapter declared.
    policy = resolveGatewayAuthPolicy(options, teams);
    registry.registerObjects(policyItem.path, gatewayAuthPolicyObjectIds(policy));
    const selected = policy.selectedKeys;
    registry.registerPolicy(policyItem.path, options.allowSharedKeys ?? false, () => selected);
    if (policy.stripPolicy) registry.registerIdentityStrip(policyItem.path, gatewaySlot(policy), identityHeaders(policy));
  }
  const teamPolicies: TeamPolicyInput[] = (input.teams ?? []).map((item, i) => ({
    path: item.path, team: teams[i].spec.team, metadata: teams[i].spec.metadata, budgets: teams[i].spec.budgets, access: teams[i].spec.access,
  })).filter((_, i) => !teams[i].spec.revoked);
  const policyRoutes: TeamPolicyRoute[] = routes.map(r => ({ name: r.name, namespace: r.namespace, model: r.provider.model }));
  const accessIds = policy ? teamAccessObjectIds(policy, teamPolicies, policyRoutes) : [];
  if (policyItem) registry.registerObjects(`${policyItem.path}`, accessIds);

  const usageItem = input.usage;
  const usage = usageItem ? resolveUsage(usageItem.options, policy) : undefined;
  const usageTeams: UsageTeam[] = !usageItem ? [] : teams.flatMap(({ path, spec }) => usageTeam(path, spec, now, policyRoutes) ?? []);
  if (usageItem && usage) registry.registerObjects(usageItem.path, usageObjectIds(usage));

  // Checks run once everything is registered, as cdk8s validates a finished app.
  const issues: SpecIssue[] = [];
  const teamWarnings: string[] = [];
  const check = (path: string, run: (collector: IssueCollector) => void) => {
    const collector = new IssueCollector(path);
    run(collector);
    for (const issue of collector.issues) issues.push(issue); // not spread: one issue per team overflows the stack at 200 000 teams
  };
  (input.routes ?? []).forEach((item, i) => check(item.path, c => {
    const spec = routes[i];
    checkLlmRoute(c, spec);
    checkPlaintextCredential(c, spec, registry.settings);
    registry.checkObjects(c, item.path, llmRouteObjectIds(spec));
    const claims = llmRouteClaims(spec);
    if (typeof spec.pathPrefix === 'string') registry.checkRoute(c, item.path, claims.gateway, spec.pathPrefix, claims.credentialSecret);
  }));
  (input.teams ?? []).forEach((item, i) => check(item.path, c => {
    const spec = teams[i].spec;
    checkTeamApiKey(c, spec, now, storage);
    registry.checkTeam(c, item.path, spec, storage);
    registry.checkObjects(c, item.path, teamApiKeyObjectIds(spec, now, storage));
    checkTeamApiKeySize(c, spec);
    if (!policyItem) checkTeamPolicyUnenforced(c, spec, 'without an auth policy (`auth`)');
  }));
  if (serverItem && server) {
    check(serverItem.path, c => {
      checkRateLimitServerSpec(c, server);
      registry.checkObjects(c, serverItem.path, rateLimitServerObjectIds(server));
      checkRateLimitServerUsed(c, server, policy ? [policy] : []);
    });
  }
  if (policyItem && policy) {
    const spec = policy;
    check(policyItem.path, c => {
      checkGatewayAuthPolicy(c, spec);
      checkGatewayAuthPolicyDuplicates(c, spec);
      if (spec.keySelection.matchLabels === undefined) checkGatewayAuthPolicySize(c, renderGatewayAuthPolicy(spec));
      registry.checkObjects(c, policyItem.path, gatewayAuthPolicyObjectIds(spec));
      registry.checkSharedKeys(c, policyItem.path);
      if (spec.stripPolicy) registry.checkIdentityStrips(c, policyItem.path, gatewaySlot(spec), identityHeaders(spec));
      const teamCollectors = new Map<string, IssueCollector>();
      checkTeamPolicies(c, spec, teamPolicies, policyRoutes, policyItem.options.replicas ?? 1,
        w => registry.settings.strict ? c.add('replicas', 'a warning (strict mode)', w) : teamWarnings.push(w),
        path => teamCollectors.get(path) ?? teamCollectors.set(path, new IssueCollector(path)).get(path)!);
      teamCollectors.forEach(collector => { for (const issue of collector.issues) issues.push(issue); });
      registry.checkObjects(c, policyItem.path, accessIds);
    });
    // A reference derived from the deployed server repeats that server's problems: they are reported once, there.
    if (server && !policyItem.options.rateLimitServer) {
      const repeated = (i: SpecIssue) => i.path === policyItem.path && i.field.startsWith('rateLimitServer');
      for (let i = issues.length - 1; i >= 0; i--) if (repeated(issues[i])) issues.splice(i, 1);
    }
  }

  if (usageItem && usage) {
    check(usageItem.path, c => {
      checkUsage(c, usage, usageTeams, w => registry.settings.strict ? c.add('teamLabel', 'a warning (strict mode)', w) : teamWarnings.push(w));
      registry.checkObjects(c, usageItem.path, usageObjectIds(usage));
    });
  }

  const teamSpecs = teams.map(t => t.spec);
  // Rendered on demand: a large plan streams its manifests to the writer one at a time instead of holding them all.
  const forEachManifest = issues.length > 0 ? () => undefined
    : manifestRenderer({ routes, teams: teamSpecs, now, storage, policy, teamPolicies, policyRoutes, usage, usageTeams, server });
  return withManifests({
    routes,
    teams: teamSpecs,
    policy,
    usage,
    ...(server ? { rateLimitServer: server } : {}),
    issues,
    warnings: issues.length === 0 && !registry.settings.strict ? [...registry.warnings(), ...teamWarnings] : [],
    registry,
  }, forEachManifest);
}

/**
 * The plan with its manifests: rendered on first read of `manifests` and then kept, or streamed by `forEachManifest`.
 * Made here, not in {@link planGateway}, so nothing the plan returns holds on to its input (the items and options).
 */
function withManifests(plan: Omit<GatewayPlan, 'manifests' | 'forEachManifest'>,
  forEachManifest: GatewayPlan['forEachManifest']): GatewayPlan {
  let manifests: PlannedManifest[] | undefined;
  return {
    ...plan,
    get manifests() {
      if (!manifests) {
        const all: PlannedManifest[] = [];
        forEachManifest(planned => all.push(planned));
        manifests = all;
      }
      return manifests;
    },
    forEachManifest,
  };
}

/** Everything rendering needs, and nothing else: the renderer outlives the plan's inputs. */
interface RenderInput {
  readonly routes: readonly LlmRouteSpec[];
  readonly teams: readonly TeamApiKeySpec[];
  readonly now: Date;
  readonly storage: KeyStorage;
  readonly policy?: GatewayAuthPolicySpec;
  readonly teamPolicies: readonly TeamPolicyInput[];
  readonly policyRoutes: readonly TeamPolicyRoute[];
  readonly usage?: UsageSpec;
  readonly usageTeams: readonly UsageTeam[];
  readonly server?: RateLimitServerSpec;
}

/**
 * Renders a checked plan's manifests in declaration order. A function of its own, so the closure it returns keeps
 * only the specs, not the items (and config) the plan was made from.
 */
function manifestRenderer(r: RenderInput): (sink: (planned: PlannedManifest) => void) => void {
  return sink => {
    const emit = (owner: PlanOwner) => (manifest: Manifest) => sink({ manifest, owner });
    r.routes.forEach((spec, index) => renderLlmRoute(spec).forEach(emit({ kind: 'route', index })));
    r.teams.forEach((spec, index) => renderTeamApiKey(spec, r.now, r.storage).forEach(emit({ kind: 'team', index })));
    if (r.policy) renderPolicyWithTeamPolicies(r.policy, r.teamPolicies, r.policyRoutes).forEach(emit({ kind: 'policy' }));
    if (r.usage) renderUsage(r.usage, r.usageTeams, r.now).forEach(emit({ kind: 'usage' }));
    if (r.server) renderRateLimitServer(r.server).forEach(emit({ kind: 'rateLimitServer' }));
  };
}

/** The access policies' object ids, so a name clash with another object is reported. */
function teamAccessObjectIds(policy: GatewayAuthPolicySpec, teams: readonly TeamPolicyInput[], routes: readonly TeamPolicyRoute[]) {
  const identity = teamIdentityHeader(policy);
  if (!identity) return [];
  const limits = teamLimitObjectIds(policy, teams);
  const { kind } = policyKinds(policy);
  return [...routePolicyRoutes(teams, routes).map(route => ({ kind, namespace: route.namespace, name: accessPolicyName(policy, route), field: 'name' })), ...limits];
}
