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

/**
 * A YAML parser message without the source it quotes: `Unexpected scalar token in YAML stream: "<text>"` can quote a
 * pasted key. Callers report the location, which already points at the text.
 */
export function yamlErrorText(message: string): string {
  const first = message.split('\n')[0];
  const cut = first.indexOf(': ');
  return cut > 0 ? first.slice(0, cut) : first;
}
