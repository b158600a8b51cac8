import { Chart, Testing } from 'cdk8s';
import {
  GatewayAuthPolicy, KeySource, SecretValue, SynthSettings, TeamApiKey, TeamKeyOptions, configureSynth, estimateKeyBits,
  generateKey,
} from '../src';
import { byKind, fixtureKey, fixtureKeyText, synth, synthError } from './helpers';

const T0 = new Date('2026-12-01T00:00:00Z');
const days = (n: number) => new Date(T0.getTime() + n * 86_400_000);
const seconds = (date: Date, n: number) => new Date(date.getTime() + n * 1000);

/** A chart whose synth sees `now`; warnings land in `warnings`. */
function chartAt(now: Date, settings: SynthSettings = {}): { chart: Chart; warnings: string[] } {
  const warnings: string[] = [];
  const app = Testing.app();
  configureSynth(app, { allowPlaintextKeys: true, now, warn: w => warnings.push(w), ...settings });
  return { chart: new Chart(app, 'test'), warnings };
}

/** The team's emitted Secret names and the refs the policy carries, at `now`. */
function stateAt(now: Date, keys: TeamKeyOptions[], settings: SynthSettings = {}) {
  const { chart, warnings } = chartAt(now, settings);
  const team = new TeamApiKey(chart, 'Team1', { team: 'team1', keys, metadata: { 'x-org': 'developers' } });
  new GatewayAuthPolicy(chart, 'Auth', { keys: [team] });
  const manifests = synth(chart);
  return {
    manifests,
    secrets: byKind(manifests, 'Secret').map(s => s.metadata.name),
    refs: (byKind(manifests, 'AuthConfig')[0].spec as any).configs[0].apiKeyAuth.k8sSecretApikeyStorage.apiKeySecretRefs.map((r: any) => r.name),
    warnings,
  };
}

describe('key rotation, expiry and revocation', () => {
  const oldKey = (notAfter?: Date): TeamKeyOptions => ({ source: fixtureKey('old'), notAfter });
  const newKey = (notBefore?: Date): TeamKeyOptions => ({ source: fixtureKey('new'), name: 'v2', notBefore });

  test('a full rotation: add the new key, let clients move, let the old one expire', () => {
    // Day 0: one key.
    expect(stateAt(T0, [oldKey()])).toMatchObject({ secrets: ['team1-apikey'], refs: ['team1-apikey'] });
    // Day 1: the new key is added, valid from day 2; the old one gets an end date on day 30.
    const rotating = [oldKey(days(30)), newKey(days(2))];
    expect(stateAt(days(1), rotating)).toMatchObject({ secrets: ['team1-apikey'], refs: ['team1-apikey'] });
    // Day 2 to 29: both keys work while clients move over.
    expect(stateAt(days(2), rotating)).toMatchObject({ secrets: ['team1-apikey', 'team1-apikey-v2'], refs: ['team1-apikey', 'team1-apikey-v2'] });
    // Day 20: the old key expires within the warning window.
    expect(stateAt(days(20), rotating).warnings).toEqual([expect.stringContaining(
      '[test/Team1] keys[0].notAfter: expected a successor key in `keys` before team1-apikey expires at 2026-12-31T00:00:00.000Z (in 10.0 days)')]);
    // Day 30: only the new key is left; the old Secret and its ref are gone.
    expect(stateAt(days(30), rotating)).toMatchObject({ secrets: ['team1-apikey-v2'], refs: ['team1-apikey-v2'], warnings: [] });
  });

  test.each([
    ['one second before notAfter', seconds(days(10), -1), true],
    ['exactly at notAfter', days(10), false],
    ['one second after notAfter', seconds(days(10), 1), false],
  ])('a key %s is %s emitted', (_when, now, emitted) => {
    const state = stateAt(now, [oldKey(days(10)), { source: fixtureKey('other'), name: 'other' }]);
    expect(state.secrets.includes('team1-apikey')).toBe(emitted);
    expect(state.refs.includes('team1-apikey')).toBe(emitted);
  });

  test.each([
    ['one second before notBefore', seconds(days(5), -1), false],
    ['exactly at notBefore', days(5), true],
  ])('a key %s is %s emitted', (_when, now, emitted) => {
    expect(stateAt(now, [oldKey(), newKey(days(5))]).secrets.includes('team1-apikey-v2')).toBe(emitted);
  });

  test('expiry is written as an annotation on the key Secret', () => {
    const [secret] = stateAt(T0, [oldKey(days(100))]).manifests;
    expect(secret.metadata.annotations).toEqual({ 'agentgateway-constructs.dev/not-after': '2027-03-11T00:00:00.000Z' });
  });

  test('the expiry warning window is configurable', () => {
    expect(stateAt(T0, [oldKey(days(20))]).warnings).toEqual([]);
    expect(stateAt(T0, [oldKey(days(20))], { expiryWarningDays: 30 }).warnings).toHaveLength(1);
  });

  test('a team that is not revoked, left without a valid key, fails synth', () => {
    const { chart } = chartAt(days(40));
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: [oldKey(days(30)), newKey(days(60))] });
    expect(synthError(chart)).toContain('[test/Team1] keys: expected at least one key valid at 2027-01-10T00:00:00.000Z for a team '
      + 'that is not revoked (add a key, or revoke the team), got "team1-apikey expired at 2026-12-31T00:00:00.000Z, v2 valid from 2027-01-30T00:00:00.000Z"');
  });

  test('a revoked team stays in code but emits nothing, and no policy references it', () => {
    const { chart } = chartAt(T0);
    const revoked = new TeamApiKey(chart, 'Team1', {
      team: 'team1', key: fixtureKey('team1'), revoked: { reason: 'left the company', date: '2026-11-30' },
    });
    const kept = new TeamApiKey(chart, 'Team2', { team: 'team2', key: fixtureKey('team2') });
    new GatewayAuthPolicy(chart, 'Auth', { keys: [revoked, kept] });
    const manifests = synth(chart);
    expect(byKind(manifests, 'Secret').map(s => s.metadata.name)).toEqual(['team2-apikey']);
    expect(JSON.stringify(manifests)).not.toContain('team1');
    expect(revoked.keyRefs).toEqual([]);
  });

  test('revoking every team of a policy leaves it failing closed, with no refs', () => {
    const { chart } = chartAt(T0);
    const team = new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('team1'), revoked: { reason: 'incident 42' } });
    new GatewayAuthPolicy(chart, 'Auth', { keys: [team] });
    const [authConfig] = synth(chart);
    expect((authConfig.spec as any).configs[0].apiKeyAuth.k8sSecretApikeyStorage).toEqual({ apiKeySecretRefs: [] });
  });

  test('a revoked key emits nothing; the team keeps its other key', () => {
    const state = stateAt(T0, [{ ...oldKey(), revoked: { reason: 'pasted in a public channel' } }, newKey()]);
    expect(state).toMatchObject({ secrets: ['team1-apikey-v2'], refs: ['team1-apikey-v2'] });
  });

  test('a revocation needs a reason', () => {
    const { chart } = chartAt(T0);
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('team1'), revoked: { reason: '' } });
    expect(synthError(chart)).toContain('[test/Team1] revoked.reason: expected a non-empty string');
  });

  test.each([
    ['a date that does not parse', [{ source: fixtureKey('a'), notAfter: 'next tuesday' }], 'keys[0].notAfter: expected an RFC 3339 date-time with an offset'],
    ['notAfter before notBefore', [{ source: fixtureKey('a'), notBefore: days(2), notAfter: days(1) }], 'keys[0].notAfter: expected a time after notBefore'],
    ['a second key without a name', [{ source: fixtureKey('a') }, { source: fixtureKey('b') }], 'keys[1].name: expected a name for every key but the first'],
    ['two keys with one name', [{ source: fixtureKey('a'), name: 'x' }, { source: fixtureKey('b'), name: 'x' }], 'keys[1].name: expected a name no other key of the team has'],
  ])('%s is rejected', (_name, keys, message) => {
    const { chart } = chartAt(T0);
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: keys as TeamKeyOptions[] });
    expect(synthError(chart)).toContain(`[test/Team1] ${message}`);
  });

  test('both `key` and `keys`, or neither, is rejected', () => {
    const { chart } = chartAt(T0);
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: fixtureKey('a'), keys: [{ source: fixtureKey('b') }] });
    new TeamApiKey(chart, 'Team2', { team: 'team2' });
    const message = synthError(chart);
    expect(message).toContain('[test/Team1] keys: expected either `key` or `keys`, not both');
    expect(message).toContain('[test/Team2] key: expected a key: `key` (one key) or `keys` (several, for rotation), got nothing');
  });
});

