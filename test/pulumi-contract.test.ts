import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import * as cdk8s from '../src';
import type * as AgwPulumi from '../src/pulumi';
import { buildDefaultApp } from '../src/main';
import { fixtureKeyText, seedManifests, unwrapPulumiSecrets } from './helpers';
import { usePulumiMocks } from './pulumi-mocks';

const mocks = usePulumiMocks(() => ({ now: new Date('2026-11-27T00:00:00Z'), warn: () => undefined, allowPlaintextKeys: true }));
const registered = mocks.registered;
let agw: typeof AgwPulumi;
beforeAll(() => {
  agw = mocks.agw;
});

/** An output's value, or its error (Outputs expose their promise to tests). */
function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/** Paths of secret values in the last {@link manifestsOf} call, as `Kind/name/field`. */
let secretPaths: string[] = [];

/** Waits until every child resource is registered, then returns the Kubernetes objects' inputs as manifests. */
async function manifestsOf(components: { resources: readonly pulumi.CustomResource[] }[]): Promise<cdk8s.Manifest[]> {
  await Promise.all(components.flatMap(c => c.resources.map(r => settled(r.urn))));
  secretPaths = [];
  return registered.filter(r => r.type.startsWith('kubernetes:')).map(r =>
    unwrapPulumiSecrets(r.inputs, `${r.inputs.kind}/${r.inputs.metadata?.name}`, secretPaths) as cdk8s.Manifest);
}

/** Object by object, keyed by kind and name, so order of registration does not matter. */
function byObject(manifests: readonly cdk8s.Manifest[]): Map<string, unknown> {
  return new Map(manifests.map(m => [`${m.kind}/${m.metadata.namespace}/${m.metadata.name}`, m]));
}

describe('Pulumi components emit what the cdk8s constructs emit', () => {
  test('the seed scenario equals the seed manifests', async () => {
    const gateway = new agw.GatewayRef({ name: 'agentgateway', namespace: 'agentgateway-system' });
    const route = new agw.LlmRoute('openai', { gateway, provider: agw.LlmProvider.openai(), requestTimeout: '120s' });
    const team1 = new agw.TeamApiKey('team1', {
      team: 'team1', key: pulumi.secret('team1-key'), metadata: { 'x-org': 'developers' }, labels: { 'llm-provider': 'openai' },
    });
    const policy = new agw.GatewayAuthPolicy('api-key-auth', {
      gateway, authConfigName: 'apikey-auth', headerName: 'vanity-auth', keys: [team1],
      // The seed's opt-outs, as in SEED_CONFIG.
      headersFromMetadata: [{ header: 'x-org', required: false }], trustClientIdentityHeaders: true, forwardKeyHeader: true,
    });
    const fromPulumi = await manifestsOf([route, team1, policy]);
    expect(byObject(fromPulumi)).toEqual(byObject([...seedManifests().values()].flat()));
    expect(byObject(fromPulumi)).toEqual(byObject(buildDefaultApp(new App()).charts.flatMap(c => c.toJson())));
    await expect(pulumi.isSecret((team1.resources[0] as any).data)).resolves.toBe(true);
    expect(secretPaths).toEqual(['Secret/team1-apikey/data']);
  });

  test('3 teams, 2 providers and label-selector keys equal the cdk8s manifests', async () => {
    const labels = { 'api-key-group': 'llm-users' };
    const teams = ['alpha', 'beta', 'gamma'];
    const selection = () => ({ keySelection: cdk8s.KeySelection.labelSelector(labels), headersFromMetadata: [{ header: 'x-org', required: true }] });

    const app = new App();
    cdk8s.configureSynth(app, { now: new Date('2026-11-27T00:00:00Z'), warn: () => undefined, allowPlaintextKeys: true });
    const chart = new Chart(app, 'scenario');
    new cdk8s.LlmRoute(chart, 'OpenAi', { provider: cdk8s.LlmProvider.openai({ model: 'gpt-4o-mini' }) });
    new cdk8s.LlmRoute(chart, 'Claude', { provider: cdk8s.LlmProvider.anthropic(), credential: cdk8s.ProviderCredential.fromSecret('anthropic-key', { key: 'token' }) });
    teams.forEach(team => new cdk8s.TeamApiKey(chart, team, {
      team, key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText(team)), metadata: { 'x-org': team }, labels,
    }));
    new cdk8s.GatewayAuthPolicy(chart, 'Auth', selection());

    const components: { resources: readonly pulumi.CustomResource[] }[] = [
      new agw.LlmRoute('openai', { provider: agw.LlmProvider.openai({ model: 'gpt-4o-mini' }) }),
      new agw.LlmRoute('claude', { provider: agw.LlmProvider.anthropic(), credential: cdk8s.ProviderCredential.fromSecret('anthropic-key', { key: 'token' }) }),
      // Three ways to pass a key: a secret Output, a plain string, a SecretValue.
      new agw.TeamApiKey('alpha', { team: 'alpha', key: pulumi.secret(fixtureKeyText('alpha')), metadata: { 'x-org': 'alpha' }, labels }),
      new agw.TeamApiKey('beta', { team: 'beta', key: fixtureKeyText('beta'), metadata: { 'x-org': 'beta' }, labels }),
      new agw.TeamApiKey('gamma', { team: 'gamma', key: agw.SecretValue.unsafePlainText(fixtureKeyText('gamma')), metadata: { 'x-org': 'gamma' }, labels }),
    ];
    components.push(new agw.GatewayAuthPolicy('auth', selection()));
    const fromPulumi = await manifestsOf(components);
    expect(fromPulumi).toHaveLength(2 * 2 + 3 + 3); // routes, keys, AuthConfig + policy + identity strip policy
    expect(byObject(fromPulumi)).toEqual(byObject(chart.toJson()));
    for (const team of components.filter((c): c is AgwPulumi.TeamApiKey => c instanceof agw.TeamApiKey)) {
      await expect(pulumi.isSecret((team.resources[0] as any).data)).resolves.toBe(true);
    }
    expect(secretPaths.sort()).toEqual(['Secret/alpha-apikey/data', 'Secret/beta-apikey/data', 'Secret/gamma-apikey/data']);
  });

  test('built-in hashed keys: the team takes the policy\'s storage', async () => {
    const args = { mode: agw.ApiKeyAuthMode.builtIn({ hashedKeys: true }), headersFromMetadata: [{ header: 'x-org' }] };
    const team = new agw.TeamApiKey('team1', {
      team: 'team1', key: pulumi.secret(fixtureKeyText('team1')), metadata: { 'x-org': 'developers' }, keyStorage: agw.GatewayAuthPolicy.keyStorageFor(args),
    });
    const policy = new agw.GatewayAuthPolicy('auth', { ...args, keys: [team] });
    const manifests = await manifestsOf([team, policy]);
    expect(manifests.map(m => `${m.kind}/${m.metadata.name}`).sort())
      .toEqual(['AgentgatewayPolicy/api-key-auth', 'AgentgatewayPolicy/api-key-auth-strip-identity', 'ConfigMap/team1-apikey']);
    const configMap = manifests.find(m => m.kind === 'ConfigMap')!;
    expect(JSON.stringify(manifests)).not.toContain(fixtureKeyText('team1'));
    expect(JSON.parse((configMap.data as any)['team1-apikey']).keyHash).toBe(cdk8s.hashKey(cdk8s.SecretValue.unsafePlainText(fixtureKeyText('team1'))));
  });
});

