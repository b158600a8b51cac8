import { KINDS, Manifest } from '../manifest';
import { UsageOtlpOptions, UsageSpec } from './spec';

/**
 * The telemetry policy: `frontend.metrics`, `frontend.accessLog` and `frontend.tracing` on the Gateway, each label a
 * CEL read of the post-authentication identity.
 *
 * It is its own object, beside the auth and strip policies on the same Gateway, because frontend sections do not
 * merge with traffic sections: the controller turns each frontend section into its own xDS policy
 * (controller/pkg/agentgateway/plugins/frontend_policies.go, suffixes `:frontend-metrics`, `:frontend-logging`,
 * `:frontend-tracing`), and the proxy picks one per section (crates/agentgateway/src/store/binds.rs,
 * `FrontendPolices::set_if_empty`), never looking at traffic policies. The hazard left is a second frontend policy
 * on the Gateway with the same section: one of the two would be ignored, so keep one usage per Gateway.
 */
export function renderUsagePolicy(spec: UsageSpec): Manifest {
  const kinds = spec.policyKind === 'EnterpriseAgentgatewayPolicy' ? KINDS.enterpriseAgentgatewayPolicy : KINDS.agentgatewayPolicy;
  const all = spec.labels.map(l => ({ name: l.name, expression: l.expression }));
  const metrics = spec.labels.filter(l => l.inMetrics).map(l => ({ name: l.name, expression: l.expression }));
  const frontend: Record<string, unknown> = {};
  if (metrics.length > 0) frontend.metrics = { attributes: { add: metrics } };
  if (spec.accessLog || spec.otlpLogs) {
    frontend.accessLog = {
      attributes: { add: all },
      ...(spec.otlpLogs ? { otlp: renderOtlp(spec.otlpLogs, spec.namespace) } : {}),
    };
  }
  if (spec.tracing) {
    frontend.tracing = {
      ...renderOtlp(spec.tracing, spec.namespace),
      attributes: { add: all },
      randomSampling: String(spec.tracing.randomSampling ?? 1),
    };
  }
  return {
    ...kinds,
    metadata: { name: spec.name, namespace: spec.namespace },
    spec: {
      targetRefs: [{ name: spec.gateway.name, group: 'gateway.networking.k8s.io', kind: 'Gateway' }],
      frontend,
    },
  };
}

function renderOtlp(otlp: UsageOtlpOptions, namespace: string): Record<string, unknown> {
  const ref = otlp.backendRef;
  return {
    ...(ref ? {
      backendRef: {
        name: ref.name,
        ...(ref.kind === 'AgentgatewayBackend' ? { group: 'agentgateway.dev', kind: 'AgentgatewayBackend' } : {}),
        ...(ref.namespace && ref.namespace !== namespace ? { namespace: ref.namespace } : {}),
        ...(ref.port !== undefined ? { port: ref.port } : {}),
      },
    } : { url: otlp.url }),
    ...(otlp.protocol ? { protocol: otlp.protocol } : {}),
  };
}

/**
 * The model price catalog agentgateway reads (v1.3+; `controller/pkg/cli/catalog/model_catalog.go`: rates are exact
 * decimals in USD per 1,000,000 tokens). Experimental: the gateway's docs keep cost-based limits disabled as "not
 * enforced correctly on the current build"; the catalog only prices what is logged and counted.
 */
export function renderModelCatalog(spec: UsageSpec): Manifest {
  const providers: Record<string, { models: Record<string, { rates: { input: string; output: string } }> }> = {};
  const sorted = [...spec.modelPrices].sort((a, b) => `${a.provider}/${a.model}` < `${b.provider}/${b.model}` ? -1 : 1);
  for (const p of sorted) {
    (providers[p.provider] ??= { models: {} }).models[p.model] = { rates: { input: String(p.input), output: String(p.output) } };
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${spec.name}-model-prices`,
      namespace: spec.namespace,
      annotations: {
        'agentgateway-constructs.dev/experimental': 'model cost catalog',
        'agentgateway-constructs.dev/referenced-by': `AgentgatewayParameters.spec.modelCatalog.sources[].configMap {name: ${spec.name}-model-prices, key: catalog.json}`
          + ` on the parametersRef of Gateway ${spec.gateway.namespace}/${spec.gateway.name}`,
      },
    },
    data: { 'catalog.json': `${JSON.stringify({ providers }, null, 2)}\n` },
  };
}
