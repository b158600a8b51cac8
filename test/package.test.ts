import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { AGENTGATEWAY_RELEASE_DIR } from '../src/validate';
import { CRDS_DIR, parseYamlDocuments, seedManifests } from './helpers';

const ROOT = join(__dirname, '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const seed = () => new Map([...seedManifests().values()].flat().map(m => [`${m.kind}/${m.metadata.name}`, m]));
const byObject = (objects: any[]) => new Map(objects.map(m => [`${m.kind}/${m.metadata.name}`, m]));

/**
 * A throwaway project with the tarball unpacked into its node_modules and the package's runtime dependencies (read
 * from the packed package.json) linked from this repo's node_modules, as npm would install them; no npm cache and
 * no network. `frameworks` are linked too, so the project has those and no other.
 */
function consumer(tarball: string, example: string | undefined, frameworks: string[], compilerOptions: object = {}): { dir: string; compiled: string } {
  const dir = mkdtempSync(join(tmpdir(), `agw-consumer-${example ?? 'bare'}-`));
  const installed = join(dir, 'node_modules', 'agentgateway-constructs');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  for (const dependency of [...Object.keys(manifest.dependencies), ...frameworks]) {
    mkdirSync(dirname(join(dir, 'node_modules', dependency)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dependency), join(dir, 'node_modules', dependency), 'dir');
  }
  mkdirSync(join(dir, 'node_modules', '.bin'));
  for (const [name, target] of Object.entries<string>(manifest.bin)) {
    chmodSync(join(installed, target), 0o755);
    symlinkSync(join('..', 'agentgateway-constructs', target), join(dir, 'node_modules', '.bin', name));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${example ?? 'bare'}`, private: true }));
  if (example === undefined) return { dir, compiled: '' };
  for (const file of readdirSync(join(__dirname, 'consumers', example))) copyFileSync(join(__dirname, 'consumers', example, file), join(dir, file));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', skipLibCheck: true, types: [], outDir: 'out', ...compilerOptions },
    include: ['*.ts'],
  }));
  // Type-checks, then emits out/*.js; the list of files read shows what the types pulled in.
  const compiled = execFileSync('node', [TSC, '-p', 'tsconfig.json', '--explainFiles'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
  return { dir, compiled };
}

/** The environment without the variables that point the validator at this repo's CRDs. */
const USER_ENV = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'AGW_CRDS_DIR'));

/** A `kubectl get crd <names> -o yaml` style List of the CRDs the example's manifests need, from the shared folder. */
function crdList(dir: string): string {
  const files = ['httproutes.gateway.networking.k8s.io.yaml', `${AGENTGATEWAY_RELEASE_DIR}/agentgatewaybackends.agentgateway.dev.yaml`,
    `${AGENTGATEWAY_RELEASE_DIR}/agentgatewaypolicies.agentgateway.dev.yaml`, 'authconfigs.enterprise.gloo.solo.io.yaml',
    'externalsecrets.external-secrets.io.yaml'];
  const items = files.map(file => parseYamlDocuments(readFileSync(join(CRDS_DIR, file), 'utf8'))[0]);
  const path = join(dir, 'crds.yaml');
  writeFileSync(path, stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }));
  return path;
}

describe('the npm package', () => {
  let tarball: string;
  let files: string[];

  beforeAll(() => {
    // lib/ is built by the global setup; --ignore-scripts keeps pack from rebuilding it under other tests.
    const out = mkdtempSync(join(tmpdir(), 'agw-pack-'));
    const report = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    tarball = join(out, report[0].filename);
    files = report[0].files.map((f: { path: string }) => f.path);
  });

  test('holds compiled JavaScript and .d.ts for every entry point, the CLI and the config schema, and nothing from test/ or imports/', () => {
    for (const entry of ['lib/index', 'lib/pulumi/index', 'lib/validate/index', 'lib/config/index', 'lib/simulate/index']) {
      expect(files).toContain(`${entry}.js`);
      expect(files).toContain(`${entry}.d.ts`);
    }
    expect(files).toEqual(expect.arrayContaining(['lib/cli.js', 'schema/gateway-config.schema.json', 'LICENSE', 'README.md']));
    expect(files.filter(f => /^(test|imports|src|bench|scripts|examples)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.exports)).toEqual(['.', './pulumi', './validate', './config', './simulate', './package.json']);
    expect(manifest.bin).toEqual({ 'agentgateway-constructs': 'lib/cli.js' });
    for (const peer of ['cdk8s', 'constructs', '@pulumi/pulumi', '@pulumi/kubernetes']) expect(manifest.peerDependenciesMeta[peer]).toEqual({ optional: true });
    // npm warns about, and may refuse, scripts that run when a consumer installs the package; lib/ is built on pack.
    expect(Object.keys(manifest.scripts).filter(s => ['preinstall', 'install', 'postinstall', 'prepare'].includes(s))).toEqual([]);
    expect(manifest.scripts.prepack).toBe('npm run build');
    expect(manifest.repository.url).toMatch(/^git\+https:\/\/github\.com\//);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(manifest.license).toBe('Apache-2.0');
  });

  test('with only the tarball installed, `validate` checks the example output against a `kubectl get crd -o yaml` List, and without CRDs fails with one line saying how to get them', () => {
    const { dir } = consumer(tarball, undefined, []);
    expect(existsSync(join(dir, 'node_modules', 'cdk8s'))).toBe(false);
    cpSync(join(ROOT, 'examples', 'gitops', 'manifests'), join(dir, 'manifests'), { recursive: true });
    const bin = join(dir, 'node_modules', '.bin', 'agentgateway-constructs');
    const run = (...args: string[]) => spawnSync(bin, args, { cwd: dir, encoding: 'utf8', env: USER_ENV });

    const valid = run('validate', '--crds', crdList(dir), 'manifests');
    expect(valid.stderr).toBe('');
    expect(valid.stdout.trim()).toMatch(/^validated 9 objects: 0 schema errors, [1-9]\d* CEL rules evaluated, 0 CEL rules unsupported, 0 skipped$/);
    expect(valid.status).toBe(0);

    const withoutCrds = run('validate', 'manifests');
    expect(withoutCrds.status).not.toBe(0);
    expect(withoutCrds.stdout).toBe('');
    expect(withoutCrds.stderr.trim().split('\n')).toEqual([
      'agentgateway-constructs: no CRDs to validate agentgateway.dev/v1alpha1/AgentgatewayBackend, '
      + 'enterpriseagentgateway.solo.io/v1alpha1/EnterpriseAgentgatewayPolicy, extauth.solo.io/v1/AuthConfig, external-secrets.io/v1/ExternalSecret, '
      + 'gateway.networking.k8s.io/v1/HTTPRoute against: get them from a cluster that has them: '
      + '`kubectl get crd agentgatewaybackends.agentgateway.dev enterpriseagentgatewaypolicies.enterpriseagentgateway.solo.io '
      + 'authconfigs.extauth.solo.io externalsecrets.external-secrets.io httproutes.gateway.networking.k8s.io -o yaml > crds.yaml`, '
      + 'then pass `--crds crds.yaml` (files or folders, repeatable) or set AGW_CRDS_DIR',
    ]);

    // Secrets and ConfigMaps need no CRDs.
    writeFileSync(join(dir, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: n }\nstringData: { api-key: team1-key }\n');
    expect(run('validate', 'secret.yaml').status).toBe(0);
  });

  test('a cdk8s app with only cdk8s installs it, type-checks without @types/node (skipLibCheck off) and writes the seed manifests', () => {
    const { dir, compiled } = consumer(tarball, 'cdk8s', ['cdk8s', 'constructs'], { skipLibCheck: false });
    // The public types of "." and "./validate" (types.ts uses both) need no Node types.
    expect(compiled).toContain('node_modules/agentgateway-constructs/lib/validate/index.d.ts');
    expect(compiled).not.toContain('@types/node');
    expect(existsSync(join(dir, 'node_modules', '@pulumi'))).toBe(false);
    const outdir = join(dir, 'dist');
    mkdirSync(outdir);
    execFileSync('node', ['out/main.js'], { cwd: dir, env: { ...process.env, CDK8S_OUTDIR: outdir } });
    const written = readdirSync(outdir).flatMap(f => parseYamlDocuments(readFileSync(join(outdir, f), 'utf8')));
    expect(byObject(written)).toEqual(seed());
  });

  test('a Pulumi program with only Pulumi installs it, type-checks and declares the seed manifests', () => {
    const { dir } = consumer(tarball, 'pulumi', ['@pulumi/pulumi', '@pulumi/kubernetes']);
    expect(existsSync(join(dir, 'node_modules', 'cdk8s'))).toBe(false);
    const output = execFileSync('node', ['run-with-mocks.js'], { cwd: dir, encoding: 'utf8' });
    expect(byObject(JSON.parse(output.trim().split('\n').pop()!))).toEqual(seed());

    // The CLI needs no cdk8s: a GitOps repo's config synthesizes to exactly the committed example output.
    const bin = join(dir, 'node_modules', '.bin', 'agentgateway-constructs');
    expect(execFileSync(bin, ['keygen', '--team', 'team1'], { encoding: 'utf8' })).toMatch(/^key: {2}team1_/);
    copyFileSync(join(ROOT, 'examples', 'gitops', 'gateway.yaml'), join(dir, 'gateway.yaml'));
    const synth = spawnSync(bin, ['synth', 'gateway.yaml', '--out', 'manifests'], { cwd: dir, encoding: 'utf8' });
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    for (const file of ['auth.yaml', 'routes.yaml', 'teams/platform.yaml', 'teams/research.yaml']) {
      expect(readFileSync(join(dir, 'manifests', file), 'utf8')).toBe(readFileSync(join(ROOT, 'examples', 'gitops', 'manifests', file), 'utf8'));
    }
    expect(spawnSync(bin, ['check', 'gateway.yaml', '--out', 'manifests'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
  });
});
