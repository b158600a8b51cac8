// What agentgateway really exports, so every panel and alert reads existing series. Source:
// agentgateway/agentgateway crates/agentgateway/src/telemetry/metrics.rs (v1.4.1 and main@75b4e6c): metrics are
// registered under the `agentgateway` prefix (crates/core/src/metrics.rs PREFIX); counters get `_total`, units are
// appended before it (`Unit::Seconds`, `Unit::Other("usd")`). Custom labels (`frontend.metrics.attributes`,
// `CustomField`) are flattened into HTTPLabels, GenAILabels and MCPCall, so the team label is on every series below.

/** `agentgateway_requests_total`: HTTPLabels (backend, protocol, method, status, reason, bind, gateway, listener, route, route_rule). */
export const REQUESTS_TOTAL = 'agentgateway_requests_total';
/** `request_duration` histogram with `Unit::Seconds`: HTTPLabels. */
export const REQUEST_DURATION_BUCKET = 'agentgateway_request_duration_seconds_bucket';
/**
 * `gen_ai_client_token_usage` histogram: GenAILabelsTokenUsage, `gen_ai_token_type` is `input`, `output`,
 * `input_cache_read` or `input_cache_write` (crates/agentgateway/src/telemetry/log.rs); `_sum` counts tokens.
 */
export const TOKEN_USAGE_SUM = 'agentgateway_gen_ai_client_token_usage_sum';
/** `gen_ai_client_cost` counter with unit `usd`: GenAILabels; only non-zero with a model cost catalog. */
export const COST_USD_TOTAL = 'agentgateway_gen_ai_client_cost_usd_total';

/**
 * Label names agentgateway sets itself on the series above (RouteIdentifier, HTTPLabels, GenAILabels,
 * GenAILabelsTokenUsage, MCPCall, CostCatalogLookupLabels): a custom label of the same name would collide.
 */
export const BUILT_IN_LABELS: readonly string[] = [
  'backend', 'protocol', 'method', 'status', 'reason', 'bind', 'gateway', 'listener', 'route', 'route_rule',
  'gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model', 'gen_ai_response_model', 'gen_ai_token_type',
  'resource_type', 'server', 'resource', 'le', 'job', 'instance', 'namespace', 'pod',
];

/** `frontend.metrics.attributes.add` holds at most 16 labels (AgentgatewayPolicy CRD, both versions). */
export const MAX_METRIC_LABELS = 16;

/** A Prometheus label name that is not reserved (`__` prefix). */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A PromQL string literal. */
export function promString(value: string): string {
  return JSON.stringify(value);
}
