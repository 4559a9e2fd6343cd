import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { timeRestore, type RestoreTiming } from './restore-timing.js';

// @actions/cache (Azure storage, HTTP clients, tar) is loaded only when a step uses the cache: a post step with
// nothing to save, or a step with `install: false`, starts without it.
const loadCache = () => import('@actions/cache');

export interface CacheKeyParts {
  os: string;
  arch: string;
  nodeVersion: string;
  packageManager: string;
  packageManagerVersion: string;
  lockfilePath: string;
  /** package.json, whose dependency fields are hashed with the lockfile. */
  manifestPath?: string;
  suffix?: string;
}

// The package.json fields that change what an install produces. The rest (version, scripts) changes every
// release and would only cost cache misses.
const MANIFEST_FIELDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'bundleDependencies',
  'overrides',
  'resolutions',
  'pnpm',
  'workspaces',
];

/**
 * The hash of the lockfile and of package.json's dependency fields: a
 * dependency added to package.json without updating the lockfile must miss
 * the cache, so the frozen install runs and reports the stale lockfile instead
 * of an exact hit skipping the install with the old node_modules.
 */
export function dependencyHash(lockfilePath: string, manifestPath?: string): string {
  const hash = createHash('sha256').update(readFileSync(lockfilePath));
  if (manifestPath && existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    hash.update('\0').update(JSON.stringify(MANIFEST_FIELDS.map((f) => [f, manifest[f] ?? null])));
  }
  return hash.digest('hex');
}

/**
 * `setup-deps-Linux-X64-node24-pnpm9.12.0-<hash>[-suffix]`: every part that
 * changes what lands in node_modules (native builds follow the Node major and
 * the platform) is in the key. The prefix without the hash is the restore key,
 * so a changed lockfile still starts from a warm store.
 */
export function cacheKey(parts: CacheKeyParts): { key: string; restorePrefix: string } {
  const major = parts.nodeVersion.split('.')[0];
  const prefix = `setup-deps-${parts.os}-${parts.arch}-node${major}-${parts.packageManager}${parts.packageManagerVersion}-`;
  const suffix = parts.suffix ? `-${parts.suffix}` : '';
  return { key: `${prefix}${dependencyHash(parts.lockfilePath, parts.manifestPath)}${suffix}`, restorePrefix: prefix };
}

export type RestoreResult = { hit: 'exact' | 'partial'; matchedKey: string; timing?: RestoreTiming } | { hit: 'none' };

/** Restore the cache; an unreachable cache service is a warning from @actions/cache and counts as a miss. */
export async function restoreDependencies(paths: string[], key: string, restorePrefix: string): Promise<RestoreResult> {
  const cache = await loadCache();
  if (!cache.isFeatureAvailable()) return { hit: 'none' };
  const { result: matchedKey, timing } = await timeRestore(() => cache.restoreCache([...paths], key, [restorePrefix]));
  if (!matchedKey) return { hit: 'none' };
  return { hit: matchedKey === key ? 'exact' : 'partial', matchedKey, timing };
}

/** Save; returns false when the cache service refused or failed (it only warns: a cache is an optimisation). */
export async function saveDependencies(paths: string[], key: string): Promise<boolean> {
  const cache = await loadCache();
  if (!cache.isFeatureAvailable()) return false;
  return (await cache.saveCache([...paths], key)) !== -1;
}

export const cacheAvailable = async () => (await loadCache()).isFeatureAvailable();
