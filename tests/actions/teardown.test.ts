/**
 * teardown through its bundle: Docker over a real sshd to the local engine
 * (containers, the route on the shared ingress, the network, volumes only
 * when asked; GitHub Deployments inactive on the GitHub REST test double),
 * the command provider's teardown-command, and Kubernetes objects by label
 * through the real kubectl against the Kubernetes API test double.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { startKubernetesDouble, type KubernetesDouble } from '../fakes/kubernetes.js';
import { containersOf, docker, removeService } from '../harness/docker-env.js';
import { appImage, proxyImage } from '../harness/images.js';
import { startSshd, type Sshd } from '../harness/sshd.js';
import { dockerAvailable, ensureDocker, kubectlVersion } from '../harness/infra.js';
import { deploymentObject } from '../harness/kubernetes-objects.js';
import { runAction } from '../harness/runner.js';

await ensureDocker();
const hasDocker = dockerAvailable();
const TOKEN = 'ghs_teardown_test_token_15';
const SERVICE = 'tdown15b';
const INGRESS = 'tdown15b-ingress';
const PUBLISH = 18581;
const SSH_PORT = 2261;
const VOLUME = 'tdown15b-pr-1-data';

function statusFor(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: PUBLISH, path: '/', headers: { host }, agent: false, timeout: 3000 },
      (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const networkExists = (name: string) =>
  spawnSync('docker', ['network', 'inspect', name], { stdio: 'ignore' }).status === 0;
const volumeExists = (name: string) =>
  spawnSync('docker', ['volume', 'inspect', name], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasDocker)('teardown (Docker over ssh, shared ingress; GitHub REST test double)', () => {
  let sshd: Sshd;
  let github: GitHubDouble;
  let images: { v1: string; proxy: string };
  const ssh = () => ({
    hosts: `ssh://root@127.0.0.1:${SSH_PORT}`,
    'ssh-key': sshd.key,
    'ssh-known-hosts': sshd.knownHosts,
  });

  const cleanup = () => {
    removeService(INGRESS);
    removeService(SERVICE);
    spawnSync('docker', ['volume', 'rm', '-f', VOLUME], { stdio: 'ignore' });
  };
  beforeAll(async () => {
    cleanup();
    images = { v1: appImage('v1'), proxy: proxyImage() };
    sshd = await startSshd(SSH_PORT);
    github = await startGitHubDouble({ token: TOKEN, repository: 'acme/shop' });
  });
  afterAll(async () => {
    await sshd?.stop();
    await github?.close();
    cleanup();
  });

  const deploy = (environment: string) =>
    runAction('deploy-to-env', {
      token: TOKEN,
      timeoutMs: 400_000,
      env: { GITHUB_API_URL: github.url },
      inputs: {
        environment,
        image: images.v1,
        service: SERVICE,
        ...ssh(),
        publish: String(PUBLISH),
        'proxy-image': images.proxy,
        'proxy-mode': 'shared',
        'ingress-name': INGRESS,
        'ingress-host': `${environment}.preview.test`,
        'readiness-timeout': '20s',
      },
    });
  const teardown = (inputs: Record<string, string>) =>
    runAction('teardown', {
      token: TOKEN,
      timeoutMs: 400_000,
      env: { GITHUB_API_URL: github.url },
      inputs: { environment: 'pr-1', service: SERVICE, ...ssh(), 'ingress-name': INGRESS, ...inputs },
    });

  // A container of the environment pr-1 with a named volume (as a release with `volumes` has).
  const startVolumeHolder = () =>
    docker(
      'run',
      '-d',
      '--name',
      `${SERVICE}-pr-1-data-holder`,
      '--label',
      `deploy-actions.service=${SERVICE}`,
      '--label',
      'deploy-actions.environment=pr-1',
      '--label',
      'deploy-actions.role=worker',
      '-v',
      `${VOLUME}:/data`,
      images.v1,
    );

  test('removes one preview: its containers, its route (the others keep theirs), its network; keeps its volume; deployments inactive', async () => {
    const runs = await Promise.all([deploy('pr-1'), deploy('pr-2')]);
    for (const run of runs) expect(run.code, run.stdout).toBe(0);
    startVolumeHolder();
    expect(await statusFor('pr-1.preview.test')).toBe(200);

    const run = await teardown({});
    expect(run.errors, run.stdout).toEqual([]);
    expect(run.code).toBe(0);
    expect(containersOf(SERVICE).filter((c) => c.name.includes('-pr-1-'))).toEqual([]);
    expect(containersOf(SERVICE).filter((c) => c.name.includes('-pr-2-') && c.running).length).toBeGreaterThan(0);
    expect(await statusFor('pr-1.preview.test')).toBe(404);
    expect(await statusFor('pr-2.preview.test')).toBe(200);
    expect(networkExists(`${SERVICE}-pr-1-net`)).toBe(false);
    expect(networkExists(`${SERVICE}-pr-2-net`)).toBe(true);
    expect(volumeExists(VOLUME)).toBe(true);
    expect(run.stdout).toContain(`kept volume ${VOLUME} (remove-volumes: false)`);
    expect(Number(run.outputs.removed)).toBeGreaterThanOrEqual(4);

    const pr1 = github.deployments.filter((d) => d.environment === 'pr-1');
    const pr2 = github.deployments.filter((d) => d.environment === 'pr-2');
    expect(pr1.map((d) => d.statuses.at(-1)?.state)).toEqual(['inactive']);
    expect(pr2.map((d) => d.statuses.at(-1)?.state)).toEqual(['success']);
    expect(run.outputs.deactivated).toBe(pr1.map((d) => d.id).join(','));
    expect(github.problems).toEqual([]);
    expect(run.summary).toContain('Tore down pr-1');
    expect(run.post?.code).toBe(0);
  }, 900_000);

  test('again: nothing left to remove, still a success; remove-volumes: true takes the volume', async () => {
    const again = await teardown({});
    expect(again.code, again.stdout).toBe(0);
    expect(again.outputs.removed).toBe('0');
    expect(again.outputs.deactivated).toBe('');

    startVolumeHolder();
    const run = await teardown({ 'remove-volumes': 'true', 'github-token': '' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`removed volume ${VOLUME}`);
    expect(volumeExists(VOLUME)).toBe(false);
    expect(await statusFor('pr-2.preview.test')).toBe(200);
  }, 900_000);
});

describe('teardown (command provider)', () => {
  test('teardown-command runs with the environment in variables only; none given is an input error before anything runs', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'teardown-command-'));
    const run = await runAction('teardown', {
      workspace,
      inputs: {
        provider: 'command',
        environment: 'pr-7',
        service: 'shop',
        'remove-volumes': 'true',
        'github-token': '',
        'teardown-command':
          'printf "%s %s %s" "$DEPLOY_ENVIRONMENT" "$DEPLOY_SERVICE" "$DEPLOY_REMOVE_VOLUMES" > gone.txt',
      },
    });
    expect(run.errors, run.stdout).toEqual([]);
    expect(run.code).toBe(0);
    expect(readFileSync(join(workspace, 'gone.txt'), 'utf8')).toBe('pr-7 shop true');
    expect(run.summary).toContain('teardown-command');

    const missing = await runAction('teardown', {
      workspace,
      inputs: { provider: 'command', environment: 'pr-7', 'github-token': '' },
    });
    expect(missing.code).toBe(1);
    expect(missing.errors.join('\n')).toContain('"teardown-command": expected the bash script');
  }, 120_000);
});

describe.skipIf(!kubectlVersion())('teardown (kubernetes: real kubectl, Kubernetes API test double)', () => {
  let k8s: KubernetesDouble;
  beforeAll(async () => {
    k8s = await startKubernetesDouble({ tickMs: 100 });
  });
  afterAll(async () => {
    await k8s?.close();
  });

  test('deletes the objects labelled with the environment and service, and nothing else', async () => {
    const labels = { 'deploy-actions.dev/environment': 'pr-5', 'deploy-actions.dev/service': 'shop' };
    const other = { 'deploy-actions.dev/environment': 'pr-6', 'deploy-actions.dev/service': 'shop' };
    const deployment = (name: string, l: Record<string, string>) =>
      deploymentObject(
        name,
        l,
        1,
        { containers: [{ name: 'app', image: 'registry.test/shop:1' }] },
        { podLabels: { app: name } },
      );
    k8s.create('previews', deployment('shop-pr-5', labels));
    k8s.create('previews', deployment('shop-pr-6', other));
    k8s.create('previews', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'shop-pr-5', labels },
      spec: { selector: { app: 'shop-pr-5' }, ports: [{ port: 80 }] },
    });
    k8s.create('previews', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'shop-pr-5-config', labels },
      data: { a: 'b' },
    });
    await k8s.settled();

    const run = await runAction('teardown', {
      timeoutMs: 60_000,
      inputs: {
        provider: 'kubernetes',
        environment: 'pr-5',
        service: 'shop',
        kubeconfig: k8s.kubeconfig({ context: 'double' }),
        'kube-context': 'double',
        namespace: 'previews',
        'github-token': '',
      },
    });
    expect(run.errors, run.stdout + run.stderr).toEqual([]);
    expect(run.code).toBe(0);
    expect(k8s.get('deployments', 'previews', 'shop-pr-5')).toBeUndefined();
    expect(k8s.get('services', 'previews', 'shop-pr-5')).toBeUndefined();
    expect(k8s.get('configmaps', 'previews', 'shop-pr-5-config')).toBeUndefined();
    expect(k8s.get('deployments', 'previews', 'shop-pr-6')).toBeDefined();
    expect(run.outputs.removed).toBe('3');
    expect(run.stdout).toContain('removed deployment.apps/shop-pr-5');
    expect(k8s.problems).toEqual([]);
  }, 120_000);
});
