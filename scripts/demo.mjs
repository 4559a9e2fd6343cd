// npm run demo: the suite's main job, end to end, on this machine (Node only,
// no Docker, no network). A sample app is deployed three times by the real
// dist/deploy bundle, run as the GitHub runner runs it, with the command
// provider starting local processes:
//   1. v1, the first release
//   2. v2, healthy: smoke test and health gate pass
//   3. v3, broken: the health gate fails, v2 is rolled back and verified
// Slack messages go to the test suite's Slack double, GitHub Deployments to
// its GitHub REST double (tests/fakes), and the steps run through the suite's
// runner (tests/harness/runner.ts): `npm run demo` runs this file with
// vite-node, which loads those TypeScript modules.
// DEMO_TARGET=docker deploys the same releases as containers with the Docker
// provider on the local Docker engine: the web role blue-green behind an
// nginx proxy, and a worker role replaced without losing its job.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './lib.mjs';
import { cgiAnswer, proxyImage, webImage } from './demo/images.mjs';
import { runAction } from './demo/runner.mjs';
import { renderMessage, startRouter } from './demo/services.mjs';
import { startGitHubDouble } from '../tests/fakes/github.ts';
import { startFakeSlack } from '../tests/fakes/slack.ts';
import { markdownToText, textTable } from './demo/text.mjs';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const dim = paint('2');
const bold = paint('1');
const cyan = paint('36');
const magenta = paint('35');

const bundle = join(root, 'dist/deploy/index.js');
if (!existsSync(bundle)) {
  console.error(
    'dist/deploy/index.js is missing: run `npm ci` in a clone of the repository (dist/ is committed), or `npm run bundle`.',
  );
  process.exit(1);
}

const target = process.env.DEMO_TARGET || 'local';
if (!['local', 'docker'].includes(target)) {
  console.error(
    `DEMO_TARGET is "${target}"; expected "local" (the default: local processes) or "docker" (containers on the local Docker engine).`,
  );
  process.exit(1);
}
const token = 'xoxb-demo-0000-not-a-real-token';
const githubToken = 'ghs_demo_token_for_the_local_api';
const workspace = mkdtempSync(join(tmpdir(), 'deploy-demo-'));
const releases = [
  { step: 'v1: first release', image: 'demo/shop:1.0.0', expect: 'success' },
  { step: 'v2: healthy release', image: 'demo/shop:2.0.0', expect: 'success' },
  { step: 'v3: broken release', image: 'demo/shop:3.0.0', expect: 'rolled-back' },
];
/** Local processes behind a local router, deployed by the command provider through the repository's own scripts. */
async function localTarget() {
  // The "repository" being deployed: its deploy scripts call the platform CLI (here: scripts/demo/release.mjs).
  mkdirSync(join(workspace, 'deploy'));
  for (const file of ['app.mjs', 'release.mjs'])
    cpSync(join(root, 'scripts/demo', file), join(workspace, 'deploy', file));
  const router = await startRouter(workspace);
  return {
    url: router.url,
    inputs: {
      provider: 'command',
      'deploy-command': 'node deploy/release.mjs deploy',
      'rollback-command': 'node deploy/release.mjs rollback',
      'health-interval': '200ms',
    },
    async stop() {
      const pidFile = join(workspace, 'live', 'pid');
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
        } catch {
          // already stopped
        }
      }
      await router.close();
    },
  };
}

/**
 * Containers on the local Docker engine, deployed blue-green by the Docker provider. The images are
 * built FROM scratch out of this machine's busybox and nginx (Debian packages busybox-static, nginx-light).
 */
async function dockerTarget() {
  const docker = (...args) => spawnSync('docker', args, { encoding: 'utf8' });
  if (docker('version').status !== 0)
    throw new Error('DEMO_TARGET=docker needs a running Docker engine (`docker version` failed).');
  const service = 'demo-shop';
  const removeAll = () => {
    for (const kind of [
      ['ps', '-a'],
      ['network', 'ls'],
    ]) {
      const ids = docker(...kind, '-q', '--filter', `label=deploy-actions.service=${service}`)
        .stdout.split('\n')
        .filter(Boolean);
      if (ids.length) docker(...(kind[0] === 'ps' ? ['rm', '-f'] : ['network', 'rm']), ...ids);
    }
  };
  removeAll();
  for (const { image } of releases) {
    const version = image.split(':').pop();
    const page = { 'index.html': `<h1>Shop ${version}</h1>\n`, 'api/version': `${JSON.stringify({ version })}\n` };
    // 3.0.0 is built broken: its pages answer, its health check reports a failed migration (500).
    const health =
      version === '3.0.0'
        ? {
            'health/': '',
            'cgi-bin/index.cgi': cgiAnswer('500 Internal Server Error', {
              status: 'fail',
              version,
              checks: { database: 'migration 0042 missing' },
            }),
          }
        : { health: `${JSON.stringify({ status: 'ok', version, checks: { database: 'ok' } })}\n` };
    console.log(dim(`  building ${image}`));
    webImage(image, { ...page, ...health });
  }
  const port = Number(process.env.DEMO_PORT || 18080);
  return {
    url: `http://127.0.0.1:${port}`,
    inputs: {
      provider: 'docker',
      service,
      hosts: 'unix:///var/run/docker.sock',
      publish: String(port),
      'proxy-image': proxyImage('demo/proxy:1'),
      // The new container must serve pages before it takes traffic; the gate then checks /health.
      'readiness-path': '/',
      'health-url': `http://127.0.0.1:${port}/health`,
      'readiness-timeout': '20s',
      'health-interval': '500ms',
      // A queue worker from the same image: it finishes its job on SIGTERM before it exits.
      roles: [
        'worker:',
        `  command: ["/bin/sh", "-c", "trap 'echo finished the job in hand; exit 0' TERM; while :; do sleep 1; done"]`,
        '  ready-after: 1s',
        '  stop-timeout: 10s',
      ].join('\n'),
    },
    async stop() {
      removeAll();
    },
  };
}

