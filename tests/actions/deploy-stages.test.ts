/**
 * The one-step deploy's stages, through its bundle. One table over
 * actions/deploy/action.yml: every input that belongs to a stage (`smoke-*`,
 * `health-*` and each provider's own) is set to a distinctive value in a run,
 * and its row sees it arrive: a header at the local app server, a probe count,
 * a query at a real Prometheus (behind a recording proxy that demands a
 * token), a lock released, a container left alone. The runs go through each
 * provider: command (bash scripts, GitHub REST test double for its history),
 * docker (a real sshd and engine, a real registry behind recording auth
 * fronts) and kubernetes (real kubectl against the Kubernetes API test
 * double). And `previous-version` is set whenever a release was live, also
 * when the pre-deploy command or the deploy itself failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findProvider, providerNames } from '../../shared/providers/index.js';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { startKubernetesDouble, type KubernetesDouble } from '../fakes/kubernetes.js';
import { docker, removeService } from '../harness/docker-env.js';
import { appImage, proxyImage } from '../harness/images.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { dockerAvailable, ensureDocker, kubectlVersion } from '../harness/infra.js';
import { startPrometheus, type RunningPrometheus } from '../harness/prometheus.js';
import { deploymentObject } from '../harness/kubernetes-objects.js';
import { startAuthFront, startRegistry, type AuthFront, type TestRegistry } from '../harness/registry.js';
import { readActionYml, runAction, visibleText, type ActionRun } from '../harness/runner.js';
import { selfSignedCertificate } from '../harness/tls.js';
import { getByHost } from '../harness/host-get.js';
import { json, startServer, type RecordedRequest, type TestServer } from '../harness/server.js';

await ensureDocker();
const hasDocker = dockerAvailable();
const KUBECTL = kubectlVersion();

type Check = (run: ActionRun) => void | Promise<void>;
/** A row: the run that sets the input, and what shows it arrived. */
interface Row {
  run: string;
  saw: Check;
}

/** Each memoised run of a group, started by the first row that needs it. */
function runsOf(defs: Record<string, () => Promise<ActionRun>>): (name: string) => Promise<ActionRun> {
  const started = new Map<string, Promise<ActionRun>>();
  return (name) => {
    if (!defs[name]) throw new Error(`no run "${name}"`);
    if (!started.has(name)) started.set(name, defs[name]());
    return started.get(name)!;
  };
}

const ROWS: Record<string, Row> = {};
/** A group's rows, added to the table. */
function rows(group: Record<string, Row>): [string, Row][] {
  Object.assign(ROWS, group);
  return Object.entries(group);
}

const stageInput = (name: string) => name.startsWith('smoke-') || name.startsWith('health-');
// teardown-command belongs to the teardown action alone: the one-step deploy leaves it out of its schema.
const providerInputs = providerNames()
  .flatMap((p) => Object.keys(findProvider(p)!.inputs.shape))
  .filter((name) => name !== 'teardown-command');

it('every smoke-*, health-* and provider input of actions/deploy/action.yml has a row in this table', () => {
  const declared = Object.keys(readActionYml('deploy').inputs ?? {});
  expect(providerInputs.length).toBeGreaterThan(15);
  for (const name of providerInputs) expect(declared, name).toContain(name);
  expect(declared.filter((n) => (stageInput(n) || providerInputs.includes(n)) && !ROWS[n])).toEqual([]);
  expect(Object.keys(ROWS).filter((n) => !declared.includes(n))).toEqual([]);
});

const paths = (server: TestServer, path: string) => server.requests.filter((r) => r.url === path);
/** The shortest pause between consecutive requests (of at least two). */
function minGap(requests: readonly RecordedRequest[]): number {
  expect(requests.length).toBeGreaterThan(1);
  return Math.min(...requests.slice(1).map((r, i) => r.at - requests[i].at));
}
const never = () => new Promise<void>(() => undefined);
const TOKEN = 'ghs_deploy_stages_token';
const IMAGE = 'ghcr.io/acme/stages';

// ------------------------------------------------------------------ command

const DEPLOY = `printf '%s\\n' "$DEPLOY_IMAGE" >> "deployed-$DEPLOY_ENVIRONMENT.log"`;
const ROLLBACK = `printf '%s\\n' "$DEPLOY_IMAGE" >> "rolled-back-$DEPLOY_ENVIRONMENT.log"`;
const PROM_TOKEN = 'prom-stages-7d2e';

