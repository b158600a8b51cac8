import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, planConfig } from '../src/config';
import { hashKey } from '../src/core';
import { PlainManifest, SimulatedRequest, formatSimulation, parseExpectations, runExpectations, simulateRequest } from '../src/simulate';
import { expectValid, fixtureKey, fixtureKeyText, seedManifests } from './helpers';

const CHAT = '/openai/v1/chat/completions';
const CLAUDE = '/anthropic/v1/messages';
const NS = 'agentgateway-system';

interface Options {
  readonly hashed?: boolean;
  readonly labels?: boolean;
  readonly policyKind?: 'AgentgatewayPolicy' | 'EnterpriseAgentgatewayPolicy';
  /** Replaces a team's `key:` line, by team. */
  readonly keyLines?: Readonly<Record<string, readonly string[]>>;
  readonly now?: string;
}

/** The budgets issue's scenario: three teams, two providers pinned to one model each, built-in auth. */
function budgetsConfig(o: Options = {}): string {
  const key = (team: string) => o.keyLines?.[team]
    ?? [o.hashed ? `key: { hash: "${hashKey(fixtureKey(team))}" }` : `key: { literal: "${fixtureKeyText(team)}" }`];
  const teams: Record<string, string[]> = {
    research: ['budgets: [{ tokens: 100000, unit: Hours }, { requests: 60, unit: Minutes, burst: 10 }]', 'access: { models: ["gpt-4o*", "claude-*"] }'],
    support: ['budgets: [{ requests: 10, unit: Minutes }]', 'access: { routes: [openai] }'],
    platform: [],
  };
  return [
    `settings: { now: "${o.now ?? '2026-11-01T00:00:00Z'}", allowPlaintextKeys: true }`,
    'routes:',
    '  - { provider: openai, options: { model: gpt-4o-mini } }',
    '  - { provider: anthropic, options: { model: claude-3-5-haiku-latest } }',
    'auth:',
    '  mode: builtIn',
    `  builtIn: { policyKind: ${o.policyKind ?? 'AgentgatewayPolicy'}${o.hashed ? ', hashedKeys: true' : ''} }`,
    '  headersFromMetadata: [{ header: x-org }]',
    ...(o.labels ? ['  keySelection: { labels: { api-key-group: llm-users } }'] : []),
    'teams:',
    ...Object.entries(teams).flatMap(([team, lines]) => [
      `  - team: ${team}`,
      ...key(team).map(l => `    ${l}`),
      `    metadata: { x-org: ${team} }`,
      ...(o.labels ? ['    labels: { api-key-group: llm-users }'] : []),
      ...lines.map(l => `    ${l}`),
    ]),
  ].join('\n');
}

function plan(o: Options = {}): PlainManifest[] {
  return planConfig(parseConfig(budgetsConfig(o), 'gateway.yaml'), { env: {}, warn: () => undefined }).plan.manifests
    .map(m => m.manifest) as unknown as PlainManifest[];
}

const as = (team: string, path: string, extra: Partial<SimulatedRequest> = {}): SimulatedRequest => ({ path, key: fixtureKeyText(team), ...extra });
const summaries = (manifests: PlainManifest[], request: SimulatedRequest) => simulateRequest(manifests, request).rateLimits?.limits.map(l => l.summary);

