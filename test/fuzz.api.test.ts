import fc from 'fast-check';
import { Chart, Testing } from 'cdk8s';
import {
  GatewayAuthPolicy, KeySelection, KeySource, LlmProvider, LlmRoute, SecretValue, SpecValidationError, TeamApiKey, configureSynth,
} from '../src';

// Property-based fuzzing of the construct API: whatever props arrive, synth either succeeds or fails with a
// SpecValidationError whose every issue names a construct path, and no key (nor its base64) is ever shown.

const KEY = 'fuzz_team_key_7f3c9a1e5b2d4f6a8c0e1b3d5f7a9c2e';
const KEY_B64 = Buffer.from(KEY).toString('base64');

const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'api-key'];
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...PROTO_KEYS, '', ' ', '\n', '\u0000', '../..', 'x'.repeat(300)),
  fc.stringMatching(/^[a-z0-9-]{1,20}$/),
);
const anything: fc.Arbitrary<unknown> = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(text, tie('value'), { maxKeys: 3 })),
})).value;
const stringMap = fc.oneof(fc.dictionary(fc.oneof(text, fc.constantFrom(...PROTO_KEYS)), text, { maxKeys: 4 }), anything);
const date = fc.oneof(text, fc.date({ noInvalidDate: false }), fc.constantFrom('2027-01-31T00:00:00Z', '2099-01-31T00:00:00', '01/02/2027'));
const keySource = fc.oneof(
  fc.constant(SecretValue.unsafePlainText(KEY)),
  text.map(t => KeySource.fromHash(t)),
  text.map(t => KeySource.fromSealedSecret({ encryptedKey: t })),
  fc.record({ storeName: text, remoteKey: text }).map(o => KeySource.fromExternalSecret(o)),
  fc.constant(KeySource.fromExistingSecret()),
  anything,
);

const teamProps = fc.record({
  team: text, key: fc.option(keySource, { nil: undefined }),
  keys: fc.option(fc.array(fc.record({
    source: keySource, name: fc.option(text, { nil: undefined }), notBefore: fc.option(date, { nil: undefined }),
    notAfter: fc.option(date, { nil: undefined }), revoked: fc.option(fc.record({ reason: text, date: fc.option(text, { nil: undefined }) }), { nil: undefined }),
  }), { maxLength: 3 }), { nil: undefined }),
  metadata: fc.option(stringMap, { nil: undefined }), labels: fc.option(stringMap, { nil: undefined }),
  secretName: fc.option(text, { nil: undefined }), namespace: fc.option(text, { nil: undefined }),
}, { requiredKeys: ['team'] });

const routeProps = fc.record({
  provider: fc.oneof(fc.constant(LlmProvider.openai()), fc.tuple(text, stringMap).map(([t, o]) => LlmProvider.fromType(t, o as Record<string, unknown>)), anything),
  name: fc.option(text, { nil: undefined }), namespace: fc.option(text, { nil: undefined }), pathPrefix: fc.option(text, { nil: undefined }),
  requestTimeout: fc.option(text, { nil: undefined }), backendName: fc.option(text, { nil: undefined }),
}, { requiredKeys: ['provider'] });

const policyProps = fc.record({
  name: fc.option(text, { nil: undefined }), headerName: fc.option(text, { nil: undefined }),
  headersFromMetadata: fc.option(fc.array(fc.record({ header: text, metadataKey: fc.option(text, { nil: undefined }) }), { maxLength: 3 }), { nil: undefined }),
  keySelection: fc.option(stringMap.map(m => KeySelection.labelSelector(m as Record<string, string>)), { nil: undefined }),
});

function expectNoKey(message: string): void {
  expect(message).not.toContain(KEY);
  expect(message).not.toContain(KEY_B64);
}

describe('fuzzing the construct API', () => {
  test('any props: synth succeeds, or fails naming construct paths, never showing a key, quickly', () => {
    fc.assert(fc.property(teamProps, routeProps, policyProps, (team, route, policy) => {
      const chart: Chart = Testing.chart();
      configureSynth(chart, { allowPlaintextKeys: true, warn: expectNoKey, now: new Date('2026-11-27T00:00:00Z') });
      const started = performance.now();
      try {
        const t = new TeamApiKey(chart, 'Team', team as never);
        new LlmRoute(chart, 'Route', route as never);
        new GatewayAuthPolicy(chart, 'Auth', { ...(policy as object), keys: [t] });
        const out = chart.toJson();
        expectNoKey(JSON.stringify(out).replace(/"api-key":"[^"]*"/g, '').replace(new RegExp(`"${KEY_B64}"`, 'g'), ''));
      } catch (e) {
        const message = (e as Error).message;
        expectNoKey(message);
        // cdk8s wraps every construct's SpecValidationError in its validation report, one line per issue.
        if (!(e instanceof SpecValidationError)) {
          expect(message).toMatch(/^Validation failed with the following errors:/);
          for (const line of message.split('\n').slice(1).filter(l => l.trim() !== '')) expect(line).toMatch(/^\s+\[test\/(Team|Route|Auth)\] /s);
        }
      }
      expect(performance.now() - started).toBeLessThan(2000);
    }), { numRuns: 600 });
  });

  test('huge and deeply nested values are refused quickly, with a location', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const chart = Testing.chart();
    configureSynth(chart, { allowPlaintextKeys: true, warn: () => undefined });
    const started = performance.now();
    new TeamApiKey(chart, 'Team', { team: 'x'.repeat(1_000_000), key: SecretValue.unsafePlainText(KEY), metadata: { deep } as never });
    let message = '';
    try {
      chart.toJson();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('[test/Team] team: expected a DNS-1123 label');
    expect(message).toContain('[test/Team] metadata.deep: expected a header value');
    expect(message.length).toBeLessThan(5000);
    expectNoKey(message);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
