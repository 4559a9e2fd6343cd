import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE24 } from '../fakes/node-dist.js';
import { nodeBinary, repoRoot, runAction } from '../harness/runner.js';
import { useSetupServices } from '../harness/setup-services.js';

/**
 * pnpm and yarn 1 through corepack, from the npm registry. Yarn berry (2+) is
 * not tested through the bundle: corepack fetches it from repo.yarnpkg.com,
 * which this machine cannot reach; its argv (`yarn install --immutable`,
 * `yarn config get cacheFolder`) is unit tested in tests/shared/setup-package-manager.test.ts.
 */
function workspace(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), `setup-${fixture}-`));
  cpSync(join(repoRoot, 'tests/fixtures', fixture), dir, { recursive: true });
  return dir;
}

/** Adds a dependency to package.json that the fixture's lockfile does not have. */
function outdateLockfile(dir: string): void {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  pkg.dependencies['is-number'] = '7.0.0';
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
}

const services = useSetupServices();
// The pnpm store and yarn cache live at one path for every run (as under $HOME on a runner: the path is part of
// the cache version) and are wiped between runs, so what a hit has comes from the cache service.
const store = join(tmpdir(), `setup-test-pnpm-store-${process.pid}`);
const yarnCache = join(tmpdir(), `setup-test-yarn-cache-${process.pid}`);

/**
 * Each run gets a fresh COREPACK_HOME, as a fresh runner VM has, so both a miss and a hit download pnpm.
 * COREPACK_INTEGRITY_KEYS=0: the npm registry mirror this machine uses strips the registry signatures corepack
 * verifies by default (the pinned sha512 in packageManager is still checked). Test environment only: the action
 * never sets it.
 */
const env = (extra: Record<string, string> = {}) => ({
  ...services.env(),
  NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt',
  COREPACK_INTEGRITY_KEYS: '0',
  COREPACK_HOME: mkdtempSync(join(tmpdir(), 'corepack-home-')),
  npm_config_store_dir: store,
  YARN_CACHE_FOLDER: yarnCache,
  ...extra,
});

afterAll(() => {
  rmSync(store, { recursive: true, force: true });
  rmSync(yarnCache, { recursive: true, force: true });
});

