import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { accessMatrix, accessMatrixJson, parseConfig, planConfig } from '../src/config';
import {
  ApiKeyAuthMode, IssueCollector, Manifest, checkRateLimitServer, checkRateLimitServerSpec, checkTeamPolicies, checkTeamPolicy, describeIssue,
  redactManifest, resolveGatewayAuthPolicy, resolveRateLimitServer, resolveRateLimitServerSpec,
} from '../src/core';
import { kubernetesCelEnvironment, rateLimitServerConfigProblems } from '../src/validate';
import { configProblems, configTeamLines, expectValid } from './helpers';

const env = kubernetesCelEnvironment();

interface Scenario {
  readonly mode?: 'builtIn' | 'extAuth';
  /** Extra lines per team, by team name. */
  readonly teams?: Readonly<Record<string, readonly string[]>>;
  readonly auth?: readonly string[];
  /** Top-level lines (e.g. a rateLimitServer section). */
  readonly top?: readonly string[];
}

const DEFAULT_TEAMS = {
  research: ['budgets: [{ tokens: 1000000, unit: Days }, { requests: 60, unit: Minutes }]', 'access: { models: ["gpt-4o*", "claude-*"] }'],
  support: ['budgets: [{ requests: 100, unit: Hours }]', 'access: { routes: [openai] }'],
  platform: [],
};

/** Three teams, two providers; built-in auth deploys a rate-limit server unless `top` says otherwise. */
function configText(s: Scenario = {}): string {
  const mode = s.mode ?? 'builtIn';
  return [
    'settings: { now: "2026-11-01T00:00:00Z", allowPlaintextKeys: true }',
    'routes:',
    '  - { provider: openai, options: { model: gpt-4o-mini } }',
    '  - { provider: anthropic, options: { model: claude-3-5-haiku-latest } }',
    ...(s.top ?? (mode === 'builtIn' ? ['rateLimitServer: {}'] : [])),
    'auth:',
    `  mode: ${mode}`,
    '  headersFromMetadata: [{ header: x-org }]',
    ...(s.auth ?? []).map(l => `  ${l}`),
    'teams:',
    ...configTeamLines(s.teams ?? DEFAULT_TEAMS),
  ].join('\n');
}

function plan(s: Scenario = {}, warnings: string[] = []): Manifest[] {
  return planConfig(parseConfig(configText(s), 'gateway.yaml'), { env: {}, warn: w => warnings.push(w) }).plan.manifests.map(m => m.manifest);
}

const problems = (s: Scenario) => configProblems(() => plan(s));

const find = (docs: Manifest[], kind: string, name: string) => docs.find(d => d.kind === kind && d.metadata.name === name)! as Manifest & { spec: any; data: any };
const apiKey = (org: string | undefined) => ({ apiKey: org === undefined ? {} : { 'x-org': org, key: '<redacted>' } });
const headers = (org: string | undefined) => ({ request: { headers: org === undefined ? {} : { 'x-org': org } } });

interface ServerDescriptor { key: string; value: string; rate_limit: { unit: string; requests_per_unit: number } }

/**
 * What the rate-limit server enforces for a team: each descriptor the gateway sends (entries evaluated with CEL; a
 * failing entry drops the descriptor, as agentgateway does) matched against the server's config.
 */
function sharedLimitsOf(global: { descriptors: { entries: { name: string; expression: string }[]; unit: string }[] },
  config: { descriptors: ServerDescriptor[] }, context: object): string[] {
  const limits: string[] = [];
  for (const descriptor of global.descriptors) {
    let entries: [string, string][];
    try {
      entries = descriptor.entries.map(e => [e.name, String(env.evaluate(e.expression, context))]);
    } catch {
      continue;
    }
    const [[key, value]] = entries;
    const match = config.descriptors.find(d => d.key === key && d.value === value);
    if (match) limits.push(`${match.rate_limit.requests_per_unit} ${descriptor.unit}/${match.rate_limit.unit}`);
  }
  return limits;
}

