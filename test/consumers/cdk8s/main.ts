// A cdk8s app that installed agentgateway-constructs from its tarball, with cdk8s and nothing of Pulumi.
import { App, Chart } from 'cdk8s';
import { GatewayAuthPolicy, GatewayRef, LlmProvider, LlmRoute, SecretValue, TeamApiKey, configureSynth } from 'agentgateway-constructs';

const app = new App();
configureSynth(app, { warn: () => undefined, allowPlaintextKeys: true }); // the workshop's literal demo key
const gateway = new GatewayRef({ name: 'agentgateway', namespace: 'agentgateway-system' });
new LlmRoute(new Chart(app, 'llm-route'), 'OpenAi', { gateway, provider: LlmProvider.openai(), requestTimeout: '120s' });
const auth = new Chart(app, 'api-key-auth');
const team1 = new TeamApiKey(auth, 'Team1', {
  team: 'team1', key: SecretValue.unsafePlainText('team1-key'), metadata: { 'x-org': 'developers' }, labels: { 'llm-provider': 'openai' },
});
new GatewayAuthPolicy(auth, 'ApiKeyAuth', {
  gateway, authConfigName: 'apikey-auth', headerName: 'vanity-auth', keys: [team1],
  // The workshop's exact manifests: its opt-outs, as in the default app (README "Identity headers").
  headersFromMetadata: [{ header: 'x-org', required: false }], trustClientIdentityHeaders: true, forwardKeyHeader: true,
});
app.synth();
