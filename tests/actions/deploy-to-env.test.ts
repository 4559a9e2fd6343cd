/**
 * deploy-to-env through its bundle, over a real sshd to the local Docker
 * engine, with images built FROM scratch and a GitHub REST test double.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { hasDocker, useDockerDeploy } from '../harness/docker-deploy.js';
import { containersOf, docker, fetchText, inspectContainer, waitFor } from '../harness/docker-env.js';
import { buildBusyboxImage } from '../harness/images.js';
import { hitInLoop } from '../harness/load.js';
import { startRegistry } from '../harness/registry.js';
import { plantedCommands, runAction, visibleText, type ActionRun } from '../harness/runner.js';

const SERVICE = 'dte2e';
const PUBLISH = 18461;
const env = useDockerDeploy({ service: SERVICE, token: 'ghs_deploy_test_token_42', sshPort: 2241, publish: PUBLISH });

describe.skipIf(!hasDocker)('deploy-to-env (Docker over ssh)', () => {
  const deploy = (inputs: Record<string, string>, extraEnv: Record<string, string> = {}) =>
    runAction('deploy-to-env', {
      ...env.runOptions(extraEnv),
      timeoutMs: 90_000,
      inputs: {
        environment: 'staging',
        ...env.target(),
        'readiness-timeout': '15s',
        'environment-url': `http://127.0.0.1:${PUBLISH}`,
        ...inputs,
      },
    });

  /**
   * The private key never shows, each of its body lines is a mask (its armour is not), the post step removed the key
   * folder.
   */
  function expectKeyHandled(run: ActionRun): void {
    const lines = env.sshd.key.split('\n').filter((l) => l.length > 20);
    const armour = lines.filter((l) => l.startsWith('-----'));
    const body = lines.filter((l) => !armour.includes(l));
    expect(armour).toEqual(['-----BEGIN OPENSSH PRIVATE KEY-----', '-----END OPENSSH PRIVATE KEY-----']);
    for (const line of lines) expect(visibleText(run)).not.toContain(line);
    for (const line of body) expect(run.masks).toContain(line);
    for (const line of armour) expect(run.masks).not.toContain(line);
    expect(run.post?.code).toBe(0);
    const dir = JSON.parse(run.state['provider-state']).ssh.dir as string;
    expect(existsSync(dir)).toBe(false);
  }

  test('v1 deploys over ssh to the local engine and is recorded as a GitHub Deployment (GitHub test double)', async () => {
    const run = await deploy({ image: env.images.v1 });
    expect(run.errors, run.stdout).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      version: env.images.v1,
      'previous-version': '',
      hosts: '1',
      'environment-url': `http://127.0.0.1:${PUBLISH}`,
    });
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });

    const blue = inspectContainer(`${SERVICE}-staging-blue`)!;
    expect(blue.State.Running).toBe(true);
    expect(blue.Config.Labels).toMatchObject({
      'deploy-actions.image': env.images.v1,
      'deploy-actions.version': env.images.v1,
      'deploy-actions.commit': '0123456789abcdef0123456789abcdef01234567',
      'deploy-actions.run-url': 'https://github.com/acme/shop/actions/runs/4242',
    });
    expect(inspectContainer(`${SERVICE}-staging-lock`)).toBeUndefined();

    expect(env.github.problems).toEqual([]);
    const [d] = env.github.deployments;
    expect(run.outputs['deployment-id']).toBe(String(d.id));
    expect(d.body).toMatchObject({
      ref: '0123456789abcdef0123456789abcdef01234567',
      environment: 'staging',
      payload: { image: env.images.v1, provider: 'docker', version: env.images.v1 },
      auto_merge: false,
      required_contexts: [],
      production_environment: false,
    });
    expect(env.github.events).toEqual([`deployment ${d.id}`, `status ${d.id} in_progress`, `status ${d.id} success`]);
    expect(d.statuses.at(-1)).toMatchObject({
      environment_url: `http://127.0.0.1:${PUBLISH}`,
      log_url: 'https://github.com/acme/shop/actions/runs/4242',
    });
    expect(run.summary).toContain('Deployed to staging');
    expectKeyHandled(run);
  });

  test('v2 replaces v1 blue-green with zero failed requests from a client looping on the published port', async () => {
    const load = hitInLoop(`http://127.0.0.1:${PUBLISH}/`);
    const run = await deploy({
      image: env.images.v2,
      env: [
        'SUBST=$(touch /tmp/dte2e-pwned-1)',
        'TICKS=`touch /tmp/dte2e-pwned-2`; rm -rf /tmp/x && echo "$HOME" | cat',
        'QUOTES=it\'s "quoted" \\ back\\slash',
        'SPACES=  a  b  ',
      ].join('\n'),
    });
    // Keep hitting a little after the step: the old colour is stopped by then.
    await new Promise((r) => setTimeout(r, 300));
    const result = await load.stop();
    expect(run.code, run.stdout).toBe(0);
    console.log(
      `blue-green switch: ${result.ok} requests ok, ${result.failed} failed; answers ${JSON.stringify(result.bodies)}`,
    );
    expect(result.failures).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(50);
    expect(result.bodies.v1).toBeGreaterThan(0);
    expect(result.bodies.v2).toBeGreaterThan(0);
    expect(run.outputs).toMatchObject({ version: env.images.v2, 'previous-version': env.images.v1 });
    // Where the deploy's time went, every phase of a blue-green switch, in the log and the job summary.
    const phases = /Phase times: (pull \S+, lock \S+, start \S+, ready \S+, switch \S+, drain \S+, prune \S+)/.exec(
      run.stdout,
    )?.[1];
    expect(phases, run.stdout).toBeDefined();
    expect(run.summary).toContain(`| Phase times | ${phases} |`);
    expect(inspectContainer(`${SERVICE}-staging-green`)!.State.Running).toBe(true);
    expect(inspectContainer(`${SERVICE}-staging-blue`)!.State.Running).toBe(false); // stopped, kept for rollback

    // The first deployment is now inactive; the second went in_progress → success.
    const [first, second] = env.github.deployments;
    expect(env.github.events.slice(3)).toEqual([
      `deployment ${second.id}`,
      `status ${second.id} in_progress`,
      `status ${second.id} success`,
      `status ${first.id} inactive`,
    ]);
    expect(env.github.problems).toEqual([]);
    expectKeyHandled(run);
  });

  test('metacharacters in env values reach the container unchanged, run nothing on the host, and are never printed', () => {
    const env = inspectContainer(`${SERVICE}-staging-green`)!.Config.Env;
    expect(env).toContain('SUBST=$(touch /tmp/dte2e-pwned-1)');
    expect(env).toContain('TICKS=`touch /tmp/dte2e-pwned-2`; rm -rf /tmp/x && echo "$HOME" | cat');
    expect(env).toContain('QUOTES=it\'s "quoted" \\ back\\slash');
    expect(existsSync('/tmp/dte2e-pwned-1')).toBe(false);
    expect(existsSync('/tmp/dte2e-pwned-2')).toBe(false);
  });

  test('a broken v3 fails its health check, is removed, and v2 keeps serving', async () => {
    const before = env.github.deployments.length;
    const run = await deploy({ image: env.images.v3, 'readiness-timeout': '3s' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(/deploy-test-app:v3 never became healthy: .*status 500/);
    expect(run.errors.join('\n')).toContain(`${env.images.v2} keeps serving`);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });
    expect(containersOf(SERVICE).filter((c) => c.version === env.images.v3)).toEqual([]);
    expect(inspectContainer(`${SERVICE}-staging-lock`)).toBeUndefined();
    const failed = env.github.deployments[before];
    expect(env.github.events.slice(-3)).toEqual([
      `deployment ${failed.id}`,
      `status ${failed.id} in_progress`,
      `status ${failed.id} failure`,
    ]);
    expect(run.summary).toContain('failed');
    // What was live still is: the previous version, in the output and the summary.
    expect(run.outputs['previous-version']).toBe(env.images.v2);
    expect(run.summary).toContain(`\`${env.images.v2}\``);
    expectKeyHandled(run);
  });

  test('the host lock: a deploy waits for a held lock, then fails naming its holder; force-unlock releases it and reports it', async () => {
    // A deploy that died while holding the lock.
    docker(
      'create',
      '--name',
      `${SERVICE}-staging-lock`,
      '--label',
      `deploy-actions.service=${SERVICE}`,
      '--label',
      'deploy-actions.environment=staging',
      '--label',
      'deploy-actions.role=lock',
      '--label',
      'deploy-actions.lock-holder=https://github.com/acme/shop/actions/runs/99',
      '--label',
      'deploy-actions.time=2026-01-02T03:04:05.000Z',
      '--label',
      'deploy-actions.version=app:dead',
      env.images.v1,
    );
    const blocked = await deploy({ image: env.images.v1, 'lock-timeout': '2s', 'github-token': '' });
    expect(blocked.code).toBe(1);
    expect(blocked.errors.join('\n')).toContain(
      'locked by https://github.com/acme/shop/actions/runs/99 since 2026-01-02T03:04:05.000Z',
    );
    expect(blocked.stdout).toContain('waiting for the lock held by https://github.com/acme/shop/actions/runs/99');
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v2' });

    const forced = await deploy({ image: env.images.v1, 'force-unlock': 'true', 'github-token': '' });
    expect(forced.code, forced.stdout).toBe(0);
    expect(forced.warnings.join('\n')).toContain(
      'force-unlock released the lock held by https://github.com/acme/shop/actions/runs/99 since 2026-01-02T03:04:05.000Z',
    );
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
    expect(inspectContainer(`${SERVICE}-staging-lock`)).toBeUndefined();
  });

  test('concurrent deploys to the same host and environment do not interleave: the second waits for the lock', async () => {
    const first = deploy({ image: env.images.v2, 'github-token': '' }, { GITHUB_RUN_ID: '5001' });
    // The second starts once the first holds the lock (its lock container names it), however slow the machine.
    const holder = () => inspectContainer(`${SERVICE}-staging-lock`)?.Config.Labels['deploy-actions.lock-holder'];
    await waitFor(
      () => holder() === 'https://github.com/acme/shop/actions/runs/5001',
      60_000,
      'the first deploy to take the lock',
    );
    const [a, b] = await Promise.all([
      first,
      deploy({ image: env.images.v1, 'github-token': '' }, { GITHUB_RUN_ID: '5002' }),
    ]);
    expect(a.code, a.stdout).toBe(0);
    expect(b.code, b.stdout).toBe(0);
    expect(b.stdout).toContain('waiting for the lock held by https://github.com/acme/shop/actions/runs/5001');
    expect(b.outputs['previous-version']).toBe(env.images.v2);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
    // keep: 2 previous releases at most, never fewer than the rollback target.
    expect(containersOf(SERVICE).filter((c) => c.role === 'app').length).toBeLessThanOrEqual(3);
  });

  test('recreate: the old release stops, the new one serves the published port itself', async () => {
    const inputs = {
      environment: 'qa',
      strategy: 'recreate',
      publish: String(PUBLISH + 1),
      'github-token': '',
      'environment-url': '',
    };
    const first = await deploy({ ...inputs, image: env.images.v1 });
    expect(first.code, first.stdout).toBe(0);
    expect(await fetchText(`http://127.0.0.1:${PUBLISH + 1}/`)).toEqual({ status: 200, body: 'v1' });
    const second = await deploy({ ...inputs, image: env.images.v2 });
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs).toMatchObject({ version: env.images.v2, 'previous-version': env.images.v1 });
    expect(await fetchText(`http://127.0.0.1:${PUBLISH + 1}/`)).toEqual({ status: 200, body: 'v2' });
    expect(inspectContainer(`${SERVICE}-qa-proxy`)).toBeUndefined();
    expect(inspectContainer(`${SERVICE}-qa-blue`)!.State.Running).toBe(false);
    expect(inspectContainer(`${SERVICE}-qa-green`)!.State.Running).toBe(true);

    // keep: 0 still keeps the release a rollback would return to (v2), and only that one.
    const third = await deploy({ ...inputs, image: env.images.v1, keep: '0' });
    expect(third.code, third.stdout).toBe(0);
    const apps = containersOf(SERVICE).filter((c) => c.role === 'app' && c.name.startsWith(`${SERVICE}-qa-`));
    expect(apps.map((c) => `${c.version} ${c.running ? 'live' : 'stopped'}`).sort()).toEqual([
      `${env.images.v1} live`,
      `${env.images.v2} stopped`,
    ]);
    expect(third.stdout).toMatch(/pruned deploy-test-app:v1 \(previous\) \(keep 0\)/);
  });

  test('the default host, the local Docker socket, needs no ssh at all', async () => {
    const run = await deploy({
      image: env.images.v2,
      environment: 'local',
      hosts: 'unix:///var/run/docker.sock',
      'ssh-key': '',
      'ssh-known-hosts': '',
      publish: String(PUBLISH + 2),
      'github-token': '',
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.state['provider-state']).toBe('');
    expect(await fetchText(`http://127.0.0.1:${PUBLISH + 2}/`)).toEqual({ status: 200, body: 'v2' });
    expect(run.summary).toContain('| Hosts | 1 |');
    expect(run.summary).toContain('unix:///var/run/docker.sock');
  });

  test('a container whose logs plant ::error::, ::add-mask:: and ##[warning] lines, then fails its readiness check (local socket): the logs are quoted in the one error, nothing obeyed', async () => {
    const logs = [
      '::error::planted-error',
      '::add-mask::planted-mask',
      '  ::set-output name=version::planted',
      '##[warning]planted-warning',
    ];
    const image = 'deploy-test-app:planted-logs';
    // No /health: the release never becomes ready.
    buildBusyboxImage(image, {
      health: false,
      dockerfile: `FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\nCMD ["/bin/busybox","sh","-c","${logs.map((l) => `echo '${l}';`).join(' ')} exec /bin/busybox httpd -f -p 8080 -h /www"]\n`,
    });
    const run = await deploy({
      image,
      environment: 'planted',
      hosts: 'unix:///var/run/docker.sock',
      'ssh-key': '',
      'ssh-known-hosts': '',
      publish: String(PUBLISH + 4),
      'github-token': '',
      'readiness-timeout': '2s',
    });
    expect(run.code).toBe(1);
    expect(plantedCommands(run, logs.join('\n'))).toEqual([]);
    expect(run.masks.filter((m) => m.includes('planted'))).toEqual([]);
    expect(run.warnings.filter((w) => w.includes('planted-warning'))).toEqual([]);
    expect(run.outputs.version).toBeUndefined();
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /planted-logs never became healthy: .*\nLast container logs:\n::error::planted-error\n::add-mask::planted-mask\n {2}::set-output name=version::planted\n##\[warning\]planted-warning/,
    );
    expect(containersOf(SERVICE).filter((c) => c.version === image)).toEqual([]);
  });

  test('a private image: the host logs in with registry-username/password (masked), pulls, records the digest as the version, and logs out', async () => {
    const registry = await startRegistry({ port: 5461 });
    try {
      const repo = `${registry.host}/dte2e/app`;
      registry.push(env.images.v2, 'dte2e/app:v2');
      const digest = `${repo}@${await registry.digest('dte2e/app', 'v2')}`;
      spawnSync('docker', ['rmi', digest]);
      expect(spawnSync('docker', ['image', 'inspect', `${repo}:v2`]).status).not.toBe(0);

      const run = await deploy({
        image: `${repo}:v2`,
        environment: 'private',
        publish: String(PUBLISH + 3),
        'registry-username': registry.username,
        'registry-password': registry.password,
        'github-token': '',
      });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs.version).toBe(digest);
      expect(run.outputs.version).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(await fetchText(`http://127.0.0.1:${PUBLISH + 3}/`)).toEqual({ status: 200, body: 'v2' });
      expect(run.masks).toContain(registry.password);
      expect(visibleText(run)).not.toContain(registry.password);
      const config = existsSync('/root/.docker/config.json') ? readFileSync('/root/.docker/config.json', 'utf8') : '{}';
      expect(JSON.parse(config).auths?.[registry.host]).toBeUndefined();
    } finally {
      await registry.stop();
    }
  });

  test('a wrong host key is refused: nothing runs on the host', async () => {
    const run = await deploy({ image: env.images.v2, 'ssh-known-hosts': env.sshd.wrongKnownHosts, 'github-token': '' });
    expect(run.code).toBe(1);
    expect(run.errors.join('\n')).toMatch(
      /host key is not in ssh-known-hosts or does not match it; refusing to connect/,
    );
    expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'v1' });
    expectKeyHandled(run);
  });

  test('bad inputs are reported together, naming each input (an ssh host needs ssh-known-hosts)', async () => {
    const run = await deploy({
      image: 'has space',
      environment: 'prod/eu',
      port: 'http',
      'ssh-known-hosts': '',
      'github-token': '',
    });
    expect(run.code).toBe(1);
    const error = run.errors.join('\n');
    expect(error).toContain('"image"');
    expect(error).toContain('"environment"');
    expect(error).toContain('"port"');
    expect(visibleText(run)).not.toContain(env.sshd.key.split('\n')[1]);
    const noKnownHosts = await deploy({ image: env.images.v1, 'ssh-known-hosts': '', 'github-token': '' });
    expect(noKnownHosts.errors.join('\n')).toContain('"ssh-known-hosts": expected known_hosts lines');
  });
});
