import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runAction, visibleText } from '../harness/runner.js';
import { json, startServer, type TestServer } from '../harness/server.js';

/** A service whose behaviour each test scripts by path. */
let app: TestServer;

let flapCount = 0;
const startedAt = new Map<string, number>();

beforeAll(async () => {
  app = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/ok':
        return json(res, 200, { status: 'ok', checks: { database: 'ok' }, items: [{ id: 7 }], version: '2.3.1', replicas: 3 });
      case '/degraded':
        return json(res, 200, { status: 'ok', checks: { database: 'down' }, items: [], version: '1.9.0', replicas: 1 });
      case '/down':
        return json(res, 503, { status: 'down' });
      case '/delayed-start': {
        // Unhealthy until `after` ms past the first probe of this `key` (not the test's clock: the step takes a while to start).
        const key = url.searchParams.get('key')!;
        if (!startedAt.has(key)) startedAt.set(key, Date.now());
        return Date.now() - startedAt.get(key)! < Number(url.searchParams.get('after')) ? json(res, 503, { status: 'starting' }) : json(res, 200, { status: 'ok' });
      }
      case '/slow':
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms'))));
        return json(res, 200, { status: 'ok' });
      case '/silent':
        return; // accept, never answer
      case '/flap':
        // pass once, then fail forever
        return flapCount++ === 0 ? json(res, 200, { status: 'ok' }) : json(res, 500, { status: 'broken' });
      case '/auth':
        return req.headers.authorization === 'Bearer s3cr3t-token-value' ? json(res, 200, { ok: true }) : json(res, 401, { ok: false });
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('all systems nominal');
      default:
        return json(res, 404, {});
    }
  });
});
afterAll(() => app.close());

const fast = { interval: '50ms', timeout: '2s', deadline: '5s', 'success-threshold': '2' };

