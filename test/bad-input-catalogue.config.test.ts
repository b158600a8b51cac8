import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../src/cli';
import {
  CONFIG_LIMITS, ConfigError, accessMatrix, formatConfigProblem, planConfig, loadConfig, parseConfig,
} from '../src/config';

// Bad config files and CLI input, each with the message a user gets: file:line:column, the field, what was found
// (never a key) and what is expected. The cdk8s and Pulumi API have their own catalogue.

/** Every key-like value used below; none may appear in any message, nor its base64. */
const KEYS = ['fixture-catalogue-key-0123456789abcdef', 'team1-key', '1234567890123', 'sk-live-abc123'];

const dir = mkdtempSync(join(tmpdir(), 'agw-catalogue-'));
let files = 0;

function write(content: string | Buffer): string {
  const file = join(dir, `gateway-${files++}.yaml`);
  writeFileSync(file, content);
  return file;
}

/** The problems a config file produces, as `line:column: field: message` (file name left out). */
function problems(content: string | Buffer, env: NodeJS.ProcessEnv = {}): string[] {
  const file = write(content);
  try {
    planConfig(loadConfig(file), { env, warn: () => undefined });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const text = e.message + e.problems.map(formatConfigProblem).join('\n');
    for (const key of KEYS) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(Buffer.from(key).toString('base64'));
    }
    expect(text).not.toMatch(/api-key-auth\/|llm-route\/|addKey|KeySelection\.|KeySource\./);
    return e.problems.map(p => {
      expect(p.file).toBe(file);
      return `${p.line}:${p.column}: ${p.field}: ${p.message}`;
    });
  }
  return [];
}

const config = (...lines: string[]) => `${lines.join('\n')}\n`;
const SOURCE_OPTIONS = 'literal, env, hash, externalSecret, sealedSecret, existingSecret';

