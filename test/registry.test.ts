import {
  AppRegistry, IssueCollector, KeySource, hashKey, ObjectId, POLICY_SELECTOR_LABEL, resolveTeamApiKey, teamApiKeyObjectIds,
} from '../src/core';
import { fixtureKey } from './helpers';

// The cross-team registry on its own: what every adapter relies on, whatever order it registers and checks in.

const NOW = new Date('2026-11-27T00:00:00Z');
const secret = (namespace: string, name: string, field = 'secretName'): ObjectId => ({ kind: 'Secret', namespace, name, field });

function objectIssues(registry: AppRegistry, path: string, objects: readonly ObjectId[]): string[] {
  const issues = new IssueCollector(path);
  registry.checkObjects(issues, path, objects);
  return issues.issues.map(i => `${i.field}: ${i.value}: ${i.expected}`);
}

describe('AppRegistry objects', () => {
  test('the first path to emit an object owns it; another path emitting it is reported', () => {
    const registry = new AppRegistry({ now: NOW, allowPlaintextKeys: true });
    registry.registerObjects('a', [secret('ns', 'x')]);
    registry.registerObjects('b', [secret('ns', 'x')]);
    expect(objectIssues(registry, 'a', [secret('ns', 'x')])).toEqual([]);
    expect(objectIssues(registry, 'b', [secret('ns', 'x')])).toEqual([
      'secretName: "ns/x": a name no other Secret in the namespace has (a emits it too)',
    ]);
    // Another kind, namespace or name is another object.
    expect(objectIssues(registry, 'b', [{ ...secret('ns', 'x'), kind: 'ConfigMap' }, secret('other', 'x'), secret('ns', 'y')])).toEqual([]);
  });

  test('replacing the objects of a path frees the old ones, also after the index of owners is built and for paths registered later', () => {
    const registry = new AppRegistry({ now: NOW, allowPlaintextKeys: true });
    registry.replaceObjects('a', [secret('ns', 'x')]); // owns nothing yet: only registers
    registry.registerObjects('b', [secret('ns', 'y')]);
    registry.replaceObjects('a', [secret('ns', 'x2')]); // builds the index
    registry.registerObjects('c', [secret('ns', 'x')]); // free again, so c owns it
    expect(objectIssues(registry, 'c', [secret('ns', 'x')])).toEqual([]);
    expect(objectIssues(registry, 'z', [secret('ns', 'x2')])).toEqual(['secretName: "ns/x2": a name no other Secret in the namespace has (a emits it too)']);
    // Registered after the index was built, and replaced: kept current.
    registry.registerObjects('d', [secret('ns', 'd1'), secret('ns', 'd2')]);
    registry.replaceObjects('d', [secret('ns', 'd3')]);
    expect(objectIssues(registry, 'z', [secret('ns', 'd1'), secret('ns', 'd2')])).toEqual([]);
    expect(objectIssues(registry, 'z', [secret('ns', 'd3'), secret('ns', 'y')])).toHaveLength(2);
    // A path that lost the race for an object never owned it, so replacing its objects leaves the owner alone.
    registry.registerObjects('e', [secret('ns', 'y')]);
    registry.replaceObjects('e', []);
    expect(objectIssues(registry, 'z', [secret('ns', 'y')])).toEqual(['secretName: "ns/y": a name no other Secret in the namespace has (b emits it too)']);
  });

  test('a namespace and a name are kept apart: "a/b" + "c" is not "a" + "b/c"', () => {
    const registry = new AppRegistry({ now: NOW, allowPlaintextKeys: true });
    registry.registerObjects('one', [secret('a/b', 'c')]);
    expect(objectIssues(registry, 'two', [secret('a', 'b/c')])).toEqual([]);
  });
});

