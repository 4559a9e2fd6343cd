import { errorMessage } from '../errors.js';

/**
 * The one-step deploy as a sequence of stages: pre-deploy → deploy → smoke →
 * health gate → post-deploy, and on a failed smoke test or gate, rollback →
 * verify the old release. The stages are functions supplied by the caller
 * (the deploy action wires in the provider, smoke test, gate, scripts), so the
 * order and the rules of this file hold whatever the provider.
 */

export type StageName = 'pre-deploy' | 'deploy' | 'smoke' | 'health-gate' | 'post-deploy' | 'rollback' | 'verify-rollback';
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

const ORDER: StageName[] = ['pre-deploy', 'deploy', 'smoke', 'health-gate', 'post-deploy', 'rollback', 'verify-rollback'];

export async function runPipeline(stages: DeployStages): Promise<PipelineResult> {
  const records: StageRecord[] = [];

  const record = async (name: StageName, status: StageStatus, ms: number, detail: string) => {
    const entry: StageRecord = { name, status, ms, detail };
    records.push(entry);
    await stages.onStage?.(entry, records);
    return entry;
  };

  /** Run one stage; an absent stage is skipped with `skipReason`. */
  const stage = async (name: StageName, fn: (() => Promise<StageOutcome>) | undefined, skipReason: string): Promise<StageRecord> => {
    if (!fn) return record(name, 'skipped', 0, skipReason);
    await stages.onStart?.(name, records);
    const started = performance.now();
    let outcome: StageOutcome;
    try {
      outcome = await fn();
    } catch (error) {
      outcome = { ok: false, detail: errorMessage(error) };
    }
    return record(name, outcome.ok ? 'success' : 'failure', performance.now() - started, outcome.detail);
  };

  /** Record every stage that did not run, with why, in pipeline order. */
  const finish = async (result: Omit<PipelineResult, 'stages'>, rollbackSkipped = 'not needed'): Promise<PipelineResult> => {
    const notRun = result.failedStage ? `not run: ${STAGE_TITLES[result.failedStage].toLowerCase()} failed` : 'not run';
    for (const name of ORDER) {
      if (records.some((r) => r.name === name)) continue;
      await record(name, 'skipped', 0, name === 'rollback' || name === 'verify-rollback' ? rollbackSkipped : notRun);
    }
    records.sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
    return { ...result, stages: records };
  };

  const pre = await stage('pre-deploy', stages.preDeploy, 'no pre-deploy-command');
  if (pre.status === 'failure') {
    return finish({ result: 'failed', failedStage: 'pre-deploy', error: `pre-deploy command failed, nothing was deployed: ${pre.detail}` });
  }

  let release: DeployedRelease | undefined;
  const deploy = await stage('deploy', async () => {
    release = await stages.deploy();
    return { ok: true, detail: release.detail };
  }, 'never skipped');
  if (!release) {
    return finish({ result: 'failed', failedStage: 'deploy', error: `deploy failed: ${deploy.detail}` });
  }
  const { version, previousVersion } = release;

  let failed: StageRecord | undefined;
  const smoke = await stage('smoke', stages.smoke, 'no smoke checks');
  if (smoke.status === 'failure') failed = smoke;
  else {
    const gate = await stage('health-gate', stages.gate, 'no health URL');
    if (gate.status === 'failure') failed = gate;
  }

  if (!failed) {
    const post = await stage('post-deploy', stages.postDeploy, 'no post-deploy-command');
    if (post.status === 'failure') {
      // The release is live and healthy: a failed hook (cache purge, notification) does not justify taking it down.
      return finish({ result: 'failed', failedStage: 'post-deploy', error: `${version} is live and healthy, but the post-deploy command failed: ${post.detail}`, version, previousVersion });
    }
    return finish({ result: 'success', version, previousVersion });
  }

  const why = `${STAGE_TITLES[failed.name].toLowerCase()} failed: ${failed.detail}`;
  const base = { failedStage: failed.name, version, previousVersion };
  if (!stages.rollback) {
    return finish({ ...base, result: 'failed', error: `${why} (auto-rollback is off: ${version} stays live)` }, 'not run: auto-rollback is off');
  }
  if (!previousVersion) {
    return finish({ ...base, result: 'failed', error: `${why}; no previous release to roll back to` }, 'not run: no previous release');
  }
  const back = await stage('rollback', () => stages.rollback!(previousVersion, why), 'never skipped');
  if (back.status === 'failure') {
    return finish({ ...base, result: 'failed', error: `${why}; the rollback to ${previousVersion} failed too: ${back.detail}` }, 'not run: the rollback failed');
  }
  const verify = await stage('verify-rollback', stages.verifyRollback, 'no health URL to verify with');
  if (verify.status === 'failure') {
    return finish({ ...base, result: 'failed', error: `${why}; rolled back to ${previousVersion}, but it is not healthy either: ${verify.detail}` });
  }
  return finish({ ...base, result: 'rolled-back', error: `${why}; rolled back to ${previousVersion}: ${version} did not ship` });
}
