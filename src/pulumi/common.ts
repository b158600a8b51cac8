import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { AppRegistry, IssueCollector, Manifest, SynthSettings, TeamPolicyGatewayRoute } from '../core';

let registry = new AppRegistry();
/** The program's LlmRoutes, for auth policies that give routes their own policy. */
let routes: TeamPolicyGatewayRoute[] = [];
/** Gateways (`namespace/name`) whose auth policy gave its routes their own policies -> that policy. */
let routeGuards = new Map<string, string>();

/**
 * Sets how this program treats time and warnings (the clock keys are checked against, the expiry warning window,
 * strict mode), and starts a fresh set of cross-resource checks. Call it before creating components.
 */
export function configureStack(settings: SynthSettings = {}): void {
  registry = new AppRegistry({ warn: message => void pulumi.log.warn(message), ...settings });
  routes = [];
  routeGuards = new Map();
}

/** The LlmRoutes created so far on `gateway` (`namespace/name`). */
export function stackRoutes(gateway: string): TeamPolicyGatewayRoute[] {
  return routes.filter(r => r.gateway === gateway);
}

/** Records an LlmRoute; returns the auth policy it comes too late for, if any (routes must come first, see below). */
export function registerStackRoute(route: TeamPolicyGatewayRoute): string | undefined {
  routes.push(route);
  return routeGuards.get(route.gateway);
}

/**
 * Records that `policy` gave every route on `gateway` it knew its own policy (access, narrowed budgets). Pulumi
 * creates resources at once, so a route created later would have none, and be open to every team: it is refused.
 */
export function guardStackRoutes(gateway: string, policy: string): void {
  if (!routeGuards.has(gateway)) routeGuards.set(gateway, policy);
}

/** The registry of this program, for checks that span components. */
export function stackRegistry(): AppRegistry {
  return registry;
}

/** Options every component passes to its children. */
export interface ChildOptions {
  readonly parent: pulumi.Resource;
  readonly provider?: pulumi.ProviderResource;
}

/** Throws the collected issues as Pulumi input errors, with the property path of each. */
export function throwInputErrors(issues: IssueCollector): void {
  if (issues.issues.length === 0) return;
  const errors = issues.issues.map(i => ({ propertyPath: i.field, reason: `expected ${i.expected}, got ${i.value}` }));
  if (errors.length === 1) throw new pulumi.InputPropertyError(errors[0]);
  throw new pulumi.InputPropertiesError({ message: `${issues.path}: ${errors.length} invalid inputs`, errors });
}

/**
 * Creates the Pulumi resource for a manifest the core rendered. `values`, when given, supplies the fields that
 * depend on secret inputs; `secret` marks them secret, so no key reaches the state or logs in plaintext.
 */
export function emitManifest(name: string, manifest: Manifest, opts: ChildOptions,
  values?: pulumi.Output<Manifest>, secret = false): pulumi.CustomResource {
  const field = (key: string): pulumi.Input<any> => {
    const value = values ? values.apply(m => m[key]) : manifest[key];
    return secret ? pulumi.secret(value) : value;
  };
  const resourceOptions: pulumi.CustomResourceOptions = {
    parent: opts.parent, provider: opts.provider, ...(secret ? { additionalSecretOutputs: ['data', 'stringData', 'spec'] } : {}),
  };
  const metadata = manifest.metadata as k8s.types.input.meta.v1.ObjectMeta;
  switch (`${manifest.apiVersion}/${manifest.kind}`) {
    case 'v1/Secret':
      return new k8s.core.v1.Secret(name, { metadata, type: manifest.type as string, data: field('data') }, resourceOptions);
    case 'v1/ConfigMap':
      return new k8s.core.v1.ConfigMap(name, { metadata, data: field('data') }, resourceOptions);
    default:
      return new k8s.apiextensions.CustomResource(name, {
        apiVersion: manifest.apiVersion, kind: manifest.kind, metadata, spec: field('spec'),
      }, resourceOptions);
  }
}

/** Logical name of a child resource: unique per component and object. */
export function childName(component: string, manifest: Manifest): string {
  return `${component}-${manifest.kind.toLowerCase()}-${manifest.metadata.name}`;
}
