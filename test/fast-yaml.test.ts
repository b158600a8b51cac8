import fc from 'fast-check';
import { dump } from 'js-yaml';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { CONFIG_LIMITS, ConfigError, PROTOTYPE_KEYS, parseConfig } from '../src/config';
import { fastParseAllYaml, fastParseYaml } from '../src/core/fast-yaml';
import { flowDepthProblem, positionedValue } from '../src/config/load';

// The config loader parses with js-yaml's event parser and falls back to the `yaml` package (with positions and
// every limit) for anything the fast path cannot vouch for. A parser differential must never let a value through
// that the positioned path would refuse or read differently.

/** FUZZ_RUNS=20000 explores further (with FUZZ_SEED=random). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const LIMITS = { ...CONFIG_LIMITS, reservedKeys: PROTOTYPE_KEYS };
const fast = (text: string) => fastParseYaml(text, LIMITS);

/** The positioned path's verdict: its value, or that it refuses the text. */
function reference(text: string): { value: unknown } | 'refused' {
  try {
    return { value: positionedValue(text, 'gateway.yaml') };
  } catch (e) {
    if (e instanceof ConfigError) return 'refused';
    throw e;
  }
}

/** Scalars whose type or text YAML parsers are known to disagree on. */
const TRICKY = ['yes', 'no', 'on', 'off', 'y', 'n', 'Y', '~', 'null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'tRue', 'false',
  '0o17', '017', '0x1F', '0X1F', '0b101', '1_000', '+1', '-0', '+.5', '.5', '1.', '1e3', '1E-3', '6.02e+23', '.inf', '-.Inf',
  '.NaN', '.nan', '0.1.2', '2026-01-01', '2026-01-01T00:00:00Z', '12:30', '1:20:30', '- a', ': a', 'a: b', 'a:b', '#x', 'a #b',
  'a#b', '"', "'", '|', '>', '&a', '*a', '!t', '%x', '@x', '`x', '{', '}', '[', ']', ',', '?', '? a', '-', '--- a', '...',
  ' lead', 'trail ', '', ' ', '\n', 'a\nb', 'a\n\nb', 'a \n b', ' \n', '\\', '\\n', '\u0085', '\u2028', '\u00a0', '\ufeff',
  '\u0000', '\u0007', '\u001b', '\r', 'a\r\nb', '\u{1f600}', '\ud800', '9'.repeat(25), 'x'.repeat(1100), '<<', '=', 'é',
  'sk-live-abc123', 'team-1', 'x-org'];

const scalar = fc.oneof(
  fc.constantFrom(...TRICKY), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 6 }),
  fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
);
const key = fc.oneof(fc.constantFrom(...TRICKY), fc.constantFrom('team', 'key', 'teams', 'routes', 'literal', 'x-org'), fc.string({ maxLength: 8 }));
const { value } = fc.letrec<{ value: unknown }>(tie => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 4 })),
}));

/** The ways a config gets written: by hand-like block style, flow style, every quoting, folded at narrow widths. */
const written = fc.tuple(fc.dictionary(key, value, { maxKeys: 5 }), fc.nat(9)).map(([data, how]) => {
  switch (how) {
    case 0: return stringify(data);
    case 1: return stringify(data, { collectionStyle: 'flow' });
    case 2: return stringify(data, { defaultStringType: 'QUOTE_DOUBLE', lineWidth: 16, minContentWidth: 4 });
    case 3: return stringify(data, { defaultStringType: 'QUOTE_SINGLE', lineWidth: 16, minContentWidth: 4 });
    case 4: return stringify(data, { defaultStringType: 'BLOCK_LITERAL', indent: 4, indentSeq: false });
    case 5: return stringify(data, { defaultStringType: 'BLOCK_FOLDED', lineWidth: 12, minContentWidth: 2 });
    case 6: return stringify(data, { defaultKeyType: 'PLAIN', defaultStringType: 'PLAIN', lineWidth: 10, minContentWidth: 2 }).replace(/\n/g, '\r\n');
    case 7: return dump(data, { lineWidth: 12 });
    case 8: return dump(data, { flowLevel: 1, quoteStyle: 'double' });
    default: return dump(data, { forceQuotes: true, indent: 3 });
  }
});

