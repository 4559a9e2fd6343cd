/**
 * The ci composite (actions/ci/action.yml) through the test runner's composite
 * support: setup's and lint-test-scan's bundles on tests/fixtures/ci-app, with
 * Node from a runner tool cache, the cache service test double (Azurite) and
 * the npm audit registry test double.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startFakeCacheService, type FakeCacheService } from '../fakes/actions-cache.js';
import { startFakeAuditRegistry, type FakeAuditRegistry } from '../fakes/npm-audit-registry.js';
import { NODE24, startNodeDist, toolCacheWithNode } from '../fakes/node-dist.js';
import { runComposite } from '../harness/composite.js';
import { readActionYml, repoRoot } from '../harness/runner.js';
import type { TestServer } from '../harness/server.js';

let cacheService: FakeCacheService;
let registry: FakeAuditRegistry;
let toolCache: string;
let dist: TestServer;
const npmCache = mkdtempSync(join(tmpdir(), 'ci-npm-cache-'));

beforeAll(async () => {
  cacheService = await startFakeCacheService();
  registry = await startFakeAuditRegistry({}, {});
  toolCache = toolCacheWithNode();
  dist = await startNodeDist([{ version: NODE24, lts: 'Krypton' }]);
});
afterAll(async () => {
  await cacheService?.close();
  await registry?.close();
  await dist?.close();
});

/** A workspace with the fixture in `app/`, plus `files` over it. */
function project(files: Record<string, string> = {}): string {
  const workspace = mkdtempSync(join(tmpdir(), 'ci-ws-'));
  cpSync(join(repoRoot, 'tests/fixtures/ci-app'), join(workspace, 'app'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(workspace, 'app', file, '..'), { recursive: true });
    writeFileSync(join(workspace, 'app', file), text);
  }
  return workspace;
}

const ci = (workspace: string, inputs: Record<string, string> = {}) =>
  runComposite('ci', {
    workspace,
    inputs: { 'working-directory': 'app', ...inputs },
    env: {
      ...cacheService.env,
      RUNNER_TOOL_CACHE: toolCache,
      NODEJS_ORG_MIRROR: dist.url,
      npm_config_registry: registry.url,
      npm_config_cache: npmCache,
    },
    timeoutMs: 180_000,
  });

// A test that prints its PATH: the folder setup added (GITHUB_PATH) reaches the next step.
const WHICH_NODE = `import { test } from 'node:test';\ntest('path', () => console.log('PATH=' + process.env.PATH));\n`;

describe('ci composite (setup → lint-test-scan, through their bundles)', () => {
  it("sets up Node (.nvmrc) and dependencies, runs the stages on it, exposes both actions' outputs", async () => {
    const run = await ci(project({ 'test/which-node.test.js': WHICH_NODE }));
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['setup', 'success'],
      ['lint-test-scan', 'success'],
    ]);
    expect(run.outputs).toMatchObject({
      'node-version': NODE24,
      'package-manager': 'npm',
      'cache-hit': 'false',
      result: 'passed',
      'failed-stages': '',
    });
    expect(run.outputs['cache-key']).toMatch(/^setup-deps-Linux-X64-node24-npm/);
    expect(run.outputs['test-duration-ms']).toMatch(/^\d+$/);
    expect(run.outputs.vulnerabilities).toMatch(/"total":0/);
    const path = /^PATH=(.*)$/m.exec(run.steps[1].stdout)![1].split(':');
    expect(path).toContain(join(toolCache, 'node', NODE24, 'x64', 'bin'));
    expect(path.indexOf(join(toolCache, 'node', NODE24, 'x64', 'bin'))).toBeLessThan(path.indexOf('/usr/bin'));
    // setup's post step (post-if: success()) ran after the composite, as at the end of the job.
    expect(run.post.map((p) => [p.id, p.code])).toEqual([['setup', 0]]);
    expect(run.summary).toMatch(/setup[\s\S]*lint-test-scan|Node[\s\S]*test/i);
  });

  it("passes inputs through: a failing test fails it, result and failed-stages set; setup's post skipped", async () => {
    const failing =
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\n" +
      "test('fails', () => assert.equal(1, 2));\n";
    const run = await ci(project({ 'test/fails.test.js': failing }), { 'audit-level': 'none', 'fail-fast': 'true' });
    expect(run.code).toBe(1);
    expect(run.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['setup', 'success'],
      ['lint-test-scan', 'failure'],
    ]);
    expect(run.outputs).toMatchObject({
      result: 'failed',
      'failed-stages': 'test',
      vulnerabilities: '',
      'audit-duration-ms': '',
    });
    expect(run.errors.join('\n')).toMatch(/test/);
    expect(run.post).toEqual([]);
  });

  it('a setup failure (no lockfile) stops before the stages: the lint-test-scan outputs are empty', async () => {
    const pkg = {
      name: 'ci-app',
      version: '1.0.0',
      private: true,
      dependencies: { 'left-pad': '1.3.0' },
      scripts: { test: 'node --test' },
    };
    const workspace = project({ 'package.json': JSON.stringify(pkg) });
    rmSync(join(workspace, 'app/package-lock.json'));
    const run = await ci(workspace, { cache: 'false' });
    expect(run.code).toBe(1);
    expect(run.steps.map((s) => s.id)).toEqual(['setup']);
    expect(run.skipped).toEqual(['lint-test-scan']);
    expect(run.errors.join('\n')).toMatch(/lockfile/i);
    expect(run.outputs.result).toBe('');
    expect(run.outputs['node-version']).toBe(NODE24);
  });
});

describe('actions/ci/action.yml', () => {
  const ci = readActionYml('ci') as unknown as {
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { steps: { id: string; uses: string; with: Record<string, string> }[] };
  };
  const composed = ['setup', 'lint-test-scan'] as const;

  it.each(composed)('takes every input of %s under its own name and default, and passes it on', (name) => {
    const action = readActionYml(name);
    const step = ci.runs.steps.find((s) => s.id === name)!;
    expect(step.uses).toBe(
      `org/deploy-actions/actions/${name}@v${JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version}`,
    );
    expect(Object.keys(step.with).sort()).toEqual(Object.keys(action.inputs ?? {}).sort());
    for (const [input, spec] of Object.entries(action.inputs ?? {})) {
      expect(ci.inputs[input]?.default, input).toBe(spec.default);
      expect(step.with[input], input).toBe(`\${{ inputs.${input} }}`);
    }
  });

  it.each(composed)('exposes every output of %s', (name) => {
    for (const output of Object.keys(
      (parse(readFileSync(join(repoRoot, 'actions', name, 'action.yml'), 'utf8')) as { outputs: object }).outputs,
    ))
      expect(ci.outputs[output]?.value, output).toBe(`\${{ steps.${name}.outputs.${output} }}`);
  });

  it('declares nothing else', () => {
    const all = (key: 'inputs' | 'outputs') =>
      new Set(composed.flatMap((n) => Object.keys((readActionYml(n) as unknown as Record<string, object>)[key] ?? {})));
    expect(Object.keys(ci.inputs).sort()).toEqual([...all('inputs')].sort());
    expect(Object.keys(ci.outputs).sort()).toEqual([...all('outputs')].sort());
  });
});
