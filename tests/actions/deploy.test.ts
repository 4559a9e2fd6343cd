/**
 * The one-step deploy through its bundle (the root deploy/action.yml, as
 * `uses: org/deploy-actions/deploy@v1` runs it): its inputs stay in step with
 * the actions it combines, bad inputs fail before anything happens, and with
 * the command provider (real bash scripts, a local app server as the
 * environment, the Slack and GitHub REST test doubles) every path of
 * deploy → smoke → gate → rollback → Slack → GitHub Deployment.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { repoRoot, runAction, visibleText, type ActionRun } from '../harness/runner.js';
import { json, startServer, type TestServer } from '../harness/server.js';

interface Input {
  description: string;
  required: boolean;
  default?: string;
}
const yml = (path: string) =>
  parse(readFileSync(join(repoRoot, path), 'utf8')) as {
    inputs: Record<string, Input>;
    outputs: Record<string, unknown>;
    runs: Record<string, string>;
  };
const deploy = yml('deploy/action.yml');

describe('deploy/action.yml', () => {
  it('is actions/deploy/action.yml with the bundle path one level up', () => {
    const nested = readFileSync(join(repoRoot, 'actions/deploy/action.yml'), 'utf8');
    // Below the comment saying it is generated (tests/docs.test.ts).
    const root = readFileSync(join(repoRoot, 'deploy/action.yml'), 'utf8').replace(/^(#.*\n)+/, '');
    expect(root).toBe(nested.replaceAll("'../../dist/deploy/index.js'", "'../dist/deploy/index.js'"));
    expect(deploy.runs).toEqual({ using: 'node24', main: '../dist/deploy/index.js', post: '../dist/deploy/index.js' });
  });

  it('takes every deploy-to-env input with the same default', () => {
    for (const [name, spec] of Object.entries(yml('actions/deploy-to-env/action.yml').inputs)) {
      expect(deploy.inputs[name], name).toBeDefined();
      expect([deploy.inputs[name].required, deploy.inputs[name].default], name).toEqual([spec.required, spec.default]);
    }
  });

  it('takes every health-gate input prefixed with health-, with the same default', () => {
    for (const [name, spec] of Object.entries(yml('actions/health-gate/action.yml').inputs)) {
      if (name === 'url') continue;
      const ours = deploy.inputs[`health-${name}`];
      expect(ours, name).toBeDefined();
      expect(ours.default, name).toBe(spec.default);
    }
    expect(deploy.inputs['health-url']).toMatchObject({ required: false, default: '' });
  });

  it('declares the outputs of the issue', () => {
    expect(Object.keys(deploy.outputs).sort()).toEqual([
      'deployment-id',
      'environment-url',
      'failed-stage',
      'previous-version',
      'result',
      'version',
    ]);
  });
});

describe('deploy: bad inputs fail before anything happens', () => {
  it('reports every bad input at once, secrets not echoed', async () => {
    const slack = await startFakeSlack();
    const github = await startGitHubDouble({ token: 'ghs_inputs', repository: 'acme/shop' });
    try {
      const run = await runAction('deploy', {
        token: 'ghs_inputs',
        env: { GITHUB_API_URL: github.url },
        inputs: {
          environment: 'staging',
          image: 'shop:1',
          'health-interval': 'soon',
          'auto-rollback': 'maybe',
          'health-url': 'ftp://x',
          'slack-webhook-url': slack.webhookUrl,
          'slack-token': slack.token,
        },
      });
      expect(run.code).toBe(1);
      expect(run.errors).toHaveLength(1);
      const [error] = run.errors;
      expect(error).toContain(
        '"health-interval": expected a duration such as 500ms, 10s, 5m or a number of seconds, got "soon"',
      );
      expect(error).toContain('"auto-rollback": expected true or false, got "maybe"');
      expect(error).toContain('"health-url": expected an http:// or https:// URL, got "ftp://x"');
      expect(visibleText(run)).not.toContain(slack.token);
      expect(visibleText(run)).not.toContain('fakeWebhookSecret');
      expect(slack.requests).toEqual([]);
      expect(github.deployments).toEqual([]);
      expect(github.problems).toEqual([]);
    } finally {
      await slack.close();
      await github.close();
    }
  });

  it('refuses two Slack destinations, and a token without a channel', async () => {
    let run = await runAction('deploy', {
      inputs: {
        environment: 'staging',
        image: 'shop:1',
        'slack-webhook-url': 'https://hooks.slack.com/services/T/B/x',
        'slack-token': 'xoxb-1',
      },
    });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain(
      '"slack-token": expected one Slack destination, "slack-webhook-url" or "slack-token" with "slack-channel", not both',
    );
    run = await runAction('deploy', { inputs: { environment: 'staging', image: 'shop:1', 'slack-token': 'xoxb-1' } });
    expect(run.errors.join('\n')).toContain(
      '"slack-channel": expected a channel ID (C0123ABCD) or name, needed with "slack-token", got nothing',
    );
  });
});

// The "platform": deploy-command writes the live image into the workspace; the
// environment (a local server) answers as that image would. Images named
// `…:broken-*` fail /health, `…:no-orders-*` lack /api/orders.
const DEPLOY = `printf '%s|%s|%s|%s\n' deploy "$DEPLOY_IMAGE" "$DEPLOY_PREVIOUS_VERSION" "$DEPLOY_SERVICE" >> calls.log
printf '%s' "$DEPLOY_IMAGE" > live.txt`;
const ROLLBACK = `printf '%s|%s|%s\n' rollback "$DEPLOY_IMAGE" "$DEPLOY_PREVIOUS_VERSION" >> calls.log
printf '%s' "$DEPLOY_IMAGE" > live.txt`;
const TOKEN = 'ghs_one_step_deploy_token';
const image = (tag: string) => `ghcr.io/acme/shop:${tag}`;

describe('deploy with the command provider (bash scripts, local environment, Slack and GitHub REST test doubles)', () => {
  let app: TestServer;
  let github: GitHubDouble;
  let slack: FakeSlack;
  let workspace: string;
  const live = () => (existsSync(join(workspace, 'live.txt')) ? readFileSync(join(workspace, 'live.txt'), 'utf8') : '');
  const calls = () =>
    existsSync(join(workspace, 'calls.log'))
      ? readFileSync(join(workspace, 'calls.log'), 'utf8').trim().split('\n')
      : [];

  beforeAll(async () => {
    app = await startServer((req, res) => {
      const current = live();
      if (!current) return json(res, 503, { error: 'nothing deployed' });
      if (req.url === '/health')
        return current.includes(':broken')
          ? json(res, 500, { status: 'fail', checks: { database: 'down' } })
          : json(res, 200, { status: 'ok', image: current });
      if (req.url === '/api/orders')
        return current.includes(':no-orders')
          ? json(res, 404, { error: 'not found' })
          : json(res, 200, { orders: [{ status: 'paid' }] });
      return json(res, 200, { image: current });
    });
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
    slack = await startFakeSlack();
  });
  // Failure paths too: whatever the step did, it spoke the API correctly.
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  afterAll(async () => {
    await app?.close();
    await github?.close();
    await slack?.close();
  });
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'deploy-command-'));
  });

  /** A new environment per test keeps their GitHub histories apart. */
  let environment = '';
  let envCount = 0;
  const deploy = (tag: string, inputs: Record<string, string> = {}, env: Record<string, string> = {}) =>
    runAction('deploy', {
      workspace,
      token: TOKEN,
      timeoutMs: 60_000,
      env: { GITHUB_API_URL: github.url, ...env },
      inputs: {
        environment,
        image: image(tag),
        service: 'shop',
        provider: 'command',
        'deploy-command': DEPLOY,
        'rollback-command': ROLLBACK,
        'environment-url': app.url,
        'smoke-paths': 'GET / 200\nGET /api/orders 200',
        'health-json-assertions': 'status == ok',
        'health-interval': '100ms',
        'health-deadline': '1500ms',
        'health-success-threshold': '2',
        'health-max-failures': '2',
        'slack-token': slack.token,
        'slack-channel': 'C0DEPLOYS',
        'slack-api-url': slack.apiUrl,
        'slack-mention': '@here',
        ...inputs,
      },
    });
  const newEnvironment = () => {
    environment = `env${++envCount}`;
  };
  const deploymentsOf = () => github.deployments.filter((d) => d.environment === environment);
  const states = () =>
    deploymentsOf().map(
      (d) =>
        `${String(d.payload.image).split(':')[1]}${d.payload.rollback ? ' (rollback)' : ''}: ${d.statuses.map((st) => st.state).join(',')}`,
    );
  const lastMessage = () => [...slack.messages.values()].at(-1)!;
  const headerOf = (payload: Record<string, unknown>) => (payload.blocks as { text: { text: string } }[])[0].text.text;
  const stageRow = (run: ActionRun, stage: string) =>
    new RegExp(`\\| ${stage} \\| ([^|]+) \\|`).exec(run.summary)?.[1]?.trim();

  it('v1 then a healthy v2: smoke and gate pass, one Slack message per deploy updated in place, GitHub Deployments', async () => {
    newEnvironment();
    const v1 = await deploy('v1');
    expect(v1.errors, v1.stdout).toEqual([]);
    expect(v1.outputs).toMatchObject({
      result: 'success',
      version: image('v1'),
      'previous-version': '',
      'failed-stage': '',
      'environment-url': app.url,
    });

    const v2 = await deploy('v2');
    expect(v2.errors, v2.stdout).toEqual([]);
    expect(v2.code).toBe(0);
    expect(v2.outputs).toMatchObject({ result: 'success', version: image('v2'), 'previous-version': image('v1') });
    expect(v2.outputs['deployment-id']).toBe(String(deploymentsOf().at(-1)!.id));
    // DEPLOY_PREVIOUS_VERSION comes from the last successful GitHub Deployment.
    expect(calls()).toEqual([`deploy|${image('v1')}||shop`, `deploy|${image('v2')}|${image('v1')}|shop`]);
    expect(live()).toBe(image('v2'));
    expect(states()).toEqual(['v1: in_progress,success,inactive', 'v2: in_progress,success']);
    expect(github.problems).toEqual([]);

    const message = lastMessage();
    expect(slack.rejected).toEqual([]);
    expect(message.history.map(headerOf)).toEqual([
      expect.stringContaining(':rocket:'),
      ...Array(message.history.length - 2).fill(expect.stringContaining(':rocket:')),
      expect.stringContaining(':white_check_mark:'),
    ]);
    expect(message.history.length).toBeGreaterThanOrEqual(4); // started, after deploy, smoke, gate, …, success
    expect(JSON.stringify(message.history.at(-1))).toContain('Smoke test');
    expect(JSON.stringify(message.history.at(-1))).not.toContain('<!here>'); // mentions only for failures

    expect(stageRow(v2, 'Smoke test')).toBe('✅ success');
    expect(stageRow(v2, 'Health gate')).toBe('✅ success');
    expect(v2.summary).toContain('#### ✅ All 2 steps passed in 2 flows');
    expect(v2.summary).toContain('```mermaid');
  });

  it('a broken v3 fails the gate: rolled back to v2 with rollback-command, verified, step fails, Slack says rolled back', async () => {
    newEnvironment();
    await deploy('v1');
    await deploy('v2');
    const run = await deploy('broken-v3');
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      version: image('broken-v3'),
      'previous-version': image('v2'),
      'failed-stage': 'health-gate',
    });
    expect(run.errors.at(-1)).toContain(`rolled back to ${image('v2')}: ${image('broken-v3')} did not ship`);
    expect(calls().slice(-2)).toEqual([
      `deploy|${image('broken-v3')}|${image('v2')}|shop`,
      `rollback|${image('v2')}|${image('broken-v3')}`,
    ]);
    expect(live()).toBe(image('v2'));
    expect(states().slice(-2)).toEqual(['broken-v3: in_progress,failure', 'v2 (rollback): in_progress,success']);
    expect(
      ['Smoke test', 'Health gate', 'Post-deploy command', 'Rollback', 'Verify rollback'].map((s) => stageRow(run, s)),
    ).toEqual(['✅ success', '❌ failure', '⏭️ skipped', '✅ success', '✅ success']);
    const final = lastMessage().history.at(-1)!;
    expect(headerOf(final)).toContain(':leftwards_arrow_with_hook:');
    expect(JSON.stringify(final)).toContain('<!here>');
    expect(JSON.stringify(final)).toContain('Rollback');
    expect(github.problems).toEqual([]);

    // The next deploy sees v2 (the rollback) as live, not the broken v3.
    const next = await deploy('v4');
    expect(next.outputs).toMatchObject({ result: 'success', 'previous-version': image('v2') });
  });

  it('a failing smoke test skips the gate and rolls back', async () => {
    newEnvironment();
    await deploy('v1');
    const run = await deploy('no-orders-v2');
    expect(run.outputs).toMatchObject({ result: 'rolled-back', 'failed-stage': 'smoke' });
    expect(stageRow(run, 'Health gate')).toBe('⏭️ skipped');
    expect(run.summary).toMatch(/GET \/api\/orders.*fail/);
    expect(live()).toBe(image('v1'));
  });

  it('with auto-rollback off, a failed gate leaves the new release live and fails', async () => {
    newEnvironment();
    await deploy('v1');
    const run = await deploy('broken-v2', { 'auto-rollback': 'false' });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ result: 'failed', 'failed-stage': 'health-gate' });
    expect(run.errors.at(-1)).toContain('auto-rollback is off');
    expect(live()).toBe(image('broken-v2'));
    expect(calls().some((c) => c.startsWith('rollback'))).toBe(false);
  });

  it('pre-deploy-command gets the release as DEPLOY_* variables only; its failure stops everything before a change', async () => {
    newEnvironment();
    await deploy('v1');
    const evil = '$(touch pwned); `touch pwned2`; "quoted"';
    const ok = await deploy('v2', {
      'pre-deploy-command':
        'printf "%s|%s|%s|%s\\n" pre "$DEPLOY_IMAGE" "$DEPLOY_PREVIOUS_VERSION" "$MIGRATION_NOTE" >> calls.log',
      env: `MIGRATION_NOTE=${evil}`,
    });
    expect(ok.outputs.result).toBe('success');
    expect(calls()[1]).toBe(`pre|${image('v2')}|${image('v1')}|${evil}`);
    expect(existsSync(join(workspace, 'pwned'))).toBe(false);

    const run = await deploy('v3', {
      'pre-deploy-command': 'echo "migrating"; echo "relation orders does not exist" >&2; exit 3',
    });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ result: 'failed', 'failed-stage': 'pre-deploy', version: '' });
    expect(run.errors.at(-1)).toMatch(
      /pre-deploy command failed, nothing was deployed: pre-deploy-command failed with exit code 3; last lines:\n(.|\n)*relation orders does not exist/,
    );
    expect(calls().filter((c) => c.includes(image('v3')))).toEqual([]);
    expect(live()).toBe(image('v2'));
    expect(states().at(-1)).toBe('v3: in_progress,failure');
    expect(stageRow(run, 'Deploy')).toBe('⏭️ skipped');
  });

  it('post-deploy-command runs after a passing gate; its failure fails the step but keeps the healthy release', async () => {
    newEnvironment();
    await deploy('v1');
    const run = await deploy('v2', { 'post-deploy-command': 'echo "purging cache for $DEPLOY_VERSION"; exit 1' });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ result: 'failed', 'failed-stage': 'post-deploy' });
    expect(run.errors.at(-1)).toContain(`${image('v2')} is live and healthy, but the post-deploy command failed`);
    expect(run.stdout).toContain(`purging cache for ${image('v2')}`);
    expect(live()).toBe(image('v2'));
  });

  it('a hook that runs past hooks-timeout is stopped and named', async () => {
    newEnvironment();
    const run = await deploy('v1', { 'pre-deploy-command': 'echo start; sleep 30', 'hooks-timeout': '1s' });
    expect(run.outputs).toMatchObject({ result: 'failed', 'failed-stage': 'pre-deploy' });
    expect(run.errors.at(-1)).toContain('pre-deploy-command timed out after 1s (hooks-timeout) and was stopped');
    expect(run.durationMs).toBeLessThan(15_000);
  });

  it('a webhook gets the started and the final message only', async () => {
    newEnvironment();
    const before = slack.webhookPosts.length;
    const run = await deploy('v1', { 'slack-token': '', 'slack-channel': '', 'slack-webhook-url': slack.webhookUrl });
    expect(run.outputs.result).toBe('success');
    const posts = slack.webhookPosts.slice(before);
    expect(posts.map((p) => headerOf(p))).toEqual([
      expect.stringContaining(':rocket:'),
      expect.stringContaining(':white_check_mark:'),
    ]);
    expect(visibleText(run)).not.toContain('fakeWebhookSecret');
  });

  it('Slack being down warns once and never fails the deploy', async () => {
    newEnvironment();
    const down = await startServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/html' });
      res.end('<h1>503 Service Unavailable</h1>');
    });
    try {
      const run = await deploy('v1', { 'slack-api-url': `${down.url}/api` });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs.result).toBe('success');
      expect(run.warnings.filter((w) => w.startsWith('Slack notification failed (the deploy goes on)'))).toHaveLength(
        1,
      );
      expect(down.requests.length).toBeGreaterThan(1); // retried
    } finally {
      await down.close();
    }
  });

  it('a mistake in the smoke checks fails before anything changes, with its place and the prefixed input name', async () => {
    newEnvironment();
    writeFileSync(
      join(workspace, 'smoke.yml'),
      'flows:\n  - name: x\n    steps:\n      - request: { path: / }\n        expect: { status: lots }\n',
    );
    const slackBefore = slack.requests.length;
    const run = await deploy('v1', { 'smoke-checks-file': 'smoke.yml', 'smoke-paths': '' });
    expect(run.code).toBe(1);
    expect(run.errors[0]).toContain('Smoke checks: ');
    expect(run.errors[0]).toContain('flows[0].steps[0].expect.status');
    const missing = await deploy('v1', { 'smoke-checks-file': 'nope.yml', 'smoke-paths': '' });
    expect(missing.errors[0]).toContain('"smoke-checks-file": no file "nope.yml"');
    expect(calls()).toEqual([]);
    expect(deploymentsOf()).toEqual([]);
    expect(slack.requests.length).toBe(slackBefore);
  });
  it('the gate inside the deploy: a health URL redirecting to another origin is a failed probe, and no header goes there', async () => {
    newEnvironment();
    const other = await startServer((_req, res) => json(res, 200, { status: 'ok' }));
    const redirector = await startServer((_req, res) => res.writeHead(302, { location: `${other.url}/health` }).end());
    try {
      const run = await deploy('v1', {
        'health-url': `${redirector.url}/health`,
        'health-headers': 'X-Api-Key: k-deploy-gate-secret',
        'health-deadline': '800ms',
      });
      expect(run.code).toBe(1);
      expect(run.outputs['failed-stage']).toBe('health-gate');
      expect(run.errors.join('\n')).toContain(
        `redirected to ${other.url}/… (status 302), another origin: not followed`,
      );
      expect(redirector.requests.length).toBeGreaterThan(0);
      expect(redirector.requests[0].headers['x-api-key']).toBe('k-deploy-gate-secret');
      expect(other.requests).toEqual([]);
      expect(visibleText(run)).not.toContain('k-deploy-gate-secret');
    } finally {
      await other.close();
      await redirector.close();
    }
  });

  it('smoke checks read only SMOKE_* and smoke-variables: ${ACTIONS_RUNTIME_TOKEN} is refused before anything changes', async () => {
    newEnvironment();
    const header = (name: string) =>
      `flows:\n  - name: keyed\n    steps:\n      - request: { path: /api/orders, headers: { X-Key: "\${${name}}" } }\n`;
    const env = { ACTIONS_RUNTIME_TOKEN: 'rt-deploy-secret-9', API_KEY: 'listed-deploy-key' };
    const refused = await deploy('v1', { 'smoke-checks': header('ACTIONS_RUNTIME_TOKEN'), 'smoke-paths': '' }, env);
    expect(refused.code).toBe(1);
    expect(refused.errors[0]).toContain(
      "${ACTIONS_RUNTIME_TOKEN} is one of the runner's own variables, which checks can never read",
    );
    const unlisted = await deploy('v1', { 'smoke-checks': header('API_KEY'), 'smoke-paths': '' }, env);
    expect(unlisted.errors[0]).toContain('list API_KEY in the "smoke-variables" input');
    const listedRunner = await deploy(
      'v1',
      {
        'smoke-checks': header('API_KEY'),
        'smoke-paths': '',
        'smoke-variables': 'API_KEY,ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      },
      env,
    );
    expect(listedRunner.errors[0]).toContain(
      '"smoke-variables": expected environment variable names, separated by commas or lines; ACTIONS_ID_TOKEN_REQUEST_TOKEN is one of the runner\'s own variables',
    );
    expect(calls()).toEqual([]);
    expect(deploymentsOf()).toEqual([]);
    for (const run of [refused, unlisted, listedRunner]) expect(visibleText(run)).not.toContain('rt-deploy-secret-9');

    const before = app.requests.length;
    const run = await deploy(
      'v1',
      { 'smoke-checks': header('API_KEY'), 'smoke-paths': '', 'smoke-variables': 'API_KEY' },
      env,
    );
    expect(run.errors, run.stdout).toEqual([]);
    expect(app.requests.slice(before).find((r) => r.url === '/api/orders')!.headers['x-key']).toBe('listed-deploy-key');
  });
});
