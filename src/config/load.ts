import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Document, LineCounter } from 'yaml';
import { yamlErrorText } from '../core/yaml';
import { TopLevelSequence, fastParseYaml, topLevelSequences } from '../core/fast-yaml';
import { yamlLibrary } from '../core/yaml-schema';
import { isGatewayConfigShape } from './config-shape';
import type { GatewayConfig } from './schema';

/** A place in the config file. */
export interface ConfigLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One problem with the config, located in the file. Never contains key material. */
export interface ConfigProblem extends ConfigLocation {
  /** Dotted path of the field, e.g. `teams[0].key.env`. */
  readonly field: string;
  readonly message: string;
}

export function formatConfigProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.field}: ${p.message}`;
}

/** Thrown with every problem found in a config, all at once. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly ConfigProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the config:\n  ${problems.map(formatConfigProblem).join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export type ConfigPath = readonly (string | number)[];

export function formatConfigPath(path: ConfigPath): string {
  return path.reduce<string>((text, part) => typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part, '');
}

/** A document with node positions, the path to look up in it, and where an offset in it is in the file. */
interface Positioned {
  readonly document: Document;
  readonly path: ConfigPath;
  position(offset: number): { line: number; col: number };
}

/** A parsed, schema-checked config that can point back into its file. */
export class LoadedConfig {
  private positioned?: { document: Document; lines: LineCounter };
  private listItems?: ListItemDocuments;

  /**
   * @param source the config's text (parsed again with positions only when a location is asked for); none for a
   * config built in code.
   */
  constructor(
    public readonly file: string,
    public readonly config: GatewayConfig,
    private readonly source?: string,
  ) {}

  /** Whether locations point into a real file (false for a config built in code, such as the embedded default). */
  public get hasSource(): boolean {
    return this.source !== undefined;
  }

  /**
   * Where to look `path` up: the whole document with positions, parsed on first use (only problems need it); past
   * {@link CONFIG_LIMITS}.maxPositionedBytes, the one list item `path` points into (`teams[53121]...`), parsed alone.
   */
  private positionedAt(path: ConfigPath): Positioned | undefined {
    if (this.source === undefined) return undefined;
    if (this.source.length > CONFIG_LIMITS.maxPositionedBytes) {
      this.listItems ??= new ListItemDocuments(this.source);
      return this.listItems.positionedAt(path);
    }
    this.positioned ??= positionedDocument(this.source);
    const { document, lines } = this.positioned;
    return { document, path, position: offset => lines.linePos(offset) };
  }

  /** The location of `path`, or of its longest prefix present in the file. */
  public locate(path: ConfigPath): ConfigLocation {
    const positioned = this.positionedAt(path);
    if (positioned) {
      const { isNode } = yamlLibrary();
      for (let length = positioned.path.length; length >= 0; length--) {
        const node = positioned.document.getIn(positioned.path.slice(0, length), true);
        if (isNode(node) && node.range) {
          const { line, col } = positioned.position(node.range[0]);
          return { file: this.file, line, column: col };
        }
      }
    }
    return { file: this.file, line: 1, column: 1 };
  }

  /** The location of the key `path` ends with (rather than its value), for unknown keys. */
  public locateKey(path: ConfigPath): ConfigLocation {
    const positioned = this.positionedAt(path);
    const parent = positioned?.document.getIn(positioned.path.slice(0, -1), true);
    const { isMap, isScalar } = yamlLibrary();
    if (positioned && isMap(parent)) {
      const pair = parent.items.find(item => isScalar(item.key) && item.key.value === path[path.length - 1]);
      if (pair && isScalar(pair.key) && pair.key.range) {
        const { line, col } = positioned.position(pair.key.range[0]);
        return { file: this.file, line, column: col };
      }
    }
    return this.locate(path);
  }

  public problem(path: ConfigPath, message: string): ConfigProblem {
    return { ...this.locate(path), field: formatConfigPath(path) || '(config)', message };
  }
}

/**
 * What a config may hold; beyond these it is refused with a clear error instead of exhausting memory or time.
 * 10 000 teams with two rotating keys each take about 3.4 MiB (test/bad-input-catalogue.config.test.ts measures it);
 * 200 000 teams with one key and one metadata entry each, 25 MiB and 2.8 million values.
 */
export const CONFIG_LIMITS = {
  /** Size of the file, checked before it is parsed. */
  maxBytes: 32 * 1024 * 1024,
  /**
   * Size up to which the config is also parsed with positions (the `yaml` package), for problems and for what the fast
   * parser leaves to it: that parse takes about 3 s and 300 MB per MiB. A larger config must suit the fast parser
   * (no anchors, aliases, tags, tabs or multi-line quoted strings); a problem in it is located by parsing only the
   * list item it is in (one outside the top-level lists is reported at 1:1, with its field).
   */
  maxPositionedBytes: 8 * 1024 * 1024,
  /** Nesting of maps and lists. The deepest field of the schema is at level 6; provider options may nest further. */
  maxDepth: 32,
  /** Values in the file, counting each alias as the values it stands for (stops alias bombs). */
  maxNodes: 4_000_000,
  /** Aliases (`*name`) in the file. */
  maxAliases: 1_000,
  /** Characters in one string (key or value). */
  maxStringLength: 64 * 1024,
} as const;

/** Map keys that JavaScript objects treat specially: refused rather than silently dropped or mangled. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** A config's bytes as text: UTF-8 (a BOM is fine), anything else is refused at the first bad byte. */
function decodeConfig(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // The decoder drops a BOM; everything before the first replacement character that is not a literal U+FFFD
    // decoded exactly, so its UTF-8 length is the bad byte's offset.
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const loose = new TextDecoder('utf-8').decode(bytes);
    // The byte offset grows with each step, never measured from the start again (a file of U+FFFD stays linear).
    let offset = bom;
    let counted = 0;
    for (let at = loose.indexOf('\uFFFD'); at >= 0; at = loose.indexOf('\uFFFD', at + 1)) {
      offset += Buffer.byteLength(loose.slice(counted, at));
      counted = at;
      if (bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd) continue;
      const before = loose.slice(0, at).split('\n');
      throw new ConfigError([{
        file, line: before.length, column: before[before.length - 1].length + 1, field: '(file)',
        message: `expected UTF-8 text, got the byte 0x${bytes[offset].toString(16).padStart(2, '0')} at byte offset ${offset}: save the file as UTF-8`,
      }]);
    }
    throw new ConfigError([{ file, line: 1, column: 1, field: '(file)', message: 'expected UTF-8 text: save the file as UTF-8' }]);
  }
}

/**
 * Walks the parsed document before it becomes JavaScript: nesting, string lengths, odd keys and aliases are checked
 * here, where every node still knows its place in the file.
 */
function checkDocument(document: Document, lines: LineCounter, file: string): ConfigProblem[] {
  const { isAlias, isMap, isNode, isPair, isScalar, isSeq, visit: visitYaml } = yamlLibrary();
  const problems: ConfigProblem[] = [];
  const at = (node: { range?: [number, number, number] | null } | null | undefined, field: string, message: string) => {
    const { line, col } = node?.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
    problems.push({ file, line, column: col, field, message });
  };
  // Each alias's target, found in one pass in document order (resolving one alias at a time walks the whole document).
  const anchors = new Map<string, unknown>();
  const targets = new Map<unknown, unknown>();
  visitYaml(document, {
    Alias: (_key, alias) => { targets.set(alias, anchors.get(alias.source)); },
    Node: (_key, node) => { if (node.anchor) anchors.set(node.anchor, node); },
  });
  // Values each node stands for, aliases expanded, and how many levels of maps and lists it holds; memoized so a
  // bomb is measured without being expanded, and an alias to a deep anchor still counts the anchor's depth.
  const sizes = new Map<unknown, number>();
  // Characters each node stands for, aliases expanded: a 64 KB string aliased a thousand times is 64 MB of output.
  const texts = new Map<unknown, number>();
  const textOf = (node: unknown) => texts.get(isAlias(node) ? targets.get(node) : node) ?? 0;
  let tooMuchText = false;
  const heights = new Map<unknown, number>();
  const active = new Set<unknown>();
  let height = 0;
  let aliases = 0;
  let tooBig = false;
  const visit = (node: unknown, path: ConfigPath, depth: number, via?: unknown): number => {
    if (problems.length >= 20) return 0;
    const field = formatConfigPath(path) || '(document)';
    if (isAlias(node)) {
      aliases++;
      if (aliases === CONFIG_LIMITS.maxAliases + 1) {
        at(node, field, `expected at most ${CONFIG_LIMITS.maxAliases} aliases (*name) in a config, got more`);
      }
      const target = targets.get(node);
      if (target === undefined) {
        // The alias's name is not quoted: `*...` can be a pasted key that happens to start with an asterisk.
        at(node, field, 'expected an alias to an anchor set before it, got an alias (*name) with no such anchor');
        return 1;
      }
      if (active.has(target)) {
        at(node, field, 'expected an alias to a value defined before it, got an alias (*name) to a value that contains it');
        return 1;
      }
      return visit(target, path, depth, node);
    }
    const known = sizes.get(node);
    if (known !== undefined) {
      const levels = heights.get(node) ?? 0;
      height = Math.max(height, levels);
      if (levels > 0 && depth + levels - 1 > CONFIG_LIMITS.maxDepth) {
        at((via ?? node) as { range?: [number, number, number] }, field, `expected maps and lists nested at most ${CONFIG_LIMITS.maxDepth} levels deep, got more`);
      }
      return known;
    }
    let size = 1;
    let text = 0;
    let levels = 0;
    if (isScalar(node)) {
      text = typeof node.value === 'string' ? node.value.length : 0;
      if (typeof node.value === 'string' && node.value.length > CONFIG_LIMITS.maxStringLength) {
        at(node, field, `expected a string of at most ${CONFIG_LIMITS.maxStringLength} characters, got ${node.value.length} characters`);
      }
    } else if (isMap(node) || isSeq(node)) {
      if (depth > CONFIG_LIMITS.maxDepth) {
        at(node, field, `expected maps and lists nested at most ${CONFIG_LIMITS.maxDepth} levels deep, got more`);
        return 1;
      }
      active.add(node);
      const outer = height;
      height = 0;
      node.items.forEach((item: unknown, i: number) => {
        if (isPair(item)) {
          const key = isScalar(item.key) ? item.key.value : undefined;
          if (!isScalar(item.key) || (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean')) {
            at(isNode(item.key) ? item.key : node, field, 'expected a plain text key, got a map, list or empty key');
            return;
          }
          const name = String(key);
          const keyPath = [...path, name];
          if (PROTOTYPE_KEYS.has(name)) {
            at(item.key, formatConfigPath(keyPath), `expected a key other than "${name}" (a reserved JavaScript name that would be dropped or break rendering): rename it`);
          } else if (name.length > CONFIG_LIMITS.maxStringLength) {
            at(item.key, formatConfigPath(path) || '(document)', `expected a key of at most ${CONFIG_LIMITS.maxStringLength} characters, got ${name.length} characters`);
          }
          size += visit(item.value, keyPath, depth + 1);
          text += name.length + textOf(item.value);
        } else {
          size += visit(item, [...path, i], depth + 1);
          text += textOf(item);
        }
      });
      active.delete(node);
      levels = height + 1;
      height = Math.max(outer, levels);
    }
    sizes.set(node, size);
    texts.set(node, text);
    if (text > CONFIG_LIMITS.maxBytes && !tooMuchText) {
      tooMuchText = true;
      at(node as { range?: [number, number, number] }, field, `expected at most ${mib(CONFIG_LIMITS.maxBytes)} of text with aliases expanded, got more: is this an alias bomb?`);
    }
    heights.set(node, levels);
    if (size > CONFIG_LIMITS.maxNodes && !tooBig) {
      tooBig = true;
      at(node as { range?: [number, number, number] }, field, `expected at most ${CONFIG_LIMITS.maxNodes} values with aliases expanded, got more: is this an alias bomb?`);
    }
    return size;
  };
  visit(document.contents, [], 0);
  return problems;
}

/** Where the flow-depth scan can change state outside a quoted string; every other character is skipped natively. */
const FLOW_SCAN_OUTSIDE = /["'#[\]{}]/g;
/** Where a double-quoted string can end or escape its next character. */
const FLOW_SCAN_DOUBLE = /["\\]/g;
const WHITESPACE = /\s/;
const QUOTE_OPENER = /[\s[{,:]/;

/**
 * Flow collections (`[[[...`) nested past the limit, found before parsing: the parser would spend seconds on them
 * and then run out of stack. Brackets in quoted strings and comments do not count. The scan jumps from one
 * character that matters to the next (a character loop was a tenth of a 10 000-team load).
 * @param maxDepth the nesting allowed; tests lower it to reach the limit with short texts.
 * @internal
 */
export function flowDepthProblem(text: string, file: string, maxDepth: number = CONFIG_LIMITS.maxDepth): ConfigProblem | undefined {
  let depth = 0;
  // Line breaks escaped inside double quotes (`"a\<newline>b"`) are skipped with the escape, so not counted as lines.
  const escapedBreaks: number[] = [];
  const outside = FLOW_SCAN_OUTSIDE;
  const double = FLOW_SCAN_DOUBLE;
  outside.lastIndex = 0;
  while (outside.test(text)) {
    const i = outside.lastIndex - 1;
    const c = text[i];
    if (c === '#') {
      if (i === 0 || WHITESPACE.test(text[i - 1])) {
        const end = text.indexOf('\n', i);
        if (end < 0) break;
        outside.lastIndex = end;
      }
    } else if (c === '"' || c === "'") {
      if (i !== 0 && !QUOTE_OPENER.test(text[i - 1])) continue;
      let closed = -1;
      if (c === "'") {
        closed = text.indexOf("'", i + 1);
      } else {
        double.lastIndex = i + 1;
        while (double.test(text)) {
          const at = double.lastIndex - 1;
          if (text[at] === '"') {
            closed = at;
            break;
          }
          if (text[at + 1] === '\n') escapedBreaks.push(at + 1);
          double.lastIndex = at + 2;
        }
      }
      if (closed < 0) break;
      outside.lastIndex = closed + 1;
    } else if (c === '[' || c === '{') {
      if (++depth > maxDepth) return flowDepthAt(text, i, escapedBreaks, file, maxDepth);
    } else if (depth > 0) {
      depth--;
    }
  }
  return undefined;
}

/** The nesting problem at offset `at`, its line counting every line break but escaped ones. */
function flowDepthAt(text: string, at: number, escapedBreaks: readonly number[], file: string, maxDepth: number): ConfigProblem {
  let line = 1;
  let lineStart = 0;
  let escaped = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
    // Both in text order: the next escaped break is the only one this one can be.
    if (escapedBreaks[escaped] === i) {
      escaped++;
      continue;
    }
    line++;
    lineStart = i + 1;
  }
  return { file, line, column: at - lineStart + 1, field: '(yaml)', message: `expected maps and lists nested at most ${maxDepth} levels deep, got more` };
}

/** What zod says about a value that fits none of a union's shapes, and what to write instead. */
const UNIONS: Record<string, { what: string; options: readonly string[]; secret: readonly string[] }> = {
  key: { what: 'key source', options: ['literal', 'env', 'hash', 'externalSecret', 'sealedSecret', 'existingSecret'], secret: ['literal', 'hash'] },
  credential: { what: 'provider credential', options: ['secretRef', 'passthrough', 'aws', 'gcp'], secret: [] },
};

const typeName = (value: unknown) => value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a map' : `a ${typeof value}`;

/** A specific message for a value that matches no shape of a union, based on the keys it has. */
function unionMessage(path: ConfigPath, value: unknown): { path: ConfigPath; message: string } | undefined {
  const last = path[path.length - 1];
  const union = last === 'key' || last === 'source' ? UNIONS.key : last === 'credential' ? UNIONS.credential : undefined;
  if (!union) return undefined;
  const expected = `expected a ${union.what} with exactly one of ${union.options.join(', ')}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { path, message: `${expected}, got ${typeName(value)}${union === UNIONS.key ? ' (not shown: it might be a key); e.g. key: { externalSecret: { storeName: vault, remoteKey: llm/team1 } }' : ''}` };
  }
  const keys = Object.keys(value);
  const known = keys.filter(k => union.options.includes(k));
  if (known.length > 1) return { path, message: `${expected}, got ${known.length}: ${known.join(' and ')}` };
  if (known.length === 0) {
    // A key pasted as a field name must not be echoed: show only names that look like field names.
    const shown = keys.filter(k => /^[A-Za-z]{1,24}$/.test(k));
    const unknown = shown.length === keys.length && keys.length > 0 ? `"${shown.join('", "')}"` : `${keys.length} other field${keys.length === 1 ? '' : 's'} (names not shown: one might be a key)`;
    return { path, message: `${expected}, got ${keys.length === 0 ? 'an empty map' : unknown}` };
  }
  const source = known[0];
  const inner = (value as Record<string, unknown>)[source];
  if (union.secret.includes(source) && typeof inner !== 'string') {
    return { path: [...path, source], message: `expected a quoted string, got ${typeName(inner)} (not shown: it might be a key): YAML reads unquoted digits, true/false and null as other types; write ${source}: "..."` };
  }
  if (source === 'env' && typeof inner !== 'string') {
    return { path: [...path, source], message: `expected the name of an environment variable, got ${typeName(inner)}` };
  }
  const extra = keys.filter(k => k !== source);
  if (extra.length > 0) {
    const shown = /^[A-Za-z]{1,24}$/.test(extra[0]);
    return { path: shown ? [...path, extra[0]] : path, message: `expected only ${source} in a ${union.what}, got also ${shown ? `"${extra[0]}"` : 'another field (name not shown: it might be a key)'}` };
  }
  return undefined;
}

function valueAt(root: unknown, path: ConfigPath): unknown {
  return path.reduce<unknown>((value, part) => (value !== null && typeof value === 'object' && Object.hasOwn(value, part) ? (value as Record<string | number, unknown>)[part] : undefined), root);
}

/**
 * The items of a config's top-level lists, each parsed alone with positions when a problem is located in it: a
 * config too large to parse whole with positions still gets `file:line:column` for a problem in a list item.
 */
class ListItemDocuments {
  private readonly lists: ReadonlyMap<string, TopLevelSequence>;
  private lines?: LineCounter;
  /** The last item parsed: a problem is often located twice (its key, then its value). */
  private last?: { list: string; index: number; document: Document };

  constructor(private readonly text: string) {
    this.lists = topLevelSequences(text);
  }

  public positionedAt(path: ConfigPath): Positioned | undefined {
    const [name, item] = path;
    // The list itself (`teams`) is where its first item is, as in the whole document.
    const index = path.length === 1 ? 0 : item;
    if (typeof name !== 'string' || typeof index !== 'number') return undefined;
    const list = this.lists.get(name);
    const start = list?.items[index];
    if (list === undefined || start === undefined) return undefined;
    if (this.last?.list !== name || this.last.index !== index) {
      const end = list.items[index + 1] ?? list.to;
      const { document } = positionedDocument(`${list.keyLine}\n${this.text.slice(start, end)}`);
      if (document.errors.length > 0) return undefined;
      this.last = { list: name, index, document };
    }
    const keyLineStart = list.from - list.keyLine.length - 1;
    const itemAt = list.keyLine.length + 1;
    return {
      document: this.last.document,
      path: path.length === 1 ? path : [name, 0, ...path.slice(2)],
      position: offset => this.lineCounter().linePos(offset < itemAt ? keyLineStart + offset : start + offset - itemAt),
    };
  }

  private lineCounter(): LineCounter {
    if (!this.lines) {
      this.lines = new (yamlLibrary().LineCounter)();
      this.lines.addNewLine(0); // as yaml's parser counts the first line
      for (let at = this.text.indexOf('\n'); at >= 0; at = this.text.indexOf('\n', at + 1)) this.lines.addNewLine(at + 1);
    }
    return this.lines;
  }
}

function positionedDocument(text: string): { document: Document; lines: LineCounter } {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lines = new LineCounter();
  return { document: parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' }), lines };
}

/**
 * The config's value through the `yaml` package, every node positioned and every limit checked: throws a located
 * {@link ConfigError}. The reference the fast parser is tested against.
 * @internal
 */
export function positionedValue(text: string, file: string): unknown {
  const { document, lines } = positionedDocument(text);
  if (document.errors.length > 0) {
    const problems = new Map<string, ConfigProblem>();
    for (const e of document.errors) {
      const { line, col } = lines.linePos(e.pos[0]);
      // A stack overflow in the parser is a nesting problem; the errors that follow it are its echoes.
      const tooDeep = /call stack/i.test(e.message);
      const message = tooDeep ? `expected maps and lists nested at most ${CONFIG_LIMITS.maxDepth} levels deep, got more` : yamlErrorText(e);
      problems.set(`${line}:${col}`, problems.get(`${line}:${col}`) ?? { file, line, column: col, field: '(yaml)', message });
      if (tooDeep || problems.size >= 20) break;
    }
    throw new ConfigError([...problems.values()]);
  }
  const structural = checkDocument(document, lines, file);
  if (structural.length > 0) throw new ConfigError(structural);
  // The walk above bounded alias expansion; yaml's own count would stop legitimate configs with many aliases.
  return document.toJS({ maxAliasCount: -1 }) ?? {};
}

/** Parses and checks a config's text; throws a {@link ConfigError} listing every problem. */
export function parseConfig(text: string, file: string): LoadedConfig {
  if (text.length > CONFIG_LIMITS.maxBytes) {
    throw new ConfigError([{ file, line: 1, column: 1, field: '(file)', message: `expected a config of at most ${mib(CONFIG_LIMITS.maxBytes)}, got ${mib(text.length)}` }]);
  }
  const tooDeep = flowDepthProblem(text, file);
  if (tooDeep) throw new ConfigError([tooDeep]);
  const body = text.replace(/^\uFEFF/, '');
  // Most configs take the fast parser; anything it cannot vouch for, and every problem, takes the positioned one.
  const fast = fastParseYaml(body, { ...CONFIG_LIMITS, reservedKeys: PROTOTYPE_KEYS });
  if (!fast && body.length > CONFIG_LIMITS.maxPositionedBytes) {
    throw new ConfigError([{ file, line: 1, column: 1, field: '(file)', message: `expected a config of at most ${mib(CONFIG_LIMITS.maxPositionedBytes)}, or `
      + `one without anchors, aliases, tags, tabs, multi-line quoted strings or YAML errors (a config this large is read by the fast parser only), got ${mib(body.length)}` }]);
  }
  const raw: unknown = fast ? fast.value ?? {} : positionedValue(body, file);
  if (isGatewayConfigShape(raw)) return new LoadedConfig(file, raw, body);
  // Only a config with a problem loads zod, whose issues name each one.
  const { gatewayConfigSchema } = require('./schema') as typeof import('./schema');
  const blank = new LoadedConfig(file, {}, body);
  const result = gatewayConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(issue => {
      // Unknown keys are reported on their parent; point at the key itself.
      if (issue.code === 'unrecognized_keys') {
        // In a key source, an unknown field's name might be a pasted key.
        const specific = unionMessage(issue.path as (string | number)[], valueAt(raw, issue.path as (string | number)[]));
        if (specific) return blank.problem(specific.path, specific.message);
        const path = [...issue.path, issue.keys[0]] as (string | number)[];
        return { ...blank.locateKey(path), field: formatConfigPath(path), message: issue.message };
      }
      const path = issue.path as (string | number)[];
      const specific = issue.code === 'invalid_union' ? unionMessage(path, valueAt(raw, path)) : undefined;
      if (specific) return blank.problem(specific.path, specific.message);
      return blank.problem(path, issue.message);
    });
    throw new ConfigError(problems);
  }
  return new LoadedConfig(file, result.data, body);
}

/**
 * Reads and checks a config file. Reads at most {@link CONFIG_LIMITS}.maxBytes (so `/dev/zero` or a huge file fails
 * fast), from any readable file, including a pipe such as `<(sops -d gateway.yaml)`.
 */
export function loadConfig(file: string): LoadedConfig {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > CONFIG_LIMITS.maxBytes) {
      throw new ConfigError([{ file, line: 1, column: 1, field: '(file)', message: `expected a config of at most ${mib(CONFIG_LIMITS.maxBytes)}, got ${mib(size)}: split it, or use label selectors and fewer, larger entries` }]);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      if (total > CONFIG_LIMITS.maxBytes) {
        throw new ConfigError([{ file, line: 1, column: 1, field: '(file)', message: `expected a config of at most ${mib(CONFIG_LIMITS.maxBytes)}, got more` }]);
      }
      chunks.push(chunk.subarray(0, read));
    }
    return parseConfig(decodeConfig(Buffer.concat(chunks), file), file);
  } finally {
    closeSync(fd);
  }
}
