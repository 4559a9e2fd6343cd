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
import { cacheAvailable, cacheKey, restoreDependencies, saveDependencies } from '../../../shared/setup/dependency-cache.js';
import { installNode } from '../../../shared/setup/install-node.js';
import { detectPackageManager, frozenInstall, lockfileNames, storePathCommand } from '../../../shared/setup/package-manager.js';
import { table, writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

const STATE = { saveKey: 'saveKey', savePaths: 'savePaths', packageManager: 'packageManager', cwd: 'cwd', shimDir: 'shimDir' };

/** Run a command with its output streamed inside a collapsed log group. */
async function grouped(title: string, argv: string[], cwd: string, timeoutMs: number, allowFailure = false) {
  return core.group(title, () => exec(argv, { cwd, timeoutMs, allowFailure, onOutput: (chunk) => process.stdout.write(chunk), keep: { stdout: MESSAGE_TAIL } }));
}

async function main(): Promise<void> {
  const config = readConfig();
  const ctx = runContext();
  const { dir, request } = config;
  if (request.spec) {
    info(`Node ${request.spec} requested by ${request.source}`);
    await installNode(request.spec, info);
  } else {
    info('No Node version requested (no node-version input, .nvmrc, .node-version or package.json engines/volta): using the Node on PATH');
  }
  const nodeVersion = (await exec(['node', '--version'], { timeoutMs: 30_000 })).stdout.trim().replace(/^v/, '');
  core.setOutput('node-version', nodeVersion);

  const pm = detectPackageManager(dir, config['package-manager']);
  const pmVersion = await activatePackageManager(pm, shimFolder(ctx.runnerTemp), dir);
  core.setOutput('package-manager', pm.name);
  info(`Node ${nodeVersion}, ${pm.name} ${pmVersion}${pm.pinned ? ' (pinned by packageManager)' : ''}`);

  const rows: string[][] = [
    ['Node', `${nodeVersion} (${request.source})`],
    ['Package manager', `${pm.name} ${pmVersion}${pm.pinned ? ' (packageManager)' : ''}`],
  ];
  if (!config.install) {
    core.setOutput('cache-hit', 'false');
    core.setOutput('cache-key', '');
    await writeSummary('## Setup', table(['', ''], [...rows, ['Dependencies', 'not installed (install: false)']]));
    return;
  }
  if (!pm.lockfile) {
    throw new UserError(
      `No lockfile for ${pm.name} in ${dir} (expected ${lockfileNames(pm.name).join(' or ')}). Commit the lockfile so installs are reproducible, or set install: false.`,
    );
  }

  let key = '';
  let hit: 'exact' | 'partial' | 'none' | 'disabled' = 'disabled';
  let paths: string[] = [];
  if (config.cache && (await cacheAvailable())) {
    const store = (await exec(storePathCommand(pm.name, pmVersion), { cwd: dir, timeoutMs: 60_000 })).stdout.trim();
    // The cache version hashes the path strings: node_modules relative to the workspace keeps it stable across runs.
    const modules = relative(ctx.workspace, join(dir, 'node_modules'));
    paths = [modules.startsWith('..') ? join(dir, 'node_modules') : modules, store].filter(Boolean);
    const keys = cacheKey({
      os: process.env.RUNNER_OS ?? process.platform,
      arch: process.env.RUNNER_ARCH ?? process.arch,
      nodeVersion,
      packageManager: pm.name,
      packageManagerVersion: pmVersion,
      lockfilePath: join(dir, pm.lockfile),
      manifestPath: join(dir, 'package.json'),
      suffix: config['cache-key-suffix'],
    });
    key = keys.key;
    const started = performance.now();
    const restored = await restoreDependencies(paths, key, keys.restorePrefix);
    hit = restored.hit;
    info(
      restored.hit === 'exact'
        ? `Cache hit for ${key} in ${formatDuration(performance.now() - started)}: skipping the install`
        : restored.hit === 'partial'
          ? `Restored ${restored.matchedKey} (lockfile changed): installing, the new cache is saved after the job`
          : `No cache for ${key}: installing, the cache is saved after the job`,
    );
  } else if (config.cache) {
    info('The cache service is not available to this job (no ACTIONS_RESULTS_URL): installing without a cache');
  }
  core.setOutput('cache-hit', String(hit === 'exact'));
  core.setOutput('cache-key', key);

  let installMs: number | undefined;
  if (hit !== 'exact') {
    const argv = frozenInstall(pm.name, pmVersion);
    const result = await grouped(argv.join(' '), argv, dir, 30 * 60_000);
    installMs = result.ms;
    info(`Installed dependencies in ${formatDuration(result.ms)}`);
    // Only a successful install is worth caching; the post step saves it.
    if (key) {
      core.saveState(STATE.saveKey, key);
      core.saveState(STATE.savePaths, JSON.stringify(paths));
      core.saveState(STATE.packageManager, pm.name);
      core.saveState(STATE.cwd, dir);
      core.saveState(STATE.shimDir, shimFolder(ctx.runnerTemp));
    }
  }

  const cacheText = { exact: `hit: ${key}`, partial: `partial hit, saved as ${key} after the job`, none: `miss, saved as ${key} after the job`, disabled: config.cache ? 'unavailable (no cache service)' : 'disabled' }[hit];
  await writeSummary(
    '## Setup',
    table(['', ''], [...rows, ['Cache', cacheText], ['Install', installMs === undefined ? 'skipped (exact cache hit)' : `\`${frozenInstall(pm.name, pmVersion).join(' ')}\` in ${formatDuration(installMs)}`]]),
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
    const pruned = await grouped('pnpm store prune', [join(core.getState(STATE.shimDir), 'pnpm'), 'store', 'prune'], cwd, 5 * 60_000, true);
    if (pruned.code === 0) info(`Pruned pnpm's store in ${formatDuration(pruned.ms)}`);
    else core.warning(`pnpm store prune exited with code ${pruned.code}; saving the store unpruned`);
  }
  const started = performance.now();
  if (await saveDependencies(paths.filter((p) => existsSync(resolve(runContext().workspace, p))), key)) info(`Saved the dependency cache ${key} in ${formatDuration(performance.now() - started)}`);
  else core.warning(`The dependency cache ${key} was not saved (see the messages above)`);
}

await run(main, post);
