// HTTPRoute selection as agentgateway implements it (docs GATEWAY-SEMANTICS section 3, AGW http/route.rs).

import { re2Test } from '../validate/re2';
import { PlainManifest, idOf, list, nameOf, nsOf } from './manifests';

export interface RouteCandidate {
  readonly route: PlainManifest;
  readonly ruleIndex: number;
  readonly matchIndex: number;
  /** `namespace/name.NN`: agentgateway's tie-breaker, compared as a string. */
  readonly key: string;
  readonly match: any;
  /** The route's hostname this candidate was found under, or undefined for a route without hostnames. */
  readonly hostname?: string;
}

export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  readonly host?: string;
  readonly headers: ReadonlyMap<string, readonly string[]>;
}

/** The routes attached to a Gateway `ns/name` (parentRefs of kind Gateway, the route's namespace by default). */
export function routesOfGateway(manifests: readonly PlainManifest[], gateway: string): PlainManifest[] {
  return manifests.filter(m => m.kind === 'HTTPRoute' && list<any>(m.spec?.parentRefs).some(p =>
    (p.kind ?? 'Gateway') === 'Gateway' && `${p.namespace ?? nsOf(m)}/${p.name}` === gateway));
}

/** The Gateways the routes attach to, `ns/name`, sorted. */
export function gatewaysOfRoutes(manifests: readonly PlainManifest[]): string[] {
  const out = new Set<string>();
  for (const m of manifests) {
    if (m.kind !== 'HTTPRoute') continue;
    for (const p of list<any>(m.spec?.parentRefs)) if ((p.kind ?? 'Gateway') === 'Gateway') out.add(`${p.namespace ?? nsOf(m)}/${p.name}`);
  }
  for (const m of manifests) if (m.kind === 'Gateway') out.add(idOf(m));
  return [...out].sort();
}

function splitPath(path: string): { pathOnly: string; query: URLSearchParams } {
  const q = path.indexOf('?');
  return q < 0 ? { pathOnly: path, query: new URLSearchParams() } : { pathOnly: path.slice(0, q), query: new URLSearchParams(path.slice(q + 1)) };
}

function pathMatches(match: any, path: string): boolean {
  const type = match.path?.type ?? 'PathPrefix';
  const value = match.path?.value ?? '/';
  if (type === 'Exact') return path === value;
  if (type === 'RegularExpression') return re2Test(`^(?:${value})$`, path);
  // PathPrefix: trailing slashes trimmed on both sides, and a segment boundary (AGW route.rs L38-45).
  const prefix = value.replace(/\/+$/, '');
  const trimmed = path.replace(/\/+$/, '');
  if (!trimmed.startsWith(prefix)) return false;
  const suffix = trimmed.slice(prefix.length);
  return suffix === '' || suffix.startsWith('/');
}

function valueMatches(m: { type?: string; value: string }, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  return (m.type ?? 'Exact') === 'RegularExpression' ? re2Test(`^(?:${m.value})$`, actual) : actual === m.value;
}

function matchesRequest(match: any, request: RouteRequest): boolean {
  const { pathOnly, query } = splitPath(request.path);
  if (!pathMatches(match, pathOnly)) return false;
  if (match.method !== undefined && match.method !== request.method) return false;
  for (const h of list<any>(match.headers)) {
    const values = request.headers.get(String(h.name).toLowerCase());
    if (!valueMatches(h, values?.join(','))) return false;
  }
  for (const q of list<any>(match.queryParams)) {
    if (!valueMatches(q, query.get(q.name) ?? undefined)) return false;
  }
  return true;
}

const PATH_RANK: Record<string, number> = { Exact: 3, PathPrefix: 2, RegularExpression: 1 };

/** Orders candidates as AGW types/agent.rs L2212-2243 does: path type, path length, method, headers, query, key. */
function compareCandidates(a: RouteCandidate, b: RouteCandidate): number {
  const pa = a.match.path ?? { type: 'PathPrefix', value: '/' };
  const pb = b.match.path ?? { type: 'PathPrefix', value: '/' };
  return (PATH_RANK[pb.type ?? 'PathPrefix'] - PATH_RANK[pa.type ?? 'PathPrefix'])
    || (String(pb.value ?? '/').length - String(pa.value ?? '/').length)
    || (Number(b.match.method !== undefined) - Number(a.match.method !== undefined))
    || (list(b.match.headers).length - list(a.match.headers).length)
    || (list(b.match.queryParams).length - list(a.match.queryParams).length)
    || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function hostnameBuckets(host: string | undefined): Array<string | undefined> {
  if (host === undefined) return [undefined];
  const h = host.toLowerCase().replace(/:\d+$/, '');
  const labels = h.split('.');
  const wildcards = labels.slice(1).map((_, i) => `*.${labels.slice(i + 1).join('.')}`);
  return [h, ...wildcards, undefined];
}

/**
 * Selects the route rule for a request: the hostname buckets in order (exact, wildcards longest first, routes
 * without hostnames), and in the first bucket with a match, the best candidate by agentgateway's ordering.
 */
export function selectRoute(routes: readonly PlainManifest[], request: RouteRequest): RouteCandidate | undefined {
  const all: RouteCandidate[] = [];
  for (const route of routes) {
    const hostnames: string[] = route.spec?.hostnames ?? [];
    list<any>(route.spec?.rules).forEach((rule, ruleIndex) => {
      const matches: any[] = list(rule.matches).length > 0 ? list(rule.matches) : [{}];
      const key = `${nsOf(route)}/${nameOf(route)}.${String(ruleIndex).padStart(2, '0')}`;
      matches.forEach((match, matchIndex) => {
        if (hostnames.length === 0) all.push({ route, ruleIndex, matchIndex, key, match });
        for (const hostname of hostnames) all.push({ route, ruleIndex, matchIndex, key, match, hostname: hostname.toLowerCase() });
      });
    });
  }
  for (const bucket of hostnameBuckets(request.host)) {
    const found = all.filter(c => c.hostname === bucket && matchesRequest(c.match, request)).sort(compareCandidates);
    if (found.length > 0) return found[0];
  }
  return undefined;
}
