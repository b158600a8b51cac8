import type { RE2JS } from 're2js';
import { requireWithCodeCache } from './code-cache';

// The API server runs CRD `pattern`s and CEL `matches()` with Go's RE2: linear time, whatever the input. JavaScript's
// backtracking engine can take exponential time on patterns such as `^(a+)+$`, so a crafted value would hang us.
const compiled = new Map<string, RE2JS>();

let engine: typeof RE2JS | undefined;

/** Compiles an RE2 pattern once; throws for patterns RE2 rejects (as the API server would). */
export function re2(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    // Loaded on the first pattern, with V8's code cache: compiling re2js's own code cost more than its patterns.
    engine ??= requireWithCodeCache<typeof import('re2js')>('re2js').RE2JS;
    re = engine.compile(pattern);
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether `pattern` matches anywhere in `input`, with RE2 semantics (CEL `matches`, JSON Schema `pattern`). */
export function re2Test(pattern: string, input: string): boolean {
  return re2(pattern).test(input);
}

/**
 * An ajv `code.regExp` engine with RE2 semantics; ajv shares compiled patterns by their `toString()`. `code` is how
 * cached, generated validators reach it (see compiled-cache.ts).
 */
export const re2Engine = Object.assign((pattern: string) => {
  const re = re2(pattern);
  return { test: (s: string) => re.test(s), toString: () => `/${pattern}/re2` };
}, { code: 'require("agw:re2").re2Engine' });

/**
 * {@link re2Engine} compiling each pattern on its first test, for cached validators: they compile all their
 * patterns when loaded, most of which a small input never reaches, and theirs were compiled once already.
 */
export const lazyRe2Engine = Object.assign((pattern: string) => {
  let re: RE2JS | undefined;
  return { test: (s: string) => (re ??= re2(pattern)).test(s), toString: () => `/${pattern}/re2` };
}, { code: re2Engine.code });
