import type { GatewayConfig } from './schema';

/**
 * The workshop scenario as a config: one OpenAI route, one team key checked by Solo ext-auth, which injects `x-org`.
 * The default app synthesizes it when no config file is given; it reproduces the seed manifests.
 */
export const SEED_CONFIG: GatewayConfig = {
  gateway: { name: 'agentgateway', namespace: 'agentgateway-system' },
  // The workshop writes its demo key into the manifests: an explicit opt-in, as plaintext keys need.
  settings: { allowPlaintextKeys: true },
  routes: [{ provider: 'openai', requestTimeout: '120s' }],
  auth: {
    authConfigName: 'apikey-auth',
    headerName: 'vanity-auth',
    // The workshop's exact manifests, at a cost (README "Identity headers"): `x-org` is optional, client-sent
    // copies are not removed (a client can claim another team's x-org), and the key header goes on to OpenAI.
    headersFromMetadata: [{ header: 'x-org', required: false }],
    trustClientIdentityHeaders: true,
    forwardKeyHeader: true,
  },
  teams: [{
    team: 'team1',
    // The workshop's demo key; real keys belong in a secret store.
    key: { literal: 'team1-key' },
    metadata: { 'x-org': 'developers' },
    labels: { 'llm-provider': 'openai' },
  }],
};
