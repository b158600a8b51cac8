import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fastParseAllYaml } from '../core/fast-yaml';
import { yamlErrorText } from '../core/yaml';
import { yamlLibrary } from '../core/yaml-schema';
import { crdOutlines } from './crd-cache';
import { ManifestValidator } from './manifest-validator';

/** Sub-folder of the CRD directory holding the agentgateway release the library targets. */
export const AGENTGATEWAY_RELEASE_DIR = 'agentgateway-v1.4.1';

/**
 * The environment variable naming CRD files or folders when `--crds` is not given; several are joined with the
 * path delimiter (`:` on Linux and macOS, `;` on Windows).
 */
export const CRDS_ENV = 'AGW_CRDS_DIR';

/** Environment variables, structurally, so public types need no `@types/node`. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/**
 * The CRD directories of this repo's development layout, in order: `base`, then its pinned agentgateway release
 * folder, whose CRDs replace the newer ones for the same kinds.
 */
export function defaultCrdDirectories(base = process.env[CRDS_ENV] ?? resolve('..', 'shared', 'crds')): string[] {
  const release = join(base, AGENTGATEWAY_RELEASE_DIR);
  return existsSync(release) ? [base, release] : [base];
}

/**
 * Where CRDs come from when `--crds` is not given: `AGW_CRDS_DIR`; else, only in a development checkout of this
 * repo, the `../shared/crds` folder beside it; else none.
 */
export function defaultCrdPaths(env: EnvironmentVariables = process.env): string[] {
  const fromEnv = env[CRDS_ENV];
  if (fromEnv) return fromEnv.split(delimiter).filter(path => path.length > 0);
  const repo = resolve(__dirname, '..', '..');
  const development = join(repo, '..', 'shared', 'crds');
  return existsSync(join(repo, 'src', 'validate', 'load.ts')) && existsSync(development) ? [development] : [];
}

interface Walk {
  /** Which files a folder contributes; files named explicitly are always taken. */
  readonly fileInFolder: RegExp;
  /** Load a folder's own files before its subfolders', so a release subfolder replaces the CRDs above it. */
  readonly filesBeforeFolders: boolean;
  /** A folder holding `Chart.yaml` contributes only its `crds/` folder (its templates are not plain YAML). */
  readonly helmCharts: boolean;
}

function walk(paths: readonly string[], options: Walk, what: string): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const visit = (path: string, named: boolean): void => {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      throw new Error(`${what} ${path}: no such file or folder`);
    }
    if (stats.isDirectory()) {
      const real = realpathSync(path);
      if (seen.has(real)) return; // a symlink loop, or the same folder twice
      seen.add(real);
      if (options.helmCharts && existsSync(join(path, 'Chart.yaml'))) {
        if (!existsSync(join(path, 'crds'))) throw new Error(`${what} ${path}: a Helm chart without a crds/ folder`);
        visit(join(path, 'crds'), false);
        return;
      }
      const entries = readdirSync(path, { withFileTypes: true }).filter(e => !e.name.startsWith('.'))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const isFolder = (name: string) => statSync(join(path, name), { throwIfNoEntry: false })?.isDirectory() ?? false;
      const ordered = options.filesBeforeFolders
        ? [...entries.filter(e => !isFolder(e.name)), ...entries.filter(e => isFolder(e.name))] : entries;
      for (const entry of ordered) {
        if (isFolder(entry.name) || options.fileInFolder.test(entry.name)) visit(join(path, entry.name), false);
      }
    } else if (stats.isFile()) {
      if (named || options.fileInFolder.test(path)) files.push(path);
    } else {
      // Reading a FIFO or device would block or never end.
      throw new Error(`${what} ${path}: not a regular file or folder`);
    }
  };
  for (const path of paths) visit(path, true);
  return files;
}

/** Every YAML file under `paths` (files or folders, recursively), sorted; anything but a regular file or folder is an error. */
export function yamlFiles(paths: readonly string[]): string[] {
  return walk(paths, { fileInFolder: /\.ya?ml$/, filesBeforeFolders: false, helmCharts: false }, 'manifest path');
}

/**
 * The CRD files of `paths`: files of any name, folders' `*.yaml`, `*.yml` and `*.json` files (their own before
 * their subfolders'), and for a Helm chart's folder its `crds/` folder.
 */
