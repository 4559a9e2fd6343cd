import { formatDuration } from '../duration.js';
import { UserError, errorMessage } from '../errors.js';
import { runScript } from '../providers/command/script.js';
import type { DeployResult, Release, RollbackRequest } from '../providers/types.js';
import type { StageOutcome } from './pipeline.js';

/**
 * The pre- and post-deploy stages: the user's bash scripts, run exactly like
 * the command provider's (strict mode, streamed in a log group, stopped at
 * `hooks-timeout`), told about the release only through DEPLOY_* variables.
 */

/** The inputs the hooks read (`service` already defaulted to the repository). */
export interface HookInputs {
  image: string;
  environment: string;
  service: string;
  /** The `env` input, under the DEPLOY_* variables. */
  env: Record<string, string>;
  'environment-url'?: string;
  'pre-deploy-command'?: string;
  'post-deploy-command'?: string;
  'hooks-timeout': number;
}

type Hook = () => Promise<StageOutcome>;

/** pre-deploy-command: before any change, with the release about to go live and the one live now. */
export function preDeployHook(
  config: HookInputs,
  workspace: string,
  liveNow: () => Promise<Release | undefined>,
): Hook | undefined {
  const script = config['pre-deploy-command'];
  return script
    ? async () => runHook('pre-deploy-command', script, config, workspace, config.image, (await liveNow())?.version)
    : undefined;
}

/** post-deploy-command: after a passing gate, with the release now live and the one it replaced. */
export function postDeployHook(config: HookInputs, workspace: string, deployed: () => DeployResult): Hook | undefined {
  const script = config['post-deploy-command'];
  return script
    ? async () =>
        runHook(
          'post-deploy-command',
          script,
          config,
          workspace,
          deployed().current.version,
          deployed().previous?.version,
        )
    : undefined;
}

async function runHook(
  input: string,
  script: string,
  config: HookInputs,
  workspace: string,
  version: string,
  previous: string | undefined,
): Promise<StageOutcome> {
  const { ms } = await runScript({
    input,
    script,
    variables: {
      DEPLOY_IMAGE: config.image,
      DEPLOY_VERSION: version,
      DEPLOY_ENVIRONMENT: config.environment,
      DEPLOY_PREVIOUS_VERSION: previous ?? '',
      DEPLOY_SERVICE: config.service,
    },
    extraEnv: { ...config.env, DEPLOY_ENVIRONMENT_URL: config['environment-url'] ?? '' },
    cwd: workspace,
    timeoutMs: config['hooks-timeout'],
    timeoutInput: 'hooks-timeout',
  });
  return { ok: true, detail: `exited 0 after ${formatDuration(ms)}` };
}

/** What pre-rollback-command reads: the rollback action has no `image` or `env` (the step's own env still applies). */
export type RollbackHookInputs = Pick<HookInputs, 'environment' | 'service' | 'environment-url' | 'hooks-timeout'> & {
  env?: Record<string, string>;
  'pre-rollback-command'?: string;
};

/**
 * pre-rollback-command (a down migration, say): once the release to return to
 * is known and before any traffic moves back, with the pre-deploy command's
 * variables for the release going live again plus DEPLOY_ROLLBACK_FROM and
 * DEPLOY_ROLLBACK_TO. Its failure stops the rollback.
 */
export function preRollbackHook(config: RollbackHookInputs, workspace: string): RollbackRequest['beforeRestore'] {
  const script = config['pre-rollback-command'];
  if (!script) return undefined;
  return async (from, to) => {
    try {
      await runScript({
        input: 'pre-rollback-command',
        script,
        variables: {
          DEPLOY_IMAGE: to.image,
          DEPLOY_VERSION: to.version,
          DEPLOY_ENVIRONMENT: config.environment,
          DEPLOY_PREVIOUS_VERSION: from?.version ?? '',
          DEPLOY_SERVICE: config.service,
        },
        extraEnv: {
          ...config.env,
          DEPLOY_ENVIRONMENT_URL: config['environment-url'] ?? '',
          DEPLOY_ROLLBACK_FROM: from?.version ?? '',
          DEPLOY_ROLLBACK_TO: to.version,
        },
        cwd: workspace,
        timeoutMs: config['hooks-timeout'],
        timeoutInput: 'hooks-timeout',
      });
    } catch (error) {
      const serving = from ? `${from.version} keeps serving` : 'nothing was changed';
      throw new UserError(
        `The rollback to ${to.version} was stopped before any change: ${errorMessage(error)}. ${serving}.`,
      );
    }
  };
}
