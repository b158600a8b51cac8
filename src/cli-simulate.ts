// The `simulate` command: what the gateway does with a request, from manifests or a config file, offline.
import { readFileSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { RFC3339_EXPECTED, parseRfc3339 } from './core/time';

type SimulateModule = typeof import('./simulate');

/** The simulator, loaded only by this command. */
function simulateModule(): SimulateModule {
  return require('./simulate') as SimulateModule;
}

/** Manifest parsing shared with `validate`: Lists unwrapped, no symlink loops or FIFOs, errors that never quote the source. */
function manifestLoading(): typeof import('./validate/load') {
  return require('./validate/load') as typeof import('./validate/load');
}

/** The objects of a YAML text that are Kubernetes objects (a `kind`); anything else is ignored. */
function parseManifests(text: string, file: string): Record<string, unknown>[] {
  return manifestLoading().parseObjects(text, file).filter(o => o !== null && typeof o === 'object' && 'kind' in o);
}

/**
 * The manifests to simulate against: a folder of YAML (synth output, `cdk8s synth`'s dist/, hand-written), a
 * manifest file, or a config file (planned in memory as `synth` would, nothing written).
 */
export function loadSimulationManifests(source: string): Record<string, unknown>[] {
  if (statSync(source).isDirectory()) {
    return manifestLoading().yamlFiles([source]).flatMap(file => parseManifests(readFileSync(file, 'utf8'), file));
  }
  const text = readFileSync(source, 'utf8');
  const first = manifestLoading().parseObjects(text, source)[0] as Record<string, unknown> | null | undefined;
  if (first && typeof first === 'object' && !('kind' in first) && ('routes' in first || 'teams' in first || 'auth' in first)) {
    const { loadConfig, planConfig } = require('./config') as typeof import('./config');
    const { canonicalManifest } = require('./core') as typeof import('./core');
    return planConfig(loadConfig(source)).plan.manifests.map(({ manifest }) => canonicalManifest(manifest) as unknown as Record<string, unknown>);
  }
  return parseManifests(text, source);
}

interface SimulateOptions {
  method: string; path?: string; host?: string; header?: string[]; model?: string; time?: string; gateway?: string;
  keyEnv?: string; keyStdin?: boolean; keyOf?: string; json?: boolean; expect?: string; count?: string;
}

/** Adds `simulate` to the CLI. Keys come from `--key-env` or `--key-stdin`, never an argument, and are never printed. */
export function addSimulateCommand(program: Command, readStdin: () => Promise<string>): void {
  program.command('simulate')
    .description('what the gateway does with a request: route, auth decision and team, upstream headers, backend (offline)')
    .argument('<source>', 'a folder or file of manifests, or the YAML config file')
    .option('--path <path>', 'request path with optional query, e.g. /openai/v1/chat/completions')
    .addOption(new Option('--method <method>', 'HTTP method (the library\'s DEFAULT_METHOD)').default('POST'))
    .option('--host <host>', 'Host header (routes with hostnames need it)')
    .option('-H, --header <name:value>', 'a client header, repeatable (a spoofed x-org, say)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--model <model>', 'the model the client asks for')
    .option('--time <rfc3339>', 'when the request is sent (a deployed key past its not-after annotation is accepted, with a warning)')
    .option('--gateway <namespace/name>', 'the Gateway, when the routes attach to several')
    .option('--key-env <NAME>', 'read the client key from this environment variable')
    .option('--key-stdin', 'read the client key from standard input')
    .option('--key-of <secret>', 'present the key held in this Secret or ConfigMap ([namespace/]name) without knowing it: a stand-in (a key from a secret store or SealedSecret is assumed valid)')
    .option('--count <n>', 'the request is the n-th of a burst from the same client: does a request limit answer 429?')
    .option('--json', 'print the result as JSON')
    .option('--expect <file.yaml>', 'run a table of requests and expected outcomes; exit 1 when one is not met')
    .addHelpText('after', `
Examples:
  $ agentgateway-constructs simulate manifests --path /openai/v1/chat/completions                 # no key: 401
  $ TEAM1_KEY=... agentgateway-constructs simulate manifests --path /openai/v1/chat/completions --key-env TEAM1_KEY -H 'x-org: finance'
  $ agentgateway-constructs simulate gateway.yaml --path /anthropic/v1/messages --key-of platform-apikey --json
  $ agentgateway-constructs simulate gateway.yaml --path /openai/v1/chat/completions --key-of research-apikey --count 61
  $ agentgateway-constructs simulate manifests --expect expectations.yaml`)
    .action(async (source: string, options: SimulateOptions) => {
      const sim = simulateModule();
      const manifests = loadSimulationManifests(source) as import('./simulate').PlainManifest[];
      if (options.expect) {
        const results = sim.runExpectations(manifests, sim.parseExpectations(readFileSync(options.expect, 'utf8'), options.expect), process.env);
        process.stdout.write(options.json
          ? `${JSON.stringify(results.map(({ name, passed, failures }) => ({ name, passed, failures })), null, 2)}\n`
          : sim.formatExpectationResults(results));
        if (results.some(r => !r.passed)) process.exitCode = 1;
        return;
      }
      if (!options.path) throw new Error('--path: expected the request path, e.g. --path /openai/v1/chat/completions (or --expect file.yaml)');
      const sources = [options.keyEnv !== undefined, options.keyStdin === true, options.keyOf !== undefined].filter(Boolean).length;
      if (sources > 1) throw new Error('expected at most one of --key-env, --key-stdin and --key-of');
      let key: string | undefined;
      if (options.keyEnv !== undefined) {
        key = process.env[options.keyEnv];
        if (!key) throw new Error(`--key-env: expected the environment variable ${options.keyEnv} to hold a key, got ${key === undefined ? 'no such variable' : 'an empty value'}`);
      } else if (options.keyStdin) {
        key = (await readStdin()).trim();
        if (!key) throw new Error('--key-stdin: expected a key on standard input, got nothing');
      }
      const headers: Record<string, string> = {};
      for (const h of options.header ?? []) {
        const colon = h.indexOf(':');
        // Not quoted: a mistyped header can be the key's (`-H "Authorization Bearer ..."`).
        if (colon <= 0) throw new Error(`--header: expected "name: value", got a header without ":" (not shown)`);
        headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
      }
      let time: Date | undefined;
      if (options.time !== undefined) {
        // Offset required: a local time would compare against not-after differently on each machine.
        time = parseRfc3339(options.time);
        if (!time) throw new Error(`--time: expected ${RFC3339_EXPECTED}, got ${JSON.stringify(options.time)}`);
      }
      let count: number | undefined;
      if (options.count !== undefined) {
        count = Number(options.count);
        if (!/^\d+$/.test(options.count) || count < 1) throw new Error(`--count: expected a whole number from 1 (the request's position in a burst), got ${JSON.stringify(options.count)}`);
      }
      const result = sim.simulateRequest(manifests, {
        method: options.method, path: options.path, host: options.host, headers, model: options.model, time,
        gateway: options.gateway, key, keyOf: options.keyOf, ...(count !== undefined ? { count } : {}),
      });
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : sim.formatSimulation(result));
    });
}
