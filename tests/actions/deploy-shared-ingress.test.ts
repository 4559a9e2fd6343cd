/**
 * deploy-to-env with `proxy-mode: shared` through its bundle, over a real
 * sshd to the local Docker engine: three environments behind one ingress on
 * one port, routed by host name, each with its own blue-green switch; then
 * TLS from a self-signed certificate given as secrets.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { docker, inspectContainer, removeService } from '../harness/docker-env.js';
import { appImage, proxyImage } from '../harness/images.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { getByHost as get } from '../harness/host-get.js';
import { dockerAvailable, ensureDocker } from '../harness/infra.js';
import { runAction, visibleText } from '../harness/runner.js';
import { selfSignedCertificate } from '../harness/tls.js';

await ensureDocker();
const hasDocker = dockerAvailable();
const SERVICE = 'ingr15b';
const INGRESS = 'ingr15b-ingress';
const TLS_INGRESS = 'ingr15b-tls-ingress';
const PUBLISH = 18571;
const TLS_HTTP = 18572;
const TLS_PUBLISH = 18573;
const SSH_PORT = 2259;
const ENVS = ['pr-1', 'pr-2', 'pr-3'];
const hostOf = (env: string) => `${env}.preview.test`;

/** A client looping on one host name (a fresh connection each time), counting answers. */
function loadOn(port: number, host: string) {
  const result = { ok: 0, failed: 0, failures: [] as string[], bodies: {} as Record<string, number> };
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const a = await get(port, host);
        result.bodies[a.body] = (result.bodies[a.body] ?? 0) + 1;
        if (a.status === 200) result.ok++;
        else {
          result.failed++;
          result.failures.push(`status ${a.status}`);
        }
      } catch (error) {
        result.failed++;
        result.failures.push((error as Error).message);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return result;
    },
  };
}

