import {
  ApiKeyAuthMode, GatewayAuthPolicyOptions, GatewayPlan, GatewayRef, KeySelection, KeySource, LlmProvider, LlmRouteOptions, PlanItem,
  ProviderCredential, RFC3339_EXPECTED, SecretValue, TeamApiKeyOptions, TeamKeyOptions, parseRfc3339, planGateway,
} from '../core';
import { ConfigError, ConfigPath, ConfigProblem, LoadedConfig, PROTOTYPE_KEYS, formatConfigPath } from './load';
import { ItemOrigin, configProblemOf, configWarning } from './problems';
import type { KeySourceConfig, RouteConfig } from './schema';

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
   * Receives each warning (never key material), located in the config file.
   * @default - printed to stderr
   */
  readonly warn?: (message: string) => void;
}

/** The path a route or team item carries: `routes[0]`, `teams[12]`. */
const LIST_ITEM_PATH = /^(routes|teams)\[(\d+)\]$/;

/** Names an `env` key source may read. */
export const ENV_KEY_NAME = /^(AGW_KEY_[A-Z0-9_]+|[A-Z][A-Z0-9_]*_KEY)$/;
const ENV_KEY_NAME_EXPECTED = 'uppercase letters, digits and "_", ending in "_KEY" or starting with "AGW_KEY_", e.g. TEAM1_KEY';

