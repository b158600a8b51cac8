// The constructs entry: cdk8s constructs over the core. The config file API is `agentgateway-constructs/config`,
// so importing the constructs does not load the config parser or the CLI's dependencies.
export * from './core';
export { configureSynth } from './app-registry';
export * from './gateway-auth-policy';
export * from './llm-route';
export * from './rate-limit-server';
export * from './team-api-key';
export * from './team-usage';
export { synthApp, synthAppYaml } from './synth';
