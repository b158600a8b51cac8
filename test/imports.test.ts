import { k8s } from 'cdk8s-plus-28';
import { AgentgatewayBackend } from '../imports/agentgatewaybackend-agentgateway.dev';
import { AgentgatewayPolicy } from '../imports/agentgatewaypolicy-agentgateway.dev';
import { AuthConfig } from '../imports/authconfig-extauth.solo.io';
import { HttpRoute } from '../imports/httproute-gateway.networking.k8s.io';
import {
  GatewayAuthPolicy, KINDS, KeySelection, LlmProvider, LlmRoute, Manifest, ProviderCredential, TeamApiKey,
} from '../src';
import { fixtureKey, newChart, synth } from './helpers';

// The generated L1 types serialize only the fields their CRD declares, so a manifest that survives the round trip
// unchanged uses exactly the CRD's field names.
const GENERATED: Record<string, { manifest(props: any): any; GVK: { apiVersion: string; kind: string } }> = {
  Secret: k8s.KubeSecret,
  HTTPRoute: HttpRoute,
  AgentgatewayBackend: AgentgatewayBackend,
  AuthConfig: AuthConfig,
};

// json2jsii renames a few JSON fields in the TypeScript props it generates; its toJson maps them back.
const TS_PROP_NAMES: Record<string, string> = { k8sSecretApikeyStorage: 'k8SSecretApikeyStorage' };

function toTsProps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toTsProps);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [TS_PROP_NAMES[k] ?? k, toTsProps(v)]));
}

function everyKindOfOutput(): Manifest[] {
  const chart = newChart();
  const providers = [
    LlmProvider.openai({ model: 'gpt-4o-mini' }), LlmProvider.anthropic(), LlmProvider.gemini({ model: 'gemini-2.0-flash' }),
    LlmProvider.vertexai({ projectId: 'p', region: 'us-central1' }), LlmProvider.bedrock({ guardrail: { identifier: 'g', version: '1' } }),
    LlmProvider.azureopenai({ endpoint: 'x.openai.azure.com', deploymentName: 'd', apiVersion: '2024-10-21' }),
  ];
  const credentials = [ProviderCredential.fromSecret('s', { key: 'k' }), ProviderCredential.passthrough(),
    ProviderCredential.aws({ roleArn: 'arn:aws:iam::123456789012:role/r', region: 'us-east-1' }), ProviderCredential.gcp({ type: 'AccessToken' })];
  providers.forEach((provider, i) => new LlmRoute(chart, `Route${i}`, {
    provider, credential: credentials[i % credentials.length], host: i === 0 ? 'llm.internal' : undefined, port: i === 0 ? 443 : undefined,
  }));
  const team = new TeamApiKey(chart, 'Team', { team: 'team1', key: fixtureKey('team1'), metadata: { 'x-org': 'dev' }, labels: { g: 'llm' } });
  new GatewayAuthPolicy(chart, 'Refs', { keys: [team], headersFromMetadata: [{ header: 'x-org', required: true }], allowSharedKeys: true });
  new GatewayAuthPolicy(chart, 'Labels', { name: 'by-label', keySelection: KeySelection.labelSelector({ g: 'llm' }), allowSharedKeys: true });
  return synth(chart);
}

describe('generated imports', () => {
  test('apiVersion and kind of every emitted kind match the generated types', () => {
    expect(HttpRoute.GVK).toEqual(KINDS.httpRoute);
    expect(AgentgatewayBackend.GVK).toEqual(KINDS.agentgatewayBackend);
    expect(AgentgatewayPolicy.GVK).toEqual(KINDS.agentgatewayPolicy);
    expect(AuthConfig.GVK).toEqual(KINDS.authConfig);
    expect(k8s.KubeSecret.GVK).toEqual(KINDS.secret);
  });

  test('every manifest survives a round trip through its generated type unchanged', () => {
    const manifests = everyKindOfOutput().filter(m => m.kind in GENERATED);
    expect(new Set(manifests.map(m => m.kind))).toEqual(new Set(Object.keys(GENERATED)));
    for (const manifest of manifests) {
      const { apiVersion: _a, kind: _k, ...props } = manifest;
      expect(JSON.parse(JSON.stringify(GENERATED[manifest.kind].manifest(toTsProps(props))))).toStrictEqual(manifest);
    }
  });
});
