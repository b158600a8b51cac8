import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import * as cdk8s from '../src';
import { GatewayConfig, LoadedConfig, SEED_CONFIG, planConfig } from '../src/config';
import type * as AgwPulumi from '../src/pulumi';
import { configProblems, fixtureKeyText, seedManifests, unwrapPulumiSecrets } from './helpers';
import { usePulumiMocks } from './pulumi-mocks';

// The three adapters (config file, cdk8s constructs, Pulumi components) must emit the same objects for the same
// declarations. Each scenario is written once per adapter, as its users would write it. The fixtures use literal
// keys, so every adapter opts in to plaintext keys.

const NOW = '2026-11-27T00:00:00Z';
const mocks = usePulumiMocks(() => ({ now: new Date(NOW), warn: () => undefined, allowPlaintextKeys: true }));
const registered = mocks.registered;
let agw: typeof AgwPulumi;
beforeAll(() => {
  agw = mocks.agw;
});

type Component = { resources: readonly pulumi.CustomResource[] };

async function fromPulumi(components: readonly Component[]): Promise<unknown[]> {
  await Promise.all(components.flatMap(c => c.resources.map(r => (r.urn as unknown as { promise(): Promise<string> }).promise())));
  return registered.filter(r => r.type.startsWith('kubernetes:')).map(r => unwrapPulumiSecrets(r.inputs));
}

function fromConfig(config: GatewayConfig): unknown[] {
  const planned = planConfig(new LoadedConfig('(test)', { ...config, settings: { allowPlaintextKeys: true, ...config.settings, now: NOW } }), { warn: () => undefined });
  return planned.plan.manifests.map(m => cdk8s.canonicalManifest(m.manifest));
}

function cdk8sChart(): Chart {
  const app = new App();
  cdk8s.configureSynth(app, { now: new Date(NOW), warn: () => undefined, allowPlaintextKeys: true });
  return new Chart(app, 'scenario');
}

/** Object by object, keyed by kind, namespace and name. */
function byObject(manifests: readonly unknown[]): Map<string, unknown> {
  return new Map((manifests as cdk8s.Manifest[]).map(m => [`${m.kind}/${m.metadata.namespace}/${m.metadata.name}`, m]));
}

async function expectSameObjects(config: GatewayConfig, chart: Chart, components: readonly Component[], count: number) {
  const viaConfig = fromConfig(config);
  expect(viaConfig).toHaveLength(count);
  const viaCdk8s = chart.toJson();
  // Exact equality, key order included: the config adapter writes what cdk8s writes.
  expect(JSON.stringify(viaConfig.sort(compareIds))).toEqual(JSON.stringify([...viaCdk8s].sort(compareIds)));
  expect(byObject(await fromPulumi(components))).toEqual(byObject(viaConfig));
}

function compareIds(a: unknown, b: unknown): number {
  const id = (m: unknown) => { const x = m as cdk8s.Manifest; return `${x.kind}/${x.metadata.namespace}/${x.metadata.name}`; };
  return id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0;
}

