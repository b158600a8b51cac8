import { Document, stringify } from 'yaml';
import { canonicalManifest } from './canonical';
import { Manifest } from './manifest';

/**
 * A fast YAML writer for the manifests we emit, byte-identical to the `yaml` package's `stringify` with the same
 * options. It writes block maps and sequences of plain objects, safe integers, booleans, null and single-line
 * printable-ASCII strings itself; for any document holding something else (multi-line or non-ASCII strings,
 * floats, undefined, shared objects that `yaml` would alias, class instances, long keys) it hands the whole
 * document to `yaml`. test/yaml-writer.test.ts proves the equality with fast-check.
 */

/** The options the output paths use: the CLI's `renderFiles` (YAML 1.2) and cdk8s's `Yaml.stringify` (YAML 1.1). */
export interface YamlWriterOptions {
  /**
   * The YAML version whose implicit types decide which strings need quotes (`yes` is a boolean in 1.1 only).
   * @default '1.2'
   */
  readonly version?: '1.1' | '1.2';
  /**
   * Writes `undefined` map values as `null` instead of leaving the key out, as cdk8s does.
   * @default false
   */
  readonly keepUndefined?: boolean;
}

/** One compiled writer per option set: the scalar tests come from the `yaml` package's own schema. */
interface Writer {
  readonly options: { lineWidth: 0; version: '1.1' | '1.2'; keepUndefined: boolean };
  /** Writes maps as {@link canonicalManifest} orders them (sorted, null and undefined fields left out), without copying. */
  readonly canonical: boolean;
  /** Matches strings that `yaml` would read back as something other than a string (null, bool, numbers, ...). */
  readonly implicitType: RegExp;
}

const writers = new Map<string, Writer>();

function writerFor(options: YamlWriterOptions = {}, canonical = false): Writer {
  const version = options.version ?? '1.2';
  const keepUndefined = options.keepUndefined ?? false;
  const id = `${version}:${keepUndefined}:${canonical}`;
  let writer = writers.get(id);
  if (!writer) {
    // The same test `yaml` runs before writing a string plain (plainString in stringifyString.js).
    const schema = new Document(null, { version }).schema as unknown as {
      tags: { default?: boolean; tag: string; test?: RegExp }[]; compat?: { default?: boolean; tag: string; test?: RegExp }[];
    };
    const typeTests = [...schema.tags, ...(schema.compat ?? [])]
      .filter(tag => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test)
      .map(tag => tag.test!);
    if (typeTests.some(test => test.flags !== '')) throw new Error('yaml writer: unexpected flags on a yaml schema test');
    writer = { options: { lineWidth: 0, version, keepUndefined }, canonical, implicitType: new RegExp(typeTests.map(t => `(?:${t.source})`).join('|')) };
    writers.set(id, writer);
  }
  return writer;
}

/** Thrown inside the fast path when a document holds something it does not prove safe; never escapes this module. */
const FALLBACK = Symbol('yaml fallback');

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;
// Copied from `yaml`'s plainString: leading indicators, `[?-]` alone or before a space, `: `, ` #`, trailing space or colon.
const NEEDS_QUOTES = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(?:---|\.\.\.)/;
// `yaml` writes keys longer than 1024 characters as explicit `? ` keys.
const MAX_SIMPLE_KEY = 1000;

function scalarString(value: string, writer: Writer): string {
  if (value === '') return '""';
  // `<<` is YAML 1.1's merge key, which `yaml` treats apart from the other implicit types.
  if (!PRINTABLE_ASCII.test(value) || DOCUMENT_MARKER.test(value) || value === '<<') throw FALLBACK;
  if (!NEEDS_QUOTES.test(value) && !writer.implicitType.test(value)) return value;
  // `yaml`'s quotedString: single quotes only when the text has double quotes and no single ones.
  if (value.includes('"') && !value.includes("'")) return `'${value}'`;
  return JSON.stringify(value); // printable ASCII: JSON escapes only `\` and `"`, exactly as YAML double quotes do
}

function scalar(value: unknown, writer: Writer): string {
  switch (typeof value) {
    case 'string':
      return scalarString(value, writer);
    case 'number':
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
      throw FALLBACK;
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (value === null) return 'null';
      throw FALLBACK;
  }
}

type Collection = Record<string, unknown> | unknown[];

