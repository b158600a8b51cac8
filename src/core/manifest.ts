import { IssueCollector } from './errors';

/** Kubernetes object metadata, as much of it as this library writes. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A plain Kubernetes manifest, ready to serialize. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

/** apiVersion and kind of every resource this library emits. */
export const KINDS = {
  secret: { apiVersion: 'v1', kind: 'Secret' },
  httpRoute: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
  agentgatewayBackend: { apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayBackend' },
  agentgatewayPolicy: { apiVersion: 'agentgateway.dev/v1alpha1', kind: 'AgentgatewayPolicy' },
  authConfig: { apiVersion: 'extauth.solo.io/v1', kind: 'AuthConfig' },
  enterpriseAgentgatewayPolicy: { apiVersion: 'enterpriseagentgateway.solo.io/v1alpha1', kind: 'EnterpriseAgentgatewayPolicy' },
  rateLimitConfig: { apiVersion: 'ratelimit.solo.io/v1alpha1', kind: 'RateLimitConfig' },
} as const;

/** The Secret type Solo's ext-auth service reads API keys from. */
export const API_KEY_SECRET_TYPE = 'extauth.solo.io/apikey';
/** The fixed data entry that holds the key in an ext-auth API key Secret. */
export const API_KEY_ENTRY = 'api-key';

/** Identifies one object in a cluster. */
export interface ObjectId {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The prop the name comes from, for error messages. */
  readonly field: string;
}

export function base64(text: string): string {
  // Untyped input reaches rendering before validation reports it: never crash here.
  return Buffer.from(typeof text === 'string' ? text : '', 'utf8').toString('base64');
}

/**
 * The most one emitted object may weigh, serialized as JSON (what the API server receives). etcd rejects requests
 * over about 1.5 MiB; 1 MiB leaves room for metadata the cluster adds (managedFields, annotations).
 */
export const MAX_OBJECT_BYTES = 1024 * 1024;

/** Serialized size of a manifest in bytes, as the API server receives it. */
export function manifestBytes(manifest: Manifest): number {
  return Buffer.byteLength(JSON.stringify(manifest), 'utf8');
}

/** Reports a manifest over {@link MAX_OBJECT_BYTES}, blaming `field`, with an optional way out. */
export function checkManifestSize(issues: IssueCollector, field: string, manifest: Manifest, remedy = ''): void {
  const bytes = manifestBytes(manifest);
  if (bytes > MAX_OBJECT_BYTES) {
    issues.add(field, `${manifest.kind} ${manifest.metadata.name} of ${(bytes / 1048576).toFixed(2)} MiB`,
      `objects of at most 1 MiB (etcd rejects requests over about 1.5 MiB)${remedy}`);
  }
}
