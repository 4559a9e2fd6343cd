/**
 * rollback through its bundle, over a real sshd to the local Docker engine,
 * after real deploys by the deploy-to-env bundle; GitHub REST test double.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { containersOf, fetchText, inspectContainer, removeService } from '../fixtures/docker-env.js';
import { appImage, proxyImage } from '../fixtures/images.js';
import { hitInLoop } from '../fixtures/load.js';
import { startSshd, type Sshd } from '../fixtures/sshd.js';
import { dockerAvailable, ensureDocker } from '../harness/infra.js';
import { runAction, visibleText } from '../harness/runner.js';

await ensureDocker();
const hasDocker = dockerAvailable();
const TOKEN = 'ghs_rollback_test_token_7';
const SERVICE = 'rbe2e';
const PUBLISH = 18471;
const SSH_PORT = 2242;

describe.skipIf(!hasDocker)('rollback (Docker over ssh)', () => {
  let sshd: Sshd;
  let github: GitHubDouble;
  let v1: string;
  let v2: string;

  const common = () => ({
    environment: 'production',
    service: SERVICE,
    hosts: `ssh://root@127.0.0.1:${SSH_PORT}`,
    'ssh-key': sshd.key,
    'ssh-known-hosts': sshd.knownHosts,
    publish: String(PUBLISH),
    'proxy-image': proxyImage(),
    'readiness-timeout': '15s',
  });
  const options = (inputs: Record<string, string>) => ({ token: TOKEN, timeoutMs: 90_000, env: { GITHUB_API_URL: github.url }, inputs: { ...common(), ...inputs } });
  const rollback = (inputs: Record<string, string> = {}) => runAction('rollback', { ...options(inputs), env: { GITHUB_API_URL: github.url, GITHUB_RUN_ID: '777' } });

  beforeAll(async () => {
    removeService(SERVICE);
    v1 = appImage('v1');
    v2 = appImage('v2');
    sshd = await startSshd(SSH_PORT);
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
    for (const image of [v1, v2]) {
      const run = await runAction('deploy-to-env', options({ image }));
      if (run.code !== 0) throw new Error(`deploy of ${image} failed:\n${run.stdout}`);
    }
  });
  afterAll(async () => {
    await sshd?.stop();
    await github?.close();
    removeService(SERVICE);
  });

  test('rollback returns v1 after v2, reports both versions, switches with zero failed requests and records a GitHub Deployment of v1', async () => {
    const [, second] = github.deployments;
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
    expect(apps.find((c) => c.version === v2)).toMatchObject({ running: false, name: expect.stringMatching(new RegExp(`^${SERVICE}-production-failed-\\d+$`)) });
    expect(apps.find((c) => c.version === v1)).toMatchObject({ running: true });

    expect(github.problems).toEqual([]);
    const recorded = github.deployments.at(-1)!;
    expect(run.outputs['deployment-id']).toBe(String(recorded.id));
    expect(recorded.body).toMatchObject({
      ref: '0123456789abcdef0123456789abcdef01234567',
      environment: 'production',
      payload: { image: v1, provider: 'docker', version: v1, rollback: true, from: v2 },
      auto_merge: false,
      required_contexts: [],
      production_environment: true,
    });
    expect(github.events.slice(-4)).toEqual([`deployment ${recorded.id}`, `status ${recorded.id} in_progress`, `status ${recorded.id} success`, `status ${second.id} inactive`]);
    expect(recorded.statuses.at(-1)!.description).toContain('error rate above 5%');
    expect(run.summary).toContain('Rolled back production');
    expect(run.summary).toContain(v1);
    expect(run.summary).toContain(v2);
    for (const line of sshd.key.split('\n').filter((l) => l.length > 20)) expect(visibleText(run)).not.toContain(line);
    expect(run.post?.code).toBe(0);
  });

  test('with no good previous release left: a clear error, nothing changed, nothing recorded', async () => {
    const before = github.deployments.length;
    const run = await rollback();
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/no previous release of rbe2e on production to roll back to \(kept: deploy-test-app:v2 \(failed\)\); nothing was changed/);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
    expect(github.deployments.length).toBe(before);
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

  test('an environment with no releases: a clear error naming it', async () => {
    const run = await rollback({ environment: 'empty-env', 'github-token': '' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toContain('no previous release of rbe2e on empty-env to roll back to (kept: none); nothing was changed');
  });

  test('an unknown provider is an input error naming the choices', async () => {
    const run = await rollback({ provider: 'nomad', 'github-token': '' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/"provider": expected one of "docker".*got "nomad"/);
  });
});
