import { canonicalManifest } from './canonical';
import { Manifest } from './manifest';
import { IMPLICIT_TYPE_TESTS, YamlVersion, yamlIsCheckedRelease, yamlLibrary } from './yaml-schema';

/**
 * A fast YAML writer for the manifests we emit, byte-identical to the `yaml` package's `stringify` with the same
 * options. It writes block maps and sequences of plain objects, safe integers, booleans, null and single-line
 * printable-ASCII strings itself; for any document holding something else (multi-line or non-ASCII strings,
 * floats, undefined, shared objects that `yaml` would alias, class instances, long keys) it hands the whole
 * document to `yaml`. test/yaml-writer.test.ts proves the equality with fast-check.
 *
 * It copies ASCII bytes into one buffer per call (reused across calls, zeroed after each) and makes one string at
 * the end: no string per line or per document, so rendering tens of thousands of manifests leaves little garbage.
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
  /**
   * Whether `implicitType` is built only from {@link KNOWN_TYPE_TESTS}, so that {@link TYPE_START} and `typeWords`
   * may stand in for it.
   */
  readonly knownTypes: boolean;
  /** The words among {@link TYPE_WORDS} that `implicitType` matches (`yes` in YAML 1.1 only). */
  readonly typeWords: ReadonlySet<string>;
}

/**
 * Every implicit type test of `yaml`'s 1.1 and 1.2 schemas (as of yaml 2.9). {@link TYPE_START} and
 * {@link TYPE_WORDS} are derived from them by hand; a `yaml` with any other test makes the writer run
 * `implicitType` on every string.
 */
const KNOWN_TYPE_TESTS: ReadonlySet<string> = new Set([...IMPLICIT_TYPE_TESTS['1.1'], ...IMPLICIT_TYPE_TESTS['1.2']].map(test => test.source));

/**
 * First characters of a string that one of {@link KNOWN_TYPE_TESTS} can match: 1 for numbers (and 1.1's `e5`,
 * `<<`), which take the schema's test; 2 for the words of null and booleans, all in {@link TYPE_WORDS}.
 */
const TYPE_START = new Uint8Array(128);
for (const c of '-+.0123456789eE<') TYPE_START[c.charCodeAt(0)] = 1;
for (const c of '~NnYyTtOoFf') TYPE_START[c.charCodeAt(0)] = 2;
/** Every string starting with a word character of {@link TYPE_START} that a known test matches (the rest never do). */
const TYPE_WORDS = ['~', 'null', 'Null', 'NULL', 'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE',
  'false', 'False', 'FALSE', 'on', 'On', 'ON', 'off', 'Off', 'OFF'];

const writers = new Map<string, Writer>();

function writerFor(options: YamlWriterOptions = {}, canonical = false): Writer {
  const version = options.version ?? '1.2';
  const keepUndefined = options.keepUndefined ?? false;
  const id = `${version}:${keepUndefined}:${canonical}`;
  let writer = writers.get(id);
  if (!writer) {
    const typeTests = yamlIsCheckedRelease() ? IMPLICIT_TYPE_TESTS[version] : schemaTypeTests(version);
    if (typeTests.some(test => test.flags !== '')) throw new Error('yaml writer: unexpected flags on a yaml schema test');
    const implicitType = new RegExp(typeTests.map(t => `(?:${t.source})`).join('|'));
    writer = {
      options: { lineWidth: 0, version, keepUndefined },
      canonical,
      implicitType,
      knownTypes: typeTests.every(test => KNOWN_TYPE_TESTS.has(test.source)),
      typeWords: new Set(TYPE_WORDS.filter(word => implicitType.test(word))),
    };
    writers.set(id, writer);
  }
  return writer;
}

/** The test `yaml` runs before writing a string plain (plainString in stringifyString.js), from its own schema. */
function schemaTypeTests(version: YamlVersion): RegExp[] {
  const schema = new (yamlLibrary().Document)(null, { version }).schema as unknown as {
    tags: { default?: boolean; tag: string; test?: RegExp }[]; compat?: { default?: boolean; tag: string; test?: RegExp }[];
  };
  return [...schema.tags, ...(schema.compat ?? [])]
    .filter(tag => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test)
    .map(tag => tag.test!);
}

