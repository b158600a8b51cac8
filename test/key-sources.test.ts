import {
  GatewayAuthPolicy, KeySelection, KeySource, SecretValue, TeamApiKey, configureSynth,
} from '../src';
import fc from 'fast-check';
import { EXT_AUTH_STORAGE, renderTeamApiKey, resolveTeamApiKey } from '../src/core';
import { byKind, fixtureKeyText, newChart, synth, synthError, synthRedacted } from './helpers';
import { App, Chart, Testing } from 'cdk8s';

function quietChart(): Chart {
  const app = Testing.app();
  configureSynth(app, { allowPlaintextKeys: true, warn: () => undefined });
  return new Chart(app, 'test');
}

describe('KeySource', () => {
  test('fromExternalSecret: an ExternalSecret materializes the key Secret; the key never appears', () => {
    const chart = newChart();
    const team = new TeamApiKey(chart, 'Team1', {
      team: 'team1',
      key: KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'llm-gateway/team1', property: 'key' }),
      metadata: { 'x-org': 'developers' },
      labels: { 'llm-provider': 'openai' },
    });
    new GatewayAuthPolicy(chart, 'Auth', { keys: [team], headersFromMetadata: [{ header: 'x-org', required: true }] });
    const manifests = synth(chart);
    expect(manifests).toMatchSnapshot();
    const [externalSecret] = byKind(manifests, 'ExternalSecret');
    expect(externalSecret.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: {
        name: 'team1-apikey',
        creationPolicy: 'Owner',
        template: {
          engineVersion: 'v2',
          type: 'extauth.solo.io/apikey',
          metadata: { labels: { 'llm-provider': 'openai' } },
          data: { 'api-key': '{{ .apiKey }}', 'x-org': 'developers' },
        },
      },
      data: [{ secretKey: 'apiKey', remoteRef: { key: 'llm-gateway/team1', property: 'key' } }],
    });
    expect(byKind(manifests, 'Secret')).toEqual([]);
    expect((byKind(manifests, 'AuthConfig')[0].spec as any).configs[0].apiKeyAuth.k8sSecretApikeyStorage)
      .toEqual({ apiKeySecretRefs: [{ name: 'team1-apikey', namespace: 'agentgateway-system' }] });
  });

  test('fromSealedSecret: a SealedSecret whose template carries type, labels and metadata entries', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', {
      team: 'team1',
      key: KeySource.fromSealedSecret({ encryptedKey: 'AgBy3i4OJSWK+PiTySYZZA==' }),
      metadata: { 'x-org': 'developers' },
      labels: { 'api-key-group': 'llm' },
    });
    const [sealed] = synth(chart);
    expect(sealed).toMatchSnapshot();
    expect(sealed.spec).toEqual({
      encryptedData: { 'api-key': 'AgBy3i4OJSWK+PiTySYZZA==' },
      template: {
        type: 'extauth.solo.io/apikey',
        metadata: { name: 'team1-apikey', namespace: 'agentgateway-system', labels: { 'api-key-group': 'llm' } },
        data: { 'x-org': 'developers' },
      },
    });
  });

  test('fromExistingSecret: nothing is emitted, policies reference the Secret by name', () => {
    const chart = newChart();
    const team = new TeamApiKey(chart, 'Team1', {
      team: 'team1', key: KeySource.fromExistingSecret({ metadataKeys: ['x-org'] }), secretName: 'managed-by-vault',
    });
    new GatewayAuthPolicy(chart, 'Auth', { keys: [team], headersFromMetadata: [{ header: 'x-org', required: true }] });
    const manifests = synth(chart);
    expect(manifests.map(m => m.kind)).toEqual(['AuthConfig', 'EnterpriseAgentgatewayPolicy', 'EnterpriseAgentgatewayPolicy']);
    expect((manifests[0].spec as any).configs[0].apiKeyAuth.k8sSecretApikeyStorage.apiKeySecretRefs)
      .toEqual([{ name: 'managed-by-vault', namespace: 'agentgateway-system' }]);
  });

  test('fromExistingSecret with declared metadata: required headers are checked against it', () => {
    const chart = newChart();
    const team = new TeamApiKey(chart, 'Team1', { team: 'team1', key: KeySource.fromExistingSecret({ metadataKeys: ['x-team'] }) });
    new GatewayAuthPolicy(chart, 'Auth', { keys: [team], headersFromMetadata: [{ header: 'x-org', required: true }] });
    expect(synthError(chart)).toContain('but test/Team1 does not');
  });

  test('a literal key synthesizes as before, with a weak-key warning that never shows the key', async () => {
    const warnings: string[] = [];
    const app = Testing.app();
    configureSynth(app, { allowPlaintextKeys: true, warn: w => warnings.push(w) });
    const chart = new Chart(app, 'test');
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: KeySource.literal(SecretValue.unsafePlainText('team1-key')) });
    synth(chart);
    expect(warnings).toEqual([
      '[test/Team1] key: expected a key of at least 128 bits of estimated strength, but team1-apikey has about 26: '
      + 'use generateKey() and keep it in a secret store (KeySource.fromExternalSecret)',
    ]);
    await Promise.resolve();
    synth(chart);
    expect(warnings).toHaveLength(2); // once per synth
    expect(warnings.join()).not.toContain('team1-key');
  });

  test.each([
    ['an empty store name', { storeName: '', remoteKey: 'k' }, 'key.storeName: expected a DNS-1123 subdomain'],
    ['an empty remote key', { storeName: 'vault', remoteKey: ' ' }, 'key.remoteKey: expected a non-empty string'],
    ['a bad refresh interval', { storeName: 'vault', remoteKey: 'k', refreshInterval: 'hourly' }, 'key.refreshInterval: expected a Go duration'],
  ])('fromExternalSecret rejects %s', (_name, options, message) => {
    const chart = quietChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: KeySource.fromExternalSecret(options) });
    expect(synthError(chart)).toContain(`[test/Team1] ${message}`);
  });

  test('metadata with "{{" is rejected for ExternalSecrets, whose templates would expand it', () => {
    const chart = quietChart();
    new TeamApiKey(chart, 'Team1', {
      team: 'team1', key: KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'k' }), metadata: { 'x-org': '{{ .apiKey }}' },
    });
    expect(synthError(chart)).toContain('[test/Team1] metadata.x-org: expected a value without "{{"');
  });

  test('two teams reading the same remote key share a key, which is rejected', () => {
    const chart = quietChart();
    const source = () => KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'llm/shared' });
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: source() });
    new TeamApiKey(chart, 'Team2', { team: 'team2', key: source() });
    expect(synthError(chart)).toContain('[test/Team2] key: expected a key no other team uses (team "team1" at test/Team1 has the same key), got <redacted>');
  });

  test('two keys of different sources with one Secret name are rejected', () => {
    const chart = quietChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: SecretValue.unsafePlainText(fixtureKeyText('team1')) });
    new TeamApiKey(chart, 'Team2', { team: 'team2', key: KeySource.fromExistingSecret(), secretName: 'team1-apikey' });
    expect(synthError(chart)).toContain('[test/Team2] secretName: expected a name no other Secret in the namespace has');
  });

  test('a key selected by two policies is rejected unless both allow it', () => {
    const build = (allowSharedKeys: boolean): Chart => {
      const chart = quietChart();
      const team = new TeamApiKey(chart, 'Team1', { team: 'team1', key: KeySource.fromExistingSecret(), labels: { group: 'llm' } });
      new GatewayAuthPolicy(chart, 'ByRef', { name: 'by-ref', keys: [team], allowSharedKeys });
      new GatewayAuthPolicy(chart, 'ByLabel', { name: 'by-label', keySelection: KeySelection.labelSelector({ group: 'llm' }), allowSharedKeys });
      return chart;
    };
    expect(synthError(build(false))).toContain('[test/ByRef] keys: expected key Secrets no other auth policy selects (test/ByLabel selects it too');
    expect(() => synth(build(true))).not.toThrow();
  });

  test('a plain string where a key belongs is rejected without showing it', () => {
    const chart = quietChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: [{ source: 'fixture-plain-string-key' as unknown as KeySource }] });
    const message = synthError(chart);
    expect(message).toContain('[test/Team1] keys[0].source: expected a SecretValue or a KeySource');
    expect(message).not.toContain('fixture-plain-string-key');
  });

  test('redacted snapshots hide literal keys only', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: SecretValue.unsafePlainText(fixtureKeyText('team1')) });
    expect(JSON.stringify(synthRedacted(chart))).not.toContain(Buffer.from(fixtureKeyText('team1')).toString('base64'));
  });

  test('configureSynth must come before the constructs', () => {
    const app = new App();
    new TeamApiKey(new Chart(app, 'c'), 'Team1', { team: 'team1', key: KeySource.fromExistingSecret() });
    expect(() => configureSynth(app, { allowPlaintextKeys: true, strict: true })).toThrow(/before any agentgateway-constructs construct/);
  });
});