describe('Pulumi RateLimitServer', () => {
  test('emits the server, Redis, the shared-budget policy and the server config the cdk8s constructs emit', async () => {
    const server = new agw.RateLimitServer('ratelimit', { namespace: 'budgets', replicas: 2 });
    const app = new App();
    cdk8s.configureSynth(app, { now: new Date('2026-11-27T00:00:00Z'), warn: () => undefined, allowPlaintextKeys: true });
    const chart = new Chart(app, 'c');
    const cdk8sServer = new cdk8s.RateLimitServer(chart, 'ratelimit', { namespace: 'budgets', replicas: 2 });
    expect(server.ref).toEqual({ backendRef: { name: 'ratelimit', namespace: 'budgets', port: 8081 }, domain: 'agentgateway',
      failureMode: 'FailClosed', configMap: { name: 'ratelimit-config', namespace: 'budgets' } });
    const budgets = [{ tokens: 1_000_000, unit: 'Days' as const }, { requests: 10, unit: 'Seconds' as const, scope: 'replica' as const }];
    const args = { mode: agw.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }], rateLimitServer: server.ref };
    const team = new agw.TeamApiKey('research', {
      team: 'research', key: pulumi.secret(fixtureKeyText('research')), metadata: { 'x-org': 'research' }, budgets,
      keyStorage: agw.GatewayAuthPolicy.keyStorageFor(args),
    });
    const policy = new agw.GatewayAuthPolicy('auth', { ...args, keys: [team] });
    const key = new cdk8s.TeamApiKey(chart, 'research', {
      team: 'research', key: cdk8s.SecretValue.unsafePlainText(fixtureKeyText('research')), metadata: { 'x-org': 'research' }, budgets,
    });
    new cdk8s.GatewayAuthPolicy(chart, 'auth', { mode: cdk8s.ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }],
      rateLimitServer: cdk8sServer.ref, keys: [key] });
    const fromPulumi: cdk8s.Manifest[] = unwrapPulumiSecrets(await manifestsOf([server, team, policy]));
    expect(byObject(fromPulumi)).toEqual(byObject(chart.toJson()));
    expect(fromPulumi.map(m => `${m.kind}/${m.metadata.name}`)).toEqual(expect.arrayContaining(['ConfigMap/ratelimit-config', 'AgentgatewayPolicy/api-key-auth']));
  });
});

