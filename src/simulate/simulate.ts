// What the gateway does with one request, from the manifests alone. The steps follow agentgateway's pipeline
// (docs GATEWAY-SEMANTICS section 1.3): PreRouting policies, route selection, then the route phase in the data
// plane's order: api key, ext-auth, authorization, rate limits, transformation, header modifiers; then the backend.

import { REDACTED } from '../core/errors';
import { parseRfc3339 } from '../core/time';
import { hashKey } from '../core/key-storage';
import { SecretValue } from '../core/secret-value';
import { NOT_AFTER_ANNOTATION } from '../core/team-api-key';
import {
  BACKEND_KINDS, EXT_AUTH_SECRET_TYPE, POLICY_KINDS, PlainManifest, SecretLike, policiesSetting, idOf, labelsMatch, list, nameOf, nsOf, secretsOf,
} from './manifests';
import { tryCel } from './cel';
import { RateLimitReport, evaluateRateLimits } from './rate-limits';
import { RouteCandidate, gatewaysOfRoutes, routesOfGateway, selectRoute } from './routes';

/** One request to simulate. Header names are case-insensitive; the key is never printed. */
export interface SimulatedRequest {
  /**
   * The HTTP method; LLM APIs take POST, as the CLI's `--method` defaults to.
   * @default 'POST'
   */
  readonly method?: string;
  /** Path with an optional query string, e.g. `/openai/v1/chat/completions`. */
  readonly path: string;
  /** The Host header; routes with `hostnames` only match when it is given. @default none */
  readonly host?: string;
  /** Client headers as sent (a spoofed `x-org` included). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The client's key, put where the auth policy reads it (header and prefix, query parameter or cookie). Use this
   * rather than a header so the key can be redacted in every output.
   */
  readonly key?: string;
  /**
   * Present the key stored in this Secret or hashed-key ConfigMap (`name` or `namespace/name`) without knowing it: a
   * stand-in is put where the policy reads the key and counts as that holder's key. For keys the manifests cannot
   * show (ExternalSecret, SealedSecret: assumed valid, said in the notes) or a review without key material.
   */
  readonly keyOf?: string;
  /** The model the client asks for (the body's `model`). */
  readonly model?: string;
  /**
   * When the request is sent. The gateway reads no validity window: a key past its `not-after` annotation that is
   * still in the manifests is accepted, with a warning that a new synth would remove it. @default now
   */
  readonly time?: Date;
  /** The Gateway `namespace/name`. @default the only Gateway the routes attach to */
  readonly gateway?: string;
  /**
   * This request is the count-th of a burst from the same client, sent faster than any bucket refills (buckets start
   * full): request limits then say whether it gets 429. @default none (limits are listed, not counted)
   */
  readonly count?: number;
}

export type AuthMode = 'none' | 'built-in' | 'ext-auth';

