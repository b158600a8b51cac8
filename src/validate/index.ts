// Client-side validation against the real CRDs; needs the optional peers ajv, ajv-formats, @marcbachmann/cel-js
// and kubernetes-models.
export * from './cel';
export * from './manifest-validator';
export * from './quantity';
export { applyDefaults, toAjvSchema } from './structural-schema';
export { enterprisePolicySchema } from './enterprise-policy-schema';
export * from './load';
