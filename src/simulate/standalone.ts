// Built-in-mode manifests as agentgateway's standalone configuration (`agentgateway -f config.yaml`), so the same
// expectations can run against a real gateway binary on localhost (VIRTUAL-KEYS 3). Field names follow
// agentgateway's schema/config.md: binds[].listeners[].routes[]{name, matches, backends, policies}.

import { UNIT_SECONDS } from '../core/time-units';
import { BACKEND_KINDS, POLICY_KINDS, PlainManifest, policiesSetting, idOf, list, nameOf, nsOf } from './manifests';
import { builtInKeys } from './simulate';
import { gatewaysOfRoutes, routesOfGateway } from './routes';

export interface StandaloneOptions {
  /** The port the gateway listens on. */
  readonly port: number;
  /** `host:port` every AI backend is sent to instead of the provider (a local mock). */
  readonly upstream: string;
  /** The provider key the gateway sends upstream in place of the Secret's (the mock checks it). */
  readonly providerKey: string;
  /** The Gateway `namespace/name`. @default the only Gateway the routes attach to */
  readonly gateway?: string;
}

export interface StandaloneTranslation {
  /** The configuration; it holds key material (plaintext keys): write it with mode 0600 and never print it. */
  readonly config: Record<string, unknown>;
  /** What the standalone form could not carry: expectations that depend on it are not comparable. */
  readonly untranslated: readonly string[];
}

/** The standalone provider names for the CRD's provider fields. */
const PROVIDERS: Record<string, string> = {
  openai: 'openAI', anthropic: 'anthropic', gemini: 'gemini', vertexai: 'vertex', bedrock: 'bedrock', azureopenai: 'azureOpenAI',
};
const MODES: Record<string, string> = { Strict: 'strict', Optional: 'optional', Permissive: 'permissive' };

interface Attached { readonly manifest: PlainManifest; readonly id: string; readonly traffic: any; readonly level: 'route' | 'gateway' }

/** The most specific policy's value of a traffic field, as simulate picks it. */
function effective(policies: readonly Attached[], field: string): Attached | undefined {
  return policiesSetting(policies, field)[0];
}

function pathMatch(path: any): Record<string, string> {
  const type = path?.type ?? 'PathPrefix';
  const value = String(path?.value ?? '/');
  if (type === 'Exact') return { exact: value };
  if (type === 'RegularExpression') return { regex: value };
  return { pathPrefix: value };
}

function valueMatch(m: any): Record<string, unknown> {
  return { name: m.name, value: (m.type ?? 'Exact') === 'RegularExpression' ? { regex: m.value } : { exact: m.value } };
}

function nameValues(entries: unknown): Record<string, string> {
  return Object.fromEntries(list<{ name: string; value: string }>(entries).map(e => [e.name, e.value]));
}

/**
 * Translates built-in-mode output (keys, metadata, routes, AI backends, transformation, authorization, local
 * limits) into agentgateway's standalone configuration. The API key mode is always written out: the standalone
 * default is `optional`, the CRD's is `Strict`. Throws when the manifests use ext-auth, which standalone lacks.
 */
