// The cache of parsed CRD files, beside the installed dependencies (see cache-dir.ts).
import { createHash } from 'node:crypto';
import { BigIntStats, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { dependencyCacheDir, packageVersion, writeCacheFile } from './cache-dir';
import { CrdOutline } from './manifest-validator';
import { SchemaNode } from './structural-schema';

/** How a CRD file's text becomes objects (load.ts's `parseObjects`). */
export type ParseObjects = (text: string, source: string) => any[];

/** Bumped whenever what the CRD cache holds, or how, changes. */
const CRD_CACHE_FORMAT = 'agw-crds-2';

/**
 * A file changed this recently is not indexed by its stat: a second write within one tick of the file system's
 * clock (up to 1-2 s on some) can leave size, mtime and ctime as they were.
 */
export const SETTLED_MS = 2000;

/** A CRD file's CRDs as the cache lists them: each version's schema by the sha256 of its JSON. */
type CachedCrd = { group: string; kind: string; versions: { name: string; served: boolean; schema?: string }[] };

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The cache entry listing the CRDs of a file with these bytes, written by `version` of this package; if any cache. */
export function crdCacheEntry(bytes: Uint8Array, version = packageVersion()): string | undefined {
  return entryOf(sha256(bytes), version);
}

function entryOf(contentHash: string, version = packageVersion()): string | undefined {
  const dir = dependencyCacheDir('crds');
  return dir && join(dir, `${sha256(`${CRD_CACHE_FORMAT}\n${version}\n${contentHash}`)}.json`);
}

/** Everything about a file that a write changes (ctime on every write), as one string. */
const statKey = (file: string, stats: BigIntStats) => [resolve(file), stats.dev, stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].join('\n');

/** Where the sha256 of the bytes of the file with this stat is kept. */
export function crdStatEntry(file: string, stats = statSync(file, { bigint: true })): string | undefined {
  const dir = dependencyCacheDir('crds');
  return dir && join(dir, 'stat', `${sha256(`${CRD_CACHE_FORMAT}\n${packageVersion()}\n${statKey(file, stats)}`)}.txt`);
}

/**
 * The sha256 of a CRD file's bytes, and the bytes if they had to be read. Reading and hashing megabytes of CRDs on
 * every run is most of what a cache hit costs, so the hash is kept under the file's stat (path, device, inode, size,
 * mtime, ctime): any write changes ctime, a replaced file has another inode. A file changed within `settledMs` is
 * not indexed.
 */
function contentOf(file: string, settledMs: number): { readonly hash: string; bytes?: Buffer } {
  const before = statSync(file, { bigint: true });
  const entry = crdStatEntry(file, before);
  // The hash, then a checksum of it and the stat: a damaged entry must not name another file's CRDs.
  const checked = (hash: string) => `${hash} ${sha256(`${hash}\n${statKey(file, before)}`)}`;
  if (entry && existsSync(entry)) {
    let text = '';
    try {
      text = readFileSync(entry, 'latin1');
    } catch {
      // An unreadable entry costs only the speed-up: the file is read and hashed below.
    }
    const hash = text.slice(0, 64);
    if (/^[0-9a-f]{64}$/.test(hash) && text === checked(hash)) return { hash };
  }
  const bytes = readFileSync(file);
  const hash = sha256(bytes);
  const settled = (ns: bigint) => Number(ns / 1000000n) <= Date.now() - settledMs;
  if (entry && settled(before.ctimeNs) && settled(before.mtimeNs) && statKey(file, statSync(file, { bigint: true })) === statKey(file, before)) {
    writeCacheFile(entry, checked(hash));
  }
  return { hash, bytes };
}

/**
 * The CRDs of a CRD file. Parsing megabytes of CRD YAML dominated validate's start-up, so the cache keeps, under the
 * sha256 of the file's bytes, this package's version and the cache format, a list of the file's CRDs and versions;
 * each version's schema is a JSON file named by its own sha256, read (and checked against that name) only when an
 * object of that kind is validated. A damaged or missing entry is parsed again from the file's bytes and replaced.
 * The file's hash itself is kept under its stat (see {@link contentOf}), so an unchanged file is not even read.
 * @param settledMs how long ago a file must have changed for its stat to be indexed
 * @default settledMs {@link SETTLED_MS}
 */
export function crdOutlines(file: string, parse: ParseObjects, settledMs = SETTLED_MS): CrdOutline[] {
  if (!dependencyCacheDir('crds')) return outlinesOf(parsedCrds(readFileSync(file), file, parse));
  const content = contentOf(file, settledMs);
  const index = entryOf(content.hash)!;
  const dir = dirname(index);
  /** Parses the file as it is now and caches it under its bytes' own hash (not the indexed one, should it differ). */
  const fill = () => fillCrdCache(content.bytes ?? readFileSync(file), file, parse, dir);
  let cached: CachedCrd[] | undefined;
  if (existsSync(index)) {
    try {
      cached = JSON.parse(readFileSync(index, 'utf8')) as CachedCrd[];
    } catch {
      // A damaged entry is parsed again and replaced.
    }
  }
  const wellFormed = (crd: CachedCrd) => Array.isArray(crd?.versions)
    && crd.versions.every(version => version.schema === undefined || /^[0-9a-f]{64}$/.test(version.schema));
  if (!Array.isArray(cached) || !cached.every(wellFormed)) {
    const filled = fill();
    return outlinesOf(filled.crds, filled.schemaIds);
  }
  let parsed: any[] | undefined;
  /** The schema from the file itself, when its cached copy is missing or damaged (the cache is filled again). */
  const reparsed = (crd: number, version: number): SchemaNode => {
    if (!parsed) {
      content.bytes ??= readFileSync(file);
      // The schemas' names came from the indexed bytes: a schema from other bytes must not be cached under them.
      if (sha256(content.bytes) !== content.hash) throw new Error(`${file} changed while it was being read; run again`);
      parsed = fill().crds;
    }
    const schema = parsed[crd]?.spec.versions?.[version]?.schema?.openAPIV3Schema;
    if (!schema) throw new Error(`${file}: the CRD cache in ${dir} does not match this file; delete that folder`);
    return schema;
  };
  return cached.map((crd, i) => ({
    group: crd.group, kind: crd.kind,
    versions: crd.versions.map((version, j) => ({
      name: version.name, served: version.served, schemaId: version.schema,
      schema: version.schema === undefined ? undefined : () => readSchema(dir, version.schema!) ?? reparsed(i, j),
    })),
  }));
}

/** The CRD objects of a CRD file's bytes. */
function parsedCrds(bytes: Buffer, file: string, parse: ParseObjects): any[] {
  return parse(bytes.toString('utf8'), file)
    .filter(object => object?.kind === 'CustomResourceDefinition' && typeof object.spec?.names?.kind === 'string');
}

function outlinesOf(crds: readonly any[], schemaIds?: readonly (readonly (string | undefined)[])[]): CrdOutline[] {
  return crds.map((crd, i) => {
    const versions = [];
    for (const [j, version] of [...crd.spec.versions ?? []].entries()) {
      const schema = version.schema?.openAPIV3Schema;
      versions.push({ name: version.name, served: version.served, schema: schema ? () => schema : undefined, schemaId: schemaIds?.[i][j] });
    }
    return { group: crd.spec.group, kind: crd.spec.names.kind, versions };
  });
}

/** Parses a CRD file and caches its list and schemas; returns its CRD objects and their schemas' ids. */
function fillCrdCache(bytes: Buffer, file: string, parse: ParseObjects, dir: string): { crds: any[]; schemaIds: (string | undefined)[][] } {
  const crds = parsedCrds(bytes, file, parse);
  const listed: CachedCrd[] = crds.map(crd => ({
    group: crd.spec.group, kind: crd.spec.names.kind,
    versions: [...crd.spec.versions ?? []].map(version => {
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) return { name: version.name, served: version.served };
      const json = JSON.stringify(schema);
      const id = sha256(json);
      const schemaFile = join(dir, 'schemas', `${id}.json`);
      if (!existsSync(schemaFile)) writeCacheFile(schemaFile, json);
      return { name: version.name, served: version.served, schema: id };
    }),
  }));
  writeCacheFile(entryOf(sha256(bytes))!, JSON.stringify(listed));
  return { crds, schemaIds: listed.map(crd => crd.versions.map(version => version.schema)) };
}

/** The schema cached as `id`, if its file is there and is exactly what `id` names. */
function readSchema(dir: string, id: string): SchemaNode | undefined {
  try {
    const json = readFileSync(join(dir, 'schemas', `${id}.json`));
    return sha256(json) === id ? JSON.parse(json.toString('utf8')) as SchemaNode : undefined;
  } catch {
    return undefined;
  }
}
