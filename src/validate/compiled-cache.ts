import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { default as AjvType, ErrorObject, ValidateFunction } from 'ajv';
import { dependencyCacheDir, packageVersion, writeCacheFile } from './cache-dir';
import { scriptWithCodeCache } from './code-cache';
import { lazyRe2Engine, re2Engine, re2Test } from './re2';

/** Bumped whenever the generated code's environment (formats, regex engine, ajv options) or file layout changes. */
const CACHE_FORMAT = 'agw-validators-3';

/** A cached validator's first line: the sha256 of the code after it, checked before that code runs. */
const HEADER = '//agw-validator sha256=';

/** The hashed body's first line: the validator's parts (see {@link splitSchema}), as JSON. */
const PARTS_LINE = '//agw-parts ';

/**
 * Property schemas at least this long (as JSON) get validators of their own, loaded only when an object has the
 * property: the generated code is ~30 times the schema's size, and an object uses a small part of a big CRD.
 */
export const MIN_PART_LENGTH = 1024;

/** Where a subschema sits in a schema: the keys leading to it, unescaped (`['properties', 'spec']`). */
export type SchemaPath = readonly string[];

/** A schema with its large property schemas replaced by markers; `parts` says where, relative to `schema`. */
export interface SplitSchema {
  readonly schema: object;
  readonly parts: readonly SchemaPath[];
}

