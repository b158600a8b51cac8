import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cdk8s from '../src';
import { ConfigError, accessMatrix, accessMatrixJson, parseConfig, planConfig } from '../src/config';
import { Manifest, redactManifest } from '../src/core';
import { ManifestValidator, kubernetesCelEnvironment } from '../src/validate';
import { CRDS_DIR, configProblems, configTeamLines, expectValid, fixtureKeyText, newChart, parseYamlDocuments, synth } from './helpers';

const env = kubernetesCelEnvironment();
let mainCrds: ManifestValidator | undefined;

/** Valid against the v1.4.1 release CRDs (the default validator pins them) and against the current ones (main). */
function expectValidBoth(docs: readonly unknown[]): void {
  expectValid(docs);
  mainCrds ??= ManifestValidator.fromDirectories([CRDS_DIR]);
  const report = mainCrds.validate(docs.map(object => ({ object })));
  expect(report.problems).toEqual([]);
  expect(report.celUnsupported).toEqual([]);
}

interface Scenario {
  readonly mode?: 'builtIn' | 'extAuth';
  readonly policyKind?: 'AgentgatewayPolicy' | 'EnterpriseAgentgatewayPolicy';
  /** Extra lines per team, by team name. */
  readonly teams?: Readonly<Record<string, readonly string[]>>;
  readonly auth?: readonly string[];
}

/** Three teams, two providers (one model each); each team's YAML lines can be replaced. */
function configText(s: Scenario = {}): string {
  const teams = s.teams ?? {
    research: ['budgets: [{ tokens: 100000, unit: Hours }, { requests: 60, unit: Minutes, burst: 10 }]', 'access: { models: ["gpt-4o*", "claude-*"] }'],
    support: ['budgets: [{ requests: 10, unit: Minutes }]', 'access: { routes: [openai] }'],
    platform: [],
  };
  return [
    'settings: { now: "2026-11-01T00:00:00Z", allowPlaintextKeys: true }',
    'routes:',
    '  - { provider: openai, options: { model: gpt-4o-mini } }',
    '  - { provider: anthropic, options: { model: claude-3-5-haiku-latest } }',
    'auth:',
    `  mode: ${s.mode ?? 'builtIn'}`,
    ...(s.mode === 'extAuth' ? [] : [`  builtIn: { policyKind: ${s.policyKind ?? 'AgentgatewayPolicy'} }`]),
    '  headersFromMetadata: [{ header: x-org }]',
    ...(s.auth ?? []).map(l => `  ${l}`),
    'teams:',
    ...configTeamLines(teams),
  ].join('\n');
}

function plan(s: Scenario = {}, warnings: string[] = []): Manifest[] {
  return planConfig(parseConfig(configText(s), 'gateway.yaml'), { env: {}, warn: w => warnings.push(w) }).plan.manifests.map(m => m.manifest);
}

const problems = (s: Scenario) => configProblems(() => plan(s), true);

const policy = (docs: Manifest[], name: string) => docs.find(d => d.metadata.name === name)! as Manifest & { spec: any };
const apiKey = (org: string | undefined) => ({ apiKey: org === undefined ? {} : { 'x-org': org, key: '<redacted>' } });

