// Executable access tests for CI: a YAML table of requests and what the gateway must do with each.

import { RFC3339_EXPECTED, parseRfc3339 } from '../core/time';
import { yamlLibrary } from '../core/yaml-schema';
import { PlainManifest } from './manifests';
import { SimulatedRequest, SimulationResult, keyOfError, simulateRequest } from './simulate';

/** What one request must produce; every field given is checked, the others are not. */
export interface ExpectedOutcome {
  readonly status?: number;
  /** The name of the Secret (or ConfigMap) holding the matched key, e.g. `team1-apikey`. */
  readonly team?: string;
  /** Headers forwarded upstream: a value must match exactly, `null` means the header must be absent. */
  readonly upstreamHeaders?: Readonly<Record<string, string | null>>;
  /** The first backend's name, e.g. `openai-all-models`. */
  readonly backend?: string;
  readonly provider?: string;
  readonly model?: string;
  /** Where the provider credential comes from, e.g. `Secret agentgateway-system/openai-secret entry Authorization`. */
  readonly credential?: string;
  /** The rate limits that apply; every field given is checked. */
  readonly rateLimit?: ExpectedRateLimit;
}

/** Rate limits and budgets, as `simulate` summarizes them. */
export interface ExpectedRateLimit {
  /** Every applying limit's summary, in order, e.g. `60 requests/Minutes (+10 burst), per replica`; `[]` for none. */
  readonly limits?: readonly string[];
  /** How many limits written in the manifests the gateway skips for this request (a failing descriptor, say). */
  readonly skipped?: number;
  /** Text the refusing limit's source contains (a request `count` over a request limit gives 429). */
  readonly limitedBy?: string;
}

/** One row: a request (its key from an environment variable or a named Secret, never written here) and its outcome. */
export interface Expectation {
  readonly name: string;
  readonly request: Omit<SimulatedRequest, 'key' | 'time'> & { readonly keyEnv?: string; readonly time?: string };
  readonly expect: ExpectedOutcome;
}

export interface ExpectationResult {
  readonly name: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
  readonly result?: SimulationResult;
}

/** Thrown for a malformed expectations file: the file, the row and field, what was found and what was expected. */
export class ExpectationsError extends Error {
  override name = 'ExpectationsError';
}

const REQUEST_FIELDS = new Set(['method', 'path', 'host', 'headers', 'keyEnv', 'keyOf', 'model', 'time', 'gateway', 'count']);
const EXPECT_FIELDS = new Set(['status', 'team', 'upstreamHeaders', 'backend', 'provider', 'model', 'credential', 'rateLimit']);
const RATE_LIMIT_FIELDS = new Set(['limits', 'skipped', 'limitedBy']);

/**
 * Parses an expectations file: `expectations: [{name, request: {...}, expect: {...}}]`. A literal `key` is refused:
 * keys come from `keyEnv` (an environment variable's name) or `keyOf` (a Secret's name), so none lands in a repo.
 */
