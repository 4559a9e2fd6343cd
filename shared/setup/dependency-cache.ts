import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

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
  suffix?: string;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * `setup-deps-Linux-X64-node24-pnpm9.12.0-<lockfile sha256>[-suffix]`: every
 * part that changes what lands in node_modules (native builds follow the Node
 * major and the platform) is in the key. The prefix without the hash is the
 * restore key, so a changed lockfile still starts from a warm store.
 */
export function cacheKey(parts: CacheKeyParts): { key: string; restorePrefix: string } {
  const major = parts.nodeVersion.split('.')[0];
  const prefix = `setup-deps-${parts.os}-${parts.arch}-node${major}-${parts.packageManager}${parts.packageManagerVersion}-`;
  const suffix = parts.suffix ? `-${parts.suffix}` : '';
  return { key: `${prefix}${sha256File(parts.lockfilePath)}${suffix}`, restorePrefix: prefix };
}

export type RestoreResult = { hit: 'exact' | 'partial'; matchedKey: string } | { hit: 'none' };

/** Restore the cache; an unreachable cache service is a warning from @actions/cache and counts as a miss. */
export async function restoreDependencies(paths: string[], key: string, restorePrefix: string): Promise<RestoreResult> {
  const cache = await loadCache();
  if (!cache.isFeatureAvailable()) return { hit: 'none' };
  const matchedKey = await cache.restoreCache([...paths], key, [restorePrefix]);
  if (!matchedKey) return { hit: 'none' };
  return { hit: matchedKey === key ? 'exact' : 'partial', matchedKey };
}

/** Save; returns false when the cache service refused or failed (it only warns: a cache is an optimisation). */
export async function saveDependencies(paths: string[], key: string): Promise<boolean> {
  const cache = await loadCache();
  if (!cache.isFeatureAvailable()) return false;
  return (await cache.saveCache([...paths], key)) !== -1;
}

export const cacheAvailable = async () => (await loadCache()).isFeatureAvailable();