/**
 * Whether the writer for these options decides implicit types from {@link KNOWN_TYPE_TESTS} (a test fails when a
 * `yaml` upgrade changes them, so the shortcut is reviewed rather than silently dropped).
 * @internal
 */
export function knowsYamlImplicitTypes(options?: YamlWriterOptions): boolean {
  return writerFor(options).knownTypes;
}

/** Thrown inside the fast path when a document holds something it does not prove safe; never escapes this module. */
const FALLBACK = Symbol('yaml fallback');

// `yaml` writes keys longer than 1024 characters as explicit `? ` keys.
const MAX_SIMPLE_KEY = 1000;

const CHAR = { space: 0x20, hash: 0x23, dash: 0x2d, dot: 0x2e, colon: 0x3a, lt: 0x3c, question: 0x3f } as const;

/** First characters after which `yaml` quotes a string (its plainString's `^[\n\t ,[\]{}#&*!|>'"%@\`]`). */
const QUOTED_START = new Uint8Array(128);
for (const c of ' ,[]{}#&*!|>\'"%@`') QUOTED_START[c.charCodeAt(0)] = 1;

/**
 * The documents of one call being written, as ASCII bytes in a buffer reused from one call to the next (zeroed
 * after each, as it holds the documents' values), and the objects met so far in the current document.
 */
interface Output {
  writer: Writer;
  bytes: Buffer;
  length: number;
  /** How far the buffer has been written (a string may be copied, then found to need quotes or a fallback). */
  written: number;
  /** The collections met so far, scanned while they are few; a Set past {@link SEEN_SCAN_MAX}. */
  readonly seen: object[];
  seenCount: number;
  seenSet: Set<object> | undefined;
}

const INITIAL_BYTES = 4096;
/** A buffer grown past this by a large document is not kept for the next one. */
const MAX_KEPT_BYTES = 1 << 20;
const SEEN_SCAN_MAX = 32;

/** Room for `needed` more bytes; the old buffer is zeroed, as it holds the document so far. */
function reserve(out: Output, needed: number): Buffer {
  const old = out.bytes;
  const end = out.length + needed;
  if (end > out.written) out.written = end;
  if (end <= old.length) return old;
  const bytes = Buffer.alloc(Math.max(old.length * 2, end));
  old.copy(bytes, 0, 0, out.length);
  old.fill(0);
  return (out.bytes = bytes);
}

/** Appends text known to be printable ASCII (indicators, numbers, quoted strings). */
function put(out: Output, text: string): void {
  const n = text.length;
  const bytes = reserve(out, n);
  let at = out.length;
  for (let i = 0; i < n; i++) bytes[at++] = text.charCodeAt(i);
  out.length = at;
}

function putIndent(out: Output, level: number): void {
  const n = level * 2;
  const bytes = reserve(out, n);
  let at = out.length;
  for (let i = 0; i < n; i++) bytes[at++] = CHAR.space;
  out.length = at;
}

/**
 * Appends a string as `yaml` writes it: plain, or quoted when it starts with an indicator, holds `: ` or ` #`, ends
 * with a space or colon, or reads as another type. One pass copies the characters and checks them; the schema's
 * type tests run only for strings that can start one of them. Throws {@link FALLBACK} for anything but one line of
 * printable ASCII.
 */
function putString(out: Output, value: string): void {
  const length = value.length;
  if (length === 0) return put(out, '""');
  const bytes = reserve(out, length);
  const at = out.length;
  let quote = false;
  let previous = 0;
  for (let i = 0; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw FALLBACK;
    if ((c === CHAR.space && previous === CHAR.colon) || (c === CHAR.hash && previous === CHAR.space)) quote = true;
    bytes[at + i] = c;
    previous = c;
  }
  const first = bytes[at];
  // Document markers, and 1.1's merge key `<<`, which `yaml` treats apart from the other implicit types.
  if ((first === CHAR.dash || first === CHAR.dot) && (value.startsWith('---') || value.startsWith('...'))) throw FALLBACK;
  if (first === CHAR.lt && value === '<<') throw FALLBACK;
  if (!quote) {
    quote = QUOTED_START[first] === 1 || previous === CHAR.space || previous === CHAR.colon
      // `?` and `-` alone or before a space
      || ((first === CHAR.question || first === CHAR.dash) && (length === 1 || bytes[at + 1] === CHAR.space));
  }
  if (!quote) {
    const writer = out.writer;
    const typeStart = writer.knownTypes ? TYPE_START[first] : 1;
    quote = typeStart === 1 ? writer.implicitType.test(value) : typeStart === 2 && writer.typeWords.has(value);
  }
  if (!quote) {
    out.length = at + length;
  } else if (value.includes('"') && !value.includes("'")) {
    // `yaml`'s quotedString: single quotes only when the text has double quotes and no single ones.
    put(out, `'${value}'`);
  } else {
    put(out, JSON.stringify(value)); // printable ASCII: JSON escapes only `\` and `"`, exactly as YAML double quotes do
  }
}

