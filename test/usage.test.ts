import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dashboard, Panel } from '@grafana/schema';
import { App, Chart } from 'cdk8s';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import * as agc from '../src';
import { accessMatrix, accessMatrixJson, loadConfig, parseConfig, planConfig } from '../src/config';
import { KEY_NOT_AFTER_RECORD, MAX_METRIC_LABELS, Manifest, redactManifest } from '../src/core';
import { usageBudgets } from '../src/core/usage/budgets';
import { dashboardLayoutSvg } from '../src/core/usage/layout-svg';
import { budgetUseExpression } from '../src/core/usage/promql';
import { ManifestValidator } from '../src/validate';
import { CRDS_DIR, configProblems, expectValid } from './helpers';

export interface UsageScenario {
  readonly mode: 'builtIn' | 'extAuth';
  /** Lines of the `usage:` section. */
  readonly usage?: readonly string[];
  /** Extra lines of `auth:`. */
  readonly auth?: readonly string[];
  /** Replaces each team's metadata line, by team. */
  readonly metadata?: Readonly<Record<string, string>>;
}

const TEAMS = ['research', 'support', 'platform'] as const;
const COST_CENTERS: Record<string, string> = { research: 'cc-100', support: 'cc-200', platform: 'cc-100' };

/**
 * Three teams, two routes, usage on. Built-in auth: hashed keys and budgets; ext-auth: keys from a secret store and
 * `cost-center` injected as a header too, since ext-auth passes key metadata to the gateway only as headers.
 */
export function usageConfigText(s: UsageScenario): string {
  const builtIn = s.mode === 'builtIn';
  const budgets: Record<string, string> = { research: '[{ tokens: 100000, unit: Hours }]', support: '[{ requests: 10, unit: Minutes }]' };
  return [
    'settings: { now: "2026-11-27T00:00:00Z" }',
    'routes:',
    '  - { provider: openai, options: { model: gpt-4o-mini } }',
    '  - { provider: anthropic, options: { model: claude-3-5-haiku-latest } }',
    'auth:',
    `  mode: ${s.mode}`,
    ...(builtIn ? ['  builtIn: { hashedKeys: true }', '  headersFromMetadata: [{ header: x-org }]']
      : ['  headersFromMetadata: [{ header: x-org }, { header: x-cost-center, metadataKey: cost-center }]']),
    ...(s.auth ?? []).map(l => `  ${l}`),
    'teams:',
    ...TEAMS.flatMap((team, i) => [
      `  - team: ${team}`,
      builtIn
        ? `    keys: [{ source: { hash: "sha256:${String(i + 1).repeat(64)}" }${team === 'research' ? ', notAfter: "2027-01-01T00:00:00Z"' : ''} }]`
        : `    key: { externalSecret: { storeName: vault, remoteKey: llm/${team} } }`,
      `    metadata: ${s.metadata?.[team] ?? `{ x-org: ${team}, cost-center: ${COST_CENTERS[team]} }`}`,
      ...(builtIn && budgets[team] ? [`    budgets: ${budgets[team]}`] : []),
    ]),
    'usage:',
    ...(s.usage ?? ['metadataLabels: [{ name: cost_center, metadataKey: cost-center }]',
      'modelPrices: [{ provider: openai, model: gpt-4o-mini, input: "0.15", output: "0.6" }]']).map(l => `  ${l}`),
  ].join('\n');
}

function planUsage(s: UsageScenario, warnings: string[] = []): Manifest[] {
  return planConfig(parseConfig(usageConfigText(s), 'gateway.yaml'), { env: {}, warn: w => warnings.push(w) })
    .plan.manifests.filter(m => m.owner.kind === 'usage').map(m => m.manifest);
}

const problems = (s: UsageScenario) => configProblems(() => planUsage(s), true);

