import { Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { AppRegistry, GatewayAuthPolicySpec, IssueCollector, Manifest, SynthSettings, TeamPolicyGatewayRoute, describeIssue } from './core';

const registries = new WeakMap<IConstruct, AppRegistry>();
/** Every check of an app's constructs, so warnings are printed only when all of them pass. */
const checksOf = new WeakMap<AppRegistry, (() => string[])[]>();

/** Every LlmRoute of an app and who wants to hear of new ones (auth policies that give routes their own policy). */
const routesOf = new WeakMap<AppRegistry, { readonly routes: TeamPolicyGatewayRoute[]; readonly listeners: ((route: TeamPolicyGatewayRoute) => void)[] }>();

function routeBook(scope: IConstruct) {
  const registry = registryOf(scope);
  return routesOf.get(registry) ?? routesOf.set(registry, { routes: [], listeners: [] }).get(registry)!;
}

/** Records an LlmRoute of the app and tells the auth policies that listen. */
export function announceRoute(scope: IConstruct, route: TeamPolicyGatewayRoute): void {
  const book = routeBook(scope);
  book.routes.push(route);
  book.listeners.forEach(listener => listener(route));
}

/** Calls `listener` for every LlmRoute of the app, those added so far and those added later, in declaration order. */
export function onRoute(scope: IConstruct, listener: (route: TeamPolicyGatewayRoute) => void): void {
  const book = routeBook(scope);
  book.routes.forEach(listener);
  book.listeners.push(listener);
}

/** The auth policies of an app, as far as checks of other constructs need them (which rate-limit server each uses). */
type AnnouncedPolicy = Pick<GatewayAuthPolicySpec, 'mode' | 'rateLimitServer'>;
const policiesOf = new WeakMap<AppRegistry, AnnouncedPolicy[]>();

/** Records an auth policy of the app. */
export function announcePolicy(scope: IConstruct, policy: AnnouncedPolicy): void {
  const registry = registryOf(scope);
  (policiesOf.get(registry) ?? policiesOf.set(registry, []).get(registry)!).push(policy);
  registry.touch();
}

/** Every auth policy of the app announced so far: at validation, all of them. */
export function appPolicies(scope: IConstruct): readonly AnnouncedPolicy[] {
  return policiesOf.get(registryOf(scope)) ?? [];
}

/**
 * Sets how the app's synth treats time and warnings: the clock keys are checked against, the expiry warning window,
 * strict mode. Call it on the App before adding constructs.
 */
export function configureSynth(app: IConstruct, settings: SynthSettings): void {
  const root = app.node.root;
  if (registries.has(root)) {
    throw new Error('configureSynth() must be called before any agentgateway-constructs construct is added to the app');
  }
  createRegistry(root, settings);
}

/** The registry of the cdk8s app `scope` belongs to, for checks that span constructs. */
export function registryOf(scope: IConstruct): AppRegistry {
  const root = scope.node.root;
  return registries.get(root) ?? createRegistry(root, {});
}

function createRegistry(root: IConstruct, settings: SynthSettings): AppRegistry {
  const registry = new AppRegistry(settings);
  registries.set(root, registry);
  checksOf.set(registry, []);
  // Prints the app's warnings once per synth that passes its checks; in strict mode each construct reports its own
  // as errors instead. cdk8s validates the whole app again for every chart it writes, all in one synchronous call,
  // so a flag cleared on the next microtask lets one synth print once.
  const reporter = new Construct(root as Construct, 'AgentgatewayConstructsWarnings');
  let printed = false;
  reporter.node.addValidation({
    validate: () => {
      // The checks cache their results, so running them here costs nothing later.
      const failing = checksOf.get(registry)!.some(check => check().length > 0);
      if (!registry.settings.strict && !printed && !failing) {
        printed = true;
        queueMicrotask(() => printed = false);
        registry.warnings().forEach(w => registry.settings.warn(w));
      }
      return [];
    },
  });
  return registry;
}

/**
 * Runs `check` when the app validates (before anything is written) and reports its issues on `scope`.
 * cdk8s validates the whole app once more for every chart it writes: the result is kept until the app changes, so
 * each check runs once per synth.
 */
export function addCoreValidation(scope: IConstruct, check: (issues: IssueCollector) => void): void {
  const registry = registryOf(scope);
  const validate = registry.memo(() => {
    const issues = new IssueCollector(scope.node.path);
    check(issues);
    return issues.issues.map(describeIssue);
  });
  checksOf.get(registry)!.push(validate);
  scope.node.addValidation({ validate });
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
