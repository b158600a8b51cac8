import { IConstruct } from 'constructs';
import { GatewayAuthPolicy } from '../gateway-auth-policy';
import { LlmRoute } from '../llm-route';
import type { ConfigApp } from './build';
import { ConfigError, ConfigPath, ConfigProblem, LoadedConfig, formatConfigPath } from './load';

/** Turns a construct's field (`keys[0].source.storeName`) into the config path it came from. */
function configPathOf(construct: IConstruct | undefined, field: string, origin: ConfigPath): ConfigPath {
  const parts = field.split(/\.|\[(\d+)\]/).filter(p => p !== undefined && p !== '').map(p => /^\d+$/.test(p) ? Number(p) : p);
  if (construct instanceof LlmRoute && parts[0] === 'provider') {
    return parts.length > 2 ? [...origin, 'options', ...parts.slice(2)] : [...origin, 'provider'];
  }
  // Every construct shares the one `gateway` the user wrote at the top of the file.
  if (parts[0] === 'gateway') return parts;
  if (parts[0] === 'keySelection') return ['auth', 'keySelection', 'labels'];
  if (parts[0] === 'target') return ['auth', 'targetRoutes'];
  // The policy's keys are the config's teams, in order.
  if (construct instanceof GatewayAuthPolicy && parts[0] === 'keys') return ['teams', ...parts.slice(1)];
  return [...origin, ...parts];
}

/** The code API's advice, said in the config's words (the same checks serve both). */
const CONFIG_WORDING: readonly [RegExp, string | ((match: string, ...groups: string[]) => string)][] = [
  [/"KeySource\.from(\w)(\w*)"/g, (_, first: string, rest: string) => `"${first.toLowerCase()}${rest}"`],
  [/at least one key \(pass `keys` or call addKey\(\)\), or KeySelection\.labelSelector\(\)/,
    'at least one team in `teams`, or `auth.keySelection.labels` to select key Secrets by label'],
  [/KeySelection\.labelSelector\([^)]*\)/g, '`auth.keySelection.labels`'],
  [/KeySelection\.secretRefs\(\)/g, 'no `auth.keySelection`'],
  [/KeySource\.fromExternalSecret(\([^)]*\))?/g, '`key: { externalSecret: ... }`'],
  [/KeySource\.fromSealedSecret(\([^)]*\))?/g, '`key: { sealedSecret: ... }`'],
  [/KeySource\.fromExistingSecret(\([^)]*\))?/g, '`key: { existingSecret: {} }`'],
  [/KeySource\.fromHash(\([^)]*\))?/g, '`key: { hash: ... }`'],
  [/SecretValue\.unsafePlainText(\([^)]*\))?/g, '`key: { literal: ... }`'],
  [/ProviderCredential\.fromSecret(\([^)]*\))?/g, '`credential: { secretRef: ... }`'],
  [/ApiKeyAuthMode\.builtIn(\([^)]*\))?/g, '`auth.mode: builtIn`'],
  [/ApiKeyAuthMode\.extAuth(\([^)]*\))?/g, '`auth.mode: extAuth`'],
  [/PolicyTarget\.routes(\([^)]*\))?/g, '`auth.targetRoutes`'],
  [/generateKey\(\)/g, '`agentgateway-constructs keygen`'],
  [/ or call addKey\(\)|, addKey\(\)/g, ''],
];

/**
 * Rewrites a construct's message for the config file: construct paths (`api-key-auth/teams[1]`) become config paths
 * (`teams[1]`), and code API names become the config fields that do the same.
 */
export function configWording(message: string, origins: ReadonlyMap<string, ConfigPath>): string {
  let text = message;
  // Longest first, so `api-key-auth/teams[1]` does not rewrite the start of `api-key-auth/teams[10]`.
  for (const [path, origin] of [...origins].sort((a, b) => b[0].length - a[0].length)) {
    text = text.split(`${path}/`).join(`${formatConfigPath(origin)}/`).split(path).join(formatConfigPath(origin));
  }
  for (const [pattern, replacement] of CONFIG_WORDING) text = text.replace(pattern, replacement as string);
  return text;
}

function originOf(construct: IConstruct, origins: ReadonlyMap<string, ConfigPath>): { owner?: IConstruct; origin: ConfigPath } {
  let owner: IConstruct | undefined = construct;
  while (owner && !origins.has(owner.node.path)) owner = owner.node.scope;
  return { owner, origin: owner ? origins.get(owner.node.path)! : [] };
}

/** A construct's message (`field: text`) as a problem at its place in the config file. */
export function configProblemOf(config: LoadedConfig, origins: ReadonlyMap<string, ConfigPath>, construct: IConstruct,
  message: string): ConfigProblem {
  const { owner, origin } = originOf(construct, origins);
  const split = message.indexOf(': ');
  const field = split > 0 && !/\s/.test(message.slice(0, split)) ? message.slice(0, split) : '';
  const path = configPathOf(owner ?? construct, field, origin);
  return {
    ...config.locate(path),
    field: formatConfigPath(path) || '(config)',
    message: configWording(field ? message.slice(split + 2) : message, origins),
  };
}

/**
 * A warning from synth (`[construct/path] field: text`) in the config's terms: `file:line:column: field: text`.
 * Messages the config does not know stay as they are.
 */
export function configWarning(config: LoadedConfig, origins: ReadonlyMap<string, ConfigPath>, app: IConstruct,
  warning: string): string {
  const match = /^\[([^\]]*(?:\[\d+\][^\]]*)*)\] (.*)$/s.exec(warning);
  const construct = match ? app.node.findAll().find(c => c.node.path === match[1]) : undefined;
  if (!match || !construct) return configWording(warning, origins);
  const p = configProblemOf(config, origins, construct, match[2]);
  return config.hasSource ? `${p.file}:${p.line}:${p.column}: ${p.field}: ${p.message}` : `${p.field}: ${p.message}`;
}

/**
 * Runs every construct's checks, as `cdk8s synth` does, and reports the problems at their place in the config
 * file, all at once, in the config's terms. Messages never contain key material.
 */
export function checkConfigApp(built: ConfigApp): void {
  const problems = new Map<string, ConfigProblem>();
  for (const construct of built.app.node.findAll()) {
    for (const message of construct.node.validate()) {
      const problem = configProblemOf(built.config, built.origins, construct, message);
      // Each route reports a bad shared `gateway` again: once is enough.
      problems.set(`${problem.line}:${problem.column}:${problem.field}:${problem.message}`, problem);
    }
  }
  if (problems.size > 0) throw new ConfigError([...problems.values()]);
}
