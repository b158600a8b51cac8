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

/** Characters a core-schema null, bool, int or float can start with; any other plain scalar is a string. */
const NON_STRING_START = new Set('~nNtTfF0123456789+-.');

/** The plain scalar's value, or {@link UNRESOLVED} when the `yaml` package would report an error resolving it. */
function resolvePlain(source: string): unknown {
  if (source.length > 0 && !NON_STRING_START.has(source[0])) return source;
  const { tags, options } = schema();
  const tag = tags.find(t => t.test.test(source));
  if (!tag) return source;
  let failed = false;
  const value = tag.resolve(source, () => { failed = true; }, options);
  // Some resolvers return a Scalar node (bool keeps its source spelling); its value is what toJS gives.
  return failed ? UNRESOLVED : isScalar(value) ? value.value : value;
}

function spansLines(text: string, start: number, end: number): boolean {
  const lineBreak = text.indexOf('\n', start);
  return lineBreak >= 0 && lineBreak < end;
}

interface Frame {
  readonly container: Record<string, unknown> | unknown[];
  /** For a map: the key waiting for its value, or undefined when the next scalar is a key. */
  key?: string;
}

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
  const documents = parseDocuments(text, limits, false);
  return documents && { value: documents[0] ?? null };
}

/**
 * The documents of `text` through one js-yaml parse (see {@link fastParseYaml}), or undefined. With `several`, each
 * `---` past the start must stand alone on its line, as the positioned path's pieces were cut.
 */
function parseDocuments(text: string, limits: FastYamlLimits, several: boolean): unknown[] | undefined {
  // Tabs (indentation vs. separation) and a lone carriage return (a line break to js-yaml, text to YAML 1.2) are
  // where the parsers disagree; the positioned path decides.
  if (text.includes('\t') || LONE_CR.test(text)) return undefined;
  // A document marker past the start (`...`, a second `---`) is a second document or an error to `yaml`.
  for (const marker of text.matchAll(DOCUMENT_MARKER)) {
    if (marker[1] === '...' || (marker.index > 0 && !(several && /^---(\n|$)/.test(text.slice(marker.index, marker.index + 4))))) return undefined;
  }
  let events;
  try {
    events = parseEvents(text, { maxDepth: limits.maxDepth + 1 });
  } catch {
    return undefined;
  }
  const stack: Frame[] = [];
  const roots: unknown[] = [];
  let nodes = 0;
  const add = (value: unknown): boolean => {
    const frame = stack[stack.length - 1];
    if (frame === undefined) {
      roots[roots.length - 1] = value;
    } else if (Array.isArray(frame.container)) {
      frame.container.push(value);
    } else {
      if (frame.key === undefined) return false;
      frame.container[frame.key] = value;
      frame.key = undefined;
    }
    return true;
  };
  for (const event of events) {
    if (++nodes > limits.maxNodes) return undefined;
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        if ((roots.length > 0 && !several) || event.directives.length > 0) return undefined;
        roots.push(null);
        nodes = 1; // the limits hold per document
        break;
      case EVENT_ID.ALIAS:
        return undefined;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        if (event.anchorStart >= 0 || event.tagStart >= 0 || stack.length > limits.maxDepth) return undefined;
        const container = event.type === EVENT_ID.SEQUENCE ? [] : {};
        if (!add(container)) return undefined; // a map or list as a key
        stack.push({ container });
        break;
      }
      case EVENT_ID.SCALAR: {
        if (event.anchorStart >= 0 || event.tagStart >= 0) return undefined;
        const source = getScalarValue(text, event);
        if (source.length > limits.maxStringLength) return undefined;
        // Line folding of multi-line plain and quoted scalars differs between parsers at the edges (escaped line
        // breaks before empty lines); block scalars (`|`, `>`) are left to the fast path.
        if (event.style <= SCALAR_STYLE.DOUBLE_QUOTED && spansLines(text, event.valueStart, event.valueEnd)) return undefined;
        // js-yaml decodes out-of-range `\U` escapes to garbage where `yaml` refuses them: left to the positioned path.
        if (event.style === SCALAR_STYLE.DOUBLE_QUOTED && text.slice(event.valueStart, event.valueEnd).includes('\\U')) return undefined;
        let value: unknown = source;
        if (event.style === SCALAR_STYLE.PLAIN) {
          value = resolvePlain(source);
          if (value === UNRESOLVED) return undefined;
        }
        const frame = stack[stack.length - 1];
        if (frame !== undefined && !Array.isArray(frame.container) && frame.key === undefined) {
          if (typeof value !== 'string' || limits.reservedKeys.has(value) || Object.hasOwn(frame.container, value)) return undefined;
          if (event.valueEnd - event.valueStart > MAX_SIMPLE_KEY || spansLines(text, event.valueStart, event.valueEnd)) return undefined;
          frame.key = value;
        } else if (!add(value)) {
          return undefined;
        }
        break;
      }
      case EVENT_ID.POP:
        if (stack.length > 0) {
          const frame = stack.pop()!;
          if (!Array.isArray(frame.container) && frame.key !== undefined) return undefined; // a key without a value
        }
        break;
      default:
        return undefined;
    }
  }
  return roots;
}

/** Keys JavaScript objects treat specially; a stream holding one is left to the `yaml` package. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Limits for manifests (not configs): generous, since the fast path only ever hands doubtful input on. */
const MANIFEST_LIMITS: FastYamlLimits = { maxDepth: 100, maxNodes: 10_000_000, maxStringLength: 16 * 1024 * 1024, reservedKeys: RESERVED_KEYS };

/**
 * The documents of a YAML stream as `parseAllDocuments(text).map(d => d.toJS())` gives them, or `undefined` when
 * any document needs the `yaml` package (see {@link fastParseYaml}). One parse for the whole stream: js-yaml's
 * set-up per call costs more than a small document's parse (10 000 Secrets in one file).
 */
export function fastParseAllYaml(text: string): unknown[] | undefined {
  return parseDocuments(text, MANIFEST_LIMITS, true);
}
