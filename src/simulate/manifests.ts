// Reads the kinds simulate needs out of plain manifests: no adapter, no cluster.

/** A manifest as plain data (parsed YAML or a synthesized object). */
export interface PlainManifest {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec?: any;
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
  readonly type?: string;
}

export const DEFAULT_NAMESPACE = 'default';
export const POLICY_KINDS = new Set(['AgentgatewayPolicy', 'EnterpriseAgentgatewayPolicy']);
export const BACKEND_KINDS = new Set(['AgentgatewayBackend', 'EnterpriseAgentgatewayBackend']);
export const EXT_AUTH_SECRET_TYPE = 'extauth.solo.io/apikey';

export function nsOf(m: PlainManifest): string {
  return m.metadata?.namespace ?? DEFAULT_NAMESPACE;
}

export function nameOf(m: PlainManifest): string {
  return m.metadata?.name ?? '';
}

export function idOf(m: PlainManifest): string {
  return `${nsOf(m)}/${nameOf(m)}`;
}

/** A Secret's entries as text: `stringData` wins over base64 `data`, as the API server merges them. */
export function secretEntries(secret: PlainManifest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(String(v), 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = String(v);
  return out;
}

/** Where a Secret comes from: written in the manifests, or created later by an ExternalSecret (its key unknown here). */
export interface SecretLike {
  readonly namespace: string;
  readonly name: string;
  readonly type?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Entries with known values; entries filled in by the secret store are in `external`. */
  readonly entries: Record<string, string>;
  readonly external: ReadonlySet<string>;
  /** `ExternalSecret ns/name` when the values come from a secret store. */
  readonly externalSource?: string;
}

/**
 * Every Secret the manifests define, including those an ExternalSecret's target template will create (entries that
 * reference the store, `{{ .x }}`, are unknown offline).
 */
export function secretsOf(manifests: readonly PlainManifest[]): SecretLike[] {
  const out: SecretLike[] = [];
  for (const m of manifests) {
    if (m.kind === 'Secret' && (m.apiVersion ?? 'v1') === 'v1') {
      out.push({
        namespace: nsOf(m), name: nameOf(m), type: m.type, labels: m.metadata?.labels ?? {},
        annotations: m.metadata?.annotations ?? {}, entries: secretEntries(m), external: new Set(),
      });
    } else if (m.kind === 'ExternalSecret') {
      const target = m.spec?.target ?? {};
      const template = target.template ?? {};
      const entries: Record<string, string> = {};
      const external = new Set<string>();
      for (const [k, v] of Object.entries((template.data ?? {}) as Record<string, string>)) {
        if (String(v).includes('{{')) external.add(k);
        else entries[k] = String(v);
      }
      for (const d of list<{ secretKey?: string }>(m.spec?.data)) {
        if (d.secretKey && template.data === undefined) external.add(d.secretKey);
      }
      out.push({
        namespace: nsOf(m), name: target.name ?? nameOf(m), type: template.type, labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations ?? {}, entries, external, externalSource: `ExternalSecret ${idOf(m)}`,
      });
    }
  }
  return out;
}

export function labelsMatch(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** A list field's objects; anything else (a hand-written manifest's typo) reads as empty rather than crashing. */
export function list<T = any>(value: unknown): T[] {
  return Array.isArray(value) ? value.filter(item => item !== null && typeof item === 'object') as T[] : [];
}

/** A route-targeted policy before a Gateway-targeted one; ties in `Kind ns/name` order (how simulate picks a field). */
export function bySpecificity(a: { level: string; id: string }, b: { level: string; id: string }): number {
  return a.level === b.level ? a.id.localeCompare(b.id) : a.level === 'route' ? -1 : 1;
}