type AnyManifest = Manifest & { spec: any; data: Record<string, string> };
const ofKind = (docs: Manifest[], kind: string, suffix = '') => docs.find(d => d.kind === kind && d.metadata.name.endsWith(suffix)) as AnyManifest;
const dashboardOf = (docs: Manifest[]): Dashboard => JSON.parse(Object.values(ofKind(docs, 'ConfigMap', '-dashboard').data)[0]);
const panelsOf = (d: Dashboard) => (d.panels ?? []) as Panel[];

/** As Grafana does before Prometheus sees a query. */
const interpolate = (expr: string) => expr.replace(/\$__rate_interval/g, '5m').replace(/\$team/g, '.*');

/** Error nodes of the Prometheus project's own PromQL grammar; empty for a valid expression. */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  promqlParser.parse(expr).iterate({ enter: node => { if (node.type.isError) errors.push(`${node.from}: ${expr.slice(node.from, node.from + 20)}`); } });
  return errors;
}

/** Every PromQL expression of a rendered PrometheusRule. */
function ruleExpressions(rule: Manifest): string[] {
  const spec = rule.spec as { groups: { rules: { expr: string }[] }[] };
  return spec.groups.flatMap(g => g.rules.map(r => r.expr));
}

function allPromql(docs: Manifest[]): string[] {
  const panels = panelsOf(dashboardOf(docs));
  const fromPanels = panels.flatMap(p => (p.targets ?? []).map(t => interpolate(String(t.expr))));
  const variables = (dashboardOf(docs).templating?.list ?? []).flatMap(v => typeof v.query === 'string' && v.type === 'query'
    ? [v.query.replace(/^label_values\((.*), \w+\)$/, '$1')] : []);
  return [...fromPanels, ...variables, ...ruleExpressions(ofKind(docs, 'PrometheusRule'))];
}

let mainValidator: ManifestValidator | undefined;
/** The current CRDs alone (expectValid pins v1.4.1's AgentgatewayPolicy), so policies are checked against both sets. */
function expectValidAgainstMain(manifests: readonly Manifest[]): void {
  mainValidator ??= ManifestValidator.fromDirectories([CRDS_DIR]);
  const report = mainValidator.validate(manifests.map(object => ({ object })));
  expect(report.problems).toEqual([]);
  expect(report.celUnsupported).toEqual([]);
}

