// `npm run bench`: synth time and peak RSS per size against two baselines, and the default app's cold synth.
// Ratios come from runs in the same process; nothing here is a pass/fail test.
import { execFileSync, spawnSync } from 'node:child_process';
import type { Variant } from './measure';
import { scenarioConfigText, prepareKeys } from './scenario';
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const MEASURE = join(__dirname, 'measure.js');

interface SizeResult {
  teams: number; runs: number; objects: number;
  medianMs: Record<Variant, number>;
  /** Every run's time; run `i` of each variant belongs to the same round. */
  allMs: Record<Variant, number[]>;
}

function node(args: string[]): string {
  const result = spawnSync(process.execPath, ['--max-old-space-size=4096', '--expose-gc', ...args], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout.trim().split('\n').pop()!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The median of the per-round ratios `a[i] / b[i]`: each round runs both back to back, so a slower stretch of a shared
 * machine moves both sides of a ratio rather than one median.
 */
function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, i) => value / b[i]));
}

/** Wall time of one run of a whole command in a fresh process (cold). */
function coldRunMs(command: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const outdir = mkdtempSync(join(tmpdir(), 'agw-cold-'));
  const start = performance.now();
  execFileSync(command, args, { cwd: ROOT, stdio: 'pipe', env: { ...process.env, CDK8S_OUTDIR: outdir, ...env } });
  const ms = performance.now() - start;
  rmSync(outdir, { recursive: true, force: true });
  return ms;
}

/** Wall time of a whole command, median of `runs`, each in a fresh process (cold). */
function coldMs(command: string, args: string[], runs: number, env: NodeJS.ProcessEnv = {}): number {
  return median(Array.from({ length: runs }, () => coldRunMs(command, args, env)));
}

/** Rounds of cold runs, each round running every command once in turn: each command's times, by name. */
function coldRounds(commands: Record<string, [string, string[]]>, rounds: number): Record<string, number[]> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map(name => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, [command, args]] of Object.entries(commands)) times[name].push(coldRunMs(command, args));
  }
  return times;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

function runCli(args: string[]): number {
  return spawnSync(process.execPath, [join(ROOT, 'lib', 'cli.js'), ...args], { cwd: ROOT, stdio: 'ignore' }).status ?? -1;
}

/** Wall time of one CLI command in a fresh process; `expect` is its exit code. */
function cliRunMs(args: string[], expect: number): number {
  const start = performance.now();
  const status = runCli(args);
  const ms = performance.now() - start;
  if (status !== expect) throw new Error(`${args.join(' ')} exited ${status}, expected ${expect}`);
  return ms;
}

