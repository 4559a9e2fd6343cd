import { formatDuration } from '../duration.js';
import { runScript } from '../providers/command/script.js';
import type { DeployResult, Release } from '../providers/types.js';
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
export function preDeployHook(config: HookInputs, workspace: string, liveNow: () => Promise<Release | undefined>): Hook | undefined {
  const script = config['pre-deploy-command'];
  return script ? async () => runHook('pre-deploy-command', script, config, workspace, config.image, (await liveNow())?.version) : undefined;
}

/** post-deploy-command: after a passing gate, with the release now live and the one it replaced. */
export function postDeployHook(config: HookInputs, workspace: string, deployed: () => DeployResult): Hook | undefined {
  const script = config['post-deploy-command'];
  return script ? async () => runHook('post-deploy-command', script, config, workspace, deployed().current.version, deployed().previous?.version) : undefined;
}

async function runHook(input: string, script: string, config: HookInputs, workspace: string, version: string, previous: string | undefined): Promise<StageOutcome> {
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
