import { checkDnsLabel, checkDnsSubdomain, checkHeaderName, checkLabels, checkSecretDataKey } from './checks';
import { IssueCollector } from './errors';
import { GatewayRef, checkGatewayRef } from './gateway-ref';
import { KINDS, Manifest, ObjectId } from './manifest';

/** A request header the gateway sets from the metadata stored with the caller's key. */
export interface MetadataHeader {
  /** Name of the header sent upstream, e.g. `x-org`. */
  readonly header: string;
  /**
   * Metadata entry (key Secret data entry) that holds the value.
   * @default - the header name
   */
  readonly metadataKey?: string;
  /**
   * Reject keys that lack this entry.
   * @default false (the header is just not added)
   */
  readonly required?: boolean;
}

/** How the auth policy finds the key Secrets it accepts. */
export class KeySelection {
  /** An explicit list of key Secrets, given as `keys` or through `addKey()`. Grows with every team. */
  public static secretRefs(): KeySelection {
    return new KeySelection(undefined);
  }

  /**
   * Every key Secret in the namespace that carries these labels. Scales to any number of teams, and lets teams be
   * added without touching the policy.
   */
  public static labelSelector(matchLabels: Readonly<Record<string, string>>): KeySelection {
    return new KeySelection({ ...matchLabels });
  }

  private constructor(
    /** The labels selected keys carry, or undefined for explicit Secret refs. */
    public readonly matchLabels: Readonly<Record<string, string>> | undefined,
  ) {}

  /** Whether a Secret with `labels` is selected by the labels of this selection. */
  public matches(labels: Readonly<Record<string, string>>): boolean {
    return this.matchLabels !== undefined && Object.entries(this.matchLabels).every(([k, v]) => labels[k] === v);
  }
}

/** A route a policy can target. */
export interface RouteRef {
  readonly routeName: string;
  readonly namespace: string;
}

/** What an auth policy is attached to. */
export class PolicyTarget {
  /** The whole Gateway: every route on it requires a key. */
  public static gateway(): PolicyTarget {
    return new PolicyTarget([]);
  }

  /** Only these routes; they must be in the policy's namespace. */
  public static routes(...routes: RouteRef[]): PolicyTarget {
    return new PolicyTarget(routes);
  }

  private constructor(public readonly routes: readonly RouteRef[]) {}
}

/** Props of an auth policy, shared by the cdk8s and Pulumi adapters. */
export interface GatewayAuthPolicyOptions {
  /**
   * The Gateway whose traffic needs a key.
   * @default - `agentgateway` in `agentgateway-system`
   */
  readonly gateway?: GatewayRef;
  /**
   * Name of the EnterpriseAgentgatewayPolicy.
   * @default 'api-key-auth'
   */
  readonly name?: string;
  /**
   * Name of the AuthConfig.
   * @default - the policy name
   */
  readonly authConfigName?: string;
  /**
   * Namespace of the policy and AuthConfig.
   * @default - the gateway's namespace
   */
  readonly namespace?: string;
  /**
   * Request header that carries the vanity key.
   * @default 'api-key'
   */
  readonly headerName?: string;
  /**
   * How key Secrets are selected.
   * @default KeySelection.secretRefs()
   */
  readonly keySelection?: KeySelection;
  /**
   * Headers set upstream from key metadata, e.g. `[{ header: 'x-org' }]`.
   * @default []
   */
  readonly headersFromMetadata?: readonly MetadataHeader[];
  /**
   * What the policy applies to.
   * @default PolicyTarget.gateway()
   */
  readonly target?: PolicyTarget;
  /**
   * Allow key Secrets that another policy (also allowing it) selects too. Off, a key selected by two policies is an
   * error: usually a selector broader than meant.
   * @default false
   */
  readonly allowSharedKeys?: boolean;
}

/** A key Secret as an auth policy sees it. */
export interface KeyRef {
  /** Construct path (or other locator) of the key, for error messages. */
  readonly path: string;
  readonly secretName: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Metadata entries the Secret carries; undefined when the Secret is managed elsewhere. */
  readonly metadataKeys?: readonly string[];
}

/** An auth policy with every default applied, and the keys it selects. */
export interface GatewayAuthPolicySpec {
  readonly name: string;
  readonly authConfigName: string;
  readonly namespace: string;
  readonly gateway: GatewayRef;
  readonly headerName: string;
  readonly keySelection: KeySelection;
  readonly headersFromMetadata: readonly Required<MetadataHeader>[];
  readonly target: PolicyTarget;
  /** Key Secrets of the teams given explicitly (`keys`, `addKey()`), valid now. */
  readonly keys: readonly KeyRef[];
  /** How many teams were given explicitly, revoked ones included. */
  readonly declaredTeams: number;
  readonly allowSharedKeys: boolean;
  /** Every key the policy accepts: the explicit ones, plus, with a label selector, the matching keys known. */
  readonly selectedKeys: readonly KeyRef[];
}

export function resolveGatewayAuthPolicy(options: GatewayAuthPolicyOptions, teams: readonly { readonly keyRefs: readonly KeyRef[] }[],
  knownKeys: readonly KeyRef[] = []): GatewayAuthPolicySpec {
  const keys = teams.flatMap(t => t.keyRefs);
  const gateway = options.gateway ?? new GatewayRef();
  const name = options.name ?? 'api-key-auth';
  const namespace = options.namespace ?? gateway.namespace;
  const keySelection = options.keySelection ?? KeySelection.secretRefs();
  const selected = new Map(keys.map(k => [`${k.namespace}/${k.secretName}`, k]));
  for (const key of knownKeys) {
    if (key.namespace === namespace && keySelection.matches(key.labels)) selected.set(`${key.namespace}/${key.secretName}`, key);
  }
  return {
    name,
    authConfigName: options.authConfigName ?? name,
    namespace,
    gateway,
    headerName: options.headerName ?? 'api-key',
    keySelection,
    headersFromMetadata: (options.headersFromMetadata ?? []).map(h => ({
      header: h.header, metadataKey: h.metadataKey ?? h.header, required: h.required ?? false,
    })),
    target: options.target ?? PolicyTarget.gateway(),
    keys,
    declaredTeams: teams.length,
    allowSharedKeys: options.allowSharedKeys ?? false,
    selectedKeys: [...selected.values()],
  };
}

