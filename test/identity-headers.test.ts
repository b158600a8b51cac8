import { Chart } from 'cdk8s';
import {
  ApiKeyAuthMode, GatewayAuthPolicy, GatewayRef, KeySelection, KeySource, LlmProvider, LlmRoute, Manifest, PolicyTarget,
  TeamApiKey,
} from '../src';
import { LoadedConfig, accessMatrix, planConfig } from '../src/config';
import { fixtureKey, fixtureKeyText, newApp, synth, synthError } from './helpers';

function quietChart(): Chart {
  return new Chart(newApp({ warn: () => undefined }), 'test');
}

function team(chart: Chart, name: string, metadata: Record<string, string> = { 'x-org': name, 'x-cost-center': `cc-${name}` }): TeamApiKey {
  return new TeamApiKey(chart, name, { team: name, key: fixtureKey(name), metadata });
}

const MODES = {
  'ext-auth': () => ApiKeyAuthMode.extAuth(),
  'built-in (AgentgatewayPolicy)': () => ApiKeyAuthMode.builtIn(),
  'built-in (EnterpriseAgentgatewayPolicy, hashed keys)': () => ApiKeyAuthMode.builtIn({ policyKind: 'EnterpriseAgentgatewayPolicy', hashedKeys: true }),
};

/** Policies carrying `traffic.phase: PreRouting`: the ones that run before route selection and authentication. */
function preRoutingPolicies(manifests: Manifest[]): any[] {
  return manifests.filter(m => (m.spec as any)?.traffic?.phase === 'PreRouting');
}

/** Every string in the manifests' specs that is CEL (transformation values, conditions, expressions). */
function celExpressions(manifests: Manifest[]): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string' && ['value', 'expression', 'condition', 'matchExpressions'].includes(key)) found.push(value);
    else if (Array.isArray(value)) value.forEach(v => walk(v, key));
    else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => walk(v, k));
  };
  manifests.filter(m => m.kind !== 'Secret' && m.kind !== 'ConfigMap').forEach(m => walk(m.spec, ''));
  return found;
}

describe.each(Object.entries(MODES))('identity headers, %s', (_, mode) => {
  test('client copies of every identity header are removed on the Gateway in PreRouting, before authentication', () => {
    const chart = quietChart();
    const auth = new GatewayAuthPolicy(chart, 'Auth', {
      mode: mode(), headerName: 'vanity-auth',
      headersFromMetadata: [{ header: 'x-org' }, { header: 'X-Cost-Center', metadataKey: 'x-cost-center' }],
      keys: [team(chart, 'alpha'), team(chart, 'beta')],
    });
    const manifests = synth(chart); // validates against the CRDs (Enterprise kind: the OSS schema plus its fields)
    const [strip, ...others] = preRoutingPolicies(manifests);
    expect(others).toEqual([]);
    const policyKind = auth.policy.kind;
    expect(strip).toEqual({
      apiVersion: auth.policy.apiVersion,
      kind: policyKind,
      metadata: { name: 'api-key-auth-strip-identity', namespace: 'agentgateway-system' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'agentgateway' }],
        traffic: { phase: 'PreRouting', transformation: { request: { remove: ['x-org', 'X-Cost-Center'] } } },
      },
    });
    expect(auth.stripPolicy?.name).toBe('api-key-auth-strip-identity');
    // The auth itself stays in the (default) PostRouting phase, so it runs after the strip.
    const policy = manifests.find(m => m.kind === policyKind && m.metadata.name === 'api-key-auth')!;
    expect((policy.spec as any).traffic.phase).toBeUndefined();
    // The spec names the identity headers for budgets, access rules and usage, with their post-auth CEL.
    expect(auth.spec.identityHeaders.map(h => [h.header, h.metadataKey, h.required])).toEqual([
      ['x-org', 'x-org', true], ['X-Cost-Center', 'x-cost-center', true],
    ]);
  });

  test('every emitted CEL expression and every identity expression reads the post-authentication value', () => {
    const chart = quietChart();
    const auth = new GatewayAuthPolicy(chart, 'Auth', {
      mode: mode(), headersFromMetadata: [{ header: 'x-org' }], keys: [team(chart, 'alpha')],
    });
    const manifests = synth(chart);
    const builtIn = auth.spec.mode.builtIn !== undefined;
    const [identity] = auth.spec.identityHeaders;
    // Built-in: the validated key's metadata, which no client can set. Ext-auth: the injected header, trustworthy
    // only because the PreRouting strip removed every client copy first.
    expect(identity.celExpression).toBe(builtIn ? 'apiKey["x-org"]' : 'request.headers["x-org"]');
    expect(auth.spec.stripPolicy).toBeDefined();
    for (const expression of celExpressions(manifests)) {
      expect(expression).not.toMatch(/request\.headers/);
      expect(expression).toMatch(/apiKey\["x-org"\]/);
    }
    expect(celExpressions(manifests)).toHaveLength(builtIn ? 1 : 0);
  });

  test('a selected key without the metadata entry fails synth, naming header, entry and key', () => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', {
      mode: mode(), headersFromMetadata: [{ header: 'x-org' }],
      keys: [team(chart, 'alpha'), team(chart, 'beta', { 'x-cost-center': 'cc-beta' })],
    });
    const message = synthError(chart);
    expect(message).toContain('headersFromMetadata[0]');
    expect(message).toContain('every selected key to carry metadata "x-org" (required), but test/beta does not');
    expect(message).not.toContain('test/alpha does not');
    expect(message).not.toMatch(/fixture_/);
  });

  test('trustClientIdentityHeaders: true emits no strip policy, and says so in the spec', () => {
    const chart = quietChart();
    const auth = new GatewayAuthPolicy(chart, 'Auth', {
      mode: mode(), headersFromMetadata: [{ header: 'x-org' }], keys: [team(chart, 'alpha')], trustClientIdentityHeaders: true,
    });
    expect(preRoutingPolicies(synth(chart))).toEqual([]);
    expect(auth.stripPolicy).toBeUndefined();
    expect(auth.spec.trustClientIdentityHeaders).toBe(true);
    expect(auth.spec.stripPolicy).toBeUndefined();
  });
});

