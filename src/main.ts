import { App, Chart } from 'cdk8s';
import {
  GatewayAuthPolicy, GatewayRef, LlmProvider, LlmRoute, SecretValue, TeamApiKey,
} from './index';

/**
 * The workshop scenario: one OpenAI route, and one team key checked by Solo ext-auth, which injects `x-org`.
 * Writes `llm-route.k8s.yaml` and `api-key-auth.k8s.yaml`, equal to the seed manifests.
 */
export function buildDefaultApp(app: App = new App()): App {
  const gateway = new GatewayRef({ name: 'agentgateway', namespace: 'agentgateway-system' });

  const routes = new Chart(app, 'llm-route');
  new LlmRoute(routes, 'OpenAi', { gateway, provider: LlmProvider.openai(), requestTimeout: '120s' });

  const auth = new Chart(app, 'api-key-auth');
  const team1 = new TeamApiKey(auth, 'Team1', {
    team: 'team1',
    // The workshop's demo key; real keys belong in a secret store.
    key: SecretValue.unsafePlainText('team1-key'),
    metadata: { 'x-org': 'developers' },
    labels: { 'llm-provider': 'openai' },
  });
  new GatewayAuthPolicy(auth, 'ApiKeyAuth', {
    gateway,
    authConfigName: 'apikey-auth',
    headerName: 'vanity-auth',
    headersFromMetadata: [{ header: 'x-org' }],
    keys: [team1],
  });
  return app;
}

if (require.main === module) {
  buildDefaultApp().synth();
}