/** Formats the CRDs use beyond ajv-formats': Kubernetes' integer widths and base64 `byte`. */
const KUBERNETES_FORMATS = {
  int32: { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
  int64: { type: 'number', validate: (n: number) => Number.isInteger(n) },
  byte: { type: 'string', validate: (s: string) => re2Test('^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$', s) },
} as const;

let formats: Record<string, unknown> | undefined;

/** Every format a compiled validator may use, by name: what `require("agw:formats")` gives generated code. */
function allFormats(): Record<string, unknown> {
  formats ??= { ...(require('ajv-formats/dist/formats').fullFormats as Record<string, unknown>), ...KUBERNETES_FORMATS };
  return formats;
}

/** What generated code may `require`: our formats and RE2 engine by fixed names, ajv's runtime helpers. */
function generatedCodeRequire(id: string): unknown {
  if (id === 'agw:formats') return allFormats();
  if (id === 'agw:re2') return { re2Engine: lazyRe2Engine };
  if (id.startsWith('ajv/dist/runtime/') || id.startsWith('ajv-formats/dist/')) return require(id);
  throw new Error(`compiled validator asked for ${id}`);
}

let ajv: AjvType | undefined;

/** The ajv instance, created on the first schema no cached validator exists for. */
function compiler(): AjvType {
  if (!ajv) {
    const { default: Ajv, _ } = require('ajv') as typeof import('ajv');
    const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats');
    // Go's RE2 patterns in CRDs are not all valid in JavaScript's unicode mode; unoptimized code compiles CRD-sized
    // schemas twice as fast and validates small manifests just as quickly. CRD patterns run with RE2 semantics, as
    // on the API server: linear time, so no input can hang validation. `source` keeps the code for the cache.
    ajv = new Ajv({
      allErrors: true, strict: false, allowUnionTypes: true, unicodeRegExp: false,
      code: { optimize: false, regExp: re2Engine, source: true, formats: _`require("agw:formats")` },
    });
    addFormats(ajv);
    for (const [name, format] of Object.entries(KUBERNETES_FORMATS)) ajv.addFormat(name, format as never);
  }
  return ajv;
}

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

let ajvVersion: string | undefined;

/** The cache file for a validator identified by `parts`, if there is a cache. */
function validatorFile(parts: readonly string[]): string | undefined {
  const dir = dependencyCacheDir('validators');
  if (!dir) return undefined;
  ajvVersion ??= String(require('ajv/package.json').version);
  return join(dir, `${sha256([CACHE_FORMAT, ajvVersion, packageVersion(), ...parts].join('\n')).toString('hex')}.js`);
}

/** The cache file of `schema`'s validator, if there is a cache. */
export function cachedValidatorFile(schema: object): string | undefined {
  return validatorFile(['schema', JSON.stringify(schema)]);
}

let derivationCode: string | undefined;

/**
 * The cache file of the validator built from what `identity` names, if there is a cache: of its part at `path`
 * (default: the root), split at `minPartLength` (see {@link splitSchema}). Its key holds the hash of the code that
 * turns CRD schemas into ajv schemas, so a changed conversion (another version, or another checkout sharing these
 * dependencies) never meets validators built by the old one.
 * @default path `[]` (the root part), minPartLength {@link MIN_PART_LENGTH}
 */
export function cachedDerivedValidatorFile(identity: string, path: SchemaPath = [], minPartLength = MIN_PART_LENGTH): string | undefined {
  if (derivationCode === undefined) {
    try {
      derivationCode = sha256(['structural-schema', 'enterprise-policy-schema', 'rate-limit-schemas']
        .map(name => readFileSync(join(__dirname, `${name}${extname(__filename)}`), 'utf8')).join('\n')).toString('hex');
    } catch {
      return undefined; // bundled: no sources to hash, so no key that is safe
    }
  }
  return validatorFile(['derived', derivationCode, identity, `parts of ${minPartLength}`, JSON.stringify(path)]);
}

/**
 * Runs cached generated code, if its hash matches. V8's own code cache for it sits beside it (`.v8`, written after
 * the validator's first run so it holds the compiled validator too): parsing and compiling megabytes of generated
 * code is most of what is left of start-up. V8 checks a code cache against the length of its source only, so the
 * `.v8` file starts with the hash of the code it was made from and is used only for that code.
 */
function load(file: string): CompiledPart | undefined {
  if (!existsSync(file)) return undefined;
  const bytes = readFileSync(file);
  const lineEnd = bytes.indexOf(0x0a);
  if (lineEnd < 0) return undefined;
  const digest = sha256(bytes.subarray(lineEnd + 1));
  if (bytes.toString('latin1', 0, lineEnd) !== `${HEADER}${digest.toString('hex')}`) return undefined;
  const partsEnd = bytes.indexOf(0x0a, lineEnd + 1);
  const partsLine = partsEnd < 0 ? '' : bytes.toString('utf8', lineEnd + 1, partsEnd);
  if (!partsLine.startsWith(PARTS_LINE)) return undefined;
  const parts: unknown = JSON.parse(partsLine.slice(PARTS_LINE.length));
  const isPath = (path: unknown) => Array.isArray(path) && path.length > 0 && path.every(key => typeof key === 'string');
  if (!Array.isArray(parts) || !parts.every(isPath)) return undefined;
  const source = `(function (require, module, exports) {${bytes.toString('utf8', lineEnd + 1)}\n})`;
  const { script, cached, save } = scriptWithCodeCache(source, file, `${file}.v8`, digest);
  const module = { exports: {} as unknown };
  script.runInThisContext()(generatedCodeRequire, module, module.exports);
  const validate = module.exports as ValidateFunction;
  if (typeof validate !== 'function') return undefined;
  if (cached) return { validate, parts };
  const first = ((data: unknown) => {
    const valid = validate(data);
    first.errors = validate.errors;
    save();
    wrapped = validate;
    return valid;
  }) as ValidateFunction;
  let wrapped: ValidateFunction = first;
  const proxy = ((data: unknown) => {
    const valid = wrapped(data);
    proxy.errors = wrapped.errors;
    return valid;
  }) as ValidateFunction;
  return { validate: proxy, parts };
}

/** A compiled validator and the parts its markers stand for. */
interface CompiledPart {
  readonly validate: ValidateFunction;
  readonly parts: readonly SchemaPath[];
}

/** The validator cached in `file`, or one compiled from `build()` and cached there. */
function compileCached(file: string | undefined, build: () => SplitSchema): CompiledPart {
  if (file) {
    try {
      const cached = load(file);
      if (cached) return cached;
    } catch {
      // A damaged entry is compiled again below and replaced.
    }
  }
  const { schema, parts } = build();
  const validate = compiler().compile(schema);
  if (file) {
    try {
      const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
      const body = `${PARTS_LINE}${JSON.stringify(parts)}\n${standaloneCode(compiler(), validate)}`;
      writeCacheFile(file, `${HEADER}${sha256(body).toString('hex')}\n${body}`);
    } catch {
      // Only the speed-up is lost.
    }
  }
  return { validate, parts };
}

/**
 * A validator for `schema`. Compiling a CRD's schema takes most of `validate`'s start-up, so the generated code
 * (ajv standalone) is kept under the hash of the schema, the compiler's and this package's versions: the same
 * schema always gives the same code. A damaged or unreadable entry is compiled again.
 */
export function compileSchema(schema: object): ValidateFunction {
  return compileCached(cachedValidatorFile(schema), () => ({ schema, parts: [] })).validate;
}

/**
 * A validator for the schema `build()` returns, cached under `identity` (what the schema is derived from, such as a
 * CRD schema's hash and the conversion applied) instead of the schema's own hash: a cache hit never builds it.
 * Large property schemas are validated by parts of their own (see {@link splitSchema}), each loaded (or compiled)
 * when an object first has that property; the verdicts and errors, in their order, are those of the whole schema.
 * @default minPartLength {@link MIN_PART_LENGTH}
 */
export function compileDerivedSchema(identity: string, build: () => object, minPartLength = MIN_PART_LENGTH): ValidateFunction {
  let whole: object | undefined;
  const compilePart = (path: SchemaPath): ValidateFunction => {
    const { validate, parts } = compileCached(cachedDerivedValidatorFile(identity, path, minPartLength),
      () => splitSchema(schemaAt(whole ??= build(), path), minPartLength));
    return withParts(validate, path, parts, compilePart);
  };
  return compilePart([]);
}

/**
 * `schema` with every property schema at least `minPartLength` long (as JSON) replaced by `false`, a marker: ajv
 * reports it (keyword `false schema`) exactly where that property's own errors would begin, and only when the
 * property is present. Markers are placed only under `properties`, `items` and `additionalProperties`, never inside
 * `allOf`/`anyOf`/`oneOf`/`not`, where a failing subschema changes the verdict; the parent keeps every keyword of its
 * own (`required`, `additionalProperties`, combinators), so nothing it says about the property changes. A schema
 * with references (`$ref`, `$id`, ...) is not split.
 * @default minPartLength {@link MIN_PART_LENGTH}
 */
export function splitSchema(schema: object, minPartLength = MIN_PART_LENGTH): SplitSchema {
  // Each part is compiled alone, where a reference into the rest of the schema would not resolve: such a schema stays whole.
  if (/"\$(?:ref|dynamicRef|recursiveRef|id|anchor|dynamicAnchor)"/.test(JSON.stringify(schema))) return { schema, parts: [] };
  const parts: string[][] = [];
  const isSchemaObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
  const visit = (node: Record<string, unknown>, path: string[]): Record<string, unknown> => {
    const replaced: [string, unknown][] = [];
    if (isSchemaObject(node.properties)) {
      let split = false;
      const properties = Object.entries(node.properties).map(([name, child]): [string, unknown] => {
        if (!isSchemaObject(child) || JSON.stringify(child).length < minPartLength) return [name, child];
        parts.push([...path, 'properties', name]);
        split = true;
        return [name, false];
      });
      // fromEntries, not assignment: a property named `__proto__` stays a property.
      if (split) replaced.push(['properties', Object.fromEntries(properties)]);
    }
    for (const keyword of ['items', 'additionalProperties']) {
      const child = node[keyword];
      if (!isSchemaObject(child)) continue;
      const visited = visit(child, [...path, keyword]);
      if (visited !== child) replaced.push([keyword, visited]);
    }
    return replaced.length === 0 ? node : Object.fromEntries([...Object.entries(node), ...replaced]);
  };
  const root = isSchemaObject(schema) ? visit(schema, []) : schema;
  return { schema: root, parts };
}

/** The subschema of `schema` at `path`. */
function schemaAt(schema: object, path: SchemaPath): object {
  let node: unknown = schema;
  for (const key of path) {
    node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
  }
  if (node === null || typeof node !== 'object') throw new Error(`no subschema at ${path.join('/')}`);
  return node;
}

/** A JSON pointer segment as ajv writes it in a `schemaPath` (a URI fragment). */
const fragment = (key: string) => encodeURIComponent(key.replace(/~/g, '~0').replace(/\//g, '~1'));

/** The value at an ajv `instancePath` (a JSON pointer), read as ajv's generated code reads it. */
function valueAt(data: unknown, instancePath: string): unknown {
  let value: any = data;
  for (const key of instancePath.split('/').slice(1)) value = value[key.replace(/~1/g, '/').replace(/~0/g, '~')];
  return value;
}

/**
 * `validate` (the validator of the schema at `path`) with each of its markers replaced, in place, by the errors of
 * the part it stands for, their paths prefixed as if the part were inline.
 */
function withParts(validate: ValidateFunction, path: SchemaPath, parts: readonly SchemaPath[],
  compilePart: (path: SchemaPath) => ValidateFunction): ValidateFunction {
  if (parts.length === 0) return validate;
  const markers = new Map<string, { readonly prefix: string; readonly path: SchemaPath; validate?: ValidateFunction }>();
  for (const part of parts) {
    const prefix = `#/${part.map(fragment).join('/')}`;
    markers.set(`${prefix}/false schema`, { prefix, path: [...path, ...part] });
  }
  const whole = ((data: unknown) => {
    if (validate(data)) {
      whole.errors = null;
      return true;
    }
    const errors: ErrorObject[] = [];
    for (const error of validate.errors ?? []) {
      const marker = error.keyword === 'false schema' ? markers.get(error.schemaPath) : undefined;
      if (!marker) {
        errors.push(error);
        continue;
      }
      marker.validate ??= compilePart(marker.path);
      if (marker.validate(valueAt(data, error.instancePath))) continue;
      for (const inner of marker.validate.errors ?? []) {
        errors.push({ ...inner, instancePath: `${error.instancePath}${inner.instancePath}`, schemaPath: `${marker.prefix}${inner.schemaPath.slice(1)}` });
      }
    }
    whole.errors = errors.length > 0 ? errors : null;
    return errors.length === 0;
  }) as ValidateFunction;
  return whole;
}