/** A plain object or array the fast path writes; `undefined` for scalars; anything else falls back. */
function collectionOf(value: unknown, seen: Set<object>): Collection | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    if (!Array.isArray(value)) throw FALLBACK;
  } else if (proto !== Object.prototype && proto !== null) {
    throw FALLBACK;
  } else if ('toJSON' in value || Object.getOwnPropertySymbols(value).length > 0) {
    throw FALLBACK;
  }
  // `yaml` writes an object met twice as an anchor and an alias.
  if (seen.has(value)) throw FALLBACK;
  seen.add(value);
  return value as Collection;
}

function isEmpty(collection: Collection, writer: Writer): boolean {
  if (Array.isArray(collection)) return collection.length === 0;
  for (const key in collection) {
    if (!Object.prototype.hasOwnProperty.call(collection, key)) continue;
    // A map of only null fields is written `{}` in canonical form.
    if (!writer.canonical || (collection[key] !== undefined && collection[key] !== null)) return false;
  }
  return true;
}

/** The fields of a map in the order they are written. */
function mapFields(map: Record<string, unknown>, writer: Writer, top: boolean): string[] {
  if (!writer.canonical) return Object.keys(map);
  // As canonicalManifest's sorted copy lists them: no null or undefined fields, sorted, and a manifest's first three
  // fields first; except that JavaScript lists integer-like keys before all others, in numeric order.
  const keys = Object.keys(map).filter(key => map[key] !== undefined && map[key] !== null).sort();
  const indexes = keys.filter(isArrayIndex);
  const names = indexes.length === 0 ? keys : keys.filter(key => !isArrayIndex(key));
  const first = top ? CANONICAL_FIRST.filter(key => names.includes(key)) : [];
  if (indexes.length === 0 && first.length === 0) return keys;
  indexes.sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...first, ...names.filter(key => !first.includes(key))];
}

const CANONICAL_FIRST = ['apiVersion', 'kind', 'metadata'];
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const isArrayIndex = (key: string) => key.length > 0 && key.charCodeAt(0) <= 57 && ARRAY_INDEX.test(key) && Number(key) < 4294967295;

/**
 * Writes a non-empty collection. Its first line starts with `first` (the indent, or `- ` of the parent sequence);
 * the following lines start with `indent`.
 */
function writeCollection(collection: Collection, first: string, indent: string, writer: Writer, seen: Set<object>, out: string[], top = false): void {
  let prefix = first;
  if (Array.isArray(collection)) {
    for (let i = 0; i < collection.length; i++) {
      const item = collection[i];
      if (item === undefined) throw FALLBACK;
      writeEntry(`${prefix}-`, item, indent, false, writer, seen, out);
      prefix = indent;
    }
    return;
  }
  let written = 0;
  for (const key of mapFields(collection, writer, top)) {
    const value = collection[key];
    if (value === undefined && !writer.options.keepUndefined) continue;
    if (key.length > MAX_SIMPLE_KEY) throw FALLBACK;
    writeEntry(`${prefix}${scalarString(key, writer)}:`, value === undefined ? null : value, indent, true, writer, seen, out);
    prefix = indent;
    written++;
  }
  if (written === 0) throw FALLBACK; // every value was undefined: `yaml` writes `{}` there
}

/** One `key: value` or `- item`: scalars and empty collections on the line, others below it. */
function writeEntry(head: string, value: unknown, indent: string, inMap: boolean, writer: Writer, seen: Set<object>, out: string[]): void {
  const collection = collectionOf(value, seen);
  if (collection === undefined) {
    out.push(`${head} ${scalar(value, writer)}\n`);
  } else if (isEmpty(collection, writer)) {
    out.push(Array.isArray(collection) ? `${head} []\n` : `${head} {}\n`);
  } else if (inMap) {
    // Maps and sequences under a key are indented one step (`yaml`'s indentSeq).
    out.push(`${head}\n`);
    writeCollection(collection, `${indent}  `, `${indent}  `, writer, seen, out);
  } else {
    // A collection in a sequence starts on the dash's line.
    writeCollection(collection, `${head} `, `${indent}  `, writer, seen, out);
  }
}

function fastDocument(doc: unknown, writer: Writer): string | undefined {
  try {
    const seen = new Set<object>();
    const collection = collectionOf(doc, seen);
    if (collection === undefined) return undefined;
    if (isEmpty(collection, writer)) return Array.isArray(collection) ? '[]\n' : '{}\n';
    const out: string[] = [];
    writeCollection(collection, '', '', writer, seen, out, true);
    return out.join('');
  } catch (e) {
    if (e === FALLBACK) return undefined;
    throw e;
  }
}