/** Bytes an attacker (or a bad merge) splices in. */
const SPLICES = ['[', '{', ']', '}', ': ', ':', '\n- ', '- ', '\n', '\n  ', '\n ', '  ', '&a ', '*a', '!!str ', '"', "'", '#', ' #', '\t',
  '|', '>', '|-\n', '? ', ',', '---\n', '...\n', '%YAML 1.2\n---\n', '\\', '\\x', '\\u12', '\r', '\u0085', '\u2028', '\ufeff', '@', '`',
  '\n\ufeff', '\n\ufeff---\n', '\n  ---\n', '\n ...\n'];
const spliced = fc.tuple(written, fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...SPLICES), fc.string({ maxLength: 3 }))), { minLength: 1, maxLength: 3 }))
  .map(([text, splices]) => splices.reduce((t, [at, s]) => `${t.slice(0, at % (t.length + 1))}${s}${t.slice(at % (t.length + 1))}`, text));

/** The fast path's promise: when it gives a value, the positioned path gives the same one; it never accepts what that refuses. */
let accepted = 0;
function agrees(text: string): void {
  const quick = fast(text);
  if (quick === undefined) return;
  accepted++;
  const slow = reference(text);
  if (slow === 'refused') throw new Error(`fast path accepted what the positioned path refuses: ${JSON.stringify(text)}`);
  expect(quick.value ?? {}).toStrictEqual(slow.value);
}

describe('fast config parsing agrees with the positioned parser', () => {
  test('written configs, including tricky scalars, parse to the same value', () => {
    accepted = 0;
    fc.assert(fc.property(written, agrees), { numRuns: RUNS });
    // The comparison means something only if most written configs take the fast path.
    expect(accepted).toBeGreaterThan(RUNS / 2);
  });

  test('spliced, broken and hostile texts: whatever the positioned path refuses, the fast path does not accept', () => {
    accepted = 0;
    fc.assert(fc.property(spliced, agrees), { numRuns: RUNS * 2 });
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });

  test('an ordinary config takes the fast path and gives what `yaml` gives', () => {
    const text = [
      'settings: { now: "2026-11-27T00:00:00Z", allowPlaintextKeys: true }',
      'routes:', '  - { provider: openai, name: openai }', '  - provider: anthropic', '    options: { model: claude-sonnet-4-5 }',
      'teams:', '  - team: t1 # the first', '    key: { literal: "team1-key" }', '    metadata: { x-org: org-1, count: 0o17 }',
      '    note: |', '      two', '      lines', '', 'extra: [yes, no, on, ~, 1e3, .inf, "0x1F", 0x1F]', '',
    ].join('\n');
    const quick = fast(text);
    expect(quick).toBeDefined();
    expect(quick!.value).toStrictEqual(reference(text) !== 'refused' && (reference(text) as { value: unknown }).value);
    expect((quick!.value as { extra: unknown[] }).extra).toStrictEqual(['yes', 'no', 'on', null, 1000, Infinity, '0x1F', 31]);
  });

  test.each([
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['two documents', 'a: 1\n---\nb: 2\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a duplicate key, once quoted', 'a: 1\n"a": 2\n'],
    ['a prototype key', '__proto__: { polluted: true }\n'],
    ['a constructor key', 'x: { constructor: 1 }\n'],
    ['a number as a key', '1: a\n'],
    ['a null key', ': a\n'],
    ['a map as a key', '? { a: 1 }\n: b\n'],
    ['a tab', 'a:\tb\n'],
    ['a lone carriage return', '\r{}\n'],
    ['a multi-line implicit key', '"a\n b": 1\n'],
    ['a key over 1024 characters', `${'k'.repeat(1025)}: 1\n`],
    ['a string over the limit', `a: ${'s'.repeat(CONFIG_LIMITS.maxStringLength + 1)}\n`],
    ['nesting over the limit', `${Array.from({ length: 34 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`],
    ['a syntax error', 'a: [1, 2\n'],
  ])('the positioned path decides %s', (_name, text) => {
    expect(fast(text)).toBeUndefined();
  });

  test('an aliased prototype key or bomb cannot reach the value through the fast path', () => {
    const text = 'a: &a { x: 1 }\nb: { <<: *a, __proto__: *a }\n';
    expect(fast(text)).toBeUndefined();
    expect(() => parseConfig(text, 'gateway.yaml')).toThrow(ConfigError);
  });

  test('a \\U escape js-yaml would decode out of range goes to the positioned path, which refuses it', () => {
    for (const escape of ['\\U00110000', '\\UFFFFFFFF']) {
      const text = `a: "${escape}"\n`;
      expect(fast(text)).toBeUndefined();
      expect(fastParseAllYaml(text)).toBeUndefined();
      expect(() => parseConfig(text, 'gateway.yaml')).toThrow(ConfigError);
    }
  });

  test('the core schema resolves exactly the plain scalars the fast string check was written for', () => {
    // A plain scalar starting with a letter other than n, t, f (either case), or longer than five characters, or `~`
    // followed by more, is taken as a string without asking the resolvers: a `yaml` upgrade that changes them must
    // fail here rather than let a new spelling through as text.
    const document = parseDocument('');
    const tests = document.schema.tags.flatMap(tag => tag.default === true && 'test' in tag && tag.test instanceof RegExp ? [tag.test.source] : []);
    expect(tests).toStrictEqual([
      '^(?:~|[Nn]ull|NULL)?$', '^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$', '^0o[0-7]+$', '^[-+]?[0-9]+$', '^0x[0-9a-fA-F]+$',
      '^(?:[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)$', '^[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)[eE][-+]?[0-9]+$',
      '^[-+]?(?:\\.[0-9]+|[0-9]+\\.[0-9]*)$',
    ]);
    for (const word of ['nulls', 'Truely', 'falsey', 'FALSE1', '~x', 'x', 'é', 'team-1', 'null', 'True', 'FALSE', '~', '']) {
      expect(fast(`a: ${word}\n`)?.value).toStrictEqual(reference(`a: ${word}\n`) !== 'refused' && (reference(`a: ${word}\n`) as { value: unknown }).value);
    }
  });

  test('more values than the limit are left to the positioned path', () => {
    expect(fastParseYaml(`a: [${Array(20).fill('x').join(', ')}]\n`, { ...LIMITS, maxNodes: 10 })).toBeUndefined();
  });
});

