import { GatewayRef, LlmProvider, LlmRoute, ProviderCredential, SecretValue } from '../src';
import { byKind, newChart, synth, synthError, synthRedacted } from './helpers';

describe('LlmRoute', () => {
  test('a provider alone gives the seed route: name, path, timeout, backend and credential derived from it', () => {
    const chart = newChart();
    new LlmRoute(chart, 'OpenAi', { provider: LlmProvider.openai() });
    expect(synthRedacted(chart)).toMatchSnapshot();
  });

  test('a model override names the backend after the model and sets it on the provider', () => {
    const chart = newChart();
    const route = new LlmRoute(chart, 'Claude', { provider: LlmProvider.anthropic({ model: 'claude-3-5-sonnet-latest' }) });
    const [httpRoute, backend] = synth(chart);
    expect(route.backendName).toBe('anthropic-claude-3-5-sonnet-latest');
    expect((httpRoute.spec as any).rules[0].backendRefs[0].name).toBe('anthropic-claude-3-5-sonnet-latest');
    expect((httpRoute.spec as any).rules[0].matches[0].path.value).toBe('/anthropic');
    expect((backend.spec as any).ai.provider).toEqual({ anthropic: { model: 'claude-3-5-sonnet-latest' } });
    expect((backend.spec as any).policies.auth).toEqual({ secretRef: { name: 'anthropic-secret' } });
  });

  test.each([
    ['gemini', LlmProvider.gemini({ model: 'gemini-2.0-flash' }), { gemini: { model: 'gemini-2.0-flash' } }],
    ['vertexai', LlmProvider.vertexai({ projectId: 'my-project', region: 'us-central1' }), { vertexai: { projectId: 'my-project', region: 'us-central1' } }],
    ['bedrock', LlmProvider.bedrock({ region: 'eu-west-1', guardrail: { identifier: 'g1', version: '1' } }),
      { bedrock: { region: 'eu-west-1', guardrail: { identifier: 'g1', version: '1' } } }],
    ['azureopenai', LlmProvider.azureopenai({ endpoint: 'my.openai.azure.com', deploymentName: 'gpt4o', apiVersion: '2024-10-21' }),
      { azureopenai: { endpoint: 'my.openai.azure.com', deploymentName: 'gpt4o', apiVersion: '2024-10-21' } }],
  ])('%s provider options land in spec.ai.provider', (_type, provider, expected) => {
    const chart = newChart();
    new LlmRoute(chart, 'Route', { provider });
    expect((byKind(synth(chart), 'AgentgatewayBackend')[0].spec as any).ai.provider).toEqual(expected);
  });

  test('gateway, namespace, names, path, timeout and host/port are overridable', () => {
    const chart = newChart();
    new LlmRoute(chart, 'Route', {
      provider: LlmProvider.openai({ model: 'gpt-4o-mini' }),
      gateway: new GatewayRef({ name: 'edge', namespace: 'gateways' }),
      name: 'chat', namespace: 'llm', pathPrefix: '/v1/chat', requestTimeout: '5m',
      backendName: 'chat-backend', host: 'openai.internal', port: 8443,
    });
    const [httpRoute, backend] = synth(chart);
    expect(httpRoute.metadata).toEqual({ name: 'chat', namespace: 'llm' });
    expect(httpRoute.spec).toEqual({
      parentRefs: [{ name: 'edge', namespace: 'gateways' }],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/v1/chat' } }],
        backendRefs: [{ name: 'chat-backend', group: 'agentgateway.dev', kind: 'AgentgatewayBackend' }],
        timeouts: { request: '5m' },
      }],
    });
    expect(backend.metadata).toEqual({ name: 'chat-backend', namespace: 'llm' });
    expect((backend.spec as any).ai.provider).toEqual({ openai: { model: 'gpt-4o-mini' }, host: 'openai.internal', port: 8443 });
  });

  test.each([
    ['fromSecret with a key', ProviderCredential.fromSecret('creds', { key: 'token' }), { secretRef: { name: 'creds', key: 'token' } }],
    ['passthrough', ProviderCredential.passthrough(), { passthrough: {} }],
    ['aws', ProviderCredential.aws({ region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/llm' }),
      { aws: { region: 'us-east-1', assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/llm' } } }],
    ['gcp', ProviderCredential.gcp({ type: 'IdToken', audience: 'https://x' }), { gcp: { type: 'IdToken', audience: 'https://x' } }],
  ])('credential %s lands in spec.policies.auth', (_name, credential, expected) => {
    const chart = newChart();
    new LlmRoute(chart, 'Route', { provider: LlmProvider.bedrock(), credential });
    expect((byKind(synth(chart), 'AgentgatewayBackend')[0].spec as any).policies.auth).toEqual(expected);
  });

  test('an inline provider key is written only into the backend, and redacted in snapshots', () => {
    const chart = newChart();
    new LlmRoute(chart, 'Route', {
      provider: LlmProvider.openai(), credential: ProviderCredential.inlineKey(SecretValue.unsafePlainText('fixture-provider-key')),
    });
    expect((synth(chart)[1].spec as any).policies.auth).toEqual({ key: 'fixture-provider-key' });
    expect(JSON.stringify(synthRedacted(chart))).not.toContain('fixture-provider-key');
  });

  test('two routes with the same name in a namespace are rejected', () => {
    const chart = newChart();
    new LlmRoute(chart, 'A', { provider: LlmProvider.openai() });
    new LlmRoute(chart, 'B', { provider: LlmProvider.openai({ model: 'gpt-4o' }) });
    expect(synthError(chart)).toContain('[test/B] name: expected a name no other HTTPRoute in the namespace has (test/A emits it too), got "agentgateway-system/openai"');
  });
});
