/**
 * The one-step deploy's health gate with Prometheus metric checks (a real
 * Prometheus scraping the app every second): `$VERSION` is the version being
 * deployed, and a release whose error rate breaches the threshold is rolled
 * back although every HTTP probe passes.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { startPrometheus, type RunningPrometheus } from '../harness/prometheus.js';
import { runAction } from '../harness/runner.js';
import { json, startServer, type TestServer } from '../harness/server.js';

const V1 = 'ghcr.io/acme/shop:v1';
const V2 = 'ghcr.io/acme/shop:v2-errors';
/** Error ratio of each release's traffic; 100 requests a scrape each. */
const ERROR_RATIO = new Map([
  [V1, 0],
  [V2, 0.1],
]);
const counters = new Map<string, { ok: number; errors: number }>();

function exposition(): string {
  const lines = ['# TYPE http_requests_total counter'];
  for (const [version, ratio] of ERROR_RATIO) {
    const c = counters.get(version) ?? { ok: 0, errors: 0 };
    counters.set(version, c);
    c.errors += Math.round(100 * ratio);
    c.ok += 100 - Math.round(100 * ratio);
    lines.push(
      `http_requests_total{version="${version}",code="200"} ${c.ok}`,
      `http_requests_total{version="${version}",code="500"} ${c.errors}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const ERROR_RATE =
  'error-rate: sum(rate(http_requests_total{code=~"5..",version="$VERSION"}[5s])) / sum(rate(http_requests_total{version="$VERSION"}[5s])) < 0.02';

describe('deploy: health gate with Prometheus metric checks (real Prometheus, command provider)', () => {
  let app: TestServer;
  let prometheus: RunningPrometheus;
  let github: GitHubDouble;
  let workspace: string;
  const live = () => (existsSync(join(workspace, 'live.txt')) ? readFileSync(join(workspace, 'live.txt'), 'utf8') : '');

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'deploy-metrics-'));
    github = await startGitHubDouble({ token: 'ghs_metrics', repository: 'acme/shop' });
    app = await startServer((req, res) => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        return res.end(exposition());
      }
      // Every release answers its probes: only the metrics tell the broken one apart.
      return json(res, 200, { status: 'ok', image: live() });
    });
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${app.port}`] });
    // Rates need two scrapes.
    for (let i = 0; i < 100; i++) {
      const answer = await prometheus.query('count(rate(http_requests_total[5s]) >= 0)');
      const result = answer.data?.result as { value: [number, string] }[] | undefined;
      if (Number(result?.[0]?.value[1]) >= 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 30_000);
  // Failure paths too: whatever the step did, it spoke the API correctly.
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  afterAll(async () => {
    await prometheus?.stop();
    await app?.close();
    await github?.close();
  });

  const deploy = (image: string) =>
    runAction('deploy', {
      workspace,
      token: 'ghs_metrics',
      env: { GITHUB_API_URL: github.url },
      timeoutMs: 60_000,
      inputs: {
        environment: 'staging',
        image,
        provider: 'command',
        'deploy-command': `printf '%s' "$DEPLOY_IMAGE" > live.txt`,
        'environment-url': app.url,
        'health-interval': '200ms',
        'health-deadline': '10s',
        'health-success-threshold': '3',
        'health-prometheus-url': prometheus.url,
        'health-metrics': ERROR_RATE,
        'health-metrics-interval': '300ms',
      },
    });

  it('v1 passes its metrics; v2 breaches the error rate, is rolled back to v1 (deploy-command with the old image) and the probes verify it', async () => {
    const first = await deploy(V1);
    expect(first.errors, first.stdout).toEqual([]);
    expect(first.outputs.result).toBe('success');
    expect(first.stdout).toContain(`version="${V1}"`); // $VERSION is the version deployed
    expect(first.summary).toContain('#### ✅ Metrics');

    const second = await deploy(V2);
    expect(second.code).toBe(1);
    expect(second.outputs).toMatchObject({
      result: 'rolled-back',
      'failed-stage': 'health-gate',
      'previous-version': V1,
    });
    expect(second.errors.at(-1)).toMatch(
      /health gate failed: metric error-rate failed 1 measurement \(metrics-failure-limit 1\): 0\.1, expected < 0\.02; rolled back to ghcr\.io\/acme\/shop:v1/,
    );
    expect(live()).toBe(V1);
    expect(second.summary).toContain('#### ❌ Metrics');
    expect(second.summary).toMatch(/\| Verify rollback \| ✅ success \|/);
    expect(github.problems).toEqual([]);
  });
});