export function toStandaloneConfig(manifests: readonly PlainManifest[], options: StandaloneOptions): StandaloneTranslation {
  const untranslated: string[] = [];
  const gateways = gatewaysOfRoutes(manifests);
  const gateway = options.gateway ?? (gateways.length === 1 ? gateways[0] : undefined);
  if (!gateway) throw new Error(`expected routes attached to exactly one Gateway (or options.gateway), got ${gateways.length === 0 ? 'none' : gateways.join(', ')}`);
  const [gwNs, gwName] = gateway.split('/', 2);
  const policies = manifests.filter(m => POLICY_KINDS.has(m.kind ?? ''));
  const attachedTo = (kind: string, ns: string, name: string, level: Attached['level']): Attached[] => policies
    .filter(p => nsOf(p) === ns && list<any>(p.spec?.targetRefs).some(t => t.kind === kind && t.name === name))
    .map(p => ({ manifest: p, id: `${p.kind} ${idOf(p)}`, traffic: p.spec?.traffic ?? {}, level }));
  const gatewayPolicies = attachedTo('Gateway', gwNs, gwName, 'gateway');
  if (gatewayPolicies.some(p => p.traffic.entExtAuth) || policies.some(p => p.spec?.traffic?.entExtAuth)) {
    throw new Error('expected built-in apiKeyAuthentication: ext-auth (entExtAuth with an AuthConfig) runs in Solo\'s ext-auth service, which standalone agentgateway does not have');
  }
  const preRouting = gatewayPolicies.filter(p => p.traffic.phase === 'PreRouting');
  const routePhaseGateway = gatewayPolicies.filter(p => p.traffic.phase !== 'PreRouting');

  const routes = routesOfGateway(manifests, gateway).flatMap(route => {
    const attached = [...attachedTo('HTTPRoute', nsOf(route), nameOf(route), 'route'), ...routePhaseGateway];
    const routePolicies = translatePolicies(manifests, attached, preRouting, untranslated);
    return list<any>(route.spec?.rules).map((rule, ruleIndex) => {
      const matches = (list<any>(rule.matches).length > 0 ? list<any>(rule.matches) : [{}]).map(m => ({
        path: pathMatch(m.path),
        ...(m.method ? { method: m.method } : {}),
        ...(list(m.headers).length ? { headers: list(m.headers).map(valueMatch) } : {}),
        ...(list(m.queryParams).length ? { query: list(m.queryParams).map(valueMatch) } : {}),
      }));
      const backends = list<any>(rule.backendRefs).map(ref => {
        const ns = ref.namespace ?? nsOf(route);
        const backend = manifests.find(m => m.kind === (ref.kind ?? 'Service') && nsOf(m) === ns && nameOf(m) === ref.name);
        if (!backend || !BACKEND_KINDS.has(backend.kind ?? '')) {
          untranslated.push(`backend ${ref.kind ?? 'Service'} ${ns}/${ref.name} is not an AI backend among the manifests: sent to the mock as is`);
          return { host: options.upstream };
        }
        const ai = backend.spec?.ai ?? {};
        const provider = ai.provider ?? ai.groups?.[0]?.providers?.[0] ?? {};
        const type = Object.keys(PROVIDERS).find(k => provider[k] !== undefined);
        if (!type) untranslated.push(`backend ${idOf(backend)}: provider ${Object.keys(provider).join(', ') || '(none)'} is not translated; sent as openAI`);
        const model = type ? provider[type]?.model : undefined;
        return { ai: { name: nameOf(backend), provider: { [PROVIDERS[type ?? 'openai']]: model ? { model } : {} }, hostOverride: options.upstream } };
      });
      return {
        name: `${nsOf(route)}-${nameOf(route)}-${ruleIndex}`, matches, backends,
        policies: { ...routePolicies, backendAuth: { key: options.providerKey } },
      };
    });
  });
  return { config: { binds: [{ port: options.port, listeners: [{ protocol: 'HTTP', routes }] }] }, untranslated: [...new Set(untranslated)] };
}

