/**
 * The machine-level services some tests need (Debian packages, the Docker
 * engine). `npm test` brings them up itself so the README's command works on a
 * fresh machine; `.ci/run` does the same before it.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './runner.js';

export function aptPackages(): string[] {
  return readFileSync(join(repoRoot, '.ci/apt-packages'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

const installed = (pkg: string) => spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;

/** Install missing Debian packages when we can (root with apt); otherwise leave it to the tests to report. */
export function ensurePackages(): string[] {
  const missing = aptPackages().filter((p) => !installed(p));
  const root = process.getuid?.() === 0;
  if (missing.length && root && existsSync('/usr/bin/apt-get')) {
    console.log(`[infra] installing ${missing.join(' ')}`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return aptPackages().filter((p) => !installed(p));
}

export const dockerReady = () => spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;

/** Start dockerd when it is installed and not running; wait up to 30s for it. */
export async function ensureDocker(): Promise<boolean> {
  if (dockerReady()) return true;
  if (!existsSync('/usr/sbin/dockerd') || process.getuid?.() !== 0) return false;
  const log = openSync('/tmp/dockerd.log', 'a');
  spawn('/usr/sbin/dockerd', ['--host', 'unix:///var/run/docker.sock'], { detached: true, stdio: ['ignore', log, log] }).unref();
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
  if (!ok && (process.env.CI || process.env.REQUIRE_DOCKER)) throw new Error('Docker engine not available (see /tmp/dockerd.log); tests that need it cannot run');
  return ok;
}