describe.skipIf(!hasDocker)('deploy-to-env, proxy-mode shared (Docker over ssh)', () => {
  let sshd: Sshd;
  let images: { v1: string; v2: string; proxy: string };

  const cleanup = () => {
    // The ingresses first: a network is removed only once nothing is attached to it.
    for (const name of [INGRESS, TLS_INGRESS]) removeService(name);
    removeService(SERVICE);
  };
  beforeAll(async () => {
    cleanup();
    images = { v1: appImage('v1'), v2: appImage('v2'), proxy: proxyImage() };
    sshd = await startSshd(SSH_PORT);
  });
  afterAll(async () => {
    await sshd?.stop();
    cleanup();
  });

  // What deploy-to-env and rollback both take to reach the environment behind the shared ingress.
  const ingressInputs = (environment: string) => ({
    environment,
    service: SERVICE,
    hosts: `ssh://root@127.0.0.1:${SSH_PORT}`,
    'ssh-key': sshd.key,
    'ssh-known-hosts': sshd.knownHosts,
    publish: String(PUBLISH),
    'proxy-image': images.proxy,
    'proxy-mode': 'shared',
    'ingress-name': INGRESS,
    'ingress-host': hostOf(environment),
    'github-token': '',
  });
  const deploy = (environment: string, image: string, inputs: Record<string, string> = {}) =>
    runAction('deploy-to-env', {
      timeoutMs: 900_000,
      inputs: { ...ingressInputs(environment), image, 'readiness-timeout': '20s', ...inputs },
    });

  test('three environments on one host and one port, each answered by its host name', async () => {
    // At once: changes to the one ingress are serialised by its own lock, each environment keeps its own.
    const runs = await Promise.all(ENVS.map((env) => deploy(env, images.v1)));
    for (const [i, env] of ENVS.entries()) {
      const run = runs[i];
      expect(run.errors, run.stdout).toEqual([]);
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toContain(`routes ${hostOf(env)} → blue`);
    }
    for (const env of ENVS)
      expect(await get(PUBLISH, hostOf(env))).toMatchObject({ status: 200, body: 'v1', color: 'blue' });
    expect((await get(PUBLISH, 'unknown.preview.test')).status).toBe(404);
    // One ingress, no per-environment proxy, each environment on its own network.
    expect(inspectContainer(INGRESS)!.State.Running).toBe(true);
    for (const env of ENVS) expect(inspectContainer(`${SERVICE}-${env}-proxy`)).toBeUndefined();
    const networks = Object.keys(JSON.parse(docker('inspect', INGRESS))[0].NetworkSettings.Networks);
    expect(networks.sort()).toEqual(ENVS.map((e) => `${SERVICE}-${e}-net`));
  }, 1_800_000);

  test('a blue-green switch in one environment drops no request in it or in the others', async () => {
    const loads = ENVS.map((env) => loadOn(PUBLISH, hostOf(env)));
    const run = await deploy('pr-2', images.v2);
    await new Promise((r) => setTimeout(r, 300));
    const [one, two, three] = await Promise.all(loads.map((l) => l.stop()));
    expect(run.code, run.stdout).toBe(0);
    console.log(
      `shared ingress switch: pr-1 ${one.ok} ok, pr-2 ${two.ok} ok, pr-3 ${three.ok} ok; failures ${one.failed + two.failed + three.failed}`,
    );
    for (const r of [one, two, three]) {
      expect(r.failures).toEqual([]);
      expect(r.ok).toBeGreaterThan(20);
    }
    expect(Object.keys(one.bodies)).toEqual(['v1']);
    expect(Object.keys(three.bodies)).toEqual(['v1']);
    expect(two.bodies.v1).toBeGreaterThan(0);
    expect(two.bodies.v2).toBeGreaterThan(0);
    expect(await get(PUBLISH, hostOf('pr-2'))).toMatchObject({ body: 'v2', color: 'green' });
  }, 1_800_000);

  test('rollback through the shared ingress puts the earlier release back on that host name only', async () => {
    const run = await runAction('rollback', {
      timeoutMs: 900_000,
      inputs: { ...ingressInputs('pr-2'), reason: 'test' },
    });
    expect(run.code, run.stdout).toBe(0);
    expect(await get(PUBLISH, hostOf('pr-2'))).toMatchObject({ body: 'v1', color: 'blue' });
    expect(await get(PUBLISH, hostOf('pr-1'))).toMatchObject({ body: 'v1', color: 'blue' });
  }, 1_800_000);

  test('TLS at the ingress from a certificate and key given as secrets; never printed; plain HTTP still served', async () => {
    const { cert, key } = selfSignedCertificate();
    const run = await deploy('pr-9', images.v2, {
      'ingress-name': TLS_INGRESS,
      publish: String(TLS_HTTP),
      'tls-publish': String(TLS_PUBLISH),
      'tls-certificate': cert,
      'tls-key': key,
      'ingress-host': '*.preview.test',
    });
    expect(run.errors, run.stdout).toEqual([]);
    expect(run.code).toBe(0);
    // The wildcard route serves any preview name; the certificate is verified against itself.
    expect(await get(TLS_PUBLISH, 'pr-9.preview.test', { ca: cert })).toMatchObject({ status: 200, body: 'v2' });
    expect(await get(TLS_PUBLISH, 'other.preview.test', { ca: cert })).toMatchObject({ status: 200, body: 'v2' });
    expect(await get(TLS_HTTP, 'pr-9.preview.test')).toMatchObject({ status: 200, body: 'v2' });
    const keyLines = key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    for (const line of keyLines) {
      expect(visibleText(run)).not.toContain(line);
      expect(run.masks).toContain(line);
    }
    expect(docker('inspect', TLS_INGRESS)).not.toContain(keyLines[0]);
  }, 1_800_000);

  test('bad ingress inputs fail before anything runs, naming the input', async () => {
    const run = await deploy('pr-4', images.v1, { 'ingress-host': 'bad host!', 'tls-certificate': 'not a cert' });
    expect(run.code).toBe(1);
    const errors = run.errors.join('\n');
    expect(errors).toContain('ingress-host');
    expect(errors).toContain('"bad host!"');
    expect(errors).toContain('tls-certificate');
    expect(errors).not.toContain('not a cert');
    expect(inspectContainer(`${SERVICE}-pr-4-blue`)).toBeUndefined();
  }, 1_800_000);
});
