import * as core from '@actions/core';
import type { RunContext } from '../context.js';
import { cancelReason, untilCancelled } from '../cancel.js';
import { UserError, errorMessage } from '../errors.js';
import type { Deployment } from '../github/deployments.js';
import { lastRecordedRelease } from '../github/history.js';
import { isOutage } from '../github/octokit.js';
import { deploymentRecord, type DeploymentRecord } from '../github/record.js';
import type { DeployRequest, DeployResult, Provider, Release, Target } from '../providers/types.js';
import type { DeployConfig } from './inputs.js';
import type { DeployedRelease } from './pipeline.js';

/**
 * The deploy stage: this run's image put live by the provider and recorded
 * as a GitHub Deployment. deploy-to-env is this stage alone; the one-step
 * deploy runs it in its pipeline and settles the record once the checks after
 * it are done.
 */
export class ReleaseStage {
  readonly record?: DeploymentRecord;
  /** What the provider put live, once it did. */
  result?: DeployResult;
  /** For a provider without history: the live release as GitHub recorded it. */
  private recorded?: Release;
  /** Why this deploy has no GitHub Deployment although it should (GitHub could not be reached). */
  missing?: string;
  private before?: Promise<Release | undefined>;

  constructor(
    private readonly provider: Provider,
    private readonly config: DeployConfig,
    readonly target: Target,
    private readonly ctx: RunContext,
  ) {
    this.record = deploymentRecord(ctx, {
      token: config['github-token'],
      environment: config.environment,
      environmentUrl: config['environment-url'],
    });
  }

  /**
   * Learn what is live from GitHub when the provider keeps no history (before
   * this deploy is recorded, or it would find itself), then record this
   * deploy as in progress. A failure here stops everything before any change.
   */
  async open(): Promise<Deployment | undefined> {
    this.provider.prepare?.();
    const { record } = this;
    if (!record) return undefined;
    const { image } = this.config;
    const payload = { image, provider: this.provider.name, version: image, service: this.target.service };
    try {
      // Cut short by a cancel: nothing has changed yet (a record created meanwhile is failed by the post step).
      if (!this.provider.keepsHistory)
        this.recorded = await untilCancelled(lastRecordedRelease(record.client, this.config.environment));
      return await untilCancelled(record.start(this.ctx.sha || this.ctx.ref, payload, `Deploy ${image}`));
    } catch (error) {
      this.missing = missingRecord(this.provider, error);
      return undefined;
    }
  }

  /** Put the image live on every target. */
  async deploy(): Promise<DeployResult> {
    this.result = await this.provider.deploy(deployRequest(this.config, this.target, this.ctx, this.recorded));
    return this.result;
  }

  /** The stage in the pipeline: the deploy, with its one-line account. */
  async run(): Promise<DeployedRelease> {
    const { current, previous, targets } = await this.deploy();
    const was = previous ? ` (was ${previous.version})` : ' (first release)';
    return {
      version: current.version,
      previousVersion: previous?.version,
      detail: `${current.version} live on ${targets} target${targets === 1 ? '' : 's'}${was}`,
    };
  }

  /**
   * What was live before this deploy: GitHub's record, else the provider's,
   * read once (a deploy that fails leaves the live release as it was). When
   * it cannot be read: a warning, and nothing.
   */
  liveBefore(): Promise<Release | undefined> {
    this.before ??= this.recorded
      ? Promise.resolve(this.recorded)
      : this.provider.current(this.target).catch((error: unknown) => {
          core.warning(
            `Could not read the live release (DEPLOY_PREVIOUS_VERSION and previous-version stay empty): ${errorMessage(error)}`,
          );
          return undefined;
        });
    return this.before;
  }

  /** The environment's URL: what the deploy learned ($DEPLOY_OUTPUT), else the `environment-url` input. */
  get environmentUrl(): string | undefined {
    return this.result?.url ?? this.config['environment-url'];
  }

  /** Set this deploy's GitHub Deployment to success, or to failure with the first line of `error`. */
  async settle(error?: string): Promise<void> {
    if (error === undefined)
      await this.record?.succeed(`Deployed ${this.result?.current.version ?? this.config.image}`, this.result?.url);
    else await this.record?.fail(cancelReason() ?? error.split('\n')[0]);
  }
}

/**
 * A GitHub Deployment that could not be written. A GitHub outage does not stop
 * a provider that keeps its history on its targets: a warning, and the deploy
 * goes on (a hotfix does not wait for GitHub). Anything else, or a provider
 * whose history is GitHub's, stops the deploy before anything changes.
 */
export function missingRecord(provider: Provider, error: unknown): string {
  if (!isOutage(error)) throw error;
  const why = errorMessage(error).split('\n')[0];
  if (!provider.keepsHistory)
    throw new UserError(
      `${why}: nothing was deployed, the ${provider.name} provider keeps its release history in GitHub Deployments`,
    );
  const anyway = `deploying anyway, the ${provider.name} provider keeps its own release history`;
  core.warning(`The GitHub Deployment is missing (${why}): ${anyway}`);
  return why;
}

/** What a provider is asked to deploy: `image` as this run's release. */
export function deployRequest(
  config: DeployConfig,
  target: Target,
  ctx: RunContext,
  live: Release | undefined,
): DeployRequest {
  return {
    ...target,
    release: { image: config.image, version: config.image, commit: ctx.sha, runUrl: ctx.runUrl },
    strategy: config.strategy,
    port: config.port,
    publish: config.publish,
    readinessPath: config['readiness-path'],
    readinessTimeoutMs: config['readiness-timeout'],
    env: config.env,
    keep: config.keep,
    live,
  };
}
