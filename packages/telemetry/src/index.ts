// @conduit/telemetry: span helpers over the OpenTelemetry API and the error hook (decision 026).
export * from './errors';
export * from './spans';