describe('strict mode', () => {
  test('turns every warning into an error; the error never shows the key', () => {
    const { chart, warnings } = chartAt(T0, { strict: true });
    new TeamApiKey(chart, 'Team1', { team: 'team1', keys: [{ source: SecretValue.unsafePlainText('team1-key'), notAfter: days(3) }] });
    const message = synthError(chart);
    expect(message).toContain('[test/Team1] keys[0].notAfter: expected a successor key in `keys` before team1-apikey expires');
    expect(message).toContain('[test/Team1] keys[0].source: expected a key of at least 128 bits of estimated strength, but team1-apikey has about 26');
    expect(message).not.toContain('team1-key');
    expect(warnings).toEqual([]);
  });

  test('is read from AGW_STRICT when not set in code', () => {
    process.env.AGW_STRICT = '1';
    try {
      const app = Testing.app();
      const chart = new Chart(app, 'test');
      new TeamApiKey(chart, 'Team1', { team: 'team1', key: SecretValue.unsafePlainText('team1-key') });
      expect(synthError(chart)).toContain('expected a key of at least 128 bits');
    } finally {
      delete process.env.AGW_STRICT;
    }
  });

  test('passes clean input', () => {
    const { chart } = chartAt(T0, { strict: true });
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: KeySource.fromExternalSecret({ storeName: 'vault', remoteKey: 'team1' }) });
    expect(() => synth(chart)).not.toThrow();
  });
});

describe('key strength', () => {
  test('generateKey gives 256 random bits behind a readable team prefix', () => {
    const a = generateKey('team1').unsafeUnwrap();
    const b = generateKey('team1').unsafeUnwrap();
    expect(a).toMatch(/^team1_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice('team1_'.length), 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(estimateKeyBits(generateKey('team1'))).toBeGreaterThanOrEqual(128);
  });

  test.each([
    ['team1-key', 26], ['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 0], ['correct-horse-battery-staple', 97],
  ])('estimates %s at about %i bits, under the 128-bit bar', (key, bits) => {
    expect(estimateKeyBits(SecretValue.unsafePlainText(key))).toBe(bits);
  });

  test('a hex fixture of 64 characters clears the bar', () => {
    expect(estimateKeyBits(SecretValue.unsafePlainText(fixtureKeyText('x')))).toBeGreaterThanOrEqual(128);
  });
});
