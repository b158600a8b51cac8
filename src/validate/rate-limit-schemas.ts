import type { default as Ajv } from 'ajv';
import { parse } from 'yaml';
import { SchemaNode } from './structural-schema';

/**
 * envoyproxy/ratelimit's config file (`config.yaml`), as its loader reads it: the YAML types `YamlRoot`,
 * `YamlDescriptor` and `YamlRateLimit` of envoyproxy/ratelimit `src/config/config_impl.go`, whose `validateYamlKeys`
 * refuses any other key, and the units of `RateLimitResponse_RateLimit_Unit` (envoy `rls.proto`; the server also
 * accepts week, month and year from 2024 on, which older images do not know, so they are refused here).
 */
export const RATE_LIMIT_SERVER_CONFIG_SCHEMA = {
  $id: 'envoyproxy-ratelimit-config',
  type: 'object',
  additionalProperties: false,
  required: ['domain'],
  properties: {
    domain: { type: 'string', minLength: 1 },
    descriptors: { type: 'array', items: { $ref: '#/$defs/descriptor' } },
  },
  $defs: {
    descriptor: {
      type: 'object',
      additionalProperties: false,
      required: ['key'],
      properties: {
        key: { type: 'string', minLength: 1 },
        value: { type: 'string' },
        rate_limit: {
          type: 'object',
          additionalProperties: false,
          properties: {
            requests_per_unit: { type: 'integer', minimum: 0, maximum: 4294967295 },
            unit: { enum: ['second', 'minute', 'hour', 'day', 'SECOND', 'MINUTE', 'HOUR', 'DAY'] },
            unlimited: { type: 'boolean' },
            name: { type: 'string' },
            replaces: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' } } } },
          },
        },
        descriptors: { type: 'array', items: { $ref: '#/$defs/descriptor' } },
        shadow_mode: { type: 'boolean' },
        detailed_metric: { type: 'boolean' },
      },
    },
  },
} as const;

let compiled: ReturnType<Ajv['compile']> | undefined;

/**
 * Problems of an envoyproxy/ratelimit config file's text: YAML errors, schema violations, and descriptors the server
 * refuses to load (the same key and value twice at one level). Empty when the server would load it.
 */
export function rateLimitServerConfigProblems(text: string): string[] {
  let config: unknown;
  try {
    config = parse(text);
  } catch (e) {
    return [`not YAML: ${(e as Error).message.split('\n')[0]}`];
  }
  if (!compiled) {
    // Required here, not imported: validating manifests never needs this compiler, and loading it is slow.
    const { default: AjvClass } = require('ajv') as typeof import('ajv');
    compiled = new AjvClass({ allErrors: true, strict: false }).compile(RATE_LIMIT_SERVER_CONFIG_SCHEMA);
  }
  if (!compiled(config)) return (compiled.errors ?? []).map(e => `${e.instancePath || '/'} ${e.message}`);
  const problems: string[] = [];
  const visit = (descriptors: readonly { key: string; value?: string; descriptors?: unknown[] }[] | undefined, path: string) => {
    const seen = new Set<string>();
    descriptors?.forEach((d, i) => {
      const composite = `${d.key}_${d.value ?? ''}`;
      if (seen.has(composite)) problems.push(`${path}/${i} duplicate descriptor composite key "${composite}"`);
      seen.add(composite);
      visit(d.descriptors as never, `${path}/${i}/descriptors`);
    });
  };
  visit((config as { descriptors?: never }).descriptors, '/descriptors');
  return problems;
}

/**
 * The spec of Solo's `ratelimit.solo.io/v1alpha1 RateLimitConfig`, whose public CRD has no schema: the subset of
 * `RateLimitConfigSpec.Raw` this library emits, from solo-io/solo-apis `api/rate-limiter/v1alpha1/ratelimit.proto`
 * and solo-io/kgateway-client `external/ratelimit.solo.io/v1alpha1/ratelimit.pb.go` (`Descriptor`, `RateLimit`
 * units SECOND to DAY, `RateLimitActions.type`, `Action.requestHeaders`, `Action.cel`); everything else is refused.
 */
export function rateLimitConfigSchema(): SchemaNode {
  const rateLimit = {
    type: 'object',
    required: ['unit', 'requestsPerUnit'],
    properties: {
      unit: { type: 'string', enum: ['SECOND', 'MINUTE', 'HOUR', 'DAY'] },
      requestsPerUnit: { type: 'integer', minimum: 0, maximum: 4294967295 },
    },
  };
  return {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['raw'],
        properties: {
          raw: {
            type: 'object',
            properties: {
              descriptors: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['key'],
                  properties: { key: { type: 'string', minLength: 1 }, value: { type: 'string' }, rateLimit },
                },
              },
              rateLimits: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['actions'],
                  properties: {
                    type: { type: 'string', enum: ['REQUEST', 'TOKEN'] },
                    actions: {
                      type: 'array',
                      minItems: 1,
                      items: {
                        type: 'object',
                        properties: {
                          requestHeaders: {
                            type: 'object',
                            required: ['headerName', 'descriptorKey'],
                            properties: { headerName: { type: 'string', minLength: 1 }, descriptorKey: { type: 'string', minLength: 1 } },
                          },
                          cel: {
                            type: 'object',
                            required: ['expression', 'key'],
                            properties: { expression: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  } as SchemaNode;
}
