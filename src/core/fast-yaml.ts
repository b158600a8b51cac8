import { COLLECTION_STYLE, EVENT_ID, SCALAR_STYLE, getScalarValue, parseEvents } from 'js-yaml';
import { resolveCoreScalar, yamlIsCheckedRelease, yamlLibrary } from './yaml-schema';

/** The limits the positioned parse enforces; the fast path gives up before any of them could matter. */
export interface FastYamlLimits {
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly maxStringLength: number;
  readonly reservedKeys: ReadonlySet<string>;
  /**
   * A top-level block sequence of more items than this is parsed this many items at a time (see {@link fastParseYaml}).
   * @default 256
   */
  readonly sliceItems?: number;
}

interface PlainTag {
  readonly test: RegExp;
  resolve(source: string, onError: (message: string) => void, options: object): unknown;
}

let coreSchema: { tags: readonly PlainTag[]; options: object } | undefined;

/**
 * The `yaml` package's own YAML 1.2 core schema resolvers for plain scalars (null, bool, int, float), taken from the
 * schema `parseDocument` uses, so `yes`, `0o17` or `.inf` resolve exactly as on the positioned path; for a `yaml`
 * release other than the one {@link resolveCoreScalar} was checked against.
 */
function schema(): { tags: readonly PlainTag[]; options: object } {
  if (!coreSchema) {
    const document = yamlLibrary().parseDocument('', { uniqueKeys: true });
    const tags = document.schema.tags.filter(tag => tag.default === true && 'test' in tag && tag.test instanceof RegExp) as unknown as PlainTag[];
    coreSchema = { tags, options: document.options };
  }
  return coreSchema;
}

const UNRESOLVED = Symbol('unresolved');

/**
 * Whether a plain scalar can only be a string in the core schema: it does not start like a null, bool, int or float
 * (`~nNtTfF0-9+-.`), or starts with a letter but is longer than the longest of those words (`false`, `FALSE`).
 */
function isPlainString(source: string): boolean {
  if (source.length === 0) return false;
  switch (source.charCodeAt(0)) {
    case 0x7e: // ~
      return source.length > 1;
    case 0x6e: case 0x4e: case 0x74: case 0x54: case 0x66: case 0x46: // n N t T f F
      return source.length > 5;
    case 0x2b: case 0x2d: case 0x2e: // + - .
      return false;
    default: {
      const first = source.charCodeAt(0);
      return first < 0x30 || first > 0x39;
    }
  }
}

/** The plain scalar's value, or {@link UNRESOLVED} when the `yaml` package would report an error resolving it. */
function resolvePlain(source: string): unknown {
  if (isPlainString(source)) return source;
  if (yamlIsCheckedRelease()) return resolveCoreScalar(source);
  const { tags, options } = schema();
  const tag = tags.find(t => t.test.test(source));
  if (!tag) return source;
  let failed = false;
  const value = tag.resolve(source, () => { failed = true; }, options);
  // Some resolvers return a Scalar node (bool keeps its source spelling); its value is what toJS gives.
  return failed ? UNRESOLVED : yamlLibrary().isScalar(value) ? value.value : value;
}

type Container = Record<string, unknown> | unknown[];

const LONE_CR = /\r(?!\n)/;
const DOCUMENT_MARKER = /^(---|\.\.\.)(?=[ \r\n]|$)/gm;

/** Longest implicit key the `yaml` package accepts; longer ones and multi-line keys are left to it. */
const MAX_SIMPLE_KEY = 1024;

/** A byte order mark starting a line, or a document marker after spaces: js-yaml skips them where `yaml` refuses. */
const MARKER_LOOKALIKE = /^(?:\uFEFF| +(?:---|\.\.\.)(?=[ \r\n]|$))/m;

