import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { KINDS } from '../core/manifest';
import { yamlLibrary } from '../core/yaml-schema';
import { RuleCompiler } from './cel';
import { CachedRuleChecks } from './cel-check-cache';
import { saveCodeCaches } from './code-cache';
import { compileDerivedSchema, compileSchema } from './compiled-cache';
import { enterprisePolicySchema } from './enterprise-policy-schema';
import { rateLimitConfigSchema } from './rate-limit-schemas';
import { OBJECT_META_SCHEMA, STRING_MAP, SchemaNode, applyDefaults, childSchema, setField, toAjvSchema } from './structural-schema';

/** One reason the API server would reject (or silently change) an object. */
export interface ManifestProblem {
  /** `Kind namespace/name` of the object. */
  readonly object: string;
  /** Where the object came from (a file), when known. */
  readonly source?: string;
  /** JSON path of the offending field, e.g. `/spec/rules/0/matches/0/path/value`. */
  readonly path: string;
  readonly message: string;
  /** The CEL rule that failed, for CEL violations. */
  readonly rule?: string;
}

/** A CEL rule that could not be evaluated here, with where it sits. */
export interface UnsupportedRule {
  readonly kind: string;
  readonly path: string;
  readonly rule: string;
  readonly reason: string;
}

/** What validating a set of objects found. */
export interface ValidationReport {
  readonly objects: number;
  /** Schema errors, CEL violations and unknown kinds: anything the API server would reject or prune. */
  readonly problems: readonly ManifestProblem[];
  /** CEL rule evaluations performed. */
  readonly celEvaluated: number;
  /** CEL rule evaluations that could not be performed (never counted as passed). */
  readonly celUnsupported: readonly UnsupportedRule[];
  /** Transition rules (`oldSelf`) met; they need the stored object, so they are skipped. */
  readonly celSkipped: number;
}

/** The one-line summary `npm run validate` ends with. */
export function summarize(report: ValidationReport): string {
  return `validated ${report.objects} objects: ${report.problems.length} schema errors, ${report.celEvaluated} CEL rules evaluated, `
    + `${report.celUnsupported.length} CEL rules unsupported, ${report.celSkipped} skipped`;
}

/**
 * A CRD as far as validation needs it. Each version's schema is read only when an object of that version is
 * validated, so a run reads and compiles only the kinds its input has.
 */
export interface CrdOutline {
  readonly group: string;
  readonly kind: string;
  readonly versions: readonly CrdVersionOutline[];
}

/** One version of a {@link CrdOutline}. */
export interface CrdVersionOutline {
  readonly name: string;
  readonly served: boolean;
  /** The version's `openAPIV3Schema`, if it has one; called at most once. */
  readonly schema?: () => SchemaNode;
  /**
   * A name of exactly that schema (such as its sha256), under which its compiled validator is cached without
   * reading or converting the schema first.
   * @default undefined (the converted schema's own hash is the cache key)
   */
  readonly schemaId?: string;
}

interface KindSchema {
  readonly schema: () => SchemaNode;
  readonly source: string;
  /** What the validator is built from, for its cache key: known without building the schema when the CRD cache named it. */
  readonly identity: () => string;
  ajv?: ValidateFunction;
}

/** `get()` once, on first use. */
function once<T>(get: () => T): () => T {
  let value: { readonly is: T } | undefined;
  return () => (value ??= { is: get() }).is;
}

/** No public CRD serves AuthConfig under extauth.solo.io; the Gloo one has the identical spec (REFERENCE.md). */
const STAND_IN_AUTHCONFIG_GROUP = 'enterprise.gloo.solo.io';

const BYTES_MAP = { type: 'object', additionalProperties: { type: 'string', format: 'byte' } } as const;

/** A core object whose fields all have these plain types, which kubernetes-models' schema accepts (of any kind). */
function plainCoreObject(fields: Record<string, object>): object {
  return {
    type: 'object',
    properties: {
      apiVersion: { type: 'string' }, kind: { type: 'string' },
      metadata: {
        type: 'object', additionalProperties: false,
        properties: { name: { type: 'string' }, namespace: { type: 'string' }, labels: STRING_MAP, annotations: STRING_MAP },
      },
      ...fields,
    },
    additionalProperties: false,
  };
}

