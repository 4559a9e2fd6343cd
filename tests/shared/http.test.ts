import { createServer as createNetServer, type Server as NetServer, type Socket, connect } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, MAX_BODY_BYTES, MAX_REDIRECTS, request } from '../../shared/http.js';
import { proxyFor } from '../../shared/http-proxy.js';
import { backoffDelay, retryAfterMs } from '../../shared/retry.js';
import { json, startServer, streamBody, type TestServer } from '../harness/server.js';
import { startHttpsServer, type TlsServer } from '../harness/tls.js';

let app: TestServer;
const counters = new Map<string, number>();
const bump = (key: string) => {
  const n = (counters.get(key) ?? 0) + 1;
  counters.set(key, n);
  return n;
};

beforeAll(async () => {
  app = await startServer((req, res) => {
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
      case '/defaults':
        return json(res, 200, {
          agent: req.headers['user-agent'] ?? null,
          type: req.headers['content-type'] ?? null,
          accept: req.headers.accept ?? null,
        });
      case '/gzip':
      case '/br': {
        // Compressed though nobody asked: some servers do.
        const text = JSON.stringify({ compressed: url.pathname });
        const body = url.pathname === '/gzip' ? gzipSync(text) : brotliCompressSync(text);
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': url.pathname.slice(1) });
        return res.end(body);
      }
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
    const res = await request({
      url: `${app.url}/rate-limited?k=b`,
      baseDelayMs: 10,
      onRetry: (i) => retries.push(i.delayMs),
    });
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
    const error = await request({ url: `${app.url}/silent?k=f`, timeoutMs: 200, retries: 1, baseDelayMs: 10 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).kind).toBe('timeout');
    expect((error as HttpError).message).toBe('timed out after 200ms');
    expect((error as HttpError).attempts).toBe(2);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('never runs past the overall deadline', async () => {
    const t0 = Date.now();
    const error = await request({
      url: `${app.url}/silent?k=g`,
      timeoutMs: 10_000,
      retries: 5,
      deadline: Date.now() + 300,
    }).catch((e: unknown) => e);
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

  it("sends what fetch sent unasked (a User-Agent, a body's text/plain type), the caller's own headers winning", async () => {
    const plain = await request({ url: `${app.url}/defaults`, method: 'POST', body: 'x' });
    expect(JSON.parse(plain.body)).toEqual({
      agent: 'deploy-actions',
      type: 'text/plain;charset=UTF-8',
      accept: '*/*',
    });
    const own = await request({
      url: `${app.url}/defaults`,
      headers: { 'User-Agent': 'team-bot/2', Accept: 'application/json' },
    });
    expect(JSON.parse(own.body)).toEqual({ agent: 'team-bot/2', type: null, accept: 'application/json' });
  });

  it('decodes a gzip or brotli body a server compressed unasked', async () => {
    for (const path of ['/gzip', '/br'])
      expect(JSON.parse((await request({ url: `${app.url}${path}` })).body)).toEqual({ compressed: path });
  });

  it('sends method, headers and body', async () => {
    const res = await request({
      url: `${app.url}/echo`,
      method: 'PUT',
      body: 'hello',
      headers: { authorization: 'Bearer x' },
    });
    expect(JSON.parse(res.body)).toEqual({ method: 'PUT', body: 'hello', auth: 'Bearer x' });
  });
});

describe('redirects: followed only within the origin', () => {
  /**
   * Records every request; `/to?u=<url>&s=<status>` redirects there, `/loop/<n>` redirects to `/loop/<n+1>` forever.
   */
  let origin: TestServer;
  let other: TestServer;
  let tls: TlsServer;
  const seen = (r: TestServer['requests'][number]) => ({
    method: r.method,
    url: r.url,
    key: r.headers['x-api-key'] ?? null,
    type: r.headers['content-type'] ?? null,
    body: r.body,
  });
  const redirecting: Parameters<typeof startServer>[0] = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/to')
      return res.writeHead(Number(url.searchParams.get('s') ?? 302), { location: url.searchParams.get('u')! }).end();
    const loop = /^\/loop\/(\d+)$/.exec(url.pathname);
    if (loop) return res.writeHead(302, { location: `/loop/${Number(loop[1]) + 1}` }).end();
    return json(res, 200, {
      at: url.pathname,
      method: req.method,
      body: req.body,
      key: req.headers['x-api-key'] ?? null,
    });
  };
  beforeAll(async () => {
    origin = await startServer(redirecting);
    other = await startServer(redirecting);
    tls = await startHttpsServer((req, res) => {
      const url = new URL(req.url ?? '/', 'https://x');
      res.writeHead(302, { location: url.searchParams.get('u')! }).end();
    });
  });
  afterAll(async () => {
    await origin.close();
    await other.close();
    await tls.close();
  });
  const to = (target: string, status = 302) =>
    `${origin.url}/to?${new URLSearchParams({ u: target, s: String(status) }).toString()}`;
  const headers = { 'x-api-key': 'k-123' };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable('the request should have failed'),
      (e: unknown) => e as HttpError,
    );

  it('follows a redirect to the same origin with the headers, and says where the answer came from', async () => {
    const res = await request({ url: to('/final'), headers });
    expect(JSON.parse(res.body)).toMatchObject({ at: '/final', key: 'k-123' });
    expect(res.url).toBe(`${origin.url}/final`);
    expect(res.attempts).toBe(1);
  });

  it('changes method and body as fetch does: 303 and POST on 301/302 become GET without body, 307/308 and PUT on 302 keep both', async () => {
    const send = async (status: number, method: string) => {
      origin.requests.length = 0;
      await request({
        url: to('/final', status),
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      return seen(origin.requests.at(-1)!);
    };
    const get = { method: 'GET', url: '/final', key: 'k-123', type: null, body: '' };
    const kept = (method: string) => ({
      method,
      url: '/final',
      key: 'k-123',
      type: 'application/json',
      body: '{"a":1}',
    });
    expect(await send(303, 'POST')).toEqual(get);
    expect(await send(303, 'PUT')).toEqual(get);
    expect(await send(301, 'POST')).toEqual(get);
    expect(await send(302, 'POST')).toEqual(get);
    expect(await send(302, 'PUT')).toEqual(kept('PUT'));
    expect(await send(307, 'POST')).toEqual(kept('POST'));
    expect(await send(308, 'PATCH')).toEqual(kept('PATCH'));
  });

  it('refuses a redirect to another origin, naming it, and sends nothing there (a port is part of the origin)', async () => {
    other.requests.length = 0;
    origin.requests.length = 0;
    const error = await failure(
      request({ url: to(`${other.url}/health?token=abc`), headers, retries: 3, baseDelayMs: 10 }),
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error.kind).toBe('cross-origin');
    expect(error.status).toBe(302);
    expect(error.message).toBe(
      `redirected to ${other.url}/… (status 302), another origin: not followed, the request and its headers go only to ${origin.url}`,
    );
    expect(other.requests).toEqual([]);
    expect(origin.requests).toHaveLength(1); // not retried: the answer would be the same
  });

  it('follows a redirect to another origin only when asked, then with none of the headers and no body', async () => {
    other.requests.length = 0;
    const res = await request({
      url: to(`${other.url}/elsewhere`),
      headers: { ...headers, authorization: 'Bearer t' },
      redirect: 'follow-any-origin',
    });
    expect(JSON.parse(res.body)).toMatchObject({ at: '/elsewhere', key: null });
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0].headers.authorization).toBeUndefined();
    expect(other.requests[0].headers['x-api-key']).toBeUndefined();
    // A redirect that keeps the body (307) would take it there: refused.
    const error = await failure(
      request({
        url: to(`${other.url}/login`, 307),
        method: 'POST',
        body: '{"password":"pw"}',
        redirect: 'follow-any-origin',
      }),
    );
    expect(error.kind).toBe('redirect');
    expect(error.message).toBe(
      `redirected to ${other.url}/… (status 307), another origin: not followed, it would send the request's body there`,
    );
    expect(other.requests).toHaveLength(1);
  });

  it('always refuses a redirect from https to http, even to the same host and when any origin is allowed', async () => {
    origin.requests.length = 0;
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // trust the self-signed certificate in this process
    try {
      for (const redirect of ['follow', 'follow-any-origin'] as const) {
        const error = await failure(
          request({
            url: `${tls.url}/?${new URLSearchParams({ u: `${origin.url}/final` }).toString()}`,
            headers,
            redirect,
          }),
        );
        expect(error.kind).toBe('redirect');
        expect(error.message).toBe(
          `redirected from https to http (${origin.url}/…): refused, the request would travel unencrypted`,
        );
      }
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
    }
    expect(tls.requests).toHaveLength(2);
    expect(origin.requests).toEqual([]);
  });

  it('gives up after a bounded number of redirects', async () => {
    origin.requests.length = 0;
    const error = await failure(request({ url: `${origin.url}/loop/0`, maxRedirects: 3 }));
    expect(error.kind).toBe('redirect');
    expect(error.message).toBe(`more than 3 redirects (the last to ${origin.url}/…)`);
    expect(origin.requests.map((r) => r.url)).toEqual(['/loop/0', '/loop/1', '/loop/2', '/loop/3']);
    origin.requests.length = 0;
    await failure(request({ url: `${origin.url}/loop/0` }));
    expect(origin.requests).toHaveLength(MAX_REDIRECTS + 1);
  });

  it('returns the 3xx itself with redirect: manual', async () => {
    other.requests.length = 0;
    const res = await request({ url: to(`${other.url}/x`, 301), redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`${other.url}/x`);
    expect(other.requests).toEqual([]);
  });
});

describe('bounded reads', () => {
  let big: TestServer;
  let written: Promise<number> = Promise.resolve(0);
  beforeAll(async () => {
    big = await startServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/exact') return res.end('x'.repeat(Number(url.searchParams.get('n'))));
      if (url.pathname === '/accents') return res.end('é'.repeat(1000));
      written = streamBody(res, Number(url.searchParams.get('mb')) * 2 ** 20);
    });
  });
  afterAll(() => big.close());

  it('reads a body up to its cap, says it was truncated, and stops the download', async () => {
    const res = await request({ url: `${big.url}/stream?mb=200`, maxBodyBytes: 100_000 });
    expect(res.status).toBe(200);
    expect(res.truncated).toBe(true);
    expect(res.body).toBe('a'.repeat(100_000));
    expect(await written).toBeLessThan(20 * 2 ** 20); // of 200 MiB: the connection was closed, not drained
  });

  it('reads 1 MiB by default', async () => {
    const res = await request({ url: `${big.url}/stream?mb=8` });
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(MAX_BODY_BYTES);
  });

  it('a body exactly at the cap is whole, and a character cut by the cap is left out rather than garbled', async () => {
    const exact = await request({ url: `${big.url}/exact?n=4096`, maxBodyBytes: 4096 });
    expect([exact.truncated, exact.body.length]).toEqual([false, 4096]);
    const accents = await request({ url: `${big.url}/accents`, maxBodyBytes: 1001 }); // 2 bytes each: 500 and a half
    expect(accents.truncated).toBe(true);
    expect(accents.body).toBe('é'.repeat(500));
  });
});

describe('Retry-After is capped by the deadline', () => {
  let busy: TestServer;
  beforeAll(async () => {
    busy = await startServer((_req, res) => json(res, 503, { error: 'maintenance' }, { 'retry-after': '3600' }));
  });
  afterAll(() => busy.close());

  it('ends the retries at once when Retry-After is longer than what is left, and says so', async () => {
    const t0 = Date.now();
    const res = await request({ url: busy.url, retries: 3, deadline: Date.now() + 3000 });
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(1);
    expect(res.notRetried).toMatch(
      /^the server asked to retry after 60m, longer than the \d(\.\d)?s left before the deadline$/,
    );
    expect(busy.requests).toHaveLength(1);
  });

  it('without a deadline, every attempt plus capped backoff is the deadline: an hour-long Retry-After is never slept', async () => {
    busy.requests.length = 0;
    const t0 = Date.now();
    const res = await request({ url: busy.url, retries: 2, timeoutMs: 1000 });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(res.notRetried).toMatch(
      /^the server asked to retry after 60m, longer than the \d+(\.\d)?s left before the deadline$/,
    );
    expect(busy.requests).toHaveLength(1);
  });
});

describe('proxy variables', () => {
  let proxy: NetServer;
  let proxyUrl: string;
  const seen: string[] = [];
  /** Each request head the proxy read in the clear. */
  const heads: string[] = [];
  let tlsTarget: TlsServer;
  // Closed at the end: once the target hangs up, a piped tunnel's client side is never read to its end.
  const clients = new Set<Socket>();
  beforeAll(async () => {
    tlsTarget = await startHttpsServer((req, res) => json(res, 200, { key: req.headers['x-api-key'] ?? null }));
    // A real forward proxy: absolute-form requests for http, CONNECT tunnels otherwise.
    proxy = createNetServer((client) => {
      clients.add(client);
      client.once('close', () => clients.delete(client));
      client.once('data', (head) => {
        const firstLine = head.toString('latin1').split('\r\n')[0];
        seen.push(firstLine);
        heads.push(head.toString('latin1'));
        const [method, target] = firstLine.split(' ');
        if (method === 'CONNECT') {
          const [host, port] = target.split(':');
          const upstream = connect(Number(port), host, () => {
            client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
            upstream.pipe(client);
            client.pipe(upstream);
          });
          return;
        }
        const url = new URL(target);
        const upstream = connect(Number(url.port), url.hostname, () => {
          upstream.write(head.toString('latin1').replace(target, url.pathname + url.search));
          upstream.pipe(client);
          client.pipe(upstream);
        });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await tlsTarget.close();
    for (const client of clients) client.destroy();
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    try {
      return await fn();
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  }

  it('goes through HTTP_PROXY when set', async () => {
    const res = await withEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: undefined, no_proxy: undefined }, () =>
      request({ url: `${app.url}/echo?via=proxy` }),
    );
    expect(res.status).toBe(200);
    // Tunnelled through the proxy with CONNECT, for http targets too.
    expect(seen).toContain(`CONNECT 127.0.0.1:${app.port} HTTP/1.1`);
  });

  it('tunnels https through HTTPS_PROXY: the proxy sees only CONNECT, the certificate is still verified at the target', async () => {
    heads.length = 0;
    const env = { HTTPS_PROXY: proxyUrl, NO_PROXY: undefined, no_proxy: undefined };
    const untrusted = await withEnv(env, () =>
      request({ url: `${tlsTarget.url}/`, headers: { 'x-api-key': 'k-tls' }, retries: 0 }),
    ).catch((e: unknown) => e as HttpError);
    expect((untrusted as HttpError).kind).toBe('network');
    expect((untrusted as HttpError).message).toMatch(/SELF_SIGNED|CERT/);
    const res = await withEnv({ ...env, NODE_TLS_REJECT_UNAUTHORIZED: '0' }, () =>
      request({ url: `${tlsTarget.url}/`, headers: { 'x-api-key': 'k-tls' } }),
    );
    expect(JSON.parse(res.body)).toEqual({ key: 'k-tls' });
    expect(heads.map((h) => h.split('\r\n')[0])).toEqual([
      `CONNECT 127.0.0.1:${tlsTarget.port} HTTP/1.1`,
      `CONNECT 127.0.0.1:${tlsTarget.port} HTTP/1.1`,
    ]);
    expect(heads.join('')).not.toContain('k-tls');
  });

  it("sends the proxy URL's credentials to the proxy only", async () => {
    heads.length = 0;
    app.requests.length = 0;
    const withCredentials = proxyUrl.replace('http://', 'http://builder:p%40ss@');
    const res = await withEnv({ HTTP_PROXY: withCredentials, NO_PROXY: undefined, no_proxy: undefined }, () =>
      request({ url: `${app.url}/echo?via=auth` }),
    );
    expect(res.status).toBe(200);
    expect(heads[0]).toContain(`proxy-authorization: Basic ${Buffer.from('builder:p@ss').toString('base64')}\r\n`);
    expect(app.requests.at(-1)?.headers['proxy-authorization']).toBeUndefined();
  });

  it('bypasses the proxy for NO_PROXY hosts', async () => {
    const before = seen.length;
    const res = await withEnv({ HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' }, () =>
      request({ url: `${app.url}/echo?via=direct` }),
    );
    expect(res.status).toBe(200);
    expect(seen.length).toBe(before);
  });
});

describe('proxyFor', () => {
  const env = {
    HTTPS_PROXY: 'http://proxy:3128',
    HTTP_PROXY: 'http://proxy:8080',
    NO_PROXY: 'localhost,.internal.example,api.example:8443',
  };
  it.each([
    ['https://github.com/', 'http://proxy:3128'],
    ['http://github.com/', 'http://proxy:8080'],
    ['http://localhost:3000/', undefined],
    ['https://svc.internal.example/', undefined],
    ['https://internal.example/', undefined],
    ['https://api.example:8443/', undefined],
    ['https://api.example/', 'http://proxy:3128'],
  ])('%s → %s', (url, proxy) => expect(proxyFor(new URL(url), env)).toBe(proxy));
  it('NO_PROXY=* disables the proxy', () =>
    expect(proxyFor(new URL('https://x.example/'), { ...env, NO_PROXY: '*' })).toBeUndefined());
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
