import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PlainManifest, parseExpectations, runExpectations } from '../src/simulate';
import { SEED_MANIFESTS_DIR, fixtureKeyText, seedManifests } from './helpers';

// The compiled CLI, run as a user would (lib/ is built by the global setup).
const ROOT = join(__dirname, '..');
const EXAMPLE = join(ROOT, 'examples', 'gitops');
const CHAT = '/openai/v1/chat/completions';

function cli(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [join(ROOT, 'lib', 'cli.js'), ...args],
    { cwd: options.cwd ?? ROOT, input: options.input, encoding: 'utf8', env: { ...process.env, ...options.env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('simulate on the command line', () => {
  test('the example GitOps repo\'s CI step runs its expectations, against the committed manifests and the config alike', () => {
    const workflow = parse(readFileSync(join(EXAMPLE, '.github', 'workflows', 'check.yaml'), 'utf8'));
    const step: string = workflow.jobs.check.steps.map((s: { run?: string }) => s.run ?? '').find((run: string) => / simulate /.test(run));
    expect(step).toBe('npx agentgateway-constructs simulate manifests --expect expectations.yaml');
    const fromManifests = cli(step.split(' ').slice(2), { cwd: EXAMPLE });
    expect(fromManifests.stderr).toBe('');
    expect(fromManifests.stdout).toMatch(/5 of 5 expectations met\n$/);
    expect(fromManifests.status).toBe(0);
    const fromConfig = cli(['simulate', 'gateway.yaml', '--expect', 'expectations.yaml'], { cwd: EXAMPLE });
    expect(fromConfig.stdout).toBe(fromManifests.stdout);
  });

  test('a failing expectation exits 1 and says what differed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-sim-'));
    writeFileSync(join(dir, 'x.yaml'), 'expectations:\n  - name: spoof\n    request: {path: /openai/v1/chat/completions, keyOf: platform-apikey, headers: {x-org: finance}}\n    expect: {status: 200, upstreamHeaders: {x-org: finance}}\n');
    const result = cli(['simulate', 'manifests', '--expect', join(dir, 'x.yaml')], { cwd: EXAMPLE });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('FAIL spoof\n       upstream header x-org: expected "finance", got "platform"');
  });

  test('the workshop with the key from the environment or standard input: forwarded, and the key printed nowhere', () => {
    const args = ['simulate', SEED_MANIFESTS_DIR, '--path', CHAT, '-H', 'x-org: finance'];
    const viaEnv = cli([...args, '--key-env', 'TEAM1', '--json'], { env: { TEAM1: 'team1-key' } });
    expect(viaEnv.stderr).toBe('');
    const json = JSON.parse(viaEnv.stdout);
    expect(json.status).toBe(200);
    expect(json.upstreamHeaders['x-org']).toBe('developers');
    expect(json.backends[0].credential).toBe('Secret agentgateway-system/openai-secret entry Authorization');
    const viaStdin = cli([...args, '--key-stdin'], { input: 'team1-key\n' });
    expect(viaStdin.stdout).toMatch(/^200 forwarded/);
    for (const out of [viaEnv, viaStdin]) {
      expect(out.stdout + out.stderr).not.toContain('team1-key');
      expect(out.stdout + out.stderr).not.toContain(Buffer.from('team1-key').toString('base64'));
    }
    expect(cli(args).stdout).toMatch(/^401 unauthorized: no API key in header vanity-auth/);
  });

  test('--count against a config with budgets: the n-th request of a burst, as text and JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-sim-'));
    writeFileSync(join(dir, 'gateway.yaml'), [
      'settings: { allowPlaintextKeys: true }',
      'routes: [{ provider: openai }]',
      'auth: { mode: builtIn, headersFromMetadata: [{ header: x-org }] }',
      'teams:',
      '  - { team: support, key: { env: SUPPORT_KEY }, metadata: { x-org: support }, budgets: [{ requests: 10, unit: Minutes, burst: 2 }] }',
    ].join('\n'));
    const env = { SUPPORT_KEY: fixtureKeyText('support') };
    const args = ['simulate', 'gateway.yaml', '--path', CHAT, '--key-env', 'SUPPORT_KEY'];
    const text = cli([...args, '--count', '13'], { cwd: dir, env });
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/^429 rate-limited: request 13 of the burst exceeds 10 requests\/Minutes \(\+2 burst\), per replica/);
    expect(text.stdout).toContain('10 requests/Minutes (+2 burst), per replica -> 429');
    const json = JSON.parse(cli([...args, '--count', '12', '--json'], { cwd: dir, env }).stdout);
    expect([json.status, json.rateLimits.limits[0].exceeded, json.rateLimits.limits[0].condition]).toEqual([200, false, 'apiKey["x-org"] == "support"']);
    expect(cli([...args, '--count', 'many'], { cwd: dir, env }).stderr).toContain('--count: expected a whole number from 1 (the request\'s position in a burst), got "many"');
    expect(text.stdout + JSON.stringify(json)).not.toContain(fixtureKeyText('support'));
  });

  test('--key-of a team keyed from a secret store: a stand-in, assumed valid; a -H key is checked; a deployed key past notAfter is accepted with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-sim-'));
    const config = (mode: string, extra: string[]) => [
      'settings: { allowPlaintextKeys: true }',
      'routes: [{ provider: openai }]',
      `auth: { mode: ${mode}, headersFromMetadata: [{ header: x-org }] }`,
      'teams:',
      '  - { team: store, key: { externalSecret: { storeName: vault, remoteKey: llm/store } }, metadata: { x-org: store } }',
      // Ends in 2099: emitted today, past its end at the simulated time.
      '  - { team: old, keys: [{ source: { env: OLD_KEY }, notAfter: "2099-01-01T00:00:00Z" }], metadata: { x-org: old } }',
      ...extra,
    ].join('\n');
    writeFileSync(join(dir, 'builtin.yaml'), config('builtIn', []));
    writeFileSync(join(dir, 'extauth.yaml'), config('extAuth', ['  - { team: sealed, key: { sealedSecret: { encryptedKey: AgBfixture } }, metadata: { x-org: sealed } }']));
    const env = { OLD_KEY: fixtureKeyText('old') };
    const simulate = (file: string, args: string[], input?: string) => cli(['simulate', file, '--path', CHAT, ...args], { cwd: dir, env, input });

    const store = simulate('builtin.yaml', ['--key-of', 'store-apikey']);
    expect(store.stderr).toBe('');
    expect(store.stdout).toMatch(/^200 forwarded/);
    expect(store.stdout).toContain('    x-org: store\n');
    expect(store.stdout).toContain('key from ExternalSecret agentgateway-system/store-apikey: assumed valid');
    const guessed = simulate('builtin.yaml', ['-H', 'Authorization: Bearer fixture-guessed-key-0123456789']);
    expect(guessed.stdout).toMatch(/^401 unauthorized: api key authentication failure: invalid credentials/);
    expect(guessed.stdout).not.toContain('fixture-guessed-key');
    const sealed = JSON.parse(simulate('extauth.yaml', ['--key-of', 'sealed-apikey', '--json']).stdout);
    expect([sealed.status, sealed.upstreamHeaders['x-org']]).toEqual([200, 'sealed']);
    expect(sealed.notes).toContain('key from SealedSecret agentgateway-system/sealed-apikey: assumed valid (its value is not in the manifests; keyOf presents a stand-in for it)');

    const stale = simulate('builtin.yaml', ['--key-stdin', '--time', '2099-01-02T00:00:00Z'], `${fixtureKeyText('old')}\n`);
    expect(stale.stdout).toMatch(/^200 forwarded/);
    expect(stale.stdout).toContain('  WARNINGS:\n    - Secret agentgateway-system/old-apikey entry old-apikey is past its not-after 2099-01-01T00:00:00.000Z');
    expect(stale.stdout).toContain('a new synth would remove it');
    for (const out of [store, guessed, stale]) expect(out.stdout + out.stderr).not.toContain(fixtureKeyText('old'));
  });

  test('bad input: a missing key variable, two key sources, a bad header; none quotes a key', () => {
    const base = ['simulate', SEED_MANIFESTS_DIR, '--path', CHAT];
    const missing = cli([...base, '--key-env', 'NOPE_NOT_SET']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('--key-env: expected the environment variable NOPE_NOT_SET to hold a key, got no such variable');
    expect(cli([...base, '--key-env', 'K', '--key-of', 'team1-apikey'], { env: { K: 'team1-key' } }).stderr).toContain('at most one of --key-env, --key-stdin and --key-of');
    const mistyped = cli([...base, '-H', 'Authorization Bearer fixture-mistyped-key-0123456789']).stderr;
    expect(mistyped).toContain('--header: expected "name: value", got a header without ":" (not shown)');
    expect(mistyped).not.toContain('fixture-mistyped-key');
    const pasted = cli([...base, '--key-of', 'sk-Fixture-Pasted-Key-0123456789']);
    expect([pasted.status, pasted.stdout]).toEqual([1, '']);
    expect(pasted.stderr).toContain('keyOf: expected the name of the Secret or ConfigMap holding the key');
    expect(pasted.stderr).not.toContain('Fixture-Pasted');
  });
});