describe('long top-level lists parsed a slice at a time agree with the positioned parser', () => {
  /** Configs whose top-level values are mostly block lists, written the ways `written` writes them. */
  const listed = fc.tuple(fc.dictionary(key, fc.array(value, { maxLength: 6 }), { minKeys: 1, maxKeys: 3 }), fc.nat(4)).map(([data, how]) => {
    switch (how) {
      case 0: return stringify(data);
      case 1: return stringify(data, { indentSeq: false });
      case 2: return stringify(data, { defaultStringType: 'BLOCK_LITERAL', indent: 3 });
      case 3: return dump(data, { lineWidth: 12 });
      default: return dump(data, { seqNoIndent: true, flowLevel: 3 });
    }
  });
  const listedSpliced = fc.tuple(listed, fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...SPLICES, '\n-', '\n- ', '\n  - ', '\n# c\n', '\nk:\n', '\n  x: 1\n'), fc.string({ maxLength: 3 }))), { minLength: 1, maxLength: 2 }))
    .map(([text, splices]) => splices.reduce((t, [at, s]) => `${t.slice(0, at % (t.length + 1))}${s}${t.slice(at % (t.length + 1))}`, text));

  /** Sliced parsing (slices of one or two items) accepts only what the positioned path reads the same way. */
  function slicedAgrees(text: string, sliceItems: number): boolean {
    const quick = fastParseYaml(text, { ...LIMITS, sliceItems });
    if (quick === undefined) return false;
    const slow = reference(text);
    if (slow === 'refused') throw new Error(`sliced fast path accepted what the positioned path refuses: ${JSON.stringify(text)}`);
    expect(quick.value ?? {}).toStrictEqual(slow.value);
    const root = quick.value;
    return root !== null && typeof root === 'object' && Object.values(root).some(v => Array.isArray(v) && v.length > sliceItems);
  }

  test('written configs with long lists', () => {
    let sliced = 0;
    fc.assert(fc.property(listed, fc.integer({ min: 1, max: 2 }), (text, items) => { if (slicedAgrees(text, items)) sliced++; }), { numRuns: RUNS });
    expect(sliced).toBeGreaterThan(RUNS / 4);
  });

  test('spliced texts with long lists: nothing the positioned path refuses or reads differently', () => {
    let sliced = 0;
    fc.assert(fc.property(listedSpliced, fc.integer({ min: 1, max: 2 }), (text, items) => { if (slicedAgrees(text, items)) sliced++; }), { numRuns: RUNS * 2 });
    expect(sliced).toBeGreaterThan(RUNS / 10);
  });

  test('a long list takes one parse per slice and one for the rest of the file', () => {
    const jsYaml = require('js-yaml') as typeof import('js-yaml');
    const parses = jest.spyOn(jsYaml, 'parseEvents');
    try {
      const text = 'a: 1\nteams:\n  - t0\n  - t1\n  - t2\n  - t3\n  - t4\nb: 2\n';
      expect(fastParseYaml(text, { ...LIMITS, sliceItems: 2 })?.value).toStrictEqual({ a: 1, teams: ['t0', 't1', 't2', 't3', 't4'], b: 2 });
      expect(parses).toHaveBeenCalledTimes(4);
    } finally {
      parses.mockRestore();
    }
  });

  test.each([
    ['items at the key\'s own indentation', 'teams:\n- a\n- b: 1\n  c: [x]\n- c\nroutes: [1]\n'],
    ['comments and blank lines between items', 'teams:\n  # first\n  - a\n\n  - b # two\n# col 0\n  - c\n\nroutes:\n  - 1\n  - 2\n  - 3\n'],
    ['block scalars in items', 'teams:\n  - |\n    one\n    - not an item\n\n  - >-\n    two\n  - x: |+\n      three\n\nend: 1\n'],
    ['a key after the list and another list', 'a: 1\nteams:\n  - 1\n  - 2\n  - 3\nb:\n  c: d\nroutes:\n- x\n- y\n- z\n'],
  ])('%s: the same value as the positioned path', (_name, text) => {
    const quick = fastParseYaml(text, { ...LIMITS, sliceItems: 1 });
    expect(quick).toBeDefined();
    expect(quick!.value).toStrictEqual((reference(text) as { value: unknown }).value);
  });

  test.each([
    ['a key given twice around a list', 'teams:\n  - 1\n  - 2\nteams:\n  - 3\n  - 4\n'],
    ['a quoted string running past an item', 'teams:\n  - "a\n  - b"\n  - c\n'],
    ['a flow list running past an item', 'teams:\n  - [a,\n  - b]\n  - c\n'],
    ['an explicit block indentation', 'teams:\n  - |1\n   x\n  - y\n  - z\n'],
    ['an alias from one slice to another', 'teams:\n  - &a x\n  - *a\n  - y\n'],
    ['a prototype key as the list\'s key', '__proto__:\n  - 1\n  - 2\n  - 3\n'],
    // A `teams:` line inside a flow map is not a top-level key: yaml refuses the block list in it.
    ['a flow map around the list', '{a: 1,\nteams:\n- t0\n- t1\n- t2\n}\n'],
    ['a flow map opened on its own line', '{\nteams:\n- t0\n- t1\n- t2\n}\n'],
    ['a flow map after the document marker', '--- {a: 1,\nteams:\n- t0\n- t1\n- t2\n}\n'],
  ])('%s: left to the positioned path or read the same', (_name, text) => {
    const quick = fastParseYaml(text, { ...LIMITS, sliceItems: 1 });
    const slow = reference(text);
    if (slow === 'refused') expect(quick).toBeUndefined();
    else if (quick !== undefined) expect(quick.value).toStrictEqual(slow.value);
  });
});

