// The CEL engine simulate evaluates our emitted expressions with (the same strings the gateway runs).
import { Environment } from '@marcbachmann/cel-js';

let environment: Environment | undefined;

/** One shared environment: variables are dynamic, as the gateway's request context is. */
export function celEnvironment(): Environment {
  environment ??= new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
  return environment;
}

export type CelOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** Evaluates an expression; an error is a value here, since the gateway treats failures as data (false, skipped). */
export function tryCel(expression: string, context: Record<string, unknown>): CelOutcome {
  try {
    const value = celEnvironment().evaluate(expression, context);
    return { ok: true, value: typeof value === 'bigint' ? value.toString() : value };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}