describe.each(['builtIn', 'extAuth'] as const)('usage, %s auth, three teams', mode => {
  const docs = planUsage({ mode });

  test('emits the policy, price catalog, dashboard and alerts (snapshot)', () => {
    expect(docs.map(d => `${d.kind}/${d.metadata.name}`)).toEqual([
      `${mode === 'builtIn' ? 'AgentgatewayPolicy' : 'EnterpriseAgentgatewayPolicy'}/team-usage`,
      'ConfigMap/team-usage-model-prices', 'ConfigMap/team-usage-dashboard', 'PrometheusRule/team-usage-alerts',
    ]);
    // The dashboard JSON is checked below, panel by panel; the snapshot keeps it readable as data.
    expect(docs.map(redactManifest).map(d => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-dashboard')
      ? { ...d, data: { dashboard: dashboardOf(docs) } } : d)).toMatchSnapshot();
  });

  test('every team label reads the post-authentication identity, never a client header', () => {
    const policy = ofKind(docs, mode === 'builtIn' ? 'AgentgatewayPolicy' : 'EnterpriseAgentgatewayPolicy');
    const frontend = policy.spec.frontend;
    const lists = [frontend.metrics.attributes.add, frontend.accessLog.attributes.add];
    for (const add of lists) {
      expect(add.map((a: { name: string }) => a.name)).toEqual(['team', 'cost_center']);
      for (const { expression } of add as { expression: string }[]) {
        if (mode === 'builtIn') {
          // The metadata of the key agentgateway validated.
          expect(expression).toMatch(/^apiKey\["[^"]+"\]$/);
        } else {
          // A header ext-auth injected; trusted only because the strip policy removes client copies before auth.
          expect(expression).toMatch(/^request\.headers\["x-(org|cost-center)"\]$/);
        }
      }
    }
    const all = planConfig(parseConfig(usageConfigText({ mode }), 'gateway.yaml'), { env: {} }).plan.manifests.map(m => m.manifest);
    const strip = all.find(m => m.metadata.name === 'api-key-auth-strip-identity') as AnyManifest;
    if (mode === 'extAuth') expect(strip.spec.traffic.transformation.request.remove).toEqual(['x-org', 'x-cost-center']);
    expect(frontend.metrics.attributes.add.length).toBeLessThanOrEqual(MAX_METRIC_LABELS);
    expect(policy.spec.targetRefs).toEqual([{ name: 'agentgateway', group: 'gateway.networking.k8s.io', kind: 'Gateway' }]);
  });

  test('the policy and ConfigMaps validate against the v1.4.1 and the current CRDs', () => {
    const checked = docs.filter(d => d.kind !== 'PrometheusRule');
    expectValid(checked);
    expectValidAgainstMain(checked);
  });

  test('every PromQL expression parses with the Prometheus grammar', () => {
    const exprs = allPromql(docs);
    expect(exprs.length).toBeGreaterThan(6);
    for (const expr of exprs) expect({ expr, errors: promqlErrors(expr) }).toEqual({ expr, errors: [] });
  });

  test('the PrometheusRule validates against the prometheus-operator models', () => {
    const rule = ofKind(docs, 'PrometheusRule');
    expect(() => new PrometheusRule(rule as any).validate()).not.toThrow();
  });

  test('the dashboard has the fields Grafana requires, and panels only read series agentgateway exports', () => {
    const dashboard = dashboardOf(docs);
    expect(typeof dashboard.schemaVersion).toBe('number');
    expect(typeof dashboard.title).toBe('string');
    const panels = panelsOf(dashboard);
    const ids = new Set<number>();
    for (const p of panels) {
      expect(typeof p.type).toBe('string');
      expect(p.gridPos).toEqual({ x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number) });
      expect(p.gridPos!.x + p.gridPos!.w).toBeLessThanOrEqual(24);
      expect(ids.has(p.id!)).toBe(false);
      ids.add(p.id!);
      for (const t of p.targets ?? []) {
        const metrics = String(t.expr).match(/agentgateway_[a-z_:]+/g) ?? [];
        for (const m of metrics) {
          expect(['agentgateway_requests_total', 'agentgateway_request_duration_seconds_bucket', 'agentgateway_gen_ai_client_token_usage_sum',
            'agentgateway_gen_ai_client_cost_usd_total']).toContain(m);
        }
      }
    }
    expect(panels.map(p => p.title)).toEqual(expect.arrayContaining(['Requests per team', 'Tokens per team', 'Cost per team (USD)',
      'Rejected requests: 401 / 403 / 429', 'Latency per route (p50, p95)']));
    expect(ofKind(docs, 'ConfigMap', '-dashboard').metadata.labels).toEqual({ grafana_dashboard: '1' });
  });
});

