import { Chart, Testing } from 'cdk8s';
import {
  ApiKeyAuthMode, GatewayAuthPolicy, ITeamApiKey, KeySelection, KeySource, Manifest, SecretValue, TeamApiKey, configureSynth,
  hashKey,
} from '../src';
import { kubernetesCelEnvironment } from '../src/validate';
import { byKind, fixtureKey, fixtureKeyText, synth, synthError, synthRedacted } from './helpers';

function quietChart(): Chart {
  const app = Testing.app();
  configureSynth(app, { allowPlaintextKeys: true, warn: () => undefined });
  return new Chart(app, 'test');
}

/** The same three teams, whatever the mode. */
function teams(chart: Chart): TeamApiKey[] {
  return ['team1', 'team2', 'team3'].map((team, i) => new TeamApiKey(chart, `Team${i + 1}`, {
    team, key: fixtureKey(team), metadata: { 'x-org': `org-${i + 1}`, 'x-cost-center': `cc-${i + 1}` },
  }));
}

function policySpec(manifests: Manifest[], kind = 'AgentgatewayPolicy'): any {
  return byKind(manifests, kind)[0].spec;
}

const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');

describe('built-in API key authentication', () => {
  test('plaintext entries in Secrets selected by label, one AgentgatewayPolicy, no AuthConfig', () => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', {
      mode: ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org', required: true }], keys: teams(chart),
    });
    const manifests = synth(chart);
    expect(synthRedacted(chart).filter(m => m.kind !== 'Secret')).toMatchSnapshot();
    expect(manifests.map(m => m.kind)).toEqual(['Secret', 'Secret', 'Secret', 'AgentgatewayPolicy', 'AgentgatewayPolicy']);
    const [secret] = manifests;
    expect(secret.metadata).toEqual({
      name: 'team1-apikey', namespace: 'agentgateway-system', labels: { 'agentgateway-constructs.dev/api-key-policy': 'api-key-auth' },
    });
    expect(secret.type).toBe('Opaque');
    expect(JSON.parse(decode((secret.data as any)['team1-apikey']))).toEqual({
      key: fixtureKeyText('team1'), metadata: { 'x-org': 'org-1', 'x-cost-center': 'cc-1' },
    });
    expect(policySpec(manifests)).toEqual({
      targetRefs: [{ name: 'agentgateway', group: 'gateway.networking.k8s.io', kind: 'Gateway' }],
      traffic: {
        apiKeyAuthentication: { mode: 'Strict', secretSelector: { matchLabels: { 'agentgateway-constructs.dev/api-key-policy': 'api-key-auth' } } },
        transformation: { request: { set: [{ name: 'x-org', value: 'string(apiKey["x-org"])' }] } },
      },
    });
  });

  test('hashed keys: ConfigMaps with sha256 hashes, and no plaintext key anywhere in the output', () => {
    const chart = quietChart();
    const keyed = teams(chart);
    const hashOnly = new TeamApiKey(chart, 'Team4', { team: 'team4', key: KeySource.fromHash(hashKey(fixtureKey('team4'))), metadata: { 'x-org': 'org-4' } });
    new GatewayAuthPolicy(chart, 'Auth', {
      mode: ApiKeyAuthMode.builtIn({ hashedKeys: true }), headersFromMetadata: [{ header: 'x-org' }], keys: [...keyed, hashOnly],
    });
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    const output = JSON.stringify(manifests);
    for (const team of ['team1', 'team2', 'team3', 'team4']) {
      expect(output).not.toContain(fixtureKeyText(team));
      expect(output).not.toContain(Buffer.from(fixtureKeyText(team)).toString('base64'));
    }
    expect(byKind(manifests, 'Secret')).toEqual([]);
    const configMaps = byKind(manifests, 'ConfigMap');
    expect(configMaps).toHaveLength(4);
    expect(JSON.parse((configMaps[3].data as any)['team4-apikey'])).toEqual({ keyHash: hashKey(fixtureKey('team4')), metadata: { 'x-org': 'org-4' } });
    expect(policySpec(manifests).traffic.apiKeyAuthentication.configMapSelector).toEqual({
      matchLabels: { 'agentgateway-constructs.dev/api-key-policy': 'api-key-auth' },
    });
  });

  test('hashKey gives the sha256:<hex> form agentgateway compares against', () => {
    // echo -n team1-key | sha256sum
    expect(hashKey(SecretValue.unsafePlainText('team1-key'))).toBe('sha256:12296e5c1a6a4de5b7fdaab1f63d8a563ca81c3f1cff3f8b9dd542eff8b97607');
  });

  test('the EnterpriseAgentgatewayPolicy kind, and a given label selector', () => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', {
      mode: ApiKeyAuthMode.builtIn({ policyKind: 'EnterpriseAgentgatewayPolicy', validation: 'Optional' }),
      keySelection: KeySelection.labelSelector({ 'api-key-group': 'llm-users' }), keys: teams(chart),
    });
    const manifests = synth(chart);
    expect(byKind(manifests, 'Secret').map(s => s.metadata.labels)).toEqual(Array(3).fill({ 'api-key-group': 'llm-users' }));
    expect(policySpec(manifests, 'EnterpriseAgentgatewayPolicy').traffic.apiKeyAuthentication)
      .toEqual({ mode: 'Optional', secretSelector: { matchLabels: { 'api-key-group': 'llm-users' } } });
  });

  test('the seed\'s vanity-auth header goes through location.header', () => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn(), headerName: 'vanity-auth', keys: teams(chart) });
    expect(policySpec(synth(chart)).traffic.apiKeyAuthentication.location).toEqual({ header: { name: 'vanity-auth' } });
  });

  test('a header name on a release whose CRD has no location is a clear error; v1.2.0, the first with location.header, takes it', () => {
    const chart = quietChart();
    new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn({ agentgatewayVersion: 'v1.1.0' }), headerName: 'vanity-auth', keys: teams(chart) });
    expect(synthError(chart)).toContain('[test/Auth] headerName: expected no header name with agentgateway v1.1.0: its policy CRD has no apiKeyAuthentication.location, '
      + 'so keys come in "Authorization: Bearer" (v1.2.0 adds location.header)');
    for (const version of ['v1.2.0', 'v1.3.2']) {
      const current = quietChart();
      new GatewayAuthPolicy(current, 'Auth', { mode: ApiKeyAuthMode.builtIn({ agentgatewayVersion: version }), headerName: 'vanity-auth', keys: teams(current) });
      expect(policySpec(synth(current)).traffic.apiKeyAuthentication.location).toEqual({ header: { name: 'vanity-auth' } });
    }
  });

  describe('attribution headers come from key metadata and replace what the client sent', () => {
    const env = kubernetesCelEnvironment();
    const transformation = (required: boolean) => {
      const chart = quietChart();
      new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org', required }], keys: teams(chart) });
      return policySpec(synth(chart)).traffic.transformation.request;
    };

    test.each([true, false])('required: %s — `set`, never `add`, evaluated against the key metadata', required => {
      const request = transformation(required);
      expect(Object.keys(request)).toEqual(['set']);
      const [{ name, value }] = request.set;
      expect(name).toBe('x-org');
      expect(env.evaluate(value, { apiKey: { 'x-org': 'developers' } })).toBe('developers');
    });

    test('a key without the field still overwrites a client-sent header, with an empty value', () => {
      const [{ value }] = transformation(false).set;
      expect(env.evaluate(value, { apiKey: {} })).toBe('');
    });
  });

  test('the same team list covers the same teams and metadata in both modes', () => {
    const extAuth = quietChart();
    new GatewayAuthPolicy(extAuth, 'Auth', { headersFromMetadata: [{ header: 'x-org' }], keys: teams(extAuth) });
    const builtIn = quietChart();
    new GatewayAuthPolicy(builtIn, 'Auth', { mode: ApiKeyAuthMode.builtIn(), headersFromMetadata: [{ header: 'x-org' }], keys: teams(builtIn) });

    const fromExtAuth = byKind(synth(extAuth), 'Secret').map(s => {
      const { 'api-key': key, ...metadata } = s.data as Record<string, string>;
      return { secret: s.metadata.name, key: decode(key), metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, decode(v)])) };
    });
    const fromBuiltIn = byKind(synth(builtIn), 'Secret').map(s => {
      const entry = JSON.parse(decode(Object.values(s.data as Record<string, string>)[0]));
      return { secret: s.metadata.name, key: entry.key, metadata: entry.metadata };
    });
    expect(fromBuiltIn).toEqual(fromExtAuth);
    expect(fromExtAuth).toHaveLength(3);
  });

  test('ExternalSecret keys become agentgateway entries through the template', () => {
    const chart = quietChart();
    const team = new TeamApiKey(chart, 'Team1', {
      team: 'team1', key: KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'llm/team1' }), metadata: { 'x-org': 'developers' },
    });
    new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn(), keys: [team] });
    const [externalSecret] = byKind(synth(chart), 'ExternalSecret');
    expect((externalSecret.spec as any).target.template).toEqual({
      engineVersion: 'v2',
      type: 'Opaque',
      metadata: { labels: { 'agentgateway-constructs.dev/api-key-policy': 'api-key-auth' } },
      data: { 'team1-apikey': '{"key":{{ .apiKey | toJson }},"metadata":{"x-org":"developers"}}' },
    });
  });

  describe('impossible combinations are clear errors', () => {
    test.each([
      ['an ExternalSecret with hashed keys', { hashedKeys: true }, KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'k' }),
        'key: expected a key source that works with hashed-key ConfigMaps: a literal key, KeySource.fromHash, got "KeySource.fromExternalSecret"'],
      ['a SealedSecret with built-in Secrets', {}, KeySource.fromSealedSecret({ encryptedKey: 'AgB=' }),
        'key: expected a key source that works with built-in key Secrets: a literal key, KeySource.fromExternalSecret, KeySource.fromExistingSecret, got "KeySource.fromSealedSecret"'],
      ['a bad hash', { hashedKeys: true }, KeySource.fromHash('sha256:abc'), 'key: expected a key hash "sha256:" followed by 64 lowercase hex digits'],
    ])('%s', (_name, options, key, message) => {
      const chart = quietChart();
      const team = new TeamApiKey(chart, 'Team1', { team: 'team1', key });
      new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn(options), keys: [team] });
      expect(synthError(chart)).toContain(`[test/Team1] ${message}`);
    });

    test('a hash-only key with ext-auth, which needs the key itself', () => {
      const chart = quietChart();
      const team = new TeamApiKey(chart, 'Team1', { team: 'team1', key: KeySource.fromHash(hashKey(fixtureKey('team1'))) });
      new GatewayAuthPolicy(chart, 'Auth', { keys: [team] });
      expect(synthError(chart)).toContain('[test/Team1] key: expected a key source that works with ext-auth key Secrets');
    });

    test('one team in two policies that store keys differently', () => {
      const chart = quietChart();
      const [team] = teams(chart);
      new GatewayAuthPolicy(chart, 'ExtAuth', { keys: [team], allowSharedKeys: true });
      new GatewayAuthPolicy(chart, 'BuiltIn', { name: 'built-in', mode: ApiKeyAuthMode.builtIn(), keys: [team], allowSharedKeys: true });
      expect(synthError(chart)).toContain('[test/Team1] keys: expected one way of storing the team\'s keys, but test/ExtAuth and test/BuiltIn need different ones');
    });

    test('a key given as a plain ITeamApiKey, which built-in auth cannot re-format', () => {
      const chart = quietChart();
      const foreign: ITeamApiKey = { team: 'outside', keyRefs: [] };
      new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn(), keys: [foreign] });
      expect(synthError(chart)).toContain('[test/Auth] keys: expected TeamApiKey constructs with built-in auth');
    });

    test('another team\'s ext-auth Secret matching the built-in selector, which would be misread as keys', () => {
      const chart = quietChart();
      new TeamApiKey(chart, 'Other', { team: 'other', key: fixtureKey('other'), labels: { group: 'llm' } });
      const mine = new TeamApiKey(chart, 'Mine', { team: 'mine', key: fixtureKey('mine') });
      new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn(), keySelection: KeySelection.labelSelector({ group: 'llm' }), keys: [mine] });
      expect(synthError(chart)).toContain('[test/Auth] keySelection: expected no other team\'s keys carrying the selector\'s labels');
    });

    test('a literal key and a hash of the same key for two teams', () => {
      const chart = quietChart();
      const a = new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('same') });
      const b = new TeamApiKey(chart, 'Team2', { team: 'team2', key: KeySource.fromHash(hashKey(fixtureKey('same'))) });
      new GatewayAuthPolicy(chart, 'Auth', { mode: ApiKeyAuthMode.builtIn({ hashedKeys: true }), keys: [a, b] });
      expect(synthError(chart)).toContain('[test/Team2] key: expected a key no other team uses (team "team1" at test/Team1 has the same key)');
    });
  });
});
