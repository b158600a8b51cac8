import { writeFileSync } from 'node:fs';
import { App, Yaml } from 'cdk8s';

/**
 * Synthesizes a cdk8s app as `app.synth()` does (same validation, same files, byte-identical text) but writes the
 * YAML with this library's writer: faster than cdk8s's, and without its stack overflow on charts of more than
 * about 150 000 objects (cdk8s passes every object of a file as a separate function argument).
 *
 * Call it instead of `app.synth()`. cdk8s still decides the files (`outdir`, `yamlOutputType`,
 * `outputFileExtension`); with `YamlOutputType.FILE_PER_APP` cdk8s itself still gathers all objects in one call
 * before writing, so use the default file per chart for very large apps.
 * @param app the app to write to its `outdir`
 */
export function synthApp(app: App): void {
  // Loaded here, not when the package is imported: only apps that synth pay for the writer and its `yaml` fallback.
  const { writeCdk8sYaml } = require('./core/yaml') as typeof import('./core/yaml');
  const save = Yaml.save;
  // App.synth() writes every file through Yaml.save; it is synchronous, so the swap covers exactly this synth.
  Yaml.save = (filePath: string, docs: unknown[]) => writeFileSync(filePath, writeCdk8sYaml(docs), { encoding: 'utf8' });
  try {
    app.synth();
  } finally {
    Yaml.save = save;
  }
}

/**
 * The YAML `app.synthYaml()` returns, written with this library's writer (see {@link synthApp}). cdk8s still passes
 * all objects in one call here: for apps of more than about 150 000 objects write files with {@link synthApp}.
 * @param app the app to synthesize; it is validated first, as `app.synthYaml()` does
 */
export function synthAppYaml(app: App): string {
  const { writeCdk8sYaml } = require('./core/yaml') as typeof import('./core/yaml');
  const stringify = Yaml.stringify;
  Yaml.stringify = (...docs: unknown[]) => writeCdk8sYaml(docs);
  try {
    return app.synthYaml();
  } finally {
    Yaml.stringify = stringify;
  }
}
