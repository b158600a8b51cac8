// Writes the config's generated validator (src/config/config-shape.generated.ts) from the built zod schema.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { CONFIG_SHAPE_FILE, configShapeSource } = require('../lib/config/config-shape-source.js');
writeFileSync(new URL(`../${CONFIG_SHAPE_FILE}`, import.meta.url), configShapeSource());
