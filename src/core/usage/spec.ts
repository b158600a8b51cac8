import { checkDnsLabel, checkDnsSubdomain, checkServiceUrl, isServiceUrl } from '../checks';
import { IssueCollector } from '../errors';
import { GatewayAuthPolicySpec, IdentityHeader, apiKeyField } from '../gateway-auth-policy';
import { GatewayRef } from '../gateway-ref';
import { ObjectId } from '../manifest';
import { TeamBudget, TeamPolicyRoute, teamIdentityHeader } from '../team-policy';
import { versionAtLeast } from '../versions';
import { BUILT_IN_LABELS, LABEL_NAME, MAX_METRIC_LABELS } from './metrics';

/** Where OTLP data goes: a Service (or AgentgatewayBackend) in the cluster, or a URL (agentgateway v1.5 and later). */
export interface UsageOtlpOptions {
  /**
   * The collector as a Kubernetes object. Give this or `url`.
   * @default - use `url`
   */
  readonly backendRef?: {
    readonly name: string;
    /** @default - the policy's namespace */
    readonly namespace?: string;
    /** Required for a Service. */
    readonly port?: number;
    /** @default 'Service' */
    readonly kind?: 'Service' | 'AgentgatewayBackend';
  };
  /**
   * `http(s)://host[:port]` of the collector; needs `agentgatewayVersion` v1.5.0 or later (v1.4.1's CRD has no `url`).
   * @default - use `backendRef`
   */
  readonly url?: string;
  /** @default 'GRPC' */
  readonly protocol?: 'GRPC' | 'HTTP';
}

/** OTLP tracing: the OTLP target plus how many new traces to start. */
export interface UsageTracingOptions extends UsageOtlpOptions {
  /**
   * Share (0 to 1) of requests without a trace that start one.
   * @default 1
   */
  readonly randomSampling?: number;
}

/** A label taken from key metadata, e.g. `{ name: 'cost_center', metadataKey: 'cost-center' }`. */
export interface UsageMetadataLabel {
  /** Prometheus label name (letters, digits, `_`). */
  readonly name: string;
  /** The key metadata entry that holds the value. Every team must carry it. */
  readonly metadataKey: string;
}

/** One model's price, in USD per 1,000,000 tokens, as the agentgateway model catalog reads it. */
export interface ModelPrice {
  /** Provider name as agentgateway reports it (`openai`, `anthropic`, ...). */
  readonly provider: string;
  readonly model: string;
  /** USD per 1M input tokens: a decimal such as `0.15` (at most 6 fractional digits). */
  readonly input: string | number;
  /** USD per 1M output tokens. */
  readonly output: string | number;
}

/** Thresholds of the generated alerts. */
export interface UsageAlertOptions {
  /**
   * A team is alerted when, over the budget's window, it uses more than this share of the budget's rate.
   * @default 0.8
   */
  readonly budgetBurnRatio?: number;
  /**
   * 401 responses (rejected or missing keys) per 5 minutes on the Gateway above which an alert fires.
   * @default 20
   */
  readonly rejectedKeysPer5m?: number;
  /**
   * Alert this many days before a key's `notAfter`.
   * @default 14
   */
  readonly keyExpiryDays?: number;
  /**
   * Labels on the PrometheusRule, for the Prometheus `ruleSelector` (kube-prometheus-stack: `release: <name>`).
   * @default {}
   */
  readonly ruleLabels?: Readonly<Record<string, string>>;
}

/** Teams above this many distinct identity values make the team label a cardinality risk (warning). */
export const DEFAULT_CARDINALITY_WARNING_TEAMS = 50;

