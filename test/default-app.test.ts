import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { buildDefaultApp } from '../src/main';
import { CRDS_DIR, parseYamlDocuments, seedManifests, synth } from './helpers';

const ROOT = join(__dirname, '..');

/** The default app writes one file per chart: `<chart>.k8s.yaml` for seed file `<chart>.yaml`. */
function expectSeedOutput(outputFiles: Map<string, unknown[]>): void {
  const seed = seedManifests();
  expect([...outputFiles.keys()].sort()).toEqual([...seed.keys()].map(f => f.replace(/\.yaml$/, '.k8s.yaml')).sort());
  for (const [file, documents] of seed) {
    const produced = outputFiles.get(file.replace(/\.yaml$/, '.k8s.yaml'))!;
    expect(produced).toHaveLength(documents.length);
    documents.forEach((document, i) => expect(produced[i]).toStrictEqual(document));
  }
  expect([...outputFiles.values()].flat()).toHaveLength(5);
}

describe('default app', () => {
  test('synthesizes the seed manifests exactly, document by document', () => {
    const app = buildDefaultApp(Testing.app());
    const files = new Map(app.charts.map(chart => [`${chart.node.id}.k8s.yaml`, chart.toJson()]));
    synth(app); // runs every validation, and checks the output against the CRDs
    expectSeedOutput(files);
  });
});

// The commands a user runs, on the compiled package: few and focused, since they spawn processes.
describe('end to end', () => {
  let outdir: string;
  const validate = (...args: string[]) => spawnSync('node', ['lib/validate/cli.js', ...args, '--crds', CRDS_DIR,
    '--crds', join(CRDS_DIR, 'agentgateway-v1.4.1')], { cwd: ROOT, encoding: 'utf8' });

  test('`cdk8s synth` writes the seed manifests, byte-identical on re-synth', () => {
    const runs = [1, 2].map(() => {
      const out = mkdtempSync(join(tmpdir(), 'agw-synth-'));
      execFileSync('npx', ['cdk8s', 'synth', '--check-upgrade', 'false', '--output', out], { cwd: ROOT, stdio: 'pipe' });
      return { out, files: new Map(readdirSync(out).sort().map(f => [f, readFileSync(join(out, f), 'utf8')])) };
    });
    expectSeedOutput(new Map([...runs[0].files].map(([f, text]) => [f, parseYamlDocuments(text)])));
    expect(runs[1].files).toEqual(runs[0].files);
    outdir = runs[0].out;
  });

  test('`validate` accepts the synthesized output and ends with the summary line', () => {
    const result = validate(outdir);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n').pop()).toMatch(
      /^validated 5 objects: 0 schema errors, [1-9]\d* CEL rules evaluated, 0 CEL rules unsupported, 0 skipped$/);
    expect(result.status).toBe(0);
  });

  test('`validate` names file, object, field and rule of a bad manifest, and exits non-zero', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'agw-bad-')), 'backend.yaml');
    writeFileSync(bad, readFileSync(join(outdir, 'llm-route.k8s.yaml'), 'utf8').replace('openai: {}', 'openai: {}\n      host: llm.internal'));
    const result = validate(bad);
    expect(result.stdout).toContain(`${bad}: AgentgatewayBackend agentgateway-system/openai-all-models /spec/ai/provider: both host and port must be set together`);
    expect(result.stdout).toMatch(/validated 2 objects: 1 schema errors/);
    expect(result.status).toBe(1);
  });
});
