// Runs an expectations table against a real agentgateway binary and compares with simulate's answers.
// Not part of `npm test`: `AGW_BIN=/path/to/agentgateway npm run e2e:gateway [-- <config|manifests> <expectations.yaml>]`.
// Without arguments it uses a built-in demo (two providers, three teams, access rules, budgets).
// The built-in-mode output is translated to standalone configuration (src/simulate/standalone.ts), the gateway is
// started on localhost against a mock provider (a tiny HTTP server here), and every row is sent for real.

import { spawn, ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, request as httpRequest, Server } from 'node:http';
import { AddressInfo, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadSimulationManifests } from '../src/cli-simulate';
import {
  Expectation, PlainManifest, builtInKeys, nsOf, parseExpectations, runExpectations, toStandaloneConfig,
} from '../src/simulate';

const PROVIDER_KEY = 'mock-provider-key';

const DEMO_KEYS: Record<string, string> = {
  DEMO_RESEARCH_KEY: 'demo-research-key-not-a-secret-0001',
  DEMO_SUPPORT_KEY: 'demo-support-key-not-a-secret-00002',
  DEMO_PLATFORM_KEY: 'demo-platform-key-not-a-secret-0003',
};

const DEMO_CONFIG = `settings: { allowPlaintextKeys: true }
routes:
  - { provider: openai }
  - { provider: anthropic, options: { model: claude-3-5-haiku-latest } }
auth: { mode: builtIn, headerName: vanity-auth, headersFromMetadata: [{ header: x-org }] }
teams:
  - { team: research, key: { env: DEMO_RESEARCH_KEY }, metadata: { x-org: research } }
  - { team: support, key: { env: DEMO_SUPPORT_KEY }, metadata: { x-org: support }, budgets: [{ requests: 3, unit: Minutes }], access: { routes: [openai] } }
  - { team: platform, key: { env: DEMO_PLATFORM_KEY }, metadata: { x-org: platform } }
`;

const DEMO_EXPECTATIONS = `expectations:
  - name: no key is rejected
    request: { method: POST, path: /openai/v1/chat/completions }
    expect: { status: 401 }
  - name: an unknown key is rejected
    request: { method: POST, path: /openai/v1/chat/completions, headers: { vanity-auth: not-a-key } }
    expect: { status: 401 }
  - name: research reaches OpenAI as research; a spoofed x-org does not survive
    request: { method: POST, path: /openai/v1/chat/completions, keyEnv: DEMO_RESEARCH_KEY, headers: { x-org: platform } }
    expect: { status: 200, upstreamHeaders: { x-org: research, vanity-auth: null } }
  - name: research reaches Anthropic
    request: { method: POST, path: /anthropic/v1/messages, keyEnv: DEMO_RESEARCH_KEY }
    expect: { status: 200, upstreamHeaders: { x-org: research } }
  - name: support may not use Anthropic
    request: { method: POST, path: /anthropic/v1/messages, keyEnv: DEMO_SUPPORT_KEY }
    expect: { status: 403 }
  - name: support reaches OpenAI
    request: { method: POST, path: /openai/v1/chat/completions, keyEnv: DEMO_SUPPORT_KEY }
    expect: { status: 200, upstreamHeaders: { x-org: support } }
  - name: an unrouted path
    request: { method: POST, path: /gemini/v1/models, keyEnv: DEMO_PLATFORM_KEY }
    expect: { status: 404 }
`;

interface Received { readonly path: string; readonly headers: IncomingHttpHeaders }

/** A provider stand-in: answers any path in the OpenAI or Anthropic shape and remembers the last request. */
function startMockProvider(): Promise<{ server: Server; port: number; last: () => Received | undefined; reset: () => void }> {
  let last: Received | undefined;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      last = { path: req.url ?? '', headers: req.headers };
      const anthropic = (req.url ?? '').includes('/messages');
      const body = anthropic
        ? { id: 'msg_mock', type: 'message', role: 'assistant', model: 'mock', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 1 } }
        : { id: 'chatcmpl-mock', object: 'chat.completion', created: 0, model: 'mock', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve({
    server, port: (server.address() as AddressInfo).port, last: () => last, reset: () => { last = undefined; },
  })));
}

function freePort(): Promise<number> {
  return new Promise(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 20000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`agentgateway exited with code ${child.exitCode} before listening`);
    const open = await new Promise<boolean>(resolve => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`agentgateway did not listen on port ${port} within ${timeoutMs / 1000}s`);
}

