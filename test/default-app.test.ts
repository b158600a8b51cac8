import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { buildDefaultApp } from '../src/main';
import { parseYamlDocuments, seedManifests, synth } from './helpers';

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
    synth(app); // runs every validation
    expectSeedOutput(files);
  });

  test('`cdk8s synth` writes the seed manifests to the output folder, byte-identical on re-synth', () => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT });
    const runs = [1, 2].map(() => {
      const outdir = mkdtempSync(join(tmpdir(), 'agw-synth-'));
      execFileSync('npx', ['cdk8s', 'synth', '--check-upgrade', 'false', '--output', outdir], { cwd: ROOT, stdio: 'pipe' });
      return new Map(readdirSync(outdir).sort().map(f => [f, readFileSync(join(outdir, f), 'utf8')]));
    });
    expectSeedOutput(new Map([...runs[0]].map(([f, text]) => [f, parseYamlDocuments(text)])));
    expect(runs[1]).toEqual(runs[0]);
  });
});
