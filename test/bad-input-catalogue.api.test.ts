import { inspect } from 'node:util';
import * as pulumi from '@pulumi/pulumi';
import { Chart, Testing } from 'cdk8s';
import {
  ApiKeyAuthMode, GatewayAuthPolicy, KeySelection, KeySource, LlmProvider, LlmRoute, PolicyTarget, ProviderCredential,
  SecretValue, TeamApiKey, configureSynth, parseRfc3339,
} from '../src';
import type * as AgwPulumi from '../src/pulumi';
import { fixtureKey, fixtureKeyText, newChart, synthError } from './helpers';

// A catalogue of bad input through the code APIs: each case names where (construct path), the field, the value
// (redacted where it may be a key) and what was expected. The config file and CLI have their own catalogue.

/** Every key used here; none may appear in a message, nor its base64. */
const KEYS = ['team1-key', 'team2-key', fixtureKeyText('team1'), fixtureKeyText('team2'), 'sealed-ciphertext-AgBy3i'];

function expectNoKeys(text: string): void {
  for (const key of KEYS) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(Buffer.from(key).toString('base64'));
  }
}

const literal = (team: string) => fixtureKey(team);
const team = (chart: Chart, id: string, props: Partial<ConstructorParameters<typeof TeamApiKey>[2]> = {}) =>
  new TeamApiKey(chart, id, { team: id.toLowerCase(), key: literal(id.toLowerCase()), ...props });

/** A chart whose app does not opt in to plaintext keys. */
function strictChart(): Chart {
  const chart = Testing.chart();
  configureSynth(chart, { warn: () => undefined });
  return chart;
}

type Case = [name: string, build: () => Chart, fragments: readonly string[]];