describe('usage: budgets, keys and prices', () => {
  const docs = planUsage({ mode: 'builtIn' });

  test('budget use compares each team budget with its rate, scaled to the budget unit (per-replica: the busiest pod)', () => {
    const budget = panelsOf(dashboardOf(docs)).find(p => p.title === 'Budget use per team')!;
    expect(budget.targets!.map(t => [t.legendFormat, t.expr])).toEqual([
      ['research 100000 tokens/Hours', 'max(sum by (pod) (rate(agentgateway_gen_ai_client_token_usage_sum{gateway="agentgateway-system/agentgateway",'
        + 'team="research",gen_ai_token_type=~"input|output"}[1h]))) * 3600 / 100000'],
      ['support 10 requests/Minutes', 'max(sum by (pod) (rate(agentgateway_requests_total{gateway="agentgateway-system/agentgateway",team="support"}[5m]))) * 60 / 10'],
    ]);
  });

  test('a daily budget is scaled to a day (86 400 s), not to an hour', () => {
    expect(budgetUseExpression('ns/gw', 'team', 'research', { tokens: 1_000_000, unit: 'Days' }))
      .toBe('sum(rate(agentgateway_gen_ai_client_token_usage_sum{gateway="ns/gw",team="research",gen_ai_token_type=~"input|output"}[1h])) * 86400 / 1000000');
  });

  test('a key with notAfter becomes a recording rule the expiry alert compares with time()', () => {
    const rules = ofKind(docs, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules);
    expect(rules.filter((r: any) => r.record === KEY_NOT_AFTER_RECORD)).toEqual([{
      record: KEY_NOT_AFTER_RECORD, expr: `vector(${Date.parse('2027-01-01T00:00:00Z') / 1000})`,
      labels: { team: 'research', key: 'research-apikey', gateway: 'agentgateway-system/agentgateway' },
    }]);
    expect(rules.find((r: any) => r.alert === 'AgentgatewayTeamKeyExpiresSoon').expr).toBe(`${KEY_NOT_AFTER_RECORD} - time() < 14 * 86400`);
  });

  test('the price catalog has the shape agentgateway reads', () => {
    const catalog = JSON.parse(ofKind(docs, 'ConfigMap', '-model-prices').data['catalog.json']);
    expect(catalog).toEqual({ providers: { openai: { models: { 'gpt-4o-mini': { rates: { input: '0.15', output: '0.6' } } } } } });
  });

  test('OTLP logs and traces carry the same attributes', () => {
    const [policy] = planUsage({ mode: 'builtIn', usage: [
      'otlpLogs: { backendRef: { name: otel-collector, namespace: monitoring, port: 4317 } }',
      'tracing: { backendRef: { name: otel-collector, namespace: monitoring, port: 4317 }, randomSampling: 0.1 }',
      'dashboard: false', 'alerts: false',
    ] }) as AnyManifest[];
    const team = [{ name: 'team', expression: 'apiKey["x-org"]' }];
    expect(policy.spec.frontend).toEqual({
      metrics: { attributes: { add: team } },
      accessLog: { attributes: { add: team }, otlp: { backendRef: { name: 'otel-collector', namespace: 'monitoring', port: 4317 } } },
      tracing: { backendRef: { name: 'otel-collector', namespace: 'monitoring', port: 4317 }, attributes: { add: team }, randomSampling: '0.1' },
    });
    expectValid([policy]);
    expectValidAgainstMain([policy]);
  });
});