/**
 * Kinds with no CRD, checked against the Kubernetes schema from kubernetes-models. Loading it costs ~55 ms (its
 * runtime loads ajv-i18n's every language), so an object that `plain` accepts (a schema no looser than
 * kubernetes-models', as test/manifest-validator.test.ts holds it) is not checked again there: only an object
 * `plain` refuses, whose problems kubernetes-models names, needs it.
 */
/** @internal */
export const CORE_KINDS: Readonly<Record<string, { readonly module: string; readonly fields: readonly string[]; readonly plain?: object }>> = {
  'v1/Secret': {
    module: 'kubernetes-models/v1/Secret', fields: ['apiVersion', 'kind', 'metadata', 'data', 'stringData', 'type', 'immutable'],
    plain: plainCoreObject({ data: BYTES_MAP, stringData: STRING_MAP, type: { type: 'string' }, immutable: { type: 'boolean' } }),
  },
  'v1/ConfigMap': {
    module: 'kubernetes-models/v1/ConfigMap', fields: ['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable'],
    plain: plainCoreObject({ data: STRING_MAP, binaryData: BYTES_MAP, immutable: { type: 'boolean' } }),
  },
  'v1/Service': { module: 'kubernetes-models/v1/Service', fields: ['apiVersion', 'kind', 'metadata', 'spec'] },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', fields: ['apiVersion', 'kind', 'metadata', 'spec'] },
};

/**
 * Validates manifests as the API server would: each object against the served version of its CRD's structural
 * schema (with the Kubernetes extensions, defaults and pruning of unknown fields) and every
 * `x-kubernetes-validations` CEL rule on the node it belongs to. No cluster needed.
 */
export class ManifestValidator {
  /**
   * Loads every CRD in the `*.yaml` files of `directories` (not their subfolders). A later directory's CRD replaces
   * an earlier one for the same apiVersion and kind, so `[crds, crds/agentgateway-v1.4.1]` pins that release.
   */
  public static fromDirectories(directories: readonly string[]): ManifestValidator {
    const validator = new ManifestValidator();
    for (const directory of directories) {
      for (const file of readdirSync(directory).filter(f => /\.ya?ml$/.test(f)).sort()) {
        const path = join(directory, file);
        if (statSync(path).isFile()) validator.addCrdFile(path);
      }
    }
    return validator;
  }

  private readonly kinds = new Map<string, KindSchema>();
  private readonly ruleChecks = new CachedRuleChecks();
  private readonly rules = new RuleCompiler(this.ruleChecks);
  private checkMetadataValidator?: ValidateFunction;

  private readonly plainCoreValidators = new Map<string, ValidateFunction>();

  private plainCoreValidator(gvk: string, schema: object): ValidateFunction {
    let validate = this.plainCoreValidators.get(gvk);
    if (!validate) {
      validate = compileSchema(schema);
      this.plainCoreValidators.set(gvk, validate);
    }
    return validate;
  }

  private get checkMetadata(): ValidateFunction {
    this.checkMetadataValidator ??= compileSchema({ type: 'object', properties: { metadata: OBJECT_META_SCHEMA }, required: ['metadata'] });
    return this.checkMetadataValidator;
  }

  /** The apiVersion/kind pairs this validator knows, sorted. */
  public get knownKinds(): string[] {
    return [...this.kinds.keys(), ...Object.keys(CORE_KINDS)].sort();
  }

