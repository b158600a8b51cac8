import { activeKeys, keyStatus } from '../core';
import { registryOf } from '../app-registry';
import { GatewayAuthPolicy } from '../gateway-auth-policy';
import { LlmRoute } from '../llm-route';
import { TeamApiKey } from '../team-api-key';
import { ConfigApp } from './build';

/** Text as one table cell: a line break or `|` in a value (a revocation reason, a header value) must not end it. */
const cell = (text: string) => text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\|/g, '\\|');

/**
 * A Markdown table of team × route: whether the team's key opens the route, the headers the gateway sets for the
 * team, whether client-sent copies of those headers are dropped, and when its keys expire, so a reviewer sees what a
 * change grants.
 */
export function accessMatrix(built: ConfigApp): string {
  const all = built.app.node.findAll();
  const routes = all.filter((c): c is LlmRoute => c instanceof LlmRoute);
  const teams = all.filter((c): c is TeamApiKey => c instanceof TeamApiKey);
  const policy = all.find((c): c is GatewayAuthPolicy => c instanceof GatewayAuthPolicy)?.spec;
  const now = registryOf(built.app).settings.now;
  const protectedRoutes = policy && policy.target.routes.length > 0 ? new Set(policy.target.routes.map(r => r.routeName)) : undefined;
  const selected = new Set(policy?.selectedKeys.map(k => `${k.namespace}/${k.secretName}`) ?? []);

  const lines = [
    `| team | ${routes.map(r => cell(r.routeName)).join(' | ')} | headers set | client copies | key expiry |`,
    `| --- | ${routes.map(() => '---').join(' | ')} | --- | --- | --- |`,
  ];
  for (const team of teams) {
    const spec = team.spec;
    const keys = activeKeys(spec, now);
    const accepted = keys.some(k => selected.has(`${spec.namespace}/${k.secretName}`));
    const access = routes.map(route => {
      if (!policy || (protectedRoutes && !protectedRoutes.has(route.routeName))) return 'open (no key needed)';
      if (spec.revoked) return `revoked: ${spec.revoked.reason}`;
      return accepted ? 'allowed' : 'denied';
    });
    const headers = (policy?.headersFromMetadata ?? [])
      .filter(h => Object.hasOwn(spec.metadata, h.metadataKey))
      .map(h => `${h.header}: ${spec.metadata[h.metadataKey]}`).join(', ') || '-';
    const identity = policy?.identityHeaders.map(h => h.header).join(', ') ?? '';
    const clientCopies = identity === '' ? '-'
      : policy!.stripPolicy ? `dropped before auth: ${identity}` : `passed through (trustClientIdentityHeaders): ${identity}`;
    const expiries = keys.map(k => k.notAfter ? k.notAfter.toISOString() : 'never');
    const pending = spec.keys.filter(k => keyStatus(spec, k, now) === 'pending').map(k => `next key from ${k.notBefore!.toISOString()}`);
    const expiry = spec.revoked ? '-' : [...expiries, ...pending].join('; ') || 'no valid key';
    lines.push(`| ${[spec.team, ...access, headers, clientCopies, expiry].map(cell).join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