/** Per-team usage telemetry of one Gateway. */
export interface UsageOptions {
  /**
   * Base name: policy `<name>`, dashboard `<name>-dashboard`, alerts `<name>-alerts`, prices `<name>-model-prices`.
   * @default 'team-usage'
   */
  readonly name?: string;
  /**
   * Metric label holding the caller's team (the identity header's metadata value).
   * @default 'team'
   */
  readonly teamLabel?: string;
  /**
   * Put the team label on metrics. Turn off above a few hundred teams and attribute by `metadataLabels` instead
   * (logs and traces keep the team).
   * @default true
   */
  readonly teamLabelInMetrics?: boolean;
  /**
   * More labels from key metadata, such as a cost center, on metrics, logs and traces.
   * @default []
   */
  readonly metadataLabels?: readonly UsageMetadataLabel[];
  /**
   * Number of distinct teams above which the team label is reported as a cardinality risk.
   * @default 50
   */
  readonly cardinalityWarningTeams?: number;
  /**
   * Add the team attributes to the gateway's access log (stdout).
   * @default true
   */
  readonly accessLog?: boolean;
  /**
   * Also export access logs over OTLP.
   * @default - no OTLP log export
   */
  readonly otlpLogs?: UsageOtlpOptions;
  /**
   * Export traces over OTLP with the team attributes.
   * @default - no tracing
   */
  readonly tracing?: UsageTracingOptions;
  /**
   * Model prices: a `<name>-model-prices` ConfigMap (`catalog.json`) the Gateway's AgentgatewayParameters must
   * reference (`spec.modelCatalog`), so metrics and logs carry USD cost. Experimental in agentgateway.
   * @default - no catalog; cost panels stay empty
   */
  readonly modelPrices?: readonly ModelPrice[];
  /**
   * Emit the Grafana dashboard ConfigMap (label `grafana_dashboard: "1"`).
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Namespace of the dashboard ConfigMap (the one Grafana's sidecar watches).
   * @default - the Gateway's namespace
   */
  readonly dashboardNamespace?: string;
  /**
   * Emit the PrometheusRule, or tune it.
   * @default true
   */
  readonly alerts?: boolean | UsageAlertOptions;
  /**
   * Kind of the telemetry policy.
   * @default - the auth policy's kind (EnterpriseAgentgatewayPolicy with ext-auth)
   */
  readonly policyKind?: 'AgentgatewayPolicy' | 'EnterpriseAgentgatewayPolicy';
  /**
   * agentgateway release the CRDs come from; OTLP `url` needs v1.5.0 or later.
   * @default 'v1.4.1'
   */
  readonly agentgatewayVersion?: string;
}

/** A label of the telemetry policy and the CEL that reads its post-authentication value. */
export interface UsageLabel {
  readonly name: string;
  readonly metadataKey: string;
  readonly expression: string;
  /** Whether it is on metrics (logs and traces carry every label). */
  readonly inMetrics: boolean;
}

/** The usage with every default applied, as {@link resolveUsage} returns it. */
export interface UsageSpec {
  readonly name: string;
  readonly namespace: string;
  readonly gateway: GatewayRef;
  readonly policyKind: 'AgentgatewayPolicy' | 'EnterpriseAgentgatewayPolicy';
  /** The team label first, then the metadata labels. */
  readonly labels: readonly UsageLabel[];
  readonly teamLabel: string;
  readonly identity?: IdentityHeader;
  readonly cardinalityWarningTeams: number;
  readonly accessLog: boolean;
  readonly otlpLogs?: UsageOtlpOptions;
  readonly tracing?: UsageTracingOptions;
  readonly modelPrices: readonly ModelPrice[];
  readonly dashboard: boolean;
  readonly dashboardNamespace: string;
  readonly alerts?: Required<UsageAlertOptions>;
  readonly agentgatewayVersion: string;
  /** The auth policy the labels trust; undefined when there is none (an error). */
  readonly policy?: GatewayAuthPolicySpec;
}

