import { checkDnsLabel, checkDnsSubdomain, checkHeaderName, checkLabels, checkSecretDataKey } from './checks';
import { IssueCollector } from './errors';
import { GatewayRef, checkGatewayRef } from './gateway-ref';
import { EnterpriseAgentgatewayPolicyManifest, EnterprisePolicyTargetRef } from './enterprise-agentgateway-policy';
import { EXT_AUTH_STORAGE, KeyStorage } from './key-storage';
import { innerMap, keyPart } from './nested-map';
import { POLICY_FIELD_RELEASES, versionAtLeast } from './versions';
import { KINDS, Manifest, ObjectId, checkManifestSize } from './manifest';
import { RateLimitServerRef, ResolvedRateLimitServer, resolveRateLimitServer } from './shared-limits';

/**
 * A request header the gateway sets from the metadata stored with the caller's key. Every such header is an identity
 * header: budgets, access rules, logs and metrics trust it, so client-sent copies are removed before authentication
 * (see `trustClientIdentityHeaders`).
 */
export interface MetadataHeader {
  /** Name of the header sent upstream, e.g. `x-org`. */
  readonly header: string;
  /**
   * Metadata entry (key Secret data entry) that holds the value.
   * @default - the header name
   */
  readonly metadataKey?: string;
  /**
   * Every selected key must carry this entry: a key known to lack it is a synth error, and ext-auth rejects keys
   * without it. Set false only for a header nothing relies on: a key without the entry then gets no header at all.
   * @default true
   */
  readonly required?: boolean;
}

/** An identity header with every default applied, and how later policies read its trusted value. */
export interface IdentityHeader extends Required<MetadataHeader> {
  /**
   * CEL that reads the post-authentication value: the key's metadata (`apiKey["..."]`) with built-in auth, the header
   * ext-auth injected otherwise, which only the PreRouting strip makes trustworthy.
   */
  readonly celExpression: string;
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
    const selector = this.matchLabels;
    if (selector === undefined) return false;
    // Own names only, as Object.entries gives them, without an array per call: this runs once per key.
    for (const name in selector) if (Object.hasOwn(selector, name) && labels[name] !== selector[name]) return false;
    return true;
  }
}

export interface BuiltInAuthOptions {
  /**
   * Kind of the policy that carries `apiKeyAuthentication`.
   * @default 'AgentgatewayPolicy' (open source; use 'EnterpriseAgentgatewayPolicy' on Solo Enterprise)
   */
  readonly policyKind?: 'AgentgatewayPolicy' | 'EnterpriseAgentgatewayPolicy';
  /**
   * Store only `sha256` hashes of the keys, in ConfigMaps: no plaintext key in git or in the cluster.
   * @default false (plaintext key entries in Secrets)
   */
  readonly hashedKeys?: boolean;
  /**
   * What the gateway does with requests that carry no valid key.
   * @default 'Strict' (reject them)
   */
  readonly validation?: 'Strict' | 'Optional' | 'Permissive';
  /**
   * The agentgateway release whose CRDs are applied; before v1.2.0 the key can only come in `Authorization: Bearer`.
   * @default 'v1.4.1'
   */
  readonly agentgatewayVersion?: string;
}

/** Who checks the keys: Solo's ext-auth service (the seed), or agentgateway itself. */
export class ApiKeyAuthMode {
  /** Solo ext-auth: an AuthConfig with `apiKeyAuth`, enforced by an EnterpriseAgentgatewayPolicy's `entExtAuth`. */
  public static extAuth(): ApiKeyAuthMode {
    return new ApiKeyAuthMode(undefined);
  }

  /** agentgateway's built-in `apiKeyAuthentication`: no ext-auth service; keys in Secrets, or only their hashes. */
  public static builtIn(options: BuiltInAuthOptions = {}): ApiKeyAuthMode {
    return new ApiKeyAuthMode({
      policyKind: options.policyKind ?? 'AgentgatewayPolicy',
      hashedKeys: options.hashedKeys ?? false,
      validation: options.validation ?? 'Strict',
      agentgatewayVersion: options.agentgatewayVersion ?? 'v1.4.1',
    });
  }

  private constructor(
    /** The built-in options, or undefined for ext-auth. */
    public readonly builtIn: Required<BuiltInAuthOptions> | undefined,
  ) {}
}