function keySource(source: KeySourceConfig, path: ConfigPath, config: LoadedConfig, env: ConfigEnvironment,
  problems: ConfigProblem[]): KeySource | SecretValue {
  if ('literal' in source) return SecretValue.unsafePlainText(source.literal);
  if ('env' in source) {
    // Only variables named for keys: a typo must not write PATH or another CI secret into the manifests.
    if (!ENV_KEY_NAME.test(source.env)) {
      // Shown only when it looks like a variable name: a key pasted here must not reach the message.
      const got = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(source.env) ? JSON.stringify(source.env) : 'something else (not shown: it may be a key)';
      problems.push(config.problem([...path, 'env'], `expected the name of a variable holding a key (${ENV_KEY_NAME_EXPECTED}), got ${got}`));
      return SecretValue.unsafePlainText('');
    }
    // Only the variable itself: `env: constructor` must not find Object.prototype.constructor.
    const value = Object.hasOwn(env, source.env) ? env[source.env] : undefined;
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

/**
 * The config adapter: a config in, core specs, cross-team checks and manifests out, with the core alone (no cdk8s).
 * Throws a {@link ConfigError} with every problem at its file:line:column, before anything is written; messages
 * never contain key material. Warnings go to `options.warn` when the config has no problem.
 */
export function planConfig(config: LoadedConfig, options: PlanConfigOptions = {}): ConfigPlan {
  const env = options.env ?? process.env;
  const c = config.config;
  const problems: ConfigProblem[] = [];
  const now = c.settings?.now === undefined ? undefined : parseRfc3339(c.settings.now);
  if (c.settings?.now !== undefined && now === undefined) {
    problems.push(config.problem(['settings', 'now'], `expected ${RFC3339_EXPECTED}, got ${JSON.stringify(c.settings.now)}`));
  }
  if (c.rateLimitServer && c.auth?.rateLimitServer) {
    problems.push(config.problem(['auth', 'rateLimitServer'], 'expected either a top-level rateLimitServer (deployed here) or auth.rateLimitServer '
      + '(an existing server), not both'));
  }
  if (!c.routes?.length && !c.teams?.length && !c.auth) {
    problems.push(config.problem(c.teams ? ['teams'] : c.routes ? ['routes'] : [],
      'expected at least one route in `routes` or team in `teams`: this config declares nothing to synthesize'));
  }
  const gateway = new GatewayRef(c.gateway ?? {});
  // Each item's problems are reported under its config path (`teams[1]`), which maps back to the file.
  const item = <T>(path: ConfigPath, itemOptions: T): PlanItem<T> => ({ path: formatConfigPath(path), options: itemOptions });
  // Read back from the item's path only when a problem or warning is located: 50 000 teams keep no map of them.
  const originOf: ItemOrigin = itemPath => {
    const listItem = LIST_ITEM_PATH.exec(itemPath);
    if (listItem) {
      const list = listItem[1] === 'routes' ? c.routes : c.teams;
      return list && Number(listItem[2]) < list.length ? [listItem[1], Number(listItem[2])] : undefined;
    }
    return (itemPath === 'auth' && c.auth) || (itemPath === 'usage' && c.usage) || (itemPath === 'rateLimitServer' && c.rateLimitServer)
      ? [itemPath] : undefined;
  };

  const routes = (c.routes ?? []).map((r, i) => item<LlmRouteOptions>(['routes', i], {
    gateway, provider: LlmProvider.fromType(r.provider, r.options ?? {}), name: r.name, namespace: r.namespace,
    pathPrefix: r.pathPrefix, requestTimeout: r.requestTimeout, backendName: r.backendName, credential: credential(r),
    host: r.host, port: r.port,
  }));
  const routeNames = routes.map(r => r.options.name ?? String(r.options.provider.type));

  const selectorLabels = c.auth?.keySelection?.labels;
  const teams = (c.teams ?? []).map((t, i) => {
    const path = ['teams', i];
    const keys = t.keys?.map((k, j): TeamKeyOptions => ({
      ...k, source: keySource(k.source, [...path, 'keys', j, 'source'], config, env, problems),
    }));
    return item<TeamApiKeyOptions>(path, {
      team: t.team, metadata: t.metadata, secretName: t.secretName, namespace: t.namespace, revoked: t.revoked,
      budgets: t.budgets, access: t.access,
      // With a label selector, every team carries its labels, so the policy finds them.
      labels: selectorLabels && t.labels ? { ...t.labels, ...selectorLabels } : selectorLabels ?? t.labels,
      key: t.key === undefined ? undefined : keySource(t.key, [...path, 'key'], config, env, problems),
      keys,
    });
  });

  let policy: (PlanItem<Omit<GatewayAuthPolicyOptions, 'target'>> & { targetRoutes?: number[] }) | undefined;
  if (c.auth) {
    const a = c.auth;
    a.headersFromMetadata?.forEach((h, i) => {
      const key = h.metadataKey ?? h.header;
      // Such names can never be set in `metadata` (the loader refuses them), and `in` would find them anyway.
      if (PROTOTYPE_KEYS.has(key)) {
        problems.push(config.problem(['auth', 'headersFromMetadata', i, h.metadataKey === undefined ? 'header' : 'metadataKey'], `expected a metadata key other than "${key}" (a reserved JavaScript name)`));
      }
    });
    const targetRoutes = a.targetRoutes?.map((name, i) => {
      const index = routeNames.indexOf(name);
      if (index < 0) problems.push(config.problem(['auth', 'targetRoutes', i], `expected the name of a route in \`routes\` (${routeNames.join(', ')}), got "${name}"`));
      return index;
    }).filter(index => index >= 0);
    policy = {
      ...item(['auth'], {
        gateway, name: a.name, authConfigName: a.authConfigName, namespace: a.namespace, headerName: a.headerName,
        mode: a.mode === 'builtIn' ? ApiKeyAuthMode.builtIn(a.builtIn ?? {}) : ApiKeyAuthMode.extAuth(),
        keySelection: selectorLabels ? KeySelection.labelSelector(selectorLabels) : undefined,
        headersFromMetadata: a.headersFromMetadata, allowSharedKeys: a.allowSharedKeys,
        trustClientIdentityHeaders: a.trustClientIdentityHeaders, stripPolicyName: a.stripPolicyName, forwardKeyHeader: a.forwardKeyHeader,
        replicas: a.replicas, rateLimitServer: a.rateLimitServer,
      }),
      targetRoutes,
    };
  }
  // Problems only the config can have come first: the core would report their stand-ins again.
  if (problems.length > 0) throw new ConfigError(problems);

  const plan = planGateway({
    settings: {
      strict: c.settings?.strict, expiryWarningDays: c.settings?.expiryWarningDays, now,
      allowPlaintextKeys: c.settings?.allowPlaintextKeys, warn: options.warn,
    },
    routes, teams, policy,
    usage: c.usage ? item(['usage'], c.usage) : undefined,
    ...(c.rateLimitServer ? { rateLimitServer: item(['rateLimitServer'], c.rateLimitServer) } : {}),
  });
  // Each route reports a bad shared `gateway` again: once is enough.
  const located = new Map<string, ConfigProblem>();
  for (const issue of plan.issues) {
    const problem = configProblemOf(config, originOf, issue);
    located.set(`${problem.line}:${problem.column}:${problem.field}:${problem.message}`, problem);
  }
  if (located.size > 0) throw new ConfigError([...located.values()]);
  plan.warnings.forEach(w => plan.registry.settings.warn(configWarning(config, originOf, w)));
  return { config, plan };
}
