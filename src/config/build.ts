import {
  ApiKeyAuthMode, GatewayAuthPolicyOptions, GatewayPlan, GatewayRef, KeySelection, KeySource, LlmProvider, LlmRouteOptions, PlanItem,
  ProviderCredential, SecretValue, TeamApiKeyOptions, TeamKeyOptions, planGateway,
} from '../core';
import { ConfigError, ConfigPath, ConfigProblem, LoadedConfig, formatConfigPath } from './load';
import { KeySourceConfig, RouteConfig } from './schema';

/** Variables a config can read keys from; a structural type, so the public types need no `@types/node`. */
export type ConfigEnvironment = Readonly<Record<string, string | undefined>>;

/** A config turned into core specs and manifests: the config adapter's whole result. */
export interface ConfigPlan {
  readonly config: LoadedConfig;
  readonly plan: GatewayPlan;
}

export interface PlanConfigOptions {
  /**
   * Where `env:` key sources are read.
   * @default process.env
   */
  readonly env?: ConfigEnvironment;
  /**
   * Receives each warning (never key material).
   * @default - printed to stderr
   */
  readonly warn?: (message: string) => void;
}

/** Item kinds of a config, by the top-level field they are declared in. */
const ROUTES = 'routes';
const TEAMS = 'teams';
const AUTH = 'auth';

function keySource(source: KeySourceConfig, path: ConfigPath, config: LoadedConfig, env: ConfigEnvironment,
  problems: ConfigProblem[]): KeySource | SecretValue {
  if ('literal' in source) return SecretValue.unsafePlainText(source.literal);
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined) problems.push(config.problem([...path, 'env'], `environment variable ${source.env} is not set`));
    return SecretValue.unsafePlainText(value ?? '');
  }
  if ('hash' in source) return KeySource.fromHash(source.hash);
  if ('externalSecret' in source) return KeySource.fromExternalSecret(source.externalSecret);
  if ('sealedSecret' in source) return KeySource.fromSealedSecret(source.sealedSecret);
  return KeySource.fromExistingSecret(source.existingSecret);
}

function credential(route: RouteConfig): ProviderCredential | undefined {
  const c = route.credential;
  if (!c) return undefined;
  if ('secretRef' in c) return ProviderCredential.fromSecret(c.secretRef.name, { key: c.secretRef.key });
  if ('passthrough' in c) return ProviderCredential.passthrough();
  if ('aws' in c) return ProviderCredential.aws(c.aws);
  return ProviderCredential.gcp(c.gcp);
}

/** Turns a core issue's field (`keys[0].source.storeName`) of the item at `origin` into the config path it came from. */
function configPathOf(origin: ConfigPath, field: string): ConfigPath {
  const parts = field.split(/\.|\[(\d+)\]/).filter(p => p !== undefined && p !== '').map(p => /^\d+$/.test(p) ? Number(p) : p);
  if (origin[0] === ROUTES && parts[0] === 'provider') {
    return parts.length > 2 ? [...origin, 'options', ...parts.slice(2)] : [...origin, 'provider'];
  }
  if (parts[0] === 'gateway') return parts;
  if (parts[0] === 'keySelection') return [...origin, 'keySelection', 'labels'];
  return [...origin, ...parts];
}

/**
 * Plans a config with the core alone: config in, core specs, cross-team checks and manifests out. Throws a
 * {@link ConfigError} with every problem at its file:line:column, before anything is written; messages never contain
 * key material. Warnings go to `settings.warn` (stderr by default) when the config has no problem.
 */
export function planConfig(config: LoadedConfig, options: PlanConfigOptions = {}): ConfigPlan {
  const env = options.env ?? process.env;
  const c = config.config;
  const problems: ConfigProblem[] = [];
  if (c.settings?.now !== undefined && Number.isNaN(Date.parse(c.settings.now))) {
    problems.push(config.problem(['settings', 'now'], 'expected an ISO 8601 date-time'));
  }
  const gateway = new GatewayRef(c.gateway ?? {});
  const origins = new Map<string, ConfigPath>();
  const item = <T>(path: ConfigPath, options: T): PlanItem<T> => {
    const name = formatConfigPath(path);
    origins.set(name, path);
    return { path: name, options };
  };

  const routes = (c.routes ?? []).map((r, i) => item<LlmRouteOptions>([ROUTES, i], {
    gateway, provider: LlmProvider.fromType(r.provider, r.options ?? {}), name: r.name, namespace: r.namespace,
    pathPrefix: r.pathPrefix, requestTimeout: r.requestTimeout, backendName: r.backendName, credential: credential(r),
    host: r.host, port: r.port,
  }));
  const routeNames = routes.map(r => r.options.name ?? String(r.options.provider.type));

  const selectorLabels = c.auth?.keySelection?.labels;
  const teams = (c.teams ?? []).map((t, i) => {
    const path = [TEAMS, i];
    const keys = t.keys?.map((k, j): TeamKeyOptions => ({
      ...k, source: keySource(k.source, [...path, 'keys', j, 'source'], config, env, problems),
    }));
    return item<TeamApiKeyOptions>(path, {
      team: t.team, metadata: t.metadata, secretName: t.secretName, namespace: t.namespace, revoked: t.revoked,
      // With a label selector, every team carries its labels, so the policy finds them.
      labels: selectorLabels ? { ...t.labels, ...selectorLabels } : t.labels,
      key: t.key === undefined ? undefined : keySource(t.key, [...path, 'key'], config, env, problems),
      keys,
    });
  });

  let policy: (PlanItem<Omit<GatewayAuthPolicyOptions, 'target'>> & { targetRoutes?: number[] }) | undefined;
  if (c.auth) {
    const a = c.auth;
    const targetRoutes = a.targetRoutes?.map((name, i) => {
      const index = routeNames.indexOf(name);
      if (index < 0) problems.push(config.problem([AUTH, 'targetRoutes', i], `expected the name of a route in \`routes\` (${routeNames.join(', ')}), got "${name}"`));
      return index;
    }).filter(index => index >= 0);
    policy = {
      ...item([AUTH], {
        gateway, name: a.name, authConfigName: a.authConfigName, namespace: a.namespace, headerName: a.headerName,
        mode: a.mode === 'builtIn' ? ApiKeyAuthMode.builtIn(a.builtIn ?? {}) : ApiKeyAuthMode.extAuth(),
        keySelection: selectorLabels ? KeySelection.labelSelector(selectorLabels) : undefined,
        headersFromMetadata: a.headersFromMetadata, allowSharedKeys: a.allowSharedKeys,
      }),
      targetRoutes,
    };
  }

  // Problems only the config can have come first: the core would report their stand-ins again.
  if (problems.length > 0) throw new ConfigError(problems);
  const plan = planGateway({
    settings: {
      strict: c.settings?.strict, expiryWarningDays: c.settings?.expiryWarningDays,
      now: c.settings?.now === undefined ? undefined : new Date(c.settings.now),
      warn: options.warn,
    },
    routes, teams, policy,
  });
  for (const issue of plan.issues) {
    const origin = origins.get(issue.path) ?? [];
    problems.push(config.problem(configPathOf(origin, issue.field), `expected ${issue.expected}, got ${issue.value}`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  plan.warnings.forEach(w => plan.registry.settings.warn(w));
  return { config, plan };
}
