import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, announcePolicy, lazyManifest, onRoute, registryOf } from './app-registry';
import {
  GatewayAuthPolicyOptions, GatewayAuthPolicySpec, KINDS, KeyStorage, checkGatewayAuthPolicy, checkGatewayAuthPolicyDuplicates,
  checkGatewayAuthPolicySize, checkTeamPolicies, gatewayAuthPolicyObjectIds, IssueCollector, ObjectId, renderGatewayAuthPolicy,
  renderPolicyWithTeamPolicies, resolveGatewayAuthPolicy, routePolicyRoutes, teamIdentityHeader, TeamPolicyGatewayRoute, TeamPolicyInput,
  accessPolicyName, policyKinds, teamLimitObjectIds,
} from './core';
import { ITeamApiKey, TeamApiKey } from './team-api-key';

/** Props of {@link GatewayAuthPolicy}. */
export interface GatewayAuthPolicyProps extends GatewayAuthPolicyOptions {
  /**
   * Keys the policy accepts; more can be added with `addKey()`. With a label selector, keys in the app that carry
   * its labels are accepted too.
   * @default []
   */
  readonly keys?: readonly ITeamApiKey[];
}

/**
 * Requires a vanity API key on the Gateway (or on chosen routes), and sets headers such as `x-org` from the key's
 * metadata. With ext-auth (the default): an AuthConfig with `apiKeyAuth` and the EnterpriseAgentgatewayPolicy that
 * sends traffic through Solo's ext-auth service. With built-in auth: one AgentgatewayPolicy (or
 * EnterpriseAgentgatewayPolicy) with `apiKeyAuthentication`, selecting its teams' keys by label. In both modes, a
 * second policy on the Gateway removes client copies of the identity headers before authentication (PreRouting),
 * unless `trustClientIdentityHeaders` is set.
 */
export class GatewayAuthPolicy extends Construct {
  public readonly policyName: string;
  /** Name of the AuthConfig; undefined with built-in auth, which has none. */
  public readonly authConfigName: string | undefined;
  public readonly namespace: string;
  /** The AuthConfig (escape hatch for JSON patches); undefined with built-in auth. */
  public readonly authConfig: ApiObject | undefined;
  /** The EnterpriseAgentgatewayPolicy or AgentgatewayPolicy (escape hatch for JSON patches). */
  public readonly policy: ApiObject;
  /**
   * The PreRouting policy on the Gateway that removes client copies of the identity headers; undefined with
   * `trustClientIdentityHeaders` or no `headersFromMetadata`.
   */
  public readonly stripPolicy: ApiObject | undefined;
  /**
   * The object holding the teams' shared budgets: the rate-limit server's config ConfigMap (built-in auth with a
   * `rateLimitServer`) or the RateLimitConfig (ext-auth, once a team with budgets is added); undefined otherwise.
   */
  public get budgetObject(): ApiObject | undefined {
    return this.limitObject;
  }
  private limitObject: ApiObject | undefined;
  private readonly keys: ITeamApiKey[] = [];
  private readonly keyStorage: KeyStorage;
  private readonly unbindable: ITeamApiKey[] = [];
  /** The spec at construction: name, mode, gateway and target, which keys added later do not change. */
  private readonly head: GatewayAuthPolicySpec;
  /** The app's LlmRoutes on this policy's Gateway, in declaration order. */
  private readonly routes: TeamPolicyGatewayRoute[] = [];
  /** The per-route policies created so far, by `namespace/name` of the route. */
  private readonly routeObjects = new Map<string, ApiObject>();
  private readonly routeObjectIds: ObjectId[] = [];
  private readonly renderAll = registryOf(this).memo(() => renderPolicyWithTeamPolicies(this.resolve(), this.teamPolicies(), this.routes));
  private readonly resolve = registryOf(this).memo(() => {
    const known = this.props.keySelection?.matchLabels === undefined ? [] : registryOf(this).keyRefs;
    return resolveGatewayAuthPolicy(this.props, this.keys, known);
  });

