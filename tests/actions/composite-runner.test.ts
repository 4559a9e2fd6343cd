/**
 * The test runner's composite support (tests/harness/composite.ts), on a probe
 * composite in tests/fixtures/composite/probe: run steps with env, if,
 * outputs, GITHUB_ENV/GITHUB_PATH between steps, a suite action's bundle used
 * through its release ref, and the outputs mapping. Plus the expressions.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runComposite } from '../harness/composite.js';
import { condition, evaluateExpression, interpolate, type ExpressionContext } from '../harness/expressions.js';
import { repoRoot } from '../harness/runner.js';
import { startServer, type TestServer } from '../harness/server.js';

const probe = join(repoRoot, 'tests/fixtures/composite/probe');
let app: TestServer;

beforeAll(async () => {
  app = await startServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 404;
    res.end('ok');
  });
});
afterAll(async () => app?.close());

describe('runComposite (composite actions as the runner runs them)', () => {
  it('runs steps in order: env, GITHUB_ENV/PATH, if, outputs mapping; a suite action from its bundle', async () => {
    const run = await runComposite(probe, { inputs: { 'base-url': app.url } });
    expect(run.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.steps.map((s) => s.id)).toEqual(['first', 'second', 'smoke', 'never']);
    expect(run.skipped).toEqual(['on-failure', 'always']);
    expect(run.outputs).toEqual({ echoed: 'hello', 'smoke-passed': 'true', 'after-failure': '' });
    const [first, second, smoke] = run.steps;
    expect(first.stdout).toContain('token has 25 characters');
    expect(first.stdout).toContain(`action path is ${probe}`);
    expect(second.stdout).toContain('second sees PROBE_EXPORTED=from-first and probe-tool-ran');
    expect(smoke.action).toBe(join(repoRoot, 'actions/smoke-test'));
    expect(app.requests.map((r) => `${r.method} ${r.url}`)).toContain('GET /health');
    expect(run.summary).toContain('Smoke');
  });

  it('after a failed step skips the rest except failure() and always() steps, and fails the composite', async () => {
    const run = await runComposite(probe, { inputs: { fail: 'true' } });
    expect(run.code).toBe(1);
    expect(run.steps.map((s) => [s.id, s.outcome])).toEqual([
      ['first', 'success'],
      ['second', 'failure'],
      ['on-failure', 'success'],
      ['always', 'success'],
    ]);
    expect(run.skipped).toEqual(['smoke', 'never']);
    expect(run.outputs['after-failure']).toBe('yes');
  });
});

describe('expressions', () => {
  const context = (failed = false): ExpressionContext => ({
    failed,
    contexts: {
      inputs: { 'audit-level': 'high', empty: '' },
      steps: { a: { outputs: { n: '3' }, outcome: 'success' } },
    },
  });

  it('compares strings ignoring case, numbers as numbers, and yields operands from && and ||', () => {
    expect(evaluateExpression("inputs.audit-level == 'HIGH'", context())).toBe(true);
    expect(evaluateExpression('steps.a.outputs.n > 2 && steps.a.outputs.n < 10', context())).toBe(true);
    expect(evaluateExpression("steps.a.outputs.n < '10'", context())).toBe(false); // two strings compare as text
    expect(evaluateExpression("inputs.empty || 'fallback'", context())).toBe('fallback');
    expect(evaluateExpression("!inputs.empty && format('{0}-{1}', inputs.audit-level, 1)", context())).toBe('high-1');
    expect(evaluateExpression('steps.missing.outputs.x', context())).toBe(null);
    expect(evaluateExpression("contains('a,b', 'B') && startsWith('Hello', 'he')", context())).toBe(true);
    expect(interpolate('level ${{ inputs.audit-level }}, n=${{ steps.a.outputs.n }}', context())).toBe(
      'level high, n=3',
    );
  });

  it('an if: without a status function means success() && (…)', () => {
    expect(condition("inputs.audit-level == 'high'", context())).toBe(true);
    expect(condition("inputs.audit-level == 'high'", context(true))).toBe(false);
    expect(condition("${{ failure() && inputs.audit-level == 'high' }}", context(true))).toBe(true);
    expect(condition('always()', context(true))).toBe(true);
    expect(condition(undefined, context(true))).toBe(false);
  });
});
