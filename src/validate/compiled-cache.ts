import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { default as AjvType, ValidateFunction } from 'ajv';
import { dependencyCacheDir } from './cache-dir';
import { re2Engine, re2Test } from './re2';

/** Bumped whenever the generated code's environment (formats, regex engine, ajv options) changes. */
const CACHE_FORMAT = 'agw-validators-1';

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
  if (id === 'agw:re2') return { re2Engine };
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

/**
 * Runs cached generated code. V8's own code cache for it sits beside it (`.v8`), written after the validator's first
 * run so it holds the compiled validator too: parsing and compiling megabytes of generated code is most of what is
 * left of start-up. V8 rejects a cache from another version or flags, and the code is compiled as usual.
 */
/** The cache file of `schema`'s validator, if there is a cache. */
export function cachedValidatorFile(schema: object): string | undefined {
  const dir = dependencyCacheDir('validators');
  const version: string = require('ajv/package.json').version;
  return dir && join(dir, `${createHash('sha256').update(`${CACHE_FORMAT}\n${version}\n${JSON.stringify(schema)}`).digest('hex')}.js`);
}

function load(file: string): ValidateFunction {
  const { Script } = require('node:vm') as typeof import('node:vm');
  const v8File = `${file}.v8`;
  const cachedData = existsSync(v8File) ? readFileSync(v8File) : undefined;
  const script = new Script(`(function (require, module, exports) {${readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
  const module = { exports: {} as unknown };
  script.runInThisContext()(generatedCodeRequire, module, module.exports);
  const validate = module.exports as ValidateFunction;
  if (typeof validate !== 'function' || (cachedData && !script.cachedDataRejected)) return validate;
  const first = ((data: unknown) => {
    const valid = validate(data);
    first.errors = validate.errors;
    try {
      const partial = `${v8File}.${process.pid}.tmp`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, v8File);
    } catch {
      // Only the speed-up is lost.
    }
    wrapped = validate;
    return valid;
  }) as ValidateFunction;
  let wrapped: ValidateFunction = first;
  const proxy = ((data: unknown) => {
    const valid = wrapped(data);
    proxy.errors = wrapped.errors;
    return valid;
  }) as ValidateFunction;
  return proxy;
}

/**
 * A validator for `schema`. Compiling a CRD's schema takes most of `validate`'s start-up, so the generated code
 * (ajv standalone) is kept under the hash of the schema and the compiler's version: the same schema always gives
 * the same code. A damaged or unreadable entry is compiled again.
 */
export function compileSchema(schema: object): ValidateFunction {
  const file = cachedValidatorFile(schema);
  if (file && existsSync(file)) {
    try {
      const cached = load(file);
      if (typeof cached === 'function') return cached;
    } catch {
      // Compiled again below and replaced.
    }
  }
  const validate = compiler().compile(schema);
  if (file) {
    try {
      const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
      const code = standaloneCode(compiler(), validate);
      mkdirSync(dirname(file), { recursive: true });
      // Written whole, then renamed: a concurrent reader never sees half an entry.
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, code);
      renameSync(partial, file);
    } catch {
      // A read-only node_modules only costs the speed-up.
    }
  }
  return validate;
}
