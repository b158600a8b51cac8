import { existsSync } from 'node:fs';
import { ApiObject, App, Chart } from 'cdk8s';
import { ConfigError, LoadedConfig, SEED_CONFIG, loadConfig, planConfig } from './config';
import { canonicalManifest } from './core';

/** Charts of the default app; their names are the seed's file names. */
export const ROUTES_CHART = 'llm-route';
export const AUTH_CHART = 'api-key-auth';

/**
 * The app `cdk8s synth` runs: the config file named by AGW_CONFIG, else `./gateway.yaml` when present, else the
 * embedded default (the workshop scenario, which reproduces the seed manifests). The config adapter checks and
 * renders it (problems at file:line:column before cdk8s writes anything); cdk8s only writes the result.
 */
export function buildDefaultApp(app: App = new App(), configFile = process.env.AGW_CONFIG ?? (existsSync('gateway.yaml') ? 'gateway.yaml' : undefined)): App {
  const config = configFile === undefined ? new LoadedConfig('(embedded default)', SEED_CONFIG) : loadConfig(configFile);
  const { plan } = planConfig(config);
  const charts = new Map<string, Chart>();
  const chartFor = (name: string) => charts.get(name) ?? charts.set(name, new Chart(app, name)).get(name)!;
  for (const { manifest, owner } of plan.manifests) {
    const chart = chartFor(owner.kind === 'route' ? ROUTES_CHART : AUTH_CHART);
    const { kind, metadata } = manifest;
    new ApiObject(chart, `${kind}-${metadata.namespace ?? ''}-${metadata.name}`, canonicalManifest(manifest));
  }
  return app;
}

if (require.main === module) {
  try {
    buildDefaultApp().synth();
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `synth failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
