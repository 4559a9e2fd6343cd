import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE24 } from '../fakes/node-dist.js';
import { repoRoot, runAction } from '../harness/runner.js';
import { useSetupServices } from '../harness/setup-services.js';

const fixture = join(repoRoot, 'tests/fixtures/setup-app');

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'setup-ws-'));
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

const services = useSetupServices();
// This machine reaches the npm registry through a TLS-inspecting proxy whose CA is in the system store;
// the official Node 24 build only trusts its bundled CAs unless told (as a runner behind such a proxy would be).
const CA = { NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' };
// One npm cache path for every run, as ~/.npm is on a runner (the path is part of the cache version).
const npmCache = join(tmpdir(), `setup-test-npm-cache-${process.pid}`);
const env = (extra: Record<string, string> = {}) => ({
  ...services.env(),
  ...CA,
  npm_config_cache: npmCache,
  ...extra,
});

describe('setup (through the bundle; cache service test double backed by Azurite)', () => {
  it('installs on a miss and saves in the post step, then restores a real node_modules on an exact hit and skips the install', async () => {
    const first = workspace();
    // The npm cache lives at the same path for both runs (as ~/.npm does on a runner) and is wiped in between,
    // so everything the second run has comes from the cache service.
    const miss = await runAction('setup', { workspace: first, env: env(), timeoutMs: 180_000 });
    expect(miss.errors).toEqual([]);
    expect(miss.code).toBe(0);
    expect(miss.outputs['node-version']).toBe(NODE24);
    expect(miss.outputs['package-manager']).toBe('npm');
    expect(miss.outputs['cache-hit']).toBe('false');
    expect(miss.outputs['cache-key']).toMatch(/^setup-deps-Linux-X64-node24-npm[\d.]+-[0-9a-f]{64}$/);
    expect(miss.stdout).toContain('::group::npm ci --no-audit --no-fund');
    expect(miss.stdout).toContain('found in the tool cache');
    expect(miss.post?.code).toBe(0);
    expect(miss.post?.warnings).toEqual([]);
    expect(miss.post?.stdout).toContain('Saved the dependency cache');
    expect(services.cacheService.violations).toEqual([]);
    const entry = services.cacheService.entries.find((e) => e.key === miss.outputs['cache-key']);
    expect(entry?.finalized).toBe(true);
    expect(entry!.sizeBytes).toBeGreaterThan(100_000);
    expect(miss.summary).toContain('miss, saved as');

    const second = workspace();
    rmSync(npmCache, { recursive: true, force: true });
    const created = services.cacheService.calls.filter((c) => c.method === 'CreateCacheEntry').length;
    const hit = await runAction('setup', { workspace: second, env: env(), timeoutMs: 180_000 });
    expect(hit.errors).toEqual([]);
    expect(hit.outputs['cache-hit']).toBe('true');
    expect(hit.outputs['cache-key']).toBe(miss.outputs['cache-key']);
    expect(hit.stdout).not.toContain('::group::npm ci');
    expect(hit.stdout).toContain('skipping the install');
    // A real node_modules came back: packages, their files and the .bin links.
    expect(JSON.parse(readFileSync(join(second, 'node_modules/express/package.json'), 'utf8')).version).toBe('4.21.2');
    expect(existsSync(join(second, 'node_modules/.bin/tsc'))).toBe(true);
    expect(hit.post?.stdout ?? '').not.toContain('Saved the dependency cache');
    expect(services.cacheService.calls.filter((c) => c.method === 'CreateCacheEntry').length).toBe(created);
    expect(hit.summary).toContain('skipped (exact cache hit)');
    // The restore's time split as @actions/cache spent it, and the compression it picked (zstd when on PATH).
    const compression = spawnSync('zstd', ['--version']).status === 0 ? 'zstd' : 'gzip';
    const split = new RegExp(`download \\S+ \\+ unpack \\S+ \\([\\d.]+ [KM]iB, ${compression}\\)`);
    expect(hit.stdout).toMatch(split);
    expect(hit.summary).toMatch(split);
    expect(existsSync(join(npmCache, '_cacache'))).toBe(true);
    console.log(
      `[measure] setup step on a cache miss: ${Math.round(miss.durationMs)}ms (+ ${Math.round(miss.post!.durationMs)}ms post step: save); on an exact hit: ${Math.round(hit.durationMs)}ms`,
    );
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  }, 240_000);

  it('a changed lockfile misses the exact key, restores the older entry as a partial hit, installs and saves a new entry', async () => {
    const dir = workspace();
    rmSync(npmCache, { recursive: true, force: true });
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    lock.name = 'setup-app-changed';
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
    const run = await runAction('setup', { workspace: dir, env: env(), timeoutMs: 180_000 });
    expect(run.errors).toEqual([]);
    expect(run.outputs['cache-hit']).toBe('false');
    expect(run.stdout).toContain('Restored setup-deps-');
    expect(run.stdout).toContain('::group::npm ci');
    expect(run.post?.stdout).toContain('Saved the dependency cache');
    expect(services.cacheService.violations).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it('fails clearly without a lockfile, and passes with install: false', async () => {
    const dir = workspace();
    rmSync(join(dir, 'package-lock.json'));
    const failed = await runAction('setup', { workspace: dir, env: env() });
    expect(failed.code).toBe(1);
    expect(failed.errors.join('\n')).toMatch(
      /No lockfile for npm .*package-lock\.json or npm-shrinkwrap\.json.*install: false/s,
    );
    expect(failed.stdout).not.toMatch(/^\s+at /m);
    expect(failed.summary).toContain('## Setup failed: dependencies');
    expect(failed.summary).toMatch(/\| Dependencies \| ❌ No lockfile for npm /);
    const skipped = await runAction('setup', { workspace: dir, env: env(), inputs: { install: 'false' } });
    expect(skipped.code).toBe(0);
    expect(skipped.outputs['cache-hit']).toBe('false');
    expect(skipped.summary).toContain('not installed (install: false)');
  });

  it('an out-of-sync lockfile: the error carries the lines where npm says why, not its usage text; the summary says what was done, what failed and why; nothing is saved', async () => {
    const dir = workspace();
    // What a contributor does: add a dependency and bump another in package.json, forget `npm install`.
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    pkg.dependencies['is-number'] = '7.0.0';
    pkg.dependencies.zod = '3.24.0';
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
    const created = services.cacheService.calls.filter((c) => c.method === 'CreateCacheEntry').length;
    const run = await runAction('setup', { workspace: dir, env: env(), timeoutMs: 180_000 });
    expect(run.code).toBe(1);
    expect(run.errors).toHaveLength(1);
    const error = run.errors[0];
    expect(error).toMatch(
      /^npm ci --no-audit --no-fund exited with code 1:\n`npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync/,
    );
    expect(error).toContain('Missing: is-number@7.0.0 from lock file');
    expect(error).toContain("Invalid: lock file's zod@3.23.8 does not satisfy zod@3.24.0");
    // npm's help text and debug-log pointer stay in the log only.
    expect(error).not.toMatch(/Usage:|Clean install a project|--install-strategy|A complete log of this run/);
    expect(error.split('\n').length).toBeLessThan(10);
    expect(run.stdout).toContain('Clean install a project');

    expect(run.summary).toContain('## Setup failed: install');
    expect(run.summary).toMatch(/\| Node \| 24\.[\d.]+ \(\.nvmrc\) \|/);
    expect(run.summary).toMatch(/\| Package manager \| npm [\d.]+ \|/);
    expect(run.summary).toMatch(/\| Cache \| (miss|partial hit) \|/);
    expect(run.summary).toContain('| Install | ❌ npm ci --no-audit --no-fund exited with code 1: |');
    expect(run.summary).toContain('Missing: is-number@7.0.0 from lock file');
    expect(run.summary).not.toContain('Usage:');

    expect(run.outputs['cache-hit']).toBe('false');
    expect(run.post?.stdout ?? '').not.toContain('Saved the dependency cache');
    expect(services.cacheService.calls.filter((c) => c.method === 'CreateCacheEntry').length).toBe(created);
    rmSync(dir, { recursive: true, force: true });
  }, 240_000);

  it('downloads a Node release that is not in the tool cache from the nodejs.org/dist test double', async () => {
    const emptyCache = mkdtempSync(join(tmpdir(), 'toolcache-empty-'));
    const run = await runAction('setup', {
      workspace: workspace(),
      env: env({ RUNNER_TOOL_CACHE: emptyCache }),
      inputs: { 'node-version': 'lts/*', install: 'false' },
    });
    expect(run.errors).toEqual([]);
    expect(run.outputs['node-version']).toBe(NODE24);
    expect(run.stdout).toContain(`Downloading Node ${NODE24} from ${services.dist.url}/v${NODE24}/`);
    expect(existsSync(join(emptyCache, 'node', NODE24, 'x64.complete'))).toBe(true);
    expect(services.dist.requests.map((r) => r.url)).toContain('/index.json');
  });

  it('working-directory, node-version-file (relative to it) and cache-key-suffix: a project in a subfolder', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'setup-ws-sub-'));
    const project = join(ws, 'services/web');
    cpSync(fixture, project, { recursive: true });
    rmSync(join(project, '.nvmrc'));
    mkdirSync(join(project, 'config'));
    const inputs = { 'working-directory': 'services/web', 'node-version-file': 'config/node-version' };
    // The file is read, from the project folder: a version no release matches is reported as such.
    writeFileSync(join(project, 'config/node-version'), '19\n');
    const unknown = await runAction('setup', { workspace: ws, env: env(), inputs: { ...inputs, install: 'false' } });
    expect(unknown.code).toBe(1);
    expect(unknown.errors[0]).toContain(`No Node release matches "19" in ${services.dist.url}/index.json`);

    writeFileSync(join(project, 'config/node-version'), `v${NODE24}\n`);
    const run = await runAction('setup', {
      workspace: ws,
      env: env(),
      inputs: { ...inputs, 'cache-key-suffix': 'blue-7' },
      timeoutMs: 180_000,
    });
    expect(run.errors).toEqual([]);
    expect(run.outputs['node-version']).toBe(NODE24);
    expect(run.outputs['cache-key']).toMatch(/^setup-deps-Linux-X64-node24-npm[\d.]+-[0-9a-f]{64}-blue-7$/);
    expect(existsSync(join(project, 'node_modules/express/package.json'))).toBe(true);
    expect(existsSync(join(ws, 'node_modules'))).toBe(false);
    expect(run.post?.stdout).toContain('Saved the dependency cache');
    expect(services.cacheService.entries.find((e) => e.key === run.outputs['cache-key'])?.finalized).toBe(true);
    expect(services.cacheService.violations).toEqual([]);
  }, 240_000);

  it('reports bad inputs and an unknown Node release by name', async () => {
    const bad = await runAction('setup', {
      workspace: workspace(),
      env: env(),
      inputs: { 'package-manager': 'bun', cache: 'maybe' },
    });
    expect(bad.code).toBe(1);
    expect(bad.summary).toContain('## Setup failed: inputs');
    expect(bad.errors[0]).toContain('"package-manager": expected one of "auto", "npm", "pnpm", "yarn", got "bun"');
    expect(bad.errors[0]).toContain('"cache": expected true or false, got "maybe"');
    const missing = await runAction('setup', {
      workspace: workspace(),
      env: env(),
      inputs: { 'node-version': '19', install: 'false' },
    });
    expect(missing.code).toBe(1);
    expect(missing.errors[0]).toContain(`No Node release matches "19" in ${services.dist.url}/index.json`);
  });
});
