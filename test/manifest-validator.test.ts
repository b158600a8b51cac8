import fc from 'fast-check';
import { KINDS, Manifest } from '../src';
import { ManifestValidator, Quantity, parseObjects, rewriteIndexedHas, summarize } from '../src/validate';
import { CRDS_DIR, crdValidator, expectValid, seedManifests, validateManifests } from './helpers';

const seed = [...seedManifests().values()].flat();
const seedOf = (kind: string): any => structuredClone(seed.find(m => m.kind === kind)!);

/** A validator that knows one made-up kind, `example.com/v1` `kind`, whose `spec` has `specSchema`. */
function validatorFor(kind: string, specSchema: object): ManifestValidator {
  const validator = new ManifestValidator();
  validator.addCrd({
    spec: {
      group: 'example.com', names: { kind },
      versions: [{ name: 'v1', served: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: specSchema } } } }],
    },
  });
  return validator;
}

/** Validates one manifest and returns its problems as `path: message`. */
function problemsOf(manifest: unknown): string[] {
  return validateManifests([manifest]).problems.map(p => `${p.path}: ${p.message}`);
}

/** The CRDs newer than the agentgateway release (`main`), loaded once. */
let newerCrds: ManifestValidator | undefined;

describe('ManifestValidator', () => {
  test('the seed manifests pass, with CEL rules evaluated and none unsupported', () => {
    const report = validateManifests(seed);
    expect(report.problems).toEqual([]);
    expect(report.celEvaluated).toBeGreaterThan(20);
    expect(summarize(report)).toMatch(/^validated 5 objects: 0 schema errors, \d+ CEL rules evaluated, 0 CEL rules unsupported, 0 skipped$/);
  });

  test.each([
    ['HTTPRoute', KINDS.httpRoute], ['AgentgatewayBackend', KINDS.agentgatewayBackend],
    ['AgentgatewayPolicy', KINDS.agentgatewayPolicy], ['EnterpriseAgentgatewayPolicy', KINDS.enterpriseAgentgatewayPolicy],
    ['AuthConfig', KINDS.authConfig],
  ])('every CEL rule of %s (release and newer CRDs) can be evaluated here', (_name, { apiVersion, kind }) => {
    newerCrds ??= ManifestValidator.fromDirectories([CRDS_DIR]);
    for (const validator of [crdValidator(), newerCrds]) expect(validator.unsupportedRules(apiVersion, kind)).toEqual([]);
  });

  describe('rejects known-bad manifests, rule by rule', () => {
    test('HTTPRoute: a path value without a leading "/" (CEL)', () => {
      const route = seedOf('HTTPRoute');
      route.spec.rules[0].matches[0].path.value = 'openai';
      expect(problemsOf(route)).toContain('/spec/rules/0/matches/0/path: value must be an absolute path and start with \'/\' when type one of [\'Exact\', \'PathPrefix\']');
    });

    test('HTTPRoute: a timeout that is not a Gateway API duration (pattern)', () => {
      const route = seedOf('HTTPRoute');
      route.spec.rules[0].timeouts.request = '2 minutes';
      expect(problemsOf(route)).toContain('/spec/rules/0/timeouts/request: must match pattern "^([0-9]{1,5}(h|m|s|ms)){1,4}$"');
    });

    test('AgentgatewayBackend: host without port (CEL)', () => {
      const backend = seedOf('AgentgatewayBackend');
      backend.spec.ai.provider.host = 'llm.internal';
      expect(problemsOf(backend)).toEqual(['/spec/ai/provider: both host and port must be set together']);
    });

    test('AgentgatewayBackend: two providers in one backend (CEL)', () => {
      const backend = seedOf('AgentgatewayBackend');
      backend.spec.ai.provider.anthropic = {};
      expect(problemsOf(backend)).toEqual(['/spec/ai/provider: exactly one of the fields in [openai azureopenai azure anthropic gemini vertexai bedrock custom] must be set']);
    });

    test('AgentgatewayBackend: an unknown field is reported, not pruned silently', () => {
      const backend = seedOf('AgentgatewayBackend');
      backend.spec.ai.provider.openai.temperature = 0.2;
      expect(problemsOf(backend)).toEqual(['/spec/ai/provider/openai/temperature: unknown field "temperature" (the API server would prune it)']);
    });

    test('AgentgatewayBackend: a port out of range (int32 with bounds)', () => {
      const backend = seedOf('AgentgatewayBackend');
      Object.assign(backend.spec.ai.provider, { host: 'llm.internal', port: 70000 });
      expect(problemsOf(backend)).toEqual(['/spec/ai/provider/port: must be <= 65535']);
    });

    test('EnterpriseAgentgatewayPolicy: both targetRefs and targetSelectors (CEL)', () => {
      const policy = seedOf('EnterpriseAgentgatewayPolicy');
      policy.spec.targetSelectors = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', matchLabels: { app: 'x' } }];
      expect(problemsOf(policy)).toContain('/spec: exactly one of the fields in [targetRefs targetSelectors] must be set');
    });

    test('EnterpriseAgentgatewayPolicy: entExtAuth without authConfigRef, and beside extAuth (enterprise fields)', () => {
      const policy = seedOf('EnterpriseAgentgatewayPolicy');
      policy.spec.traffic.extAuth = { backendRef: { name: 'ext-auth', port: 8083 }, grpc: {} };
      delete policy.spec.traffic.entExtAuth.authConfigRef;
      expect(problemsOf(policy)).toEqual(expect.arrayContaining([
        '/spec/traffic/entExtAuth: must have required property \'authConfigRef\'',
        '/spec/traffic: entExtAuth and extAuth are mutually exclusive',
      ]));
    });

    test('AgentgatewayPolicy: the enterprise fields are unknown to the open-source kind, also after an enterprise policy', () => {
      const enterprise = seedOf('EnterpriseAgentgatewayPolicy');
      expect(problemsOf(enterprise)).toEqual([]);
      const oss = { ...enterprise, ...KINDS.agentgatewayPolicy };
      expect(problemsOf(oss)).toEqual(['/spec/traffic/entExtAuth: unknown field "entExtAuth" (the API server would prune it)']);
    });

    test('AgentgatewayPolicy: a policy with no traffic, frontend or backend (CEL)', () => {
      const policy = { ...seedOf('EnterpriseAgentgatewayPolicy'), ...KINDS.agentgatewayPolicy };
      delete policy.spec.traffic;
      expect(problemsOf(policy)).toContain('/spec: At least one of traffic, frontend, or backend must be provided.');
    });

    test('AuthConfig: a misspelled field and a wrong type', () => {
      const authConfig = seedOf('AuthConfig');
      authConfig.spec.configs[0].apiKeyAuth.headername = 'x';
      authConfig.spec.configs[0].apiKeyAuth.headersFromMetadataEntry['x-org'].required = 'yes';
      expect(problemsOf(authConfig)).toEqual([
        '/spec/configs/0/apiKeyAuth/headername: unknown field "headername" (the API server would prune it)',
        '/spec/configs/0/apiKeyAuth/headersFromMetadataEntry/x-org/required: must be boolean',
      ]);
    });

    test('Secret: data that is not base64, and an unknown top-level field', () => {
      const secret = seedOf('Secret');
      secret.data['x-org'] = 'not base64!';
      secret.stringdata = {};
      expect(problemsOf(secret)).toEqual([
        '/stringdata: unknown field "stringdata" (the API server would drop it)',
        '/data/x-org: must match format "byte"',
      ]);
    });

    test('any kind: a name that is not DNS-1123, a missing namespace-less name', () => {
      const route = seedOf('HTTPRoute');
      route.metadata.name = 'OpenAI';
      expect(problemsOf(route)).toEqual([expect.stringMatching(/^\/metadata\/name: must match pattern/)]);
      const secret = seedOf('Secret');
      delete secret.metadata.name;
      expect(problemsOf(secret)).toEqual(['/metadata: must have required property \'name\'']);
    });

    test('an unknown kind', () => {
      expect(problemsOf({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }))
        .toEqual([expect.stringContaining('no CRD for apiVersion "example.com/v1" kind "Widget"')]);
    });
  });

  test('defaults are applied before CEL rules, as the API server does', () => {
    const backend: Manifest = { ...seedOf('AgentgatewayBackend'), spec: { ai: { provider: { bedrock: {} } } } };
    expectValid([backend]);
  });

  test('a `__proto__` field is a field, not a prototype lending its fields to the object', () => {
    const validator = validatorFor('Widget', { type: 'object', required: ['size'], properties: { size: { type: 'integer' } } });
    const crd = (extra: string) => parseObjects(`apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n${extra}`, 'w.yaml');
    const problems = (extra: string) => validator.validate(crd(extra).map(object => ({ object }))).problems.map(p => `${p.path}: ${p.message}`);
    // The API server sees an unknown field here, not a spec.
    expect(problems('__proto__: { spec: { size: "abc" } }\n')).toEqual(['/__proto__: unknown field "__proto__" (the API server would prune it)']);
    expect(problems('spec: { size: 1, __proto__: { x: 1 } }\n')).toContain('/spec/__proto__: unknown field "__proto__" (the API server would prune it)');
    expect(problems('spec: { size: 1, constructor: 2 }\n')).toContain('/spec/constructor: unknown field "constructor" (the API server would prune it)');
    expect(problems('spec: { size: 1 }\n')).toEqual([]);
  });

  describe('Secrets and ConfigMaps of plain fields are not checked again by kubernetes-models', () => {
    const base64 = fc.base64String({ maxLength: 12 });
    const text = fc.oneof(fc.string({ maxLength: 6 }), base64);
    const anything = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(text, { maxLength: 2 }),
      fc.dictionary(text, fc.oneof(text, fc.integer(), fc.constant(null)), { minKeys: 1, maxKeys: 2 }));
    /** Mostly a value of the field's type, sometimes anything, sometimes absent. */
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: anything }), { nil: undefined });
    const rarely = fc.oneof({ weight: 19, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anything });
    const metadata = fc.record({
      name: maybe(text), namespace: maybe(text), labels: maybe(fc.dictionary(text, text, { maxKeys: 2 })),
      annotations: maybe(fc.dictionary(text, text, { maxKeys: 2 })), uid: rarely,
    }, { requiredKeys: [] });
    const map = (values: fc.Arbitrary<string>) => maybe(fc.dictionary(text, values, { maxKeys: 3 }));
    const object = (kind: string): fc.Arbitrary<Record<string, unknown>> => {
      const fields: Record<string, fc.Arbitrary<unknown>> = kind === 'Secret'
        ? { data: map(base64), stringData: map(text), type: maybe(text) } : { data: map(text), binaryData: map(base64) };
      return fc.record({ apiVersion: fc.constant('v1'), kind: fc.constant(kind), metadata, immutable: maybe(fc.boolean()), extra: rarely, ...fields });
    };

    test.each(['Secret', 'ConfigMap'])('whatever the plain schema of a %s accepts, kubernetes-models accepts', kind => {
      const { CORE_KINDS } = require('../src/validate/manifest-validator') as typeof import('../src/validate/manifest-validator');
      const { compileSchema } = require('../src/validate/compiled-cache') as typeof import('../src/validate/compiled-cache');
      const core = CORE_KINDS[`v1/${kind}`];
      const plain = compileSchema(core.plain!);
      const model = require(core.module)[kind];
      let accepted = 0;
      fc.assert(fc.property(object(kind), candidate => {
        const clean = JSON.parse(JSON.stringify(candidate));
        if (!plain(clean)) return;
        accepted++;
        expect(() => new model(clean).validate()).not.toThrow();
      }), { numRuns: 400 });
      expect(accepted).toBeGreaterThan(40);
    });

    test('validating such objects never loads kubernetes-models; another object still gets its messages', () => {
      jest.isolateModules(() => {
        for (const module of ['kubernetes-models/v1/Secret', 'kubernetes-models/v1/ConfigMap']) {
          jest.doMock(module, () => { throw new Error(`${module} was loaded`); });
        }
        const { ManifestValidator: Validator } = require('../src/validate') as typeof import('../src/validate');
        const plain = [
          { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'team1-apikey', namespace: 'agentgateway-system', labels: { a: 'b' } }, type: 'extauth.solo.io/apikey', data: { 'api-key': 'dGVhbTEta2V5' } },
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'config.yaml': 'x: 1\n' } },
        ];
        expect(new Validator().validate(plain.map(o => ({ object: o }))).problems).toEqual([]);
      });
      for (const module of ['kubernetes-models/v1/Secret', 'kubernetes-models/v1/ConfigMap']) jest.dontMock(module);
      const bad = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'not base64!' } };
      expect(new ManifestValidator().validate([{ object: bad }]).problems.map(p => `${p.path}: ${p.message}`)).toEqual(['/data/k: must match format "byte"']);
    });
  });

  test('x-kubernetes-list-type map keys must be unique', () => {
    const route = seedOf('HTTPRoute');
    route.spec.parentRefs.push({ ...route.spec.parentRefs[0] });
    expect(problemsOf(route).join('\n')).toMatch(/\/spec\/parentRefs/);
  });

  describe('Kubernetes schema extensions', () => {
    const validator = validatorFor('Gadget', {
      type: 'object', properties: {
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
        count: { type: 'integer', format: 'int32' },
        since: { type: 'string', format: 'date-time' },
        blob: { type: 'string', format: 'byte' },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
      },
    });
    const check = (spec: object) => validator.validate([{ object: { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec } }])
      .problems.map(p => `${p.path}: ${p.message}`);

    test('accepts what the API server accepts', () => {
      expect(check({
        port: 8080, note: null, extra: { anything: { goes: 1 } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} },
        count: 2 ** 31 - 1, since: '2026-11-27T10:00:00Z', blob: 'aGk=', tags: ['a', 'b'],
      })).toEqual([]);
      expect(check({ port: 'http' })).toEqual([]);
    });

    test('rejects what it rejects', () => {
      expect(check({
        port: true, count: 2 ** 31, since: 'yesterday', blob: 'not base64!', tags: ['a', 'a'], template: { spec: {}, status: {} },
      })).toEqual([
        '/spec/port: must be integer,string',
        '/spec/template/status: unknown field "status" (the API server would prune it)',
        '/spec/count: must match format "int32"',
        '/spec/since: must match format "date-time"',
        '/spec/blob: must match format "byte"',
        '/spec/tags/1: duplicate entry in a set',
      ]);
    });
  });

  test('transition rules are counted as skipped, never passed', () => {
    const validator = validatorFor('Widget', {
      type: 'object', properties: { size: { type: 'integer' } }, 'x-kubernetes-validations': [
        { rule: 'self.size >= oldSelf.size', message: 'cannot shrink' }, { rule: 'self.size < 10', message: 'too big' }],
    });
    const report = validator.validate([{ object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 12 } } }]);
    expect(report.celSkipped).toBe(1);
    expect(report.celEvaluated).toBe(1);
    expect(report.problems.map(p => p.message)).toEqual(['too big']);
  });

  test('has() on an indexed selection is rewritten to an equivalent the engine evaluates', () => {
    expect(rewriteIndexedHas("has(self.a) && !has(self.matches[0].path) || has(x.b[1].c)"))
      .toBe("has(self.a) && !k8sHasField(self.matches[0], 'path') || k8sHasField(x.b[1], 'c')");
  });

  test('quantities compare by value across suffixes', () => {
    expect(Quantity.parse('1Ki').compareTo(Quantity.parse('1024'))).toBe(0);
    expect(Quantity.parse('1500m').compareTo(Quantity.parse('1'))).toBe(1);
    expect(Quantity.parse('2e3').compareTo(Quantity.parse('2k'))).toBe(0);
    expect(() => Quantity.parse('ten')).toThrow(/invalid quantity/);
  });

  test('one validator serves all kinds we emit', () => {
    expect(crdValidator().knownKinds).toEqual(expect.arrayContaining(
      Object.values(KINDS).map(k => `${k.apiVersion}/${k.kind}`)));
  });
});
