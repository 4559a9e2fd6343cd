import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINIMIST_ADVISORY, startFakeAuditRegistry, type FakeAuditRegistry } from '../fakes/npm-audit-registry.js';
import { repoRoot, runAction, type ActionRun } from '../harness/runner.js';

const fixtures = join(repoRoot, 'tests/fixtures/quality');
let toolchain: string;
let registry: FakeAuditRegistry;
// npm caches what it computed about an advisory; a private cache keeps other runs' answers out.
const npmCache = mkdtempSync(join(tmpdir(), 'lts-npm-cache-'));

/**
 * The toolchain (eslint, prettier, typescript, vitest) is installed once from the npm registry and shared by every
 * fixture.
 */
beforeAll(async () => {
  toolchain = mkdtempSync(join(tmpdir(), 'quality-toolchain-'));
  cpSync(join(fixtures, 'toolchain'), toolchain, { recursive: true });
  // `npm install`, not `npm ci`: npm writes this lockfile without rollup's other-platform optional packages and `ci`
  // then refuses it.
  await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund'], { cwd: toolchain, timeout: 240_000 });
  registry = await startFakeAuditRegistry(
    { minimist: [MINIMIST_ADVISORY] },
    { minimist: ['1.2.0', '1.2.5', '1.2.6', '1.2.8'] },
  );
}, 300_000);
afterAll(async () => registry?.close());

/**
 * A workspace with the project in `app/`: the clean project, the named fixture's files over it, node_modules linked.
 */
function project(fixture: string): string {
  const workspace = mkdtempSync(join(tmpdir(), `lts-${fixture}-`));
  const app = join(workspace, 'app');
  mkdirSync(app);
  cpSync(join(fixtures, 'clean'), app, { recursive: true });
  if (fixture !== 'clean') cpSync(join(fixtures, fixture), app, { recursive: true });
  symlinkSync(join(toolchain, 'node_modules'), join(app, 'node_modules'));
  return workspace;
}

interface Annotation {
  level: string;
  props: Record<string, string>;
  message: string;
}

/** Workflow-command annotations with their properties (file, line, col, title), decoded as the runner does. */
function annotations(run: ActionRun): Annotation[] {
  const decode = (s: string) =>
    s.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
  return [...run.stdout.matchAll(/^::(error|warning|notice) (.*?)::(.*)$/gm)].map((m) => ({
    level: m[1],
    props: Object.fromEntries(
      m[2].split(',').map((p) => [p.slice(0, p.indexOf('=')), decode(p.slice(p.indexOf('=') + 1))]),
    ),
    message: decode(m[3]),
  }));
}

const scan = (fixture: string, inputs: Record<string, string> = {}) =>
  runAction('lint-test-scan', {
    workspace: project(fixture),
    inputs: { 'working-directory': 'app', ...inputs },
    env: { npm_config_registry: registry.url, npm_config_cache: npmCache },
    timeoutMs: 120_000,
  });

