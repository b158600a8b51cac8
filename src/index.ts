export * from './core';
export * from './gateway-auth-policy';
export * from './llm-route';
export * from './team-api-key';
