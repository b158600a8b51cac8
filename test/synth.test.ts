import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, YamlOutputType } from 'cdk8s';
import { buildScaleApp, prepareKeys } from '../bench/scenario';
import { buildDefaultApp } from '../src/main';
import { synthApp } from '../src';
import { parseYamlDocuments, seedManifests } from './helpers';

/** Every file under `dir` (relative path -> text). */
function filesOf(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) for (const [file, text] of filesOf(path, `${prefix}${name}/`)) files.set(file, text);
    else files.set(prefix + name, readFileSync(path, 'utf8'));
  }
  return files;
}

/** Builds the same app twice, writes one with `app.synth()` and one with `synthApp`, and returns both outputs. */
function bothWays(build: (outdir: string) => App): { stock: Map<string, string>; helper: Map<string, string> } {
  const stockDir = mkdtempSync(join(tmpdir(), 'agw-stock-'));
  const helperDir = mkdtempSync(join(tmpdir(), 'agw-helper-'));
  build(stockDir).synth();
  synthApp(build(helperDir));
  return { stock: filesOf(stockDir), helper: filesOf(helperDir) };
}

describe('synthApp writes what app.synth() writes, byte for byte', () => {
  test('the default app: the seed manifests', () => {
    const { stock, helper } = bothWays(outdir => buildDefaultApp(new App({ outdir })));
    expect([...helper.keys()]).toEqual([...seedManifests().keys()].map(f => f.replace(/\.yaml$/, '.k8s.yaml')).sort());
    expect(helper).toEqual(stock);
    for (const [file, docs] of seedManifests()) expect(parseYamlDocuments(helper.get(file.replace(/\.yaml$/, '.k8s.yaml'))!)).toStrictEqual(docs);
  });

  test('a multi-team scenario in two charts', () => {
    prepareKeys(40);
    const { stock, helper } = bothWays(outdir => buildScaleApp(40, outdir));
    expect([...helper.keys()]).toEqual(['keys.k8s.yaml', 'routes.k8s.yaml']);
    expect(helper).toEqual(stock);
    expect(helper.get('keys.k8s.yaml')!.split('\n---\n').length).toBeGreaterThan(40);
  });

  test.each([YamlOutputType.FILE_PER_APP, YamlOutputType.FILE_PER_RESOURCE, YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE])(
    'every cdk8s file layout (%s)', yamlOutputType => {
      prepareKeys(5);
      const { stock, helper } = bothWays(outdir => {
        const app = buildScaleApp(5, outdir);
        (app as { yamlOutputType: YamlOutputType }).yamlOutputType = yamlOutputType;
        return app;
      });
      expect(helper.size).toBeGreaterThan(0);
      expect(helper).toEqual(stock);
    });

  test('cdk8s writes with its own writer again afterwards, and after a failed synth', () => {
    const { Yaml } = jest.requireActual('cdk8s') as typeof import('cdk8s');
    const save = Yaml.save;
    const failing = buildDefaultApp(new App({ outdir: mkdtempSync(join(tmpdir(), 'agw-fail-')) }));
    failing.node.addValidation({ validate: () => ['planted failure'] });
    expect(() => synthApp(failing)).toThrow(/planted failure/);
    expect(Yaml.save).toBe(save);
  });
});
