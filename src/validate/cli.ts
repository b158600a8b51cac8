#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ValidationReport, summarize } from './manifest-validator';
import { CRDS_ENV, defaultCrdPaths, howToGetCrds, loadCrds, missingKinds, readManifests, yamlFiles } from './load';

export { parseObjects } from './load';

const USAGE = `Usage: agentgateway-constructs validate [paths...] [--crds PATH]...

Checks manifests (files or folders; default: dist) against the CRDs' schemas and CEL rules.
  --crds PATH  CRD file or folder: CRD YAML, the List \`kubectl get crd -o yaml\` prints, a Helm chart's crds/
               folder; repeat for more (a later CRD for the same kind wins). Default: $${CRDS_ENV}.
Secrets and ConfigMaps need no CRDs.

Examples:
  kubectl get crd httproutes.gateway.networking.k8s.io agentgatewaybackends.agentgateway.dev -o yaml > crds.yaml
  agentgateway-constructs validate manifests/ --crds crds.yaml
  npm run validate -- out/ --crds ./crds --crds ./crds/agentgateway-v1.4.1`;

/**
 * Validates `objects` against the CRDs in `crds` (default: {@link defaultCrdPaths}). Throws one line saying how to
 * get the CRDs when kinds need them and none are given; otherwise returns the report and the lines to print.
 */
export function validateObjects(objects: readonly { readonly object: any; readonly source?: string }[], crds?: readonly string[]):
{ report: ValidationReport; lines: string[] } {
  const paths = crds?.length ? crds : defaultCrdPaths();
  const validator = loadCrds(paths, crds?.length ? '--crds' : CRDS_ENV);
  const missing = missingKinds(validator, objects);
  if (missing.length > 0 && paths.length === 0) {
    throw new Error(`no CRDs to validate ${missing.join(', ')} against: ${howToGetCrds(missing)}`);
  }
  const report = validator.validate(objects);
  const lines = [
    ...report.problems.map(p => `${p.source ?? ''}: ${p.object} ${p.path}: ${p.message}`),
    ...report.celUnsupported.map(u => `unsupported CEL rule on ${u.kind} ${u.path}: ${u.rule} (${u.reason})`),
    ...missing.length > 0 ? [`missing CRDs for ${missing.join(', ')}: ${howToGetCrds(missing)}`] : [],
    summarize(report),
  ];
  return { report, lines };
}

/** Validates `paths` (default: dist) against the CRDs in `crds` (default: see defaultCrdPaths); returns the exit code. */
export function runValidate(paths: readonly string[], crds?: readonly string[]): number {
  const { report, lines } = validateObjects(readManifests(yamlFiles(paths.length ? paths : ['dist'])), crds);
  for (const line of lines) console.log(line);
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
    console.error(`validate: ${(e as Error).message.split('\n')[0]}`);
    process.exitCode = 2;
  }
}