const cdk8sCases: Case[] = [
  ['a literal key without the plaintext opt-in', () => {
    const chart = strictChart();
    team(chart, 'Team1');
    return chart;
  }, ['[test/Team1] key: expected a key kept out of the manifests: KeySource.fromExternalSecret, KeySource.fromSealedSecret', 'got <redacted>']],
  ['an inline provider key without the plaintext opt-in', () => {
    const chart = strictChart();
    new LlmRoute(chart, 'Route', { provider: LlmProvider.openai(), credential: ProviderCredential.inlineKey(SecretValue.unsafePlainText('team1-key')) });
    return chart;
  }, ['[test/Route] credential: expected a provider key kept out of the manifests: ProviderCredential.fromSecret', 'got <redacted>']],
  ['the same key twice in one team, both valid', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: [{ source: literal('team1') }, { source: literal('team1'), name: 'v2' }] });
    return chart;
  }, ['[test/Team1] keys[1].source: expected a key no other key of the team holds while both are valid (keys[0] holds the same key', 'got <redacted>']],
  ['the same key in two teams', () => {
    const chart = newChart();
    team(chart, 'Team1');
    team(chart, 'Team2', { key: literal('team1') });
    return chart;
  }, ['[test/Team2] key: expected a key no other team uses (team "team1" at test/Team1 has the same key), got <redacted>']],
  ['a plaintext key and its hash in one hashed-key team', () => {
    const chart = newChart();
    const t = new TeamApiKey(chart, 'Team1', {
      team: 'team1', keys: [{ source: literal('team1') }, { source: KeySource.fromHash(`sha256:${literal('team1').sha256Hex()}`), name: 'v2' }],
    });
    new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn({ hashedKeys: true }), keys: [t] });
    return chart;
  }, ['[test/Team1] keys[1].source: expected a key no other key of the team holds']],
  ['two teams with the same SealedSecret ciphertext', () => {
    const chart = newChart();
    team(chart, 'Team1', { key: KeySource.fromSealedSecret({ encryptedKey: 'sealed-ciphertext-AgBy3i' }) });
    team(chart, 'Team2', { key: KeySource.fromSealedSecret({ encryptedKey: 'sealed-ciphertext-AgBy3i' }) });
    return chart;
  }, ['[test/Team2] key: expected a key no other team uses (team "team1" at test/Team1 has the same key), got <redacted>']],
  ['two teams with the same ExternalSecret remote key and property', () => {
    const chart = newChart();
    const vault = () => KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'llm/keys', property: 'team1' });
    team(chart, 'Team1', { key: vault() });
    team(chart, 'Team2', { key: vault() });
    return chart;
  }, ['[test/Team2] key: expected a key no other team uses (team "team1" at test/Team1 has the same key)']],
  ['two routes with the same path prefix on one gateway', () => {
    const chart = newChart();
    new LlmRoute(chart, 'A', { provider: LlmProvider.openai(), name: 'a', pathPrefix: '/llm' });
    new LlmRoute(chart, 'B', { provider: LlmProvider.anthropic(), name: 'b', pathPrefix: '/llm/' });
    return chart;
  }, ['[test/B] pathPrefix: expected a path prefix no other route on gateway agentgateway-system/agentgateway has (test/A has it too', 'got "/llm/"']],
  ['a provider credential that is a team\'s key Secret', () => {
    const chart = newChart();
    team(chart, 'Team1');
    new LlmRoute(chart, 'Route', { provider: LlmProvider.openai(), credential: ProviderCredential.fromSecret('team1-apikey') });
    return chart;
  }, ['[test/Route] credential.secretName: expected the provider\'s own credential Secret, not a team\'s key Secret (test/Team1 writes it), got "agentgateway-system/team1-apikey"']],
  ['a policy listing the same route twice', () => {
    const chart = newChart();
    const r = new LlmRoute(chart, 'Route', { provider: LlmProvider.openai() });
    new GatewayAuthPolicy(chart, 'Auth', { keys: [team(chart, 'Team1')], target: PolicyTarget.routes(r, r) });
    return chart;
  }, ['[test/Auth] target.routes[1]: expected each route once, got "agentgateway-system/openai"']],
  ['a policy listing the same team twice', () => {
    const chart = newChart();
    const t = team(chart, 'Team1');
    new GatewayAuthPolicy(chart, 'Auth', { keys: [t, t] });
    return chart;
  }, ['[test/Auth] keys: expected each team once (agentgateway-system/team1-apikey is already listed), got "test/Team1"']],
  ['notAfter without an offset', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: [{ source: literal('team1'), notAfter: '2099-01-31T00:00:00' }] });
    return chart;
  }, ['[test/Team1] keys[0].notAfter: expected an RFC 3339 date-time with an offset or "Z", such as "2027-01-31T00:00:00Z", got "2099-01-31T00:00:00"']],
  ['notBefore in US notation', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: [{ source: literal('team1'), notBefore: '01/02/2027' }] });
    return chart;
  }, ['[test/Team1] keys[0].notBefore: expected an RFC 3339 date-time', 'got "01/02/2027"']],
  ['notAfter on a day that does not exist', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: [{ source: literal('team1'), notAfter: '2027-02-30T00:00:00Z' }] });
    return chart;
  }, ['[test/Team1] keys[0].notAfter: expected an RFC 3339 date-time', 'got "2027-02-30T00:00:00Z"']],
  ['a revocation date in US notation', () => {
    const chart = newChart();
    team(chart, 'Team1', { revoked: { reason: 'left', date: '11/30/2026' } });
    return chart;
  }, ['[test/Team1] revoked.date: expected an RFC 3339 date ("2026-11-30") or date-time with an offset', 'got "11/30/2026"']],
  ['a revocation reason with a newline', () => {
    const chart = newChart();
    team(chart, 'Team1', { revoked: { reason: 'leaked\n| forged | row |' } });
    return chart;
  }, ['[test/Team1] revoked.reason: expected one line of at most 1024 characters, without control characters, got "leaked\\n| forged | row |"']],
  ['a key revocation reason with a control character', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: [{ source: literal('team1') }, { source: literal('team2'), name: 'v2', revoked: { reason: 'x\u0007' } }] });
    return chart;
  }, ['[test/Team1] keys[1].revoked.reason: expected one line']],
  ['a plaintext key pasted into a hash source', () => {
    const chart = newChart();
    const t = new TeamApiKey(chart, 'Team1', { team: 'team1', key: KeySource.fromHash('team1-key') });
    new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn({ hashedKeys: true }), keys: [t] });
    return chart;
  }, ['[test/Team1] key: expected a key hash "sha256:" followed by 64 lowercase hex digits', 'never the key itself, got <redacted>']],
  ['a plain string where a key source belongs', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: 'team1-key' as unknown as SecretValue });
    return chart;
  }, ['[test/Team1] key: expected a SecretValue or a KeySource', 'got <redacted>']],
  ['a key with a newline', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: SecretValue.unsafePlainText('team1-key\n') });
    return chart;
  }, ['[test/Team1] key: expected a key without whitespace or control characters', 'got <redacted>']],
  ['"__proto__" as a metadata name', () => {
    const chart = newChart();
    team(chart, 'Team1', { metadata: { ['__proto__']: 'x' } });
    return chart;
  }, ['[test/Team1] metadata.__proto__: expected a name other than "__proto__"']],
  ['metadata set through a __proto__ literal (hidden entries)', () => {
    const chart = newChart();
    team(chart, 'Team1', { metadata: { __proto__: { 'x-org': 'developers' } } as unknown as Record<string, string> });
    return chart;
  }, ['[test/Team1] metadata: expected a map of metadata names to values, as a plain object literal']],
  ['"__proto__" as a header name', () => {
    const chart = newChart();
    new GatewayAuthPolicy(chart, 'Auth', { keys: [team(chart, 'Team1')], headersFromMetadata: [{ header: '__proto__' }] });
    return chart;
  }, ['[test/Auth] headersFromMetadata[0].header: expected a header name other than "__proto__"']],
  ['"constructor" as a provider type', () => {
    const chart = newChart();
    new LlmRoute(chart, 'Route', { provider: LlmProvider.fromType('constructor'), name: 'r' });
    return chart;
  }, ['[test/Route] provider.type: expected one of "openai"', 'got "constructor"']],
  ['"toString" as a provider option', () => {
    const chart = newChart();
    new LlmRoute(chart, 'Route', { provider: LlmProvider.fromType('openai', { toString: 'x' }) });
    return chart;
  }, ['[test/Route] provider.openai.toString: expected one of "model", got "toString"']],
  ['a label selector whose label is "constructor" with a bad value', () => {
    const chart = newChart();
    new GatewayAuthPolicy(chart, 'Auth', { keySelection: KeySelection.labelSelector({ constructor: 'not valid!' }) });
    return chart;
  }, ['[test/Auth] keySelection.matchLabels.constructor: expected a label value']],
  ['an empty SealedSecret ciphertext', () => {
    const chart = newChart();
    team(chart, 'Team1', { key: KeySource.fromSealedSecret({ encryptedKey: ' ' }) });
    return chart;
  }, ['[test/Team1] key.encryptedKey: expected a non-empty string']],
  ['a hash source with ext-auth', () => {
    const chart = newChart();
    team(chart, 'Team1', { key: KeySource.fromHash(`sha256:${'a'.repeat(64)}`) });
    return chart;
  }, ['[test/Team1] key: expected a key source that works with ext-auth key Secrets', 'got "KeySource.fromHash"']],
];

