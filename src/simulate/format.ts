import { SimulationResult } from './simulate';

/** The result as a short review text: status, route, auth, upstream headers, backend, then warnings and caveats. */
export function formatSimulation(result: SimulationResult): string {
  const lines = [`${result.status} ${result.outcome}: ${result.reason}`];
  if (result.gateway) lines.push(`  gateway: ${result.gateway}${result.listener ? `, listener ${result.listener}` : ''}`);
  if (result.route) {
    lines.push(`  route: HTTPRoute ${result.route.httpRoute} rule ${result.route.rule} match ${result.route.match} (key ${result.route.key}${result.route.hostname ? `, hostname ${result.route.hostname}` : ''})`);
  }
  const a = result.auth;
  lines.push(`  auth: ${a.mode}${a.policy ? ` (${a.policy})` : ''}: ${a.decision}`);
  if (a.identity) {
    const meta = Object.entries(a.identity.metadata).map(([k, v]) => `${k}=${v}`).join(', ');
    lines.push(`  team: ${a.identity.source}${meta ? ` [${meta}]` : ''}`);
  }
  if (result.headerSteps.length > 0) {
    lines.push('  header steps:');
    for (const s of result.headerSteps) lines.push(`    - ${s}`);
  }
  if (result.upstreamHeaders) {
    lines.push('  upstream headers:');
    for (const [k, v] of Object.entries(result.upstreamHeaders)) lines.push(`    ${k}: ${v}`);
  }
  for (const b of result.backends) {
    lines.push(`  backend: ${b.ref}${b.weight !== undefined ? ` (weight ${b.weight})` : ''}${b.found ? '' : ' (not in the manifests)'}`);
    if (b.provider) lines.push(`    provider: ${b.provider}`);
    if (b.model !== undefined) lines.push(`    model: ${b.model}${b.modelOverride ? ' (the backend overrides the request\'s model)' : ''}`);
    if (b.credential) lines.push(`    credential: ${b.credential}`);
  }
  const rl = result.rateLimits;
  if (rl) {
    if (rl.limits.length === 0) lines.push('  rate limits: none apply');
    else lines.push(`  rate limits${rl.count !== undefined ? ` (request ${rl.count} of a burst)` : ''}:`);
    for (const l of rl.limits) {
      const verdict = l.exceeded === undefined ? '' : l.exceeded ? ' -> 429' : ' -> within';
      lines.push(`    - ${l.summary}${verdict}`);
      lines.push(`      from ${l.source} (${l.attachment}-targeted)${l.condition !== undefined ? ` when ${l.condition}` : ''}`);
      lines.push(`      bucket: ${l.bucket}`);
    }
    if (rl.skipped.length > 0) {
      lines.push('  SKIPPED limits (the gateway skips these without a word):');
      for (const s of rl.skipped) lines.push(`    - ${s.source}: ${s.reason}`);
    }
  }
  if (result.warnings.length > 0) {
    lines.push('  WARNINGS:');
    for (const w of result.warnings) lines.push(`    - ${w}`);
  }
  if (result.notes.length > 0) {
    lines.push('  notes:');
    for (const n of result.notes) lines.push(`    - ${n}`);
  }
  return `${lines.join('\n')}\n`;
}