describe('team budgets and access (built-in auth)', () => {
  test('the 3-team, 2-provider scenario: exact output, valid against both CRD sets', () => {
    const docs = plan();
    expectValidBoth(docs);
    // Redacted: key material (and its base64) never goes into a snapshot.
    const redacted = docs.map(redactManifest);
    expect(JSON.stringify(redacted)).not.toMatch(/fixture_|eyJrZXki/);
    expect(redacted).toMatchSnapshot();
  });

  test('budgets live in the auth policy itself (one policy on the Gateway), first match per team', () => {
    const docs = plan();
    const auth = policy(docs, 'api-key-auth');
    expect(auth.spec.targetRefs).toEqual([{ name: 'agentgateway', group: 'gateway.networking.k8s.io', kind: 'Gateway' }]);
    expect(Object.keys(auth.spec.traffic)).toEqual(['apiKeyAuthentication', 'transformation', 'rateLimit']);
    const entries: { condition: string; policy: { local: unknown[] } }[] = auth.spec.traffic.rateLimit.conditional;
    // The first entry whose condition holds applies, as the gateway does; none means no limit.
    const limitOf = (org: string | undefined) => entries.find(e => env.evaluate(e.condition, apiKey(org)) === true)?.policy.local;
    expect(limitOf('research')).toEqual([{ tokens: 100000, unit: 'Hours' }, { requests: 60, unit: 'Minutes', burst: 10 }]);
    expect(limitOf('support')).toEqual([{ requests: 10, unit: 'Minutes' }]);
    expect(limitOf('platform')).toBeUndefined();
    // A client header is never read: only the key's metadata.
    expect(entries.every(e => !e.condition.includes('request.headers'))).toBe(true);
    expect(() => env.evaluate(entries[0].condition, apiKey(undefined))).toThrow();
  });

  test('access: one Require policy per route admits exactly the allowed teams', () => {
    const docs = plan();
    const allowed = (route: string, org: string) => {
      const rule = policy(docs, `api-key-auth-access-${route}`).spec.traffic.authorization;
      expect(rule.action).toBe('Require');
      return rule.policy.matchExpressions.every((e: string) => env.evaluate(e, apiKey(org)) === true);
    };
    // research: both models match its patterns; support: only the openai route; platform declares nothing: all.
    expect([allowed('openai', 'research'), allowed('anthropic', 'research')]).toEqual([true, true]);
    expect([allowed('openai', 'support'), allowed('anthropic', 'support')]).toEqual([true, false]);
    expect([allowed('openai', 'platform'), allowed('anthropic', 'platform')]).toEqual([true, true]);
    expect([allowed('openai', 'intruder'), allowed('anthropic', 'intruder')]).toEqual([false, false]);
    expect(policy(docs, 'api-key-auth-access-openai').spec.targetRefs).toEqual([{ name: 'openai', group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }]);
  });

  test('a model allow-list denies routes that pin another model', () => {
    const docs = plan({ teams: { research: ['access: { models: ["claude-*"] }'], platform: [] } });
    const expressions = (route: string) => policy(docs, `api-key-auth-access-${route}`).spec.traffic.authorization.policy.matchExpressions;
    expect(env.evaluate(expressions('openai')[0], apiKey('research'))).toBe(false);
    expect(env.evaluate(expressions('anthropic')[0], apiKey('research'))).toBe(true);
    expectValid(docs);
  });

  test('Enterprise policy kind carries the same fields', () => {
    const docs = plan({ policyKind: 'EnterpriseAgentgatewayPolicy' });
    expect(policy(docs, 'api-key-auth').kind).toBe('EnterpriseAgentgatewayPolicy');
    expect(policy(docs, 'api-key-auth-access-openai').kind).toBe('EnterpriseAgentgatewayPolicy');
    expect(policy(docs, 'api-key-auth').spec.traffic.rateLimit.conditional).toHaveLength(2);
    expectValid(docs);
  });

  test('no budgets and no access: the output is unchanged', () => {
    const docs = plan({ teams: { research: [], platform: [] } });
    expect(policy(docs, 'api-key-auth').spec.traffic.rateLimit).toBeUndefined();
    expect(docs.some(d => d.metadata.name.includes('-access-'))).toBe(false);
  });

  test('more than one replica warns that local limits count per replica', () => {
    const warnings: string[] = [];
    plan({ auth: ['replicas: 3'] }, warnings);
    expect(warnings).toEqual([
      expect.stringMatching(/^gateway\.yaml:\d+:\d+: teams\[0\]\.budgets: expected one gateway replica for local limits: each of the 3 replicas counts alone/),
      expect.stringMatching(/teams\[1\]\.budgets: expected one gateway replica/),
    ]);
  });
});

