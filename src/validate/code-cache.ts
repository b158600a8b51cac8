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
 * `source` compiled with the V8 code cache in `cacheFile`, if that cache was made from this very source: the file
 * starts with `digest` (the source's sha256; V8 checks a cache against the source's length only). `save()` writes a
 * cache for the next run; call it after the code has run, so the cache holds the functions it compiled. An
 * unreadable cache costs only the speed-up.
 */
export function scriptWithCodeCache(source: string, filename: string, cacheFile: string,
  digest: Buffer = createHash('sha256').update(source).digest()): { script: import('node:vm').Script; cached: boolean; save(): void } {
  let stored: Buffer | undefined;
  try {
    stored = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  } catch {
    stored = undefined;
  }
  const cachedData = stored && stored.length > digest.length && digest.equals(stored.subarray(0, digest.length))
    ? stored.subarray(digest.length) : undefined;
  const { Script } = require('node:vm') as typeof import('node:vm');
  const script = new Script(source, { filename, cachedData });
  return {
    script,
    cached: cachedData !== undefined && !script.cachedDataRejected,
    save: () => writeCacheFile(cacheFile, Buffer.concat([digest, script.createCachedData()])),
  };
}

/**
 * `require(id)` for a CommonJS module of a single file, compiled with V8's code cache: compiling a large dependency's
 * functions on first use costs more than running them (re2js: ~20 ms of a `validate` run). Node 20 has no compile
 * cache of its own. The cache is keyed by the module's path and Node's version and checked against the source's
 * hash (see {@link scriptWithCodeCache}); without a cache folder this is plain `require`. The module gets its own
 * instance: load it through here only.
 */
export function requireWithCodeCache<T>(id: string): T {
  const file = require.resolve(id);
  const cacheFile = codeCacheFile(file);
  if (!cacheFile) return require(id) as T;
  const { createRequire, wrap } = require('node:module') as { createRequire: typeof import('node:module').createRequire; wrap(code: string): string };
  const source = readFileSync(file, 'utf8');
  const { script, cached, save } = scriptWithCodeCache(wrap(source), file, cacheFile, createHash('sha256').update(source).digest());
  const module = { exports: {} as unknown };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  if (!cached) pending.push(save);
  return module.exports as T;
}

/** Writes the code caches of the modules loaded without one, now that this run has compiled what it uses of them. */
export function saveCodeCaches(): void {
  for (const save of pending.splice(0)) save();
}
