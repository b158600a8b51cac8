import { Lazy } from 'cdk8s';
import { IConstruct } from 'constructs';
import { AppRegistry, IssueCollector, Manifest, describeIssue } from './core';

const registries = new WeakMap<IConstruct, AppRegistry>();

/** The registry of the cdk8s app `scope` belongs to, for checks that span constructs. */
export function registryOf(scope: IConstruct): AppRegistry {
  const root = scope.node.root;
  let registry = registries.get(root);
  if (!registry) {
    registry = new AppRegistry();
    registries.set(root, registry);
  }
  return registry;
}

/** Runs `check` when the app validates (before anything is written) and reports its issues on `scope`. */
export function addCoreValidation(scope: IConstruct, check: (issues: IssueCollector) => void): void {
  scope.node.addValidation({
    validate: () => {
      const issues = new IssueCollector(scope.node.path);
      check(issues);
      return issues.issues.map(describeIssue);
    },
  });
}

/**
 * ApiObject props whose body (all but apiVersion, kind and metadata) is rendered by the core at synth time,
 * after validation, so `addKey()` and friends after construction still land in the output.
 */
export function lazyManifest(head: Pick<Manifest, 'apiVersion' | 'kind' | 'metadata'>, bodyFields: readonly string[],
  render: () => Manifest): Manifest {
  const body: Record<string, unknown> = {};
  for (const field of bodyFields) body[field] = Lazy.any({ produce: () => render()[field] });
  return { ...head, ...body };
}

/** Memoizes a render that depends only on immutable input. */
export function once<T>(produce: () => T): () => T {
  let value: T | undefined;
  return () => value ??= produce();
}
