import { Chart, Testing } from 'cdk8s';
import {
  ApiKeyAuthMode, GatewayAuthPolicy, KeySelection, KeySource, LlmProvider, LlmRoute, TeamApiKey, configureSynth, hashKey,
} from '../src';
import { PlainManifest, SimulatedRequest, formatSimulation, secretsOf, simulateRequest } from '../src/simulate';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureKey, fixtureKeyText, seedManifests, synth } from './helpers';

const seed = (): PlainManifest[] => [...seedManifests().values()].flat() as PlainManifest[];
const CHAT = '/openai/v1/chat/completions';

function quietChart(settings: { now?: Date } = {}): Chart {
  const app = Testing.app();
  configureSynth(app, { allowPlaintextKeys: true, warn: () => undefined, ...settings });
  return new Chart(app, 'test');
}

/** Every rendering of a result: the key must appear in none, nor its base64. */
function expectKeyNowhere(result: unknown, key: string): void {
  const text = JSON.stringify(result) + formatSimulation(result as any);
  expect(text).not.toContain(key);
  expect(text).not.toContain(Buffer.from(key).toString('base64'));
}

describe('the workshop (seed), steps 3 and 4', () => {
  test('step 3: no key gives 401 on the matched route', () => {
    const result = simulateRequest(seed(), { method: 'POST', path: CHAT });
    expect(result.status).toBe(401);
    expect(result.route).toEqual({ httpRoute: 'agentgateway-system/openai', rule: 0, match: 0, key: 'agentgateway-system/openai.00' });
    expect(result.auth.mode).toBe('ext-auth');
    expect(result.auth.decision).toBe('denied');
    expect(result.upstreamHeaders).toBeUndefined();
  });

  test('step 4: vanity-auth: team1-key reaches the OpenAI backend with x-org: developers and the openai-secret credential', () => {
    const result = simulateRequest(seed(), { method: 'POST', path: CHAT, headers: { 'vanity-auth': 'team1-key' }, model: 'gpt-4o-mini' });
    expect(result.status).toBe(200);
    expect(result.auth.identity).toEqual({ source: 'Secret agentgateway-system/team1-apikey', metadata: { 'x-org': 'developers' } });
    expect(result.upstreamHeaders?.['x-org']).toBe('developers');
    expect(result.backends).toEqual([{
      ref: 'AgentgatewayBackend agentgateway-system/openai-all-models', found: true, provider: 'openai', model: 'gpt-4o-mini',
      modelOverride: false, credential: 'Secret agentgateway-system/openai-secret entry Authorization',
    }]);
    // The seed forwards the key header: reported, never shown.
    expect(result.upstreamHeaders?.['vanity-auth']).toBe('<redacted>');
    expect(result.notes.join('\n')).toMatch(/vanity-auth is forwarded to the provider/);
    expectKeyNowhere(result, 'team1-key');
  });

  test('an unknown key gives 401', () => {
    const result = simulateRequest(seed(), { path: CHAT, key: 'team9-key' });
    expect(result.status).toBe(401);
    expect(result.reason).toMatch(/not one of the selected key Secrets/);
    expectKeyNowhere(result, 'team9-key');
  });

  test('the seed alone (no strip policy): the ext-auth header overwrites a spoofed x-org, an assumption the result states', () => {
    const result = simulateRequest(seed(), { path: CHAT, key: 'team1-key', headers: { 'X-Org': 'finance' } });
    expect(result.upstreamHeaders?.['x-org']).toBe('developers');
    expect(result.headerSteps.join('\n')).toMatch(/overwriting the client's finance; assumes Solo's ext-auth does not set append/);
  });

  test('a path outside every route gives 404; a prefix needs a segment boundary', () => {
    expect(simulateRequest(seed(), { path: '/anthropic/v1/messages', key: 'team1-key' }).status).toBe(404);
    expect(simulateRequest(seed(), { path: '/openaix', key: 'team1-key' }).status).toBe(404);
    expect(simulateRequest(seed(), { path: '/openai', key: 'team1-key' }).status).toBe(200);
  });
});

