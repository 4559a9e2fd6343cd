/**
 * A cancelled deploy or rollback leaves nothing behind, through the bundles as the runner
 * cancels a step (SIGINT, SIGTERM 7.5 s later, the kill 2.5 s after that;
 * tests/harness/runner.ts sends them so): Docker on the local engine (images
 * FROM scratch), the command provider with real bash scripts, and the GitHub
 * REST test double. The next deploy needs no force-unlock.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { deployOnLocalEngine } from '../harness/docker-deploy.js';
import { containersOf, fetchText, removeService } from '../harness/docker-env.js';
import { appImage, brokenAppImage, proxyImage } from '../harness/images.js';
import { dockerAvailable, ensureDocker } from '../harness/infra.js';
import { runAction, type RunOptions } from '../harness/runner.js';

await ensureDocker();
const hasDocker = dockerAvailable();
const TOKEN = 'ghs_cancel_test_token_17';
const SERVICE = 'cancel17';
const PUBLISH = 18533;

/** The states GitHub recorded for a deployment, oldest first, with their descriptions. */
const statesOf = (github: GitHubDouble, id: number) =>
  github.deployments.find((d) => d.id === id)!.statuses.map((s) => `${s.state}: ${s.description}`);

describe.skipIf(!hasDocker)('cancelling deploy-to-env (Docker on the local engine; GitHub REST test double)', () => {
  let github: GitHubDouble;
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  let images: { v1: string; v2: string; slow: string; proxy: string };

  beforeAll(async () => {
    removeService(SERVICE);
    images = { v1: appImage('v1'), v2: appImage('v2'), slow: brokenAppImage('never-ready'), proxy: proxyImage() };
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
  }, 120_000);
  afterAll(async () => {
    await github?.close();
    removeService(SERVICE);
  });

  const deploy = (image: string, interrupt?: RunOptions['interrupt']) =>
    deployOnLocalEngine({
      token: TOKEN,
      apiUrl: github.url,
      service: SERVICE,
      publish: PUBLISH,
      proxyImage: images.proxy,
      image,
      interrupt,
      // The never-ready release would wait this long: a cancel must end the step long before.
      inputs: { 'readiness-timeout': '90s', 'lock-timeout': '5s' },
    });
  const waitingForReadiness = ({ stdout }: { stdout: string }) => /waiting for \S+-(blue|green) to pass/.test(stdout);

  test('SIGINT half-way (waiting for readiness): the new colour and the lock are removed, the deployment fails as cancelled, v1 serves; the next deploy needs no force-unlock', async () => {
    const v1 = await deploy(images.v1);
    expect(v1.errors, v1.stdout).toEqual([]);

    const cancelled = await deploy(images.slow, { when: waitingForReadiness, signal: 'SIGINT' });
    expect(cancelled.interrupted).toBe('SIGINT');
    expect(cancelled.code).toBe(1);
    expect(cancelled.timedOut).toBe(false);
    expect(cancelled.errors).toEqual([
      expect.stringMatching(/^cancelled \(SIGINT\): deploy-test-app:never-ready was removed before it took traffic; /),
    ]);
    expect(cancelled.warnings.filter((w) => !/could not pull/.test(w))).toEqual([
      'Cancelled (SIGINT): stopping, undoing what never took traffic and releasing locks',
    ]);
    expect(cancelled.summary).toContain('cancelled (SIGINT)');
    // Well before the runner's SIGTERM (7.5 s) would have come, on a loaded machine too.
    expect(cancelled.stdout).not.toContain('rollout complete');
    expect(
      containersOf(SERVICE)
        .map((c) => `${c.name} ${c.running ? 'running' : 'stopped'}`)
        .sort(),
    ).toEqual([`${SERVICE}-staging-blue running`, `${SERVICE}-staging-proxy running`]);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
    const id = Number(cancelled.outputs['deployment-id']);
    expect(statesOf(github, id)).toEqual([
      'in_progress: Deploy deploy-test-app:never-ready',
      'failure: cancelled (SIGINT)',
    ]);
    // Nothing was left for the post step.
    expect(cancelled.post?.code).toBe(0);
    expect(cancelled.post?.warnings).toEqual([]);
    expect(cancelled.post?.stdout).not.toContain('left by an interrupted step');

    const v2 = await deploy(images.v2);
    expect(v2.errors, v2.stdout).toEqual([]);
    expect(v2.stdout).not.toContain('waiting for the lock');
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });
    expect(github.problems).toEqual([]);
  }, 300_000);

  test('killed outright half-way (SIGKILL, no cleanup possible): the post step removes the lock and the unserving colour and fails the deployment', async () => {
    const killed = await deploy(images.slow, { when: waitingForReadiness, signal: 'SIGKILL' });
    expect(killed.interrupted).toBe('SIGKILL');
    expect(killed.post?.code).toBe(0);
    expect(killed.post?.stdout).toMatch(/removed the release container [0-9a-f]{12} left by an interrupted step/);
    expect(killed.post?.stdout).toMatch(/removed the lock container [0-9a-f]{12} left by an interrupted step/);
    expect(containersOf(SERVICE).filter((c) => c.role === 'lock')).toEqual([]);
    expect(containersOf(SERVICE).filter((c) => c.version === images.slow)).toEqual([]);
    const id = Number(killed.outputs['deployment-id']);
    expect(statesOf(github, id)).toEqual([
      'in_progress: Deploy deploy-test-app:never-ready',
      'failure: cancelled: the step stopped before it recorded its outcome',
    ]);

    const again = await deploy(images.v1);
    expect(again.errors, again.stdout).toEqual([]);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
  }, 300_000);

  test('SIGINT half-way through a rollback (the release put back waiting for readiness): it is stopped again, v2 keeps serving, the lock is released; the next rollback needs no force-unlock', async () => {
    for (const image of [images.v1, images.v2]) {
      const run = await deploy(image);
      expect(run.errors, run.stdout).toEqual([]);
    }
    const rollback = (inputs: Record<string, string>, interrupt?: RunOptions['interrupt']) =>
      runAction('rollback', {
        token: TOKEN,
        timeoutMs: 120_000,
        env: { GITHUB_API_URL: github.url },
        interrupt,
        inputs: { environment: 'staging', service: SERVICE, publish: String(PUBLISH), 'lock-timeout': '5s', ...inputs },
      });

    // A readiness path v1 never answers keeps the rollback waiting until the cancel comes.
    const before = github.deployments.length;
    const cancelled = await rollback(
      { 'readiness-path': '/never', 'readiness-timeout': '90s' },
      {
        when: waitingForReadiness,
        signal: 'SIGINT',
      },
    );
    expect(cancelled.interrupted).toBe('SIGINT');
    expect(cancelled.code).toBe(1);
    expect(cancelled.timedOut).toBe(false);
    expect(cancelled.errors, cancelled.stdout).toEqual([
      `unix:///var/run/docker.sock: ${images.v1} did not become healthy again: cancelled (SIGINT); ${images.v2} keeps serving.`,
    ]);
    expect(cancelled.warnings).toEqual([
      'Cancelled (SIGINT): stopping, undoing what never took traffic and releasing locks',
    ]);
    expect(
      containersOf(SERVICE)
        .filter((c) => c.running)
        .map((c) => c.version || c.role)
        .sort(),
    ).toEqual([images.v2, 'proxy'].sort());
    expect(containersOf(SERVICE).filter((c) => c.role === 'lock')).toEqual([]);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });
    // Nothing changed, so nothing is recorded; nothing was left for the post step.
    expect(github.deployments.length).toBe(before);
    expect(cancelled.post?.code).toBe(0);
    expect(cancelled.post?.warnings).toEqual([]);

    const back = await rollback({});
    expect(back.errors, back.stdout).toEqual([]);
    expect(back.stdout).not.toContain('waiting for the lock');
    expect(back.outputs).toMatchObject({ 'rolled-back-from': images.v2, 'rolled-back-to': images.v1 });
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
  }, 300_000);
});

