import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { runContext } from '../../../shared/context.js';
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { MESSAGE_TAIL, exec } from '../../../shared/exec.js';
import { info } from '../../../shared/log.js';
import { run } from '../../../shared/run.js';
import { activatePackageManager, shimFolder } from '../../../shared/setup/corepack.js';
import {
  cacheAvailable,
  cacheKey,
  restoreDependencies,
  saveDependencies,
} from '../../../shared/setup/dependency-cache.js';
import { installFailureLines } from '../../../shared/setup/install-failure.js';
import { installNode } from '../../../shared/setup/install-node.js';
import {
  detectPackageManager,
  frozenInstall,
  lockfileNames,
  storePathCommand,
  type PackageManager,
} from '../../../shared/setup/package-manager.js';
import { SetupReport } from '../../../shared/setup/report.js';
import { timingText } from '../../../shared/setup/restore-timing.js';
import { readConfig, type Config } from './config.js';

const STATE = {
  saveKey: 'saveKey',
  savePaths: 'savePaths',
  packageManager: 'packageManager',
  cwd: 'cwd',
  shimDir: 'shimDir',
};

type ActivePackageManager = PackageManager & { version: string };
interface DependencyCache {
  key: string;
  paths: string[];
  hit: 'exact' | 'partial' | 'none' | 'disabled';
  /** An exact hit's "download 1.2s + unpack 0.8s (…)". */
  restored?: string;
}

async function main(): Promise<void> {
  const report = new SetupReport();
  try {
    await setUp(report);
  } catch (error) {
    await report.writeFailure(error);
    throw error;
  }
  await report.write();
}

/** Node, then the package manager, then the dependencies: from the cache, or installed and saved after the job. */
async function setUp(report: SetupReport): Promise<void> {
  const config = readConfig();
  const ctx = runContext();

  report.start('Node');
  const nodeVersion = await useNode(config.request);
  report.done('Node', `${nodeVersion} (${config.request.source})`);

  report.start('Package manager');
  const pm = await usePackageManager(config, nodeVersion, ctx.runnerTemp);
  report.done('Package manager', `${pm.name} ${pm.version}${pm.pinned ? ' (packageManager)' : ''}`);

  report.start('Dependencies');
  if (!config.install) {
    setCacheOutputs({ key: '', paths: [], hit: 'disabled' });
    report.done('Dependencies', 'not installed (install: false)');
    return;
  }
  requireLockfile(pm, config.dir);

  report.start('Cache');
  const cache = await restoreCache(config, pm, nodeVersion, ctx.workspace);
  setCacheOutputs(cache);
  report.done('Cache', cacheText(cache, config.cache));
  if (cache.hit === 'exact') {
    report.done('Install', 'skipped (exact cache hit)');
    return;
  }

  report.start('Install');
  const installMs = await install(pm, config.dir);
  report.done('Install', `\`${frozenInstall(pm.name, pm.version).join(' ')}\` in ${formatDuration(installMs)}`);
  // Only a successful install is worth caching; the post step saves it.
  if (cache.key) {
    saveForPost(cache, pm, config.dir, shimFolder(ctx.runnerTemp));
    report.done('Cache', `${cacheText(cache, config.cache)}, saved as ${cache.key} after the job`);
  }
}

/** The requested Node on PATH (or the one already there); returns its exact version. */
async function useNode(request: Config['request']): Promise<string> {
  if (request.spec) {
    info(`Node ${request.spec} requested by ${request.source}`);
    await installNode(request.spec, info);
  } else {
    info(
      'No Node version requested (no node-version input, .nvmrc, .node-version or package.json engines/volta): using the Node on PATH',
    );
  }
  const version = (await exec(['node', '--version'], { timeoutMs: 30_000 })).stdout.trim().replace(/^v/, '');
  core.setOutput('node-version', version);
  return version;
}

/** The project's package manager, at the version package.json pins, for this step and the job's later steps. */
async function usePackageManager(
  config: Config,
  nodeVersion: string,
  runnerTemp: string,
): Promise<ActivePackageManager> {
  const pm = detectPackageManager(config.dir, config['package-manager']);
  const version = await activatePackageManager(pm, shimFolder(runnerTemp), config.dir);
  core.setOutput('package-manager', pm.name);
  info(`Node ${nodeVersion}, ${pm.name} ${version}${pm.pinned ? ' (pinned by packageManager)' : ''}`);
  return { ...pm, version };
}

function requireLockfile(pm: PackageManager, dir: string): void {
  if (pm.lockfile) return;
  throw new UserError(
    `No lockfile for ${pm.name} in ${dir} (expected ${lockfileNames(pm.name).join(' or ')}). Commit the lockfile so installs are reproducible, or set install: false.`,
  );
}

