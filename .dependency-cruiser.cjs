// The layering of docs ARCHITECTURE (one core, adapters side by side), as rules test/architecture.test.ts enforces.
// Paths are relative to the repo root; packages are matched wherever node_modules resolves them.
const pkg = names => `(^|/)node_modules/(${names.join('|')})/`;
const CDK8S = pkg(['cdk8s', 'cdk8s-plus-28', 'constructs']);
const PULUMI = pkg(['@pulumi']);
// The cdk8s adapter: the constructs and their app helpers.
const CDK8S_ADAPTER = '^src/(team-api-key|llm-route|gateway-auth-policy|app-registry|synth)\\.ts$';
const CONFIG = '^src/config/';
const CLI = '^src/cli\\.ts$';
const ENTRIES = '^src/(index|main)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'core-is-framework-free',
      comment: 'The core imports no adapter and no framework: specs in, manifests out.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: [CDK8S, PULUMI, CDK8S_ADAPTER, CONFIG, '^src/pulumi/', '^src/validate/', CLI, ENTRIES] },
    },
    {
      name: 'pulumi-without-cdk8s',
      comment: 'The Pulumi adapter sits on the core only.',
      severity: 'error',
      from: { path: '^src/pulumi/' },
      to: { path: [CDK8S, CDK8S_ADAPTER, CONFIG, CLI, ENTRIES] },
    },
    {
      name: 'validate-without-adapters',
      comment: 'The validator reads manifests; it depends on the core at most.',
      severity: 'error',
      from: { path: '^src/validate/' },
      to: { path: [CDK8S, PULUMI, CDK8S_ADAPTER, CONFIG, '^src/pulumi/', CLI, ENTRIES] },
    },
    {
      name: 'simulate-without-adapters',
      comment: 'The simulator reads manifests, whoever wrote them; it depends on the core (and the validator\'s RE2) at most.',
      severity: 'error',
      from: { path: '^src/simulate/' },
      to: { path: [CDK8S, PULUMI, CDK8S_ADAPTER, CONFIG, '^src/pulumi/', CLI, ENTRIES] },
    },
    {
      name: 'constructs-entry-is-lean',
      comment: 'Importing the constructs must not load the config parser or the CLI and their dependencies.',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { reachable: true, path: [CONFIG, CLI, pkg(['zod', 'diff', 'commander', '@pulumi', 'ajv'])] },
    },
    {
      name: 'config-without-cdk8s',
      comment: 'The config path is its own adapter over the core: config in, core specs and checks, manifests out.',
      severity: 'error',
      from: { path: CONFIG },
      to: { path: [CDK8S, CDK8S_ADAPTER, '^src/pulumi/'] },
    },
    {
      name: 'cli-without-cdk8s',
      comment: 'The CLI serves GitOps repos, which need not install cdk8s: nothing it loads may reach it.',
      severity: 'error',
      from: { path: CLI },
      to: { reachable: true, path: [CDK8S, CDK8S_ADAPTER, PULUMI] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true, // type-only imports count: they tie a layer to another's API
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
