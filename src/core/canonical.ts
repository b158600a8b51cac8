import { Manifest } from './manifest';

/** A value with object keys sorted and undefined or null fields dropped, recursively. */
function sortedValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedValue);
  if (value === null || typeof value !== 'object') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = sortedValue((value as Record<string, unknown>)[key]);
    if (field === undefined || field === null) continue;
    // `sorted.__proto__ = x` would set the prototype and drop the key: defined as data, as the YAML writer keeps it.
    if (key === '__proto__') Object.defineProperty(sorted, key, { value: field, enumerable: true, writable: true, configurable: true });
    else sorted[key] = field;
  }
  return sorted;
}

/**
 * The canonical form of a manifest: `apiVersion`, `kind` and `metadata` first, every other key sorted, no undefined
 * or null fields. It is the form cdk8s writes, so every adapter's output is byte-identical for the same input.
 */
export function canonicalManifest(manifest: Manifest): Manifest {
  const { apiVersion, kind, metadata, ...rest } = sortedValue(manifest) as Manifest;
  return { apiVersion, kind, metadata, ...rest };
}
