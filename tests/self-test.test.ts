/**
 * .github/workflows/self-test.yml, which runs every action of the suite from
 * the checkout on GitHub's runners (it cannot run here): GitHub's own workflow
 * parser (@actions/workflow-parser) accepts it and every other workflow and
 * action.yml, it uses every action in actions/ and deploy/ (read from the
 * filesystem, so a new action fails this test until self-test.yml uses it),
 * and it passes each only inputs the action declares.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './harness/runner.js';

const workflowsDir = join(repoRoot, '.github/workflows');
const workflowFiles = readdirSync(workflowsDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const actionFiles = [
  ...readdirSync(join(repoRoot, 'actions')).map((n) => `actions/${n}/action.yml`),
  'deploy/action.yml',
].filter((f) => existsSync(join(repoRoot, f)));

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}
const selfTest = parse(readFileSync(join(workflowsDir, 'self-test.yml'), 'utf8')) as Workflow;
const steps = Object.values(selfTest.jobs).flatMap((job) => job.steps);

/** What GitHub's parser reports about a workflow: parse errors, then those of the conversion to a run's template. */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (result.value) {
    const template = await convertWorkflowTemplate(result.context, result.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  return errors;
}

describe("GitHub's workflow parser (@actions/workflow-parser)", () => {
  it.each(workflowFiles)('accepts .github/workflows/%s', async (file) => {
    expect(await workflowErrors(file, readFileSync(join(workflowsDir, file), 'utf8'))).toEqual([]);
  });

  it('rejects what GitHub rejects (so the tests above can fail)', async () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n';
    expect(await workflowErrors('broken.yml', broken)).toContainEqual(
      expect.stringMatching(/Unexpected value 'stepz'/),
    );
    // build-push's password description once said "e.g. `${{ secrets.DOCKERHUB_TOKEN }}`": an expression to GitHub.
    const action =
      "name: x\ndescription: y\ninputs:\n  p:\n    description: 'from ${{ secrets.TOKEN }}'\n" +
      'runs:\n  using: node24\n  main: i.js\n';
    const result = parseAction({ name: 'action.yml', content: action }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([
      expect.stringMatching(/Unrecognized named-value: 'secrets'/),
    ]);
  });

  it.each(actionFiles)('accepts %s', (file) => {
    const result = parseAction(
      { name: file, content: readFileSync(join(repoRoot, file), 'utf8') },
      new NoOperationTraceWriter(),
    );
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
  });
});

describe('self-test.yml', () => {
  it('runs on push and pull_request, every job on ubuntu-latest', () => {
    expect(Object.keys(selfTest.on).sort()).toEqual(['pull_request', 'push']);
    for (const [name, job] of Object.entries(selfTest.jobs)) expect(job['runs-on'], name).toBe('ubuntu-latest');
  });

  // What runs from the checkout: the actions the steps use, and those the composites among them use
  // (the ci job points the composite's release refs at the checkout first; the last test checks that).
  const exercised = (uses: string[]): string[] =>
    uses.flatMap((path) => {
      const yml = parse(readFileSync(join(repoRoot, path, 'action.yml'), 'utf8')) as {
        runs: { using: string; steps?: Step[] };
      };
      if (yml.runs.using !== 'composite') return [path];
      const inner = (yml.runs.steps ?? []).flatMap((s) =>
        s.uses ? [s.uses.replace(/^org\/deploy-actions\/|@.*$/g, '')] : [],
      );
      return [path, ...exercised(inner)];
    });
  const used = exercised(steps.flatMap((s) => (s.uses?.startsWith('./') ? [s.uses.slice(2)] : [])));

  // From the filesystem: an action added to actions/ (or deploy/) must be added to self-test.yml too.
  it.each(actionFiles.map((f) => f.replace(/\/action\.yml$/, '')))('runs %s from the checkout', (path) => {
    expect(used).toContain(path);
  });

  const local = steps.filter((s) => s.uses?.startsWith('./'));
  it.each(local.map((s) => [s.name ?? s.uses!, s] as const))(
    '%s: passes only inputs the action declares, and every required one',
    (_, step) => {
      const action = parse(readFileSync(join(repoRoot, step.uses!, 'action.yml'), 'utf8')) as {
        inputs?: Record<string, { required?: boolean }>;
      };
      const declared = Object.keys(action.inputs ?? {});
      for (const key of Object.keys(step.with ?? {})) expect(declared, `${step.uses}: ${key}`).toContain(key);
      for (const [name, spec] of Object.entries(action.inputs ?? {}))
        if (spec.required) expect(Object.keys(step.with ?? {}), `${step.uses}: ${name}`).toContain(name);
    },
  );

  it("points the ci composite (refs at the release tag) at the checkout's actions first", () => {
    const rewrite = steps.find((s) => s.name === "Point the composite at this checkout's actions")!;
    const copy = mkdtempSync(join(tmpdir(), 'self-test-ci-'));
    try {
      cpSync(join(repoRoot, 'actions/ci'), join(copy, 'actions/ci'), { recursive: true });
      execFileSync('bash', ['-eo', 'pipefail', '-c', rewrite.run!], { cwd: copy, stdio: 'pipe' });
      const ci = parse(readFileSync(join(copy, 'actions/ci/action.yml'), 'utf8')) as { runs: { steps: Step[] } };
      expect(ci.runs.steps.map((s) => s.uses)).toEqual(['./actions/setup', './actions/lint-test-scan']);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
