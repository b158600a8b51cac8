import { BudgetScope } from '../shared-limits';
import { TeamBudget } from '../team-policy';
import { UNIT_SECONDS } from '../time-units';
import { REQUESTS_TOTAL, TOKEN_USAGE_SUM, promString } from './metrics';

/**
 * Label matchers of one Gateway, plus equal, regex and negated regex ones. `gateway` is `<namespace>/<name>`
 * (RouteIdentifier, as_gateway_name).
 */
export function matchers(gateway: string, extra: Record<string, string> = {}, regex: Record<string, string> = {},
  notRegex: Record<string, string> = {}): string {
  return `{${[`gateway=${promString(gateway)}`,
    ...Object.entries(extra).map(([k, v]) => `${k}=${promString(v)}`),
    ...Object.entries(regex).map(([k, v]) => `${k}=~${promString(v)}`),
    ...Object.entries(notRegex).map(([k, v]) => `${k}!~${promString(v)}`)].join(',')}}`;
}

/** How the gateway counts a budget (see usageBudgets): who counts it, and on which routes. */
export interface BudgetCounting {
  /** `replica`: each gateway replica (pod) counts alone, so the busiest one is compared; `shared`: the sum of all. */
  readonly scope: BudgetScope;
  /**
   * The routes (`namespace/name`, the metrics' `route` label) a narrowed budget counts on, each separately.
   * @default - team-wide: every route
   */
  readonly routes?: readonly string[];
  /**
   * For a team-wide per-replica budget: routes whose own policy repeats it, counting it apart from the rest.
   * @default - none
   */
  readonly separateRoutes?: readonly string[];
}

/** A regex matching exactly these label values (PromQL regexes are anchored). */
const anyOf = (values: readonly string[]) => values.map(v => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

/**
 * Share of a budget a team is using: its rate over the window, scaled to the budget's unit, divided by the budget,
 * counted as the gateway counts it (`counting`): summed over replicas for a shared budget, the busiest replica (`pod`)
 * for a per-replica one, the busiest route for one counted on routes separately. Tokens count input plus output, as
 * local token limits do. A window shorter than 5 minutes would hold too few scrapes, so Seconds and Minutes budgets
 * are averaged over 5 minutes, Hours and Days over one hour.
 */
export function budgetUseExpression(gateway: string, teamLabel: string, team: string, budget: TeamBudget,
  counting: BudgetCounting = { scope: 'shared' }): string {
  const unitSeconds = UNIT_SECONDS[budget.unit];
  const window = budget.unit === 'Hours' || budget.unit === 'Days' ? '1h' : '5m';
  const amount = budget.requests ?? budget.tokens ?? 1;
  const rate = (routes: Record<string, string> = {}, notRoutes: Record<string, string> = {}) => `rate(${budget.requests !== undefined
    ? `${REQUESTS_TOTAL}${matchers(gateway, { [teamLabel]: team }, routes, notRoutes)}`
    : `${TOKEN_USAGE_SUM}${matchers(gateway, { [teamLabel]: team }, { gen_ai_token_type: 'input|output', ...routes }, notRoutes)}`}[${window}])`;
  const perReplica = counting.scope === 'replica' ? ['pod'] : [];
  const by = (labels: readonly string[]) => labels.length > 0 ? ` by (${labels.join(', ')})` : '';
  let use: string;
  if (counting.routes !== undefined) {
    use = `max(sum${by([...perReplica, 'route'])} (${rate({ route: anyOf(counting.routes) })}))`;
  } else if (perReplica.length > 0 && counting.separateRoutes?.length) {
    // The two sides keep different labels, so `or` keeps both: every route apart, and the rest of the Gateway.
    const separate = anyOf(counting.separateRoutes);
    use = `max(sum${by([...perReplica, 'route'])} (${rate({ route: separate })}) or sum${by(perReplica)} (${rate({}, { route: separate })}))`;
  } else {
    use = perReplica.length > 0 ? `max(sum${by(perReplica)} (${rate()}))` : `sum(${rate()})`;
  }
  return `${use} * ${unitSeconds} / ${amount}`;
}

/** `100000 tokens/Hours`, `10 requests/Minutes on routes openai` (narrowed budgets name what they are narrowed to). */
export function describeBudget(budget: TeamBudget): string {
  const narrowed = [
    ...Array.isArray(budget.routes) ? [`on routes ${budget.routes.join(', ')}`] : [],
    ...Array.isArray(budget.models) ? [`for models ${budget.models.join(', ')}`] : [],
  ];
  return `${budget.requests !== undefined ? `${budget.requests} requests` : `${budget.tokens} tokens`}/${budget.unit}${narrowed.map(n => ` ${n}`).join('')}`;
}
