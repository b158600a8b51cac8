import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { IConstruct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { Manifest, SecretValue, SynthSettings, configureSynth, redactManifest, synthAppYaml } from '../src';
import { ManifestValidator, ValidationReport, defaultCrdDirectories } from '../src/validate';

/** `../shared` beside the repo, or AGW_SHARED_DIR. */
export const SHARED_DIR = resolve(process.env.AGW_SHARED_DIR ?? join(__dirname, '..', '..', 'shared'));
/** The CRDs, or AGW_CRDS_DIR. */
export const CRDS_DIR = resolve(process.env.AGW_CRDS_DIR ?? join(SHARED_DIR, 'crds'));
export const SEED_MANIFESTS_DIR = join(SHARED_DIR, 'seed', 'manifests');

/** Obviously fake keys, strong enough not to warn: never real, but still treated as secrets. */
export function fixtureKey(team: string): SecretValue {
  return SecretValue.unsafePlainText(fixtureKeyText(team));
}

export function fixtureKeyText(team: string): string {
  return `fixture_${team}_${createHash('sha256').update(team).digest('hex')}`;
}

export function parseYamlDocuments(text: string): Manifest[] {
  return parseAllDocuments(text).map(doc => {
    if (doc.errors.length > 0) throw doc.errors[0];
    return doc.toJS() as Manifest;
  }).filter(doc => doc !== null);
}

/** Seed file name -> its documents. */
export function seedManifests(): Map<string, Manifest[]> {
  const files = readdirSync(SEED_MANIFESTS_DIR).filter(f => f.endsWith('.yaml')).sort();
  return new Map(files.map(f => [f, parseYamlDocuments(readFileSync(join(SEED_MANIFESTS_DIR, f), 'utf8'))]));
}

/**
 * A chart in a fresh app. Tests use literal fixture keys, so the app opts in to plaintext keys (as the workshop
 * does); tests of the opt-in itself build their own app.
 */
export function newChart(settings: SynthSettings = {}): Chart {
  const chart = Testing.chart();
  configureSynth(chart, { allowPlaintextKeys: true, ...settings });
  return chart;
}

/** A fresh app that opts in to plaintext keys, for tests with literal fixture keys. */
export function newApp(settings: SynthSettings = {}): App {
  const app = Testing.app();
  configureSynth(app, { allowPlaintextKeys: true, ...settings });
  return app;
}

let validator: ManifestValidator | undefined;

/** One validator per test file: loading and compiling the CRDs takes seconds, validating an object microseconds. */
export function crdValidator(): ManifestValidator {
  return validator ??= ManifestValidator.fromDirectories(defaultCrdDirectories(CRDS_DIR));
}

export function validateManifests(manifests: readonly unknown[]): ValidationReport {
  return crdValidator().validate(manifests.map(object => ({ object })));
}

/** Asserts the API server would accept every manifest: schema, unknown fields and CEL rules, none unsupported. */
export function expectValid(manifests: readonly unknown[]): void {
  const report = validateManifests(manifests);
  expect(report.problems).toEqual([]);
  expect(report.celUnsupported).toEqual([]);
}

/**
 * Synthesizes the whole app `scope` belongs to, running every validation first, as `cdk8s synth` does, and checks
 * the output against the real CRDs, so every manifest any test synthesizes is schema-checked.
 */
export function synth(scope: IConstruct): Manifest[] {
  const app = scope.node.root as App;
  const text = app.synthYaml();
  // Every scenario a test synthesizes also proves the library's YAML writer byte-identical to cdk8s's.
  expect(synthAppYaml(app)).toBe(text);
  const manifests = parseYamlDocuments(text);
  expectValid(manifests);
  return manifests;
}

/** Like {@link synth}, with key material replaced, for snapshots. */
export function synthRedacted(scope: IConstruct): Manifest[] {
  return synth(scope).map(redactManifest);
}

/** The validation error message of synthesizing `scope`'s app. */
export function synthError(scope: IConstruct): string {
  try {
    synth(scope);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synth to fail');
}

export function byKind(manifests: Manifest[], kind: string): Manifest[] {
  return manifests.filter(m => m.kind === kind);
}

/** How the Pulumi engine marks a secret value in resource inputs. */
const PULUMI_SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** Replaces Pulumi secret markers by their values, recording the path of each in `secrets`. */
export function unwrapPulumiSecrets(value: unknown, path = '', secrets: string[] = []): any {
  if (Array.isArray(value)) return value.map((v, i) => unwrapPulumiSecrets(v, `${path}/${i}`, secrets));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (PULUMI_SECRET_SIG in record) {
    secrets.push(path);
    return unwrapPulumiSecrets(record.value, path, secrets);
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapPulumiSecrets(v, `${path}/${k}`, secrets)]));
}

/**
 * The problems a config-adapter call reports (`field: message`; with `located`, `line:column: field: message`), or
 * none when it succeeds.
 */
export function configProblems(run: () => unknown, located = false): string[] {
  // Loaded here: most suites using these helpers never touch the config adapter.
  const { ConfigError } = require('../src/config/load') as typeof import('../src/config/load');
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map(p => `${located ? `${p.line}:${p.column}: ` : ''}${p.field}: ${p.message}`);
    throw e;
  }
  return [];
}

/** Config `teams:` entries with fixture keys, each with its `x-org` metadata unless its own lines give metadata. */
export function configTeamLines(teams: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.entries(teams).flatMap(([team, lines]) => [
    `  - team: ${team}`,
    `    key: { literal: "${fixtureKeyText(team)}" }`,
    ...(lines.some(l => l.startsWith('metadata')) ? [] : [`    metadata: { x-org: ${team} }`]),
    ...lines.map(l => `    ${l}`),
  ]);
}

/** A made-up CRD for `example.com/v1` `kind` whose spec requires a string `size` of at most `maxLength`. */
export function exampleCrd(kind: string, maxLength = 5): any {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.toLowerCase()}s.example.com` },
    spec: {
      group: 'example.com', names: { kind, plural: `${kind.toLowerCase()}s` }, scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: {
        apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' },
        spec: { type: 'object', properties: { size: { type: 'string', maxLength } } },
      } } } }],
    },
  };
}

/** An object of {@link exampleCrd}'s kind, to validate. */
export const exampleObject = (kind: string, size: string) => ({ object: { apiVersion: 'example.com/v1', kind, metadata: { name: 'x', namespace: 'n' }, spec: { size } } });

/** The problems a validator reports for example objects, one line each. */
export const exampleProblems = (validator: { validate(objects: readonly ReturnType<typeof exampleObject>[]): { problems: readonly { object: string; path: string; message: string }[] } },
  ...objects: ReturnType<typeof exampleObject>[]) => validator.validate(objects).problems.map(p => `${p.object} ${p.path}: ${p.message}`);
