import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { plantedCommands, repoRoot, runAction, visibleText, type ActionRun } from '../harness/runner.js';
import { json, startServer, streamBody, type TestServer } from '../harness/server.js';
import { startHttpsServer, type TlsServer } from '../harness/tls.js';

/** A service whose behaviour each test scripts by path. */
let app: TestServer;

let flapCount = 0;
const startedAt = new Map<string, number>();

const API_KEY = 'k-redirect-secret-42';
/** Another origin (same host, another port): it answers 200 to anything, and records what it received. */
let other: TestServer;
const HUGE = 400 * 2 ** 20;
let hugeWritten: Promise<number>[] = [];

/**
 * A body that tries to steer the runner: every workflow command form, on lines of their own and in the middle of one.
 */
const PLANTED =
  'ok\n::add-mask::planted-mask\n::warning::planted-warning\n  ::set-output name=healthy::true\n##[error]planted-error ##[add-mask]planted-legacy-mask';

beforeAll(async () => {
  other = await startServer((_req, res) => json(res, 200, { status: 'ok' }));
  app = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/ok':
        return json(res, 200, {
          status: 'ok',
          checks: { database: 'ok' },
          items: [{ id: 7 }],
          version: '2.3.1',
          replicas: 3,
        });
      case '/degraded':
        return json(res, 200, { status: 'ok', checks: { database: 'down' }, items: [], version: '1.9.0', replicas: 1 });
      case '/down':
        return json(res, 503, { status: 'down' });
      case '/delayed-start': {
        // Unhealthy until `after` ms past the first probe of this `key` (not the test's clock: the step takes a while
        // to start).
        const key = url.searchParams.get('key')!;
        if (!startedAt.has(key)) startedAt.set(key, Date.now());
        return Date.now() - startedAt.get(key)! < Number(url.searchParams.get('after'))
          ? json(res, 503, { status: 'starting' })
          : json(res, 200, { status: 'ok' });
      }
      case '/slow':
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms'))));
        return json(res, 200, { status: 'ok' });
      case '/silent':
        return; // accept, never answer
      case '/flap':
        // pass once, then fail forever
        return flapCount++ === 0 ? json(res, 200, { status: 'ok' }) : json(res, 500, { status: 'broken' });
      case '/moved':
        return res.writeHead(302, { location: '/needs-key' }).end();
      case '/needs-key':
        return req.headers['x-api-key'] === API_KEY
          ? json(res, 200, { status: 'ok' })
          : json(res, 401, { status: 'who are you' });
      case '/to-other':
        // A compromised or misconfigured app sends the probe elsewhere.
        return res.writeHead(302, { location: `${other.url}/health` }).end();
      case '/huge':
        // 400 MiB, generated only as fast as it is read.
        hugeWritten.push(streamBody(res, HUGE, 'healthy\n'));
        return;
      case '/auth':
        return req.headers.authorization === 'Bearer s3cr3t-token-value'
          ? json(res, 200, { ok: true })
          : json(res, 401, { ok: false });
      case '/text':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('all systems nominal');
      case '/planted':
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end(PLANTED);
      case '/planted-json':
        return json(res, 200, { status: `down\n##[add-mask]planted-json-mask\n::stop-commands::planted-token` });
      default:
        return json(res, 404, {});
    }
  });
});
afterAll(async () => {
  await app.close();
  await other.close();
});

const fast = { interval: '50ms', timeout: '2s', deadline: '5s', 'success-threshold': '2' };
/** How long the gate itself ran (its `duration-ms` output): what a deadline bounds, process start-up aside. */
const gateMs = (run: ActionRun) => Number(run.outputs['duration-ms']);

