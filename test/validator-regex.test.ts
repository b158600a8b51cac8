import { ManifestValidator, rewriteMatches } from '../src/validate';

/** A validator that knows one made-up kind, `example.com/v1` `Widget`, whose `spec` has `specSchema`. */
function widgetValidator(specSchema: object): ManifestValidator {
  const validator = new ManifestValidator();
  validator.addCrd({
    spec: {
      group: 'example.com', names: { kind: 'Widget' },
      versions: [{ name: 'v1', served: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: specSchema } } } }],
    },
  });
  return validator;
}

const widget = (spec: object) => ({ object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec } });

/** Runs `run` and returns how long it took, in milliseconds. */
function elapsed(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

// A backtracking engine needs about 2^n steps for `^(a+)+$` on n "a"s and a mismatch: minutes at 37, forever at 40.
const EVIL = '^(a+)+$';
const EVIL_INPUT = `${'a'.repeat(40)}!`;
const HUGE_INPUT = `${'a'.repeat(150 * 1024)}!`;

describe('the validator runs regular expressions with RE2 semantics (linear time), as the API server does', () => {
  test('a CRD pattern that backtracks exponentially finishes at once on a crafted value', () => {
    const validator = widgetValidator({ type: 'object', properties: { name: { type: 'string', pattern: EVIL } } });
    let messages: string[] = [];
    const ms = elapsed(() => {
      messages = validator.validate([widget({ name: EVIL_INPUT }), widget({ name: HUGE_INPUT })]).problems.map(p => p.path);
    });
    expect(messages).toEqual(['/spec/name', '/spec/name']);
    expect(ms).toBeLessThan(2000);
    expect(validator.validate([widget({ name: 'aaaa' })]).problems).toEqual([]);
  });

  test('CEL matches(), method and global form, finishes at once on a crafted value', () => {
    const validator = widgetValidator({
      type: 'object', properties: { name: { type: 'string' } }, 'x-kubernetes-validations': [
        { rule: `self.name.matches('${EVIL}')`, message: 'method form' },
        { rule: `matches(self.name, '${EVIL}')`, message: 'global form' },
      ],
    });
    let messages: string[] = [];
    const ms = elapsed(() => {
      messages = validator.validate([widget({ name: EVIL_INPUT }), widget({ name: HUGE_INPUT })]).problems.map(p => p.message);
    });
    expect(messages).toEqual(['method form', 'global form', 'method form', 'global form']);
    expect(ms).toBeLessThan(2000);
    expect(validator.validate([widget({ name: 'aaaa' })]).problems).toEqual([]);
  });

  test('matches() finds a match anywhere unless anchored, as RE2 does', () => {
    const validator = widgetValidator({
      type: 'object', properties: { name: { type: 'string' } },
      'x-kubernetes-validations': [{ rule: "self.name.matches('b+')", message: 'needs b' }],
    });
    expect(validator.validate([widget({ name: 'abbc' })]).problems).toEqual([]);
    expect(validator.validate([widget({ name: 'ac' })]).problems.map(p => p.message)).toEqual(['needs b']);
  });

  test('only method calls are rewritten, never string literals', () => {
    expect(rewriteMatches("self.a.matches('x') && self.b == '.matches(' && \"q.matches(\" != ''"))
      .toBe("self.a.k8sRe2Matches('x') && self.b == '.matches(' && \"q.matches(\" != ''");
  });
});
