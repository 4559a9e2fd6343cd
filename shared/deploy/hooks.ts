import * as core from '@actions/core';
import { formatDuration } from '../duration.js';
import { exec, tail } from '../exec.js';
import { UserError } from '../errors.js';

/** What a hook script learns about the deploy: environment variables only, never text spliced into the script. */
export interface HookEnv {
  DEPLOY_IMAGE: string;
  DEPLOY_VERSION: string;
  DEPLOY_ENVIRONMENT: string;
  DEPLOY_PREVIOUS_VERSION: string;
  DEPLOY_SERVICE: string;
  DEPLOY_ENVIRONMENT_URL: string;
}

/**
 * Run a user's script (pre-deploy-command, post-deploy-command) the way the
 * command provider runs its scripts: bash with `-euo pipefail` in the
 * workspace, output streamed in a log group, bounded by `timeoutMs`. A
 * non-zero exit throws with the exit code and the last lines.
 */
export async function runHook(name: string, script: string, env: HookEnv, options: { cwd: string; timeoutMs: number }): Promise<string> {
  core.startGroup(`${name}: bash`);
  try {
    const result = await exec(['bash', '-euo', 'pipefail', '-c', script], {
      cwd: options.cwd,
      env: { ...process.env, ...env },
      timeoutMs: options.timeoutMs,
      allowFailure: true,
      onOutput: (chunk) => process.stdout.write(chunk),
    });
    if (result.code !== 0) {
      const last = tail(`${result.stdout}\n${result.stderr}`, 10);
      throw new UserError(`${name} exited with code ${result.code}${last ? `; last lines:\n${last}` : ''}`);
    }
    return `${name} finished in ${formatDuration(result.ms)}`;
  } finally {
    core.endGroup();
  }
}