describe('warnings', () => {
  test('are not printed when the synth fails its checks', () => {
    const warnings: string[] = [];
    const app = Testing.app();
    configureSynth(app, { allowPlaintextKeys: true, warn: w => warnings.push(w) });
    const chart = new Chart(app, 'test');
    new TeamApiKey(chart, 'Weak', { team: 'weak', key: SecretValue.unsafePlainText('team1-key') });
    new TeamApiKey(chart, 'Bad', { team: 'Bad Team', key: SecretValue.unsafePlainText(fixtureKeyText('bad')) });
    expect(synthError(chart)).toContain('[test/Bad] team: expected a DNS-1123 label');
    expect(warnings).toEqual([]);
  });
});

describe('key Secret data encoding', () => {
  const utf8Base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  const storages = [EXT_AUTH_STORAGE, { kind: 'builtInSecret' as const, labels: { group: 'llm' } }];

  test('every value is the base64 of its UTF-8 bytes, for any text (ASCII takes a faster path to the same result)', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }), fc.constantFrom('\ud800', 'é', '😀', '\u0000\u007f\u0080'));
    fc.assert(fc.property(text, text, (key, org) => {
      const spec = resolveTeamApiKey({ team: 't', key: SecretValue.unsafePlainText(`k${key}`), metadata: { 'x-org': org } });
      const [ext, builtIn] = storages.map(storage => renderTeamApiKey(spec, new Date(), storage)[0].data);
      expect(ext).toEqual({ 'api-key': utf8Base64(`k${key}`), 'x-org': utf8Base64(org) });
      expect(builtIn).toEqual({ 't-apikey': utf8Base64(JSON.stringify({ key: `k${key}`, metadata: { 'x-org': org } })) });
    }));
  });
});
