import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { cachedValidatorFile, compileSchema } from '../src/validate/compiled-cache';

// Compiled CRD validators are cached as generated code (plus V8's code cache) under node_modules/.cache; a cached
// validator must judge exactly as a freshly compiled one, and a damaged entry must only cost the speed-up.

/** A schema no earlier run has cached: RE2 patterns, Kubernetes formats, enums and pruning, as CRDs use them. */
const schema = {
  description: `cache test ${process.pid} ${Date.now()}`,
  type: 'object', additionalProperties: false, required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    port: { type: 'integer', format: 'int32' },
    data: { type: 'string', format: 'byte' },
    mode: { type: 'string', enum: ['a', 'b'] },
    created: { type: 'string', format: 'date-time' },
  },
};
const samples: unknown[] = [
  { name: 'ok', port: 443, data: 'aGk=', mode: 'a', created: '2026-11-27T00:00:00Z' },
  { name: 'Not_OK', port: 2 ** 31, data: 'not base64!', mode: 'c', created: 'yesterday', extra: 1 },
  { port: 1.5 }, 'text', null,
];
const damaged = { ...schema, description: `${schema.description} damaged` };
afterAll(() => {
  for (const file of [cachedValidatorFile(schema)!, cachedValidatorFile(damaged)!]) for (const f of [file, `${file}.v8`]) rmSync(f, { force: true });
});
const verdicts = (validate: ReturnType<typeof compileSchema>) => samples.map(sample => [validate(sample), validate.errors ?? null]);

test('a cached validator judges exactly as a freshly compiled one, also after V8 cached it', () => {
  const file = cachedValidatorFile(schema)!;
  expect(file).toBeDefined();
  expect(existsSync(file)).toBe(false);
  const fresh = verdicts(compileSchema(schema));
  expect(fresh[0][0]).toBe(true);
  expect(fresh[1][0]).toBe(false);
  expect((fresh[1][1] as { keyword: string }[]).map(e => e.keyword).sort()).toEqual(['additionalProperties', 'enum', 'format', 'format', 'format', 'pattern']);
  expect(existsSync(file)).toBe(true);
  expect(verdicts(compileSchema(schema))).toEqual(fresh); // from the generated code; writes V8's cache
  expect(existsSync(`${file}.v8`)).toBe(true);
  expect(verdicts(compileSchema(schema))).toEqual(fresh); // with V8's cache
});

test('a damaged cache entry is compiled again', () => {
  compileSchema(damaged);
  writeFileSync(cachedValidatorFile(damaged)!, 'module.exports = (');
  writeFileSync(`${cachedValidatorFile(damaged)!}.v8`, 'not a code cache');
  expect(verdicts(compileSchema(damaged))).toEqual(verdicts(compileSchema(schema)));
});