const environment = target === 'docker' ? await dockerTarget() : await localTarget();
// A message edit prints only its lines that changed since the last version.
const shown = new Map();
const posted = [];
const slack = await startFakeSlack({
  token,
  onMessage: ({ method, ts, payload }) => {
    posted.push(method);
    const lines = renderMessage(payload).flatMap((l) => l.split('\n'));
    const before = new Set(shown.get(ts) ?? []);
    shown.set(ts, lines);
    console.log(magenta(`  💬 Slack ${method}${ts ? ` ts=${ts}` : ''}: ${lines[0]}`));
    for (const line of lines.slice(1).filter((l) => !before.has(l))) console.log(magenta(`     ${line}`));
  },
});
const github = await startGitHubDouble({
  token: githubToken,
  repository: 'acme/shop',
  onStatus: (deployment, status) => {
    const version = deployment.payload.image ?? deployment.payload.version ?? deployment.ref;
    console.log(
      cyan(
        `  🐙 GitHub Deployment #${deployment.id} (${version}) → ${status.state}${status.description ? `: ${status.description}` : ''}`,
      ),
    );
  },
});

const liveVersion = async () => {
  try {
    const response = await fetch(`${environment.url}/api/version`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? (await response.json()).version : `HTTP ${response.status}`;
  } catch {
    return 'nothing';
  }
};

const rows = [];
let failed = false;
try {
  for (const release of releases) {
    console.log(`\n${bold(`━━━ ${release.step}: deploy ${release.image} ━━━`)}\n`);
    const before = posted.length;
    const step = await runAction('deploy', {
      workspace,
      token: githubToken,
      env: { GITHUB_API_URL: github.url },
      inputs: {
        environment: 'demo',
        image: release.image,
        service: 'shop',
        'environment-url': environment.url,
        'smoke-paths': 'GET / 200\nGET /api/version 200',
        'health-json-assertions': 'status == ok',
        'health-deadline': '4s',
        'health-timeout': '2s',
        'health-success-threshold': '3',
        'health-max-failures': '2',
        'slack-token': token,
        'slack-channel': '#deploys',
        'slack-api-url': slack.apiUrl,
        ...environment.inputs,
      },
      print: (line) => console.log(dim(`  │ ${line}`)),
    });
    console.log(`\n${bold('  Job summary')}\n`);
    console.log(markdownToText(step.summary).replace(/^/gm, '  '));
    const live = await liveVersion();
    const methods = posted.slice(before);
    rows.push([
      release.step,
      step.outputs.result ?? `exit ${step.code}`,
      step.outputs['failed-stage'] || '–',
      step.outputs['previous-version'] || '–',
      live,
      `${methods.filter((m) => m === 'chat.postMessage').length} posted, ${methods.filter((m) => m === 'chat.update').length} updates`,
      step.outputs['deployment-id'] || '–',
      `${(step.ms / 1000).toFixed(1)}s`,
      step.code === 0 ? 'success' : 'failed',
    ]);
    if (step.outputs.result !== release.expect) failed = true;
  }
} finally {
  await Promise.all([environment.stop(), slack.close(), github.close()]);
  rmSync(workspace, { recursive: true, force: true });
}

console.log(`\n${bold('━━━ Result ━━━')}\n`);
console.log(
  textTable([
    ['Release', 'Result', 'Failed stage', 'Previous', 'Live after', 'Slack', 'GitHub Deployment', 'Time', 'Job'],
    ...rows,
  ]),
);
console.log(
  failed
    ? '\nThe demo did not go as expected (see the logs above).'
    : '\nv1 and v2 shipped; v3 failed its health gate, v2 was rolled back and verified healthy, and the job failed: the release did not ship.',
);
process.exit(failed ? 1 : 0);
