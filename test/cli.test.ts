import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The compiled CLI, run as a user would (lib/ is built by the global setup).
const ROOT = join(__dirname, '..');
const EXAMPLE = join(ROOT, 'examples', 'gitops');

function cli(args: string[], options: { cwd?: string; input?: string } = {}) {
  const result = spawnSync(process.execPath, [join(ROOT, 'lib', 'cli.js'), ...args], { cwd: options.cwd ?? ROOT, input: options.input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `agw-cli-${prefix}-`));

describe('agentgateway-constructs CLI', () => {
  test('the example GitOps repo: committed output equals a fresh synth (`check`, as its CI step runs it)', () => {
    const result = cli(['check', 'gateway.yaml', '--out', 'manifests'], { cwd: EXAMPLE });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('manifests is up to date with gateway.yaml (4 files)');
    expect(result.status).toBe(0);
  });

  test('synth writes sorted files, and on the next synth removes its own stale files only', () => {
    const repo = tmp('repo');
    cpSync(join(EXAMPLE, 'gateway.yaml'), join(repo, 'gateway.yaml'));
    writeFileSync(join(repo, 'gateway.yaml'), readFileSync(join(repo, 'gateway.yaml'), 'utf8').replace('$schema: ../../schema/gateway-config.schema.json\n', ''));
    expect(cli(['synth', 'gateway.yaml', '--out', 'out'], { cwd: repo }).stdout).toBe('wrote 4 files to out\n');
    writeFileSync(join(repo, 'out', 'README.md'), 'not ours\n');

    // Remove the research team: its file goes, the file synth never wrote stays.
    const config = readFileSync(join(repo, 'gateway.yaml'), 'utf8');
    writeFileSync(join(repo, 'gateway.yaml'), config.replace(/  - team: research[\s\S]*?(?=  - team: contractors)/, ''));
    expect(cli(['synth', 'gateway.yaml', '--out', 'out'], { cwd: repo }).stdout).toBe('wrote 3 files to out, removed 1 stale: teams/research.yaml\n');
    expect(readdirSync(join(repo, 'out', 'teams'))).toEqual(['platform.yaml']);
    expect(existsSync(join(repo, 'out', 'README.md'))).toBe(true);
  });

  test('an empty, null or comment-only config is an error and removes nothing; check fails on an extra file', () => {
    const repo = tmp('empty');
    cpSync(EXAMPLE, repo, { recursive: true });
    for (const text of ['', 'null\n', '# nothing yet\n']) {
      writeFileSync(join(repo, 'empty.yaml'), text);
      const result = cli(['synth', 'empty.yaml', '--out', 'manifests'], { cwd: repo });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('empty.yaml:1:1: (config): expected at least one route in `routes` or team in `teams`');
    }
    expect(readdirSync(join(repo, 'manifests', 'teams'))).toEqual(['platform.yaml', 'research.yaml']);
    writeFileSync(join(repo, 'manifests', 'teams', 'backdoor.yaml'), 'kind: Secret\n');
    const check = cli(['check', 'gateway.yaml', '--out', 'manifests'], { cwd: repo });
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('extra: teams/backdoor.yaml (synth did not produce it; it would reach the cluster)');
    expect(check.stdout).toContain('manifests is out of date (0 changed, 0 missing, 1 extra)');
  });

  test('check fails with a readable diff when the committed output is out of date', () => {
    const repo = tmp('drift');
    cpSync(EXAMPLE, repo, { recursive: true });
    writeFileSync(join(repo, 'gateway.yaml'), readFileSync(join(repo, 'gateway.yaml'), 'utf8').replace('x-org: platform', 'x-org: platform-team'));
    const result = cli(['check', 'gateway.yaml', '--out', 'manifests'], { cwd: repo });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('--- teams/platform.yaml (committed)');
    expect(result.stdout).toMatch(/^-\s+x-org: platform$/m);
    expect(result.stdout).toMatch(/^\+\s+x-org: platform-team$/m);
    expect(result.stdout).toContain('manifests is out of date (2 changed, 0 missing, 0 extra): run `agentgateway-constructs synth gateway.yaml --out manifests`');
  });

  test('check never prints key material, even when literal keys differ', () => {
    const repo = tmp('keys');
    writeFileSync(join(repo, 'gateway.yaml'), 'settings: { allowPlaintextKeys: true }\nteams: [{ team: t1, key: { literal: fixture_t1_0123456789abcdef0123456789abcdef } }]\n');
    cli(['synth', 'gateway.yaml', '--out', 'out'], { cwd: repo });
    writeFileSync(join(repo, 'gateway.yaml'), 'settings: { allowPlaintextKeys: true }\nteams: [{ team: t1, key: { literal: fixture_t1_fedcba9876543210fedcba9876543210 } }]\n');
    const result = cli(['check', 'gateway.yaml', '--out', 'out'], { cwd: repo });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('changed: secret.yaml differs only in key material (not shown)');
    expect(result.stdout + result.stderr).not.toMatch(/fixture_t1|Zml4dHVyZV90M/);
  });

  test('a bad config fails with every problem at file:line:column, writes nothing, shows no key', () => {
    const repo = tmp('bad');
    writeFileSync(join(repo, 'gateway.yaml'), [
      'routes:',
      '  - provider: openai',
      '    requestTimeout: two minutes',
      'teams:',
      '  - team: Team_1',
      '    key: { literal: fixture-bad-key }',
    ].join('\n'));
    const result = cli(['synth', 'gateway.yaml', '--out', 'out'], { cwd: repo });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('gateway.yaml:3:21: routes[0].requestTimeout: expected a Gateway API duration');
    expect(result.stderr).toContain('gateway.yaml:5:11: teams[0].team: expected a DNS-1123 label');
    expect(result.stderr).not.toContain('fixture-bad-key');
    expect(existsSync(join(repo, 'out'))).toBe(false);
  });

  test('keygen prints a key and its hash; hash reads the key from stdin and agrees', () => {
    const generated = cli(['keygen', '--team', 'team1']).stdout;
    const [, key] = /^key: {2}(team1_[A-Za-z0-9_-]{43})$/m.exec(generated)!;
    const [, hash] = /^hash: (sha256:[0-9a-f]{64})$/m.exec(generated)!;
    expect(cli(['hash'], { input: key }).stdout.trim()).toBe(hash);
    expect(cli(['hash'], { input: 'team1-key\n' }).stdout.trim()).toBe('sha256:12296e5c1a6a4de5b7fdaab1f63d8a563ca81c3f1cff3f8b9dd542eff8b97607');
  });

  test('matrix shows who can call which route, with headers and expiry', () => {
    expect(cli(['matrix', join(EXAMPLE, 'gateway.yaml')]).stdout).toBe([
      '| team | openai | anthropic | headers set | client copies | key expiry |',
      '| --- | --- | --- | --- | --- | --- |',
      '| platform | allowed | allowed | x-org: platform | dropped before auth: x-org | never |',
      '| research | allowed | allowed | x-org: research | dropped before auth: x-org | 2099-01-01T00:00:00.000Z; next key from 2098-12-01T00:00:00.000Z |',
      '| contractors | revoked: contract ended | revoked: contract ended | x-org: contractors | dropped before auth: x-org | - |',
      '',
    ].join('\n'));
  });

  test('matrix --json gives the same decisions as data', () => {
    const rows = JSON.parse(cli(['matrix', '--json', join(EXAMPLE, 'gateway.yaml')]).stdout);
    expect(rows.map((r: { team: string; routes: Record<string, string>; budgets: unknown[] }) => [r.team, r.routes.openai, r.budgets])).toEqual([
      ['platform', 'allowed', []], ['research', 'allowed', []], ['contractors', 'revoked: contract ended', []],
    ]);
  });

  test('--help shows examples', () => {
    const help = cli(['--help']).stdout;
    expect(help).toContain('Examples:');
    expect(help).toContain('agentgateway-constructs check gateway.yaml --out manifests');
    expect(cli(['synth', '--help']).stdout).toContain('$ agentgateway-constructs synth gateway.yaml --out manifests --layout byTeam');
  });

  test('`cdk8s synth` reads the config named by AGW_CONFIG', () => {
    const outdir = tmp('cdk8s');
    const result = spawnSync(process.execPath, ['lib/main.js'], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, AGW_CONFIG: join(EXAMPLE, 'gateway.yaml'), CDK8S_OUTDIR: outdir },
    });
    expect(result.stderr).toBe('');
    expect(readdirSync(outdir).sort()).toEqual(['api-key-auth.k8s.yaml', 'llm-route.k8s.yaml']);
  });
});
