import { activeKeys, keyStatus } from '../core';
import { ConfigPlan } from './build';

/** Text as one table cell: a line break or `|` in a value (a revocation reason, a header value) must not end it. */
const cell = (text: string) => text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replace(/\|/g, '\\|');

/**
 * A Markdown table of team × route: whether the team's key opens the route, the headers the gateway sets for the
 * team, whether client-sent copies of those headers are dropped, and when its keys expire, so a reviewer sees what a
 * change grants.
 */
export function accessMatrix(planned: ConfigPlan): string {
  const { routes, teams, policy, registry } = planned.plan;
  const now = registry.settings.now;
  const protectedRoutes = policy && policy.target.routes.length > 0 ? new Set(policy.target.routes.map(r => r.routeName)) : undefined;
  const selected = new Set(policy?.selectedKeys.map(k => `${k.namespace}/${k.secretName}`) ?? []);

  const lines = [
    `| team | ${routes.map(r => cell(r.name)).join(' | ')} | headers set | client copies | key expiry |`,
    `| --- | ${routes.map(() => '---').join(' | ')} | --- | --- | --- |`,
  ];
  for (const spec of teams) {
    const keys = activeKeys(spec, now);
    const accepted = keys.some(k => selected.has(`${spec.namespace}/${k.secretName}`));
    const access = routes.map(route => {
      if (!policy || (protectedRoutes && !protectedRoutes.has(route.name))) return 'open (no key needed)';
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
