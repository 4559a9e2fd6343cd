import { mkdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { plantedCommands, runAction, visibleText } from '../harness/runner.js';
import { json, startServer, streamBody, type TestServer } from '../harness/server.js';

const PASSWORD = 'hunter2-Sm0ke!';
const TOKEN = 'tok-7f3a9c';

/** A small shop: login, orders, slow, hanging, flaky and redirecting endpoints. */
let app: TestServer;
/** Another origin (same host, another port) that answers 200 to anything and records what it got. */
let other: TestServer;
let inFlight = 0;
let maxInFlight = 0;
/**
 * /concurrent requests held until `c` are in flight at once (or 3s pass, for the last flows); when each was answered.
 */
let held: (() => void)[] = [];
const answered = new Map<string, number>();
const hits = new Map<string, number>();

beforeAll(async () => {
  other = await startServer((req, res) => json(res, 200, { landed: req.url }));
  app = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const count = (key: string) => {
      hits.set(key, (hits.get(key) ?? 0) + 1);
      return hits.get(key)!;
    };
    switch (url.pathname) {
      case '/':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Shop</h1>');
        return;
      case '/api/health':
        return json(res, 200, { status: 'ok', version: '2.4.1' });
      case '/planted':
        // An app (or whoever controls it) answering with workflow commands in its body and headers.
        return json(
          res,
          200,
          { status: 'down\n::stop-commands::planted-token', note: '##[stop-commands]planted-token' },
          { 'x-note': '##[add-mask]planted-header' },
        );
      case '/old':
        res.writeHead(301, { location: '/' }).end();
        return;
      case '/to-other':
        res.writeHead(302, { location: `${other.url}/landing` }).end();
        return;
      case '/huge':
        await streamBody(res, 400 * 2 ** 20, '<html>a very long page');
        return;
      case '/api/login': {
        const body = JSON.parse(req.body || '{}') as { user?: string; password?: string };
        if (req.method === 'POST' && body.user === 'demo' && body.password === PASSWORD)
          return json(res, 200, { token: TOKEN, user: { id: 7 } });
        // A careless app that echoes what it was sent: the action must still not print the secret.
        return json(res, 401, { error: `bad credentials for ${body.user}/${body.password}` });
      }
      case '/api/orders':
        if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(res, 401, { error: 'login required' });
        return json(res, 200, {
          orders: [{ id: 1, status: 'paid', total: 12.5 }],
          owner: Number(url.searchParams.get('owner')),
        });
      case '/api/users/7':
        return json(res, 200, { id: 7, name: 'Demo' });
      case '/slow':
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms'))));
        return json(res, 200, { slow: true });
      case '/hang':
        return; // accepts and never answers
      case '/flaky': {
        // 503 for the first `fail` requests of each key, then 200.
        const n = count(`flaky:${req.method}:${url.searchParams.get('key')}`);
        if (n <= Number(url.searchParams.get('fail'))) return json(res, 503, { error: 'warming up' });
        return json(res, 200, { ok: true, attempt: n });
      }
      case '/busy':
        return json(res, 503, { error: 'maintenance' }, { 'retry-after': '3600' });
      case '/concurrent': {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (inFlight >= Number(url.searchParams.get('c'))) for (const go of held.splice(0)) go();
        else await new Promise<void>((go) => (held.push(go), setTimeout(go, 3000)));
        inFlight--;
        answered.set(req.url!, Date.now());
        return json(res, 200, { ok: true });
      }
      default:
        return json(res, 404, { error: 'not found' });
    }
  });
});
afterAll(async () => {
  await app.close();
  await other.close();
});
beforeEach(() => {
  app.requests.length = 0;
  other.requests.length = 0;
});

const requests = (path: string, method?: string) =>
  app.requests.filter((r) => r.url.split('?')[0] === path && (!method || r.method === method));
const results = (run: { outputs: Record<string, string> }) =>
  JSON.parse(run.outputs.results) as {
    flow: string;
    step: string;
    ok: boolean;
    status: number | null;
    ms: number | null;
    error: string | null;
    skipped: boolean;
  }[];

