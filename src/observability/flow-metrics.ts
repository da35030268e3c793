/**
 * `ccauth_authorization_flow_requests_total{endpoint}`: accepted pushed authorization requests
 * (RFC 9126, `endpoint="par"`) and device authorization requests (RFC 8628 §3.1,
 * `endpoint="device_authorization"`), from oidc-provider's `pushed_authorization_request.success`
 * and `device_authorization.success` events. Their tokens are counted by
 * `ccauth_token_requests_total` (grant type `urn:ietf:params:oauth:grant-type:device_code`, and the
 * code grant for PAR); failed client authentication by the client-authentication metrics.
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type Provider from 'oidc-provider';

/** The counter, registered once per registry. */
export type FlowMetrics = Counter<'endpoint'>;

/** Registers the counter in `registry`. */
export function createFlowMetrics(registry: Registry): FlowMetrics {
  const counter = new Counter({
    name: 'ccauth_authorization_flow_requests_total',
    help: 'Accepted pushed authorization requests (par) and device authorization requests (device_authorization)',
    labelNames: ['endpoint'] as const,
    registers: [registry],
  });
  counter.inc({ endpoint: 'par' }, 0);
  counter.inc({ endpoint: 'device_authorization' }, 0);
  return counter;
}

/** Counts the events of one provider instance (call for every rebuilt provider). */
export function observeFlows(provider: Provider, counter: FlowMetrics): void {
  provider.on('pushed_authorization_request.success', () => counter.inc({ endpoint: 'par' }));
  provider.on('device_authorization.success', () => counter.inc({ endpoint: 'device_authorization' }));
}
