import { SchemaNode } from './structural-schema';

const REF = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253 },
    namespace: { type: 'string', minLength: 1, maxLength: 63 },
  },
};

const BACKEND_REF = {
  type: 'object',
  required: ['name'],
  properties: {
    group: { type: 'string' },
    kind: { type: 'string' },
    name: { type: 'string', minLength: 1, maxLength: 253 },
    namespace: { type: 'string' },
    port: { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 },
  },
};

/**
 * The EnterpriseAgentgatewayPolicy schema, which has no public CRD: the open-source AgentgatewayPolicy schema plus
 * `traffic.entExtAuth` and `traffic.entRateLimit`, from Solo's public Go types (REFERENCE.md section 3). Shares every
 * node off the path to `traffic` with `ossPolicySchema`, which it does not change: treat both as read-only.
 */
export function enterprisePolicySchema(ossPolicySchema: SchemaNode): SchemaNode {
  // Only the nodes on the way to `traffic` are copied: a deep copy of the whole schema cost milliseconds per run.
  const oss = ossPolicySchema as any;
  const traffic = { ...oss.properties.spec.properties.traffic, properties: { ...oss.properties.spec.properties.traffic.properties } };
  const spec = { ...oss.properties.spec, properties: { ...oss.properties.spec.properties, traffic } };
  const schema = { ...oss, properties: { ...oss.properties, spec } };
  traffic.properties.entExtAuth = {
    type: 'object',
    required: ['authConfigRef'],
    properties: { authConfigRef: REF, backendRef: BACKEND_REF },
  };
  traffic.properties.entRateLimit = {
    type: 'object',
    properties: {
      global: {
        type: 'object',
        required: ['rateLimitConfigRefs'],
        properties: {
          domain: { type: 'string' },
          backendRef: BACKEND_REF,
          rateLimitConfigRefs: { type: 'array', minItems: 1, maxItems: 16, items: REF },
        },
      },
    },
  };
  traffic['x-kubernetes-validations'] = [
    ...traffic['x-kubernetes-validations'] ?? [],
    { rule: '!(has(self.entExtAuth) && has(self.extAuth))', message: 'entExtAuth and extAuth are mutually exclusive' },
    { rule: '!(has(self.entRateLimit) && has(self.rateLimit))', message: 'entRateLimit and rateLimit are mutually exclusive' },
  ];
  return schema;
}