/** Whether an agentgateway release's policy CRD has `apiKeyAuthentication.location` (see {@link POLICY_FIELD_RELEASES}). */
export function supportsKeyLocation(version: string): boolean {
  return versionAtLeast(version, POLICY_FIELD_RELEASES['traffic.apiKeyAuthentication.location.header']);
}

/** The label built-in policies select their teams' key objects by, unless a label selector is given. */
export const POLICY_SELECTOR_LABEL = 'agentgateway-constructs.dev/api-key-policy';

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
   * Who checks the keys.
   * @default ApiKeyAuthMode.extAuth()
   */
  readonly mode?: ApiKeyAuthMode;
  /**
   * Request header that carries the vanity key.
   * @default - 'api-key' with ext-auth; `Authorization: Bearer <key>` with built-in auth
   */
  readonly headerName?: string;
  /**
   * How key Secrets are selected. With built-in auth keys are always selected by label: the given labels, or one
   * naming this policy, which the policy adds to its teams' key objects.
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
  /**
   * Let client-sent copies of the identity headers (`headersFromMetadata`) reach the gateway. Off, a second policy
   * on the Gateway removes them in the PreRouting phase, before any authentication, so upstreams, logs, metrics, rate
   * limits and authorization see only values taken from the caller's key. On, a client can send another team's
   * `x-org` wherever the gateway injects nothing (a key without the entry, a rejected request, ext-auth failing open).
   * @default false
   */
  readonly trustClientIdentityHeaders?: boolean;
  /**
   * Name of the policy that removes client copies of the identity headers (same kind as the auth policy, in the
   * Gateway's namespace).
   * @default - the policy name + '-strip-identity'
   */
  readonly stripPolicyName?: string;
  /**
   * Forward the vanity key header to the upstream. Off, ext-auth mode removes it after authentication
   * (`headerModifiers`), so the LLM provider never receives a team's key; built-in auth always removes it.
   * @default false
   */
  readonly forwardKeyHeader?: boolean;
  /**
   * How many gateway replicas serve the traffic. Team budgets are local limits counted by each replica alone, so
   * more than one replica gets a warning.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The rate-limit server that keeps budgets shared by every gateway replica (built-in auth). Naming one makes the
   * teams' budgets shared unless a budget says `scope: 'replica'`: a server is only worth running when the
   * replicas must count together. With ext-auth, Enterprise's own rate limiter keeps the budgets and none is named.
   * @default - budgets are counted by each replica alone
   */
  readonly rateLimitServer?: RateLimitServerRef;
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
  readonly mode: ApiKeyAuthMode;
  /** How the policy's teams store their keys. */
  readonly keyStorage: KeyStorage;
  readonly name: string;
  readonly authConfigName: string;
  readonly namespace: string;
  readonly gateway: GatewayRef;
  /** Undefined with built-in auth and no header set: `Authorization: Bearer`. */
  readonly headerName?: string;
  readonly keySelection: KeySelection;
  readonly headersFromMetadata: readonly Required<MetadataHeader>[];
  /**
   * The headers budgets, access rules and attribution key on, with the CEL that reads their post-auth value. With
   * ext-auth that CEL reads a request header, trustworthy only while `stripPolicy` is set.
   */
  readonly identityHeaders: readonly IdentityHeader[];
  readonly trustClientIdentityHeaders: boolean;
  /** The PreRouting policy removing client copies of the identity headers; undefined when none is emitted. */
  readonly stripPolicy?: { readonly name: string; readonly namespace: string };
  readonly forwardKeyHeader: boolean;
  readonly target: PolicyTarget;
  /** Key Secrets of the teams given explicitly (`keys`, `addKey()`), valid now. */
  readonly keys: readonly KeyRef[];
  /** How many teams were given explicitly, revoked ones included. */
  readonly declaredTeams: number;
  readonly allowSharedKeys: boolean;
  /** Every key the policy accepts: the explicit ones, plus, with a label selector, the matching keys known. */
  readonly selectedKeys: readonly KeyRef[];
  /** With built-in auth: keys of other teams whose labels the selector matches, which it would read as keys. */
  readonly strayKeys: readonly KeyRef[];
  /** The server keeping shared budgets, with its defaults; undefined when none is named. */
  readonly rateLimitServer?: ResolvedRateLimitServer;
}