describe('bad input through the cdk8s API: located, explained, never echoing a key', () => {
  test.each(cdk8sCases)('%s', (_name, build, fragments) => {
    const message = synthError(build());
    for (const fragment of fragments) expect(message).toContain(fragment);
    expectNoKeys(message);
  });

  test('an existing Secret under built-in auth: a warning saying what the Secret must carry; an error in strict mode', () => {
    const warnings: string[] = [];
    const app = Testing.app();
    configureSynth(app, { warn: w => warnings.push(w) });
    const chart = new Chart(app, 'test');
    const t = team(chart, 'Team1', { key: KeySource.fromExistingSecret() });
    new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn(), keys: [t] });
    app.synthYaml();
    expect(warnings).toEqual([expect.stringContaining('[test/Team1] key: expected the existing Secret agentgateway-system/team1-apikey, '
      + 'which is not emitted, to carry the labels {"agentgateway-constructs.dev/api-key-policy":"api-key-auth"}')]);

    const strict = Testing.chart();
    configureSynth(strict, { strict: true });
    new GatewayAuthPolicy(strict, 'Auth', { mode: ApiKeyAuthMode.builtIn(), keys: [team(strict, 'Team1', { key: KeySource.fromExistingSecret() })] });
    expect(synthError(strict)).toContain('[test/Team1] key: expected the existing Secret agentgateway-system/team1-apikey');
  });

  test('printing a TeamApiKey shows no key nor its base64', () => {
    const chart = newChart();
    const t = team(chart, 'Team1', { key: SecretValue.unsafePlainText('team1-key') });
    for (const text of [inspect(t, { depth: 10 }), JSON.stringify(t), inspect(t.spec, { depth: 10 })]) {
      expect(text).toContain('team1');
      expectNoKeys(text);
    }
    expect(`${t.spec.keys[0].source.literalKey}`).toBe('<redacted>');
  });

  test('times are RFC 3339 with an offset; a Date is taken as it is', () => {
    expect(parseRfc3339('2027-01-31T00:00:00+02:00')?.toISOString()).toBe('2027-01-30T22:00:00.000Z');
    expect(parseRfc3339('2027-01-31t00:00:00.5z')?.toISOString()).toBe('2027-01-31T00:00:00.500Z');
    for (const bad of ['2027-01-31', '2027-01-31T00:00:00', '2027-13-01T00:00:00Z', '2027-01-31T24:00:00Z', '2027-01-31T00:00:00+25:00', 'next tuesday']) {
      expect(parseRfc3339(bad)).toBeUndefined();
    }
    expect(parseRfc3339(new Date(Number.NaN))).toBeUndefined();
  });
});

