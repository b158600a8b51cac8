import { createHash } from 'node:crypto';
import { App, Chart } from 'cdk8s';
import {
  GatewayAuthPolicy, GatewayAuthPolicyOptions, GatewayRef, KeySelection, LlmProvider, LlmRoute, LlmRouteOptions, Manifest,
  SecretValue, TeamApiKey, TeamApiKeyOptions, configureSynth, renderGatewayAuthPolicy, renderLlmRoute,
  renderTeamApiKey, resolveGatewayAuthPolicy, resolveLlmRoute, resolveTeamApiKey, teamApiKeyRefs,
} from '../src';

/** The clock of every benchmark run, so runs are identical. */
export const BENCH_NOW = new Date('2026-11-27T00:00:00Z');

/**
 * A strong, deterministic key per team (benchmarks must not print thousands of weak-key warnings), made once per
 * team outside the timed runs: key generation is not the library's work.
 */
const keyTexts: string[] = [];
function benchKey(index: number): SecretValue {
  for (let i = keyTexts.length; i <= index; i++) keyTexts.push(`team-${i}_${createHash('sha256').update(`bench:${i}`).digest('base64url')}`);
  return SecretValue.unsafePlainText(keyTexts[index]);
}

/** Makes the keys of `teams` teams ahead of the timed runs. */
export function prepareKeys(teams: number): void {
  if (teams > 0) benchKey(teams - 1);
}

const gateway = new GatewayRef();
const labels = { 'api-key-group': 'llm-users' };

/** The benchmark's declarations: `teams` teams (a key, metadata, labels each) selected by label, 3 provider routes. */
function declarations(teams: number) {
  const routes: [string, LlmRouteOptions][] = [
    ['OpenAi', { gateway, provider: LlmProvider.openai() }],
    ['Anthropic', { gateway, provider: LlmProvider.anthropic({ model: 'claude-sonnet-4-5' }) }],
    ['Gemini', { gateway, provider: LlmProvider.gemini() }],
  ];
  const keys: TeamApiKeyOptions[] = [];
  for (let i = 0; i < teams; i++) {
    const team = `team-${i}`;
    keys.push({ team, key: benchKey(i), metadata: { 'x-org': `org-${i % 100}` }, labels });
  }
  const policy: GatewayAuthPolicyOptions = {
    gateway, keySelection: KeySelection.labelSelector(labels), headersFromMetadata: [{ header: 'x-org' }],
  };
  return { routes, keys, policy };
}

/** The benchmark app, with the library's cdk8s constructs. Charts: `routes`, `keys`. */
export function buildScaleApp(teams: number, outdir?: string): App {
  const app = new App({ outdir });
  configureSynth(app, { now: BENCH_NOW, warn: () => undefined, allowPlaintextKeys: true }); // the benchmark's fixture keys are literal
  const { routes, keys, policy } = declarations(teams);
  const routeChart = new Chart(app, 'routes');
  for (const [id, options] of routes) new LlmRoute(routeChart, id, options);
  const keyChart = new Chart(app, 'keys');
  for (const options of keys) new TeamApiKey(keyChart, options.team, options);
  new GatewayAuthPolicy(keyChart, 'ApiKeyAuth', policy);
  return app;
}

/** The same manifests from the framework-free core alone, per chart: the input of the baselines. */
export function scenarioManifests(teams: number): Map<string, Manifest[]> {
  const { routes, keys, policy } = declarations(teams);
  const teamSpecs = keys.map(options => resolveTeamApiKey(options));
  const keyRefs = teamSpecs.flatMap(spec => teamApiKeyRefs(spec.team, spec, BENCH_NOW));
  return new Map([
    ['routes', routes.flatMap(([, options]) => renderLlmRoute(resolveLlmRoute(options)))],
    ['keys', [
      ...teamSpecs.flatMap(spec => renderTeamApiKey(spec, BENCH_NOW)),
      ...renderGatewayAuthPolicy(resolveGatewayAuthPolicy(policy, [], keyRefs)),
    ]],
  ]);
}

/** The same declarations as a GitOps config file (YAML), for the config adapter: what `synth gateway.yaml` reads. */
export function scenarioConfigText(teams: number): string {
  const lines = [
    'settings: { now: "2026-11-27T00:00:00Z", allowPlaintextKeys: true }',
    'routes:',
    '  - { provider: openai, name: openai }',
    '  - { provider: anthropic, name: anthropic, options: { model: claude-sonnet-4-5 } }',
    '  - { provider: gemini, name: gemini }',
    'auth: { keySelection: { labels: { api-key-group: llm-users } }, headersFromMetadata: [{ header: x-org }] }',
    'teams:',
  ];
  for (let i = 0; i < teams; i++) {
    lines.push(`  - { team: team-${i}, key: { literal: "${benchKey(i).unsafeUnwrap()}" }, metadata: { x-org: org-${i % 100} } }`);
  }
  return `${lines.join('\n')}\n`;
}