describe('identity headers', () => {
  test('route-targeted auth still strips on the Gateway, in the Gateway\'s namespace', () => {
    const chart = quietChart();
    const gateway = new GatewayRef({ name: 'edge', namespace: 'gw' });
    const route = new LlmRoute(chart, 'OpenAi', { gateway, provider: LlmProvider.openai(), namespace: 'llm' });
    new GatewayAuthPolicy(chart, 'Auth', {
      gateway, namespace: 'llm', target: PolicyTarget.routes(route), headersFromMetadata: [{ header: 'x-org' }],
      keys: [new TeamApiKey(chart, 'Alpha', { team: 'alpha', namespace: 'llm', key: fixtureKey('alpha'), metadata: { 'x-org': 'alpha' } })],
    });
    const [strip] = preRoutingPolicies(synth(chart));
    expect(strip.metadata).toEqual({ name: 'api-key-auth-strip-identity', namespace: 'gw' });
    expect(strip.spec.targetRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge' }]);
  });

  test('ext-auth removes the vanity key header after authentication unless forwardKeyHeader is set', () => {
    for (const forwardKeyHeader of [false, true]) {
      const chart = quietChart();
      const auth = new GatewayAuthPolicy(chart, 'Auth', {
        headerName: 'vanity-auth', headersFromMetadata: [{ header: 'x-org' }], keys: [team(chart, 'alpha')], forwardKeyHeader,
      });
      const policy = synth(chart).find(m => m.metadata.name === auth.policyName && m.kind === 'EnterpriseAgentgatewayPolicy')!;
      expect((policy.spec as any).traffic.headerModifiers).toEqual(forwardKeyHeader ? undefined : { request: { remove: ['vanity-auth'] } });
    }
  });

  test('required: false is explicit, and still strips client copies', () => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', {
      headersFromMetadata: [{ header: 'x-team-tier', required: false }], keys: [team(chart, 'alpha')],
    });
    const manifests = synth(chart);
    expect((manifests.find(m => m.kind === 'AuthConfig')!.spec as any).configs[0].apiKeyAuth.headersFromMetadataEntry)
      .toEqual({ 'x-team-tier': { name: 'x-team-tier' } });
    expect(preRoutingPolicies(manifests)[0].spec.traffic.transformation.request.remove).toEqual(['x-team-tier']);
  });

  test('ext-auth emits required: true for identity headers by default', () => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', { headersFromMetadata: [{ header: 'x-org' }], keys: [team(chart, 'alpha')] });
    expect((synth(chart).find(m => m.kind === 'AuthConfig')!.spec as any).configs[0].apiKeyAuth.headersFromMetadataEntry)
      .toEqual({ 'x-org': { name: 'x-org', required: true } });
  });

  test('label-selected keys known to the app must carry the entry; existing Secrets must declare theirs', () => {
    const chart = quietChart();
    const labels = { 'api-key-group': 'llm-users' };
    new TeamApiKey(chart, 'Alpha', { team: 'alpha', key: fixtureKey('alpha'), labels, metadata: { 'x-org': 'alpha' } });
    new TeamApiKey(chart, 'Beta', { team: 'beta', key: fixtureKey('beta'), labels, metadata: { tier: 'gold' } });
    new TeamApiKey(chart, 'Gamma', { team: 'gamma', key: KeySource.fromExistingSecret(), labels });
    new TeamApiKey(chart, 'Delta', { team: 'delta', key: KeySource.fromExistingSecret({ metadataKeys: ['x-org'] }), labels });
    new GatewayAuthPolicy(chart, 'Auth', { keySelection: KeySelection.labelSelector(labels), headersFromMetadata: [{ header: 'x-org' }] });
    const message = synthError(chart);
    expect(message).toContain('but test/Beta does not');
    expect(message).toContain('but test/Gamma is managed elsewhere and does not declare its entries: list them in KeySource.fromExistingSecret({ metadataKeys })');
    expect(message).not.toContain('test/Alpha');
    expect(message).not.toContain('test/Delta');
  });

  test.each([
    ['the key header', { headerName: 'x-org' }, 'expected a header other than the one carrying the key ("x-org")'],
    ['Authorization, which carries the key with built-in auth', { mode: ApiKeyAuthMode.builtIn(), header: 'Authorization' },
      'expected a header other than the one carrying the key ("authorization")'],
    ['a header routing relies on', { header: 'Host' }, 'expected a header of your own, not one HTTP routing relies on'],
    ['read from the metadata entry "key" with built-in auth (the key itself)', { mode: ApiKeyAuthMode.builtIn(), header: 'key' },
      'expected a metadata entry other than "key", which built-in auth reads as the key itself'],
  ])('an identity header cannot be %s', (_, options: any, expected) => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', {
      mode: options.mode, headerName: options.headerName, keys: [team(chart, 'alpha', { [options.header ?? 'x-org']: 'alpha' })],
      headersFromMetadata: [{ header: options.header ?? 'x-org' }],
    });
    expect(synthError(chart)).toContain(expected);
  });

  test('two auth policies on one Gateway must strip the same headers (PreRouting transformations do not merge)', () => {
    const chart = quietChart();
    const alpha = team(chart, 'alpha');
    const beta = team(chart, 'beta');
    new GatewayAuthPolicy(chart, 'Chat', { name: 'chat-auth', headersFromMetadata: [{ header: 'x-org' }], keys: [alpha] });
    new GatewayAuthPolicy(chart, 'Batch', {
      name: 'batch-auth', headersFromMetadata: [{ header: 'x-org' }, { header: 'x-cost-center' }], keys: [beta],
    });
    expect(synthError(chart)).toContain('expected the same identity headers as every other auth policy on Gateway agentgateway-system/agentgateway '
      + '(test/Chat strips x-org; PreRouting transformations do not merge, so one list would be ignored)');
  });

  test('the strip policy name is checked and cannot collide', () => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', {
      headersFromMetadata: [{ header: 'x-org' }], keys: [team(chart, 'alpha')], stripPolicyName: 'api-key-auth',
    });
    expect(synthError(chart)).toContain('stripPolicyName: expected a name other than the auth policy\'s');
  });

  test('matrix shows per team the headers set upstream and that client copies are dropped', () => {
    const config = (extra: object) => new LoadedConfig('gateway.yaml', {
      routes: [{ provider: 'openai' }],
      auth: { headersFromMetadata: [{ header: 'x-org' }], ...extra },
      teams: [{ team: 'alpha', key: { literal: fixtureKeyText('alpha') }, metadata: { 'x-org': 'alpha' } }],
      settings: { allowPlaintextKeys: true },
    });
    expect(accessMatrix(planConfig(config({}), { warn: () => undefined }))).toContain('| alpha | allowed | x-org: alpha | dropped before auth: x-org | never |');
    expect(accessMatrix(planConfig(config({ trustClientIdentityHeaders: true }), { warn: () => undefined })))
      .toContain('| alpha | allowed | x-org: alpha | passed through (trustClientIdentityHeaders): x-org | never |');
  });
});