function putScalar(out: Output, value: unknown): void {
  switch (typeof value) {
    case 'string':
      return putString(out, value);
    case 'number':
      if (Number.isSafeInteger(value) && !Object.is(value, -0)) return put(out, String(value));
      throw FALLBACK;
    case 'boolean':
      return put(out, value ? 'true' : 'false');
    default:
      if (value === null) return put(out, 'null');
      throw FALLBACK;
  }
}

/** Where `yaml` looks for its own nodes (a document, a pair) in what it is given. */
const YAML_NODE_TYPE = Symbol.for('yaml.node.type');
const arrayIterator = Array.prototype[Symbol.iterator];

/**
 * Throws {@link FALLBACK} unless `yaml` writes `value` as a plain block map or sequence (no `toJSON`, not one of its
 * nodes, iterated as an array or not at all), and it is met for the first time (`yaml` writes an object met twice
 * as an anchor and an alias).
 */
function meet(out: Output, value: object, isArray: boolean): void {
  const proto = Object.getPrototypeOf(value);
  if (isArray) {
    if (proto !== Array.prototype || (value as unknown[])[Symbol.iterator] !== arrayIterator) throw FALLBACK;
  } else if ((proto !== Object.prototype && proto !== null) || Symbol.iterator in value) {
    throw FALLBACK;
  }
  if ('toJSON' in value || YAML_NODE_TYPE in value) throw FALLBACK;
  const count = out.seenCount;
  if (count < SEEN_SCAN_MAX) {
    const seen = out.seen;
    for (let i = 0; i < count; i++) if (seen[i] === value) throw FALLBACK;
    seen[count] = value;
    out.seenCount = count + 1;
    return;
  }
  const set = (out.seenSet ??= new Set(out.seen));
  if (set.has(value)) throw FALLBACK;
  set.add(value);
}

const CANONICAL_FIRST = ['apiVersion', 'kind', 'metadata'];
const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;
const isArrayIndex = (key: string) => key.length > 0 && key.charCodeAt(0) <= 57 && ARRAY_INDEX.test(key) && Number(key) < 4294967295;
/** Maps up to this size are sorted in place by insertion (no work array; linear when already sorted). */
const INSERTION_SORT_MAX = 16;

/** Where a top-level key goes in canonical order: `apiVersion`, `kind`, `metadata`, then the rest. */
const topRank = (key: string) => key === 'apiVersion' ? 0 : key === 'kind' ? 1 : key === 'metadata' ? 2 : 3;
const compareKeys = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
const compareTopKeys = (a: string, b: string) => topRank(a) - topRank(b) || compareKeys(a, b);

/**
 * The keys of a map in the order {@link canonicalManifest} lists them (sorted, a manifest's first three fields
 * first), null and undefined fields included (the writer skips them).
 */