export interface SimulatedIdentity {
  /** Where the matched key lives, e.g. `Secret agentgateway-system/team1-apikey` or `ConfigMap ns/x entry team4`. */
  readonly source: string;
  /** The key's metadata (ext-auth: the Secret's other entries; built-in: the entry's `metadata`). */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface SimulatedBackend {
  readonly ref: string;
  readonly weight?: number;
  readonly found: boolean;
  readonly provider?: string;
  /** The model sent upstream: the backend's override, else the client's. */
  readonly model?: string;
  readonly modelOverride?: boolean;
  /** Where the provider credential comes from, never its value. */
  readonly credential?: string;
}

export interface SimulationResult {
  /** The status the client would see, or 200 when the request is forwarded. */
  readonly status: number;
  readonly outcome: 'forwarded' | 'not-found' | 'unauthorized' | 'forbidden' | 'rate-limited';
  readonly reason: string;
  readonly gateway?: string;
  /** The Gateway listener taking the request (`name:port`), when the Gateway is among the manifests. */
  readonly listener?: string;
  readonly route?: { readonly httpRoute: string; readonly rule: number; readonly match: number; readonly key: string; readonly hostname?: string };
  readonly auth: { readonly mode: AuthMode; readonly policy?: string; readonly decision: 'allowed' | 'denied' | 'anonymous' | 'not-reached'; readonly identity?: SimulatedIdentity };
  /** Headers as forwarded upstream (the key's header shown as `<redacted>` if it is still there). */
  readonly upstreamHeaders?: Readonly<Record<string, string>>;
  /** What happened to each header, in pipeline order. */
  readonly headerSteps: readonly string[];
  readonly backends: readonly SimulatedBackend[];
  /** The rate limits and budgets that apply once the request passed authentication and authorization. */
  readonly rateLimits?: RateLimitReport;
  /** Caveats: behaviours assumed or not modelled for this request. */
  readonly notes: readonly string[];
  /** What the manifests get wrong for this request although the gateway serves it, e.g. a key past its not-after. */
  readonly warnings: readonly string[];
}

/** What stands in for key material in every result: the core's marker. */
export { REDACTED };

/** The method of a request that names none, in the library, the CLI and `--expect` rows alike. */
export const DEFAULT_METHOD = 'POST';

type Headers = Map<string, string[]>;

interface Policy { readonly manifest: PlainManifest; readonly id: string; readonly traffic: any; readonly level: 'route' | 'gateway' }

function targets(policy: PlainManifest, kind: string, ns: string, name: string): boolean {
  return nsOf(policy) === ns && list<any>(policy.spec?.targetRefs).some(t => t.kind === kind && t.name === name);
}

/** One traffic field from the most specific policy: a route's beats the gateway's; ties go to `ns/name` order. */
function pick(policies: readonly Policy[], field: string, notes: string[]): Policy | undefined {
  const having = policiesSetting(policies, field);
  if (having.length > 1) notes.push(`traffic.${field} is set by ${having.map(p => p.id).join(', ')}; simulated with ${having[0].id} (the most specific, then by name)`);
  return having[0];
}

function celRequest(headers: Headers, request: SimulatedRequest, path: string) {
  const h: Record<string, string> = {};
  for (const [k, v] of headers) h[k] = v.join(',');
  return { method: (request.method ?? DEFAULT_METHOD).toUpperCase(), path, host: request.host ?? '', headers: h };
}

/** Evaluates one CEL string we emit; undefined (with a note) when it fails, as the gateway skips a failing value. */
function evalCel(expression: string, context: Record<string, unknown>, notes: string[], what: string): unknown {
  const outcome = tryCel(expression, context);
  if (outcome.ok) return outcome.value;
  notes.push(`${what}: the CEL expression ${JSON.stringify(expression)} fails here (${outcome.error}); treated as not set`);
  return undefined;
}

function applyTransformation(t: any, headers: Headers, context: () => Record<string, unknown>, steps: string[], notes: string[], by: string): void {
  const request = t?.request ?? {};
  for (const entry of list<{ name: string; value: string }>(request.set)) {
    const value = evalCel(entry.value, context(), notes, `${by} transformation.request.set ${entry.name}`);
    const name = entry.name.toLowerCase();
    if (value === undefined || value === null) continue;
    const had = headers.get(name);
    headers.set(name, [String(value)]);
    steps.push(`${by}: transformation sets ${name}: ${String(value)}${had ? ` (replacing the client's ${had.join(',')})` : ''}`);
  }
  for (const entry of list<{ name: string; value: string }>(request.add)) {
    const value = evalCel(entry.value, context(), notes, `${by} transformation.request.add ${entry.name}`);
    if (value === undefined || value === null) continue;
    const name = entry.name.toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), String(value)]);
    steps.push(`${by}: transformation adds ${name}: ${String(value)}`);
  }
  removeHeaders(request.remove, headers, steps, `${by}: transformation`);
}

function removeHeaders(names: unknown, headers: Headers, steps: string[], by: string): void {
  for (const raw of Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : []) {
    const name = raw.toLowerCase();
    if (headers.delete(name)) steps.push(`${by} removes ${name}`);
  }
}

function applyHeaderModifiers(m: any, headers: Headers, steps: string[], by: string): void {
  const request = m?.request ?? {};
  for (const { name, value } of list<{ name: string; value: string }>(request.set)) {
    headers.set(name.toLowerCase(), [value]);
    steps.push(`${by}: headerModifiers sets ${name.toLowerCase()}: ${value}`);
  }
  for (const { name, value } of list<{ name: string; value: string }>(request.add)) {
    headers.set(name.toLowerCase(), [...(headers.get(name.toLowerCase()) ?? []), value]);
    steps.push(`${by}: headerModifiers adds ${name.toLowerCase()}: ${value}`);
  }
  removeHeaders(request.remove, headers, steps, `${by}: headerModifiers`);
}

interface KeyLocation { readonly kind: 'header' | 'query' | 'cookie' | 'unsupported'; readonly name: string; readonly prefix: string }

function builtInLocation(auth: any): KeyLocation {
  const l = auth.location;
  if (!l) return { kind: 'header', name: 'authorization', prefix: 'Bearer ' };
  if (l.header) return { kind: 'header', name: String(l.header.name).toLowerCase(), prefix: l.header.prefix ?? '' };
  if (l.queryParameter) return { kind: 'query', name: l.queryParameter.name, prefix: '' };
  if (l.cookie) return { kind: 'cookie', name: l.cookie.name, prefix: '' };
  return { kind: 'unsupported', name: '', prefix: '' };
}

function readKey(location: KeyLocation, headers: Headers, path: string): string | undefined {
  if (location.kind === 'header') {
    const v = headers.get(location.name)?.[0];
    if (v === undefined || !v.startsWith(location.prefix)) return undefined;
    return v.slice(location.prefix.length);
  }
  if (location.kind === 'query') {
    const q = path.indexOf('?');
    return q < 0 ? undefined : new URLSearchParams(path.slice(q + 1)).get(location.name) ?? undefined;
  }
  if (location.kind === 'cookie') {
    for (const c of (headers.get('cookie') ?? []).join(';').split(';')) {
      const [k, ...v] = c.trim().split('=');
      if (k === location.name) return v.join('=');
    }
  }
  return undefined;
}

/** A key the built-in policy accepts, where it lives, and its metadata. */
export interface KeyRecord {
  readonly source: string;
  /** The Secret or ConfigMap holding the key, `namespace/name`: what `keyOf` names. */
  readonly holder: string;
  readonly key?: string;
  readonly keyHash?: string;
  readonly metadata: Record<string, string>;
  readonly secret?: SecretLike;
  /** The holder's annotations (the key's not-after). */
  readonly annotations?: Readonly<Record<string, string>>;
}

