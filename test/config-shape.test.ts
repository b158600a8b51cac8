import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { CONFIG_SHAPE_FILE, configShapeSource } from '../src/config/config-shape-source';
import { isGatewayConfigShape } from '../src/config/config-shape';
import { gatewayConfigSchema } from '../src/config/schema';
import { parseConfig } from '../src/config';

// A valid config is checked by code ajv generated from the zod schema, so zod loads only for a config with a problem.
// The two must accept exactly the same values: if the generated check accepted more, a bad config would pass unchecked.

const ROOT = join(__dirname, '..');
const HASH = `sha256:${'a'.repeat(64)}`;

/** Every section and union member of the schema, valid. */
const RICH = {
  $schema: 'x.json',
  gateway: { name: 'gw', namespace: 'ns' },
  routes: [
    { provider: 'openai', name: 'openai', namespace: 'n', pathPrefix: '/o', requestTimeout: '30s', backendName: 'b', host: 'h', port: 443,
      options: { model: 'gpt-4o' }, credential: { secretRef: { name: 's', key: 'k' } } },
    { provider: 'anthropic', credential: { passthrough: {} } },
    { provider: 'bedrock', credential: { aws: { region: 'us-east-1', roleArn: 'arn' } } },
    { provider: 'vertexai', credential: { gcp: { type: 'AccessToken', audience: 'a' } } },
  ],
  auth: {
    mode: 'builtIn', builtIn: { policyKind: 'AgentgatewayPolicy', hashedKeys: false, validation: 'Strict', agentgatewayVersion: 'v1.2.0' },
    name: 'p', authConfigName: 'a', namespace: 'n', headerName: 'h', keySelection: { labels: { g: 'u' } },
    headersFromMetadata: [{ header: 'x-org', metadataKey: 'org', required: true }], targetRoutes: ['openai'], allowSharedKeys: false,
    trustClientIdentityHeaders: false, stripPolicyName: 's', forwardKeyHeader: false, replicas: 2,
    rateLimitServer: { backendRef: { name: 'r', namespace: 'n', port: 8081 }, url: 'http://r:8081', domain: 'd', failureMode: 'FailClosed',
      configMap: { name: 'c', namespace: 'n' } },
  },
  teams: [
    { team: 't1', key: { literal: 'fixture-key-t1' }, metadata: { 'x-org': 'o' }, labels: { a: 'b' }, secretName: 's', namespace: 'n',
      budgets: [{ requests: 10, unit: 'Minutes', burst: 2, scope: 'replica', routes: ['openai'] }, { tokens: 1000, unit: 'Days', models: ['gpt-*'] }],
      access: { routes: ['openai'], models: ['*'] } },
    { team: 't2', key: { env: 'T2_KEY' }, revoked: { reason: 'r', date: '2026-01-01' } },
    { team: 't3', key: { hash: HASH } },
    { team: 't4', key: { externalSecret: { storeName: 's', storeKind: 'ClusterSecretStore', remoteKey: 'k', property: 'p', version: 'v', refreshInterval: '1h' } } },
    { team: 't5', key: { sealedSecret: { encryptedKey: 'AgB' } } },
    { team: 't6', key: { existingSecret: { metadataKeys: ['x-org'] } } },
    { team: 't7', keys: [{ source: { literal: 'fixture-key-t7' }, name: 'a', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z',
      revoked: { reason: 'leak' } }] },
  ],
  usage: {
    name: 'u', teamLabel: 'team', teamLabelInMetrics: true, metadataLabels: [{ name: 'cc', metadataKey: 'cc' }], cardinalityWarningTeams: 10,
    accessLog: true, otlpLogs: { backendRef: { name: 'c', namespace: 'n', port: 4317, kind: 'Service' }, protocol: 'GRPC' },
    tracing: { url: 'http://c:4318', protocol: 'HTTP', randomSampling: 0.5 },
    modelPrices: [{ provider: 'openai', model: 'gpt-4o', input: '2.5', output: 10 }], dashboard: true, dashboardNamespace: 'monitoring',
    alerts: { budgetBurnRatio: 0.8, rejectedKeysPer5m: 10, keyExpiryDays: 7, ruleLabels: { release: 'p' } },
    policyKind: 'EnterpriseAgentgatewayPolicy', agentgatewayVersion: 'v1.5.0',
  },
  rateLimitServer: {
    name: 'r', namespace: 'n', image: 'i:1', redisImage: 'r:1', replicas: 1, domain: 'd', failureMode: 'FailOpen',
    resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { cpu: '1', memory: '1Mi' } }, redisResources: { requests: { cpu: '1', memory: '1Mi' } },
  },
  settings: { strict: true, expiryWarningDays: 1.5, now: '2026-01-01T00:00:00Z', allowPlaintextKeys: true },
  output: { layout: 'byTeam' },
};