describe('usage: each budget is counted as the gateway counts it', () => {
  const GW = 'gateway="agentgateway-system/agentgateway"';
  /** Two routes pinning a model each, two teams with the given budgets, usage with alerts only. */
  function budgetRules(budgets: { research: string; support?: string }, top: readonly string[] = []) {
    const text = [
      'settings: { now: "2026-11-27T00:00:00Z" }',
      'routes:',
      '  - { provider: openai, options: { model: gpt-4o-mini } }',
      '  - { provider: anthropic, options: { model: claude-3-5-haiku-latest } }',
      ...top,
      'auth: { mode: builtIn, builtIn: { hashedKeys: true }, headersFromMetadata: [{ header: x-org }] }',
      'teams:',
      ...(['research', 'support'] as const).flatMap((team, i) => [
        `  - team: ${team}`,
        `    key: { hash: "sha256:${String(i + 1).repeat(64)}" }`,
        `    metadata: { x-org: ${team} }`,
        ...(budgets[team] ? [`    budgets: ${budgets[team]}`] : []),
      ]),
      'usage: { dashboard: false }',
    ].join('\n');
    const docs = planConfig(parseConfig(text, 'gateway.yaml'), { env: {}, warn: () => undefined }).plan.manifests.map(m => m.manifest);
    const rules = (ofKind(docs, 'PrometheusRule').spec.groups as { rules: Record<string, any>[] }[]).flatMap(g => g.rules)
      .filter(r => r.alert === 'AgentgatewayTeamBudgetBurn');
    for (const r of rules) expect({ expr: r.expr, errors: promqlErrors(r.expr) }).toEqual({ expr: r.expr, errors: [] });
    return rules.map(r => ({ budget: r.labels.budget, expr: r.expr as string, description: r.annotations.description as string }));
  }
  const tokens = (matchers: string, window = '1h') => `rate(agentgateway_gen_ai_client_token_usage_sum{${GW},team="research",gen_ai_token_type=~"input|output"${matchers}}[${window}])`;
  const requests = (team: string, matchers: string) => `rate(agentgateway_requests_total{${GW},team="${team}"${matchers}}[5m])`;

  test('per replica (local limit): the busiest replica, not the sum of all replicas', () => {
    expect(budgetRules({ research: '[{ tokens: 100000, unit: Hours }]' })).toEqual([{
      budget: '100000 tokens/Hours',
      expr: `max(sum by (pod) (${tokens('')})) * 3600 / 100000 > 0.8`,
      description: expect.stringContaining('Each gateway replica counts this budget alone: the busiest replica'),
    }]);
  });

  test('shared (rate-limit server): the sum over every replica', () => {
    expect(budgetRules({ research: '[{ tokens: 1000000, unit: Days }, { requests: 10, unit: Seconds, burst: 5, scope: replica }]' }, ['rateLimitServer: {}'])).toEqual([
      { budget: '1000000 tokens/Days', expr: `sum(${tokens('')}) * 86400 / 1000000 > 0.8`, description: expect.stringContaining('All gateway replicas count this budget together') },
      { budget: '10 requests/Seconds', expr: `max(sum by (pod) (${requests('research', '')})) * 1 / 10 > 0.8`, description: expect.stringContaining('Each gateway replica') },
    ]);
  });

  test('narrowed to a route: only that route\'s traffic, each route and replica apart; team-wide budgets count apart on it', () => {
    const rules = budgetRules({ research: '[{ requests: 5, unit: Minutes, routes: [openai] }]', support: '[{ requests: 100, unit: Minutes }]' });
    expect(rules).toEqual([
      {
        budget: '5 requests/Minutes on routes openai',
        expr: `max(sum by (pod, route) (${requests('research', ',route=~"agentgateway-system/openai"')})) * 60 / 5 > 0.8`,
        description: expect.stringContaining('Counted on agentgateway-system/openai, each route separately.'),
      },
      {
        // The route's own policy repeats support's team-wide budget there, so it counts apart on the route.
        budget: '100 requests/Minutes',
        expr: `max(sum by (pod, route) (${requests('support', ',route=~"agentgateway-system/openai"')}) `
          + `or sum by (pod) (${requests('support', ',route!~"agentgateway-system/openai"')})) * 60 / 100 > 0.8`,
        description: expect.stringContaining('Routes agentgateway-system/openai carry budgets narrowed to them and count it separately'),
      },
    ]);
  });

  test('narrowed to models: counted on the routes pinning them, and the alert says the metrics have no model label', () => {
    const [rule] = budgetRules({ research: '[{ tokens: 2000, unit: Minutes, models: ["claude-*"] }]' });
    expect(rule.budget).toBe('2000 tokens/Minutes for models claude-*');
    expect(rule.expr).toBe(`max(sum by (pod, route) (${tokens(',route=~"agentgateway-system/anthropic"', '5m')})) * 60 / 2000 > 0.8`);
    expect(rule.description).toMatch(/carry no model label: the budget for models claude-\* is counted by route, on the routes that pin a matching model/);
  });

  test('route names are matched exactly: regex characters in a route name are escaped', () => {
    const expr = budgetUseExpression('ns/gw', 'team', 'a', { requests: 1, unit: 'Minutes' }, { scope: 'replica', routes: ['ns/v1.chat'] });
    expect(expr).toBe('max(sum by (pod, route) (rate(agentgateway_requests_total{gateway="ns/gw",team="a",route=~"ns/v1\\\\.chat"}[5m]))) * 60 / 1');
    expect(promqlErrors(expr)).toEqual([]);
  });

  test('a narrowed budget whose routes are not known gets no alert rather than a sum over every route', () => {
    const spec = agc.resolveUsage({}, agc.resolveGatewayAuthPolicy({ mode: agc.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }] }, [], []));
    const team = { path: 't', team: 'research', metadata: { 'x-org': 'research' }, keys: [], budgets: [{ requests: 5, unit: 'Minutes' as const, routes: ['openai'] }] };
    expect(usageBudgets(spec, [team])).toEqual([]);
    expect(usageBudgets(spec, [{ ...team, routes: [{ name: 'openai', namespace: 'llm', model: 'gpt-4o' }] }]).map(b => b.counting))
      .toEqual([{ scope: 'replica', routes: ['llm/openai'] }]);
  });
});

