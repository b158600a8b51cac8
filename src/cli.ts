#!/usr/bin/env node
// The `agentgateway-constructs` command: a GitOps repo's config file in, reviewable manifests out.

import { Command, Option } from 'commander';
import type { Layout } from './config';
import { gatewayConfigJsonSchema } from './config/schema';
import { crdsOption, runValidateCommand, validateOption, validateOutputIfAsked } from './cli-validate';
import { SecretValue, generateKey, hashKey } from './core';

/**
 * The config commands build a cdk8s app, so they need the optional peers cdk8s and constructs; keygen, hash and
 * schema work without them.
 */
function configModule(): typeof import('./config') {
  try {
    return require('./config') as typeof import('./config');
  } catch (e) {
    if ((e as { code?: string }).code === 'MODULE_NOT_FOUND' && /'(cdk8s|constructs)'/.test((e as Error).message)) {
      throw new Error('this command needs cdk8s and constructs: npm install --save-dev cdk8s constructs');
    }
    throw e;
  }
}

/** Loads, builds and checks a config: every problem at file:line:column, nothing written. */
function plan(configFile: string, layoutOption?: Layout) {
  const { buildConfigApp, checkConfigApp, loadConfig, renderFiles } = configModule();
  const config = loadConfig(configFile);
  const built = buildConfigApp(config);
  checkConfigApp(built);
  const layout = layoutOption ?? config.config.output?.layout ?? 'byKind';
  return { built, files: renderFiles(built.app, layout, configFile) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
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
    .description('write the manifests for a config; writes nothing if any check fails, removes files it wrote before that are no longer produced')
    .argument('<config>', 'the YAML config file')
    .option('--out <dir>', 'output folder', 'dist')
    .addOption(layout)
    .addOption(validateOption())
    .addOption(crdsOption())
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs synth gateway.yaml\n  $ agentgateway-constructs synth gateway.yaml --out manifests --layout byTeam')
    .action((config: string, options: { out: string; layout?: Layout; validate?: boolean; crds?: string[] }) => {
      const { files } = plan(config, options.layout);
      validateOutputIfAsked(files, options);
      const { written, removed } = configModule().writeFiles(options.out, files);
      console.log(`wrote ${written.length} files to ${options.out}${removed.length ? `, removed ${removed.length} stale: ${removed.join(', ')}` : ''}`);
    });

  program.command('check')
    .description('exit non-zero, with a readable diff, when the committed output is not what synth would write (for CI)')
    .argument('<config>', 'the YAML config file')
    .option('--out <dir>', 'output folder', 'dist')
    .addOption(layout)
    .addOption(validateOption())
    .addOption(crdsOption())
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs check gateway.yaml --out manifests\n  $ agentgateway-constructs check gateway.yaml --out manifests --validate --crds crds.yaml')
    .action((config: string, options: { out: string; layout?: Layout; validate?: boolean; crds?: string[] }) => {
      const { files } = plan(config, options.layout);
      validateOutputIfAsked(files, options);
      const diffs = configModule().diffFiles(options.out, files);
      if (diffs.length === 0) {
        console.log(`${options.out} is up to date with ${config} (${files.size} files)`);
        return;
      }
      console.log(diffs.join('\n'));
      console.log(`\n${options.out} is out of date: run \`agentgateway-constructs synth ${config} --out ${options.out}\` and commit the result`);
      process.exitCode = 1;
    });

  program.command('keygen')
    .description('print a new key (256 random bits, team prefix) and its sha256 hash for hashed-key mode')
    .requiredOption('--team <name>', 'the team the key is for')
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs keygen --team team1')
    .action((options: { team: string }) => {
      const key = generateKey(options.team);
      console.log(`key:  ${key.unsafeUnwrap()}`);
      console.log(`hash: ${hashKey(key)}`);
    });

  program.command('hash')
    .description('read a key on standard input and print its sha256 hash (keys never go in arguments or shell history)')
    .addHelpText('after', '\nExamples:\n  $ printf %s "$TEAM1_KEY" | agentgateway-constructs hash')
    .action(async () => {
      const key = await readStdin();
      if (key.length === 0) throw new Error('no key on standard input');
      console.log(hashKey(SecretValue.unsafePlainText(key)));
    });

  program.command('matrix')
    .description('print a Markdown table of team x route: allowed or not, headers set, key expiry')
    .argument('<config>', 'the YAML config file')
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs matrix gateway.yaml >> "$GITHUB_STEP_SUMMARY"')
    .action((config: string) => {
      process.stdout.write(configModule().accessMatrix(plan(config).built));
    });

  program.command('schema')
    .description('print the JSON Schema of the config file (for `$schema` in editors)')
    .action(() => console.log(JSON.stringify(gatewayConfigJsonSchema(), null, 2)));

  program.command('validate')
    .description('check manifests against the CRDs\' schemas and CEL rules')
    .argument('[paths...]', 'files or folders (default: dist)')
    .addOption(crdsOption())
    .addHelpText('after', '\nExamples:\n  $ kubectl get crd httproutes.gateway.networking.k8s.io agentgatewaybackends.agentgateway.dev -o yaml > crds.yaml\n  $ agentgateway-constructs validate manifests --crds crds.yaml')
    .action((paths: string[] | undefined, options: { crds?: string[] }) => {
      process.exitCode = runValidateCommand(paths ?? [], options);
    });
  return program;
}

if (require.main === module) {
  buildCli().parseAsync(process.argv).catch((e: unknown) => {
    console.error((e as Error).name === 'ConfigError' ? (e as Error).message : `agentgateway-constructs: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}

