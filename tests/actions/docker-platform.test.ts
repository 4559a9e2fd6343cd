/**
 * The Docker provider as a platform, through the deploy-to-env and rollback
 * bundles over a real sshd to the local engine: runtime options (a named
 * volume kept across releases, a user network with a "database" on it, the
 * command, limits, restart policy, labels), the image's HEALTHCHECK as the
 * readiness signal, and worker roles replaced without losing a job across a
 * deploy and a rollback (with the pre-rollback-command).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { docker, fetchText, removeService } from '../harness/docker-env.js';
import { proxyImage } from '../harness/images.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { dockerAvailable, ensureDocker } from '../harness/infra.js';
import { buildBusyboxImage, removeImages } from '../harness/images.js';
import { runAction } from '../harness/runner.js';

await ensureDocker();
const hasDocker = dockerAvailable();
const ID = randomBytes(3).toString('hex');
const SERVICE = `plat${ID}`;
const PUBLISH = 18915;
const SSH_PORT = 22915;
const NET = `h15a-db-net-${ID}`;
const DB = `h15a-db-${ID}`;
const VOLUME = `h15a-data-${ID}`;

const HEALTHCHECK = (path: string) =>
  `HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["/bin/wget","-q","-O","/dev/null","http://127.0.0.1:8080${path}"]`;

/** One image for the web role (busybox httpd) and the worker role (/worker.sh), `version` baked in. */
function platformImage(version: string, options: { healthcheck?: string } = {}): string {
  const tag = `h15a-platform-${ID}:${version}`;
  buildBusyboxImage(tag, {
    files: {
      'www/index.html': `${version}\n`,
      'www/health': 'ok\n',
      'www/alt/index.html': `alt-${version}\n`,
      'www/alt/health': 'ok\n',
      version: `${version}\n`,
      'worker.sh': WORKER,
      'stubborn.sh': STUBBORN,
    },
    dockerfile: [
      'FROM scratch',
      'COPY busybox /bin/busybox',
      'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
      'COPY www /www',
      'COPY version worker.sh stubborn.sh /',
      'EXPOSE 8080',
      ...(options.healthcheck ? [options.healthcheck] : []),
      'CMD ["/bin/busybox","httpd","-f","-p","8080","-h","/www"]',
      '',
    ].join('\n'),
  });
  return tag;
}

/**
 * A queue worker: takes one job file at a time (an atomic rename), needs 2s
 * for it, records it done. SIGTERM is trapped: the job in hand is finished
 * before it exits (sh runs the trap once the foreground `sleep` is over).
 */
const WORKER = `
stop=
trap 'stop=1' TERM INT
VERSION=$(cat /version)
mkdir -p /jobs/queue /jobs/taken /jobs/done
echo "worker $HOSTNAME $VERSION up"
while [ -z "$stop" ]; do
  for f in /jobs/queue/*; do
    [ -e "$f" ] || break
    n=$(basename "$f")
    mv "$f" "/jobs/taken/$n" 2>/dev/null || continue
    sleep 2
    echo "$VERSION $HOSTNAME" > "/jobs/done/$n"
    rm -f "/jobs/taken/$n"
    break
  done
  [ -n "$stop" ] && break
  sleep 0.2
done
echo "worker $HOSTNAME finished its last job"
`;

/** A worker that ignores SIGTERM (so only SIGKILL stops it) and answers its image's HEALTHCHECK once it is up. */
const STUBBORN = `
trap '' TERM
sleep 1
httpd -p 8080 -h /www
echo "stubborn worker up"
while true; do sleep 1; done
`;

interface Inspect {
  Name: string;
  State: { Running: boolean; ExitCode: number; Status: string };
  Config: { Labels: Record<string, string> };
  HostConfig: { Memory: number; NanoCpus: number; RestartPolicy: { Name: string; MaximumRetryCount: number } };
}
const inspect = (name: string): Inspect => JSON.parse(docker('inspect', '--type', 'container', name))[0];
const workersOf = (service: string): Inspect[] => {
  const ids = docker(
    'ps',
    '-a',
    '-q',
    '--filter',
    `label=deploy-actions.service=${service}`,
    '--filter',
    'label=deploy-actions.role=worker',
  )
    .split('\n')
    .filter(Boolean);
  return ids.length ? JSON.parse(docker('inspect', ...ids)) : [];
};

