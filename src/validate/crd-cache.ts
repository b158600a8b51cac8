// The cache of parsed CRD files, beside the installed dependencies (see cache-dir.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dependencyCacheDir, packageVersion, writeCacheFile } from './cache-dir';
import { CrdOutline } from './manifest-validator';
import { SchemaNode } from './structural-schema';

/** How a CRD file's text becomes objects (load.ts's `parseObjects`). */
export type ParseObjects = (text: string, source: string) => any[];

/** Bumped whenever what the CRD cache holds, or how, changes. */
const CRD_CACHE_FORMAT = 'agw-crds-2';

/** A CRD file's CRDs as the cache lists them: each version's schema by the sha256 of its JSON. */
type CachedCrd = { group: string; kind: string; versions: { name: string; served: boolean; schema?: string }[] };

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The cache entry listing the CRDs of a file with these bytes, written by `version` of this package; if any cache. */
export function crdCacheEntry(bytes: Uint8Array, version = packageVersion()): string | undefined {
  const dir = dependencyCacheDir('crds');
  return dir && join(dir, `${sha256(`${CRD_CACHE_FORMAT}\n${version}\n${sha256(bytes)}`)}.json`);
}

/**
 * The CRDs of a CRD file. Parsing megabytes of CRD YAML dominated validate's start-up, so the cache keeps, under the
 * sha256 of the file's bytes, this package's version and the cache format, a list of the file's CRDs and versions;
 * each version's schema is a JSON file named by its own sha256, read (and checked against that name) only when an
 * object of that kind is validated. A damaged or missing entry is parsed again from the file's bytes and replaced.
 */
export function crdOutlines(file: string, parse: ParseObjects): CrdOutline[] {
  const bytes = readFileSync(file);
  const index = crdCacheEntry(bytes);
  if (!index) return outlinesOf(parsedCrds(bytes, file, parse));
  const dir = dirname(index);
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
    const filled = fillCrdCache(bytes, file, parse, dir, index);
    return outlinesOf(filled.crds, filled.schemaIds);
  }
  let parsed: any[] | undefined;
  /** The schema from the file itself, when its cached copy is missing or damaged (the cache is filled again). */
  const reparsed = (crd: number, version: number): SchemaNode => {
    parsed ??= fillCrdCache(bytes, file, parse, dir, index).crds;
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
function fillCrdCache(bytes: Buffer, file: string, parse: ParseObjects, dir: string, index: string): { crds: any[]; schemaIds: (string | undefined)[][] } {
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
  writeCacheFile(index, JSON.stringify(listed));
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
