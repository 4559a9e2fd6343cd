/**
 * The environment the Docker deploy bundle tests share (deploy-to-env,
 * rollback, the one-step deploy): the local engine, a real sshd in front of
 * it, the app and proxy images, and the GitHub REST test double. `useDockerDeploy`
 * registers the beforeAll/afterAll that bring them up and remove what the
 * service left on the engine; `deployOnLocalEngine` deploys straight to the
 * local engine, without sshd.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startGitHubDouble, type GitHubDouble } from '../fakes/github.js';
import { removeService } from './docker-env.js';
import { appImage, brokenAppImage, proxyImage } from './images.js';
import { dockerAvailable, ensureDocker } from './infra.js';
import { runAction, type ActionRun, type RunOptions } from './runner.js';
import { startSshd, type Sshd } from './sshd.js';

await ensureDocker();
export const hasDocker = dockerAvailable();

export interface DockerDeploy {
  readonly sshd: Sshd;
  readonly github: GitHubDouble;
  /** v1 and v2 healthy, v3 starts but its /health answers 500; the proxy image. */
  readonly images: { v1: string; v2: string; v3: string; proxy: string };
  /** The inputs that point a deploy of the service at the engine over ssh and publish it on `publish`. */
  target(): Record<string, string>;
  /** runAction options for the GitHub double: its token and API URL, and `env` on top. */
  runOptions(env?: Record<string, string>): { token: string; env: Record<string, string> };
}

export function useDockerDeploy(options: {
  service: string;
  token: string;
  sshPort: number;
  publish: number;
}): DockerDeploy {
  const { service, token, sshPort, publish } = options;
  // Filled in by beforeAll; the tests read it once it has run.
  const env = {} as { -readonly [K in keyof DockerDeploy]: DockerDeploy[K] };
  beforeAll(async () => {
    if (!hasDocker) return;
    removeService(service);
    env.images = { v1: appImage('v1'), v2: appImage('v2'), v3: brokenAppImage('v3'), proxy: proxyImage() };
    env.sshd = await startSshd(sshPort);
    env.github = await startGitHubDouble({ token, repository: 'acme/shop' });
  });
  // Failure paths too: whatever the step did, it spoke the GitHub API correctly.
  afterEach(() => {
    if (hasDocker) expect(env.github.problems.splice(0), 'requests the GitHub double found malformed').toEqual([]);
  });
  afterAll(async () => {
    if (!hasDocker) return;
    await env.sshd?.stop();
    await env.github?.close();
    removeService(service);
  });
  env.target = () => ({
    service,
    hosts: `ssh://root@127.0.0.1:${sshPort}`,
    'ssh-key': env.sshd.key,
    'ssh-known-hosts': env.sshd.knownHosts,
    publish: String(publish),
    'proxy-image': env.images.proxy,
  });
  env.runOptions = (extra = {}) => ({ token, env: { GITHUB_API_URL: env.github.url, ...extra } });
  return env;
}

/**
 * deploy-to-env of `image` to staging on the local engine (no hosts), published on `publish`, recording to the
 * GitHub API at `apiUrl`; `inputs` add to or replace these.
 */
export const deployOnLocalEngine = (options: {
  token: string;
  apiUrl: string;
  service: string;
  publish: number;
  proxyImage: string;
  image: string;
  inputs?: Record<string, string>;
  interrupt?: RunOptions['interrupt'];
}): Promise<ActionRun> =>
  runAction('deploy-to-env', {
    token: options.token,
    timeoutMs: 120_000,
    env: { GITHUB_API_URL: options.apiUrl },
    interrupt: options.interrupt,
    inputs: {
      environment: 'staging',
      image: options.image,
      service: options.service,
      publish: String(options.publish),
      'proxy-image': options.proxyImage,
      ...options.inputs,
    },
  });
