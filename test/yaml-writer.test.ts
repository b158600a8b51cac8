import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Yaml } from 'cdk8s';
import fc from 'fast-check';
import * as yaml from 'yaml';
import { buildScaleApp, prepareKeys, scenarioManifests } from '../bench/scenario';
import {
  CDK8S_YAML_OPTIONS, knowsYamlImplicitTypes, writeCanonicalManifestYaml, writeCdk8sYaml, writeYaml,
} from '../src/core/yaml';
import { loadConfig, planConfig } from '../src/config';
import { canonicalManifest } from '../src/core';
import { seedManifests } from './helpers';

// Counts the writer's fallbacks to `yaml`, so the tests also prove the fast path is the one taken.
jest.mock('yaml', () => {
  const actual = jest.requireActual('yaml');
  return { ...actual, stringify: jest.fn(actual.stringify) };
});
const libraryStringify = jest.requireActual('yaml').stringify as typeof yaml.stringify;
const fallbackCalls = () => (yaml.stringify as jest.Mock).mock.calls.length;

const CLI_OPTIONS = { lineWidth: 0 } as const;

/** Writes `doc` both ways and returns whether the writer fell back to the library. */
function expectSameAsLibrary(doc: unknown): boolean {
  const before = fallbackCalls();
  expect(writeYaml(doc)).toBe(libraryStringify(doc, CLI_OPTIONS));
  expect(writeYaml(doc, CDK8S_YAML_OPTIONS)).toBe(Yaml.stringify(doc));
  return fallbackCalls() > before;
}

function expectAllFast(docs: readonly unknown[]): void {
  const before = fallbackCalls();
  expect(writeCdk8sYaml(docs)).toBe(Yaml.stringify(...docs));
  expect(docs.map(d => writeYaml(d)).join('---\n')).toBe(docs.map(d => libraryStringify(d, CLI_OPTIONS)).join('---\n'));
  expect(fallbackCalls()).toBe(before);
}

describe('YAML writer on what we emit', () => {
  test('the seed manifests: identical, without falling back', () => {
    const docs = [...seedManifests().values()].flat();
    expect(docs).toHaveLength(5);
    expectAllFast(docs);
  });

  test('the benchmark scenario (label selector, routes, metadata): identical, without falling back', () => {
    prepareKeys(30);
    const docs = [...scenarioManifests(30).values()].flat();
    expectAllFast(docs);
    const app = buildScaleApp(30);
    expect(writeCdk8sYaml(app.charts.flatMap(c => c.toJson()))).toBe(app.synthYaml());
  });

  test('the GitOps example config (ExternalSecrets, rotation, both routes): identical', () => {
    const planned = planConfig(loadConfig(join(__dirname, '..', 'examples', 'gitops', 'gateway.yaml')), { warn: () => undefined });
    expectAllFast(planned.plan.manifests.map(m => canonicalManifest(m.manifest)));
  });

  test('the committed GitOps manifests re-serialize to their own text', () => {
    const dir = join(__dirname, '..', 'examples', 'gitops', 'manifests');
    for (const file of ['auth.yaml', 'routes.yaml', 'teams/platform.yaml', 'teams/research.yaml']) {
      const text = readFileSync(join(dir, file), 'utf8');
      const body = text.slice(text.indexOf('\n') + 1); // the generated-by comment
      const docs = yaml.parseAllDocuments(body).map(d => d.toJS());
      expect(docs.map(d => writeYaml(d)).join('---\n')).toBe(body);
    }
  });
});

