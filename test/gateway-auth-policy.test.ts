import {
  GatewayAuthPolicy, GatewayRef, KeySelection, LlmProvider, LlmRoute, PolicyTarget, TeamApiKey,
} from '../src';
import { byKind, fixtureKey, newChart, synth, synthRedacted } from './helpers';

describe('GatewayAuthPolicy', () => {
  test('explicit keys: an AuthConfig listing each key Secret, and a policy on the Gateway', () => {
    const chart = newChart();
    const team1 = new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('team1'), metadata: { 'x-org': 'developers' } });
    new GatewayAuthPolicy(chart, 'Auth', { headerName: 'vanity-auth', headersFromMetadata: [{ header: 'x-org' }], keys: [team1] });
    expect(synthRedacted(chart)).toMatchSnapshot();
  });

  test('keys added after construction land in the AuthConfig, sorted by name', () => {
    const chart = newChart();
    const policy = new GatewayAuthPolicy(chart, 'Auth');
    policy.addKey(new TeamApiKey(chart, 'B', { team: 'team-b', key: fixtureKey('b') }));
    policy.addKey(new TeamApiKey(chart, 'A', { team: 'team-a', key: fixtureKey('a') }));
    const [authConfig] = byKind(synth(chart), 'AuthConfig');
    expect((authConfig.spec as any).configs[0].apiKeyAuth).toEqual({
      headerName: 'api-key',
      k8sSecretApikeyStorage: {
        apiKeySecretRefs: [
          { name: 'team-a-apikey', namespace: 'agentgateway-system' },
          { name: 'team-b-apikey', namespace: 'agentgateway-system' },
        ],
      },
    });
    expect(authConfig.metadata.name).toBe('api-key-auth');
  });

  test('a label selector selects keys by label, and required metadata headers are marked', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('team1'), labels: { 'api-key-group': 'llm-users' }, metadata: { org: 'dev' } });
    new GatewayAuthPolicy(chart, 'Auth', {
      name: 'llm-keys',
      keySelection: KeySelection.labelSelector({ 'api-key-group': 'llm-users' }),
      headersFromMetadata: [{ header: 'x-org', metadataKey: 'org', required: true }],
    });
    expect(synthRedacted(chart)).toMatchSnapshot();
    const [authConfig] = byKind(synth(chart), 'AuthConfig');
    expect((authConfig.spec as any).configs[0].apiKeyAuth).toEqual({
      headerName: 'api-key',
      k8sSecretApikeyStorage: { labelSelector: { 'api-key-group': 'llm-users' } },
      headersFromMetadataEntry: { 'x-org': { name: 'org', required: true } },
    });
  });

  test('a policy can target chosen routes instead of the whole Gateway', () => {
    const chart = newChart();
    const openai = new LlmRoute(chart, 'OpenAi', { provider: LlmProvider.openai() });
    const claude = new LlmRoute(chart, 'Claude', { provider: LlmProvider.anthropic() });
    const key = new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('team1') });
    new GatewayAuthPolicy(chart, 'Auth', { keys: [key], target: PolicyTarget.routes(openai, claude) });
    const [policy] = byKind(synth(chart), 'EnterpriseAgentgatewayPolicy');
    expect((policy.spec as any).targetRefs).toEqual([
      { name: 'openai', group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
      { name: 'anthropic', group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
    ]);
  });

  test('names, namespace and gateway are overridable; the AuthConfig ref follows them', () => {
    const chart = newChart();
    const gateway = new GatewayRef({ name: 'edge', namespace: 'gateways' });
    const key = new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('team1'), namespace: 'gateways' });
    new GatewayAuthPolicy(chart, 'Auth', { gateway, keys: [key], name: 'edge-auth', authConfigName: 'edge-keys' });
    const [authConfig, policy] = byKind(synth(chart), 'AuthConfig').concat(byKind(synth(chart), 'EnterpriseAgentgatewayPolicy'));
    // No headersFromMetadata: no identity header to strip, so no strip policy.
    expect(authConfig.metadata).toEqual({ name: 'edge-keys', namespace: 'gateways' });
    expect(policy.metadata).toEqual({ name: 'edge-auth', namespace: 'gateways' });
    expect(policy.spec).toEqual({
      targetRefs: [{ name: 'edge', group: 'gateway.networking.k8s.io', kind: 'Gateway' }],
      traffic: {
        entExtAuth: { authConfigRef: { name: 'edge-keys', namespace: 'gateways' } },
        headerModifiers: { request: { remove: ['api-key'] } }, // the key is not forwarded to the provider
      },
    });
  });
});
