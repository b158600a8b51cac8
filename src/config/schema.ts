import { z } from 'zod';

// One schema gives the config's TypeScript types, its runtime checks and the JSON Schema editors use.
// Names and formats are checked by the constructs themselves, with the same messages as in code.

const stringMap = z.record(z.string(), z.string());

const keySource = z.union([
  z.object({
    literal: z.string().describe('The key itself. For demos only: it ends up in git and in the manifests; needs settings.allowPlaintextKeys.'),
  }).strict(),
  z.object({
    env: z.string().describe('Name of an environment variable holding the key at synth time (a CI secret), ending in _KEY or '
      + 'starting with AGW_KEY_. The key is written into the manifests: needs settings.allowPlaintextKeys.'),
  }).strict(),
  z.object({ hash: z.string()
    // Checked here, before the constructs see it, so a key pasted by mistake is never echoed. A pattern, not a
    // refinement, so the JSON Schema (and the validator generated from it) carries it too.
    .regex(/^sha256:[0-9a-f]{64}$/, {
      message: 'expected "sha256:" followed by 64 lowercase hex digits, as `agentgateway-constructs hash` prints it, got something else (not shown: it might be the key itself)',
    }).describe('sha256:<hex> of the key (`agentgateway-constructs hash`), for hashed-key ConfigMaps.') }).strict(),
  z.object({
    externalSecret: z.object({
      storeName: z.string(),
      storeKind: z.enum(['SecretStore', 'ClusterSecretStore']).optional(),
      remoteKey: z.string(),
      property: z.string().optional(),
      version: z.string().optional(),
      refreshInterval: z.string().optional(),
    }).strict(),
  }).strict().describe('An External Secrets Operator ExternalSecret materializes the key Secret from a secret store.'),
  z.object({ sealedSecret: z.object({ encryptedKey: z.string() }).strict() }).strict()
    .describe('A Bitnami SealedSecret; encryptedKey comes from `kubeseal --raw`.'),
  z.object({ existingSecret: z.object({ metadataKeys: z.array(z.string()).optional() }).strict() }).strict()
    .describe('A key Secret managed elsewhere: only referenced.'),
]);

const revocation = z.object({ reason: z.string(), date: z.string().optional() }).strict();

const teamKey = z.object({
  source: keySource,
  name: z.string().optional(),
  notBefore: z.string().optional().describe('RFC 3339 with an offset or Z; the key is emitted from then on.'),
  notAfter: z.string().optional().describe('RFC 3339 with an offset or Z; the key is no longer emitted from then on.'),
  revoked: revocation.optional(),
}).strict();

const budget = z.object({
  requests: z.number().int().optional().describe('Requests per unit; give this or tokens.'),
  tokens: z.number().int().optional().describe('LLM tokens (input plus output) per unit; give this or requests.'),
  unit: z.enum(['Seconds', 'Minutes', 'Hours', 'Days']).describe('Days only for shared budgets: per-replica limits have no day unit.'),
  burst: z.number().int().optional().describe('Extra requests or tokens for short bursts; per-replica budgets only.'),
  scope: z.enum(['replica', 'shared']).optional()
    .describe('replica: each gateway replica counts alone; shared: all replicas together through a rate-limit server. '
      + 'Default: shared with auth.rateLimitServer, a top-level rateLimitServer or ext-auth, else replica.'),
  routes: z.array(z.string()).optional().describe('Narrows the budget to these routes (counted on each separately); default: every route.'),
  models: z.array(z.string()).optional().describe('Narrows the budget to the routes pinning a matching model (* matches anything); '
    + 'every route the team may use must pin its model.'),
}).strict().describe('A limit of the team: requests or LLM tokens per unit, optionally narrowed to routes or models.');

const access = z.object({
  routes: z.array(z.string()).optional().describe('Names of the routes the team may call; default: every route.'),
  models: z.array(z.string()).optional().describe('Model patterns (* matches anything): the team may call routes pinning a matching model.'),
}).strict().describe('What the team may call; everything else is denied with 403. Default: every route.');

const team = z.object({
  team: z.string(),
  key: keySource.optional(),
  keys: z.array(teamKey).optional(),
  metadata: stringMap.optional().describe('Entries stored with the key; the auth policy turns them into headers.'),
  labels: stringMap.optional(),
  secretName: z.string().optional(),
  namespace: z.string().optional(),
  revoked: revocation.optional(),
  budgets: z.array(budget).optional(),
  access: access.optional(),
}).strict();

