import { TeamBudget } from '../team-policy';
import { UNIT_SECONDS } from '../time-units';
import { REQUESTS_TOTAL, TOKEN_USAGE_SUM, promString } from './metrics';

/** Label matchers of one Gateway, plus more. `gateway` is `<namespace>/<name>` (RouteIdentifier, as_gateway_name). */
export function matchers(gateway: string, extra: Record<string, string> = {}, regex: Record<string, string> = {}): string {
  return `{${[`gateway=${promString(gateway)}`,
    ...Object.entries(extra).map(([k, v]) => `${k}=${promString(v)}`),
    ...Object.entries(regex).map(([k, v]) => `${k}=~${promString(v)}`)].join(',')}}`;
}

/**
 * Share of a budget a team is using: its rate over the window, scaled to the budget's unit, divided by the budget.
 * Tokens count input plus output, as local token limits do. A window shorter than 5 minutes would hold too few
 * scrapes, so Seconds and Minutes budgets are averaged over 5 minutes, Hours and Days over one hour.
 */
export function budgetUseExpression(gateway: string, teamLabel: string, team: string, budget: TeamBudget): string {
  const unitSeconds = UNIT_SECONDS[budget.unit];
  const window = budget.unit === 'Hours' || budget.unit === 'Days' ? '1h' : '5m';
  const amount = budget.requests ?? budget.tokens ?? 1;
  const series = budget.requests !== undefined
    ? `${REQUESTS_TOTAL}${matchers(gateway, { [teamLabel]: team })}`
    : `${TOKEN_USAGE_SUM}${matchers(gateway, { [teamLabel]: team }, { gen_ai_token_type: 'input|output' })}`;
  return `sum(rate(${series}[${window}])) * ${unitSeconds} / ${amount}`;
}

/** `100000 tokens/Hours`. */
export function describeBudget(budget: TeamBudget): string {
  return `${budget.requests !== undefined ? `${budget.requests} requests` : `${budget.tokens} tokens`}/${budget.unit}`;
}
