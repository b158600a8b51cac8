import { EVENT_ID, SCALAR_STYLE, getScalarValue, parseEvents } from 'js-yaml';
import { isScalar, parseDocument } from 'yaml';

/** The limits the positioned parse enforces; the fast path gives up before any of them could matter. */
export interface FastYamlLimits {
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly maxStringLength: number;
  readonly reservedKeys: ReadonlySet<string>;
}

interface PlainTag {
  readonly test: RegExp;
  resolve(source: string, onError: (message: string) => void, options: object): unknown;
}

let coreSchema: { tags: readonly PlainTag[]; options: object } | undefined;

/**
 * The `yaml` package's own YAML 1.2 core schema resolvers for plain scalars (null, bool, int, float), taken from the
 * schema `parseDocument` uses, so `yes`, `0o17` or `.inf` resolve exactly as on the positioned path.
 */
function schema(): { tags: readonly PlainTag[]; options: object } {
  if (!coreSchema) {
    const document = parseDocument('', { uniqueKeys: true });
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
  const { tags, options } = schema();
  const tag = tags.find(t => t.test.test(source));
  if (!tag) return source;
  let failed = false;
  const value = tag.resolve(source, () => { failed = true; }, options);
  // Some resolvers return a Scalar node (bool keeps its source spelling); its value is what toJS gives.
  return failed ? UNRESOLVED : isScalar(value) ? value.value : value;
}

type Container = Record<string, unknown> | unknown[];

const LONE_CR = /\r(?!\n)/;
const DOCUMENT_MARKER = /^(---|\.\.\.)(?=[ \r\n]|$)/gm;

/** Longest implicit key the `yaml` package accepts; longer ones and multi-line keys are left to it. */
const MAX_SIMPLE_KEY = 1024;

/**
 * Parses a single YAML document fast (js-yaml's event parser) into the JavaScript value the `yaml` package's
 * `parseDocument(...).toJS()` gives, or returns `undefined` whenever it cannot vouch for that: anything unusual
 * (anchors, aliases, tags, directives, several documents, tabs, non-string or odd keys, duplicate keys, values near
 * a limit, any parse error) goes to the positioned path, which reports it exactly. The fast path only ever
 * accepts; it never reports.
 */
export function fastParseYaml(text: string, limits: FastYamlLimits): { value: unknown } | undefined {
  // Tabs (indentation vs. separation) and a lone carriage return (a line break to js-yaml, text to YAML 1.2) are
  // where the parsers disagree; the positioned path decides.
  if (text.includes('\t') || LONE_CR.test(text)) return undefined;
  // A document marker past the start (`...`, a second `---`) is a second document or an error to `yaml`.
  for (const marker of text.matchAll(DOCUMENT_MARKER)) if (marker.index > 0 || marker[1] === '...') return undefined;
  let events;
  try {
    events = parseEvents(text, { maxDepth: limits.maxDepth + 1 });
  } catch {
    return undefined;
  }
  const { maxDepth, maxNodes, maxStringLength, reservedKeys } = limits;
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
  let root: unknown = null;
  let documents = 0;
  let nodes = 0;
  for (const event of events) {
    if (++nodes > maxNodes) return undefined;
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        if (++documents > 1 || event.directives.length > 0) return undefined;
        break;
      case EVENT_ID.ALIAS:
        return undefined;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        if (event.anchorStart >= 0 || event.tagStart >= 0) return undefined;
        const opened: Container = event.type === EVENT_ID.SEQUENCE ? [] : {};
        if (container === undefined) {
          root = opened;
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
        const source = getScalarValue(text, event);
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
          root = value;
        } else if (isList) {
          (container as unknown[]).push(value);
        } else if (key === undefined) {
          if (typeof value !== 'string' || reservedKeys.has(value) || Object.hasOwn(container, value)) return undefined;
          if (event.valueEnd - event.valueStart > MAX_SIMPLE_KEY || spansLines(event.valueStart, event.valueEnd)) return undefined;
          key = value;
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
  return { value: root };
}

/** Keys JavaScript objects treat specially; a stream holding one is left to the `yaml` package. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Limits for manifests (not configs): generous, since the fast path only ever hands doubtful input on. */
const MANIFEST_LIMITS: FastYamlLimits = { maxDepth: 100, maxNodes: 10_000_000, maxStringLength: 16 * 1024 * 1024, reservedKeys: RESERVED_KEYS };

/**
 * The documents of a YAML stream as `parseAllDocuments(text).map(d => d.toJS())` gives them, or `undefined` when
 * any document needs the `yaml` package (see {@link fastParseYaml}). The stream is cut before each `---` line, which
 * YAML forbids inside content, so each piece is one document (a piece that is not is handed on).
 */
export function fastParseAllYaml(text: string): unknown[] | undefined {
  const documents: unknown[] = [];
  for (const piece of text.split(/(?=^---(?:\n|$))/m)) {
    const parsed = fastParseYaml(piece, MANIFEST_LIMITS);
    if (!parsed) return undefined;
    documents.push(parsed.value);
  }
  return documents;
}