function parseEntry(text: string): { key?: string; keyHash?: string; metadata: Record<string, string> } {
  try {
    const parsed = JSON.parse(text);
    return fromParsedEntry(parsed) ?? { key: text, metadata: {} };
  } catch { /* a plain string is the key itself */ }
  return { key: text, metadata: {} };
}

function fromParsedEntry(parsed: any): { key?: string; keyHash?: string; metadata: Record<string, string> } | undefined {
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.metadata ?? {})) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return { key: parsed.key ?? undefined, keyHash: parsed.keyHash ?? undefined, metadata };
}

/**
 * The metadata of an entry filled in in the cluster: an ExternalSecret template such as
 * `{"key":{{ .apiKey | toJson }},"metadata":{...}}` read with each template action as null; none when encrypted.
 */
function templateMetadata(template: string | undefined): Record<string, string> {
  if (template === undefined) return {};
  try {
    return fromParsedEntry(JSON.parse(template.replace(/\{\{[^}]*\}\}/g, 'null')))?.metadata ?? {};
  } catch {
    return {};
  }
}

/** Where an entry's unknown key comes from, e.g. `ExternalSecret ns/name`; undefined when the manifests hold it. */
export function unknownKeySource(record: KeyRecord): string | undefined {
  return record.key === undefined && record.keyHash === undefined ? record.secret?.externalSource ?? record.source : undefined;
}

/** The keys an `apiKeyAuthentication` selects: Secret refs, Secret labels, hashed ConfigMap entries. */
export function builtInKeys(manifests: readonly PlainManifest[], auth: any, ns: string): KeyRecord[] {
  const out: KeyRecord[] = [];
  const fromSecret = (s: SecretLike) => {
    const holder = `${s.namespace}/${s.name}`;
    for (const [entry, text] of Object.entries(s.entries)) {
      const parsed = parseEntry(text);
      // An entry with neither key nor hash holds no key (metadata alone, say).
      if (parsed.key !== undefined || parsed.keyHash !== undefined) out.push({ source: `Secret ${holder} entry ${entry}`, holder, ...parsed, secret: s, annotations: s.annotations });
    }
    // Filled in by a secret store or decrypted in the cluster: a key nobody can match offline, only present with keyOf.
    for (const entry of [...s.external].sort()) {
      out.push({ source: `Secret ${holder} entry ${entry} (from ${s.externalSource})`, holder, metadata: templateMetadata(s.templates?.[entry]), secret: s, annotations: s.annotations });
    }
  };
  const secrets = secretsOf(manifests).filter(s => s.namespace === ns);
  if (auth.secretRef) secrets.filter(s => s.name === auth.secretRef.name).forEach(fromSecret);
  if (auth.secretSelector) secrets.filter(s => labelsMatch(s.labels, auth.secretSelector.matchLabels)).forEach(fromSecret);
  if (auth.configMapSelector) {
    for (const m of manifests) {
      if (m.kind !== 'ConfigMap' || nsOf(m) !== ns || !labelsMatch(m.metadata?.labels ?? {}, auth.configMapSelector.matchLabels)) continue;
      for (const [entry, text] of Object.entries(m.data ?? {})) {
        const parsed = parseEntry(String(text));
        // ConfigMap entries must be hashed: the gateway rejects a raw key there.
        if (parsed.keyHash) out.push({ source: `ConfigMap ${idOf(m)} entry ${entry}`, holder: idOf(m), keyHash: parsed.keyHash, metadata: parsed.metadata, annotations: m.metadata?.annotations ?? {} });
      }
    }
  }
  return out;
}

function keyMatches(record: KeyRecord, key: string): boolean {
  if (record.key !== undefined) return record.key === key;
  // The prefix names the algorithm; hex digits compare in either case.
  if (record.keyHash?.startsWith('sha256:')) return hashKey(SecretValue.unsafePlainText(key)) === `sha256:${record.keyHash.slice(7).toLowerCase()}`;
  return false;
}

function extAuthKeys(manifests: readonly PlainManifest[], apiKeyAuth: any, authNs: string): KeyRecord[] {
  const storage = apiKeyAuth.k8sSecretApikeyStorage ?? apiKeyAuth;
  const refs: Array<{ name: string; namespace?: string }> = storage.apiKeySecretRefs ?? [];
  const selector: Record<string, string> | undefined = storage.labelSelector;
  return secretsOf(manifests)
    .filter(s => s.type === EXT_AUTH_SECRET_TYPE)
    .filter(s => refs.some(r => r.name === s.name && (r.namespace ?? authNs) === s.namespace) || labelsMatch(s.labels, selector))
    // Secrets without the `api-key` entry are skipped by the ext-auth service.
    .filter(s => s.entries['api-key'] !== undefined || s.external.has('api-key'))
    .map(s => {
      const metadata: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.entries)) if (k !== 'api-key') metadata[k] = v;
      return { source: `Secret ${s.namespace}/${s.name}${s.externalSource ? ` (from ${s.externalSource})` : ''}`, holder: `${s.namespace}/${s.name}`, key: s.entries['api-key'], metadata, secret: s, annotations: s.annotations };
    });
}

