/**
 * What the setup action's bundle tests run against, brought up around a test
 * file: the cache service test double (backed by Azurite), the nodejs.org/dist
 * double (Node 24 and 22.11.0 listed) and a runner tool cache holding Node 24.
 */
import { afterAll, beforeAll } from 'vitest';
import { startFakeCacheService, type FakeCacheService } from '../fakes/actions-cache.js';
import { NODE24, startNodeDist, toolCacheWithNode } from '../fakes/node-dist.js';
import type { TestServer } from './server.js';

export interface SetupServices {
  readonly cacheService: FakeCacheService;
  readonly dist: TestServer;
  readonly toolCache: string;
  /** The environment that points a setup step at them. */
  env(): Record<string, string>;
}

export function useSetupServices(): SetupServices {
  const s = {} as { cacheService: FakeCacheService; dist: TestServer; toolCache: string };
  beforeAll(async () => {
    s.cacheService = await startFakeCacheService();
    s.dist = await startNodeDist([
      { version: NODE24, lts: 'Krypton' },
      { version: '22.11.0', lts: 'Jod' },
    ]);
    s.toolCache = toolCacheWithNode();
  });
  afterAll(async () => {
    await s.cacheService?.close();
    await s.dist?.close();
  });
  return {
    get cacheService() {
      return s.cacheService;
    },
    get dist() {
      return s.dist;
    },
    get toolCache() {
      return s.toolCache;
    },
    env: () => ({ ...s.cacheService.env, RUNNER_TOOL_CACHE: s.toolCache, NODEJS_ORG_MIRROR: s.dist.url }),
  };
}
