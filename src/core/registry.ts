import { IssueCollector } from './errors';
import { ObjectId } from './manifest';
import { SecretValue } from './secret-value';
import { TeamApiKeySpec } from './team-api-key';

interface Owner {
  readonly path: string;
  readonly team?: string;
}

/**
 * Everything declared in one app (a cdk8s App, a Pulumi program, a config file), for the checks that span
 * constructs: two teams must never share a key (REFERENCE.md section 8), and no two objects may share a name.
 * Registration is O(1), so the checks stay linear in the number of teams.
 */
export class AppRegistry {
  private readonly keyOwners = new Map<string, Owner>();
  private readonly objectOwners = new Map<string, Owner>();
  private readonly teamKeys: { readonly path: string; readonly spec: TeamApiKeySpec }[] = [];

  /** Records a team key and the objects it emits. */
  public registerKey(path: string, spec: TeamApiKeySpec, objects: readonly ObjectId[]): void {
    this.teamKeys.push({ path, spec });
    if (spec.key instanceof SecretValue && spec.key.length > 0) {
      const digest = spec.key.sha256Hex();
      if (!this.keyOwners.has(digest)) this.keyOwners.set(digest, { path, team: spec.team });
    }
    this.registerObjects(path, objects);
  }

  /** Records objects a construct emits. */
  public registerObjects(path: string, objects: readonly ObjectId[]): void {
    for (const id of objects) {
      const slot = `${id.kind}/${id.namespace}/${id.name}`;
      if (!this.objectOwners.has(slot)) this.objectOwners.set(slot, { path });
    }
  }

  /** Every team key registered so far, in order. */
  public get keys(): readonly { readonly path: string; readonly spec: TeamApiKeySpec }[] {
    return this.teamKeys;
  }

  /** Reports a key already used by another team, never showing either key. */
  public checkKey(issues: IssueCollector, path: string, spec: TeamApiKeySpec): void {
    if (!(spec.key instanceof SecretValue) || spec.key.length === 0) return;
    const owner = this.keyOwners.get(spec.key.sha256Hex());
    if (owner && owner.path !== path) {
      issues.add('key', spec.key, `a key no other team uses (team "${owner.team}" at ${owner.path} has the same key)`);
    }
  }

  /** Reports objects whose kind, namespace and name another construct already emits. */
  public checkObjects(issues: IssueCollector, path: string, objects: readonly ObjectId[]): void {
    for (const id of objects) {
      const owner = this.objectOwners.get(`${id.kind}/${id.namespace}/${id.name}`);
      if (owner && owner.path !== path) {
        issues.add(id.field, `${id.namespace}/${id.name}`, `a name no other ${id.kind} in the namespace has (${owner.path} emits it too)`);
      }
    }
  }
}