describe('budgets narrowed to a route or model', () => {
  test('model patterns: `*` matches any characters, all else literally, as the equivalent regular expression does, without backtracking', () => {
    const cases: [string, string, boolean][] = [
      ['gpt-4o*', 'gpt-4o-mini', true], ['gpt-4o*', 'gpt-4', false], ['*-haiku-*', 'claude-3-5-haiku-latest', true],
      ['gpt-4.1', 'gpt-4x1', false], ['gpt-4.1', 'gpt-4.1', true], ['a+b(c)[d]', 'a+b(c)[d]', true], ['*', '', true], ['', 'x', false],
      ['gpt-4o*', 'gpt-4o', true], ['a*a', 'a', false], ['a*b*a', 'aba', true], ['*ab*ab*', 'abab', true], ['*ab*ab*', 'aba', false],
    ];
    expect(cases.map(([p, m]) => cdk8s.modelMatches(p, m))).toEqual(cases.map(([, , matches]) => matches));
    const asRegExp = (p: string) => new RegExp(`^${p.split('*').map(part => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '-', '.', '*'), maxLength: 8 });
    fc.assert(fc.property(text, text.map(t => t.replace(/\*/g, '')), (pattern, model) => {
      expect(cdk8s.modelMatches(pattern, model)).toBe(asRegExp(pattern).test(model));
    }), { numRuns: 2000 });
    // A backtracking regular expression takes minutes here (past the test's timeout); piece by piece, a moment.
    expect(cdk8s.modelMatches(`${'*a'.repeat(30)}*b`, 'a'.repeat(10_000))).toBe(false);
  });

  const narrowed: Scenario = {
    teams: {
      research: ['budgets: [{ tokens: 100000, unit: Hours }, { requests: 5, unit: Minutes, models: ["claude-*"] }]'],
      support: ['budgets: [{ requests: 10, unit: Minutes }, { tokens: 2000, unit: Hours, routes: [openai] }]', 'access: { routes: [openai] }'],
      platform: [],
    },
  };
  /** The local limits the gateway applies to a team's request on a route: the route policy's if it has a rate limit, else the Gateway's. */
  const limitsOn = (docs: Manifest[], route: string, org: string) => {
    const own = docs.find(d => d.metadata.name === `api-key-auth-access-${route}`) as (Manifest & { spec: any }) | undefined;
    const rateLimit = own?.spec.traffic.rateLimit ?? policy(docs, 'api-key-auth').spec.traffic.rateLimit;
    const entries: { condition: string; policy: { local: unknown[] } }[] = rateLimit?.conditional ?? [];
    return entries.find(e => env.evaluate(e.condition, apiKey(org)) === true)?.policy.local;
  };

  test('a narrowed budget lives in the policy of the routes it counts on, beside the access rule and the team-wide budgets', () => {
    const warnings: string[] = [];
    const docs = plan(narrowed, warnings);
    expectValidBoth(docs);
    // Each route target holds one policy with every traffic field it needs.
    const openai = policy(docs, 'api-key-auth-access-openai');
    expect(Object.keys(openai.spec.traffic)).toEqual(['authorization', 'rateLimit']);
    expect(limitsOn(docs, 'openai', 'support')).toEqual([{ requests: 10, unit: 'Minutes' }, { tokens: 2000, unit: 'Hours' }]);
    expect(limitsOn(docs, 'openai', 'research')).toEqual([{ tokens: 100000, unit: 'Hours' }]);
    expect(limitsOn(docs, 'anthropic', 'research')).toEqual([{ tokens: 100000, unit: 'Hours' }, { requests: 5, unit: 'Minutes' }]);
    expect(limitsOn(docs, 'anthropic', 'support')).toEqual([{ requests: 10, unit: 'Minutes' }]);
    expect(limitsOn(docs, 'openai', 'platform')).toBeUndefined();
    // The Gateway's policy keeps only team-wide budgets.
    expect(policy(docs, 'api-key-auth').spec.traffic.rateLimit.conditional.map((e: { policy: { local: unknown[] } }) => e.policy.local))
      .toEqual([[{ tokens: 100000, unit: 'Hours' }], [{ requests: 10, unit: 'Minutes' }]]);
    // Repeating team-wide budgets per route splits their count: said, never silent.
    expect(warnings).toEqual([
      expect.stringMatching(/teams\[0\]\.budgets: expected team-wide budgets to count once: routes openai, anthropic carry budgets narrowed to them/),
      expect.stringMatching(/teams\[1\]\.budgets: expected team-wide budgets to count once: .*\(up to 3 × the budget\)$/),
    ]);
  });

  test('narrowed budgets without access: policies only on the routes they count on, without an authorization rule', () => {
    const docs = plan({ teams: { research: ['budgets: [{ requests: 5, unit: Minutes, routes: [anthropic] }]'], platform: [] } });
    expectValid(docs);
    expect(docs.filter(d => d.metadata.name.includes('-access-')).map(d => d.metadata.name)).toEqual(['api-key-auth-access-anthropic']);
    const anthropic = policy(docs, 'api-key-auth-access-anthropic');
    expect(Object.keys(anthropic.spec.traffic)).toEqual(['rateLimit']);
    expect(policy(docs, 'api-key-auth').spec.traffic.rateLimit).toBeUndefined();
    expect(limitsOn(docs, 'anthropic', 'research')).toEqual([{ requests: 5, unit: 'Minutes' }]);
    expect(limitsOn(docs, 'openai', 'research')).toBeUndefined();
  });

  test('routes, models and combinations no route serves; a model budget on a route where the client picks the model', () => {
    expect(problems({ teams: { research: ['budgets: [{ requests: 5, unit: Minutes, routes: [gemini] }, { requests: 5, unit: Minutes, models: ["gpt-5*"] }, '
      + '{ requests: 5, unit: Minutes, routes: [openai], models: ["claude-*"] }, { requests: 5, unit: Minutes, routes: [] }]'] } })).toEqual([
      expect.stringMatching(/teams\[0\]\.budgets\[3\]\.routes: expected a non-empty list of names \(omit it for every route\), got \[\]$/),
      expect.stringMatching(/teams\[0\]\.budgets\[0\]\.routes\[0\]: expected the name of a route the gateway serves \(openai, anthropic\), got "gemini"$/),
      expect.stringMatching(/teams\[0\]\.budgets\[1\]\.models\[0\]: expected a model pattern matching a model some route pins \(gpt-4o-mini, claude-3-5-haiku-latest\), got "gpt-5\*"$/),
      expect.stringMatching(/teams\[0\]\.budgets\[2\]: expected routes and models that some route serves together/),
    ]);
    const open = configText({ teams: { research: ['budgets: [{ requests: 5, unit: Minutes, models: ["gpt-4o*"] }]'], platform: [] } })
      .replace('  - { provider: anthropic, options: { model: claude-3-5-haiku-latest } }', '  - { provider: anthropic }');
    let messages: string[] = [];
    try {
      planConfig(parseConfig(open, 'gateway.yaml'), { env: {}, warn: () => undefined });
    } catch (e) {
      messages = (e as ConfigError).problems.map(p => `${p.field}: ${p.message}`);
    }
    expect(messages).toEqual([expect.stringMatching(/^teams\[0\]\.budgets\[0\]\.models: expected routes the team may use to pin their model: anthropic let the client choose it/)]);
    // Denying the open route to the team makes the budget enforceable.
    const denied = open.replace('budgets: [{ requests: 5', 'access: { routes: [openai] }\n    budgets: [{ requests: 5');
    expect(planConfig(parseConfig(denied, 'gateway.yaml'), { env: {}, warn: () => undefined }).plan.manifests.length).toBeGreaterThan(0);
  });

  test('more than 16 teams with budgets on one route', () => {
    const teams = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`team${i}`, ['budgets: [{ requests: 5, unit: Minutes, routes: [openai] }]']]));
    expect(problems({ teams })).toEqual([expect.stringContaining('auth.teams: expected at most 16 teams with per-replica budgets on route openai')]);
  });
});

describe('cdk8s constructs: budgets narrowed to routes and models, allow-lists', () => {
  /** Three teams, two providers; the policy is declared before the routes, keys are added after both. */
  function app(): Manifest[] {
    const chart = newChart({ now: new Date('2026-11-01T00:00:00Z'), warn: () => undefined });
    const policy = new cdk8s.GatewayAuthPolicy(chart, 'Auth', {
      mode: cdk8s.ApiKeyAuthMode.builtIn({ policyKind: 'EnterpriseAgentgatewayPolicy' }), headersFromMetadata: [{ header: 'x-org' }],
    });
    new cdk8s.LlmRoute(chart, 'OpenAi', { provider: cdk8s.LlmProvider.openai({ model: 'gpt-4o-mini' }) });
    new cdk8s.LlmRoute(chart, 'Anthropic', { provider: cdk8s.LlmProvider.anthropic({ model: 'claude-3-5-haiku-latest' }) });
    const team = (name: string, extra: Partial<cdk8s.TeamApiKeyProps>) =>
      new cdk8s.TeamApiKey(chart, name, { team: name, key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText(name)), metadata: { 'x-org': name }, ...extra });
    policy.addKey(
      team('research', { budgets: [{ tokens: 100000, unit: 'Hours' }, { requests: 5, unit: 'Minutes', models: ['claude-*'] }], access: { models: ['gpt-4o*', 'claude-*'] } }),
      team('support', { budgets: [{ tokens: 2000, unit: 'Hours', routes: ['openai'] }], access: { routes: ['openai'] } }),
      team('platform', {}),
    );
    return synth(chart);
  }

  test('snapshot, valid against both CRD sets, every CEL expression evaluated per team', () => {
    const docs = app();
    expectValidBoth(docs);
    const redacted = docs.map(redactManifest);
    expect(JSON.stringify(redacted)).not.toMatch(/fixture_|eyJrZXki/);
    expect(redacted).toMatchSnapshot();

    const route = (name: string) => policy(docs, `api-key-auth-access-${name}`).spec.traffic;
    const allowed = (name: string, org: string) => route(name).authorization.policy.matchExpressions.every((e: string) => env.evaluate(e, apiKey(org)) === true);
    const limits = (name: string, org: string) => (route(name).rateLimit?.conditional ?? policy(docs, 'api-key-auth').spec.traffic.rateLimit.conditional)
      .find((e: { condition: string }) => env.evaluate(e.condition, apiKey(org)) === true)?.policy.local;
    expect(['research', 'support', 'platform', 'intruder'].map(org => [allowed('openai', org), allowed('anthropic', org)]))
      .toEqual([[true, true], [true, false], [true, true], [false, false]]);
    expect(limits('openai', 'research')).toEqual([{ tokens: 100000, unit: 'Hours' }]);
    expect(limits('anthropic', 'research')).toEqual([{ tokens: 100000, unit: 'Hours' }, { requests: 5, unit: 'Minutes' }]);
    expect(limits('openai', 'support')).toEqual([{ tokens: 2000, unit: 'Hours' }]);
    expect(limits('anthropic', 'platform')).toBeUndefined();
    // A key without the identity entry matches no condition and no allow rule (the check at synth prevents such keys).
    expect(() => env.evaluate(route('openai').authorization.policy.matchExpressions[0], apiKey(undefined))).toThrow();
  });

  test('the same objects as the config file', () => {
    const text = configText({
      policyKind: 'EnterpriseAgentgatewayPolicy',
      teams: {
        research: ['budgets: [{ tokens: 100000, unit: Hours }, { requests: 5, unit: Minutes, models: ["claude-*"] }]', 'access: { models: ["gpt-4o*", "claude-*"] }'],
        support: ['budgets: [{ tokens: 2000, unit: Hours, routes: [openai] }]', 'access: { routes: [openai] }'],
        platform: [],
      },
    });
    const viaConfig = planConfig(parseConfig(text, 'gateway.yaml'), { env: {}, warn: () => undefined }).plan.manifests.map(m => cdk8s.canonicalManifest(m.manifest));
    const id = (m: Manifest) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`;
    const sorted = (docs: Manifest[]) => [...docs].sort((a, b) => id(a).localeCompare(id(b)));
    expect(sorted(app())).toEqual(sorted(viaConfig as Manifest[]));
  });

  test('a narrowed budget naming a route no route serves is caught at synth, naming the team', () => {
    const chart = newChart({ warn: () => undefined });
    new cdk8s.LlmRoute(chart, 'OpenAi', { provider: cdk8s.LlmProvider.openai({ model: 'gpt-4o-mini' }) });
    const key = new cdk8s.TeamApiKey(chart, 'research', {
      team: 'research', key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText('research')), metadata: { 'x-org': 'research' },
      budgets: [{ requests: 5, unit: 'Minutes', routes: ['gemini'] }],
    });
    new cdk8s.GatewayAuthPolicy(chart, 'Auth', { mode: cdk8s.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }], keys: [key] });
    expect(() => chart.toJson()).toThrow(/keys \(test\/research\) budgets\[0\]\.routes\[0\]: expected the name of a route the gateway serves \(openai\), got "gemini"/);
  });
});