/** What the usage render needs of each team. */
export interface UsageTeam {
  readonly path: string;
  readonly team: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly budgets?: readonly TeamBudget[];
  /** Keys valid at synth time, with their Secret (or ConfigMap) name and end of validity. */
  readonly keys: readonly { readonly name: string; readonly notAfter?: Date }[];
  /**
   * The routes on the team's Gateway, with the model each pins: a budget narrowed to routes or models counts on those
   * it matches, and its alert reads only their traffic.
   * @default - none known: a narrowed budget gets no budget alert (a team-wide one is unaffected)
   */
  readonly routes?: readonly TeamPolicyRoute[];
}

/** The CEL reading a metadata entry after authentication, or undefined where telemetry cannot read it safely. */
function metadataExpression(policy: GatewayAuthPolicySpec, metadataKey: string): string | undefined {
  const identity = policy.identityHeaders.find(h => h.metadataKey === metadataKey);
  if (identity) return identity.celExpression;
  // Built-in auth flattens every metadata entry of the validated key onto `apiKey`; ext-auth only passes what the
  // AuthConfig injects as a header.
  return policy.mode.builtIn ? apiKeyField(metadataKey) : undefined;
}

/** Applies the defaults of {@link UsageOptions} against the auth policy whose identity labels the telemetry. */
export function resolveUsage(options: UsageOptions, policy: GatewayAuthPolicySpec | undefined): UsageSpec {
  const gateway = policy?.gateway ?? new GatewayRef();
  const identity = policy ? teamIdentityHeader(policy) : undefined;
  const teamLabel = options.teamLabel ?? 'team';
  const teamInMetrics = options.teamLabelInMetrics ?? true;
  const labels: UsageLabel[] = [];
  if (identity) labels.push({ name: teamLabel, metadataKey: identity.metadataKey, expression: identity.celExpression, inMetrics: teamInMetrics });
  for (const l of options.metadataLabels ?? []) {
    labels.push({ name: l.name, metadataKey: l.metadataKey, expression: (policy && metadataExpression(policy, l.metadataKey)) ?? '', inMetrics: true });
  }
  const alerts = options.alerts ?? true;
  const builtInKind = policy?.mode.builtIn?.policyKind;
  return {
    name: options.name ?? 'team-usage',
    // A frontend policy targets the Gateway by a local reference: it lives in the Gateway's namespace.
    namespace: gateway.namespace,
    gateway,
    policyKind: options.policyKind ?? builtInKind ?? 'EnterpriseAgentgatewayPolicy',
    labels,
    teamLabel,
    identity,
    cardinalityWarningTeams: options.cardinalityWarningTeams ?? DEFAULT_CARDINALITY_WARNING_TEAMS,
    accessLog: options.accessLog ?? true,
    otlpLogs: options.otlpLogs,
    tracing: options.tracing,
    modelPrices: options.modelPrices ?? [],
    dashboard: options.dashboard ?? true,
    dashboardNamespace: options.dashboardNamespace ?? gateway.namespace,
    alerts: alerts === false ? undefined : {
      budgetBurnRatio: 0.8, rejectedKeysPer5m: 20, keyExpiryDays: 14, ruleLabels: {}, ...(alerts === true ? {} : alerts),
    },
    agentgatewayVersion: options.agentgatewayVersion ?? 'v1.4.1',
    policy,
  };
}

/** Names of the objects the usage emits, for clash checks. */
export function usageObjectIds(spec: UsageSpec): ObjectId[] {
  const ids: ObjectId[] = [{ kind: spec.policyKind, namespace: spec.namespace, name: spec.name, field: 'name' }];
  if (spec.dashboard) ids.push({ kind: 'ConfigMap', namespace: spec.dashboardNamespace, name: `${spec.name}-dashboard`, field: 'name' });
  if (spec.modelPrices.length > 0) ids.push({ kind: 'ConfigMap', namespace: spec.namespace, name: `${spec.name}-model-prices`, field: 'name' });
  if (spec.alerts) ids.push({ kind: 'PrometheusRule', namespace: spec.namespace, name: `${spec.name}-alerts`, field: 'name' });
  return ids;
}

