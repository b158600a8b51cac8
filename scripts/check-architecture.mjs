// Cruises the sources with .dependency-cruiser.cjs and prints JSON: `violations` (empty: the layering holds).
// `--base DIR` cruises DIR's `src` instead: the architecture test plants violations there.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cruise } from 'dependency-cruiser';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { base: { type: 'string' } } });
const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs'));

async function violations(forbidden) {
  const result = await cruise(['src'], {
    ...config.options,
    tsConfig: { fileName: join(root, 'tsconfig.json') },
    baseDir: values.base ? resolve(values.base) : root,
    validate: true,
    ruleSet: { forbidden },
  });
  return result.output.summary.violations.map(v => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

process.stdout.write(`${JSON.stringify({ violations: await violations(config.forbidden) }, null, 1)}\n`);