/** [name, config, a problem it must report (a pattern where the message comes from the shared construct checks)] */
const CONFIG_CASES: [string, string | Buffer, string | RegExp][] = [
  ['invalid UTF-8 is refused at its byte, not turned into U+FFFD',
    Buffer.concat([Buffer.from('teams:\n  - team: caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    '2:14: (file): expected UTF-8 text, got the byte 0xe9 at byte offset 20: save the file as UTF-8'],
  ['a YAML syntax error',
    config('teams:', '  - team: t1', '    key: { existingSecret: {}'),
    '4:1: (yaml): Flow map in block collection must be sufficiently indented and end with a }'],
  ['a key after a stray bracket: the parser quotes the token it did not expect, the message never does',
    config('teams:', '  - team: t1', ']   key: { literal: sk-live-abc123 }'),
    '3:1: (yaml): Unexpected flow-seq-end token in YAML stream'],
  ['a map key given twice',
    config('teams:', '  - team: t1', '    team: t2'),
    '3:5: (yaml): Map keys must be unique'],
  ['a YAML alias bomb',
    config('a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]', 'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]',
      'g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]'),
    `7:7: g: expected at most ${CONFIG_LIMITS.maxNodes} values with aliases expanded, got more: is this an alias bomb?`],
  ['an alias without its anchor: the name is not quoted (it can be a pasted key starting with *)',
    config('gateway: *Sup3rS3cretP4ss'),
    '1:10: gateway: expected an alias to an anchor set before it, got an alias (*name) with no such anchor'],
  ['aliases chaining deep anchors past the nesting limit',
    config(...Array.from({ length: 3 }, (_, i) => `k${i}: &a${i} ${'{ x: '.repeat(12)}${i === 0 ? '1' : `*a${i - 1}`}${' }'.repeat(12)}`)),
    `3:${9 + 5 * 12}: k2.x.x.x.x.x.x.x.x.x.x.x.x: expected maps and lists nested at most ${CONFIG_LIMITS.maxDepth} levels deep, got more`],
  ['more aliases than the limit',
    config('teams:', '  - team: t1', '    key: { existingSecret: {} }', '    metadata: &m { x-org: one }', `x: [${Array(CONFIG_LIMITS.maxAliases + 1).fill('*m').join(', ')}]`),
    `5:${5 + 4 * CONFIG_LIMITS.maxAliases}: x[${CONFIG_LIMITS.maxAliases}]: expected at most ${CONFIG_LIMITS.maxAliases} aliases (*name) in a config, got more`],
  ['flow collections nested too deep (found before parsing)',
    `routes: ${'['.repeat(10_000)}`,
    `1:${9 + CONFIG_LIMITS.maxDepth}: (yaml): expected maps and lists nested at most ${CONFIG_LIMITS.maxDepth} levels deep, got more`],
  ['block maps nested too deep',
    config(...Array.from({ length: 40 }, (_, i) => `${' '.repeat(i)}a:`), `${' '.repeat(40)}b: 1`),
    `34:34: ${Array(33).fill('a').join('.')}: expected maps and lists nested at most ${CONFIG_LIMITS.maxDepth} levels deep, got more`],
  ['a string longer than the limit is measured, not shown',
    config('teams:', '  - team: t1', '    key: { existingSecret: {} }', `    metadata: { x-org: ${'k'.repeat(CONFIG_LIMITS.maxStringLength + 1)} }`),
    `4:24: teams[0].metadata.x-org: expected a string of at most ${CONFIG_LIMITS.maxStringLength} characters, got ${CONFIG_LIMITS.maxStringLength + 1} characters`],
  ['`__proto__` as a label is refused, not silently dropped',
    config('teams:', '  - team: t1', '    key: { existingSecret: {} }', '    labels: { __proto__: x }'),
    '4:15: teams[0].labels.__proto__: expected a key other than "__proto__" (a reserved JavaScript name that would be dropped or break rendering): rename it'],
  ['`constructor` as metadata does not crash rendering',
    config('teams:', '  - team: t1', '    key: { existingSecret: {} }', '    metadata: { constructor: x }'),
    '4:17: teams[0].metadata.constructor: expected a key other than "constructor" (a reserved JavaScript name that would be dropped or break rendering): rename it'],
  ['`constructor` as a provider option',
    config('routes:', '  - provider: openai', '    options: { constructor: gpt-4o }'),
    '3:16: routes[0].options.constructor: expected a key other than "constructor" (a reserved JavaScript name that would be dropped or break rendering): rename it'],
  ['`prototype` in the key selector',
    config('auth:', '  keySelection: { labels: { prototype: x } }'),
    '2:29: auth.keySelection.labels.prototype: expected a key other than "prototype" (a reserved JavaScript name that would be dropped or break rendering): rename it'],
  ['a list used as a map key',
    config('teams:', '  - team: t1', '    key: { existingSecret: {} }', '    metadata:', '      ? [a, b]', '      : x'),
    '5:9: teams[0].metadata: expected a plain text key, got a map, list or empty key'],
  ['`env: constructor` is refused by name, never looked up on Object.prototype',
    config('teams:', '  - team: t1', '    key: { env: constructor }'),
    '3:17: teams[0].key.env: expected the name of a variable holding a key (uppercase letters, digits and "_", ending in "_KEY" or starting with "AGW_KEY_", e.g. TEAM1_KEY), got "constructor"'],
  ['a revocation reason with a line break (it would break the matrix and the audit trail)',
    config('teams:', '  - team: t1', '    key: { existingSecret: {} }', '    revoked: { reason: "left\\n| t2 | allowed |" }'),
    /^4:24: teams\[0\]\.revoked\.reason: expected one line of at most 1024 characters, without control characters, got "left\\n\| t2 \| allowed \|"$/],
  ['a header taken from the metadata key `constructor`',
    config('auth:', '  headersFromMetadata: [{ header: x-org, metadataKey: constructor, required: true }]', 'teams: [{ team: t1, key: { existingSecret: {} } }]'),
    '2:55: auth.headersFromMetadata[0].metadataKey: expected a metadata key other than "constructor" (a reserved JavaScript name)'],
  ['a numeric literal key',
    config('teams:', '  - team: t1', '    key: { literal: 1234567890123 }'),
    '3:21: teams[0].key.literal: expected a quoted string, got a number (not shown: it might be a key): YAML reads unquoted digits, true/false and null as other types; write literal: "..."'],
  ['a boolean hash',
    config('teams:', '  - team: t1', '    keys: [{ source: { hash: true } }]'),
    '3:30: teams[0].keys[0].source.hash: expected a quoted string, got a boolean (not shown: it might be a key): YAML reads unquoted digits, true/false and null as other types; write hash: "..."'],
  ['a key written directly instead of a key source',
    config('teams:', '  - team: t1', '    key: 1234567890123'),
    `3:10: teams[0].key: expected a key source with exactly one of ${SOURCE_OPTIONS}, got a number (not shown: it might be a key); e.g. key: { externalSecret: { storeName: vault, remoteKey: llm/team1 } }`],
  ['an unknown key source',
    config('teams:', '  - team: t1', '    key: { vault: llm/team1 }'),
    `3:10: teams[0].key: expected a key source with exactly one of ${SOURCE_OPTIONS}, got "vault"`],
  ['a key pasted as a field name is not echoed',
    config('teams:', '  - team: t1', '    key: { sk-live-abc123: x }'),
    `3:10: teams[0].key: expected a key source with exactly one of ${SOURCE_OPTIONS}, got 1 other field (names not shown: one might be a key)`],
  ['two key sources in one entry',
    config('teams:', '  - team: t1', '    key: { literal: fixture-catalogue-key-0123456789abcdef, env: TEAM1_KEY }'),
    `3:10: teams[0].key: expected a key source with exactly one of ${SOURCE_OPTIONS}, got 2: literal and env`],
  ['an empty key source',
    config('teams:', '  - team: t1', '    key: {}'),
    `3:10: teams[0].key: expected a key source with exactly one of ${SOURCE_OPTIONS}, got an empty map`],
  ['a key source with an extra field',
    config('teams:', '  - team: t1', '    key: { existingSecret: {}, rotate: true }'),
    '3:40: teams[0].key.rotate: expected only existingSecret in a key source, got also "rotate"'],
  ['a key pasted as an extra field name is not echoed',
    config('teams:', '  - team: t1', '    key: { existingSecret: {}, sk-live-abc123: x }'),
    '3:10: teams[0].key: expected only existingSecret in a key source, got also another field (name not shown: it might be a key)'],
  ['a plaintext key pasted into `hash:`',
    config('auth: { mode: builtIn, builtIn: { hashedKeys: true } }', 'teams:', '  - team: t1', '    key: { hash: fixture-catalogue-key-0123456789abcdef }'),
    '4:18: teams[0].key.hash: expected "sha256:" followed by 64 lowercase hex digits, as `agentgateway-constructs hash` prints it, got something else (not shown: it might be the key itself)'],
  ['two provider credentials',
    config('routes:', '  - provider: openai', '    credential: { secretRef: { name: openai-secret }, passthrough: {} }'),
    '3:17: routes[0].credential: expected a provider credential with exactly one of secretRef, passthrough, aws, gcp, got 2: secretRef and passthrough'],
  ['an inline provider key',
    config('routes:', '  - provider: openai', '    credential: { inlineKey: sk-live-abc123 }'),
    '3:17: routes[0].credential: expected a provider credential with exactly one of secretRef, passthrough, aws, gcp, got "inlineKey"'],
  ['an empty file', '', '1:1: (config): expected at least one route in `routes` or team in `teams`: this config declares nothing to synthesize'],
  ['`teams: []` alone', config('teams: []'),
    '1:8: teams: expected at least one route in `routes` or team in `teams`: this config declares nothing to synthesize'],
  ['`teams: []` with auth gets advice about the config, not the cdk8s API',
    config('auth: { headerName: vanity-auth }', 'teams: []'),
    '2:8: teams: expected at least one team in `teams`, or `auth.keySelection.labels` to select key Secrets by label, got []'],
  ['a bad gateway name is reported once, where it is written',
    config('gateway: { name: Agent_Gateway }', 'routes: [{ provider: openai }, { provider: anthropic }]'),
    '1:18: gateway.name: expected a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters), got "Agent_Gateway"'],
  ['an unknown provider option, at the option',
    config('routes:', '  - provider: openai', '    options: { model: gpt-4o, temprature: 1 }'),
    '3:43: routes[0].options.temprature: expected one of "model", got "temprature"'],
  ['the same key for two teams names the other team by its config path',
    config('teams:', '  - team: t1', '    key: { literal: fixture-catalogue-key-0123456789abcdef }', '  - team: t2', '    key: { literal: fixture-catalogue-key-0123456789abcdef }', 'auth: {}'),
    '5:10: teams[1].key: expected a key no other team uses (team "t1" at teams[0] has the same key), got <redacted>'],
  ['a hash under ext-auth names the config fields that work',
    config('teams:', `  - team: t1`, `    key: { hash: "sha256:${'a'.repeat(64)}" }`, 'auth: {}'),
    '3:10: teams[0].key: expected a key source that works with ext-auth key Secrets: a literal key, `key: { externalSecret: ... }`, `key: { sealedSecret: ... }`, `key: { existingSecret: {} }`, got "hash"'],
  ['a misspelt top-level field', config('team:', '  - team: t1'), '1:1: team: Unrecognized key: "team"'],
  ['an unknown route in targetRoutes',
    config('routes: [{ provider: openai }]', 'auth: { targetRoutes: [openia] }', 'teams: [{ team: t1, key: { existingSecret: {} } }]'),
    '2:24: auth.targetRoutes[0]: expected the name of a route in `routes` (openai), got "openia"'],
  ['an unknown provider',
    config('routes: [{ provider: cohere }]'),
    '1:22: routes[0].provider: Invalid option: expected one of "openai"|"anthropic"|"gemini"|"vertexai"|"bedrock"|"azureopenai"'],
  ['a port written as text',
    config('routes: [{ provider: openai, host: api.example.com, port: "443" }]'),
    '1:59: routes[0].port: Invalid input: expected number, received string'],
  ['a team name that is not a DNS label',
    config('teams: [{ team: Team One, key: { existingSecret: {} } }]'),
    /^1:17: teams\[0\]\.team: expected a DNS-1123 label .*, got "Team One"$/],
];

describe('bad config files: located, specific, no key echoed, no construct paths', () => {
  test.each(CONFIG_CASES)('%s', (_name, content, expected) => {
    expect(problems(content)).toContainEqual(typeof expected === 'string' ? expected : expect.stringMatching(expected));
  });

  test('a 50 MB config fails before it is read', () => {
    const file = write('');
    truncateSync(file, 50 * 1024 * 1024);
    const started = Date.now();
    expect(() => loadConfig(file)).toThrow(`${file}:1:1: (file): expected a config of at most 32.0 MiB, got 50.0 MiB: split it, or use label selectors and fewer, larger entries`);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a config over 8 MiB is read by the fast parser only: an alias is refused, a problem in a list item is located by re-reading that item', () => {
    const note = 'n'.repeat(300); // fewer, longer teams: the same size in less time
    const teams = Array.from({ length: 24_000 }, (_, i) => `  - { team: team-${i}, key: { externalSecret: { storeName: vault, remoteKey: llm/team-${i} } }, metadata: { x-org: org-${i}, note: ${note} } }`);
    const text = `auth: { keySelection: { labels: { api-key-group: llm-users } } }\nteams:\n${teams.join('\n')}\n`;
    expect(text.length).toBeGreaterThan(CONFIG_LIMITS.maxPositionedBytes);
    const aliased = text.replace('metadata: { x-org: org-1,', 'metadata: &m { x-org: org-1,').replace(`metadata: { x-org: org-2, note: ${note} }`, 'metadata: *m');
    expect(() => parseConfig(aliased, 'big.yaml')).toThrow(/^1 problem in the config:\n {2}big\.yaml:1:1: \(file\): expected a config of at most 8\.0 MiB, or one without anchors, aliases/);
    const wrong = text.replace('team: team-23999,', 'team: team-23999, colour: blue,')
      .replace('remoteKey: llm/team-12345 }', 'remoteKey: [llm] }')
      .replace('api-key-group: llm-users', 'api-key-group: [llm-users]');
    const message = (() => { try { parseConfig(wrong, 'big.yaml'); } catch (e) { return (e as Error).message; } return ''; })();
    // Line 1 is auth, line 2 `teams:`, team i on line 3 + i; the key `colour` starts at column 25.
    expect(message).toContain('big.yaml:24002:25: teams[23999].colour:');
    expect(message).toMatch(/big\.yaml:12348:\d+: teams\[12345\]\.key/);
    // Outside the lists, the place is not looked for: the field names it.
    expect(message).toMatch(/big\.yaml:1:1: auth\./);
    const duplicate = text.replace('team: team-600,', 'team: team-5,');
    const planned = (() => { try { planConfig(parseConfig(duplicate, 'big.yaml')); } catch (e) { return (e as Error).message; } return ''; })();
    expect(planned).toMatch(/big\.yaml:603:5: teams\[600\]\.secretName: expected a name no other Secret/);
    expect(planned).toMatch(/big\.yaml:3:3: teams: expected each team once/); // the list is where its first item is
  });

  test('long strings aliased from many teams: refused by the text they expand to, before anything is rendered', () => {
    const big = Array.from({ length: 5 }, (_, i) => `e${i}: "${'x'.repeat(60_000)}"`).join(', ');
    const teams = Array.from({ length: 120 }, (_, i) => `  - { team: team-${i}, key: { externalSecret: { storeName: vault, remoteKey: k${i} } }, metadata: ${i === 0 ? `&m { ${big} }` : '*m'} }`);
    const text = `auth: { keySelection: { labels: { api-key-group: llm-users } } }\nteams:\n${teams.join('\n')}\n`;
    expect(text.length).toBeLessThan(400_000);
    expect(() => parseConfig(text, 'g.yaml')).toThrow(/g\.yaml:\d+:\d+: teams: expected at most 32\.0 MiB of text with aliases expanded, got more: is this an alias bomb\?/);
  });

  test('an endless stream stops at the limit', () => {
    expect(() => loadConfig('/dev/zero')).toThrow('/dev/zero:1:1: (file): expected a config of at most 32.0 MiB, got more');
  });

  test('10 000 teams with two rotating keys each fit the size limit with more than twice the room', () => {
    const team = (i: number) => config(`  - team: team-${i}`, '    keys:', `      - source: { externalSecret: { storeName: vault, remoteKey: llm-gateway/team-${i} } }`,
      '        notAfter: "2099-01-01T00:00:00Z"', '      - name: next', `        source: { externalSecret: { storeName: vault, remoteKey: llm-gateway/team-${i}-next } }`,
      '        notBefore: "2098-12-01T00:00:00Z"', `    metadata: { x-org: team-${i} }`);
    const teams = (count: number) => `auth: { keySelection: { labels: { api-key-group: llm-users } } }\nteams:\n${Array.from({ length: count }, (_, i) => team(i)).join('')}`;
    expect(Buffer.byteLength(teams(10_000))).toBeLessThan(CONFIG_LIMITS.maxBytes / 2);
    // Parsing all of them takes seconds; a slice shows the entries are valid.
    expect(loadConfig(write(teams(200))).config.teams).toHaveLength(200);
  });

  test('a BOM is fine', () => {
    expect(problems(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('teams: [{ team: t1, key: { existingSecret: {} } }]\n')]))).toEqual([]);
  });

  test('`toString` and `hasOwnProperty` are ordinary keys and reach the manifests', () => {
    const planned = planConfig(loadConfig(write(config('teams:', '  - team: t1', '    key: { existingSecret: {} }', '    metadata: { toString: a, hasOwnProperty: b }', '    labels: { valueOf: c }', 'auth: {}'))), { env: {}, warn: () => undefined });
    expect(planned.plan.teams[0].metadata).toEqual({ toString: 'a', hasOwnProperty: 'b' });
    expect(planned.plan.teams[0].labels).toEqual({ valueOf: 'c' });
  });
});

/** Runs the CLI in-process; returns what it printed and the error it failed with. */
async function run(args: string[], stdin?: string): Promise<{ out: string; error?: string }> {
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void out.push(parts.join(' ')));
  const restoreStdin = stdin === undefined ? undefined : mockStdin(stdin);
  try {
    await buildCli().exitOverride().parseAsync(['node', 'agentgateway-constructs', ...args]);
    return { out: out.join('\n') };
  } catch (e) {
    return { out: out.join('\n'), error: (e as Error).message };
  } finally {
    log.mockRestore();
    restoreStdin?.();
  }
}

function mockStdin(text: string): () => void {
  const original = Object.getOwnPropertyDescriptor(process, 'stdin')!;
  Object.defineProperty(process, 'stdin', { value: (async function* () { yield Buffer.from(text); })(), configurable: true });
  return () => Object.defineProperty(process, 'stdin', original);
}

const TEAM_EXPECTED = 'expected a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)';

describe('bad CLI input: a clear error, nothing printed that could be mistaken for a key', () => {
  test.each([
    ['an empty team', '', `--team: ${TEAM_EXPECTED}, got ""`],
    ['a team with a newline', 'team1\nx', `--team: ${TEAM_EXPECTED}, got "team1\\nx"`],
    ['a team with a space', 'team one', `--team: ${TEAM_EXPECTED}, got "team one"`],
    ['a team in capitals', 'Team1', `--team: ${TEAM_EXPECTED}, got "Team1"`],
  ])('keygen: %s', async (_name, team, expected) => {
    expect(await run(['keygen', '--team', team])).toEqual({ out: '', error: expected });
  });

  test.each([
    ['nothing', '', 'expected a key on standard input, got nothing: printf %s "$TEAM1_KEY" | agentgateway-constructs hash'],
    ['only whitespace', '   \n', 'expected a key on standard input, got only whitespace: printf %s "$TEAM1_KEY" | agentgateway-constructs hash'],
    ['a key with a space inside', 'team1-key team1-key', 'expected a key without whitespace or control characters, got whitespace at character 10 of 19 (the key is not shown): pass exactly one key, e.g. printf %s "$TEAM1_KEY"'],
    ['two keys on two lines', 'team1-key\nteam1-key\n', 'expected a key without whitespace or control characters, got a line break at character 10 of 19 (the key is not shown): pass exactly one key, e.g. printf %s "$TEAM1_KEY"'],
    ['a control character', 'team1-key\u0007', 'expected a key without whitespace or control characters, got a control character at character 10 of 10 (the key is not shown): pass exactly one key, e.g. printf %s "$TEAM1_KEY"'],
    ['a zero-width space', 'team1\u200bkey', 'expected a key without whitespace or control characters, got a control character at character 6 of 9 (the key is not shown): pass exactly one key, e.g. printf %s "$TEAM1_KEY"'],
    ['a whole file', 'x'.repeat(5000), 'expected a key of at most 4096 bytes on standard input, got more'],
  ])('hash: %s', async (_name, input, expected) => {
    expect(await run(['hash'], input)).toEqual({ out: '', error: expected });
  });

  test('matrix: a `|` in a revocation reason or header value stays inside its cell', () => {
    const built = planConfig(loadConfig(write(config(
      'routes: [{ provider: openai }]',
      'auth: { headersFromMetadata: [{ header: x-org }] }',
      'teams:',
      '  - team: t1',
      '    key: { existingSecret: {} }',
      '    metadata: { x-org: "a|b" }',
      '    revoked: { reason: "left | t2 | allowed | the company" }',
    ))), { env: {}, warn: () => undefined });
    expect(accessMatrix(built).split('\n')).toEqual([
      '| team | openai | headers set | client copies | key expiry |',
      '| --- | --- | --- | --- | --- |',
      '| t1 | revoked: left \\| t2 \\| allowed \\| the company | x-org: a\\|b | dropped before auth: x-org | - |',
      '',
    ]);
  });
});
