import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { default as AjvType, ValidateFunction } from 'ajv';
import { dependencyCacheDir, packageVersion, writeCacheFile } from './cache-dir';
import { lazyRe2Engine, re2Engine, re2Test } from './re2';

/** Bumped whenever the generated code's environment (formats, regex engine, ajv options) or file layout changes. */
const CACHE_FORMAT = 'agw-validators-2';

/** A cached validator's first line: the sha256 of the code after it, checked before that code runs. */
const HEADER = '//agw-validator sha256=';

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
 * The cache file of the validator built from what `identity` names, if there is a cache. Its key holds the hash of
 * the code that turns CRD schemas into ajv schemas, so a changed conversion (another version, or another checkout
 * sharing these dependencies) never meets validators built by the old one.
 */
export function cachedDerivedValidatorFile(identity: string): string | undefined {
  if (derivationCode === undefined) {
    try {
      derivationCode = sha256(['structural-schema', 'enterprise-policy-schema', 'rate-limit-schemas']
        .map(name => readFileSync(join(__dirname, `${name}${extname(__filename)}`), 'utf8')).join('\n')).toString('hex');
    } catch {
      return undefined; // bundled: no sources to hash, so no key that is safe
    }
  }
  return validatorFile(['derived', derivationCode, identity]);
}

/**
 * Runs cached generated code, if its hash matches. V8's own code cache for it sits beside it (`.v8`, written after
 * the validator's first run so it holds the compiled validator too): parsing and compiling megabytes of generated
 * code is most of what is left of start-up. V8 checks a code cache against the length of its source only, so the
 * `.v8` file starts with the hash of the code it was made from and is used only for that code.
 */
function load(file: string): ValidateFunction | undefined {
  if (!existsSync(file)) return undefined;
  const bytes = readFileSync(file);
  const lineEnd = bytes.indexOf(0x0a);
  if (lineEnd < 0) return undefined;
  const digest = sha256(bytes.subarray(lineEnd + 1));
  if (bytes.toString('latin1', 0, lineEnd) !== `${HEADER}${digest.toString('hex')}`) return undefined;
  const { Script } = require('node:vm') as typeof import('node:vm');
  const v8File = `${file}.v8`;
  const v8 = existsSync(v8File) ? readFileSync(v8File) : undefined;
  const cachedData = v8 && v8.length > digest.length && digest.equals(v8.subarray(0, digest.length)) ? v8.subarray(digest.length) : undefined;
  const script = new Script(`(function (require, module, exports) {${bytes.toString('utf8', lineEnd + 1)}\n})`, { filename: file, cachedData });
  const module = { exports: {} as unknown };
  script.runInThisContext()(generatedCodeRequire, module, module.exports);
  const validate = module.exports as ValidateFunction;
  if (typeof validate !== 'function') return undefined;
  if (cachedData && !script.cachedDataRejected) return validate;
  const first = ((data: unknown) => {
    const valid = validate(data);
    first.errors = validate.errors;
    writeCacheFile(v8File, Buffer.concat([digest, script.createCachedData()]));
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

/** The validator cached in `file`, or one compiled from `build()` and cached there. */
function compileCached(file: string | undefined, build: () => object): ValidateFunction {
  if (file) {
    try {
      const cached = load(file);
      if (cached) return cached;
    } catch {
      // A damaged entry is compiled again below and replaced.
    }
  }
  const validate = compiler().compile(build());
  if (file) {
    try {
      const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
      const code = standaloneCode(compiler(), validate);
      writeCacheFile(file, `${HEADER}${sha256(code).toString('hex')}\n${code}`);
    } catch {
      // Only the speed-up is lost.
    }
  }
  return validate;
}

/**
 * A validator for `schema`. Compiling a CRD's schema takes most of `validate`'s start-up, so the generated code
 * (ajv standalone) is kept under the hash of the schema, the compiler's and this package's versions: the same
 * schema always gives the same code. A damaged or unreadable entry is compiled again.
 */
export function compileSchema(schema: object): ValidateFunction {
  return compileCached(cachedValidatorFile(schema), () => schema);
}

/**
 * A validator for the schema `build()` returns, cached under `identity` (what the schema is derived from, such as a
 * CRD schema's hash and the conversion applied) instead of the schema's own hash: a cache hit never builds it.
 */
export function compileDerivedSchema(identity: string, build: () => object): ValidateFunction {
  return compileCached(cachedDerivedValidatorFile(identity), build);
}