describe('setup with pnpm and yarn 1 via corepack (through the bundle; cache service test double backed by Azurite)', () => {
  it('pnpm: a miss installs with --frozen-lockfile, prunes the store and saves in the post step; an exact hit restores a working node_modules without installing', async () => {
    const first = workspace('setup-pnpm-app');
    const miss = await runAction('setup', { workspace: first, env: env(), timeoutMs: 180_000 });
    expect(miss.errors).toEqual([]);
    expect(miss.code).toBe(0);
    expect(miss.stdout).toContain('Node 24 requested by .node-version');
    expect(miss.outputs['node-version']).toBe(NODE24);
    expect(miss.outputs['package-manager']).toBe('pnpm');
    expect(miss.outputs['cache-hit']).toBe('false');
    expect(miss.outputs['cache-key']).toMatch(/^setup-deps-Linux-X64-node24-pnpm9\.15\.9-[0-9a-f]{64}$/);
    expect(miss.stdout).toContain('pnpm 9.15.9 (pinned by packageManager)');
    expect(miss.stdout).toContain('::group::pnpm install --frozen-lockfile');
    expect(miss.post?.code).toBe(0);
    expect(miss.post?.warnings).toEqual([]);
    const post = miss.post!.stdout;
    expect(post).toContain('::group::pnpm store prune');
    expect(post.indexOf('::group::pnpm store prune')).toBeLessThan(post.indexOf('Saved the dependency cache'));
    expect(services.cacheService.violations).toEqual([]);
    const entry = services.cacheService.entries.find((e) => e.key === miss.outputs['cache-key']);
    expect(entry?.finalized).toBe(true);

    const second = workspace('setup-pnpm-app');
    rmSync(store, { recursive: true, force: true });
    const created = services.cacheService.calls.filter((c) => c.method === 'CreateCacheEntry').length;
    const hit = await runAction('setup', { workspace: second, env: env(), timeoutMs: 180_000 });
    expect(hit.errors).toEqual([]);
    expect(hit.outputs['cache-hit']).toBe('true');
    expect(hit.outputs['cache-key']).toBe(miss.outputs['cache-key']);
    expect(hit.stdout).not.toContain('::group::pnpm install');
    expect(hit.post?.stdout ?? '').not.toContain('Saved the dependency cache');
    expect(services.cacheService.calls.filter((c) => c.method === 'CreateCacheEntry').length).toBe(created);
    // pnpm's node_modules is symlinks into node_modules/.pnpm: the restored tree resolves and runs.
    const loaded = execFileSync(
      nodeBinary,
      ['-e', 'console.log(require("express/package.json").version, typeof require("zod").z.object)'],
      { cwd: second, encoding: 'utf8' },
    );
    expect(loaded.trim()).toBe('4.21.2 function');
    expect(execFileSync(join(second, 'node_modules/.bin/tsc'), ['--version'], { encoding: 'utf8' })).toContain('5.6.3');
    // The store came back too, so a later `pnpm add` in the job does not refetch everything.
    expect(existsSync(store)).toBe(true);
    console.log(
      `[measure] setup step with pnpm on a cache miss: ${Math.round(miss.durationMs)}ms (+ ${Math.round(miss.post!.durationMs)}ms post step: prune and save); on an exact hit: ${Math.round(hit.durationMs)}ms`,
    );
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  }, 240_000);

  it('yarn 1: installs with --frozen-lockfile (Node from package.json engines) and caches node_modules and the yarn cache', async () => {
    const dir = workspace('setup-yarn-app');
    const run = await runAction('setup', { workspace: dir, env: env(), timeoutMs: 180_000 });
    expect(run.errors).toEqual([]);
    expect(run.stdout).toContain('Node >=22 requested by package.json');
    expect(run.outputs['node-version']).toBe(NODE24);
    expect(run.outputs['package-manager']).toBe('yarn');
    expect(run.outputs['cache-key']).toMatch(/^setup-deps-Linux-X64-node24-yarn1\.22\.22-[0-9a-f]{64}$/);
    expect(run.stdout).toContain('::group::yarn install --frozen-lockfile --non-interactive');
    expect(JSON.parse(readFileSync(join(dir, 'node_modules/ms/package.json'), 'utf8')).version).toBe('2.1.3');
    expect(run.post?.stdout).toContain('Saved the dependency cache');
    expect(run.post?.stdout).not.toContain('pnpm store prune');
    expect(services.cacheService.violations).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it('pnpm: an outdated lockfile fails the step with ERR_PNPM_OUTDATED_LOCKFILE and its reason, in the error and the summary', async () => {
    const dir = workspace('setup-pnpm-app');
    outdateLockfile(dir);
    const run = await runAction('setup', { workspace: dir, env: env(), timeoutMs: 180_000 });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^pnpm install --frozen-lockfile exited with code 1:\nERR_PNPM_OUTDATED_LOCKFILE {2}Cannot install with "frozen-lockfile" because pnpm-lock\.yaml is not up to date with /,
    );
    expect(run.errors[0]).toMatch(
      /Failure reason:\nspecifiers in the lockfile .* don't match specs in package\.json .*"is-number":"7\.0\.0"/,
    );
    expect(run.summary).toContain('| Package manager | pnpm 9.15.9 (packageManager) |');
    expect(run.summary).toContain('ERR_PNPM_OUTDATED_LOCKFILE');
    rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it("yarn 1: a frozen install that fails (lockfile out of date) fails the step with yarn's error line and saves nothing", async () => {
    const dir = workspace('setup-yarn-app');
    outdateLockfile(dir);
    const created = services.cacheService.calls.filter((c) => c.method === 'CreateCacheEntry').length;
    const run = await runAction('setup', { workspace: dir, env: env(), timeoutMs: 180_000 });
    expect(run.code).toBe(1);
    // yarn's own error line, not its progress, its documentation link or Node's deprecation warnings.
    expect(run.errors).toEqual([
      'yarn install --frozen-lockfile --non-interactive exited with code 1:\nYour lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.',
    ]);
    expect(run.summary).toContain('## Setup failed: install');
    expect(run.summary).toContain('Your lockfile needs to be updated');
    expect(run.post?.stdout ?? '').not.toContain('Saved the dependency cache');
    expect(services.cacheService.calls.filter((c) => c.method === 'CreateCacheEntry').length).toBe(created);
    rmSync(dir, { recursive: true, force: true });
  }, 240_000);
});
