import * as core from '@actions/core';
import { deployPost } from '../../../shared/deploy/post.js';
import { runContext } from '../../../shared/context.js';
import { GateStage } from '../../../shared/deploy/gate.js';
import { postDeployHook, preDeployHook, preRollbackHook } from '../../../shared/deploy/hooks.js';
import { deployNotifier } from '../../../shared/deploy/notifier.js';
import { runPipeline } from '../../../shared/deploy/pipeline.js';
import { ReleaseStage } from '../../../shared/deploy/release.js';
import { stageLine } from '../../../shared/deploy/report.js';
import { RollbackStage } from '../../../shared/deploy/rollback.js';
import { smokeStage } from '../../../shared/deploy/smoke.js';
import { deploySummary } from '../../../shared/deploy/summary.js';
import { errorMessage, UserError } from '../../../shared/errors.js';
import { info } from '../../../shared/log.js';
import { checkStrategy, withProvider } from '../../../shared/providers/config.js';
import { run } from '../../../shared/run.js';
import { writeSummary } from '../../../shared/summary.js';
import { readConfig } from './config.js';

/**
 * deploy → smoke test → health gate → post-deploy, and when a check fails,
 * rollback → verify; one Slack message and the GitHub Deployments follow it.
 */
async function main(): Promise<void> {
  const { config, settings, module } = readConfig();
  const { image, environment, service, healthUrl } = config;
  const ctx = runContext();
  checkStrategy(module, config.strategy);
  // Built before anything changes: a mistake in the smoke checks stops the deploy here.
  const smoke = smokeStage(config.smoke, ctx.workspace, config['environment-url'], 'smoke-');
  let gate = healthUrl ? new GateStage(config.gate, healthUrl) : undefined;
  const notifier = deployNotifier(config);

  await withProvider(module, settings, ctx.runnerTemp, async (provider) => {
    info(`Deploying ${image} to ${environment} (${service}, ${module.name}, ${config.strategy})`);
    const release = new ReleaseStage(provider, config, { service, environment }, ctx);
    const rollback = config['auto-rollback']
      ? new RollbackStage(provider, config, release, ctx, preRollbackHook(config, ctx.workspace))
      : undefined;
    await notifier.started();
    const deployment = await release.open().catch(async (error: unknown) => {
      await notifier.finished(
        'failed',
        [],
        `Could not record the GitHub Deployment, nothing was deployed: ${errorMessage(error)}`,
      );
      throw error;
    });
    if (deployment) core.setOutput('deployment-id', String(deployment.id));

    const outcome = await runPipeline({
      preDeploy: preDeployHook(config, ctx.workspace, () => release.liveBefore()),
      deploy: () => release.run(),
      smoke: smoke && (() => smoke.run(release.environmentUrl)),
      // Read once the deploy ran: a URL the deploy command reported ($DEPLOY_OUTPUT) gives the gate its URL.
      get gate() {
        const learned = release.result?.url;
        if (!gate && learned) gate = new GateStage(config.gate, new URL(config['readiness-path'] || '/', learned).href);
        const stage = gate;
        return stage && (() => stage.gate(release.result?.current.version));
      },
      postDeploy: postDeployHook(config, ctx.workspace, () => release.result!),
      rollback: rollback && ((to, reason) => rollback.run(to, reason)),
      get verifyRollback() {
        const stage = gate;
        return stage && (() => stage.verify());
      },
      liveVersion: async () => (await release.liveBefore())?.version,
      onStart: (name, done) => notifier.progress(name, done),
      onStage: (stage) => (stage.status === 'failure' ? core.error(stageLine(stage)) : info(stageLine(stage))),
    });

    // GitHub Deployments: this release's outcome, and a rollback as a deployment of the release it put back.
    await release.settle(outcome.result === 'success' ? undefined : (outcome.error ?? 'failed'));
    await rollback?.record(outcome);

    core.setOutput('result', outcome.result);
    core.setOutput('version', outcome.version ?? '');
    core.setOutput('previous-version', outcome.previousVersion ?? '');
    core.setOutput('environment-url', release.environmentUrl ?? '');
    core.setOutput('failed-stage', outcome.failedStage ?? '');
    await notifier.finished(outcome.result, outcome.stages, outcome.error?.split('\n')[0]);
    await writeSummary(
      deploySummary({ config, provider: module.name, outcome, deployment, release, smoke, gate, rollback, notifier }),
    );

    if (outcome.result !== 'success') throw new UserError(outcome.error ?? `deploy ${outcome.result}`);
    info(`${outcome.version} is live on ${environment}`);
  });
}

await run(main, deployPost, { cancellable: true });