function canonicalKeys(map: Record<string, unknown>, top: boolean): string[] {
  const keys = Object.keys(map);
  const length = keys.length;
  for (let i = 0; i < length; i++) {
    const c = keys[i].charCodeAt(0);
    if (c >= 0x30 && c <= 0x39 && isArrayIndex(keys[i])) return canonicalKeysWithIndexes(map, top);
  }
  if (length > INSERTION_SORT_MAX) return top ? keys.sort(compareTopKeys) : keys.sort();
  // Insertion sort, with the comparison written out for the maps inside a manifest (all but one of them).
  for (let i = 1; i < length; i++) {
    const key = keys[i];
    let j = i - 1;
    if (top) {
      while (j >= 0 && compareTopKeys(keys[j], key) > 0) keys[j + 1] = keys[j--];
    } else {
      while (j >= 0 && keys[j] > key) keys[j + 1] = keys[j--];
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** {@link canonicalKeys} when JavaScript lists integer-like keys before all others, in numeric order. */
function canonicalKeysWithIndexes(map: Record<string, unknown>, top: boolean): string[] {
  const keys = Object.keys(map).filter(key => map[key] !== undefined && map[key] !== null).sort();
  const indexes = keys.filter(isArrayIndex);
  const names = keys.filter(key => !isArrayIndex(key));
  const first = top ? CANONICAL_FIRST.filter(key => names.includes(key)) : [];
  indexes.sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...first, ...names.filter(key => !first.includes(key))];
}

/**
 * Writes the entries of a non-empty sequence at `level`. With `inline` the first one goes on the current line
 * (after the `- ` of the parent sequence).
 */
function writeSequence(items: unknown[], level: number, inline: boolean, out: Output): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item === undefined) throw FALLBACK;
    if (i > 0 || !inline) putIndent(out, level);
    writeNode(item, level, true, out);
  }
}

/**
 * Writes a value after what introduces it: `- ` for a sequence item (`item`), where a collection starts on the dash's
 * line, or `: ` after a key, where a collection goes on the next lines one step in (`yaml`'s indentSeq). An empty
 * collection, or a map it writes nothing of, is `[]` or `{}`.
 */
function writeNode(value: unknown, level: number, item: boolean, out: Output): void {
  const marker = item ? '- ' : ': ';
  if (typeof value !== 'object' || value === null) {
    put(out, marker);
    putScalar(out, value);
    put(out, '\n');
    return;
  }
  const isList = Array.isArray(value);
  meet(out, value, isList);
  const start = out.length;
  put(out, item ? '- ' : ':\n');
  if (isList) {
    if (value.length > 0) return writeSequence(value, level + 1, item, out);
  } else if (writeMap(value as Record<string, unknown>, level + 1, item, false, out)) {
    return;
  }
  out.length = start;
  put(out, isList ? `${marker}[]\n` : `${marker}{}\n`);
}

/**
 * Writes the fields of a map at `level` (with `inline` as in {@link writeSequence}) and returns whether it wrote
 * any; a map it writes nothing of is `{}`.
 */
function writeMap(map: Record<string, unknown>, level: number, inline: boolean, top: boolean, out: Output): boolean {
  const writer = out.writer;
  const keys = writer.canonical ? canonicalKeys(map, top) : Object.keys(map);
  let written = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    let value = map[key];
    if (value === undefined) {
      if (writer.canonical || !writer.options.keepUndefined) continue;
      value = null;
    } else if (value === null && writer.canonical) {
      continue;
    }
    if (key.length > MAX_SIMPLE_KEY) throw FALLBACK;
    if (written > 0 || !inline) putIndent(out, level);
    const keyStart = out.length;
    putString(out, key);
    // `yaml` writes a key longer than 1024 characters once quoted and escaped as an explicit `? ` key.
    if (out.length - keyStart > 1024) throw FALLBACK;
    written++;
    writeNode(value, level, false, out);
  }
  // Every value undefined: `yaml` writes `{}` where the canonical form has dropped them all.
  if (written === 0 && keys.length > 0 && !writer.canonical) throw FALLBACK;
  return written > 0;
}

/** The output of the last call, kept for the next; taken while a call writes (a getter may write another document). */
let spare: Output | undefined;

function takeOutput(writer: Writer): Output {
  const out = spare ?? { writer, bytes: Buffer.alloc(INITIAL_BYTES), length: 0, written: 0, seen: [], seenCount: 0, seenSet: undefined };
  spare = undefined;
  out.writer = writer;
  return out;
}

/** Lets go of the objects met: `yaml` aliases an object met twice within a document only. */
function forgetObjects(out: Output): void {
  out.seen.fill(undefined as never, 0, out.seenCount);
  out.seenCount = 0;
  out.seenSet = undefined;
}

/** Nothing written stays behind: the bytes are zeroed (they hold the documents' values) and the objects let go. */
function releaseOutput(out: Output): void {
  out.bytes.fill(0, 0, out.written);
  out.length = 0;
  out.written = 0;
  forgetObjects(out);
  if (out.bytes.length <= MAX_KEPT_BYTES) spare = out;
}

