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
  // Filled in by beforeAll; the tests read it once it has run.
  const s = {} as { -readonly [K in keyof SetupServices]: SetupServices[K] };
  s.env = () => ({ ...s.cacheService.env, RUNNER_TOOL_CACHE: s.toolCache, NODEJS_ORG_MIRROR: s.dist.url });
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
  return s;
}
