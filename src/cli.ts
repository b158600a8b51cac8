#!/usr/bin/env node
// The `agentgateway-constructs` command: a GitOps repo's config file in, reviewable manifests out.

import { Command, Option } from 'commander';
import {
  Layout, accessMatrix, diffFiles, gatewayConfigJsonSchema, loadConfig, planConfig, renderFiles, writeFiles,
} from './config';
import { SecretValue, generateKey, hashKey } from './core';

/** Loads, plans and checks a config: every problem at file:line:column, nothing written. */
function plan(configFile: string, layoutOption?: Layout) {
  const planned = planConfig(loadConfig(configFile));
  const layout = layoutOption ?? planned.config.config.output?.layout ?? 'byKind';
  return { planned, files: renderFiles(planned, layout, configFile) };
}

/** With --crds, the files must also pass the CRD schemas and CEL rules before anything is written. */
function checkAgainstCrds(files: ReadonlyMap<string, string>, crds: string[] | undefined): void {
  if (!crds?.length) return;
  // Loaded only when asked: the validator's packages are optional peers.
  let validate: typeof import('./validate');
  try {
    validate = require('./validate') as typeof import('./validate');
  } catch (e) {
    throw new Error(`--crds needs the validator's packages: npm install --save-dev ajv ajv-formats @marcbachmann/cel-js kubernetes-models (${(e as Error).message.split('\n')[0]})`);
  }
  const { ManifestValidator, summarize } = validate;
  const { parseAllDocuments } = require('yaml') as typeof import('yaml');
  const objects = [...files].flatMap(([file, text]) => parseAllDocuments(text).map(d => ({ object: d.toJS(), source: file })));
  const report = ManifestValidator.fromDirectories(crds).validate(objects);
  if (report.problems.length > 0 || report.celUnsupported.length > 0) {
    const lines = report.problems.map(p => `${p.source}: ${p.object} ${p.path}: ${p.message}`);
    throw new Error(`${lines.join('\n')}\n${summarize(report)}`);
  }
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
    .option('--crds <dir...>', 'also check the output against the CRDs in these folders (later ones win)')
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs synth gateway.yaml\n  $ agentgateway-constructs synth gateway.yaml --out manifests --layout byTeam')
    .action((config: string, options: { out: string; layout?: Layout; crds?: string[] }) => {
      const { files } = plan(config, options.layout);
      checkAgainstCrds(files, options.crds);
      const { written, removed } = writeFiles(options.out, files);
      console.log(`wrote ${written.length} files to ${options.out}${removed.length ? `, removed ${removed.length} stale: ${removed.join(', ')}` : ''}`);
    });

  program.command('check')
    .description('exit non-zero, with a readable diff, when the committed output is not what synth would write (for CI)')
    .argument('<config>', 'the YAML config file')
    .option('--out <dir>', 'output folder', 'dist')
    .addOption(layout)
    .addHelpText('after', '\nExamples:\n  $ agentgateway-constructs check gateway.yaml --out manifests')
    .action((config: string, options: { out: string; layout?: Layout }) => {
      const { files } = plan(config, options.layout);
      const diffs = diffFiles(options.out, files);
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
      process.stdout.write(accessMatrix(plan(config).planned));
    });

  program.command('schema')
    .description('print the JSON Schema of the config file (for `$schema` in editors)')
    .action(() => console.log(JSON.stringify(gatewayConfigJsonSchema(), null, 2)));

  program.command('validate')
    .description('check manifests against the CRDs\' schemas and CEL rules')
    .argument('[paths...]', 'files or folders', [])
    .option('--crds <dir...>', 'CRD folders (later ones win)')
    .action((paths: string[], options: { crds?: string[] }) => {
      process.exitCode = (require('./validate/cli') as typeof import('./validate/cli')).runValidate(paths, options.crds);
    });
  return program;
}

if (require.main === module) {
  buildCli().parseAsync(process.argv).catch((e: unknown) => {
    console.error((e as Error).name === 'ConfigError' ? (e as Error).message : `agentgateway-constructs: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}

