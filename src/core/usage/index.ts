// Per-team usage telemetry: the policy that labels metrics, logs and traces with the caller's team, the model price
// catalog, the Grafana dashboard and the Prometheus alerts, all from the teams already declared.
export * from './alerts';
export * from './dashboard';
export * from './metrics';
export * from './policy';
export * from './promql';
export * from './render';
export * from './spec';
export * from './slots';
// The adapters build each team's record with it; how budgets are counted stays inside the render.
export { usageTeam } from './budgets';