/** Restore node_modules and the package store when the cache service is there; an exact hit makes the install needless. */
async function restoreCache(
  config: Config,
  pm: ActivePackageManager,
  nodeVersion: string,
  workspace: string,
): Promise<DependencyCache> {
  if (!config.cache) return { key: '', paths: [], hit: 'disabled' };
  if (!(await cacheAvailable())) {
    info('The cache service is not available to this job (no ACTIONS_RESULTS_URL): installing without a cache');
    return { key: '', paths: [], hit: 'disabled' };
  }
  const store = (
    await exec(storePathCommand(pm.name, pm.version), { cwd: config.dir, timeoutMs: 60_000 })
  ).stdout.trim();
  // The cache version hashes the path strings: node_modules relative to the workspace keeps it stable across runs.
  const modules = relative(workspace, join(config.dir, 'node_modules'));
  const paths = [modules.startsWith('..') ? join(config.dir, 'node_modules') : modules, store].filter(Boolean);
  const { key, restorePrefix } = cacheKey({
    os: process.env.RUNNER_OS ?? process.platform,
    arch: process.env.RUNNER_ARCH ?? process.arch,
    nodeVersion,
    packageManager: pm.name,
    packageManagerVersion: pm.version,
    lockfilePath: join(config.dir, pm.lockfile!),
    manifestPath: join(config.dir, 'package.json'),
    suffix: config['cache-key-suffix'],
  });
  const started = performance.now();
  const restored = await restoreDependencies(paths, key, restorePrefix);
  const timing = restored.hit !== 'none' && restored.timing ? timingText(restored.timing) : undefined;
  info(
    restored.hit === 'exact'
      ? `Cache hit for ${key} in ${formatDuration(performance.now() - started)}${timing ? ` (${timing})` : ''}: ` +
          'skipping the install'
      : restored.hit === 'partial'
        ? `Restored ${restored.matchedKey} (lockfile changed): installing, the new cache is saved after the job`
        : `No cache for ${key}: installing, the cache is saved after the job`,
  );
  return { key, paths, hit: restored.hit, restored: restored.hit === 'exact' ? timing : undefined };
}

function setCacheOutputs(cache: DependencyCache): void {
  core.setOutput('cache-hit', String(cache.hit === 'exact'));
  core.setOutput('cache-key', cache.key);
}

function cacheText(cache: DependencyCache, enabled: boolean): string {
  const exact = `hit: ${cache.key}${cache.restored ? `, ${cache.restored}` : ''}`;
  return {
    exact,
    partial: 'partial hit',
    none: 'miss',
    disabled: enabled ? 'unavailable (no cache service)' : 'disabled',
  }[cache.hit];
}

/** The frozen install, its output streamed; a failure is reported by the lines that explain it. Returns its duration. */
async function install(pm: ActivePackageManager, dir: string): Promise<number> {
  const argv = frozenInstall(pm.name, pm.version);
  const result = await grouped(argv.join(' '), argv, dir, 30 * 60_000, true);
  if (result.code !== 0)
    throw new UserError(
      `${argv.join(' ')} exited with code ${result.code}:\n${installFailureLines(pm.name, result).join('\n')}`,
    );
  info(`Installed dependencies in ${formatDuration(result.ms)}`);
  return result.ms;
}

function saveForPost(cache: DependencyCache, pm: PackageManager, dir: string, shimDir: string): void {
  core.saveState(STATE.saveKey, cache.key);
  core.saveState(STATE.savePaths, JSON.stringify(cache.paths));
  core.saveState(STATE.packageManager, pm.name);
  core.saveState(STATE.cwd, dir);
  core.saveState(STATE.shimDir, shimDir);
}

/** Run a command with its output streamed inside a collapsed log group. */
async function grouped(title: string, argv: string[], cwd: string, timeoutMs: number, allowFailure = false) {
  return core.group(title, () =>
    exec(argv, {
      cwd,
      timeoutMs,
      allowFailure,
      onOutput: (chunk) => process.stdout.write(chunk),
      keep: { stdout: MESSAGE_TAIL },
    }),
  );
}

async function post(): Promise<void> {
  const key = core.getState(STATE.saveKey);
  if (!key) return;
  const paths = JSON.parse(core.getState(STATE.savePaths)) as string[];
  const cwd = core.getState(STATE.cwd);
  // pnpm's store keeps every version ever fetched; drop the unreferenced ones before they are archived.
  // Through the shim by its path: the post step must not depend on PATH additions reaching it.
  if (core.getState(STATE.packageManager) === 'pnpm') {
    process.env.COREPACK_ENABLE_DOWNLOAD_PROMPT = '0';
    const pruned = await grouped(
      'pnpm store prune',
      [join(core.getState(STATE.shimDir), 'pnpm'), 'store', 'prune'],
      cwd,
      5 * 60_000,
      true,
    );
    if (pruned.code === 0) info(`Pruned pnpm's store in ${formatDuration(pruned.ms)}`);
    else core.warning(`pnpm store prune exited with code ${pruned.code}; saving the store unpruned`);
  }
  const started = performance.now();
  if (
    await saveDependencies(
      paths.filter((p) => existsSync(resolve(runContext().workspace, p))),
      key,
    )
  )
    info(`Saved the dependency cache ${key} in ${formatDuration(performance.now() - started)}`);
  else core.warning(`The dependency cache ${key} was not saved (see the messages above)`);
}

await run(main, post);
