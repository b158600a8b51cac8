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

/**
 * Where a Secret comes from: written in the manifests, or created in the cluster by an ExternalSecret (from a secret
 * store) or a SealedSecret (decrypted by its controller), whose key is unknown here.
 */
export interface SecretLike {
  readonly namespace: string;
  readonly name: string;
  readonly type?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Entries with known values; entries filled in by the secret store are in `external`. */
  readonly entries: Record<string, string>;
  readonly external: ReadonlySet<string>;
  /** The template text of external entries that have one (`{"key":{{ .apiKey | toJson }},...}`), to read their metadata. */
  readonly templates?: Readonly<Record<string, string>>;
  /** `ExternalSecret ns/name` or `SealedSecret ns/name` when values are filled in in the cluster. */
  readonly externalSource?: string;
}

/**
 * Every Secret the manifests define, including those an ExternalSecret's target template or a SealedSecret will
 * create (entries that reference the store, `{{ .x }}`, and encrypted entries are unknown offline).
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
      const filled = templateEntries(template.data);
      // Without a template, each `data[].secretKey` becomes an entry holding the store's value.
      if (template.data === undefined) for (const d of list<{ secretKey?: string }>(m.spec?.data)) if (d.secretKey) filled.external.add(d.secretKey);
      out.push({
        namespace: nsOf(m), name: target.name ?? nameOf(m), type: template.type, labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations ?? {}, ...filled, externalSource: `ExternalSecret ${idOf(m)}`,
      });
    } else if (m.kind === 'SealedSecret') {
      // The controller creates a Secret of the SealedSecret's name and namespace from the decrypted entries, then
      // renders the template's entries over them (sealed-secrets, SealedSecret.Unseal).
      const template = m.spec?.template ?? {};
      const encrypted = Object.keys((m.spec?.encryptedData ?? {}) as Record<string, string>);
      const filled = templateEntries(template.data, encrypted);
      out.push({
        namespace: nsOf(m), name: nameOf(m), type: template.type, labels: template.metadata?.labels ?? {},
        annotations: template.metadata?.annotations ?? {}, ...filled, externalSource: `SealedSecret ${idOf(m)}`,
      });
    }
  }
  return out;
}

/** A template's entries: plain text is known, an entry with a template action (`{{ .x }}`) is filled in in the cluster. */
function templateEntries(data: unknown, filledInCluster: readonly string[] = []) {
  const entries: Record<string, string> = {};
  const external = new Set<string>(filledInCluster);
  const templates: Record<string, string> = {};
  for (const [k, v] of Object.entries((data && typeof data === 'object' ? data : {}) as Record<string, unknown>)) {
    if (String(v).includes('{{')) {
      external.add(k);
      templates[k] = String(v);
    } else {
      entries[k] = String(v);
      external.delete(k);
    }
  }
  return { entries, external, templates };
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

/** The policies that set `traffic.<field>`, the most specific first (see {@link bySpecificity}): the first applies. */
export function policiesSetting<P extends { level: string; id: string; traffic?: any }>(policies: readonly P[], field: string): P[] {
  return policies.filter(p => p.traffic?.[field] !== undefined).sort(bySpecificity);
}
