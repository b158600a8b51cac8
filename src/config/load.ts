import { readFileSync } from 'node:fs';
import { Document, LineCounter, isMap, isNode, isScalar, parseDocument } from 'yaml';
import { GatewayConfig, gatewayConfigSchema } from './schema';

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

/** A parsed, schema-checked config that can point back into its file. */
export class LoadedConfig {
  constructor(
    public readonly file: string,
    public readonly config: GatewayConfig,
    private readonly document?: Document,
    private readonly lines?: LineCounter,
  ) {}

  /** The location of `path`, or of its longest prefix present in the file. */
  public locate(path: ConfigPath): ConfigLocation {
    for (let length = path.length; length >= 0 && this.document; length--) {
      const node = this.document.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) {
        const { line, col } = this.lines!.linePos(node.range[0]);
        return { file: this.file, line, column: col };
      }
    }
    return { file: this.file, line: 1, column: 1 };
  }

  /** The location of the key `path` ends with (rather than its value), for unknown keys. */
  public locateKey(path: ConfigPath): ConfigLocation {
    const parent = this.document?.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find(item => isScalar(item.key) && item.key.value === path[path.length - 1]);
      if (pair && isScalar(pair.key) && pair.key.range) {
        const { line, col } = this.lines!.linePos(pair.key.range[0]);
        return { file: this.file, line, column: col };
      }
    }
    return this.locate(path);
  }

  public problem(path: ConfigPath, message: string): ConfigProblem {
    return { ...this.locate(path), field: formatConfigPath(path), message };
  }
}

/** Parses and checks a config's text; throws a {@link ConfigError} listing every problem. */
export function parseConfig(text: string, file: string): LoadedConfig {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const blank = new LoadedConfig(file, {}, document, lines);
  if (document.errors.length > 0) {
    throw new ConfigError(document.errors.map(e => {
      const { line, col } = lines.linePos(e.pos[0]);
      return { file, line, column: col, field: '(yaml)', message: e.message.split('\n')[0] };
    }));
  }
  const result = gatewayConfigSchema.safeParse(document.toJS() ?? {});
  if (!result.success) {
    throw new ConfigError(result.error.issues.map(issue => {
      // Unknown keys are reported on their parent; point at the key itself.
      if (issue.code === 'unrecognized_keys') {
        const path = [...issue.path, issue.keys[0]] as (string | number)[];
        return { ...blank.locateKey(path), field: formatConfigPath(path), message: issue.message };
      }
      return blank.problem(issue.path as (string | number)[], issue.message);
    }));
  }
  return new LoadedConfig(file, result.data, document, lines);
}

export function loadConfig(file: string): LoadedConfig {
  return parseConfig(readFileSync(file, 'utf8'), file);
}