const BASES: unknown[] = [RICH, { ...RICH, usage: { ...RICH.usage, alerts: false } }, load(readFileSync(join(ROOT, 'examples/gitops/gateway.yaml'), 'utf8')), {}];

type Path = (string | number)[];
/** Every path to a value inside `value`, the root included. */
function paths(value: unknown, at: Path = []): Path[] {
  const inner = Array.isArray(value) ? value.flatMap((v, i) => paths(v, [...at, i]))
    : value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k])) : [];
  return [at, ...inner];
}
function mutate(value: unknown, path: Path, change: (old: unknown) => unknown | typeof REMOVE): unknown {
  if (path.length === 0) return change(value);
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  const next = mutate(copy[head], rest, change);
  if (next === REMOVE) {
    if (Array.isArray(copy)) (copy as unknown[]).splice(head as number, 1);
    else delete copy[head];
  } else copy[head] = next;
  return copy;
}
const REMOVE = Symbol('remove');

const odd = fc.constantFrom<unknown>(null, NaN, Infinity, -Infinity, 1.5, -0, 2 ** 53, 0, -1, '', 'x', true, [], {}, [1], { a: 1 },
  HASH, `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, `${HASH}\n`, 'Minutes', 'shared', 'builtIn', 'openai', 'GRPC');
const replacement = fc.oneof(odd, fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 4 }), fc.double(), fc.integer());
const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('replace', 'remove', 'add'), key: fc.constantFrom('extra', 'team', 'literal', 'env', 'hash', 'unit', 'name', 'x-org'), value: replacement });
const mutated = fc.tuple(fc.constantFrom(...BASES), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([base, edits]) => edits.reduce((config, e) => {
  const all = paths(config);
  const path = all[e.at % all.length];
  return mutate(config, path, old => {
    if (e.kind === 'remove' && path.length > 0) return REMOVE;
    if (e.kind === 'add' && old !== null && typeof old === 'object') return Array.isArray(old) ? [...old, e.value] : { ...old, [e.key]: e.value };
    return e.value;
  });
}, base));

describe('the generated config check', () => {
  test('is up to date with the zod schema (`npm run schema` writes it)', () => {
    expect(readFileSync(join(ROOT, CONFIG_SHAPE_FILE), 'utf8')).toBe(configShapeSource());
  });

  test('accepts every valid base config, as zod does', () => {
    for (const base of BASES) {
      expect(gatewayConfigSchema.safeParse(base).success).toBe(true);
      expect(isGatewayConfigShape(base)).toBe(true);
    }
  });

  test('accepts exactly what zod accepts, on mutated configs', () => {
    let rejected = 0;
    fc.assert(fc.property(mutated, config => {
      const zod = gatewayConfigSchema.safeParse(config).success;
      if (!zod) rejected++;
      expect(isGatewayConfigShape(config)).toBe(zod);
    }), { numRuns: 1000 });
    expect(rejected).toBeGreaterThan(300); // the mutations do reach invalid configs
  });

  test('a config the generated check refuses still gets zod\'s located message', () => {
    expect(() => parseConfig('teams:\n  - team: t1\n    key: { hash: "sha256:abc" }\n', 'gateway.yaml'))
      .toThrow(/gateway\.yaml:3:\d+: teams\[0\]\.key.*expected "sha256:" followed by 64 lowercase hex digits/);
  });
});
