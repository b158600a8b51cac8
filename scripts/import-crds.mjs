// Regenerates imports/ from the CRDs listed in cdk8s.yaml.
// AGW_CRDS_DIR replaces the ../shared/crds prefix; the AuthConfig stand-in is retargeted to extauth.solo.io/v1.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '..');
const defaultCrds = '../shared/crds';
const crdsDir = process.env.AGW_CRDS_DIR ?? defaultCrds;
const { imports } = parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'));
const cdk8s = join(root, 'node_modules', '.bin', 'cdk8s');

for (const spec of imports) {
  const [name, path] = spec.split(':=');
  const source = path.startsWith(defaultCrds) ? crdsDir + path.slice(defaultCrds.length) : path;
  execFileSync(cdk8s, ['import', `${name}:=${source}`, '--language', 'typescript', '--output', 'imports',
    '--no-save', '--check-upgrade', 'false'], { cwd: root, stdio: 'inherit' });
}

// No public CRD serves AuthConfig under extauth.solo.io; the stand-in has the identical spec (see REFERENCE.md).
const standIn = join(root, 'imports', 'authconfig-enterprise.gloo.solo.io.ts');
writeFileSync(join(root, 'imports', 'authconfig-extauth.solo.io.ts'), readFileSync(standIn, 'utf8')
  .replaceAll("apiVersion: 'enterprise.gloo.solo.io/v1'", "apiVersion: 'extauth.solo.io/v1'"));
rmSync(standIn);
