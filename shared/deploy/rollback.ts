import * as core from '@actions/core';
import type { RunContext } from '../context.js';
import { UserError, errorMessage } from '../errors.js';
import type { Deployment } from '../github/deployments.js';
import { lastRecordedRelease } from '../github/history.js';
import { isOutage } from '../github/octokit.js';
import { deploymentRecord, type DeploymentRecord } from '../github/record.js';
import { info } from '../log.js';
import type { Provider, Release, RollbackRequest, RollbackResult, Target } from '../providers/types.js';
import type { DeployConfig } from './inputs.js';
import { STAGE_TITLES, type PipelineResult, type StageOutcome } from './pipeline.js';
import type { ReleaseStage } from './release.js';

/**
 * The rollback stage: an earlier release put back live by the provider and
 * recorded as a GitHub Deployment of that release. The rollback action
 * chooses what to return to; the one-step deploy returns to the release its
 * deploy replaced.
 */

/** The inputs a rollback shares with a deploy. */
export type RollbackInputs = Pick<DeployConfig, 'publish' | 'readiness-path' | 'readiness-timeout'>;

/** What a provider is asked to put back: `to` (or, unset, the previous good release it kept). */
export function rollbackRequest(
  config: RollbackInputs,
  target: Target,
  ctx: RunContext,
  options: Pick<RollbackRequest, 'to' | 'reason' | 'live' | 'beforeRestore'>,
): RollbackRequest {
  return {
    ...target,
    ...options,
    publish: config.publish,
    readinessPath: config['readiness-path'],
    readinessTimeoutMs: config['readiness-timeout'],
    runUrl: ctx.runUrl,
  };
}

export interface RollbackRecord {
  provider: string;
  service: string;
  /** The version of the release rolled back from, recorded in the payload. */
  from: string | null;
  description: string;
  /** The release put back is healthy (a rollback whose verification failed is recorded as failed). */
  ok: boolean;
}

/** Record a rollback as a GitHub Deployment of the release it put back. */
export async function recordRollback(
  record: DeploymentRecord,
  result: RollbackResult,
  sha: string,
  options: RollbackRecord,
): Promise<Deployment> {
  const { to } = result;
  const payload = {
    image: to.image,
    provider: options.provider,
    version: to.version,
    service: options.service,
    rollback: true,
    from: options.from,
  };
  const deployment = await record.start(to.commit || sha, payload, options.description);
  if (options.ok) await record.succeed(options.description);
  else await record.fail(options.description);
  return deployment;
}

/**
 * What the rollback action returns to, and what is live. A provider with
 * history knows both itself; for one without (command), GitHub's last
 * successful deployment is what is live, and the one before it (unless `to`
 * names a release) what to return to.
 */
export async function rollbackTarget(
  provider: Provider,
  record: DeploymentRecord | undefined,
  target: Target,
  to: string | undefined,
): Promise<{ to?: string; live?: Release }> {
  if (provider.keepsHistory) return { to };
  if (!to && !record)
    throw new UserError(
      `The ${provider.name} provider keeps no release history: set "to", or "github-token" to find the last successful deployment of ${target.environment}.`,
    );
  const live =
    (await provider.current(target)) ?? (record && (await lastRecordedRelease(record.client, target.environment)));
  if (to || !record) return { to, live };
  const last = await record.client.lastSuccessful(target.environment, live?.image);
  if (!last?.payload.image)
    throw new UserError(
      `No earlier successful GitHub Deployment of ${target.environment} to roll back to; nothing was changed.`,
    );
  info(
    `Last successful deployment of ${target.environment} before ${live?.version ?? 'now'}: ${last.id} (${last.payload.image})`,
  );
  return { to: last.payload.image, live };
}

/**
 * Record the rollback action's rollback. It already happened: during a GitHub
 * outage a provider that keeps its own history only warns (the record is then
 * `missing`); one whose history is GitHub's fails, since its next run would
 * not know what is live.
 */
export async function recordManualRollback(
  record: DeploymentRecord,
  provider: Provider,
  result: RollbackResult,
  sha: string,
  options: Omit<RollbackRecord, 'provider' | 'ok'>,
): Promise<{ deployment?: Deployment; missing?: string }> {
  try {
    return { deployment: await recordRollback(record, result, sha, { ...options, provider: provider.name, ok: true }) };
  } catch (error) {
    if (!isOutage(error) || !provider.keepsHistory)
      throw new UserError(`${result.to.version} is live again, but ${errorMessage(error)}`);
    const missing = errorMessage(error);
    core.warning(
      `The GitHub Deployment of this rollback is missing (${missing}); the ${provider.name} provider keeps its own history`,
    );
    return { missing };
  }
}

/** The rollback as a stage of the one-step deploy: back to what its deploy replaced. */
export class RollbackStage {
  /** What the provider put back, once it did. */
  result?: RollbackResult;

  constructor(
    private readonly provider: Provider,
    private readonly config: DeployConfig,
    private readonly release: ReleaseStage,
    private readonly ctx: RunContext,
    /** The pre-rollback-command, when there is one. */
    private readonly beforeRestore?: RollbackRequest['beforeRestore'],
  ) {}

  async run(to: string, reason: string): Promise<StageOutcome> {
    const { target, result: deployed } = this.release;
    info(`Rolling back ${target.service} on ${target.environment} to ${to}: ${reason}`);
    this.result = await this.provider.rollback(
      rollbackRequest(this.config, target, this.ctx, {
        // A provider without history (command) is told which release to return to.
        to: this.provider.keepsHistory ? undefined : deployed?.previous?.image,
        reason,
        live: deployed?.current,
        beforeRestore: this.beforeRestore,
      }),
    );
    const { to: back, from } = this.result;
    return { ok: true, detail: `${back.version} live again${from ? `; ${from.version} marked failed` : ''}` };
  }

  /**
   * Record the rollback, when there was one, as a GitHub Deployment of the
   * release it put back: a success once verified. A failure only warns: the
   * release is what matters, not its bookkeeping.
   */
  async record(outcome: PipelineResult): Promise<void> {
    const record = deploymentRecord(this.ctx, {
      token: this.config['github-token'],
      environment: this.config.environment,
      environmentUrl: this.config['environment-url'],
    });
    if (!record || !this.result || !outcome.failedStage) return;
    const description = `Rollback to ${this.result.to.version}: ${this.config.image} failed the ${STAGE_TITLES[outcome.failedStage].toLowerCase()}`;
    const options = {
      provider: this.provider.name,
      service: this.release.target.service,
      from: outcome.version ?? null,
      description,
      ok: outcome.result === 'rolled-back',
    };
    try {
      await recordRollback(record, this.result, this.ctx.sha, options);
    } catch (error) {
      core.warning(`Could not record the rollback as a GitHub Deployment: ${errorMessage(error)}`);
    }
  }
}