/**
 * Whether js-yaml and `yaml` read `text`'s layout alike. Tabs (indentation vs. separation), a lone carriage return
 * (a line break to js-yaml, text to YAML 1.2) and {@link MARKER_LOOKALIKE}s are where they disagree. A document marker
 * past the start (`...`, a second `---`) is a second document or an error to `yaml`; with `several`, a `---` alone on
 * its line starts one.
 */
function parsersAgreeOn(text: string, several: boolean): boolean {
  if (text.includes('\t') || LONE_CR.test(text) || MARKER_LOOKALIKE.test(text)) return false;
  for (const marker of text.matchAll(DOCUMENT_MARKER)) {
    if (marker[1] === '...' || (marker.index > 0 && !(several && /^---(\n|$)/.test(text.slice(marker.index, marker.index + 4))))) return false;
  }
  return true;
}

/**
 * Parses a single YAML document fast (js-yaml's event parser) into the JavaScript value the `yaml` package's
 * `parseDocument(...).toJS()` gives, or returns `undefined` whenever it cannot vouch for that: anything unusual
 * (anchors, aliases, tags, directives, several documents, tabs, non-string or odd keys, duplicate keys, values near
 * a limit, any parse error) goes to the positioned path, which reports it exactly. The fast path only ever
 * accepts; it never reports.
 *
 * A long top-level block sequence (`teams:` with 50 000 items) is parsed a slice of items at a time, each slice
 * with its key line so it sits at the same indentation, and the rest of the document without the sequence: each
 * slice's events die young instead of all of them being held (and promoted) until the value is built.
 */
export function fastParseYaml(text: string, limits: FastYamlLimits): { value: unknown } | undefined {
  if (!parsersAgreeOn(text, false)) return undefined;
  const sequences = longSequences(text, limits.sliceItems ?? 256);
  if (sequences === undefined) {
    const parsed = parseWhole(text, limits, limits.maxNodes, new Map());
    return parsed && { value: parsed.roots[0] ?? null };
  }
  return parseInSlices(text, sequences, limits);
}

/** A top-level block sequence: its key's line, where its lines start and end, and where each item starts. */
interface LongSequence {
  readonly key: string;
  readonly keyLine: string;
  readonly from: number;
  readonly to: number;
  readonly items: readonly number[];
}

