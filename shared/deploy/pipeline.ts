import { cancelReason, untilCancelled } from '../cancel.js';
import { errorMessage } from '../errors.js';

/**
 * The one-step deploy as a sequence of stages: pre-deploy → deploy → smoke →
 * health gate → post-deploy, and on a failed smoke test or gate, rollback →
 * verify the old release. The stages are functions supplied by the caller
 * (the deploy action wires in the provider, smoke test, gate, scripts), so the
 * order and the rules of this file hold whatever the provider.
 */

export type StageName =
  'pre-deploy' | 'deploy' | 'smoke' | 'health-gate' | 'post-deploy' | 'rollback' | 'verify-rollback';
export type StageStatus = 'success' | 'failure' | 'skipped';
export type DeployResult = 'success' | 'rolled-back' | 'failed';

export const STAGE_TITLES: Record<StageName, string> = {
  'pre-deploy': 'Pre-deploy command',
  deploy: 'Deploy',
  smoke: 'Smoke test',
  'health-gate': 'Health gate',
  'post-deploy': 'Post-deploy command',
  rollback: 'Rollback',
  'verify-rollback': 'Verify rollback',
};

export interface StageRecord {
  name: StageName;
  status: StageStatus;
  ms: number;
  /** One line: what happened, or why it failed or was skipped. */
  detail: string;
}

/** What a stage returns: a verdict with its one-line detail. A thrown error is a failure with its message. */
export interface StageOutcome {
  ok: boolean;
  detail: string;
}

export interface DeployedRelease {
  version: string;
  /** The release that was live before, the one a rollback returns to. */
  previousVersion?: string;
  detail: string;
}

export interface DeployStages {
  preDeploy?: () => Promise<StageOutcome>;
  deploy: () => Promise<DeployedRelease>;
  smoke?: () => Promise<StageOutcome>;
  gate?: () => Promise<StageOutcome>;
  postDeploy?: () => Promise<StageOutcome>;
  /** Put `to` back live; absent when auto-rollback is off. */
  rollback?: (to: string, reason: string) => Promise<StageOutcome>;
  /** The health check of the release rolled back to. */
  verifyRollback?: () => Promise<StageOutcome>;
  /**
   * The version live before this deploy, asked when the deploy stage did not
   * say (it failed or never ran), so `previousVersion` is known whenever
   * something was live. Must not throw.
   */
  liveVersion?: () => Promise<string | undefined>;
  /** Called before a stage runs, with the stages done so far (progress in the Slack message). */
  onStart?: (name: StageName, done: readonly StageRecord[]) => Promise<void> | void;
  /** Called after every stage, skipped ones included (progress in the log). */
  onStage?: (record: StageRecord, all: readonly StageRecord[]) => Promise<void> | void;
}

export interface PipelineResult {
  result: DeployResult;
  failedStage?: StageName;
  /** Why the run did not succeed, for the step's error. */
  error?: string;
  version?: string;
  previousVersion?: string;
  stages: StageRecord[];
}

const ORDER: StageName[] = [
  'pre-deploy',
  'deploy',
  'smoke',
  'health-gate',
  'post-deploy',
  'rollback',
  'verify-rollback',
];

export async function runPipeline(stages: DeployStages): Promise<PipelineResult> {
  const run = new PipelineRun(stages);
  const pre = await run.stage('pre-deploy', stages.preDeploy, 'no pre-deploy-command');
  if (pre.status === 'failure')
    return run.notDeployed('pre-deploy', `pre-deploy command failed, nothing was deployed: ${pre.detail}`);
  const { release, record } = await run.deploy();
  if (!release) return run.notDeployed('deploy', `deploy failed: ${record.detail}`);
  const failed = await run.checks();
  if (failed && cancelReason()) return run.cancelled(release, failed);
  return failed ? run.rollBack(release, failed) : run.postDeploy(release);
}

/** Stages a cancel cuts short at once; the provider's own (deploy, rollback) undo their work first, then fail. */
const CUT_ON_CANCEL: readonly StageName[] = ['pre-deploy', 'smoke', 'health-gate', 'post-deploy', 'verify-rollback'];

/** One run of the pipeline: the stages' records, in the order they happened, and each phase's rules. */
class PipelineRun {
  private readonly records: StageRecord[] = [];

  constructor(private readonly stages: DeployStages) {}

  /** Run one stage; an absent stage is skipped with `skipReason`. */
  async stage(
    name: StageName,
    fn: (() => Promise<StageOutcome>) | undefined,
    skipReason: string,
  ): Promise<StageRecord> {
    if (!fn) return this.record(name, 'skipped', 0, skipReason);
    await this.stages.onStart?.(name, this.records);
    const started = performance.now();
    let outcome: StageOutcome;
    try {
      outcome = await (CUT_ON_CANCEL.includes(name) ? untilCancelled(fn()) : fn());
    } catch (error) {
      outcome = { ok: false, detail: errorMessage(error) };
    }
    return this.record(name, outcome.ok ? 'success' : 'failure', performance.now() - started, outcome.detail);
  }

