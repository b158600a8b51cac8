import { ApiObject, App, Chart } from 'cdk8s';
import { GatewayAuthPolicy, KeySource, TeamApiKey, configureSynth } from '../src';
import { buildScaleApp, scenarioManifests } from '../bench/scenario';
import { parseYamlDocuments } from './helpers';

describe('scale', () => {
  test('the benchmark baselines get exactly the manifests the library writes', () => {
    const app = buildScaleApp(25);
    const fromLibrary = new Map(app.charts.map(chart => [chart.node.id, chart.toJson()]));
    expect(fromLibrary).toEqual(scenarioManifests(25));
    expect(parseYamlDocuments(app.synthYaml())).toHaveLength(25 + 6 + 3); // keys, routes, AuthConfig + policy + strip policy
  });

  test('an AuthConfig listing 50 000 Secret refs is refused before anything is written, pointing to label selectors', () => {
    const app = new App();
    configureSynth(app, { warn: () => undefined, allowPlaintextKeys: true });
    const chart = new Chart(app, 'keys');
    const policy = new GatewayAuthPolicy(chart, 'Auth');
    for (let i = 0; i < 50_000; i++) {
      policy.addKey(new TeamApiKey(chart, `t${i}`, { team: `team-${i}`, key: KeySource.fromExistingSecret() }));
    }
    expect(() => app.synthYaml()).toThrow(/\[keys\/Auth\] keySelection: expected objects of at most 1 MiB \(etcd rejects requests over about 1\.5 MiB\): select keys with KeySelection\.labelSelector\(\{\.\.\.\}\), which stays the same size for any number of teams, got "AuthConfig api-key-auth of \d\.\d\d MiB"/);
  });

  test('the same 50 000 teams selected by label pass every check, and the AuthConfig stays small', () => {
    const app = buildScaleApp(50_000);
    expect(app.node.findAll().flatMap(c => c.node.validate())).toEqual([]);
    const authConfig = app.node.findAll().find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'AuthConfig')!;
    expect(JSON.stringify(authConfig.toJson()).length).toBeLessThan(1024);
  });

  test('a team whose metadata would make its key Secret exceed 1 MiB is refused', () => {
    const chart = new Chart(new App(), 'keys');
    new TeamApiKey(chart, 'Team1', { team: 'team1', key: KeySource.fromExistingSecret(), metadata: { blob: 'x'.repeat(800_000) } });
    expect(() => chart.toJson()).toThrow(/\[keys\/Team1\] metadata: expected metadata that keeps each key object under 1 MiB, got "1\.02 MiB of metadata"/);
  });
});