// A deploy over ssh takes a few seconds alone, much longer on a loaded 2-core machine.
describe.skipIf(!hasDocker)(
  'the Docker provider as a platform (deploy-to-env and rollback bundles over ssh)',
  { timeout: 400_000 },
  () => {
    let sshd: Sshd;
    const images: string[] = [];
    let jobs: string;

    beforeAll(async () => {
      removeService(SERVICE);
      sshd = await startSshd(SSH_PORT);
      docker('network', 'create', NET);
      // The "database": a container already on the host, on a user network.
      docker('run', '-d', '--name', DB, '--network', NET, platformImage('db'));
      images.push(`h15a-platform-${ID}:db`);
      jobs = mkdtempSync(join(tmpdir(), 'h15a-jobs-'));
    });
    afterAll(async () => {
      await sshd?.stop();
      removeService(SERVICE);
      docker('rm', '-f', DB);
      docker('network', 'rm', NET);
      docker('volume', 'rm', '-f', VOLUME);
      removeImages([...new Set(images)]);
      rmSync(jobs, { recursive: true, force: true });
    });

    const step = (
      action: 'deploy-to-env' | 'rollback',
      inputs: Record<string, string>,
      env: Record<string, string> = {},
    ) =>
      runAction(action, {
        timeoutMs: 300_000,
        env,
        inputs: {
          environment: 'production',
          service: SERVICE,
          hosts: `ssh://root@127.0.0.1:${SSH_PORT}`,
          'ssh-key': sshd.key,
          'ssh-known-hosts': sshd.knownHosts,
          publish: String(PUBLISH),
          'proxy-image': proxyImage(),
          'readiness-timeout': '30s',
          'github-token': '',
          ...inputs,
        },
      });

    const options = {
      'readiness-path': '',
      volumes: `${VOLUME}:/data`,
      networks: NET,
      command: '/bin/busybox httpd -f -p 8080 -h /www/alt',
      memory: '64m',
      cpus: '0.5',
      restart: 'on-failure:3',
      'container-labels': 'com.example.team=payments\ncom.example.tier=web',
    };

    test('runtime options reach the container; its HEALTHCHECK is the readiness; the database is reached by name', async () => {
      const v1 = platformImage('v1', { healthcheck: HEALTHCHECK('/health') });
      images.push(v1);
      const run = await step('deploy-to-env', { image: v1, ...options });
      expect(run.errors, run.stdout).toEqual([]);
      expect(run.code).toBe(0);
      console.log(`deploy with runtime options and HEALTHCHECK readiness: ${Math.round(run.durationMs)} ms`);
      expect(run.stdout).toContain('its HEALTHCHECK to report healthy');
      // The command serves /www/alt, not the image's CMD's /www.
      expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'alt-v1' });
      const blue = inspect(`${SERVICE}-production-blue`);
      expect(blue.HostConfig.Memory).toBe(64 * 1024 * 1024);
      expect(blue.HostConfig.NanoCpus).toBe(500_000_000);
      expect(blue.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
      expect(blue.Config.Labels).toMatchObject({
        'com.example.team': 'payments',
        'com.example.tier': 'web',
        'deploy-actions.role': 'app',
      });
      expect(docker('exec', `${SERVICE}-production-blue`, 'wget', '-q', '-O', '-', `http://${DB}:8080/`)).toBe('db');
      docker('exec', `${SERVICE}-production-blue`, 'sh', '-c', 'echo written-by-v1 > /data/note');
    });

    test('a named volume keeps its data across releases', async () => {
      const v2 = platformImage('v2', { healthcheck: HEALTHCHECK('/health') });
      images.push(v2);
      const run = await step('deploy-to-env', { image: v2, ...options });
      expect(run.code, run.stdout).toBe(0);
      expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'alt-v2' });
      expect(docker('exec', `${SERVICE}-production-green`, 'cat', '/data/note')).toBe('written-by-v1');
    });

    test('an image whose HEALTHCHECK fails is removed and the live release keeps serving', async () => {
      const bad = platformImage('v3', { healthcheck: HEALTHCHECK('/no-such-page') });
      images.push(bad);
      const run = await step('deploy-to-env', { image: bad, ...options });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toMatch(/v3 never became healthy: its HEALTHCHECK reports unhealthy/);
      expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'alt-v2' });
    });

    test('a network missing on the host fails before anything changes', async () => {
      const run = await step('deploy-to-env', {
        image: `h15a-platform-${ID}:v1`,
        ...options,
        networks: `no-such-net-${ID}`,
      });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toContain(`network no-such-net-${ID} (input "networks") does not exist there`);
      expect(run.stdout).not.toContain('starting');
      expect(await fetchText(`http://127.0.0.1:${PUBLISH}/`)).toEqual({ status: 200, body: 'alt-v2' });
    });

    describe('worker roles', { timeout: 1_500_000 }, () => {
      const WSERVICE = `${SERVICE}w`;
      const roles = 'worker:\n  command: /bin/sh /worker.sh\n  replicas: 2\n  stop-timeout: 20s\n  ready-after: 1s\n';
      const workerStep = (action: 'deploy-to-env' | 'rollback', inputs: Record<string, string>) =>
        step(action, {
          service: WSERVICE,
          environment: 'staging',
          publish: String(PUBLISH + 1),
          volumes: `${jobs}:/jobs`,
          ...inputs,
        });
      let enqueued = 0;
      let timer: NodeJS.Timeout | undefined;
      afterAll(() => {
        clearInterval(timer);
        removeService(WSERVICE);
      });

      test('no job is lost across a deploy and a rollback; old workers finish their job and exit 0', async () => {
        mkdirSync(join(jobs, 'queue'), { recursive: true });
        const [w1, w2] = [platformImage('w1'), platformImage('w2')];
        images.push(w1, w2);
        const first = await workerStep('deploy-to-env', { image: w1, roles });
        expect(first.errors, first.stdout).toEqual([]);
        expect(workersOf(WSERVICE).filter((w) => w.State.Running)).toHaveLength(2);

        // Jobs keep coming while deploys run, a few waiting at a time: the workers are always busy, the queue bounded.
        const queue = join(jobs, 'queue');
        timer = setInterval(() => {
          if (readdirSync(queue).length < 3)
            writeFileSync(join(queue, `job-${String(++enqueued).padStart(4, '0')}`), 'x');
        }, 200);
        const second = await workerStep('deploy-to-env', { image: w2, roles });
        expect(second.errors, second.stdout).toEqual([]);
        expect(second.stdout).toMatch(/Stopping workers \(.* is live\): worker ×2; SIGTERM, up to 20s to finish/);
        const live = () => workersOf(WSERVICE).filter((w) => w.State.Running);
        expect(live().map((w) => w.Config.Labels['deploy-actions.version'])).toEqual([w2, w2]);
        const stopped = workersOf(WSERVICE).filter((w) => !w.State.Running);
        // Each old worker finished the job it held and exited by itself (137 would be a SIGKILL).
        expect(stopped.map((w) => w.State.ExitCode)).toEqual([0, 0]);

        const hook = join(first.dir, 'pre-rollback.env');
        const back = await workerStep('rollback', {
          'pre-rollback-command': `echo "from=$DEPLOY_ROLLBACK_FROM to=$DEPLOY_ROLLBACK_TO version=$DEPLOY_VERSION previous=$DEPLOY_PREVIOUS_VERSION" > ${hook}`,
        });
        expect(back.errors, back.stdout).toEqual([]);
        expect(readFileSync(hook, 'utf8').trim()).toBe(`from=${w2} to=${w1} version=${w1} previous=${w2}`);
        expect(back.outputs).toMatchObject({ 'rolled-back-from': w2, 'rolled-back-to': w1 });
        expect(live().map((w) => w.Config.Labels['deploy-actions.version'])).toEqual([w1, w1]);
        expect(await fetchText(`http://127.0.0.1:${PUBLISH + 1}/`)).toEqual({ status: 200, body: 'w1' });

        clearInterval(timer);
        const deadline = Date.now() + 90_000;
        while (
          readdirSync(join(jobs, 'queue')).length + readdirSync(join(jobs, 'taken')).length > 0 &&
          Date.now() < deadline
        )
          await new Promise((r) => setTimeout(r, 500));
        const done = readdirSync(join(jobs, 'done'));
        console.log(`workers: ${enqueued} jobs enqueued across a deploy and a rollback, ${done.length} done`);
        expect(readdirSync(join(jobs, 'taken'))).toEqual([]);
        expect(done).toHaveLength(enqueued);
        const by = new Set(done.map((n) => readFileSync(join(jobs, 'done', n), 'utf8').split(' ')[0]));
        expect([...by].sort()).toEqual(['w1', 'w2']);
        expect(
          workersOf(WSERVICE)
            .filter((w) => !w.State.Running)
            .every((w) => w.State.ExitCode === 0),
        ).toBe(true);
      });

      test("a worker's HEALTHCHECK is its readiness; one that ignores SIGTERM is killed once its stop-timeout is over", async () => {
        const SSERVICE = `${SERVICE}s`;
        const stubborn = 'stubborn:\n  command: /bin/sh /stubborn.sh\n  stop-timeout: 2s\n';
        const [s1, s2] = ['s1', 's2'].map((v) => platformImage(v, { healthcheck: HEALTHCHECK('/health') }));
        images.push(s1, s2);
        const deployStubborn = (image: string) =>
          step('deploy-to-env', { service: SSERVICE, publish: String(PUBLISH + 2), image, roles: stubborn });
        try {
          const first = await deployStubborn(s1);
          expect(first.errors, first.stdout).toEqual([]);
          expect(first.stdout).toMatch(/waiting for .*stubborn.*: its HEALTHCHECK to report healthy/);
          const second = await deployStubborn(s2);
          expect(second.errors, second.stdout).toEqual([]);
          expect(second.stdout).toMatch(/Stopping workers \(.* is live\): stubborn ×1; SIGTERM, up to 2s to finish/);
          const [old] = workersOf(SSERVICE).filter((w) => !w.State.Running);
          expect(old.Config.Labels['deploy-actions.version']).toBe(s1);
          expect(old.State.ExitCode).toBe(137); // SIGKILL: it never stopped by itself
          const live = workersOf(SSERVICE).filter((w) => w.State.Running);
          expect(live.map((w) => w.Config.Labels['deploy-actions.version'])).toEqual([s2]);
        } finally {
          removeService(SSERVICE);
        }
      });

      test('a failing pre-rollback-command stops the rollback and says so; nothing changes', async () => {
        const w2 = `h15a-platform-${ID}:w2`;
        const run = await workerStep('rollback', {
          to: w2,
          'pre-rollback-command': 'echo "down migration failed"; exit 3',
        });
        expect(run.code).toBe(1);
        expect(run.errors.join('\n')).toMatch(
          /rollback to .*w2 was stopped before any change: pre-rollback-command failed with exit code 3/,
        );
        expect(run.errors.join('\n')).toContain('keeps serving');
        expect(await fetchText(`http://127.0.0.1:${PUBLISH + 1}/`)).toEqual({ status: 200, body: 'w1' });
        expect(
          workersOf(WSERVICE)
            .filter((w) => w.State.Running)
            .map((w) => w.Config.Labels['deploy-actions.version']),
        ).toEqual([`h15a-platform-${ID}:w1`, `h15a-platform-${ID}:w1`]);
      });
    });

    test('runtime options and roles that could carry a docker option are refused before anything runs', async () => {
      const run = await step('deploy-to-env', {
        image: `h15a-platform-${ID}:v1`,
        volumes: '--privileged',
        networks: '--network=host',
        command: '--rm',
        memory: '-1',
        cpus: '--cpuset-cpus=0',
        restart: '--always',
        'container-labels': '--label=x',
        roles: 'worker:\n  command: --entrypoint=/bin/sh\n',
      });
      expect(run.code).toBe(1);
      const error = run.errors.join('\n');
      for (const input of ['volumes', 'networks', 'command', 'memory', 'cpus', 'restart', 'container-labels', 'roles'])
        expect(error).toContain(`"${input}": expected`);
      expect(run.stdout).not.toContain('Deploying');
    });

    test('on a GitHub-hosted runner, a local-socket deploy to a lasting environment fails before any work, showing the hosts line', async () => {
      const run = await runAction('deploy-to-env', {
        env: { RUNNER_ENVIRONMENT: 'github-hosted' },
        inputs: { environment: 'production', service: SERVICE, image: `h15a-platform-${ID}:v1`, 'github-token': '' },
      });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toMatch(
        /"hosts": expected .*discarded when the job ends.*hosts: ssh:\/\/deploy@app\.example\.com/,
      );
    });
  },
);