describe('version gating', () => {
  test('budgets need rateLimit.conditional, which the policy CRD has from v1.2.0 on', () => {
    const old = (version: string) => configText().replace('builtIn: { policyKind: AgentgatewayPolicy }', `builtIn: { agentgatewayVersion: "${version}" }`);
    const run = (version: string) => {
      try {
        planConfig(parseConfig(old(version), 'gateway.yaml'), { env: {}, warn: () => undefined });
        return [];
      } catch (e) {
        return (e as ConfigError).problems.map(p => `${p.field}: ${p.message}`);
      }
    };
    expect(run('v1.1.0')).toEqual([expect.stringMatching(/^auth\.mode\.agentgatewayVersion: expected agentgateway v1\.2\.0 or later for team budgets: .*traffic\.rateLimit\.conditional.*, got "v1\.1\.0"$/)]);
    expect(run('v1.2.0')).toEqual([]);
    expect(run('1.5')).toEqual([]);
    expect(run('latest')).toEqual([expect.stringContaining('auth.mode.agentgatewayVersion: expected agentgateway v1.2.0 or later for team budgets')]);
  });

  test('hashed keys need configMapSelector, which the policy CRD has from v1.4.0 on', () => {
    const text = configText({ teams: { research: [] } }).replace('builtIn: { policyKind: AgentgatewayPolicy }', 'builtIn: { hashedKeys: true, agentgatewayVersion: v1.3.1 }');
    let messages: string[] = [];
    try {
      planConfig(parseConfig(text, 'gateway.yaml'), { env: {}, warn: () => undefined });
    } catch (e) {
      messages = (e as ConfigError).problems.map(p => `${p.field}: ${p.message}`);
    }
    expect(messages).toEqual([expect.stringMatching(/^auth\.mode\.agentgatewayVersion: expected agentgateway v1\.4\.0 or later for hashed keys \(hashedKeys: true\)/)]);
  });

  test('the release table matches the stored CRDs: both sets have every gated field', () => {
    const schemaOf = (file: string) => (parseYamlDocuments(readFileSync(file, 'utf8'))[0] as any).spec.versions[0].schema.openAPIV3Schema.properties.spec;
    for (const file of [join(CRDS_DIR, 'agentgatewaypolicies.agentgateway.dev.yaml'), join(CRDS_DIR, 'agentgateway-v1.4.1', 'agentgatewaypolicies.agentgateway.dev.yaml')]) {
      const spec = schemaOf(file);
      for (const [path, since] of Object.entries(cdk8s.POLICY_FIELD_RELEASES)) {
        expect(cdk8s.versionAtLeast('v1.4.1', since)).toBe(true);
        expect([path, path.split('.').reduce((s: any, k) => s?.properties?.[k], spec) !== undefined]).toEqual([path, true]);
      }
    }
    expect([cdk8s.versionAtLeast('v1.10.0', 'v1.4.0'), cdk8s.versionAtLeast('v1.4', 'v1.4.0'), cdk8s.versionAtLeast('v1.3.9', 'v1.4.0')]).toEqual([true, true, false]);
  });
});