  constructor(scope: Construct, id: string, private readonly props: GatewayAuthPolicyProps = {}) {
    super(scope, id);
    const head = this.resolve();
    this.head = head;
    this.policyName = head.name;
    this.namespace = head.namespace;
    this.keyStorage = head.keyStorage;
    this.addKey(...props.keys ?? []);

    const objectIds = gatewayAuthPolicyObjectIds(head);
    const registry = registryOf(this);
    registry.registerObjects(this.node.path, objectIds);
    registry.registerPolicy(this.node.path, props.allowSharedKeys ?? false, () => this.resolve().selectedKeys);
    // Mode and rate-limit server are construction-time props: what a RateLimitServer checks it is used by.
    announcePolicy(this, head);
    const gatewaySlot = `${head.gateway.namespace}/${head.gateway.name}`;
    const identityHeaders = head.headersFromMetadata.map(h => h.header);
    if (head.stripPolicy) registry.registerIdentityStrip(this.node.path, gatewaySlot, identityHeaders);
    addCoreValidation(this, issues => {
      const spec = this.resolve();
      checkGatewayAuthPolicy(issues, spec);
      checkGatewayAuthPolicyDuplicates(issues, spec);
      if (spec.keySelection.matchLabels === undefined) checkGatewayAuthPolicySize(issues, renderGatewayAuthPolicy(spec));
      registry.checkObjects(issues, this.node.path, objectIds);
      if (this.limitObject) registry.checkObjects(issues, this.node.path, teamLimitObjectIds(spec, this.teamPolicies()));
      registry.checkSharedKeys(issues, this.node.path);
      if (spec.stripPolicy) registry.checkIdentityStrips(issues, this.node.path, gatewaySlot, identityHeaders);
      const forwarded: IssueCollector[] = [];
      checkTeamPolicies(issues, spec, this.teamPolicies(), this.routes, props.replicas ?? 1,
        w => registry.settings.strict ? issues.add('replicas', 'a warning (strict mode)', w) : registry.settings.warn(w),
        path => { const c = new IssueCollector(path); forwarded.push(c); return c; });
      // Already displayed values, moved as they are (adding them again would quote them twice).
      for (const c of forwarded) for (const i of c.issues) issues.issues.push({ ...i, path: issues.path, field: `keys (${c.path}) ${i.field}` });
      registry.checkObjects(issues, this.node.path, this.routeObjectIds);
      for (const key of this.unbindable) {
        issues.add('keys', key.team, 'TeamApiKey constructs with built-in auth, which writes their keys in its own format');
      }
    });

    // The manifests' kinds and names are fixed now; their specs are rendered at synth, after every addKey().
    // Rendered in a fixed order: the AuthConfig (ext-auth only), the policy, the strip policy (when emitted).
    const rendered = renderGatewayAuthPolicy(head);
    const objects = rendered.map((manifest, i) => new ApiObject(this, objectId(manifest, i, rendered.length, head),
      lazyManifest({ apiVersion: manifest.apiVersion, kind: manifest.kind, metadata: manifest.metadata }, ['spec'],
        () => this.renderAll()[i])));
    this.authConfig = objects.find(o => o.kind === KINDS.authConfig.kind);
    this.authConfigName = this.authConfig ? head.authConfigName : undefined;
    this.stripPolicy = head.stripPolicy ? objects[objects.length - 1] : undefined;
    this.policy = objects[objects.length - (head.stripPolicy ? 2 : 1)];

    const gateway = `${head.gateway.namespace}/${head.gateway.name}`;
    onRoute(this, route => {
      if (route.gateway !== gateway) return;
      this.routes.push(route);
      this.createRoutePolicies(this.teamPolicies(), [route]);
    });
    this.addLimitObject();
  }

  /**
   * Emits the object holding shared budgets once it is needed: at construction with a rate-limit server, or with
   * ext-auth when the first team with budgets is added (so a policy without budgets emits nothing new).
   */
  private addLimitObject(teams: readonly TeamPolicyInput[] = this.teamPolicies()): void {
    if (this.limitObject || this.policy === undefined) return;
    // Kinds and names depend only on construction-time props: no re-resolve per added key (apps add thousands).
    const head = this.head;
    const ids = teamLimitObjectIds(head, teams);
    if (ids.length === 0) return;
    const registry = registryOf(this);
    registry.registerObjects(this.node.path, ids);
    const [id] = ids;
    const builtIn = head.mode.builtIn !== undefined;
    const kinds = builtIn ? { apiVersion: 'v1', kind: 'ConfigMap' } : KINDS.rateLimitConfig;
    this.limitObject = new ApiObject(this, builtIn ? 'RateLimitServerConfig' : 'RateLimitConfig', lazyManifest(
      { ...kinds, metadata: { name: id.name, namespace: id.namespace } }, [builtIn ? 'data' : 'spec'],
      () => this.renderAll().find(m => m.kind === id.kind && m.metadata.name === id.name)!));
  }

