// A Pulumi program that installed agentgateway-constructs from its tarball, with Pulumi and nothing of cdk8s.
import * as pulumi from '@pulumi/pulumi';
import { GatewayAuthPolicy, GatewayRef, LlmProvider, LlmRoute, TeamApiKey, configureStack } from 'agentgateway-constructs/pulumi';

configureStack({ warn: () => undefined });
const gateway = new GatewayRef({ name: 'agentgateway', namespace: 'agentgateway-system' });
new LlmRoute('openai', { gateway, provider: LlmProvider.openai(), requestTimeout: '120s' });
const team1 = new TeamApiKey('team1', {
  team: 'team1',
  key: pulumi.secret('team1-key'), // in a real stack: new pulumi.Config().requireSecret('team1Key')
  metadata: { 'x-org': 'developers' },
  labels: { 'llm-provider': 'openai' },
});
new GatewayAuthPolicy('api-key-auth', {
  gateway, authConfigName: 'apikey-auth', headerName: 'vanity-auth', keys: [team1],
  // The workshop's exact manifests: its opt-outs, as in the default app (README "Identity headers").
  headersFromMetadata: [{ header: 'x-org', required: false }], trustClientIdentityHeaders: true, forwardKeyHeader: true,
});
