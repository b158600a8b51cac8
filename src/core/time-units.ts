import type { BudgetUnit } from './team-policy';

/**
 * Seconds in each limit unit, the one table for every reader: usage queries scale a rate to the unit, the standalone
 * translation turns a unit into a fill interval. Local limits use Seconds to Hours; Days is for shared budgets.
 */
export const UNIT_SECONDS: Readonly<Record<BudgetUnit, number>> = { Seconds: 1, Minutes: 60, Hours: 3600, Days: 86_400 };
