import * as core from '@actions/core';
import type { RunContext } from '../context.js';
import { errorMessage } from '../errors.js';
import { info } from '../log.js';
import { DeploymentsClient, type Deployment, type DeploymentPayload } from './deployments.js';
import { STOPPED, savePending } from './pending.js';

export interface RecordOptions {
  token: string;
  apiUrl: string;
  repository: string;
  environment: string;
  environmentUrl?: string;
  /** The run's URL: the status's `log_url`. */
  logUrl: string;
  log: (line: string) => void;
  warn: (line: string) => void;
}

/**
 * One GitHub Deployment through its life: created (the caller decides what a
 * failure here means, shared/deploy/release.ts), then in_progress, then
 * success (earlier ones become inactive) or failure. Status updates after the
 * work has started only warn: the release is what matters, not its
 * bookkeeping. Each outcome is saved before it is sent, so the post step
 * sends it when this step is stopped first (shared/github/pending.ts).
 */
export class DeploymentRecord {
  readonly client: DeploymentsClient;
  deployment?: Deployment;

  constructor(private readonly options: RecordOptions) {
    this.client = new DeploymentsClient({
      token: options.token,
      apiUrl: options.apiUrl,
      repository: options.repository,
      log: options.log,
    });
  }

  async start(ref: string, payload: DeploymentPayload, description: string): Promise<Deployment> {
    this.deployment = await this.client.create({ ref, environment: this.options.environment, payload, description });
    this.options.log(`GitHub Deployment ${this.deployment.id} created for ${this.options.environment}`);
    this.pending('failure', STOPPED);
    await this.status('in_progress', description);
    return this.deployment;
  }

  /** `environmentUrl`: the URL the deploy learned (a command's $DEPLOY_OUTPUT), over the one given at the start. */
  async succeed(description: string, environmentUrl?: string): Promise<void> {
    if (environmentUrl) this.options.environmentUrl = environmentUrl;
    if (!(await this.status('success', description)) || !this.deployment) return;
    try {
      const inactive = await this.client.deactivateEarlier(this.options.environment, this.deployment.id);
      if (inactive.length) this.options.log(`Earlier deployments now inactive: ${inactive.join(', ')}`);
    } catch (error) {
      this.options.warn(`Could not mark earlier GitHub Deployments inactive: ${errorMessage(error)}`);
    }
  }

  async fail(description: string): Promise<void> {
    await this.status('failure', description);
  }

  private async status(state: 'in_progress' | 'success' | 'failure', description: string): Promise<boolean> {
    if (!this.deployment) return false;
    const final = state !== 'in_progress';
    if (final) this.pending(state, description);
    try {
      await this.client.setStatus(this.deployment.id, {
        state,
        description,
        logUrl: this.options.logUrl || undefined,
        environmentUrl: this.options.environmentUrl,
      });
      if (final) savePending(undefined);
      return true;
    } catch (error) {
      this.options.warn(`Could not set GitHub Deployment ${this.deployment.id} to ${state}: ${errorMessage(error)}`);
      return false;
    }
  }

  private pending(state: 'success' | 'failure', description: string): void {
    const { apiUrl, repository, logUrl, environmentUrl } = this.options;
    savePending({
      id: this.deployment!.id,
      apiUrl,
      repository,
      state,
      description: description.slice(0, 140),
      logUrl: logUrl || undefined,
      environmentUrl,
    });
  }
}

/**
 * This run's record of a deployment of `environment`, reporting to the job
 * log: none without a token (recording is optional), so every action builds
 * it the same way.
 */
export function deploymentRecord(
  ctx: RunContext,
  options: { token?: string; environment: string; environmentUrl?: string },
): DeploymentRecord | undefined {
  if (!options.token) return undefined;
  return new DeploymentRecord({
    ...options,
    token: options.token,
    apiUrl: ctx.apiUrl,
    repository: ctx.repository,
    logUrl: ctx.runUrl,
    log: info,
    warn: core.warning,
  });
}
