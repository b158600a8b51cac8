import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { crdFiles, crdName, defaultCrdPaths, howToGetCrds, loadCrds, missingKinds, parseObjects, readManifests, yamlFiles } from '../src/validate';
import { crdCacheEntry } from '../src/validate/crd-cache';
import { validateObjects } from '../src/validate/cli';
import { CRDS_DIR, fixtureKeyText, exampleCrd, exampleObject, exampleProblems } from './helpers';

const ROOT = join(__dirname, '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'agw-load-'));


describe('loading CRDs', () => {
  test('parsed CRD files are cached by content beside the installed dependencies; a damaged entry is parsed again', () => {
    const project = tmp();
    // Unique text: a fresh cache entry however often the test runs.
    const text = `# ${process.pid} ${Date.now()}\n${stringify(exampleCrd('Widget', 3))}`;
    writeFileSync(join(project, 'crds.yaml'), text);
    const entry = crdCacheEntry(Buffer.from(text))!;
    expect(entry.startsWith(join(realpathSync(join(ROOT, 'node_modules')), '.cache'))).toBe(true);
    const crds = join(project, 'crds.yaml');
    expect(exampleProblems(loadCrds([crds]), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    expect(existsSync(entry)).toBe(true);
    // From the cache: the same rules.
    expect(exampleProblems(loadCrds([crds]), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    writeFileSync(entry, '[{"kind": "CustomRes');
    expect(exampleProblems(loadCrds([crds]), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
    expect(JSON.parse(readFileSync(entry, 'utf8'))[0]).toMatchObject({ group: 'example.com', kind: 'Widget' });
    rmSync(entry, { force: true });
  });

  test('a node_modules/.cache in the working directory (say, committed in a pull request) is never read', () => {
    const project = tmp();
    const text = `# ${process.pid} ${Date.now()} poisoned\n${stringify(exampleCrd('Widget', 3))}`;
    writeFileSync(join(project, 'crds.yaml'), text);
    // Forged entries for exactly this text that would allow anything, in this and the earlier cache layout.
    const forged = join(project, 'node_modules', '.cache', 'agentgateway-constructs', 'crds');
    const permissive = (exampleCrd('Widget', 1000) as any).spec.versions[0].schema.openAPIV3Schema;
    const permissiveId = createHash('sha256').update(JSON.stringify(permissive)).digest('hex');
    mkdirSync(join(forged, 'schemas'), { recursive: true });
    writeFileSync(join(forged, `${createHash('sha256').update(text).digest('hex')}.json`), JSON.stringify([exampleCrd('Widget', 1000)]));
    writeFileSync(join(forged, basename(crdCacheEntry(Buffer.from(text))!)),
      JSON.stringify([{ group: 'example.com', kind: 'Widget', versions: [{ name: 'v1', served: true, schema: permissiveId }] }]));
    writeFileSync(join(forged, 'schemas', `${permissiveId}.json`), JSON.stringify(permissive));
    const cwd = process.cwd();
    process.chdir(project);
    try {
      // Fresh modules: the cache folder is resolved once per process, and must not have been resolved before the chdir.
      jest.isolateModules(() => {
        const fresh = require('../src/validate') as typeof import('../src/validate');
        const freshDir = require('../src/validate/cache-dir') as typeof import('../src/validate/cache-dir');
        expect(exampleProblems(fresh.loadCrds(['crds.yaml']), exampleObject('Widget', 'long'))).toEqual(['Widget n/x /spec/size: must NOT have more than 3 characters']);
        expect(freshDir.dependencyCacheDir('validators')!.startsWith(project)).toBe(false);
      });
    } finally {
      process.chdir(cwd);
      rmSync(crdCacheEntry(Buffer.from(text))!, { force: true });
    }
  });

  test('from a `kubectl get crd -o yaml` List, a CustomResourceDefinitionList (JSON) and a multi-document file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'list.yaml'), stringify({ apiVersion: 'v1', kind: 'List', items: [exampleCrd('Widget')], metadata: { resourceVersion: '' } }));
    writeFileSync(join(dir, 'list.json'), JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinitionList', items: [exampleCrd('Gadget')] }));
    writeFileSync(join(dir, 'multi.yml'), `${stringify(exampleCrd('Gizmo'))}---\n${stringify(exampleCrd('Doohickey'))}`);
    const validator = loadCrds([join(dir, 'list.yaml'), join(dir, 'list.json'), join(dir, 'multi.yml')]);
    expect(validator.knownKinds).toEqual(expect.arrayContaining(['example.com/v1/Widget', 'example.com/v1/Gadget', 'example.com/v1/Gizmo', 'example.com/v1/Doohickey']));
    expect(exampleProblems(validator, exampleObject('Widget', 'small'), exampleObject('Gizmo', 'too long'))).toEqual(['Gizmo n/x /spec/size: must NOT have more than 5 characters']);
  });

  test('a folder: its own files before its subfolders\', so a release subfolder replaces the CRDs above it', () => {
    const dir = tmp();
    mkdirSync(join(dir, 'release'));
    writeFileSync(join(dir, 'widget.yaml'), stringify(exampleCrd('Widget', 5)));
    writeFileSync(join(dir, 'release', 'widget.yaml'), stringify(exampleCrd('Widget', 20)));
    writeFileSync(join(dir, 'zz-notes.txt'), 'not a CRD');
    expect(crdFiles([dir])).toEqual([join(dir, 'widget.yaml'), join(dir, 'release', 'widget.yaml')]);
    expect(exampleProblems(loadCrds([dir]), exampleObject('Widget', 'longer than five'))).toEqual([]);
  });

  test('a Helm chart\'s folder: only its crds/ folder (templates are not plain YAML)', () => {
    const chart = tmp();
    mkdirSync(join(chart, 'crds'));
    mkdirSync(join(chart, 'templates'));
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: example\nversion: 1.0.0\n');
    writeFileSync(join(chart, 'crds', 'widget.yaml'), stringify(exampleCrd('Widget')));
    writeFileSync(join(chart, 'templates', 'deployment.yaml'), '{{ if .Values.enabled }}\nkind: Deployment\n{{ end }}\n');
    expect(loadCrds([chart]).knownKinds).toContain('example.com/v1/Widget');
    expect(loadCrds([join(chart, 'crds')]).knownKinds).toContain('example.com/v1/Widget');
  });

  test('a missing path, a path without CRDs, a FIFO: one clear line each, nothing read from the FIFO', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\n');
    execFileSync('mkfifo', [join(dir, 'pipe.yaml')]);
    expect(() => loadCrds([join(dir, 'nope')])).toThrow(`--crds ${join(dir, 'nope')}: no such file or folder`);
    expect(() => loadCrds([join(dir, 'secret.yaml')], 'AGW_CRDS_DIR')).toThrow(
      `AGW_CRDS_DIR ${join(dir, 'secret.yaml')}: no CustomResourceDefinition found (expected CRD YAML, the List \`kubectl get crd -o yaml\` prints, or a Helm chart's crds/ folder)`);
    expect(() => loadCrds([dir])).toThrow(`--crds ${join(dir, 'pipe.yaml')}: not a regular file or folder`);
    expect(() => yamlFiles([dir])).toThrow(`manifest path ${join(dir, 'pipe.yaml')}: not a regular file or folder`);
  });

  test('AGW_CRDS_DIR names files or folders, joined with the path delimiter; in this repo ../shared/crds is the fallback', () => {
    expect(defaultCrdPaths({ AGW_CRDS_DIR: '/a/crds.yaml:/b' })).toEqual(['/a/crds.yaml', '/b']);
    const beside = join(ROOT, '..', 'shared', 'crds');
    expect(defaultCrdPaths({})).toEqual(existsSync(beside) ? [beside] : []);
  });
});

describe('reading manifests', () => {
  test('Lists are unwrapped; a YAML error names file:line:column and never shows the source (it may hold keys)', () => {
    expect(parseObjects(stringify({ kind: 'List', items: [{ kind: 'Secret' }, { kind: 'ConfigMap' }] }), 'a.yaml')).toEqual([{ kind: 'Secret' }, { kind: 'ConfigMap' }]);
    const key = fixtureKeyText('team1');
    const dir = tmp();
    writeFileSync(join(dir, 'bad.yaml'), `apiVersion: v1\nkind: Secret\nstringData:\n  api-key: "${key}\n`);
    let message = '';
    try {
      readManifests([join(dir, 'bad.yaml')]);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`${join(dir, 'bad.yaml')}:5:1: Missing closing "quote`);
    expect(message).not.toContain(key.slice(0, 12));
    // The parser quotes the token it did not expect: a key after a stray bracket must not be shown.
    writeFileSync(join(dir, 'bad.yaml'), `apiVersion: v1\n]  api-key: ${key}\n`);
    expect(() => readManifests([join(dir, 'bad.yaml')])).toThrow(`${join(dir, 'bad.yaml')}:2:1: Unexpected flow-seq-end token in YAML stream`);
    try {
      readManifests([join(dir, 'bad.yaml')]);
    } catch (e) {
      expect((e as Error).message).not.toContain(key.slice(0, 12));
    }
  });

  test('a map or list as a key (a pasted key in `? [..]`) is read without yaml printing a warning that quotes it', () => {
    const key = fixtureKeyText('team1');
    const warnings = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      // Unusual input takes the positioned parser, whose toJS warns about collection keys unless told not to.
      const objects = parseObjects(`apiVersion: v1\nkind: ConfigMap\ndata:\n  ? [${key}]\n  : x\n`, 'odd.yaml');
      expect(objects).toHaveLength(1);
      expect(warnings).not.toHaveBeenCalled();
    } finally {
      warnings.mockRestore();
    }
  });
});

describe('without CRDs for the kinds present', () => {
  test('names the kubectl command for exactly those kinds; Secrets and ConfigMaps need none', () => {
    const validator = loadCrds([]);
    const objects = [{ object: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' } },
      { object: { apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy' } }, { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' } } }];
    const missing = missingKinds(validator, objects);
    expect(missing).toEqual(['agentgateway.dev/v1alpha1/AgentgatewayPolicy', 'gateway.networking.k8s.io/v1/HTTPRoute']);
    expect(missing.map(crdName)).toEqual(['agentgatewaypolicies.agentgateway.dev', 'httproutes.gateway.networking.k8s.io']);
    expect(howToGetCrds(missing)).toBe('get them from a cluster that has them: '
      + '`kubectl get crd agentgatewaypolicies.agentgateway.dev httproutes.gateway.networking.k8s.io -o yaml > crds.yaml`, '
      + 'then pass `--crds crds.yaml` (files or folders, repeatable) or set AGW_CRDS_DIR');
    const dir = tmp();
    writeFileSync(join(dir, 'widget.yaml'), stringify(exampleCrd('Widget')));
    const { report, lines } = validateObjects(objects, [join(dir, 'widget.yaml')]);
    expect(report.problems).toHaveLength(2);
    expect(lines).toContain(`missing CRDs for ${missing.join(', ')}: ${howToGetCrds(missing)}`);
  });
});

// The compiled CLI, as a user runs it (lib/ is built by the global setup).
describe('CLI: --validate and repeatable --crds', () => {
  const cli = (args: string[], cwd: string) => spawnSync(process.execPath, [join(ROOT, 'lib', 'cli.js'), ...args], { cwd, encoding: 'utf8' });

  test('synth --validate fails before writing anything when the output does not pass, and --crds does not swallow the config', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'widget.yaml'), stringify(exampleCrd('Widget')));
    const result = cli(['synth', '--validate', '--crds', join(dir, 'widget.yaml'), join(ROOT, 'examples', 'gitops', 'gateway.yaml'), '--out', 'out'], dir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^agentgateway-constructs: auth\.yaml: AuthConfig agentgateway-system\/api-key-auth \/: no CRD for apiVersion "extauth\.solo\.io\/v1"/);
    expect(result.stderr).toMatch(/\nroutes\.yaml: HTTPRoute agentgateway-system\/anthropic \/: no CRD for apiVersion "gateway\.networking\.k8s\.io\/v1" kind "HTTPRoute"/);
    expect(result.stderr).toContain('missing CRDs for agentgateway.dev/v1alpha1/AgentgatewayBackend, ');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  test('the example GitOps repo\'s CI step (`check --validate`, CRDs from AGW_CRDS_DIR as a kubectl List) passes', () => {
    const example = join(ROOT, 'examples', 'gitops');
    const workflow = parse(readFileSync(join(example, '.github', 'workflows', 'check.yaml'), 'utf8'));
    expect(workflow.jobs.check.env).toEqual({ AGW_CRDS_DIR: 'crds.yaml' });
    const step: string = workflow.jobs.check.steps.map((s: { run?: string }) => s.run ?? '').find((run: string) => / check /.test(run));
    expect(step).toBe('npx agentgateway-constructs check gateway.yaml --out manifests --validate');

    const files = ['httproutes.gateway.networking.k8s.io.yaml', 'agentgateway-v1.4.1/agentgatewaybackends.agentgateway.dev.yaml',
      'agentgateway-v1.4.1/agentgatewaypolicies.agentgateway.dev.yaml', 'authconfigs.enterprise.gloo.solo.io.yaml', 'externalsecrets.external-secrets.io.yaml'];
    const list = join(tmp(), 'crds.yaml');
    writeFileSync(list, stringify({ apiVersion: 'v1', kind: 'List', items: files.map(f => parse(readFileSync(join(CRDS_DIR, f), 'utf8'))) }));
    const result = spawnSync(process.execPath, [join(ROOT, 'lib', 'cli.js'), ...step.split(' ').slice(2)],
      { cwd: example, encoding: 'utf8', env: { ...process.env, AGW_CRDS_DIR: list } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('manifests is up to date with gateway.yaml (4 files)');
    expect(result.status).toBe(0);
  });
});