describe('lint-test-scan (through the bundle; npm audit against the registry audit test double)', () => {
  it('passes a clean project: every stage runs, the summary lists them, the audit is clean', async () => {
    const run = await scan('clean');
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.outputs.result).toBe('passed');
    expect(run.outputs['failed-stages']).toBe('');
    expect(JSON.parse(run.outputs.vulnerabilities)).toEqual({
      info: 0,
      low: 0,
      moderate: 0,
      high: 0,
      critical: 0,
      total: 0,
    });
    for (const stage of ['lint', 'format-check', 'typecheck', 'test', 'audit'])
      expect(Number(run.outputs[`${stage}-duration-ms`])).toBeGreaterThan(0);
    expect(run.stdout).toContain('typecheck: ');
    expect(run.stdout).toMatch(/node_modules\/\.bin\/tsc --noEmit \(tsconfig\.json\)/);
    expect(run.stdout).toMatch(/^::group::test: npm run test -- --reporter=default --reporter=json/m);
    expect(run.summary).toContain('## Quality gates passed');
    expect(run.summary).toMatch(/\| lint \| ✅ passed \| [\d.]+m?s \|/);
    const sarif = JSON.parse(readFileSync(run.outputs['sarif-file'], 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toEqual([]);
    expect(registry.violations).toEqual([]);
  }, 120_000);

  it('annotates an ESLint error at its file and line, and the file Prettier would reformat', async () => {
    const run = await scan('lint-error');
    expect(run.code).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.outputs['failed-stages']).toBe('lint,format-check');
    const eslint = annotations(run).find((a) => a.props.title === 'ESLint no-unused-vars');
    expect(eslint).toMatchObject({ level: 'error', props: { file: 'app/src/sum.js', line: '7', col: '9' } });
    expect(eslint!.message).toContain("'unused' is assigned a value but never used");
    const prettier = annotations(run).find((a) => a.props.title === 'Prettier');
    expect(prettier).toMatchObject({ level: 'error', props: { file: 'app/src/format.js' } });
    expect(run.stdout).toContain('app/src/sum.js:7:9  error');
    expect(run.summary).toContain('## Quality gates failed');
    expect(run.summary).toMatch(/\| lint \| ❌ failed \|/);
    expect(run.summary).toMatch(/\| typecheck \| ✅ passed \|/);
    expect(run.errors.at(-1)).toBe('Quality gates failed: lint (1 finding); format-check (1 finding)');
  }, 120_000);

  it('annotates a type error at its file, line and column from tsc', async () => {
    const run = await scan('type-error');
    expect(run.outputs['failed-stages']).toBe('typecheck');
    const ts = annotations(run).find((a) => a.props.title === 'TypeScript TS2322');
    expect(ts).toMatchObject({ level: 'error', props: { file: 'app/src/sum.js', line: '8', col: '9' } });
    expect(ts!.message).toContain("Type 'number' is not assignable to type 'string'");
  }, 120_000);

  it('annotates a failing test at its line from a JUnit report the test command writes (test-report)', async () => {
    const run = await scan('failing-test', {
      test: 'vitest run --reporter=junit --outputFile=reports/junit.xml',
      'test-report': 'reports/junit.xml',
      'audit-level': 'none',
    });
    expect(run.outputs['failed-stages']).toBe('test');
    // The command runs as given: no JSON reporter added next to the JUnit one.
    expect(run.stdout).toMatch(/^::group::test: \S*vitest run --reporter=junit --outputFile=reports\/junit\.xml$/m);
    const failure = annotations(run).find((a) => a.props.title?.startsWith('Test failed'));
    expect(failure).toMatchObject({
      level: 'error',
      props: { file: 'app/src/sum.test.js', line: '9', title: 'Test failed: adds negative numbers' },
    });
    expect(failure!.message).toContain('expected -5 to be -6');
  }, 120_000);

  it('annotates a failing test at the failing line from the vitest JSON report', async () => {
    const run = await scan('failing-test');
    expect(run.outputs['failed-stages']).toBe('test');
    const failure = annotations(run).find((a) => a.props.title?.startsWith('Test failed'));
    expect(failure).toMatchObject({
      level: 'error',
      props: { file: 'app/src/sum.test.js', line: '9', title: 'Test failed: adds negative numbers' },
    });
    expect(failure!.message).toContain('expected -5 to be -6');
    // The human-readable reporter still prints in the log.
    expect(run.stdout).toContain('adds negative numbers');
  }, 120_000);

  it("a real project's Jest script (NODE_OPTIONS=… npx jest): Jest is recognised behind the env prefix and npx, the failing test is annotated and named, the summary shows the user's command", async () => {
    const run = await scan('jest-npx', {
      lint: 'false',
      'format-check': 'false',
      typecheck: 'false',
      'audit-level': 'none',
    });
    expect(run.outputs['failed-stages']).toBe('test');
    expect(run.stdout).toContain('test: npm run test (script "test": jest)');
    // Jest's JSON report is asked for through the script, after its own arguments.
    expect(run.stdout).toMatch(/^::group::test: npm run test -- --json --outputFile=\S+\/test\.json$/m);
    const failure = annotations(run).find((a) => a.props.title?.startsWith('Test failed'));
    expect(failure).toMatchObject({
      level: 'error',
      props: { file: 'app/src/sum.test.js', line: '9', title: 'Test failed: sum adds negative numbers' },
    });
    expect(failure!.message).toMatch(/Expected: -6\s+Received: -5/);
    expect(annotations(run).filter((a) => a.props.title?.startsWith('Test failed'))).toHaveLength(1);
    // The summary names the test and where it failed; its Command column is the user's command, not ours.
    expect(run.summary).toContain('| test | ❌ failed |');
    expect(run.summary).toMatch(/\| test \| ❌ failed \| [\d.]+m?s \| `npm run test` \|/);
    expect(run.summary).not.toContain('--outputFile');
    expect(run.summary).toContain('| Where | Test | Message |');
    expect(run.summary).toMatch(/\| app\/src\/sum\.test\.js:9 \| sum adds negative numbers \| /);
    expect(run.errors.at(-1)).toBe('Quality gates failed: test (1 failed: sum adds negative numbers)');
  }, 120_000);

  it('a command input with NAME=value words runs its program with that environment, read as its tool', async () => {
    const run = await scan('jest-npx', {
      test: 'NODE_OPTIONS=--experimental-vm-modules jest --ci',
      lint: 'false',
      'format-check': 'false',
      typecheck: 'false',
      'audit-level': 'none',
    });
    expect(run.outputs['failed-stages']).toBe('test');
    expect(run.stdout).toMatch(
      /^::group::test: NODE_OPTIONS=--experimental-vm-modules \S*node_modules\/\.bin\/jest --ci --json --outputFile=\S+$/m,
    );
    expect(annotations(run).find((a) => a.props.title === 'Test failed: sum adds negative numbers')).toMatchObject({
      props: { file: 'app/src/sum.test.js', line: '9' },
    });
    expect(run.summary).toContain('| `NODE_OPTIONS=--experimental-vm-modules jest --ci` |');
  }, 120_000);

  it('fails on a dependency with a known advisory: counts, advisory table, SARIF, annotation on the lockfile', async () => {
    const run = await scan('vulnerable');
    expect(run.outputs['failed-stages']).toBe('audit');
    expect(JSON.parse(run.outputs.vulnerabilities)).toMatchObject({ critical: 1, high: 0, total: 1 });
    expect(registry.bulkRequests.some((r) => r.minimist?.includes('1.2.0'))).toBe(true);
    expect(run.summary).toContain(
      '| minimist | critical | [Prototype Pollution in minimist](https://github.com/advisories/GHSA-xvch-5gv4-984h) | yes (minimist@1.2.8) |',
    );
    const note = annotations(run).find((a) => a.props.title === 'critical vulnerability in minimist');
    expect(note).toMatchObject({ level: 'error', props: { file: 'app/package-lock.json', line: '14' } });
    const sarif = JSON.parse(readFileSync(run.outputs['sarif-file'], 'utf8'));
    expect(sarif.runs[0].tool.driver.rules[0]).toMatchObject({
      id: 'GHSA-xvch-5gv4-984h',
      properties: { 'security-severity': '9.5' },
    });
    expect(sarif.runs[0].results[0]).toMatchObject({
      ruleId: 'GHSA-xvch-5gv4-984h',
      level: 'error',
      locations: [
        { physicalLocation: { artifactLocation: { uri: 'app/package-lock.json' }, region: { startLine: 14 } } },
      ],
    });
    expect(registry.violations).toEqual([]);
  }, 120_000);

  it('reports findings below the audit level without failing, and skips the scan with audit-level none', async () => {
    const registryLow = await startFakeAuditRegistry(
      {
        minimist: [
          {
            ...MINIMIST_ADVISORY,
            id: 4242,
            url: 'https://github.com/advisories/GHSA-mmmm-mmmm-mmmm',
            severity: 'moderate',
          },
        ],
      },
      { minimist: ['1.2.0', '1.2.8'] },
    );
    try {
      const run = await runAction('lint-test-scan', {
        workspace: project('vulnerable'),
        inputs: { 'working-directory': 'app' },
        env: { npm_config_registry: registryLow.url, npm_config_cache: npmCache },
        timeoutMs: 120_000,
      });
      expect(run.errors).toEqual([]);
      expect(run.outputs.result).toBe('passed');
      expect(JSON.parse(run.outputs.vulnerabilities)).toMatchObject({ moderate: 1, total: 1 });
      expect(run.summary).toContain('No advisories at or above **high**.');
      expect(run.summary).toContain('1 below high');
    } finally {
      await registryLow.close();
    }
    const none = await scan('vulnerable', { 'audit-level': 'none' });
    expect(none.outputs.result).toBe('passed');
    expect(none.outputs.vulnerabilities).toBe('');
    expect(none.outputs['audit-duration-ms']).toBe('');
    expect(none.summary).toMatch(/\| audit \| not configured \|/);
  }, 120_000);

  it('fails the scan with a clear reason when the registry has no audit endpoint', async () => {
    registry.auditStatus = 405;
    try {
      // (A project without dependencies makes npm skip the request altogether, hence the fixture with one.)
      const run = await scan('vulnerable', {
        lint: 'false',
        'format-check': 'false',
        typecheck: 'false',
        test: 'false',
      });
      expect(run.outputs['failed-stages']).toBe('audit');
      // What failed, said as it is: the registry in use answered 405 to npm's bulk advisory endpoint.
      const origin = new URL(registry.url).origin;
      expect(run.errors.at(-1)).toBe(
        `Quality gates failed: audit (npm audit --json could not audit the dependencies: the registry ${origin} answered 405 Method Not Allowed to its bulk advisory endpoint (POST /-/npm/v1/security/advisories/bulk): this registry does not serve npm's audit API, as private registries and mirrors often do not. Have it proxy /-/npm/v1/security/ to the public registry, or set audit-level: none to skip the scan)`,
      );
      expect(run.errors.join('\n')).not.toMatch(/point npm at/);
      expect(run.summary).toContain('The audit did not run');
    } finally {
      registry.auditStatus = undefined;
    }
  }, 120_000);

  it('with fail-fast, one after another, stops at the first failure and skips the rest', async () => {
    const run = await scan('lint-error', { parallel: 'false', 'fail-fast': 'true' });
    expect(run.outputs['failed-stages']).toBe('lint');
    expect(run.summary).toMatch(/\| format-check \| ⏭️ skipped \|/);
    expect(run.summary).toMatch(/\| test \| ⏭️ skipped \|/);
    expect(run.outputs['test-duration-ms']).toBe('');
  }, 120_000);

  it('parallel: stages run at the same time (two that wait for each other pass); one after another the first waits in vain', async () => {
    const stages = {
      lint: 'node rendezvous.js lint test 20000',
      test: 'node rendezvous.js test lint 20000',
      'format-check': 'false',
      typecheck: 'false',
      'audit-level': 'none',
    };
    const together = await scan('parallel', stages);
    expect(together.errors).toEqual([]);
    expect(together.outputs.result).toBe('passed');
    expect(together.stdout).toContain('Running 2 stage(s) in parallel');
    expect(together.stdout).toContain('lint met test');
    const apart = await scan('parallel', { ...stages, lint: 'node rendezvous.js lint test 1500', parallel: 'false' });
    expect(apart.outputs['failed-stages']).toBe('lint');
    expect(apart.summary).toMatch(/\| lint \| ❌ failed \|/);
    expect(apart.summary).toContain('test did not start within 1500ms');
  }, 120_000);

  it('parallel with fail-fast terminates the stages still running and reports them cancelled', async () => {
    const run = await scan('clean', {
      lint: 'node -e "process.exit(3)"',
      test: 'node -e "setTimeout(() => {}, 60000)"',
      'format-check': 'false',
      typecheck: 'false',
      'audit-level': 'none',
      'fail-fast': 'true',
    });
    expect(run.durationMs).toBeLessThan(30_000);
    expect(run.outputs['failed-stages']).toBe('lint');
    expect(run.summary).toMatch(/\| test \| ⏹️ cancelled \|/);
    expect(run.summary).toMatch(/\| lint \| ❌ failed \|/);
    expect(Number(run.outputs['test-duration-ms'])).toBeLessThan(30_000);
    expect(run.errors.at(-1)).toBe('Quality gates failed: lint (exited with code 3: no output)');
  }, 120_000);

  it('runs a command given as input without a shell and rejects a bad audit level by name', async () => {
    const run = await scan('clean', {
      lint: 'eslint --max-warnings 0 "src"',
      'format-check': 'false',
      typecheck: 'false',
      test: 'false',
      'audit-level': 'none',
    });
    expect(run.outputs.result).toBe('passed');
    expect(run.stdout).toMatch(/lint: \S*node_modules\/\.bin\/eslint --max-warnings 0 src \(command\)/);
    const bad = await scan('clean', { 'audit-level': 'severe' });
    expect(bad.code).toBe(1);
    expect(bad.errors[0]).toContain(
      '"audit-level": expected one of "none", "info", "low", "moderate", "high", "critical", got "severe"',
    );
  }, 120_000);
});