const MONEY = /^(0|[1-9][0-9]*)(\.[0-9]{1,6})?$/;

/** The first release whose policy CRD has an OTLP `url` (v1.4.1's has only `backendRef`). */
const OTLP_URL_VERSION = 'v1.5.0';

/**
 * Checks the usage against its auth policy and teams: every label must read the post-authentication identity, never
 * a header a client could have sent. Warnings (label cardinality) go to `warn`.
 */
export function checkUsage(issues: IssueCollector, spec: UsageSpec, teams: readonly UsageTeam[], warn: (message: string) => void): void {
  checkDnsSubdomain(issues, 'name', spec.name);
  checkDnsLabel(issues, 'dashboardNamespace', spec.dashboardNamespace);
  const policy = spec.policy;
  if (!policy) {
    issues.add('policy', undefined, 'an auth policy: usage is attributed to the team of the key the gateway validated');
    return;
  }
  if (!spec.identity) {
    issues.add('policy.headersFromMetadata', policy.headersFromMetadata.map(h => h.header),
      'a required identity header (e.g. [{ header: "x-org" }]) on the auth policy: the team label reads its post-authentication value');
    return;
  }
  if (!policy.mode.builtIn && !policy.stripPolicy) {
    issues.add('policy.trustClientIdentityHeaders', true, 'false: with ext-auth the team label reads the injected header, which a client '
      + 'could forge unless the PreRouting strip removes client copies first');
  }
  const names = new Set<string>();
  spec.labels.forEach((label, i) => {
    const field = i === 0 ? 'teamLabel' : `metadataLabels[${i - 1}]`;
    if (typeof label.name !== 'string' || !LABEL_NAME.test(label.name) || label.name.startsWith('__')) {
      issues.add(i === 0 ? field : `${field}.name`, label.name, 'a Prometheus label name: letters, digits and _, not starting with a digit or __');
    } else if (BUILT_IN_LABELS.includes(label.name)) {
      issues.add(i === 0 ? field : `${field}.name`, label.name, `a name agentgateway does not set itself (${BUILT_IN_LABELS.join(', ')})`);
    } else if (names.has(label.name)) {
      issues.add(i === 0 ? field : `${field}.name`, label.name, 'a label name used once');
    }
    names.add(label.name);
    if (i > 0 && label.expression === '') {
      issues.add(`${field}.metadataKey`, label.metadataKey, 'with ext-auth, a metadata entry the AuthConfig injects as a header (list it in '
        + 'headersFromMetadata): other key metadata never reaches the gateway');
    }
    if (i > 0) {
      const lacking = teams.filter(t => !Object.hasOwn(t.metadata, label.metadataKey)).map(t => t.path);
      if (lacking.length > 0) {
        issues.add(`${field}.metadataKey`, label.metadataKey, `an entry every team's key metadata holds (missing on ${lacking.join(', ')}): `
          + 'a label that does not evaluate reads "unknown"');
      }
    }
  });
  const metricLabels = spec.labels.filter(l => l.inMetrics);
  if (metricLabels.length > MAX_METRIC_LABELS) {
    issues.add('metadataLabels', metricLabels.length, `at most ${MAX_METRIC_LABELS} metric labels (frontend.metrics.attributes.add holds ${MAX_METRIC_LABELS})`);
  }
  if (metricLabels.length === 0) issues.add('teamLabelInMetrics', false, 'true, or at least one of metadataLabels: metrics need a label to attribute by');
  if (!Number.isInteger(spec.cardinalityWarningTeams) || spec.cardinalityWarningTeams < 1) {
    issues.add('cardinalityWarningTeams', spec.cardinalityWarningTeams, 'a whole number of teams, at least 1');
  }
  checkOtlp(issues, 'otlpLogs', spec.otlpLogs, spec.agentgatewayVersion);
  checkOtlp(issues, 'tracing', spec.tracing, spec.agentgatewayVersion);
  const sampling = spec.tracing?.randomSampling;
  if (sampling !== undefined && (typeof sampling !== 'number' || !(sampling >= 0 && sampling <= 1))) {
    issues.add('tracing.randomSampling', sampling, 'a share from 0 to 1');
  }
  const seen = new Set<string>();
  spec.modelPrices.forEach((price, i) => {
    for (const f of ['provider', 'model'] as const) {
      if (typeof price[f] !== 'string' || price[f].length === 0) issues.add(`modelPrices[${i}].${f}`, price[f], 'a non-empty name');
    }
    for (const f of ['input', 'output'] as const) {
      if (!MONEY.test(String(price[f]))) issues.add(`modelPrices[${i}].${f}`, price[f], 'USD per 1M tokens as a plain decimal, at most 6 fractional digits (e.g. "0.15")');
    }
    const slot = `${price.provider}/${price.model}`;
    if (seen.has(slot)) issues.add(`modelPrices[${i}]`, slot, 'one price per provider and model');
    seen.add(slot);
  });
  const alerts = spec.alerts;
  if (alerts) {
    if (!(alerts.budgetBurnRatio > 0 && alerts.budgetBurnRatio <= 1)) issues.add('alerts.budgetBurnRatio', alerts.budgetBurnRatio, 'a share above 0, at most 1');
    if (!(Number.isInteger(alerts.rejectedKeysPer5m) && alerts.rejectedKeysPer5m >= 1)) issues.add('alerts.rejectedKeysPer5m', alerts.rejectedKeysPer5m, 'a whole number, at least 1');
    if (!(Number.isInteger(alerts.keyExpiryDays) && alerts.keyExpiryDays >= 1)) issues.add('alerts.keyExpiryDays', alerts.keyExpiryDays, 'a whole number of days, at least 1');
  }
  const values = new Set(teams.flatMap(t => Object.hasOwn(t.metadata, spec.identity!.metadataKey) ? [t.metadata[spec.identity!.metadataKey]] : []));
  if (spec.labels[0].inMetrics && values.size > spec.cardinalityWarningTeams) {
    warn(`[${spec.name}] teamLabel: ${values.size} teams put ${values.size} values on the "${spec.teamLabel}" label of every agentgateway metric `
      + `(more than ${spec.cardinalityWarningTeams}, cardinalityWarningTeams): consider metadataLabels with a group such as a cost center, and `
      + 'teamLabelInMetrics: false (logs and traces keep the team)');
  }
}