/**
 * Appends one document and returns true, or returns false with nothing appended when the fast path cannot prove
 * it writes the document as `yaml` does.
 */
function appendDocument(doc: unknown, out: Output): boolean {
  if (typeof doc !== 'object' || doc === null) return false;
  const start = out.length;
  try {
    if (Array.isArray(doc)) {
      meet(out, doc, true);
      if (doc.length === 0) put(out, '[]\n');
      else writeSequence(doc, 0, false, out);
    } else {
      meet(out, doc, false);
      if (!writeMap(doc as Record<string, unknown>, 0, false, true, out)) put(out, '{}\n');
    }
    return true;
  } catch (e) {
    if (e !== FALLBACK) throw e;
    out.length = start;
    return false;
  } finally {
    forgetObjects(out);
  }
}

function fastDocument(doc: unknown, writer: Writer): string | undefined {
  const out = takeOutput(writer);
  try {
    return appendDocument(doc, out) ? out.bytes.toString('latin1', 0, out.length) : undefined;
  } finally {
    releaseOutput(out);
  }
}

/**
 * Documents joined by `---\n`, written into one buffer (no string per document); a document the fast path does not
 * write is written by `slowPath` and spliced in, as are `undefined` documents when `undefinedDocument` is given.
 */
function writeDocuments(docs: readonly unknown[], writer: Writer, slowPath: (doc: unknown) => string, undefinedDocument?: string): string {
  const out = takeOutput(writer);
  // The text so far when a document is spliced in: what `slowPath` writes need not be ASCII.
  const pieces: string[] = [];
  try {
    for (let i = 0; i < docs.length; i++) {
      if (i > 0) put(out, '---\n');
      const doc = docs[i];
      if (doc === undefined && undefinedDocument !== undefined) {
        put(out, undefinedDocument);
      } else if (!appendDocument(doc, out)) {
        pieces.push(out.bytes.toString('latin1', 0, out.length), slowPath(doc));
        out.length = 0;
      }
    }
    pieces.push(out.bytes.toString('latin1', 0, out.length));
    return pieces.length === 1 ? pieces[0] : pieces.join('');
  } finally {
    releaseOutput(out);
  }
}

// The writers of the hot paths, without building their id on every call.
let defaultWriter: Writer | undefined;
let canonicalWriter: Writer | undefined;
let cdk8sWriter: Writer | undefined;

/**
 * One YAML document, byte-identical to `stringify(doc, { lineWidth: 0, ...options })` from the `yaml` package.
 * @param doc the manifest (or any JSON-like value)
 * @param options the YAML version and undefined handling; defaults match `renderFiles`
 */
export function writeYaml(doc: unknown, options?: YamlWriterOptions): string {
  const writer = options === undefined ? (defaultWriter ??= writerFor()) : writerFor(options);
  return fastDocument(doc, writer) ?? yamlLibrary().stringify(doc, writer.options);
}

const canonicalSlowPath = (manifest: unknown) => writeYaml(canonicalManifest(manifest as Manifest));

/**
 * A manifest in the canonical form cdk8s writes, as `writeYaml(canonicalManifest(manifest))` writes it, byte for byte,
 * without the sorted copy (a tenth of rendering 10 000 teams).
 */
export function writeCanonicalManifestYaml(manifest: Manifest): string {
  canonicalWriter ??= writerFor({}, true);
  return fastDocument(manifest, canonicalWriter) ?? canonicalSlowPath(manifest);
}

/** The options cdk8s's `Yaml.stringify` passes to `yaml`. */
export const CDK8S_YAML_OPTIONS: YamlWriterOptions = Object.freeze({ version: '1.1', keepUndefined: true });

/**
 * Several documents joined as cdk8s's `Yaml.stringify(...docs)` joins them (an `undefined` document is an empty
 * line), byte-identical to it, without spreading the documents as function arguments (no stack overflow at
 * hundreds of thousands of objects) and without a string per document.
 */
export function writeCdk8sYaml(docs: readonly unknown[]): string {
  const writer = (cdk8sWriter ??= writerFor(CDK8S_YAML_OPTIONS));
  return writeDocuments(docs, writer, doc => yamlLibrary().stringify(doc, writer.options), '\n');
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
