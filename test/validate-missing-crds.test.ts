import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { validateOutputIfAsked } from '../src/cli-validate';
import { parseConfig, planConfig } from '../src/config';
import { defaultCrdPaths } from '../src/validate/load';

// `synth --validate` with the default CRD folder, which has no PrometheusRule CRD: the message must say exactly how
// to proceed, and following it must work.
const CONFIG = [
  'settings: { now: "2026-11-27T00:00:00Z" }',
  'auth: { mode: builtIn, builtIn: { hashedKeys: true }, headersFromMetadata: [{ header: x-org }] }',
  'teams: [{ team: research, key: { hash: "sha256:1111111111111111111111111111111111111111111111111111111111111111" }, metadata: { x-org: research } }]',
  'usage: { dashboard: false }',
].join('\n');

/** The usage's policy and PrometheusRule as synth writes them. */
const files = new Map(planConfig(parseConfig(CONFIG, 'gateway.yaml'), { env: {} }).plan.manifests
  .filter(m => m.owner.kind === 'usage').map(m => [`${m.manifest.kind}.yaml`, stringify(m.manifest)]));

/** A stand-in for `kubectl get crd prometheusrules.monitoring.coreos.com -o yaml`: the kind, any spec. */
const PROMETHEUS_RULE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'prometheusrules.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com', scope: 'Namespaced', names: { kind: 'PrometheusRule', plural: 'prometheusrules', singular: 'prometheusrule', listKind: 'PrometheusRuleList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

const message = (run: () => void) => {
  try {
    run();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('synth --validate without a PrometheusRule CRD', () => {
  let dir: string;
  let crdFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'agc-crds-'));
    crdFile = join(dir, 'crds.yaml');
    writeFileSync(crdFile, stringify(PROMETHEUS_RULE_CRD));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('with the default CRDs: says --crds replaces them, gives the exact command, and offers alerts: false', () => {
    const defaults = defaultCrdPaths();
    expect(defaults.length).toBeGreaterThan(0);
    expect([...files.keys()]).toEqual(['AgentgatewayPolicy.yaml', 'PrometheusRule.yaml']);
    const text = message(() => validateOutputIfAsked(files, { validate: true }));
    expect(text).toContain('missing CRDs for monitoring.coreos.com/v1/PrometheusRule: get them from a cluster that has them: '
      + '`kubectl get crd prometheusrules.monitoring.coreos.com -o yaml > crds.yaml`');
    expect(text).toContain(`--crds replaces the CRDs used now (${defaults.join(', ')}) rather than adding to them: pass them too, `
      + `\`${[...defaults, 'crds.yaml'].map(p => `--crds ${p}`).join(' ')}\`, or set AGW_CRDS_DIR=${[...defaults, 'crds.yaml'].join(delimiter)}`);
    expect(text).toContain('`usage: { alerts: false }` in the config file, `alerts: false` on TeamUsage');
  });

  test('following the advice works; --crds crds.yaml alone would not (it drops the agentgateway CRDs)', () => {
    expect(message(() => validateOutputIfAsked(files, { validate: true, crds: [...defaultCrdPaths(), crdFile] }))).toBe('no error');
    const alone = message(() => validateOutputIfAsked(files, { validate: true, crds: [crdFile] }));
    expect(alone).toContain('missing CRDs for agentgateway.dev/v1alpha1/AgentgatewayPolicy');
    expect(alone).toContain(`add the file to the CRDs already given: \`--crds ${crdFile} --crds crds.yaml\``);
    const previous = process.env.AGW_CRDS_DIR;
    process.env.AGW_CRDS_DIR = [...defaultCrdPaths(), crdFile].join(delimiter);
    try {
      expect(message(() => validateOutputIfAsked(files, { validate: true }))).toBe('no error');
    } finally {
      if (previous === undefined) delete process.env.AGW_CRDS_DIR;
      else process.env.AGW_CRDS_DIR = previous;
    }
  });

  test('without the usage alerts there is nothing to add', () => {
    const policyOnly = new Map([...files].filter(([name]) => !name.startsWith('PrometheusRule')));
    expect(message(() => validateOutputIfAsked(policyOnly, { validate: true }))).toBe('no error');
  });
});
