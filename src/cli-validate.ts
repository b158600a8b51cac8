// The CRD validation options of the CLI's commands, kept apart so each command needs only an option and one call.
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
  const { report, lines } = validateObjects(objects, options.crds);
  if (report.problems.length > 0 || report.celUnsupported.length > 0) throw new Error(lines.join('\n'));
}

/** The `validate` command: returns its exit code. */
export function runValidateCommand(paths: readonly string[], options: { crds?: string[] }): number {
  return validatorCli().runValidate(paths, options.crds);
}
