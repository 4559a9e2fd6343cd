/**
 * Registry credentials of the Docker provider, through the deploy-to-env
 * bundle on the real engine (over a real sshd and on the local socket): each
 * goes only to its own registry, and a step killed mid-pull is logged out by
 * its post step. The registries are Docker-Hub-like auth fronts (Bearer
 * challenge, token endpoint) over one real docker-registry; each front
 * records every Authorization header the engine sends it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { removeService } from '../harness/docker-env.js';
import { appImage, proxyImage } from '../harness/images.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { dockerAvailable, ensureDocker } from '../harness/infra.js';
import { startAuthFront, startRegistry, type AuthFront, type TestRegistry } from '../harness/registry.js';
import { runAction, visibleText, type ActionRun } from '../harness/runner.js';

await ensureDocker();
const hasDocker = dockerAvailable();
const SERVICE = 'credse2e';
const PUBLISH = 18501;
const SSH_PORT = 2251;
const REGISTRY_PORT = 5471;
const APP_USER = 'app-user';
const APP_PASS = 'app-pass-Zq81xW';
const PROXY_USER = 'proxy-user';
const PROXY_PASS = 'proxy-pass-Kd40vR';
const TAG = `t${process.pid}`;

/** The auths the docker client config in `dir` holds (none when the folder or file is gone). */
function auths(dir: string): Record<string, unknown> {
  const file = join(dir, 'config.json');
  return existsSync(file)
    ? ((JSON.parse(readFileSync(file, 'utf8')) as { auths?: Record<string, unknown> }).auths ?? {})
    : {};
}
const homeAuths = () => auths(join(process.env.HOME ?? '/root', '.docker'));
const removeLocal = (...refs: string[]) => spawnSync('docker', ['image', 'rm', ...refs], { stdio: 'ignore' });
const loginsOf = (run: { state: Record<string, string> }) => {
  const text = run.state['provider-state'];
  return text
    ? ((JSON.parse(text) as { logins?: { host: string; registry: string; config: string }[] }).logins ?? [])
    : [];
};