function checkOtlp(issues: IssueCollector, field: string, otlp: UsageOtlpOptions | undefined, version: string): void {
  if (otlp === undefined) return;
  if ((otlp.backendRef === undefined) === (otlp.url === undefined)) {
    issues.add(field, otlp.url ? 'both' : 'neither', 'exactly one of backendRef and url');
  }
  if (otlp.url !== undefined) {
    if (isServiceUrl(otlp.url) && !versionAtLeast(version, OTLP_URL_VERSION)) {
      issues.add(`${field}.url`, otlp.url, `a backendRef with agentgateway ${version} (its CRD has no OTLP url; set agentgatewayVersion to ${OTLP_URL_VERSION} or later)`);
    }
    checkServiceUrl(issues, `${field}.url`, otlp.url);
  }
  const ref = otlp.backendRef;
  if (ref !== undefined) {
    checkDnsSubdomain(issues, `${field}.backendRef.name`, ref.name);
    if ((ref.kind ?? 'Service') === 'Service' && !(Number.isInteger(ref.port) && ref.port! >= 1 && ref.port! <= 65535)) {
      issues.add(`${field}.backendRef.port`, ref.port, 'the Service port of the collector (1-65535), e.g. 4317 for OTLP/gRPC');
    }
  }
  if (otlp.protocol !== undefined && otlp.protocol !== 'GRPC' && otlp.protocol !== 'HTTP') issues.add(`${field}.protocol`, otlp.protocol, '"GRPC" or "HTTP"');
}
