import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { buildCli } from '../src/cli';
import { ConfigError, loadConfig, planConfig, renderFiles } from '../src/config';

// Property-based fuzzing of the config loader and build: random structures, unicode and control characters,
// prototype keys, huge and deep values. Only ConfigErrors may escape, each problem located; no key is ever shown.

const KEY = 'fixture-fuzz-key-7f3a9c2e5b1d4068';
const SECRETS = [KEY, Buffer.from(KEY).toString('base64')];
const ENV = { TEAM_KEY: KEY };
/** Per run, generously: the machine is shared; a hang or exponential blow-up takes far longer. */
const MAX_MS = 5_000;

const dir = mkdtempSync(join(tmpdir(), 'agw-fuzz-'));
let count = 0;
const write = (content: string | Uint8Array) => {
  const file = join(dir, `fuzz-${count++}.yaml`);
  writeFileSync(file, content);
  return file;
};

const FIELDS = ['team', 'key', 'keys', 'source', 'metadata', 'labels', 'literal', 'env', 'hash', 'existingSecret', 'externalSecret',
  'storeName', 'remoteKey', 'provider', 'options', 'model', 'gateway', 'name', 'namespace', 'auth', 'mode', 'routes', 'teams',
  'headersFromMetadata', 'header', 'metadataKey', 'keySelection', 'revoked', 'reason', 'notAfter', 'notBefore', 'settings'];
const ODD = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', '\n', '\t', '\u0000', '\u0007',
  '\u202e', '\ufeff', '\ud800', 'a|b\nc', '*a', '&a', '!!binary', '${HOME}', 'x'.repeat(70_000), '\u{1f600}'.repeat(3)];

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(...ODD), fc.constantFrom('t1', 't2', 'team-a', 'openai', 'x-org', 'vault', 'builtIn', 'agentgateway'),
);
const mapKey = fc.oneof(text, fc.constantFrom(...FIELDS), fc.constantFrom(...ODD));
const deep = fc.integer({ min: 1, max: 300 }).map(depth => {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
});
const { value } = fc.letrec<{ value: unknown }>(tie => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), deep,
    fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(mapKey, tie('value'), { maxKeys: 4 })),
}));
const or = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary }, { weight: 1, arbitrary: value });

const keySource = fc.oneof(
  fc.constant({ literal: KEY }), fc.constant({ hash: KEY }), fc.constant({ env: 'TEAM_KEY' }), fc.constant({ literal: KEY, env: 'TEAM_KEY' }),
  fc.constant({ existingSecret: {} }), fc.record({ externalSecret: fc.record({ storeName: or(text), remoteKey: or(text) }) }), value,
);
const stringMap = or(fc.dictionary(mapKey, or(text), { maxKeys: 3 }));
const team = fc.record({
  team: or(fc.oneof(fc.constantFrom('t1', 't2', 'team-a'), text)),
  key: keySource,
  keys: fc.array(fc.record({ source: keySource, name: or(text), notAfter: or(text), revoked: or(fc.record({ reason: or(text) })) }, { requiredKeys: ['source'] }), { maxLength: 2 }),
  metadata: stringMap,
  labels: stringMap,
  revoked: or(fc.record({ reason: or(text) })),
}, { requiredKeys: ['team'] });
const config = fc.record({
  gateway: or(fc.record({ name: or(text), namespace: or(text) }, { requiredKeys: [] })),
  routes: or(fc.array(fc.record({ provider: or(fc.constantFrom('openai', 'anthropic')), options: or(fc.dictionary(mapKey, value, { maxKeys: 2 })), name: or(text) }, { requiredKeys: ['provider'] }), { maxLength: 3 })),
  auth: or(fc.record({
    mode: or(fc.constantFrom('extAuth', 'builtIn')),
    headersFromMetadata: or(fc.array(fc.record({ header: or(text), metadataKey: or(text), required: or(fc.boolean()) }, { requiredKeys: ['header'] }), { maxLength: 2 })),
    keySelection: or(fc.record({ labels: stringMap })),
  }, { requiredKeys: [] })),
  teams: or(fc.array(team, { maxLength: 3 })),
  settings: or(fc.record({ strict: or(fc.boolean()), now: or(fc.constantFrom('2026-01-01T00:00:00Z', 'tomorrow')) }, { requiredKeys: [] })),
  extra: value,
}, { requiredKeys: [] });

/** The YAML a config becomes, sometimes with random text spliced in. */
const configText = fc.tuple(config, fc.option(fc.tuple(fc.nat(), fc.oneof(text, fc.constantFrom('[', '{', ']', ': ', '\n- ', '&a ', '*a', '"', '#', '\t')))))
  .map(([c, splice]) => {
    const yaml = stringify(c, { lineWidth: 0 });
    if (!splice) return yaml;
    const at = splice[0] % (yaml.length + 1);
    return yaml.slice(0, at) + splice[1] + yaml.slice(at);
  });

function expectNoSecret(output: string): void {
  for (const secret of SECRETS) expect(output).not.toContain(secret);
}

/** Loads, builds, checks and renders; returns what went to stderr. Only a ConfigError may escape, fully located. */
function attempt(content: string | Uint8Array): string {
  const file = write(content);
  const stderr: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
  const started = Date.now();
  try {
    renderFiles(planConfig(loadConfig(file), { env: ENV }), 'byKind', file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw new Error(`not a ConfigError for ${JSON.stringify(String(content).slice(0, 300))}: ${(e as Error).stack}`);
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) {
      expect(p.file).toBe(file);
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.column).toBeGreaterThanOrEqual(1);
      expect(p.field).not.toBe('');
      expect(p.message).not.toBe('');
    }
    stderr.push(e.message);
  } finally {
    spy.mockRestore();
  }
  expect(Date.now() - started).toBeLessThan(MAX_MS);
  return stderr.join('');
}

describe('config fuzzing', () => {
  test('random configs: only located ConfigErrors, no key in any message, bounded time', () => {
    fc.assert(fc.property(configText, text => {
      const output = attempt(text);
      // A spliced text may move the key out of its key source; only intact configs are checked for echoes.
      if (text.includes(`literal: ${KEY}\n`) || text.includes(`hash: ${KEY}\n`) || !text.includes(KEY)) expectNoSecret(output);
    }), { numRuns: 200 });
  });

  test('random bytes: invalid UTF-8, control characters and binary are located errors', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), (bytes, chars) => {
      attempt(bytes);
      attempt(chars);
    }), { numRuns: 150 });
  });

  test('the CLI writes nothing when synth fails, and shows no key', async () => {
    await fc.assert(fc.asyncProperty(configText, async text => {
      const out = join(mkdtempSync(join(dir, 'out-')), 'manifests');
      const printed: string[] = [];
      const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void printed.push(parts.join(' ')));
      const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (printed.push(String(chunk)), true));
      let failed: unknown;
      try {
        await buildCli().exitOverride().parseAsync(['node', 'agentgateway-constructs', 'synth', write(text), '--out', out]);
      } catch (e) {
        failed = e;
      } finally {
        log.mockRestore();
        err.mockRestore();
      }
      if (failed) {
        expect(failed).toBeInstanceOf(ConfigError);
        expect(existsSync(out)).toBe(false);
        printed.push((failed as Error).message);
      } else {
        expect(existsSync(out)).toBe(true);
      }
      if (!text.includes(KEY) || text.includes(`literal: ${KEY}\n`) || text.includes(`hash: ${KEY}\n`)) expectNoSecret(printed.join('\n'));
    }), { numRuns: 40 });
  });
});
