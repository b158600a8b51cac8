import { existsSync } from 'node:fs';
import { App } from 'cdk8s';
import { ConfigError, LoadedConfig, SEED_CONFIG, buildConfigApp, checkConfigApp, loadConfig } from './config';

/**
 * The app `cdk8s synth` runs: the config file named by AGW_CONFIG, else `./gateway.yaml` when present, else the
 * embedded default (the workshop scenario, which reproduces the seed manifests).
 */
export function buildDefaultApp(app: App = new App(), configFile = process.env.AGW_CONFIG ?? (existsSync('gateway.yaml') ? 'gateway.yaml' : undefined)): App {
  const config = configFile === undefined ? new LoadedConfig('(embedded default)', SEED_CONFIG) : loadConfig(configFile);
  const built = buildConfigApp(config, app);
  checkConfigApp(built); // reports problems at file:line:column before cdk8s writes anything
  return built.app;
}

if (require.main === module) {
  try {
    buildDefaultApp().synth();
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : `synth failed: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