export function parseExpectations(text: string, file: string): Expectation[] {
  const { isMap, isSeq, parseDocument } = yamlLibrary();
  const doc = parseDocument(text, { uniqueKeys: true, logLevel: 'error' }); // no warning quotes a key-like map key
  const where = (path: string, node?: unknown) => {
    const range = (node as { range?: [number, number] } | undefined)?.range;
    if (!range) return `${file}: ${path}`;
    const before = text.slice(0, range[0]).split('\n');
    return `${file}:${before.length}:${before[before.length - 1].length + 1}: ${path}`;
  };
  if (doc.errors.length > 0) throw new ExpectationsError(`${file}: ${doc.errors[0].message.split('\n')[0]}`);
  const rows = doc.get('expectations', true);
  if (!isSeq(rows)) throw new ExpectationsError(`${where('expectations', rows)}: expected a list of {name, request, expect}, got ${rows === undefined ? 'nothing' : 'something else'}`);
  return rows.items.map((node, i) => {
    const path = `expectations[${i}]`;
    if (!isMap(node)) throw new ExpectationsError(`${where(path, node)}: expected {name, request, expect}`);
    const row = node.toJS(doc) as Record<string, any>;
    const located = (field: string) => {
      const at = field.split('.').reduce<unknown>((n, k) => (isMap(n) ? n.get(k, true) : undefined), node);
      return where(`${path}.${field}`, at ?? node);
    };
    const fail = (field: string, expected: string, value: unknown) => {
      throw new ExpectationsError(`${located(field)}: expected ${expected}, got ${JSON.stringify(value) ?? 'nothing'}`);
    };
    if (typeof row.name !== 'string' || row.name.length === 0) fail('name', 'a non-empty string', row.name);
    const request = row.request;
    if (!request || typeof request !== 'object' || Array.isArray(request)) fail('request', 'a map with at least `path`', request);
    for (const k of Object.keys(request)) {
      if (k === 'key') fail('request.key', 'no key in the file: use keyEnv (an environment variable\'s name) or keyOf (a Secret\'s name)', '<not shown>');
      if (!REQUEST_FIELDS.has(k)) fail(`request.${k}`, `one of ${[...REQUEST_FIELDS].join(', ')}`, k);
    }
    if (typeof request.path !== 'string' || !request.path.startsWith('/')) fail('request.path', 'a path starting with /', request.path);
    if (request.keyEnv !== undefined && request.keyOf !== undefined) fail('request.keyEnv', 'either keyEnv or keyOf, not both', request.keyEnv);
    const keyOfProblem = request.keyOf === undefined ? undefined : keyOfError(request.keyOf);
    if (keyOfProblem) throw new ExpectationsError(`${located('request.keyOf')}: ${keyOfProblem}`);
    // Offset required: a local time would compare against not-after differently on each machine.
    if (request.time !== undefined && parseRfc3339(request.time) === undefined) fail('request.time', RFC3339_EXPECTED, request.time);
    for (const [k, v] of Object.entries(request.headers ?? {})) if (typeof v !== 'string') fail(`request.headers.${k}`, 'a string', v);
    const expect = row.expect;
    if (!expect || typeof expect !== 'object' || Array.isArray(expect)) fail('expect', `a map of ${[...EXPECT_FIELDS].join(', ')}`, expect);
    for (const k of Object.keys(expect)) if (!EXPECT_FIELDS.has(k)) fail(`expect.${k}`, `one of ${[...EXPECT_FIELDS].join(', ')}`, k);
    if (expect.status !== undefined && !Number.isInteger(expect.status)) fail('expect.status', 'an HTTP status such as 200 or 401', expect.status);
    if (request.count !== undefined && (!Number.isInteger(request.count) || request.count < 1)) fail('request.count', 'a whole number from 1 (the request\'s position in a burst)', request.count);
    const rl = expect.rateLimit;
    if (rl !== undefined) {
      if (!rl || typeof rl !== 'object' || Array.isArray(rl)) fail('expect.rateLimit', `a map of ${[...RATE_LIMIT_FIELDS].join(', ')}`, rl);
      for (const k of Object.keys(rl)) if (!RATE_LIMIT_FIELDS.has(k)) fail(`expect.rateLimit.${k}`, `one of ${[...RATE_LIMIT_FIELDS].join(', ')}`, k);
      if (rl.limits !== undefined && !(Array.isArray(rl.limits) && rl.limits.every((l: unknown) => typeof l === 'string'))) fail('expect.rateLimit.limits', 'a list of limit summaries such as "10 requests/Minutes, per replica"', rl.limits);
      if (rl.skipped !== undefined && !Number.isInteger(rl.skipped)) fail('expect.rateLimit.skipped', 'a whole number', rl.skipped);
      if (rl.limitedBy !== undefined && typeof rl.limitedBy !== 'string') fail('expect.rateLimit.limitedBy', 'text of the refusing limit\'s source', rl.limitedBy);
    }
    if (request.time instanceof Date) request.time = request.time.toISOString();
    return { name: row.name, request, expect } as Expectation;
  });
}

