#!/usr/bin/env node
// The `agentgateway-constructs` command: a GitOps repo's config file in, reviewable manifests out.

import { Command, Option } from 'commander';
import type { Layout } from './config';
import { crdsOption, runValidateCommand, validateOption, validateOutputIfAsked } from './cli-validate';
import { addSimulateCommand } from './cli-simulate';
// The key commands' own modules, not the core's index: `validate` and `keygen` need no planner (30 ms at start-up).
import { hashKey } from './core/key-storage';
import { generateKey } from './core/key-strength';
import { SecretValue } from './core/secret-value';

/** The config adapter, loaded only by the commands that read a config, so the key commands start fast. */
function configModule(): typeof import('./config') {
  return require('./config') as typeof import('./config');
}

/** Loads, plans and checks a config: every problem at file:line:column, nothing written. */
function plan(configFile: string, layoutOption?: Layout) {
  const { loadConfig, planConfig, renderFiles } = configModule();
  const planned = planConfig(loadConfig(configFile));
  const layout = layoutOption ?? planned.config.config.output?.layout ?? 'byKind';
  return { planned, files: renderFiles(planned, layout, configFile) };
}

/** Longer input on standard input is not a key: stop reading rather than fill memory (`hash < /dev/zero`). */
const MAX_KEY_BYTES = 4096;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total > MAX_KEY_BYTES) throw new Error(`expected a key of at most ${MAX_KEY_BYTES} bytes on standard input, got more`);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Why a key read for `hash` is unusable, never quoting it: whitespace or control characters are pasting accidents. */
export function keyInputProblem(key: string): string | undefined {
  if (key.trim().length === 0) {
    return `expected a key on standard input, got ${key.length === 0 ? 'nothing' : 'only whitespace'}: printf %s "$TEAM1_KEY" | agentgateway-constructs hash`;
  }
  const bad = /[\s\p{Cc}\p{Cf}]/u.exec(key);
  if (bad) {
    const what = bad[0] === '\n' || bad[0] === '\r' ? 'a line break' : /\s/.test(bad[0]) ? 'whitespace' : 'a control character';
    return `expected a key without whitespace or control characters, got ${what} at character ${bad.index + 1} of ${[...key].length} (the key is not shown): pass exactly one key, e.g. printf %s "$TEAM1_KEY"`;
  }
  return undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Why `name` cannot be a team name (the key's prefix and the Secret's name), or undefined. */
export function teamNameProblem(name: string): string | undefined {
  if (DNS_LABEL.test(name)) return undefined;
  return `--team: expected a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters), got ${JSON.stringify(name)}`;
}

export function buildCli(): Command {
  const program = new Command('agentgateway-constructs')
    .description('Per-team vanity API keys for agentgateway: a config file in, Kubernetes manifests out.')
    .showHelpAfterError()
    .addHelpText('after', `
Examples:
  $ agentgateway-constructs keygen --team team1                 # a new key and its hash
  $ agentgateway-constructs synth gateway.yaml --out manifests  # write the manifests
  $ agentgateway-constructs check gateway.yaml --out manifests  # in CI: fail when they are out of date
  $ agentgateway-constructs matrix gateway.yaml                 # who can call which route`);
  const layout = new Option('--layout <layout>', 'one file per resource kind, or per team').choices(['byKind', 'byTeam']);

  program.command('synth')
    .description('write the manifests for a config into a folder synth owns; writes nothing if any check fails, '
      + 'removes only files it wrote before that are no longer produced, never touches files it did not write')
    .argument('<config>', 'the YAML config file')
    .option('--out <dir>', 'output folder (must not hold the config)', 'dist')
    .addOption(layout)
    .option('--adopt', 'take over files synth did not write (or that changed since) at paths it writes or removes')
    .option('--allow-mass-delete', 'allow removing all, or more than half, of the files synth wrote before')
    .addOption(validateOption())
    .addOption(crdsOption())
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs synth gateway.yaml\n  $ agentgateway-constructs synth gateway.yaml --out manifests --layout byTeam')
    .action(async (config: string, options: { out: string; layout?: Layout; validate?: boolean; crds?: string[]; adopt?: boolean; allowMassDelete?: boolean }) => {
      const { files } = plan(config, options.layout);
      validateOutputIfAsked(files, options);
      const { removed, foreign } = await configModule().writeOutputFolder(options.out, files, {
        configFile: config, privateFiles: files.keyMaterial, adopt: options.adopt, allowMassDelete: options.allowMassDelete,
      });
      console.log(`wrote ${files.size} files to ${options.out}${removed.length ? `, removed ${removed.length} stale: ${removed.join(', ')}` : ''}`);
      if (foreign.length) console.error(`warning: ${options.out} holds files synth did not write (left alone; check fails on them): ${foreign.join(', ')}`);
    });

  program.command('check')
    .description('exit non-zero, with a readable diff, when the output folder is not exactly what synth would write: '
      + 'changed, missing or extra files (for CI)')
    .argument('<config>', 'the YAML config file')
    .option('--out <dir>', 'output folder', 'dist')
    .addOption(layout)
    .addOption(validateOption())
    .addOption(crdsOption())
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs check gateway.yaml --out manifests\n  $ agentgateway-constructs check gateway.yaml --out manifests --validate --crds crds.yaml')
    .action((config: string, options: { out: string; layout?: Layout; validate?: boolean; crds?: string[] }) => {
      const { files } = plan(config, options.layout);
      validateOutputIfAsked(files, options);
      const problems = configModule().checkOutputFolder(options.out, files, { configFile: config });
      if (problems.length === 0) {
        console.log(`${options.out} is up to date with ${config} (${files.size} files)`);
        return;
      }
      console.log(problems.join('\n'));
      const count = (what: string) => problems.filter(p => p.startsWith(`${what}:`)).length;
      console.log(`\n${options.out} is out of date (${count('changed')} changed, ${count('missing')} missing, ${count('extra')} extra`
        + `${count('locked') + count('interrupted') ? ', interrupted synth' : ''}): run \`agentgateway-constructs synth ${config} --out ${options.out}\``
        + `${count('extra') ? ', remove the extra files,' : ''} and commit the result`);
      process.exitCode = 1;
    });

  program.command('keygen')
    .description('print a new key (256 random bits, team prefix) and its sha256 hash for hashed-key mode')
    .requiredOption('--team <name>', 'the team the key is for')
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs keygen --team team1')
    .action((options: { team: string }) => {
      const problem = teamNameProblem(options.team);
      if (problem) throw new Error(problem);
      const key = generateKey(options.team);
      console.log(`key:  ${key.unsafeUnwrap()}`);
      console.log(`hash: ${hashKey(key)}`);
    });

  program.command('hash')
    .description('read a key on standard input and print its sha256 hash (keys never go in arguments or shell history)')
    .addHelpText('after', '\nExamples:\n  $ printf %s "$TEAM1_KEY" | agentgateway-constructs hash')
    .action(async () => {
      const key = await readStdin();
      const problem = keyInputProblem(key);
      if (problem) throw new Error(problem);
      console.log(hashKey(SecretValue.unsafePlainText(key)));
    });

  program.command('matrix')
    .description('print a Markdown table of team x route: allowed or not, headers set, key expiry')
    .argument('<config>', 'the YAML config file')
    .option('--json', 'print the matrix as JSON (per team: route access, budgets, model patterns)')
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs matrix gateway.yaml >> "$GITHUB_STEP_SUMMARY"\n  $ agentgateway-constructs matrix --json gateway.yaml')
    .action((config: string, options: { json?: boolean }) => {
      const planned = plan(config).planned;
      process.stdout.write(options.json ? `${JSON.stringify(configModule().accessMatrixJson(planned), null, 2)}\n` : configModule().accessMatrix(planned));
    });

  program.command('schema')
    .description('print the JSON Schema of the config file (for `$schema` in editors)')
    .action(() => console.log(JSON.stringify((require('./config/schema') as typeof import('./config/schema')).gatewayConfigJsonSchema(), null, 2)));

  program.command('validate')
    .description('check manifests against the CRDs\' schemas and CEL rules')
    .argument('[paths...]', 'files or folders (default: dist)')
    .addOption(crdsOption())
    .addHelpText('after', '\nExamples:\n  $ kubectl get crd httproutes.gateway.networking.k8s.io agentgatewaybackends.agentgateway.dev -o yaml > crds.yaml\n  $ agentgateway-constructs validate manifests --crds crds.yaml')
    .action((paths: string[] | undefined, options: { crds?: string[] }) => {
      process.exitCode = runValidateCommand(paths ?? [], options);
    });
  addSimulateCommand(program, readStdin);
  return program;
}

if (require.main === module) {
  buildCli().parseAsync(process.argv).catch((e: unknown) => {
    console.error((e as Error).name === 'ConfigError' ? (e as Error).message : `agentgateway-constructs: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}