export function crdFiles(paths: readonly string[], label = '--crds'): string[] {
  return walk(paths, { fileInFolder: /\.(ya?ml|json)$/, filesBeforeFolders: true, helmCharts: true }, label);
}

/**
 * The objects of a YAML (or JSON) text, with `List`s such as `kubectl get -o yaml` prints unwrapped. A parse error
 * names `source:line:column` and the message's first line only: the source text may hold keys.
 */
export function parseObjects(text: string, source: string): any[] {
  const fast = fastParseAllYaml(text.replace(/^\uFEFF/, ''));
  if (fast) return fast.flatMap(unwrapLists);
  // Warnings off: yaml's warning about a map or list as a key prints that key's text to stderr.
  return yamlLibrary().parseAllDocuments(text, { logLevel: 'error' }).flatMap(doc => {
    const error = doc.errors[0];
    if (error) {
      const [line, column] = error.linePos ? [error.linePos[0].line, error.linePos[0].col] : [0, 0];
      const message = yamlErrorText({ code: error.code, message: error.message.replace(/ at line \d+, column \d+:?/, '') });
      throw new Error(`${source}:${line}:${column}: ${message}`);
    }
    try {
      return unwrapLists(doc.toJS());
    } catch (e) {
      // An unresolved alias or an alias bomb: the parser's message quotes the source, which may be a pasted key.
      throw new Error(`${source}: ${yamlErrorText(e as Error)}`);
    }
  });
}

function unwrapLists(object: any): any[] {
  if (object === null || object === undefined) return [];
  if (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items)) {
    return object.items.flatMap(unwrapLists);
  }
  return [object];
}

/** The objects of `files`, each with its file as source. */
export function readManifests(files: readonly string[]): { object: any; source: string }[] {
  return files.flatMap(file => parseObjects(readFileSync(file, 'utf8'), file).map(object => ({ object, source: file })));
}

/**
 * A validator with every CRD in `paths` (see {@link crdFiles}): CRD documents, `kubectl get crd -o yaml` Lists,
 * multi-document files. A later CRD replaces an earlier one for the same kind. A path without any CRD is an error;
 * `label` names where the paths came from in errors.
 */
export function loadCrds(paths: readonly string[], label = '--crds'): ManifestValidator {
  const validator = new ManifestValidator();
  for (const path of paths) {
    let found = 0;
    for (const file of crdFiles([path], label)) {
      for (const crd of crdOutlines(file, parseObjects)) {
        validator.addCrdOutline(crd, file);
        found++;
      }
    }
    if (found === 0) {
      throw new Error(`${label} ${path}: no CustomResourceDefinition found (expected CRD YAML, the List \`kubectl get crd -o yaml\` prints, or a Helm chart's crds/ folder)`);
    }
  }
  return validator;
}

/** The `apiVersion/kind`s of `objects` that `validator` has no schema for, sorted. */
export function missingKinds(validator: ManifestValidator, objects: readonly { readonly object: any }[]): string[] {
  const known = new Set(validator.knownKinds);
  const present = objects.map(({ object }) => `${object?.apiVersion}/${object?.kind}`);
  return [...new Set(present.filter(kind => !known.has(kind)))].sort();
}

/** The cluster's name for the CRD of `apiVersion/kind`: `<plural>.<group>`, plural by the usual English rule. */
export function crdName(apiVersionKind: string): string {
  const parts = apiVersionKind.split('/');
  const kind = parts[parts.length - 1].toLowerCase();
  const plural = /[^aeiou]y$/.test(kind) ? `${kind.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(kind) ? `${kind}es` : `${kind}s`;
  return parts.length === 3 ? `${plural}.${parts[0]}` : plural;
}

/** One line: how to get the CRDs for `kinds` (as from {@link missingKinds}) and pass them. */
export function howToGetCrds(kinds: readonly string[]): string {
  return `get them from a cluster that has them: \`kubectl get crd ${kinds.map(crdName).join(' ')} -o yaml > crds.yaml\`, `
    + `then pass \`--crds crds.yaml\` (files or folders, repeatable) or set ${CRDS_ENV}`;
}
