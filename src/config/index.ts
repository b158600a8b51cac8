export * from './build';
export * from './load';
export * from './matrix';
export * from './output';
export * from './output-folder';
export * from './schema';
export * from './seed';
export { CDK8S_YAML_OPTIONS, writeCdk8sYaml, writeYaml } from '../core/yaml';
export type { YamlWriterOptions } from '../core/yaml';