describe('health-gate bundle', () => {
  it('becomes healthy after a delay', async () => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/delayed-start?key=delay&after=400`, 'success-threshold': '3' },
    });
    expect(run.code).toBe(0);
    expect(run.outputs.healthy).toBe('true');
    expect(Number(run.outputs.attempts)).toBeGreaterThanOrEqual(4);
    expect(Number(run.outputs['duration-ms'])).toBeGreaterThanOrEqual(400);
    expect(run.outputs['last-status']).toBe('200');
    expect(Number(run.outputs['p95-ms'])).toBeGreaterThanOrEqual(0);
    expect(run.stdout).toMatch(
      /attempt 1: 503, [\d.]+m?s FAIL status 503 not in 200 \| passes 0\/3 \| elapsed .* of 5s/,
    );
    expect(run.stdout).toMatch(/passes 3\/3/);
    expect(run.summary).toContain('✅ Healthy');
    expect(run.summary).toMatch(/Latency p50 \/ p95 \| \d+ms \/ \d+ms/);
    expect(run.errors).toEqual([]);
  });

  it('never healthy: fails at the deadline with outputs set', async () => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/down`, deadline: '3s', interval: '100ms' },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.healthy).toBe('false');
    expect(Number(run.outputs.attempts)).toBeGreaterThanOrEqual(2);
    expect(run.outputs['last-status']).toBe('503');
    expect(run.errors.join('\n')).toMatch(/not healthy within 3s .*last failure: status 503 not in 200/);
    expect(run.summary).toContain('❌ Not healthy');
    expect(run.summary).toContain('status 503 not in 200');
    // The gate's own clock (from its start, not the process's): the deadline plus at most one probe's timeout.
    expect(gateMs(run)).toBeLessThan(3000 + 2000 + 1000);
  });

  it('cuts off a silent server at the probe timeout and never hangs', async () => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/silent`, timeout: '300ms', deadline: '1500ms' },
    });
    expect(run.code).toBe(1);
    expect(run.timedOut).toBe(false);
    expect(run.stdout).toContain('FAIL timed out after 300ms');
    expect(run.errors.join('\n')).toContain('timed out after 300ms');
    expect(run.outputs.healthy).toBe('false');
    expect(gateMs(run)).toBeLessThan(1500 + 300 + 2000);
  });

  it('fails at the deadline even in the middle of a probe', async () => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/slow?ms=20000`, timeout: '30s', deadline: '800ms' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/deadline reached after/);
    // Far from the 20s the probe would take.
    expect(gateMs(run)).toBeLessThan(8000);
  });

  it.each([
    ['expect-status range passes', { url: '/down', 'expect-status': '200-299,500-503' }, true, ''],
    ['expect-status fails', { url: '/down', 'expect-status': '200-299,304' }, false, 'status 503 not in 200-299,304'],
    ['body-contains passes', { url: '/text', 'body-contains': 'nominal' }, true, ''],
    [
      'body-contains fails',
      { url: '/text', 'body-contains': 'degraded' },
      false,
      'body does not contain "degraded" (got "all systems nominal")',
    ],
    ['== passes', { url: '/ok', 'json-assertions': 'checks.database == ok\nitems[0].id == 7' }, true, ''],
    [
      '== fails',
      { url: '/degraded', 'json-assertions': 'checks.database == ok' },
      false,
      'checks.database was "down", expected "ok"',
    ],
    [
      '!= fails',
      { url: '/degraded', 'json-assertions': 'checks.database != down' },
      false,
      'checks.database was "down", expected anything but "down"',
    ],
    ['>= passes', { url: '/ok', 'json-assertions': 'replicas >= 3' }, true, ''],
    ['> fails', { url: '/degraded', 'json-assertions': 'replicas > 2' }, false, 'replicas was 1, expected > 2'],
    ['< and <= pass', { url: '/degraded', 'json-assertions': 'replicas < 2\nreplicas <= 1' }, true, ''],
    ['=~ passes', { url: '/ok', 'json-assertions': 'version =~ ^2\\.' }, true, ''],
    [
      '=~ fails',
      { url: '/degraded', 'json-assertions': 'version =~ ^2\\.' },
      false,
      'version was "1.9.0", expected to match /^2\\./',
    ],
    [
      'missing path fails',
      { url: '/degraded', 'json-assertions': 'items[0].id == 7' },
      false,
      'items[0].id is missing, expected 7',
    ],
    [
      'non-JSON body fails',
      { url: '/text', 'json-assertions': 'status == ok' },
      false,
      'body is not JSON (got "all systems nominal")',
    ],
  ])('%s', async (_name, inputs, healthy, reason) => {
    const run = await runAction('health-gate', {
      // A failing check runs out its deadline; a passing one has time to spare on a loaded machine.
      inputs: {
        ...fast,
        deadline: healthy ? '20s' : '2s',
        'success-threshold': '1',
        ...inputs,
        url: `${app.url}${inputs.url}`,
      },
    });
    expect(run.outputs.healthy).toBe(String(healthy));
    expect(run.code).toBe(healthy ? 0 : 1);
    if (!healthy) expect(run.errors.join('\n')).toContain(reason);
  });

  it('fails a probe slower than max-latency', async () => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/slow?ms=250`, 'max-latency': '100ms', deadline: '1s' },
    });
    expect(run.code).toBe(1);
    expect(Number(/latency (\d+)ms > 100ms/.exec(run.errors.join('\n'))?.[1])).toBeGreaterThanOrEqual(250);
    const ok = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/slow?ms=10`, 'max-latency': '2s' },
    });
    expect(ok.code).toBe(0);
  });

  it('fails early when a service that passed starts failing (flapping)', async () => {
    flapCount = 0;
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/flap`, 'success-threshold': '3', 'max-failures': '3', deadline: '30s' },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.attempts).toBe('4');
    expect(run.errors.join('\n')).toContain(
      '3 consecutive failed probes after the service had passed (flapping); last: status 500 not in 200',
    );
    expect(gateMs(run)).toBeLessThan(20_000); // not the 30s deadline
  });

  it('treats failures before the first pass as warm-up, not flapping', async () => {
    const run = await runAction('health-gate', {
      inputs: {
        ...fast,
        url: `${app.url}/delayed-start?key=warm-up&after=500`,
        'max-failures': '2',
        'success-threshold': '2',
      },
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
    const error = run.errors[0];
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
      inputs: {
        ...fast,
        url: `${app.url}/auth`,
        headers: `Authorization: Bearer ${secret}\nX-Trace: abc123`,
        'success-threshold': '1',
      },
    });
    expect(run.code).toBe(0);
    expect(run.masks).toContain(`Bearer ${secret}`);
    expect(visibleText(run)).not.toContain(secret);
    const seen = app.requests.filter((r) => r.url === '/auth').at(-1)!;
    expect(seen.headers.authorization).toBe(`Bearer ${secret}`);
    expect(seen.headers['x-trace']).toBe('abc123');
  });

  it('marks the mask before it prints anything', async () => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/down`, headers: 'X-Api-Key: k-999-secret', deadline: '200ms' },
    });
    const firstMask = run.stdout.indexOf('::add-mask::k-999-secret');
    expect(firstMask).toBeGreaterThanOrEqual(0);
    expect(run.stdout.slice(0, firstMask).trim()).toBe('');
    expect(visibleText(run)).not.toContain('k-999-secret');
  });

  it('a health endpoint whose body plants workflow commands gets none of them obeyed: the failing gate prints its excerpts inert', async () => {
    const run = await runAction('health-gate', {
      inputs: {
        ...fast,
        url: `${app.url}/planted`,
        'body-contains': 'all systems go',
        deadline: '500ms',
        interval: '100ms',
      },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.healthy).toBe('false');
    expect(plantedCommands(run, PLANTED)).toEqual([]);
    expect(run.masks.filter((m) => m.includes('planted'))).toEqual([]);
    expect(run.warnings).toEqual([]);
    // One error, the gate's own, quoting the body (an annotation's message cannot start a line).
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^Health gate failed for .*\/planted: .*got "ok ::add-mask::planted-mask ::warning::planted-warning/,
    );
    // The log still shows what the server said, with each command prefix broken.
    expect(run.stdout).toMatch(
      /attempt 1: 200, .*FAIL body does not contain "all systems go" \(got "ok ::add-mask::planted-mask .* ##\[\\error\]planted-error ##\[\\add-mas…"\)/,
    );
    for (const line of run.stdout.split('\n'))
      if (line.trimStart().startsWith('::')) expect(line).toMatch(/^::(add-mask|error|debug)::/);
  });

  it('a JSON value that plants commands, reported by a failing json-assertion, is printed inert', async () => {
    const run = await runAction('health-gate', {
      inputs: {
        ...fast,
        url: `${app.url}/planted-json`,
        'json-assertions': 'status == ok',
        deadline: '500ms',
        interval: '100ms',
      },
    });
    expect(run.code).toBe(1);
    expect(plantedCommands(run, '::stop-commands::planted-token')).toEqual([]);
    expect(run.masks.filter((m) => m.includes('planted'))).toEqual([]);
    expect(run.errors).toHaveLength(1);
    expect(run.stdout).toContain('##[\\add-mask]planted-json-mask');
  });

  it('a redirect to another origin never takes X-Api-Key there: a failed probe naming the target, and no pass on its 200', async () => {
    other.requests.length = 0;
    const run = await runAction('health-gate', {
      inputs: {
        ...fast,
        url: `${app.url}/to-other`,
        headers: `X-Api-Key: ${API_KEY}`,
        'success-threshold': '1',
        deadline: '600ms',
        interval: '100ms',
      },
    });
    expect(run.code).toBe(1);
    expect(run.outputs.healthy).toBe('false');
    expect(run.outputs['last-status']).toBe('302');
    expect(other.requests.filter((r) => r.headers['x-api-key'] !== undefined)).toEqual([]);
    expect(other.requests).toEqual([]); // not even without the header: its 200 says nothing of this service
    const target = `redirected to ${other.url}/… (status 302), another origin: not followed, the request and its headers go only to ${app.url}`;
    expect(run.stdout).toContain(`attempt 1: 302, `);
    expect(run.stdout).toContain(`FAIL ${target}`);
    expect(run.errors.join('\n')).toContain(`last failure: ${target}`);
    expect(run.summary).toContain(target);
    expect(visibleText(run)).not.toContain(API_KEY);
  });

  it('follows a redirect within the origin, with the headers', async () => {
    const run = await runAction('health-gate', {
      inputs: { ...fast, url: `${app.url}/moved`, headers: `X-Api-Key: ${API_KEY}`, 'success-threshold': '1' },
    });
    expect(run.code).toBe(0);
    expect(app.requests.filter((r) => r.url === '/needs-key').at(-1)!.headers['x-api-key']).toBe(API_KEY);
  });

  describe('from https', () => {
    let tls: TlsServer;
    beforeAll(async () => {
      tls = await startHttpsServer((req, res) => {
        if (req.url === '/ok') return json(res, 200, { status: 'ok' });
        // Same host, plain http: the key would travel unencrypted.
        res.writeHead(301, { location: `${app.url}/needs-key` }).end();
      });
    });
    afterAll(() => tls.close());

    it('refuses a redirect from https to http, even to the same host', async () => {
      const before = app.requests.length;
      const trusted = { NODE_EXTRA_CA_CERTS: tls.certFile };
      const ok = await runAction('health-gate', {
        env: trusted,
        inputs: { ...fast, url: `${tls.url}/ok`, 'success-threshold': '1' },
      });
      expect(ok.code).toBe(0); // the certificate is trusted: what follows is the redirect's doing
      const run = await runAction('health-gate', {
        env: trusted,
        inputs: {
          ...fast,
          url: `${tls.url}/health`,
          headers: `X-Api-Key: ${API_KEY}`,
          'success-threshold': '1',
          deadline: '500ms',
          interval: '100ms',
        },
      });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toContain(
        `redirected from https to http (${app.url}/…): refused, the request would travel unencrypted`,
      );
      expect(app.requests.length).toBe(before);
    });
  });

  describe('a 400 MiB health body', () => {
    /** A preload that writes the process's peak memory (KiB) to a file when it exits. */
    function peakMemoryProbe(): { env: Record<string, string>; peakMiB: () => number } {
      const dir = mkdtempSync(join(tmpdir(), 'rss-'));
      const preload = join(dir, 'rss.mjs');
      const out = join(dir, 'max-rss');
      writeFileSync(
        preload,
        `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`,
      );
      return {
        env: { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` },
        peakMiB: () => Number(readFileSync(out, 'utf8')) / 1024,
      };
    }

    it('is read up to 1 MiB and the rest never downloaded: the gate passes with bounded memory', async () => {
      hugeWritten = [];
      const memory = peakMemoryProbe();
      const run = await runAction('health-gate', {
        env: memory.env,
        timeoutMs: 120_000,
        inputs: {
          ...fast,
          url: `${app.url}/huge`,
          'body-contains': 'healthy',
          'success-threshold': '3',
          deadline: '60s',
          timeout: '30s',
        },
      });
      expect(run.errors).toEqual([]);
      expect(run.code).toBe(0);
      expect(run.outputs.attempts).toBe('3');
      const written = await Promise.all(hugeWritten);
      expect(written).toHaveLength(3);
      // Each probe hung up after its first MiB (plus what socket buffers hold), long before 400 MiB.
      for (const bytes of written) expect(bytes).toBeLessThan(32 * 2 ** 20);
      const peak = memory.peakMiB();
      console.log(
        `health-gate on a 400 MiB body: peak RSS ${peak.toFixed(0)} MiB, ${written.map((b) => (b / 2 ** 20).toFixed(1)).join(' / ')} MiB sent per probe, ${Math.round(run.durationMs)}ms`,
      );
      expect(peak).toBeLessThan(200);
    });

    it('says a text was looked for only in the first 1 MiB', async () => {
      hugeWritten = [];
      const run = await runAction('health-gate', {
        timeoutMs: 120_000,
        inputs: {
          ...fast,
          url: `${app.url}/huge`,
          'body-contains': 'degraded',
          'success-threshold': '1',
          deadline: '1s',
          interval: '200ms',
          timeout: '30s',
        },
      });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toContain(
        'body does not contain "degraded" in its first 1 MiB (the rest was not read) (got "healthy aaaa',
      );
      for (const bytes of await Promise.all(hugeWritten)) expect(bytes).toBeLessThan(32 * 2 ** 20);
    });
  });

  it('the bundle loads no Octokit', () => {
    const bundle = readFileSync(join(repoRoot, 'dist/health-gate/index.js'), 'utf8');
    expect(bundle).not.toMatch(/octokit/i);
  });
});
