import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// The layering rules live in .dependency-cruiser.cjs; dependency-cruiser is ESM-only, so its `cruise` runs in
// scripts/check-architecture.mjs and the test reads the JSON it prints.
const ROOT = join(__dirname, '..');

interface Violation { rule: string; from: string; to: string }
interface Report { violations: Violation[] }

function cruise(base?: string): Report {
  const args = ['scripts/check-architecture.mjs', ...(base ? ['--base', base] : [])];
  return JSON.parse(execFileSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' })) as Report;
}

const brief = (v: Violation) => `${v.rule}: ${v.from} -> ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`;

describe('layering', () => {
  test('src/ keeps the layering', () => {
    expect(cruise().violations.map(brief)).toEqual([]);
  });

  test('a planted violation of each rule fails', () => {
    const base = mkdtempSync(join(tmpdir(), 'agw-layers-'));
    symlinkSync(join(ROOT, 'node_modules'), join(base, 'node_modules'), 'dir');
    const files: Record<string, string> = {
      'src/core/planted.ts': "import { App } from 'cdk8s';\nimport { x } from '../config/load';\nexport const y = [App, x];\n",
      'src/config/load.ts': 'export const x = 1;\n',
      'src/config/planted.ts': "import { TeamApiKey } from '../team-api-key';\nexport const z = TeamApiKey;\n",
      'src/config/build.ts': "import { App } from 'cdk8s';\nexport const b = App;\n",
      'src/cli.ts': "export * from './config/build';\n", // reaches cdk8s through the config code
      'src/team-api-key.ts': "import { Construct } from 'constructs';\nexport class TeamApiKey extends Construct {}\n",
      'src/pulumi/index.ts': "import { Chart } from 'cdk8s';\nexport const c = Chart;\n",
      'src/validate/index.ts': "export * from '../pulumi';\n",
      'src/index.ts': "export * from './team-api-key';\nexport * from './helper';\n",
      'src/helper.ts': "export * from './config/load';\n", // reaches the config code indirectly
      'src/simulate/planted.ts': "import { TeamApiKey } from '../team-api-key';\nimport { x } from '../config/load';\nexport const s = [TeamApiKey, x];\n",
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(base, file)), { recursive: true });
      writeFileSync(join(base, file), text);
    }
    expect(cruise(base).violations.map(brief).sort()).toEqual([
      'cli-without-cdk8s: src/cli.ts -> node_modules/cdk8s/lib/index.js',
      'config-without-cdk8s: src/config/build.ts -> node_modules/cdk8s/lib/index.js',
      'config-without-cdk8s: src/config/planted.ts -> src/team-api-key.ts',
      'constructs-entry-is-lean: src/index.ts -> src/config/load.ts',
      'core-is-framework-free: src/core/planted.ts -> node_modules/cdk8s/lib/index.js',
      'core-is-framework-free: src/core/planted.ts -> src/config/load.ts',
      'pulumi-without-cdk8s: src/pulumi/index.ts -> node_modules/cdk8s/lib/index.js',
      'simulate-without-adapters: src/simulate/planted.ts -> src/config/load.ts',
      'simulate-without-adapters: src/simulate/planted.ts -> src/team-api-key.ts',
      'validate-without-adapters: src/validate/index.ts -> src/pulumi/index.ts',
    ]);
  });
});
