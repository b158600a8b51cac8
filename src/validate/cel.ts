import { Environment } from '@marcbachmann/cel-js';
import { Quantity } from './quantity';
import { re2Test } from './re2';

/**
 * The engine's environment type. Imported as an ES module type, so CommonJS consumers' type checks (`module: node16`)
 * accept the published `.d.ts`.
 */
export type CelEnvironment = import('@marcbachmann/cel-js', { with: { 'resolution-mode': 'import' } }).Environment;

/** A compiled `x-kubernetes-validations` rule, or why it cannot be evaluated here. */
export type CompiledRule =
  | { readonly kind: 'evaluable'; evaluate(self: unknown): unknown }
  | { readonly kind: 'transition' }
  | { readonly kind: 'unsupported'; readonly reason: string };

/**
 * A CEL environment with the Kubernetes extensions these CRDs use on top of the CEL standard library
 * (`has`, `size`, macros, `matches`, string and list functions, `duration`, `int`, `string`): `quantity()` and
 * its comparisons, `isQuantity`, `isURL`, and the global `matches(string, string)`.
 */
export function kubernetesCelEnvironment(): CelEnvironment {
  const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false })
    .registerType('Quantity', Quantity)
    .registerFunction('quantity(string): Quantity', (s: string) => Quantity.parse(s))
    .registerFunction('isQuantity(string): bool', (s: string) => Quantity.isQuantity(s))
    .registerFunction('isURL(string): bool', (s: string) => URL.canParse(s))
    // The standard library's global form of `s.matches(re)`, which the engine lacks.
    .registerFunction('matches(string, string): bool', re2Matches)
    .registerFunction(`string.${RE2_MATCHES}(string): bool`, re2Matches)
    .registerFunction(`${HAS_FIELD}(dyn, string): bool`, (target: unknown, field: string) =>
      target !== null && typeof target === 'object' && !Array.isArray(target) && (target as Record<string, unknown>)[field] !== undefined);
  const comparisons: Record<string, (c: number) => boolean> = {
    isLessThan: c => c < 0, isGreaterThan: c => c > 0,
  };
  for (const [name, test] of Object.entries(comparisons)) {
    env.registerFunction({
      name, receiverType: 'Quantity', returnType: 'bool', params: [{ name: 'other', type: 'Quantity' }],
      handler: (a: Quantity, b: Quantity) => test(a.compareTo(b)),
    });
  }
  env.registerFunction({
    name: 'compareTo', receiverType: 'Quantity', returnType: 'int', params: [{ name: 'other', type: 'Quantity' }],
    handler: (a: Quantity, b: Quantity) => BigInt(a.compareTo(b)),
  });
  return env;
}

const HAS_FIELD = 'k8sHasField';
/** `s.matches(re)` is rewritten to this, so it runs with RE2 semantics instead of the engine's JavaScript RegExp. */
const RE2_MATCHES = 'k8sRe2Matches';

function re2Matches(s: string, pattern: string): boolean {
  try {
    return re2Test(pattern, s);
  } catch {
    throw new Error(`invalid regular expression (RE2 syntax): ${JSON.stringify(pattern.slice(0, 100))}`);
  }
}

/** Rewrites the method form `x.matches(re)` to the RE2 function (not inside string literals). */
export function rewriteMatches(rule: string): string {
  return rule.replace(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|\.matches\(/g, (_match, literal) => literal ?? `.${RE2_MATCHES}(`);
}

/**
 * Rewrites `has(x[i].f)` as `k8sHasField(x[i], 'f')`: CEL allows any expression before the selected field, the
 * engine only a chain of field names. Both mean "the map has key f".
 */
export function rewriteIndexedHas(rule: string): string {
  let out = '';
  let at = 0;
  for (let start = rule.indexOf('has(', at); start >= 0; start = rule.indexOf('has(', at)) {
    const open = start + 3;
    let depth = 0;
    let close = open;
    for (; close < rule.length; close++) {
      if (rule[close] === '(') depth++;
      else if (rule[close] === ')' && --depth === 0) break;
    }
    const argument = rule.slice(open + 1, close);
    const select = /^(.*\])\.([A-Za-z_][A-Za-z0-9_]*)$/s.exec(argument.trim());
    const isIdentifierStart = start === 0 || !/[A-Za-z0-9_.]/.test(rule[start - 1]);
    out += rule.slice(at, start);
    out += select && isIdentifierStart ? `${HAS_FIELD}(${select[1]}, '${select[2]}')` : rule.slice(start, close + 1);
    at = close + 1;
  }
  return out + rule.slice(at);
}

/**
 * Where a {@link RuleCompiler} keeps what type-checking gave for each (rewritten) rule: `null` when it checked fine,
 * otherwise why it cannot be evaluated here; `undefined` when not known.
 */
export interface RuleChecks {
  get(expression: string): string | null | undefined;
  set(expression: string, reason: string | null): void;
}

/** Compiles rules once each; the same rule text recurs across a CRD, so the cache pays off. */
export class RuleCompiler {
  private readonly env = kubernetesCelEnvironment();
  private readonly cache = new Map<string, CompiledRule>();

  /** @param checks earlier type-checks' results, so a rule already checked is only parsed (default: none) */
  public constructor(private readonly checks?: RuleChecks) {}

  public compile(rule: string): CompiledRule {
    let compiled = this.cache.get(rule);
    if (!compiled) {
      compiled = this.compileUncached(rule);
      this.cache.set(rule, compiled);
    }
    return compiled;
  }

  private compileUncached(rule: string): CompiledRule {
    // Transition rules compare with the stored object, which a client-side check does not have.
    if (/\boldSelf\b/.test(rule)) return { kind: 'transition' };
    try {
      const expression = rewriteMatches(rewriteIndexedHas(rule));
      let reason = this.checks?.get(expression);
      if (reason === undefined) {
        const checked = this.env.check(expression);
        reason = checked.valid ? null : (checked.error?.message ?? 'type check failed').split('\n')[0];
        this.checks?.set(expression, reason);
      }
      if (reason !== null) return { kind: 'unsupported', reason };
      const program = this.env.parse(expression);
      return { kind: 'evaluable', evaluate: (self: unknown) => program({ self }) };
    } catch (e) {
      return { kind: 'unsupported', reason: (e as Error).message.split('\n')[0] };
    }
  }
}