describe('usage: one team record for every adapter, and a public API of what users need', () => {
  test('usageTeam: metadata, budgets, the keys valid now and the routes; nothing for a revoked team', () => {
    const now = new Date('2026-11-27T00:00:00Z');
    const key = (name: string, window: { notBefore?: string; notAfter?: string }) => ({ source: agc.KeySource.fromHash(`sha256:${'1'.repeat(64)}`), name, ...window });
    const spec = agc.resolveTeamApiKey({
      team: 'research', metadata: { 'x-org': 'research' }, budgets: [{ requests: 5, unit: 'Minutes' }],
      keys: [key('old', { notAfter: '2026-01-01T00:00:00Z' }), key('current', { notAfter: '2027-01-01T00:00:00Z' }), key('next', { notBefore: '2027-01-01T00:00:00Z' })],
    });
    const routes = [{ name: 'openai', namespace: 'llm', model: 'gpt-4o' }];
    expect(agc.usageTeam('app/research', spec, now, routes)).toEqual({
      path: 'app/research', team: 'research', metadata: { 'x-org': 'research' }, budgets: [{ requests: 5, unit: 'Minutes' }],
      keys: [{ name: 'research-apikey-current', notAfter: new Date('2027-01-01T00:00:00Z') }], routes,
    });
    expect(agc.usageTeam('app/research', { ...spec, revoked: { reason: 'left' } }, now, routes)).toBeUndefined();
  });

  test('helpers only the tests and the docs script use are not exported', () => {
    for (const entry of [agc, require('../src/core')]) {
      for (const name of ['ruleExpressions', 'dashboardLayoutSvg', 'usageBudgets', 'describeCounting', 'UsageRoute']) expect(entry).not.toHaveProperty(name);
    }
  });
});

describe('matrix: each team\'s telemetry labels', () => {
  test('Markdown and JSON show what each team is attributed as', () => {
    const planned = planConfig(parseConfig(usageConfigText({ mode: 'builtIn', usage: ['teamLabelInMetrics: false',
      'metadataLabels: [{ name: cost_center, metadataKey: cost-center }]'] }), 'gateway.yaml'), { env: {} });
    const table = accessMatrix(planned).split('\n');
    expect(table[0]).toMatch(/\| telemetry labels \|$/);
    expect(table[2]).toMatch(/^\| research \|.*\| cost_center=cc-100 \(logs and traces only: team=research\) \|$/);
    expect(accessMatrixJson(planned).map(e => e.telemetryLabels)).toEqual([
      { team: 'research', cost_center: 'cc-100' }, { team: 'support', cost_center: 'cc-200' }, { team: 'platform', cost_center: 'cc-100' },
    ]);
  });
});

