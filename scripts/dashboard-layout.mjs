// Draws docs/dashboard-layout.svg (the README's picture of the usage dashboard) from the dashboard code and
// docs/usage-example.yaml. test/usage.test.ts fails when the picture is out of date. Run: node scripts/dashboard-layout.mjs
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
execFileSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { stdio: 'inherit' });
const require = createRequire(import.meta.url);
const { loadConfig, planConfig } = require(join(root, 'lib', 'config'));
// Not part of the public API: the module itself, not the package entry.
const { dashboardLayoutSvg } = require(join(root, 'lib', 'core', 'usage', 'layout-svg'));

const { plan } = planConfig(loadConfig(join(root, 'docs', 'usage-example.yaml')), { env: {} });
const configMap = plan.manifests.map(m => m.manifest).find(m => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard'));
writeFileSync(join(root, 'docs', 'dashboard-layout.svg'), dashboardLayoutSvg(JSON.parse(Object.values(configMap.data)[0])));
console.log('wrote docs/dashboard-layout.svg');
