// Per-team usage telemetry: the policy that labels metrics, logs and traces with the caller's team, the model price
// catalog, the Grafana dashboard and the Prometheus alerts, all from the teams already declared.
export * from './alerts';
export * from './dashboard';
export * from './metrics';
export * from './policy';
export * from './promql';
export * from './render';
export * from './spec';
export * from './layout-svg';
export * from './slots';
export * from './budgets';
