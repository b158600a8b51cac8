import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chart, Testing } from 'cdk8s';
import {
  GatewayAuthPolicy, GatewayRef, KeySelection, LlmProvider, LlmRoute, SecretValue, TeamApiKey,
} from '../src';
import { fixtureKey, fixtureKeyText, newChart, synthError } from './helpers';

/** Every key a test here uses; none may appear in any message. */
const KEYS = [fixtureKeyText('team1'), fixtureKeyText('team2'), 'fixture-shared-key', 'fixture bad key'];

function expectError(chart: Chart, ...fragments: string[]): string {
  const message = synthError(chart);
  for (const fragment of fragments) expect(message).toContain(fragment);
  for (const key of KEYS) {
    expect(message).not.toContain(key);
    expect(message).not.toContain(Buffer.from(key).toString('base64'));
  }
  return message;
}

function route(chart: Chart, props: Partial<ConstructorParameters<typeof LlmRoute>[2]>): LlmRoute {
  return new LlmRoute(chart, 'Route', { provider: LlmProvider.openai(), ...props });
}

function key(chart: Chart, id: string, props: Partial<ConstructorParameters<typeof TeamApiKey>[2]> = {}): TeamApiKey {
  return new TeamApiKey(chart, id, { team: id.toLowerCase(), key: fixtureKey(id.toLowerCase()), ...props });
}

