import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A cache folder inside the `node_modules` this code's own dependencies are installed in (where ajv resolves from),
 * never one found from the working directory: a pull request can add a `node_modules/.cache` to the repository a CI
 * job validates, and cached validators are code and cached CRDs are rules. Whoever can write here can already
 * replace ajv itself. Undefined (no cache) when the dependencies are not in a `node_modules`.
 */
export function dependencyCacheDir(name: string): string | undefined {
  if (cacheRoot === undefined) {
    try {
      const modules = dirname(dirname(require.resolve('ajv/package.json')));
      cacheRoot = basename(modules) === 'node_modules' ? join(modules, '.cache', 'agentgateway-constructs') : null;
    } catch {
      cacheRoot = null;
    }
  }
  return cacheRoot === null ? undefined : join(cacheRoot, name);
}

/** Resolved once per process: every CRD file and validator asks. */
let cacheRoot: string | null | undefined;

let version: string | undefined;

/** This package's version, part of every cache key: an upgrade never reads what an older version wrote. */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = String(JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/**
 * Writes a cache entry whole under a temporary name no other writer can have (a random one, created exclusively),
 * then renames it into place: concurrent runs filling the same entry never mix their bytes, and a reader sees
 * either no entry or a complete one. Returns false when the entry could not be written (say, a read-only
 * `node_modules`), which only costs the speed-up.
 */
export function writeCacheFile(file: string, data: string | Uint8Array): boolean {
  const partial = `${file}.${randomUUID()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(partial, data, { flag: 'wx' });
    renameSync(partial, file);
    return true;
  } catch {
    try {
      rmSync(partial, { force: true });
    } catch {
      // Nothing of it was written.
    }
    return false;
  }
}
