// The CRD validation options of the CLI's commands, kept apart so each command needs only an option and one call.
import { delimiter } from 'node:path';
import { Option } from 'commander';

/** `--crds <path>`, repeatable (`--crds a --crds b`): a variadic option would swallow the positional paths after it. */
export function crdsOption(description = 'CRD file or folder (CRD YAML, a `kubectl get crd -o yaml` List, a Helm chart\'s crds/); repeat for more; default: $AGW_CRDS_DIR'): Option {
  return new Option('--crds <path>', description).argParser((value: string, previous: string[] | undefined) => [...previous ?? [], value]);
}

/** `--validate`: check the output against the CRDs in the same step. */
export function validateOption(): Option {
  return new Option('--validate', 'also check the output against the CRDs\' schemas and CEL rules before writing anything (CRDs from --crds or $AGW_CRDS_DIR)');
}

/** The validator's entry points, loaded only when asked so the key commands start fast; one line if it cannot load. */
function validatorCli(): typeof import('./validate/cli') {
  try {
    return require('./validate/cli') as typeof import('./validate/cli');
  } catch (e) {
    throw new Error(`cannot load the validator (${(e as Error).message.split('\n')[0]}): reinstall agentgateway-constructs with its dependencies`);
  }
}

/**
 * With `--validate` or `--crds`, throws (before anything is written) unless every file passes the CRDs' schemas
 * and CEL rules, none unsupported.
 */
export function validateOutputIfAsked(files: ReadonlyMap<string, string>, options: { validate?: boolean; crds?: string[] }): void {
  if (!options.validate && !options.crds?.length) return;
  const { parseObjects, validateObjects } = validatorCli();
  const objects = [...files].flatMap(([file, text]) => parseObjects(text, file).map(object => ({ object, source: file })));
  let result: ReturnType<typeof validateObjects>;
  try {
    result = validateObjects(objects, options.crds);
  } catch (e) {
    if (!(e as Error).message.startsWith('no CRDs to validate ')) throw e;
    throw new Error([(e as Error).message, ...missingCrdHints(objects, options.crds, true)].join('\n'));
  }
  const { report, lines } = result;
  if (report.problems.length > 0 || report.celUnsupported.length > 0) {
    const missing = lines.some(line => line.startsWith('missing CRDs for '));
    throw new Error([...lines, ...missing ? missingCrdHints(objects, options.crds, false) : []].join('\n'));
  }
}

/**
 * What the validator's "pass `--crds crds.yaml`" leaves out: `--crds` (and AGW_CRDS_DIR) replace the default CRDs
 * rather than add to them, so the defaults must be passed again; and the usage's PrometheusRule can be left out.
 */
function missingCrdHints(objects: readonly { readonly object: any }[], crds: readonly string[] | undefined, noneLoaded: boolean): string[] {
  const hints: string[] = [];
  if (!crds?.length && !noneLoaded) {
    const { CRDS_ENV, defaultCrdPaths } = require('./validate/load') as typeof import('./validate/load');
    const defaults = defaultCrdPaths();
    hints.push(`--crds replaces the CRDs used now (${defaults.join(', ')}) rather than adding to them: pass them too, `
      + `\`${[...defaults, 'crds.yaml'].map(p => `--crds ${p}`).join(' ')}\`, or set ${CRDS_ENV}=${[...defaults, 'crds.yaml'].join(delimiter)}`);
  } else if (crds?.length) {
    hints.push(`add the file to the CRDs already given: \`${[...crds, 'crds.yaml'].map(p => `--crds ${p}`).join(' ')}\``);
  }
  if (objects.some(({ object }) => object?.apiVersion === 'monitoring.coreos.com/v1' && object?.kind === 'PrometheusRule')) {
    hints.push('or leave the usage alerts out (the PrometheusRule, which needs the Prometheus Operator\'s CRD): `usage: { alerts: false }` '
      + 'in the config file, `alerts: false` on TeamUsage');
  }
  return hints;
}

/** The `validate` command: returns its exit code. */
export function runValidateCommand(paths: readonly string[], options: { crds?: string[] }): number {
  return validatorCli().runValidate(paths, options.crds);
}