describe('with the command provider (bash scripts; local app server; real Prometheus behind a recording proxy; GitHub REST test double)', () => {
  /** The environment, and the recording proxy in front of Prometheus. */
  let app: TestServer, promProxy: TestServer;
  let prometheus: RunningPrometheus;
  let github: GitHubDouble;
  let workspace: string;
  let inFlight = 0;
  let maxInFlight = 0;
  const served = new Map<string, number>();
  const nth = (path: string) => {
    served.set(path, (served.get(path) ?? 0) + 1);
    return served.get(path)!;
  };
  const log = (file: string) =>
    existsSync(join(workspace, file)) ? readFileSync(join(workspace, file), 'utf8').trim().split('\n') : [];
  const promql = (r: RecordedRequest) => new URL(r.url, 'http://x').searchParams.get('query') ?? '';
  const queries = (text: string) => promProxy.requests.filter((r) => promql(r).includes(text));
  const [TAGGED, EMPTY] = ['sum(up{', 'absent_series_of_stages'];

  beforeAll(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'deploy-stages-'));
    writeFileSync(
      join(workspace, 'smoke.yml'),
      'flows:\n  - name: from-file\n    steps:\n      - request: { path: /smoke/file }\n',
    );
    app = await startServer(async (req, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/smoke/slow/')) {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((r) => setTimeout(r, 300));
        inFlight--;
      }
      if (path === '/smoke/flaky' && nth(path) === 1) return json(res, 503, { error: 'warming up' });
      if (path === '/smoke/hang' || path === '/gate/hang') return never();
      if (path === '/gate/strict')
        return req.method === 'PUT' && req.headers['x-gate'] === 'g-7c1'
          ? json(res, 203, { status: 'ok' })
          : json(res, 400, { error: 'PUT with X-Gate' });
      if (path === '/gate/plain') return res.writeHead(200, { 'content-type': 'text/plain' }).end('all good');
      if (path === '/gate/json') return json(res, 200, { status: 'degraded' });
      if (path === '/gate/slow') await new Promise((r) => setTimeout(r, 250));
      if (path === '/gate/flap' && nth(path) > 1) return json(res, 500, { status: 'down' });
      return json(res, 200, { status: 'ok' });
    });
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
    prometheus = await startPrometheus({ targets: [`127.0.0.1:${app.port}`] });
    promProxy = await startServer(async (req, res) => {
      if (req.headers.authorization !== `Bearer ${PROM_TOKEN}`)
        return json(res, 401, { status: 'error', errorType: 'unauthorized', error: 'token required' });
      const answer = await fetch(`${prometheus.url}${req.url}`);
      return json(res, answer.status, await answer.json());
    });
  }, 30_000);
  // Failure paths too: whatever the step did, it spoke the API correctly.
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  afterAll(async () => {
    for (const server of [app, promProxy, github]) await server?.close();
    await prometheus?.stop();
  });

  /**
   * A release named after its environment, deployed by the scripts; the gate passes at its first probe unless a row
   * says more.
   */
  const commandInputs = (environment: string) => ({
    environment,
    image: `${IMAGE}:${environment}`,
    service: 'stages',
    provider: 'command',
    'deploy-command': DEPLOY,
    'rollback-command': ROLLBACK,
    'environment-url': app.url,
    'health-interval': '100ms',
    'health-deadline': '10s',
    'health-success-threshold': '1',
    'auto-rollback': 'false',
  });
  const deploy = (environment: string, inputs: Record<string, string>, env: Record<string, string> = {}) =>
    runAction('deploy', {
      workspace,
      token: TOKEN,
      timeoutMs: 60_000,
      env: { GITHUB_API_URL: github.url, ...env },
      inputs: { ...commandInputs(environment), ...inputs },
    });
  const gate = (environment: string, path: string, inputs: Record<string, string>) =>
    deploy(environment, { 'health-url': `${app.url}${path}`, ...inputs });
  const prometheusInputs = () => ({
    'health-prometheus-url': promProxy.url,
    'health-prometheus-headers': `Authorization: Bearer ${PROM_TOKEN}`,
  });

  const run = runsOf({
    smoke: () =>
      deploy(
        'smoke',
        {
          'smoke-checks':
            'flows:\n  - name: from-input\n    steps:\n      - request: { path: /smoke/yaml, headers: { X-Listed: "${LISTED_VALUE}" } }\n',
          'smoke-checks-file': 'smoke.yml',
          'smoke-paths': ['GET /smoke/path 200', ...[1, 2, 3, 4, 5].map((n) => `GET /smoke/slow/${n} 200`)].join('\n'),
          'smoke-headers': 'X-Smoke: smk-header-31',
          'smoke-variables': 'LISTED_VALUE',
          'smoke-concurrency': '2',
        },
        { LISTED_VALUE: 'listed-9f' },
      ),
    'smoke-fails': () =>
      deploy('smoke-fails', {
        'smoke-paths': 'GET /smoke/flaky 200\nGET /smoke/hang 200',
        'smoke-timeout': '400ms',
        'smoke-retries': '0',
      }),
    gate: () =>
      gate('gate', '/gate/strict', {
        'health-method': 'put',
        'health-headers': 'X-Gate: g-7c1',
        'health-expect-status': '203',
        'health-interval': '300ms',
        'health-success-threshold': '4',
        ...prometheusInputs(),
        'health-metrics':
          'tagged: sum(up{version="$VERSION",env="$ENVIRONMENT",svc="$SERVICE"}) or vector(0) < 1\nempty: sum(absent_series_of_stages{version="$VERSION"}) < 1',
        'health-metrics-interval': '700ms',
        'health-metrics-inconclusive': 'pass',
        'health-version': 'rel-42',
        'health-environment': 'env-given',
        'health-service': 'svc-given',
      }),
    'gate-body': () =>
      gate('gate-body', '/gate/plain', { 'health-body-contains': 'needle-4b', 'health-deadline': '1200ms' }),
    'gate-json': () =>
      gate('gate-json', '/gate/json', { 'health-json-assertions': 'status == ok', 'health-deadline': '1s' }),
    'gate-latency': () => gate('gate-latency', '/gate/slow', { 'health-max-latency': '50ms', 'health-deadline': '1s' }),
    'gate-timeout': () => gate('gate-timeout', '/gate/hang', { 'health-timeout': '300ms', 'health-deadline': '2s' }),
    'gate-flaps': () =>
      gate('gate-flaps', '/gate/flap', { 'health-success-threshold': '5', 'health-max-failures': '2' }),
    // A release live before, so the failing metric rolls back (rollback-command), and the probes verify it.
    'metrics-fail': async () => {
      const first = await deploy('metrics-fail', {});
      expect(first.outputs.result, first.stdout).toBe('success');
      return deploy('metrics-fail', {
        image: `${IMAGE}:metrics-fail-v2`,
        'auto-rollback': 'true',
        'health-url': `${app.url}/gate/ok`,
        'health-success-threshold': '3',
        ...prometheusInputs(),
        'health-metrics': 'always-high: vector(5) < 1',
        'health-metrics-failure-limit': '2',
      });
    },
    'deploy-fails': async () => {
      await deploy('deploy-fails', {});
      return deploy('deploy-fails', {
        image: `${IMAGE}:deploy-fails-v2`,
        'deploy-command': 'echo uploading; sleep 30',
        'command-timeout': '1s',
      });
    },
    'pre-deploy-fails': async () => {
      await deploy('pre-deploy-fails', {});
      return deploy('pre-deploy-fails', {
        image: `${IMAGE}:pre-deploy-fails-v2`,
        'pre-deploy-command': 'echo "$DEPLOY_PREVIOUS_VERSION" > pre.txt; exit 3',
      });
    },
    'first-deploy-fails': () => deploy('first-deploy-fails', { 'deploy-command': 'exit 7' }),
  });
  /** The run failed at `stage` (auto-rollback is off), saying `text` in its error, or in its summary with `where`. */
  const failedWith = (r: ActionRun, stage: string, text: string | RegExp, where: 'error' | 'summary' = 'error') => {
    expect(r.outputs, r.stdout).toMatchObject({ result: 'failed', 'failed-stage': stage });
    expect(where === 'error' ? r.errors.at(-1) : r.summary).toMatch(text);
  };

  describe.each(
    rows({
      'smoke-checks': { run: 'smoke', saw: () => void expect(paths(app, '/smoke/yaml')).toHaveLength(1) },
      'smoke-checks-file': { run: 'smoke', saw: () => void expect(paths(app, '/smoke/file')).toHaveLength(1) },
      'smoke-paths': {
        run: 'smoke',
        saw: (r) =>
          void expect([paths(app, '/smoke/path').length, r.summary]).toEqual([
            1,
            expect.stringContaining('#### ✅ All 8 steps passed in 8 flows'),
          ]),
      },
      'smoke-headers': {
        run: 'smoke',
        saw: () => void expect(paths(app, '/smoke/path')[0].headers['x-smoke']).toBe('smk-header-31'),
      },
      'smoke-variables': {
        run: 'smoke',
        saw: () => void expect(paths(app, '/smoke/yaml')[0].headers['x-listed']).toBe('listed-9f'),
      },
      'smoke-concurrency': { run: 'smoke', saw: () => void expect(maxInFlight).toBe(2) },
      'smoke-timeout': {
        run: 'smoke-fails',
        saw: (r) => failedWith(r, 'smoke', /GET \/smoke\/hang.*timed out after 400ms/, 'summary'),
      },
      // Without retries, one 503 is the answer (the default, 2, would have passed on the second attempt).
      'smoke-retries': {
        run: 'smoke-fails',
        saw: (r) =>
          void expect([paths(app, '/smoke/flaky').length, r.summary]).toEqual([
            1,
            expect.stringMatching(/GET \/smoke\/flaky.*\*\*fail\*\* \| 503/),
          ]),
      },
      'health-url': {
        run: 'gate',
        saw: (r) => void expect([r.outputs.result, paths(app, '/gate/strict').length]).toEqual(['success', 4]),
      },
      'health-method': {
        run: 'gate',
        saw: () => void expect(new Set(paths(app, '/gate/strict').map((q) => q.method))).toEqual(new Set(['PUT'])),
      },
      'health-headers': {
        run: 'gate',
        saw: () => void expect(paths(app, '/gate/strict').every((q) => q.headers['x-gate'] === 'g-7c1')).toBe(true),
      },
      // The strict endpoint answers 203: the default (200) would fail every probe.
      'health-expect-status': {
        run: 'gate',
        saw: (r) => void expect(r.stdout).toMatch(/attempt 1: 203, .* ok \| passes 1\/4/),
      },
      'health-interval': {
        run: 'gate',
        saw: () => void expect(minGap(paths(app, '/gate/strict'))).toBeGreaterThanOrEqual(270),
      },
      'health-success-threshold': {
        run: 'gate',
        saw: (r) =>
          void expect([r.stdout, paths(app, '/gate/strict').length]).toEqual([
            expect.stringContaining('passes 4/4'),
            4,
          ]),
      },
      'health-prometheus-url': {
        run: 'gate',
        saw: () => void expect([queries(TAGGED).length, queries(EMPTY).length]).toEqual([4, 4]),
      },
      // The proxy answers 401 without the token: every measurement would be a query error.
      'health-prometheus-headers': {
        run: 'gate',
        saw: (r) =>
          void expect([r.stdout, r.summary]).toEqual([
            expect.not.stringContaining('QUERY ERROR'),
            expect.stringContaining('#### ✅ Metrics'),
          ]),
      },
      'health-metrics': {
        run: 'gate',
        saw: (r) => void expect(r.stdout).toMatch(/metric tagged: 0 < 1 ok \| passes 4\/4 \(met\)/),
      },
      'health-metrics-interval': {
        run: 'gate',
        saw: () => void expect(minGap(queries(TAGGED))).toBeGreaterThanOrEqual(630),
      },
      // The empty query has no data: with the default (fail) the gate could not pass.
      'health-metrics-inconclusive': {
        run: 'gate',
        saw: (r) =>
          void expect(r.stdout).toMatch(
            /metric empty: NO DATA .*\(metrics-inconclusive: pass\) \| passes 4\/4 \(met\)/,
          ),
      },
      'health-version': {
        run: 'gate',
        saw: () => void expect(promql(queries(TAGGED)[0])).toContain('version="rel-42"'),
      },
      'health-environment': {
        run: 'gate',
        saw: () => void expect(promql(queries(TAGGED)[0])).toContain('env="env-given"'),
      },
      'health-service': {
        run: 'gate',
        saw: () => void expect(promql(queries(TAGGED)[0])).toContain('svc="svc-given"'),
      },
      'health-body-contains': {
        run: 'gate-body',
        saw: (r) => failedWith(r, 'health-gate', 'body does not contain "needle-4b" (got "all good")'),
      },
      'health-deadline': {
        run: 'gate-body',
        saw: (r) => failedWith(r, 'health-gate', 'not healthy within 1.2s (0/1 consecutive passes)'),
      },
      'health-json-assertions': { run: 'gate-json', saw: (r) => failedWith(r, 'health-gate', /status.*degraded/) },
      'health-max-latency': { run: 'gate-latency', saw: (r) => failedWith(r, 'health-gate', /latency \d+ms > 50ms/) },
      'health-timeout': { run: 'gate-timeout', saw: (r) => failedWith(r, 'health-gate', /timed out after 300ms/) },
      'health-max-failures': {
        run: 'gate-flaps',
        saw: (r) => failedWith(r, 'health-gate', '2 consecutive failed probes after the service had passed (flapping)'),
      },
      'health-metrics-failure-limit': {
        run: 'metrics-fail',
        saw: (r) => {
          expect(r.outputs).toMatchObject({ result: 'rolled-back', 'failed-stage': 'health-gate' });
          expect(r.errors.at(-1)).toContain('metric always-high failed 2 measurements (metrics-failure-limit 2)');
          expect(queries('vector(5)')).toHaveLength(2);
        },
      },
      'deploy-command': { run: 'smoke', saw: () => void expect(log('deployed-smoke.log')).toEqual([`${IMAGE}:smoke`]) },
      'rollback-command': {
        run: 'metrics-fail',
        saw: () => void expect(log('rolled-back-metrics-fail.log')).toEqual([`${IMAGE}:metrics-fail`]),
      },
      'command-timeout': {
        run: 'deploy-fails',
        saw: (r) => failedWith(r, 'deploy', /deploy-command timed out after 1s \(command-timeout\)/),
      },
    }),
  )('%s', (_name, row) => {
    it('reaches its stage', async () => {
      await row.saw(await run(row.run));
      expect(github.problems).toEqual([]);
    });
  });

  describe('previous-version: the release live before, whenever there was one', () => {
    it('when the pre-deploy command fails, nothing was deployed but something was live', async () => {
      const r = await run('pre-deploy-fails');
      expect(r.outputs).toMatchObject({
        result: 'failed',
        'failed-stage': 'pre-deploy',
        version: '',
        'previous-version': `${IMAGE}:pre-deploy-fails`,
      });
      expect(readFileSync(join(workspace, 'pre.txt'), 'utf8').trim()).toBe(`${IMAGE}:pre-deploy-fails`);
      expect(r.summary).toContain(`| Live now | \`${IMAGE}:pre-deploy-fails\` |`);
    });

    it('when the deploy itself fails', async () => {
      const r = await run('deploy-fails');
      expect(r.outputs).toMatchObject({
        result: 'failed',
        'failed-stage': 'deploy',
        version: '',
        'previous-version': `${IMAGE}:deploy-fails`,
      });
      expect(r.summary).toContain(`| Live now | \`${IMAGE}:deploy-fails\` |`);
    });

    it('empty only when nothing was live: a failing first deploy', async () => {
      const r = await run('first-deploy-fails');
      expect(r.outputs).toMatchObject({ result: 'failed', 'failed-stage': 'deploy', 'previous-version': '' });
      expect(r.warnings).toEqual([]);
    });
  });
});

