import { SpecIssue } from '../core';
import { ConfigPath, ConfigProblem, LoadedConfig, formatConfigPath } from './load';

/** Turns an item's field (`keys[0].source.storeName`) into the config path it came from. */
function configPathOf(origin: ConfigPath, field: string): ConfigPath {
  const parts = field.split(/\.|\[(\d+)\]/).filter(p => p !== undefined && p !== '').map(p => /^\d+$/.test(p) ? Number(p) : p);
  if (origin[0] === 'routes' && parts[0] === 'provider') {
    return parts.length > 2 ? [...origin, 'options', ...parts.slice(2)] : [...origin, 'provider'];
  }
  // Every item shares the one `gateway` the user wrote at the top of the file.
  if (parts[0] === 'gateway') return parts;
  if (parts[0] === 'keySelection') return ['auth', 'keySelection', 'labels'];
  if (parts[0] === 'target') return ['auth', 'targetRoutes'];
  // The policy's keys are the config's teams, in order.
  if (origin[0] === 'auth' && parts[0] === 'keys') return ['teams', ...parts.slice(1)];
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

/** Rewrites a core message for the config file: code API names become the config fields that do the same. */
export function configWording(message: string): string {
  let text = message;
  for (const [pattern, replacement] of CONFIG_WORDING) text = text.replace(pattern, replacement as string);
  return text;
}

/** Where in the config an item was declared, by the path its issues carry (`teams[1]`, `auth`); undefined if unknown. */
export type ItemOrigin = (itemPath: string) => ConfigPath | undefined;

/** A core issue of the item declared at `originOf(issue.path)`, as a problem at its place in the config file. */
export function configProblemOf(config: LoadedConfig, originOf: ItemOrigin, issue: SpecIssue): ConfigProblem {
  const path = configPathOf(originOf(issue.path) ?? [], issue.field);
  return {
    ...config.locate(path),
    field: formatConfigPath(path) || '(config)',
    message: configWording(`expected ${issue.expected}, got ${issue.value}`),
  };
}

/**
 * A warning from the core (`[teams[1]] field: expected ...`) in the config's terms: `file:line:column: field: text`.
 * Messages the config does not know stay as they are.
 */
export function configWarning(config: LoadedConfig, originOf: ItemOrigin, warning: string): string {
  const match = /^\[([^\]]*(?:\[\d+\][^\]]*)*)\] ([^:\s]*): (.*)$/s.exec(warning);
  if (!match || originOf(match[1]) === undefined) return configWording(warning);
  const p = configProblemOf(config, originOf, { path: match[1], field: match[2], value: '', expected: '' });
  const text = configWording(match[3]);
  return config.hasSource ? `${p.file}:${p.line}:${p.column}: ${p.field}: ${text}` : `${p.field}: ${text}`;
}
