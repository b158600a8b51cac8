// Dependencies compiled with V8's code cache, kept beside the installed dependencies (see cache-dir.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dependencyCacheDir, writeCacheFile } from './cache-dir';

/** Bumped whenever the file layout changes. */
const CACHE_FORMAT = 'agw-code-1';

/** Writes of code caches for modules loaded without one, run once a run has used (and so compiled) them. */
const pending: (() => void)[] = [];

/** The code cache file of the module file `file` (an absolute path), if there is a cache. */
export function codeCacheFile(file: string): string | undefined {
  const dir = dependencyCacheDir('code');
  return dir && join(dir, `${createHash('sha256').update(`${CACHE_FORMAT}\n${process.version}\n${file}`).digest('hex')}.v8`);
}

/**
 * `require(id)` for a CommonJS module of a single file, compiled with V8's code cache: compiling a large dependency's
 * functions on first use costs more than running them (re2js: ~20 ms of a `validate` run). Node 20 has no compile
 * cache of its own. The cache file starts with the sha256 of the source it was made from (V8 checks only its length)
 * and is keyed by the module's path and Node's version; without a cache folder this is plain `require`. The module
 * gets its own instance: load it through here only.
 */
export function requireWithCodeCache<T>(id: string): T {
  const file = require.resolve(id);
  const cacheFile = codeCacheFile(file);
  if (!cacheFile) return require(id) as T;
  const source = readFileSync(file, 'utf8');
  const digest = createHash('sha256').update(source).digest();
  const stored = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const cachedData = stored && stored.length > digest.length && digest.equals(stored.subarray(0, digest.length))
    ? stored.subarray(digest.length) : undefined;
  const { Script } = require('node:vm') as typeof import('node:vm');
  const { createRequire, wrap } = require('node:module') as { createRequire: typeof import('node:module').createRequire; wrap(code: string): string };
  const script = new Script(wrap(source), { filename: file, cachedData });
  const module = { exports: {} as unknown };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    pending.push(() => writeCacheFile(cacheFile, Buffer.concat([digest, script.createCachedData()])));
  }
  return module.exports as T;
}

/** Writes the code caches of the modules loaded without one, now that this run has compiled what it uses of them. */
export function saveCodeCaches(): void {
  for (const save of pending.splice(0)) save();
}