describe('AppRegistry teams', () => {
  const team = (name: string, key = fixtureKey(name), metadata: Record<string, string> = { 'x-org': name }) =>
    resolveTeamApiKey({ team: name, key, metadata });

  test('a key two teams use is reported at the second, naming the first, whether the first key or a later one is shared', () => {
    const registry = new AppRegistry({ now: NOW, allowPlaintextKeys: true });
    const first = team('team1');
    const rotating = resolveTeamApiKey({ team: 'team2', keys: [{ source: fixtureKey('old') }, { source: fixtureKey('new'), name: 'v2' }] });
    const copies = [team('team3', fixtureKey('team1')), team('team4', fixtureKey('new'))];
    registry.registerTeam('t1', first);
    registry.registerTeam('t2', rotating);
    copies.forEach((spec, i) => registry.registerTeam(`t${i + 3}`, spec));
    const messages = (path: string, spec: typeof first) => {
      const issues = new IssueCollector(path);
      registry.checkTeam(issues, path, spec);
      return issues.issues.map(i => `${i.field}: ${i.value}: ${i.expected}`);
    };
    expect(messages('t1', first)).toEqual([]);
    expect(messages('t3', copies[0])).toEqual(['key: <redacted>: a key no other team uses (team "team1" at t1 has the same key)']);
    expect(messages('t4', copies[1])).toEqual(['key: <redacted>: a key no other team uses (team "team2" at t2 has the same key)']);
    // A key claimed late (Pulumi) sees the owner with the prop it was given in.
    expect(registry.claimKey(first.keys[0].source.identity()!, 'late', 'late')).toEqual({ path: 't1', team: 'team1', field: 'key' });
    expect(registry.claimKey(rotating.keys[1].source.identity()!, 'late', 'late')).toEqual({ path: 't2', team: 'team2', field: 'keys[1].source' });
    expect(registry.claimKey(first.keys[0].source.identity()!, 't1', 'team1', 'key')).toBeUndefined();
  });

  test('a literal key and its hash are the same key', () => {
    const registry = new AppRegistry({ now: NOW, allowPlaintextKeys: true });
    const literal = team('team1');
    const hashed = resolveTeamApiKey({ team: 'team2', key: KeySource.fromHash(hashKey(fixtureKey('team1'))) });
    registry.registerTeam('t1', literal);
    registry.registerTeam('t2', hashed);
    const issues = new IssueCollector('t2');
    registry.checkTeam(issues, 't2', hashed);
    expect(issues.issues.map(i => i.expected)).toEqual(['a key no other team uses (team "team1" at t1 has the same key)']);
  });

  test('teams with the same metadata names share one frozen list of them; other names get their own', () => {
    const registry = new AppRegistry({ now: NOW, allowPlaintextKeys: true });
    const [a, b] = [registry.registerTeam('a', team('a')), registry.registerTeam('b', team('b'))];
    const c = registry.registerTeam('c', team('c', fixtureKey('c'), { 'x-org': 'c', 'x-cc': '1' }));
    expect(a[0].metadataKeys).toEqual(['x-org']);
    expect(b[0].metadataKeys).toBe(a[0].metadataKeys);
    expect(Object.isFrozen(a[0].metadataKeys)).toBe(true);
    expect(c[0].metadataKeys).toEqual(['x-org', 'x-cc']);
    // Managed elsewhere: the declared list, as given.
    const declared = ['x-org'];
    const existing = registry.registerTeam('d', resolveTeamApiKey({ team: 'd', key: KeySource.fromExistingSecret({ metadataKeys: declared }) }));
    expect(existing[0].metadataKeys).toBe(declared);
  });

  test('storage given as a value or as a function read late, for the warnings', () => {
    const registry = new AppRegistry({ now: NOW, allowPlaintextKeys: true });
    const storage = { kind: 'builtInSecret' as const, labels: { [POLICY_SELECTOR_LABEL]: 'auth' } };
    let late = storage as typeof storage | { kind: 'extAuthSecret' };
    registry.registerTeam('value', resolveTeamApiKey({ team: 'a', key: KeySource.fromExistingSecret() }), storage);
    registry.registerTeam('late', resolveTeamApiKey({ team: 'b', key: KeySource.fromExistingSecret() }), () => late);
    expect(registry.warnings().map(w => w.split(':')[0])).toEqual(['[value] key', '[late] key']);
    late = { kind: 'extAuthSecret' };
    expect(registry.warnings().map(w => w.split(':')[0])).toEqual(['[value] key']);
  });

  test('a route reading a key Secret as its credential is reported with every team writing it', () => {
    const registry = new AppRegistry({ now: NOW, allowPlaintextKeys: true });
    for (const path of ['t1', 't2']) {
      const spec = resolveTeamApiKey({ team: 'shared', key: fixtureKey(path) });
      registry.registerTeam(path, spec);
      registry.replaceObjects(path, teamApiKeyObjectIds(spec, NOW));
    }
    const issues = new IssueCollector('route');
    registry.checkRoute(issues, 'route', 'gw', '/openai', 'agentgateway-system/shared-apikey');
    registry.checkRoute(issues, 'route', 'gw', '/openai', 'agentgateway-system/other');
    registry.checkRoute(issues, 'route', 'gw', '/openai', 'shared-apikey');
    expect(issues.issues.map(i => i.expected)).toEqual([
      'the provider\'s own credential Secret, not a team\'s key Secret (t1 writes it)',
      'the provider\'s own credential Secret, not a team\'s key Secret (t2 writes it)',
    ]);
  });
});
