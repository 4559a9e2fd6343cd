import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { formatDuration } from '../../../shared/duration.js';
import { UserError } from '../../../shared/errors.js';
import { exec } from '../../../shared/exec.js';
import { info } from '../../../shared/log.js';
import { run } from '../../../shared/run.js';
import {
  cacheText,
  NO_CACHE,
  restoreCache,
  saveCache,
  type DependencyCache,
} from '../../../shared/setup/cache-step.js';
import { activatePackageManager, shimFolder } from '../../../shared/setup/corepack.js';
import { installDependencies, type ActivePackageManager } from '../../../shared/setup/install.js';
import { installNode } from '../../../shared/setup/install-node.js';
import {
  detectPackageManager,
  frozenInstall,
  lockfileNames,
  type PackageManager,
  type PackageManagerName,
} from '../../../shared/setup/package-manager.js';
import { SetupReport } from '../../../shared/setup/report.js';
import { readConfig, type Config } from './config.js';

const STATE = {
  saveKey: 'saveKey',
  savePaths: 'savePaths',
  packageManager: 'packageManager',
  cwd: 'cwd',
  shimDir: 'shimDir',
};

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
    setCacheOutputs(NO_CACHE);
    report.done('Dependencies', 'not installed (install: false)');
    return;
  }
  requireLockfile(pm, config.dir);

  report.start('Cache');
  const cache = config.cache
    ? await restoreCache({
        pm,
        dir: config.dir,
        workspace: ctx.workspace,
        nodeVersion,
        suffix: config['cache-key-suffix'],
      })
    : NO_CACHE;
  setCacheOutputs(cache);
  report.done('Cache', cacheText(cache, config.cache));
  if (cache.hit === 'exact') {
    report.done('Install', 'skipped (exact cache hit)');
    return;
  }

  report.start('Install');
  const installMs = await installDependencies(pm, config.dir);
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

function setCacheOutputs(cache: DependencyCache): void {
  core.setOutput('cache-hit', String(cache.hit === 'exact'));
  core.setOutput('cache-key', cache.key);
}

function saveForPost(cache: DependencyCache, pm: PackageManager, dir: string, shimDir: string): void {
  core.saveState(STATE.saveKey, cache.key);
  core.saveState(STATE.savePaths, JSON.stringify(cache.paths));
  core.saveState(STATE.packageManager, pm.name);
  core.saveState(STATE.cwd, dir);
  core.saveState(STATE.shimDir, shimDir);
}

/** After the job: save the cache a successful install on a miss left behind, from the state main saved. */
async function post(): Promise<void> {
  const key = core.getState(STATE.saveKey);
  if (!key) return;
  await saveCache({
    key,
    paths: JSON.parse(core.getState(STATE.savePaths)) as string[],
    packageManager: core.getState(STATE.packageManager) as PackageManagerName,
    cwd: core.getState(STATE.cwd),
    shimDir: core.getState(STATE.shimDir),
    workspace: runContext().workspace,
  });
}

await run(main, post);