function secretMatchesKeyOf(record: KeyRecord, keyOf: string, defaultNs: string): boolean {
  return record.holder === (keyOf.includes('/') ? keyOf : `${defaultNs}/${keyOf}`);
}

/**
 * A key past its not-after annotation that is still in the manifests (synthesized before the end): the gateway reads
 * no validity window and accepts it, so the result warns instead of refusing. Before notBefore a key is not emitted.
 */
function expiryWarning(record: KeyRecord, time: Date, warnings: string[]): void {
  const notAfter = record.annotations?.[NOT_AFTER_ANNOTATION];
  if (notAfter === undefined) return;
  // RFC 3339 with an offset only, as synth writes it: a local time would be read in each machine's time zone.
  const end = parseRfc3339(notAfter);
  if (end === undefined || time.getTime() < end.getTime()) return;
  warnings.push(`${record.source} is past its not-after ${notAfter} (annotation ${NOT_AFTER_ANNOTATION}) at ${time.toISOString()}: `
    + 'the gateway does not read the annotation and accepts the key while it is deployed; a new synth would remove it');
}

const HOLDER_NAME = /^(?:[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\/)?[a-z0-9](?:[-.a-z0-9]{0,251}[a-z0-9])?$/;

/**
 * Why a `keyOf` value is not a Secret or ConfigMap name (`[namespace/]name`), or undefined. The value is never
 * quoted: a key pasted where the name goes must not reach the output.
 */
export function keyOfError(keyOf: unknown): string | undefined {
  return typeof keyOf === 'string' && HOLDER_NAME.test(keyOf) ? undefined
    : 'expected the name of the Secret or ConfigMap holding the key ([namespace/]name: lowercase letters, digits, "-" and "."), '
      + 'got something else (not shown: it might be a key)';
}

/** What `keyOf` puts where the policy reads the key: a stand-in naming the holder, never key material. */
function standInKey(keyOf: string): string {
  return `stand-in-for-the-key-of-${keyOf}`;
}

/** The key the client sends: its own, or `keyOf`'s stand-in. */
function sentKey(request: SimulatedRequest): string | undefined {
  return request.keyOf !== undefined ? standInKey(request.keyOf) : request.key;
}

/**
 * The key record a presented key matches: `keyOf`'s stand-in counts as the named holder's key (known or not); any
 * other value, a client's `-H` included, must equal a known key or hash.
 */
function matchKey(records: readonly KeyRecord[], request: SimulatedRequest, presented: string | undefined, ns: string, notes: string[]): KeyRecord | undefined {
  if (presented === undefined) return undefined;
  if (request.keyOf !== undefined && presented === standInKey(request.keyOf)) {
    const found = records.find(r => secretMatchesKeyOf(r, request.keyOf!, ns));
    if (!found) {
      const holders = [...new Set(records.map(r => r.holder))].sort();
      notes.push(`keyOf ${request.keyOf}: the policy selects no key held there (it selects ${holders.length === 0 ? 'none'
        : `${holders.slice(0, 5).join(', ')}${holders.length > 5 ? ` and ${holders.length - 5} more` : ''}`})`);
    }
    const unknown = found && unknownKeySource(found);
    if (unknown) notes.push(`key from ${unknown}: assumed valid (its value is not in the manifests; keyOf presents a stand-in for it)`);
    return found;
  }
  const found = records.find(r => keyMatches(r, presented));
  if (!found && records.some(r => unknownKeySource(r) !== undefined)) {
    notes.push('some selected keys come from a secret store or a SealedSecret and are unknown offline: present one with keyOf (--key-of)');
  }
  return found;
}

function backendsOf(manifests: readonly PlainManifest[], candidate: RouteCandidate, request: SimulatedRequest): SimulatedBackend[] {
  const rule = list<any>(candidate.route.spec?.rules)[candidate.ruleIndex];
  return list<any>(rule.backendRefs).map(ref => {
    const ns = ref.namespace ?? nsOf(candidate.route);
    const kind = ref.kind ?? 'Service';
    const id = `${kind} ${ns}/${ref.name}`;
    const backend = manifests.find(m => m.kind === kind && nsOf(m) === ns && nameOf(m) === ref.name);
    const base = { ref: id, ...(ref.weight !== undefined ? { weight: ref.weight } : {}) };
    if (!backend) return { ...base, found: false, model: request.model };
    if (!BACKEND_KINDS.has(kind)) return { ...base, found: true, model: request.model };
    const ai = backend.spec?.ai ?? {};
    const provider = ai.provider ?? ai.groups?.[0]?.providers?.[0] ?? {};
    const type = Object.keys(provider).find(k => !['host', 'port', 'path', 'pathPrefix', 'name', 'policies'].includes(k));
    const override: string | undefined = type ? provider[type]?.model ?? provider[type]?.deploymentName : undefined;
    const auth = provider.policies?.auth ?? backend.spec?.policies?.auth;
    return {
      ...base, found: true, provider: type,
      model: override ?? request.model, modelOverride: override !== undefined,
      credential: credentialSource(auth, ns),
    };
  });
}

function credentialSource(auth: any, ns: string): string {
  if (!auth) return 'none (the client\'s own Authorization header is not replaced)';
  if (auth.secretRef) return `Secret ${ns}/${auth.secretRef.name} entry ${auth.secretRef.key ?? 'Authorization'}`;
  if (auth.key !== undefined) return 'inline key in the backend (value not shown)';
  if (auth.passthrough) return 'passthrough: the client\'s own credential';
  const other = Object.keys(auth)[0];
  return other ? `${other} (cloud identity)` : 'none';
}

function toHeaders(record: Readonly<Record<string, string>> | undefined): Headers {
  const out: Headers = new Map();
  for (const [k, v] of Object.entries(record ?? {})) out.set(k.toLowerCase(), [v]);
  return out;
}

/** The request as it moves through the pipeline: each stage reads and changes it. */
interface PipelineState {
  readonly manifests: readonly PlainManifest[];
  readonly request: SimulatedRequest;
  readonly headers: Headers;
  /** The path as sent, with a query-parameter key added. */
  path: string;
  readonly steps: string[];
  readonly notes: string[];
  readonly warnings: string[];
  /** When the request is sent. */
  readonly time: Date;
  /** Headers that carry a key: redacted in every output, whoever put the key there. */
  readonly keyHeaders: Set<string>;
  /** The route phase's policies: the HTTPRoute's, then the Gateway's. */
  readonly policies: readonly Policy[];
  auth: SimulationResult['auth'];
  /** The CEL `apiKey` variable once built-in auth validated a key (GATEWAY-SEMANTICS 2). */
  apiKeyClaims?: Record<string, unknown>;
  readonly gateway: string;
  readonly httpRoute: string;
  rateLimits?: RateLimitReport;
}

interface Denial { readonly status: number; readonly outcome: SimulationResult['outcome']; readonly reason: string }

/** One route-phase step; a denial ends the request. */
type Stage = (state: PipelineState) => Denial | undefined;

const celContext = (state: PipelineState) => () => ({
  request: celRequest(state.headers, state.request, state.path), ...(state.apiKeyClaims ? { apiKey: state.apiKeyClaims } : {}),
});

/** Built-in `apiKeyAuthentication` (AGW httpproxy.rs L201). */
const builtInApiKey: Stage = state => {
  const { request, headers, notes, steps } = state;
  const apiKeyPolicy = pick(state.policies, 'apiKeyAuthentication', notes);
  if (!apiKeyPolicy) return undefined;
  const spec = apiKeyPolicy.traffic.apiKeyAuthentication;
  const mode: string = spec.mode ?? 'Strict';
  const location = builtInLocation(spec);
  if (location.kind === 'unsupported') notes.push(`${apiKeyPolicy.id}: a location expression is not simulated; the key is read from nowhere`);
  state.path = placeKey(sentKey(request), location, headers, state.path);
  state.keyHeaders.add(location.kind === 'cookie' ? 'cookie' : location.name);
  const records = builtInKeys(state.manifests, spec, nsOf(apiKeyPolicy.manifest));
  const presented = readKey(location, headers, state.path);
  const found = matchKey(records, request, presented, nsOf(apiKeyPolicy.manifest), notes);
  const policy = apiKeyPolicy.id;
  const hasKey = presented !== undefined;
  if (found) {
    expiryWarning(found, state.time, state.warnings);
    state.auth = { mode: 'built-in', policy, decision: 'allowed', identity: { source: found.source, metadata: found.metadata } };
    state.apiKeyClaims = { key: REDACTED, ...found.metadata };
    // The gateway removes the credential once it is validated (AGW http/apikey.rs L411-416).
    if (location.kind === 'header' && headers.delete(location.name)) steps.push(`${policy}: apiKeyAuthentication removes the validated key's header ${location.name}`);
    return undefined;
  }
  if (mode === 'Permissive' || (mode === 'Optional' && !hasKey)) {
    state.auth = { mode: 'built-in', policy, decision: 'anonymous' };
    notes.push(`${policy}: mode ${mode} lets the request through without a validated key; apiKey.* expressions fail`);
    return undefined;
  }
  state.auth = { mode: 'built-in', policy, decision: 'denied' };
  return { status: 401, outcome: 'unauthorized', reason: hasKey ? 'api key authentication failure: invalid credentials' : 'api key authentication failure: no API Key found' };
};

/** Solo's `entExtAuth` with an AuthConfig's `apiKeyAuth` (AGW httpproxy.rs L206; GATEWAY-SEMANTICS 1.1, REFERENCE 4). */
const entExtAuth: Stage = state => {
  const { request, headers, notes, steps, manifests } = state;
  const extAuthPolicy = pick(state.policies, 'entExtAuth', notes);
  if (pick(state.policies, 'extAuth', notes)) notes.push('traffic.extAuth (a generic ext-auth server) is not simulated');
  if (!extAuthPolicy) return undefined;
  const ref = extAuthPolicy.traffic.entExtAuth.authConfigRef ?? {};
  const authNs = ref.namespace ?? nsOf(extAuthPolicy.manifest);
  const authConfig = manifests.find(m => m.kind === 'AuthConfig' && nsOf(m) === authNs && nameOf(m) === ref.name);
  const policy = extAuthPolicy.id;
  if (!authConfig) {
    state.auth = { mode: 'ext-auth', policy, decision: 'denied' };
    // Solo's ext-auth has no config to apply; the data plane's default for a failing ext-auth is 403 (GATEWAY-SEMANTICS 5).
    return { status: 403, outcome: 'forbidden', reason: `AuthConfig ${authNs}/${ref.name} is not among the manifests (ext-auth fails closed: 403, inferred)` };
  }
  const configs = list<any>(authConfig.spec?.configs);
  const apiKeyAuth = configs.find(c => c.apiKeyAuth)?.apiKeyAuth;
  for (const c of configs) for (const k of Object.keys(c)) if (k !== 'apiKeyAuth') notes.push(`AuthConfig ${idOf(authConfig)}: ${k} is not simulated`);
  if (!apiKeyAuth) {
    notes.push(`AuthConfig ${idOf(authConfig)} has no apiKeyAuth: its decision is not simulated (treated as allowed)`);
    state.auth = { mode: 'ext-auth', policy, decision: 'anonymous' };
    return undefined;
  }
  const location: KeyLocation = { kind: 'header', name: String(apiKeyAuth.headerName ?? 'api-key').toLowerCase(), prefix: '' };
  state.path = placeKey(sentKey(request), location, headers, state.path);
  state.keyHeaders.add(location.name);
  const records = extAuthKeys(manifests, apiKeyAuth, nsOf(authConfig));
  const presented = readKey(location, headers, state.path);
  const found = matchKey(records, request, presented, nsOf(authConfig), notes);
  const authResult = { mode: 'ext-auth' as const, policy: `${policy} with AuthConfig ${idOf(authConfig)}` };
  if (!found) {
    state.auth = { ...authResult, decision: 'denied' };
    return { status: 401, outcome: 'unauthorized',
      reason: presented === undefined ? `no API key in header ${location.name}` : 'the API key is not one of the selected key Secrets' };
  }
  expiryWarning(found, state.time, state.warnings);
  const entries = Object.entries((apiKeyAuth.headersFromMetadataEntry ?? {}) as Record<string, { name: string; required?: boolean }>);
  const missing = entries.filter(([, e]) => e.required === true && found.metadata[e.name] === undefined);
  if (missing.length > 0) {
    state.auth = { ...authResult, decision: 'denied' };
    return { status: 401, outcome: 'unauthorized',
      reason: `the key's Secret lacks the required metadata entr${missing.length > 1 ? 'ies' : 'y'} ${missing.map(([, e]) => e.name).join(', ')}` };
  }
  state.auth = { ...authResult, decision: 'allowed', identity: { source: found.source, metadata: found.metadata } };
  for (const [header, e] of entries) {
    const name = header.toLowerCase();
    const value = found.metadata[e.name];
    if (value === undefined) {
      if (headers.has(name)) notes.push(`the key's Secret lacks ${e.name} (not required): the client's own ${name} passes through (GATEWAY-SEMANTICS 1.1)`);
      continue;
    }
    const had = headers.get(name);
    // Overwrite when Solo's server leaves `append` unset (AGW envoy_proto_common.rs L36-41); its flag is not established.
    headers.set(name, [value]);
    steps.push(`${authResult.policy}: ext-auth sets ${name}: ${value}${had ? ` (overwriting the client's ${had.join(',')}; assumes Solo's ext-auth does not set append)` : ''}`);
  }
  return undefined;
};

const noAuthenticationNote: Stage = state => {
  if (state.auth.mode === 'none') state.notes.push('no authentication policy applies to this route: any client reaches the backend');
  return undefined;
};

/**
 * `traffic.authorization` (AGW httpproxy.rs L211): the rules of every attached policy are merged (CRD description).
 * A rule matches when all its expressions are true (an expression that errors is false). Any matching Deny denies;
 * every Require must match; with at least one Allow, one must match. A denial is 403.
 */
const authorization: Stage = state => {
  const rules = policiesSetting(state.policies, 'authorization').map(p => {
    const a = p.traffic.authorization;
    const expressions: string[] = Array.isArray(a.policy?.matchExpressions)
      ? a.policy.matchExpressions.filter((e: unknown): e is string => typeof e === 'string') : [];
    const action: string = a.action ?? 'Allow';
    const context = celContext(state)();
    const matched = expressions.length > 0 && expressions.every((e: string) => evalCel(e, context, state.notes, `${p.id} authorization`) === true);
    return { id: p.id, action, matched };
  });
  if (rules.length === 0) return undefined;
  if (rules.length > 1) state.notes.push(`authorization rules of ${rules.map(r => `${r.id} (${r.action})`).join(', ')} are merged, as the gateway does`);
  const deny = rules.find(r => r.action === 'Deny' && r.matched);
  const require = rules.find(r => r.action === 'Require' && !r.matched);
  const allows = rules.filter(r => r.action === 'Allow');
  const failed = deny ?? require ?? (allows.length > 0 && !allows.some(r => r.matched) ? allows[0] : undefined);
  if (failed) return { status: 403, outcome: 'forbidden', reason: `authorization failed (${failed.id}, action ${failed.action})` };
  return undefined;
};

/** Local and remote rate limits, `entRateLimit` included (L229, L234): 429 when a request limit is used up. */
const rateLimits: Stage = state => {
  // The key as given and every value of a header that carries it: no bucket identity may show them.
  const secrets = [state.request.key ?? '', ...[...state.keyHeaders].flatMap(h => state.headers.get(h) ?? [])].filter(k => k.length > 0);
  const report = evaluateRateLimits({
    manifests: state.manifests, policies: state.policies, context: celContext(state)(), headers: state.headers,
    gateway: state.gateway, httpRoute: state.httpRoute, ...(state.request.count !== undefined ? { count: state.request.count } : {}),
    redact: { headers: state.keyHeaders, value: v => (secrets.some(k => v.includes(k)) ? REDACTED : v) },
  });
  state.rateLimits = report;
  for (const w of report.warnings) state.notes.push(w);
  if (report.limits.some(l => l.counts === 'tokens')) {
    state.notes.push('token limits are settled after the response (VIRTUAL-KEYS 1a): a request is refused only once earlier responses used the tokens up, so they never decide the status here');
  }
  if (report.limitedBy) {
    const limit = report.limits.find(l => l.source === report.limitedBy)!;
    return { status: 429, outcome: 'rate-limited', reason: `request ${report.count} of the burst exceeds ${limit.summary} (${limit.source})` };
  }
  return undefined;
};

/** `transformation` (L257). */
const transformation: Stage = state => {
  const policy = pick(state.policies, 'transformation', state.notes);
  if (policy) applyTransformation(policy.traffic.transformation, state.headers, celContext(state), state.steps, state.notes, policy.id);
  return undefined;
};

/** Request `headerModifiers` (L272). */
const headerModifiers: Stage = state => {
  const policy = pick(state.policies, 'headerModifiers', state.notes);
  if (policy) applyHeaderModifiers(policy.traffic.headerModifiers, state.headers, state.steps, policy.id);
  return undefined;
};

/** The route phase in agentgateway's order (GATEWAY-SEMANTICS 1.3). */
const ROUTE_PHASE: readonly Stage[] = [builtInApiKey, entExtAuth, noAuthenticationNote, authorization, rateLimits, transformation, headerModifiers];

/**
 * Simulates one request against the manifests and reports, without a cluster, what agentgateway would do: the
 * route, the auth decision and team, the headers forwarded and the backend with its credential's source. The
 * client's key is never part of the result.
 */
export function simulateRequest(manifests: readonly PlainManifest[], request: SimulatedRequest): SimulationResult {
  const keyOfProblem = request.keyOf === undefined ? undefined : keyOfError(request.keyOf);
  if (keyOfProblem) throw new Error(`keyOf: ${keyOfProblem}`);
  const keyHeaders = new Set<string>();
  const result = simulateUnredacted(manifests, request, keyHeaders);
  // Whatever step wrote a string (a replaced header, a note, a bucket), the key and a client's key header never show.
  const secrets = [request.key ?? '', ...Object.entries(request.headers ?? {})
    .filter(([name]) => keyHeaders.has(name.toLowerCase())).map(([, value]) => value)].filter(s => s.length > 0);
  return secrets.length === 0 ? result : withoutSecrets(result, secrets);
}

function withoutSecrets<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return secrets.reduce((text, secret) => text.split(secret).join(REDACTED), value as string) as T;
  if (Array.isArray(value)) return value.map(v => withoutSecrets(v, secrets)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v, secrets)])) as T;
}

