import { checkDnsLabel, checkDnsSubdomain } from './checks';
import { IssueCollector } from './errors';

/** The namespace Solo Enterprise agentgateway installs into. */
export const DEFAULT_NAMESPACE = 'agentgateway-system';

export interface GatewayRefProps {
  /**
   * Name of the Gateway resource.
   * @default 'agentgateway'
   */
  readonly name?: string;
  /**
   * Namespace of the Gateway. Routes and policies default to it.
   * @default 'agentgateway-system'
   */
  readonly namespace?: string;
}

/** Points at an existing Gateway, so routes and policies don't repeat its name and namespace. */
export class GatewayRef {
  public readonly name: string;
  public readonly namespace: string;

  constructor(props: GatewayRefProps = {}) {
    this.name = props.name ?? 'agentgateway';
    this.namespace = props.namespace ?? DEFAULT_NAMESPACE;
  }
}

export function checkGatewayRef(issues: IssueCollector, field: string, gateway: GatewayRef): void {
  checkDnsSubdomain(issues, `${field}.name`, gateway.name);
  checkDnsLabel(issues, `${field}.namespace`, gateway.namespace);
}
