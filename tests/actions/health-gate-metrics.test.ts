import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startPrometheus, type RunningPrometheus } from '../harness/prometheus.js';
import { runAction, visibleText, type ActionRun } from '../harness/runner.js';
import { json, startServer, type TestServer } from '../harness/server.js';

/**
 * A service exposing /metrics in the Prometheus text format, scraped every
 * second by a real Prometheus. Each scrape is "100 more requests" per
 * version, with that version's current error ratio and latency, so each test
 * picks its release's behaviour by the version it gates on ($VERSION).
 */
interface Phase {
  errorRatio: number;
  latency: number;
  /** Requests per scrape; 0 = the series exist but see no traffic (rates are 0, ratios NaN). */
  traffic: number;
}
const phases = new Map<string, Phase>([
  ['v-healthy', { errorRatio: 0, latency: 0.03, traffic: 100 }],
  ['v-broken', { errorRatio: 0.1, latency: 0.03, traffic: 100 }],
  ['v-slow', { errorRatio: 0, latency: 0.8, traffic: 100 }],
  ['v-idle', { errorRatio: 0, latency: 0.03, traffic: 0 }],
  ['v-degrading', { errorRatio: 0, latency: 0.03, traffic: 100 }],
]);
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5];
const counters = new Map<string, { ok: number; errors: number; buckets: number[]; sum: number }>();

function exposition(): string {
  const lines = ['# TYPE http_requests_total counter', '# TYPE http_request_duration_seconds histogram'];
  for (const [version, phase] of phases) {
    const c = counters.get(version) ?? { ok: 0, errors: 0, buckets: BUCKETS.map(() => 0).concat(0), sum: 0 };
    counters.set(version, c);
    const errors = Math.round(phase.traffic * phase.errorRatio);
    c.errors += errors;
    c.ok += phase.traffic - errors;
    [...BUCKETS, Infinity].forEach((le, i) => (c.buckets[i] += phase.latency <= le ? phase.traffic : 0));
    c.sum += phase.traffic * phase.latency;
    const v = `version="${version}"`;
    lines.push(`http_requests_total{${v},code="200"} ${c.ok}`, `http_requests_total{${v},code="500"} ${c.errors}`);
    [...BUCKETS, Infinity].forEach((le, i) =>
      lines.push(`http_request_duration_seconds_bucket{${v},le="${le === Infinity ? '+Inf' : le}"} ${c.buckets[i]}`),
    );
    lines.push(
      `http_request_duration_seconds_sum{${v}} ${c.sum}`,
      `http_request_duration_seconds_count{${v}} ${c.buckets.at(-1)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

let app: TestServer;
let prometheus: RunningPrometheus;
/** In front of Prometheus: demands a bearer token, as hosted Prometheus services do. */
let authProxy: TestServer;
const TOKEN = 'prom-t0ken-9f8e7d';

const ERROR_RATE =
  'error-rate: sum(rate(http_requests_total{code=~"5..",version="$VERSION"}[5s])) / sum(rate(http_requests_total{version="$VERSION"}[5s])) < 0.02';
const P95 =
  'p95-latency: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{version="${VERSION}"}[5s]))) < 0.3';

beforeAll(async () => {
  app = await startServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      return res.end(exposition());
    }
    if (path === '/slow') {
      await new Promise((r) => setTimeout(r, 20_000));
      return json(res, 200, { status: 'ok' });
    }
    if (path === '/health') return json(res, 200, { status: 'ok' });
    return json(res, 404, {});
  });
  prometheus = await startPrometheus({ targets: [`127.0.0.1:${app.port}`] });
  authProxy = await startServer(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`)
      return json(res, 401, { status: 'error', error: 'authentication required' });
    const upstream = await fetch(`${prometheus.url}${req.url}`);
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(await upstream.text());
  });
  // Rates need two scrapes of every version.
  for (let i = 0; i < 100; i++) {
    const answer = await prometheus.query('count(rate(http_requests_total[5s]) >= 0)');
    const result = answer.data?.result as { value: [number, string] }[] | undefined;
    if (Number(result?.[0]?.value[1]) >= 2 * phases.size) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 30_000);

afterAll(async () => {
  await prometheus?.stop();
  await authProxy?.close();
  await app?.close();
});

const gate = (inputs: Record<string, string>, onStdout?: (chunk: string) => void) =>
  runAction('health-gate', {
    onStdout,
    inputs: {
      url: `${app.url}/health`,
      interval: '200ms',
      timeout: '2s',
      deadline: '10s',
      'success-threshold': '3',
      'prometheus-url': prometheus.url,
      'metrics-interval': '300ms',
      ...inputs,
    },
  });