describe('usage: refused and warned', () => {
  test('ext-auth that trusts client identity headers cannot attribute usage', () => {
    expect(problems({ mode: 'extAuth', auth: ['trustClientIdentityHeaders: true'] }).join('\n'))
      .toMatch(/usage.*policy\.trustClientIdentityHeaders.*could forge/);
  });

  test('with ext-auth, a metadata label must be injected as a header', () => {
    const text = problems({ mode: 'extAuth', usage: ['metadataLabels: [{ name: tier, metadataKey: tier }]'] }).join('\n');
    expect(text).toMatch(/metadataLabels\[0\]\.metadataKey.*headersFromMetadata/);
  });

  test('labels: agentgateway\'s own names, bad names, more than 16, a team without the entry', () => {
    expect(problems({ mode: 'builtIn', usage: ['teamLabel: route'] }).join('\n')).toMatch(/teamLabel.*does not set itself.*"route"/);
    expect(problems({ mode: 'builtIn', usage: ['dashboardNamespace: monitoring.infra'] }).join('\n')).toMatch(/dashboardNamespace: expected a DNS-1123 label/);
    expect(problems({ mode: 'builtIn', usage: ['metadataLabels: [{ name: cost-center, metadataKey: cost-center }]'] }).join('\n'))
      .toMatch(/metadataLabels\[0\]\.name.*Prometheus label name/);
    const many = Array.from({ length: 16 }, (_, i) => `{ name: l${i}, metadataKey: cost-center }`).join(', ');
    expect(problems({ mode: 'builtIn', usage: [`metadataLabels: [${many}]`] }).join('\n')).toMatch(/at most 16 metric labels/);
    expect(problems({ mode: 'builtIn', usage: ['metadataLabels: [{ name: cost_center, metadataKey: cost-center }]'],
      metadata: { platform: '{ x-org: platform }' } }).join('\n')).toMatch(/missing on teams\[2\]/);
  });

  test('OTLP: url needs v1.5, exactly one target, a Service port; prices are plain decimals', () => {
    const otlp = problems({ mode: 'builtIn', usage: ['otlpLogs: { url: "http://collector:4318", protocol: HTTP }'] }).join('\n');
    expect(otlp).toMatch(/otlpLogs\.url.*v1\.5\.0/);
    expect(problems({ mode: 'builtIn', usage: ['otlpLogs: { url: "http://collector:4318", protocol: HTTP }', 'agentgatewayVersion: v1.5.0'] })).toEqual([]);
    expect(problems({ mode: 'builtIn', usage: ['tracing: { backendRef: { name: c } }'] }).join('\n')).toMatch(/tracing\.backendRef\.port/);
    expect(problems({ mode: 'builtIn', usage: ['modelPrices: [{ provider: openai, model: m, input: "1e-3", output: 1 }]'] }).join('\n'))
      .toMatch(/modelPrices\[0\]\.input.*plain decimal/);
  });

  test('usage without an auth policy is refused', () => {
    const text = usageConfigText({ mode: 'builtIn', usage: ['dashboard: false'] }).replace(/^auth:\n(  .*\n)+/m, '')
      .replace(/ *budgets: .*\n/g, '');
    expect(() => planConfig(parseConfig(text, 'gateway.yaml'), { env: {} })).toThrow(/usage.*an auth policy/);
  });

  test('many teams: a cardinality warning offering a group label', () => {
    const warnings: string[] = [];
    planUsage({ mode: 'builtIn', usage: ['cardinalityWarningTeams: 2'] }, warnings);
    expect(warnings.join('\n')).toMatch(/3 teams.*metadataLabels.*teamLabelInMetrics: false/);
    const quiet: string[] = [];
    const docs = planUsage({ mode: 'builtIn', usage: ['cardinalityWarningTeams: 2', 'teamLabelInMetrics: false',
      'metadataLabels: [{ name: cost_center, metadataKey: cost-center }]'] }, quiet);
    expect(quiet).toEqual([]);
    const policy = docs[0] as AnyManifest;
    expect(policy.spec.frontend.metrics.attributes.add).toEqual([{ name: 'cost_center', expression: 'apiKey["cost-center"]' }]);
    expect(policy.spec.frontend.accessLog.attributes.add.map((a: any) => a.name)).toEqual(['team', 'cost_center']);
    expect(panelsOf(dashboardOf(docs)).map(p => p.title)).toContain('Requests per cost_center');
  });
});