describe.skipIf(!hasDocker)(
  'Docker provider registry credentials (deploy-to-env bundle, Docker-Hub-like auth fronts)',
  () => {
    let sshd: Sshd;
    let backend: TestRegistry;
    /** The app's registry: only app-user gets in. */
    let appRegistry: AuthFront;
    /** A public proxy registry (anonymous pulls), like Docker Hub for nginx. */
    let publicProxy: AuthFront;
    /** A private proxy registry: only proxy-user gets in. */
    let privateProxy: AuthFront;
    const refs = { app: '', publicProxy: '', privateProxy: '', appRegistryProxy: '' };

    beforeAll(async () => {
      removeService(SERVICE);
      sshd = await startSshd(SSH_PORT);
      backend = await startRegistry({ port: REGISTRY_PORT });
      appRegistry = await startAuthFront({ backend, users: { [APP_USER]: APP_PASS }, anonymous: false });
      publicProxy = await startAuthFront({ backend, anonymous: true });
      privateProxy = await startAuthFront({ backend, users: { [PROXY_USER]: PROXY_PASS }, anonymous: false });
      backend.push(appImage('v1'), `creds/app:${TAG}`);
      backend.push(proxyImage(), `creds/proxy:${TAG}`);
      refs.app = `${appRegistry.host}/creds/app:${TAG}`;
      refs.publicProxy = `${publicProxy.host}/creds/proxy:${TAG}`;
      refs.privateProxy = `${privateProxy.host}/creds/proxy:${TAG}`;
      refs.appRegistryProxy = `${appRegistry.host}/creds/proxy:${TAG}`;
    });
    afterAll(async () => {
      removeService(SERVICE);
      removeLocal(...Object.values(refs).filter(Boolean));
      for (const front of [appRegistry, publicProxy, privateProxy]) await front?.close();
      await backend?.stop();
      await sshd?.stop();
    });
    // Every test pulls for real: nothing of the fronts' images is on the engine beforehand.
    beforeEach(() => {
      removeService(SERVICE);
      removeLocal(...Object.values(refs));
      for (const front of [appRegistry, publicProxy, privateProxy]) front.requests.length = 0;
    });

    const ssh = () => ({
      hosts: `ssh://root@127.0.0.1:${SSH_PORT}`,
      'ssh-key': sshd.key,
      'ssh-known-hosts': sshd.knownHosts,
    });
    const socket = { hosts: 'unix:///var/run/docker.sock', 'ssh-key': '', 'ssh-known-hosts': '' };
    const deploy = (inputs: Record<string, string>, options: Parameters<typeof runAction>[1] = {}) =>
      runAction('deploy-to-env', {
        timeoutMs: 120_000,
        ...options,
        inputs: {
          environment: 'staging',
          service: SERVICE,
          publish: String(PUBLISH),
          'readiness-timeout': '20s',
          'github-token': '',
          image: refs.app,
          'registry-username': APP_USER,
          'registry-password': APP_PASS,
          ...inputs,
        },
      });

    /**
     * Nothing of the run's logins outlives it: no open login in the state, nothing in ~/.docker, no config folder left.
     */
    function expectNoLoginLeft(run: ActionRun, registries: string[]): void {
      expect(loginsOf(run)).toEqual([]);
      for (const registry of registries) expect(homeAuths()[registry]).toBeUndefined();
      expect(readdirSync(join(run.dir, 'runner-temp')).filter((f) => f.startsWith('deploy-actions-docker.'))).toEqual(
        [],
      );
    }

    test("the app's registry password never reaches the proxy image's registry (neither as Basic credentials nor as a token obtained with them)", async () => {
      const run = await deploy({ ...ssh(), 'proxy-image': refs.publicProxy });
      expect(run.errors, run.stdout).toEqual([]);
      expect(run.code).toBe(0);
      // The app's registry got the app's credentials (and needed them: it refuses anonymous pulls).
      expect(appRegistry.identities()).toContain(`basic:${APP_USER}`);
      expect(new Set(appRegistry.identities())).toEqual(new Set([`basic:${APP_USER}`, APP_USER]));
      // The proxy was pulled through its own registry, anonymously only.
      expect(publicProxy.requests.some((r) => r.url.includes('/manifests/'))).toBe(true);
      expect(new Set(publicProxy.identities())).toEqual(new Set(['anonymous']));
      for (const r of publicProxy.requests)
        expect(JSON.stringify(r.headers)).not.toContain(Buffer.from(`${APP_USER}:${APP_PASS}`).toString('base64'));
      expect(run.masks).toContain(APP_PASS);
      expect(visibleText(run)).not.toContain(APP_PASS);
      expectNoLoginLeft(run, [appRegistry.host, publicProxy.host]);
      expect(run.post?.code).toBe(0);
    });

    test("proxy-registry credentials go only to the proxy image's registry, and the app's only to the app's (local socket)", async () => {
      const run = await deploy({
        ...socket,
        'proxy-image': refs.privateProxy,
        'proxy-registry-username': PROXY_USER,
        'proxy-registry-password': PROXY_PASS,
      });
      expect(run.errors, run.stdout).toEqual([]);
      expect(run.code).toBe(0);
      expect(new Set(privateProxy.identities())).toEqual(new Set([`basic:${PROXY_USER}`, PROXY_USER]));
      expect(new Set(appRegistry.identities())).toEqual(new Set([`basic:${APP_USER}`, APP_USER]));
      expect(run.masks).toEqual(expect.arrayContaining([APP_PASS, PROXY_PASS]));
      for (const secret of [APP_PASS, PROXY_PASS]) expect(visibleText(run)).not.toContain(secret);
      expectNoLoginLeft(run, [appRegistry.host, privateProxy.host]);
    });

    test("a private proxy registry without proxy-registry credentials is not sent the app's: the pull fails naming the inputs to set", async () => {
      const run = await deploy({ ...socket, 'proxy-image': refs.privateProxy });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toContain(`could not pull ${refs.privateProxy}`);
      expect(run.errors.join('\n')).toContain('set proxy-registry-username and proxy-registry-password');
      expect(privateProxy.requests.length).toBeGreaterThan(0);
      expect(privateProxy.identities()).toEqual([]);
      expectNoLoginLeft(run, [appRegistry.host, privateProxy.host]);
    });

    test("a proxy image on the app's own registry is pulled with the app's credentials: the same destination they were given for", async () => {
      const run = await deploy({ ...socket, 'proxy-image': refs.appRegistryProxy });
      expect(run.errors, run.stdout).toEqual([]);
      expect(run.code).toBe(0);
      const pulls = appRegistry.requests.filter((r) => r.url.includes('/creds/proxy/manifests/'));
      expect(pulls.length).toBeGreaterThan(0);
      expect(new Set(appRegistry.identities())).toEqual(new Set([`basic:${APP_USER}`, APP_USER]));
      expectNoLoginLeft(run, [appRegistry.host]);
    });

    test('proxy-registry-username without its password is refused before any registry or host is contacted', async () => {
      const run = await deploy({ ...ssh(), 'proxy-image': refs.privateProxy, 'proxy-registry-username': PROXY_USER });
      expect(run.code).toBe(1);
      expect(run.errors.join('\n')).toContain(
        '"proxy-registry-username" and "proxy-registry-password": expected both or neither',
      );
      expect(run.errors.join('\n')).not.toContain(' at ');
      for (const front of [appRegistry, privateProxy]) expect(front.requests).toEqual([]);
      expect(run.state['provider-state']).toBeUndefined(); // refused before the provider (and its ssh files) existed
    });

    test.each([
      ['over ssh', true],
      ['on the local socket', false],
    ])(
      "a step killed (SIGKILL) mid-pull %s is logged out by the post step: no docker config on the host keeps the registry's auth",
      async (_, overSsh) => {
        appRegistry.hold((path) => path.includes('/manifests/'));
        let loggedInAtKill: Record<string, unknown> = {};
        let heldAtKill = 0;
        const run = await deploy(
          {
            ...(overSsh ? ssh() : socket),
            environment: overSsh ? 'killed-ssh' : 'killed-socket',
            'proxy-image': refs.publicProxy,
          },
          {
            interrupt: {
              when: ({ state }) => {
                if (appRegistry.held === 0) return false;
                // The pull is under way, so the login is done: it must be on record, in a config folder that holds it.
                heldAtKill = appRegistry.held;
                const [login] = loginsOf({ state });
                loggedInAtKill = login ? auths(login.config) : {};
                return true;
              },
            },
          },
        );
        appRegistry.release();
        expect(run.interrupted).toBe('SIGKILL');
        expect(heldAtKill).toBeGreaterThan(0);
        expect(Object.keys(loggedInAtKill)).toEqual([appRegistry.host]);
        const [login] = loginsOf(run);
        expect(login).toMatchObject({ registry: appRegistry.host });

        expect(run.post?.code).toBe(0);
        expect(run.post?.warnings).toEqual([]);
        expect(run.post?.stdout).toContain(`logged out of ${appRegistry.host} (a login left by an interrupted step)`);
        expect(existsSync(login.config)).toBe(false);
        expect(homeAuths()[appRegistry.host]).toBeUndefined();
        if (overSsh) expect(existsSync(JSON.parse(run.state['provider-state']).ssh.dir)).toBe(false);
        expect(visibleText(run.post!)).not.toContain(APP_PASS);
      },
    );
  },
);
