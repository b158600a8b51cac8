import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { ValidateFunction } from 'ajv';
import { SchemaPath, cachedDerivedValidatorFile, compileDerivedSchema, compileSchema, splitSchema } from '../src/validate/compiled-cache';

// Large CRD validators are split by property into parts loaded when an object has that property. A split validator
// must judge exactly as the whole schema's: the same verdict and the same errors, field by field, in the same order.

const leaf = { type: 'string', maxLength: 3, pattern: '^[a-z]*$' };
const closed = (properties: Record<string, any>, extra: object = {}): any => ({ type: 'object', additionalProperties: false, properties, ...extra });

/** What CRDs hold, converted: required, pruning, combinators naming split properties, lists, maps, nullable, odd keys. */
const schema = closed({
  apiVersion: { type: 'string' },
  spec: closed({
    a: closed({ x: leaf, y: { type: 'integer', minimum: 0, maximum: 9 }, 'we/ird~ key': leaf }),
    list: { type: 'array', maxItems: 3, items: closed({ name: leaf, deep: { ...closed({ z: leaf }), type: ['object', 'null'] } }, { required: ['name'] }) },
    map: { type: 'object', additionalProperties: closed({ v: leaf, w: closed({ u: leaf }) }) },
    mode: { type: 'string', enum: ['A', 'B'] },
    never: false,
  }, {
    required: ['a'],
    anyOf: [{ required: ['list'] }, { required: ['map'] }],
    oneOf: [{ properties: { a: { required: ['x'] } } }, { properties: { a: { required: ['y'] } } }],
  }),
}, { required: ['spec'] });

const id = `split test ${process.pid} ${Date.now()}`;
const identities: [string, number][] = [];

/** Every part's cache file of `identity`, found by splitting as the validator does. */
function partFiles(identity: string, minPartLength: number): string[] {
  const files: string[] = [];
  const visit = (path: SchemaPath, node: object): void => {
    files.push(cachedDerivedValidatorFile(identity, path, minPartLength)!);
    for (const part of splitSchema(node, minPartLength).parts) {
      visit([...path, ...part], part.reduce<any>((at, key) => at[key], node));
    }
  };
  visit([], schema);
  return files;
}
afterAll(() => {
  for (const [identity, min] of identities) for (const file of partFiles(identity, min)) for (const f of [file, `${file}.v8`]) rmSync(f, { force: true });
});

/** A split validator of {@link schema}, under an identity of its own (so its cache starts empty). */
function split(minPartLength: number, name = `${id} ${minPartLength}`, build: () => object = () => schema): ValidateFunction {
  identities.push([name, minPartLength]);
  return compileDerivedSchema(name, build, minPartLength);
}

const text = fc.oneof(fc.constantFrom('', 'a', 'abc', 'abcd', 'A', 'a/b'), fc.string({ maxLength: 5 }));
const wrong = fc.constantFrom<unknown>(null, 0, 1.5, -1, 10, 'x', true, [], {});
/** Values shaped like `node` often, and wrong in every way sometimes: deep errors need deep, mostly valid input. */
function valueOf(node: any, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 5 || node === false) return wrong;
  let shaped: fc.Arbitrary<unknown> = wrong;
  if (node.enum) shaped = fc.constantFrom(...node.enum, 'C');
  else if (node.properties) {
    const keys = Object.keys(node.properties);
    shaped = fc.tuple(
      fc.record(Object.fromEntries(keys.map(key => [key, valueOf(node.properties[key], depth + 1)])), { requiredKeys: [] }),
      fc.option(fc.constantFrom('extra', 'constructor'), { nil: undefined }), text,
    ).map(([record, extra, value]) => (extra ? { ...record, [extra]: value } : record));
  } else if (typeof node.additionalProperties === 'object') {
    shaped = fc.dictionary(fc.constantFrom('k', 'k/1', 'k~2', ''), valueOf(node.additionalProperties, depth + 1), { maxKeys: 3 });
  } else if (node.items) shaped = fc.array(valueOf(node.items, depth + 1), { maxLength: 4 });
  else if (node.type === 'integer') shaped = fc.integer({ min: -2, max: 12 });
  else if (node.type === 'string') shaped = text;
  return fc.oneof({ arbitrary: shaped, weight: 6 }, { arbitrary: wrong, weight: 1 });
}

const verdict = (validate: ValidateFunction, data: unknown) => [validate(data), validate.errors ?? null];

