// Maps of maps keyed by namespace and name: no `namespace/name` string is built per object or key at 50 000 teams.

/** A map key made of any value, as a template string would show it (untyped input included). */
export function keyPart(value: unknown): string {
  return typeof value === 'string' ? value : `${value}`;
}

/** The inner map of `outer` at `key`, added when missing. */
export function innerMap<K, V>(outer: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = outer.get(key);
  if (!inner) outer.set(key, inner = new Map());
  return inner;
}