// Strings that trip YAML writers: implicit types of 1.1 and 1.2, indicators, quotes, whitespace, control and
// non-ASCII characters, document markers, line breaks and length.
const SPECIAL_STRINGS = [
  '', ' ', '  ', 'true', 'false', 'True', 'FALSE', 'null', 'Null', 'NULL', '~', 'yes', 'no', 'on', 'off', 'Yes', 'NO',
  'On', 'OFF', 'y', 'n', 'Y', 'N', '1e3', '1E3', '-1e-3', '0x1f', '0X1F', '0o17', '017', '0b101', '1_000', '1:20',
  '1:20.5', '.5', '5.', '+5', '-0', '0', '00', '.inf', '-.Inf', '.nan', '.NaN', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '<<', '=', '-', '?', ':', '- a', '? a', ': a', '-a', '?a', ':a', 'a: b', 'a:b', 'a:', 'a #b', 'a#b', '#a', 'a #',
  ' lead', 'trail ', 'trail\t', '---', '--- a', '...', '%YAML', '@at', '`tick', '!tag', '&anchor', '*alias', '|', '>',
  "it's", 'say "hi"', `both ' and "`, "'", '"', 'back\\slash', '\\n', 'a\nb', 'a\n', '\n', '\na', 'a \nb', 'a\n b',
  'a\n\nb', 'tab\there', '\t', 'nul\u0000', 'bell\u0007', 'esc\u001b', 'del\u007f', 'nel\u0085', 'nbsp\u00a0', 'ls\u2028',
  'é', '日本語', '😀', '\ud800', 'x'.repeat(1100), 'word '.repeat(40), 'a,b', '[a]', '{a}', 'a]', 'a}', 'https://x.y/z?q=1#f',
  'Bearer $(KEY)', 'sk-test-123', 'vanity-auth', 'x-org', 'request.headers["x-org"]',
  // Near the writer's shortcuts: words that start like null or a boolean, 1.1's `e5`, markers, quotes, separators.
  'name', 'type', 'nulls', 'Nope', 'nO', 'yES', 'tRue', 'NuLL', 'offset', 'ONE', 'falsey', 'true ', ' true', 'yes:', '~a', 'a~',
  'e', 'E', 'e5', 'E5', 'e+5', 'ee5', 'ex', 'E-1', '0x1', '0o7', '0b1', '+.inf', '-.5', '1_000', '12:30', '1.2.3', '<', '<a', '<<a',
  '--', '-- a', '---a', '..', '...a', '.. a', 'a: ', 'a :', 'a#', '# a', 'a # b', '-1', '- ', '?', '? ', '?-', 'a\u2029b', '\ufeff',
  '\ufeffa', 'a\u0085', 'x'.repeat(1000), 'x'.repeat(1001), '"\'', '\'"', 'a"b', "a'b",
  // Short keys that escape to more than 1024 characters: `yaml` writes them as explicit `? ` keys.
  '#' + '\\'.repeat(900), '#' + '"'.repeat(600) + "'",
];
const INDICATORS = ['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`', ' ', '\t', '\n'];

const interestingString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...INDICATORS), fc.string({ maxLength: 8 })).map(([a, b]) => a + b) },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...'ab01.eExyn: #-?\'"\\\n\t_~+'.split('')), maxLength: 10 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ').chain(pad => fc.string({ maxLength: 6 }).map(s => pad + s + pad)) },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 5 }), fc.constantFrom('\n', '\r\n', ': ', ' #', '\u2029'), fc.string({ maxLength: 5 })).map(p => p.join('')) },
);
const scalarValue = fc.oneof(
  { weight: 6, arbitrary: interestingString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e21, 2 ** 53, -(2 ** 53), 0.5, NaN, Infinity, -Infinity) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const { tree } = fc.letrec<{ tree: unknown; map: Record<string, unknown>; list: unknown[] }>(tie => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarValue, tie('map'), tie('list')),
  map: fc.dictionary(interestingString, tie('tree'), { maxKeys: 5 }),
  list: fc.array(tie('tree'), { maxLength: 4 }),
}));
const documentArb = fc.oneof(
  fc.dictionary(interestingString, tree, { maxKeys: 6 }),
  fc.array(tree, { maxLength: 4 }),
);

/** A manifest-shaped document whose strings are only simple ones: exercises the fast path's layout. */
const simpleString = fc.stringMatching(/^[a-z][a-z0-9.-]{0,12}$/);
const { simpleTree } = fc.letrec<{ simpleTree: unknown }>(tie => ({
  simpleTree: fc.oneof({ depthSize: 'small' },
    simpleString, fc.integer(), fc.boolean(), fc.constant(null),
    fc.dictionary(simpleString, tie('simpleTree'), { maxKeys: 4 }), fc.array(tie('simpleTree'), { maxLength: 3 })),
}));

