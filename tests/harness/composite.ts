/**
 * Runs composite actions, and the steps of a workflow job, the way the GitHub
 * runner does, through the same bundles as runAction: each step in order,
 * `if:` evaluated against the steps so far (default `success()`), `run:` in
 * bash (`shell: bash` is `bash --noprofile --norc -eo pipefail`, a job's
 * default `bash -e`), `env:` and `with:` with their `${{ }}` evaluated, the
 * suite's own actions (`org/deploy-actions/<path>@<ref>` from the checkout,
 * `./<path>` from the workspace; a composite among them runs its steps),
 * GITHUB_ENV/GITHUB_PATH carried to later steps, `steps.<id>.outputs`, a
 * composite's `outputs:` mapping, and the post steps of the actions used, last
 * first, at the end (as at the end of the job). Processes a job leaves behind
 * are stopped at its end by their RUNNER_TRACKING_ID, as the runner does.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { condition, interpolate, type ExpressionContext, type Value } from './expressions.js';
import {
  actionDir,
  inputEnv,
  jobContext,
  nodeBinary,
  repoRoot,
  step,
  type ActionYml,
  type JobContext,
  type RunOptions,
  type StepResult,
} from './runner.js';

/** How the suite's own actions are referenced from a composite (rewritten to each release's tag). */
const SELF = /^org\/deploy-actions\/([^@]+)@[^\s]+$/;

interface StepSpec {
  id?: string;
  name?: string;
  if?: string | boolean;
  run?: string;
  shell?: string;
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'working-directory'?: string;
  'continue-on-error'?: boolean | string;
}

interface CompositeYml {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: StepSpec[]; main?: string; post?: string; 'post-if'?: string };
}

export interface CompositeStepRun extends StepResult {
  id: string;
  /** The action a `uses:` step ran (its folder), or undefined for `run:`. */
  action?: string;
  outcome: 'success' | 'failure';
  conclusion: 'success' | 'failure';
}

export interface CompositeRun {
  /** 0 when every step concluded in success, else 1 (what the runner makes of the step). */
  code: number;
  outputs: Record<string, string>;
  /** The steps that ran, in order (skipped ones are in `skipped`). */
  steps: CompositeStepRun[];
  skipped: string[];
  /** Post steps of the actions used, in the order they ran. */
  post: (StepResult & { id: string })[];
  /** Everything the steps printed, the job summary they wrote, and their annotations, in order. */
  stdout: string;
  summary: string;
  errors: string[];
  warnings: string[];
  dir: string;
  workspace: string;
}

/** What lives as long as the job: its context, what steps exported, the post steps still to run. */
interface Job extends JobContext {
  token: string;
  timeoutMs: number;
  contexts: Record<string, Value>;
  exported: Record<string, string>;
  path: string[];
  posts: { id: string; file: string; env: Record<string, string>; postIf?: string; state: Record<string, string> }[];
  count: number;
}

/** Where the steps run: a composite (its folder and inputs) or a job (its env). */
interface Frame {
  actionPath?: string;
  inputs?: Record<string, string>;
  env: Record<string, string>;
  defaultShell?: string[];
}

function localAction(uses: string, workspace: string): string | undefined {
  const self = SELF.exec(uses);
  if (self) return join(repoRoot, self[1]);
  return uses.startsWith('./') ? resolve(workspace, uses) : undefined;
}

const readYml = (dir: string) => parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as CompositeYml;

const texts = (values: Record<string, unknown> | undefined, context: ExpressionContext) =>
  Object.fromEntries(
    Object.entries(values ?? {}).map(([k, v]) => [
      k,
      interpolate(typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v), context),
    ]),
  );

const SHELLS: Record<string, string[]> = {
  bash: ['bash', '--noprofile', '--norc', '-eo', 'pipefail'],
  sh: ['sh', '-e'],
};

