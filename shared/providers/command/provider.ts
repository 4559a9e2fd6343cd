import { formatDuration } from '../../duration.js';
import { runContext } from '../../context.js';
import { UserError } from '../../errors.js';
import type * as api from '../types.js';
import { deployOutput } from './output.js';
import type { CommandSettings } from './settings.js';
import { runScript } from './script.js';

/**
 * Releases put on a platform by the user's own CLI commands (Railway, Fly,
 * Render, Vercel, …). The platform's state is not ours to read, so history
 * comes from GitHub Deployments: the action hands over the live release.
 */
export class CommandProvider implements api.Provider {
  readonly name = 'command';
  readonly keepsHistory = false;

  constructor(
    private readonly settings: CommandSettings,
    private readonly context: api.ProviderContext,
  ) {}

  async deploy(request: api.DeployRequest): Promise<api.DeployResult> {
    const script = this.settings['deploy-command'];
    if (!script)
      throw new UserError(
        'Input "deploy-command" is required with provider "command": the bash script that deploys $DEPLOY_IMAGE.',
      );
    const output = deployOutput(this.context.tempDir);
    const { ms } = await runScript({
      input: 'deploy-command',
      script,
      variables: {
        DEPLOY_IMAGE: request.release.image,
        DEPLOY_VERSION: request.release.version,
        DEPLOY_ENVIRONMENT: request.environment,
        DEPLOY_PREVIOUS_VERSION: request.live?.version ?? '',
        DEPLOY_SERVICE: request.service,
      },
      extraEnv: { ...request.env, DEPLOY_OUTPUT: output.path },
      cwd: runContext().workspace,
      timeoutMs: this.settings['command-timeout'],
    });
    const url = output.read(this.context.warn);
    if (url) this.context.log(`deploy-command reported the environment URL ${url}`);
    return {
      url,
      current: { ...request.release, time: new Date().toISOString(), status: 'live' },
      previous: request.live,
      targets: 1,
      details: [['deploy-command', `exited 0 after ${formatDuration(ms)}`]],
    };
  }

  current(): Promise<api.Release | undefined> {
    return Promise.resolve(undefined);
  }

  history(): Promise<api.Release[]> {
    return Promise.resolve([]);
  }

  async rollback(request: api.RollbackRequest): Promise<api.RollbackResult> {
    if (!request.to)
      throw new UserError(
        'The command provider needs a version to roll back to: set "to", or "github-token" so the last successful GitHub Deployment is used.',
      );
    // Without a rollback-command, deploying the earlier image again is the rollback.
    const input = this.settings['rollback-command'] ? 'rollback-command' : 'deploy-command';
    const script = this.settings['rollback-command'] ?? this.settings['deploy-command'];
    if (!script)
      throw new UserError('Input "rollback-command" (or "deploy-command") is required with provider "command".');
    const to: api.Release = {
      image: request.to,
      version: request.to,
      time: new Date().toISOString(),
      commit: '',
      runUrl: request.runUrl,
      status: 'live',
    };
    await request.beforeRestore?.(request.live, to);
    this.context.log(`Rolling back with ${input}`);
    const { ms } = await runScript({
      input,
      script,
      variables: {
        DEPLOY_IMAGE: request.to,
        DEPLOY_VERSION: request.to,
        DEPLOY_ENVIRONMENT: request.environment,
        DEPLOY_PREVIOUS_VERSION: request.live?.version ?? '',
        DEPLOY_SERVICE: request.service,
      },
      cwd: runContext().workspace,
      timeoutMs: this.settings['command-timeout'],
    });
    return {
      from: request.live && { ...request.live, status: 'failed' },
      to,
      targets: 1,
      details: [[input, `exited 0 after ${formatDuration(ms)}`]],
    };
  }

  async teardown(request: api.TeardownRequest): Promise<api.TeardownResult> {
    const script = this.settings['teardown-command'];
    if (!script)
      throw new UserError(
        'Input "teardown-command" is required with provider "command": the bash script that removes $DEPLOY_ENVIRONMENT.',
      );
    const { ms } = await runScript({
      input: 'teardown-command',
      script,
      variables: {
        DEPLOY_ENVIRONMENT: request.environment,
        DEPLOY_SERVICE: request.service,
        DEPLOY_REMOVE_VOLUMES: String(request.removeVolumes),
      },
      cwd: runContext().workspace,
      timeoutMs: this.settings['command-timeout'],
    });
    return {
      removed: [request.environment],
      targets: 1,
      details: [['teardown-command', `exited 0 after ${formatDuration(ms)}`]],
    };
  }

  postState(): string {
    return '';
  }

  async close(): Promise<void> {}
}