/** A top-level key whose block value starts on a later line (`teams:`, maybe a comment after a space). */
const TOP_LEVEL_KEY = /^([A-Za-z_][\w.-]*):(?:[ ]+(?:#.*)?)?$/;

/**
 * The top-level block sequences of more than `sliceItems` items, or undefined when there are none or the lines are
 * not plainly what this expects. An item runs from its dash line to the next one at the same indentation (comments
 * and blank lines after an item are its own); any other line at or left of the dashes ends the sequence.
 */
function longSequences(text: string, sliceItems: number): LongSequence[] | undefined {
  // An explicit block indentation (`|2`) could make a line left of the dashes part of an item.
  if (text.includes('\r') || /[|>][-+]?[1-9]/.test(text)) return undefined;
  const found: LongSequence[] = [];
  let key: { name: string; line: string; end: number } | undefined;
  let open: { key: string; keyLine: string; from: number; indent: number; items: number[] } | undefined;
  const close = (to: number) => {
    if (open && open.items.length > sliceItems) found.push({ key: open.key, keyLine: open.keyLine, from: open.from, to, items: open.items });
    open = undefined;
  };
  for (let start = 0, end = 0; start < text.length; start = end + 1) {
    end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let indent = start;
    while (text.charCodeAt(indent) === 0x20) indent++;
    const first = text.charCodeAt(indent);
    if (indent < end && first !== 0x23) { // a line with content, not only a comment
      const depth = indent - start;
      const dash = first === 0x2d && (indent + 1 === end || text.charCodeAt(indent + 1) === 0x20);
      if (key !== undefined && dash) open = { key: key.name, keyLine: key.line, from: key.end + 1, indent: depth, items: [] };
      key = undefined;
      if (open !== undefined) {
        if (depth === open.indent && dash) open.items.push(start);
        else if (depth > open.indent) continue;
        else if (depth > 0) return undefined; // left of the dashes, or level with them without one: not plain
        else close(start);
      }
      // A top-level line outside a sequence: a key whose value may be one.
      if (open === undefined && depth === 0) {
        const line = text.slice(start, end);
        const name = TOP_LEVEL_KEY.exec(line)?.[1];
        if (name !== undefined) key = { name, line, end };
      }
    }
  }
  close(text.length);
  return found.length > 0 ? found : undefined;
}

/** A top-level block sequence's key line, where its lines start and end in the text, and where each item starts. */
export interface TopLevelSequence {
  readonly keyLine: string;
  readonly from: number;
  readonly to: number;
  readonly items: readonly number[];
}

/**
 * The top-level block sequences of `text` by key, found as {@link fastParseYaml} finds the ones it slices (none when
 * the lines are not plainly laid out). `keyLine`, a line break and one item's text make a document of that item alone,
 * at the same indentation: how a problem in a text too large to parse whole with positions is located.
 */
export function topLevelSequences(text: string): ReadonlyMap<string, TopLevelSequence> {
  return new Map((longSequences(text, 0) ?? []).map(({ key, ...sequence }) => [key, sequence]));
}

/** Each long sequence a slice of items at a time, then the rest of the document with the sequences' lines left out. */
function parseInSlices(text: string, sequences: readonly LongSequence[], limits: FastYamlLimits): { value: unknown } | undefined {
  const sliceItems = limits.sliceItems ?? 256;
  let nodes = 0;
  const keys: KeyCache = new Map();
  const values: unknown[][] = [];
  for (const { key, keyLine, items, to } of sequences) {
    const all: unknown[] = [];
    for (let first = 0; first < items.length; first += sliceItems) {
      const end = first + sliceItems < items.length ? items[first + sliceItems] : to;
      const copied = { text, from: keyLine.length + 1, delta: items[first] - keyLine.length - 1 };
      const parsed = parseWhole(`${keyLine}\n${text.slice(items[first], end)}`, limits, limits.maxNodes - nodes, keys, copied);
      if (parsed === undefined || !parsed.blockRoot) return undefined;
      nodes += parsed.nodes;
      const slice = parsed.roots[0];
      if (!isMapOf(slice, key) || !Array.isArray(slice[key])) return undefined;
      for (const item of slice[key] as unknown[]) all.push(item);
    }
    values.push(all);
  }
  let rest = '';
  let next = 0;
  for (const { from, to } of sequences) {
    rest += text.slice(next, from);
    next = to;
  }
  rest += text.slice(next);
  const parsed = parseWhole(rest, limits, limits.maxNodes - nodes, keys);
  const root = parsed?.roots[0];
  // Only a block map holds block sequences at its top level: a `teams:` line inside a flow map (`{a: 1,\nteams:`)
  // is an error to `yaml`, whatever the rest reads as once the items are cut out.
  if (!parsed?.blockRoot || root === null || typeof root !== 'object' || Array.isArray(root)) return undefined;
  for (let i = 0; i < sequences.length; i++) {
    const { key } = sequences[i];
    // The key is in the rest once, with no value: a duplicate or a value there would have been refused or seen.
    if (!Object.hasOwn(root, key) || (root as Record<string, unknown>)[key] !== null) return undefined;
    (root as Record<string, unknown>)[key] = values[i];
  }
  return { value: root };
}

function isMapOf(value: unknown, key: string): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === key;
}

/**
 * Map keys already accepted, by length and first character: a config repeats a few key names thousands of times,
 * and reusing the string skips slicing, resolving and internalizing it again.
 */
type KeyCache = Map<number, string>;

/** Longest key kept in a {@link KeyCache}. */
const MAX_CACHED_KEY = 64;

/**
 * Where a slice's text was copied from: scalars at or after `from` are taken from `text`, `delta` characters on, so
 * the values hold on to the original text rather than to each slice's copy.
 */
interface CopiedFrom {
  readonly text: string;
  readonly from: number;
  readonly delta: number;
}

/**
 * One whole text through js-yaml's event parser: each document's value (at most one unless `several`; `null` for an
 * empty one) and how many events it took, or undefined.
 */
function parseWhole(text: string, limits: FastYamlLimits, maxNodes: number, keys: KeyCache, copied?: CopiedFrom,
  several = false): { roots: unknown[]; nodes: number; blockRoot: boolean } | undefined {
  let events;
  try {
    events = parseEvents(text, { maxDepth: limits.maxDepth + 1 });
  } catch {
    return undefined;
  }
  const { maxDepth, maxStringLength, reservedKeys } = limits;
  // Only a text with a `\U` escape somewhere needs each double-quoted scalar searched for one.
  const hasLongEscape = text.includes('\\U');
  // The first line break at or after `breakFrom` is `nextBreak` (text.length for none): scalars come in text order,
  // so most lookups reuse it instead of searching to the end of the line again.
  let breakFrom = 0;
  let nextBreak = -1;
  const spansLines = (start: number, end: number): boolean => {
    if (start < breakFrom || start > nextBreak) {
      breakFrom = start;
      nextBreak = text.indexOf('\n', start);
      if (nextBreak < 0) nextBreak = text.length;
    }
    return nextBreak < end;
  };
  // The open collections; a map's pending key is only ever the innermost one's (a nested value consumes it).
  const outer: Container[] = [];
  let container: Container | undefined;
  let isList = false;
  let key: string | undefined;
  const roots: unknown[] = [];
  let blockRoot = false;
  let nodes = 0;
  for (const event of events) {
    if (++nodes > maxNodes) return undefined;
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        if ((roots.length > 0 && !several) || event.directives.length > 0) return undefined;
        roots.push(null);
        nodes = 1; // the limit holds per document
        break;
      case EVENT_ID.ALIAS:
        return undefined;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        if (event.anchorStart >= 0 || event.tagStart >= 0) return undefined;
        const opened: Container = event.type === EVENT_ID.SEQUENCE ? [] : {};
        if (container === undefined) {
          roots[roots.length - 1] = opened;
          blockRoot = event.style === COLLECTION_STYLE.BLOCK;
        } else {
          if (outer.length >= maxDepth) return undefined;
          if (isList) {
            (container as unknown[]).push(opened);
          } else {
            if (key === undefined) return undefined; // a map or list as a key
            (container as Record<string, unknown>)[key] = opened;
            key = undefined;
          }
          outer.push(container);
        }
        container = opened;
        isList = event.type === EVENT_ID.SEQUENCE;
        break;
      }
      case EVENT_ID.SCALAR: {
        if (event.anchorStart >= 0 || event.tagStart >= 0) return undefined;
        const length = event.valueEnd - event.valueStart;
        const cacheable = event.fast && event.style === SCALAR_STYLE.PLAIN && length > 0 && length <= MAX_CACHED_KEY;
        const isKey = container !== undefined && !isList && key === undefined;
        if (isKey && cacheable) {
          // The same plain text as a key accepted before passes the same checks: only a duplicate is left to find.
          const known = keys.get(length * 0x10000 + text.charCodeAt(event.valueStart));
          if (known !== undefined && text.startsWith(known, event.valueStart)) {
            if (Object.hasOwn(container as Container, known)) return undefined;
            key = known;
            break;
          }
        }
        const source = event.fast && copied !== undefined && event.valueStart >= copied.from
          ? copied.text.slice(event.valueStart + copied.delta, event.valueEnd + copied.delta)
          : getScalarValue(text, event);
        if (source.length > maxStringLength) return undefined;
        // Line folding of multi-line plain and quoted scalars differs between parsers at the edges (escaped line
        // breaks before empty lines); block scalars (`|`, `>`) are left to the fast path.
        if (event.style <= SCALAR_STYLE.DOUBLE_QUOTED && spansLines(event.valueStart, event.valueEnd)) return undefined;
        // js-yaml decodes out-of-range `\U` escapes to garbage where `yaml` refuses them: left to the positioned path.
        if (hasLongEscape && event.style === SCALAR_STYLE.DOUBLE_QUOTED && text.slice(event.valueStart, event.valueEnd).includes('\\U')) return undefined;
        let value: unknown = source;
        if (event.style === SCALAR_STYLE.PLAIN) {
          value = resolvePlain(source);
          if (value === UNRESOLVED) return undefined;
        }
        if (container === undefined) {
          roots[roots.length - 1] = value;
        } else if (isList) {
          (container as unknown[]).push(value);
        } else if (key === undefined) {
          if (typeof value !== 'string' || reservedKeys.has(value) || Object.hasOwn(container, value)) return undefined;
          if (length > MAX_SIMPLE_KEY || spansLines(event.valueStart, event.valueEnd)) return undefined;
          key = value;
          if (cacheable) keys.set(length * 0x10000 + text.charCodeAt(event.valueStart), value);
        } else {
          (container as Record<string, unknown>)[key] = value;
          key = undefined;
        }
        break;
      }
      case EVENT_ID.POP:
        if (container !== undefined) {
          if (!isList && key !== undefined) return undefined; // a key without a value
          container = outer.pop();
          isList = Array.isArray(container);
        }
        break;
      default:
        return undefined;
    }
  }
  return { roots, nodes, blockRoot };
}

