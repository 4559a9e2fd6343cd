import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { formatDuration } from '../../../shared/duration.js';
import { errorMessage, UserError } from '../../../shared/errors.js';
import { runHook, type HookEnv } from '../../../shared/deploy/hooks.js';
import { DeployNotifier } from '../../../shared/deploy/notifier.js';
import { runPipeline, STAGE_TITLES, type StageOutcome } from '../../../shared/deploy/pipeline.js';
import { deploySummary, type GateRun } from '../../../shared/deploy/summary.js';
import { DeploymentRecord } from '../../../shared/github/record.js';
import { runGate } from '../../../shared/health/gate.js';
import { providerContext, providerPost, saveProviderState } from '../../../shared/providers/config.js';
import type { DeployResult, Release, RollbackResult } from '../../../shared/providers/types.js';
import { run } from '../../../shared/run.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const { config, settings, module } = readConfig();
  const ctx = runContext();
  const service = config.service || ctx.repo;
  const target = { service, environment: config.environment };
  const envUrl = config['environment-url'];
  const healthUrl = config['health-url'] ?? (envUrl ? new URL(config['health-path'], envUrl).href : undefined);
  const provider = module.create(settings, providerContext(ctx.runnerTemp));
  saveProviderState(module, provider);
  core.info(`Deploying ${config.image} to ${config.environment} (${service}, ${module.name}, ${config.strategy})`);

  const notifier = new DeployNotifier({
    destination: config.slack,
    environment: config.environment,
    environmentUrl: envUrl,
    version: config.image,
    mention: config['slack-mention'],
    log: core.info,
    warn: core.warning,
  });
  const newRecord = () =>
    new DeploymentRecord({
      token: config['github-token']!,
      apiUrl: ctx.apiUrl,
      repository: ctx.repository,
      environment: config.environment,
      environmentUrl: envUrl,
      logUrl: ctx.runUrl,
      log: core.info,
      warn: core.warning,
    });
  const record = config['github-token'] ? newRecord() : undefined;

  await notifier.started();
  try {
    const deployment = await record?.start(ctx.sha || ctx.ref, { image: config.image, provider: module.name, version: config.image, service }, `Deploy ${config.image}`);
    if (deployment) core.setOutput('deployment-id', String(deployment.id));
  } catch (error) {
    await notifier.finished('failed', [], `Could not record the GitHub Deployment, nothing was deployed: ${errorMessage(error)}`);
    throw error;
  }

  let deployed: DeployResult | undefined;
  let rolledBack: RollbackResult | undefined;
  const gates: GateRun[] = [];
  const hookEnv = (version: string, previous: string): HookEnv => ({
    DEPLOY_IMAGE: config.image,
    DEPLOY_VERSION: version,
    DEPLOY_ENVIRONMENT: config.environment,
    DEPLOY_PREVIOUS_VERSION: previous,
    DEPLOY_SERVICE: service,
    DEPLOY_ENVIRONMENT_URL: envUrl ?? '',
  });
  const hook = (name: string, script: string | undefined, env: () => Promise<HookEnv>) =>
    script ? async (): Promise<StageOutcome> => ({ ok: true, detail: await runHook(name, script, await env(), { cwd: ctx.workspace, timeoutMs: config['hooks-timeout'] }) }) : undefined;

  /** The health gate on `healthUrl`: after the deploy, and again on the release a rollback returned to. */
  const gate = (label: string) => async (): Promise<StageOutcome> => {
    core.info(`${label}: waiting for ${healthUrl} to be healthy (${config['health-success-threshold']} consecutive passes, deadline ${formatDuration(config['health-deadline'])})`);
    const result = await runGate({
      url: healthUrl!,
      method: config['health-method'],
      headers: config['health-headers'],
      expectStatus: config['health-expect-status'],
      bodyContains: config['health-body-contains'],
      jsonAssertions: config['health-json-assertions'],
      maxLatencyMs: config['health-max-latency'],
      timeoutMs: config['health-probe-timeout'],
      intervalMs: config['health-interval'],
      deadlineMs: config['health-deadline'],
      successThreshold: config['health-success-threshold'],
      maxFailures: config['health-max-failures'],
      log: core.info,
    });
    gates.push({ label, url: healthUrl!, result });
    const p95 = result.p95 === undefined ? '' : `, p95 ${formatDuration(result.p95)}`;
    return result.healthy ? { ok: true, detail: `healthy after ${result.attempts} probes${p95}` } : { ok: false, detail: result.reason ?? 'not healthy' };
  };

  const outcome = await runPipeline({
    preDeploy: hook('pre-deploy-command', config['pre-deploy-command'], async () => {
      const live = await provider.current(target).catch((error: unknown) => {
        core.warning(`Could not read the live release for DEPLOY_PREVIOUS_VERSION: ${errorMessage(error)}`);
        return undefined;
      });
      return hookEnv(config.image, live?.version ?? '');
    }),
    deploy: async () => {
      deployed = await provider.deploy({
        ...target,
        release: { image: config.image, version: config.image, commit: ctx.sha, runUrl: ctx.runUrl },
        strategy: config.strategy,
        port: config.port,
        publish: config.publish,
        healthPath: config['health-path'],
        healthTimeoutMs: config['health-timeout'],
        env: config.env,
        keep: config.keep,
      });
      const { current, previous, targets } = deployed;
      return {
        version: current.version,
        previousVersion: previous?.version,
        detail: `${current.version} live on ${targets} target${targets === 1 ? '' : 's'}${previous ? ` (was ${previous.version})` : ' (first release)'}`,
      };
    },
    gate: healthUrl ? gate('Health gate') : undefined,
    postDeploy: hook('post-deploy-command', config['post-deploy-command'], async () => hookEnv(deployed!.current.version, deployed!.previous?.version ?? '')),
    rollback: config['auto-rollback']
      ? async (to: string, reason: string): Promise<StageOutcome> => {
          core.info(`Rolling back ${service} on ${config.environment} to ${to}: ${reason}`);
          const previous: Release | undefined = deployed?.previous;
          rolledBack = await provider.rollback({
            ...target,
            // A provider without history (command) is told which release to return to.
            to: provider.keepsHistory ? undefined : previous?.image,
            reason,
            publish: config.publish,
            healthPath: config['health-path'],
            healthTimeoutMs: config['health-timeout'],
            runUrl: ctx.runUrl,
          });
          return { ok: true, detail: `${rolledBack.to.version} live again${rolledBack.from ? `; ${rolledBack.from.version} marked failed` : ''}` };
        }
      : undefined,
    verifyRollback: healthUrl ? gate('Rollback verification') : undefined,
    onStage: async (stage, all) => {
      const line = `${STAGE_TITLES[stage.name]}: ${stage.status}${stage.status === 'skipped' ? '' : ` in ${formatDuration(stage.ms)}`} — ${stage.detail}`;
      if (stage.status === 'failure') core.error(line);
      else core.info(line);
      await notifier.progress(all);
    },
  });
  await provider.close();

  // GitHub Deployments: this release's outcome, and the rollback as a deployment of the old release.
  if (record) {
    if (outcome.result === 'success') await record.succeed(`Deployed ${outcome.version}`);
    else await record.fail((outcome.error ?? 'failed').split('\n')[0]!);
  }
  if (record && rolledBack) {
    const back = newRecord();
    const description = `Rollback to ${rolledBack.to.version}: ${config.image} failed the ${STAGE_TITLES[outcome.failedStage!].toLowerCase()}`;
    try {
      await back.start(rolledBack.to.commit || ctx.sha, { image: rolledBack.to.image, provider: module.name, version: rolledBack.to.version, service, rollback: true, from: outcome.version ?? null }, description);
      if (outcome.result === 'rolled-back') await back.succeed(description);
      else await back.fail(description);
    } catch (error) {
      core.warning(`Could not record the rollback as a GitHub Deployment: ${errorMessage(error)}`);
    }
  }

  core.setOutput('result', outcome.result);
  core.setOutput('version', outcome.version ?? '');
  core.setOutput('previous-version', outcome.previousVersion ?? '');
  core.setOutput('environment-url', envUrl ?? '');
  core.setOutput('failed-stage', outcome.failedStage ?? '');

  await notifier.finished(outcome.result, outcome.stages, outcome.error?.split('\n')[0]);
  await writeSummary(
    deploySummary({
      environment: config.environment,
      service,
      image: config.image,
      provider: module.name,
      strategy: config.strategy,
      environmentUrl: envUrl,
      outcome,
      gates,
      deployDetails: deployed?.details ?? [],
      rollbackDetails: rolledBack?.details ?? [],
      rolledBackTo: rolledBack?.to.version,
      deploymentId: record?.deployment?.id,
      slack: notifier.where ? { where: notifier.where, result: notifier.last } : undefined,
    }),
  );

  if (outcome.result !== 'success') throw new UserError(outcome.error ?? `deploy ${outcome.result}`);
  core.info(`${outcome.version} is live on ${config.environment}`);
}

await run(main, providerPost);
