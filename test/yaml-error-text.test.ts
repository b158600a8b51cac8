import { parseAllDocuments, parseDocument } from 'yaml';
import { ConfigError, parseConfig } from '../src/config/load';
import { yamlErrorText } from '../src/core/yaml';
import { parseObjects } from '../src/validate/load';

// A key-like text in every place a YAML error can quote the source. No message may show any 3 characters of it.
const KEY = 'QzK7wXv9Jb';
const windows = Array.from({ length: KEY.length - 2 }, (_, i) => KEY.slice(i, i + 3));
const quotesKey = (text: string) => windows.some(w => text.includes(w));

/** One source per error kind the parser reports, each with the key where the message would quote it. */
const SOURCES: readonly (readonly [kind: string, text: string])[] = [
  ['a stray flow end before a scalar', `a: 1\n]${KEY}\n`],
  ['an invalid escape', `a: "x\\q${KEY}"\n`],
  ['an invalid \\x escape', `a: "\\x${KEY}"\n`],
  ['an invalid \\u escape', `a: "\\u${KEY}"\n`],
  ['an invalid \\U escape', `a: "\\U${KEY}"\n`],
  ['an undeclared tag handle', `a: !${KEY}! y\n`],
  ['a tag handle and suffix', `a: !${KEY}!x y\n`],
  ['a local tag', `a: !${KEY} y\n`],
  ['a verbatim tag', `a: !<tag:${KEY}> y\n`],
  ['a block scalar header with extra characters', `a: |${KEY}\n  x\n`],
  ['a folded scalar header with extra characters', `a: >${KEY}\n  x\n`],
  ['a reserved first character', `a: @${KEY}\n`],
  ['a directive indicator', `a: %${KEY}\n`],
  ['an unknown directive', `%${KEY} x\n---\na: 1\n`],
  ['an unsupported YAML version', `%YAML 1.${KEY}\n---\na: 1\n`],
  ['an unresolved alias', `a: *${KEY}\n`],
  ['an alias ending in a colon', `a: &x 1\nb: *${KEY}:\n`],
  ['a stray mapping indicator', `- a\n- b\n: ${KEY}\n`],
  ['an unexpected token in a flow map', `a: {b: 1, ${KEY}: ]}\n`],
  ['a tag on the wrong collection', `a: !!set [${KEY}]\n`],
  ['two anchors', `a: &x &y ${KEY}\n`],
  ['a duplicate key', `${KEY}: 1\n${KEY}: 2\n`],
  ['an unclosed quote', `a: "${KEY}\n`],
  ['tabs as indentation', `a:\n\t${KEY}: 1\n`],
];

describe('yamlErrorText never quotes the source', () => {
  test.each(SOURCES)('%s: the parser\'s errors and warnings, by message and by code', (_kind, text) => {
    const errors = [parseDocument(text, { prettyErrors: false, uniqueKeys: true }), ...parseAllDocuments(text)]
      .flatMap(doc => 'errors' in doc ? [...doc.errors, ...doc.warnings] : []);
    const thrown: string[] = [];
    for (const doc of parseAllDocuments(text)) {
      try {
        doc.toJS();
      } catch (e) {
        thrown.push((e as Error).message);
      }
    }
    expect(errors.length + thrown.length).toBeGreaterThan(0);
    const shown = [...errors.flatMap(e => [yamlErrorText(e), yamlErrorText(e.message)]), ...thrown.map(m => yamlErrorText(m))];
    expect(shown.filter(quotesKey)).toEqual([]);
  });

  test.each(SOURCES)('%s: through the config loader and the manifest loader', (_kind, text) => {
    let config = '';
    try {
      parseConfig(text, 'gateway.yaml');
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      config = e.message;
    }
    let manifests = '';
    try {
      parseObjects(text, 'manifests.yaml');
    } catch (e) {
      manifests = (e as Error).message;
    }
    expect([config, manifests].filter(quotesKey)).toEqual([]);
  });

  test('known messages keep yaml\'s fixed words; those that quote are reworded; unknown ones get the code\'s text', () => {
    expect(yamlErrorText('Unexpected scalar token in YAML stream: "QzK7wXv9Jb"')).toBe('Unexpected scalar token in YAML stream');
    expect(yamlErrorText('Missing closing "quote at line 5, column 1:\n\n...')).toBe('Missing closing "quote');
    expect(yamlErrorText('Map keys must be unique')).toBe('Map keys must be unique');
    expect(yamlErrorText('Invalid escape sequence \\xQz')).toBe('Invalid escape sequence in a double-quoted string (write \\\\ for a backslash)');
    expect(yamlErrorText('Unresolved tag: !QzK7wXv9Jb')).toBe('Unresolved tag');
    expect(yamlErrorText('The !QzK7! tag handle is non-default and was not declared.')).toBe('Undeclared tag handle');
    expect(yamlErrorText('Unsupported YAML version 1.QzK7')).toBe('Unsupported YAML version');
    // A message a newer yaml might word differently: the code's text, or a generic one, never the message.
    expect(yamlErrorText({ code: 'BAD_DQ_ESCAPE', message: 'Bad escape QzK7wXv9Jb' })).toBe('Invalid escape sequence in a double-quoted string (write \\\\ for a backslash)');
    expect(yamlErrorText({ code: 'TAG_RESOLVE_FAILED', message: 'Tag QzK7wXv9Jb is unknown' })).toBe('Unresolved tag');
    expect(yamlErrorText('Something new: QzK7wXv9Jb')).toBe('Invalid YAML');
    expect(yamlErrorText({ code: 'toString', message: 'QzK7wXv9Jb' })).toBe('Invalid YAML');
  });
});
