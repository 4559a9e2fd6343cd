/**
 * The one-step deploy through its bundle with the Docker provider, over a
 * real sshd to the local Docker engine (images FROM scratch), with the Slack
 * and GitHub REST test doubles: v1, a healthy v2, then a v3 that starts but
 * fails the health gate and is rolled back to v2 automatically.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../fakes/slack.js';
import { hasDocker, useDockerDeploy } from '../harness/docker-deploy.js';
import { fetchText, inspectContainer } from '../harness/docker-env.js';
import { runAction, visibleText } from '../harness/runner.js';

const SERVICE = 'onestep';
const PUBLISH = 18493;
const env = useDockerDeploy({
  service: SERVICE,
  token: 'ghs_deploy_docker_test_token',
  sshPort: 2293,
  publish: PUBLISH,
});

describe.skipIf(!hasDocker)('deploy (Docker provider over ssh)', () => {
  let slack: FakeSlack;
  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  afterAll(async () => {
    await slack?.close();
  });

  const deploy = (image: string) =>
    runAction('deploy', {
      ...env.runOptions(),
      timeoutMs: 90_000,
      inputs: {
        environment: 'staging',
        image,
        ...env.target(),
        // Readiness before traffic on `/` (every test image serves it); the gate on /health (the broken image fails
        // it).
        'readiness-path': '/',
        'readiness-timeout': '15s',
        'environment-url': `http://127.0.0.1:${PUBLISH}`,
        'health-url': `http://127.0.0.1:${PUBLISH}/health`,
        'health-json-assertions': 'status == ok',
        'health-interval': '200ms',
        'health-deadline': '3s',
        'health-success-threshold': '2',
        'health-max-failures': '2',
        'slack-token': slack.token,
        'slack-channel': 'C0DEPLOYS',
        'slack-api-url': slack.apiUrl,
      },
    });

  test('v1 then a healthy v2 ship: result success, versions, one Slack message per deploy updated in place', async () => {
    let run = await deploy(env.images.v1);
    expect(run.errors, run.stdout).toEqual([]);
    expect(run.outputs).toMatchObject({
      result: 'success',
      version: env.images.v1,
      'previous-version': '',
      'failed-stage': '',
    });

    run = await deploy(env.images.v2);
    expect(run.errors, run.stdout).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      result: 'success',
      version: env.images.v2,
      'previous-version': env.images.v1,
      'environment-url': `http://127.0.0.1:${PUBLISH}`,
    });
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });
    expect(run.summary).toContain('✅ Deployed: onestep on staging');
    expect(run.summary).toMatch(/\| Health gate \| ✅ success \|/);

    expect(slack.rejected).toEqual([]);
    expect(slack.messages.size).toBe(2); // one message per deploy, every later state an update of it
    const last = [...slack.messages.values()].at(-1)!;
    expect(last.history.length).toBeGreaterThanOrEqual(3); // started, progress, success
    expect(JSON.stringify(last.history[0])).toContain(':rocket:');
    expect(JSON.stringify(last.history.at(-1))).toContain(':white_check_mark:');
    expect(env.github.problems).toEqual([]);
    expect(run.outputs['deployment-id']).toBe(String(env.github.deployments.at(-1)!.id));
  });

  test('a v3 that fails the health gate is rolled back to v2, verified, and the step fails', async () => {
    const before = env.github.deployments.length;
    const run = await deploy(env.images.v3);
    console.log(run.summary + '\n=====\n' + run.stdout);
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      result: 'rolled-back',
      version: env.images.v3,
      'previous-version': env.images.v2,
      'failed-stage': 'health-gate',
    });
    expect(run.errors.at(-1)).toMatch(
      /health gate failed: .*; rolled back to deploy-test-app:v2: deploy-test-app:v3 did not ship/,
    );
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });
    expect(
      inspectContainer(`${SERVICE}-staging-blue`)?.Config.Labels['deploy-actions.version'] ??
        inspectContainer(`${SERVICE}-staging-green`)?.Config.Labels['deploy-actions.version'],
    ).toBeTruthy();

    expect(run.summary).toContain('↩️ Rolled back: onestep on staging');
    expect(run.summary).toMatch(/\| Health gate \| ❌ failure \|/);
    expect(run.summary).toMatch(/\| Rollback \| ✅ success \|/);
    expect(run.summary).toMatch(/\| Verify rollback \| ✅ success \|/);
    expect(run.summary).toContain('health_gate -. on failure .-> rollback --> verify_rollback');

    // GitHub: v3 failed, and the rollback recorded as a successful deployment of v2.
    expect(env.github.problems).toEqual([]);
    const [v3, back] = env.github.deployments.slice(before);
    expect(v3.payload).toMatchObject({ image: env.images.v3 });
    expect(v3.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(back.payload).toMatchObject({ image: env.images.v2, rollback: true, from: env.images.v3 });
    expect(back.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);

    // Slack: the same message went from started to rolled-back.
    const message = [...slack.messages.values()].at(-1)!;
    expect(JSON.stringify(message.history[0])).toContain(':rocket:');
    expect(JSON.stringify(message.history.at(-1))).toContain(':leftwards_arrow_with_hook:');
    expect(slack.rejected).toEqual([]);

    // The ssh key and the Slack token never show.
    const text = visibleText(run);
    for (const line of env.sshd.key.split('\n').filter((l) => l.length > 20)) expect(text).not.toContain(line);
    expect(text).not.toContain(slack.token);
  });
});
