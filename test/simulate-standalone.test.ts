import Ajv from 'ajv';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseConfig, planConfig } from '../src/config';
import { hashKey } from '../src/core';
import { UNIT_SECONDS } from '../src/core/time-units';
import { PlainManifest, toStandaloneConfig } from '../src/simulate';
import { fixtureKey, fixtureKeyText, seedManifests } from './helpers';

/** Every TypeScript file under a folder. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const OPTIONS = { port: 18080, upstream: '127.0.0.1:18081', providerKey: 'mock-provider-key' };

function plan(hashed = false): PlainManifest[] {
  const key = (team: string) => (hashed ? `{ hash: "${hashKey(fixtureKey(team))}" }` : `{ literal: "${fixtureKeyText(team)}" }`);
  const text = [
    'settings: { now: "2026-11-01T00:00:00Z", allowPlaintextKeys: true }',
    'routes:',
    '  - { provider: openai }',
    '  - { provider: anthropic, options: { model: claude-3-5-haiku-latest } }',
    `auth: { mode: builtIn, builtIn: { hashedKeys: ${hashed} }, headerName: vanity-auth, headersFromMetadata: [{ header: x-org }] }`,
    'teams:',
    `  - { team: support, key: ${key('support')}, metadata: { x-org: support }, budgets: [{ requests: 10, unit: Minutes }], access: { routes: [openai] } }`,
    `  - { team: research, key: ${key('research')}, metadata: { x-org: research } }`,
  ].join('\n');
  return planConfig(parseConfig(text, 'gateway.yaml'), { env: {}, warn: () => undefined }).plan.manifests.map(m => m.manifest) as unknown as PlainManifest[];
}

// The part of agentgateway's standalone schema (schema/config.md: binds[].listeners[].routes[]) this translation
// writes; unknown fields are refused, so a misspelt field fails here rather than at the gateway.
const strict = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, required, additionalProperties: false });
const str = { type: 'string' };
const stringMap = { type: 'object', additionalProperties: str };
const valueMatch = strict({ name: str, value: { oneOf: [strict({ exact: str }, ['exact']), strict({ regex: str }, ['regex'])] } }, ['name', 'value']);
const STANDALONE_SCHEMA = strict({
  binds: { type: 'array', items: strict({
    port: { type: 'integer' },
    listeners: { type: 'array', items: strict({
      protocol: { enum: ['HTTP', 'HTTPS', 'TLS', 'TCP', 'HBONE'] },
      routes: { type: 'array', items: strict({
        name: str,
        matches: { type: 'array', items: strict({
          path: { oneOf: [strict({ exact: str }, ['exact']), strict({ pathPrefix: str }, ['pathPrefix']), strict({ regex: str }, ['regex'])] },
          method: str, headers: { type: 'array', items: valueMatch }, query: { type: 'array', items: valueMatch },
        }) },
        backends: { type: 'array', items: { oneOf: [
          strict({ ai: strict({
            name: str, hostOverride: str,
            provider: { type: 'object', minProperties: 1, maxProperties: 1, propertyNames: { enum: ['openAI', 'anthropic', 'gemini', 'vertex', 'bedrock', 'azureOpenAI'] },
              additionalProperties: strict({ model: str }) },
          }, ['name', 'provider']) }, ['ai']),
          strict({ host: str }, ['host']),
        ] } },
        policies: strict({
          apiKey: strict({
            mode: { enum: ['strict', 'optional', 'permissive'] },
            keys: { type: 'array', items: { oneOf: [strict({ key: str, metadata: stringMap }, ['key']), strict({ keyHash: { type: 'string', pattern: '^sha256:[0-9a-f]{64}$' }, metadata: stringMap }, ['keyHash'])] } },
            location: strict({ header: strict({ name: str, prefix: str }, ['name']) }),
          }, ['mode', 'keys']),
          transformations: strict({ request: strict({ set: stringMap, add: stringMap, remove: { type: 'array', items: str } }) }),
          authorization: strict({ rules: { type: 'array', items: str, minItems: 1 } }, ['rules']),
          localRateLimit: { type: 'array', items: strict({
            maxTokens: { type: 'integer' }, tokensPerFill: { type: 'integer' }, fillInterval: { type: 'string', pattern: '^\\d+s$' }, type: { enum: ['requests', 'tokens'] },
          }, ['maxTokens', 'tokensPerFill', 'fillInterval']) },
          requestHeaderModifier: strict({ set: stringMap, add: stringMap, remove: { type: 'array', items: str } }),
          backendAuth: strict({ key: str }, ['key']),
        }),
      }, ['name', 'matches', 'backends']) },
    }, ['routes']) },
  }, ['port', 'listeners']) },
}, ['binds']);

const validate = new Ajv({ allErrors: true, strict: true }).compile(STANDALONE_SCHEMA);
const routesOf = (config: any) => config.binds[0].listeners[0].routes;

describe('built-in output as agentgateway standalone configuration', () => {
  test('keys with metadata, strict mode written out, the header location, routes to the mock, the identity transformation and access', () => {
    const { config, untranslated } = toStandaloneConfig(plan(), OPTIONS);
    expect(validate(config) ? [] : validate.errors).toEqual([]);
    const [openai, anthropic] = routesOf(config);
    expect(openai.matches).toEqual([{ path: { pathPrefix: '/openai' } }]);
    expect(openai.backends).toEqual([{ ai: { name: 'openai-all-models', provider: { openAI: {} }, hostOverride: '127.0.0.1:18081' } }]);
    expect(anthropic.backends[0].ai.provider).toEqual({ anthropic: { model: 'claude-3-5-haiku-latest' } });
    const apiKey = openai.policies.apiKey;
    // Standalone defaults to `optional` (a request without a key passes): the translation never relies on it.
    expect(apiKey.mode).toBe('strict');
    expect(apiKey.location).toEqual({ header: { name: 'vanity-auth', prefix: '' } });
    expect(apiKey.keys.map((k: any) => [Object.keys(k), k.metadata])).toEqual([[['key', 'metadata'], { 'x-org': 'support' }], [['key', 'metadata'], { 'x-org': 'research' }]]);
    expect(apiKey.keys[0].key).toBe(fixtureKeyText('support'));
    // The route phase sets x-org from the key over any client copy, so the PreRouting removal is not needed.
    expect(openai.policies.transformations).toEqual({ request: { set: { 'x-org': 'string(apiKey["x-org"])' } } });
    expect(openai.policies.authorization).toEqual({ rules: ['(apiKey["x-org"] in ["research","support"])'] });
    expect(anthropic.policies.authorization).toEqual({ rules: ['(apiKey["x-org"] in ["research"])'] });
    expect(openai.policies.backendAuth).toEqual({ key: 'mock-provider-key' });
    expect(untranslated).toEqual(['AgentgatewayPolicy agentgateway-system/api-key-auth: traffic.rateLimit.conditional (per-team budgets)']);
  });

  test('hashed keys become keyHash entries; an unconditional local limit becomes localRateLimit with its burst', () => {
    const limit: PlainManifest = {
      apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy', metadata: { name: 'openai-limit', namespace: 'agentgateway-system' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'openai' }],
        traffic: { rateLimit: { local: [{ requests: 5, unit: 'Minutes', burst: 2 }] } } },
    };
    const { config } = toStandaloneConfig([...plan(true), limit], OPTIONS);
    expect(validate(config) ? [] : validate.errors).toEqual([]);
    const [openai, anthropic] = routesOf(config);
    expect(openai.policies.apiKey.keys.map((k: any) => k.keyHash)).toEqual([hashKey(fixtureKey('support')), hashKey(fixtureKey('research'))]);
    expect(JSON.stringify(config)).not.toContain(fixtureKeyText('support'));
    expect(openai.policies.localRateLimit).toEqual([{ maxTokens: 7, tokensPerFill: 5, fillInterval: '60s', type: 'requests' }]);
    expect(anthropic.policies.localRateLimit).toBeUndefined();
  });

  test('fill intervals come from core\'s one unit table; a unit outside it is reported, never read off the prototype', () => {
    const limit = (unit: string): PlainManifest => ({
      apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy', metadata: { name: 'openai-limit', namespace: 'agentgateway-system' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'openai' }],
        traffic: { rateLimit: { local: [{ requests: 5, unit }] } } },
    });
    const manifests = plan(true);
    for (const [unit, seconds] of Object.entries(UNIT_SECONDS)) {
      expect(routesOf(toStandaloneConfig([...manifests, limit(unit)], OPTIONS).config)[0].policies.localRateLimit[0].fillInterval).toBe(`${seconds}s`);
    }
    const odd = toStandaloneConfig([...manifests, limit('constructor')], OPTIONS);
    expect(routesOf(odd.config)[0].policies.localRateLimit).toBeUndefined();
    expect(odd.untranslated).toContain('AgentgatewayPolicy agentgateway-system/openai-limit: a local limit with unit "constructor" (no fill interval for it)');
    // One table in src/: simulate and the usage queries import it from core.
    const tables = sourceFiles(join(__dirname, '..', 'src')).filter(f => /Minutes:\s*60\b/.test(readFileSync(f, 'utf8')));
    expect(tables.map(f => relative(join(__dirname, '..'), f))).toEqual([join('src', 'core', 'time-units.ts')]);
  });

  test('ext-auth output is refused with the reason', () => {
    const seed = [...seedManifests().values()].flat() as PlainManifest[];
    expect(() => toStandaloneConfig(seed, OPTIONS)).toThrow(/^expected built-in apiKeyAuthentication: ext-auth .* standalone agentgateway does not have$/);
  });
});