const LOGIN_FLOW = `
flows:
  - name: login and orders
    steps:
      - name: login
        request: { method: POST, path: /api/login, json: { user: demo, password: "\${SMOKE_PASSWORD}" } }
        expect: { status: 200 }
        capture: { token: token, userId: user.id }
      - name: orders
        request: { path: /api/orders, query: { owner: "\${userId}" }, headers: { Authorization: "Bearer \${token}" } }
        expect:
          status: [200, 201]
          body-contains: paid
          headers: { content-type: "application/json" }
          json: { "orders[0].status": paid, owner: 7 }
          max-latency: 2s
      - name: profile
        request: { path: "/api/users/\${userId}" }
        expect: { json: { name: Demo } }
`;

describe('smoke-test action (bundle) against a local app server', () => {
  it('runs a multi-step flow, passing captured values between steps', async () => {
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks: LOGIN_FLOW },
      env: { SMOKE_PASSWORD: PASSWORD },
    });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', total: '3', failed: '0', 'report-path': '' });
    expect(results(run).map((r) => [r.step, r.ok, r.status, r.error])).toEqual([
      ['login', true, 200, null],
      ['orders', true, 200, null],
      ['profile', true, 200, null],
    ]);
    expect(JSON.parse(requests('/api/login')[0].body)).toEqual({ user: 'demo', password: PASSWORD });
    expect(requests('/api/login')[0].headers['content-type']).toBe('application/json');
    expect(requests('/api/orders')[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(requests('/api/orders')[0].url).toBe('/api/orders?owner=7');
    expect(requests('/api/users/7')).toHaveLength(1);
    expect(run.summary).toContain('### ✅ All 3 steps passed in 1 flow');
    expect(run.summary).toContain('| Flow | Step | Result | Status | Latency | Details |');
    expect(run.summary).toMatch(
      /\| ✅ login and orders \| login <sub>POST \/api\/login<\/sub> \| pass \| 200 \| \d+ms \|/,
    );
    expect(run.stdout).toMatch(/✓ \[login and orders\] orders \(step 2\/3\): 200 in [\d.]+m?s/);
  });

  it('a response whose body and headers carry ::stop-commands:: and ##[add-mask] is reported inert: the failure annotation still reaches the runner', async () => {
    const checks = `
flows:
  - name: planted
    steps:
      - request: { path: /planted }
        expect: { json: { status: ok, note: ok }, headers: { x-note: "^clean$" } }
`;
    const run = await runAction('smoke-test', { inputs: { 'base-url': app.url, checks } });
    expect(run.code).toBe(1);
    expect(plantedCommands(run, '::stop-commands::planted-token')).toEqual([]);
    expect(run.masks.filter((m) => m.includes('planted'))).toEqual([]);
    // Commands were never stopped: the step's own error annotations are there.
    expect(run.errors.join('\n')).toContain('Flow "planted", step "GET /planted" (GET /planted) failed');
    expect(run.stdout).toContain('json note: expected "ok", got "##[\\stop-commands]planted-token"');
    expect(run.stdout).toContain('got "##[\\add-mask]planted-header"');
    expect(run.outputs.passed).toBe('false');
  });

  it('masks environment secrets used in checks, even when the app echoes them back', async () => {
    const wrong = 'Wr0ng-Passw0rd-42';
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks: LOGIN_FLOW, headers: 'X-Api-Key: key-abcdef-123' },
      env: { SMOKE_PASSWORD: wrong },
    });
    expect(run.code).toBe(1);
    expect(run.masks).toContain(wrong);
    expect(run.masks).toContain('key-abcdef-123');
    // The mask is registered before the request goes out, so no later line can show it.
    expect(run.stdout.indexOf(`::add-mask::${wrong}`)).toBeLessThan(run.stdout.indexOf('[login and orders] login'));
    expect(requests('/api/login')[0].headers['x-api-key']).toBe('key-abcdef-123');
    const visible = visibleText(run);
    expect(visible).not.toContain(wrong);
    expect(visible).not.toContain('key-abcdef-123');
    expect(run.errors[0]).toContain('bad credentials for demo/***');
  });

  it('checks every expectation kind, passing and failing, and reports each failure', async () => {
    const checks = `
flows:
  - name: all pass
    steps:
      - request: { path: /api/health }
        expect: { status: 2xx, body-contains: [ok, "2.4"], headers: { content-type: "^application/json" }, json: { status: ok, version: "2.4.1" }, max-latency: 2s }
  - name: status
    steps:
      - request: { path: /nope }
        expect: { status: 200 }
  - name: body
    steps:
      - request: { path: / }
        expect: { body-contains: Checkout }
  - name: headers
    steps:
      - request: { path: / }
        expect: { headers: { content-type: json, x-request-id: "." } }
  - name: json
    steps:
      - request: { path: /api/health }
        expect: { json: { status: degraded, "checks.db": up } }
  - name: latency
    steps:
      - request: { path: /slow, query: { ms: 300 } }
        expect: { max-latency: 100ms }
`;
    const run = await runAction('smoke-test', { inputs: { 'base-url': app.url, checks } });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ passed: 'false', total: '6', failed: '5' });
    const byFlow = Object.fromEntries(results(run).map((r) => [r.flow, r]));
    expect(byFlow['all pass'].ok).toBe(true);
    expect(byFlow.status).toMatchObject({ ok: false, status: 404, error: 'status: expected 200, got 404' });
    expect(byFlow.body.error).toBe('body: expected to contain "Checkout"');
    expect(byFlow.headers.error).toBe(
      'header content-type: expected to match /json/, got "text/html"; header x-request-id: expected to match /./, but it is missing',
    );
    expect(byFlow.json.error).toBe(
      'json status: expected "degraded", got "ok"; json checks.db: expected "up", but it is missing',
    );
    expect(byFlow.latency.error).toMatch(/^latency: expected at most 100ms, took \d+ms$/);
    expect(run.errors).toHaveLength(6);
    expect(run.errors[0]).toMatch(
      /^Flow "status", step "GET \/nope" \(GET \/nope\) failed: status: expected 200, got 404\. Got status 404 in [\d.]+m?s, body "\{\\"error\\":\\"not found\\"\}"$/,
    );
    expect(run.stdout).toMatch(
      /::error title=Smoke test%3A body \/ GET \/::Flow "body", step "GET \/" \(GET \/\) failed: body: expected to contain "Checkout"\. Got status 200 in [\d.]+m?s, body "<h1>Shop<\/h1>"/,
    );
    expect(run.errors.at(-1)).toBe(
      '5 of 6 smoke steps failed in 5 of 6 flows: "status", "body", "headers", "json", "latency"',
    );
    expect(run.summary).toContain('### ❌ 5 of 6 steps failed in 5 of 6 flows');
    expect(run.summary).toContain('| ❌ body | GET / | **fail** | 200 |');
  });

  it('runs every flow to its end: a failed step skips only the rest of its own flow', async () => {
    const checks = `
flows:
  - name: broken checkout
    steps:
      - request: { path: /checkout }
      - request: { path: /api/health }
      - request: { path: / }
  - name: browse
    steps:
      - request: { path: / }
      - request: { path: /api/health }
`;
    const run = await runAction('smoke-test', { inputs: { 'base-url': app.url, checks } });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ passed: 'false', total: '5', failed: '1' });
    expect(results(run).map((r) => [r.flow, r.step, r.ok, r.skipped])).toEqual([
      ['broken checkout', 'GET /checkout', false, false],
      ['broken checkout', 'GET /api/health', false, true],
      ['broken checkout', 'GET /', false, true],
      ['browse', 'GET /', true, false],
      ['browse', 'GET /api/health', true, false],
    ]);
    expect(app.requests.map((r) => r.url).sort()).toEqual(['/', '/api/health', '/checkout']);
    expect(run.errors).toHaveLength(2);
    expect(run.errors[0]).toMatch(
      /^Flow "broken checkout", step "GET \/checkout" \(GET \/checkout\) failed: status: expected 2xx, got 404\. Got status 404 in [\d.]+m?s/,
    );
    expect(run.errors[1]).toBe('1 of 5 smoke steps failed in 1 of 2 flows: "broken checkout"');
    expect(run.summary).toContain('### ❌ 1 of 5 steps failed in 1 of 2 flows (2 skipped)');
    expect(run.summary).toContain('| skipped |');
  });

  it.each([2, 5])('keeps exactly concurrency=%i flows in flight, steps of a flow in order', async (concurrency) => {
    maxInFlight = 0;
    held = [];
    const step = (i: number, n: number) =>
      `{ path: /concurrent, query: { flow: ${i}, step: ${n}, c: ${concurrency} } }`;
    const flows = Array.from(
      { length: 6 },
      (_, i) => `  - name: f${i}\n    steps:\n      - request: ${step(i, 1)}\n      - request: ${step(i, 2)}`,
    );
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks: `flows:\n${flows.join('\n')}\n`, concurrency: String(concurrency) },
    });
    expect(run.code).toBe(0);
    // The server answers only once `concurrency` requests are in flight (or after 3s): never more, and it got there.
    expect(maxInFlight).toBe(concurrency);
    const calls = app.requests.filter((r) => r.url.startsWith('/concurrent?') && r.url.endsWith(`c=${concurrency}`));
    expect(calls).toHaveLength(12);
    for (let i = 0; i < 6; i++) {
      const [first, second] = [1, 2].map((n) =>
        calls.find((r) => r.url === `/concurrent?flow=${i}&step=${n}&c=${concurrency}`)!,
      );
      // Step 2 is sent only once step 1 has been answered.
      expect(second.at).toBeGreaterThanOrEqual(answered.get(first.url)!);
    }
  });

  it('cuts off a hanging endpoint at the timeout and still finishes the other flows', async () => {
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, paths: '/hang\n/api/health', timeout: '400ms', retries: '1' },
      timeoutMs: 20_000,
    });
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    // Two 400ms attempts and a backoff, against the 20s the runner would cut a hang at.
    expect(run.durationMs).toBeLessThan(15_000);
    expect(requests('/hang')).toHaveLength(2); // GET: retried once on timeout
    expect(results(run)).toEqual([
      {
        flow: 'GET /hang',
        step: 'GET /hang',
        ok: false,
        status: null,
        ms: expect.any(Number),
        error: 'no response: timed out after 400ms (2 attempts)',
        skipped: false,
      },
      {
        flow: 'GET /api/health',
        step: 'GET /api/health',
        ok: true,
        status: 200,
        ms: expect.any(Number),
        error: null,
        skipped: false,
      },
    ]);
    expect(run.stdout).toMatch(
      /↻ \[GET \/hang\] GET \/hang \(step 1\/1\): attempt 1\/2 got timed out after 400ms; retrying in \d+ms/,
    );
  });

  it('retries a 503 on GET, never on POST unless the step says retry: true', async () => {
    const checks = `
flows:
  - name: get
    steps:
      - request: { path: /flaky, query: { key: g, fail: 2 } }
  - name: post
    steps:
      - request: { method: POST, path: /flaky, query: { key: p, fail: 1 }, body: "order=1" }
  - name: post with retry
    steps:
      - request: { method: POST, path: /flaky, query: { key: pr, fail: 1 }, json: { order: 2 } }
        retry: true
  - name: get without retry
    steps:
      - request: { path: /flaky, query: { key: gn, fail: 1 } }
        retry: false
`;
    const run = await runAction('smoke-test', { inputs: { 'base-url': app.url, checks, retries: '2' } });
    const r = Object.fromEntries(results(run).map((x) => [x.flow, x]));
    expect(r.get).toMatchObject({ ok: true, status: 200 });
    expect(requests('/flaky', 'GET').filter((q) => q.url.includes('key=g&'))).toHaveLength(3);
    expect(r.post).toMatchObject({ ok: false, status: 503 });
    expect(requests('/flaky', 'POST').filter((q) => q.url.includes('key=p&'))).toHaveLength(1);
    expect(r['post with retry']).toMatchObject({ ok: true, status: 200 });
    expect(requests('/flaky', 'POST').filter((q) => q.url.includes('key=pr&'))).toHaveLength(2);
    expect(r['get without retry']).toMatchObject({ ok: false, status: 503 });
    expect(requests('/flaky', 'GET').filter((q) => q.url.includes('key=gn&'))).toHaveLength(1);
    expect(run.stdout).toMatch(/↻ \[get\] GET \/flaky \(step 1\/1\): attempt 1\/3 got status 503; retrying in \d+ms/);
    expect(run.stdout).toMatch(/↻ \[get\] GET \/flaky \(step 1\/1\): attempt 2\/3 got status 503/);
    expect(run.outputs).toMatchObject({ total: '4', failed: '2' });
  });

  it('does not wait out a Retry-After longer than the step can take', async () => {
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, paths: '/busy', timeout: '1s' },
      timeoutMs: 20_000,
    });
    expect(run.code).toBe(1);
    expect(run.durationMs).toBeLessThan(15_000); // not the hour the server asked for
    expect(requests('/busy')).toHaveLength(1);
    expect(results(run)[0]).toMatchObject({ ok: false, status: 503, error: 'status: expected 200, got 503' });
    expect(run.errors[0]).toMatch(
      /Got status 503 \(not retried: the server asked to retry after 60m, longer than the \d+(\.\d)?s left before the deadline\) in [\d.]+m?s/,
    );
  });

  it('runs the paths shorthand, one flow per line', async () => {
    const run = await runAction('smoke-test', {
      inputs: {
        'base-url': `${app.url}/`,
        paths:
          'GET / 200\n/api/health\n# redirects are checked, not followed:\nGET /old 301\nHEAD /api/health\n/missing',
      },
    });
    expect(results(run).map((r) => [r.flow, r.ok, r.status])).toEqual([
      ['GET /', true, 200],
      ['GET /api/health', true, 200],
      ['GET /old', true, 301],
      ['HEAD /api/health', true, 200],
      ['GET /missing', false, 404],
    ]);
    expect(run.outputs).toMatchObject({ passed: 'false', total: '5', failed: '1' });
    expect(requests('/old')).toHaveLength(1);
    expect(run.errors[0]).toContain('step "GET /missing" (GET /missing) failed: status: expected 200, got 404');
  });

  it('rejects a bad paths line and bad inputs, naming each', async () => {
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': 'staging.example.com', paths: 'GET /\nFETCH /x', concurrency: '0' },
    });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain('"base-url": expected an http:// or https:// URL, got "staging.example.com"');
    expect(run.errors[0]).toContain(
      '"paths": expected lines "[METHOD] /path [status]", e.g. "GET / 200" or "/api/health"; line 2 "FETCH /x" is not',
    );
    expect(run.errors[0]).toContain('"concurrency": expected a whole number from 1 to 100, got "0"');
    expect(run.stdout).not.toMatch(/^\s+at /m);
  });

  it('reports every mistake in a checks file with its exact place, before sending anything', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'smoke-ws-'));
    mkdirSync(join(workspace, '.github'), { recursive: true });
    writeFileSync(
      join(workspace, '.github/smoke.yml'),
      `flows:
  - name: orders
    steps:
      - request: { path: /api/health }
      - request: { path: /api/orders, headers: { Authorization: "Bearer \${TOKEN}" } }
        expect: { status: ok, body-contain: paid }
`,
    );
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, 'checks-file': '.github/smoke.yml', paths: '/' },
      workspace,
    });
    expect(run.code).toBe(1);
    expect(app.requests).toEqual([]);
    expect(run.errors).toEqual([
      'Invalid checks in ".github/smoke.yml" ("checks-file") (3 mistakes):\n' +
        '  - flows[0].steps[1].request.headers.Authorization: ${TOKEN} is neither captured by an earlier step of this flow nor a variable passed to the checks: set it with env: in the workflow under a name starting with SMOKE_, or list TOKEN in the "variables" input (line 5)\n' +
        '  - flows[0].steps[1].expect.body-contain: unknown key; expected one of status, body-contains, headers, json, max-latency (line 6)\n' +
        '  - flows[0].steps[1].expect.status: expected a number, a list of numbers or "2xx", got "ok" (line 6)',
    ]);

    const missing = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, 'checks-file': 'nope.yml' },
      workspace,
    });
    expect(missing.errors[0]).toMatch(/^"checks-file": no file "nope.yml" in the workspace/);
    const nothing = await runAction('smoke-test', { inputs: { 'base-url': app.url } });
    expect(nothing.errors).toEqual([
      'Nothing to check: set at least one of the inputs "checks", "checks-file" or "paths"',
    ]);
  });

  it('combines a valid checks file with inline checks', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'smoke-ws-'));
    writeFileSync(
      join(workspace, 'smoke.yml'),
      'flows:\n  - name: from file\n    steps:\n      - request: { path: /api/health }\n',
    );
    const run = await runAction('smoke-test', {
      inputs: {
        'base-url': app.url,
        'checks-file': 'smoke.yml',
        checks: 'flows:\n  - name: inline\n    steps:\n      - request: { path: / }\n',
      },
      workspace,
    });
    expect(run.code).toBe(0);
    expect(results(run).map((r) => r.flow)).toEqual(['inline', 'from file']);
  });

  it('writes a valid JUnit report: one testcase per step, failures and skips counted', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'smoke-ws-'));
    const checks = `
flows:
  - name: "shop <main> & co"
    steps:
      - request: { path: / }
        expect: { body-contains: "<h1>" }
      - name: health "json"
        request: { path: /api/health }
  - name: broken
    steps:
      - request: { path: /nope }
      - request: { path: / }
`;
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks, paths: '/api/health', 'junit-report': 'reports/smoke.xml' },
      workspace,
    });
    expect(run.code).toBe(1);
    const path = join(workspace, 'reports/smoke.xml');
    expect(run.outputs['report-path']).toBe(path);
    const text = readFileSync(path, 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (name) => ['testsuite', 'testcase'].includes(name),
    }).parse(text);
    const root = doc.testsuites;
    expect(root).toMatchObject({ name: 'smoke-test', tests: '5', failures: '1', errors: '0', skipped: '1' });
    expect(
      root.testsuite.map((s: { name: string; tests: string; failures: string }) => [s.name, s.tests, s.failures]),
    ).toEqual([
      ['shop <main> & co', '2', '0'],
      ['broken', '2', '1'],
      ['GET /api/health', '1', '0'],
    ]);
    const cases = root.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase);
    expect(cases).toHaveLength(5);
    expect(cases.filter((c: { failure?: unknown }) => c.failure)).toHaveLength(1);
    const failure = root.testsuite[1].testcase[0];
    expect(failure).toMatchObject({ classname: 'broken', name: 'GET /nope' });
    expect(failure.failure.message).toBe('status: expected 2xx, got 404');
    expect(root.testsuite[1].testcase[1].skipped).toBeDefined();
    expect(root.testsuite[0].testcase[1].name).toBe('health "json"');
  });
  it("global headers never reach a step's absolute URL on another origin: it gets only its own", async () => {
    const checks = `
flows:
  - name: two origins
    steps:
      - request: { path: /api/health }
      - request: { url: "${other.url}/status", headers: { X-Step: mine } }
`;
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks, headers: 'X-Api-Key: key-global-77\nAuthorization: Bearer glob4l' },
    });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(requests('/api/health')[0].headers).toMatchObject({
      'x-api-key': 'key-global-77',
      authorization: 'Bearer glob4l',
    });
    expect(other.requests).toHaveLength(1);
    expect(other.requests[0].headers['x-step']).toBe('mine');
    expect(other.requests[0].headers['x-api-key']).toBeUndefined();
    expect(other.requests[0].headers.authorization).toBeUndefined();
  });

  it('a redirect to another origin fails the step and takes no header there; with follow-redirects: any-origin it is followed without them', async () => {
    const flow = (extra: string) =>
      `flows:\n  - name: redirected\n    steps:\n      - request: { path: /to-other${extra} }\n`;
    const headers = 'X-Api-Key: key-redirect-88';
    const refused = await runAction('smoke-test', { inputs: { 'base-url': app.url, checks: flow(''), headers } });
    expect(refused.code).toBe(1);
    expect(other.requests).toEqual([]);
    expect(results(refused)[0]).toMatchObject({
      ok: false,
      status: 302,
      error: `redirected to ${other.url}/… (status 302), another origin: not followed, the request and its headers go only to ${app.url}; to follow it without any header or body, set "follow-redirects: any-origin" on the step`,
    });
    expect(refused.errors[0]).toContain('another origin: not followed');

    const followed = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks: flow(', follow-redirects: any-origin'), headers },
    });
    expect(followed.errors).toEqual([]);
    expect(followed.code).toBe(0);
    expect(other.requests.map((r) => [r.url, r.headers['x-api-key']])).toEqual([['/landing', undefined]]);
    expect(requests('/to-other').at(-1)!.headers['x-api-key']).toBe('key-redirect-88');
  });

  it('a flow referencing ${ACTIONS_RUNTIME_TOKEN} is refused before any request, and the token is never read', async () => {
    const runnerToken = 'rt-very-secret-0042';
    const checks =
      'flows:\n  - name: exfiltrate\n    steps:\n      - request: { path: /api/health, headers: { X-T: "${ACTIONS_RUNTIME_TOKEN}" } }\n';
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks },
      env: { ACTIONS_RUNTIME_TOKEN: runnerToken },
    });
    expect(run.code).toBe(1);
    expect(app.requests).toEqual([]);
    expect(run.errors).toEqual([
      'Invalid checks in the "checks" input: flows[0].steps[0].request.headers.X-T: ${ACTIONS_RUNTIME_TOKEN} is one of the runner\'s own variables, which checks can never read (pass the value under a SMOKE_ name instead) (line 4)',
    ]);
    expect(visibleText(run)).not.toContain(runnerToken);

    // Listing it does not help: the input is refused, naming the variable.
    const listed = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks, variables: 'API_KEY, ACTIONS_RUNTIME_TOKEN\nGITHUB_TOKEN' },
      env: { ACTIONS_RUNTIME_TOKEN: runnerToken, GITHUB_TOKEN: 'ghs_job_token_x' },
    });
    expect(listed.code).toBe(1);
    expect(app.requests).toEqual([]);
    expect(listed.errors).toHaveLength(1);
    expect(listed.errors[0]).toContain(
      '"variables": expected environment variable names, separated by commas or lines; ACTIONS_RUNTIME_TOKEN is one of the runner\'s own variables',
    );
    expect(listed.errors[0]).toContain("GITHUB_TOKEN is one of the runner's own variables");
    expect(visibleText(listed)).not.toContain(runnerToken);
  });

  it('reads variables named SMOKE_* or listed in "variables", and says how to pass any other', async () => {
    const checks =
      'flows:\n  - steps:\n      - request: { path: "/api/users/${USER_ID}", headers: { X-Key: "${API_KEY}" } }\n';
    const env = { USER_ID: '7', API_KEY: 'listed-key-123' };
    const unlisted = await runAction('smoke-test', { inputs: { 'base-url': app.url, checks }, env });
    expect(unlisted.code).toBe(1);
    expect(app.requests).toEqual([]);
    expect(unlisted.errors[0]).toContain(
      '${USER_ID} is neither captured by an earlier step of this flow nor a variable passed to the checks: set it with env: in the workflow under a name starting with SMOKE_, or list USER_ID in the "variables" input',
    );
    const run = await runAction('smoke-test', {
      inputs: { 'base-url': app.url, checks, variables: 'USER_ID,API_KEY' },
      env,
    });
    expect(run.errors).toEqual([]);
    expect(requests('/api/users/7')[0].headers['x-key']).toBe('listed-key-123');
    expect(run.masks).toContain('listed-key-123');
  });

  it('reads a huge body up to 1 MiB and says so in the report', async () => {
    const checks =
      'flows:\n  - name: page\n    steps:\n      - request: { path: /huge }\n        expect: { body-contains: checkout }\n';
    const run = await runAction('smoke-test', { inputs: { 'base-url': app.url, checks }, timeoutMs: 60_000 });
    expect(run.code).toBe(1);
    expect(results(run)[0].error).toBe(
      'body: expected to contain "checkout" in its first 1 MiB (the rest was not read)',
    );
    expect(run.errors[0]).toMatch(
      /Got status 200 in [\d.]+m?s, body "<html>a very long page(a)+…" \(its first 1 MiB; the rest was not read\)$/,
    );
  });
});