describe('the budgets issue\'s built-in output', () => {
  const manifests = plan();

  test('each team\'s budget, from the first matching condition of the auth policy, per replica', () => {
    const research = simulateRequest(manifests, as('research', CHAT));
    expect(research.status).toBe(200);
    expect(research.rateLimits?.limits.map(l => [l.summary, l.condition, l.source, l.attachment, l.scope])).toEqual([
      ['100000 tokens/Hours, per replica', 'apiKey["x-org"] == "research"', `AgentgatewayPolicy ${NS}/api-key-auth traffic.rateLimit.conditional[0].policy.local[0]`, 'Gateway', 'per-replica'],
      ['60 requests/Minutes (+10 burst), per replica', 'apiKey["x-org"] == "research"', `AgentgatewayPolicy ${NS}/api-key-auth traffic.rateLimit.conditional[0].policy.local[1]`, 'Gateway', 'per-replica'],
    ]);
    // A Gateway-targeted local limit is one bucket for every route: the research team's OpenAI and Anthropic calls share it.
    expect(research.rateLimits?.limits[1].bucket).toBe(`one bucket in each gateway replica for every route of Gateway ${NS}/agentgateway matching this condition`);
    expect(research.notes.join('\n')).toMatch(/token limits are settled after the response/);
    expect(summaries(manifests, as('support', CHAT))).toEqual(['10 requests/Minutes, per replica']);
  });

  test('a team without budgets is unlimited, and the report says so instead of staying silent', () => {
    const platform = simulateRequest(manifests, as('platform', CLAUDE));
    expect([platform.status, platform.rateLimits?.limits]).toEqual([200, []]);
    expect(platform.rateLimits?.skipped).toEqual([{
      source: `AgentgatewayPolicy ${NS}/api-key-auth traffic.rateLimit.conditional (local entries)`,
      reason: 'no condition holds for this request and there is no fallback entry: no local limit from here (GATEWAY-SEMANTICS 4.1)',
    }]);
    expect(formatSimulation(platform)).toContain('SKIPPED limits (the gateway skips these without a word):');
  });

  test('the n-th request of a burst: within requests + burst it passes, one more is 429; tokens never decide it', () => {
    expect(simulateRequest(manifests, as('research', CHAT, { count: 70 })).status).toBe(200);
    const over = simulateRequest(manifests, as('research', CHAT, { count: 71 }));
    expect([over.status, over.outcome]).toEqual([429, 'rate-limited']);
    expect(over.reason).toBe(`request 71 of the burst exceeds 60 requests/Minutes (+10 burst), per replica (AgentgatewayPolicy ${NS}/api-key-auth traffic.rateLimit.conditional[0].policy.local[1])`);
    expect(over.rateLimits?.limits.map(l => l.exceeded)).toEqual([undefined, true]);
    expect(over.upstreamHeaders).toBeUndefined();
    expect(simulateRequest(manifests, as('support', CHAT, { count: 11 })).status).toBe(429);
    expect(simulateRequest(manifests, as('platform', CHAT, { count: 100000 })).status).toBe(200);
    expect(formatSimulation(over)).toContain('60 requests/Minutes (+10 burst), per replica -> 429');
  });

  test('the Enterprise policy kind gives the same answers', () => {
    const enterprise = plan({ policyKind: 'EnterpriseAgentgatewayPolicy' });
    expect(summaries(enterprise, as('support', CHAT))).toEqual(['10 requests/Minutes, per replica']);
    expect(simulateRequest(enterprise, as('support', CLAUDE)).status).toBe(403);
  });
});

