// Which rate limits and budgets apply to one request, and with which bucket, from the manifests alone.
// Sources: GATEWAY-SEMANTICS 1.3 (order), 4.1 (conditional: first match, local and global lists split), 4.2 (a
// failing descriptor is dropped silently), 5 (429); VIRTUAL-KEYS 1a (per-replica local buckets, tokens settled
// after the response, the policy-merge hazard); REFERENCE 3 and 7 (entRateLimit and RateLimitConfig).

import { REDACTED } from '../core/errors';
import { yamlLibrary } from '../core/yaml-schema';
import { CelOutcome, tryCel } from './cel';
import { PlainManifest, policiesSetting, idOf, list, nameOf, nsOf } from './manifests';

/** A policy in the route phase, as simulate holds it. */
export interface RateLimitPolicy {
  readonly manifest: PlainManifest;
  /** `Kind ns/name`. */
  readonly id: string;
  readonly traffic: any;
  readonly level: 'route' | 'gateway';
}

export interface SimulatedLimit {
  /** Where the limit is written, e.g. `AgentgatewayPolicy ns/auth traffic.rateLimit.conditional[0].policy.local[1]`. */
  readonly source: string;
  /** The policy supplying it and what it targets. */
  readonly policy: string;
  readonly attachment: 'Gateway' | 'HTTPRoute';
  /** `local` (`traffic.rateLimit.local`), `global` (a rate-limit server), `enterprise` (`entRateLimit` + RateLimitConfig). */
  readonly mechanism: 'local' | 'global' | 'enterprise';
  readonly counts: 'requests' | 'tokens';
  /** Requests or tokens per unit; absent when the rate-limit server's configuration is not among the manifests. */
  readonly limit?: number;
  readonly unit?: string;
  readonly burst?: number;
  /** Local buckets live in each gateway replica; server-backed ones are shared by all replicas. */
  readonly scope: 'per-replica' | 'shared';
  /** Who shares the bucket. */
  readonly bucket: string;
  /** The `conditional` entry's condition that selected this limit. */
  readonly condition?: string;
  /** `60 requests/Minutes (+10 burst), per replica`. */
  readonly summary: string;
  /** With a request count: whether this limit refuses that request (request limits only). */
  readonly exceeded?: boolean;
}

/** A limit written in the manifests that does not apply to this request, and why: the gateway says nothing. */
export interface SkippedLimit {
  readonly source: string;
  readonly reason: string;
}

export interface RateLimitReport {
  readonly limits: readonly SimulatedLimit[];
  readonly skipped: readonly SkippedLimit[];
  /** Hazards such as two policies setting `traffic.rateLimit` on one target. */
  readonly warnings: readonly string[];
  /** The request's position in a burst, when asked. */
  readonly count?: number;
  /** The first limit that refuses the count-th request (429). */
  readonly limitedBy?: string;
}

export interface RateLimitInput {
  readonly manifests: readonly PlainManifest[];
  /** The route phase's policies (route-targeted and Gateway-targeted). */
  readonly policies: readonly RateLimitPolicy[];
  /** The CEL context after authentication: `request`, and `apiKey` with built-in auth. */
  readonly context: Record<string, unknown>;
  /** Request headers after authentication (ext-auth's injected headers included), lower-case names. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly gateway: string;
  readonly httpRoute: string;
  /** This request is the count-th of a burst sent faster than any bucket refills. */
  readonly count?: number;
  /**
   * Hides key material in bucket identities: a descriptor built from the key's header or a value holding the key.
   * @default nothing is hidden
   */
  readonly redact?: { readonly headers: ReadonlySet<string>; readonly value: (value: string) => string };
}

interface Amount { readonly counts: 'requests' | 'tokens'; readonly limit?: number; readonly unit?: string; readonly burst?: number }

function summarize(a: Amount, scope: SimulatedLimit['scope']): string {
  const amount = a.limit === undefined ? `${a.counts} limit set by the rate-limit server (not in these manifests)` : `${a.limit} ${a.counts}/${a.unit}`;
  return `${amount}${a.burst ? ` (+${a.burst} burst)` : ''}, ${scope === 'per-replica' ? 'per replica' : 'shared by all replicas'}`;
}

