// The framework-free core: validated specs in, plain manifest objects out. The cdk8s and Pulumi adapters are thin
// layers over it, so the two can never disagree.
export * from './checks';
export * from './enterprise-agentgateway-policy';
export * from './errors';
export * from './gateway-auth-policy';
export * from './gateway-ref';
export * from './key-source';
export * from './key-storage';
export * from './key-strength';
export * from './llm-provider';
export * from './llm-route';
export * from './manifest';
export * from './provider-credential';
export * from './redact';
export * from './registry';
export * from './secret-value';
export * from './settings';
export * from './team-api-key';
export * from './team-policy';
export * from './shared-limits';
export * from './rate-limit-server';
export * from './time';
export * from './versions';
export * from './gateway-plan';
export * from './canonical';
export * from './usage';