/** How the teams of a policy with these options store their keys. */
export function policyKeyStorage(mode: ApiKeyAuthMode, name: string, keySelection: KeySelection | undefined): KeyStorage {
  if (!mode.builtIn) return EXT_AUTH_STORAGE;
  const labels = keySelection?.matchLabels ?? { [POLICY_SELECTOR_LABEL]: name };
  return mode.builtIn.hashedKeys ? { kind: 'builtInHashedConfigMap', labels } : { kind: 'builtInSecret', labels };
}

export function resolveGatewayAuthPolicy(options: GatewayAuthPolicyOptions, teams: readonly { readonly keyRefs: readonly KeyRef[] }[],
  knownKeys: readonly KeyRef[] = []): GatewayAuthPolicySpec {
  const keys = teams.flatMap(t => t.keyRefs);
  const gateway = options.gateway ?? new GatewayRef();
  const name = options.name ?? 'api-key-auth';
  const namespace = options.namespace ?? gateway.namespace;
  const keySelection = options.keySelection ?? KeySelection.secretRefs();
  const mode = options.mode ?? ApiKeyAuthMode.extAuth();
  // Each key Secret once, at its first place, the last ref given for it winning; found by namespace and name
  // without building a `namespace/name` string per key.
  const selected: KeyRef[] = [];
  const places = new Map<string, Map<string, number>>();
  const placesIn = (k: KeyRef) => innerMap(places, keyPart(k.namespace));
  let same = true; // whether `selected` is `keys` itself
  for (const k of keys) {
    const byName = placesIn(k);
    const name = keyPart(k.secretName);
    const at = byName.get(name);
    if (at === undefined) {
      byName.set(name, selected.length);
      selected.push(k);
    } else {
      selected[at] = k;
      same = false;
    }
  }
  const stray: KeyRef[] = [];
  for (const key of knownKeys) {
    if (key.namespace !== namespace || !keySelection.matches(key.labels) || places.get(keyPart(key.namespace))?.has(keyPart(key.secretName))) continue;
    // Built-in auth re-labels only its own teams' keys; another team's Secret matching the selector is misread.
    if (mode.builtIn) stray.push(key);
    else {
      placesIn(key).set(keyPart(key.secretName), selected.length);
      selected.push(key);
      same = false;
    }
  }
  const headersFromMetadata = (options.headersFromMetadata ?? []).map(h => ({
    header: h.header, metadataKey: h.metadataKey ?? h.header, required: h.required ?? true,
  }));
  const trustClientIdentityHeaders = options.trustClientIdentityHeaders ?? false;
  return {
    mode,
    keyStorage: policyKeyStorage(mode, name, options.keySelection),
    name,
    authConfigName: options.authConfigName ?? name,
    namespace,
    gateway,
    headerName: options.headerName ?? (mode.builtIn ? undefined : 'api-key'),
    keySelection,
    headersFromMetadata,
    identityHeaders: headersFromMetadata.map(h => ({
      ...h, celExpression: mode.builtIn ? apiKeyField(h.metadataKey) : `request.headers[${JSON.stringify(h.header.toLowerCase())}]`,
    })),
    trustClientIdentityHeaders,
    stripPolicy: trustClientIdentityHeaders || headersFromMetadata.length === 0 ? undefined
      : { name: options.stripPolicyName ?? `${name}-strip-identity`, namespace: gateway.namespace },
    forwardKeyHeader: options.forwardKeyHeader ?? false,
    target: options.target ?? PolicyTarget.gateway(),
    keys,
    declaredTeams: teams.length,
    allowSharedKeys: options.allowSharedKeys ?? false,
    // Shared with `keys` when equal: both are read-only and kept as long as the app.
    selectedKeys: same ? keys : selected,
    strayKeys: stray,
    ...(options.rateLimitServer ? { rateLimitServer: resolveRateLimitServer(options.rateLimitServer, name, namespace) } : {}),
  };
}

