import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseYamlDocuments, seedManifests } from './helpers';

const ROOT = join(__dirname, '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const seed = () => new Map([...seedManifests().values()].flat().map(m => [`${m.kind}/${m.metadata.name}`, m]));
const byObject = (objects: any[]) => new Map(objects.map(m => [`${m.kind}/${m.metadata.name}`, m]));

/**
 * A throwaway project that installs the tarball with npm (its own dependencies come from the npm cache: no network)
 * and links in `frameworks` from this repo's node_modules, so it has that framework and no other.
 */
function consumer(tarball: string, example: string, frameworks: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), `agw-consumer-${example}-`));
  for (const file of readdirSync(join(__dirname, 'consumers', example))) copyFileSync(join(__dirname, 'consumers', example, file), join(dir, file));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${example}`, private: true }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', skipLibCheck: true, types: [], outDir: 'out' },
    include: ['*.ts'],
  }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: dir, stdio: 'pipe' });
  for (const framework of frameworks) {
    mkdirSync(dirname(join(dir, 'node_modules', framework)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', framework), join(dir, 'node_modules', framework), 'dir');
  }
  execFileSync('node', [TSC, '-p', 'tsconfig.json'], { cwd: dir, stdio: 'pipe' }); // type-checks, then emits out/*.js
  return dir;
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

  test('holds compiled JavaScript and .d.ts for ".", "./pulumi" and "./validate", the CLI and the config schema, and nothing from test/ or imports/', () => {
    for (const entry of ['lib/index', 'lib/pulumi/index', 'lib/validate/index']) {
      expect(files).toContain(`${entry}.js`);
      expect(files).toContain(`${entry}.d.ts`);
    }
    expect(files).toEqual(expect.arrayContaining(['lib/cli.js', 'schema/gateway-config.schema.json']));
    expect(files.filter(f => /^(test|imports|src|bench|scripts|examples)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.exports)).toEqual(['.', './pulumi', './validate', './config', './package.json']);
    expect(manifest.bin).toEqual({ 'agentgateway-constructs': 'lib/cli.js' });
    for (const peer of ['cdk8s', 'constructs', '@pulumi/pulumi', '@pulumi/kubernetes']) expect(manifest.peerDependenciesMeta[peer]).toEqual({ optional: true });
  });

  test('a cdk8s app with only cdk8s installs it, type-checks and writes the seed manifests', () => {
    const dir = consumer(tarball, 'cdk8s', ['cdk8s', 'constructs']);
    expect(existsSync(join(dir, 'node_modules', '@pulumi'))).toBe(false);
    const outdir = join(dir, 'dist');
    mkdirSync(outdir);
    execFileSync('node', ['out/main.js'], { cwd: dir, env: { ...process.env, CDK8S_OUTDIR: outdir } });
    const written = readdirSync(outdir).flatMap(f => parseYamlDocuments(readFileSync(join(outdir, f), 'utf8')));
    expect(byObject(written)).toEqual(seed());
  });

  test('a Pulumi program with only Pulumi installs it, type-checks and declares the seed manifests', () => {
    const dir = consumer(tarball, 'pulumi', ['@pulumi/pulumi', '@pulumi/kubernetes']);
    expect(existsSync(join(dir, 'node_modules', 'cdk8s'))).toBe(false);
    const output = execFileSync('node', ['run-with-mocks.js'], { cwd: dir, encoding: 'utf8' });
    expect(byObject(JSON.parse(output.trim().split('\n').pop()!))).toEqual(seed());

    // The CLI's key commands work without cdk8s; its config commands say what to install.
    const bin = join(dir, 'node_modules', '.bin', 'agentgateway-constructs');
    expect(execFileSync(bin, ['keygen', '--team', 'team1'], { encoding: 'utf8' })).toMatch(/^key: {2}team1_/);
    const synth = spawnSync(bin, ['synth', 'gateway.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(synth.status).toBe(1);
    expect(synth.stderr).toContain('this command needs cdk8s and constructs: npm install --save-dev cdk8s constructs');
  });
});
