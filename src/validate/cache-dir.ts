import { basename, dirname, join } from 'node:path';

/**
 * A cache folder inside the `node_modules` this code's own dependencies are installed in (where ajv resolves from),
 * never one found from the working directory: a pull request can add a `node_modules/.cache` to the repository a CI
 * job validates, and cached validators are code and cached CRDs are rules. Whoever can write here can already
 * replace ajv itself. Undefined (no cache) when the dependencies are not in a `node_modules`.
 */
export function dependencyCacheDir(name: string): string | undefined {
  let modules: string;
  try {
    modules = dirname(dirname(require.resolve('ajv/package.json')));
  } catch {
    return undefined;
  }
  return basename(modules) === 'node_modules' ? join(modules, '.cache', 'agentgateway-constructs', name) : undefined;
}