describe('the library\'s safe defaults', () => {
  function extAuthApp(): PlainManifest[] {
    const chart = quietChart();
    new LlmRoute(chart, 'OpenAi', { provider: LlmProvider.openai() });
    new LlmRoute(chart, 'Claude', { provider: LlmProvider.anthropic({ model: 'claude-sonnet-4-5' }), credential: undefined });
    const keys = ['team1', 'team2'].map(team => new TeamApiKey(chart, team, {
      team, key: fixtureKey(team), metadata: { 'x-org': `org-${team}` }, labels: { 'api-key-group': 'llm-users' },
    }));
    new GatewayAuthPolicy(chart, 'Auth', {
      headerName: 'vanity-auth', headersFromMetadata: [{ header: 'x-org', required: true }],
      keySelection: KeySelection.labelSelector({ 'api-key-group': 'llm-users' }), keys,
    });
    return synth(chart) as PlainManifest[];
  }

  test('ext-auth with label-selected keys: the strip policy removes a spoofed x-org, then ext-auth injects the team\'s', () => {
    const manifests = extAuthApp();
    const result = simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('team2'), headers: { 'x-org': 'finance' } });
    expect(result.status).toBe(200);
    expect(result.auth.identity?.source).toBe('Secret agentgateway-system/team2-apikey');
    expect(result.upstreamHeaders?.['x-org']).toBe('org-team2');
    expect(result.headerSteps[0]).toMatch(/PreRouting\): transformation removes x-org/);
    expect(result.headerSteps.join('\n')).not.toMatch(/overwriting/);
    // The library removes the key header before forwarding.
    expect(result.upstreamHeaders?.['vanity-auth']).toBeUndefined();
    expectKeyNowhere(result, fixtureKeyText('team2'));
  });

  test('two providers: each path reaches its backend; a model override wins over the client\'s model', () => {
    const manifests = extAuthApp();
    const claude = simulateRequest(manifests, { path: '/anthropic/v1/messages', key: fixtureKeyText('team1'), model: 'claude-opus' });
    expect(claude.backends[0]).toMatchObject({
      ref: 'AgentgatewayBackend agentgateway-system/anthropic-claude-sonnet-4-5', provider: 'anthropic', model: 'claude-sonnet-4-5', modelOverride: true,
    });
    expect(claude.backends[0].credential).toMatch(/^Secret agentgateway-system\/\S+ entry Authorization$/);
    const openai = simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('team1'), model: 'gpt-4o' });
    expect(openai.backends[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o', modelOverride: false });
  });

  test('a revoked team emits no Secret, so its key is rejected; keyOf presents a stored key without knowing it', () => {
    const chart = quietChart();
    new LlmRoute(chart, 'OpenAi', { provider: LlmProvider.openai() });
    const active = new TeamApiKey(chart, 'a', { team: 'active', key: fixtureKey('active'), metadata: { 'x-org': 'active' } });
    const gone = new TeamApiKey(chart, 'g', {
      team: 'gone', key: fixtureKey('gone'), metadata: { 'x-org': 'gone' }, revoked: { reason: 'contract ended', date: '2026-11-01' },
    });
    new GatewayAuthPolicy(chart, 'Auth', { headersFromMetadata: [{ header: 'x-org', required: true }], keys: [active, gone] });
    const manifests = synth(chart) as PlainManifest[];
    expect(simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('gone') }).status).toBe(401);
    expect(simulateRequest(manifests, { path: CHAT, keyOf: 'active-apikey' }).upstreamHeaders?.['x-org']).toBe('active');
    expect(simulateRequest(manifests, { path: CHAT, keyOf: 'gone-apikey' }).status).toBe(401);
  });

  test('rotation boundaries: a key is valid from notBefore until notAfter, and the simulation time checks the annotation', () => {
    const build = (now: string) => {
      const chart = quietChart({ now: new Date(now) });
      new LlmRoute(chart, 'OpenAi', { provider: LlmProvider.openai() });
      const team = new TeamApiKey(chart, 't', {
        team: 'team1', metadata: { 'x-org': 'developers' },
        keys: [
          { source: fixtureKey('old'), notAfter: '2026-12-01T00:00:00Z' },
          { name: 'next', source: fixtureKey('next'), notBefore: '2026-11-20T00:00:00Z' },
        ],
      });
      new GatewayAuthPolicy(chart, 'Auth', { headersFromMetadata: [{ header: 'x-org', required: true }], keys: [team] });
      return synth(chart) as PlainManifest[];
    };
    const before = build('2026-11-19T23:59:59Z');
    expect(simulateRequest(before, { path: CHAT, key: fixtureKeyText('old') }).status).toBe(200);
    expect(simulateRequest(before, { path: CHAT, key: fixtureKeyText('next') }).status).toBe(401); // not yet valid: not emitted
    const overlap = build('2026-11-20T00:00:00Z');
    expect(simulateRequest(overlap, { path: CHAT, key: fixtureKeyText('old') }).status).toBe(200);
    expect(simulateRequest(overlap, { path: CHAT, key: fixtureKeyText('next') }).status).toBe(200);
    // Synthesized during the overlap, simulated at the old key's end: the gateway reads no annotation and accepts the
    // deployed key; the result warns that a new synth would remove it.
    const late = simulateRequest(overlap, { path: CHAT, key: fixtureKeyText('old'), time: new Date('2026-12-01T00:00:00Z') });
    expect([late.status, late.auth.identity?.source]).toEqual([200, 'Secret agentgateway-system/team1-apikey']);
    expect(late.warnings).toEqual(['Secret agentgateway-system/team1-apikey is past its not-after 2026-12-01T00:00:00.000Z '
      + '(annotation agentgateway-constructs.dev/not-after) at 2026-12-01T00:00:00.000Z: the gateway does not read the annotation '
      + 'and accepts the key while it is deployed; a new synth would remove it']);
    expect(formatSimulation(late)).toContain('  WARNINGS:\n    - Secret agentgateway-system/team1-apikey is past its not-after');
    // A second before the end, and the next key before its notBefore (emitted, so deployed): accepted without a warning.
    expect(simulateRequest(overlap, { path: CHAT, key: fixtureKeyText('old'), time: new Date('2026-11-30T23:59:59Z') }).warnings).toEqual([]);
    const early = simulateRequest(overlap, { path: CHAT, key: fixtureKeyText('next'), time: new Date('2026-11-19T00:00:00Z') });
    expect([early.status, early.warnings]).toEqual([200, []]);
    const after = build('2026-12-01T00:00:00Z');
    expect(simulateRequest(after, { path: CHAT, key: fixtureKeyText('old') }).status).toBe(401);
    expect(simulateRequest(after, { path: CHAT, key: fixtureKeyText('next') }).status).toBe(200);
  });
});