describe('health-gate bundle', () => {
  it('becomes healthy after a delay', async () => {
    const run = await runAction('health-gate', { inputs: { ...fast, url: `${app.url}/delayed-start?key=delay&after=400`, 'success-threshold': '3' } });
    expect(run.code).toBe(0);
    expect(run.outputs.healthy).toBe('true');
    expect(Number(run.outputs.attempts)).toBeGreaterThanOrEqual(4);
    expect(Number(run.outputs['duration-ms'])).toBeGreaterThanOrEqual(400);
    expect(run.outputs['last-status']).toBe('200');
    expect(Number(run.outputs['p95-ms'])).toBeGreaterThanOrEqual(0);
    expect(run.stdout).toMatch(/attempt 1: 503, \d+ms FAIL status 503 not in 200 \| passes 0\/3 \| elapsed .* of 5s/);
    expect(run.stdout).toMatch(/passes 3\/3/);
    expect(run.summary).toContain('✅ Healthy');
    expect(run.summary).toMatch(/Latency p50 \/ p95 \| \d+ms \/ \d+ms/);
    expect(run.errors).toEqual([]);
  });

  it('never healthy: fails at the deadline with outputs set', async () => {
    const t0 = Date.now();
    const run = await runAction('health-gate', { inputs: { ...fast, url: `${app.url}/down`, deadline: '1s', interval: '100ms' } });
    const took = Date.now() - t0;
    expect(run.code).toBe(1);
    expect(run.outputs.healthy).toBe('false');
    expect(Number(run.outputs.attempts)).toBeGreaterThanOrEqual(3);
    expect(run.outputs['last-status']).toBe('503');
    expect(run.errors.join('\n')).toMatch(/not healthy within 1s .*last failure: status 503 not in 200/);
    expect(run.summary).toContain('❌ Not healthy');
    expect(run.summary).toContain('status 503 not in 200');
    expect(took).toBeLessThan(5000);
  });

  it('cuts off a silent server at the probe timeout and never hangs', async () => {
    const t0 = Date.now();
    const run = await runAction('health-gate', { inputs: { ...fast, url: `${app.url}/silent`, timeout: '300ms', deadline: '1500ms' } });
    expect(run.code).toBe(1);
    expect(run.timedOut).toBe(false);
    expect(run.stdout).toContain('FAIL timed out after 300ms');
    expect(run.errors.join('\n')).toContain('timed out after 300ms');
    expect(run.outputs.healthy).toBe('false');
    expect(Date.now() - t0).toBeLessThan(6000);
  });

  it('fails at the deadline even in the middle of a probe', async () => {
    const t0 = Date.now();
    const run = await runAction('health-gate', { inputs: { ...fast, url: `${app.url}/slow?ms=5000`, timeout: '10s', deadline: '800ms' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/deadline reached after/);
    expect(Date.now() - t0).toBeLessThan(4000);
  });

  it.each([
    ['expect-status range passes', { url: '/down', 'expect-status': '200-299,500-503' }, true, ''],
    ['expect-status fails', { url: '/down', 'expect-status': '200-299,304' }, false, 'status 503 not in 200-299,304'],
    ['body-contains passes', { url: '/text', 'body-contains': 'nominal' }, true, ''],
    ['body-contains fails', { url: '/text', 'body-contains': 'degraded' }, false, 'body does not contain "degraded" (got "all systems nominal")'],
    ['== passes', { url: '/ok', 'json-assertions': 'checks.database == ok\nitems[0].id == 7' }, true, ''],
    ['== fails', { url: '/degraded', 'json-assertions': 'checks.database == ok' }, false, 'checks.database was "down", expected "ok"'],
    ['!= fails', { url: '/degraded', 'json-assertions': 'checks.database != down' }, false, 'checks.database was "down", expected anything but "down"'],
    ['>= passes', { url: '/ok', 'json-assertions': 'replicas >= 3' }, true, ''],
    ['> fails', { url: '/degraded', 'json-assertions': 'replicas > 2' }, false, 'replicas was 1, expected > 2'],
    ['< and <= pass', { url: '/degraded', 'json-assertions': 'replicas < 2\nreplicas <= 1' }, true, ''],
    ['=~ passes', { url: '/ok', 'json-assertions': 'version =~ ^2\\.' }, true, ''],
    ['=~ fails', { url: '/degraded', 'json-assertions': 'version =~ ^2\\.' }, false, 'version was "1.9.0", expected to match /^2\\./'],
    ['missing path fails', { url: '/degraded', 'json-assertions': 'items[0].id == 7' }, false, 'items[0].id is missing, expected 7'],
    ['non-JSON body fails', { url: '/text', 'json-assertions': 'status == ok' }, false, 'body is not JSON (got "all systems nominal")'],
  ])('%s', async (_name, inputs, healthy, reason) => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, deadline: '600ms', 'success-threshold': '1', ...inputs, url: `${app.url}${inputs.url}` },
    });
    expect(run.outputs.healthy).toBe(String(healthy));
    expect(run.code).toBe(healthy ? 0 : 1);
    if (!healthy) expect(run.errors.join('\n')).toContain(reason);
  });

  it('fails a probe slower than max-latency', async () => {
    const run = await runAction('health-gate', { inputs: { ...fast, url: `${app.url}/slow?ms=250`, 'max-latency': '100ms', deadline: '1s' } });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/latency 2\d\dms > 100ms/);
    const ok = await runAction('health-gate', { inputs: { ...fast, url: `${app.url}/slow?ms=10`, 'max-latency': '2s' } });
    expect(ok.code).toBe(0);
  });

  it('fails early when a service that passed starts failing (flapping)', async () => {
    flapCount = 0;
    const t0 = Date.now();
    const run = await runAction('health-gate', { inputs: { ...fast, url: `${app.url}/flap`, 'success-threshold': '3', 'max-failures': '3', deadline: '30s' } });
    expect(run.code).toBe(1);
    expect(run.outputs.attempts).toBe('4');
    expect(run.errors.join('\n')).toContain('3 consecutive failed probes after the service had passed (flapping); last: status 500 not in 200');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('treats failures before the first pass as warm-up, not flapping', async () => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/delayed-start?key=warm-up&after=500`, 'max-failures': '2', 'success-threshold': '2' },
    });
    expect(run.code).toBe(0);
    expect(Number(run.outputs.attempts)).toBeGreaterThan(4);
  });

  it('rejects every bad input in one clear error', async () => {
    const run = await runAction('health-gate', {
      inputs: {
        url: 'ftp://example.com/health',
        method: 'FETCH',
        'expect-status': '2oo',
        'json-assertions': 'checks.database ~~ ok',
        'max-latency': 'fast',
        interval: '5 parsecs',
        timeout: '0',
        deadline: 'never',
        'success-threshold': '0',
        'max-failures': 'three',
      },
    });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    const error = run.errors[0]!;
    for (const fragment of [
      '"url": expected an http:// or https:// URL, got "ftp://example.com/health"',
      '"method": expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      '"expect-status": expected statuses and ranges such as 200-299,304 or 2xx, got "2oo"',
      '"json-assertions": expected lines "path op value"',
      '"max-latency": expected a duration such as 500ms, 10s, 5m or a number of seconds, got "fast"',
      '"interval": expected a duration such as 500ms, 10s, 5m or a number of seconds, got "5 parsecs"',
      '"timeout": expected a duration of at least 1ms, got "0"',
      '"deadline": expected a duration such as 500ms, 10s, 5m or a number of seconds, got "never"',
      '"success-threshold": expected a whole number from 1 to 1000, got "0"',
      '"max-failures": expected a whole number from 1 to 1000, got "three"',
    ])
      expect(error).toContain(fragment);
    expect(run.stdout).not.toMatch(/\n\s+at /); // no stack trace for a user error
    expect(run.outputs).toEqual({});
  });

  it('masks header values and never prints them', async () => {
    const secret = 's3cr3t-token-value';
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/auth`, headers: `Authorization: Bearer ${secret}\nX-Trace: abc123`, 'success-threshold': '1' },
    });
    expect(run.code).toBe(0);
    expect(run.masks).toContain(`Bearer ${secret}`);
    expect(visibleText(run)).not.toContain(secret);
    const seen = app.requests.filter((r) => r.url === '/auth').at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${secret}`);
    expect(seen.headers['x-trace']).toBe('abc123');
  });

  it('marks the mask before it prints anything', async () => {
    const run = await runAction('health-gate', { inputs: { ...fast, url: `${app.url}/down`, headers: 'X-Api-Key: k-999-secret', deadline: '200ms' } });
    const firstMask = run.stdout.indexOf('::add-mask::k-999-secret');
    expect(firstMask).toBeGreaterThanOrEqual(0);
    expect(run.stdout.slice(0, firstMask).trim()).toBe('');
    expect(visibleText(run)).not.toContain('k-999-secret');
  });

  it('the bundle loads no Octokit', () => {
    const bundle = readFileSync(join(repoRoot, 'dist/health-gate/index.js'), 'utf8');
    expect(bundle).not.toMatch(/octokit/i);
  });
});