  /** Loads the CRDs of one YAML file. */
  public addCrdFile(path: string): void {
    // Loaded here only: `yaml` costs ~45 ms to load, and the CLI reads CRDs through load.ts instead.
    const { parseAllDocuments } = yamlLibrary();
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'), { logLevel: 'error' })) {
      const crd = doc.toJS();
      if (crd?.kind === 'CustomResourceDefinition') this.addCrd(crd, path);
    }
  }

  /** Loads one CRD object; every served version becomes a known apiVersion. */
  public addCrd(crd: any, source = 'CRD'): void {
    const versions: CrdVersionOutline[] = [];
    for (const version of crd.spec.versions ?? []) {
      const schema = version.schema?.openAPIV3Schema;
      versions.push({ name: version.name, served: version.served, schema: schema ? () => schema : undefined });
    }
    this.addCrdOutline({ group: crd.spec.group, kind: crd.spec.names.kind, versions }, source);
  }

  /** Loads one CRD from its outline (see {@link CrdOutline}); every served version becomes a known apiVersion. */
  public addCrdOutline(crd: CrdOutline, source = 'CRD'): void {
    const { group, kind } = crd;
    for (const version of crd.versions) {
      if (!version.served || !version.schema) continue;
      // Solo publishes RateLimitConfig without a field schema: check it against the fields of its Go types instead.
      const schemaless = group === 'ratelimit.solo.io' && kind === KINDS.rateLimitConfig.kind;
      const schema = once(schemaless ? rateLimitConfigSchema : version.schema);
      // The same name the CRD cache gives a schema, so both ways of loading CRDs share compiled validators.
      const id = once(() => version.schemaId ?? createHash('sha256').update(JSON.stringify(schema())).digest('hex'));
      this.kinds.set(`${group}/${version.name}/${kind}`, {
        schema, source: schemaless ? `${source} + fields of Solo's Go types` : source,
        identity: schemaless ? () => 'rate-limit-config-go-types' : () => `crd ${id()}`,
      });
      if (group === STAND_IN_AUTHCONFIG_GROUP && kind === KINDS.authConfig.kind) {
        this.kinds.set(`${KINDS.authConfig.apiVersion}/${kind}`, { schema, source: `${source} (stand-in for extauth.solo.io)`, identity: () => `crd ${id()}` });
      }
      if (group === 'agentgateway.dev' && kind === KINDS.agentgatewayPolicy.kind) {
        const enterprise = KINDS.enterpriseAgentgatewayPolicy;
        this.kinds.set(`${enterprise.apiVersion}/${enterprise.kind}`, {
          schema: once(() => enterprisePolicySchema(schema())), source: `${source} + enterprise fields (REFERENCE.md section 3)`,
          identity: () => `enterprise policy ${id()}`,
        });
      }
    }
  }

  /** Every CEL rule in the schema of `apiVersion`/`kind` that cannot be evaluated here. */
  public unsupportedRules(apiVersion: string, kind: string): UnsupportedRule[] {
    const known = this.kinds.get(`${apiVersion}/${kind}`);
    if (!known) throw new Error(`no CRD loaded for ${apiVersion}/${kind}`);
    const found: UnsupportedRule[] = [];
    const visit = (node: SchemaNode, path: string): void => {
      for (const rule of node['x-kubernetes-validations'] ?? []) {
        const compiled = this.rules.compile(rule.rule);
        if (compiled.kind === 'unsupported') found.push({ kind, path, rule: rule.rule, reason: compiled.reason });
      }
      for (const [name, child] of Object.entries<SchemaNode>(node.properties ?? {})) visit(child, `${path}/${name}`);
      if (typeof node.additionalProperties === 'object') visit(node.additionalProperties, `${path}/*`);
      if (node.items) visit(node.items, `${path}/*`);
    };
    visit(known.schema(), '');
    this.ruleChecks.save();
    return found;
  }

  /** Validates objects (plain manifests), each with an optional source for messages. */
  public validate(objects: readonly { readonly object: any; readonly source?: string }[]): ValidationReport {
    const report = { objects: objects.length, problems: [] as ManifestProblem[], celEvaluated: 0, celUnsupported: [] as UnsupportedRule[], celSkipped: 0 };
    for (const { object, source } of objects) this.validateObject(object, source, report);
    this.ruleChecks.save();
    saveCodeCaches();
    return report;
  }

  private validateObject(object: any, source: string | undefined, report: {
    problems: ManifestProblem[]; celEvaluated: number; celUnsupported: UnsupportedRule[]; celSkipped: number;
  }): void {
    const label = `${object?.kind ?? '?'} ${object?.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object?.metadata?.name ?? '?'}`;
    const problem = (path: string, message: string, rule?: string) => report.problems.push({ object: label, source, path, message, rule });
    const gvk = `${object?.apiVersion}/${object?.kind}`;

    const core = CORE_KINDS[gvk];
    if (core) {
      this.checkAjv(this.checkMetadata, object, problem);
      for (const field of Object.keys(object)) {
        if (!core.fields.includes(field)) problem(`/${field}`, `unknown field "${field}" (the API server would drop it)`);
      }
      if (core.plain && this.plainCoreValidator(gvk, core.plain)(object)) return;
      const model = require(core.module)[object.kind];
      try {
        new model(object).validate();
      } catch (e: any) {
        for (const error of e.errors ?? [{ instancePath: '', message: e.message }]) problem(error.instancePath || '/', error.message);
      }
      return;
    }

    const known = this.kinds.get(gvk);
    if (!known) {
      problem('/', `no CRD for apiVersion "${object?.apiVersion}" kind "${object?.kind}" (known: ${this.knownKinds.join(', ')})`);
      return;
    }
    known.ajv ??= compileDerivedSchema(known.identity(), () => toAjvSchema(known.schema(), true));
    const schema = known.schema();
    const defaulted = applyDefaults(schema, object);
    this.checkAjv(known.ajv, defaulted, problem);
    this.walk(schema, defaulted, '', object.kind, problem, report);
  }

  private checkAjv(validate: ValidateFunction, object: unknown, problem: (path: string, message: string) => void): void {
    if (validate(object)) return;
    for (const error of validate.errors ?? []) problem(...describeAjvError(error));
  }

  /** Runs CEL rules and list-type checks on every node that has a value. */
  private walk(node: SchemaNode, value: unknown, path: string, kind: string,
    problem: (path: string, message: string, rule?: string) => void,
    report: { celEvaluated: number; celUnsupported: UnsupportedRule[]; celSkipped: number }): void {
    if (value === undefined || value === null) return;
    for (const rule of node['x-kubernetes-validations'] ?? []) {
      const compiled = this.rules.compile(rule.rule);
      if (compiled.kind === 'transition') {
        report.celSkipped++;
        continue;
      }
      if (compiled.kind === 'unsupported') {
        report.celUnsupported.push({ kind, path: path || '/', rule: rule.rule, reason: compiled.reason });
        continue;
      }
      report.celEvaluated++;
      const where = rule.fieldPath ? `${path}${String(rule.fieldPath).replace(/^\./, '/').replace(/\./g, '/')}` : path || '/';
      try {
        if (compiled.evaluate(toCelValue(value, node)) !== true) problem(where, rule.message ?? `failed rule: ${rule.rule}`, rule.rule);
      } catch (e) {
        const reason = (e as Error).message.split('\n')[0];
        if (/no matching overload/.test(reason)) report.celUnsupported.push({ kind, path: where, rule: rule.rule, reason });
        else problem(where, `${rule.message ?? 'rule failed'} (evaluation error: ${reason})`, rule.rule);
      }
    }
    if (Array.isArray(value)) {
      checkListType(node, value, path, problem);
      value.forEach((item, i) => node.items && this.walk(node.items, item, `${path}/${i}`, kind, problem, report));
    } else if (typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const schema = childSchema(node, key);
        if (schema) this.walk(schema, child, `${path}/${key}`, kind, problem, report);
      }
    }
  }
}