async function runSteps(job: Job, frame: Frame, specs: StepSpec[]) {
  const steps: Record<string, Value> = {};
  const ran: CompositeStepRun[] = [];
  const skipped: string[] = [];
  const context = (): ExpressionContext => ({
    failed: ran.some((s) => s.conclusion === 'failure'),
    contexts: { ...job.contexts, inputs: frame.inputs ?? {}, steps, env: { ...frame.env, ...job.exported } },
  });
  for (const [index, spec] of specs.entries()) {
    const id = spec.id ?? `__${index}`;
    if (!condition(spec.if, context())) {
      skipped.push(id);
      steps[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    const now = context();
    const phase = `step-${job.count++}`;
    const env = {
      ...job.env,
      ...frame.env,
      ...job.exported,
      PATH: [...job.path, job.env.PATH].join(':'),
      ...(frame.actionPath ? { GITHUB_ACTION_PATH: frame.actionPath } : {}),
      GITHUB_ACTION: id,
      ...texts(spec.env, now),
    };
    let result: StepResult & { action?: string };
    if (spec.run !== undefined) {
      const shell = spec.shell ? SHELLS[spec.shell] : frame.defaultShell;
      if (!shell) throw new Error(`test runner: step ${id} needs shell: bash or sh (got ${spec.shell})`);
      const script = join(job.dir, `${phase}.sh`);
      writeFileSync(script, interpolate(spec.run, now));
      const dir = spec['working-directory'];
      const cwd = dir ? resolve(job.workspace, interpolate(dir, now)) : job.workspace;
      mkdirSync(cwd, { recursive: true });
      result = await step([...shell, script], env, cwd, job.timeoutMs, job.dir, phase);
    } else if (spec.uses) {
      result = await useAction(job, id, interpolate(spec.uses, now), texts(spec.with, now), env, phase);
    } else throw new Error(`test runner: step ${id} has neither run nor uses`);

    const outcome = result.code === 0 ? 'success' : 'failure';
    const continueOnError = interpolate(String(spec['continue-on-error'] ?? 'false'), now) === 'true';
    const conclusion = outcome === 'failure' && !continueOnError ? 'failure' : 'success';
    ran.push({ ...result, id, outcome, conclusion });
    steps[id] = { outputs: result.outputs, outcome, conclusion };
    Object.assign(job.exported, result.env);
    job.path.unshift(...[...result.path].reverse());
  }
  return { ran, skipped, context };
}

/** A `uses:` step: a JavaScript action from its bundle, a composite through its steps, `actions/checkout` a no-op. */
async function useAction(
  job: Job,
  id: string,
  uses: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  phase: string,
) {
  const empty = {
    outputs: {},
    state: {},
    env: {},
    path: [],
    summary: '',
    errors: [],
    warnings: [],
    masks: [],
    commands: [],
  };
  // The workspace given to the job is the checkout.
  if (/^actions\/checkout@/.test(uses))
    return { ...empty, code: 0, stdout: '', stderr: '', durationMs: 0, timedOut: false };
  const dir = localAction(uses, job.workspace);
  if (!dir) throw new Error(`test runner: only the suite's own actions and actions/checkout can be used, not ${uses}`);
  const yml = readYml(dir);
  if (yml.runs.using === 'composite') {
    const run = await composite(job, dir, yml, inputs);
    const all = [...run.ran];
    const text = (k: 'stdout' | 'stderr' | 'summary') => all.map((s) => s[k]).join('');
    return {
      ...empty,
      code: run.code,
      outputs: run.outputs,
      stdout: text('stdout'),
      stderr: text('stderr'),
      summary: text('summary'),
      errors: all.flatMap((s) => s.errors),
      warnings: all.flatMap((s) => s.warnings),
      commands: all.flatMap((s) => s.commands),
      durationMs: all.reduce((t, s) => t + s.durationMs, 0),
      timedOut: all.some((s) => s.timedOut),
      action: dir,
    };
  }
  if (!/^node\d+$/.test(yml.runs.using))
    throw new Error(`test runner: ${uses} is neither a JavaScript nor a composite action`);
  const stepEnv = { ...env, GITHUB_ACTION_PATH: dir, ...inputEnv(yml as unknown as ActionYml, inputs, job.token, env) };
  const result = await step(
    [nodeBinary, resolve(dir, yml.runs.main!)],
    stepEnv,
    job.workspace,
    job.timeoutMs,
    job.dir,
    phase,
  );
  if (yml.runs.post)
    job.posts.push({
      id,
      file: resolve(dir, yml.runs.post),
      env: stepEnv,
      postIf: yml.runs['post-if'],
      state: result.state,
    });
  return { ...result, action: dir };
}

async function composite(job: Job, dir: string, yml: CompositeYml, given: Record<string, string>) {
  const inputs: Record<string, string> = {};
  const defaults: ExpressionContext = { failed: false, contexts: job.contexts };
  // Defaults such as `${{ github.token }}` see the job's context, not other inputs.
  for (const [input, spec] of Object.entries(yml.inputs ?? {}))
    inputs[input] = interpolate(String(spec.default ?? ''), defaults);
  Object.assign(inputs, given);
  const { ran, skipped, context } = await runSteps(job, { actionPath: dir, inputs, env: {} }, yml.runs.steps);
  const final = context();
  const outputs = Object.fromEntries(
    Object.entries(yml.outputs ?? {}).map(([k, spec]) => [k, interpolate(String(spec.value ?? ''), final)]),
  );
  return { code: final.failed ? 1 : 0, outputs, ran, skipped };
}

function startJob(name: string, options: RunOptions): Job {
  const context = jobContext(name.replace(/\W+/g, '-'), options);
  const token = options.token ?? 'ghs_test_token_0123456789';
  const env: Record<string, string> = { ...context.env, RUNNER_TRACKING_ID: `github_${randomUUID()}` };
  const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as Value;
  const github: Record<string, Value> = { token, event, workspace: context.workspace };
  for (const [key, value] of Object.entries(env))
    if (key.startsWith('GITHUB_')) github[key.slice(7).toLowerCase()] = value;
  const runner = { temp: env.RUNNER_TEMP, os: env.RUNNER_OS, arch: env.RUNNER_ARCH };
  const contexts = { github, runner, secrets: {} };
  return {
    ...context,
    env,
    token,
    timeoutMs: options.timeoutMs ?? 60_000,
    contexts,
    exported: {},
    path: [],
    posts: [],
    count: 0,
  };
}

/** The job's end: post steps (last first, each `post-if` against the job's status), then its leftover processes. */
async function finishJob(job: Job, failed: boolean) {
  const post: (StepResult & { id: string })[] = [];
  const status: ExpressionContext = { failed, contexts: job.contexts };
  for (const p of [...job.posts].reverse()) {
    if (!condition(p.postIf ?? 'always()', status)) continue;
    const stateEnv = Object.fromEntries(Object.entries(p.state).map(([k, v]) => [`STATE_${k}`, v]));
    const env = { ...p.env, ...job.exported, PATH: [...job.path, job.env.PATH].join(':'), ...stateEnv };
    post.push({
      ...(await step([nodeBinary, p.file], env, job.workspace, job.timeoutMs, job.dir, `post-${post.length}`)),
      id: p.id,
    });
  }
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (
        readFileSync(`/proc/${pid}/environ`, 'latin1')
          .split('\0')
          .includes(`RUNNER_TRACKING_ID=${job.env.RUNNER_TRACKING_ID}`)
      )
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Gone already, or not ours to read.
    }
  }
  return post;
}