describe('Pulumi argument errors', () => {
  test('a bad argument raises InputPropertyError with the property path', () => {
    let error: unknown;
    try {
      new agw.LlmRoute('openai', { provider: agw.LlmProvider.openai(), pathPrefix: 'openai' });
    } catch (e) {
      error = e;
    }
    expect(pulumi.InputPropertyError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ propertyPath: 'pathPrefix', reason: expect.stringContaining('expected a path starting with "/"') });
  });

  test('several bad arguments raise InputPropertiesError listing each path; keys stay redacted', () => {
    new agw.TeamApiKey('team1', { team: 'team1', key: 'fixture-shared-key-0000000000000000000000' });
    let error: any;
    try {
      new agw.TeamApiKey('team2', { team: 'Team 2', key: 'fixture-shared-key-0000000000000000000000' });
    } catch (e) {
      error = e;
    }
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    expect(error.errors.map((e: any) => e.propertyPath)).toEqual(['team', 'secretName', 'key']);
    expect(JSON.stringify(error.errors)).not.toContain('fixture-shared-key');
  });

  test('a team whose storage does not match its built-in policy is refused', () => {
    const team = new agw.TeamApiKey('team1', { team: 'team1', key: fixtureKeyText('team1') });
    expect(() => new agw.GatewayAuthPolicy('auth', { mode: agw.ApiKeyAuthMode.builtIn(), keys: [team] }))
      .toThrow(expect.objectContaining({ propertyPath: 'keys[0]' }));
  });

  test('identity headers: a key lacking a required entry, and two strip lists on one Gateway, are refused', () => {
    const alpha = new agw.TeamApiKey('alpha', { team: 'alpha', key: fixtureKeyText('alpha'), metadata: { 'x-org': 'alpha' } });
    const beta = new agw.TeamApiKey('beta', { team: 'beta', key: fixtureKeyText('beta'), metadata: { tier: 'gold' } });
    expect(() => new agw.GatewayAuthPolicy('strict', { name: 'strict', headersFromMetadata: [{ header: 'x-org' }], keys: [beta] }))
      .toThrow(expect.objectContaining({ propertyPath: 'headersFromMetadata[0]', reason: expect.stringContaining('but beta does not') }));
    const gamma = new agw.TeamApiKey('gamma', { team: 'gamma', key: fixtureKeyText('gamma'), metadata: { 'x-org': 'gamma', tier: 'gold' } });
    new agw.GatewayAuthPolicy('chat', { name: 'chat', headersFromMetadata: [{ header: 'x-org' }], keys: [alpha] });
    expect(() => new agw.GatewayAuthPolicy('batch', {
      name: 'batch', headersFromMetadata: [{ header: 'x-org' }, { header: 'tier' }], keys: [gamma],
    })).toThrow(expect.objectContaining({
      propertyPath: 'headersFromMetadata', reason: expect.stringContaining('(chat strips x-org; PreRouting transformations do not merge'),
    }));
  });

  test('a deferred key is checked when it resolves, and the error never shows it', () => {
    expect(() => agw.checkDeferredKey('team1', 'key', '')).toThrow('team1: key: expected a non-empty key without whitespace, got <redacted>');
    expect(() => agw.checkDeferredKey('team1', 'keys[1].source', 'fixture key')).toThrow(/^(?!.*fixture key).*keys\[1\]\.source/);
    expect(() => agw.checkDeferredKey('team1', 'key', fixtureKeyText('team1'))).not.toThrow();
  });

  test('a deferred key another team already holds is refused when it resolves, without showing it', () => {
    new agw.TeamApiKey('team1', { team: 'team1', key: fixtureKeyText('shared') });
    expect(() => agw.checkDeferredKey('team2', 'key', fixtureKeyText('shared'), 'team2'))
      .toThrow('team2: key: expected a key no other team uses (team "team1" at team1 has the same key), got <redacted>');
    expect(() => agw.checkDeferredKey('team3', 'key', fixtureKeyText('team3'), 'team3')).not.toThrow();
    expect(() => agw.checkDeferredKey('team4', 'key', fixtureKeyText('team3'), 'team4')).toThrow(/team "team3" at team3/);
  });
});