/**
 * One YAML document, byte-identical to `stringify(doc, { lineWidth: 0, ...options })` from the `yaml` package.
 * @param doc the manifest (or any JSON-like value)
 * @param options the YAML version and undefined handling; defaults match `renderFiles`
 */
export function writeYaml(doc: unknown, options?: YamlWriterOptions): string {
  const writer = writerFor(options);
  return fastDocument(doc, writer) ?? stringify(doc, writer.options);
}

/**
 * A manifest in the canonical form cdk8s writes, as `writeYaml(canonicalManifest(manifest))` writes it, byte for byte,
 * without the sorted copy (a tenth of rendering 10 000 teams).
 */
export function writeCanonicalManifestYaml(manifest: Manifest): string {
  return fastDocument(manifest, writerFor({}, true)) ?? writeYaml(canonicalManifest(manifest));
}

/** The options cdk8s's `Yaml.stringify` passes to `yaml`. */
export const CDK8S_YAML_OPTIONS: YamlWriterOptions = Object.freeze({ version: '1.1', keepUndefined: true });

/**
 * Several documents joined as cdk8s's `Yaml.stringify(...docs)` joins them (an `undefined` document is an empty
 * line), byte-identical to it, without spreading the documents as function arguments (no stack overflow at
 * hundreds of thousands of objects).
 */
export function writeCdk8sYaml(docs: readonly unknown[]): string {
  const writer = writerFor(CDK8S_YAML_OPTIONS);
  const parts = new Array<string>(docs.length);
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i];
    parts[i] = doc === undefined ? '\n' : fastDocument(doc, writer) ?? stringify(doc, writer.options);
  }
  return parts.join('---\n');
}

/** Names of `yaml`'s tokens, the only words its messages put in `Unexpected <type> token` (never source text). */
const YAML_TOKENS = 'alias|anchor|block-map|block-scalar|block-scalar-header|block-seq|block-seq-ind|byte-order-mark|comma|comment|directive|directive-line|doc-end|'
  + 'doc-mode|doc-start|document|double-quoted-scalar|error|explicit-key-ind|flow-collection|flow-error-end|flow-map-end|flow-map-start|'
  + 'flow-seq-end|flow-seq-start|map-value-ind|newline|scalar|seq-item-ind|single-quoted-scalar|space|tag';
const FLOW = 'flow map|flow sequence';

/**
 * `yaml`'s messages we show: each pattern matches a message (or its start) and keeps only words of our own or
 * `yaml`'s fixed ones (token and collection names); `text`, where given, replaces a message that quotes the source.
 */
const YAML_MESSAGES: readonly { readonly pattern: RegExp; readonly text?: string }[] = [
  { pattern: new RegExp(`^Unexpected (?:${YAML_TOKENS}) (?:token in YAML (?:stream|document)|token|at node end|on same line with key)(?=: |$)`) },
  { pattern: new RegExp(`^(?:Flow map in block collection must be sufficiently indented and end with a \\}|Flow sequence in block collection must be `
    + `sufficiently indented and end with a \\]|Missing , between (?:${FLOW}) items|Missing , or : between (?:${FLOW}) items|`
    + `Missing space after : in (?:${FLOW})|Unexpected , in (?:${FLOW})|Unexpected empty item in (?:${FLOW}))$`) },
  { pattern: new RegExp('^(?:Map keys must be unique|Missing closing "quote|Missing closing \'quote|Implicit map keys need to be followed by map values|'
    + 'Implicit keys need to be on a single line|Implicit keys of flow sequence pairs need to be on a single line|'
    + 'Nested mappings are not allowed in compact mappings|A block sequence may not be used as an implicit map key|'
    + 'All mapping items must start at the same column|All sequence items must start at the same column|Sequence item without - indicator|'
    + 'Tags and anchors must be separated from the next token by white space|Tabs are not allowed as indentation|'
    + 'Comments must be separated from other tokens by white space characters|A node can have at most one (?:anchor|tag)|'
    + '(?:Anchor|Alias) ending in : is ambiguous|(?:Anchor|Alias) cannot be an empty string|An alias node must not specify any properties|'
    + 'Block collections are not allowed within flow collections|Missing directives-end(?:/doc-start)? indicator line|'
    + 'Block collection cannot start on same line with directives-end marker|Missing newline after block sequence props|'
    + 'Block scalars with more-indented leading empty lines must use an explicit indentation indicator|'
    + 'Block scalar values in collections must be indented|Block scalar lines must not be less indented than their (?:first line|explicit indentation indicator)|'
    + 'Flow end indicator should be more indented than parent|Unexpected doc-end without preceding document|'
    + 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key|'
    + 'Excessive alias count indicates a resource exhaustion attack|!!timestamp expects a date, starting with yyyy-mm-dd)$') },
  // Kept up to the name they quote: an alias or tag name can be a pasted key.
  { pattern: /^(?:Unresolved alias \(the anchor must be set before the alias\)|Unresolved tag|Could not resolve tag|Not a YAML token|Unexpected token in block scalar header|Block scalar header includes extra characters)(?=: )/ },
  { pattern: /^Source contains multiple documents/ },
  { pattern: /^Invalid escape sequence /, text: 'Invalid escape sequence in a double-quoted string (write \\\\ for a backslash)' },
  { pattern: /^Plain value cannot start with /, text: 'Plain value cannot start with a reserved character (quote the value)' },
  { pattern: new RegExp(`^Unexpected .* in (${FLOW}|collection)$`), text: 'Unexpected token in a flow collection' },
  { pattern: /^Anchors and tags must be after the /, text: 'Anchors and tags must be after the indicator' },
  { pattern: /^Unknown directive /, text: 'Unknown directive' },
  { pattern: /^Unsupported YAML version /, text: 'Unsupported YAML version' },
  { pattern: / used for (?:map|seq) collection, but expects /, text: 'A tag used for another kind of collection' },
  { pattern: / tag handle is non-default and was not declared/, text: 'Undeclared tag handle' },
];

