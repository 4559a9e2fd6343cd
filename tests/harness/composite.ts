/**
 * Runs a composite action the way the GitHub runner does, through the same
 * bundles as runAction: each step in order, `if:` evaluated against the steps
 * so far (default `success()`), `run:` steps in bash (`bash --noprofile --norc
 * -eo pipefail`), `env:` and `with:` with their `${{ }}` evaluated, `uses:` of
 * the suite's own actions (`org/deploy-actions/<path>@<ref>` and `./<path>`)
 * run from the checkout, GITHUB_ENV/GITHUB_PATH carried to later steps,
 * `steps.<id>.outputs`, the composite's `outputs:` mapping, and the post steps
 * of the actions it used, last first, after it (as at the end of the job).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { condition, interpolate, type ExpressionContext, type Value } from './expressions.js';
import { actionDir, inputEnv, jobContext, nodeBinary, repoRoot, step, type ActionYml, type RunOptions, type StepResult } from './runner.js';

/** How the suite's own actions are referenced from a composite (rewritten to each release's tag). */
const SELF = /^org\/deploy-actions\/([^@]+)@[^\s]+$/;

interface CompositeStep {
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
  runs: { using: string; steps: CompositeStep[] };
}

export interface CompositeStepRun extends StepResult {
  id: string;
  /** The action a `uses:` step ran (its folder under the checkout), or undefined for `run:`. */
  action?: string;
  outcome: 'success' | 'failure';
  conclusion: 'success' | 'failure';
}

export interface CompositeRun {
  /** 0 when every step concluded in success, else 1 (what the runner makes of the composite step). */
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

/** The folder under the checkout a `uses:` of the suite names, or a clear failure for anything else. */
function localAction(uses: string): string {
  const self = SELF.exec(uses);
  const path = self ? self[1]! : uses.startsWith('./') ? uses.slice(2) : undefined;
  if (!path) throw new Error(`composite runner: only the suite's own actions can be used, not ${uses}`);
  return join(repoRoot, path);
}

const readYml = <T>(dir: string) => parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as T;

const texts = (values: Record<string, unknown> | undefined, context: ExpressionContext) =>
  Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''), context)]));