describe('access: 403 for the routes and models a team may not use', () => {
  const matrix = (manifests: PlainManifest[], request: (team: string, path: string) => SimulatedRequest) =>
    Object.fromEntries(['research', 'support', 'platform'].map(team => [team, [CHAT, CLAUDE].map(p => simulateRequest(manifests, request(team, p)).status)]));
  const EXPECTED = { research: [200, 200], support: [200, 403], platform: [200, 200] };

  test('two providers: each team reaches exactly its routes; the denial names the access policy and is decided before any limit', () => {
    const manifests = plan();
    expect(matrix(manifests, (t, p) => as(t, p))).toEqual(EXPECTED);
    const denied = simulateRequest(manifests, as('support', CLAUDE, { count: 1000 }));
    expect(denied.reason).toBe(`authorization failed (AgentgatewayPolicy ${NS}/api-key-auth-access-anthropic, action Require)`);
    expect(denied.rateLimits).toBeUndefined();
    // A spoofed identity header does not open a route: access reads the key's metadata, never a client header.
    expect(simulateRequest(manifests, as('support', CLAUDE, { headers: { 'x-org': 'research' } })).status).toBe(403);
    expect(simulateRequest(manifests, { path: CLAUDE, headers: { 'x-org': 'research' } }).status).toBe(401);
  });

  test('label-selected keys and hashed keys give the same matrix and budgets', () => {
    for (const manifests of [plan({ labels: true }), plan({ hashed: true }), plan({ hashed: true, labels: true })]) {
      expect(matrix(manifests, (t, p) => as(t, p))).toEqual(EXPECTED);
      expect(matrix(manifests, (t, p) => ({ path: p, keyOf: `${t}-apikey` }))).toEqual(EXPECTED);
      expect(summaries(manifests, as('support', CHAT))).toEqual(['10 requests/Minutes, per replica']);
    }
    const hashed = plan({ hashed: true });
    expect(hashed.some(m => m.kind === 'ConfigMap')).toBe(true);
    expect(simulateRequest(hashed, as('research', CLAUDE)).auth.identity?.source).toMatch(/^ConfigMap agentgateway-system\/research-apikey entry /);
  });

  test('rotation boundaries: the next key gets the team\'s access and budget from notBefore, the old one loses both at notAfter', () => {
    const rotating = (now: string) => plan({ now, keyLines: { support: [
      'keys:',
      `  - { source: { literal: "${fixtureKeyText('support-old')}" }, notAfter: "2026-12-01T00:00:00Z" }`,
      `  - { name: next, source: { literal: "${fixtureKeyText('support-next')}" }, notBefore: "2026-11-20T00:00:00Z" }`,
    ] } });
    const before = rotating('2026-11-19T23:59:59Z');
    expect([CHAT, CLAUDE].map(p => simulateRequest(before, as('support-old', p)).status)).toEqual([200, 403]);
    expect(simulateRequest(before, as('support-next', CHAT)).status).toBe(401);
    const overlap = rotating('2026-11-20T00:00:00Z');
    for (const key of ['support-old', 'support-next']) {
      expect([CHAT, CLAUDE].map(p => simulateRequest(overlap, as(key, p)).status)).toEqual([200, 403]);
      expect(summaries(overlap, as(key, CHAT))).toEqual(['10 requests/Minutes, per replica']);
    }
    // Synthesized during the overlap, simulated at the old key's end: still deployed, so the gateway accepts it (with
    // its access and budget); the result warns that a new synth would remove it.
    const stale = simulateRequest(overlap, as('support-old', CHAT, { time: new Date('2026-12-01T00:00:00Z') }));
    expect([stale.status, stale.rateLimits?.limits.map(l => l.summary)]).toEqual([200, ['10 requests/Minutes, per replica']]);
    expect(stale.warnings).toEqual([expect.stringMatching(/past its not-after 2026-12-01T00:00:00.000Z .* a new synth would remove it$/)]);
    const after = rotating('2026-12-01T00:00:00Z');
    expect(simulateRequest(after, as('support-old', CHAT)).status).toBe(401);
    expect(simulateRequest(after, as('support-next', CHAT, { count: 11 })).status).toBe(429);
  });

  test('revocation: a revoked team\'s key is rejected before access or budgets are considered', () => {
    const manifests = plan({ keyLines: { support: [`key: { literal: "${fixtureKeyText('support')}" }`, 'revoked: { reason: left the company, date: "2026-10-01" }'] } });
    const result = simulateRequest(manifests, as('support', CHAT, { count: 1 }));
    expect([result.status, result.rateLimits]).toEqual([401, undefined]);
    expect(simulateRequest(manifests, { path: CHAT, keyOf: 'support-apikey' }).status).toBe(401);
    expect(simulateRequest(manifests, as('research', CHAT)).status).toBe(200);
  });
});