describe('shared budgets with built-in auth (a rate-limit server)', () => {
  test('the 3-team, 2-provider scenario: exact output, valid against the CRDs and the server config shape', () => {
    const docs = plan();
    expectValid(docs);
    const config = find(docs, 'ConfigMap', 'ratelimit-config').data['config.yaml'];
    expect(rateLimitServerConfigProblems(config)).toEqual([]);
    const redacted = docs.map(redactManifest);
    expect(JSON.stringify(redacted)).not.toMatch(/fixture_|eyJrZXki/);
    expect(redacted).toMatchSnapshot();
  });

  test('one global rate limit in the auth policy; each team gets exactly its own budgets from the server', () => {
    const docs = plan();
    const auth = find(docs, 'AgentgatewayPolicy', 'api-key-auth');
    // One policy per target: auth, headers and limits together.
    expect(Object.keys(auth.spec.traffic)).toEqual(['apiKeyAuthentication', 'transformation', 'rateLimit']);
    const global = auth.spec.traffic.rateLimit.global;
    expect(global).toMatchObject({ domain: 'agentgateway', failureMode: 'FailClosed', backendRef: { name: 'ratelimit', port: 8081, kind: 'Service' } });
    // Descriptors read the key's metadata, never a client header.
    expect(global.descriptors.every((d: { entries: { expression: string }[] }) => d.entries.every(e => e.expression === 'apiKey["x-org"]'))).toBe(true);
    const config = parse(find(docs, 'ConfigMap', 'ratelimit-config').data['config.yaml']);
    expect(sharedLimitsOf(global, config, apiKey('research'))).toEqual(['60 Requests/minute', '1000000 Tokens/day']);
    expect(sharedLimitsOf(global, config, apiKey('support'))).toEqual(['100 Requests/hour']);
    expect(sharedLimitsOf(global, config, apiKey('platform'))).toEqual([]);
    // A key without the entry sends no descriptor at all: the synth check below exists for that.
    expect(sharedLimitsOf(global, config, apiKey(undefined))).toEqual([]);
    // The server reads the ConfigMap the policy writes.
    const server = find(docs, 'Deployment', 'ratelimit');
    expect(server.spec.template.spec.volumes).toEqual([{ name: 'config', configMap: { name: 'ratelimit-config' } }]);
  });

  test('the rate-limit server: pinned images, non-root, Redis behind its own Service', () => {
    const docs = plan();
    const server = find(docs, 'Deployment', 'ratelimit').spec.template.spec;
    const redis = find(docs, 'Deployment', 'ratelimit-redis').spec.template.spec;
    expect(server.containers[0].image).toBe('docker.io/envoyproxy/ratelimit:3e085e5b');
    expect(redis.containers[0].image).toBe('docker.io/library/redis:7.4.3');
    for (const pod of [server, redis]) {
      expect(pod.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      expect(pod.containers[0].resources.limits).toBeDefined();
    }
    expect(server.containers[0].env).toContainEqual({ name: 'REDIS_URL', value: 'ratelimit-redis.agentgateway-system.svc:6379' });
    expect(find(docs, 'Service', 'ratelimit').spec.ports[0]).toMatchObject({ name: 'grpc', port: 8081 });
    expect(find(docs, 'Service', 'ratelimit-redis').spec.ports[0]).toMatchObject({ port: 6379 });
  });

  test('per-replica and shared budgets together: local limits by first match, shared ones in the trailing entry', () => {
    const docs = plan({ teams: {
      research: ['budgets: [{ tokens: 1000000, unit: Days }, { requests: 10, unit: Seconds, burst: 5, scope: replica }]'],
      support: ['budgets: [{ requests: 100, unit: Hours }]'],
    } });
    expectValid(docs);
    const entries: { condition?: string; policy: { local?: unknown[]; global?: any } }[] = find(docs, 'AgentgatewayPolicy', 'api-key-auth').spec.traffic.rateLimit.conditional;
    // The gateway keeps a first-match list per kind (GATEWAY-SEMANTICS 4.1).
    const firstLocal = (org: string) => entries.find(e => e.policy.local && (e.condition === undefined || env.evaluate(e.condition, apiKey(org)) === true))?.policy.local;
    const firstGlobal = (org: string) => entries.find(e => e.policy.global && (e.condition === undefined || env.evaluate(e.condition, apiKey(org)) === true))?.policy.global;
    expect(firstLocal('research')).toEqual([{ requests: 10, unit: 'Seconds', burst: 5 }]);
    expect(firstLocal('support')).toBeUndefined();
    const config = parse(find(docs, 'ConfigMap', 'ratelimit-config').data['config.yaml']);
    expect(sharedLimitsOf(firstGlobal('research'), config, apiKey('research'))).toEqual(['1000000 Tokens/day']);
    expect(sharedLimitsOf(firstGlobal('support'), config, apiKey('support'))).toEqual(['100 Requests/hour']);
    expect(entries[entries.length - 1].condition).toBeUndefined();
  });

  test('a budget narrowed to a route: its policy keeps the shared descriptors, which count at the same server buckets', () => {
    const docs = plan({ teams: {
      research: ['budgets: [{ tokens: 1000000, unit: Days }, { requests: 5, unit: Minutes, routes: [anthropic], scope: replica }]'],
      support: ['budgets: [{ requests: 100, unit: Hours }]'],
    } });
    expectValid(docs);
    const gatewayLimits = find(docs, 'AgentgatewayPolicy', 'api-key-auth').spec.traffic.rateLimit;
    const routeLimits = find(docs, 'AgentgatewayPolicy', 'api-key-auth-access-anthropic').spec.traffic.rateLimit;
    // The route's rateLimit replaces the Gateway's there: without the global entry, shared budgets would lapse on it.
    const global = (limits: { global?: unknown; conditional?: { condition?: string; policy: { global?: unknown } }[] }) =>
      limits.global ?? limits.conditional?.find(e => e.condition === undefined && e.policy.global)?.policy.global;
    expect(global(routeLimits)).toEqual(global(gatewayLimits));
    const config = parse(find(docs, 'ConfigMap', 'ratelimit-config').data['config.yaml']);
    expect(sharedLimitsOf(global(routeLimits) as any, config, apiKey('support'))).toEqual(['100 Requests/hour']);
    const local = routeLimits.conditional.find((e: { condition?: string }) => e.condition && env.evaluate(e.condition, apiKey('research')) === true);
    expect(local.policy.local).toEqual([{ requests: 5, unit: 'Minutes' }]);
    expect(find(docs, 'AgentgatewayPolicy', 'api-key-auth-access-openai')).toBeUndefined();
  });

  test('a shared budget narrowed to a route is refused (narrowed budgets count per replica, in the route\'s policy)', () => {
    expect(problems({ teams: { research: ['budgets: [{ tokens: 1000, unit: Days, routes: [anthropic] }]'] } }))
      .toEqual([expect.stringMatching(/^teams\[0\]\.budgets\[0\]\.scope: expected "replica" for a budget narrowed to routes or models/)]);
  });

  test('an existing server by reference: no Deployment, the config in the ConfigMap it mounts', () => {
    const docs = plan({ top: [], auth: ['rateLimitServer: { backendRef: { name: rl, namespace: infra }, domain: llm, failureMode: FailClosed, configMap: { name: rl-config } }'] });
    expectValid(docs);
    expect(docs.some(d => d.kind === 'Deployment')).toBe(false);
    expect(find(docs, 'AgentgatewayPolicy', 'api-key-auth').spec.traffic.rateLimit.global)
      .toMatchObject({ domain: 'llm', backendRef: { name: 'rl', namespace: 'infra', port: 8081 } });
    const configMap = find(docs, 'ConfigMap', 'rl-config');
    expect(configMap.metadata.namespace).toBe('infra');
    expect(parse(configMap.data['config.yaml']).domain).toBe('llm');
  });

  test('failOpen warns that budgets lapse while the server is down; many replicas do not warn for shared budgets', () => {
    const warnings: string[] = [];
    plan({ top: [], auth: ['replicas: 3', 'rateLimitServer: { backendRef: { name: rl }, failureMode: FailOpen }'] }, warnings);
    expect(warnings.filter(w => !w.includes('strength'))).toEqual([
      expect.stringMatching(/^gateway\.yaml:\d+:\d+: auth\.rateLimitServer\.failureMode: FailOpen lets every request through unlimited while the rate-limit server cannot be reached/),
    ]);
  });

  test('matrix: shared and per-replica budgets, daily ones included', () => {
    const planned = planConfig(parseConfig(configText({ teams: {
      research: ['budgets: [{ tokens: 1000000, unit: Days }, { requests: 10, unit: Seconds, burst: 5, scope: replica }]'],
    } }), 'gateway.yaml'), { env: {}, warn: () => undefined });
    expect(accessMatrix(planned)).toContain('| 1000000 tokens/Days (shared); 10 requests/Seconds (+5 burst) (per replica) |');
    expect(accessMatrixJson(planned)[0].budgets).toEqual([
      { tokens: 1000000, unit: 'Days', scope: 'shared' }, { requests: 10, unit: 'Seconds', burst: 5, scope: 'replica' },
    ]);
  });
});

describe('budgets with ext-auth (Enterprise)', () => {
  const extAuthTeams = {
    research: ['budgets: [{ tokens: 1000000, unit: Days }, { requests: 60, unit: Minutes }]', 'access: { models: ["gpt-4o*", "claude-*"] }'],
    support: ['budgets: [{ requests: 100, unit: Hours }]', 'access: { routes: [openai] }'],
    platform: [],
  };

  test('the 3-team, 2-provider scenario: exact output, valid against the CRDs', () => {
    const docs = plan({ mode: 'extAuth', teams: extAuthTeams });
    expectValid(docs);
    const redacted = docs.map(redactManifest);
    expect(JSON.stringify(redacted)).not.toMatch(/fixture_|eyJrZXki/);
    expect(redacted).toMatchSnapshot();
  });

  test('entRateLimit in the auth policy, keyed on the header ext-auth injects (client copies stripped first)', () => {
    const docs = plan({ mode: 'extAuth', teams: extAuthTeams });
    const auth = find(docs, 'EnterpriseAgentgatewayPolicy', 'api-key-auth');
    expect(auth.spec.traffic.rateLimit).toBeUndefined();
    expect(auth.spec.traffic.entRateLimit).toEqual({ global: { rateLimitConfigRefs: [{ name: 'api-key-auth-budgets', namespace: 'agentgateway-system' }] } });
    expect(find(docs, 'EnterpriseAgentgatewayPolicy', 'api-key-auth-strip-identity').spec.traffic)
      .toEqual({ phase: 'PreRouting', transformation: { request: { remove: ['x-org'] } } });
    const raw = find(docs, 'RateLimitConfig', 'api-key-auth-budgets').spec.raw;
    // Each rate limit turns the injected header into a descriptor; tokens are counted where the budget says so.
    expect(raw.rateLimits).toEqual([
      { actions: [{ requestHeaders: { descriptorKey: 'x-org-requests-per-minute', headerName: 'x-org' } }] },
      { actions: [{ requestHeaders: { descriptorKey: 'x-org-requests-per-hour', headerName: 'x-org' } }] },
      { actions: [{ requestHeaders: { descriptorKey: 'x-org-tokens-per-day', headerName: 'x-org' } }], type: 'TOKEN' },
    ]);
    const limitsOf = (org: string) => raw.rateLimits.flatMap((r: any) => {
      const d = raw.descriptors.find((x: any) => x.key === r.actions[0].requestHeaders.descriptorKey && x.value === org);
      return d ? [`${d.rateLimit.requestsPerUnit} ${r.type ?? 'REQUEST'}/${d.rateLimit.unit}`] : [];
    });
    expect(limitsOf('research')).toEqual(['60 REQUEST/MINUTE', '1000000 TOKEN/DAY']);
    expect(limitsOf('support')).toEqual(['100 REQUEST/HOUR']);
    expect(limitsOf('platform')).toEqual([]);
  });

  test('access: Require policies on the injected header admit exactly the allowed teams', () => {
    const docs = plan({ mode: 'extAuth', teams: extAuthTeams });
    const allowed = (route: string, org: string | undefined) => {
      const policy = find(docs, 'EnterpriseAgentgatewayPolicy', `api-key-auth-access-${route}`);
      expect(policy.spec.traffic.authorization.action).toBe('Require');
      return policy.spec.traffic.authorization.policy.matchExpressions.every((e: string) => {
        try {
          return env.evaluate(e, headers(org)) === true;
        } catch {
          return false;
        }
      });
    };
    expect([allowed('openai', 'research'), allowed('anthropic', 'research')]).toEqual([true, true]);
    expect([allowed('openai', 'support'), allowed('anthropic', 'support')]).toEqual([true, false]);
    expect([allowed('openai', 'platform'), allowed('anthropic', 'platform')]).toEqual([true, true]);
    expect([allowed('openai', 'intruder'), allowed('anthropic', undefined)]).toEqual([false, false]);
  });

  test('no budgets: no RateLimitConfig and no entRateLimit', () => {
    const docs = plan({ mode: 'extAuth', teams: { research: [], support: [] } });
    expect(docs.some(d => d.kind === 'RateLimitConfig')).toBe(false);
    expect(find(docs, 'EnterpriseAgentgatewayPolicy', 'api-key-auth').spec.traffic.entRateLimit).toBeUndefined();
  });
});

describe('bad shared budgets are caught at synth', () => {
  test('malformed budget lists from plain JavaScript are reported, in both modes, never a crash', () => {
    for (const budgets of [[null], 'x', [{ requests: 5, unit: 'Minutes' }, 7]] as never[]) {
      for (const mode of [ApiKeyAuthMode.builtIn(), ApiKeyAuthMode.extAuth()]) {
        const issues = new IssueCollector('policy');
        const team = { path: 'team', team: 'team', metadata: { 'x-org': 'team' }, budgets };
        checkTeamPolicy(issues, team);
        checkTeamPolicies(issues, resolveGatewayAuthPolicy({ mode, headersFromMetadata: [{ header: 'x-org' }] }, []), [team], [], 1, () => undefined);
        expect(issues.issues.map(i => i.field)).toEqual([typeof budgets === 'string' ? 'budgets' : `budgets[${(budgets as unknown[]).length - 1}]`]);
      }
    }
  });

  test('a team with budgets but without the identity metadata, in each mode', () => {
    for (const mode of ['builtIn', 'extAuth'] as const) {
      expect(problems({ mode, teams: { research: ['metadata: { team-name: research }', 'budgets: [{ requests: 5, unit: Days }]'] } }))
        .toEqual(expect.arrayContaining([expect.stringContaining('teams[0].metadata.x-org: expected the metadata entry "x-org" (identity header x-org) on a team with budgets or access')]));
    }
  });

  test('a shared budget without a server, a burst on a shared budget, two shared budgets of one kind', () => {
    expect(problems({ top: [], teams: { research: ['budgets: [{ requests: 5, unit: Minutes, scope: shared }]'] } })).toEqual([
      'teams[0].budgets[0].scope: expected "replica", or a rateLimitServer on the auth policy: a shared budget needs a rate-limit server, got "shared"',
    ]);
    expect(problems({ teams: { research: ['budgets: [{ requests: 5, unit: Minutes, burst: 2 }, { requests: 9, unit: Minutes }]'] } })).toEqual([
      expect.stringContaining('teams[0].budgets[0].burst: expected no burst on a shared budget'),
      expect.stringContaining('teams[0].budgets[1]: expected one shared budget per measure and unit (budgets[0] counts the same'),
    ]);
  });

  test('a server reference the chosen agentgateway version cannot express', () => {
    expect(problems({ top: [], auth: ['rateLimitServer: { url: "http://rl.infra:8081" }'] })).toEqual([
      'auth.rateLimitServer.url: expected a backendRef with agentgateway v1.4.1: its policy CRD has no rateLimit.global.url (agentgateway v1.5.0 adds it), got "http://rl.infra:8081"',
    ]);
    expect(problems({ top: [], auth: ['rateLimitServer: { url: "http://rl.infra:8081/path" }', 'builtIn: { agentgatewayVersion: v1.5.0 }'] }))
      .toEqual([expect.stringContaining('auth.rateLimitServer.url: expected http(s)://host[:port] without a path, query or user info')]);
    // A password pasted into a URL never reaches a message, in either place a service URL is given.
    const pasted = [
      ...problems({ top: [], auth: ['rateLimitServer: { url: "http://admin:hunter2-secret@rl.infra:8081" }'] }),
      ...problems({ top: ['rateLimitServer: {}', 'usage:', '  otlpLogs: { url: "https://svc:hunter2-secret@collector:4318" }'] }),
      // `/`, `?` and `#` end user info only in a valid URL; base64 passwords hold `/`.
      ...problems({ top: [], auth: ['rateLimitServer: { url: "http://admin:hunter2/x?y#z@rl.infra:8081" }'] }),
    ].join('\n');
    expect(pasted).toContain('got "http://<redacted>@rl.infra:8081"');
    expect(pasted).toContain('got "https://<redacted>@collector:4318"');
    expect(pasted).not.toContain('hunter2');
    expect(problems({ top: [], auth: ['rateLimitServer: { domain: llm }'] })).toEqual([
      'auth.rateLimitServer: expected exactly one of `backendRef` and `url`, got "neither"',
    ]);
  });

  test('ext-auth: forgeable identity or a rate-limit server is refused', () => {
    expect(problems({ mode: 'extAuth', auth: ['trustClientIdentityHeaders: true'] })).toEqual([
      expect.stringContaining('auth.trustClientIdentityHeaders: expected false for teams with budgets or access in ext-auth mode'),
    ]);
    expect(problems({ mode: 'extAuth', auth: ['rateLimitServer: { backendRef: { name: rl } }'] })).toEqual([
      expect.stringContaining('auth.rateLimitServer: expected no rateLimitServer with ext-auth: Enterprise\'s own rate limiter keeps the budgets'),
    ]);
  });

  test('a deployed server: pinned images only, and some policy must use it', () => {
    expect(problems({ top: ['rateLimitServer: { image: "envoyproxy/ratelimit:latest" }'] })).toEqual([
      expect.stringContaining('rateLimitServer.image: expected an image pinned by tag or digest'),
    ]);
    // Reported once, at the server, not again at the reference the policy derives from it.
    expect(problems({ top: ['rateLimitServer: { name: Bad_Name }'] })).toEqual([
      expect.stringMatching(/^rateLimitServer\.name: expected a DNS-1123 label/),
    ]);
    expect(problems({ mode: 'extAuth', top: ['rateLimitServer: {}'] })).toEqual([
      expect.stringContaining('rateLimitServer: expected an auth policy in built-in mode that uses this server'),
    ]);
    expect(problems({ top: ['rateLimitServer: {}'], auth: ['rateLimitServer: { backendRef: { name: rl } }'] })).toEqual([
      expect.stringContaining('auth.rateLimitServer: expected either a top-level rateLimitServer (deployed here) or auth.rateLimitServer'),
    ]);
  });

  test('a deployed server and a reference to one check port, domain and failure mode with the same words', () => {
    const bad = { domain: '', failureMode: 'Sometimes' as 'FailOpen' };
    const atReference = new IssueCollector('auth');
    checkRateLimitServer(atReference, resolveRateLimitServer({ backendRef: { name: 'rl', port: 0 }, ...bad }, 'auth', 'ns'), undefined, () => undefined);
    const atServer = new IssueCollector('ratelimit');
    checkRateLimitServerSpec(atServer, resolveRateLimitServerSpec(bad));
    expect(atReference.issues.map(describeIssue)).toEqual([
      'rateLimitServer.backendRef.port: expected an integer port from 1 to 65535, got 0',
      'rateLimitServer.domain: expected a rate-limit domain of 1 to 256 characters, got ""',
      'rateLimitServer.failureMode: expected "FailClosed" or "FailOpen", got "Sometimes"',
    ]);
    expect(atServer.issues.map(describeIssue)).toEqual([
      'domain: expected a rate-limit domain of 1 to 256 characters, got ""',
      'failureMode: expected "FailClosed" or "FailOpen", got "Sometimes"',
    ]);
  });

  test('the server config schema refuses what envoyproxy/ratelimit would not load', () => {
    expect(rateLimitServerConfigProblems('domain: d\ndescriptors: [{ key: k, value: v, rate_limit: { unit: fortnight, requests_per_unit: 1 } }]'))
      .toEqual([expect.stringContaining('/descriptors/0/rate_limit/unit must be equal to one of the allowed values')]);
    expect(rateLimitServerConfigProblems('descriptors: []')).toEqual(["/ must have required property 'domain'"]);
    expect(rateLimitServerConfigProblems('domain: d\ndescriptors: [{ key: k, value: v }, { key: k, value: v }]'))
      .toEqual(['/descriptors/1 duplicate descriptor composite key "k_v"']);
  });
});

describe('README "Budgets and model access": shared budgets and ext-auth', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const example = (heading: string) => {
    const section = readme.slice(readme.indexOf(heading));
    return /```yaml\n([\s\S]*?)```/.exec(section)![1];
  };
  const planned = (yaml: string) => planConfig(parseConfig(yaml, 'gateway.yaml'), { env: {}, warn: () => undefined }).plan.manifests.map(m => m.manifest);

  test('the built-in shared example plans, with the server, its config and the global limit it describes', () => {
    const docs = planned(example('### Shared budgets: a rate-limit server'));
    expectValid(docs);
    const config = find(docs, 'ConfigMap', 'ratelimit-config').data['config.yaml'];
    expect(rateLimitServerConfigProblems(config)).toEqual([]);
    expect(parse(config).descriptors).toContainEqual({ key: 'x-org-tokens-per-day', value: 'research', rate_limit: { unit: 'day', requests_per_unit: 1000000 } });
    expect(find(docs, 'AgentgatewayPolicy', 'api-key-auth').spec.traffic.rateLimit.conditional.at(-1).policy.global.descriptors[0])
      .toEqual({ entries: [{ name: 'x-org-requests-per-hour', expression: 'apiKey["x-org"]' }], unit: 'Requests' });
    expect(docs.filter(d => d.kind === 'Deployment').map(d => d.metadata.name)).toEqual(['ratelimit', 'ratelimit-redis']);
  });

  test('the ext-auth example plans, with entRateLimit, the RateLimitConfig and access policies it describes', () => {
    const docs = planned(example('### Budgets and access with ext-auth'));
    expectValid(docs);
    expect(find(docs, 'EnterpriseAgentgatewayPolicy', 'api-key-auth').spec.traffic.entRateLimit.global.rateLimitConfigRefs[0].name).toBe('api-key-auth-budgets');
    expect(find(docs, 'RateLimitConfig', 'api-key-auth-budgets').spec.raw.rateLimits.at(-1)).toEqual({
      actions: [{ requestHeaders: { descriptorKey: 'x-org-tokens-per-day', headerName: 'x-org' } }], type: 'TOKEN',
    });
    expect(find(docs, 'EnterpriseAgentgatewayPolicy', 'api-key-auth-access-anthropic').spec.traffic.authorization.policy.matchExpressions)
      .toEqual(['request.headers["x-org"] in ["research"]']);
  });
});
