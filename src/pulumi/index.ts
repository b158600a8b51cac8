// Pulumi components over the same core as the cdk8s constructs. Needs @pulumi/pulumi and @pulumi/kubernetes.
export {
  ApiKeyAuthMode, GatewayRef, KeySelection, KeySource, LlmProvider, PolicyTarget, ProviderCredential, SecretValue,
  generateKey, hashKey,
} from '../core';
export type {
  BuiltInAuthOptions, KeyStorage, MetadataHeader, ModelPrice, RateLimitServerRef, Revocation, SynthSettings, TeamKeyOptions,
  UsageAlertOptions, UsageMetadataLabel, UsageOptions, UsageOtlpOptions, UsageTracingOptions,
} from '../core';
export { configureStack } from './common';
export * from './gateway-auth-policy';
export * from './llm-route';
export * from './rate-limit-server';
export * from './team-api-key';
export * from './usage';