describe('fast manifest streams agree with parseAllDocuments', () => {
  /** What `validate` read before: every document's value, or refused when `yaml` reports an error. */
  const streamReference = (text: string) => {
    const docs = parseAllDocuments(text);
    return Array.isArray(docs) && docs.every(d => d.errors.length === 0) ? docs.map(d => d.toJS()) : 'refused';
  };
  const stream = fc.tuple(fc.array(written, { minLength: 0, maxLength: 4 }), fc.boolean())
    .map(([docs, leading]) => `${leading ? '---\n' : ''}${docs.join('---\n')}`);

  test('streams of written documents, and spliced ones, give the same documents or go to `yaml`', () => {
    let streamsAccepted = 0;
    fc.assert(fc.property(fc.oneof(stream, spliced), text => {
      const quick = fastParseAllYaml(text);
      if (quick === undefined) return;
      streamsAccepted++;
      const slow = streamReference(text);
      if (slow === 'refused') throw new Error(`fast path accepted a stream yaml refuses: ${JSON.stringify(text)}`);
      expect(quick.filter(d => d !== null)).toStrictEqual(slow.filter(d => d !== null));
    }), { numRuns: RUNS });
    expect(streamsAccepted).toBeGreaterThan(RUNS / 4);
  });

  test('a document marker inside a block scalar is still a marker, as YAML requires', () => {
    const text = 'a: |\n  x\n---\nb: 1\n';
    expect(fastParseAllYaml(text)).toStrictEqual(streamReference(text));
  });

  test('a stream parsed a few documents at a time gives exactly what one parse gives', () => {
    fc.assert(fc.property(fc.oneof(stream, spliced), fc.integer({ min: 0, max: 40 }), (text, sliceBytes) => {
      expect(fastParseAllYaml(text, sliceBytes)).toStrictEqual(fastParseAllYaml(text, Number.MAX_SAFE_INTEGER));
    }), { numRuns: RUNS });
  });

  test('a long stream takes one parse per slice of whole documents', () => {
    const jsYaml = require('js-yaml') as typeof import('js-yaml');
    const parses = jest.spyOn(jsYaml, 'parseEvents');
    try {
      const text = ['a: 1\n', '---\nb: 2\n', '---\n', '---\n- c\n', '---\nd: |\n  ---x\n'].join('');
      expect(fastParseAllYaml(text, 1)).toStrictEqual([{ a: 1 }, { b: 2 }, null, ['c'], { d: '---x\n' }]);
      expect(parses).toHaveBeenCalledTimes(5);
    } finally {
      parses.mockRestore();
    }
  });
});