/** The gateway's string conversion of a descriptor value (AGW cel objects.rs L180-195): maps, lists and null fail. */
function descriptorValue(outcome: CelOutcome): { value?: string; error?: string } {
  if (!outcome.ok) return { error: `fails (${outcome.error})` };
  const v = outcome.value;
  if (typeof v === 'string') return { value: v };
  if (typeof v === 'boolean' || typeof v === 'number') return { value: String(v) };
  return { error: `is ${v === null || v === undefined ? 'null' : Array.isArray(v) ? 'a list' : 'a map'}, not a string` };
}

const SERVER_UNITS: Record<string, string> = {
  second: 'Seconds', minute: 'Minutes', hour: 'Hours', day: 'Days', week: 'Weeks', month: 'Months', year: 'Years',
};

/**
 * The limit for one descriptor in a rate-limit server's descriptor tree (envoyproxy/ratelimit and Solo's
 * RateLimitConfig alike): each entry matches `key` with `value`, else `key` alone; the last entry's node holds it.
 */
/** A descriptor entry: its name, the value the gateway sends, and whether that value comes from the key. */
type DescriptorEntry = readonly [name: string, value: string, fromKey?: boolean];

function lookupDescriptor(tree: unknown, entries: readonly DescriptorEntry[]): { limit: number; unit: string } | undefined {
  let level = list<any>(tree);
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i];
    const node = level.find(n => n.key === key && n.value === value) ?? level.find(n => n.key === key && n.value === undefined);
    if (!node) return undefined;
    if (i === entries.length - 1) {
      const rl = node.rate_limit ?? node.rateLimit;
      const perUnit = rl?.requests_per_unit ?? rl?.requestsPerUnit;
      if (rl?.unlimited === true || perUnit === undefined) return undefined;
      return { limit: Number(perUnit), unit: SERVER_UNITS[String(rl.unit).toLowerCase()] ?? String(rl.unit) };
    }
    level = list<any>(node.descriptors);
  }
  return undefined;
}

/** envoyproxy/ratelimit configuration for a domain, from a ConfigMap among the manifests (any entry holding `domain:`). */
function serverConfig(manifests: readonly PlainManifest[], domain: string): { tree: unknown; source: string } | undefined {
  for (const m of manifests) {
    if (m.kind !== 'ConfigMap') continue;
    for (const [entry, text] of Object.entries(m.data ?? {})) {
      if (!/^\s*domain\s*:/m.test(String(text))) continue;
      try {
        const parsed = yamlLibrary().parse(String(text));
        if (parsed?.domain === domain) return { tree: parsed.descriptors, source: `ConfigMap ${idOf(m)} entry ${entry}` };
      } catch { /* not a rate-limit configuration */ }
    }
  }
  return undefined;
}

class Collector {
  readonly limits: SimulatedLimit[] = [];
  readonly skipped: SkippedLimit[] = [];
  readonly warnings: string[] = [];
  constructor(readonly input: RateLimitInput) {}

  /** A value as it may be shown: key material never is. */
  shown(value: string): string {
    return this.input.redact ? this.input.redact.value(value) : value;
  }

