import * as core from '@actions/core';
import { runContext } from '../../../shared/context.js';
import { formatDuration } from '../../../shared/duration.js';
import { errorMessage, UserError } from '../../../shared/errors.js';
import { DeployNotifier } from '../../../shared/deploy/notifier.js';
import { runPipeline, STAGE_TITLES, type StageOutcome } from '../../../shared/deploy/pipeline.js';
import { deploySummary, type GateRun } from '../../../shared/deploy/summary.js';
import { deploymentRecord } from '../../../shared/github/record.js';
import { runGate } from '../../../shared/health/gate.js';
import { metricsOptions } from '../../../shared/health/metric-inputs.js';
import { metricsSummary } from '../../../shared/health/metrics-report.js';
import { info } from '../../../shared/log.js';
import { runScript, type ScriptVariables } from '../../../shared/providers/command/script.js';
import { checkStrategy, deployRequest, providerContext, providerPost, saveProviderState } from '../../../shared/providers/config.js';
import { lastRecordedRelease } from '../../../shared/github/history.js';
import type { DeployResult, Release, RollbackResult } from '../../../shared/providers/types.js';
import { Redactor } from '../../../shared/redact.js';
import { run } from '../../../shared/run.js';
import type { FlowSpec } from '../../../shared/smoke/checks.js';
import { runFlows } from '../../../shared/smoke/flows.js';
import { loadFlows } from '../../../shared/smoke/load.js';
import { smokeSummary, totals } from '../../../shared/smoke/report.js';
import { checkVariables } from '../../../shared/smoke/vars.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

