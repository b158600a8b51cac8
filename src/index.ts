export * from './core';
export { configureSynth } from './app-registry';
export * from './gateway-auth-policy';
export * from './llm-route';
export * from './team-api-key';
export * from './config';
