// The `yaml` package's implicit scalar types, copied so that the fast parse and write paths never load it: loading
// `yaml` is ~45 ms of every CLI start. The copies are used only with the `yaml` release they were checked against
// (test/yaml-schema.test.ts compares them with its schemas); with any other, callers take the types from `yaml`.

/** The `yaml` release whose schemas the copies in this file were checked against. */
export const CHECKED_YAML_VERSION = '2.9.1';

/** The YAML versions whose implicit types the writer knows. */
export type YamlVersion = '1.1' | '1.2';

/**
 * The implicit type tests of `yaml`'s default schema for each YAML version, in the package's order, strings left
 * out: a plain scalar matching one of them is read back as something other than a string.
 */
export const IMPLICIT_TYPE_TESTS: Readonly<Record<YamlVersion, readonly RegExp[]>> = {
  '1.1': [
    /^(?:~|[Nn]ull|NULL)?$/,
    /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/,
    /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
    /^[-+]?0b[0-1_]+$/,
    /^[-+]?0[0-7_]+$/,
    /^[-+]?[0-9][0-9_]*$/,
    /^[-+]?0x[0-9a-fA-F_]+$/,
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
    /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
    /^<<$/,
    /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/,
    /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$/,
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\.[0-9]+)?)(?:[ \t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
  ],
  '1.2': [
    /^(?:~|[Nn]ull|NULL)?$/,
    /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
    /^0o[0-7]+$/,
    /^[-+]?[0-9]+$/,
    /^0x[0-9a-fA-F]+$/,
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
    /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
    /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
  ],
};

let checkedRelease: boolean | undefined;

/**
 * Whether the installed `yaml` is the release the copies were checked against; read from its package.json, so
 * `yaml` itself is not loaded.
 */
export function yamlIsCheckedRelease(): boolean {
  if (checkedRelease === undefined) {
    try {
      checkedRelease = (require('yaml/package.json') as { version?: unknown }).version === CHECKED_YAML_VERSION;
    } catch {
      checkedRelease = false;
    }
  }
  return checkedRelease;
}

const [NULL, BOOL, OCTAL, DECIMAL, HEX, NOT_FINITE, EXPONENT, FLOAT] = IMPLICIT_TYPE_TESTS['1.2'];

/**
 * A plain scalar's value in the YAML 1.2 core schema, as `yaml`'s `parseDocument(...).toJS()` gives it (integers
 * as numbers, never BigInt). Only for the checked release (see {@link yamlIsCheckedRelease}).
 */
export function resolveCoreScalar(source: string): unknown {
  if (NULL.test(source)) return null;
  if (BOOL.test(source)) return source[0] === 't' || source[0] === 'T';
  if (OCTAL.test(source)) return parseInt(source.substring(2), 8);
  if (DECIMAL.test(source)) return parseInt(source, 10);
  if (HEX.test(source)) return parseInt(source.substring(2), 16);
  if (NOT_FINITE.test(source)) {
    return source.slice(-3).toLowerCase() === 'nan' ? NaN : source[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (EXPONENT.test(source) || FLOAT.test(source)) return parseFloat(source);
  return source;
}

let yamlPackage: typeof import('yaml') | undefined;

/** The `yaml` package, loaded on first use: only the positioned parse, fallbacks and diffs need it. */
export function yamlLibrary(): typeof import('yaml') {
  yamlPackage ??= require('yaml') as typeof import('yaml');
  return yamlPackage;
}
