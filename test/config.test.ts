import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError, SEED_CONFIG, gatewayConfigJsonSchema, parseConfig, planConfig, renderFiles,
} from '../src/config';
import { LoadedConfig } from '../src/config/load';
import { expectValid, parseYamlDocuments, seedManifests } from './helpers';

/** The problems a config text produces, as `line:column: field: message`. */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    planConfig(parseConfig(text, 'gateway.yaml'), { env, warn: () => undefined });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(p => `${p.line}:${p.column}: ${p.field}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('config file', () => {
  test('the embedded default is the seed', () => {
    const docs = planConfig(new LoadedConfig('(embedded)', SEED_CONFIG), { warn: () => undefined }).plan.manifests.map(m => m.manifest);
    expect(new Map(docs.map(d => [`${d.kind}/${d.metadata.name}`, d])))
      .toEqual(new Map([...seedManifests().values()].flat().map(d => [`${d.kind}/${d.metadata.name}`, d])));
  });

  test('schema problems point to file:line:column, all at once', () => {
    expect(problemsOf([
      'gateway:',
      '  name: agentgateway',
      'routes:',
      '  - provider: cohere',
      '    timeout: 5s',
      'teams:',
      '  - team: team1',
      '    key: { literal: 42 }',
    ].join('\n'))).toEqual([
      '4:15: routes[0].provider: Invalid option: expected one of "openai"|"anthropic"|"gemini"|"vertexai"|"bedrock"|"azureopenai"',
      '5:5: routes[0].timeout: Unrecognized key: "timeout"',
      '8:21: teams[0].key.literal: expected a quoted string, got a number (not shown: it might be a key): YAML reads unquoted digits, true/false and null as other types; write literal: "..."',
    ]);
  });

  test('construct checks point to file:line:column too, and never show a key', () => {
    const problems = problemsOf([
      'routes:',
      '  - provider: openai',
      '    pathPrefix: openai',
      '    options: { model: gpt-4o, temperature: 1 }',
      'auth:',
      '  headersFromMetadata: [{ header: x-org, required: true }]',
      'teams:',
      '  - team: team1',
      '    key: { literal: fixture-shared-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }',
      '    metadata: { x-org: one }',
      '  - team: team2',
      '    key: { literal: fixture-shared-key-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }',
    ].join('\n'));
    expect(problems).toEqual(expect.arrayContaining([
      '3:17: routes[0].pathPrefix: expected a path starting with "/", without spaces, "?" or "#", at most 1024 characters, got "openai"',
      '4:44: routes[0].options.temperature: expected one of "model", got "temperature"',
      '12:10: teams[1].key: expected a key no other team uses (team "team1" at teams[0] has the same key), got <redacted>',
      expect.stringMatching(/^6:25: auth\.headersFromMetadata\[0\]: expected every selected key to carry metadata "x-org" \(required\), but teams\[1\] does not/),
    ]));
    expect(problems.join('\n')).not.toContain('fixture-shared-key');
  });

  test('keys can come from the environment at synth time; a missing variable is located', () => {
    const config = 'settings: { allowPlaintextKeys: true }\nteams:\n  - team: team1\n    key: { env: TEAM1_KEY }\n';
    expect(problemsOf(config)).toEqual(['4:17: teams[0].key.env: environment variable TEAM1_KEY is not set']);
    expect(problemsOf(config, { TEAM1_KEY: 'fixture_team1_0123456789abcdef0123456789abcdef' })).toEqual([]);
  });

  test('an env key source reads only variables named for keys, and needs the plaintext opt-in', () => {
    const env = { PATH: '/usr/bin', TEAM1_KEY: 'fixture_team1_0123456789abcdef0123456789abcdef' };
    expect(problemsOf('settings: { allowPlaintextKeys: true }\nteams: [{ team: team1, key: { env: PATH } }]\n', env)).toEqual([
      '2:36: teams[0].key.env: expected the name of a variable holding a key (uppercase letters, digits and "_", ending in "_KEY" '
        + 'or starting with "AGW_KEY_", e.g. TEAM1_KEY), got "PATH"']);
    // A key pasted where the variable's name goes is not echoed.
    const pasted = problemsOf('settings: { allowPlaintextKeys: true }\nteams: [{ team: team1, key: { env: "sk-team1-9f8e7d6c5b4a" } }]\n', env);
    expect(pasted).toEqual([expect.stringContaining('teams[0].key.env: expected the name of a variable holding a key')]);
    expect(pasted.join('\n')).toContain('got something else (not shown: it may be a key)');
    expect(pasted.join('\n')).not.toContain('9f8e7d6c');
    expect(problemsOf('teams: [{ team: team1, key: { env: TEAM1_KEY } }]\n', env).join('\n'))
      .toMatch(/teams\[0\]\.key: expected a key kept out of the manifests: `key: \{ externalSecret: \.\.\. \}`.*settings\.allowPlaintextKeys.*got <redacted>$/);
  });

  test('an unknown route name in targetRoutes is located', () => {
    expect(problemsOf('routes: [{ provider: openai }]\nauth: { targetRoutes: [openia] }\nteams: [{ team: t, key: { existingSecret: {} } }]\n'))
      .toEqual(['2:24: auth.targetRoutes[0]: expected the name of a route in `routes` (openai), got "openia"']);
  });

  test('byKind and byTeam layouts are sorted, deterministic and CRD-valid', () => {
    const text = readFileSync(join(__dirname, '..', 'examples', 'gitops', 'gateway.yaml'), 'utf8');
    for (const layout of ['byKind', 'byTeam'] as const) {
      const files = () => renderFiles(planConfig(parseConfig(text, 'gateway.yaml')), layout, 'gateway.yaml');
      const first = files();
      expect(files()).toEqual(first);
      expect([...first.keys()]).toEqual(layout === 'byKind'
        ? ['agentgatewaybackend.yaml', 'authconfig.yaml', 'enterpriseagentgatewaypolicy.yaml', 'externalsecret.yaml', 'httproute.yaml']
        : ['auth.yaml', 'routes.yaml', 'teams/platform.yaml', 'teams/research.yaml']);
      expectValid([...first.values()].flatMap(parseYamlDocuments));
    }
  });

  test('the committed JSON Schema is the one the config schema generates', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'schema', 'gateway-config.schema.json'), 'utf8'));
    expect(committed).toEqual(gatewayConfigJsonSchema());
  });
});
