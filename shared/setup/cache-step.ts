/**
 * setup's dependency cache as a step: restore node_modules and the package
 * store before the install (an exact hit makes it needless), save them after
 * the job, and say what happened in words for the log and the summary.
 */
import * as core from '@actions/core';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { formatDuration } from '../duration.js';
import { exec } from '../exec.js';
import { info } from '../log.js';
import { cacheAvailable, cacheKey, restoreDependencies, saveDependencies } from './dependency-cache.js';
import { grouped, type ActivePackageManager } from './install.js';
import { storePathCommand, type PackageManagerName } from './package-manager.js';
import { timingText } from './restore-timing.js';

export interface DependencyCache {
  key: string;
  paths: string[];
  hit: 'exact' | 'partial' | 'none' | 'disabled';
  /** An exact hit's "download 1.2s + unpack 0.8s (…)". */
  restored?: string;
}

export const NO_CACHE: DependencyCache = { key: '', paths: [], hit: 'disabled' };

export interface CacheRequest {
  pm: ActivePackageManager;
  /** The project folder, and the workspace its node_modules path is kept relative to. */
  dir: string;
  workspace: string;
  nodeVersion: string;
  suffix?: string;
}

/** Restore node_modules and the package store when the cache service is there. */
export async function restoreCache({
  pm,
  dir,
  workspace,
  nodeVersion,
  suffix,
}: CacheRequest): Promise<DependencyCache> {
  if (!(await cacheAvailable())) {
    info('The cache service is not available to this job (no ACTIONS_RESULTS_URL): installing without a cache');
    return NO_CACHE;
  }
  const store = (await exec(storePathCommand(pm.name, pm.version), { cwd: dir, timeoutMs: 60_000 })).stdout.trim();
  // The cache version hashes the path strings: node_modules relative to the workspace keeps it stable across runs.
  const modules = relative(workspace, join(dir, 'node_modules'));
  const paths = [modules.startsWith('..') ? join(dir, 'node_modules') : modules, store].filter(Boolean);
  const { key, restorePrefix } = cacheKey({
    os: process.env.RUNNER_OS ?? process.platform,
    arch: process.env.RUNNER_ARCH ?? process.arch,
    nodeVersion,
    packageManager: pm.name,
    packageManagerVersion: pm.version,
    lockfilePath: join(dir, pm.lockfile!),
    manifestPath: join(dir, 'package.json'),
    suffix,
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

/** The cache's line in the summary. */
export function cacheText(cache: DependencyCache, enabled: boolean): string {
  const exact = `hit: ${cache.key}${cache.restored ? `, ${cache.restored}` : ''}`;
  return {
    exact,
    partial: 'partial hit',
    none: 'miss',
    disabled: enabled ? 'unavailable (no cache service)' : 'disabled',
  }[cache.hit];
}

export interface SaveRequest {
  key: string;
  paths: string[];
  packageManager: PackageManagerName;
  cwd: string;
  /** corepack's shims: the post step must not depend on PATH additions reaching it. */
  shimDir: string;
  workspace: string;
}

/** Save what the install produced (pnpm's store pruned first); a failure warns. */
export async function saveCache({ key, paths, packageManager, cwd, shimDir, workspace }: SaveRequest): Promise<void> {
  // pnpm's store keeps every version ever fetched; drop the unreferenced ones before they are archived.
  if (packageManager === 'pnpm') {
    process.env.COREPACK_ENABLE_DOWNLOAD_PROMPT = '0';
    const pruned = await grouped('pnpm store prune', [join(shimDir, 'pnpm'), 'store', 'prune'], cwd, 5 * 60_000, true);
    if (pruned.code === 0) info(`Pruned pnpm's store in ${formatDuration(pruned.ms)}`);
    else core.warning(`pnpm store prune exited with code ${pruned.code}; saving the store unpruned`);
  }
  const started = performance.now();
  const present = paths.filter((p) => existsSync(resolve(workspace, p)));
  if (await saveDependencies(present, key))
    info(`Saved the dependency cache ${key} in ${formatDuration(performance.now() - started)}`);
  else core.warning(`The dependency cache ${key} was not saved (see the messages above)`);
}