describe('built-in apiKeyAuthentication', () => {
  function builtInApp(options: Parameters<typeof ApiKeyAuthMode.builtIn>[0] = {}, hashed = false): PlainManifest[] {
    const chart = quietChart();
    new LlmRoute(chart, 'OpenAi', { provider: LlmProvider.openai() });
    const keys = ['team1', 'team2'].map(team => new TeamApiKey(chart, team, {
      team, key: hashed ? KeySource.fromHash(hashKey(fixtureKey(team))) : fixtureKey(team), metadata: { 'x-org': `org-${team}` },
    }));
    new GatewayAuthPolicy(chart, 'Auth', {
      mode: ApiKeyAuthMode.builtIn(hashed ? { ...options, hashedKeys: true } : options), headersFromMetadata: [{ header: 'x-org', required: true }], keys,
    });
    return synth(chart) as PlainManifest[];
  }

  test('Authorization: Bearer by default; the transformation\'s CEL sets x-org from the key metadata, over a spoofed one', () => {
    const manifests = builtInApp();
    expect(simulateRequest(manifests, { path: CHAT }).status).toBe(401);
    expect(simulateRequest(manifests, { path: CHAT, headers: { authorization: fixtureKeyText('team1') } }).status).toBe(401); // no Bearer prefix
    const result = simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('team1'), headers: { 'x-org': 'finance' } });
    expect(result.status).toBe(200);
    expect(result.auth.identity?.source).toBe('Secret agentgateway-system/team1-apikey entry team1-apikey');
    expect(result.upstreamHeaders?.['x-org']).toBe('org-team1');
    expect(result.upstreamHeaders?.authorization).toBeUndefined(); // the gateway removes the validated credential
    expectKeyNowhere(result, fixtureKeyText('team1'));
  });

  test('a step that replaces the key\'s header never shows the key (Permissive mode, an unknown key, a policy setting authorization)', () => {
    const manifests = [...builtInApp({ validation: 'Permissive' }), {
      apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy', metadata: { name: 'rewrite', namespace: 'agentgateway-system' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'openai' }],
        traffic: { transformation: { request: { set: [{ name: 'authorization', value: '"Bearer service"' }] } } },
      },
    }];
    const unknown = 'fixture_not_a_team_key_0123456789abcdef';
    const result = simulateRequest(manifests, { path: CHAT, key: unknown });
    expect(JSON.stringify(result)).toContain('<redacted>');
    expectKeyNowhere(result, unknown);
  });

  test('hashed keys in ConfigMaps match by sha256', () => {
    const manifests = builtInApp({}, true);
    expect(manifests.some(m => m.kind === 'ConfigMap')).toBe(true);
    const result = simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('team2') });
    expect(result.status).toBe(200);
    expect(result.auth.identity?.source).toMatch(/^ConfigMap agentgateway-system\/team2-apikey entry /);
    expect(result.upstreamHeaders?.['x-org']).toBe('org-team2');
    expect(simulateRequest(manifests, { path: CHAT, key: 'wrong' }).status).toBe(401);
    expect(simulateRequest(manifests, { path: CHAT, keyOf: 'team1-apikey' }).upstreamHeaders?.['x-org']).toBe('org-team1');
    // The hash is core's hashKey, the one synth writes: simulate has no sha256 of its own.
    const simulateSources = readdirSync(join(__dirname, '..', 'src', 'simulate')).map(f => readFileSync(join(__dirname, '..', 'src', 'simulate', f), 'utf8'));
    expect(simulateSources.filter(text => /createHash|node:crypto/.test(text))).toEqual([]);
  });

  test('an authorization policy on the route: its CEL over the key metadata gives 403 to other teams', () => {
    const manifests = [...builtInApp(), {
      apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy', metadata: { name: 'openai-access', namespace: 'agentgateway-system' },
      spec: {
        targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'openai' }],
        traffic: { authorization: { policy: { matchExpressions: ['apiKey["x-org"] == "org-team1"'] } } },
      },
    }];
    expect(simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('team1') }).status).toBe(200);
    const denied = simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('team2') });
    expect(denied.status).toBe(403);
    expect(denied.reason).toBe('authorization failed (AgentgatewayPolicy agentgateway-system/openai-access, action Allow)');
    expect(denied.auth.identity?.metadata).toEqual({ 'x-org': 'org-team2' });
  });

  test('a custom header location and Optional mode', () => {
    const manifests = builtInApp({ validation: 'Optional' });
    const spec = (manifests.find(m => m.kind === 'AgentgatewayPolicy' && m.spec?.traffic?.apiKeyAuthentication) as any).spec.traffic.apiKeyAuthentication;
    expect(spec.mode).toBe('Optional');
    expect(simulateRequest(manifests, { path: CHAT }).status).toBe(200); // Optional: no key passes, anonymously
    expect(simulateRequest(manifests, { path: CHAT }).auth.decision).toBe('anonymous');
    expect(simulateRequest(manifests, { path: CHAT, key: 'wrong' }).status).toBe(401); // a wrong key still fails
    const custom = structuredClone(manifests);
    const policy = custom.find(m => m.kind === 'AgentgatewayPolicy' && m.spec?.traffic?.apiKeyAuthentication) as any;
    policy.spec.traffic.apiKeyAuthentication.location = { header: { name: 'x-api-key' } };
    policy.spec.traffic.apiKeyAuthentication.mode = 'Strict';
    const result = simulateRequest(custom, { path: CHAT, key: fixtureKeyText('team1') });
    expect(result.status).toBe(200);
    expect(simulateRequest(custom, { path: CHAT, headers: { authorization: `Bearer ${fixtureKeyText('team1')}` } }).status).toBe(401);
  });
});

