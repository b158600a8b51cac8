import { Manifest } from './manifest';

// EnterpriseAgentgatewayPolicy has no public CRD, so `cdk8s import` cannot generate it: these types are written by
// hand from Solo's public Go types (kgateway-client v2.1.2, REFERENCE.md section 3). The open-source parts
// (frontend, traffic, backend) are the AgentgatewayPolicy's; only the enterprise fields are spelled out.

/** Kinds an EnterpriseAgentgatewayPolicy can target; one kind per policy. */
export type EnterprisePolicyTargetKind = 'Gateway' | 'HTTPRoute' | 'XListenerSet' | 'Service' | 'AgentgatewayBackend';

export interface EnterprisePolicyTargetRef {
  readonly group: string;
  readonly kind: EnterprisePolicyTargetKind;
  readonly name: string;
  readonly sectionName?: string;
}

export interface EnterprisePolicyTargetSelector {
  readonly group: string;
  readonly kind: EnterprisePolicyTargetKind;
  readonly matchLabels: Readonly<Record<string, string>>;
}

/** A reference to an object by name; the namespace defaults to the policy's. */
export interface NamespacedObjectRef {
  readonly name: string;
  readonly namespace?: string;
}

export interface BackendObjectRef extends NamespacedObjectRef {
  readonly group?: string;
  readonly kind?: string;
  readonly port?: number;
}

/** `traffic.entExtAuth`: Solo ext-auth with an AuthConfig. Mutually exclusive with `traffic.extAuth`. */
export interface EnterpriseExtAuth {
  readonly authConfigRef: NamespacedObjectRef;
  /** @default - the provisioned ext-auth-service */
  readonly backendRef?: BackendObjectRef;
}

/** `traffic.entRateLimit`: global rate limits from RateLimitConfigs. Mutually exclusive with `traffic.rateLimit`. */
export interface EnterpriseRateLimit {
  readonly global?: {
    readonly domain?: string;
    readonly backendRef?: BackendObjectRef;
    /** 1 to 16 RateLimitConfigs. */
    readonly rateLimitConfigRefs: readonly NamespacedObjectRef[];
  };
}

/** Exactly one of `targetRefs` / `targetSelectors` (1-16 items); at least one of frontend, traffic, backend. */
export interface EnterpriseAgentgatewayPolicySpec {
  readonly targetRefs?: readonly EnterprisePolicyTargetRef[];
  readonly targetSelectors?: readonly EnterprisePolicyTargetSelector[];
  readonly frontend?: Readonly<Record<string, unknown>>;
  readonly backend?: Readonly<Record<string, unknown>>;
  readonly traffic?: {
    readonly entExtAuth?: EnterpriseExtAuth;
    readonly entRateLimit?: EnterpriseRateLimit;
    /** The open-source AgentgatewayPolicy traffic fields (apiKeyAuthentication, transformation, ...). */
    readonly [field: string]: unknown;
  };
}

export interface EnterpriseAgentgatewayPolicyManifest extends Manifest {
  readonly kind: 'EnterpriseAgentgatewayPolicy';
  readonly spec: EnterpriseAgentgatewayPolicySpec;
}
