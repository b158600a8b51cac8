import { checkDnsLabel, checkDnsSubdomain, checkHeaderValue, checkLabels, checkSecretDataKey } from './checks';
import { IssueCollector } from './errors';
import { KeyRef } from './gateway-auth-policy';
import { DEFAULT_NAMESPACE } from './gateway-ref';
import { API_KEY_ENTRY, API_KEY_SECRET_TYPE, KINDS, Manifest, ObjectId, ObjectMeta, base64 } from './manifest';
import { SecretValue } from './secret-value';

/** Props of one team's vanity API key, shared by the cdk8s and Pulumi adapters. */
export interface TeamApiKeyOptions {
  /** The team (or service account) the key belongs to; a DNS-1123 label such as `team1`. */
  readonly team: string;
  /** The vanity key clients send. Never printed: errors and logs show `<redacted>`. */
  readonly key: SecretValue;
  /**
   * Metadata stored beside the key; an auth policy turns entries into request headers, e.g. `{ 'x-org': 'developers' }`.
   * @default {}
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Labels of the key Secret; a label-selector auth policy selects keys by them.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Name of the key Secret.
   * @default - `<team>-apikey`
   */
  readonly secretName?: string;
  /**
   * Namespace of the key Secret; the auth policy must be able to read it.
   * @default 'agentgateway-system'
   */
  readonly namespace?: string;
}

/** A team key with every default applied. */
export interface TeamApiKeySpec {
  readonly team: string;
  readonly key: SecretValue;
  readonly metadata: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly secretName: string;
  readonly namespace: string;
}

export function resolveTeamApiKey(options: TeamApiKeyOptions): TeamApiKeySpec {
  return {
    team: options.team,
    key: options.key,
    metadata: options.metadata ?? {},
    labels: options.labels ?? {},
    secretName: options.secretName ?? `${options.team}-apikey`,
    namespace: options.namespace ?? DEFAULT_NAMESPACE,
  };
}

export function checkTeamApiKey(issues: IssueCollector, spec: TeamApiKeySpec): void {
  checkDnsLabel(issues, 'team', spec.team);
  checkDnsSubdomain(issues, 'secretName', spec.secretName);
  checkDnsLabel(issues, 'namespace', spec.namespace);
  checkLabels(issues, 'labels', spec.labels);
  if (!(spec.key instanceof SecretValue)) {
    // Shown redacted all the same: a plain string here is still a key.
    issues.add('key', { redacted: true }, 'a SecretValue, e.g. SecretValue.unsafePlainText(...)');
  } else if (spec.key.length === 0) {
    issues.add('key', '', 'a non-empty key');
  } else if (/[\s\0]/.test(spec.key.unsafeUnwrap())) {
    issues.add('key', spec.key, 'a key without whitespace or control characters (clients send it in a header)');
  }
  for (const [entry, value] of Object.entries(spec.metadata)) {
    checkSecretDataKey(issues, `metadata.${entry}`, entry);
    if (entry === API_KEY_ENTRY) issues.add(`metadata.${entry}`, entry, `a metadata name other than "${API_KEY_ENTRY}", which holds the key`);
    checkHeaderValue(issues, `metadata.${entry}`, value);
  }
}

export function teamApiKeyObjectId(spec: TeamApiKeySpec): ObjectId {
  return { kind: KINDS.secret.kind, namespace: spec.namespace, name: spec.secretName, field: 'secretName' };
}

/** The key Secret as an auth policy sees it. */
export function teamApiKeyRef(path: string, spec: TeamApiKeySpec): KeyRef {
  return {
    path, secretName: spec.secretName, namespace: spec.namespace, labels: spec.labels,
    metadataKeys: Object.keys(spec.metadata),
  };
}

export function teamApiKeyMetadata(spec: TeamApiKeySpec): ObjectMeta {
  const hasLabels = Object.keys(spec.labels).length > 0;
  return { name: spec.secretName, namespace: spec.namespace, ...(hasLabels ? { labels: { ...spec.labels } } : {}) };
}

/** Renders the key Secret of type `extauth.solo.io/apikey`. */
export function renderTeamApiKey(spec: TeamApiKeySpec): Manifest {
  const data: Record<string, string> = { [API_KEY_ENTRY]: base64(spec.key.unsafeUnwrap()) };
  for (const [entry, value] of Object.entries(spec.metadata)) data[entry] = base64(value);
  return { ...KINDS.secret, metadata: teamApiKeyMetadata(spec), type: API_KEY_SECRET_TYPE, data };
}
