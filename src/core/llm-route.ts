import { checkDnsLabel, checkDnsSubdomain, checkGatewayDuration, checkNonEmptyString, checkPathPrefix, checkPort } from './checks';
import { IssueCollector } from './errors';
import { GatewayRef, checkGatewayRef } from './gateway-ref';
import { LlmProvider, checkLlmProvider } from './llm-provider';
import { KINDS, Manifest, ObjectId } from './manifest';
import { ProviderCredential } from './provider-credential';
import { ResolvedSynthSettings } from './settings';

/** Props of an LLM route, shared by the cdk8s and Pulumi adapters. */
export interface LlmRouteOptions {
  /** The LLM provider the route forwards to, with its options. */
  readonly provider: LlmProvider;
  /**
   * The Gateway the route attaches to.
   * @default - `agentgateway` in `agentgateway-system`
   */
  readonly gateway?: GatewayRef;
  /**
   * Name of the HTTPRoute.
   * @default - the provider type, e.g. `openai`
   */
  readonly name?: string;
  /**
   * Namespace of the HTTPRoute and its backend.
   * @default - the gateway's namespace
   */
  readonly namespace?: string;
  /**
   * Requests whose path starts with this prefix go to the provider.
   * @default - `/` followed by the route name
   */
  readonly pathPrefix?: string;
  /**
   * Time limit for one request, as a Gateway API duration. LLM calls are slow: keep it generous.
   * @default '120s'
   */
  readonly requestTimeout?: string;
  /**
   * Name of the AgentgatewayBackend.
   * @default - `<name>-<model>` when a model is set, else `<name>-all-models`
   */
  readonly backendName?: string;
  /**
   * How the gateway authenticates to the provider.
   * @default - the `Authorization` entry of the Secret `<name>-secret`
   */
  readonly credential?: ProviderCredential;
  /**
   * Host that replaces the provider's default endpoint; needs `port`.
   * @default - the provider's public endpoint
   */
  readonly host?: string;
  /**
   * Port of `host`.
   * @default - the provider's public endpoint
   */
  readonly port?: number;
}

/** An LLM route with every default applied. */
export interface LlmRouteSpec {
  readonly name: string;
  readonly namespace: string;
  readonly gateway: GatewayRef;
  readonly provider: LlmProvider;
  readonly pathPrefix: string;
  readonly requestTimeout: string;
  readonly backendName: string;
  readonly credential: ProviderCredential;
  readonly host?: string;
  readonly port?: number;
}

/** Turns a model name into a name segment: `gpt-4o-mini`, `claude-3-5-sonnet`. */
function modelSlug(model: string): string {
  return model.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 200) || 'model';
}

export function resolveLlmRoute(options: LlmRouteOptions): LlmRouteSpec {
  const gateway = options.gateway ?? new GatewayRef();
  const name = options.name ?? String(options.provider?.type);
  const model = options.provider?.model;
  return {
    name,
    namespace: options.namespace ?? gateway.namespace,
    gateway,
    provider: options.provider,
    pathPrefix: options.pathPrefix ?? `/${name}`,
    requestTimeout: options.requestTimeout ?? '120s',
    backendName: options.backendName ?? `${name}-${model === undefined ? 'all-models' : modelSlug(model)}`,
    credential: options.credential ?? ProviderCredential.fromSecret(`${name}-secret`),
    host: options.host,
    port: options.port,
  };
}

export function checkLlmRoute(issues: IssueCollector, spec: LlmRouteSpec): void {
  checkDnsSubdomain(issues, 'name', spec.name);
  checkDnsLabel(issues, 'namespace', spec.namespace);
  checkGatewayRef(issues, 'gateway', spec.gateway);
  checkPathPrefix(issues, 'pathPrefix', spec.pathPrefix);
  checkGatewayDuration(issues, 'requestTimeout', spec.requestTimeout);
  checkDnsSubdomain(issues, 'backendName', spec.backendName);
  if (spec.provider instanceof LlmProvider) checkLlmProvider(issues, 'provider', spec.provider);
  else issues.add('provider', spec.provider, 'an LlmProvider such as LlmProvider.openai()');
  if (spec.credential instanceof ProviderCredential) spec.credential.check(issues, 'credential');
  else issues.add('credential', spec.credential, 'a ProviderCredential such as ProviderCredential.fromSecret("openai-secret")');
  if ((spec.host === undefined) !== (spec.port === undefined)) {
    issues.add(spec.host === undefined ? 'host' : 'port', undefined, 'host and port set together, or neither');
  }
  if (spec.host !== undefined) checkNonEmptyString(issues, 'host', spec.host);
  if (spec.port !== undefined) checkPort(issues, 'port', spec.port);
}

export function llmRouteObjectIds(spec: LlmRouteSpec): ObjectId[] {
  return [
    { kind: KINDS.httpRoute.kind, namespace: spec.namespace, name: spec.name, field: 'name' },
    { kind: KINDS.agentgatewayBackend.kind, namespace: spec.namespace, name: spec.backendName, field: 'backendName' },
  ];
}

/** Renders the HTTPRoute and its AgentgatewayBackend. */
export function renderLlmRoute(spec: LlmRouteSpec): [httpRoute: Manifest, backend: Manifest] {
  const httpRoute: Manifest = {
    ...KINDS.httpRoute,
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: {
      parentRefs: [{ name: spec.gateway.name, namespace: spec.gateway.namespace }],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: spec.pathPrefix } }],
        backendRefs: [{ name: spec.backendName, group: 'agentgateway.dev', kind: KINDS.agentgatewayBackend.kind }],
        timeouts: { request: spec.requestTimeout },
      }],
    },
  };
  const endpoint = spec.host === undefined ? {} : { host: spec.host, port: spec.port };
  const backend: Manifest = {
    ...KINDS.agentgatewayBackend,
    metadata: { name: spec.backendName, namespace: spec.namespace },
    spec: {
      ai: { provider: { ...spec.provider.toSpec(), ...endpoint } },
      policies: { auth: spec.credential.toSpec() },
    },
  };
  return [httpRoute, backend];
}

/** Reports an inline provider key, which would be written into the backend manifest, unless the synth allows it. */
export function checkPlaintextCredential(issues: IssueCollector, spec: LlmRouteSpec,
  settings: Pick<ResolvedSynthSettings, 'allowPlaintextKeys'>): void {
  if (settings.allowPlaintextKeys || !(spec.credential instanceof ProviderCredential) || spec.credential.kind !== 'inlineKey') return;
  issues.add('credential', { redacted: true }, 'a provider key kept out of the manifests: ProviderCredential.fromSecret(...) with the '
    + 'Secret from an ExternalSecret or SealedSecret; or opt in to plaintext keys with allowPlaintextKeys: true (configureSynth(app, {...}) '
    + 'or configureStack({...}))');
}

/** The gateway a route attaches to, and the Secret its credential reads, as the registry compares them. */
export function llmRouteClaims(spec: LlmRouteSpec): { readonly gateway: string; readonly credentialSecret?: string } {
  const secretName = spec.credential instanceof ProviderCredential ? spec.credential.secretName : undefined;
  return {
    gateway: `${spec.gateway?.namespace}/${spec.gateway?.name}`,
    credentialSecret: secretName === undefined ? undefined : `${spec.namespace}/${secretName}`,
  };
}

/** The model a route pins, or undefined when the client chooses it (or the props are malformed; checks report those). */
export function pinnedModel(spec: LlmRouteSpec): string | undefined {
  const model = (spec.provider as LlmProvider | undefined)?.model;
  return typeof model === 'string' ? model : undefined;
}