async function main(): Promise<void> {
  const { config, settings, module } = readConfig();
  const ctx = runContext();
  const service = config.service || ctx.repo;
  const target = { service, environment: config.environment };
  const envUrl = config['environment-url'];
  const healthUrl = config['health-url'] ?? (envUrl ? new URL(config['readiness-path'], envUrl).href : undefined);
  checkStrategy(module, config.strategy);
  const flows = smokeFlows(config, ctx.workspace);
  const provider = module.create(settings, providerContext(ctx.runnerTemp));
  saveProviderState(module, provider);
  info(`Deploying ${config.image} to ${config.environment} (${service}, ${module.name}, ${config.strategy})`);

  const notifier = new DeployNotifier({
    destination: config.slack,
    environment: config.environment,
    environmentUrl: envUrl,
    version: config.image,
    mention: config['slack-mention'],
    log: info,
    warn: core.warning,
  });
  const newRecord = () =>
    deploymentRecord(ctx, { token: config['github-token'], environment: config.environment, environmentUrl: envUrl });
  const record = newRecord();

  await notifier.started();
  let live: Release | undefined;
  try {
    // A provider without its own history learns what is live from GitHub, before this deploy is recorded.
    if (record && !provider.keepsHistory) live = await lastRecordedRelease(record.client, config.environment);
    const deployment = await record?.start(ctx.sha || ctx.ref, { image: config.image, provider: module.name, version: config.image, service }, `Deploy ${config.image}`);
    if (deployment) core.setOutput('deployment-id', String(deployment.id));
  } catch (error) {
    await notifier.finished('failed', [], `Could not record the GitHub Deployment, nothing was deployed: ${errorMessage(error)}`);
    await provider.close();
    throw error;
  }

  let deployed: DeployResult | undefined;
  let rolledBack: RollbackResult | undefined;
  const gates: GateRun[] = [];
  const secrets = new Redactor();
  for (const value of Object.values(config['smoke-headers'])) secrets.add(value);
  const hookVariables = (version: string, previous: string): ScriptVariables => ({
    DEPLOY_IMAGE: config.image,
    DEPLOY_VERSION: version,
    DEPLOY_ENVIRONMENT: config.environment,
    DEPLOY_PREVIOUS_VERSION: previous,
    DEPLOY_SERVICE: service,
  });
  /** pre-/post-deploy-command, run exactly like the command provider's scripts. */
  const hook = (input: string, script: string | undefined, variables: () => Promise<ScriptVariables>) =>
    script
      ? async (): Promise<StageOutcome> => {
          const { ms } = await runScript({
            input,
            script,
            variables: await variables(),
            extraEnv: { ...config.env, DEPLOY_ENVIRONMENT_URL: envUrl ?? '' },
            cwd: ctx.workspace,
            timeoutMs: config['hooks-timeout'],
            timeoutInput: 'hooks-timeout',
          });
          return { ok: true, detail: `exited 0 after ${formatDuration(ms)}` };
        }
      : undefined;

  const smokeSections: string[] = [];
  const smoke = async (): Promise<StageOutcome> => {
    const started = performance.now();
    const results = await runFlows(flows, {
      baseUrl: envUrl!,
      headers: config['smoke-headers'],
      timeoutMs: config['smoke-timeout'],
      retries: config['smoke-retries'],
      concurrency: config['smoke-concurrency'],
      env: checkVariables(process.env, config['smoke-variables']),
      onSecret: (value) => secrets.add(value),
      log: (line) => info(secrets.redact(line)),
    });
    smokeSections.push('### Smoke test', secrets.redact(smokeSummary(envUrl!, results, performance.now() - started)).replace(/^### /, '#### '));
    const t = totals(results);
    if (t.failed === 0) return { ok: true, detail: `${t.steps} step${t.steps === 1 ? '' : 's'} passed in ${t.flows} flow${t.flows === 1 ? '' : 's'}` };
    const first = results.flatMap((f) => f.steps.filter((st) => !st.ok && !st.skipped).map((st) => `${f.flow} / ${st.step}: ${st.problems.join('; ')}`))[0];
    return { ok: false, detail: secrets.redact(`${t.failed} of ${t.steps} steps failed (first: ${first})`) };
  };

  /**
   * The health gate on `healthUrl`: after the deploy (with the Prometheus
   * checks, `$VERSION` the version deployed), and again, probes only, on the
   * release a rollback returned to (its metrics would still show the bad release).
   */
  const gate = (label: string, withMetrics: boolean) => async (): Promise<StageOutcome> => {
    const probe = { intervalMs: config['health-interval'], timeoutMs: config['health-timeout'] };
    const metrics = withMetrics ? metricsOptions({ ...config.metrics, version: config.metrics.version ?? deployed?.current.version }, probe) : undefined;
    info(`${label}: waiting for ${healthUrl} to be healthy (${config['health-success-threshold']} consecutive passes, deadline ${formatDuration(config['health-deadline'])})`);
    const result = await runGate({
      url: healthUrl!,
      method: config['health-method'],
      headers: config['health-headers'],
      expectStatus: config['health-expect-status'],
      bodyContains: config['health-body-contains'],
      jsonAssertions: config['health-json-assertions'],
      maxLatencyMs: config['health-max-latency'],
      timeoutMs: config['health-timeout'],
      intervalMs: config['health-interval'],
      deadlineMs: config['health-deadline'],
      successThreshold: config['health-success-threshold'],
      maxFailures: config['health-max-failures'],
      log: info,
      metrics,
    });
    gates.push({ label, url: healthUrl!, result, metricsSection: result.metrics && metrics && metricsSummary(result.metrics, metrics).replace(/^### /, '#### ') });
    const p95 = result.p95 === undefined ? '' : `, p95 ${formatDuration(result.p95)}`;
    return result.healthy ? { ok: true, detail: `healthy after ${result.attempts} probes${p95}` } : { ok: false, detail: result.reason ?? 'not healthy' };
  };

  const outcome = await runPipeline({
    preDeploy: hook('pre-deploy-command', config['pre-deploy-command'], async () => {
      const current =
        live ??
        (await provider.current(target).catch((error: unknown) => {
          core.warning(`Could not read the live release for DEPLOY_PREVIOUS_VERSION: ${errorMessage(error)}`);
          return undefined;
        }));
      return hookVariables(config.image, current?.version ?? '');
    }),
    deploy: async () => {
      deployed = await provider.deploy(deployRequest(config, target, ctx, live));
      const { current, previous, targets } = deployed;
      return {
        version: current.version,
        previousVersion: previous?.version,
        detail: `${current.version} live on ${targets} target${targets === 1 ? '' : 's'}${previous ? ` (was ${previous.version})` : ' (first release)'}`,
      };
    },
    smoke: flows.length ? smoke : undefined,
    gate: healthUrl ? gate('Health gate', true) : undefined,
    postDeploy: hook('post-deploy-command', config['post-deploy-command'], async () => hookVariables(deployed!.current.version, deployed!.previous?.version ?? '')),
    rollback: config['auto-rollback']
      ? async (to: string, reason: string): Promise<StageOutcome> => {
          info(`Rolling back ${service} on ${config.environment} to ${to}: ${reason}`);
          const previous: Release | undefined = deployed?.previous;
          rolledBack = await provider.rollback({
            ...target,
            // A provider without history (command) is told which release to return to.
            to: provider.keepsHistory ? undefined : previous?.image,
            reason,
            publish: config.publish,
            readinessPath: config['readiness-path'],
            readinessTimeoutMs: config['readiness-timeout'],
            runUrl: ctx.runUrl,
            live: deployed?.current,
          });
          return { ok: true, detail: `${rolledBack.to.version} live again${rolledBack.from ? `; ${rolledBack.from.version} marked failed` : ''}` };
        }
      : undefined,
    verifyRollback: healthUrl ? gate('Rollback verification', false) : undefined,
    onStart: (name, done) => notifier.progress(name, done),
    onStage: (stage) => {
      const line = `${STAGE_TITLES[stage.name]}: ${stage.status}${stage.status === 'skipped' ? '' : ` in ${formatDuration(stage.ms)}`} — ${stage.detail}`;
      if (stage.status === 'failure') core.error(line);
      else info(line);
    },
  });
  await provider.close();

  // GitHub Deployments: this release's outcome, and the rollback as a deployment of the old release.
  if (record) {
    if (outcome.result === 'success') await record.succeed(`Deployed ${outcome.version}`);
    else await record.fail((outcome.error ?? 'failed').split('\n')[0]!);
  }
  if (record && rolledBack) {
    const back = newRecord()!;
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
      sections: smokeSections,
      deployDetails: deployed?.details ?? [],
      rollbackDetails: rolledBack?.details ?? [],
      rolledBackTo: rolledBack?.to.version,
      deploymentId: record?.deployment?.id,
      slack: notifier.where ? { where: notifier.where, result: notifier.last } : undefined,
    }),
  );

  if (outcome.result !== 'success') throw new UserError(outcome.error ?? `deploy ${outcome.result}`);
  info(`${outcome.version} is live on ${config.environment}`);
}

/** Every smoke flow, parsed before anything changes: a mistake in the checks stops the deploy up front. */
function smokeFlows(config: ReturnType<typeof readConfig>['config'], workspace: string): FlowSpec[] {
  if (!config['smoke-checks'].trim() && !config['smoke-checks-file'] && !config['smoke-paths'].length) return [];
  try {
    return loadFlows({ checks: config['smoke-checks'], checksFile: config['smoke-checks-file'], workspace, shorthand: config['smoke-paths'], env: checkVariables(process.env, config['smoke-variables']) });
  } catch (error) {
    // The smoke-test action names its own inputs; here they carry the smoke- prefix.
    if (error instanceof UserError) throw new UserError(`Smoke checks: ${error.message.replace(/"(checks|checks-file|variables)"/g, '"smoke-$1"')}`);
    throw error;
  }
}

await run(main, providerPost);
