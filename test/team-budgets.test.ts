import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, accessMatrix, accessMatrixJson, parseConfig, planConfig } from '../src/config';
import { Manifest, redactManifest } from '../src/core';
import { kubernetesCelEnvironment } from '../src/validate';
import { expectValid, fixtureKeyText } from './helpers';

const env = kubernetesCelEnvironment();

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
    ...Object.entries(teams).flatMap(([team, lines]) => [
      `  - team: ${team}`,
      `    key: { literal: "${fixtureKeyText(team)}" }`,
      ...(lines.some(l => l.startsWith('metadata')) ? [] : [`    metadata: { x-org: ${team} }`]),
      ...lines.map(l => `    ${l}`),
    ]),
  ].join('\n');
}

function plan(s: Scenario = {}, warnings: string[] = []): Manifest[] {
  return planConfig(parseConfig(configText(s), 'gateway.yaml'), { env: {}, warn: w => warnings.push(w) }).plan.manifests.map(m => m.manifest);
}

function problems(s: Scenario): string[] {
  try {
    plan(s);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(p => `${p.line}:${p.column}: ${p.field}: ${p.message}`);
    throw e;
  }
  return [];
}

const policy = (docs: Manifest[], name: string) => docs.find(d => d.metadata.name === name)! as Manifest & { spec: any };
const apiKey = (org: string | undefined) => ({ apiKey: org === undefined ? {} : { 'x-org': org, key: '<redacted>' } });

describe('team budgets and access (built-in auth)', () => {
  test('the 3-team, 2-provider scenario: exact output, valid against both CRD sets', () => {
    const docs = plan();
    expectValid(docs);
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

  test('two teams sharing the identity value', () => {
    expect(problems({ teams: { research: ['budgets: [{ requests: 5, unit: Minutes }]'], support: ['metadata: { x-org: research }'] } }))
      .toEqual([]);
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