const sourceName = (source: string) => /^(?:Secret|ConfigMap) [^/]+\/(\S+)/.exec(source)?.[1];

/** Runs every expectation; a missing key environment variable fails its row rather than simulating without a key. */
export function runExpectations(manifests: readonly PlainManifest[], expectations: readonly Expectation[],
  env: Readonly<Record<string, string | undefined>>): ExpectationResult[] {
  return expectations.map(({ name, request, expect }) => {
    const { keyEnv, time, ...rest } = request;
    const key = keyEnv === undefined ? undefined : env[keyEnv];
    if (keyEnv !== undefined && !key) return { name, passed: false, failures: [`environment variable ${keyEnv} is not set or empty`] };
    const result = simulateRequest(manifests, { ...rest, ...(key !== undefined ? { key } : {}), ...(time ? { time: new Date(time) } : {}) });
    const failures: string[] = [];
    const check = (field: string, expected: unknown, actual: unknown) => {
      if (expected !== undefined && expected !== actual) failures.push(`${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual) ?? 'nothing'}`);
    };
    check('status', expect.status, result.status);
    check('team', expect.team, result.auth.identity ? sourceName(result.auth.identity.source) : undefined);
    for (const [header, value] of Object.entries(expect.upstreamHeaders ?? {})) {
      const actual = result.upstreamHeaders?.[header.toLowerCase()];
      if (value === null ? actual !== undefined : actual !== value) {
        failures.push(`upstream header ${header}: expected ${value === null ? 'absent' : JSON.stringify(value)}, got ${actual === undefined ? 'absent' : JSON.stringify(actual)}`);
      }
    }
    const backend = result.backends[0];
    check('backend', expect.backend, backend?.ref.split('/').pop());
    check('provider', expect.provider, backend?.provider);
    check('model', expect.model, backend?.model);
    check('credential', expect.credential, backend?.credential);
    checkRateLimit(expect.rateLimit, result, failures);
    return { name, passed: failures.length === 0, failures, result };
  });
}

function checkRateLimit(expected: ExpectedRateLimit | undefined, result: SimulationResult, failures: string[]): void {
  if (!expected) return;
  const report = result.rateLimits;
  if (!report) {
    failures.push(`rateLimit: expected rate limits to be evaluated, but the request stopped before them (${result.status})`);
    return;
  }
  const summaries = report.limits.map(l => l.summary);
  if (expected.limits !== undefined && JSON.stringify(expected.limits) !== JSON.stringify(summaries)) {
    failures.push(`rateLimit.limits: expected ${JSON.stringify(expected.limits)}, got ${JSON.stringify(summaries)}`);
  }
  if (expected.skipped !== undefined && expected.skipped !== report.skipped.length) {
    failures.push(`rateLimit.skipped: expected ${expected.skipped}, got ${report.skipped.length}${report.skipped.length ? ` (${report.skipped.map(s => s.source).join('; ')})` : ''}`);
  }
  if (expected.limitedBy !== undefined && !(report.limitedBy ?? '').includes(expected.limitedBy)) {
    failures.push(`rateLimit.limitedBy: expected a limit from ${JSON.stringify(expected.limitedBy)}, got ${report.limitedBy === undefined ? 'none' : JSON.stringify(report.limitedBy)}`);
  }
}

/** One line per row, failures indented under it; the result's reason explains a wrong status. */
export function formatExpectationResults(results: readonly ExpectationResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${r.passed ? 'ok  ' : 'FAIL'} ${r.name}`);
    for (const f of r.failures) lines.push(`       ${f}`);
    if (!r.passed && r.result) lines.push(`       (${r.result.status} ${r.result.outcome}: ${r.result.reason})`);
  }
  const failed = results.filter(r => !r.passed).length;
  lines.push(`${results.length - failed} of ${results.length} expectations met`);
  return `${lines.join('\n')}\n`;
}
