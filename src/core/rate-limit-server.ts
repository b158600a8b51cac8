import { checkDnsLabel, checkFailureMode, checkNonEmptyString, checkRateLimitDomain } from './checks';
import { IssueCollector } from './errors';
import { Manifest, ObjectId } from './manifest';
import type { GatewayAuthPolicySpec } from './gateway-auth-policy';
import { RATE_LIMIT_GRPC_PORT, RateLimitServerRef } from './shared-limits';

// The rate-limit server behind shared budgets, as agentgateway's global rate-limiting guide runs it: envoyproxy/ratelimit
// reading its config from a mounted ConfigMap, with Redis keeping the counters (agentgateway examples/ratelimiting/global;
// website security/rate-limit-global.md).

/** Container resources: requests and limits as Kubernetes quantities. */
export interface ContainerResources {
  readonly requests?: Readonly<Record<'cpu' | 'memory', string>>;
  readonly limits?: Readonly<Record<'cpu' | 'memory', string>>;
}

/** Props of a rate-limit server, shared by the cdk8s and Pulumi adapters and the config file. */
export interface RateLimitServerOptions {
  /**
   * Name of the server's Deployment and Service; Redis gets `<name>-redis`, the config ConfigMap `<name>-config`.
   * @default 'ratelimit'
   */
  readonly name?: string;
  /**
   * Namespace of every object.
   * @default 'agentgateway-system'
   */
  readonly namespace?: string;
  /**
   * The envoyproxy/ratelimit image, pinned: the tag agentgateway's own global rate-limiting example runs.
   * @default 'docker.io/envoyproxy/ratelimit:3e085e5b'
   */
  readonly image?: string;
  /**
   * The Redis image keeping the counters.
   * @default 'docker.io/library/redis:7.4.3'
   */
  readonly redisImage?: string;
  /**
   * Server replicas; they share the counters in Redis.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Resources of the server container.
   * @default - requests 50m CPU and 64Mi, limits 500m CPU and 256Mi
   */
  readonly resources?: ContainerResources;
  /**
   * Resources of the Redis container.
   * @default - requests 50m CPU and 64Mi, limits 500m CPU and 256Mi
   */
  readonly redisResources?: ContainerResources;
  /**
   * Rate-limit domain of the budgets this server keeps; the auth policy sends the same.
   * @default 'agentgateway'
   */
  readonly domain?: string;
  /**
   * What the gateway does when the server is unreachable.
   * @default 'FailClosed'
   */
  readonly failureMode?: 'FailClosed' | 'FailOpen';
}

export interface RateLimitServerSpec {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly redisImage: string;
  readonly replicas: number;
  readonly resources: ContainerResources;
  readonly redisResources: ContainerResources;
  readonly domain: string;
  readonly failureMode: 'FailClosed' | 'FailOpen';
}

export const DEFAULT_RATE_LIMIT_IMAGE = 'docker.io/envoyproxy/ratelimit:3e085e5b';
export const DEFAULT_REDIS_IMAGE = 'docker.io/library/redis:7.4.3';
const DEFAULT_RESOURCES: ContainerResources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const REDIS_PORT = 6379;
const HTTP_PORT = 8080;
/** Where the server reads its config: `$RUNTIME_ROOT/$RUNTIME_SUBDIRECTORY/config/*.yaml`. */
const RUNTIME_ROOT = '/data';
const RUNTIME_SUBDIRECTORY = 'ratelimit';

export function resolveRateLimitServerSpec(options: RateLimitServerOptions = {}): RateLimitServerSpec {
  return {
    name: options.name ?? 'ratelimit',
    namespace: options.namespace ?? 'agentgateway-system',
    image: options.image ?? DEFAULT_RATE_LIMIT_IMAGE,
    redisImage: options.redisImage ?? DEFAULT_REDIS_IMAGE,
    replicas: options.replicas ?? 1,
    resources: options.resources ?? DEFAULT_RESOURCES,
    redisResources: options.redisResources ?? DEFAULT_RESOURCES,
    domain: options.domain ?? 'agentgateway',
    failureMode: options.failureMode ?? 'FailClosed',
  };
}

/** How an auth policy reaches this server, and where it writes the server's config. */
export function rateLimitServerRef(spec: RateLimitServerSpec): RateLimitServerRef {
  return {
    backendRef: { name: spec.name, namespace: spec.namespace, port: RATE_LIMIT_GRPC_PORT },
    domain: spec.domain,
    failureMode: spec.failureMode,
    configMap: { name: rateLimitServerConfigMapName(spec), namespace: spec.namespace },
  };
}

export function rateLimitServerConfigMapName(spec: Pick<RateLimitServerSpec, 'name'>): string {
  return `${spec.name}-config`;
}

/** A tag or digest pins an image; `latest` or none pulls whatever is newest. */
function isPinned(image: string): boolean {
  if (image.includes('@sha256:')) return true;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return tag !== undefined && tag !== 'latest' && tag !== 'master' && tag !== 'main';
}

export function checkRateLimitServerSpec(issues: IssueCollector, spec: RateLimitServerSpec): void {
  checkDnsLabel(issues, 'name', spec.name);
  // `<name>-redis` must be a DNS label too.
  if (typeof spec.name === 'string' && spec.name.length > 57) issues.add('name', spec.name, 'at most 57 characters (Redis is named <name>-redis)');
  checkDnsLabel(issues, 'namespace', spec.namespace);
  for (const field of ['image', 'redisImage'] as const) {
    checkNonEmptyString(issues, field, spec[field]);
    if (typeof spec[field] === 'string' && !isPinned(spec[field])) {
      issues.add(field, spec[field], 'an image pinned by tag or digest (not latest, master or none): the budgets must not change behaviour on a pod restart');
    }
  }
  if (!Number.isInteger(spec.replicas) || spec.replicas < 1) issues.add('replicas', spec.replicas, 'a whole number of replicas, at least 1');
  checkRateLimitDomain(issues, 'domain', spec.domain);
  checkFailureMode(issues, 'failureMode', spec.failureMode);
}