// ------------------------------------------------------------------ docker

const SERVICE = 'stages';
// The database network, the data volume and the shared ingress, named after the service.
const NETWORK = `${SERVICE}-db`;
const VOLUME = `${SERVICE}-data`;
const INGRESS = `${SERVICE}-ingress`;
const INGRESS_HTTP = 18518;
const INGRESS_HTTPS = INGRESS_HTTP + 1;
const APP_COMMAND = '/bin/busybox httpd -f -p 8080 -h /www';
/** Every runtime option of the Docker provider, and one worker role. */
const RUNTIME = {
  volumes: `${VOLUME}:/data`,
  networks: NETWORK,
  command: APP_COMMAND,
  memory: '256m',
  cpus: '0.5',
  restart: 'on-failure',
  'container-labels': 'team=stages',
  roles: 'worker:\n  command: /bin/busybox sleep 3600\n  ready-after: 1s\n  stop-timeout: 2s',
};
const SSH_PORT = 2297;
const REGISTRY_PORT = 5477;
const PUBLISH = 18517;
const [APP_USER, APP_PASS, PROXY_USER, PROXY_PASS] = ['stages-app', 'app-pass-5hQ2', 'stages-proxy', 'proxy-pass-8Lm3'];
const LOCK_HOLDER = 'https://github.com/acme/shop/actions/runs/77';

