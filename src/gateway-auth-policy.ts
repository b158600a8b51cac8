import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addCoreValidation, lazyManifest, registryOf } from './app-registry';
import {
  GatewayAuthPolicyOptions, GatewayAuthPolicySpec, KINDS, KeyStorage, checkGatewayAuthPolicy, checkGatewayAuthPolicyDuplicates,
  checkGatewayAuthPolicySize, checkTeamPolicies, gatewayAuthPolicyObjectIds, IssueCollector, renderGatewayAuthPolicy, renderPolicyWithTeamPolicies,
  resolveGatewayAuthPolicy, TeamPolicyInput, teamLimitObjectIds,
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
  private readonly head: GatewayAuthPolicySpec;
  private readonly keys: ITeamApiKey[] = [];
  private readonly keyStorage: KeyStorage;
  private readonly unbindable: ITeamApiKey[] = [];
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
      // Budgets only for now: access needs a policy per route, which the construct cannot create after construction.
      const forwarded: IssueCollector[] = [];
      checkTeamPolicies(issues, spec, this.teamPolicies(), [], props.replicas ?? 1,
        w => registry.settings.strict ? issues.add('replicas', 'a warning (strict mode)', w) : registry.settings.warn(w),
        path => { const c = new IssueCollector(path); forwarded.push(c); return c; });
      for (const c of forwarded) for (const i of c.issues) issues.add(`keys (${c.path}) ${i.field}`, i.value, i.expected);
      for (const key of this.unbindable) {
        issues.add('keys', key.team, 'TeamApiKey constructs with built-in auth, which writes their keys in its own format');
      }
    });

    // The manifests' kinds and names are fixed now; their specs are rendered at synth, after every addKey().
    // Rendered in a fixed order: the AuthConfig (ext-auth only), the policy, the strip policy (when emitted).
    const rendered = renderGatewayAuthPolicy(head);
    const objects = rendered.map((manifest, i) => new ApiObject(this, objectId(manifest, i, rendered.length, head),
      lazyManifest({ apiVersion: manifest.apiVersion, kind: manifest.kind, metadata: manifest.metadata }, ['spec'],
        () => renderPolicyWithTeamPolicies(this.resolve(), this.teamPolicies(), [])[i])));
    this.authConfig = objects.find(o => o.kind === KINDS.authConfig.kind);
    this.authConfigName = this.authConfig ? head.authConfigName : undefined;
    this.stripPolicy = head.stripPolicy ? objects[objects.length - 1] : undefined;
    this.policy = objects[objects.length - (head.stripPolicy ? 2 : 1)];
    this.addLimitObject();
  }

  /**
   * Emits the object holding shared budgets once it is needed: at construction with a rate-limit server, or with
   * ext-auth when the first team with budgets is added (so a policy without budgets emits nothing new).
   */
  private addLimitObject(): void {
    if (this.limitObject || this.policy === undefined) return;
    // Kinds and names depend only on construction-time props: no re-resolve per added key (apps add thousands).
    const head = this.head;
    const ids = teamLimitObjectIds(head, this.teamPolicies());
    if (ids.length === 0) return;
    const registry = registryOf(this);
    registry.registerObjects(this.node.path, ids);
    const [id] = ids;
    const builtIn = head.mode.builtIn !== undefined;
    const kinds = builtIn ? { apiVersion: 'v1', kind: 'ConfigMap' } : KINDS.rateLimitConfig;
    this.limitObject = new ApiObject(this, builtIn ? 'RateLimitServerConfig' : 'RateLimitConfig', lazyManifest(
      { ...kinds, metadata: { name: id.name, namespace: id.namespace } }, [builtIn ? 'data' : 'spec'],
      () => renderPolicyWithTeamPolicies(this.resolve(), this.teamPolicies(), []).find(m => m.kind === id.kind && m.metadata.name === id.name)!));
  }

  /** Budgets of the teams this policy lists (constructs of other kinds carry none); access is refused by the team. */
  private teamPolicies(): TeamPolicyInput[] {
    return this.keys.flatMap(key => key instanceof TeamApiKey && !key.spec.revoked
      ? [{ path: key.node.path, team: key.spec.team, metadata: key.spec.metadata, budgets: key.spec.budgets }] : []);
  }

  /** The policy with every default applied and the keys it selects now (read-only). */
  public get spec(): GatewayAuthPolicySpec {
    return this.resolve();
  }

  /** Accepts more keys; their keys are written in the format this policy reads. */
  public addKey(...keys: ITeamApiKey[]): void {
    registryOf(this).touch();
    for (const key of keys) {
      this.keys.push(key);
      if (key instanceof TeamApiKey) key.useKeyStorage(this.keyStorage, this.node.path);
      else if (this.keyStorage.kind !== 'extAuthSecret') this.unbindable.push(key);
    }
    if (!this.limitObject && keys.some(k => k instanceof TeamApiKey && (k.spec.budgets?.length ?? 0) > 0)) this.addLimitObject();
  }
}

/** Construct id of one of the policy's objects, stable across modes for the policy itself. */
function objectId(manifest: { readonly kind: string }, index: number, count: number, spec: GatewayAuthPolicySpec): string {
  if (manifest.kind === KINDS.authConfig.kind) return 'AuthConfig';
  return spec.stripPolicy && index === count - 1 ? 'StripIdentityHeaders' : 'Policy';
}