describe('authorization rules (CRD: all rules merged; Allow, Require, Deny)', () => {
  const authz = (name: string, target: string, action: string, matchExpressions: string[]): PlainManifest => ({
    apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy', metadata: { name, namespace: NS },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: target, name: target === 'Gateway' ? 'agentgateway' : 'openai' }],
      traffic: { authorization: { action, policy: { matchExpressions } } } },
  });

  test('a Gateway Deny and a route Require both count; a rule needs every expression; an erroring expression does not match', () => {
    const extra = [
      authz('deny-platform', 'Gateway', 'Deny', ['apiKey["x-org"] == "platform"']),
      authz('require-known', 'HTTPRoute', 'Require', ['apiKey["x-org"] != ""', 'apiKey.tier == "gold"']),
    ];
    expectValid(extra);
    const manifests = [...plan(), ...extra];
    // research: no tier, so the Require rule's second expression errors and the rule fails.
    expect(simulateRequest(manifests, as('research', CHAT)).reason).toBe(`authorization failed (AgentgatewayPolicy ${NS}/require-known, action Require)`);
    expect(simulateRequest(manifests, as('platform', CHAT)).reason).toBe(`authorization failed (AgentgatewayPolicy ${NS}/deny-platform, action Deny)`);
    const merged = simulateRequest(manifests, as('research', CHAT));
    expect(merged.notes.join('\n')).toMatch(/authorization rules of .* are merged, as the gateway does/);
  });
});

