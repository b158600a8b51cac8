import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { configureSynth } from '../app-registry';
import {
  ApiKeyAuthMode, GatewayRef, KeySelection, KeySource, LlmProvider, PolicyTarget, ProviderCredential, RFC3339_EXPECTED, SecretValue,
  TeamKeyOptions, parseRfc3339,
} from '../core';
import { GatewayAuthPolicy } from '../gateway-auth-policy';
import { LlmRoute } from '../llm-route';
import { TeamApiKey } from '../team-api-key';
import { ConfigError, ConfigPath, ConfigProblem, LoadedConfig, PROTOTYPE_KEYS } from './load';
import { configWarning } from './problems';
import { KeySourceConfig, RouteConfig } from './schema';

/** Charts of a config app; the names match the seed's files. */
export const ROUTES_CHART = 'llm-route';
export const AUTH_CHART = 'api-key-auth';

/** A config turned into constructs, and where each construct came from in the file. */
export interface ConfigApp {
  readonly app: App;
  readonly config: LoadedConfig;
  /** Construct path -> the config path it was declared at. */
  readonly origins: ReadonlyMap<string, ConfigPath>;
}

/** Names an `env` key source may read. */
export const ENV_KEY_NAME = /^(AGW_KEY_[A-Z0-9_]+|[A-Z][A-Z0-9_]*_KEY)$/;
const ENV_KEY_NAME_EXPECTED = 'uppercase letters, digits and "_", ending in "_KEY" or starting with "AGW_KEY_", e.g. TEAM1_KEY';

function keySource(source: KeySourceConfig, path: ConfigPath, config: LoadedConfig, env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[]): KeySource | SecretValue {
  if ('literal' in source) return SecretValue.unsafePlainText(source.literal);
  if ('env' in source) {
    // Only variables named for keys: a typo must not write PATH or another CI secret into the manifests.
    if (!ENV_KEY_NAME.test(source.env)) {
      problems.push(config.problem([...path, 'env'], `expected the name of a variable holding a key (${ENV_KEY_NAME_EXPECTED}), got ${JSON.stringify(source.env)}`));
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

/** Builds the cdk8s app a config describes; throws a {@link ConfigError} for what only the config can get wrong. */
export function buildConfigApp(config: LoadedConfig, app: App = new App(), env: Readonly<Record<string, string | undefined>> = process.env): ConfigApp {
  const c = config.config;
  const problems: ConfigProblem[] = [];
  const origins = new Map<string, ConfigPath>();
  const origin = <T extends IConstruct>(construct: T, path: ConfigPath): T => {
    origins.set(construct.node.path, path);
    return construct;
  };
  const now = c.settings?.now === undefined ? undefined : parseRfc3339(c.settings.now);
  if (c.settings?.now !== undefined && now === undefined) {
    problems.push(config.problem(['settings', 'now'], `expected ${RFC3339_EXPECTED}, got ${JSON.stringify(c.settings.now)}`));
  }
  configureSynth(app, {
    strict: c.settings?.strict, expiryWarningDays: c.settings?.expiryWarningDays, now,
    allowPlaintextKeys: c.settings?.allowPlaintextKeys,
    // Warnings point into the config file, like its errors.
    warn: message => process.stderr.write(`warning: ${configWarning(config, origins, app, message)}\n`),
  });
  if (!c.routes?.length && !c.teams?.length && !c.auth) {
    problems.push(config.problem(c.teams ? ['teams'] : c.routes ? ['routes'] : [],
      'expected at least one route in `routes` or team in `teams`: this config declares nothing to synthesize'));
  }
  const gateway = new GatewayRef(c.gateway ?? {});

  const routes = new Map<string, LlmRoute>();
  if (c.routes?.length) {
    const chart = new Chart(app, ROUTES_CHART);
    c.routes.forEach((r, i) => {
      const route = origin(new LlmRoute(chart, `routes[${i}]`, {
        gateway, provider: LlmProvider.fromType(r.provider, r.options ?? {}), name: r.name, namespace: r.namespace,
        pathPrefix: r.pathPrefix, requestTimeout: r.requestTimeout, backendName: r.backendName, credential: credential(r),
        host: r.host, port: r.port,
      }), ['routes', i]);
      routes.set(route.routeName, route);
    });
  }

  if (c.teams?.length || c.auth) {
    const chart = new Chart(app, AUTH_CHART);
    const selectorLabels = c.auth?.keySelection?.labels;
    const teams = (c.teams ?? []).map((t, i) => {
      const path = ['teams', i];
      const keys = t.keys?.map((k, j): TeamKeyOptions => ({
        ...k, source: keySource(k.source, [...path, 'keys', j, 'source'], config, env, problems),
      }));
      return origin(new TeamApiKey(chart, `teams[${i}]`, {
        team: t.team, metadata: t.metadata, secretName: t.secretName, namespace: t.namespace, revoked: t.revoked,
        // With a label selector, every team carries its labels, so the policy finds them.
        labels: selectorLabels ? { ...t.labels, ...selectorLabels } : t.labels,
        key: t.key === undefined ? undefined : keySource(t.key, [...path, 'key'], config, env, problems),
        keys,
      }), path);
    });
    if (c.auth) {
      const a = c.auth;
      a.headersFromMetadata?.forEach((h, i) => {
        const key = h.metadataKey ?? h.header;
        // Such names can never be set in `metadata` (the loader refuses them), and `in` would find them anyway.
        if (PROTOTYPE_KEYS.has(key)) {
          problems.push(config.problem(['auth', 'headersFromMetadata', i, h.metadataKey === undefined ? 'header' : 'metadataKey'], `expected a metadata key other than "${key}" (a reserved JavaScript name)`));
        }
      });
      const target = a.targetRoutes?.map((name, i) => {
        const route = routes.get(name);
        if (!route) problems.push(config.problem(['auth', 'targetRoutes', i], `expected the name of a route in \`routes\` (${[...routes.keys()].join(', ')}), got "${name}"`));
        return route;
      }).filter((r): r is LlmRoute => r !== undefined);
      origin(new GatewayAuthPolicy(chart, 'auth', {
        gateway, name: a.name, authConfigName: a.authConfigName, namespace: a.namespace, headerName: a.headerName,
        mode: a.mode === 'builtIn' ? ApiKeyAuthMode.builtIn(a.builtIn ?? {}) : ApiKeyAuthMode.extAuth(),
        keySelection: selectorLabels ? KeySelection.labelSelector(selectorLabels) : undefined,
        headersFromMetadata: a.headersFromMetadata, allowSharedKeys: a.allowSharedKeys,
        trustClientIdentityHeaders: a.trustClientIdentityHeaders, stripPolicyName: a.stripPolicyName, forwardKeyHeader: a.forwardKeyHeader,
        target: target?.length ? PolicyTarget.routes(...target) : undefined,
        keys: teams,
      }), ['auth']);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { app, config, origins };
}