describe('keys the manifests cannot show: keyOf presents a stand-in, assumed valid', () => {
  const NS = 'agentgateway-system';

  /** A literal team, a team keyed from a secret store and, with ext-auth, a sealed one. */
  function storedKeysApp(builtIn: boolean): PlainManifest[] {
    const chart = quietChart();
    new LlmRoute(chart, 'OpenAi', { provider: LlmProvider.openai() });
    const keys = [
      new TeamApiKey(chart, 'literal', { team: 'literal', key: fixtureKey('literal'), metadata: { 'x-org': 'org-literal' } }),
      new TeamApiKey(chart, 'store', {
        team: 'store', key: KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'llm/store' }), metadata: { 'x-org': 'org-store' },
      }),
      ...(builtIn ? [] : [new TeamApiKey(chart, 'sealed', {
        team: 'sealed', key: KeySource.fromSealedSecret({ encryptedKey: 'AgBfixture-ciphertext' }), metadata: { 'x-org': 'org-sealed' },
      })]),
    ];
    new GatewayAuthPolicy(chart, 'Auth', {
      ...(builtIn ? { mode: ApiKeyAuthMode.builtIn() } : {}), headersFromMetadata: [{ header: 'x-org', required: true }], keys,
    });
    return synth(chart) as PlainManifest[];
  }

  test('built-in: an ExternalSecret team\'s keyOf is its key, with the metadata of the template; a client\'s own key is still checked', () => {
    const manifests = storedKeysApp(true);
    const store = simulateRequest(manifests, { path: CHAT, keyOf: 'store-apikey', headers: { 'x-org': 'finance' } });
    expect([store.status, store.auth.decision]).toEqual([200, 'allowed']);
    expect(store.auth.identity).toEqual({
      source: `Secret ${NS}/store-apikey entry store-apikey (from ExternalSecret ${NS}/store-apikey)`, metadata: { 'x-org': 'org-store' },
    });
    expect(store.upstreamHeaders?.['x-org']).toBe('org-store');
    // The stand-in sits where the key goes, so the gateway's removal of the validated credential shows.
    expect(store.upstreamHeaders?.authorization).toBeUndefined();
    expect(store.headerSteps.join('\n')).toMatch(/removes the validated key's header authorization/);
    expect(store.notes).toContain(`key from ExternalSecret ${NS}/store-apikey: assumed valid (its value is not in the manifests; keyOf presents a stand-in for it)`);
    const guessed = simulateRequest(manifests, { path: CHAT, key: 'fixture-guessed-key-0123456789' });
    expect(guessed.status).toBe(401);
    expect(guessed.notes.join('\n')).toMatch(/unknown offline: present one with keyOf/);
    const typed = simulateRequest(manifests, { path: CHAT, headers: { authorization: 'Bearer stand-in-for-the-key-of-store-apikey' } });
    expect(typed.status).toBe(401); // the stand-in's text is no key: only keyOf makes it one
    const literal = simulateRequest(manifests, { path: CHAT, keyOf: 'literal-apikey' });
    expect([literal.status, literal.upstreamHeaders?.['x-org']]).toEqual([200, 'org-literal']);
    expect(literal.notes.join('\n')).not.toMatch(/assumed valid/);
    expect(simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('literal') }).status).toBe(200);
    const missing = simulateRequest(manifests, { path: CHAT, keyOf: 'nobody-apikey' });
    expect(missing.status).toBe(401);
    expect(missing.notes).toContain(`keyOf nobody-apikey: the policy selects no key held there (it selects ${NS}/literal-apikey, ${NS}/store-apikey)`);
    for (const r of [store, guessed, literal, missing]) expectKeyNowhere(r, fixtureKeyText('literal'));
    // A key pasted where the holder's name goes is refused, never echoed.
    const pasted = () => simulateRequest(manifests, { path: CHAT, keyOf: 'Fixture_Pasted_Key_0123456789' });
    expect(pasted).toThrow(/^keyOf: expected the name of the Secret or ConfigMap holding the key .*got something else \(not shown: it might be a key\)$/);
    expect(pasted).not.toThrow(/Fixture_Pasted/);
  });

  test('ext-auth: SealedSecret and ExternalSecret teams answer to keyOf; an unknown key sent by the client is refused', () => {
    const manifests = storedKeysApp(false);
    const sealed = simulateRequest(manifests, { path: CHAT, keyOf: 'sealed-apikey' });
    expect([sealed.status, sealed.upstreamHeaders?.['x-org']]).toEqual([200, 'org-sealed']);
    expect(sealed.auth.identity?.source).toBe(`Secret ${NS}/sealed-apikey (from SealedSecret ${NS}/sealed-apikey)`);
    expect(sealed.notes).toContain(`key from SealedSecret ${NS}/sealed-apikey: assumed valid (its value is not in the manifests; keyOf presents a stand-in for it)`);
    const store = simulateRequest(manifests, { path: CHAT, keyOf: `${NS}/store-apikey` });
    expect([store.status, store.upstreamHeaders?.['x-org']]).toEqual([200, 'org-store']);
    expect(store.notes.join('\n')).toMatch(new RegExp(`key from ExternalSecret ${NS}/store-apikey: assumed valid`));
    const guessed = simulateRequest(manifests, { path: CHAT, key: 'fixture-guessed-key-0123456789' });
    expect([guessed.status, guessed.reason]).toEqual([401, 'the API key is not one of the selected key Secrets']);
    expect(simulateRequest(manifests, { path: CHAT, key: fixtureKeyText('literal') }).upstreamHeaders?.['x-org']).toBe('org-literal');
  });

  test('a SealedSecret\'s template entries are known, its encrypted ones are not; the template wins over an encrypted entry', () => {
    const sealedSecret = (encryptedData: Record<string, string>, data: Record<string, string>): PlainManifest => ({
      apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 's', namespace: NS },
      spec: { encryptedData, template: { type: 'extauth.solo.io/apikey', metadata: { labels: { team: 't' } }, data } },
    });
    const [secret] = secretsOf([sealedSecret({ 'api-key': 'AgB', 'x-org': 'AgC' }, { 'x-org': 'org-t', note: '{{ index . "x" }}' })]);
    expect([secret.entries, [...secret.external].sort(), secret.labels, secret.externalSource])
      .toEqual([{ 'x-org': 'org-t' }, ['api-key', 'note'], { team: 't' }, `SealedSecret ${NS}/s`]);
  });
});

