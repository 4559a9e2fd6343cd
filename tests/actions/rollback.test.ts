/**
 * rollback through its bundle, over a real sshd to the local Docker engine,
 * after real deploys by the deploy-to-env bundle; GitHub REST test double.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { hasDocker, useDockerDeploy } from '../harness/docker-deploy.js';
import { containersOf, docker, fetchText, inspectContainer } from '../harness/docker-env.js';
import { hitInLoop } from '../harness/load.js';
import { runAction, visibleText } from '../harness/runner.js';

const SERVICE = 'rbe2e';
const PUBLISH = 18471;
const env = useDockerDeploy({ service: SERVICE, token: 'ghs_rollback_test_token_7', sshPort: 2242, publish: PUBLISH });

describe.skipIf(!hasDocker)('rollback (Docker over ssh)', () => {
  let v1: string;
  let v2: string;

  const common = () => ({ environment: 'production', ...env.target(), 'readiness-timeout': '15s' });
  const options = (inputs: Record<string, string>) => ({
    ...env.runOptions(),
    timeoutMs: 90_000,
    inputs: { ...common(), ...inputs },
  });
  const rollback = (inputs: Record<string, string> = {}) =>
    runAction('rollback', { ...options(inputs), ...env.runOptions({ GITHUB_RUN_ID: '777' }) });

  beforeAll(async () => {
    v1 = env.images.v1;
    v2 = env.images.v2;
    for (const image of [v1, v2]) {
      const run = await runAction('deploy-to-env', options({ image }));
      if (run.code !== 0)
        throw new Error(
          `deploy of ${image} failed (exit ${run.code}${run.timedOut ? ', timed out' : ''}):\n${run.stdout}\n${run.stderr}`,
        );
    }
  });

  test('rollback returns v1 after v2, reports both versions, switches with zero failed requests and records a GitHub Deployment of v1', async () => {
    const [, second] = env.github.deployments;
    const load = hitInLoop(`http://127.0.0.1:${PUBLISH}/`);
    const run = await rollback({ reason: 'error rate above 5%' });
    await new Promise((r) => setTimeout(r, 300));
    const traffic = await load.stop();
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'rolled-back-from': v2, 'rolled-back-to': v1 });
    expect(traffic.failures).toEqual([]);
    expect(traffic.bodies.v1).toBeGreaterThan(0);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });

    // The bad release is stopped and marked failed; the restored one carries its original labels.
    const apps = containersOf(SERVICE).filter((c) => c.role === 'app');
    expect(apps.find((c) => c.version === v2)).toMatchObject({
      running: false,
      name: expect.stringMatching(new RegExp(`^${SERVICE}-production-failed-\\d+$`)),
    });
    expect(apps.find((c) => c.version === v1)).toMatchObject({ running: true });

    expect(env.github.problems).toEqual([]);
    const recorded = env.github.deployments.at(-1)!;
    expect(run.outputs['deployment-id']).toBe(String(recorded.id));
    expect(recorded.body).toMatchObject({
      ref: '0123456789abcdef0123456789abcdef01234567',
      environment: 'production',
      payload: { image: v1, provider: 'docker', version: v1, rollback: true, from: v2 },
      auto_merge: false,
      required_contexts: [],
      production_environment: true,
    });
    expect(env.github.events.slice(-4)).toEqual([
      `deployment ${recorded.id}`,
      `status ${recorded.id} in_progress`,
      `status ${recorded.id} success`,
      `status ${second.id} inactive`,
    ]);
    expect(recorded.statuses.at(-1)!.description).toContain('error rate above 5%');
    expect(run.summary).toContain('Rolled back production');
    expect(run.summary).toContain(v1);
    expect(run.summary).toContain(v2);
    for (const line of env.sshd.key.split('\n').filter((l) => l.length > 20))
      expect(visibleText(run)).not.toContain(line);
    expect(run.post?.code).toBe(0);
  });

  test('with no good previous release left: a clear error, nothing changed, nothing recorded', async () => {
    const before = env.github.deployments.length;
    const run = await rollback();
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(
      /no previous release of rbe2e on production to roll back to \(kept: deploy-test-app:v2 \(failed\)\); nothing was changed/,
    );
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
    expect(env.github.deployments.length).toBe(before);
    expect(inspectContainer(`${SERVICE}-production-lock`)).toBeUndefined();
  });

  test('to: returns to a chosen version', async () => {
    const run = await rollback({ to: v2, 'github-token': '' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'rolled-back-from': v1, 'rolled-back-to': v2 });
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });
  });

  test('an environment deployed with recreate rolls back by stopping the bad release and starting the previous one', async () => {
    const qa = { environment: 'qa', strategy: 'recreate', publish: String(PUBLISH + 1), 'github-token': '' };
    for (const image of [v1, v2]) expect((await runAction('deploy-to-env', options({ ...qa, image }))).code).toBe(0);
    const { strategy: _s, ...inputs } = qa;
    const run = await rollback(inputs);
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ 'rolled-back-from': v2, 'rolled-back-to': v1 });
    expect(await fetchText(`http://127.0.0.1:${PUBLISH + 1}/`)).toEqual({ status: 200, body: 'v1' });
    expect(inspectContainer(`${SERVICE}-qa-proxy`)).toBeUndefined();
  });

  test('lock-timeout, force-unlock and environment-url: a held lock stops the rollback naming its holder; force-unlock releases it', async () => {
    const lock = `${SERVICE}-production-lock`;
    const holder = 'https://github.com/acme/shop/actions/runs/98';
    // Its own history, whatever the tests before it rolled back and forth: v2 live, v1 before it.
    for (const image of [v1, v2]) expect((await runAction('deploy-to-env', options({ image }))).code).toBe(0);
    docker(
      'create',
      '--name',
      lock,
      '--label',
      `deploy-actions.service=${SERVICE}`,
      '--label',
      'deploy-actions.environment=production',
      '--label',
      'deploy-actions.role=lock',
      '--label',
      `deploy-actions.lock-holder=${holder}`,
      '--label',
      'deploy-actions.time=2026-01-02T03:04:05.000Z',
      '--label',
      'deploy-actions.version=app:dead',
      v1,
    );
    const blocked = await rollback({ 'lock-timeout': '2s', 'github-token': '' });
    expect(blocked.code).toBe(1);
    expect(blocked.errors.join('\n')).toContain(`locked by ${holder} since 2026-01-02T03:04:05.000Z`);
    expect(blocked.stdout).toContain(`waiting for the lock held by ${holder}`);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });

    const url = `http://127.0.0.1:${PUBLISH}/`;
    const forced = await rollback({ 'force-unlock': 'true', 'environment-url': url });
    expect(forced.code, forced.stdout).toBe(0);
    expect(forced.warnings.join('\n')).toContain(`force-unlock released the lock held by ${holder}`);
    expect(forced.outputs).toMatchObject({ 'rolled-back-from': v2, 'rolled-back-to': v1 });
    expect(inspectContainer(lock)).toBeUndefined();
    expect(env.github.deployments.at(-1)!.statuses.at(-1)).toMatchObject({ state: 'success', environment_url: url });
    expect(forced.summary).toContain(url);
  });

  test('an environment with no releases: a clear error naming it', async () => {
    const run = await rollback({ environment: 'empty-env', 'github-token': '' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain(
      'no previous release of rbe2e on empty-env to roll back to (kept: none); nothing was changed',
    );
  });

  test('an unknown provider is an input error naming the choices', async () => {
    const run = await rollback({ provider: 'nomad', 'github-token': '' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/"provider": expected one of "docker".*got "nomad"/);
  });
});