function send(port: number, method: string, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Where the built-in policy reads the key: `[header, prefix]`. */
function keyLocation(manifests: readonly PlainManifest[]): [string, string] {
  const policy = manifests.find(m => m.spec?.traffic?.apiKeyAuthentication);
  const header = policy?.spec.traffic.apiKeyAuthentication.location?.header;
  return header ? [String(header.name).toLowerCase(), header.prefix ?? ''] : ['authorization', 'Bearer '];
}

/** The key text for a row: from its environment variable, or the named Secret's plaintext key (hashed ones are unknown). */
function keyFor(row: Expectation, manifests: readonly PlainManifest[], env: NodeJS.ProcessEnv): string | undefined {
  if (row.request.keyEnv) return env[row.request.keyEnv];
  if (!row.request.keyOf) return undefined;
  const policy = manifests.find(m => m.spec?.traffic?.apiKeyAuthentication);
  if (!policy) return undefined;
  const holder = row.request.keyOf.includes('/') ? row.request.keyOf : `${nsOf(policy)}/${row.request.keyOf}`;
  return builtInKeys(manifests, policy.spec.traffic.apiKeyAuthentication, nsOf(policy)).find(k => k.holder === holder)?.key;
}

async function main(): Promise<number> {
  const bin = process.env.AGW_BIN;
  if (!bin) {
    process.stdout.write('AGW_BIN is not set: no agentgateway binary, so nothing runs against a real gateway (exit 0).\n'
      + 'Set AGW_BIN=/path/to/agentgateway (a release binary from github.com/agentgateway/agentgateway) to compare simulate with it.\n');
    return 0;
  }
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    process.stdout.write(`AGW_BIN=${bin} is not an executable file: no agentgateway binary to run (exit 0).\n`);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'agw-e2e-'));
  const [sourceArg, expectationsArg] = process.argv.slice(2);
  const env: NodeJS.ProcessEnv = sourceArg ? process.env : { ...process.env, ...DEMO_KEYS };
  let source = sourceArg;
  let expectationsFile = expectationsArg;
  if (!source) {
    source = join(dir, 'gateway.yaml');
    expectationsFile = join(dir, 'expectations.yaml');
    writeFileSync(source, DEMO_CONFIG);
    writeFileSync(expectationsFile, DEMO_EXPECTATIONS);
    Object.assign(process.env, DEMO_KEYS); // synthesis reads `key: { env }`
  }
  if (!expectationsFile) throw new Error('expected <config|manifests> <expectations.yaml>, got only one argument');
  const manifests = loadSimulationManifests(source) as unknown as PlainManifest[];
  const rows = parseExpectations(readFileSync(expectationsFile, 'utf8'), expectationsFile);
  const simulated = runExpectations(manifests, rows, env);
  const mock = await startMockProvider();
  const port = await freePort();
  const { config, untranslated } = toStandaloneConfig(manifests, { port, upstream: `127.0.0.1:${mock.port}`, providerKey: PROVIDER_KEY });
  for (const u of untranslated) process.stdout.write(`not translated: ${u}\n`);
  const configFile = join(dir, 'agentgateway.yaml');
  // Holds the teams' keys: private to this user, removed at the end, never printed.
  writeFileSync(configFile, stringify(config), { mode: 0o600 });
  const child = spawn(bin, ['-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', chunk => { stderr = (stderr + String(chunk)).slice(-4000); });
  let different = 0;
  try {
    await waitForPort(port, child);
    const [keyHeader, prefix] = keyLocation(manifests);
    const budgetsUntranslated = untranslated.some(u => u.includes('rateLimit') || u.includes('entRateLimit'));
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const sim = simulated[i].result;
      const label = `${row.name}`;
      if (!sim) { process.stdout.write(`skip ${label}: ${simulated[i].failures.join('; ')}\n`); continue; }
      if (budgetsUntranslated && (row.request.count !== undefined || row.expect.rateLimit)) {
        process.stdout.write(`skip ${label}: depends on rate limits the standalone form does not carry\n`);
        continue;
      }
      const key = keyFor(row, manifests, env);
      if ((row.request.keyEnv || row.request.keyOf) && key === undefined) { process.stdout.write(`skip ${label}: the key is unknown here (hashed or from a secret store)\n`); continue; }
      const headers: Record<string, string> = { ...(row.request.headers ?? {}) };
      if (key !== undefined) headers[keyHeader] = `${prefix}${key}`;
      if (row.request.host) headers.host = row.request.host;
      const body = JSON.stringify({ model: row.request.model ?? 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });
      let status = 0;
      for (let n = 0; n < (row.request.count ?? 1); n++) {
        mock.reset();
        status = await send(port, row.request.method ?? 'POST', row.request.path, headers, body);
      }
      const problems: string[] = [];
      if (status !== sim.status) problems.push(`status: simulate ${sim.status}, gateway ${status}`);
      const upstream = mock.last();
      if (sim.status === 200 && status === 200 && upstream) {
        for (const [name, value] of Object.entries(row.expect.upstreamHeaders ?? {})) {
          const got = upstream.headers[name.toLowerCase()];
          const actual = Array.isArray(got) ? got.join(',') : got;
          if ((value === null && actual !== undefined) || (value !== null && actual !== value)) {
            problems.push(`upstream ${name}: simulate ${value === null ? 'absent' : value}, gateway ${actual === undefined ? 'absent' : key && actual.includes(key) ? '<the key>' : actual}`);
          }
        }
        if (upstream.headers.authorization !== `Bearer ${PROVIDER_KEY}`) problems.push('upstream authorization: the provider key was not swapped in');
      }
      if (problems.length) different++;
      process.stdout.write(`${problems.length ? 'DIFF' : 'same'} ${label}${problems.length ? `\n       ${problems.join('\n       ')}` : ''}\n`);
    }
  } catch (e) {
    // The gateway may echo its configuration: every known key is blanked before anything is printed.
    const keys = [...Object.values(DEMO_KEYS), ...rows.map(r => keyFor(r, manifests, env))].filter((k): k is string => !!k && k.length >= 8);
    // The tail's first line may start inside a key, which a partial key would not match: it is dropped first.
    const tail = stderr.length < 4000 ? stderr : stderr.slice(stderr.indexOf('\n') + 1);
    const shown = keys.reduce((text, k) => text.split(k).join('<redacted>'), tail);
    process.stdout.write(`${(e as Error).message}\n${shown ? `agentgateway stderr (last lines):\n${shown}\n` : ''}`);
    different++;
  } finally {
    child.kill('SIGTERM');
    mock.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(different === 0 ? 'simulate and the real gateway agree on every compared row\n' : `${different} row(s) differ\n`);
  return different === 0 ? 0 : 1;
}

main().then(code => { process.exitCode = code; }, e => { process.stderr.write(`${(e as Error).message}\n`); process.exitCode = 1; });