function simulateUnredacted(manifests: readonly PlainManifest[], request: SimulatedRequest, keyHeaders: Set<string>): SimulationResult {
  const notes: string[] = [];
  const warnings: string[] = [];
  const steps: string[] = [];
  const headers = toHeaders(request.headers);
  const method = (request.method ?? DEFAULT_METHOD).toUpperCase();
  const base = { headerSteps: steps, backends: [] as SimulatedBackend[], notes, warnings };

  const gateways = gatewaysOfRoutes(manifests);
  const gateway = request.gateway ?? (gateways.length === 1 ? gateways[0] : undefined);
  if (!gateway) {
    return { ...base, status: 404, outcome: 'not-found', auth: { mode: 'none', decision: 'not-reached' },
      reason: gateways.length === 0 ? 'no HTTPRoute attaches to a Gateway in these manifests' : `several Gateways (${gateways.join(', ')}): name one` };
  }
  const [gwNs, gwName] = gateway.split('/', 2);
  const gatewayManifest = manifests.find(m => m.kind === 'Gateway' && idOf(m) === gateway);
  let listener: string | undefined;
  if (!gatewayManifest) notes.push(`Gateway ${gateway} is not among the manifests: its listeners are not checked`);
  else {
    const found = selectListener(gatewayManifest, request.host);
    if (!found) {
      return { ...base, status: 404, outcome: 'not-found', gateway, auth: { mode: 'none', decision: 'not-reached' },
        reason: `no HTTP listener of Gateway ${gateway} accepts host ${request.host ?? '(none)'}` };
    }
    listener = `${found.name}:${found.port}`;
  }
  const policies = list<PlainManifest>(manifests).filter(m => POLICY_KINDS.has(m.kind ?? ''));
  const gatewayPolicies: Policy[] = policies.filter(p => targets(p, 'Gateway', gwNs, gwName))
    .map(p => ({ manifest: p, id: `${p.kind} ${idOf(p)}`, traffic: p.spec?.traffic ?? {}, level: 'gateway' }));

  // PreRouting: gateway policies with `phase: PreRouting` run before route selection (GATEWAY-SEMANTICS 1.3).
  const preRouting = () => ({ request: celRequest(headers, request, request.path) });
  for (const p of gatewayPolicies.filter(g => g.traffic.phase === 'PreRouting').sort((a, b) => a.id.localeCompare(b.id))) {
    if (p.traffic.transformation) applyTransformation(p.traffic.transformation, headers, preRouting, steps, notes, `${p.id} (PreRouting)`);
    for (const f of Object.keys(p.traffic)) if (!['phase', 'transformation'].includes(f)) notes.push(`${p.id}: PreRouting traffic.${f} is not simulated`);
  }

  const candidate = selectRoute(routesOfGateway(manifests, gateway), { method, path: request.path, host: request.host, headers });
  if (!candidate) {
    return { ...base, status: 404, outcome: 'not-found', gateway, ...(listener ? { listener } : {}), auth: { mode: 'none', decision: 'not-reached' },
      reason: `no HTTPRoute rule on Gateway ${gateway} matches ${method} ${request.path}${request.host ? ` (host ${request.host})` : ''}` };
  }
  const route = { httpRoute: idOf(candidate.route), rule: candidate.ruleIndex, match: candidate.matchIndex, key: candidate.key,
    ...(candidate.hostname ? { hostname: candidate.hostname } : {}) };
  const routePolicies: Policy[] = policies.filter(p => targets(p, 'HTTPRoute', nsOf(candidate.route), nameOf(candidate.route)))
    .map(p => ({ manifest: p, id: `${p.kind} ${idOf(p)}`, traffic: p.spec?.traffic ?? {}, level: 'route' }));

  const state: PipelineState = {
    manifests, request, headers, path: request.path, steps, notes, warnings, time: request.time ?? new Date(), keyHeaders,
    policies: [...routePolicies, ...gatewayPolicies.filter(p => p.traffic.phase !== 'PreRouting')],
    auth: { mode: 'none', decision: 'anonymous' }, gateway, httpRoute: route.httpRoute,
  };
  for (const stage of ROUTE_PHASE) {
    const denial = stage(state);
    if (denial) return { ...base, ...denial, gateway, ...(listener ? { listener } : {}), route, auth: state.auth, ...(state.rateLimits ? { rateLimits: state.rateLimits } : {}) };
  }

  const backends = backendsOf(manifests, candidate, request);
  const upstreamHeaders: Record<string, string> = {};
  for (const [k, v] of [...headers].sort(([a], [b]) => a.localeCompare(b))) {
    const joined = v.join(',');
    const isKey = state.keyHeaders.has(k) || (request.key !== undefined && request.key.length > 0 && joined.includes(request.key));
    upstreamHeaders[k] = isKey ? REDACTED : joined;
    if (isKey && k !== 'cookie') notes.push(`the key's header ${k} is forwarded to the provider: remove it with headerModifiers.request.remove (GATEWAY-SEMANTICS 1.1, point 4)`);
  }
  if (backends.length === 0) notes.push(`rule ${candidate.key} has no backendRefs`);
  for (const b of backends) if (!b.found) notes.push(`${b.ref} is not among the manifests`);
  return {
    ...base, status: 200, outcome: 'forwarded', reason: `forwarded to ${backends.map(b => b.ref).join(', ') || 'no backend'}`,
    gateway, ...(listener ? { listener } : {}), route, auth: state.auth, upstreamHeaders, backends,
    ...(state.rateLimits ? { rateLimits: state.rateLimits } : {}),
  };
}

