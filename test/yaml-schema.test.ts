import fc from 'fast-check';
import { Document, isScalar, parseDocument } from 'yaml';
import { CHECKED_YAML_VERSION, IMPLICIT_TYPE_TESTS, resolveCoreScalar, yamlIsCheckedRelease } from '../src/core/yaml-schema';

// The fast parse and write paths use copies of `yaml`'s implicit types so that they never load it. These tests are
// what makes the copies safe: a `yaml` upgrade that changes a schema fails here, not in someone's manifests.

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

interface Tag { default?: boolean; tag: string; test?: RegExp; resolve(source: string, onError: () => void, options: object): unknown }

function schemaTags(version: '1.1' | '1.2'): Tag[] {
  const schema = new Document(null, { version }).schema as unknown as { tags: Tag[]; compat?: Tag[] };
  return [...schema.tags, ...schema.compat ?? []].filter(tag => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test);
}

/** How `yaml` itself resolves a plain scalar in the YAML 1.2 core schema: the first matching tag's resolver. */
function yamlResolves(source: string): unknown {
  const document = parseDocument('', { uniqueKeys: true });
  const tag = (document.schema.tags as unknown as Tag[]).find(t => t.default && t.test?.test(source));
  if (!tag) return source;
  const value = tag.resolve(source, () => { throw new Error(`yaml reported an error resolving ${source}`); }, document.options);
  return isScalar(value) ? value.value : value;
}

/** What `yaml` reads a plain scalar as, end to end (a list item through `toJS`), if the text is one plain scalar. */
function yamlReads(source: string): { value: unknown } | undefined {
  const text = `- ${source}\n`;
  const document = parseDocument(text);
  const item = (document.contents as { items?: unknown[] } | null)?.items?.[0];
  if (document.errors.length > 0 || !isScalar(item) || item.type !== 'PLAIN' || text.slice(item.range![0], item.range![1]) !== source) return undefined;
  return { value: (document.toJS() as unknown[])[0] };
}

describe('the copies of yaml\'s implicit types', () => {
  test('were checked against the installed yaml release', () => {
    expect(require('yaml/package.json').version).toBe(CHECKED_YAML_VERSION);
    expect(yamlIsCheckedRelease()).toBe(true);
  });

  test.each(['1.1', '1.2'] as const)('are yaml\'s own tests for YAML %s, in its order', version => {
    const own = schemaTags(version).map(tag => `/${tag.test!.source}/${tag.test!.flags}`);
    expect(IMPLICIT_TYPE_TESTS[version].map(test => `/${test.source}/${test.flags}`)).toEqual(own);
  });

  const TRICKY = ['', '~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'FALSE', 'yes', 'on',
    '0', '-0', '+0', '007', '0o17', '0o8', '-0o17', '0x1F', '0x', '0X1F', '-0x1F', '0b101', '1_000', '+1', '-12', '9007199254740993',
    '1e3', '1E-3', '+6.02e+23', '.5e1', '1.e2', '.inf', '-.Inf', '+.INF', '.NaN', '.nan', '-.nan', '1.', '.5', '-.5', '1.50', '+.',
    '.', '..', '1.2.3', '12:30', '2026-01-01', 'abc', ' 1', '1 '];

  /** Resolved as yaml's tags resolve it, and as yaml reads it end to end wherever it is one plain scalar. */
  const expectAsYaml = (source: string) => {
    expect(Object.is(resolveCoreScalar(source), yamlResolves(source))).toBe(true);
    const read = yamlReads(source);
    if (read) expect(Object.is(resolveCoreScalar(source), read.value)).toBe(true);
  };

  test.each(TRICKY)('resolve %p as yaml does', source => expectAsYaml(source));

  test('resolve any plain scalar of number-like characters as yaml does', () => {
    const numberish = fc.string({ unit: fc.constantFrom(...'0123456789+-.eExXoO_:abfinNIFtTrulsLS~ '), maxLength: 12 });
    let read = 0;
    fc.assert(fc.property(numberish, source => {
      expectAsYaml(source);
      if (yamlReads(source)) read++;
    }), { numRuns: RUNS });
    expect(read).toBeGreaterThan(RUNS / 4);
  });
});

describe('the fast paths do not load yaml', () => {
  test('parsing an ordinary config and writing its manifests never requires the yaml package', () => {
    jest.isolateModules(() => {
      jest.doMock('yaml', () => {
        throw new Error('the yaml package was loaded');
      });
      const { fastParseYaml } = require('../src/core/fast-yaml') as typeof import('../src/core/fast-yaml');
      const { writeYaml, writeCanonicalManifestYaml, writeCdk8sYaml } = require('../src/core/yaml') as typeof import('../src/core/yaml');
      const limits = { maxDepth: 64, maxNodes: 1000, maxStringLength: 1000, reservedKeys: new Set<string>() };
      const parsed = fastParseYaml('teams:\n  - name: a\n    replicas: 3\n    ratio: 0.5\n    on: yes\n    off: ~\n    hex: 0x1F\n', limits);
      expect(parsed?.value).toEqual({ teams: [{ name: 'a', replicas: 3, ratio: 0.5, on: 'yes', off: null, hex: 31 }] });
      const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'true', b: '0o17', c: 'yes', d: '1e3' } };
      expect(writeYaml(manifest)).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "true"\n  b: "0o17"\n  c: yes\n  d: "1e3"\n');
      expect(writeCanonicalManifestYaml(manifest)).toContain('c: yes\n');
      expect(writeCdk8sYaml([manifest])).toContain('c: "yes"\n');
    });
    jest.dontMock('yaml'); // the mock outlives isolateModules
  });
});

describe('with another yaml release installed', () => {
  test('the fast paths take the implicit types from yaml itself and give the same results', () => {
    const scalars = ['~', 'null', 'true', 'False', 'yes', '0o17', '017', '0x1F', '-12', '1e3', '.5', '1.', '-.inf', '.NaN', '12:30', 'abc'];
    const text = `values:\n${scalars.map(s => `  - ${s}\n`).join('')}`;
    const limits = { maxDepth: 64, maxNodes: 1000, maxStringLength: 1000, reservedKeys: new Set<string>() };
    const doc = { values: scalars, numbers: [1, -2], flags: [true, false], nothing: null };
    const run = () => {
      const { fastParseYaml } = require('../src/core/fast-yaml') as typeof import('../src/core/fast-yaml');
      const { writeYaml, writeCdk8sYaml } = require('../src/core/yaml') as typeof import('../src/core/yaml');
      const { yamlIsCheckedRelease: checked } = require('../src/core/yaml-schema') as typeof import('../src/core/yaml-schema');
      return { checked: checked(), parsed: fastParseYaml(text, limits)?.value, written: writeYaml(doc), cdk8s: writeCdk8sYaml([doc]) };
    };
    let checked: ReturnType<typeof run> | undefined;
    let other: ReturnType<typeof run> | undefined;
    jest.isolateModules(() => { checked = run(); });
    jest.isolateModules(() => {
      jest.doMock('yaml/package.json', () => ({ version: '2.99.0' }));
      other = run();
    });
    jest.dontMock('yaml/package.json');
    expect(checked!.checked).toBe(true);
    expect(other!.checked).toBe(false);
    expect(other!.parsed).toStrictEqual(checked!.parsed);
    expect(other!.written).toBe(checked!.written);
    expect(other!.cdk8s).toBe(checked!.cdk8s);
    expect(checked!.parsed).toStrictEqual({ values: [null, null, true, false, 'yes', 15, 17, 31, -12, 1000, 0.5, 1, -Infinity, NaN, '12:30', 'abc'] });
  });
});
