// Types only: @grafana/schema is a dev dependency, so nothing of it may load at run time.
import type { Dashboard, Panel } from '@grafana/schema';
import { Manifest } from '../manifest';
import { COST_USD_TOTAL, REQUESTS_TOTAL, REQUEST_DURATION_BUCKET, TOKEN_USAGE_SUM } from './metrics';
import { usageBudgets } from './budgets';
import { budgetUseExpression, describeBudget, matchers } from './promql';
import { UsageSpec, UsageTeam } from './spec';

/** Label Grafana's dashboard sidecar (grafana/helm-charts `sidecar.dashboards.label`) loads ConfigMaps by. */
export const GRAFANA_DASHBOARD_LABEL = 'grafana_dashboard';
/** Grafana's dashboard JSON schema version the panels are written for. */
export const DASHBOARD_SCHEMA_VERSION = 39;

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/**
 * A panel as the dashboard JSON holds it. The dashboard is built against `@grafana/schema`'s `Dashboard` type; the
 * public signature uses this structural subset so consumers need no Grafana package to type-check.
 */
export interface DashboardPanelJson {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly gridPos?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: readonly Readonly<Record<string, unknown>>[];
}

/** The dashboard JSON Grafana loads (see {@link DashboardPanelJson}). */
export interface DashboardJson {
  readonly title?: string;
  readonly uid?: string;
  readonly schemaVersion: number;
  readonly panels?: readonly (DashboardPanelJson | Readonly<Record<string, unknown>>)[];
}

/** A Prometheus query of a panel. */
interface Query {
  readonly expr: string;
  readonly legendFormat: string;
  readonly refId: string;
}

function panel(id: number, title: string, gridPos: Panel['gridPos'], type: string, unit: string, queries: readonly Omit<Query, 'refId'>[],
  description: string): Panel {
  return {
    id,
    type,
    title,
    description,
    gridPos,
    datasource: DATASOURCE,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: type === 'timeseries' ? { legend: { displayMode: 'table', placement: 'right', showLegend: true } } : {},
    targets: queries.map((q, i) => ({ datasource: DATASOURCE, expr: q.expr, legendFormat: q.legendFormat, refId: String.fromCharCode(65 + i) })),
  };
}

/** The label the dashboard groups by: the team, or the first metadata label when the team is kept off metrics. */
function groupLabel(spec: UsageSpec): string {
  return spec.labels.find(l => l.inMetrics)?.name ?? spec.teamLabel;
}

/**
 * The dashboard, typed against Grafana's published schema: per-team requests, tokens, cost, rejections, latency per
 * route, and budget use against each team's budgets. Every query reads only series agentgateway exports
 * (./metrics.ts cites the source). Grafana fills `$__rate_interval` and `$team` before Prometheus sees a query.
 */
export function usageDashboard(spec: UsageSpec, teams: readonly UsageTeam[]): DashboardJson {
  return grafanaDashboard(spec, teams);
}

function grafanaDashboard(spec: UsageSpec, teams: readonly UsageTeam[]): Dashboard {
  const gw = `${spec.gateway.namespace}/${spec.gateway.name}`;
  const by = groupLabel(spec);
  const sel = (extra: Record<string, string> = {}, regex: Record<string, string> = {}) => matchers(gw, extra, { [by]: '$team', ...regex });
  const w = 12;
  const h = 8;
  const panels: Panel[] = [
    panel(1, `Requests per ${by}`, { x: 0, y: 0, w, h }, 'timeseries', 'reqps',
      [{ expr: `sum by (${by}) (rate(${REQUESTS_TOTAL}${sel()}[$__rate_interval]))`, legendFormat: `{{${by}}}` }],
      'Requests per second, attributed to the team of the key the gateway validated; "unknown" is traffic without a valid key.'),
    panel(2, `Tokens per ${by}`, { x: w, y: 0, w, h }, 'timeseries', 'short',
      [{ expr: `sum by (${by}, gen_ai_token_type) (rate(${TOKEN_USAGE_SUM}${sel({}, { gen_ai_token_type: 'input|output' })}[$__rate_interval]))`,
        legendFormat: `{{${by}}} {{gen_ai_token_type}}` }],
      'Input and output tokens per second, as providers report them.'),
    panel(3, `Cost per ${by} (USD)`, { x: 0, y: h, w, h }, 'timeseries', 'currencyUSD',
      [{ expr: `sum by (${by}) (increase(${COST_USD_TOTAL}${sel()}[$__rate_interval]))`, legendFormat: `{{${by}}}` }],
      spec.modelPrices.length > 0
        ? 'USD priced from the model catalog (experimental in agentgateway).'
        : 'Empty until a model price catalog is configured (modelPrices).'),
    panel(4, 'Rejected requests: 401 / 403 / 429', { x: w, y: h, w, h }, 'timeseries', 'reqps',
      [{ expr: `sum by (${by}, status) (rate(${REQUESTS_TOTAL}${sel({}, { status: '401|403|429' })}[$__rate_interval]))`, legendFormat: `{{${by}}} {{status}}` }],
      '401: missing or unknown key (no team: "unknown"); 403: access denied; 429: budget exhausted.'),
    panel(5, 'Latency per route (p50, p95)', { x: 0, y: 2 * h, w, h }, 'timeseries', 's',
      [0.5, 0.95].map(q => ({
        expr: `histogram_quantile(${q}, sum by (le, route) (rate(${REQUEST_DURATION_BUCKET}${sel()}[$__rate_interval])))`,
        legendFormat: `{{route}} p${q * 100}`,
      })),
      'End-to-end request duration at the gateway, per HTTPRoute (namespace/name).'),
  ];
  const budgets = usageBudgets(spec, teams);
  if (budgets.length > 0 && spec.labels[0]?.inMetrics) {
    panels.push(panel(6, 'Budget use per team', { x: w, y: 2 * h, w, h }, 'bargauge', 'percentunit',
      budgets.map(b => ({ expr: budgetUseExpression(gw, spec.teamLabel, b.value, b.budget, b.counting), legendFormat: `${b.team.team} ${describeBudget(b.budget)}` })),
      'Share of each budget in use: the rate over the budget window, scaled to its unit, counted as the gateway counts it: '
        + 'summed over replicas for a shared budget, the busiest replica (pod) for a per-replica one, the busiest route for one narrowed to routes.'));
  }
  return {
    title: `Team usage: ${gw}`,
    uid: `agc-${spec.name}`.slice(0, 40),
    tags: ['agentgateway', 'agentgateway-constructs'],
    editable: false,
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    time: { from: 'now-24h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Data source' },
        {
          name: 'team', type: 'query', label: by, datasource: DATASOURCE, includeAll: true, multi: true, allValue: '.*',
          query: `label_values(${REQUESTS_TOTAL}${matchers(gw)}, ${by})`, refresh: 2,
        },
      ],
    },
    panels,
  };
}

/** The dashboard as a ConfigMap Grafana's sidecar loads (label `grafana_dashboard: "1"`). */
export function renderUsageDashboard(spec: UsageSpec, teams: readonly UsageTeam[]): Manifest {
  const name = `${spec.name}-dashboard`;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: spec.dashboardNamespace, labels: { [GRAFANA_DASHBOARD_LABEL]: '1' } },
    data: { [`${name}.json`]: `${JSON.stringify(usageDashboard(spec, teams), null, 2)}\n` },
  };
}