describe('bad input through the Pulumi API, where it differs', () => {
  let agw: typeof AgwPulumi;

  beforeAll(async () => {
    await pulumi.runtime.setMocks({ newResource: args => ({ id: `${args.name}-id`, state: args.inputs }), call: args => args.inputs },
      'agentgateway', 'test', false);
    agw = await import('../src/pulumi');
  });

  beforeEach(() => agw.configureStack({ now: new Date('2026-11-27T00:00:00Z'), warn: () => undefined }));

  /** The message of what `build` throws, with each property error. */
  function thrown(build: () => unknown): string {
    try {
      build();
    } catch (e) {
      const error = e as Error & { propertyPath?: string; reason?: string; errors?: unknown };
      return [error.message, error.propertyPath, error.reason, JSON.stringify(error.errors)].join(' | ');
    }
    throw new Error('expected an error');
  }

  test.each<[string, () => unknown, readonly string[]]>([
    ['a plain string key without the plaintext opt-in', () => new agw.TeamApiKey('team1', { team: 'team1', key: 'team1-key' }),
      ['key', 'expected a key kept out of the manifests', 'got <redacted>']],
    ['an inline provider key without the plaintext opt-in', () => new agw.LlmRoute('openai', {
      provider: agw.LlmProvider.openai(), credential: agw.ProviderCredential.inlineKey(agw.SecretValue.unsafePlainText('team1-key')),
    }), ['credential', 'expected a provider key kept out of the manifests', 'got <redacted>']],
    ['a route whose credential is a team\'s key Secret created before it', () => {
      new agw.TeamApiKey('team1', { team: 'team1', key: KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'k1' }) });
      return new agw.LlmRoute('openai', { provider: agw.LlmProvider.openai(), credential: agw.ProviderCredential.fromSecret('team1-apikey') });
    }, ['credential.secretName', 'not a team\'s key Secret (team1 writes it)']],
    ['a team whose key Secret a route created before reads as its credential', () => {
      new agw.LlmRoute('openai', { provider: agw.LlmProvider.openai(), credential: agw.ProviderCredential.fromSecret('team1-apikey') });
      return new agw.TeamApiKey('team1', { team: 'team1', key: KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'k1' }) });
    }, ['secretName', 'a key Secret name no route reads as its provider credential (openai does)']],
    ['two routes with one path prefix', () => {
      new agw.LlmRoute('a', { provider: agw.LlmProvider.openai(), name: 'a', pathPrefix: '/llm' });
      return new agw.LlmRoute('b', { provider: agw.LlmProvider.openai(), name: 'b', pathPrefix: '/llm' });
    }, ['pathPrefix', 'a path prefix no other route on gateway agentgateway-system/agentgateway has (a has it too']],
    ['an unknown key storage', () => new agw.TeamApiKey('team1', {
      team: 'team1', key: KeySource.fromExistingSecret(), keyStorage: { kind: 'constructor' } as unknown as AgwPulumi.KeyStorage,
    }), ['keyStorage', 'expected one of "extAuthSecret"', 'got "constructor"']],
  ])('%s', (_name, build, fragments) => {
    const message = thrown(build);
    for (const fragment of fragments) expect(message).toContain(fragment);
    expectNoKeys(message);
  });

  test('a deferred key equal to another key of the same team is refused at deploy time as a ResourceError without a stack', () => {
    new agw.TeamApiKey('team1', { team: 'team1', keys: [{ source: pulumi.secret('x') }, { source: pulumi.secret('y'), name: 'v2' }] });
    expect(agw.checkDeferredKey('team1', 'keys[0].source', 'team1-key', 'team1')).toBeDefined();
    let error: any;
    try {
      agw.checkDeferredKey('team1', 'keys[1].source', 'team1-key', 'team1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(pulumi.ResourceError);
    expect(error.hideStack).toBe(true);
    expect(error.message).toBe('team1: keys[1].source: expected a key no other key of the team holds (keys[0].source holds the same key), got <redacted>');
  });

  test('printing a Pulumi TeamApiKey shows no key', () => {
    agw.configureStack({ allowPlaintextKeys: true, warn: () => undefined });
    const t = new agw.TeamApiKey('team1', { team: 'team1', key: 'team1-key' });
    for (const text of [inspect(t, { depth: 10 }), JSON.stringify(t)]) expectNoKeys(text);
  });
});
