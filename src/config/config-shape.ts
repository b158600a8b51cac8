import { validate } from './config-shape.generated';
import type { GatewayConfig } from './schema';

/**
 * Whether a parsed config has the shape the zod schema accepts, checked by code ajv generated from that schema, so a
 * valid config never loads zod (a tenth of a cold synth). Anything else goes to zod, for its located messages.
 */
export function isGatewayConfigShape(value: unknown): value is GatewayConfig {
  return validate(value) === true;
}