function translatePolicies(manifests: readonly PlainManifest[], attached: readonly Attached[], preRouting: readonly Attached[],
  untranslated: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const auth = effective(attached, 'apiKeyAuthentication');
  if (auth) {
    const spec = auth.traffic.apiKeyAuthentication;
    const keys = builtInKeys(manifests, spec, nsOf(auth.manifest)).flatMap((k): Record<string, unknown>[] => {
      if (k.key !== undefined) return [{ key: k.key, metadata: k.metadata }];
      if (k.keyHash !== undefined) return [{ keyHash: k.keyHash, metadata: k.metadata }];
      untranslated.push(`${k.source}: the key is unknown offline (a secret store): not translated`);
      return [];
    });
    const header = spec.location?.header;
    if (spec.location && !header) untranslated.push(`${auth.id}: only a header key location is translated`);
    out.apiKey = {
      mode: MODES[spec.mode ?? 'Strict'] ?? 'strict', keys,
      // The prefix is written out too: the CRD's header location without one means none.
      ...(header ? { location: { header: { name: header.name, prefix: header.prefix ?? '' } } } : {}),
    };
  }
  const transformation = effective(attached, 'transformation')?.traffic.transformation?.request;
  const set = nameValues(transformation?.set);
  // PreRouting removals run before everything; a header the route phase sets again is replaced anyway.
  const preRemove = preRouting.flatMap(p => ([] as unknown[]).concat(p.traffic.transformation?.request?.remove ?? []))
    .filter((h): h is string => typeof h === 'string' && !Object.keys(set).some(s => s.toLowerCase() === h.toLowerCase()));
  for (const p of preRouting) for (const f of Object.keys(p.traffic)) if (!['phase', 'transformation'].includes(f)) untranslated.push(`${p.id}: PreRouting traffic.${f}`);
  const remove = [...preRemove, ...(Array.isArray(transformation?.remove) ? transformation.remove : [])];
  if (Object.keys(set).length || list(transformation?.add).length || remove.length) {
    out.transformations = { request: {
      ...(Object.keys(set).length ? { set } : {}),
      ...(list(transformation?.add).length ? { add: nameValues(transformation.add) } : {}),
      ...(remove.length ? { remove } : {}),
    } };
  }
  const authz = attached.filter(p => p.traffic.authorization !== undefined);
  if (authz.length > 0) {
    const rule = (p: Attached) => ([] as unknown[]).concat(p.traffic.authorization.policy?.matchExpressions ?? []).filter((e): e is string => typeof e === 'string').map(e => `(${e})`).join(' && ');
    const requires = authz.filter(p => p.traffic.authorization.action === 'Require').map(rule);
    const allows = authz.filter(p => (p.traffic.authorization.action ?? 'Allow') === 'Allow').map(rule);
    for (const p of authz.filter(a => a.traffic.authorization.action === 'Deny')) untranslated.push(`${p.id}: a Deny authorization rule`);
    // Standalone rules allow when one matches: every Require joins each Allow (or stands alone).
    const rules = allows.length === 0 ? [requires.join(' && ')] : allows.map(a => [a, ...requires].join(' && '));
    if (rules.some(r => r.length > 0)) out.authorization = { rules: rules.filter(r => r.length > 0) };
  }
  const rateLimit = effective(attached, 'rateLimit');
  if (rateLimit) {
    const rl = rateLimit.traffic.rateLimit;
    const local = list<any>(rl.local).filter(l => Object.hasOwn(UNIT_SECONDS, l.unit));
    for (const l of list<any>(rl.local)) if (!local.includes(l)) untranslated.push(`${rateLimit.id}: a local limit with unit ${JSON.stringify(l.unit)} (no fill interval for it)`);
    if (local.length) {
      out.localRateLimit = local.map(l => {
        const amount = Number(l.tokens ?? l.requests);
        return { maxTokens: amount + Number(l.burst ?? 0), tokensPerFill: amount, fillInterval: `${UNIT_SECONDS[l.unit as keyof typeof UNIT_SECONDS]}s`, type: l.tokens !== undefined ? 'tokens' : 'requests' };
      });
    }
    if (rl.conditional !== undefined) untranslated.push(`${rateLimit.id}: traffic.rateLimit.conditional (per-team budgets)`);
    if (rl.global !== undefined) untranslated.push(`${rateLimit.id}: traffic.rateLimit.global (needs a rate-limit server)`);
  }
  const modifiers = effective(attached, 'headerModifiers')?.traffic.headerModifiers?.request;
  if (modifiers) {
    out.requestHeaderModifier = {
      ...(list(modifiers.set).length ? { set: nameValues(modifiers.set) } : {}),
      ...(list(modifiers.add).length ? { add: nameValues(modifiers.add) } : {}),
      ...(Array.isArray(modifiers.remove) ? { remove: modifiers.remove } : {}),
    };
  }
  for (const p of attached) if (p.traffic.entRateLimit !== undefined) untranslated.push(`${p.id}: traffic.entRateLimit (Enterprise)`);
  return out;
}