  /**
   * The per-route policies (access, budgets narrowed to the route), one ApiObject per route that needs one. They are
   * created as soon as a team or route makes them needed (`addKey()`, a new LlmRoute): keys are only added and specs
   * never change, so the set only grows, and every object exists before synth, as cdk8s requires (it neither runs
   * an aspect step nor may a validation add objects). Their specs are rendered at synth, from every team and route.
   * The routes a set of teams needs are the union of what each needs, so an added key is looked at alone (50 000
   * `addKey()` calls stay linear).
   */
  private createRoutePolicies(teams: readonly TeamPolicyInput[], routes: readonly TeamPolicyGatewayRoute[]): void {
    const head = this.head;
    if (teamIdentityHeader(head) === undefined || head.target.routes.length > 0) return;
    const kinds = policyKinds(head);
    for (const route of routePolicyRoutes(teams, routes)) {
      const slot = `${route.namespace}/${route.name}`;
      if (this.routeObjects.has(slot)) continue;
      const name = accessPolicyName(head, route);
      const objectId: ObjectId = { kind: kinds.kind, namespace: route.namespace, name, field: 'name' };
      this.routeObjectIds.push(objectId);
      registryOf(this).registerObjects(this.node.path, [objectId]);
      this.routeObjects.set(slot, new ApiObject(this, `RoutePolicy-${route.namespace}-${route.name}`,
        lazyManifest({ ...kinds, metadata: { name, namespace: route.namespace } }, ['spec'], () => {
          const manifest = this.renderAll().find(m => m.kind === kinds.kind && m.metadata.name === name && m.metadata.namespace === route.namespace);
          if (!manifest) throw new Error(`${this.node.path}: no policy rendered for route ${slot} (internal error)`);
          return manifest;
        })));
    }
  }

  /** The per-route policies (access and budgets narrowed to a route), by route (escape hatch for JSON patches). */
  public get routePolicies(): readonly ApiObject[] {
    return [...this.routeObjects.values()];
  }

  /** Budgets and access of the teams this policy lists (constructs of other kinds carry none). */
  private teamPolicies(keys: readonly ITeamApiKey[] = this.keys): TeamPolicyInput[] {
    return keys.flatMap(key => key instanceof TeamApiKey && !key.spec.revoked
      ? [{ path: key.node.path, team: key.spec.team, metadata: key.spec.metadata, budgets: key.spec.budgets, access: key.spec.access }] : []);
  }

  /** The policy with every default applied and the keys it selects now (read-only). */
  public get spec(): GatewayAuthPolicySpec {
    return this.resolve();
  }

  /** The TeamApiKey constructs the policy lists (`keys` and `addKey()`), for telemetry such as {@link TeamUsage}. */
  public get teamApiKeys(): readonly TeamApiKey[] {
    return this.keys.filter((key): key is TeamApiKey => key instanceof TeamApiKey);
  }

  /** Accepts more keys; their keys are written in the format this policy reads. */
  public addKey(...keys: ITeamApiKey[]): void {
    registryOf(this).touch();
    for (const key of keys) {
      this.keys.push(key);
      if (key instanceof TeamApiKey) key.useKeyStorage(this.keyStorage, this.node.path);
      else if (this.keyStorage.kind !== 'extAuthSecret') this.unbindable.push(key);
    }
    const added = this.teamPolicies(keys);
    this.createRoutePolicies(added, this.routes);
    this.addLimitObject(added);
  }
}

/** Construct id of one of the policy's objects, stable across modes for the policy itself. */
function objectId(manifest: { readonly kind: string }, index: number, count: number, spec: GatewayAuthPolicySpec): string {
  if (manifest.kind === KINDS.authConfig.kind) return 'AuthConfig';
  return spec.stripPolicy && index === count - 1 ? 'StripIdentityHeaders' : 'Policy';
}