function report(
  job: Job,
  code: number,
  outputs: Record<string, string>,
  ran: CompositeStepRun[],
  skipped: string[],
  post: (StepResult & { id: string })[],
): CompositeRun {
  const all = [...ran, ...post];
  return {
    code,
    outputs,
    steps: ran,
    skipped,
    post,
    stdout: all.map((s) => s.stdout).join(''),
    summary: all.map((s) => s.summary).join(''),
    errors: all.flatMap((s) => s.errors),
    warnings: all.flatMap((s) => s.warnings),
    dir: job.dir,
    workspace: job.workspace,
  };
}

/** Run the composite action `name` (a folder under actions/, or a path to one) as one step of a job. */
export async function runComposite(name: string, options: RunOptions = {}): Promise<CompositeRun> {
  const dir = isAbsolute(name) ? name : actionDir(name);
  const yml = readYml(dir);
  if (yml.runs.using !== 'composite')
    throw new Error(`${name} is not a composite action (runs.using: ${yml.runs.using})`);
  const job = startJob(name, options);
  const run = await composite(job, dir, yml, options.inputs ?? {});
  const post = await finishJob(job, run.code !== 0);
  return report(job, run.code, run.outputs, run.ran, run.skipped, post);
}

/**
 * Run the steps of job `name` of a workflow in .github/workflows, with `options.workspace` as the checkout
 * (`actions/checkout` does nothing). `overrides` replace variables of the workflow's and job's `env:`.
 * Jobs with `services:` need GitHub's runner: they are refused.
 */
export async function runWorkflowJob(
  file: string,
  name: string,
  options: RunOptions & { overrides?: Record<string, string> } = {},
): Promise<CompositeRun> {
  const workflow = parse(readFileSync(join(repoRoot, '.github/workflows', file), 'utf8')) as {
    env?: Record<string, unknown>;
    jobs: Record<string, { env?: Record<string, unknown>; steps: StepSpec[]; services?: unknown }>;
  };
  const spec = workflow.jobs[name];
  if (!spec) throw new Error(`${file} has no job ${name}`);
  if (spec.services) throw new Error(`${file} job ${name} uses service containers: the test runner cannot start them`);
  if (!options.workspace || !existsSync(options.workspace))
    throw new Error('runWorkflowJob needs the checkout as options.workspace');
  const job = startJob(`${file}-${name}`, options);
  const base: ExpressionContext = { failed: false, contexts: job.contexts };
  const env = { ...texts(workflow.env, base), ...texts(spec.env, base), ...options.overrides };
  const { ran, skipped, context } = await runSteps(job, { env, defaultShell: ['bash', '-e'] }, spec.steps);
  const failed = context().failed;
  const post = await finishJob(job, failed);
  return report(job, failed ? 1 : 0, {}, ran, skipped, post);
}