/**
 * The HTTP(S) listener for a host: an exact hostname first, then the most specific wildcard, then one without a
 * hostname (Gateway API listener matching); without a host, the first listener without a hostname.
 */
function selectListener(gateway: PlainManifest, host: string | undefined): { name: string; port: number } | undefined {
  const listeners = list<{ name: string; port: number; protocol?: string; hostname?: string }>(gateway.spec?.listeners)
    .filter(l => l.protocol === undefined || l.protocol === 'HTTP' || l.protocol === 'HTTPS');
  const h = host?.toLowerCase().replace(/:\d+$/, '');
  const score = (l: { hostname?: string }) => {
    if (l.hostname === undefined) return 0;
    if (h === undefined) return -1;
    const name = l.hostname.toLowerCase();
    if (name === h) return 1000;
    return name.startsWith('*.') && h.endsWith(name.slice(1)) ? name.length : -1;
  };
  return listeners.filter(l => score(l) >= 0).sort((a, b) => score(b) - score(a))[0];
}

/** Puts the sent key where the policy reads it (header with prefix, query parameter or cookie); the new path. */
function placeKey(key: string | undefined, location: KeyLocation, headers: Headers, path: string): string {
  if (key === undefined) return path;
  if (location.kind === 'header') headers.set(location.name, [`${location.prefix}${key}`]);
  else if (location.kind === 'cookie') headers.set('cookie', [...(headers.get('cookie') ?? []), `${location.name}=${key}`]);
  else if (location.kind === 'query') return `${path}${path.includes('?') ? '&' : '?'}${encodeURIComponent(location.name)}=${encodeURIComponent(key)}`;
  return path;
}