test('the README dashboard picture is drawn from the current dashboard code (node scripts/dashboard-layout.mjs)', () => {
  const root = join(__dirname, '..');
  const { plan } = planConfig(loadConfig(join(root, 'docs', 'usage-example.yaml')), { env: {} });
  const docs = plan.manifests.map(m => m.manifest);
  expect(readFileSync(join(root, 'docs', 'dashboard-layout.svg'), 'utf8')).toBe(dashboardLayoutSvg(dashboardOf(docs)));
});

describe('cdk8s TeamUsage', () => {
  const chartWith = () => {
    const app = new App();
    agc.configureSynth(app, { now: new Date('2026-11-27T00:00:00Z'), warn: () => undefined });
    return new Chart(app, 'llm');
  };

  test('teams added to the policy after the usage still reach the dashboard and alerts', () => {
    const chart = chartWith();
    const policy = new agc.GatewayAuthPolicy(chart, 'Auth', { mode: agc.ApiKeyAuthMode.builtIn({ hashedKeys: true }), headersFromMetadata: [{ header: 'x-org' }] });
    const usage = new agc.TeamUsage(chart, 'Usage', { policy, dashboard: true });
    policy.addKey(new agc.TeamApiKey(chart, 'Research', {
      team: 'research', keys: [{ source: agc.KeySource.fromHash(`sha256:${'1'.repeat(64)}`), notAfter: '2027-01-01T00:00:00Z' }],
      metadata: { 'x-org': 'research' }, budgets: [{ requests: 60, unit: 'Minutes' }],
    }));
    const docs = chart.toJson() as Manifest[];
    const rule = docs.find(d => d.kind === 'PrometheusRule') as AnyManifest;
    expect(rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert ?? r.record))).toEqual([
      'AgentgatewayTeamBudgetBurn', 'AgentgatewayTeamRateLimited', 'AgentgatewayRejectedKeysSpike', KEY_NOT_AFTER_RECORD, 'AgentgatewayTeamKeyExpiresSoon',
    ]);
    expect(panelsOf(dashboardOf(docs)).map(p => p.title)).toContain('Budget use per team');
    expect(usage.alerts?.name).toBe('team-usage-alerts');
    expectValid(docs.filter(d => d.kind !== 'PrometheusRule'));
  });

  test('a second usage on the same Gateway is refused: one of the two would be silently ignored', () => {
    const chart = chartWith();
    const policy = new agc.GatewayAuthPolicy(chart, 'Auth', { mode: agc.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }] });
    new agc.TeamUsage(chart, 'Usage', { policy, dashboard: false, alerts: false });
    new agc.TeamUsage(chart, 'MoreUsage', { policy, name: 'more-usage', dashboard: false, alerts: false });
    expect(() => chart.toJson()).toThrow(/\[llm\/MoreUsage\] policy: expected one usage per Gateway \(llm\/Usage already labels its telemetry/);
  });

  test('an ext-auth policy trusting client identity headers is refused at the construct path', () => {
    const chart = chartWith();
    const policy = new agc.GatewayAuthPolicy(chart, 'Auth', { headersFromMetadata: [{ header: 'x-org' }], trustClientIdentityHeaders: true });
    new agc.TeamUsage(chart, 'Usage', { policy });
    expect(() => chart.toJson()).toThrow(/\[llm\/Usage\] policy\.trustClientIdentityHeaders: expected false: with ext-auth the team label reads the injected header/);
  });
});