describe('hand-written rate limits, following the CRD shapes', () => {
  const policy = (name: string, target: 'Gateway' | 'HTTPRoute', traffic: Record<string, unknown>, kind = 'AgentgatewayPolicy'): PlainManifest => ({
    apiVersion: kind === 'AgentgatewayPolicy' ? 'agentgateway.dev/v1alpha1' : 'enterpriseagentgateway.solo.io/v1alpha1', kind,
    metadata: { name, namespace: NS },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: target, name: target === 'Gateway' ? 'agentgateway' : 'openai' }], traffic },
  });

  test('two policies set traffic.rateLimit on the request\'s targets: warned, and the route\'s wins', () => {
    const route = policy('openai-limit', 'HTTPRoute', { rateLimit: { local: [{ requests: 5, unit: 'Seconds', burst: 2 }] } });
    expectValid([route]);
    const result = simulateRequest([...plan(), route], as('research', CHAT, { count: 8 }));
    expect(result.rateLimits?.limits.map(l => [l.summary, l.attachment, l.bucket])).toEqual([
      ['5 requests/Seconds (+2 burst), per replica', 'HTTPRoute', `one bucket in each gateway replica for HTTPRoute ${NS}/openai`],
    ]);
    expect(result.status).toBe(429);
    expect(result.rateLimits?.warnings).toEqual([
      `traffic.rateLimit is set by AgentgatewayPolicy ${NS}/openai-limit (HTTPRoute-targeted) and AgentgatewayPolicy ${NS}/api-key-auth (Gateway-targeted): `
      + `the gateway keeps one (simulated: AgentgatewayPolicy ${NS}/openai-limit, the most specific); the limits of AgentgatewayPolicy ${NS}/api-key-auth `
      + 'do not apply to this request. Put every limit for a target in one policy (VIRTUAL-KEYS 1a, policy-merge hazard)',
    ]);
    expect(result.notes).toEqual(expect.arrayContaining(result.rateLimits!.warnings));
  });

  test('global descriptors: the limit from the rate-limit server\'s ConfigMap; a descriptor whose CEL fails is skipped, loudly', () => {
    const global = policy('budgets', 'HTTPRoute', { rateLimit: { global: {
      domain: 'llm-budgets', backendRef: { name: 'ratelimit', port: 8081 },
      descriptors: [
        { entries: [{ name: 'team', expression: 'apiKey["x-org"]' }], unit: 'Tokens' },
        { entries: [{ name: 'team', expression: 'apiKey["x-org"]' }, { name: 'tier', expression: 'apiKey.tier' }], unit: 'Requests' },
      ],
    } } });
    const server: PlainManifest = {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ratelimit-config', namespace: NS },
      data: { 'config.yaml': 'domain: llm-budgets\ndescriptors:\n  - key: team\n    value: research\n    rate_limit: { unit: day, requests_per_unit: 500000 }\n  - key: team\n    rate_limit: { unit: day, requests_per_unit: 1000 }\n' },
    };
    expectValid([global]);
    const manifests = [...plan({ keyLines: {} }), global, server];
    const research = simulateRequest(manifests, as('research', CHAT, { count: 2000 }));
    expect(research.rateLimits?.limits.map(l => [l.summary, l.bucket])).toEqual([[
      '500000 tokens/Days, shared by all replicas',
      `domain "llm-budgets", descriptor team=research (limit from ConfigMap ${NS}/ratelimit-config entry config.yaml)`,
    ]]);
    expect(research.status).toBe(200); // tokens never decide the status
    expect(research.rateLimits?.skipped).toEqual([{
      source: `AgentgatewayPolicy ${NS}/budgets traffic.rateLimit.global.descriptors[1]`,
      reason: expect.stringMatching(/^entry tier: "apiKey.tier" fails \(.*\): the gateway drops this descriptor silently, so this limit does not apply \(GATEWAY-SEMANTICS 4.2\)$/),
    }]);
    // Another team falls back to the key-only descriptor's limit.
    expect(summaries(manifests, as('platform', CHAT))).toEqual(['1000 tokens/Days, shared by all replicas']);
  });

  test('every descriptor failing: no rate-limit call at all, and the request passes', () => {
    const only = policy('tiers', 'HTTPRoute', { rateLimit: { global: {
      domain: 'tiers', backendRef: { name: 'ratelimit', port: 8081 }, descriptors: [{ entries: [{ name: 'tier', expression: 'apiKey.tier' }] }],
    } } });
    const result = simulateRequest([...plan(), only], as('research', CHAT, { count: 1000 }));
    expect([result.status, result.rateLimits?.limits]).toEqual([200, []]);
    expect(result.rateLimits?.skipped.map(s => s.source)).toEqual([
      `AgentgatewayPolicy ${NS}/tiers traffic.rateLimit.global.descriptors[0]`, `AgentgatewayPolicy ${NS}/tiers traffic.rateLimit.global`,
    ]);
    expect(result.rateLimits?.skipped[1].reason).toMatch(/skips the rate-limit call and the request passes, whatever failureMode says/);
  });

  test('conditional: local and global entries are two lists, each with its own first match; a fallback covers the rest', () => {
    const conditional = policy('split', 'HTTPRoute', { rateLimit: { conditional: [
      { condition: 'apiKey["x-org"] == "research"', policy: { local: [{ requests: 100, unit: 'Minutes' }] } },
      { condition: 'apiKey.tier == "gold"', policy: { local: [{ requests: 1000, unit: 'Minutes' }] } },
      { policy: { global: { domain: 'all', backendRef: { name: 'ratelimit', port: 8081 }, descriptors: [{ entries: [{ name: 'team', expression: 'apiKey["x-org"]' }] }] } } },
    ] } });
    expectValid([conditional]);
    const manifests = [...plan(), conditional];
    const research = simulateRequest(manifests, as('research', CHAT));
    expect(research.rateLimits?.limits.map(l => [l.summary, l.condition])).toEqual([
      ['100 requests/Minutes, per replica', 'apiKey["x-org"] == "research"'],
      ['requests limit set by the rate-limit server (not in these manifests), shared by all replicas', '(fallback)'],
    ]);
    const platform = simulateRequest(manifests, as('platform', CHAT));
    expect(platform.rateLimits?.limits.map(l => l.condition)).toEqual(['(fallback)']);
    expect(platform.rateLimits?.skipped[0].reason).toMatch(/no condition holds .*; conditional\[1\]\.condition "apiKey.tier == \\"gold\\"" fails \(.*\), which counts as false$/);
  });

  test('Enterprise entRateLimit with a RateLimitConfig (ext-auth, the workshop): the injected x-org picks the descriptor', () => {
    const seed = [...seedManifests().values()].flat() as PlainManifest[];
    const ent = policy('token-budgets', 'HTTPRoute', { entRateLimit: { global: { rateLimitConfigRefs: [{ name: 'token-budgets' }] } } }, 'EnterpriseAgentgatewayPolicy');
    const rlc: PlainManifest = {
      apiVersion: 'ratelimit.solo.io/v1alpha1', kind: 'RateLimitConfig', metadata: { name: 'token-budgets', namespace: NS },
      spec: { raw: {
        descriptors: [
          { key: 'x-org', value: 'developers', rateLimit: { unit: 'HOUR', requestsPerUnit: 100000 } },
          { key: 'generic_key', value: 'openai', rateLimit: { unit: 'MINUTE', requestsPerUnit: 100 } },
          { key: 'tier', rateLimit: { unit: 'MINUTE', requestsPerUnit: 5 } },
        ],
        rateLimits: [
          { actions: [{ requestHeaders: { descriptorKey: 'x-org', headerName: 'x-org' } }], type: 'TOKEN' },
          { actions: [{ genericKey: { descriptorValue: 'openai' } }] },
          { actions: [{ requestHeaders: { descriptorKey: 'tier', headerName: 'x-tier' } }] },
        ],
      } },
    };
    expectValid([ent]);
    const manifests = [...seed, ent, rlc];
    const result = simulateRequest(manifests, { path: CHAT, key: 'team1-key', headers: { 'x-org': 'finance' }, count: 100 });
    expect(result.status).toBe(200);
    expect(result.rateLimits?.limits.map(l => [l.mechanism, l.summary, l.bucket])).toEqual([
      ['enterprise', '100000 tokens/Hours, shared by all replicas', `RateLimitConfig ${NS}/token-budgets, descriptor x-org=developers`],
      ['enterprise', '100 requests/Minutes, shared by all replicas', `RateLimitConfig ${NS}/token-budgets, descriptor generic_key=openai`],
    ]);
    expect(result.rateLimits?.skipped).toEqual([{
      source: `EnterpriseAgentgatewayPolicy ${NS}/token-budgets traffic.entRateLimit.global.rateLimitConfigRefs[0] → RateLimitConfig ${NS}/token-budgets raw.rateLimits[2]`,
      reason: 'request header x-tier is absent: no descriptor, so this limit does not apply (Envoy\'s rule; Enterprise inferred, GATEWAY-SEMANTICS 6.3)',
    }]);
    const over = simulateRequest(manifests, { path: CHAT, key: 'team1-key', count: 101 });
    expect([over.status, over.rateLimits?.limitedBy]).toEqual([429, `EnterpriseAgentgatewayPolicy ${NS}/token-budgets traffic.entRateLimit.global.rateLimitConfigRefs[0] → RateLimitConfig ${NS}/token-budgets raw.rateLimits[1]`]);
    // A bucket keyed on the key's own header, or on a CEL reading it, never shows the key.
    const byKey = structuredClone(rlc) as any;
    byKey.spec.raw.descriptors.push({ key: 'caller', rateLimit: { unit: 'MINUTE', requestsPerUnit: 7 } }, { key: 'raw', rateLimit: { unit: 'MINUTE', requestsPerUnit: 8 } },
      { key: 'slice', rateLimit: { unit: 'MINUTE', requestsPerUnit: 9 } });
    // A slice of the key is key material too: a manifest from a pull request could print a real key piece by piece.
    byKey.spec.raw.rateLimits.push({ actions: [{ requestHeaders: { descriptorKey: 'caller', headerName: 'vanity-auth' } }] }, { actions: [{ cel: { key: 'raw', expression: 'request.headers["vanity-auth"]' } }] },
      { actions: [{ cel: { key: 'slice', expression: 'request.headers["vanity-auth"].substring(0, 6)' } }] });
    for (const request of [{ key: 'team1-key' }, { headers: { 'vanity-auth': 'team1-key' } }]) {
      const keyed = simulateRequest([...seed, ent, byKey], { path: CHAT, ...request });
      expect(keyed.rateLimits?.limits.slice(2).map(l => l.bucket)).toEqual([
        `RateLimitConfig ${NS}/token-budgets, descriptor caller=<redacted>`, `RateLimitConfig ${NS}/token-budgets, descriptor raw=<redacted>`,
        `RateLimitConfig ${NS}/token-budgets, descriptor slice=<redacted>`,
      ]);
      const text = JSON.stringify(keyed) + formatSimulation(keyed);
      expect(text).not.toContain('team1-key');
      expect(text).not.toContain('=team1-');
      expect(text).not.toContain(Buffer.from('team1-key').toString('base64'));
    }
    // Without its RateLimitConfig the policy's limits are unknown, and the report says so.
    const missing = simulateRequest([...seed, ent], { path: CHAT, key: 'team1-key' });
    expect(missing.rateLimits?.skipped[0].reason).toBe(`RateLimitConfig ${NS}/token-budgets is not among the manifests: its limits are not known here`);
  });
});

