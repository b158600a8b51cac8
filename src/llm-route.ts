import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, announceRoute, lazyManifest, once, registryOf } from './app-registry';
import {
  KINDS, LlmRouteOptions, pinnedModel, RouteRef, checkLlmRoute, checkPlaintextCredential, llmRouteClaims, llmRouteObjectIds, renderLlmRoute,
  resolveLlmRoute,
} from './core';

/** Props of {@link LlmRoute}. */
export interface LlmRouteProps extends LlmRouteOptions {}

/**
 * Routes a path prefix on the Gateway to one LLM provider: an HTTPRoute and the AgentgatewayBackend that holds the
 * provider, its options and the real provider credential.
 */
export class LlmRoute extends Construct implements RouteRef {
  public readonly routeName: string;
  public readonly namespace: string;
  public readonly backendName: string;
  /** The HTTPRoute (escape hatch for JSON patches). */
  public readonly httpRoute: ApiObject;
  /** The AgentgatewayBackend (escape hatch for JSON patches). */
  public readonly backend: ApiObject;

  constructor(scope: Construct, id: string, props: LlmRouteProps) {
    super(scope, id);
    const spec = resolveLlmRoute(props);
    this.routeName = spec.name;
    this.namespace = spec.namespace;
    this.backendName = spec.backendName;

    const objectIds = llmRouteObjectIds(spec);
    const registry = registryOf(this);
    registry.registerObjects(this.node.path, objectIds);
    const claims = llmRouteClaims(spec);
    if (typeof spec.pathPrefix === 'string') registry.registerRoute(this.node.path, claims.gateway, spec.pathPrefix, claims.credentialSecret);
    addCoreValidation(this, issues => {
      checkLlmRoute(issues, spec);
      checkPlaintextCredential(issues, spec, registry.settings);
      registry.checkObjects(issues, this.node.path, objectIds);
      if (typeof spec.pathPrefix === 'string') registry.checkRoute(issues, this.node.path, claims.gateway, spec.pathPrefix, claims.credentialSecret);
    });

    const render = once(() => renderLlmRoute(spec));
    // Auth policies on the same Gateway give the route its own policy when teams' access or budgets need one.
    announceRoute(this, { name: spec.name, namespace: spec.namespace, model: pinnedModel(spec), gateway: claims.gateway });
    this.httpRoute = new ApiObject(this, 'HTTPRoute', lazyManifest(
      { ...KINDS.httpRoute, metadata: { name: spec.name, namespace: spec.namespace } }, ['spec'], () => render()[0]));
    this.backend = new ApiObject(this, 'Backend', lazyManifest(
      { ...KINDS.agentgatewayBackend, metadata: { name: spec.backendName, namespace: spec.namespace } }, ['spec'], () => render()[1]));
  }
}