function describeAjvError(error: ErrorObject): [string, string] {
  const path = error.instancePath || '/';
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = (error.params as { additionalProperty: string }).additionalProperty;
      return [`${error.instancePath}/${field}`, `unknown field "${field}" (the API server would prune it)`];
    }
    case 'enum':
      return [path, `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map(v => JSON.stringify(v)).join(', ')}`];
    default:
      return [path, error.message ?? error.keyword];
  }
}

/** `x-kubernetes-list-type: set` items and `map` keys must be unique. */
function checkListType(node: SchemaNode, list: unknown[], path: string, problem: (path: string, message: string) => void): void {
  const type = node['x-kubernetes-list-type'];
  if (type !== 'set' && type !== 'map') return;
  const keys: string[] = node['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    const identity = JSON.stringify(type === 'set' ? item : keys.map(k => (item as Record<string, unknown>)?.[k]));
    if (seen.has(identity)) problem(`${path}/${i}`, type === 'set' ? 'duplicate entry in a set' : `duplicate entry with the same ${keys.join(', ')}`);
    seen.add(identity);
  });
}

/** JSON to CEL values: integers become `int` (BigInt) where the schema says integer. */
function toCelValue(value: unknown, node: SchemaNode | undefined): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) && node?.type !== 'number' ? BigInt(value) : value;
  }
  // Array.from builds the list in this realm, which the engine's type checks need (jest runs tests in another).
  if (Array.isArray(value)) return Array.from(value, item => toCelValue(item, node?.items));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) setField(out, key, toCelValue(child, node && childSchema(node, key)));
    return out;
  }
  return value;
}