describe('cancelling with the command provider (bash scripts; GitHub REST and Slack test doubles)', () => {
  let github: GitHubDouble;
  afterEach(() => expect(github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]));
  let slack: FakeSlack;
  let workspace: string;
  beforeAll(async () => {
    github = await startGitHubDouble({ token: 'ghs_cancel_command_17', repository: 'acme/shop' });
    slack = await startFakeSlack();
    workspace = mkdtempSync(join(tmpdir(), 'cancel-command-'));
  });
  afterAll(async () => {
    await github?.close();
    await slack?.close();
  });

  // The command provider's deploy-command, sent SIGINT once it prints "deploy started".
  const interruptedAtDeployStart = (
    action: 'deploy-to-env' | 'deploy',
    dir: string,
    inputs: Record<string, string>,
    signal: NodeJS.Signals = 'SIGINT',
  ) =>
    runAction(action, {
      workspace: dir,
      token: 'ghs_cancel_command_17',
      timeoutMs: 60_000,
      env: { GITHUB_API_URL: github.url },
      interrupt: { when: ({ stdout }) => stdout.includes('deploy started'), signal },
      inputs: { provider: 'command', service: 'shop', 'rollback-command': 'true', ...inputs },
    });

  test('SIGINT while deploy-command runs: its whole process group is stopped (a grandchild too), the deployment fails as cancelled', async () => {
    // A grandchild that would outlive bash if only bash were signalled: it writes a file 4 s later.
    const script = `(sleep 4; echo late > late.txt) &
echo "deploy started"
wait`;
    const run = await interruptedAtDeployStart('deploy-to-env', workspace, {
      environment: 'staging',
      image: 'shop:v9',
      'deploy-command': script,
    });
    expect(run.interrupted).toBe('SIGINT');
    expect(run.code).toBe(1);
    expect(run.errors).toEqual(['cancelled (SIGINT): deploy-command was stopped (its process group got SIGTERM)']);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(existsSync(join(workspace, 'late.txt'))).toBe(false); // the grandchild was stopped with its group
    const [deployment] = github.deployments;
    expect(deployment.statuses.map((s) => `${s.state}: ${s.description}`)).toEqual([
      'in_progress: Deploy shop:v9',
      'failure: cancelled (SIGINT)',
    ]);
    expect(github.problems).toEqual([]);
  }, 120_000);

  test('SIGTERM first (a runner shutting down sends no SIGINT): the same clean stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cancel-sigterm-'));
    const before = github.deployments.length;
    const run = await interruptedAtDeployStart(
      'deploy-to-env',
      dir,
      { environment: 'sigterm', image: 'shop:v11', 'deploy-command': 'echo "deploy started"; sleep 30' },
      'SIGTERM',
    );
    expect(run.interrupted).toBe('SIGTERM');
    expect(run.code).toBe(1);
    expect(run.errors).toEqual(['cancelled (SIGTERM): deploy-command was stopped (its process group got SIGTERM)']);
    expect(
      github.deployments.slice(before).flatMap((d) => d.statuses.map((s) => `${s.state}: ${s.description}`)),
    ).toEqual(['in_progress: Deploy shop:v11', 'failure: cancelled (SIGTERM)']);
  }, 120_000);

  test('the one-step deploy: SIGINT during deploy-command fails the run as cancelled and the Slack message says so', async () => {
    const run = await interruptedAtDeployStart('deploy', mkdtempSync(join(tmpdir(), 'cancel-onestep-')), {
      environment: 'production',
      image: 'shop:v10',
      'deploy-command': 'echo "deploy started"; sleep 30',
      'slack-token': slack.token,
      'slack-channel': 'C0DEPLOYS',
      'slack-api-url': slack.apiUrl,
    });
    expect(run.interrupted).toBe('SIGINT');
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ result: 'failed', 'failed-stage': 'deploy' });
    expect(run.errors.at(-1)).toBe(
      'deploy failed: cancelled (SIGINT): deploy-command was stopped (its process group got SIGTERM)',
    );
    const message = [...slack.messages.values()].at(-1)!;
    expect(message.history.length).toBeGreaterThanOrEqual(2); // started, then the final edit in place
    expect(JSON.stringify(message.history.at(-1))).toContain('cancelled (SIGINT)');
    const deployment = github.deployments.find((d) => d.environment === 'production')!;
    expect(deployment.statuses.map((s) => `${s.state}: ${s.description}`)).toEqual([
      'in_progress: Deploy shop:v10',
      'failure: cancelled (SIGINT)',
    ]);
    expect(slack.rejected).toEqual([]);
  }, 120_000);
});
