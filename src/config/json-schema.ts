/** The JSON Schema editors use (`$schema` in the YAML file); loads zod on first use only. */
export function gatewayConfigJsonSchema(): object {
  return (require('./schema') as typeof import('./schema')).gatewayConfigJsonSchema();
}