describe('--expect rows for budgets', () => {
  test('status 429, the applying limits, skipped ones and the refusing limit', () => {
    const rows = parseExpectations([
      'expectations:',
      '  - name: support within its budget',
      '    request: { path: /openai/v1/chat/completions, keyOf: support-apikey, count: 10 }',
      '    expect: { status: 200, rateLimit: { limits: ["10 requests/Minutes, per replica"], skipped: 0 } }',
      '  - name: the 11th request of a burst is refused',
      '    request: { path: /openai/v1/chat/completions, keyOf: support-apikey, count: 11 }',
      '    expect: { status: 429, rateLimit: { limitedBy: "conditional[1]" } }',
      '  - name: platform is unlimited',
      '    request: { path: /anthropic/v1/messages, keyOf: platform-apikey, count: 5000 }',
      '    expect: { status: 200, rateLimit: { limits: [], skipped: 1 } }',
      '  - name: a wrong expectation fails',
      '    request: { path: /anthropic/v1/messages, keyOf: support-apikey }',
      '    expect: { status: 200, rateLimit: { limits: [] } }',
    ].join('\n'), 'e.yaml');
    const results = runExpectations(plan(), rows, {});
    expect(results.map(r => [r.name, r.failures])).toEqual([
      ['support within its budget', []],
      ['the 11th request of a burst is refused', []],
      ['platform is unlimited', []],
      ['a wrong expectation fails', ['status: expected 200, got 403', 'rateLimit: expected rate limits to be evaluated, but the request stopped before them (403)']],
    ]);
  });

  test('bad rateLimit fields and counts name the row and field', () => {
    const row = (request: string, expect: string) => `expectations:\n  - name: x\n    request: { path: /a${request} }\n    expect: ${expect}\n`;
    expect(() => parseExpectations(row(', count: 0', '{}'), 'e.yaml')).toThrow(/expectations\[0\]\.request\.count: expected a whole number from 1/);
    expect(() => parseExpectations(row('', '{ rateLimit: { limit: [] } }'), 'e.yaml')).toThrow(/expectations\[0\]\.expect\.rateLimit\.limit: expected one of limits, skipped, limitedBy/);
    expect(() => parseExpectations(row('', '{ rateLimit: { limits: [1] } }'), 'e.yaml')).toThrow(/expect\.rateLimit\.limits: expected a list of limit summaries/);
  });
});

describe('README', () => {
  test('the simulate section\'s access and budget rows hold for the "Budgets and model access" example', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const block = (heading: string, lang: string, nth = 0) => {
      const section = readme.slice(readme.indexOf(heading));
      return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))][nth][1];
    };
    const config = block('## Budgets and model access', 'yaml');
    const manifests = planConfig(parseConfig(config, 'gateway.yaml'), { env: {}, warn: () => undefined }).plan.manifests
      .map(m => m.manifest) as unknown as PlainManifest[];
    const rows = parseExpectations(block('## Simulating a request offline', 'yaml'), 'README.md')
      .filter(r => /\((access|budget)\)$/.test(r.name));
    expect(rows).toHaveLength(2);
    expect(runExpectations(manifests, rows, {}).map(r => [r.name, r.failures])).toEqual(rows.map(r => [r.name, []]));
  });
});
