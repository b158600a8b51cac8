import * as pulumi from '@pulumi/pulumi';
import {
  IssueCollector, RateLimitServerOptions, RateLimitServerRef, checkRateLimitServerSpec, rateLimitServerObjectIds, rateLimitServerRef,
  renderRateLimitServer, resolveRateLimitServerSpec,
} from '../core';
import { childName, emitManifest, stackRegistry, throwInputErrors } from './common';

/** Arguments of {@link RateLimitServer}: the same as the cdk8s construct's props. */
export interface RateLimitServerArgs extends RateLimitServerOptions {}

/**
 * The rate-limit server for budgets shared by every gateway replica (envoyproxy/ratelimit and Redis, Deployments and
 * Services), from the same core as the cdk8s `RateLimitServer`. Its config ConfigMap is written by the auth policy
 * that uses it (`ref`). Unlike the cdk8s construct and the config file, a server no policy uses is not reported:
 * components check their own arguments when created, before the policy that takes `ref` exists.
 */
export class RateLimitServer extends pulumi.ComponentResource {
  public readonly serverName: string;
  public readonly namespace: string;
  /** How an auth policy reaches this server. */
  public readonly ref: RateLimitServerRef;
  /** The Deployments and Services. */
  public readonly resources: readonly pulumi.CustomResource[];

  constructor(name: string, args: RateLimitServerArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
    super('agentgateway-constructs:index:RateLimitServer', name, {}, opts);
    const spec = resolveRateLimitServerSpec(args);
    const issues = new IssueCollector(name);
    checkRateLimitServerSpec(issues, spec);
    const registry = stackRegistry();
    const objectIds = rateLimitServerObjectIds(spec);
    registry.checkObjects(issues, name, objectIds);
    throwInputErrors(issues);
    registry.registerObjects(name, objectIds);

    this.serverName = spec.name;
    this.namespace = spec.namespace;
    this.ref = rateLimitServerRef(spec);
    this.resources = renderRateLimitServer(spec).map(manifest => emitManifest(childName(name, manifest), manifest, { parent: this, provider: opts.provider }));
    this.registerOutputs({ serverName: this.serverName });
  }
}
