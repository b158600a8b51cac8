import { inspect } from 'node:util';
import { SecretValue, TeamApiKey } from '../src';
import { fixtureKey, newChart, synth, synthRedacted } from './helpers';

describe('TeamApiKey', () => {
  test('emits an ext-auth key Secret with the key, metadata entries and labels', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', {
      team: 'team1', key: fixtureKey('team1'), metadata: { 'x-org': 'developers' }, labels: { 'llm-provider': 'openai' },
    });
    expect(synthRedacted(chart)).toMatchSnapshot();
  });

  test('the Secret holds the key and each metadata entry base64-encoded', () => {
    const chart = newChart();
    const key = new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('team1'), metadata: { 'x-org': 'dev', 'x-cost-center': 'cc-7' } });
    const [secret] = synth(chart);
    expect(secret.type).toBe('extauth.solo.io/apikey');
    expect(secret.metadata).toEqual({ name: 'team1-apikey', namespace: 'agentgateway-system' });
    const data = secret.data as Record<string, string>;
    expect(Buffer.from(data['api-key'], 'base64').toString()).toBe(fixtureKey('team1').unsafeUnwrap());
    expect(Buffer.from(data['x-org'], 'base64').toString()).toBe('dev');
    expect(Buffer.from(data['x-cost-center'], 'base64').toString()).toBe('cc-7');
    expect(key.keyRefs).toEqual([expect.objectContaining({ secretName: 'team1-apikey', metadataKeys: ['x-org', 'x-cost-center'] })]);
  });

  test('secret name and namespace are overridable', () => {
    const chart = newChart();
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('team1'), secretName: 'keys.team1', namespace: 'keys' });
    expect(synth(chart)[0].metadata).toEqual({ name: 'keys.team1', namespace: 'keys' });
  });

  test('a SecretValue never shows its key when printed, logged or serialized', () => {
    const key = SecretValue.unsafePlainText('fixture-printed-key');
    const props = { team: 'team1', key };
    for (const shown of [String(key), `${key}`, JSON.stringify(props), inspect(props), inspect(key)]) {
      expect(shown).not.toContain('fixture-printed-key');
      expect(shown).toContain('<redacted>');
    }
    expect(key.unsafeUnwrap()).toBe('fixture-printed-key');
  });
});
