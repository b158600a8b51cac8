// Turns a CRD's structural OpenAPI v3 schema into a JSON Schema that Ajv checks the way the API server does.

/** A node of a CRD's `openAPIV3Schema`. */
export type SchemaNode = { readonly [keyword: string]: any };

/** Keywords with the same meaning in OpenAPI v3 and Ajv's JSON Schema. */
const COPIED = ['type', 'enum', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength',
  'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf', 'required'];

/** Formats the API server checks and Ajv knows here; others are ignored by both. */
export const CHECKED_FORMATS = new Set(['int32', 'int64', 'byte', 'date-time', 'date', 'uri', 'email', 'hostname',
  'ipv4', 'ipv6', 'uuid']);

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A map of strings, as labels, annotations and a ConfigMap's data are. */
export const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** ObjectMeta as the API server checks it on create (the CRD schema does not describe it). */
export const OBJECT_META_SCHEMA = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', maxLength: 253, pattern: DNS_SUBDOMAIN },
    namespace: { type: 'string', maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
    labels: STRING_MAP,
    annotations: STRING_MAP,
    generateName: { type: 'string' },
    finalizers: { type: 'array', items: { type: 'string' } },
    ownerReferences: { type: 'array', items: { type: 'object' } },
  },
  additionalProperties: false,
};

/** Converts one schema node; `root` replaces `metadata` with {@link OBJECT_META_SCHEMA}. */
export function toAjvSchema(node: SchemaNode, root = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const keyword of COPIED) if (node[keyword] !== undefined) out[keyword] = node[keyword];
  if (node.format !== undefined && CHECKED_FORMATS.has(node.format)) out.format = node.format;
  if (node['x-kubernetes-int-or-string']) out.type = ['integer', 'string'];
  if (node.nullable && out.type !== undefined) out.type = [...[out.type].flat(), 'null'];
  for (const combinator of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(node[combinator])) out[combinator] = node[combinator].map((n: SchemaNode) => toAjvSchema(n));
  }
  if (node.not) out.not = toAjvSchema(node.not);
  if (node.items) out.items = toAjvSchema(node.items);

  const properties: Record<string, unknown> = {};
  for (const [name, child] of Object.entries<SchemaNode>(node.properties ?? {})) {
    properties[name] = root && name === 'metadata' ? OBJECT_META_SCHEMA : toAjvSchema(child);
  }
  if (root || node['x-kubernetes-embedded-resource']) {
    properties.apiVersion ??= { type: 'string' };
    properties.kind ??= { type: 'string' };
    properties.metadata ??= root ? OBJECT_META_SCHEMA : { type: 'object' };
  }
  if (Object.keys(properties).length > 0) out.properties = properties;

  if (typeof node.additionalProperties === 'object') {
    out.additionalProperties = toAjvSchema(node.additionalProperties);
  } else if (node.additionalProperties !== undefined) {
    out.additionalProperties = node.additionalProperties;
  } else if (node.type === 'object' && !node['x-kubernetes-preserve-unknown-fields']) {
    // The API server prunes fields a structural schema does not name: report them instead of losing them silently.
    out.additionalProperties = false;
  }
  return out;
}

/**
 * Sets `key` on `out` as an own field, whatever its name: `out.__proto__ = value` would replace the prototype
 * instead, hiding the field from the checks and lending its fields to `out` (a manifest could pass with `spec` there).
 */
export function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** Returns a deep copy of `value` with the schema's defaults applied, as the API server does before validating. */
export function applyDefaults(node: SchemaNode | undefined, value: unknown): unknown {
  if (!node || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(item => applyDefaults(node.items, item));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) setField(out, key, applyDefaults(childSchema(node, key), child));
  for (const [key, child] of Object.entries<SchemaNode>(node.properties ?? {})) {
    if (!Object.hasOwn(out, key) && child.default !== undefined) setField(out, key, applyDefaults(child, structuredClone(child.default)));
  }
  return out;
}

/** The schema of `key` inside an object node; only the node's own properties (`constructor` is a field name here). */
export function childSchema(node: SchemaNode, key: string): SchemaNode | undefined {
  const own = node.properties && Object.hasOwn(node.properties, key) ? node.properties[key] : undefined;
  return own ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
}