describe('route precedence (GATEWAY-SEMANTICS 3)', () => {
  const route = (name: string, rules: any[], hostnames?: string[]): PlainManifest => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name, namespace: 'gw' },
    spec: { parentRefs: [{ name: 'edge' }], ...(hostnames ? { hostnames } : {}), rules },
  });
  const rule = (backend: string, match: any) => ({ matches: [match], backendRefs: [{ name: backend }] });
  const prefix = (value: string) => ({ path: { type: 'PathPrefix', value } });
  const winner = (manifests: PlainManifest[], request: SimulatedRequest) => simulateRequest(manifests, request).backends[0]?.ref;

  test('longest prefix, Exact over prefix, regex below every prefix', () => {
    const manifests = [
      route('a', [rule('short', prefix('/v1'))]),
      route('b', [rule('long', prefix('/v1/chat'))]),
      route('c', [rule('exact', { path: { type: 'Exact', value: '/v1/chat/x' } })]),
      route('d', [rule('regex', { path: { type: 'RegularExpression', value: '/v1/chat/.*' } })]),
    ];
    expect(winner(manifests, { path: '/v1/chat/completions' })).toBe('Service gw/long');
    expect(winner(manifests, { path: '/v1/chat/x' })).toBe('Service gw/exact');
    expect(winner(manifests, { path: '/v1/models' })).toBe('Service gw/short');
    expect(winner(manifests.filter(m => m.metadata?.name === 'd'), { path: '/v1/chat/y' })).toBe('Service gw/regex');
  });

  test('method, then header count, then query count, then ns/name.NN alphabetical (not creation time)', () => {
    const manifests = [
      route('z-plain', [rule('plain', prefix('/v1'))]),
      route('y-method', [rule('method', { ...prefix('/v1'), method: 'POST' })]),
      route('x-header', [rule('header', { ...prefix('/v1'), headers: [{ name: 'x-team', value: 'a' }] })]),
      route('w-query', [rule('query', { ...prefix('/v1'), queryParams: [{ name: 'beta', value: '1' }] })]),
    ];
    expect(winner(manifests, { method: 'POST', path: '/v1', headers: { 'x-team': 'a' } })).toBe('Service gw/method');
    expect(winner(manifests, { method: 'GET', path: '/v1?beta=1', headers: { 'X-Team': 'a' } })).toBe('Service gw/header');
    expect(winner(manifests, { method: 'GET', path: '/v1?beta=1' })).toBe('Service gw/query');
    expect(winner(manifests, { method: 'GET', path: '/v1' })).toBe('Service gw/plain');
    const tie = [route('b', [rule('second', prefix('/v1'))]), route('a', [rule('first', prefix('/v1')), rule('later-rule', prefix('/v1'))])];
    expect(winner(tie, { path: '/v1' })).toBe('Service gw/first');
  });

  test('exact hostname before wildcard before no hostname; a route with hostnames needs a host', () => {
    const manifests = [
      route('any', [rule('any', prefix('/'))]),
      route('wild', [rule('wild', prefix('/'))], ['*.example.com']),
      route('exact', [rule('exact', prefix('/'))], ['api.example.com']),
    ];
    expect(winner(manifests, { path: '/x', host: 'api.example.com' })).toBe('Service gw/exact');
    expect(winner(manifests, { path: '/x', host: 'other.example.com:8080' })).toBe('Service gw/wild');
    expect(winner(manifests, { path: '/x', host: 'example.org' })).toBe('Service gw/any');
    expect(winner(manifests, { path: '/x' })).toBe('Service gw/any');
  });
});