describe('the flow-depth pre-scan', () => {
  /** The scan as it was first written, a character at a time: the jumping scan must find the same place. */
  function characterScan(text: string, maxDepth: number): { line: number; column: number } | undefined {
    let depth = 0;
    let quote: string | undefined;
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') {
        line++;
        lineStart = i + 1;
        if (quote === undefined) continue;
      }
      if (quote !== undefined) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) {
        const end = text.indexOf('\n', i);
        i = (end < 0 ? text.length : end) - 1;
      } else if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]))) {
        quote = c;
      } else if (c === '[' || c === '{') {
        if (++depth > maxDepth) return { line, column: i - lineStart + 1 };
      } else if ((c === ']' || c === '}') && depth > 0) {
        depth--;
      }
    }
    return undefined;
  }

  const PIECES = ['[', '{', ']', '}', '"', "'", "''", '#', ' #', '\\', '\\"', '\\\n', '\n', '\r\n', ' ', ',', ':', 'a', '\u00a0', '\u2028', 'é'];
  const texts = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map(pieces => pieces.join(''));

  test('finds the same place as a character-by-character scan, or none', () => {
    let found = 0;
    fc.assert(fc.property(texts, fc.integer({ min: 0, max: 3 }), (text, maxDepth) => {
      const expected = characterScan(text, maxDepth);
      const problem = flowDepthProblem(text, 'gateway.yaml', maxDepth);
      if (expected) found++;
      expect(problem && { line: problem.line, column: problem.column }).toStrictEqual(expected);
    }), { numRuns: RUNS * 5 });
    expect(found).toBeGreaterThan(RUNS / 5);
  });

  test('a line break escaped in a double-quoted string is not counted as a line, as before', () => {
    const text = 'a: "x\\\ny"\nb: [[[\n';
    expect(characterScan(text, 2)).toStrictEqual({ line: 2, column: 6 });
    expect(flowDepthProblem(text, 'gateway.yaml', 2)).toMatchObject({ line: 2, column: 6, field: '(yaml)' });
  });
});