/**
 * Reports a deployed server that no built-in auth policy of the app uses: nothing would write its config or send it
 * budgets. `policies`: every auth policy of the app.
 */
export function checkRateLimitServerUsed(issues: IssueCollector, server: RateLimitServerSpec,
  policies: readonly Pick<GatewayAuthPolicySpec, 'mode' | 'rateLimitServer'>[]): void {
  const uses = (policy: Pick<GatewayAuthPolicySpec, 'mode' | 'rateLimitServer'>) => policy.mode.builtIn !== undefined
    && policy.rateLimitServer?.backendRef?.name === server.name && policy.rateLimitServer.backendRef.namespace === server.namespace;
  if (!policies.some(uses)) {
    issues.add('rateLimitServer', server.name, 'an auth policy in built-in mode that uses this server: nothing writes its config or sends it budgets');
  }
}

export function rateLimitServerObjectIds(spec: RateLimitServerSpec): ObjectId[] {
  const redis = `${spec.name}-redis`;
  return [
    { kind: 'Deployment', namespace: spec.namespace, name: spec.name, field: 'name' },
    { kind: 'Service', namespace: spec.namespace, name: spec.name, field: 'name' },
    { kind: 'Deployment', namespace: spec.namespace, name: redis, field: 'name' },
    { kind: 'Service', namespace: spec.namespace, name: redis, field: 'name' },
  ];
}

/** Non-root, read-only, no privileges: neither process needs more. */
function restrictedContainer(user: number) {
  return {
    runAsNonRoot: true, runAsUser: user, runAsGroup: user, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
  };
}

function deployment(spec: RateLimitServerSpec, name: string, replicas: number, podSpec: Record<string, unknown>): Manifest {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'agentgateway-budgets' };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: spec.namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { metadata: { labels: { ...labels } }, spec: { automountServiceAccountToken: false, ...podSpec } },
    },
  };
}

function service(spec: RateLimitServerSpec, name: string, ports: { name: string; port: number; appProtocol?: string }[]): Manifest {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: spec.namespace, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'agentgateway-budgets' } },
    spec: {
      selector: { 'app.kubernetes.io/name': name },
      ports: ports.map(p => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })),
    },
  };
}

/**
 * The server's Deployment and Service, and Redis's. The config ConfigMap (`<name>-config`) is written by the auth
 * policy that uses this server, since it holds the teams' budgets.
 */
export function renderRateLimitServer(spec: RateLimitServerSpec): Manifest[] {
  const redis = `${spec.name}-redis`;
  const server = deployment(spec, spec.name, spec.replicas, {
    containers: [{
      name: 'ratelimit',
      image: spec.image,
      command: ['/bin/ratelimit'],
      env: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'LOG_FORMAT', value: 'json' },
        { name: 'USE_STATSD', value: 'false' },
        { name: 'REDIS_SOCKET_TYPE', value: 'tcp' },
        { name: 'REDIS_URL', value: `${redis}.${spec.namespace}.svc:${REDIS_PORT}` },
        { name: 'RUNTIME_ROOT', value: RUNTIME_ROOT },
        { name: 'RUNTIME_SUBDIRECTORY', value: RUNTIME_SUBDIRECTORY },
        // Kubernetes updates a ConfigMap volume by swapping a symlink inside it: watch the config directory, not the root.
        { name: 'RUNTIME_WATCH_ROOT', value: 'false' },
        { name: 'RUNTIME_IGNOREDOTFILES', value: 'true' },
        { name: 'GRPC_PORT', value: String(RATE_LIMIT_GRPC_PORT) },
        { name: 'PORT', value: String(HTTP_PORT) },
      ],
      ports: [{ name: 'grpc', containerPort: RATE_LIMIT_GRPC_PORT }, { name: 'http', containerPort: HTTP_PORT }],
      readinessProbe: { httpGet: { path: '/healthcheck', port: 'http' }, periodSeconds: 10 },
      resources: structuredClone(spec.resources),
      securityContext: restrictedContainer(65534),
      volumeMounts: [{ name: 'config', mountPath: `${RUNTIME_ROOT}/${RUNTIME_SUBDIRECTORY}/config`, readOnly: true }],
    }],
    volumes: [{ name: 'config', configMap: { name: rateLimitServerConfigMapName(spec) } }],
  });
  const store = deployment(spec, redis, 1, {
    containers: [{
      name: 'redis',
      image: spec.redisImage,
      // Counters only: nothing to persist, and a read-only root needs no dump file.
      args: ['--save', '', '--appendonly', 'no'],
      ports: [{ name: 'redis', containerPort: REDIS_PORT }],
      readinessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 10 },
      resources: structuredClone(spec.redisResources),
      securityContext: restrictedContainer(999),
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    }],
    volumes: [{ name: 'data', emptyDir: {} }],
  });
  return [
    server,
    service(spec, spec.name, [{ name: 'grpc', port: RATE_LIMIT_GRPC_PORT, appProtocol: 'kubernetes.io/h2c' }, { name: 'http', port: HTTP_PORT }]),
    store,
    service(spec, redis, [{ name: 'redis', port: REDIS_PORT }]),
  ];
}