/** Peak RSS of one CLI `synth` of `teams` teams, in MiB, measured inside the process (`bench/peak-rss.ts`). */
function cliPeakRssMiB(teams: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'agw-rss-'));
  prepareKeys(teams);
  writeFileSync(join(dir, 'gateway.yaml'), scenarioConfigText(teams));
  const result = spawnSync(process.execPath, ['-r', join(__dirname, 'peak-rss.js'), join(ROOT, 'lib', 'cli.js'), 'synth', join(dir, 'gateway.yaml'), '--out', join(dir, 'out')],
    { cwd: ROOT, encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  const kib = Number(/peak-rss-kib=(\d+)/.exec(result.stderr)?.[1]);
  if (result.status !== 0 || !kib) throw new Error(`synth of ${teams} teams failed:\n${result.stderr}`);
  return kib / 1024;
}

/** `synth`, `check` with one team changed and `validate` of a config of `teams` teams, in `rounds` rounds. */
function cliRow(teams: number, rounds: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'agw-cli-bench-'));
  prepareKeys(teams);
  const text = scenarioConfigText(teams);
  const config = join(dir, 'gateway.yaml');
  const out = join(dir, 'out');
  const changed = text.replace('x-org: org-5 }', 'x-org: org-changed }');
  writeFileSync(config, text);
  runCli(['synth', config, '--out', out]);
  const objects = Number(/validated (\d+) objects/.exec(execFileSync(process.execPath, [join(ROOT, 'lib', 'cli.js'), 'validate', out], { cwd: ROOT, encoding: 'utf8' }))?.[1]); // also fills the validator cache
  const synth: number[] = [];
  const check: number[] = [];
  const validate: number[] = [];
  for (let round = 0; round < rounds; round++) {
    writeFileSync(config, text);
    rmSync(out, { recursive: true, force: true });
    synth.push(cliRunMs(['synth', config, '--out', out], 0));
    writeFileSync(config, changed);
    check.push(cliRunMs(['check', config, '--out', out], 1));
    validate.push(cliRunMs(['validate', out], 0));
  }
  rmSync(dir, { recursive: true, force: true });
  return `| ${teams} | ${objects} | ${fmt(median(synth))} | ${fmt(median(check))} | ${pairedRatio(check, synth).toFixed(2)} | `
    + `${fmt(median(validate))} | ${pairedRatio(validate, synth).toFixed(2)} | ${loadavg()[0].toFixed(1)} |`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10,100,1000,10000,50000' },
      'cli-sizes': { type: 'string', default: '10000' },
      'rss-teams': { type: 'string', default: '50000' },
      runs: { type: 'string', default: '7' },
      out: { type: 'string' },
    },
  });
  const sizes = values.sizes!.split(',').map(Number);
  const lines: string[] = [];
  const say = (line = '') => {
    lines.push(line);
    console.log(line);
  };

  say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
  say();
  say('| teams | objects | library | bare cdk8s | plain YAML | library ÷ bare | library ÷ plain | library per team | peak RSS library / bare / plain |');
  say('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const helperRows: string[] = [];
  const configRows: string[] = [];
  for (const teams of sizes) {
    const runs = teams >= 50_000 ? Math.min(3, Number(values.runs)) : Number(values.runs);
    const result = JSON.parse(node([MEASURE, String(teams), String(runs)])) as SizeResult;
    const rss = (['library', 'bareCdk8s', 'plainYaml', 'libraryHelper', 'writer', 'configAdapter'] as const)
      .map(variant => JSON.parse(node([MEASURE, String(teams), '--rss', variant])).peakRssMiB as number);
    const m = result.medianMs;
    const ratio = (a: Variant, b: Variant) => pairedRatio(result.allMs[a], result.allMs[b]);
    say(`| ${teams} | ${result.objects} | ${fmt(m.library)} | ${fmt(m.bareCdk8s)} | ${fmt(m.plainYaml)} | `
      + `${ratio('library', 'bareCdk8s').toFixed(2)} | ${ratio('library', 'plainYaml').toFixed(2)} | `
      + `${((m.library / teams) * 1000).toFixed(0)} µs | ${rss.slice(0, 3).map(r => `${r.toFixed(0)}`).join(' / ')} MiB |`);
    helperRows.push(`| ${teams} | ${fmt(m.libraryHelper)} | ${fmt(m.library)} | ${fmt(m.bareCdk8s)} | `
      + `${ratio('libraryHelper', 'library').toFixed(2)} | ${ratio('libraryHelper', 'bareCdk8s').toFixed(2)} | ${rss[3].toFixed(0)} MiB | `
      + `${fmt(m.writer)} | ${fmt(m.plainYaml)} | ${ratio('writer', 'plainYaml').toFixed(3)} | ${rss[4].toFixed(0)} MiB |`);
    configRows.push(`| ${teams} | ${fmt(m.configAdapter)} | ${fmt(m.bareCdk8s)} | ${ratio('configAdapter', 'bareCdk8s').toFixed(2)} | ${rss[5].toFixed(0)} MiB |`);
  }

  say();
  say('The library\'s own YAML writing, same runs: constructs written with `synthApp(app)` instead of `app.synth()`, '
    + 'and the same manifests serialized with `writeCdk8sYaml` instead of cdk8s\'s `Yaml.stringify` (byte-identical output):');
  say();
  say('| teams | constructs + `synthApp` | constructs + `app.synth()` | bare cdk8s | synthApp ÷ app.synth | synthApp ÷ bare | peak RSS synthApp | writer | `Yaml.stringify` | writer ÷ stringify | peak RSS writer |');
  say('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  helperRows.forEach(row => say(row));

  say();
  say('The config adapter (what `synth gateway.yaml` does before the output folder: parse the YAML config, plan with '
    + 'the core, render the files), same runs, against bare cdk8s synth of the same objects:');
  say();
  say('| teams | config adapter | bare cdk8s | config ÷ bare | peak RSS config |');
  say('| ---: | ---: | ---: | ---: | ---: |');
  configRows.forEach(row => say(row));

  say();
  say('Cold start (median of 5 fresh processes):');
  const app = coldMs(process.execPath, ['lib/main.js'], 5);
  const cdk8sOnly = coldMs(process.execPath, ['-e', "require('cdk8s')"], 5);
  const cli = coldMs(join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--check-upgrade', 'false', '--output', mkdtempSync(join(tmpdir(), 'agw-cli-'))], 3);
  say(`| default app \`node lib/main.js\` | \`node -e "require('cdk8s')"\` | ratio | \`cdk8s synth\` (CLI + app) |`);
  say('| ---: | ---: | ---: | ---: |');
  say(`| ${fmt(app)} | ${fmt(cdk8sOnly)} | ${(app / cdk8sOnly).toFixed(2)} | ${fmt(cli)} |`);

  say();
  say('The CLI as users run it (`node lib/cli.js`, fresh processes, 5 rounds of synth, check, validate; times are medians, ratios '
    + 'the median of the per-round ratios; the load average is printed with each row): `check` with one team\'s metadata '
    + 'changed, and `validate` of the synthesized folder against the CRDs (their compiled validators cached by an earlier '
    + 'run, as after the first `validate` of a project):');
  say();
  say('| teams | objects | `synth` | `check`, one team changed | check ÷ synth | `validate` of the output | validate ÷ synth | load average |');
  say('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const teams of values['cli-sizes']!.split(',').map(Number)) say(cliRow(teams, 5));
  say();
  const example = join(ROOT, 'examples', 'gitops');
  const exampleOut = mkdtempSync(join(tmpdir(), 'agw-example-'));
  runCli(['validate', join(example, 'manifests')]); // fills the validator cache
  const cold = coldRounds({
    bare: [process.execPath, ['-e', '0']],
    synth: [process.execPath, [join(ROOT, 'lib', 'cli.js'), 'synth', join(example, 'gateway.yaml'), '--out', exampleOut]],
    validate: [process.execPath, [join(ROOT, 'lib', 'cli.js'), 'validate', join(example, 'manifests')]],
  }, 9);
  const aboveBare = (name: string) => median(cold[name].map((ms, i) => ms - cold.bare[i]));
  say('Cold runs of the example (9 rounds of `node -e 0`, synth, validate, each in a fresh process; medians, and the '
    + 'median of the per-round differences from `node -e 0`: the fixed start-up):');
  say();
  say('| cold `synth` of examples/gitops | cold `validate` of its manifests | `node -e 0` | synth − `node -e 0` | validate − `node -e 0` | load average |');
  say('| ---: | ---: | ---: | ---: | ---: | ---: |');
  say(`| ${fmt(median(cold.synth))} | ${fmt(median(cold.validate))} | ${fmt(median(cold.bare))} | ${fmt(aboveBare('synth'))} | `
    + `${fmt(aboveBare('validate'))} | ${loadavg()[0].toFixed(1)} |`);

  const rssTeams = Number(values['rss-teams']);
  if (rssTeams > 0) {
    say();
    const peaks = [1, 2, 3].map(() => cliPeakRssMiB(rssTeams));
    say(`CLI \`synth\` of ${rssTeams} teams, peak RSS of 3 fresh processes: ${peaks.map(p => `${p.toFixed(0)} MiB`).join(', ')}.`);
  }

  if (values.out) {
    const file = join(ROOT, values.out);
    const text = readFileSync(file, 'utf8');
    const start = '<!-- bench:start -->';
    const end = '<!-- bench:end -->';
    const stamped = [`Run on ${new Date().toISOString().slice(0, 10)} with \`npm run bench -- ${process.argv.slice(2).join(' ')}\`.`, '', ...lines];
    writeFileSync(file, `${text.slice(0, text.indexOf(start) + start.length)}\n${stamped.join('\n')}\n${text.slice(text.indexOf(end))}`);
  }
}

main();
