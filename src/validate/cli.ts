#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ManifestValidator, summarize } from './manifest-validator';
import { defaultCrdDirectories, readManifests, yamlFiles } from './load';

const USAGE = `Usage: npm run validate -- [paths...] [--crds DIR]...

Checks manifests (files or folders; default: dist) against the CRDs' schemas and CEL rules.
  --crds DIR   CRD folder; repeat to layer (later ones win). Default: $AGW_CRDS_DIR or ../shared/crds,
               then its agentgateway-v1.4.1 folder.

Examples:
  npm run validate
  npm run validate -- dist/api-key-auth.k8s.yaml
  npm run validate -- out/ --crds ./crds --crds ./crds/agentgateway-v1.4.1`;

/** Validates `paths` (default: dist) against the CRDs in `crds` (default: see defaultCrdDirectories); returns the exit code. */
export function runValidate(paths: readonly string[], crds?: readonly string[]): number {
  const validator = ManifestValidator.fromDirectories(crds?.length ? crds : defaultCrdDirectories());
  const report = validator.validate(readManifests(yamlFiles(paths.length ? paths : ['dist'])));
  for (const p of report.problems) console.log(`${p.source ?? ''}: ${p.object} ${p.path}: ${p.message}`);
  for (const u of report.celUnsupported) console.log(`unsupported CEL rule on ${u.kind} ${u.path}: ${u.rule} (${u.reason})`);
  console.log(summarize(report));
  return report.problems.length > 0 ? 1 : 0;
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { crds: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  return runValidate(positionals, values.crds);
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`validate: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