describe('the Gateway listener', () => {
  const gateway = (listeners: any[]): PlainManifest => ({
    apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'agentgateway', namespace: 'agentgateway-system' },
    spec: { gatewayClassName: 'enterprise-agentgateway', listeners },
  });

  test('the seed with its Gateway: the listener is reported; a host no listener accepts gives 404', () => {
    const manifests = [...seed(), gateway([
      { name: 'api', port: 8443, protocol: 'HTTPS', hostname: 'api.example.com' },
      { name: 'http', port: 8080, protocol: 'HTTP' },
      { name: 'tcp', port: 9000, protocol: 'TCP' },
    ])];
    expect(simulateRequest(manifests, { path: CHAT, key: 'team1-key' }).listener).toBe('http:8080');
    expect(simulateRequest(manifests, { path: CHAT, key: 'team1-key', host: 'api.example.com' }).listener).toBe('api:8443');
    expect(simulateRequest(manifests, { path: CHAT, key: 'team1-key', host: 'x.example.org' }).listener).toBe('http:8080');
    const only = [...seed(), gateway([{ name: 'api', port: 8443, protocol: 'HTTPS', hostname: '*.example.com' }])];
    expect(simulateRequest(only, { path: CHAT, key: 'team1-key', host: 'llm.example.com' }).listener).toBe('api:8443');
    const refused = simulateRequest(only, { path: CHAT, key: 'team1-key', host: 'llm.example.org' });
    expect([refused.status, refused.reason]).toEqual([404, 'no HTTP listener of Gateway agentgateway-system/agentgateway accepts host llm.example.org']);
  });
});

