/**
 * The machine-level services some tests need (Debian packages, kubectl, the
 * Docker engine). `npm test` brings them up itself so the README's command
 * works on a fresh machine; `.ci/run` does the same before it. What is still
 * missing makes tests skip (never silently under CI), each reason said once
 * at the end of the run.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './runner.js';

export function aptPackages(): string[] {
  return readFileSync(join(repoRoot, '.ci/apt-packages'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

const installed = (pkg: string) => spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;

const canApt = () => process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');

function aptInstall(packages: string[]): void {
  console.log(`[infra] installing ${packages.join(' ')}`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
}

/** Install missing Debian packages when we can (root with apt); otherwise leave it to the tests to report. */
export function ensurePackages(): string[] {
  const missing = aptPackages().filter((p) => !installed(p));
  if (missing.length && canApt()) aptInstall(missing);
  return aptPackages().filter((p) => !installed(p));
}

/** The first line of `kubectl version --client`, or undefined when there is no kubectl on PATH. */
function kubectlClient(): string | undefined {
  const r = spawnSync('kubectl', ['version', '--client'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 20_000,
  });
  return r.status === 0 ? r.stdout.split('\n')[0] : undefined;
}

/**
 * kubectl for the Kubernetes provider's tests, as `.ci/run` installs it: Debian's
 * kubernetes-client, only where none is on PATH (a machine image's own kubectl would clash with it).
 */
export function ensureKubectl(): boolean {
  if (kubectlClient()) return true;
  if (canApt()) aptInstall(['kubernetes-client']);
  return kubectlClient() !== undefined;
}

/** Say why tests are skipped; the global teardown prints each reason once, at the end of the run. */
export function skipping(reason: string): void {
  const log = process.env.DEPLOY_TESTS_SKIPS;
  if (log) appendFileSync(log, `${reason}\n`);
  else console.warn(`[skip] ${reason}`);
}

/**
 * For test files that need kubectl: its version, or undefined (the tests skip
 * and say why). Under CI a missing kubectl is a failure, never a silent skip.
 */
export function kubectlVersion(): string | undefined {
  const version = kubectlClient();
  if (version) return version;
  if (process.env.CI)
    throw new Error(
      'kubectl is not installed: the Kubernetes provider tests need it (Debian package kubernetes-client)',
    );
  skipping('kubectl is not on PATH (Debian package kubernetes-client): the Kubernetes provider tests were skipped');
  return undefined;
}

export const dockerReady = () => spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

/** Start dockerd when it is installed and not running; wait up to 30s for it. */
export async function ensureDocker(): Promise<boolean> {
  if (dockerReady()) return true;
  if (!existsSync('/usr/sbin/dockerd') || process.getuid?.() !== 0) return false;
  const log = openSync('/tmp/dockerd.log', 'a');
  spawn('/usr/sbin/dockerd', ['--host', 'unix:///var/run/docker.sock'], {
    detached: true,
    stdio: ['ignore', log, log],
  }).unref();
  for (let i = 0; i < 60; i++) {
    if (dockerReady()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/**
 * For test files that need Docker: true when usable. Under CI (or with
 * REQUIRE_DOCKER=1) a missing engine is a failure, never a silent skip.
 */
export function dockerAvailable(): boolean {
  const ok = dockerReady();
  if (!ok && (process.env.CI || process.env.REQUIRE_DOCKER))
    throw new Error('Docker engine not available (see /tmp/dockerd.log); tests that need it cannot run');
  if (!ok) skipping('no Docker engine (docker info fails; see /tmp/dockerd.log): the Docker tests were skipped');
  return ok;
}