/** Run the composite action `name` (a folder under actions/, or a path to one) with `options` as runAction takes. */
export async function runComposite(name: string, options: RunOptions = {}): Promise<CompositeRun> {
  const dir = isAbsolute(name) ? name : actionDir(name);
  const yml = readYml<CompositeYml>(dir);
  if (yml.runs.using !== 'composite') throw new Error(`${name} is not a composite action (runs.using: ${yml.runs.using})`);
  const job = jobContext(name.replace(/\W+/g, '-'), options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const token = options.token ?? 'ghs_test_token_0123456789';

  const inputs: Record<string, string> = {};
  for (const [input, spec] of Object.entries(yml.inputs ?? {})) inputs[input] = String(spec.default ?? '');
  Object.assign(inputs, options.inputs);
  const event = JSON.parse(readFileSync(job.env.GITHUB_EVENT_PATH!, 'utf8')) as Value;
  const stepsContext: Record<string, Value> = {};
  const ran: CompositeStepRun[] = [];
  // What steps export for the ones after them (GITHUB_ENV) and the folders they add to PATH, the latest first.
  const exported: Record<string, string> = {};
  const path: string[] = [];
  const context = (): ExpressionContext => ({
    failed: ran.some((s) => s.conclusion === 'failure'),
    contexts: {
      inputs,
      steps: stepsContext,
      env: { ...options.env, ...exported },
      github: {
        token,
        actor: job.env.GITHUB_ACTOR!,
        repository: job.env.GITHUB_REPOSITORY!,
        sha: job.env.GITHUB_SHA!,
        ref: job.env.GITHUB_REF!,
        workspace: job.workspace,
        event_name: job.env.GITHUB_EVENT_NAME!,
        event,
        action_path: dir,
      },
      runner: { temp: job.env.RUNNER_TEMP!, os: job.env.RUNNER_OS!, arch: job.env.RUNNER_ARCH! },
    },
  });
  // Evaluated once: defaults such as `${{ github.token }}` see the context, not other inputs.
  for (const [input, value] of Object.entries(inputs)) inputs[input] = interpolate(value, context());

  const skipped: string[] = [];
  const posts: { id: string; file: string; env: Record<string, string>; postIf?: string; state: Record<string, string> }[] = [];
  for (const [index, spec] of yml.runs.steps.entries()) {
    const id = spec.id ?? `__${index}`;
    if (!condition(spec.if, context())) {
      skipped.push(id);
      stepsContext[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
      continue;
    }
    const now = context();
    const env = {
      ...job.env,
      ...exported,
      PATH: [...path, job.env.PATH!].join(':'),
      GITHUB_ACTION_PATH: dir,
      GITHUB_ACTION: id,
      ...texts(spec.env, now),
    };
    let result: StepResult;
    let action: string | undefined;
    if (spec.run !== undefined) {
      if (spec.shell !== 'bash') throw new Error(`composite runner: step ${id} needs shell: bash (got ${spec.shell})`);
      const script = join(job.dir, `step-${index}.sh`);
      writeFileSync(script, interpolate(spec.run, now));
      const cwd = spec['working-directory'] ? resolve(job.workspace, interpolate(spec['working-directory'], now)) : job.workspace;
      mkdirSync(cwd, { recursive: true });
      result = await step(['bash', '--noprofile', '--norc', '-eo', 'pipefail', script], env, cwd, timeoutMs, job.dir, `step-${index}`);
    } else if (spec.uses) {
      action = localAction(interpolate(spec.uses, now));
      const used = readYml<ActionYml & { 'post-if'?: string; runs: { 'post-if'?: string } }>(action);
      if (!/^node\d+$/.test(used.runs.using)) throw new Error(`composite runner: ${spec.uses} is not a JavaScript action`);
      const stepEnv = { ...env, GITHUB_ACTION_PATH: action, ...inputEnv(used, texts(spec.with, now), token, env) };
      result = await step([nodeBinary, resolve(action, used.runs.main)], stepEnv, job.workspace, timeoutMs, job.dir, `step-${index}`);
      if (used.runs.post) {
        const file = resolve(action, used.runs.post);
        posts.push({ id, file, env: stepEnv, postIf: used.runs['post-if'], state: result.state });
      }
    } else throw new Error(`composite runner: step ${id} has neither run nor uses`);

    const outcome = result.code === 0 ? 'success' : 'failure';
    const continueOnError = String(interpolate(String(spec['continue-on-error'] ?? 'false'), now)) === 'true';
    const conclusion = outcome === 'failure' && !continueOnError ? 'failure' : 'success';
    ran.push({ ...result, id, action, outcome, conclusion });
    stepsContext[id] = { outputs: result.outputs, outcome, conclusion };
    Object.assign(exported, result.env);
    path.unshift(...[...result.path].reverse());
  }

  const final = context();
  const outputs = Object.fromEntries(Object.entries(yml.outputs ?? {}).map(([k, spec]) => [k, interpolate(String(spec.value ?? ''), final)]));
  const post: (StepResult & { id: string })[] = [];
  for (const [n, p] of [...posts].reverse().entries()) {
    // The job's status at its end decides a post-if (default always()).
    if (!condition(p.postIf ?? 'always()', final)) continue;
    const stateEnv = Object.fromEntries(Object.entries(p.state).map(([k, v]) => [`STATE_${k}`, v]));
    const env = { ...p.env, ...exported, PATH: [...path, job.env.PATH!].join(':'), ...stateEnv };
    post.push({ ...(await step([nodeBinary, p.file], env, job.workspace, timeoutMs, job.dir, `post-${n}`)), id: p.id });
  }
  const all = [...ran, ...post];
  return {
    code: final.failed ? 1 : 0,
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