describe('matrix', () => {
  const planned = () => planConfig(parseConfig(configText(), 'gateway.yaml'), { env: {}, warn: () => undefined });

  test('Markdown: access per route, budgets and model patterns per team', () => {
    const rows = accessMatrix(planned()).trimEnd().split('\n');
    expect(rows[0]).toBe('| team | openai | anthropic | headers set | client copies | key expiry | budgets | models |');
    expect(rows.slice(2)).toEqual([
      '| research | allowed | allowed | x-org: research | dropped before auth: x-org | never | 100000 tokens/Hours; 60 requests/Minutes (+10 burst) | gpt-4o*, claude-* |',
      '| support | allowed | denied (access) | x-org: support | dropped before auth: x-org | never | 10 requests/Minutes | any |',
      '| platform | allowed | allowed | x-org: platform | dropped before auth: x-org | never | none | any |',
    ]);
  });

  test('narrowed budgets, in Markdown and JSON', () => {
    const text = configText({ teams: { research: ['budgets: [{ tokens: 100000, unit: Hours }, { requests: 5, unit: Minutes, routes: [anthropic], models: ["claude-*"] }]'] } });
    const narrowedPlan = planConfig(parseConfig(text, 'gateway.yaml'), { env: {}, warn: () => undefined });
    expect(accessMatrix(narrowedPlan).split('\n')[2]).toBe(
      '| research | allowed | allowed | x-org: research | dropped before auth: x-org | never | 100000 tokens/Hours; 5 requests/Minutes on anthropic for claude-* | any |');
    expect(accessMatrixJson(narrowedPlan)[0].budgets).toEqual([
      { tokens: 100000, unit: 'Hours' }, { requests: 5, unit: 'Minutes', routes: ['anthropic'], models: ['claude-*'] },
    ]);
  });

  test('JSON: the same decisions as data', () => {
    expect(accessMatrixJson(planned())).toEqual([
      { team: 'research', routes: { openai: 'allowed', anthropic: 'allowed' }, budgets: [{ tokens: 100000, unit: 'Hours' }, { requests: 60, unit: 'Minutes', burst: 10 }], models: ['gpt-4o*', 'claude-*'] },
      { team: 'support', routes: { openai: 'allowed', anthropic: 'denied (access)' }, budgets: [{ requests: 10, unit: 'Minutes' }] },
      { team: 'platform', routes: { openai: 'allowed', anthropic: 'allowed' }, budgets: [] },
    ]);
  });
});

