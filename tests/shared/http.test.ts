import { createServer as createNetServer, type Server as NetServer, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, proxyFor, request } from '../../shared/http.js';
import { backoffDelay, retryAfterMs } from '../../shared/retry.js';
import { json, startServer, type TestServer } from '../harness/server.js';

let app: TestServer;
const counters = new Map<string, number>();
const bump = (key: string) => {
  const n = (counters.get(key) ?? 0) + 1;
  counters.set(key, n);
  return n;
};

beforeAll(async () => {
  app = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = url.searchParams.get('k') ?? url.pathname;
    switch (url.pathname) {
      case '/flaky':
        return bump(key) < 3 ? json(res, 503, {}) : json(res, 200, { ok: true });
      case '/rate-limited':
        return bump(key) === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, { ok: true });
      case '/always-500':
        bump(key);
        return json(res, 500, { error: 'boom' });
      case '/silent':
        bump(key);
        return;
      case '/echo':
        return json(res, 200, { method: req.method, body: req.body, auth: req.headers.authorization ?? null });
      default:
        return json(res, 404, {});
    }
  });
});
afterAll(() => app.close());

describe('request', () => {
  it('retries 5xx with backoff and returns the first success', async () => {
    const res = await request({ url: `${app.url}/flaky?k=a`, baseDelayMs: 20 });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
  });

  it('honours Retry-After on 429', async () => {
    const t0 = Date.now();
    const retries: number[] = [];
    const res = await request({ url: `${app.url}/rate-limited?k=b`, baseDelayMs: 10, onRetry: (i) => retries.push(i.delayMs) });
    expect(res.status).toBe(200);
    expect(retries).toEqual([1000]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('stops after the bounded number of retries and returns the last response', async () => {
    const res = await request({ url: `${app.url}/always-500?k=c`, retries: 2, baseDelayMs: 10 });
    expect(res.status).toBe(500);
    expect(res.attempts).toBe(3);
    expect(counters.get('c')).toBe(3);
  });

  it('does not retry a POST unless asked to', async () => {
    const res = await request({ url: `${app.url}/always-500?k=d`, method: 'POST', body: '{}', baseDelayMs: 10 });
    expect(res.attempts).toBe(1);
    expect(counters.get('d')).toBe(1);
    await request({ url: `${app.url}/always-500?k=e`, method: 'POST', retryUnsafe: true, retries: 1, baseDelayMs: 10 });
    expect(counters.get('e')).toBe(2);
  });

  it('cuts off a silent server at the per-attempt timeout', async () => {
    const t0 = Date.now();
    const error = await request({ url: `${app.url}/silent?k=f`, timeoutMs: 200, retries: 1, baseDelayMs: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).kind).toBe('timeout');
    expect((error as HttpError).message).toBe('timed out after 200ms');
    expect((error as HttpError).attempts).toBe(2);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('never runs past the overall deadline', async () => {
    const t0 = Date.now();
    const error = await request({ url: `${app.url}/silent?k=g`, timeoutMs: 10_000, retries: 5, deadline: Date.now() + 300 }).catch((e: unknown) => e);
    expect((error as HttpError).kind).toBe('deadline');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('reports a refused connection by its code', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const error = await request({ url: `${closed.url}/`, retries: 0 }).catch((e: unknown) => e);
    expect((error as HttpError).kind).toBe('network');
    expect((error as HttpError).message).toContain('ECONNREFUSED');
  });

  it('sends method, headers and body', async () => {
    const res = await request({ url: `${app.url}/echo`, method: 'PUT', body: 'hello', headers: { authorization: 'Bearer x' } });
    expect(JSON.parse(res.body)).toEqual({ method: 'PUT', body: 'hello', auth: 'Bearer x' });
  });
});

describe('proxy variables', () => {
  let proxy: NetServer;
  let proxyUrl: string;
  const seen: string[] = [];
  beforeAll(async () => {
    // A real forward proxy: absolute-form requests for http, CONNECT tunnels otherwise.
    proxy = createNetServer((client) => {
      client.once('data', (head) => {
        const firstLine = head.toString('latin1').split('\r\n')[0]!;
        seen.push(firstLine);
        const [method, target] = firstLine.split(' ');
        if (method === 'CONNECT') {
          const [host, port] = target!.split(':');
          const upstream = connect(Number(port), host, () => {
            client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
            upstream.pipe(client);
            client.pipe(upstream);
          });
          return;
        }
        const url = new URL(target!);
        const upstream = connect(Number(url.port), url.hostname, () => {
          upstream.write(head.toString('latin1').replace(target!, url.pathname + url.search));
          upstream.pipe(client);
          client.pipe(upstream);
        });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => proxy.close(() => r())));

  async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    try {
      return await fn();
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }

  it('goes through HTTP_PROXY when set', async () => {
    const res = await withEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: undefined, no_proxy: undefined }, () => request({ url: `${app.url}/echo?via=proxy` }));
    expect(res.status).toBe(200);
    // undici tunnels through the proxy with CONNECT, for http targets too.
    expect(seen).toContain(`CONNECT 127.0.0.1:${app.port} HTTP/1.1`);
  });

  it('bypasses the proxy for NO_PROXY hosts', async () => {
    const before = seen.length;
    const res = await withEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' }, () => request({ url: `${app.url}/echo?via=direct` }));
    expect(res.status).toBe(200);
    expect(seen.length).toBe(before);
  });
});

describe('proxyFor', () => {
  const env = { HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:8080', NO_PROXY: 'localhost,.internal.example,api.example:8443' };
  it.each([
    ['https://github.com/', 'http://proxy:3128'],
    ['http://github.com/', 'http://proxy:8080'],
    ['http://localhost:3000/', undefined],
    ['https://svc.internal.example/', undefined],
    ['https://internal.example/', undefined],
    ['https://api.example:8443/', undefined],
    ['https://api.example/', 'http://proxy:3128'],
  ])('%s → %s', (url, proxy) => expect(proxyFor(new URL(url), env)).toBe(proxy));
  it('NO_PROXY=* disables the proxy', () => expect(proxyFor(new URL('https://x.example/'), { ...env, NO_PROXY: '*' })).toBeUndefined());
  it('no proxy variables, no proxy', () => expect(proxyFor(new URL('https://x.example/'), {})).toBeUndefined());
});

describe('retry helpers', () => {
  it('reads Retry-After as seconds or a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3500);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(backoffDelay(1, 500, 10_000, () => 0)).toBe(250);
    expect(backoffDelay(1, 500, 10_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 10_000, () => 1)).toBe(2000);
    expect(backoffDelay(10, 500, 10_000, () => 1)).toBe(10_000);
  });
});


