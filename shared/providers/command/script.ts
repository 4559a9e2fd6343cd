import * as core from '@actions/core';
import { spawnSync } from 'node:child_process';
import { CancelledError, cancelReason, cancelSignal } from '../../cancel.js';
import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import { MESSAGE_TAIL, exec, tail } from '../../exec.js';
import { info } from '../../log.js';
import { fail, optionalText } from '../../inputs.js';

const STRICT = 'set -euo pipefail\n';

/**
 * Why bash cannot parse `script`, or undefined. `bash -n` reads the script and
 * runs none of it, so a typo fails the step before anything is deployed.
 */
export function syntaxProblem(script: string): string | undefined {
  const result = spawnSync('bash', ['-n', '-c', STRICT + script], { encoding: 'utf8', timeout: 10_000 });
  // No bash: the script cannot run either, and running it says so.
  if (result.error || result.status === 0) return undefined;
  const first = result.stderr.split('\n').find(Boolean) ?? `bash -n exited with ${result.status}`;
  // Line numbers as the user wrote the script, without our strict-mode line.
  return first.replace(/^bash: -c: /, '').replace(/^line (\d+)/, (_, n: string) => `line ${Number(n) - 1}`);
}

/** A bash script input (multi-line by nature), checked by syntaxProblem. */
export const bashScript = () =>
  optionalText({ multiLine: true }).transform((script, ctx) => {
    const problem = script ? syntaxProblem(script) : undefined;
    return problem ? fail(ctx, `a bash script that parses; ${problem}`) : script;
  });

/** What a deploy or rollback script learns about the release: only through these variables. */
export interface ScriptVariables {
  DEPLOY_IMAGE: string;
  DEPLOY_VERSION: string;
  DEPLOY_ENVIRONMENT: string;
  DEPLOY_PREVIOUS_VERSION: string;
  DEPLOY_SERVICE: string;
}

/** What a teardown script learns: which environment goes, and whether its data goes too. */
export interface TeardownVariables {
  DEPLOY_ENVIRONMENT: string;
  DEPLOY_SERVICE: string;
  DEPLOY_REMOVE_VOLUMES: string;
}

export interface ScriptRun {
  /** `deploy-command` or `rollback-command`: how errors name the script. */
  input: string;
  script: string;
  variables: ScriptVariables | TeardownVariables;
  /** Extra variables (the `env` input), under ours. */
  extraEnv?: Record<string, string>;
  cwd: string;
  timeoutMs: number;
  /** The input that sets `timeoutMs`, named when the script runs out of time. Default `command-timeout`. */
  timeoutInput?: string;
}

/**
 * Run a user script with bash in strict mode. The script text is the only
 * code; release values arrive as environment variables, so quotes, `$(…)` or
 * `;` in them are data. Output streams live inside a log group.
 */
export async function runScript(run: ScriptRun): Promise<{ ms: number }> {
  const env = { ...process.env, ...run.extraEnv, ...run.variables };
  const version = 'DEPLOY_VERSION' in run.variables ? `: ${run.variables.DEPLOY_VERSION}` : '';
  core.startGroup(`${run.input} (${run.variables.DEPLOY_ENVIRONMENT}${version})`);
  let result;
  try {
    result = await exec(['bash', '-c', STRICT + run.script], {
      cwd: run.cwd,
      env,
      timeoutMs: run.timeoutMs,
      killGroup: true,
      allowFailure: true,
      signal: cancelSignal,
      onOutput: (chunk) => process.stdout.write(chunk),
      // Already in the log: only the last lines are kept, for the error.
      keep: { stdout: MESSAGE_TAIL },
    });
  } catch (error) {
    if (error instanceof UserError && /timed out/.test(error.message)) {
      const lines = error.message.split('\n').slice(1).join('\n');
      throw new UserError(
        `${run.input} timed out after ${formatDuration(run.timeoutMs)} (${run.timeoutInput ?? 'command-timeout'}) and was stopped${lines ? `; last lines:\n${lines}` : ''}`,
      );
    }
    throw error;
  } finally {
    core.endGroup();
  }
  const cancelled = cancelReason();
  if (cancelled) throw new CancelledError(`${cancelled}: ${run.input} was stopped (its process group got SIGTERM)`);
  if (result.code !== 0) {
    const lines = tail(`${result.stdout}\n${result.stderr}`, 20);
    throw new UserError(
      `${run.input} failed with exit code ${result.code}${lines ? `; last lines:\n${lines}` : ' (no output)'}`,
    );
  }
  info(`${run.input} finished in ${formatDuration(result.ms)}`);
  return { ms: result.ms };
}