export function checkGatewayAuthPolicy(issues: IssueCollector, spec: GatewayAuthPolicySpec): void {
  checkDnsSubdomain(issues, 'name', spec.name);
  checkDnsSubdomain(issues, 'authConfigName', spec.authConfigName);
  checkDnsLabel(issues, 'namespace', spec.namespace);
  checkGatewayRef(issues, 'gateway', spec.gateway);
  if (spec.headerName !== undefined) checkHeaderName(issues, 'headerName', spec.headerName);
  const builtIn = spec.mode.builtIn;
  if (builtIn) {
    if (spec.headerName !== undefined && !supportsKeyLocation(builtIn.agentgatewayVersion)) {
      issues.add('headerName', spec.headerName, `no header name with agentgateway ${builtIn.agentgatewayVersion}: its policy CRD `
        + `has no apiKeyAuthentication.location, so keys come in "Authorization: Bearer" (${POLICY_FIELD_RELEASES['traffic.apiKeyAuthentication.location.header']} `
        + 'adds location.header)');
    }
    const hashedSince = POLICY_FIELD_RELEASES['traffic.apiKeyAuthentication.configMapSelector'];
    if (builtIn.hashedKeys === true && !versionAtLeast(builtIn.agentgatewayVersion, hashedSince)) {
      issues.add('mode.agentgatewayVersion', builtIn.agentgatewayVersion, `agentgateway ${hashedSince} or later for hashed keys (hashedKeys: true): `
        + `they are selected through apiKeyAuthentication.configMapSelector, which the policy CRD has from ${hashedSince} on`);
    }
    if (!['Strict', 'Optional', 'Permissive'].includes(builtIn.validation)) {
      issues.add('mode.validation', builtIn.validation, '"Strict", "Optional" or "Permissive"');
    }
    for (const key of spec.strayKeys) {
      issues.add('keySelection', key.path, `no other team's keys carrying the selector's labels: this policy would read ${key.namespace}/${key.secretName}, `
        + 'stored for ext-auth, as agentgateway keys (add the team to this policy, or change the labels)');
    }
  }
  const labels = spec.keySelection.matchLabels;
  if (labels !== undefined) {
    checkLabels(issues, 'keySelection.matchLabels', labels);
    if (Object.keys(labels).length === 0) issues.add('keySelection.matchLabels', labels, 'at least one label (an empty selector selects every Secret)');
    for (const key of spec.keys) {
      // Built-in auth adds the selector's labels to its own teams' keys.
      if (!builtIn && !spec.keySelection.matches(key.labels)) {
        issues.add('keys', key.path, `keys that carry the selector's labels ${JSON.stringify(labels)}`);
      }
      if (key.namespace !== spec.namespace) issues.add('keys', key.path, `keys in the policy's namespace "${spec.namespace}" (a label selector looks only there)`);
    }
  } else if (spec.declaredTeams === 0) {
    issues.add('keys', [], 'at least one key (pass `keys` or call addKey()), or KeySelection.labelSelector()');
  }
  const headers = new Set<string>();
  const keyHeader = (spec.headerName ?? 'authorization').toLowerCase();
  spec.headersFromMetadata.forEach((h, i) => {
    checkHeaderName(issues, `headersFromMetadata[${i}].header`, h.header);
    checkSecretDataKey(issues, `headersFromMetadata[${i}].metadataKey`, h.metadataKey);
    const lower = h.header.toLowerCase();
    if (headers.has(lower)) issues.add(`headersFromMetadata[${i}].header`, h.header, 'each header once');
    headers.add(lower);
    // Identity headers are removed from client requests before authentication: never one the gateway needs.
    if (lower === keyHeader) {
      issues.add(`headersFromMetadata[${i}].header`, h.header, `a header other than the one carrying the key ("${keyHeader}")`);
    } else if (RESERVED_HEADERS.includes(lower)) {
      issues.add(`headersFromMetadata[${i}].header`, h.header, `a header of your own, not one HTTP routing relies on (${RESERVED_HEADERS.join(', ')})`);
    }
    if (builtIn && h.metadataKey === 'key') {
      // agentgateway looks up `apiKey.key` (the key itself) before the flattened metadata.
      issues.add(`headersFromMetadata[${i}].metadataKey`, h.metadataKey, 'a metadata entry other than "key", which built-in auth reads as the key itself');
    }
    if (!h.required) return;
    for (const key of spec.selectedKeys) {
      if (key.metadataKeys === undefined) {
        issues.add(`headersFromMetadata[${i}]`, h.header, `every selected key to carry metadata ${JSON.stringify(h.metadataKey)} (required), but ${key.path} `
          + 'is managed elsewhere and does not declare its entries: list them in KeySource.fromExistingSecret({ metadataKeys })');
      } else if (!key.metadataKeys.includes(h.metadataKey)) {
        issues.add(`headersFromMetadata[${i}]`, h.header,
          `every selected key to carry metadata ${JSON.stringify(h.metadataKey)} (required), but ${key.path} does not: add it to the team's `
          + 'metadata, or set required: false if nothing relies on the header');
      }
    }
  });
  if (spec.headersFromMetadata.length > 16) {
    issues.add('headersFromMetadata', spec.headersFromMetadata.length, 'at most 16 headers (a transformation sets or removes at most 16)');
  }
  if (spec.stripPolicy) {
    checkDnsSubdomain(issues, 'stripPolicyName', spec.stripPolicy.name);
    if (spec.stripPolicy.name === spec.name && spec.stripPolicy.namespace === spec.namespace) {
      issues.add('stripPolicyName', spec.stripPolicy.name, 'a name other than the auth policy\'s (two policies of one kind cannot share a name)');
    }
  }
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

/**
 * Reports rendered objects over 1 MiB. Only an AuthConfig listing Secret refs grows with the
 * number of teams; the way out is a label selector, whose size does not.
 */
export function checkGatewayAuthPolicySize(issues: IssueCollector, rendered: readonly Manifest[]): void {
  for (const manifest of rendered) {
    checkManifestSize(issues, 'keySelection', manifest,
      ': select keys with KeySelection.labelSelector({...}), which stays the same size for any number of teams');
  }
}

/** Headers an identity header must never be: removing them before authentication would break routing or framing. */
const RESERVED_HEADERS = ['host', 'connection', 'content-length', 'content-type', 'te', 'transfer-encoding', 'upgrade'];

/**
 * apiVersion and kind of every policy an auth policy emits: the auth policy itself, the policy stripping client
 * identity headers and the per-route policies. Built-in auth uses its `policyKind`; ext-auth runs on Enterprise, whose
 * own kind it uses.
 */
export function policyKinds(spec: Pick<GatewayAuthPolicySpec, 'mode'>): typeof KINDS.agentgatewayPolicy | typeof KINDS.enterpriseAgentgatewayPolicy {
  return (spec.mode.builtIn?.policyKind ?? 'EnterpriseAgentgatewayPolicy') === 'EnterpriseAgentgatewayPolicy'
    ? KINDS.enterpriseAgentgatewayPolicy : KINDS.agentgatewayPolicy;
}

export function gatewayAuthPolicyObjectIds(spec: GatewayAuthPolicySpec): ObjectId[] {
  const ids: ObjectId[] = spec.mode.builtIn ? [] : [
    { kind: KINDS.authConfig.kind, namespace: spec.namespace, name: spec.authConfigName, field: 'authConfigName' },
  ];
  const { kind } = policyKinds(spec);
  ids.push({ kind, namespace: spec.namespace, name: spec.name, field: 'name' });
  if (spec.stripPolicy) ids.push({ kind, ...spec.stripPolicy, field: 'stripPolicyName' });
  return ids;
}

/**
 * The CEL expression that reads a metadata field of the caller's key. Always yields a string, so `set` replaces any
 * header the client sent even when a key lacks the field.
 */
export function metadataHeaderExpression(metadataKey: string, required: boolean): string {
  const field = apiKeyField(metadataKey);
  return required ? `string(${field})` : `${JSON.stringify(metadataKey)} in apiKey ? string(${field}) : ""`;
}

/** CEL reading a metadata entry of the built-in auth's validated key (metadata is flattened onto `apiKey`). */
export function apiKeyField(metadataKey: string): string {
  return `apiKey[${JSON.stringify(metadataKey)}]`;
}

function byNamespaceAndName(a: KeyRef, b: KeyRef): number {
  return a.namespace === b.namespace ? (a.secretName < b.secretName ? -1 : a.secretName > b.secretName ? 1 : 0)
    : (a.namespace < b.namespace ? -1 : 1);
}

function renderTargetRefs(spec: GatewayAuthPolicySpec): EnterprisePolicyTargetRef[] {
  return spec.target.routes.length > 0
    ? spec.target.routes.map(r => ({ name: r.routeName, group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }))
    : [{ name: spec.gateway.name, group: 'gateway.networking.k8s.io', kind: 'Gateway' }];
}

/**
 * Renders the policy: with ext-auth, the AuthConfig (`apiKeyAuth`) and the EnterpriseAgentgatewayPolicy that
 * enforces it; with built-in auth, one (Enterprise)AgentgatewayPolicy with `apiKeyAuthentication` and the
 * transformation that sets headers from key metadata.
 */
export function renderGatewayAuthPolicy(spec: GatewayAuthPolicySpec): Manifest[] {
  const manifests = spec.mode.builtIn ? [renderBuiltInPolicy(spec, spec.mode.builtIn)] : renderExtAuthPolicy(spec);
  return spec.stripPolicy ? [...manifests, renderStripPolicy(spec, spec.stripPolicy)] : manifests;
}

/**
 * The policy that removes client copies of the identity headers. It runs in the Gateway's PreRouting phase, before
 * route selection and before any authentication (GATEWAY-SEMANTICS 1.3), so whatever reaches later policies, logs and
 * the upstream was set by the gateway, whether or not Solo ext-auth appends rather than overwrites, and even for
 * requests rejected with 401/403/429. A route-phase transformation could not do this: it runs after ext-auth and
 * cannot tell a client value from an injected one. It is its own object because the auth policy may target routes,
 * and PreRouting needs a Gateway target. Its kind is the auth policy's: with ext-auth that is
 * EnterpriseAgentgatewayPolicy, the kind an Enterprise controller certainly reconciles (whether it also serves the
 * open-source AgentgatewayPolicy depends on the install).
 */
function renderStripPolicy(spec: GatewayAuthPolicySpec, strip: { readonly name: string; readonly namespace: string }): Manifest {
  return {
    ...policyKinds(spec),
    metadata: { name: strip.name, namespace: strip.namespace },
    spec: {
      targetRefs: [{ name: spec.gateway.name, group: 'gateway.networking.k8s.io', kind: 'Gateway' }],
      traffic: {
        phase: 'PreRouting',
        transformation: { request: { remove: spec.headersFromMetadata.map(h => h.header) } },
      },
    },
  };
}

function renderBuiltInPolicy(spec: GatewayAuthPolicySpec, builtIn: Required<BuiltInAuthOptions>): Manifest {
  const storage = spec.keyStorage as Extract<KeyStorage, { labels: unknown }>;
  const selector = { matchLabels: { ...storage.labels } };
  const set = spec.headersFromMetadata.map(h => ({ name: h.header, value: metadataHeaderExpression(h.metadataKey, h.required) }));
  return {
    ...policyKinds(spec),
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: {
      targetRefs: renderTargetRefs(spec),
      traffic: {
        apiKeyAuthentication: {
          mode: builtIn.validation,
          ...(builtIn.hashedKeys ? { configMapSelector: selector } : { secretSelector: selector }),
          ...(spec.headerName === undefined ? {} : { location: { header: { name: spec.headerName } } }),
        },
        ...(set.length > 0 ? { transformation: { request: { set } } } : {}),
      },
    },
  };
}

function renderExtAuthPolicy(spec: GatewayAuthPolicySpec): Manifest[] {
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
  const policy: EnterpriseAgentgatewayPolicyManifest = {
    ...KINDS.enterpriseAgentgatewayPolicy,
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: {
      targetRefs: renderTargetRefs(spec),
      traffic: {
        entExtAuth: { authConfigRef: { name: spec.authConfigName, namespace: spec.namespace } },
        // Request header modifiers run after ext-auth; agentgateway forwards the key header unless told otherwise.
        ...(spec.forwardKeyHeader || spec.headerName === undefined ? {} : { headerModifiers: { request: { remove: [spec.headerName] } } }),
      },
    },
  };
  return [authConfig, policy];
}

/**
 * Reports a route targeted twice and a team's key Secret listed twice: the policy would carry the same entry twice.
 * Kept apart from {@link checkGatewayAuthPolicy} so adapters call both.
 */
export function checkGatewayAuthPolicyDuplicates(issues: IssueCollector, spec: GatewayAuthPolicySpec): void {
  const routes = new Set<string>();
  spec.target.routes.forEach((route, i) => {
    const slot = `${route.namespace}/${route.routeName}`;
    if (routes.has(slot)) issues.add(`target.routes[${i}]`, slot, 'each route once');
    routes.add(slot);
  });
  // Namespace -> Secret name -> the first path listing it: no `namespace/name` string per key.
  const listed = new Map<string, Map<string, string>>();
  for (const key of spec.keys) {
    const byName = innerMap(listed, keyPart(key.namespace));
    const name = keyPart(key.secretName);
    const first = byName.get(name);
    if (first !== undefined) {
      issues.add('keys', key.path, `each team once (${key.namespace}/${key.secretName} is already listed${first === key.path ? '' : ` by ${first}`})`);
    } else byName.set(name, key.path);
  }
}