test('splits only property schemas, never inside a combinator, keeping the parent\'s own keywords', () => {
  const { schema: root, parts } = splitSchema(schema, 1);
  expect(parts).toEqual([['properties', 'apiVersion'], ['properties', 'spec']]);
  expect(root).toEqual({ ...schema, properties: { apiVersion: false, spec: false } });
  const spec = splitSchema(schema.properties.spec, 1);
  expect(spec.parts).toEqual([['properties', 'a'], ['properties', 'list'], ['properties', 'map'], ['properties', 'mode']]);
  expect(spec.schema).toMatchObject({ required: ['a'], anyOf: schema.properties.spec.anyOf, oneOf: schema.properties.spec.oneOf, properties: { never: false } });
  // Under items and additionalProperties the split goes on into the element's properties.
  expect(splitSchema(schema.properties.spec.properties.list, 1).parts).toEqual([['items', 'properties', 'name'], ['items', 'properties', 'deep']]);
  expect(splitSchema(schema.properties.spec.properties.map, 1).parts).toEqual([['additionalProperties', 'properties', 'v'], ['additionalProperties', 'properties', 'w']]);
  expect(splitSchema(schema, 10 ** 6)).toEqual({ schema, parts: [] });
  // A part is compiled alone: a reference into the rest of the schema would not resolve there.
  const referring = { $defs: { x: { type: 'string' } }, properties: { a: { properties: { y: { $ref: '#/$defs/x' } } } } };
  expect(splitSchema(referring, 1)).toEqual({ schema: referring, parts: [] });
});

test('a split validator gives the whole schema\'s verdict and errors, in order, fresh, from the cache and from V8\'s cache', () => {
  const whole = compileSchema(schema);
  // Every property its own part, and a mix of inline and split ones.
  const validators = [1, 60].flatMap(min => [split(min), split(min), split(min)]);
  fc.assert(fc.property(valueOf(schema), data => {
    const expected = verdict(whole, data);
    for (const validate of validators) expect(verdict(validate, data)).toEqual(expected);
  }), { numRuns: 400 });
  // Errors of parts and of the nodes around them interleave as the whole schema orders them.
  const deep = { spec: { a: { x: 'A' }, list: [{ deep: { z: 'abcd' } }, 'x'], map: { 'k/1': { w: { u: 1 } } }, mode: 'C', extra: 1 } };
  const [valid, errors] = verdict(whole, deep);
  expect(valid).toBe(false);
  expect((errors as { instancePath: string; keyword: string }[]).map(e => `${e.instancePath} ${e.keyword}`)).toEqual([
    '/spec additionalProperties', '/spec/a/x pattern', '/spec/list/0 required', '/spec/list/0/deep/z maxLength',
    '/spec/list/1 type', '/spec/map/k~11/w/u type', '/spec/mode enum',
  ]);
  for (const validate of validators) expect(verdict(validate, deep)).toEqual([valid, errors]);
});

test('a cache hit never builds the schema, not even for the parts an object reaches first later', () => {
  const name = `${id} hit`;
  const data = { spec: { a: { x: 'abcd' }, list: [{ name: 'a', deep: { z: 'abcd' } }], map: { k: { w: { u: 'x' } } }, mode: 'C' } };
  const first = split(1, name);
  const expected = verdict(first, data);
  expect(expected[0]).toBe(false);
  const build = jest.fn(() => schema);
  expect(verdict(split(1, name, build), data)).toEqual(expected);
  expect(build).not.toHaveBeenCalled();
});

test('a damaged part is compiled again and replaced; a damaged root the same', () => {
  const name = `${id} damaged`;
  const data = { spec: { a: { y: 10 }, list: [] } };
  const expected = verdict(split(1, name), data);
  expect(expected[1]).toEqual([expect.objectContaining({ instancePath: '/spec/a/y', message: 'must be <= 9' })]);
  const part = cachedDerivedValidatorFile(name, ['properties', 'spec', 'properties', 'a', 'properties', 'y'], 1)!;
  const root = cachedDerivedValidatorFile(name, [], 1)!;
  expect(existsSync(part)).toBe(true);
  for (const file of [part, root]) {
    const [header] = readFileSync(file, 'utf8').split('\n', 1);
    writeFileSync(file, `${header}\n//agw-parts []\nmodule.exports = function validate10() { return true; };`);
    rmSync(`${file}.v8`, { force: true });
    expect(verdict(split(1, name), data)).toEqual(expected);
    expect(readFileSync(file, 'utf8')).not.toContain('return true;');
  }
});