describe('bad budgets and access are caught at synth', () => {
  test('a team with budgets but without the identity metadata', () => {
    expect(problems({ teams: { research: ['metadata: { team-name: research }', 'budgets: [{ requests: 5, unit: Minutes }]'] } }))
      .toEqual(expect.arrayContaining([expect.stringContaining('teams[0].metadata.x-org: expected the metadata entry "x-org" (identity header x-org) on a team with budgets or access')]));
  });

  test('routes and models no route serves', () => {
    expect(problems({ teams: { research: ['access: { routes: [gemini], models: ["gpt-5*"] }'] } })).toEqual([
      expect.stringMatching(/^\d+:\d+: teams\[0\]\.access\.routes\[0\]: expected the name of a route the gateway serves \(openai, anthropic\), got "gemini"$/),
      expect.stringMatching(/teams\[0\]\.access\.models\[0\]: expected a model pattern matching a model some route pins \(gpt-4o-mini, claude-3-5-haiku-latest\), got "gpt-5\*"$/),
    ]);
  });

  test('units the mechanism lacks, and amounts out of range', () => {
    expect(problems({ teams: { research: ['budgets: [{ tokens: 5, unit: Days }, { requests: 0, tokens: 3, unit: Minutes }]'] } })).toEqual([
      expect.stringContaining('teams[0].budgets[1]: expected exactly one of `requests` and `tokens`'),
      expect.stringContaining('teams[0].budgets[1].requests: expected a whole number from 1 to 2147483647, got 0'),
      // Per-replica by default (no rate-limit server): the advice names the way to a daily budget.
      expect.stringContaining('teams[0].budgets[0].unit: expected "Seconds", "Minutes" or "Hours": per-replica local limits have no day unit '
        + '(a daily budget must be shared: name a rateLimitServer on the auth policy, or use ext-auth'),
    ]);
  });

  test('reserved metadata prefix', () => {
    // The Secret data key check refuses "/" already; the reserved prefix is named so the reason is plain.
    expect(problems({ teams: { research: ['metadata: { x-org: research, agentgateway.dev/id: r1 }'] } })).toEqual([
      expect.stringContaining('teams[0].metadata.agentgateway.dev/id: expected a Secret data key'),
      expect.stringContaining('teams[0].metadata.agentgateway.dev/id: expected a metadata name outside "agentgateway.dev/", which agentgateway v1.5'),
    ]);
  });

  test('two teams sharing the identity value, in either order (the one without rules would void the other\'s)', () => {
    // support has no access of its own, so every route would admit x-org "research": research's allow-list would be void.
    expect(problems({ teams: { research: ['access: { routes: [openai] }'], support: ['metadata: { x-org: research }'] } }))
      .toEqual([expect.stringContaining('teams[1].metadata.x-org: expected a value no other team has (teams[0] has it too')]);
    expect(problems({ teams: { research: [], support: ['metadata: { x-org: research }', 'budgets: [{ requests: 5, unit: Minutes }]'] } }))
      .toEqual([expect.stringContaining('teams[1].metadata.x-org: expected a value no other team has (teams[0] has it too')]);
  });

  test('more than 16 teams with budgets: error with advice', () => {
    const teams = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`team${i}`, ['budgets: [{ requests: 5, unit: Minutes }]']]));
    expect(problems({ teams })).toEqual([expect.stringContaining('auth.teams: expected at most 16 teams with per-replica budgets on one policy '
      + '(rateLimit.conditional holds at most 16 entries): share the budgets through a rate-limit server (rateLimitServer on the auth policy')]);
  });

  test('ext-auth mode: every budget is shared, so a burst or a per-replica scope is refused', () => {
    expect(problems({ mode: 'extAuth' })).toEqual([expect.stringContaining('teams[0].budgets[1].burst: expected no burst on a shared budget')]);
    expect(problems({ mode: 'extAuth', teams: { research: ['budgets: [{ requests: 5, unit: Minutes, scope: replica }]'] } })).toEqual([
      expect.stringContaining('teams[0].budgets[0].scope: expected "shared" with ext-auth: per-replica limits (traffic.rateLimit) cannot be set next to'),
    ]);
  });

  test('an access policy name too long for Kubernetes', () => {
    expect(problems({ auth: [`name: ${'a'.repeat(240)}`] })).toEqual(expect.arrayContaining([
      expect.stringContaining('accessPolicyName (route openai): expected a DNS-1123 subdomain'),
    ]));
  });

  test('no identity header to tell teams apart', () => {
    const text = configText().replace('  headersFromMetadata: [{ header: x-org }]\n', '');
    let messages: string[] = [];
    try {
      planConfig(parseConfig(text, 'gateway.yaml'), { env: {}, warn: () => undefined });
    } catch (e) {
      messages = (e as ConfigError).problems.map(p => p.message);
    }
    expect(messages).toEqual([expect.stringContaining('a required identity header')]);
  });
});

describe('README "Budgets and model access"', () => {
  test('its example plans, with the limits, access policies and a CRD-valid output it describes', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Budgets and model access'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const docs = planConfig(parseConfig(yaml, 'gateway.yaml'), { env: {}, warn: () => undefined }).plan.manifests.map(m => m.manifest);
    expectValid(docs);
    expect(policy(docs, 'api-key-auth').spec.traffic.rateLimit.conditional.map((e: { condition: string }) => e.condition))
      .toEqual(['apiKey["x-org"] == "research"', 'apiKey["x-org"] == "support"']);
    expect(policy(docs, 'api-key-auth-access-anthropic').spec.traffic.authorization.policy.matchExpressions)
      .toEqual(['apiKey["x-org"] in ["platform","research"]']);
  });
});