describe('bad input is reported with construct path, field, value and expectation', () => {
  test('a route name that is not DNS-1123', () => {
    expectError(route(newChart(), { name: 'OpenAI_Route' }).node.scope as Chart,
      '[test/Route] name: expected a DNS-1123 subdomain', 'got "OpenAI_Route"');
  });

  test('a team name that is not a DNS-1123 label', () => {
    const chart = newChart();
    key(chart, 'Team1', { team: 'Team One' });
    expectError(chart, '[test/Team1] team: expected a DNS-1123 label', 'got "Team One"');
  });

  test('a gateway namespace that is not a DNS-1123 label', () => {
    const chart = newChart();
    route(chart, { gateway: new GatewayRef({ namespace: 'Agent.Gateway' }) });
    expectError(chart, '[test/Route] gateway.namespace: expected a DNS-1123 label', 'got "Agent.Gateway"');
  });

  test('a path without a leading "/"', () => {
    const chart = newChart();
    route(chart, { pathPrefix: 'openai' });
    expectError(chart, '[test/Route] pathPrefix: expected a path starting with "/"', 'got "openai"');
  });

  test('a timeout that is not a Gateway API duration', () => {
    const chart = newChart();
    route(chart, { requestTimeout: '2 minutes' });
    expectError(chart, '[test/Route] requestTimeout: expected a Gateway API duration such as "120s"', 'got "2 minutes"');
  });

  test('an empty key', () => {
    const chart = newChart();
    key(chart, 'Team1', { key: SecretValue.unsafePlainText('') });
    expectError(chart, '[test/Team1] key: expected a non-empty key, got ""');
  });

  test('a key with whitespace is rejected without showing it', () => {
    const chart = newChart();
    key(chart, 'Team1', { key: SecretValue.unsafePlainText('fixture bad key') });
    expectError(chart, '[test/Team1] key: expected a key without whitespace', 'got <redacted>');
  });

  test('a plain string where a SecretValue belongs is rejected without showing it', () => {
    const chart = newChart();
    key(chart, 'Team1', { key: 'fixture-shared-key' as unknown as SecretValue });
    expectError(chart, '[test/Team1] key: expected a SecretValue', 'got <redacted>');
  });

  test('the same key value for two teams', () => {
    const chart = newChart();
    key(chart, 'Team1', { key: SecretValue.unsafePlainText('fixture-shared-key') });
    key(chart, 'Team2', { key: SecretValue.unsafePlainText('fixture-shared-key') });
    const message = expectError(chart,
      '[test/Team2] key: expected a key no other team uses (team "team1" at test/Team1 has the same key), got <redacted>');
    expect(message).not.toContain('[test/Team1]');
  });

  test('the same key value in two charts of one app', () => {
    const app = Testing.app();
    key(new Chart(app, 'a'), 'Team1', { key: SecretValue.unsafePlainText('fixture-shared-key') });
    const chart = new Chart(app, 'b');
    key(chart, 'Team2', { key: SecretValue.unsafePlainText('fixture-shared-key') });
    expectError(chart, '[b/Team2] key: expected a key no other team uses (team "team1" at a/Team1 has the same key)');
  });

  test('two keys with the same Secret name', () => {
    const chart = newChart();
    key(chart, 'Team1', { secretName: 'shared-apikey' });
    key(chart, 'Team2', { secretName: 'shared-apikey' });
    expectError(chart, '[test/Team2] secretName: expected a name no other Secret in the namespace has (test/Team1 emits it too), got "agentgateway-system/shared-apikey"');
  });

  test('a header name that is not an HTTP token', () => {
    const chart = newChart();
    new GatewayAuthPolicy(chart, 'Auth', { headerName: 'vanity auth', keys: [key(chart, 'Team1')] });
    expectError(chart, '[test/Auth] headerName: expected an HTTP header name', 'got "vanity auth"');
  });

  test('an injected header name that is not an HTTP token', () => {
    const chart = newChart();
    new GatewayAuthPolicy(chart, 'Auth', { headersFromMetadata: [{ header: 'x org:', metadataKey: 'org' }], keys: [key(chart, 'Team1')] });
    expectError(chart, '[test/Auth] headersFromMetadata[0].header: expected an HTTP header name', 'got "x org:"');
  });

  test('a header value (key metadata) with CR or LF', () => {
    const chart = newChart();
    key(chart, 'Team1', { metadata: { 'x-org': 'developers\r\nx-admin: true' } });
    expectError(chart, '[test/Team1] metadata.x-org: expected a header value without CR, LF or NUL characters',
      'got "developers\\r\\nx-admin: true"');
  });

  test('a required metadata header that a key does not carry', () => {
    const chart = newChart();
    const team1 = key(chart, 'Team1', { metadata: { 'x-org': 'developers' } });
    const team2 = key(chart, 'Team2');
    new GatewayAuthPolicy(chart, 'Auth', { headersFromMetadata: [{ header: 'x-org', required: true }], keys: [team1, team2] });
    const message = expectError(chart,
      '[test/Auth] headersFromMetadata[0]: expected every selected key to carry metadata "x-org" (required), but test/Team2 does not: add it to the team\'s metadata, or set required: false if nothing relies on the header, got "x-org"');
    expect(message).not.toContain('test/Team1 does not');
  });

  test('a required header checked against keys a label selector picks up', () => {
    const chart = newChart();
    key(chart, 'Team1', { labels: { group: 'llm' } });
    key(chart, 'Team2', { labels: { group: 'other' } });
    new GatewayAuthPolicy(chart, 'Auth', {
      keySelection: KeySelection.labelSelector({ group: 'llm' }), headersFromMetadata: [{ header: 'x-org', required: true }],
    });
    const message = expectError(chart, 'but test/Team1 does not');
    expect(message).not.toContain('test/Team2');
  });

  test('a key added to a label-selector policy without its labels', () => {
    const chart = newChart();
    new GatewayAuthPolicy(chart, 'Auth', { keySelection: KeySelection.labelSelector({ group: 'llm' }), keys: [key(chart, 'Team1')] });
    expectError(chart, '[test/Auth] keys: expected keys that carry the selector\'s labels {"group":"llm"}, got "test/Team1"');
  });

  test('an explicit-refs policy without any key', () => {
    const chart = newChart();
    new GatewayAuthPolicy(chart, 'Auth');
    expectError(chart, '[test/Auth] keys: expected at least one key');
  });

  test.each([
    ['an option its provider does not have', LlmProvider.fromType('openai', { projectId: 'p' }), 'provider.openai.projectId: expected one of "model", got "projectId"'],
    ['a missing required option', LlmProvider.fromType('vertexai', { region: 'us-east1' }), 'provider.vertexai.projectId: expected a value (required), got nothing'],
    ['an unknown provider', LlmProvider.fromType('cohere'), 'provider.type: expected one of "openai", "anthropic", "gemini", "vertexai", "bedrock", "azureopenai", got "cohere"'],
    ['a bad Bedrock region', LlmProvider.bedrock({ region: 'EU West' }), 'provider.bedrock.region: expected an AWS region'],
  ])('%s', (_name, provider, fragment) => {
    const chart = newChart();
    route(chart, { provider });
    expectError(chart, `[test/Route] ${fragment}`);
  });

  test('host without port', () => {
    const chart = newChart();
    route(chart, { host: 'llm.internal' });
    expectError(chart, '[test/Route] port: expected host and port set together, or neither, got nothing');
  });

  test('several problems in several constructs are reported together', () => {
    const chart = newChart();
    route(chart, { pathPrefix: 'openai', requestTimeout: 'soon' });
    key(chart, 'Team1', { team: 'Team_1', key: SecretValue.unsafePlainText('') });
    const message = expectError(chart, '[test/Route] pathPrefix', '[test/Route] requestTimeout', '[test/Team1] team', '[test/Team1] key');
    expect(message.split('\n').filter(l => l.trim().startsWith('['))).toHaveLength(5); // team name also breaks secretName
  });

  test('nothing is written when validation fails', () => {
    const outdir = join(mkdtempSync(join(tmpdir(), 'agw-bad-')), 'dist');
    const app = Testing.app({ outdir });
    route(new Chart(app, 'routes'), { pathPrefix: 'openai' });
    expect(() => app.synth()).toThrow(/pathPrefix/);
    expect(existsSync(outdir) ? readdirSync(outdir) : []).toEqual([]);
  });
});