describe('expectations files', () => {
  const seed = (): PlainManifest[] => [...seedManifests().values()].flat() as PlainManifest[];

  test('a literal key is refused, with the file position and without the key', () => {
    const text = 'expectations:\n  - name: x\n    request:\n      path: /openai\n      key: team1-key\n    expect: {status: 200}\n';
    expect(() => parseExpectations(text, 'e.yaml')).toThrow(/^e\.yaml:5:12: expectations\[0\]\.request\.key: expected no key in the file: use keyEnv/);
    try { parseExpectations(text, 'e.yaml'); } catch (e) { expect((e as Error).message).not.toContain('team1-key'); }
  });

  test('a keyOf that is no Secret name is refused at its position, not quoted', () => {
    const text = 'expectations:\n  - name: x\n    request: {path: /openai, keyOf: "Bearer sk-Fixture-Pasted"}\n    expect: {status: 200}\n';
    expect(() => parseExpectations(text, 'e.yaml')).toThrow(/^e\.yaml:3:37: expectations\[0\]\.request\.keyOf: expected the name of the Secret/);
    expect(() => parseExpectations(text, 'e.yaml')).not.toThrow(/Fixture-Pasted/);
  });

  test('a time without an offset is refused: it would be compared against not-after in the machine\'s time zone', () => {
    const row = (time: string) => `expectations:\n  - name: x\n    request: {path: /openai, time: "${time}"}\n    expect: {status: 200}\n`;
    expect(() => parseExpectations(row('2026-12-01T00:00:00'), 'e.yaml')).toThrow(/^e\.yaml:3:\d+: expectations\[0\]\.request\.time: expected an RFC 3339 date-time with an offset or "Z"/);
    expect(parseExpectations(row('2026-12-01T01:00:00+01:00'), 'e.yaml')[0].request.time).toBe('2026-12-01T01:00:00+01:00');
  });

  test('unknown fields and bad values name the row and field', () => {
    expect(() => parseExpectations('expectations:\n  - name: x\n    request: {path: /a}\n    expect: {stauts: 200}\n', 'e.yaml'))
      .toThrow(/^e\.yaml:4:\d+: expectations\[0\]\.expect\.stauts: expected one of status, team/);
    expect(() => parseExpectations('expectations:\n  - name: x\n    request: {path: a}\n    expect: {}\n', 'e.yaml'))
      .toThrow(/expectations\[0\]\.request\.path: expected a path starting with \/, got "a"/);
    expect(() => parseExpectations('rows: []\n', 'e.yaml')).toThrow(/^e\.yaml: expectations: expected a list/);
  });

  test('keyEnv reads the key from the environment; an unset variable fails the row instead of simulating without a key', () => {
    const rows = parseExpectations([
      'expectations:',
      '  - name: team1',
      '    request: {path: /openai/v1/chat/completions, keyEnv: TEAM1_KEY, headers: {x-org: finance}}',
      '    expect: {status: 200, team: team1-apikey, upstreamHeaders: {x-org: developers}, backend: openai-all-models}',
      '  - name: unset',
      '    request: {path: /openai/v1/chat/completions, keyEnv: UNSET_KEY}',
      '    expect: {status: 401}',
    ].join('\n'), 'e.yaml');
    const results = runExpectations(seed(), rows, { TEAM1_KEY: 'team1-key' });
    expect(results.map(r => [r.name, r.passed, r.failures])).toEqual([
      ['team1', true, []],
      ['unset', false, ['environment variable UNSET_KEY is not set or empty']],
    ]);
  });
});