describe('the text report', () => {
  test('names status, route, team, headers and credential source', () => {
    const text = formatSimulation(simulateRequest(seed(), { path: CHAT, key: 'team1-key', headers: { 'x-org': 'finance' } }));
    expect(text).toMatch(/^200 forwarded/);
    expect(text).toContain('HTTPRoute agentgateway-system/openai rule 0');
    expect(text).toContain('x-org: developers');
    expect(text).toContain('credential: Secret agentgateway-system/openai-secret entry Authorization');
    expect(text).not.toContain('team1-key');
  });
});

describe('hand-written manifests', () => {
  test('list fields of the wrong shape read as empty instead of crashing', () => {
    const broken: PlainManifest[] = [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'a', namespace: 'gw' },
        spec: { parentRefs: [null, { name: 'edge' }], rules: [null, { matches: 'oops', backendRefs: [{ name: 'svc' }] }] } },
      { apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy', metadata: { name: 'p', namespace: 'gw' },
        spec: { targetRefs: 'Gateway', traffic: { transformation: { request: { set: 'x', remove: [1, 'x-org'] } } } } },
    ];
    const result = simulateRequest(broken, { path: '/anything', headers: { 'x-org': 'finance' } });
    expect([result.status, result.route?.key, result.backends[0]?.ref]).toEqual([200, 'gw/a.00', 'Service gw/svc']);
    expect(result.notes).toContain('no authentication policy applies to this route: any client reaches the backend');
  });
});

describe('keys never leak (property)', () => {
  test('whatever key, headers and path a client sends, no rendering of the result contains the key', () => {
    const manifests = seed();
    const keyArb = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/);
    const headerName = fc.constantFrom('vanity-auth', 'x-org', 'authorization', 'x-other', 'cookie');
    fc.assert(fc.property(keyArb, fc.dictionary(headerName, fc.string({ maxLength: 20 })), fc.constantFrom(CHAT, '/openai', '/x', '/openai?k=1'),
      fc.boolean(), (key, headers, path, asHeader) => {
        fc.pre(Object.values(headers).every(v => !v.includes(key)));
        const request: SimulatedRequest = asHeader ? { path, headers: { ...headers, 'vanity-auth': key } } : { path, headers, key };
        expectKeyNowhere(simulateRequest(manifests, request), key);
      }), { numRuns: 200 });
  });
});