describe('config, cdk8s and Pulumi adapters emit the same objects', () => {
  test('the seed scenario', async () => {
    const chart = cdk8sChart();
    const gateway = new cdk8s.GatewayRef({ name: 'agentgateway', namespace: 'agentgateway-system' });
    new cdk8s.LlmRoute(chart, 'openai', { gateway, provider: cdk8s.LlmProvider.openai(), requestTimeout: '120s' });
    const team1 = new cdk8s.TeamApiKey(chart, 'team1', {
      team: 'team1', key: cdk8s.SecretValue.unsafePlainText('team1-key'), metadata: { 'x-org': 'developers' }, labels: { 'llm-provider': 'openai' },
    });
    // The seed's visible opt-outs, as SEED_CONFIG has them.
    const seedAuth = {
      authConfigName: 'apikey-auth', headerName: 'vanity-auth', headersFromMetadata: [{ header: 'x-org', required: false }],
      trustClientIdentityHeaders: true, forwardKeyHeader: true,
    };
    new cdk8s.GatewayAuthPolicy(chart, 'auth', { gateway, ...seedAuth, keys: [team1] });

    const pGateway = new agw.GatewayRef({ name: 'agentgateway', namespace: 'agentgateway-system' });
    const pTeam = new agw.TeamApiKey('team1', {
      team: 'team1', key: pulumi.secret('team1-key'), metadata: { 'x-org': 'developers' }, labels: { 'llm-provider': 'openai' },
    });
    const components = [
      new agw.LlmRoute('openai', { gateway: pGateway, provider: agw.LlmProvider.openai(), requestTimeout: '120s' }),
      pTeam,
      new agw.GatewayAuthPolicy('auth', { gateway: pGateway, ...seedAuth, keys: [pTeam] }),
    ];
    await expectSameObjects(SEED_CONFIG, chart, components, 5);
    expect(byObject(fromConfig(SEED_CONFIG))).toEqual(byObject([...seedManifests().values()].flat()));
  });

  test('3 teams, 2 providers, label-selected keys, a route-targeted policy', async () => {
    const labels = { 'api-key-group': 'llm-users' };
    const teams = ['alpha', 'beta', 'gamma'];
    const config: GatewayConfig = {
      routes: [
        { provider: 'openai', options: { model: 'gpt-4o-mini' } },
        { provider: 'anthropic', name: 'claude', credential: { secretRef: { name: 'anthropic-key', key: 'token' } } },
      ],
      auth: { keySelection: { labels }, headersFromMetadata: [{ header: 'x-org', required: true }], targetRoutes: ['openai', 'claude'] },
      teams: teams.map(team => ({ team, key: { literal: fixtureKeyText(team) }, metadata: { 'x-org': team } })),
    };

    const chart = cdk8sChart();
    const openai = new cdk8s.LlmRoute(chart, 'openai', { provider: cdk8s.LlmProvider.openai({ model: 'gpt-4o-mini' }) });
    const claude = new cdk8s.LlmRoute(chart, 'claude', {
      name: 'claude', provider: cdk8s.LlmProvider.anthropic(), credential: cdk8s.ProviderCredential.fromSecret('anthropic-key', { key: 'token' }),
    });
    teams.forEach(team => new cdk8s.TeamApiKey(chart, team, {
      team, key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText(team)), metadata: { 'x-org': team }, labels,
    }));
    new cdk8s.GatewayAuthPolicy(chart, 'auth', {
      keySelection: cdk8s.KeySelection.labelSelector(labels), headersFromMetadata: [{ header: 'x-org', required: true }],
      target: cdk8s.PolicyTarget.routes(openai, claude),
    });

    const pOpenai = new agw.LlmRoute('openai', { provider: agw.LlmProvider.openai({ model: 'gpt-4o-mini' }) });
    const pClaude = new agw.LlmRoute('claude', {
      name: 'claude', provider: agw.LlmProvider.anthropic(), credential: agw.ProviderCredential.fromSecret('anthropic-key', { key: 'token' }),
    });
    const components: Component[] = [pOpenai, pClaude, ...teams.map(team => new agw.TeamApiKey(team, {
      team, key: pulumi.secret(fixtureKeyText(team)), metadata: { 'x-org': team }, labels,
    }))];
    components.push(new agw.GatewayAuthPolicy('auth', {
      keySelection: agw.KeySelection.labelSelector(labels), headersFromMetadata: [{ header: 'x-org', required: true }],
      target: agw.PolicyTarget.routes(pOpenai, pClaude),
    }));
    // Routes and backends, three key Secrets, AuthConfig, policy and the identity strip policy.
    await expectSameObjects(config, chart, components, 2 * 2 + 3 + 3);
  });

  test('built-in auth with hashed keys', async () => {
    const hash = (team: string) => cdk8s.hashKey(cdk8s.SecretValue.unsafePlainText(fixtureKeyText(team)));
    const config: GatewayConfig = {
      auth: { mode: 'builtIn', builtIn: { hashedKeys: true }, headersFromMetadata: [{ header: 'x-org' }] },
      teams: ['alpha', 'beta'].map(team => ({ team, key: { hash: hash(team) }, metadata: { 'x-org': team } })),
    };
    const mode = () => ({ mode: cdk8s.ApiKeyAuthMode.builtIn({ hashedKeys: true }), headersFromMetadata: [{ header: 'x-org' }] });

    const chart = cdk8sChart();
    const keys = ['alpha', 'beta'].map(team => new cdk8s.TeamApiKey(chart, team, {
      team, key: cdk8s.KeySource.fromHash(hash(team)), metadata: { 'x-org': team },
    }));
    new cdk8s.GatewayAuthPolicy(chart, 'auth', { ...mode(), keys });

    const pKeys = ['alpha', 'beta'].map(team => new agw.TeamApiKey(team, {
      team, key: agw.KeySource.fromHash(hash(team)), metadata: { 'x-org': team }, keyStorage: agw.GatewayAuthPolicy.keyStorageFor(mode()),
    }));
    await expectSameObjects(config, chart, [...pKeys, new agw.GatewayAuthPolicy('auth', { ...mode(), keys: pKeys })], 4);
  });

  test('usage telemetry: policy, price catalog, dashboard and alerts from the same teams', async () => {
    const hash = (team: string) => cdk8s.hashKey(cdk8s.SecretValue.unsafePlainText(fixtureKeyText(team)));
    const names = ['research', 'support', 'platform'];
    const notAfter = (team: string) => team === 'research' ? { notAfter: '2027-01-01T00:00:00Z' } : {};
    const metadata = (team: string) => ({ 'x-org': team, 'cost-center': team === 'support' ? 'cc-200' : 'cc-100' });
    const usage = {
      metadataLabels: [{ name: 'cost_center', metadataKey: 'cost-center' }],
      modelPrices: [{ provider: 'openai', model: 'gpt-4o-mini', input: '0.15', output: '0.6' }],
      alerts: { ruleLabels: { release: 'kube-prometheus-stack' } },
    };
    const config: GatewayConfig = {
      auth: { mode: 'builtIn', builtIn: { hashedKeys: true }, headersFromMetadata: [{ header: 'x-org' }] },
      teams: names.map(team => ({ team, keys: [{ source: { hash: hash(team) }, ...notAfter(team) }], metadata: metadata(team) })),
      usage,
    };
    const mode = () => ({ mode: cdk8s.ApiKeyAuthMode.builtIn({ hashedKeys: true }), headersFromMetadata: [{ header: 'x-org' }] });

    const chart = cdk8sChart();
    const keys = names.map(team => new cdk8s.TeamApiKey(chart, team, {
      team, keys: [{ source: cdk8s.KeySource.fromHash(hash(team)), ...notAfter(team) }], metadata: metadata(team),
    }));
    const policy = new cdk8s.GatewayAuthPolicy(chart, 'auth', { ...mode(), keys });
    new cdk8s.TeamUsage(chart, 'usage', { policy, ...usage });

    const pKeys = names.map(team => new agw.TeamApiKey(team, {
      team, keys: [{ source: agw.KeySource.fromHash(hash(team)), ...notAfter(team) }], metadata: metadata(team),
      keyStorage: agw.GatewayAuthPolicy.keyStorageFor(mode()),
    }));
    const pPolicy = new agw.GatewayAuthPolicy('auth', { ...mode(), keys: pKeys });
    // Three key ConfigMaps, the auth and strip policies, then the usage policy, prices, dashboard and PrometheusRule.
    await expectSameObjects(config, chart, [...pKeys, pPolicy, new agw.TeamUsage('usage', { policy: pPolicy, ...usage })], 9);
  });

  test('every key source, rotation and revocation', async () => {
    const external = { storeName: 'vault', storeKind: 'ClusterSecretStore' as const, remoteKey: 'llm/platform', property: 'key' };
    const config: GatewayConfig = {
      auth: { headersFromMetadata: [{ header: 'x-org' }] },
      teams: [
        { team: 'platform', key: { externalSecret: external }, metadata: { 'x-org': 'platform' } },
        { team: 'research', key: { sealedSecret: { encryptedKey: 'AgBy3i4OJSWK+PiTySYZZA==' } }, metadata: { 'x-org': 'research' } },
        { team: 'legacy', key: { existingSecret: { metadataKeys: ['x-org'] } } },
        {
          team: 'rotating', metadata: { 'x-org': 'rotating' }, keys: [
            { source: { literal: fixtureKeyText('old') }, notAfter: '2026-12-31T00:00:00Z' },
            { source: { literal: fixtureKeyText('new') }, name: 'v2', notBefore: '2026-11-01T00:00:00Z' },
            { source: { literal: fixtureKeyText('next') }, name: 'v3', notBefore: '2027-06-01T00:00:00Z' },
          ],
        },
        { team: 'gone', key: { literal: fixtureKeyText('gone') }, revoked: { reason: 'left the company' } },
      ],
    };
    const rotation = <S>(source: (team: string) => S) => [
      { source: source('old'), notAfter: '2026-12-31T00:00:00Z' },
      { source: source('new'), name: 'v2', notBefore: '2026-11-01T00:00:00Z' },
      { source: source('next'), name: 'v3', notBefore: '2027-06-01T00:00:00Z' },
    ];

    const chart = cdk8sChart();
    const keys = [
      new cdk8s.TeamApiKey(chart, 'platform', { team: 'platform', key: cdk8s.KeySource.fromExternalSecret(external), metadata: { 'x-org': 'platform' } }),
      new cdk8s.TeamApiKey(chart, 'research', {
        team: 'research', key: cdk8s.KeySource.fromSealedSecret({ encryptedKey: 'AgBy3i4OJSWK+PiTySYZZA==' }), metadata: { 'x-org': 'research' },
      }),
      new cdk8s.TeamApiKey(chart, 'legacy', { team: 'legacy', key: cdk8s.KeySource.fromExistingSecret({ metadataKeys: ['x-org'] }) }),
      new cdk8s.TeamApiKey(chart, 'rotating', {
        team: 'rotating', metadata: { 'x-org': 'rotating' }, keys: rotation(t => cdk8s.SecretValue.unsafePlainText(fixtureKeyText(t))),
      }),
      new cdk8s.TeamApiKey(chart, 'gone', { team: 'gone', key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText('gone')), revoked: { reason: 'left the company' } }),
    ];
    new cdk8s.GatewayAuthPolicy(chart, 'auth', { headersFromMetadata: [{ header: 'x-org' }], keys });

    const pKeys = [
      new agw.TeamApiKey('platform', { team: 'platform', key: agw.KeySource.fromExternalSecret(external), metadata: { 'x-org': 'platform' } }),
      new agw.TeamApiKey('research', {
        team: 'research', key: agw.KeySource.fromSealedSecret({ encryptedKey: 'AgBy3i4OJSWK+PiTySYZZA==' }), metadata: { 'x-org': 'research' },
      }),
      new agw.TeamApiKey('legacy', { team: 'legacy', key: agw.KeySource.fromExistingSecret({ metadataKeys: ['x-org'] }) }),
      new agw.TeamApiKey('rotating', { team: 'rotating', metadata: { 'x-org': 'rotating' }, keys: rotation(t => pulumi.secret(fixtureKeyText(t))) }),
      new agw.TeamApiKey('gone', { team: 'gone', key: fixtureKeyText('gone'), revoked: { reason: 'left the company' } }),
    ];
    // ExternalSecret, SealedSecret, two active rotating keys, and the policy's AuthConfig, policy and strip policy.
    await expectSameObjects(config, chart, [...pKeys, new agw.GatewayAuthPolicy('auth', { headersFromMetadata: [{ header: 'x-org' }], keys: pKeys })], 7);
  });

  test('budgets (team-wide and narrowed) and access on built-in auth: the same objects from all three adapters', async () => {
    type Budget = { requests?: number; tokens?: number; unit: 'Minutes' | 'Hours'; routes?: string[]; models?: string[] };
    const declared: Record<string, { budgets?: Budget[]; access?: { routes?: string[]; models?: string[] } }> = {
      research: { budgets: [{ tokens: 100000, unit: 'Hours' }, { requests: 5, unit: 'Minutes', models: ['claude-*'] }], access: { models: ['gpt-4o*', 'claude-*'] } },
      support: { budgets: [{ requests: 10, unit: 'Minutes', routes: ['openai'] }], access: { routes: ['openai'] } },
      platform: {},
    };
    const names = Object.keys(declared);
    const mode = () => ({ mode: cdk8s.ApiKeyAuthMode.builtIn({ hashedKeys: true }), headersFromMetadata: [{ header: 'x-org' }] });
    const hash = (team: string) => cdk8s.hashKey(cdk8s.SecretValue.unsafePlainText(fixtureKeyText(team)));
    const config: GatewayConfig = {
      routes: [{ provider: 'openai', options: { model: 'gpt-4o-mini' } }, { provider: 'anthropic', options: { model: 'claude-3-5-haiku-latest' } }],
      auth: { mode: 'builtIn', builtIn: { hashedKeys: true }, headersFromMetadata: [{ header: 'x-org' }] },
      teams: names.map(t => ({ team: t, key: { hash: hash(t) }, metadata: { 'x-org': t }, ...declared[t] })),
      usage: { dashboard: false },
    };

    // cdk8s: the policy and usage first, routes and keys after them; the per-route policies and alerts still see them.
    const chart = cdk8sChart();
    const policy = new cdk8s.GatewayAuthPolicy(chart, 'auth', mode());
    new cdk8s.TeamUsage(chart, 'usage', { policy, dashboard: false });
    new cdk8s.LlmRoute(chart, 'openai', { provider: cdk8s.LlmProvider.openai({ model: 'gpt-4o-mini' }) });
    policy.addKey(...names.map(t => new cdk8s.TeamApiKey(chart, t, { team: t, key: cdk8s.KeySource.fromHash(hash(t)), metadata: { 'x-org': t }, ...declared[t] })));
    new cdk8s.LlmRoute(chart, 'anthropic', { provider: cdk8s.LlmProvider.anthropic({ model: 'claude-3-5-haiku-latest' }) });
    expect(policy.routePolicies).toHaveLength(2);

    // Pulumi: routes first (a later route is refused, see below), teams stored for the policy.
    const pRoutes = [
      new agw.LlmRoute('openai', { provider: agw.LlmProvider.openai({ model: 'gpt-4o-mini' }) }),
      new agw.LlmRoute('anthropic', { provider: agw.LlmProvider.anthropic({ model: 'claude-3-5-haiku-latest' }) }),
    ];
    const pKeys = names.map(t => new agw.TeamApiKey(t, {
      team: t, key: agw.KeySource.fromHash(hash(t)), metadata: { 'x-org': t }, keyStorage: agw.GatewayAuthPolicy.keyStorageFor(mode()), ...declared[t],
    }));
    const pPolicy = new agw.GatewayAuthPolicy('auth', { ...mode(), keys: pKeys });
    const pUsage = new agw.TeamUsage('usage', { policy: pPolicy, dashboard: false });
    // Routes and backends, three hashed-key ConfigMaps, the auth and strip policies, one policy per route, the usage
    // policy and its PrometheusRule.
    await expectSameObjects(config, chart, [...pRoutes, ...pKeys, pPolicy, pUsage], 2 * 2 + 3 + 2 + 2 + 2);
    // The narrowed budgets' alerts read only their routes' traffic, in every adapter (the objects are equal).
    const rule = (fromConfig(config) as cdk8s.Manifest[]).find(m => m.kind === 'PrometheusRule')!;
    const exprs = (rule.spec as { groups: { rules: { alert?: string; expr: string }[] }[] }).groups.flatMap(g => g.rules)
      .filter(r => r.alert === 'AgentgatewayTeamBudgetBurn').map(r => r.expr);
    expect(exprs.filter(e => e.includes('route=~"agentgateway-system/anthropic"'))).toEqual([expect.stringContaining('team="research"')]);
    expect(exprs.filter(e => e.includes('route=~"agentgateway-system/openai"'))).toEqual([expect.stringContaining('team="support"')]);
    // research's team-wide budget counts apart on each route that carries narrowed budgets.
    expect(exprs.filter(e => e.includes('route!~"agentgateway-system/anthropic|agentgateway-system/openai"'))).toEqual([expect.stringContaining('team="research"')]);
    const anthropic = (fromConfig(config) as cdk8s.Manifest[]).find(m => m.metadata.name === 'api-key-auth-access-anthropic')!;
    expect(Object.keys((anthropic.spec as { traffic: object }).traffic)).toEqual(['authorization', 'rateLimit']);

    let reasons: string[] = [];
    try {
      new agw.LlmRoute('gemini', { provider: agw.LlmProvider.gemini({ model: 'gemini-2.0-flash' }) });
    } catch (e) {
      reasons = [(e as Error).message];
    }
    expect(reasons).toEqual([expect.stringContaining('a route created before the GatewayAuthPolicy auth, which gives every route on the gateway its own access or budget policy')]);
  });

  test('budgets and access nothing would enforce: every adapter refuses them plainly instead of dropping them', () => {
    const team = { team: 'research', metadata: { 'x-org': 'research' }, budgets: [{ tokens: 1000, unit: 'Hours' as const }], access: { routes: ['openai'] } };
    const config: GatewayConfig = {
      routes: [{ provider: 'openai' }], auth: { mode: 'builtIn', headersFromMetadata: [{ header: 'x-org' }] },
      teams: [{ ...team, key: { literal: fixtureKeyText('research') } }],
    };
    expect(() => fromConfig({ ...config, auth: undefined })).toThrow('budgets: expected no budgets without an auth policy (`auth`): nothing would enforce them');

    const chart = cdk8sChart();
    new cdk8s.LlmRoute(chart, 'openai', { provider: cdk8s.LlmProvider.openai() });
    const research = new cdk8s.TeamApiKey(chart, 'research', { ...team, key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText('research')) });
    expect(() => chart.toJson()).toThrow(/\[scenario\/research\] access: expected no access on a team no GatewayAuthPolicy lists/);
    expect(() => chart.toJson()).toThrow(/\[scenario\/research\] budgets: expected no budgets on a team no GatewayAuthPolicy lists/);
    new cdk8s.GatewayAuthPolicy(chart, 'auth', { mode: cdk8s.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }], keys: [research] });
    expect(chart.toJson().map(m => m.metadata.name)).toContain('api-key-auth-access-openai');
    // A listed team without the identity metadata is caught by the policy, naming the team.
    const bare = cdk8sChart();
    const anonymous = new cdk8s.TeamApiKey(bare, 'anonymous', {
      team: 'anonymous', key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText('anonymous')), budgets: team.budgets,
    });
    new cdk8s.GatewayAuthPolicy(bare, 'auth', {
      mode: cdk8s.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org', required: false }, { header: 'x-team', metadataKey: 'team-id' }], keys: [anonymous],
    });
    expect(() => bare.toJson()).toThrow(/\[scenario\/auth\] keys \(scenario\/anonymous\) metadata\.team-id: expected the metadata entry "team-id" \(identity header x-team\)/);
    let reasons: string[] = [];
    try {
      new agw.TeamApiKey('research-budgets', { ...team, key: pulumi.secret(fixtureKeyText('research')) });
    } catch (e) {
      reasons = (e as { errors: { propertyPath: string; reason: string }[] }).errors.map(x => `${x.propertyPath}: ${x.reason}`);
    }
    expect(reasons).toEqual([
      expect.stringMatching(/^budgets: expected no budgets on a team stored for ext-auth \(budgets and access need a built-in auth policy: create the team with `keyStorage: GatewayAuthPolicy.keyStorageFor\(args\)`/),
      expect.stringMatching(/^access: expected no access on a team stored for ext-auth/),
    ]);
    // A Pulumi policy reports a listed team's problems under its `keys`, naming the team.
    const storage = agw.GatewayAuthPolicy.keyStorageFor({ mode: cdk8s.ApiKeyAuthMode.builtIn() });
    const stray = new agw.TeamApiKey('stray', { ...team, metadata: {}, key: pulumi.secret(fixtureKeyText('stray')), keyStorage: storage });
    expect(() => new agw.GatewayAuthPolicy('auth', { mode: cdk8s.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }], keys: [stray] }))
      .toThrow(/keys \(stray\) metadata\.x-org|invalid inputs/);
  });

  test('budgets on built-in auth: config and cdk8s emit the same limits in the same auth policy', async () => {
    const budgets = (team: string) => team === 'platform' ? {} : { budgets: [{ tokens: team === 'research' ? 100000 : 5000, unit: 'Hours' as const }] };
    const names = ['research', 'support', 'platform'];
    const config: GatewayConfig = {
      routes: [{ provider: 'openai' }, { provider: 'anthropic' }],
      auth: { mode: 'builtIn', headersFromMetadata: [{ header: 'x-org' }] },
      teams: names.map(t => ({ team: t, key: { literal: fixtureKeyText(t) }, metadata: { 'x-org': t }, ...budgets(t) })),
    };
    const chart = cdk8sChart();
    new cdk8s.LlmRoute(chart, 'openai', { provider: cdk8s.LlmProvider.openai() });
    new cdk8s.LlmRoute(chart, 'anthropic', { provider: cdk8s.LlmProvider.anthropic() });
    const keys = names.map(t => new cdk8s.TeamApiKey(chart, t, {
      team: t, key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText(t)), metadata: { 'x-org': t }, ...budgets(t),
    }));
    new cdk8s.GatewayAuthPolicy(chart, 'auth', { mode: cdk8s.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }], keys });
    const viaConfig = fromConfig(config);
    expect(JSON.stringify(viaConfig.sort(compareIds))).toEqual(JSON.stringify([...chart.toJson()].sort(compareIds)));
    const auth = (viaConfig as cdk8s.Manifest[]).find(m => m.metadata.name === 'api-key-auth')!;
    expect((auth.spec as { traffic: { rateLimit: { conditional: unknown[] } } }).traffic.rateLimit.conditional).toHaveLength(2);
  });

  test('shared budgets: config and cdk8s emit the same rate-limit server, its config and limits, in both auth modes', () => {
    const budgets = (team: string) => team === 'platform' ? {} : {
      budgets: team === 'research'
        ? [{ tokens: 1000000, unit: 'Days' as const }, { requests: 10, unit: 'Seconds' as const, burst: 5, scope: 'replica' as const }]
        : [{ requests: 100, unit: 'Hours' as const }],
    };
    const names = ['research', 'support', 'platform'];
    for (const builtIn of [true, false]) {
      const teamBudgets = (t: string) => builtIn ? budgets(t) : { budgets: budgets(t).budgets?.filter(b => !('scope' in b)) };
      const config: GatewayConfig = {
        routes: [{ provider: 'openai' }, { provider: 'anthropic' }],
        ...(builtIn ? { rateLimitServer: {} } : {}),
        auth: { mode: builtIn ? 'builtIn' : 'extAuth', headersFromMetadata: [{ header: 'x-org' }] },
        teams: names.map(t => ({ team: t, key: { literal: fixtureKeyText(t) }, metadata: { 'x-org': t }, ...teamBudgets(t) })),
      };
      const chart = cdk8sChart();
      new cdk8s.LlmRoute(chart, 'openai', { provider: cdk8s.LlmProvider.openai() });
      new cdk8s.LlmRoute(chart, 'anthropic', { provider: cdk8s.LlmProvider.anthropic() });
      const server = builtIn ? new cdk8s.RateLimitServer(chart, 'ratelimit') : undefined;
      const keys = names.map(t => new cdk8s.TeamApiKey(chart, t, {
        team: t, key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText(t)), metadata: { 'x-org': t }, ...teamBudgets(t),
      }));
      const policy = new cdk8s.GatewayAuthPolicy(chart, 'auth', {
        mode: builtIn ? cdk8s.ApiKeyAuthMode.builtIn() : cdk8s.ApiKeyAuthMode.extAuth(), headersFromMetadata: [{ header: 'x-org' }],
        rateLimitServer: server?.ref,
      });
      // Keys added after construction still land in the shared budgets.
      policy.addKey(...keys);
      const viaConfig = fromConfig(config) as cdk8s.Manifest[];
      expect(JSON.stringify(viaConfig.sort(compareIds))).toEqual(JSON.stringify([...chart.toJson()].sort(compareIds)));
      expect(viaConfig.map(m => m.kind)).toEqual(expect.arrayContaining(builtIn ? ['ConfigMap', 'Deployment', 'Service'] : ['RateLimitConfig']));
    }
  });

  test('a deployed rate-limit server no built-in auth policy uses: config and cdk8s report it with the same words', () => {
    const unused = 'rateLimitServer: expected an auth policy in built-in mode that uses this server: nothing writes its config or sends it budgets, got "ratelimit"';
    const team = { team: 'research', key: { literal: fixtureKeyText('research') }, metadata: { 'x-org': 'research' } };
    for (const mode of ['no auth policy', 'extAuth', 'builtIn naming another server'] as const) {
      // The config file has one auth policy, and a deployed server is the reference of a built-in one unless it names another (an error of its own).
      if (mode !== 'builtIn naming another server') {
        const config: GatewayConfig = { rateLimitServer: {}, teams: [team], ...(mode === 'extAuth' ? { auth: { mode: 'extAuth' } } : {}) };
        expect([mode, configProblems(() => fromConfig(config))]).toEqual([mode, [`rateLimitServer.${unused}`]]);
      }
      const chart = cdk8sChart();
      new cdk8s.RateLimitServer(chart, 'ratelimit');
      const key = new cdk8s.TeamApiKey(chart, 'research', { team: 'research', key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText('research')), metadata: { 'x-org': 'research' } });
      if (mode === 'extAuth') new cdk8s.GatewayAuthPolicy(chart, 'auth', { keys: [key] });
      if (mode === 'builtIn naming another server') {
        new cdk8s.GatewayAuthPolicy(chart, 'auth', { mode: cdk8s.ApiKeyAuthMode.builtIn(), rateLimitServer: { backendRef: { name: 'other' } }, keys: [key] });
      }
      expect(() => chart.toJson()).toThrow(`[scenario/ratelimit] ${unused}`);
    }
  });

  // Last: the Pulumi resources it registers would otherwise join the next scenario's objects.
  test('usage on an ext-auth policy that trusts client identity headers: every adapter refuses it', () => {
    const auth = { headersFromMetadata: [{ header: 'x-org' }], trustClientIdentityHeaders: true };
    const config: GatewayConfig = { auth, teams: [{ team: 'research', key: { literal: fixtureKeyText('research') }, metadata: { 'x-org': 'research' } }], usage: {} };
    expect(() => fromConfig(config)).toThrow(/usage.*trustClientIdentityHeaders: expected false: with ext-auth the team label reads the injected header/);
    const chart = cdk8sChart();
    new cdk8s.TeamUsage(chart, 'usage', { policy: new cdk8s.GatewayAuthPolicy(chart, 'auth', auth) });
    expect(() => chart.toJson()).toThrow(/\[scenario\/usage\] policy\.trustClientIdentityHeaders: expected false/);
    let error: { propertyPath?: string; reason?: string } = {};
    try {
      const team = new agw.TeamApiKey('team-trusting', { team: 'trusting', key: pulumi.secret(fixtureKeyText('trusting')), metadata: { 'x-org': 'trusting' } });
      new agw.TeamUsage('usage-trusting', { policy: new agw.GatewayAuthPolicy('auth-trusting', { ...auth, name: 'trusting', keys: [team] }) });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.propertyPath).toBe('policy.trustClientIdentityHeaders');
    expect(error.reason).toMatch(/^expected false: with ext-auth the team label reads the injected header/);
  });
});