  /** The deploy stage, and the release it put live when it did. */
  async deploy(): Promise<{ release?: DeployedRelease; record: StageRecord }> {
    let release: DeployedRelease | undefined;
    const record = await this.stage(
      'deploy',
      async () => {
        release = await this.stages.deploy();
        return { ok: true, detail: release.detail };
      },
      'never skipped',
    );
    return { release, record };
  }

  /** The smoke test, then the gate: the first that failed, if one did. */
  async checks(): Promise<StageRecord | undefined> {
    const smoke = await this.stage('smoke', this.stages.smoke, 'no smoke checks');
    if (smoke.status === 'failure') return smoke;
    const gate = await this.stage('health-gate', this.stages.gate, 'no health URL');
    return gate.status === 'failure' ? gate : undefined;
  }

  /** Nothing changed: what was live still is, and is the previous version. */
  async notDeployed(failedStage: 'pre-deploy' | 'deploy', error: string): Promise<PipelineResult> {
    const previousVersion = await this.stages.liveVersion?.();
    return this.finish({ result: 'failed', failedStage, error, previousVersion });
  }

  /** The release passed its checks: the post-deploy command, whose failure keeps it live. */
  async postDeploy({ version, previousVersion }: DeployedRelease): Promise<PipelineResult> {
    const post = await this.stage('post-deploy', this.stages.postDeploy, 'no post-deploy-command');
    if (post.status !== 'failure') return this.finish({ result: 'success', version, previousVersion });
    // The release is live and healthy: a failed hook (cache purge, notification) does not justify taking it down.
    return this.finish({
      result: 'failed',
      failedStage: 'post-deploy',
      error: `${version} is live and healthy, but the post-deploy command failed: ${post.detail}`,
      version,
      previousVersion,
    });
  }

  /** Cancelled during a check: the release took traffic and stays; a rollback would not fit in a cancel's time. */
  async cancelled({ version, previousVersion }: DeployedRelease, failed: StageRecord): Promise<PipelineResult> {
    const during = STAGE_TITLES[failed.name].toLowerCase();
    const error = `${cancelReason()} during the ${during}: ${version} is live, not verified`;
    return this.finish(
      { result: 'failed', failedStage: failed.name, error, version, previousVersion },
      'not run: cancelled',
    );
  }

  /** A check failed: back to the previous release and verify it, when auto-rollback is on and there is one. */
  async rollBack({ version, previousVersion }: DeployedRelease, failed: StageRecord): Promise<PipelineResult> {
    const why = `${STAGE_TITLES[failed.name].toLowerCase()} failed: ${failed.detail}`;
    const base = { failedStage: failed.name, version, previousVersion, result: 'failed' as const };
    const { rollback, verifyRollback } = this.stages;
    if (!rollback)
      return this.finish(
        { ...base, error: `${why} (auto-rollback is off: ${version} stays live)` },
        'not run: auto-rollback is off',
      );
    if (!previousVersion)
      return this.finish(
        { ...base, error: `${why}; no previous release to roll back to` },
        'not run: no previous release',
      );
    const back = await this.stage('rollback', () => rollback(previousVersion, why), 'never skipped');
    if (back.status === 'failure')
      return this.finish(
        { ...base, error: `${why}; the rollback to ${previousVersion} failed too: ${back.detail}` },
        'not run: the rollback failed',
      );
    const verify = await this.stage('verify-rollback', verifyRollback, 'no health URL to verify with');
    if (verify.status === 'failure')
      return this.finish({
        ...base,
        error: `${why}; rolled back to ${previousVersion}, but it is not healthy either: ${verify.detail}`,
      });
    return this.finish({
      ...base,
      result: 'rolled-back',
      error: `${why}; rolled back to ${previousVersion}: ${version} did not ship`,
    });
  }

  private async record(name: StageName, status: StageStatus, ms: number, detail: string): Promise<StageRecord> {
    const entry: StageRecord = { name, status, ms, detail };
    this.records.push(entry);
    await this.stages.onStage?.(entry, this.records);
    return entry;
  }

  /** Record every stage that did not run, with why, in pipeline order. */
  private async finish(
    result: Omit<PipelineResult, 'stages'>,
    rollbackSkipped = 'not needed',
  ): Promise<PipelineResult> {
    const notRun = result.failedStage ? `not run: ${STAGE_TITLES[result.failedStage].toLowerCase()} failed` : 'not run';
    for (const name of ORDER) {
      if (this.records.some((r) => r.name === name)) continue;
      await this.record(
        name,
        'skipped',
        0,
        name === 'rollback' || name === 'verify-rollback' ? rollbackSkipped : notRun,
      );
    }
    this.records.sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
    return { ...result, stages: this.records };
  }
}
