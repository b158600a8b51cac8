// Client-side validation against the real CRDs (its packages install with this one; no cdk8s or Pulumi needed).
export * from './cel';
export * from './manifest-validator';
export * from './quantity';
export { applyDefaults, toAjvSchema } from './structural-schema';
export { enterprisePolicySchema } from './enterprise-policy-schema';
export * from './load';
export { RATE_LIMIT_SERVER_CONFIG_SCHEMA, rateLimitConfigSchema, rateLimitServerConfigProblems } from './rate-limit-schemas';