export function checkGatewayAuthPolicy(issues: IssueCollector, spec: GatewayAuthPolicySpec): void {
  checkDnsSubdomain(issues, 'name', spec.name);
  checkDnsSubdomain(issues, 'authConfigName', spec.authConfigName);
  checkDnsLabel(issues, 'namespace', spec.namespace);
  checkGatewayRef(issues, 'gateway', spec.gateway);
  checkHeaderName(issues, 'headerName', spec.headerName);
  const labels = spec.keySelection.matchLabels;
  if (labels !== undefined) {
    checkLabels(issues, 'keySelection.matchLabels', labels);
    if (Object.keys(labels).length === 0) issues.add('keySelection.matchLabels', labels, 'at least one label (an empty selector selects every Secret)');
    for (const key of spec.keys) {
      if (!spec.keySelection.matches(key.labels)) {
        issues.add('keys', key.path, `keys that carry the selector's labels ${JSON.stringify(labels)}`);
      }
      if (key.namespace !== spec.namespace) issues.add('keys', key.path, `keys in the policy's namespace "${spec.namespace}" (a label selector looks only there)`);
    }
  } else if (spec.declaredTeams === 0) {
    issues.add('keys', [], 'at least one key (pass `keys` or call addKey()), or KeySelection.labelSelector()');
  }
  const headers = new Set<string>();
  spec.headersFromMetadata.forEach((h, i) => {
    checkHeaderName(issues, `headersFromMetadata[${i}].header`, h.header);
    checkSecretDataKey(issues, `headersFromMetadata[${i}].metadataKey`, h.metadataKey);
    if (headers.has(h.header.toLowerCase())) issues.add(`headersFromMetadata[${i}].header`, h.header, 'each header once');
    headers.add(h.header.toLowerCase());
    if (!h.required) return;
    for (const key of spec.selectedKeys) {
      if (key.metadataKeys !== undefined && !key.metadataKeys.includes(h.metadataKey)) {
        issues.add(`headersFromMetadata[${i}]`, h.header,
          `every selected key to carry metadata "${h.metadataKey}" (required), but ${key.path} does not`);
      }
    }
  });
  if (spec.target.routes.length === 0 && spec.namespace !== spec.gateway.namespace) {
    issues.add('namespace', spec.namespace, `the gateway's namespace "${spec.gateway.namespace}" (a policy targets only objects in its own namespace)`);
  }
  for (const route of spec.target.routes) {
    checkDnsSubdomain(issues, 'target.routes', route.routeName);
    if (route.namespace !== spec.namespace) {
      issues.add('target.routes', `${route.namespace}/${route.routeName}`, `routes in the policy's namespace "${spec.namespace}"`);
    }
  }
}

export function gatewayAuthPolicyObjectIds(spec: GatewayAuthPolicySpec): ObjectId[] {
  return [
    { kind: KINDS.authConfig.kind, namespace: spec.namespace, name: spec.authConfigName, field: 'authConfigName' },
    { kind: KINDS.enterpriseAgentgatewayPolicy.kind, namespace: spec.namespace, name: spec.name, field: 'name' },
  ];
}

function byNamespaceAndName(a: KeyRef, b: KeyRef): number {
  return a.namespace === b.namespace ? (a.secretName < b.secretName ? -1 : a.secretName > b.secretName ? 1 : 0)
    : (a.namespace < b.namespace ? -1 : 1);
}

/** Renders the AuthConfig (ext-auth `apiKeyAuth`) and the EnterpriseAgentgatewayPolicy that enforces it. */
export function renderGatewayAuthPolicy(spec: GatewayAuthPolicySpec): [authConfig: Manifest, policy: Manifest] {
  const labels = spec.keySelection.matchLabels;
  // Sorted, so reordering code does not reorder the output.
  const storage = labels !== undefined
    ? { labelSelector: { ...labels } }
    : { apiKeySecretRefs: [...spec.keys].sort(byNamespaceAndName).map(k => ({ name: k.secretName, namespace: k.namespace })) };
  const headersFromMetadataEntry: Record<string, unknown> = {};
  for (const h of spec.headersFromMetadata) {
    headersFromMetadataEntry[h.header] = h.required ? { name: h.metadataKey, required: true } : { name: h.metadataKey };
  }
  const authConfig: Manifest = {
    ...KINDS.authConfig,
    metadata: { name: spec.authConfigName, namespace: spec.namespace },
    spec: {
      configs: [{
        apiKeyAuth: {
          headerName: spec.headerName,
          k8sSecretApikeyStorage: storage,
          ...(spec.headersFromMetadata.length > 0 ? { headersFromMetadataEntry } : {}),
        },
      }],
    },
  };
  const targetRefs = spec.target.routes.length > 0
    ? spec.target.routes.map(r => ({ name: r.routeName, group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }))
    : [{ name: spec.gateway.name, group: 'gateway.networking.k8s.io', kind: 'Gateway' }];
  const policy: Manifest = {
    ...KINDS.enterpriseAgentgatewayPolicy,
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: {
      targetRefs,
      traffic: { entExtAuth: { authConfigRef: { name: spec.authConfigName, namespace: spec.namespace } } },
    },
  };
  return [authConfig, policy];
}