  /**
   * Whether a CEL expression reads the key (`apiKey.key`, or a header the key comes in): its value, a slice of the key
   * perhaps, is never shown, whether or not it holds the whole key.
   */
  readsKey(expression: string): boolean {
    const text = expression.toLowerCase();
    return /apikey\s*(?:\.\s*key\b|\[\s*["']key["']\s*\])/.test(text) || [...this.input.redact?.headers ?? []].some(h => text.includes(h.toLowerCase()));
  }

  /** Descriptor entries as shown: values from the key redacted, the gateway's own values looked up unredacted. */
  descriptorText(entries: readonly DescriptorEntry[]): string {
    return entries.map(([k, v, fromKey]) => `${k}=${fromKey ? REDACTED : this.shown(v)}`).join(', ');
  }

  attachment(p: RateLimitPolicy): SimulatedLimit['attachment'] {
    return p.level === 'route' ? 'HTTPRoute' : 'Gateway';
  }

  /** Who a policy-wide bucket covers: every request the policy applies to on its target. */
  audience(p: RateLimitPolicy): string {
    return p.level === 'route' ? `HTTPRoute ${this.input.httpRoute}` : `every route of Gateway ${this.input.gateway}`;
  }

  add(p: RateLimitPolicy, source: string, mechanism: SimulatedLimit['mechanism'], amount: Amount, bucket: string, condition?: string): void {
    const scope = mechanism === 'local' ? 'per-replica' : 'shared';
    this.limits.push({
      source: `${p.id} ${source}`, policy: p.id, attachment: this.attachment(p), mechanism, ...amount, scope, bucket,
      ...(condition !== undefined ? { condition } : {}), summary: summarize(amount, scope),
    });
  }

  local(p: RateLimitPolicy, path: string, entries: unknown, condition?: string): void {
    list<any>(entries).forEach((l, i) => {
      const counts = l.tokens !== undefined ? 'tokens' : 'requests';
      if (l[counts] === undefined) {
        this.skipped.push({ source: `${p.id} ${path}[${i}]`, reason: 'sets neither requests nor tokens: nothing to count' });
        return;
      }
      const amount: Amount = { counts, limit: Number(l[counts]), unit: l.unit, ...(l.burst ? { burst: Number(l.burst) } : {}) };
      let bucket = `one bucket in each gateway replica for ${this.audience(p)}${condition !== undefined ? ' matching this condition' : ''}`;
      if (typeof l.key === 'string') {
        const v = descriptorValue(tryCel(l.key, this.input.context));
        bucket = v.value !== undefined ? `${bucket}, per key value ${JSON.stringify(this.shown(v.value))} (key ${l.key})` : `${bucket}; its key ${JSON.stringify(l.key)} ${v.error}: bucket not established`;
      }
      this.add(p, `${path}[${i}]`, 'local', amount, bucket, condition);
    });
  }

  /** `global.descriptors`: each entry's CEL; a failing entry, cost or limitOverride drops its whole descriptor. */
  global(p: RateLimitPolicy, path: string, global: any, condition?: string): void {
    const domain = String(global?.domain ?? '');
    const server = serverConfig(this.input.manifests, domain);
    const backend = global?.backendRef ? `Service ${global.backendRef.namespace ?? nsOf(p.manifest)}/${global.backendRef.name}` : global?.url ?? 'the rate-limit server';
    let sent = 0;
    const descriptors = list<any>(global?.descriptors);
    descriptors.forEach((d, i) => {
      const source = `${path}.descriptors[${i}]`;
      const entries: DescriptorEntry[] = [];
      for (const e of list<any>(d.entries)) {
        const v = descriptorValue(tryCel(String(e.expression), this.input.context));
        if (v.value === undefined) {
          this.skipped.push({ source: `${p.id} ${source}`, reason: `entry ${e.name}: ${JSON.stringify(e.expression)} ${v.error}: the gateway drops this descriptor silently, so this limit does not apply (GATEWAY-SEMANTICS 4.2)` });
          return;
        }
        entries.push([String(e.name), v.value, this.readsKey(String(e.expression))]);
      }
      let override: { limit: number; unit: string } | undefined;
      for (const field of ['cost', 'limitOverride'] as const) {
        if (typeof d[field] !== 'string') continue;
        const outcome = tryCel(d[field], this.input.context);
        if (!outcome.ok) {
          this.skipped.push({ source: `${p.id} ${source}`, reason: `${field} ${JSON.stringify(d[field])} fails (${outcome.error}): the gateway drops this descriptor silently (GATEWAY-SEMANTICS 4.2)` });
          return;
        }
        const value = outcome.value as any;
        if (field === 'limitOverride' && value && typeof value === 'object' && value.requestsPerUnit !== undefined) {
          override = { limit: Number(value.requestsPerUnit), unit: SERVER_UNITS[String(value.unit).toLowerCase()] ?? String(value.unit) };
        }
      }
      sent++;
      const found = override ?? (server ? lookupDescriptor(server.tree, entries) : undefined);
      const amount: Amount = { counts: d.unit === 'Tokens' ? 'tokens' : 'requests', ...(found ?? {}) };
      const where = override ? 'limit from limitOverride' : server ? (found ? `limit from ${server.source}` : `no limit for it in ${server.source}`) : `limit kept by ${backend}`;
      this.add(p, source, 'global', amount, `domain ${JSON.stringify(domain)}, descriptor ${this.descriptorText(entries)} (${where})`, condition);
    });
    if (descriptors.length > 0 && sent === 0) {
      this.skipped.push({ source: `${p.id} ${path}`, reason: 'no descriptor could be built: the gateway skips the rate-limit call and the request passes, whatever failureMode says (GATEWAY-SEMANTICS 4.2)' });
    }
  }

  /** `conditional`: local and global entries form two lists, each with its own first match; no match, no limit. */
  conditional(p: RateLimitPolicy, entries: unknown): void {
    const all = list<any>(entries).map((e, i) => ({ e, i }));
    for (const kind of ['local', 'global'] as const) {
      const candidates = all.filter(({ e }) => e.policy?.[kind] !== undefined);
      if (candidates.length === 0) continue;
      const failures: string[] = [];
      const match = candidates.find(({ e, i }) => {
        if (typeof e.condition !== 'string') return true;
        const outcome = tryCel(e.condition, this.input.context);
        if (!outcome.ok) failures.push(`conditional[${i}].condition ${JSON.stringify(e.condition)} fails (${outcome.error}), which counts as false`);
        return outcome.ok && outcome.value === true;
      });
      const path = 'traffic.rateLimit.conditional';
      if (!match) {
        this.skipped.push({ source: `${p.id} ${path} (${kind} entries)`, reason: `no condition holds for this request and there is no fallback entry: no ${kind} limit from here (GATEWAY-SEMANTICS 4.1)${failures.length ? `; ${failures.join('; ')}` : ''}` });
        continue;
      }
      const condition = typeof match.e.condition === 'string' ? match.e.condition : undefined;
      const at = `${path}[${match.i}].policy.${kind}`;
      if (kind === 'local') this.local(p, at, match.e.policy.local, condition ?? '(fallback)');
      else this.global(p, at, match.e.policy.global, condition ?? '(fallback)');
    }
  }

  /** Enterprise `entRateLimit`: each RateLimitConfig's `raw.rateLimits` build descriptors against `raw.descriptors`. */
  enterprise(p: RateLimitPolicy): void {
    const refs = list<any>(p.traffic.entRateLimit?.global?.rateLimitConfigRefs);
    refs.forEach((ref, r) => {
      const ns = ref.namespace ?? nsOf(p.manifest);
      const source = `traffic.entRateLimit.global.rateLimitConfigRefs[${r}]`;
      const rlc = this.input.manifests.find(m => m.kind === 'RateLimitConfig' && nsOf(m) === ns && nameOf(m) === ref.name);
      if (!rlc) {
        this.skipped.push({ source: `${p.id} ${source}`, reason: `RateLimitConfig ${ns}/${ref.name} is not among the manifests: its limits are not known here` });
        return;
      }
      const raw = rlc.spec?.raw ?? {};
      for (const field of ['setDescriptors', 'setActions']) if (raw[field] !== undefined) this.warnings.push(`RateLimitConfig ${idOf(rlc)}: raw.${field} is not simulated`);
      list<any>(raw.rateLimits).forEach((rateLimit, i) => {
        const at = `RateLimitConfig ${idOf(rlc)} raw.rateLimits[${i}]`;
        const entries: DescriptorEntry[] = [];
        for (const action of list<any>(rateLimit.actions)) {
          const entry = this.action(action);
          if ('skip' in entry) {
            this.skipped.push({ source: `${p.id} ${source} → ${at}`, reason: `${entry.skip}: no descriptor, so this limit does not apply (Envoy's rule; Enterprise inferred, GATEWAY-SEMANTICS 6.3)` });
            return;
          }
          entries.push(entry.entry);
        }
        const found = lookupDescriptor(raw.descriptors, entries);
        const amount: Amount = { counts: String(rateLimit.type ?? '').toUpperCase() === 'TOKEN' ? 'tokens' : 'requests', ...(found ?? {}) };
        if (!found) {
          this.skipped.push({ source: `${p.id} ${source} → ${at}`, reason: `descriptor ${this.descriptorText(entries)} matches no raw.descriptors entry with a rateLimit: no limit` });
          return;
        }
        this.limits.push({
          source: `${p.id} ${source} → ${at}`, policy: p.id, attachment: this.attachment(p), mechanism: 'enterprise', ...amount, scope: 'shared',
          bucket: `RateLimitConfig ${idOf(rlc)}, descriptor ${this.descriptorText(entries)}`, summary: summarize(amount, 'shared'),
        });
      });
    });
  }

  /** One RateLimitConfig action as a descriptor entry, or why none is produced. */
  action(action: any): { entry: DescriptorEntry } | { skip: string } {
    if (action.requestHeaders) {
      const { headerName, descriptorKey } = action.requestHeaders;
      const name = String(headerName).toLowerCase();
      const value = this.input.headers.get(name);
      if (value === undefined) return { skip: `request header ${headerName} is absent` };
      return { entry: [String(descriptorKey), value.join(','), this.input.redact?.headers.has(name) ?? false] };
    }
    if (action.genericKey) return { entry: [String(action.genericKey.descriptorKey ?? 'generic_key'), String(action.genericKey.descriptorValue)] };
    if (action.cel) {
      const v = descriptorValue(tryCel(String(action.cel.expression), this.input.context));
      return v.value === undefined ? { skip: `cel ${JSON.stringify(action.cel.expression)} ${v.error}` } : { entry: [String(action.cel.key), v.value, this.readsKey(String(action.cel.expression))] };
    }
    return { skip: `action ${Object.keys(action)[0] ?? '(empty)'} is not simulated` };
  }
}

/** The policy whose `field` applies, with a warning when several set it on the request's targets. */
function effective(c: Collector, field: string): RateLimitPolicy | undefined {
  const having = policiesSetting(c.input.policies, field);
  if (having.length > 1) {
    c.warnings.push(`traffic.${field} is set by ${having.map(p => `${p.id} (${c.attachment(p)}-targeted)`).join(' and ')}: the gateway keeps one `
      + `(simulated: ${having[0].id}, the most specific); the limits of ${having.slice(1).map(p => p.id).join(', ')} do not apply to this request. `
      + 'Put every limit for a target in one policy (VIRTUAL-KEYS 1a, policy-merge hazard)');
  }
  return having[0];
}

/**
 * The rate limits and budgets that apply to a request after authentication and authorization: the limit, unit,
 * burst, whether the bucket is per replica or shared, and who shares it. Limits the gateway would skip silently
 * (a failing descriptor, no matching condition) are reported as skipped. With `count`, request limits say whether
 * the count-th request of a burst is refused; token limits are settled after the response and never decide it here.
 */
export function evaluateRateLimits(input: RateLimitInput): RateLimitReport {
  const c = new Collector(input);
  const rateLimit = effective(c, 'rateLimit');
  if (rateLimit) {
    const rl = rateLimit.traffic.rateLimit;
    if (rl.local !== undefined) c.local(rateLimit, 'traffic.rateLimit.local', rl.local);
    if (rl.global !== undefined) c.global(rateLimit, 'traffic.rateLimit.global', rl.global);
    if (rl.conditional !== undefined) c.conditional(rateLimit, rl.conditional);
  }
  const ent = effective(c, 'entRateLimit');
  if (ent) c.enterprise(ent);
  if (rateLimit && ent && rateLimit.id === ent.id) c.warnings.push(`${ent.id} sets both traffic.rateLimit and traffic.entRateLimit, which the CRD forbids (at most one)`);
  if (input.count === undefined) return { limits: c.limits, skipped: c.skipped, warnings: c.warnings };
  const count = input.count;
  const limits = c.limits.map(l => (l.counts === 'requests' && l.limit !== undefined ? { ...l, exceeded: count > l.limit + (l.burst ?? 0) } : l));
  const limitedBy = limits.find(l => l.exceeded)?.source;
  return { limits, skipped: c.skipped, warnings: c.warnings, count, ...(limitedBy ? { limitedBy } : {}) };
}
