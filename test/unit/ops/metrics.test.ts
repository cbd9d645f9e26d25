import Koa from 'koa';
import { createMetrics, metricsRouter, routeFamily } from '../../../src/ops/metrics.ts';
import { hashPassword, usePasswordHashConcurrency } from '../../../src/services/passwords.ts';
import { serve } from '../http/serve.ts';

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

const valueOf = async (metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string>) => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const entry = (metric?.values as { labels: Record<string, string>; value: number; metricName?: string }[] | undefined)?.find(
    (v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l) && (v.metricName === undefined || v.metricName === name || v.metricName === `${name}_count`),
  );
  return entry?.value ?? 0;
};

describe('metrics', () => {
  it('shows the password hashes running and waiting', async () => {
    const metrics = createMetrics({ defaults: false });
    expect(await valueOf(metrics, 'ciam_password_hashes', { state: 'running' })).toBe(0);
    expect(await valueOf(metrics, 'ciam_password_hashes', { state: 'waiting' })).toBe(0);
    usePasswordHashConcurrency(1);
    try {
      const hashes = [hashPassword('one', CHEAP), hashPassword('two', CHEAP)];
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(await valueOf(metrics, 'ciam_password_hashes', { state: 'running' })).toBe(1);
      expect(await valueOf(metrics, 'ciam_password_hashes', { state: 'waiting' })).toBe(1);
      await Promise.all(hashes);
    } finally {
      usePasswordHashConcurrency(4);
    }
  });

  it('counts each request under a route family from a fixed list, never the path itself', () => {
    expect(routeFamily('/token')).toBe('token');
    expect(routeFamily('/token/introspection')).toBe('introspection');
    expect(routeFamily('/interaction/abc/login')).toBe('interaction');
    expect(routeFamily('/.well-known/openid-configuration')).toBe('discovery');
    expect(routeFamily('/tokenize')).toBe('other');
    expect(routeFamily('/wp-admin/setup.php')).toBe('other');
  });

  it('counts sign-ins, second factors and blocks from audit events, with labels from fixed lists', async () => {
    const metrics = createMetrics({ defaults: false });
    metrics.observeAudit({ type: 'login.success', outcome: 'success' });
    metrics.observeAudit({ type: 'login.success', outcome: 'success', details: { method: 'passkey' } });
    metrics.observeAudit({ type: 'login.failure', outcome: 'failure', reason: 'bad_password' });
    metrics.observeAudit({ type: 'login.failure', outcome: 'failure', details: { method: 'made-up-by-a-caller' } });
    metrics.observeAudit({ type: 'mfa.failure', outcome: 'failure', details: { method: 'totp' } });
    metrics.observeAudit({ type: 'throttle.lockout', outcome: 'failure', details: { action: 'login' } });
    metrics.observeAudit({ type: 'profile.updated', outcome: 'success' });
    expect(await valueOf(metrics, 'ciam_sign_ins_total', { result: 'success', method: 'password' })).toBe(1);
    expect(await valueOf(metrics, 'ciam_sign_ins_total', { result: 'success', method: 'passkey' })).toBe(1);
    expect(await valueOf(metrics, 'ciam_sign_ins_total', { result: 'failure', method: 'password' })).toBe(1);
    expect(await valueOf(metrics, 'ciam_sign_ins_total', { result: 'failure', method: 'other' })).toBe(1);
    expect(await valueOf(metrics, 'ciam_mfa_verifications_total', { result: 'failure', factor: 'totp' })).toBe(1);
    expect(await valueOf(metrics, 'ciam_throttle_blocks_total', { action: 'login' })).toBe(1);
  });

  it('serves the registry to a bearer of the token only', async () => {
    const metrics = createMetrics({ defaults: false });
    const app = new Koa();
    app.use(metrics.requests());
    app.use(metricsRouter(metrics, 'a-long-enough-metrics-token').routes());
    app.use((ctx) => {
      ctx.body = 'ok';
    });
    const served = await serve(app);
    try {
      await fetch(`${served.url}/token`, { method: 'POST' });
      expect((await fetch(`${served.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${served.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
      const res = await fetch(`${served.url}/metrics`, { headers: { authorization: 'Bearer a-long-enough-metrics-token' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(/ciam_http_requests_total\{family="token",method="POST",status="2xx"\} 1/);
    } finally {
      await served.close();
    }
  });
});