const credential = z.union([
  z.object({ secretRef: z.object({ name: z.string(), key: z.string().optional() }).strict() }).strict(),
  z.object({ passthrough: z.object({}).strict() }).strict(),
  z.object({ aws: z.object({ region: z.string().optional(), roleArn: z.string().optional() }).strict() }).strict(),
  z.object({ gcp: z.object({ type: z.enum(['AccessToken', 'IdToken']).optional(), audience: z.string().optional() }).strict() }).strict(),
]).describe('How the gateway authenticates to the provider. No inline keys: keep provider keys in a Secret.');

const route = z.object({
  provider: z.enum(['openai', 'anthropic', 'gemini', 'vertexai', 'bedrock', 'azureopenai']),
  options: z.record(z.string(), z.unknown()).optional().describe('The provider\'s options, e.g. { model: gpt-4o-mini }.'),
  name: z.string().optional(),
  namespace: z.string().optional(),
  pathPrefix: z.string().optional(),
  requestTimeout: z.string().optional(),
  backendName: z.string().optional(),
  credential: credential.optional(),
  host: z.string().optional(),
  port: z.number().int().optional(),
}).strict();

const auth = z.object({
  mode: z.enum(['extAuth', 'builtIn']).optional(),
  builtIn: z.object({
    policyKind: z.enum(['AgentgatewayPolicy', 'EnterpriseAgentgatewayPolicy']).optional(),
    hashedKeys: z.boolean().optional(),
    validation: z.enum(['Strict', 'Optional', 'Permissive']).optional(),
    agentgatewayVersion: z.string().optional(),
  }).strict().optional(),
  name: z.string().optional(),
  authConfigName: z.string().optional(),
  namespace: z.string().optional(),
  headerName: z.string().optional(),
  keySelection: z.object({ labels: stringMap }).strict().optional().describe('Select keys by label (scales); default: Secret refs.'),
  headersFromMetadata: z.array(z.object({
    header: z.string(), metadataKey: z.string().optional(), required: z.boolean().optional(),
  }).strict()).optional(),
  targetRoutes: z.array(z.string()).optional().describe('Names of routes to protect; default: the whole Gateway.'),
  allowSharedKeys: z.boolean().optional(),
  trustClientIdentityHeaders: z.boolean().optional()
    .describe('Let client-sent copies of headersFromMetadata headers through (forgeable identity). Default: false, they are removed before authentication.'),
  stripPolicyName: z.string().optional().describe('Name of the policy that removes client identity headers; default: <name>-strip-identity.'),
  forwardKeyHeader: z.boolean().optional()
    .describe('Send the vanity key header on to the provider (ext-auth). Default: false, it is removed after authentication.'),
  replicas: z.number().int().optional().describe('Gateway replicas; per-replica budgets count on each alone (warning above 1). Default: 1.'),
  rateLimitServer: z.object({
    backendRef: z.object({ name: z.string(), namespace: z.string().optional(), port: z.number().int().optional() }).strict().optional()
      .describe('The server\'s Service; port default: 8081 (gRPC).'),
    url: z.string().optional().describe('http(s)://host:port of the server instead of backendRef (agentgateway v1.5 or later).'),
    domain: z.string().optional().describe('Rate-limit domain; default: the policy name.'),
    failureMode: z.enum(['FailClosed', 'FailOpen']).optional()
      .describe('When the server is unreachable: FailClosed (default) answers 500, FailOpen lets requests through unlimited.'),
    configMap: z.object({ name: z.string(), namespace: z.string().optional() }).strict().optional()
      .describe('The ConfigMap the server mounts as its config; default: <policy name>-ratelimit-config in the server\'s namespace.'),
  }).strict().optional()
    .describe('An existing rate-limit server (envoyproxy/ratelimit) for budgets shared by all replicas (built-in auth). '
      + 'Default: the top-level rateLimitServer when declared.'),
}).strict();

const otlp = z.object({
  backendRef: z.object({
    name: z.string(), namespace: z.string().optional(), port: z.number().int().optional(),
    kind: z.enum(['Service', 'AgentgatewayBackend']).optional(),
  }).strict().optional().describe('The OTLP collector in the cluster; give this or url.'),
  url: z.string().optional().describe('http(s)://host[:port] of the collector; agentgateway v1.5.0 or later (usage.agentgatewayVersion).'),
  protocol: z.enum(['GRPC', 'HTTP']).optional(),
}).strict();