describe.skipIf(!hasDocker)(
  'with the docker provider (real sshd and engine; a real registry behind recording auth fronts)',
  () => {
    let sshd: Sshd;
    let backend: TestRegistry;
    let appFront: AuthFront;
    let proxyFront: AuthFront;
    const refs = { local: '', app: '', proxy: '' };
    /** A lock left by a deploy that died. */
    const plantLock = () => {
      const labels = {
        service: SERVICE,
        environment: 'staging',
        role: 'lock',
        'lock-holder': LOCK_HOLDER,
        time: '2026-02-03T04:05:06.000Z',
        version: 'app:dead',
      };
      docker(
        'create',
        '--name',
        `${SERVICE}-staging-lock`,
        ...Object.entries(labels).flatMap(([k, v]) => ['--label', `deploy-actions.${k}=${v}`]),
        refs.local,
      );
    };

    beforeAll(async () => {
      removeService(SERVICE);
      sshd = await startSshd(SSH_PORT);
      backend = await startRegistry({ port: REGISTRY_PORT });
      appFront = await startAuthFront({ backend, users: { [APP_USER]: APP_PASS }, anonymous: false });
      proxyFront = await startAuthFront({ backend, users: { [PROXY_USER]: PROXY_PASS }, anonymous: false });
      const tag = `t${process.pid}`;
      refs.local = appImage('stages');
      backend.push(refs.local, `stages/app:${tag}`);
      backend.push(proxyImage(), `stages/proxy:${tag}`);
      refs.app = `${appFront.host}/stages/app:${tag}`;
      refs.proxy = `${proxyFront.host}/stages/proxy:${tag}`;
    }, 120_000);
    afterAll(async () => {
      removeService(SERVICE);
      for (const args of [
        ['rm', '-f', INGRESS],
        ['network', 'rm', NETWORK],
        ['volume', 'rm', VOLUME],
      ])
        spawnSync('docker', args, { stdio: 'ignore' });
      spawnSync('docker', ['image', 'rm', refs.app, refs.proxy], { stdio: 'ignore' });
      for (const front of [appFront, proxyFront]) await front?.close();
      await backend?.stop();
      await sshd?.stop();
    });

    /** Over ssh, each image from its own private registry with its own credentials. */
    const access = () => ({
      hosts: `ssh://root@127.0.0.1:${SSH_PORT}`,
      ...{ 'ssh-key': sshd.key, 'ssh-known-hosts': sshd.knownHosts },
      ...{ image: refs.app, 'registry-username': APP_USER, 'registry-password': APP_PASS },
      ...{ 'proxy-image': refs.proxy, 'proxy-registry-username': PROXY_USER, 'proxy-registry-password': PROXY_PASS },
    });
    /** Readiness on `/` (every test image serves it), the gate on /health. */
    const checks = {
      'readiness-path': '/',
      'readiness-timeout': '20s',
      'environment-url': `http://127.0.0.1:${PUBLISH}`,
      ...{ 'health-url': `http://127.0.0.1:${PUBLISH}/health`, 'health-json-assertions': 'status == ok' },
      ...{ 'health-interval': '200ms', 'health-success-threshold': '2' },
    };
    const deploy = (inputs: Record<string, string>) =>
      runAction('deploy', {
        timeoutMs: 120_000,
        inputs: {
          environment: 'staging',
          service: SERVICE,
          publish: String(PUBLISH),
          'github-token': '',
          ...access(),
          ...checks,
          ...inputs,
        },
      });
    const run = runsOf({
      // A lock left behind, released by force-unlock: the deploy goes on; with every runtime option and a worker.
      docker: async () => {
        plantLock();
        docker('network', 'create', NETWORK);
        return deploy({ 'force-unlock': 'true', ...RUNTIME });
      },
      // The same release again behind a shared ingress with TLS (the per-environment proxy stays as it was).
      'docker-ingress': async () => {
        await run('docker');
        const { cert, key } = selfSignedCertificate();
        return deploy({
          environment: 'preview-stages',
          'proxy-mode': 'shared',
          'ingress-name': INGRESS,
          'ingress-host': 'stages.preview.test',
          publish: String(INGRESS_HTTP),
          'tls-publish': String(INGRESS_HTTPS),
          'tls-certificate': cert,
          'tls-key': key,
        });
      },
      // Held again: lock-timeout ends the wait; what was live stays live, and is the previous version.
      'docker-locked': async () => {
        await run('docker');
        plantLock();
        return deploy({ 'lock-timeout': '1s' });
      },
    });
    /** The running containers of `role` in the staging environment, inspected. */
    const running = (role: 'app' | 'worker') => {
      const ids = docker(
        'ps',
        '-q',
        '--filter',
        `label=deploy-actions.service=${SERVICE}`,
        '--filter',
        `label=deploy-actions.environment=staging`,
        '--filter',
        `label=deploy-actions.role=${role}`,
      )
        .split('\n')
        .filter(Boolean);
      return ids.length ? (JSON.parse(docker('inspect', ...ids)) as Record<string, any>[]) : []; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const web = () => running('app')[0];
    const succeeded = (r: ActionRun) => {
      expect(r.errors, r.stdout).toEqual([]);
      expect(r.outputs.result).toBe('success');
    };

    describe.each(
      rows({
        hosts: {
          run: 'docker',
          saw: (r) => void (succeeded(r), expect(r.summary).toContain(`| ssh://root@127.0.0.1:${SSH_PORT} |`)),
        },
        // Strict host key checking and public-key login only: neither could be missing.
        'ssh-key': { run: 'docker', saw: succeeded },
        'ssh-known-hosts': { run: 'docker', saw: succeeded },
        // Each front issues a token only for its own user with the right password.
        'registry-username': {
          run: 'docker',
          saw: () => void expect(appFront.identities()).toContain(`basic:${APP_USER}`),
        },
        'registry-password': {
          run: 'docker',
          saw: () => void expect([...appFront.tokens.values()]).toContain(APP_USER),
        },
        'proxy-registry-username': {
          run: 'docker',
          saw: () => void expect(proxyFront.identities()).toContain(`basic:${PROXY_USER}`),
        },
        'proxy-registry-password': {
          run: 'docker',
          saw: () => void expect([...proxyFront.tokens.values()]).toContain(PROXY_USER),
        },
        'proxy-image': {
          run: 'docker',
          saw: () =>
            void expect(docker('inspect', '-f', '{{.Config.Image}}', `${SERVICE}-staging-proxy`).trim()).toBe(
              refs.proxy,
            ),
        },
        volumes: {
          run: 'docker',
          saw: () => void expect(web().Mounts.map((m: { Name?: string }) => m.Name)).toContain(VOLUME),
        },
        networks: {
          run: 'docker',
          saw: () => void expect(Object.keys(web().NetworkSettings.Networks)).toContain(NETWORK),
        },
        command: { run: 'docker', saw: () => void expect(web().Config.Cmd).toEqual(APP_COMMAND.split(' ')) },
        memory: { run: 'docker', saw: () => void expect(web().HostConfig.Memory).toBe(256 * 1024 * 1024) },
        cpus: { run: 'docker', saw: () => void expect(web().HostConfig.NanoCpus).toBe(500_000_000) },
        restart: { run: 'docker', saw: () => void expect(web().HostConfig.RestartPolicy.Name).toBe('on-failure') },
        'container-labels': { run: 'docker', saw: () => void expect(web().Config.Labels.team).toBe('stages') },
        roles: {
          run: 'docker',
          saw: () =>
            void expect(running('worker').map((w) => w.Config.Cmd)).toEqual([['/bin/busybox', 'sleep', '3600']]),
        },
        'proxy-mode': { run: 'docker-ingress', saw: succeeded },
        'ingress-name': {
          run: 'docker-ingress',
          saw: () => void expect(docker('inspect', '-f', '{{.State.Running}}', INGRESS).trim()).toBe('true'),
        },
        'ingress-host': {
          run: 'docker-ingress',
          saw: async () => {
            const { cert } = selfSignedCertificate();
            expect(await getByHost(INGRESS_HTTPS, 'stages.preview.test', { ca: cert })).toMatchObject({ status: 200 });
            expect((await getByHost(INGRESS_HTTP, 'other.preview.test')).status).toBe(404);
          },
        },
        'tls-publish': {
          run: 'docker-ingress',
          saw: () => void expect(docker('port', INGRESS)).toContain(`:${INGRESS_HTTPS}`),
        },
        'tls-certificate': {
          run: 'docker-ingress',
          saw: (r) => void (succeeded(r), expect(r.summary).not.toContain('BEGIN CERTIFICATE')),
        },
        'tls-key': {
          run: 'docker-ingress',
          saw: (r) => void (succeeded(r), expect(visibleText(r)).not.toContain('PRIVATE KEY')),
        },
        'force-unlock': {
          run: 'docker',
          saw: (r) =>
            void expect(r.warnings.join('\n')).toContain(`force-unlock released the lock held by ${LOCK_HOLDER}`),
        },
        'lock-timeout': {
          run: 'docker-locked',
          saw: async (r) => {
            expect(r.outputs).toMatchObject({
              result: 'failed',
              'failed-stage': 'deploy',
              'previous-version': (await run('docker')).outputs.version,
            });
            expect(r.errors.at(-1)).toContain(`locked by ${LOCK_HOLDER}`);
            expect(r.durationMs).toBeLessThan(60_000);
          },
        },
      }),
    )('%s', (_name, row) => {
      // Deploys over ssh take a while on a loaded 2-core machine: the run's own limit is 120s.
      it('reaches the docker provider', { timeout: 300_000 }, async () => {
        const r = await run(row.run);
        await row.saw(r);
        for (const secret of [APP_PASS, PROXY_PASS]) expect(visibleText(r)).not.toContain(secret);
      });
    });
  },
);

// ------------------------------------------------------------------ kubernetes

const REPO = 'registry.example.com:5000/stages';
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const imageOf = (object: Obj | undefined, container: string): string | undefined =>
  object?.spec.template.spec.containers.find((c: Obj) => c.name === container)?.image;
const containers = (names: string[], image: string) => names.map((name) => ({ name, image }));

describe.skipIf(!KUBECTL)(
  `with the kubernetes provider (real kubectl: ${KUBECTL ?? 'not installed'}; Kubernetes API test double)`,
  () => {
    let k8s: KubernetesDouble;
    let app: TestServer;
    let workspace: string;
    /** What the cluster serves: the app image of the Deployment, or of the colour the Service selects. */
    const live = (path: string): string | undefined => {
      if (path.startsWith('/rolling')) return imageOf(k8s.get('deployments', 'onestep', 'shop-web'), 'app');
      const slot = k8s.get('services', 'onestep-bg', 'web-public')?.spec.selector.slot;
      return imageOf(k8s.get('deployments', 'onestep-bg', `web-${slot}`), 'app');
    };

    beforeAll(async () => {
      k8s = await startKubernetesDouble({ tickMs: 100, progressDeadlineMs: 3000 });
      workspace = mkdtempSync(join(tmpdir(), 'deploy-stages-k8s-'));
      const deployment = (name: string, labels: Record<string, string>, names: string[], replicas: number) =>
        deploymentObject(name, labels, replicas, { containers: containers(names, `${REPO}:v1`) });
      k8s.create('onestep', deployment('shop-web', { app: 'shop-web' }, ['app', 'worker'], 3));
      k8s.create('onestep-bg', deployment('web-blue', { app: 'web', slot: 'blue' }, ['app'], 2));
      k8s.create('onestep-bg', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web-public' },
        spec: { selector: { app: 'web', slot: 'blue' }, ports: [{ port: 80 }] },
      });
      mkdirSync(join(workspace, 'k8s'));
      const job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'shop-migrate' },
        spec: { template: { spec: { containers: containers(['migrate'], `${REPO}:old`), restartPolicy: 'Never' } } },
      };
      writeFileSync(join(workspace, 'k8s', 'migrate.json'), JSON.stringify(job));
      await k8s.settled();
      // A broken release fails its /health only: the smoke test passes, the gate is what catches it.
      app = await startServer((req, res) => {
        const path = req.url ?? '/';
        const image = live(path);
        return image?.includes(':broken') && path.endsWith('/health')
          ? json(res, 500, { status: 'broken', image })
          : json(res, 200, { status: 'ok', image });
      });
    });
    afterAll(async () => {
      await app?.close();
      await k8s?.close();
    });

    const deploy = (path: string, inputs: Record<string, string>) =>
      runAction('deploy', {
        workspace,
        timeoutMs: 60_000,
        inputs: {
          environment: 'staging',
          service: 'shop',
          provider: 'kubernetes',
          kubeconfig: k8s.kubeconfig({ context: 'onestep' }),
          'kube-context': 'onestep',
          'environment-url': app.url,
          'smoke-paths': `GET ${path} 200`,
          'health-url': `${app.url}${path}/health`,
          'health-interval': '100ms',
          'health-deadline': '3s',
          'health-success-threshold': '2',
          'github-token': '',
          ...inputs,
        },
      });
    const rolling = {
      strategy: 'rolling',
      namespace: 'onestep',
      deployment: 'shop-web',
      container: 'app',
      manifests: 'k8s/*.json',
      'rollout-timeout': '9s',
    };
    const blueGreen = {
      strategy: 'blue-green',
      namespace: 'onestep-bg',
      deployment: 'web',
      'service-name': 'web-public',
    };
    const run = runsOf({
      // The rollout's first states wait for a poll: a progress line is printed however slowly kubectl starts.
      kubernetes: () => {
        k8s.pacedByReads(2);
        return deploy('/rolling', { ...rolling, image: `${REPO}:v2` }).finally(() => k8s.pacedByReads(0));
      },
      // A healthy green, then a broken blue the gate fails: the Service is switched back to green and verified.
      'kubernetes-blue-green': async () => {
        const healthy = await deploy('/bg', { ...blueGreen, image: `${REPO}:v2` });
        expect(healthy.outputs, healthy.stdout).toMatchObject({ result: 'success', 'previous-version': `${REPO}:v1` });
        expect(k8s.get('services', 'onestep-bg', 'web-public')!.spec.selector.slot).toBe('green');
        return deploy('/bg', { ...blueGreen, image: `${REPO}:broken-v3` });
      },
    });

    describe.each(
      rows({
        kubeconfig: {
          run: 'kubernetes',
          saw: (r) =>
            void expect([r.outputs.result, r.masks.includes(k8s.token), k8s.log.length > 0]).toEqual([
              'success',
              true,
              true,
            ]),
        },
        // The kubeconfig's current context is a decoy on a closed port.
        'kube-context': {
          run: 'kubernetes',
          saw: (r) => void expect(r.summary).toContain('namespace onestep, context onestep'),
        },
        namespace: {
          run: 'kubernetes',
          saw: () => void expect(imageOf(k8s.get('deployments', 'onestep', 'shop-web'), 'app')).toBe(`${REPO}:v2`),
        },
        deployment: {
          run: 'kubernetes',
          saw: (r) => void expect(r.stdout).toMatch(/deployment\/shop-web: rollout complete, 3\/3 available/),
        },
        container: {
          run: 'kubernetes',
          saw: () => void expect(imageOf(k8s.get('deployments', 'onestep', 'shop-web'), 'worker')).toBe(`${REPO}:v1`),
        },
        manifests: {
          run: 'kubernetes',
          saw: () =>
            void expect(k8s.get('jobs', 'onestep', 'shop-migrate')!.spec.template.spec.containers[0].image).toBe(
              `${REPO}:v2`,
            ),
        },
        'rollout-timeout': {
          run: 'kubernetes',
          saw: (r) => void expect(r.stdout).toMatch(/deployment\/shop-web: .*\([\d.]+m?s of 9s\)/),
        },
        'service-name': {
          run: 'kubernetes-blue-green',
          saw: (r) => {
            expect(r.outputs).toMatchObject({
              result: 'rolled-back',
              'failed-stage': 'health-gate',
              version: `${REPO}:broken-v3`,
              'previous-version': `${REPO}:v2`,
            });
            expect(r.summary).toMatch(/\| Verify rollback \| ✅ success \|/);
            expect(k8s.get('services', 'onestep-bg', 'web-public')!.spec.selector.slot).toBe('green');
          },
        },
      }),
    )('%s', (_name, row) => {
      it('reaches the kubernetes provider', async () => {
        const r = await run(row.run);
        await row.saw(r);
        expect(visibleText(r)).not.toContain(k8s.token);
        expect(k8s.problems).toEqual([]);
      });
    });
  },
);