describe('YAML writer on fuzzed input', () => {
  test('strings as values and keys, in both YAML versions', () => {
    fc.assert(fc.property(interestingString, interestingString, (key, value) => {
      expectSameAsLibrary({ [key]: value, list: [value], nested: { [key]: [value, { [value]: key }] } });
    }), { numRuns: 1500 });
  });

  test('nested documents of any shape', () => {
    fc.assert(fc.property(documentArb, doc => {
      expectSameAsLibrary(doc);
    }), { numRuns: 1200 });
  });

  test('manifest-shaped documents take the fast path', () => {
    let fast = 0;
    fc.assert(fc.property(fc.dictionary(simpleString, simpleTree, { minKeys: 1, maxKeys: 6 }), doc => {
      if (!expectSameAsLibrary(doc)) fast++;
    }), { numRuns: 600 });
    expect(fast).toBeGreaterThan(450); // only documents with an implicitly typed string (`y`, `n`, `e5`...) may fall back
  });

  test('cdk8s multi-document output, with undefined documents and values', () => {
    const docOrUndefined = fc.oneof(fc.constant(undefined), fc.dictionary(interestingString, fc.oneof(tree, fc.constant(undefined)), { maxKeys: 4 }));
    fc.assert(fc.property(fc.array(docOrUndefined, { maxLength: 5 }), docs => {
      expect(writeCdk8sYaml(docs)).toBe(Yaml.stringify(...docs));
    }), { numRuns: 600 });
  });

  test('objects met twice, class instances and dates fall back to the library (anchors, tags)', () => {
    const shared = { a: 'b' };
    class Thing { x = 1; }
    for (const doc of [{ one: shared, two: shared }, { list: [shared, shared] }, { thing: new Thing() }, { when: new Date(0) },
      { m: new Map([['a', 1]]) }, { u: undefined }, { a: { u: undefined } }, { big: 10n ** 20n }, { json: { toJSON: () => 'x' } }]) {
      expect(expectSameAsLibrary(doc)).toBe(true);
    }
  });

  test('strings that start like a number, null or a boolean: the shortcut past the schema tests agrees with yaml', () => {
    // The shortcut holds for yaml's current type tests only; an upgrade that changes them fails here for a review.
    for (const version of ['1.1', '1.2'] as const) expect(knowsYamlImplicitTypes({ version })).toBe(true);
    const caseVariants = (word: string): string[] => word === ''
      ? [''] : caseVariants(word.slice(1)).flatMap(rest => [word[0].toLowerCase() + rest, word[0].toUpperCase() + rest]);
    for (const word of ['~', 'y', 'n', 'no', 'on', 'yes', 'off', 'null', 'true', 'false', 'nulls', 'trues', 'e1', '.inf', '-.nan', '0x1f', '0o7', '0b1']) {
      for (const text of new Set(caseVariants(word))) expectSameAsLibrary({ [text]: text, [`${text} `]: [text, `${text}:`] });
    }
    const typeLike = fc.tuple(
      fc.constantFrom(...'~NnYyTtOoFf-+.0123456789eE<_xa'.split('')),
      fc.string({ unit: fc.constantFrom(...'ulsaeEnoOfFrRUL_0179x.:+- bT'.split('')), maxLength: 6 }),
    ).map(([first, rest]) => first + rest);
    fc.assert(fc.property(typeLike, typeLike, (key, value) => {
      expectSameAsLibrary({ [key]: value, list: [value, { [value]: key }] });
    }), { numRuns: 2500 });
  });

  test('objects yaml treats apart (an own iterator makes a sequence, toJSON replaces an array): the same bytes', () => {
    const iterable = { a: 1, [Symbol.iterator]: function* () { yield 'x'; } };
    const arrayWithToJSON = Object.assign(['a'], { toJSON: () => 'b' });
    const arrayWithIterator = Object.assign(['a', 'b'], { [Symbol.iterator]: function* () { yield 'c'; } });
    const yamlNodeLike = { [Symbol.for('yaml.node.type')]: 1, b: 'c' };
    for (const doc of [{ it: iterable }, iterable, { list: arrayWithToJSON }, [arrayWithIterator], { node: yamlNodeLike }]) {
      expect(expectSameAsLibrary(doc)).toBe(true);
      expect(writeCanonicalManifestYaml(doc as never)).toBe(writeYaml(canonicalManifest(doc as never)));
    }
    // A symbol yaml never looks at changes nothing: written without the library.
    expect(expectSameAsLibrary({ a: { [Symbol('mine')]: 1, b: 'c' }, [Symbol('top')]: 2 })).toBe(false);
  });

  test('documents past the reused buffer and the short list of met objects; a document written from inside another', () => {
    const items = Array.from({ length: 40 }, (_, i) => ({ name: `item-${i}`, spec: { value: i } }));
    expect(expectSameAsLibrary({ items })).toBe(false);
    expect(expectSameAsLibrary({ items: [...items, items[35]] })).toBe(true); // met twice, after the list became a Set
    expect(expectSameAsLibrary({ items: [...items, items[3]] })).toBe(true); // met twice, first met while scanned
    const large = { kind: 'ConfigMap', data: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`key-${i}`, 'v'.repeat(400)])) };
    expect(expectSameAsLibrary(large)).toBe(false); // over 1 MiB: the buffer grows, and is not kept
    expect(writeCanonicalManifestYaml(large as never)).toBe(libraryStringify(canonicalManifest(large as never), CLI_OPTIONS));
    // A getter that writes a document while this one is being written, then a fallback halfway through a string.
    const nested = { before: 'a', get during() { return writeYaml({ inner: ['b'] }).trimEnd(); }, after: 'c' };
    expect(writeYaml(nested)).toBe(libraryStringify(nested, CLI_OPTIONS));
    expect(expectSameAsLibrary({ a: 'plain', b: 'then é' })).toBe(true);
    expectAllFast([...seedManifests().values()].flat());
    // An object in two documents is met once in each: no alias, no fallback.
    const shared = { name: 'same' };
    expectAllFast([{ a: shared }, { b: [shared] }]);
  });

  test('a manifest in canonical form without the sorted copy: the same bytes as writeYaml(canonicalManifest(m))', () => {
    const keyArb = fc.oneof(interestingString, fc.constantFrom('apiVersion', 'kind', 'metadata', '0', '1', '9', '10', '007', '-1', '4294967294', '4294967295', '1.5'));
    const { canonicalTree } = fc.letrec<{ canonicalTree: unknown }>(tie => ({
      canonicalTree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarValue, fc.constant(undefined),
        fc.dictionary(keyArb, tie('canonicalTree'), { maxKeys: 5 }), fc.array(tie('canonicalTree'), { maxLength: 3 })),
    }));
    fc.assert(fc.property(fc.dictionary(keyArb, canonicalTree, { maxKeys: 7 }), doc => {
      expect(writeCanonicalManifestYaml(doc as never)).toBe(writeYaml(canonicalManifest(doc as never)));
    }), { numRuns: 1500 });
    // Maps past the insertion sort's size, at the top (apiVersion, kind, metadata first) and inside.
    const bigMapKey = fc.oneof(fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9._-]{0,6}$/), fc.constantFrom('apiVersion', 'kind', 'metadata', 'Kind', 'api'));
    const bigMap = fc.dictionary(bigMapKey, fc.oneof(simpleString, fc.integer(), fc.constant(null)), { minKeys: 17, maxKeys: 40 });
    fc.assert(fc.property(bigMap, bigMap, (top, inner) => {
      const doc = { ...top, spec: inner };
      expect(writeCanonicalManifestYaml(doc as never)).toBe(writeYaml(canonicalManifest(doc as never)));
    }), { numRuns: 200 });
    const shared = { b: 1, a: null };
    class Thing { x = 1; }
    for (const doc of [{ kind: 'K', one: shared, two: shared, apiVersion: 'v1' }, { metadata: null, z: { y: null } }, { when: new Date(0) },
      { thing: new Thing() }, { 10: 'a', 9: 'b', kind: 'K', b: { 2: 1, 1: 2, x: 3 } }, { list: [null, undefined, { b: 1, a: 2 }] },
      // An own `__proto__` key (from JSON) is data to both, not a prototype.
      JSON.parse('{"kind":"K","apiVersion":"v1","data":{"b":"1","__proto__":"x"}}')]) {
      expect(writeCanonicalManifestYaml(doc as never)).toBe(writeYaml(canonicalManifest(doc as never)));
    }
  });

  test('canonical writing of every manifest of the example config takes the fast path', () => {
    const plan = planConfig(loadConfig(join(__dirname, '..', 'examples', 'gitops', 'gateway.yaml')), { warn: () => undefined }).plan;
    const manifests = plan.manifests.map(m => m.manifest);
    const before = fallbackCalls();
    for (const manifest of manifests) expect(writeCanonicalManifestYaml(manifest)).toBe(libraryStringify(canonicalManifest(manifest), CLI_OPTIONS));
    expect(fallbackCalls()).toBe(before);
  });

  test('200 000 documents in one call: no stack overflow', () => {
    const docs = Array.from({ length: 200_000 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } }));
    const text = writeCdk8sYaml(docs);
    expect(text.split('---\n')).toHaveLength(200_000); // cdk8s's Yaml.stringify(...docs) overflows the stack here
  });
});