const usage = z.object({
  name: z.string().optional().describe('Base name of the emitted objects; default: team-usage.'),
  teamLabel: z.string().optional().describe('Metric label holding the team (the identity header value); default: team.'),
  teamLabelInMetrics: z.boolean().optional().describe('Put the team label on metrics; default: true. Turn off for very many teams.'),
  metadataLabels: z.array(z.object({ name: z.string(), metadataKey: z.string() }).strict()).optional()
    .describe('More labels from key metadata, e.g. { name: cost_center, metadataKey: cost-center }.'),
  cardinalityWarningTeams: z.number().int().optional().describe('Warn about the team label above this many teams; default: 50.'),
  accessLog: z.boolean().optional().describe('Add the team attributes to the access log; default: true.'),
  otlpLogs: otlp.optional().describe('Export access logs over OTLP.'),
  tracing: otlp.extend({ randomSampling: z.number().optional() }).strict().optional().describe('Export traces over OTLP.'),
  modelPrices: z.array(z.object({
    provider: z.string(), model: z.string(), input: z.union([z.string(), z.number()]), output: z.union([z.string(), z.number()]),
  }).strict()).optional().describe('USD per 1M tokens; emits the model catalog ConfigMap (experimental in agentgateway).'),
  dashboard: z.boolean().optional().describe('Emit the Grafana dashboard ConfigMap; default: true.'),
  dashboardNamespace: z.string().optional().describe('Namespace Grafana\'s sidecar watches; default: the Gateway\'s.'),
  alerts: z.union([z.boolean(), z.object({
    budgetBurnRatio: z.number().optional(), rejectedKeysPer5m: z.number().int().optional(), keyExpiryDays: z.number().int().optional(),
    ruleLabels: stringMap.optional(),
  }).strict()]).optional().describe('Emit the PrometheusRule (default: true), or tune it.'),
  policyKind: z.enum(['AgentgatewayPolicy', 'EnterpriseAgentgatewayPolicy']).optional(),
  agentgatewayVersion: z.string().optional(),
}).strict().describe('Per-team usage telemetry: metric, log and trace labels, Grafana dashboard, Prometheus alerts.');

const resources = z.object({
  requests: z.object({ cpu: z.string(), memory: z.string() }).strict().optional(),
  limits: z.object({ cpu: z.string(), memory: z.string() }).strict().optional(),
}).strict();

const rateLimitServer = z.object({
  name: z.string().optional().describe('Name of the server Deployment and Service; default: ratelimit.'),
  namespace: z.string().optional().describe('Default: agentgateway-system.'),
  image: z.string().optional().describe('envoyproxy/ratelimit image pinned by tag or digest; default: docker.io/envoyproxy/ratelimit:3e085e5b.'),
  redisImage: z.string().optional().describe('Default: docker.io/library/redis:7.4.3.'),
  replicas: z.number().int().optional(),
  resources: resources.optional(),
  redisResources: resources.optional(),
  domain: z.string().optional().describe('Rate-limit domain; default: agentgateway.'),
  failureMode: z.enum(['FailClosed', 'FailOpen']).optional(),
}).strict().describe('Deploy a rate-limit server (envoyproxy/ratelimit and Redis) for budgets shared by every gateway replica; '
  + 'the built-in auth policy uses it.');

/** The GitOps config file: everything the constructs can express, and never a required plaintext key. */
export const gatewayConfigSchema = z.object({
  $schema: z.string().optional(),
  gateway: z.object({ name: z.string().optional(), namespace: z.string().optional() }).strict().optional(),
  routes: z.array(route).optional(),
  auth: auth.optional(),
  teams: z.array(team).optional(),
  usage: usage.optional(),
  rateLimitServer: rateLimitServer.optional(),
  settings: z.object({
    strict: z.boolean().optional(),
    expiryWarningDays: z.number().optional(),
    now: z.string().optional().describe('Fixed synth time (RFC 3339 with an offset or Z), for reproducible output; default: now.'),
    allowPlaintextKeys: z.boolean().optional()
      .describe('Allow literal and env keys, written into the manifests in plaintext; default: false (an error).'),
  }).strict().optional(),
  output: z.object({
    layout: z.enum(['byKind', 'byTeam']).optional().describe('One file per resource kind, or per team.'),
  }).strict().optional(),
}).strict();

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type TeamConfig = z.infer<typeof team>;
export type KeySourceConfig = z.infer<typeof keySource>;
export type RouteConfig = z.infer<typeof route>;

/** The JSON Schema editors use (`$schema` in the YAML file). */
export function gatewayConfigJsonSchema(): object {
  return { ...z.toJSONSchema(gatewayConfigSchema), title: 'agentgateway-constructs gateway config' };
}
