import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** Sub-folder of the CRD directory holding the agentgateway release the library targets. */
export const AGENTGATEWAY_RELEASE_DIR = 'agentgateway-v1.4.1';

/**
 * The CRD directories to load, in order: AGW_CRDS_DIR (or `../shared/crds` beside the working directory), then
 * its pinned agentgateway release folder, whose CRDs replace the newer ones for the same kinds.
 */
export function defaultCrdDirectories(base = process.env.AGW_CRDS_DIR ?? resolve('..', 'shared', 'crds')): string[] {
  const release = join(base, AGENTGATEWAY_RELEASE_DIR);
  return existsSync(release) ? [base, release] : [base];
}

/** Every YAML file under `paths` (files or folders, recursively), sorted. */
export function yamlFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const visit = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) visit(join(path, entry));
    } else if (/\.ya?ml$/.test(path)) {
      files.push(path);
    }
  };
  paths.forEach(visit);
  return files;
}

/** The YAML documents of `files`, each with its file as source. */
export function readManifests(files: readonly string[]): { object: any; source: string }[] {
  return files.flatMap(file => parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc, i) => {
      if (doc.errors.length > 0) throw new Error(`${file}: document ${i + 1}: ${doc.errors[0].message}`);
      return { object: doc.toJS(), source: file };
    })
    .filter(entry => entry.object !== null));
}