describe('the writer leaves no key material in its buffers', () => {
  const KEY = 'team1-key-fixture-material';
  const secret = (extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'team1' }, stringData: { 'api-key': KEY, ...extra },
  });

  /** Runs `write` with a fresh copy of the writer and returns every buffer it allocated, to look at afterwards. */
  function buffersAfter(write: (writer: typeof import('../src/core/yaml')) => void): Buffer[] {
    const allocated: Buffer[] = [];
    const alloc = Buffer.alloc;
    const spy = jest.spyOn(Buffer, 'alloc').mockImplementation((...args: Parameters<typeof Buffer.alloc>) => {
      const buffer = alloc(...args);
      allocated.push(buffer);
      return buffer;
    });
    try {
      jest.isolateModules(() => write(require('../src/core/yaml') as typeof import('../src/core/yaml')));
    } finally {
      spy.mockRestore();
    }
    expect(allocated.length).toBeGreaterThan(0);
    return allocated;
  }

  const holdsKey = (buffers: Buffer[]) => buffers.some(buffer => buffer.includes(KEY, 0, 'latin1'));

  test.each([
    ['a document written fast', (w: typeof import('../src/core/yaml')) => expect(w.writeYaml(secret())).toContain(KEY)],
    ['a document that grows the buffer', (w: typeof import('../src/core/yaml')) => {
      expect(w.writeYaml(secret({ padding: 'p'.repeat(20_000) }))).toContain(KEY);
    }],
    ['a document handed to yaml after the key was copied (a non-ASCII value after it)', (w: typeof import('../src/core/yaml')) => {
      expect(w.writeYaml(secret({ 'z-note': 'café' }))).toContain(KEY);
    }],
    ['several documents, one of them handed to yaml', (w: typeof import('../src/core/yaml')) => {
      expect(w.writeCdk8sYaml([secret(), secret({ 'z-note': 'café' }), secret()])).toContain(KEY);
    }],
    ['a canonical manifest', (w: typeof import('../src/core/yaml')) => expect(w.writeCanonicalManifestYaml(secret())).toContain(KEY)],
    ['a document whose getter throws after the key was copied', (w: typeof import('../src/core/yaml')) => {
      const doc = secret();
      Object.defineProperty(doc.stringData, 'z-late', { enumerable: true, get: () => { throw new Error('getter failed'); } });
      expect(() => w.writeYaml(doc)).toThrow('getter failed');
    }],
  ])('%s', (_name, write) => {
    const buffers = buffersAfter(write);
    expect(holdsKey(buffers)).toBe(false);
    expect(buffers.every(buffer => buffer.every(byte => byte === 0))).toBe(true);
  });
});