/** How long the gate itself ran (its `duration-ms` output): what a deadline bounds, process start-up aside. */
const gateMs = (run: ActionRun) => Number(run.outputs['duration-ms']);

describe('health-gate metric checks against a real Prometheus', () => {
  it('passes a healthy release: error rate and p95 latency under their thresholds', async () => {
    const run = await gate({ metrics: `${ERROR_RATE}\n${P95}`, version: 'v-healthy' });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.healthy).toBe('true');
    // $VERSION and ${VERSION} were replaced before the queries went out.
    expect(run.stdout).toContain('error-rate: sum(rate(http_requests_total{code=~"5..",version="v-healthy"}[5s]))');
    expect(run.stdout).toContain('rate(http_request_duration_seconds_bucket{version="v-healthy"}[5s])');
    expect(run.stdout).toMatch(/metric error-rate: 0 < 0.02 ok \| passes 3\/3/);
    expect(run.stdout).toMatch(/metric p95-latency: 0\.0475 < 0\.3 ok \| passes 3\/3/);
    const metrics = JSON.parse(run.outputs.metrics);
    expect(metrics['error-rate']).toMatchObject({ passed: true, value: 0, failures: 0 });
    expect(metrics['p95-latency'].passed).toBe(true);
    expect(metrics['p95-latency'].value).toBeCloseTo(0.0475, 4);
    expect(run.summary).toContain('### ✅ Metrics');
    expect(run.summary).toMatch(/\| error-rate \| `< 0.02` \| ✅ met \| 0 \|/);
    expect(run.summary).toMatch(/\| Elapsed \| error-rate \| p95-latency \|/);
    expect(run.summary).toContain('0.0475 ✅');
    expect(run.summary).toContain('```mermaid\nxychart-beta');
    expect(run.summary).toContain('title "p95-latency: value, and the threshold < 0.3"');
  });

  it('fails on an error-rate breach, naming the metric, its value and the threshold, without waiting for a slow probe', async () => {
    // The probe endpoint takes 20s; the breach must not wait for it.
    const run = await gate({
      metrics: ERROR_RATE,
      version: 'v-broken',
      url: `${app.url}/slow`,
      timeout: '30s',
      deadline: '60s',
    });
    expect(run.code).toBe(1);
    expect(run.outputs.healthy).toBe('false');
    expect(run.errors.join('\n')).toMatch(
      /metric error-rate failed 1 measurement \(metrics-failure-limit 1\): 0\.1, expected < 0\.02/,
    );
    expect(run.stdout).toMatch(/metric error-rate: FAIL 0\.1, expected < 0\.02 \| passes 0\/3 \| failures 1\/1/);
    expect(gateMs(run)).toBeLessThan(10_000);
    expect(JSON.parse(run.outputs.metrics)['error-rate']).toMatchObject({ passed: false, value: 0.1, failures: 1 });
    expect(run.summary).toContain('### ❌ Metrics');
    expect(run.summary).toMatch(/\| error-rate \| `< 0.02` \| ❌ failed \| 0\.1 \|/);
    expect(run.summary).toContain('0.1 ❌');
  });

  it('fails on a latency breach (histogram p95 above its threshold)', async () => {
    const run = await gate({ metrics: `${ERROR_RATE}\n${P95}`, version: 'v-slow' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(
      /metric p95-latency failed 1 measurement \(metrics-failure-limit 1\): 0\.975, expected < 0\.3/,
    );
    expect(run.errors.join('\n')).not.toContain('metric error-rate failed');
  });

  it('counts failures up to metrics-failure-limit when a release degrades mid-gate', async () => {
    phases.get('v-degrading')!.errorRatio = 0;
    // The release degrades once the gate has seen it pass.
    const degrade = (chunk: string) => chunk.includes('passes 1/100') && (phases.get('v-degrading')!.errorRatio = 0.2);
    const run = await gate(
      {
        metrics: `${ERROR_RATE}\n${P95}`,
        version: 'v-degrading',
        'success-threshold': '100',
        'metrics-failure-limit': '2',
        deadline: '60s',
      },
      degrade,
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/metric error-rate: 0 < 0.02 ok \| passes 1\/100/);
    expect(run.stdout).toMatch(/failures 1\/2/);
    expect(run.errors.join('\n')).toMatch(
      /metric error-rate failed 2 measurements \(metrics-failure-limit 2\): [\d.]+, expected < 0\.02/,
    );
    expect(gateMs(run)).toBeLessThan(50_000); // not at the deadline
    // The other metric kept passing and is not blamed.
    expect(run.summary).toMatch(/\| error-rate \| `< 0.02` \| ❌ failed \| [\d.]+ \| \d+ \| 2\/2 \| 0 \| 0 \|/);
    expect(run.summary).toMatch(/\| p95-latency \| `< 0.3` \| ⏳ not met \| 0\.0475 \| \d+ \| 0\/2 \| 0 \| 0 \|/);
    expect(run.summary).toMatch(/\| [\d.]+m?s \| 0 ✅ \| 0\.0475 ✅ \|/);
    expect(run.summary).toMatch(/\| [\d.]+m?s \| 0\.0\d+ ❌ \| 0\.0475 ✅ \|/);
  });

  it('an empty result never passes with metrics-inconclusive fail, and passes with pass', async () => {
    const run = await gate({ metrics: ERROR_RATE, version: 'v-missing', deadline: '2s' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'metric error-rate: NO DATA the query returned an empty result (metrics-inconclusive: fail)',
    );
    expect(run.errors.join('\n')).toMatch(
      /metric error-rate \(< 0.02\) had 0\/3 consecutive passes within 2s; no data: the query returned an empty result/,
    );
    expect(gateMs(run)).toBeLessThan(2000 + 2000 + 2000); // the deadline, a query's timeout, a margin
    expect(run.summary).toContain('∅ no data');

    const lenient = await gate({
      metrics: ERROR_RATE,
      version: 'v-missing',
      deadline: '5s',
      'metrics-inconclusive': 'pass',
    });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain(
      'NO DATA the query returned an empty result (metrics-inconclusive: pass) | passes 3/3',
    );
  });

  it('treats NaN (no traffic: 0/0) as inconclusive too', async () => {
    const run = await gate({ metrics: ERROR_RATE, version: 'v-idle', deadline: '1500ms' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain('no data: the query returned NaN');
    const lenient = await gate({ metrics: ERROR_RATE, version: 'v-idle', 'metrics-inconclusive': 'pass' });
    expect(lenient.code).toBe(0);
  });

  it('Prometheus down: retries, reports the query error distinctly, and fails by the deadline', async () => {
    const closed = await freePort();
    const run = await gate({
      metrics: ERROR_RATE,
      version: 'v-healthy',
      'prometheus-url': `http://127.0.0.1:${closed}`,
      deadline: '2s',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `metric error-rate: QUERY ERROR Prometheus at http://127.0.0.1:${closed} is unreachable: ECONNREFUSED`,
    );
    expect(run.errors.join('\n')).toContain(
      `metric error-rate (< 0.02) had 0/3 consecutive passes within 2s; last query error: Prometheus at http://127.0.0.1:${closed} is unreachable: ECONNREFUSED`,
    );
    expect(run.errors.join('\n')).not.toMatch(/failed \d+ measurement/);
    expect(run.summary).toContain('⚠️ unreachable');
    expect(JSON.parse(run.outputs.metrics)['error-rate'].failures).toBe(0);
    expect(gateMs(run)).toBeLessThan(2000 + 2000 + 2000);
  });

  it("a bad PromQL fails at once with Prometheus's own parse error", async () => {
    const run = await gate({ metrics: 'broken: sum(rate(http_requests_total[5s]) < 1', deadline: '60s' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(
      /metric broken: Prometheus rejected the query: invalid parameter "query": 1:\d+: parse error: unclosed left parenthesis \(query: sum\(rate\(http_requests_total\[5s\]\)\)?/,
    );
    expect(run.summary).toMatch(/\| broken \| `< 1` \| ❌ query rejected \|/);
    expect(run.summary).toContain('Last query error: broken: Prometheus rejected the query');
    expect(gateMs(run)).toBeLessThan(10_000); // at once, not at the deadline
  });

  it('a range vector is not a number: clear error at once', async () => {
    const run = await gate({ metrics: 'raw: http_requests_total[5s] > 0', deadline: '20s' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain(
      'metric raw: the query returns a matrix (a range vector: wrap it in a function such as rate()',
    );
  });

  it('sends prometheus-headers (masked) and reports refused credentials clearly', async () => {
    const run = await gate({
      metrics: ERROR_RATE,
      version: 'v-healthy',
      'prometheus-url': `${authProxy.url}/`,
      'prometheus-headers': `Authorization: Bearer ${TOKEN}`,
    });
    expect(run.code).toBe(0);
    expect(run.masks).toContain(`Bearer ${TOKEN}`);
    expect(visibleText(run)).not.toContain(TOKEN);
    expect(authProxy.requests.at(-1)!.url).toMatch(/^\/api\/v1\/query\?query=sum/);

    const refused = await gate({
      metrics: ERROR_RATE,
      version: 'v-healthy',
      'prometheus-url': authProxy.url,
      'prometheus-headers': 'Authorization: Bearer wrong-t0ken',
      deadline: '60s',
    });
    expect(refused.code).toBe(1);
    expect(refused.errors.join('\n')).toContain(
      `Prometheus at ${authProxy.url} refused the credentials (status 401); check prometheus-headers`,
    );
    expect(visibleText(refused)).not.toContain('wrong-t0ken');
    expect(gateMs(refused)).toBeLessThan(10_000); // at once, not at the deadline
  });

  it('a Prometheus URL redirecting to another origin: prometheus-headers never reach it, and the gate does not pass', async () => {
    const redirector = await startServer((req, res) => {
      res.writeHead(302, { location: `${authProxy.url}${req.url}` });
      res.end();
    });
    try {
      const before = authProxy.requests.length;
      const run = await gate({
        metrics: ERROR_RATE,
        version: 'v-healthy',
        'prometheus-url': redirector.url,
        'prometheus-headers': `Authorization: Bearer ${TOKEN}`,
        deadline: '5s',
      });
      expect(run.code).toBe(1);
      expect(redirector.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(authProxy.requests.slice(before)).toEqual([]);
      expect(run.errors.join('\n')).toContain(
        `Prometheus at ${redirector.url}: redirected to ${authProxy.url}/… (status 302), another origin: not followed`,
      );
      expect(run.stdout).toContain('(retrying cannot help)');
      expect(visibleText(run)).not.toContain(TOKEN);
    } finally {
      await redirector.close();
    }
  });

  it('environment and service replace $ENVIRONMENT and $SERVICE in the queries sent (seen at a recording proxy)', async () => {
    const metrics = 'tagged: sum(up{env="$ENVIRONMENT",svc="$SERVICE"}) or vector(0) < 1';
    const headers = `Authorization: Bearer ${TOKEN}`;
    const run = await gate({
      metrics,
      environment: 'env-given',
      service: 'svc-given',
      'prometheus-url': authProxy.url,
      'prometheus-headers': headers,
    });
    expect(run.code, run.stdout).toBe(0);
    const sent = authProxy.requests
      .map((r) => new URL(r.url, 'http://x').searchParams.get('query') ?? '')
      .filter((q) => q.includes('sum(up'));
    expect(sent.length).toBeGreaterThan(0);
    for (const query of sent) expect(query).toContain('up{env="env-given",svc="svc-given"}');
  });

  it('rejects bad metric inputs in one clear error', async () => {
    const run = await runAction('health-gate', {
      inputs: {
        url: `${app.url}/health`,
        'prometheus-url': 'prometheus:9090',
        metrics: 'error-rate: sum(rate(x[1m]))\nno name here < 1',
        'metrics-interval': 'often',
        'metrics-failure-limit': '0',
        'metrics-inconclusive': 'maybe',
      },
    });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    for (const fragment of [
      '"prometheus-url": expected an http:// or https:// URL, got "prometheus:9090"',
      '"metrics": expected lines "name: <PromQL> <op> <number>" with op one of < <= > >= == !=; line 1 "error-rate: sum(rate(x[1m]))": it does not end with a comparison to a number',
      'line 2 "no name here < 1": it does not start with a name and a colon',
      '"metrics-interval": expected a duration',
      '"metrics-failure-limit": expected a whole number from 1 to 1000, got "0"',
      '"metrics-inconclusive": expected one of "fail", "pass", got "maybe"',
    ])
      expect(run.errors[0]).toContain(fragment);

    const missing = await runAction('health-gate', { inputs: { url: `${app.url}/health`, metrics: ERROR_RATE } });
    expect(missing.errors.join('\n')).toContain(
      '"prometheus-url": expected the http:// or https:// URL of Prometheus, since metrics are set, got nothing',
    );
    expect(missing.errors.join('\n')).toContain(
      '"version": expected a value, since metric error-rate uses $VERSION, got nothing',
    );
    const none = await runAction('health-gate', {
      inputs: { url: `${app.url}/health`, 'prometheus-url': prometheus.url },
    });
    expect(none.errors.join('\n')).toContain(
      '"metrics": expected at least one of lines "name: <PromQL> <op> <number>"',
    );
  });
});