/** Our text for each `YAMLError.code`, for a message none of {@link YAML_MESSAGES} knows (a newer `yaml`'s wording). */
const YAML_CODE_TEXT: Readonly<Record<string, string>> = {
  ALIAS_PROPS: 'An alias node must not specify any properties',
  BAD_ALIAS: 'Bad anchor or alias name',
  BAD_COLLECTION_TYPE: 'A tag used for another kind of collection',
  BAD_DIRECTIVE: 'Bad directive',
  BAD_DQ_ESCAPE: 'Invalid escape sequence in a double-quoted string (write \\\\ for a backslash)',
  BAD_INDENT: 'Bad indentation',
  BAD_PROP_ORDER: 'Anchors and tags must be after the indicator',
  BAD_SCALAR_START: 'Plain value cannot start with a reserved character (quote the value)',
  BLOCK_AS_IMPLICIT_KEY: 'A block collection cannot be an implicit key',
  BLOCK_IN_FLOW: 'Block collections are not allowed within flow collections',
  DUPLICATE_KEY: 'Map keys must be unique',
  IMPOSSIBLE: 'Unreadable YAML',
  KEY_OVER_1024_CHARS: 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key',
  MISSING_CHAR: 'A character is missing',
  MULTILINE_IMPLICIT_KEY: 'Implicit keys need to be on a single line',
  MULTIPLE_ANCHORS: 'A node can have at most one anchor',
  MULTIPLE_DOCS: 'Source contains multiple documents',
  MULTIPLE_TAGS: 'A node can have at most one tag',
  NON_STRING_KEY: 'Keys must be strings',
  RESOURCE_EXHAUSTION: 'Excessive alias count indicates a resource exhaustion attack',
  TAB_AS_INDENT: 'Tabs are not allowed as indentation',
  TAG_RESOLVE_FAILED: 'Unresolved tag',
  UNEXPECTED_TOKEN: 'Unexpected token',
};

/**
 * A YAML parser message in words that never quote the source (a message such as `Unexpected scalar token in YAML
 * stream: "<text>"` or `Invalid escape sequence \xab` can quote part of a pasted key): a message of `yaml`'s we
 * know keeps its fixed words, any other gets our text for its `YAMLError.code`, or a generic one. Callers report
 * the location, which already points at the text.
 * @param error a `YAMLError` (or an error thrown while converting a document), or its message
 */
export function yamlErrorText(error: string | { readonly code?: string; readonly message: string }): string {
  const message = (typeof error === 'string' ? error : error.message).split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  for (const { pattern, text } of YAML_MESSAGES) {
    const match = pattern.exec(message);
    if (match) return text ?? match[0];
  }
  const code = typeof error === 'string' ? undefined : error.code;
  return (code !== undefined && Object.hasOwn(YAML_CODE_TEXT, code) ? YAML_CODE_TEXT[code] : undefined) ?? 'Invalid YAML';
}
