import * as pulumi from '@pulumi/pulumi';
import {
  IssueCollector, LlmRouteOptions, pinnedModel, RouteRef, checkLlmRoute, checkPlaintextCredential, llmRouteClaims, llmRouteObjectIds,
  redactManifest, renderLlmRoute, resolveLlmRoute,
} from '../core';
import { childName, emitManifest, registerStackRoute, stackRegistry, throwInputErrors } from './common';

/** Arguments of {@link LlmRoute}: the same as the cdk8s construct's props. */
export interface LlmRouteArgs extends LlmRouteOptions {}

/**
 * Routes a path prefix on the Gateway to one LLM provider: an HTTPRoute and its AgentgatewayBackend, from the same
 * core as the cdk8s `LlmRoute`.
 */
export class LlmRoute extends pulumi.ComponentResource implements RouteRef {
  public readonly routeName: string;
  public readonly namespace: string;
  public readonly backendName: string;
  /** The HTTPRoute and AgentgatewayBackend. */
  public readonly resources: readonly pulumi.CustomResource[];

  constructor(name: string, args: LlmRouteArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super('agentgateway-constructs:index:LlmRoute', name, {}, opts);
    const spec = resolveLlmRoute(args);
    const issues = new IssueCollector(name);
    checkLlmRoute(issues, spec);
    const registry = stackRegistry();
    const objectIds = llmRouteObjectIds(spec);
    registry.checkObjects(issues, name, objectIds);
    checkPlaintextCredential(issues, spec, registry.settings);
    const claims = llmRouteClaims(spec);
    if (typeof spec.pathPrefix === 'string') registry.checkRoute(issues, name, claims.gateway, spec.pathPrefix, claims.credentialSecret);
    const guard = registerStackRoute({ name: spec.name, namespace: spec.namespace, model: pinnedModel(spec), gateway: claims.gateway });
    if (guard !== undefined) {
      issues.add('gateway', claims.gateway, `a route created before the GatewayAuthPolicy ${guard}, which gives every route on the gateway `
        + 'its own access or budget policy when it is created (a later route would have none, open to every team)');
    }
    throwInputErrors(issues);
    registry.registerObjects(name, objectIds);
    registry.registerRoute(name, claims.gateway, spec.pathPrefix, claims.credentialSecret);

    this.routeName = spec.name;
    this.namespace = spec.namespace;
    this.backendName = spec.backendName;
    this.resources = renderLlmRoute(spec).map(manifest => emitManifest(childName(name, manifest), manifest,
      { parent: this, provider: opts.provider }, undefined, redactManifest(manifest) !== manifest));
    this.registerOutputs({ routeName: this.routeName, backendName: this.backendName });
  }
}