/** Keys JavaScript objects treat specially; a stream holding one is left to the `yaml` package. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Limits for manifests (not configs): generous, since the fast path only ever hands doubtful input on. */
const MANIFEST_LIMITS: FastYamlLimits = { maxDepth: 100, maxNodes: 10_000_000, maxStringLength: 16 * 1024 * 1024, reservedKeys: RESERVED_KEYS };

/** A longer stream is parsed this many bytes of whole documents at a time (see {@link fastParseAllYaml}). */
const STREAM_SLICE_BYTES = 256 * 1024;

/** A document marker that stands alone on its line, after the line break before it. */
const STANDALONE_MARKER = /\n---(?:\n|$)/g;

/**
 * The documents of a YAML stream as `parseAllDocuments(text).map(d => d.toJS())` gives them, or `undefined` when
 * any document needs the `yaml` package (see {@link fastParseYaml}). js-yaml's set-up per call costs more than a small
 * Secret's parse, so documents are parsed together, `sliceBytes` of whole documents at a time (cut before a `---`
 * line): the events of 10 000 documents are never all held at once. Each `---` past the start must stand alone on
 * its line.
 */
export function fastParseAllYaml(text: string, sliceBytes = STREAM_SLICE_BYTES): unknown[] | undefined {
  if (!parsersAgreeOn(text, true)) return undefined;
  const keys: KeyCache = new Map();
  const documents: unknown[] = [];
  // A directive line (`%YAML 1.2`) belongs to the document after the next marker: no cut may part them.
  const sliceable = !/^%/m.test(text);
  let from = 0;
  do {
    let to = text.length;
    if (sliceable && to - from > sliceBytes) {
      STANDALONE_MARKER.lastIndex = from + sliceBytes;
      const marker = STANDALONE_MARKER.exec(text);
      if (marker) to = marker.index + 1;
    }
    const parsed = parseWhole(text.slice(from, to), MANIFEST_LIMITS, MANIFEST_LIMITS.maxNodes, keys, undefined, true);
    if (parsed === undefined) return undefined;
    for (const root of parsed.roots) documents.push(root);
    from = to;
  } while (from < text.length);
  return documents;
}
