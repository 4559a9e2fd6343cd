/**
 * The jobs of .github/workflows/self-test.yml that need no service container,
 * run here step by step by the test runner (runWorkflowJob) on a copy of the
 * checkout, through the committed bundles: probes (health-gate, smoke-test,
 * notify-slack against the stand-ins), the one-step deploy (command provider)
 * and the ci composite. Setup gets Node from a runner tool cache and the
 * cache service test double; the audit goes to the npm audit test double.
 * (The docker job needs a registry:2 service and image pulls: GitHub only.)
 */
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeCacheService, type FakeCacheService } from './fakes/actions-cache.js';
import { startFakeAuditRegistry, type FakeAuditRegistry } from './fakes/npm-audit-registry.js';
import { NODE24, startNodeDist, toolCacheWithNode } from './fakes/node-dist.js';
import { runWorkflowJob } from './harness/composite.js';
import { repoRoot } from './harness/runner.js';
import type { TestServer } from './harness/server.js';

/** The checkout: what the jobs read, copied where a step writes (the ci job edits actions/ci/action.yml). */
function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'self-test-checkout-'));
  for (const path of ['actions', 'tests/fixtures/ci-app'])
    cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  for (const path of ['dist', 'deploy', '.github']) symlinkSync(join(repoRoot, path), join(dir, path));
  return dir;
}

/** A port nothing listens on now, for the stand-in the job starts itself. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

const job = async (name: string, env: Record<string, string> = {}) => {
  const standIn = `http://127.0.0.1:${await freePort()}`;
  const run = await runWorkflowJob('self-test.yml', name, {
    workspace: checkout(),
    env,
    overrides: { STAND_IN: standIn },
    timeoutMs: 180_000,
  });
  if (run.code !== 0) console.log(run.stdout);
  return Object.assign(run, { standIn });
};

describe('self-test.yml jobs, run here by the test runner', () => {
  it('probes: health-gate, smoke-test, notify-slack against the stand-ins; real Slack skipped, saying so', async () => {
    const run = await job('probes');
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.skipped).toEqual(['__6']);
    expect(run.stdout).toContain('::notice title=Self-test::notify-slack against real Slack skipped');
    expect(run.steps.find((s) => s.id === 'health')!.outputs.healthy).toBe('true');
    expect(run.steps.find((s) => s.id === 'smoke')!.outputs).toMatchObject({ passed: 'true', total: '3' });
    // The stand-in the job left running was stopped at its end (RUNNER_TRACKING_ID), as on the runner.
    await expect(fetch(`${run.standIn}/health`)).rejects.toThrow();
  });

  it('deploy: the one-step deploy, root and nested, command provider, smoke test, gate, Slack', async () => {
    const run = await job('deploy');
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.steps.find((s) => s.id === 'deploy')!.outputs.result).toBe('success');
    expect(run.steps.find((s) => s.id === 'nested')!.outputs.result).toBe('success');
  });

  describe('ci', () => {
    let cacheService: FakeCacheService;
    let registry: FakeAuditRegistry;
    let dist: TestServer;
    beforeAll(async () => {
      cacheService = await startFakeCacheService();
      registry = await startFakeAuditRegistry({}, {});
      dist = await startNodeDist([{ version: NODE24, lts: 'Krypton' }]);
    });
    afterAll(async () => {
      await cacheService?.close();
      await registry?.close();
      await dist?.close();
    });

    it("ci: the composite, pointed at the checkout's actions, on the fixture project", async () => {
      const env = {
        ...cacheService.env,
        RUNNER_TOOL_CACHE: toolCacheWithNode(),
        NODEJS_ORG_MIRROR: dist.url,
        npm_config_registry: registry.url,
      };
      const run = await job('ci', env);
      expect(run.errors).toEqual([]);
      expect(run.code).toBe(0);
      const ci = run.steps.find((s) => s.id === 'ci')!;
      expect(ci.action).toMatch(/self-test-checkout-[^/]+\/actions\/ci$/);
      expect(ci.outputs).toMatchObject({ 'node-version': NODE24, result: 'passed', 'package-manager': 'npm' });
      expect(run.stdout).toContain('uses: ./actions/setup');
      // setup's post step (the cache save) ran at the end of the job.
      expect(run.post.map((p) => [p.id, p.code])).toEqual([['setup', 0]]);
    });
  });
});
