import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, appPolicies, lazyManifest, once, registryOf } from './app-registry';
import {
  RateLimitServerOptions, RateLimitServerRef, checkRateLimitServerSpec, checkRateLimitServerUsed, rateLimitServerObjectIds, rateLimitServerRef, renderRateLimitServer,
  resolveRateLimitServerSpec,
} from './core';

/** Props of {@link RateLimitServer}. */
export interface RateLimitServerProps extends RateLimitServerOptions {}

/**
 * The rate-limit server that keeps budgets shared by every gateway replica: envoyproxy/ratelimit (Deployment and
 * Service) with Redis for the counters (Deployment and Service). Pass `ref` as a built-in auth policy's
 * `rateLimitServer`: the policy writes the teams' budgets into the ConfigMap this server mounts (`<name>-config`). A
 * server no built-in auth policy of the app uses is a synth error.
 */
export class RateLimitServer extends Construct {
  public readonly serverName: string;
  public readonly namespace: string;
  /** How an auth policy reaches this server (`GatewayAuthPolicyProps.rateLimitServer`). */
  public readonly ref: RateLimitServerRef;
  /** The server Deployment (escape hatch for JSON patches). */
  public readonly deployment: ApiObject;
  /** The server Service. */
  public readonly service: ApiObject;
  /** The Redis Deployment. */
  public readonly redisDeployment: ApiObject;
  /** The Redis Service. */
  public readonly redisService: ApiObject;

  constructor(scope: Construct, id: string, props: RateLimitServerProps = {}) {
    super(scope, id);
    const spec = resolveRateLimitServerSpec(props);
    this.serverName = spec.name;
    this.namespace = spec.namespace;
    this.ref = rateLimitServerRef(spec);
    const objectIds = rateLimitServerObjectIds(spec);
    const registry = registryOf(this);
    registry.registerObjects(this.node.path, objectIds);
    addCoreValidation(this, issues => {
      checkRateLimitServerSpec(issues, spec);
      registry.checkObjects(issues, this.node.path, objectIds);
      // At validation every auth policy of the app exists, wherever it was declared.
      checkRateLimitServerUsed(issues, spec, appPolicies(this));
    });
    const render = once(() => renderRateLimitServer(spec));
    const [deployment, service, redisDeployment, redisService] = render().map((m, i) => new ApiObject(this,
      ['Deployment', 'Service', 'RedisDeployment', 'RedisService'][i],
      lazyManifest({ apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata }, ['spec'], () => render()[i])));
    this.deployment = deployment;
    this.service = service;
    this.redisDeployment = redisDeployment;
    this.redisService = redisService;
  }
}
